//! Scoped config variables (connection definitions): `scopedConfigVariables`,
//! `scopedConfigVariable`, `createScopedConfigVariable`, `updateScopedConfigVariable`,
//! `deleteScopedConfigVariable`. Their per-customer and test values are set through
//! `createCustomerConfigVariable` ([`values`]).
//!
//! Invariants: `stableKey` is unique per organization and never changes; a global input's value
//! cannot change once set (except on organization-scoped variables, the organization's own
//! credential); secret values are never answered, only whether they are set.

mod definitions;
pub(crate) mod input;
pub(crate) mod values;

use std::collections::BTreeMap;

use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};
use plumb_core::connection_types::{self, ConnectionType as CoreType};
use plumb_store::connection_values::{Slot, StoredValue};
use plumb_store::connections::{InputScope, ManagedBy, ScopedVar, ScopedVarFilter};
use plumb_store::{Store, StoreError};

use super::components::{connection_type_view, ConnectionType};
use super::config_vars::{CustomerConfigVariable, CustomerConfigVariableConnection};
use super::errors::{forbidden, internal, not_found, Result};
use super::relay::{connection, connection_type, page_request};
use super::{caller, decode_id};

pub use definitions::ConnectionMutation;

/// The global ID type of scoped config variables.
pub const TYPE: &str = "ScopedConfigVariable";

/// A connection definition of the organization: its connection type, who fills it in, and
/// which inputs are global.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ScopedConfigVariable {
    /// Global ID (`ScopedConfigVariable:<uuid>`, base64: `U2Nvc...`).
    pub id: ID,
    /// Display key.
    pub key: String,
    /// Unique in the organization, immutable; matches definitions across tenants.
    pub stable_key: String,
    /// Free text.
    pub description: String,
    /// `org` (one set of values) or `customer` (values per customer).
    pub variable_scope: String,
    /// `org` (organization-activated) or `customer` (customer-activated).
    pub managed_by: String,
    /// The connection type.
    pub connection: ConnectionType,
    #[graphql(skip)]
    pub(crate) row: ScopedVar,
}

/// One input of a scoped config variable: its scope and, for global inputs, its value.
#[derive(SimpleObject, Clone)]
pub struct ScopedConfigVariableInput {
    /// The connection input's key.
    pub name: String,
    /// Its type (`string`, `password`, ...).
    #[graphql(name = "type")]
    pub input_type: String,
    /// `global` or `customer`.
    pub input_scope: String,
    /// `{"inputScope": ...}` as a JSON string.
    pub meta: String,
    /// Whether its value is write-only.
    pub is_secret: bool,
    /// Whether a global value is set.
    pub is_set: bool,
    /// The global value (never for secret inputs).
    pub value: Option<String>,
}

#[ComplexObject]
impl ScopedConfigVariable {
    /// Every input of the connection type with its scope and global value.
    async fn inputs(&self, ctx: &Context<'_>) -> Result<Vec<ScopedConfigVariableInput>> {
        let store = ctx.data::<Store>()?;
        let ty = self.ty()?;
        let globals = global_values(store, &self.row).await?;
        Ok(ty
            .inputs()
            .map(|i| {
                let scope = self.row.input_scope(i.key);
                let stored = globals.get(i.key);
                ScopedConfigVariableInput {
                    name: i.key.into(),
                    input_type: i.input_type.as_str().into(),
                    input_scope: scope.as_str().into(),
                    meta: serde_json::json!({ "inputScope": scope.as_str() }).to_string(),
                    is_secret: i.secret,
                    is_set: stored.is_some(),
                    value: match stored {
                        Some(StoredValue::Plain(v)) if ty.is_public(i.key) => Some(v.clone()),
                        _ => None,
                    },
                }
            })
            .collect())
    }

    /// The values set for customers (and the test credentials), newest last.
    #[allow(clippy::too_many_arguments)]
    async fn customer_config_variables(
        &self,
        ctx: &Context<'_>,
        customer: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<CustomerConfigVariableConnection> {
        let caller = caller(ctx)?;
        let customer = match customer {
            Some(id) => Some(
                decode_id(super::customers::TYPE, &id)
                    .filter(|c| caller.sees_customer(*c))
                    .ok_or_else(|| not_found(super::customers::TYPE))?,
            ),
            None => caller.customer_id,
        };
        let page = page_request(first, after, last, before)?;
        let rows = ctx
            .data::<Store>()?
            .list_value_sets(self.row.org_id, Some(self.row.id), customer, &page)
            .await
            .map_err(internal)?;
        let var = self.row.clone();
        Ok(connection(
            rows,
            |r| r.id,
            |set| CustomerConfigVariable::from_set(&var, set),
        )
        .into())
    }

    /// Whether test credentials are set.
    async fn has_test_credentials(&self, ctx: &Context<'_>) -> Result<bool> {
        let store = ctx.data::<Store>()?;
        Ok(store
            .find_value_set(self.row.org_id, self.row.id, Slot::Test)
            .await
            .map_err(internal)?
            .is_some())
    }
}

impl ScopedConfigVariable {
    fn ty(&self) -> Result<&'static CoreType> {
        connection_types::find_by_id(self.row.connection_type)
            .ok_or_else(|| internal(StoreError::Corrupt("unknown connection type".into())))
    }
}

/// The stored global values of a variable.
pub(crate) async fn global_values(
    store: &Store,
    v: &ScopedVar,
) -> Result<BTreeMap<String, StoredValue>> {
    match store
        .find_value_set(v.org_id, v.id, Slot::Global)
        .await
        .map_err(internal)?
    {
        Some(set) => store
            .value_set_values(v.org_id, set.id)
            .await
            .map_err(internal),
        None => Ok(BTreeMap::new()),
    }
}

impl From<ScopedVar> for ScopedConfigVariable {
    fn from(v: ScopedVar) -> Self {
        let connection = match connection_types::find_by_id(v.connection_type) {
            Some(ty) => connection_type_view(ty),
            None => {
                tracing::error!(id = %v.id, "scoped config variable of an unknown connection type");
                connection_type_view(&connection_types::http::BASIC)
            }
        };
        ScopedConfigVariable {
            id: ID(plumb_core::id::encode(TYPE, v.id)),
            key: v.key.clone(),
            stable_key: v.stable_key.clone(),
            description: v.description.clone(),
            variable_scope: v.variable_scope.as_str().into(),
            managed_by: v.managed_by.as_str().into(),
            connection,
            row: v,
        }
    }
}

connection_type!(
    ScopedConfigVariable,
    ScopedConfigVariableConnection,
    ScopedConfigVariableEdge
);

/// Whether the caller may see `v`: customer-bound tokens see only customer-activated ones.
pub(crate) fn visible(caller: &crate::http::auth::Caller, v: &ScopedVar) -> bool {
    caller.customer_id.is_none() || v.managed_by == ManagedBy::Customer
}

/// Scoped config variable queries.
#[derive(Default)]
pub struct ConnectionQuery;

#[Object]
impl ConnectionQuery {
    /// The organization's scoped config variables (connection definitions).
    #[allow(clippy::too_many_arguments)]
    async fn scoped_config_variables(
        &self,
        ctx: &Context<'_>,
        stable_key: Option<String>,
        key: Option<String>,
        managed_by: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ScopedConfigVariableConnection> {
        let caller = caller(ctx)?;
        let mut managed_by = match managed_by.as_deref() {
            None => None,
            Some(m) => Some(ManagedBy::parse(m).ok_or_else(|| {
                super::errors::gql_error(
                    "BAD_ARGUMENT",
                    "managedBy must be \"org\" or \"customer\"",
                )
            })?),
        };
        if caller.customer_id.is_some() {
            if managed_by == Some(ManagedBy::Org) {
                return Err(forbidden());
            }
            managed_by = Some(ManagedBy::Customer);
        }
        let page = page_request(first, after, last, before)?;
        let filter = ScopedVarFilter {
            stable_key,
            key,
            managed_by,
        };
        let rows = ctx
            .data::<Store>()?
            .list_scoped_vars(caller.org_id, &filter, &page)
            .await
            .map_err(internal)?;
        Ok(connection(rows, |r| r.id, ScopedConfigVariable::from).into())
    }

    /// One scoped config variable.
    async fn scoped_config_variable(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<ScopedConfigVariable> {
        let caller = caller(ctx)?;
        let id = decode_id(TYPE, &id).ok_or_else(|| not_found(TYPE))?;
        match ctx.data::<Store>()?.get_scoped_var(caller.org_id, id).await {
            Ok(v) if visible(caller, &v) => Ok(v.into()),
            Ok(_) | Err(StoreError::NotFound) => Err(not_found(TYPE)),
            Err(e) => Err(internal(e)),
        }
    }

    /// One customer config variable (plain, or a scoped connection's values).
    async fn customer_config_variable(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<CustomerConfigVariable> {
        customer_config_variable(ctx, id).await
    }
}

/// One customer config variable: a plain one or a scoped connection's values.
pub(crate) async fn customer_config_variable(
    ctx: &Context<'_>,
    id: ID,
) -> Result<CustomerConfigVariable> {
    let caller = caller(ctx)?;
    let missing = || not_found("CustomerConfigVariable");
    let id = decode_id("CustomerConfigVariable", &id).ok_or_else(missing)?;
    let store = ctx.data::<Store>()?;
    match store.get_customer_config_var(caller.org_id, id).await {
        Ok(v) if v.customer_id.is_some_and(|c| caller.sees_customer(c)) => return Ok(v.into()),
        Ok(_) => return Err(missing()),
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(internal(e)),
    }
    let set = match store.get_value_set(caller.org_id, id).await {
        Ok(s) if s.slot != Slot::Global => s,
        Ok(_) | Err(StoreError::NotFound) => return Err(missing()),
        Err(e) => return Err(internal(e)),
    };
    let var = match store.get_scoped_var(caller.org_id, set.scoped_id).await {
        Ok(v) => v,
        Err(StoreError::NotFound) => return Err(missing()),
        Err(e) => return Err(internal(e)),
    };
    let own = set.slot.customer().is_some_and(|c| caller.sees_customer(c));
    if caller.customer_id.is_some() && !(own && visible(caller, &var)) {
        return Err(missing());
    }
    Ok(CustomerConfigVariable::from_set(&var, set))
}

/// The input scopes of `v` after applying `given` (only meaningful on customer-scoped ones).
pub(crate) fn merged_scopes(
    v: &ScopedVar,
    given: &BTreeMap<String, InputScope>,
) -> BTreeMap<String, InputScope> {
    plumb_service::connections::input::merged_scopes(v, given)
}
