//! The fields of [`Integration`] and [`IntegrationFlow`] read from the stored definition and
//! the services: flows, required config variables, versions, and the fields Prismatic's
//! clients ask for (`labels`, `category`, `versionSequence`, `systemInstance`,
//! `testConfigVariables`, a flow's `testUrl` and `trigger`).

use std::collections::BTreeMap;

use async_graphql::{ComplexObject, Context, Enum, InputObject, SimpleObject, ID};
use plumb_core::definition::Definition;
use plumb_runtime as runtime;
use plumb_service::Services;
use plumb_store::Store;
use uuid::Uuid;

use super::test_instance::{SystemInstance, TestConfigVariable, TestConfigVariableConnection};
use super::{
    flow_uuid, Integration, IntegrationConnection, IntegrationFlow, IntegrationFlowConnection,
    RequiredConfigVariable, REQUIRED_CONFIG_VAR_TYPE, TYPE,
};
use crate::graphql::customers::Customer;
use crate::graphql::errors::{forbidden, gql_error, internal, service_error, Result};
use crate::graphql::executions::SortDirection;
use crate::graphql::relay::{
    connection, oriented, page_in_memory, page_request, reoriented, whole_list, Connection,
};
use crate::graphql::{caller, instances};

/// Parses a stored definition (validated when imported).
fn parsed(text: &str) -> Option<Definition> {
    plumb_service::integrations::parsed(text)
}

/// The flows of a definition stored in row `row_id` (`draft`: whether that row is a draft).
pub(crate) fn flows_of(row_id: Uuid, def: &Definition) -> Vec<IntegrationFlow> {
    def.flows
        .iter()
        .map(|f| IntegrationFlow {
            id: ID(plumb_core::id::encode(
                super::FLOW_TYPE,
                flow_uuid(row_id, &f.name),
            )),
            name: f.name.clone(),
            description: f.description.clone(),
            is_synchronous: f.is_synchronous.unwrap_or(false),
            stable_key: f
                .extra
                .get("stableKey")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            draft: None,
            trigger: f
                .trigger()
                .map(|t| (t.action.component.key.clone(), t.action.key.clone())),
        })
        .collect()
}

/// The required config variables of `def` (stored in integration row `row_id`), with the test
/// values `tests` (never for connections).
pub(crate) fn required_config_variables(
    row_id: Uuid,
    def: &Definition,
    tests: &BTreeMap<String, String>,
) -> Vec<RequiredConfigVariable> {
    def.required_config_vars
        .iter()
        .map(|d| RequiredConfigVariable {
            id: ID(plumb_core::id::encode(
                REQUIRED_CONFIG_VAR_TYPE,
                Uuid::new_v5(
                    &row_id,
                    format!("requiredConfigVariable/{}", d.key).as_bytes(),
                ),
            )),
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
        .collect()
}

/// Who published a version (Prismatic's `versionCreatedBy`).
#[derive(SimpleObject)]
pub struct VersionAuthor {
    /// Always "": plumb records versions by token, not by person.
    pub email: String,
}

/// What `versionSequence` is ordered by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum VersionOrderField {
    /// The version number.
    VersionNumber,
}

/// One order of `versionSequence(sortBy: [...])`.
#[derive(InputObject)]
pub struct VersionOrderBy {
    /// What to order by.
    pub field: VersionOrderField,
    /// Which way.
    pub direction: Option<SortDirection>,
}

#[ComplexObject]
impl Integration {
    /// The definition (YAML, as imported). Refused to customer-bound tokens, which may reach an
    /// integration through their instances and executions but never read its definition.
    /// `version` is the definition format version Prismatic's clients ask for: plumb stores
    /// format 7 only; `useLatestComponentVersions` changes nothing (each component has one
    /// version).
    async fn definition(
        &self,
        ctx: &Context<'_>,
        version: Option<i32>,
        #[graphql(name = "useLatestComponentVersions")] _use_latest: Option<bool>,
    ) -> Result<String> {
        let caller = caller(ctx)?;
        if !runtime::customer_scope::may_read_definitions(instances::bound_by(caller)) {
            return Err(forbidden());
        }
        if version.is_some_and(|v| v != 7) {
            return Err(gql_error(
                "BAD_ARGUMENT",
                "version: plumb exports definitionVersion 7 only",
            ));
        }
        Ok(self.row.definition.clone())
    }

    /// The integration's ID (the draft's), shared by its versions.
    async fn integration_id(&self) -> ID {
        ID(plumb_core::id::encode(TYPE, self.row.integration_id))
    }

    /// The definition's labels.
    async fn labels(&self) -> Vec<String> {
        parsed(&self.row.definition)
            .and_then(|d| d.labels)
            .unwrap_or_default()
    }

    /// The definition's category ("" when none).
    async fn category(&self) -> String {
        parsed(&self.row.definition)
            .and_then(|d| d.category)
            .unwrap_or_default()
    }

    /// The customer an integration is private to: plumb's integrations belong to the
    /// organization (null).
    async fn customer(&self) -> Option<Customer> {
        None
    }

    /// Whether this is a code-native integration (plumb's are definitions: false).
    async fn is_code_native(&self) -> bool {
        false
    }

    /// When this version was published (for a draft: its creation).
    async fn version_created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.created_at
    }

    /// Who published this version (plumb records no person: an empty email).
    async fn version_created_by(&self) -> Option<VersionAuthor> {
        self.row.is_published.then(|| VersionAuthor {
            email: String::new(),
        })
    }

    /// Whether this version may be deployed: every published version is.
    async fn version_is_available(&self) -> bool {
        self.row.is_published
    }

    /// The published versions of this integration, oldest first (`sortBy` version number
    /// `DESC`: newest first). `versionIsAvailable: false` lists none (every published version
    /// is available).
    #[allow(clippy::too_many_arguments)]
    async fn version_sequence(
        &self,
        ctx: &Context<'_>,
        version_is_available: Option<bool>,
        sort_by: Option<Vec<VersionOrderBy>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<IntegrationConnection> {
        if version_is_available == Some(false) {
            return Ok(Connection::empty().into());
        }
        let descending =
            sort_by.iter().flatten().next().and_then(|o| o.direction) == Some(SortDirection::Desc);
        let page = oriented(page_request(first, after, last, before)?, descending);
        let rows = ctx
            .data::<Services>()?
            .integration_versions(caller(ctx)?, self.row.id, &page)
            .await
            .map_err(service_error)?;
        Ok(reoriented(connection(rows, |r| r.id, Integration::from), descending).into())
    }

    /// The flows.
    async fn flows(
        &self,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<IntegrationFlowConnection> {
        let page = page_request(first, after, last, before)?;
        let draft = (!self.row.is_published).then_some(self.row.id);
        let flows = parsed(&self.row.definition)
            .map(|d| flows_of(self.row.id, &d))
            .unwrap_or_default()
            .into_iter()
            .map(|f| {
                (
                    flow_uuid(self.row.id, &f.name),
                    IntegrationFlow { draft, ..f },
                )
            })
            .collect();
        Ok(page_in_memory(flows, &page).into())
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
        Ok(required_config_variables(self.row.id, &def, &tests))
    }

    /// The draft's test instance (Prismatic's system instance): its configuration state and
    /// one flow config per flow with the flow's `testUrl`. Null for a published version.
    async fn system_instance(&self, ctx: &Context<'_>) -> Result<Option<SystemInstance>> {
        let state = ctx
            .data::<Services>()?
            .test_instance(caller(ctx)?, &self.row)
            .await
            .map_err(service_error)?;
        Ok(state.map(|s| SystemInstance::new(s, &self.row)))
    }

    /// The draft's required config variables with their test state: `ACTIVE` when a test run
    /// can resolve them, `PENDING` otherwise. `status` / `status_In` keep those states (any
    /// case).
    async fn test_config_variables(
        &self,
        ctx: &Context<'_>,
        status: Option<String>,
        #[graphql(name = "status_In")] status_in: Option<Vec<String>>,
    ) -> Result<TestConfigVariableConnection> {
        let state = ctx
            .data::<Services>()?
            .test_instance(caller(ctx)?, &self.row)
            .await
            .map_err(service_error)?;
        let wanted: Option<Vec<String>> = match (status, status_in) {
            (None, None) => None,
            (s, list) => Some(
                s.into_iter()
                    .chain(list.into_iter().flatten())
                    .map(|s| s.to_ascii_uppercase())
                    .collect(),
            ),
        };
        let rows = state
            .map(|s| TestConfigVariable::all(&s))
            .unwrap_or_default()
            .into_iter()
            .filter(|v| wanted.as_ref().is_none_or(|w| w.contains(&v.status)))
            .map(|v| (v.row_id, v))
            .collect();
        Ok(whole_list(rows).into())
    }
}

/// The trigger of a flow, as Prismatic's clients read it.
#[derive(SimpleObject)]
pub struct FlowTrigger {
    /// The trigger's action.
    pub action: TriggerAction,
}

/// A trigger action.
#[derive(SimpleObject)]
pub struct TriggerAction {
    /// Its key.
    pub key: String,
    /// Its component.
    pub component: TriggerComponent,
    /// Whether the trigger polls an app on a schedule (no plumb trigger does).
    pub is_polling_trigger: bool,
    /// `REQUIRED` for schedule triggers (they run only on their schedule), else `VALID`.
    pub schedule_support: &'static str,
}

/// The component of a trigger action.
#[derive(SimpleObject)]
pub struct TriggerComponent {
    /// Its key.
    pub key: String,
}

#[ComplexObject]
impl IntegrationFlow {
    /// The URL that runs this flow of the draft as a test when posted to, with the request as
    /// the trigger payload (`plumb_service::capabilities`). Null for a published version's flow,
    /// for callers who may not run tests, and without a master key.
    async fn test_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let Some(draft) = self.draft else {
            return Ok(None);
        };
        let flow = flow_uuid(draft, &self.name);
        Ok(ctx
            .data::<Services>()?
            .flow_test_url(caller(ctx)?, draft, flow))
    }

    /// The flow's trigger.
    async fn trigger(&self) -> Option<FlowTrigger> {
        let (component, action) = self.trigger.clone()?;
        Some(FlowTrigger {
            action: TriggerAction {
                schedule_support: if component == "schedule-triggers" {
                    "REQUIRED"
                } else {
                    "VALID"
                },
                key: action,
                component: TriggerComponent { key: component },
                is_polling_trigger: false,
            },
        })
    }
}
