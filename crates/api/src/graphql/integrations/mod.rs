//! Integrations: `integrations`, `integration`, `importIntegration`, `publishIntegration`,
//! `deleteIntegration`, `setTestConfigVariables`, `testIntegrationFlow`. A draft and each published version are
//! `Integration` objects with their own IDs; a published version's ID is what instances use.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_service::integrations::{FlowChoice, TestRun};
use plumb_service::{ServiceError, Services};
use plumb_store::integrations::{Integration as Row, IntegrationFilter};
use uuid::Uuid;

use super::errors::{present, service_error, FieldError, Result};
use super::executions::ExecutionResult;
use super::relay::{connection, connection_type, page_request, Connection};
use super::{caller, decode_id};

/// The global ID type name of integrations (drafts and published versions).
pub const TYPE: &str = "Integration";
/// The global ID type name of integration flows.
pub const FLOW_TYPE: &str = "IntegrationFlow";

/// A flow of an integration. Its ID is derived from the integration's ID and the flow's name.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct IntegrationFlow {
    /// Global ID.
    pub id: ID,
    /// The flow's name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Whether webhook callers wait for its result.
    pub is_synchronous: bool,
    /// The flow's `stableKey` in its definition, if it has one.
    pub stable_key: Option<String>,
    /// The draft row it belongs to (for its `testUrl`); `None` for a published version's flow.
    #[graphql(skip)]
    pub(crate) draft: Option<Uuid>,
    /// The trigger's component and action keys.
    #[graphql(skip)]
    pub(crate) trigger: Option<(String, String)>,
}

impl IntegrationFlow {
    /// A flow known by ID and name only (of an execution or an instance flow config).
    pub fn named(id: ID, name: String) -> Self {
        IntegrationFlow {
            id,
            name,
            description: None,
            is_synchronous: false,
            stable_key: None,
            draft: None,
            trigger: None,
        }
    }
}

connection_type!(
    IntegrationFlow,
    IntegrationFlowConnection,
    IntegrationFlowEdge
);

/// The ID of flow `name` of the integration row `row_id`.
pub fn flow_uuid(row_id: Uuid, name: &str) -> Uuid {
    plumb_service::integrations::flow_uuid(row_id, name)
}

/// The global ID type name of required config variables.
pub const REQUIRED_CONFIG_VAR_TYPE: &str = "RequiredConfigVariable";

/// A config variable an instance must bind, with its test value.
#[derive(SimpleObject, Clone)]
pub struct RequiredConfigVariable {
    /// Global ID (derived from the integration version and the key).
    pub id: ID,
    /// Its key.
    pub key: String,
    /// Its data type.
    pub data_type: String,
    /// Its default value, as text.
    pub default_value: Option<String>,
    /// What it is for.
    pub description: Option<String>,
    /// `valuelist` or `keyvaluelist`.
    pub collection_type: Option<String>,
    /// Whether only the organization sets it.
    pub org_only: bool,
    /// For a connection: the stable key of the scoped connection it binds to.
    pub use_scoped_config_var: Option<String>,
    /// For a connection: `component/key` of its type.
    pub connection_type: Option<String>,
    /// The test value (drafts only; never set for connections).
    pub test_value: Option<String>,
}

/// An integration: the draft (`isPublished: false`) or a published version.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Integration {
    /// Global ID (the draft's, or the published version's).
    pub id: ID,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// A version's number; for a draft, the latest published number (0 when none).
    pub version_number: i64,
    /// Whether this is a published, immutable version.
    pub is_published: bool,
    /// The publish comment.
    pub version_comment: String,
    /// Creation (or publish) time.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Last change.
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[graphql(skip)]
    pub(crate) row: Row,
}

impl From<Row> for Integration {
    fn from(r: Row) -> Self {
        Integration {
            id: ID(plumb_core::id::encode(TYPE, r.id)),
            name: r.name.clone(),
            description: r.description.clone(),
            version_number: r.version_number,
            is_published: r.is_published,
            version_comment: r.comment.clone(),
            created_at: plumb_store::to_datetime(r.created_at),
            updated_at: plumb_store::to_datetime(r.updated_at),
            row: r,
        }
    }
}

mod fields;
mod test_instance;

pub(crate) use fields::{flows_of, required_config_variables};

/// Integration queries.
#[derive(Default)]
pub struct IntegrationQuery;

#[Object]
impl IntegrationQuery {
    /// Lists integrations (drafts); with `allVersions`, their published versions too;
    /// `name_Icontains` keeps names containing the text (any case). Prismatic's integrations
    /// may be private to a customer; plumb's all belong to the organization, so `customer`
    /// (any) or `customer_Isnull: false` list none.
    #[allow(clippy::too_many_arguments)]
    async fn integrations(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
        #[graphql(name = "name_Icontains")] name_icontains: Option<String>,
        all_versions: Option<bool>,
        customer: Option<ID>,
        #[graphql(name = "customer_Isnull")] customer_isnull: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<IntegrationConnection> {
        let caller = caller(ctx)?;
        if customer.is_some() || customer_isnull == Some(false) {
            return Ok(Connection::empty().into());
        }
        let filter = IntegrationFilter {
            name,
            name_contains: name_icontains.filter(|n| !n.trim().is_empty()),
            all_versions: all_versions.unwrap_or(false),
            ..IntegrationFilter::default()
        };
        let page = page_request(first, after, last, before)?;
        let rows = ctx
            .data::<Services>()?
            .integrations(caller, &filter, &page)
            .await
            .map_err(service_error)?;
        Ok(connection(rows, |r| r.id, Integration::from).into())
    }

    /// One integration draft or published version.
    async fn integration(&self, ctx: &Context<'_>, id: ID) -> Result<Integration> {
        let caller = caller(ctx)?;
        ctx.data::<Services>()?
            .integration(caller, decode_id(TYPE, &id))
            .await
            .map(Integration::from)
            .map_err(service_error)
    }
}

connection_type!(Integration, IntegrationConnection, IntegrationEdge);

/// Input of `importIntegration`.
#[derive(InputObject)]
pub struct ImportIntegrationInput {
    /// The definition (YAML).
    pub definition: String,
    /// Replace the draft of this integration instead of creating one.
    pub integration_id: Option<ID>,
    /// Prismatic's "replace even if flows changed": plumb's import into `integrationId`
    /// always replaces the whole draft (published versions never change), so it is accepted
    /// and changes nothing.
    pub replace: Option<bool>,
}

/// Input of `publishIntegration`.
#[derive(InputObject)]
pub struct PublishIntegrationInput {
    /// The integration (its draft's ID).
    pub id: ID,
    /// What changed.
    pub comment: Option<String>,
    /// Prismatic's version attributes (a JSON text, e.g. the commit it was built from):
    /// accepted and not kept.
    pub attributes: Option<String>,
}

/// Input of `deleteIntegration`.
#[derive(InputObject)]
pub struct DeleteIntegrationInput {
    /// The integration (its draft's or a version's ID).
    pub id: ID,
}

/// The answer of an integration mutation.
#[derive(SimpleObject, Default)]
pub struct IntegrationPayload {
    /// The integration (or the new published version).
    pub integration: Option<Integration>,
    /// What was wrong with the input.
    pub errors: Vec<FieldError>,
}

impl IntegrationPayload {
    fn failed(errors: Vec<FieldError>) -> Self {
        IntegrationPayload {
            integration: None,
            errors,
        }
    }
    fn ok(r: Row) -> Self {
        IntegrationPayload {
            integration: Some(r.into()),
            errors: vec![],
        }
    }
}

/// One test config value.
#[derive(InputObject)]
pub struct InputConfigVariable {
    /// The config var's key.
    pub key: String,
    /// Its value ("" clears it).
    pub value: String,
}

/// Input of `setTestConfigVariables`.
#[derive(InputObject)]
pub struct SetTestConfigVariablesInput {
    /// The integration (its draft's ID).
    pub integration: ID,
    /// Values to set.
    pub config_variables: Vec<InputConfigVariable>,
}

/// Input of `testIntegrationFlow`.
#[derive(InputObject)]
pub struct TestIntegrationFlowInput {
    /// The integration (its draft's ID).
    pub id: Option<ID>,
    /// The flow's ID (from `integration { flows }`).
    pub flow_id: Option<ID>,
    /// The flow's name (instead of `flowId`; default: the first flow).
    pub flow: Option<String>,
    /// The trigger payload.
    pub payload: Option<String>,
    /// Its content type.
    pub content_type: Option<String>,
    /// Request headers, a JSON object of strings.
    pub headers: Option<String>,
}

/// The answer of `testIntegrationFlow`.
#[derive(SimpleObject, Default)]
pub struct TestIntegrationFlowResult {
    /// The recorded test execution.
    pub execution: Option<ExecutionResult>,
}

/// The answer of `testIntegrationFlow`.
#[derive(SimpleObject, Default)]
pub struct TestIntegrationFlowPayload {
    /// The run.
    pub test_integration_flow_result: Option<TestIntegrationFlowResult>,
    /// What was wrong with the input.
    pub errors: Vec<FieldError>,
}

fn payload(answer: std::result::Result<Row, ServiceError>) -> Result<IntegrationPayload> {
    present(answer, IntegrationPayload::ok, IntegrationPayload::failed)
}

/// Integration mutations.
#[derive(Default)]
pub struct IntegrationMutation;

#[Object]
impl IntegrationMutation {
    /// Imports a definition as a new integration, or as the new draft of `integrationId`.
    /// Every validation problem is reported under `definition`.
    async fn import_integration(
        &self,
        ctx: &Context<'_>,
        input: ImportIntegrationInput,
    ) -> Result<IntegrationPayload> {
        let caller = caller(ctx)?;
        let target = input.integration_id.as_ref().map(|id| decode_id(TYPE, id));
        payload(
            ctx.data::<Services>()?
                .import_integration(caller, &input.definition, target)
                .await,
        )
    }

    /// Publishes the draft as a new, immutable, numbered version; answers the version.
    async fn publish_integration(
        &self,
        ctx: &Context<'_>,
        input: PublishIntegrationInput,
    ) -> Result<IntegrationPayload> {
        let caller = caller(ctx)?;
        payload(
            ctx.data::<Services>()?
                .publish_integration(
                    caller,
                    decode_id(TYPE, &input.id),
                    input.comment.as_deref().unwrap_or(""),
                )
                .await,
        )
    }

    /// Deletes an integration with its draft, versions and test executions; refused (under
    /// `id`) while it has instances.
    async fn delete_integration(
        &self,
        ctx: &Context<'_>,
        input: DeleteIntegrationInput,
    ) -> Result<IntegrationPayload> {
        let caller = caller(ctx)?;
        payload(
            ctx.data::<Services>()?
                .delete_integration(caller, decode_id(TYPE, &input.id))
                .await,
        )
    }

    /// Sets test values of the draft's required config vars, validated against their types.
    async fn set_test_config_variables(
        &self,
        ctx: &Context<'_>,
        input: SetTestConfigVariablesInput,
    ) -> Result<IntegrationPayload> {
        let caller = caller(ctx)?;
        let values: Vec<(String, String)> = input
            .config_variables
            .into_iter()
            .map(|v| (v.key, v.value))
            .collect();
        payload(
            ctx.data::<Services>()?
                .set_test_config_vars(caller, decode_id(TYPE, &input.integration), &values)
                .await,
        )
    }

    /// Runs a flow of the draft now with its test config, recording a test execution.
    async fn test_integration_flow(
        &self,
        ctx: &Context<'_>,
        input: TestIntegrationFlowInput,
    ) -> Result<TestIntegrationFlowPayload> {
        let caller = caller(ctx)?;
        let flow = match (&input.flow_id, input.flow) {
            (Some(fid), _) => FlowChoice::Id(decode_id(FLOW_TYPE, fid)),
            (None, Some(name)) => FlowChoice::Named(name),
            (None, None) => FlowChoice::First,
        };
        let run = TestRun {
            flow,
            payload: input.payload,
            content_type: input.content_type,
            headers: input.headers,
            watch: false,
        };
        let id = input.id.as_ref().map(|id| decode_id(TYPE, id));
        present(
            ctx.data::<Services>()?
                .test_integration_flow(caller, id, run)
                .await,
            |execution| TestIntegrationFlowPayload {
                test_integration_flow_result: Some(TestIntegrationFlowResult {
                    execution: Some(execution.into()),
                }),
                errors: vec![],
            },
            |errors| TestIntegrationFlowPayload {
                test_integration_flow_result: None,
                errors,
            },
        )
    }
}
