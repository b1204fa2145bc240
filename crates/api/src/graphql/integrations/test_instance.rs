//! A draft's test instance as Prismatic's clients read it (`systemInstance`,
//! `testConfigVariables`), over `plumb_service::test_instances`.

use async_graphql::{ComplexObject, Context, SimpleObject, ID};
use plumb_service::test_instances::TestInstance;
use plumb_service::Services;
use plumb_store::integrations::Integration as Row;
use uuid::Uuid;

use super::{flow_uuid, flows_of, IntegrationFlow};
use crate::graphql::caller;
use crate::graphql::errors::Result;
use crate::graphql::instance_types::ConfigVariableInputValueConnection;
use crate::graphql::relay::{connection_type, page_in_memory, page_request, Connection};

/// The global ID type name of test instances (one per draft).
pub const TEST_INSTANCE_TYPE: &str = "TestInstance";
/// The global ID type name of test config variables.
pub const TEST_CONFIG_VAR_TYPE: &str = "TestConfigVariable";
/// The global ID type name of a test instance's flow configs.
pub const TEST_FLOW_CONFIG_TYPE: &str = "TestInstanceFlowConfig";

/// A draft's test instance.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct SystemInstance {
    /// Global ID (`TestInstance:<draft>`).
    pub id: ID,
    /// `FULLY_CONFIGURED` when a test run would start, else `NEEDS_INSTANCE_CONFIGURATION`
    /// (set the missing test values with `setTestConfigVariables` or the console).
    pub config_state: &'static str,
    #[graphql(skip)]
    pub(crate) flows: Vec<IntegrationFlow>,
}

impl SystemInstance {
    /// The test instance of `row` (a draft) in state `state`.
    pub fn new(state: TestInstance, row: &Row) -> Self {
        let flows = plumb_service::integrations::parsed(&row.definition)
            .map(|d| flows_of(row.id, &d))
            .unwrap_or_default()
            .into_iter()
            .map(|f| IntegrationFlow {
                draft: Some(row.id),
                ..f
            })
            .collect();
        SystemInstance {
            id: ID(plumb_core::id::encode(TEST_INSTANCE_TYPE, state.draft)),
            config_state: if state.configured {
                "FULLY_CONFIGURED"
            } else {
                "NEEDS_INSTANCE_CONFIGURATION"
            },
            flows,
        }
    }
}

/// One flow of a test instance.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct TestFlowConfig {
    /// Global ID.
    pub id: ID,
    /// The flow.
    pub flow: IntegrationFlow,
    /// Prismatic's API keys of the flow's test webhook: plumb's test URL carries its own
    /// signature instead (empty).
    pub api_keys: Vec<String>,
}

connection_type!(TestFlowConfig, TestFlowConfigConnection, TestFlowConfigEdge);

#[ComplexObject]
impl TestFlowConfig {
    /// The flow's test URL (`IntegrationFlow.testUrl`).
    async fn webhook_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        test_url(ctx, &self.flow)
    }

    /// The flow's test URL.
    async fn test_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        test_url(ctx, &self.flow)
    }
}

fn test_url(ctx: &Context<'_>, flow: &IntegrationFlow) -> Result<Option<String>> {
    let Some(draft) = flow.draft else {
        return Ok(None);
    };
    Ok(ctx
        .data::<Services>()?
        .flow_test_url(caller(ctx)?, draft, flow_uuid(draft, &flow.name)))
}

#[ComplexObject]
impl SystemInstance {
    /// One config per flow of the draft.
    async fn flow_configs(
        &self,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<TestFlowConfigConnection> {
        let page = page_request(first, after, last, before)?;
        let rows = self
            .flows
            .iter()
            .filter_map(|f| {
                let draft = f.draft?;
                let id = Uuid::new_v5(&flow_uuid(draft, &f.name), b"testFlowConfig");
                Some((
                    id,
                    TestFlowConfig {
                        id: ID(plumb_core::id::encode(TEST_FLOW_CONFIG_TYPE, id)),
                        flow: f.clone(),
                        api_keys: vec![],
                    },
                ))
            })
            .collect();
        Ok(page_in_memory(rows, &page).into())
    }
}

/// One required config variable of a draft's test instance.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct TestConfigVariable {
    /// Global ID.
    pub id: ID,
    /// The config var's key.
    pub key: String,
    /// `ACTIVE` (a test run resolves it) or `PENDING` (it needs a test value).
    pub status: String,
    /// Prismatic's OAuth authorization URL of a pending test connection: plumb authorizes
    /// test connections from the console or `startOAuthAuthorization` (null).
    pub authorize_url: Option<String>,
    #[graphql(skip)]
    pub(crate) row_id: Uuid,
}

connection_type!(
    TestConfigVariable,
    TestConfigVariableConnection,
    TestConfigVariableEdge
);

impl TestConfigVariable {
    /// The variables of a test instance, in declaration order.
    pub fn all(state: &TestInstance) -> Vec<TestConfigVariable> {
        state
            .variables
            .iter()
            .map(|v| {
                let id = Uuid::new_v5(
                    &state.draft,
                    format!("testConfigVariable/{}", v.key).as_bytes(),
                );
                TestConfigVariable {
                    id: ID(plumb_core::id::encode(TEST_CONFIG_VAR_TYPE, id)),
                    key: v.key.clone(),
                    status: if v.ready { "ACTIVE" } else { "PENDING" }.to_string(),
                    authorize_url: None,
                    row_id: id,
                }
            })
            .collect()
    }
}

#[ComplexObject]
impl TestConfigVariable {
    /// A connection's inputs: write-only in plumb (empty).
    async fn inputs(&self) -> ConfigVariableInputValueConnection {
        Connection::empty().into()
    }

    /// Prismatic's free-form metadata: none (null).
    async fn meta(&self) -> Option<String> {
        None
    }
}
