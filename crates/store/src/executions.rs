//! Executions (one run of one flow), their step results and their logs.
//!
//! An execution is created `QUEUED` (the queue's workers claim it) or `PENDING` (run at once,
//! like a test run), and ends `SUCCESS` or `ERROR`. Step results hold JSON text or binary
//! bytes with a content type; log messages are cut at [`MAX_LOG_MESSAGE`] characters.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{Acquire, Row};
use uuid::Uuid;

use crate::orgs::{parse_opt_uuid, parse_uuid};
use crate::page::{Arg, Where};
use crate::{new_id, now_ms, Page, PageRequest, Store, StoreError};

/// The longest stored log message, in characters.
pub const MAX_LOG_MESSAGE: usize = 4096;

/// Where an execution is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

impl ExecutionStatus {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Queued => "QUEUED",
            ExecutionStatus::Pending => "PENDING",
            ExecutionStatus::Success => "SUCCESS",
            ExecutionStatus::Error => "ERROR",
        }
    }

    /// Parses the API's spelling.
    pub fn parse(s: &str) -> Option<ExecutionStatus> {
        [
            ExecutionStatus::Queued,
            ExecutionStatus::Pending,
            ExecutionStatus::Success,
            ExecutionStatus::Error,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// An execution row.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    /// Its ID.
    pub id: Uuid,
    /// The organization.
    pub org_id: Uuid,
    /// The integration (its draft's ID).
    pub integration_id: Option<Uuid>,
    /// The published version that ran (None for a test run of a draft).
    pub integration_version_id: Option<Uuid>,
    /// The instance (None for a test run).
    pub instance_id: Option<Uuid>,
    /// The customer (None for a test run).
    pub customer_id: Option<Uuid>,
    /// The flow's name.
    pub flow_name: String,
    /// Whether this is a test execution.
    pub is_test: bool,
    /// Its status.
    pub status: ExecutionStatus,
    /// The trigger payload.
    pub payload: Option<Vec<u8>>,
    /// The payload's content type.
    pub payload_content_type: Option<String>,
    /// The trigger's headers (JSON object text).
    pub payload_headers: String,
    /// The trigger's query parameters (JSON object text).
    pub payload_query: String,
    /// When it was queued (ms).
    pub queued_at: i64,
    /// When it started (ms).
    pub started_at: Option<i64>,
    /// When it ended (ms).
    pub ended_at: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// This attempt's number, from 1.
    pub attempt: i64,
    /// How many attempts are allowed (the flow's `retryConfig`).
    pub max_attempts: i64,
    /// When a queued execution may run (ms).
    pub next_attempt_at: Option<i64>,
    /// The instance flow config that triggered it.
    pub flow_config_id: Option<Uuid>,
    /// The worker group that runs it (`None`: the default group).
    pub worker_group: Option<String>,
    /// How many times its worker was lost while running it.
    pub recoveries: i64,
    /// What started it: `test`, `webhook`, `schedule`, `manual`, `replay`, `retry`, `deploy`.
    pub invoke_type: String,
    /// The execution this one retries or replays.
    pub retry_of: Option<Uuid>,
    /// The worker holding it (while `PENDING` on the queue).
    pub lease_owner: Option<String>,
    /// The execution whose cross-flow step invoked this one.
    pub invoked_by: Option<Uuid>,
    /// How deep in a chain of cross-flow invocations it is (0: nothing invoked it).
    pub invoke_depth: i64,
    /// How many recursive invocations of its flow came before it (`recursive-flow`; 0: none).
    pub recursion_depth: i64,
}

/// The fields of a new execution.
#[derive(Debug, Clone, Default)]
pub struct NewExecution {
    /// The integration (draft ID).
    pub integration_id: Option<Uuid>,
    /// The published version.
    pub integration_version_id: Option<Uuid>,
    /// The instance.
    pub instance_id: Option<Uuid>,
    /// The customer.
    pub customer_id: Option<Uuid>,
    /// The flow's name.
    pub flow_name: String,
    /// Whether this is a test execution.
    pub is_test: bool,
    /// The trigger payload.
    pub payload: Option<Vec<u8>>,
    /// Its content type.
    pub payload_content_type: Option<String>,
    /// Trigger headers.
    pub payload_headers: BTreeMap<String, String>,
    /// Trigger query parameters.
    pub payload_query: BTreeMap<String, String>,
    /// Start it at once (`PENDING`, started now) instead of queueing it.
    pub start_now: bool,
    /// With `start_now`: the lease holder and lease length (ms). An execution started at once
    /// is leased like a claimed one, so it cannot stay `PENDING` when its runner is lost
    /// ([`Store::recover_expired_leases`] ends it).
    pub lease: Option<(String, i64)>,
    /// Attempts allowed (at least 1).
    pub max_attempts: i64,
    /// This attempt's number (0 is taken as 1).
    pub attempt: i64,
    /// The instance flow config that triggered it.
    pub flow_config_id: Option<Uuid>,
    /// The worker group that runs it.
    pub worker_group: Option<String>,
    /// What started it (`manual` when empty).
    pub invoke_type: String,
    /// Do not run before this time (ms); now when `None`.
    pub not_before: Option<i64>,
    /// The execution this one retries or replays.
    pub retry_of: Option<Uuid>,
    /// The execution whose cross-flow step invoked this one.
    pub invoked_by: Option<Uuid>,
    /// How deep in a chain of cross-flow invocations it is.
    pub invoke_depth: i64,
    /// How many recursive invocations of its flow came before it.
    pub recursion_depth: i64,
}

/// Filters of an execution list.
#[derive(Debug, Clone, Default)]
pub struct ExecutionFilter {
    /// Only this integration's executions.
    pub integration_id: Option<Uuid>,
    /// Only this customer's.
    pub customer_id: Option<Uuid>,
    /// Only this instance's.
    pub instance_id: Option<Uuid>,
    /// Only test (true) or non-test (false) executions.
    pub is_test: Option<bool>,
    /// Only this status.
    pub status: Option<ExecutionStatus>,
    /// Only executions started at or after this time (ms).
    pub started_at_gte: Option<i64>,
    /// Only executions started at or before this time (ms).
    pub started_at_lte: Option<i64>,
    /// Only runs of the flow with this name.
    pub flow_name: Option<String>,
}

/// Whether a step ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// It produced a result.
    Success,
    /// It failed and the flow stopped.
    Error,
    /// It failed and the flow went on (`errorType: ignore`).
    Ignored,
}

impl StepStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Success => "SUCCESS",
            StepStatus::Error => "ERROR",
            StepStatus::Ignored => "IGNORED",
        }
    }

    fn parse(s: &str) -> StepStatus {
        match s {
            "SUCCESS" => StepStatus::Success,
            "IGNORED" => StepStatus::Ignored,
            _ => StepStatus::Error,
        }
    }
}

/// A step's result value.
#[derive(Debug, Clone, PartialEq)]
pub enum StepValue {
    /// JSON text.
    Json(String),
    /// Bytes with a content type.
    Binary {
        /// The bytes.
        bytes: Vec<u8>,
        /// Their content type.
        content_type: String,
    },
}

/// One step run of an execution.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    /// Its ID (set by the store on insert).
    pub id: Uuid,
    /// The execution.
    pub execution_id: Uuid,
    /// The step's name as written.
    pub step_name: String,
    /// Its camelCased name.
    pub reference_name: String,
    /// Loop indexes, outermost first.
    pub iteration: Vec<usize>,
    /// How it ended.
    pub status: StepStatus,
    /// How many attempts it took.
    pub attempts: i64,
    /// Start (ms).
    pub started_at: i64,
    /// End (ms).
    pub ended_at: i64,
    /// The result of a successful step.
    pub value: Option<StepValue>,
    /// The error of a failed step.
    pub error: Option<String>,
    /// Structured error detail (JSON text).
    pub error_details: Option<String>,
}

/// One log line of an execution.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionLog {
    /// Its ID (set by the store on insert).
    pub id: Uuid,
    /// The execution.
    pub execution_id: Uuid,
    /// When (ms).
    pub timestamp: i64,
    /// `TRACE, DEBUG, INFO, WARN, ERROR, FATAL, METRIC`.
    pub severity: String,
    /// The step that logged it.
    pub step_name: Option<String>,
    /// The message (at most [`MAX_LOG_MESSAGE`] characters).
    pub message: String,
}

const COLUMNS: &str = "e.id, e.org_id, e.integration_id, e.integration_version_id, \
     e.instance_id, e.customer_id, e.flow_name, e.is_test, e.status, e.payload, \
     e.payload_content_type, e.payload_headers, e.payload_query, e.queued_at, e.started_at, e.ended_at, e.error, \
     e.attempt, e.max_attempts, e.next_attempt_at, e.flow_config_id, e.worker_group, e.recoveries, \
     e.invoke_type, e.retry_of, e.lease_owner, e.invoked_by, e.invoke_depth, e.recursion_depth";

fn from_row(row: &AnyRow) -> Result<Execution, StoreError> {
    let status: String = row.try_get("status")?;
    let is_test: i64 = row.try_get("is_test")?;
    Ok(Execution {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        integration_id: parse_opt_uuid(row, "integration_id")?,
        integration_version_id: parse_opt_uuid(row, "integration_version_id")?,
        instance_id: parse_opt_uuid(row, "instance_id")?,
        customer_id: parse_opt_uuid(row, "customer_id")?,
        flow_name: row.try_get("flow_name")?,
        is_test: is_test != 0,
        status: ExecutionStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("execution status {status:?}")))?,
        payload: row.try_get("payload")?,
        payload_content_type: row.try_get("payload_content_type")?,
        payload_headers: row.try_get("payload_headers")?,
        payload_query: row.try_get("payload_query")?,
        queued_at: row.try_get("queued_at")?,
        started_at: row.try_get("started_at")?,
        ended_at: row.try_get("ended_at")?,
        error: row.try_get("error")?,
        attempt: row.try_get("attempt")?,
        max_attempts: row.try_get("max_attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        flow_config_id: parse_opt_uuid(row, "flow_config_id")?,
        worker_group: row.try_get("worker_group")?,
        recoveries: row.try_get("recoveries")?,
        invoke_type: row.try_get("invoke_type")?,
        retry_of: parse_opt_uuid(row, "retry_of")?,
        lease_owner: row.try_get("lease_owner")?,
        invoked_by: parse_opt_uuid(row, "invoked_by")?,
        invoke_depth: row.try_get("invoke_depth")?,
        recursion_depth: row.try_get("recursion_depth")?,
    })
}

pub(crate) const STEP_COLUMNS: &str =
    "s.id, s.execution_id, s.step_name, s.reference_name, s.iteration, \
     s.status, s.attempts, s.started_at, s.ended_at, s.result_json, s.result_binary, \
     s.content_type, s.error, s.error_details";

pub(crate) fn step_from_row(row: &AnyRow) -> Result<StepResult, StoreError> {
    let iteration: String = row.try_get("iteration")?;
    let status: String = row.try_get("status")?;
    let json: Option<String> = row.try_get("result_json")?;
    let binary: Option<Vec<u8>> = row.try_get("result_binary")?;
    let content_type: Option<String> = row.try_get("content_type")?;
    let value = match (json, binary) {
        (Some(j), _) => Some(StepValue::Json(j)),
        (None, Some(bytes)) => Some(StepValue::Binary {
            bytes,
            content_type: content_type.unwrap_or_else(|| "application/octet-stream".into()),
        }),
        (None, None) => None,
    };
    Ok(StepResult {
        id: parse_uuid(row, "id")?,
        execution_id: parse_uuid(row, "execution_id")?,
        step_name: row.try_get("step_name")?,
        reference_name: row.try_get("reference_name")?,
        iteration: serde_json::from_str(&iteration)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        status: StepStatus::parse(&status),
        attempts: row.try_get("attempts")?,
        started_at: row.try_get("started_at")?,
        ended_at: row.try_get("ended_at")?,
        value,
        error: row.try_get("error")?,
        error_details: row.try_get("error_details")?,
    })
}

fn log_from_row(row: &AnyRow) -> Result<ExecutionLog, StoreError> {
    Ok(ExecutionLog {
        id: parse_uuid(row, "id")?,
        execution_id: parse_uuid(row, "execution_id")?,
        timestamp: row.try_get("logged_at")?,
        severity: row.try_get("severity")?,
        step_name: row.try_get("step_name")?,
        message: row.try_get("message")?,
    })
}

/// Cuts a message at [`MAX_LOG_MESSAGE`] characters.
pub fn truncate_message(message: &str) -> String {
    match message.char_indices().nth(MAX_LOG_MESSAGE) {
        Some((at, _)) => message[..at].to_string(),
        None => message.to_string(),
    }
}

impl Store {
    /// Creates an execution (`QUEUED`, or `PENDING` and started with `start_now`).
    pub async fn create_execution(
        &self,
        org_id: Uuid,
        new: NewExecution,
    ) -> Result<Execution, StoreError> {
        let id = {
            // See `Store::insert_gate`: one queued insert at a time waits for the writer.
            let _turn = match &self.insert_gate {
                Some(gate) => Some(gate.acquire().await.map_err(|_| {
                    StoreError::Corrupt("the store's insert gate was closed".into())
                })?),
                None => None,
            };
            Self::insert_execution(&self.write, org_id, new).await?
        };
        self.get_execution(org_id, id).await
    }

    /// Inserts an execution row with `executor` (a pool or an open transaction).
    pub(crate) async fn insert_execution<'c, E>(
        executor: E,
        org_id: Uuid,
        new: NewExecution,
    ) -> Result<Uuid, StoreError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let id = new_id();
        let now = now_ms();
        let (status, started_at) = if new.start_now {
            (ExecutionStatus::Pending, Some(now))
        } else {
            (ExecutionStatus::Queued, None)
        };
        let (lease_owner, lease_expires_at) = match (&new.lease, new.start_now) {
            (Some((owner, ms)), true) => (Some(owner.clone()), Some(now.saturating_add(*ms))),
            _ => (None, None),
        };
        let headers = serde_json::to_string(&new.payload_headers)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let query = serde_json::to_string(&new.payload_query)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let invoke_type = if new.invoke_type.is_empty() {
            "manual".to_string()
        } else {
            new.invoke_type
        };
        // Fair ordering: a customer's next waiting execution ranks after its last waiting one;
        // a customer with nothing waiting joins at the queue's current lowest rank.
        sqlx::query(
            "INSERT INTO executions (id, org_id, integration_id, integration_version_id,
             instance_id, customer_id, flow_name, is_test, status, payload, payload_content_type,
             payload_headers, queued_at, started_at, attempt, max_attempts, next_attempt_at,
             flow_config_id, worker_group, invoke_type, retry_of, payload_query, lease_owner,
             lease_expires_at, invoked_by, invoke_depth, recursion_depth, fair_rank)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
             $18, $19, $20, $21, $22, $23, $24, $25, $26, $27,
             COALESCE((SELECT MAX(q.fair_rank) + 1 FROM executions q
                        WHERE q.customer_id = $6 AND q.status = 'QUEUED'),
                      (SELECT MIN(q.fair_rank) FROM executions q WHERE q.status = 'QUEUED'),
                      0))",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(new.integration_id.map(|u| u.to_string()))
        .bind(new.integration_version_id.map(|u| u.to_string()))
        .bind(new.instance_id.map(|u| u.to_string()))
        .bind(new.customer_id.map(|u| u.to_string()))
        .bind(&new.flow_name)
        .bind(i64::from(new.is_test))
        .bind(status.as_str())
        .bind(new.payload)
        .bind(new.payload_content_type)
        .bind(headers)
        .bind(now)
        .bind(started_at)
        .bind(new.attempt.max(1))
        .bind(new.max_attempts.max(1))
        .bind(new.not_before.unwrap_or(now))
        .bind(new.flow_config_id.map(|u| u.to_string()))
        .bind(new.worker_group)
        .bind(invoke_type)
        .bind(new.retry_of.map(|u| u.to_string()))
        .bind(query)
        .bind(lease_owner)
        .bind(lease_expires_at)
        .bind(new.invoked_by.map(|u| u.to_string()))
        .bind(new.invoke_depth.max(0))
        .bind(new.recursion_depth.max(0))
        .execute(executor)
        .await?;
        Ok(id)
    }

    /// Ends an execution with `SUCCESS` or `ERROR`.
    pub async fn finish_execution(
        &self,
        id: Uuid,
        status: ExecutionStatus,
        error: Option<&str>,
        ended_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE executions SET status = $1, error = $2, ended_at = $3,
             lease_owner = NULL, lease_expires_at = NULL WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(error.map(truncate_message))
        .bind(ended_at)
        .bind(id.to_string())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Reads one execution of the organization.
    pub async fn get_execution(&self, org_id: Uuid, id: Uuid) -> Result<Execution, StoreError> {
        self.fetch_scoped(
            &self.read,
            &format!("SELECT {COLUMNS} FROM executions e WHERE e.id = $1 AND e.org_id = $2"),
            id,
            org_id,
            from_row,
        )
        .await
    }

    /// Lists executions matching `filter`, oldest first.
    pub async fn list_executions(
        &self,
        org_id: Uuid,
        filter: &ExecutionFilter,
        page: &PageRequest,
    ) -> Result<Page<Execution>, StoreError> {
        let mut w = Where::default().and("e.org_id = ?", [Arg::Text(org_id.to_string())]);
        if let Some(i) = filter.integration_id {
            w = w.and("e.integration_id = ?", [Arg::Text(i.to_string())]);
        }
        if let Some(c) = filter.customer_id {
            w = w.and("e.customer_id = ?", [Arg::Text(c.to_string())]);
        }
        if let Some(i) = filter.instance_id {
            w = w.and("e.instance_id = ?", [Arg::Text(i.to_string())]);
        }
        if let Some(t) = filter.is_test {
            // A constant, not input: safe to inline.
            w = w.and(if t { "e.is_test = 1" } else { "e.is_test = 0" }, []);
        }
        if let Some(s) = filter.status {
            w = w.and("e.status = ?", [Arg::Text(s.as_str().to_string())]);
        }
        if let Some(t) = filter.started_at_gte {
            // An integer, formatted by us: safe to inline.
            w = w.and(&format!("e.started_at >= {t}"), []);
        }
        if let Some(t) = filter.started_at_lte {
            // An integer, formatted by us: safe to inline.
            w = w.and(&format!("e.started_at <= {t}"), []);
        }
        if let Some(f) = &filter.flow_name {
            w = w.and("e.flow_name = ?", [Arg::Text(f.clone())]);
        }
        self.paginate(COLUMNS, "executions e", "e.id", w, page, from_row)
            .await
    }

    /// Records a step run.
    pub async fn insert_step_result(&self, step: &StepResult) -> Result<Uuid, StoreError> {
        let id = new_id();
        let (json, binary, content_type) = match &step.value {
            Some(StepValue::Json(j)) => (Some(j.clone()), None, None),
            Some(StepValue::Binary {
                bytes,
                content_type,
            }) => (None, Some(bytes.clone()), Some(content_type.clone())),
            None => (None, None, None),
        };
        let iteration = serde_json::to_string(&step.iteration)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO step_results (id, execution_id, step_name, reference_name, iteration,
             status, attempts, started_at, ended_at, result_json, result_binary, content_type,
             error, error_details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(id.to_string())
        .bind(step.execution_id.to_string())
        .bind(&step.step_name)
        .bind(&step.reference_name)
        .bind(iteration)
        .bind(step.status.as_str())
        .bind(step.attempts)
        .bind(step.started_at)
        .bind(step.ended_at)
        .bind(json)
        .bind(binary)
        .bind(content_type)
        .bind(step.error.as_deref().map(truncate_message))
        .bind(step.error_details.clone())
        .execute(&self.write)
        .await?;
        Ok(id)
    }

    /// Records log lines (messages cut at [`MAX_LOG_MESSAGE`] characters), in one transaction.
    pub async fn insert_logs(&self, logs: &[ExecutionLog]) -> Result<(), StoreError> {
        if logs.is_empty() {
            return Ok(());
        }
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        for l in logs {
            sqlx::query(
                "INSERT INTO execution_logs (id, execution_id, logged_at, severity, step_name,
                 message) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(new_id().to_string())
            .bind(l.execution_id.to_string())
            .bind(l.timestamp)
            .bind(&l.severity)
            .bind(l.step_name.clone())
            .bind(truncate_message(&l.message))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The step results of an execution of the organization, in the order they ended.
    pub async fn list_step_results(
        &self,
        org_id: Uuid,
        execution_id: Uuid,
        page: &PageRequest,
    ) -> Result<Page<StepResult>, StoreError> {
        self.list_step_results_of(org_id, execution_id, None, page)
            .await
    }

    /// The logs of an execution of the organization, oldest first; `severity` filters.
    pub async fn list_execution_logs(
        &self,
        org_id: Uuid,
        execution_id: Uuid,
        severity: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<ExecutionLog>, StoreError> {
        let mut w = Where::default()
            .and("l.execution_id = ?", [Arg::Text(execution_id.to_string())])
            .and(
                "EXISTS (SELECT 1 FROM executions e WHERE e.id = l.execution_id AND e.org_id = ?)",
                [Arg::Text(org_id.to_string())],
            );
        if let Some(s) = severity {
            w = w.and("l.severity = ?", [Arg::Text(s.to_string())]);
        }
        self.paginate(
            "l.id, l.execution_id, l.logged_at, l.severity, l.step_name, l.message",
            "execution_logs l",
            "l.id",
            w,
            page,
            log_from_row,
        )
        .await
    }
}
