//! The GraphQL API (compatible with Prismatic's public API conventions): global IDs, Relay
//! connections, `input:` mutations answering `{<object>, errors {field messages}}`.
//!
//! One module per resource; each contributes a query and a mutation object merged here.

mod components;
mod config_var_types;
mod config_vars;
mod connections;
mod customer_users;
mod customers;
mod errors;
mod executions;
mod instance_runs;
mod instance_types;
mod instances;
mod integrations;
pub mod limits;
mod marketplace;
mod model_integrations;
mod models;
mod oauth;
mod org;
mod relay;
mod signing_keys;
mod tokens;
mod users;

use std::sync::Arc;

use async_graphql::{EmptySubscription, MergedObject, Schema};
use plumb_runtime::Runtime;
use plumb_store::Store;

pub use errors::{FieldError, PayloadErrors};
pub use executions::TYPE as EXECUTION_TYPE;
pub use limits::GraphqlLimits;

/// The query root.
#[derive(MergedObject, Default)]
pub struct Query(
    org::OrgQuery,
    users::UserQuery,
    customers::CustomerQuery,
    customer_users::CustomerUserQuery,
    config_vars::ConfigVarQuery,
    components::ComponentQuery,
    models::ModelQuery,
    model_integrations::ModelIntegrationQuery,
    connections::ConnectionQuery,
    tokens::TokenQuery,
    integrations::IntegrationQuery,
    executions::ExecutionQuery,
    instances::InstanceQuery,
);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct Mutation(
    org::OrgMutation,
    customers::CustomerMutation,
    customer_users::CustomerUserMutation,
    config_vars::ConfigVarMutation,
    connections::ConnectionMutation,
    tokens::TokenMutation,
    integrations::IntegrationMutation,
    instances::InstanceMutation,
    instance_runs::InstanceRunMutation,
    executions::ExecutionMutation,
    oauth::OAuthMutation,
    models::ModelMutation,
    model_integrations::ModelIntegrationMutation,
    signing_keys::SigningKeyMutation,
    marketplace::MarketplaceMutation,
);

/// plumb's GraphQL schema.
pub type PlumbSchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema over a store, with the default [`GraphqlLimits`]. Requests must carry a
/// [`crate::http::auth::Caller`].
pub fn build_schema(store: Store, runtime: Arc<Runtime>) -> PlumbSchema {
    build_schema_with_vault(store, None, runtime, GraphqlLimits::default())
}

/// [`build_schema`] with the vault that seals connection secrets and the request limits.
pub fn build_schema_with_vault(
    store: Store,
    vault: Option<plumb_store::secrets::Vault>,
    runtime: Arc<Runtime>,
    limits: GraphqlLimits,
) -> PlumbSchema {
    // Depth, aliases, fields and cost are checked by `limits` on the parsed document, with
    // errors that name the limit; the parser's own recursion bound stays above the depth limit
    // (it also counts fragment levels) and keeps the walk's recursion shallow.
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .data(plumb_service::Services::new(
            store.clone(),
            vault.clone(),
            runtime.clone(),
        ))
        .data(store)
        .data(runtime)
        .limit_recursive_depth(limits.depth.saturating_mul(2).max(32))
        .extension(limits::LimitsExtension(limits));
    if let Some(v) = vault {
        builder = builder.data(v);
    }
    builder.finish()
}

/// The schema in SDL, as committed to `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .finish()
        .sdl()
}

/// The authenticated caller of the request.
pub(crate) fn caller<'a>(
    ctx: &async_graphql::Context<'a>,
) -> async_graphql::Result<&'a crate::http::auth::Caller> {
    ctx.data::<crate::http::auth::Caller>()
}

/// Decodes a global ID of `type_name`; `None` for a malformed ID or another type.
pub(crate) fn decode_id(type_name: &'static str, id: &async_graphql::ID) -> Option<uuid::Uuid> {
    plumb_core::id::decode(type_name, id.as_str()).ok()
}
