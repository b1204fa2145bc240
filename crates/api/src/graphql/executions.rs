//! Executions: `executionResults`, `executionResult`, `logs`, `logSeverityLevels`.
//!
//! A step's `results` is JSON. A binary result reads as
//! `{"contentType": "...", "size": N, "base64": "..."}` (`base64` only up to
//! [`INLINE_BINARY_LIMIT`] bytes); `resultsContentType` is set for binary results only.

use async_graphql::{ComplexObject, Context, Enum, Object, SimpleObject, ID};
use base64::Engine as _;
use plumb_service::executions::ExecutionQuery as Query;
use plumb_service::Services;
use plumb_store::executions::{
    Execution as Row, ExecutionLog as LogRow, ExecutionStatus as Status, StepResult as StepRow,
    StepValue,
};
use plumb_store::{Store, StoreError};
use serde_json::{json, Value};

use super::errors::{internal, present, service_error, Result};
use super::integrations::{self, flow_uuid, IntegrationFlow};
use super::relay::{connection, connection_type, oriented, page_request, reoriented};
use super::{caller, customers, decode_id};

/// The global ID type name of executions.
pub const TYPE: &str = "InstanceExecutionResult";
/// The global ID type name of step results.
pub const STEP_TYPE: &str = "StepResult";
/// The global ID type name of log lines.
pub const LOG_TYPE: &str = "Log";
/// Binary step results up to this size are inlined as base64.
pub const INLINE_BINARY_LIMIT: usize = 1024 * 1024;

/// Where an execution is in its life.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ExecutionStatus {
    /// Waiting for a worker.
    Queued,
    /// Running.
    Pending,
    /// Ended well.
    Success,
    /// Ended with an error.
    Error,
}

impl From<Status> for ExecutionStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Queued => ExecutionStatus::Queued,
            Status::Pending => ExecutionStatus::Pending,
            Status::Success => ExecutionStatus::Success,
            Status::Error => ExecutionStatus::Error,
        }
    }
}

impl From<ExecutionStatus> for Status {
    fn from(s: ExecutionStatus) -> Self {
        match s {
            ExecutionStatus::Queued => Status::Queued,
            ExecutionStatus::Pending => Status::Pending,
            ExecutionStatus::Success => Status::Success,
            ExecutionStatus::Error => Status::Error,
        }
    }
}

/// One run of one flow.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ExecutionResult {
    /// Global ID.
    pub id: ID,
    /// Its status.
    pub status: ExecutionStatus,
    /// Whether this is a test execution.
    pub is_test_execution: bool,
    /// When it was queued.
    pub queued_at: chrono::DateTime<chrono::Utc>,
    /// When it started.
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it ended.
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Why it failed.
    pub error: Option<String>,
    /// This attempt's number, from 1.
    pub attempt: i64,
    #[graphql(skip)]
    pub(crate) row: Row,
}

impl From<Row> for ExecutionResult {
    fn from(r: Row) -> Self {
        ExecutionResult {
            id: ID(plumb_core::id::encode(TYPE, r.id)),
            status: r.status.into(),
            is_test_execution: r.is_test,
            queued_at: plumb_store::to_datetime(r.queued_at),
            started_at: r.started_at.map(plumb_store::to_datetime),
            ended_at: r.ended_at.map(plumb_store::to_datetime),
            error: r.error.clone(),
            attempt: r.attempt,
            row: r,
        }
    }
}

/// One step run.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct StepResult {
    /// Global ID.
    pub id: ID,
    /// The step's name.
    pub step_name: String,
    /// Loop indexes, outermost first.
    pub iteration: Vec<i64>,
    /// `SUCCESS`, `ERROR` or `IGNORED` (failed, and the flow went on).
    pub status: String,
    /// Attempts it took.
    pub attempts: i64,
    /// Start.
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// End.
    pub ended_at: chrono::DateTime<chrono::Utc>,
    /// The result: JSON; binary as `{contentType, size, base64?}`.
    pub results: Option<async_graphql::Json<Value>>,
    /// The content type of a binary result (null for JSON).
    pub results_content_type: Option<String>,
    /// The error of a failed step.
    pub error: Option<String>,
    /// The execution's organization (signs `resultsUrl`).
    #[graphql(skip)]
    pub(crate) org_id: uuid::Uuid,
    #[graphql(skip)]
    pub(crate) row_id: uuid::Uuid,
}

#[ComplexObject]
impl StepResult {
    /// The step's name as Prismatic's clients ask for it (plumb's step names are what the
    /// designer shows).
    async fn display_step_name(&self) -> &str {
        &self.step_name
    }

    /// A URL answering this result as MessagePack (`{data, contentType}`), usable without a
    /// token for an hour (`plumb_service::capabilities`); null when the server has no master
    /// key.
    async fn results_url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(ctx
            .data::<Services>()?
            .step_result_url(self.org_id, self.row_id, plumb_store::now_ms()))
    }
}

impl StepResult {
    /// The type of a step result row of an execution of organization `org_id`.
    pub fn of(org_id: uuid::Uuid, r: StepRow) -> Self {
        StepResult {
            org_id,
            ..StepResult::from(r)
        }
    }
}

impl From<StepRow> for StepResult {
    fn from(r: StepRow) -> Self {
        let (results, content_type) = match r.value {
            Some(StepValue::Json(text)) => (
                Some(serde_json::from_str(&text).unwrap_or(Value::String(text))),
                None,
            ),
            Some(StepValue::Binary {
                bytes,
                content_type,
            }) => {
                let mut v = json!({ "contentType": content_type, "size": bytes.len() });
                if bytes.len() <= INLINE_BINARY_LIMIT {
                    v["base64"] = json!(base64::engine::general_purpose::STANDARD.encode(&bytes));
                }
                (Some(v), Some(content_type))
            }
            None => (None, None),
        };
        StepResult {
            org_id: uuid::Uuid::nil(),
            row_id: r.id,
            id: ID(plumb_core::id::encode(STEP_TYPE, r.id)),
            step_name: r.step_name,
            iteration: r.iteration.into_iter().map(|i| i as i64).collect(),
            status: r.status.as_str().to_string(),
            attempts: r.attempts,
            started_at: plumb_store::to_datetime(r.started_at),
            ended_at: plumb_store::to_datetime(r.ended_at),
            results: results.map(async_graphql::Json),
            results_content_type: content_type,
            error: r.error,
        }
    }
}

/// One log line of an execution.
#[derive(SimpleObject, Clone)]
pub struct ExecutionLog {
    /// Global ID.
    pub id: ID,
    /// When.
    pub timestamp: chrono::DateTime<chrono::Utc>,
    /// `TRACE, DEBUG, INFO, WARN, ERROR, FATAL, METRIC`.
    pub severity: String,
    /// The message (at most 4096 characters).
    pub message: String,
    /// The step that logged it.
    pub step_name: Option<String>,
    /// Prismatic's log sections (code-native integrations): plumb has none (null).
    pub section_id: Option<String>,
}

impl From<LogRow> for ExecutionLog {
    fn from(r: LogRow) -> Self {
        ExecutionLog {
            id: ID(plumb_core::id::encode(LOG_TYPE, r.id)),
            timestamp: plumb_store::to_datetime(r.timestamp),
            severity: r.severity,
            message: r.message,
            step_name: r.step_name,
            section_id: None,
        }
    }
}

/// The order of a list.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum SortDirection {
    /// Oldest first.
    #[default]
    Asc,
    /// Newest first.
    Desc,
}

/// What step results are ordered by. plumb records a step when it ends; both orders are that
/// order (a step's start and end order differ only for a loop or branch and the steps inside).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum StepResultOrderField {
    /// When the step started.
    StartedAt,
    /// When the step ended.
    EndedAt,
}

/// The order of `stepResults`.
#[derive(async_graphql::InputObject)]
pub struct StepResultOrderBy {
    /// What to order by.
    pub field: StepResultOrderField,
    /// Which way.
    pub direction: Option<SortDirection>,
}

/// What log lines are ordered by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum LogOrderField {
    /// When the line was logged.
    Timestamp,
}

/// The order of `logs`.
#[derive(async_graphql::InputObject)]
pub struct LogOrderBy {
    /// What to order by.
    pub field: LogOrderField,
    /// Which way.
    pub direction: Option<SortDirection>,
}

/// A log severity level (`logSeverityLevels`).
#[derive(SimpleObject)]
pub struct LogSeverityLevel {
    /// Its number, from 1 (least severe).
    pub id: i32,
    /// Its name, as log lines carry it.
    pub name: &'static str,
}

/// The severity levels of log lines, least severe first.
pub const SEVERITIES: [&str; 7] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "METRIC"];

connection_type!(
    ExecutionResult,
    ExecutionResultConnection,
    ExecutionResultEdge
);
connection_type!(StepResult, StepResultConnection, StepResultEdge);
connection_type!(ExecutionLog, ExecutionLogConnection, ExecutionLogEdge);

#[ComplexObject]
impl ExecutionResult {
    /// The flow that ran.
    async fn flow(&self) -> IntegrationFlow {
        let owner = self
            .row
            .integration_version_id
            .or(self.row.integration_id)
            .unwrap_or_default();
        IntegrationFlow::named(
            ID(plumb_core::id::encode(
                integrations::FLOW_TYPE,
                flow_uuid(owner, &self.row.flow_name),
            )),
            self.row.flow_name.clone(),
        )
    }

    /// The integration (the draft for a test run, else the published version).
    async fn integration(&self, ctx: &Context<'_>) -> Result<Option<integrations::Integration>> {
        let Some(id) = self.row.integration_version_id.or(self.row.integration_id) else {
            return Ok(None);
        };
        match ctx
            .data::<Store>()?
            .get_integration(self.row.org_id, id)
            .await
        {
            Ok(r) => Ok(Some(r.into())),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(internal(e)),
        }
    }

    /// The step results, in the order they ended (`orderBy` direction `DESC`: newest first);
    /// `displayStepName` keeps the results of that step only.
    #[allow(clippy::too_many_arguments)]
    async fn step_results(
        &self,
        ctx: &Context<'_>,
        order_by: Option<StepResultOrderBy>,
        display_step_name: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<StepResultConnection> {
        let descending = order_by.and_then(|o| o.direction) == Some(SortDirection::Desc);
        let page = oriented(page_request(first, after, last, before)?, descending);
        let store = ctx.data::<Store>()?;
        let (org, id) = (self.row.org_id, self.row.id);
        let rows = store
            .list_step_results_of(org, id, display_step_name.as_deref(), &page)
            .await
            .map_err(internal)?;
        let page = connection(rows, |r| r.id, |r| StepResult::of(org, r));
        Ok(reoriented(page, descending).into())
    }

    /// The log lines, oldest first (`orderBy` direction `DESC`: newest first).
    #[allow(clippy::too_many_arguments)]
    async fn logs(
        &self,
        ctx: &Context<'_>,
        severity: Option<String>,
        order_by: Option<LogOrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ExecutionLogConnection> {
        let descending = order_by.and_then(|o| o.direction) == Some(SortDirection::Desc);
        let page = oriented(page_request(first, after, last, before)?, descending);
        let rows = ctx
            .data::<Store>()?
            .list_execution_logs(self.row.org_id, self.row.id, severity.as_deref(), &page)
            .await
            .map_err(internal)?;
        Ok(reoriented(connection(rows, |r| r.id, ExecutionLog::from), descending).into())
    }
}

/// Execution queries.
#[derive(Default)]
pub struct ExecutionQuery;

#[Object]
impl ExecutionQuery {
    /// Lists executions, oldest first; customer-bound tokens see their customer's only.
    #[allow(clippy::too_many_arguments)]
    async fn execution_results(
        &self,
        ctx: &Context<'_>,
        integration: Option<ID>,
        instance: Option<ID>,
        customer: Option<ID>,
        flow_name: Option<String>,
        is_test_execution: Option<bool>,
        status: Option<ExecutionStatus>,
        #[graphql(name = "startedAt_Gte")] started_at_gte: Option<chrono::DateTime<chrono::Utc>>,
        #[graphql(name = "startedAt_Lte")] started_at_lte: Option<chrono::DateTime<chrono::Utc>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ExecutionResultConnection> {
        let caller = caller(ctx)?;
        let query = Query {
            integration: integration.map(|i| decode_id(integrations::TYPE, &i)),
            instance: instance.map(|i| decode_id(super::instance_types::TYPE, &i)),
            customer: customer.map(|c| decode_id(customers::TYPE, &c)),
            flow_name,
            is_test: is_test_execution,
            status: status.map(Into::into),
            started_at_gte: started_at_gte.map(|t| t.timestamp_millis()),
            started_at_lte: started_at_lte.map(|t| t.timestamp_millis()),
        };
        let page = page_request(first, after, last, before)?;
        let rows = ctx
            .data::<Services>()?
            .executions(caller, query, &page)
            .await
            .map_err(service_error)?;
        Ok(connection(rows, |r| r.id, ExecutionResult::from).into())
    }

    /// One execution.
    async fn execution_result(&self, ctx: &Context<'_>, id: ID) -> Result<ExecutionResult> {
        let caller = caller(ctx)?;
        ctx.data::<Services>()?
            .execution(caller, decode_id(TYPE, &id))
            .await
            .map(ExecutionResult::from)
            .map_err(service_error)
    }

    /// The log lines of one execution, oldest first.
    #[allow(clippy::too_many_arguments)]
    async fn logs(
        &self,
        ctx: &Context<'_>,
        execution_result: ID,
        severity: Option<String>,
        order_by: Option<LogOrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ExecutionLogConnection> {
        let caller = caller(ctx)?;
        let services = ctx.data::<Services>()?;
        let row = services
            .execution(caller, decode_id(TYPE, &execution_result))
            .await
            .map_err(service_error)?;
        let descending = order_by.and_then(|o| o.direction) == Some(SortDirection::Desc);
        let page = oriented(page_request(first, after, last, before)?, descending);
        let rows = services
            .execution_logs(&row, severity.as_deref(), &page)
            .await
            .map_err(service_error)?;
        Ok(reoriented(connection(rows, |r| r.id, ExecutionLog::from), descending).into())
    }

    /// The severity levels of log lines, least severe first.
    async fn log_severity_levels(&self) -> Vec<LogSeverityLevel> {
        SEVERITIES
            .iter()
            .zip(1..)
            .map(|(name, id)| LogSeverityLevel { id, name })
            .collect()
    }
}

/// Input of `replayExecution`.
#[derive(async_graphql::InputObject)]
pub struct ReplayExecutionInput {
    /// The execution to run again.
    pub id: Option<ID>,
}

/// Answer of `replayExecution`.
#[derive(SimpleObject, Default)]
pub struct ReplayExecutionPayload {
    /// The new execution (queued).
    pub instance_execution_result: Option<ExecutionResult>,
    /// Invalid input.
    pub errors: Vec<super::errors::FieldError>,
}

/// Execution mutations.
#[derive(Default)]
pub struct ExecutionMutation;

#[Object]
impl ExecutionMutation {
    /// Runs an execution again with the same trigger payload, as a new queued execution of the
    /// same instance (or, for a test execution, of the integration's current draft).
    async fn replay_execution(
        &self,
        ctx: &Context<'_>,
        input: ReplayExecutionInput,
    ) -> Result<ReplayExecutionPayload> {
        let caller = caller(ctx)?;
        let id = input.id.as_ref().map(|id| decode_id(TYPE, id));
        present(
            ctx.data::<Services>()?.replay_execution(caller, id).await,
            |new| ReplayExecutionPayload {
                instance_execution_result: Some(new.into()),
                errors: vec![],
            },
            |errors| ReplayExecutionPayload {
                instance_execution_result: None,
                errors,
            },
        )
    }
}
