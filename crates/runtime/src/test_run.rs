//! Test runs: a draft's flow run now, with the integration's test config, recorded as a test
//! execution (`isTestExecution: true`) whose step results and logs can be read back.
//!
//! A test run is leased like a claimed execution (renewed while it runs), and runs in its own
//! task: a caller that goes away (a closed connection) does not cut it short, it ends and is
//! recorded; a server that stops while it runs leaves a lease that expires, and the queue's
//! recovery fails it (`test run abandoned`) instead of leaving it `PENDING`.

use std::collections::BTreeMap;
use std::time::Duration;

use plumb_core::definition::Definition;
use plumb_engine::{CancellationToken, Engine, RunRequest, TriggerPayload};
use plumb_store::executions::{Execution, ExecutionStatus, NewExecution};
use plumb_store::{Store, StoreError};
use uuid::Uuid;

use super::{StoreSink, TestConfig};
use crate::executor::keep_lease;

/// What triggers a test run.
#[derive(Debug, Clone, Default)]
pub struct TestTrigger {
    /// The body.
    pub payload: Option<Vec<u8>>,
    /// Its content type (guessed from the body when absent).
    pub content_type: Option<String>,
    /// Request headers.
    pub headers: BTreeMap<String, String>,
}

/// The lease of a test run (renewed every third of it).
const TEST_LEASE: Duration = Duration::from_secs(30);

/// Runs `flow` of the draft `integration_id` (whose validated definition is `def`) with
/// `config`, recording a test execution; answers the ended execution. The run goes on to its
/// end when this future is dropped.
#[allow(clippy::too_many_arguments)]
pub async fn run_test_flow(
    engine: &Engine,
    store: &Store,
    org_id: Uuid,
    integration_id: Uuid,
    def: &Definition,
    flow: &str,
    config: TestConfig,
    trigger: TestTrigger,
) -> Result<Execution, StoreError> {
    let run = spawn_test(
        engine,
        store,
        org_id,
        integration_id,
        def,
        flow,
        config,
        trigger,
        None,
    );
    run.await
        .map_err(|e| StoreError::Corrupt(format!("the test run stopped: {e}")))?
}

/// Starts a test run like [`run_test_flow`] and answers its execution as soon as it is
/// recorded (running): the run goes on in its own task, each step's result and log lines
/// recorded as they happen, so a page watching the execution shows its progress.
#[allow(clippy::too_many_arguments)]
pub async fn start_test_flow(
    engine: &Engine,
    store: &Store,
    org_id: Uuid,
    integration_id: Uuid,
    def: &Definition,
    flow: &str,
    config: TestConfig,
    trigger: TestTrigger,
) -> Result<Execution, StoreError> {
    let (started, recorded) = tokio::sync::oneshot::channel();
    let run = spawn_test(
        engine,
        store,
        org_id,
        integration_id,
        def,
        flow,
        config,
        trigger,
        Some(started),
    );
    match recorded.await {
        Ok(execution) => Ok(execution),
        // The execution was never recorded: the run's own answer says why.
        Err(_) => run
            .await
            .map_err(|e| StoreError::Corrupt(format!("the test run stopped: {e}")))?,
    }
}

#[allow(clippy::too_many_arguments)]
fn spawn_test(
    engine: &Engine,
    store: &Store,
    org_id: Uuid,
    integration_id: Uuid,
    def: &Definition,
    flow: &str,
    config: TestConfig,
    trigger: TestTrigger,
    started: Option<tokio::sync::oneshot::Sender<Execution>>,
) -> tokio::task::JoinHandle<Result<Execution, StoreError>> {
    let store = store.clone();
    let engine = engine.clone();
    let def = def.clone();
    let flow = flow.to_string();
    tokio::spawn(async move {
        run_detached(
            &engine,
            &store,
            org_id,
            integration_id,
            &def,
            &flow,
            config,
            trigger,
            started,
        )
        .await
    })
}

#[allow(clippy::too_many_arguments)]
async fn run_detached(
    engine: &Engine,
    store: &Store,
    org_id: Uuid,
    integration_id: Uuid,
    def: &Definition,
    flow: &str,
    mut config: TestConfig,
    trigger: TestTrigger,
    started: Option<tokio::sync::oneshot::Sender<Execution>>,
) -> Result<Execution, StoreError> {
    let owner = format!("test/{}", Uuid::now_v7().simple());
    let lease_ms = i64::try_from(TEST_LEASE.as_millis()).unwrap_or(30_000);
    super::scope_definition_connections(&mut config, integration_id);
    let mut payload = match &trigger.payload {
        Some(body) => TriggerPayload::bytes(body.clone()),
        None => TriggerPayload::default(),
    };
    if trigger.content_type.is_some() {
        payload.content_type = trigger.content_type.clone();
    }
    payload.headers = trigger.headers.clone();
    let execution = store
        .create_execution(
            org_id,
            NewExecution {
                integration_id: Some(integration_id),
                flow_name: flow.to_string(),
                is_test: true,
                payload: trigger.payload,
                payload_content_type: payload.content_type.clone(),
                payload_headers: trigger.headers,
                start_now: true,
                lease: Some((owner.clone(), lease_ms)),
                max_attempts: 1,
                ..Default::default()
            },
        )
        .await?;
    if let Some(started) = started {
        // The watcher may have gone: the run goes on regardless.
        let _ = started.send(execution.clone());
    }
    let cancel = CancellationToken::new();
    let heartbeat = tokio::spawn(keep_lease(
        store.clone(),
        execution.id,
        owner.clone(),
        TEST_LEASE,
        cancel.clone(),
    ));
    let (sink, writer) = StoreSink::start(store.clone(), execution.id);
    for w in &config.warnings {
        sink.log_line("WARN", w);
    }
    let mut request = RunRequest::new(flow);
    request.execution_id = execution.id.to_string();
    request.trigger = payload;
    request.config = config.values;
    request.sink = sink.clone();
    request.cancel = cancel.clone();
    request.organization = Some(org_id);
    let result = engine.run(def, request).await;
    drop(sink);
    writer.finish().await;
    heartbeat.abort();
    let status = if result.is_success() {
        ExecutionStatus::Success
    } else {
        ExecutionStatus::Error
    };
    store
        .finish_execution(
            execution.id,
            status,
            result.error.as_deref(),
            result.ended_at.timestamp_millis(),
        )
        .await?;
    store.get_execution(org_id, execution.id).await
}
