//! GraphQL types of instances: [`Instance`], its config variable bindings and flow configs,
//! and the inputs and payloads of the instance mutations (in `instances`).

use async_graphql::{ComplexObject, Context, InputObject, SimpleObject, ID};
use plumb_runtime::customer_scope::customer_sees_binding;
use plumb_store::instances::{Binding, BindingKind, FlowConfig as FlowRow, Instance as Row};
use plumb_store::{Store, StoreError};

use super::caller;
use super::customers::{self, Customer};
use super::errors::{internal, FieldError, Result};
use super::executions::ExecutionResult;
use super::integrations::{self, flow_uuid, Integration, IntegrationFlow};
use super::relay::{connection_type, page_in_memory, page_request, whole_list, Connection};

/// The global ID type name of instances.
pub const TYPE: &str = "Instance";
/// The global ID type name of instance config variables.
pub const CONFIG_VAR_TYPE: &str = "InstanceConfigVariable";
/// The global ID type name of instance flow configs (the webhook address).
pub const FLOW_CONFIG_TYPE: &str = plumb_runtime::FLOW_CONFIG_TYPE;

/// A published integration version deployed to one customer.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Instance {
    /// Global ID.
    pub id: ID,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Whether triggers run it.
    pub enabled: bool,
    /// Whether it was deployed.
    pub deployed: bool,
    /// When it was last deployed.
    pub last_deployed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The worker group its executions run on (null: the default group).
    pub worker_group: Option<String>,
    /// Creation time.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Last change.
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[graphql(skip)]
    pub(crate) row: Row,
}

impl From<Row> for Instance {
    fn from(r: Row) -> Self {
        Instance {
            id: ID(plumb_core::id::encode(TYPE, r.id)),
            name: r.name.clone(),
            description: r.description.clone(),
            enabled: r.enabled,
            deployed: r.deployed_at.is_some(),
            last_deployed_at: r.deployed_at.map(plumb_store::to_datetime),
            worker_group: r.worker_group.clone(),
            created_at: plumb_store::to_datetime(r.created_at),
            updated_at: plumb_store::to_datetime(r.updated_at),
            row: r,
        }
    }
}

/// One config variable binding of an instance.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct InstanceConfigVariable {
    /// Global ID.
    pub id: ID,
    /// The config var's key.
    pub key: String,
    /// How it is bound: `value`, `values`, `customer`, `org` or `scoped`.
    pub kind: String,
    /// The literal value (`value` bindings only; connection inputs are never shown).
    pub value: Option<String>,
    /// Whether a `values` binding holds connection inputs.
    pub has_values: bool,
    /// The customer config variable it is bound to.
    pub customer_config_variable_id: Option<ID>,
    /// The organization config variable it is bound to.
    pub organization_config_variable_id: Option<ID>,
    /// The scoped config variable (connection) it is bound to.
    pub scoped_config_variable_id: Option<ID>,
    /// The instance's organization and integration version (to find the required config
    /// variable this binds).
    #[graphql(skip)]
    pub(crate) owner: Option<(uuid::Uuid, uuid::Uuid)>,
}

/// One input of a connection binding (Prismatic's `inputs { nodes { name value } }`).
#[derive(SimpleObject, Clone)]
pub struct ConfigVariableInputValue {
    /// The input's key.
    pub name: String,
    /// Its value (never shown for a secret input).
    pub value: Option<String>,
}

connection_type!(
    ConfigVariableInputValue,
    ConfigVariableInputValueConnection,
    ConfigVariableInputValueEdge
);

#[ComplexObject]
impl InstanceConfigVariable {
    /// `ACTIVE`: the binding is in place (plumb stores only complete bindings).
    async fn status(&self) -> &'static str {
        "ACTIVE"
    }

    /// A connection binding's inputs. Connection inputs are write-only in plumb: always an
    /// empty list (`hasValues` says whether some are set).
    async fn inputs(&self) -> ConfigVariableInputValueConnection {
        Connection::empty().into()
    }

    /// Prismatic's free-form metadata of a binding: plumb keeps none (null).
    async fn meta(&self) -> Option<String> {
        None
    }

    /// The required config variable of the integration version that this binds.
    async fn required_config_variable(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<integrations::RequiredConfigVariable>> {
        let Some((org, version)) = self.owner else {
            return Ok(None);
        };
        let runtime = ctx.data::<std::sync::Arc<plumb_runtime::Runtime>>()?;
        let Ok(def) = runtime.version_definition(org, version).await else {
            return Ok(None);
        };
        Ok(
            integrations::required_config_variables(version, &def, &Default::default())
                .into_iter()
                .find(|v| v.key == self.key),
        )
    }
}

impl From<Binding> for InstanceConfigVariable {
    fn from(b: Binding) -> Self {
        let id_of = |kind: BindingKind, type_name: &str| {
            (b.kind == kind)
                .then_some(b.ref_id)
                .flatten()
                .map(|u| ID(plumb_core::id::encode(type_name, u)))
        };
        InstanceConfigVariable {
            id: ID(plumb_core::id::encode(CONFIG_VAR_TYPE, b.id)),
            key: b.key.clone(),
            kind: b.kind.as_str().to_string(),
            value: (b.kind == BindingKind::Value)
                .then(|| b.value.clone())
                .flatten(),
            has_values: b.sealed_values.is_some(),
            customer_config_variable_id: id_of(BindingKind::Customer, "CustomerConfigVariable"),
            organization_config_variable_id: id_of(BindingKind::Org, "OrganizationConfigVariable"),
            scoped_config_variable_id: id_of(BindingKind::Scoped, "ScopedConfigVariable"),
            owner: None,
        }
    }
}

/// The configuration of one flow of an instance: its webhook.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct InstanceFlowConfig {
    /// Global ID (the `{id}` of its webhook URL).
    pub id: ID,
    /// The webhook URL (`/trigger/{id}`).
    pub webhook_url: String,
    /// `unsecured`, `customer_optional`, `customer_required` or `organization`.
    pub endpoint_security_type: String,
    /// How many API keys open its webhook.
    pub api_key_count: i64,
    /// Prismatic answers the keys themselves; plumb keeps only their hashes and shows a key
    /// once, when `rotateInstanceFlowApiKey` makes it: always empty.
    pub api_keys: Vec<String>,
    #[graphql(skip)]
    pub(crate) row: FlowRow,
    #[graphql(skip)]
    pub(crate) version_id: uuid::Uuid,
}

impl InstanceFlowConfig {
    /// The type of a flow config row of an instance running `version_id`.
    pub fn new(row: FlowRow, version_id: uuid::Uuid, public_url: &str) -> Self {
        InstanceFlowConfig {
            id: ID(plumb_core::id::encode(FLOW_CONFIG_TYPE, row.id)),
            webhook_url: plumb_runtime::webhook_url(public_url, row.id),
            endpoint_security_type: row.security.clone(),
            api_key_count: row.api_key_hashes.len() as i64,
            api_keys: vec![],
            row,
            version_id,
        }
    }
}

#[ComplexObject]
impl InstanceFlowConfig {
    /// The flow.
    async fn flow(&self) -> IntegrationFlow {
        IntegrationFlow::named(
            ID(plumb_core::id::encode(
                integrations::FLOW_TYPE,
                flow_uuid(self.version_id, &self.row.flow_name),
            )),
            self.row.flow_name.clone(),
        )
    }
}

connection_type!(Instance, InstanceConnection, InstanceEdge);
connection_type!(
    InstanceConfigVariable,
    InstanceConfigVariableConnection,
    InstanceConfigVariableEdge
);
connection_type!(
    InstanceFlowConfig,
    InstanceFlowConfigConnection,
    InstanceFlowConfigEdge
);

#[ComplexObject]
impl Instance {
    /// The customer it is deployed to.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        match ctx
            .data::<Store>()?
            .get_customer(self.row.org_id, self.row.customer_id)
            .await
        {
            Ok(c) => Ok(Some(c.into())),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(internal(e)),
        }
    }

    /// The published integration version it runs.
    async fn integration(&self, ctx: &Context<'_>) -> Result<Option<Integration>> {
        match ctx
            .data::<Store>()?
            .get_integration(self.row.org_id, self.row.integration_version_id)
            .await
        {
            Ok(r) => Ok(Some(r.into())),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(internal(e)),
        }
    }

    /// Its config variable bindings, by key. A customer-bound caller sees only the bindings it
    /// could have made itself (`plumb_runtime::customer_scope::customer_sees_binding`): not
    /// those of the organization's config variables or connections, nor of `orgOnly` ones.
    async fn config_variables(
        &self,
        ctx: &Context<'_>,
    ) -> Result<InstanceConfigVariableConnection> {
        let customer_caller = caller(ctx)?.customer_id.is_some();
        let store = ctx.data::<Store>()?;
        let mut rows = store
            .instance_bindings(self.row.org_id, self.row.id)
            .await
            .map_err(internal)?;
        if customer_caller {
            rows = customer_visible_bindings(ctx, &self.row, rows).await?;
        }
        let owner = Some((self.row.org_id, self.row.integration_version_id));
        let items = rows
            .into_iter()
            .map(|b| (b.id, InstanceConfigVariable { owner, ..b.into() }))
            .collect();
        Ok(whole_list(items).into())
    }

    /// One config per flow: the webhook URLs.
    async fn flow_configs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<InstanceFlowConfigConnection> {
        let page = page_request(first, after, last, before)?;
        let rows = ctx
            .data::<Store>()?
            .instance_flow_configs(self.row.org_id, self.row.id)
            .await
            .map_err(internal)?;
        let public = &ctx
            .data::<std::sync::Arc<plumb_runtime::Runtime>>()?
            .public_url;
        let items = rows
            .into_iter()
            .map(|r| {
                let id = r.id;
                (
                    id,
                    InstanceFlowConfig::new(r, self.row.integration_version_id, public),
                )
            })
            .collect();
        Ok(page_in_memory(items, &page).into())
    }
}

/// The bindings of `instance` a customer-bound caller sees.
async fn customer_visible_bindings(
    ctx: &Context<'_>,
    instance: &Row,
    rows: Vec<Binding>,
) -> Result<Vec<Binding>> {
    let store = ctx.data::<Store>()?;
    let runtime = ctx.data::<std::sync::Arc<plumb_runtime::Runtime>>()?;
    // Without its definition no binding can be shown safely (`orgOnly` is declared there).
    let Ok(def) = runtime
        .version_definition(instance.org_id, instance.integration_version_id)
        .await
    else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    for b in rows {
        let scoped = match (b.kind, b.ref_id) {
            (BindingKind::Scoped, Some(id)) => {
                match store.get_scoped_var(instance.org_id, id).await {
                    Ok(v) => Some(v),
                    Err(StoreError::NotFound) => None,
                    Err(e) => return Err(internal(e)),
                }
            }
            _ => None,
        };
        if customer_sees_binding(def.config_var(&b.key), &b, scoped.as_ref()) {
            out.push(b);
        }
    }
    Ok(out)
}

/// One config variable binding of `createInstance` / `updateInstanceConfigVariables`: a key and
/// exactly one source.
#[derive(InputObject, Clone, Default)]
pub struct InputInstanceConfigVariable {
    /// The config var's key.
    pub key: String,
    /// A literal value.
    pub value: Option<String>,
    /// A connection's inputs: a JSON object (input key → value) as a string.
    pub values: Option<String>,
    /// A config variable of the instance's customer.
    pub customer_config_variable_id: Option<ID>,
    /// A config variable of the organization.
    pub organization_config_variable_id: Option<ID>,
    /// A scoped config variable (an organization credential or organization-activated
    /// connection).
    pub scoped_config_variable_id: Option<ID>,
}

/// Input of `createInstance`.
#[derive(InputObject)]
pub struct CreateInstanceInput {
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// The customer (global ID).
    pub customer: Option<ID>,
    /// The published integration version (global ID from `publishIntegration`).
    pub integration: Option<ID>,
    /// Config variable bindings (null items are left out).
    pub config_variables: Option<Vec<Option<InputInstanceConfigVariable>>>,
    /// Pin its executions to a worker group.
    pub worker_group: Option<String>,
    /// Prismatic's instance labels: plumb's instances have none, so a non-empty list is
    /// refused naming `labels` (an empty or null list is accepted).
    pub labels: Option<Vec<Option<String>>>,
}

/// Input of `updateInstance`.
#[derive(InputObject)]
pub struct UpdateInstanceInput {
    /// The instance.
    pub id: Option<ID>,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// Enable (true) or disable (false).
    pub enabled: Option<bool>,
    /// Move to another published version of the same integration; bindings carry over by key.
    pub integration: Option<ID>,
    /// Pin to a worker group (empty string: the default group).
    pub worker_group: Option<String>,
    /// As in `createInstance`: a non-empty list is refused.
    pub labels: Option<Vec<Option<String>>>,
}

/// Input of `updateInstanceConfigVariables`.
#[derive(InputObject)]
pub struct UpdateInstanceConfigVariablesInput {
    /// The instance.
    pub id: Option<ID>,
    /// Bindings to set (replacing those of the same keys).
    pub config_variables: Option<Vec<InputInstanceConfigVariable>>,
    /// Keys whose bindings are removed.
    pub remove: Option<Vec<String>>,
}

/// Input of mutations that name an instance only.
#[derive(InputObject)]
pub struct InstanceIdInput {
    /// The instance.
    pub id: Option<ID>,
}

/// Input of `deployInstance`.
#[derive(InputObject)]
pub struct DeployInstanceInput {
    /// The instance.
    pub id: Option<ID>,
    /// Accepted for Prismatic's clients; plumb's deploy checks (complete bindings, usable
    /// schedules) are what a run needs, so `force` does not skip them.
    pub force: Option<bool>,
}

/// Input of `runInstanceFlow`.
#[derive(InputObject)]
pub struct RunInstanceFlowInput {
    /// The instance flow config (global ID), or the instance with `flowName`.
    pub id: Option<ID>,
    /// The flow's name when `id` is an instance (default: its first flow).
    pub flow_name: Option<String>,
    /// The trigger payload.
    pub payload: Option<String>,
    /// Its content type (guessed when absent).
    pub content_type: Option<String>,
    /// Trigger headers, a JSON object of strings.
    pub headers: Option<String>,
}

/// Input of `rotateInstanceFlowApiKey`.
#[derive(InputObject)]
pub struct RotateInstanceFlowApiKeyInput {
    /// The instance flow config.
    pub id: Option<ID>,
    /// Keep the existing keys (add one) instead of replacing them.
    pub keep_existing: Option<bool>,
}

/// Answer of instance mutations.
#[derive(SimpleObject, Default)]
pub struct InstancePayload {
    /// The instance (null when nothing changed).
    pub instance: Option<Instance>,
    /// Invalid input.
    pub errors: Vec<FieldError>,
}

/// Answer of `runInstanceFlow`.
#[derive(SimpleObject, Default)]
pub struct RunInstanceFlowPayload {
    /// The queued execution.
    pub execution: Option<ExecutionResult>,
    /// Invalid input.
    pub errors: Vec<FieldError>,
}

/// Answer of `rotateInstanceFlowApiKey`.
#[derive(SimpleObject, Default)]
pub struct RotateInstanceFlowApiKeyPayload {
    /// The new API key, shown once.
    pub api_key: Option<String>,
    /// The flow config.
    pub instance_flow_config: Option<InstanceFlowConfig>,
    /// Invalid input.
    pub errors: Vec<FieldError>,
}

/// The error of a non-empty `labels` list of an instance mutation (plumb's instances carry no
/// labels); `None` for none.
pub(crate) fn labels_refused(labels: &Option<Vec<Option<String>>>) -> Option<Vec<FieldError>> {
    let given = labels.iter().flatten().flatten().next().is_some();
    given.then(|| {
        vec![FieldError {
            field: "labels".into(),
            messages: vec!["plumb's instances have no labels; leave `labels` out".into()],
        }]
    })
}

/// Decodes a customer ID visible to the caller.
pub(crate) fn customer_id(id: &ID) -> Option<uuid::Uuid> {
    super::decode_id(customers::TYPE, id)
}
