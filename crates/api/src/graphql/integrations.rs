//! Integrations: `integrations`, `integration`, `importIntegration`, `publishIntegration`,
//! `setTestConfigVariables`, `testIntegrationFlow`. A draft and each published version are
//! `Integration` objects with their own IDs; a published version's ID is what instances use.

use std::collections::BTreeMap;

use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject, ID};
use plumb_core::definition::{self, Definition, Problem};
use plumb_store::integrations::{Integration as Row, IntegrationFilter};
use plumb_store::tokens::Role;
use plumb_store::{Store, StoreError};
use uuid::Uuid;

use super::errors::{forbidden, internal, not_found, FieldError, PayloadErrors, Result};
use super::executions::ExecutionResult;
use super::relay::{connection, connection_type, cursor, page_request, Connection, PageInfo};
use super::{caller, decode_id};
use crate::http::auth::Caller;
use plumb_runtime as runtime;

/// The global ID type name of integrations (drafts and published versions).
pub const TYPE: &str = "Integration";
/// The global ID type name of integration flows.
pub const FLOW_TYPE: &str = "IntegrationFlow";

/// A flow of an integration. Its ID is derived from the integration's ID and the flow's name.
#[derive(SimpleObject, Clone)]
pub struct IntegrationFlow {
    /// Global ID.
    pub id: ID,
    /// The flow's name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Whether webhook callers wait for its result.
    pub is_synchronous: bool,
}

connection_type!(
    IntegrationFlow,
    IntegrationFlowConnection,
    IntegrationFlowEdge
);

/// The ID of flow `name` of the integration row `row_id`.
pub fn flow_uuid(row_id: Uuid, name: &str) -> Uuid {
    Uuid::new_v5(&row_id, name.as_bytes())
}

/// A config variable an instance must bind, with its test value.
#[derive(SimpleObject, Clone)]
pub struct RequiredConfigVariable {
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

/// Parses a stored definition (validated when imported).
fn parsed(text: &str) -> Option<Definition> {
    definition::parse(text).ok().map(|p| p.definition)
}

/// The flows of a definition stored in row `row_id`.
pub fn flows_of(row_id: Uuid, def: &Definition) -> Vec<IntegrationFlow> {
    def.flows
        .iter()
        .map(|f| IntegrationFlow {
            id: ID(plumb_core::id::encode(
                FLOW_TYPE,
                flow_uuid(row_id, &f.name),
            )),
            name: f.name.clone(),
            description: f.description.clone(),
            is_synchronous: f.is_synchronous.unwrap_or(false),
        })
        .collect()
}

#[ComplexObject]
impl Integration {
    /// The definition (YAML, as imported). Refused to customer-bound tokens, which may reach an
    /// integration through their instances and executions but never read its definition.
    async fn definition(&self, ctx: &Context<'_>) -> Result<String> {
        let caller = caller(ctx)?;
        if !runtime::customer_scope::may_read_definitions(super::instances::bound_by(caller)) {
            return Err(forbidden());
        }
        Ok(self.row.definition.clone())
    }

    /// The integration's ID (the draft's), shared by its versions.
    async fn integration_id(&self) -> ID {
        ID(plumb_core::id::encode(TYPE, self.row.integration_id))
    }

    /// The flows.
    async fn flows(&self) -> IntegrationFlowConnection {
        let flows = parsed(&self.row.definition)
            .map(|d| flows_of(self.row.id, &d))
            .unwrap_or_default();
        let edges: Vec<(IntegrationFlow, String)> = flows
            .into_iter()
            .map(|f| {
                let c = cursor(&flow_uuid(self.row.id, &f.name));
                (f, c)
            })
            .collect();
        Connection {
            page_info: PageInfo {
                has_next_page: false,
                has_previous_page: false,
                start_cursor: edges.first().map(|e| e.1.clone()),
                end_cursor: edges.last().map(|e| e.1.clone()),
            },
            total_count: edges.len() as i64,
            edges,
        }
        .into()
    }

    /// The config variables an instance must bind (with the draft's test values).
    async fn required_config_vars(&self, ctx: &Context<'_>) -> Result<Vec<RequiredConfigVariable>> {
        let Some(def) = parsed(&self.row.definition) else {
            return Ok(vec![]);
        };
        let tests = if self.row.is_published {
            BTreeMap::new()
        } else {
            ctx.data::<Store>()?
                .integration_test_config(self.row.org_id, self.row.id)
                .await
                .map_err(internal)?
        };
        Ok(def
            .required_config_vars
            .iter()
            .map(|d| RequiredConfigVariable {
                key: d.key.clone(),
                data_type: d.data_type.clone().unwrap_or_else(|| "string".into()),
                default_value: d.default_value.as_ref().map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                }),
                description: d.description.clone(),
                collection_type: d.collection_type.clone(),
                org_only: d.org_only.unwrap_or(false),
                use_scoped_config_var: d.use_scoped_config_var.clone(),
                connection_type: d
                    .connection
                    .as_ref()
                    .map(|c| format!("{}/{}", c.component.key, c.key)),
                test_value: (!d.is_connection())
                    .then(|| tests.get(&d.key).cloned())
                    .flatten(),
            })
            .collect())
    }
}

/// Callers that may read integrations: organization-level tokens.
pub(crate) fn require_reader(caller: &Caller) -> Result<()> {
    if caller.customer_id.is_some() {
        return Err(forbidden());
    }
    Ok(())
}

/// Callers that may change integrations: designers and admins.
pub(crate) fn require_designer(caller: &Caller) -> Result<()> {
    if caller.customer_id.is_some() || !caller.has(Role::Designer) {
        return Err(forbidden());
    }
    Ok(())
}

/// Integration queries.
#[derive(Default)]
pub struct IntegrationQuery;

#[Object]
impl IntegrationQuery {
    /// Lists integrations (drafts); with `allVersions`, their published versions too.
    #[allow(clippy::too_many_arguments)]
    async fn integrations(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
        all_versions: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<IntegrationConnection> {
        let caller = caller(ctx)?;
        require_reader(caller)?;
        let filter = IntegrationFilter {
            name,
            all_versions: all_versions.unwrap_or(false),
            integration_id: None,
        };
        let page = page_request(first, after, last, before)?;
        let rows = ctx
            .data::<Store>()?
            .list_integrations(caller.org_id, &filter, &page)
            .await
            .map_err(internal)?;
        Ok(connection(rows, |r| r.id, Integration::from).into())
    }

    /// One integration draft or published version.
    async fn integration(&self, ctx: &Context<'_>, id: ID) -> Result<Integration> {
        let caller = caller(ctx)?;
        require_reader(caller)?;
        let id = decode_id(TYPE, &id).ok_or_else(|| not_found(TYPE))?;
        match ctx
            .data::<Store>()?
            .get_integration(caller.org_id, id)
            .await
        {
            Ok(r) => Ok(r.into()),
            Err(StoreError::NotFound) => Err(not_found(TYPE)),
            Err(e) => Err(internal(e)),
        }
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
}

/// Input of `publishIntegration`.
#[derive(InputObject)]
pub struct PublishIntegrationInput {
    /// The integration (its draft's ID).
    pub id: ID,
    /// What changed.
    pub comment: Option<String>,
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

/// `line L, column C: flow "F", step "S", input "I", message` for one problem.
fn problem_message(p: &Problem) -> String {
    p.to_string()
}

/// Loads the draft `id` of the caller's organization.
async fn load_draft(store: &Store, caller: &Caller, id: &ID) -> Result<Option<Row>> {
    let Some(id) = decode_id(TYPE, id) else {
        return Ok(None);
    };
    match store.get_integration(caller.org_id, id).await {
        Ok(r) if !r.is_published => Ok(Some(r)),
        Ok(_) | Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(internal(e)),
    }
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
        require_designer(caller)?;
        let store = ctx.data::<Store>()?;
        let target = match &input.integration_id {
            Some(id) => match load_draft(store, caller, id).await? {
                Some(r) => Some(r),
                None => {
                    return Ok(IntegrationPayload::failed(PayloadErrors::one(
                        "integrationId",
                        "integration not found",
                    )))
                }
            },
            None => None,
        };
        let engine = &ctx.data::<std::sync::Arc<runtime::Runtime>>()?.engine;
        runtime::models::sync_models(engine, store, caller.org_id)
            .await
            .map_err(internal)?;
        let def = match engine.load_in(Some(caller.org_id), &input.definition) {
            Ok(d) => d,
            Err(problems) => {
                let mut errors = PayloadErrors::default();
                for p in &problems.0 {
                    errors.add("definition", problem_message(p));
                }
                return Ok(IntegrationPayload::failed(errors.0));
            }
        };
        let description = def.description.clone().unwrap_or_default();
        let saved = match target {
            Some(r) => {
                store
                    .update_integration_draft(
                        caller.org_id,
                        r.id,
                        &def.name,
                        &description,
                        &input.definition,
                    )
                    .await
            }
            None => {
                store
                    .create_integration(caller.org_id, &def.name, &description, &input.definition)
                    .await
            }
        };
        saved.map(IntegrationPayload::ok).map_err(internal)
    }

    /// Publishes the draft as a new, immutable, numbered version; answers the version.
    async fn publish_integration(
        &self,
        ctx: &Context<'_>,
        input: PublishIntegrationInput,
    ) -> Result<IntegrationPayload> {
        let caller = caller(ctx)?;
        require_designer(caller)?;
        let store = ctx.data::<Store>()?;
        let Some(draft) = load_draft(store, caller, &input.id).await? else {
            return Ok(IntegrationPayload::failed(PayloadErrors::one(
                "id",
                "integration not found",
            )));
        };
        match store
            .publish_integration(
                caller.org_id,
                draft.id,
                input.comment.as_deref().unwrap_or(""),
            )
            .await
        {
            Ok(v) => Ok(IntegrationPayload::ok(v)),
            Err(StoreError::Conflict(_)) => Ok(IntegrationPayload::failed(PayloadErrors::one(
                "id",
                "another publish of this integration happened at the same time; try again",
            ))),
            Err(e) => Err(internal(e)),
        }
    }

    /// Sets test values of the draft's required config vars, validated against their types.
    async fn set_test_config_variables(
        &self,
        ctx: &Context<'_>,
        input: SetTestConfigVariablesInput,
    ) -> Result<IntegrationPayload> {
        let caller = caller(ctx)?;
        require_designer(caller)?;
        let store = ctx.data::<Store>()?;
        let Some(draft) = load_draft(store, caller, &input.integration).await? else {
            return Ok(IntegrationPayload::failed(PayloadErrors::one(
                "integration",
                "integration not found",
            )));
        };
        let Some(def) = parsed(&draft.definition) else {
            return Err(internal(StoreError::Corrupt("stored definition".into())));
        };
        let mut errors = PayloadErrors::default();
        let mut values = BTreeMap::new();
        for (i, v) in input.config_variables.iter().enumerate() {
            match runtime::check_test_value(&def, &v.key, &v.value) {
                Ok(()) => {
                    values.insert(v.key.clone(), v.value.clone());
                }
                Err(p) => errors.add(format!("configVariables.{i}.value"), p.to_string()),
            }
        }
        if !errors.is_empty() {
            return Ok(IntegrationPayload::failed(errors.0));
        }
        store
            .set_integration_test_config(caller.org_id, draft.id, &values)
            .await
            .map_err(internal)?;
        Ok(IntegrationPayload::ok(draft))
    }

    /// Runs a flow of the draft now with its test config, recording a test execution.
    async fn test_integration_flow(
        &self,
        ctx: &Context<'_>,
        input: TestIntegrationFlowInput,
    ) -> Result<TestIntegrationFlowPayload> {
        let caller = caller(ctx)?;
        require_designer(caller)?;
        let store = ctx.data::<Store>()?;
        let fail = |field: &str, message: &str| {
            Ok(TestIntegrationFlowPayload {
                test_integration_flow_result: None,
                errors: PayloadErrors::one(field, message),
            })
        };
        let Some(id) = &input.id else {
            return fail("id", "is required");
        };
        let Some(draft) = load_draft(store, caller, id).await? else {
            return fail("id", "integration not found");
        };
        let engine = &ctx.data::<std::sync::Arc<runtime::Runtime>>()?.engine;
        runtime::models::sync_models(engine, store, caller.org_id)
            .await
            .map_err(internal)?;
        let def = match engine.load_in(Some(caller.org_id), &draft.definition) {
            Ok(d) => d,
            Err(problems) => {
                return fail(
                    "id",
                    &format!("the draft's definition is invalid: {problems}"),
                )
            }
        };
        let flow = match (&input.flow_id, &input.flow) {
            (Some(fid), _) => decode_id(FLOW_TYPE, fid)
                .and_then(|u| def.flows.iter().find(|f| flow_uuid(draft.id, &f.name) == u)),
            (None, Some(name)) => def.flow(name),
            (None, None) => def.flows.first(),
        };
        let Some(flow) = flow.map(|f| f.name.clone()) else {
            let field = if input.flow_id.is_some() {
                "flowId"
            } else {
                "flow"
            };
            return fail(field, "flow not found");
        };
        let headers: BTreeMap<String, String> = match input.headers.as_deref() {
            None | Some("") => BTreeMap::new(),
            Some(text) => match serde_json::from_str(text) {
                Ok(h) => h,
                Err(_) => return fail("headers", "must be a JSON object of strings"),
            },
        };
        let tests = store
            .integration_test_config(caller.org_id, draft.id)
            .await
            .map_err(internal)?;
        let mut config = match runtime::resolve_test_config(&def, &tests) {
            Ok(c) => c,
            Err(p) => return fail("configVariables", &p.to_string()),
        };
        let vault = ctx.data_opt::<plumb_store::secrets::Vault>();
        runtime::resolve_scoped_test_connections(vault, caller.org_id, &def, &mut config).await;
        let trigger = runtime::TestTrigger {
            payload: input.payload.map(String::into_bytes),
            content_type: input.content_type,
            headers,
        };
        let execution = runtime::run_test_flow(
            engine,
            store,
            caller.org_id,
            draft.id,
            &def,
            &flow,
            config,
            trigger,
        )
        .await
        .map_err(internal)?;
        Ok(TestIntegrationFlowPayload {
            test_integration_flow_result: Some(TestIntegrationFlowResult {
                execution: Some(execution.into()),
            }),
            errors: vec![],
        })
    }
}
