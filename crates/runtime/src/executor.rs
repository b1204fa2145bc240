//! [`Runtime`]: queues executions (webhooks, schedules, manual runs, replays, retries) and runs
//! the ones a worker claimed: it loads the version's definition (cached: published versions are
//! immutable), resolves the instance's config at start, runs the flow with a [`StoreSink`], keeps
//! the lease alive while it runs, ends the execution, queues a retry per the flow's
//! `retryConfig`, and tells a waiting synchronous caller.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plumb_core::definition::{Definition, Flow};
use plumb_engine::{CancellationToken, Engine, RunRequest, TriggerPayload};
use plumb_store::executions::{Execution, ExecutionStatus, NewExecution};
use plumb_store::instances::{FlowConfig, Instance};
use plumb_store::secrets::Vault;
use plumb_store::{Store, StoreError};
use serde_json::json;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::bindings::{resolve_instance_config, ResolveError};
use crate::completions::{Completion, Completions};
use crate::cross_flow::InstanceFlows;
use crate::state::StoreStateStore;
use crate::StoreSink;

/// The global ID type of an instance flow config (its webhook address).
pub const FLOW_CONFIG_TYPE: &str = "InstanceFlowConfig";

/// What triggers an execution.
#[derive(Debug, Clone, Default)]
pub struct TriggerInput {
    /// The body.
    pub body: Option<Vec<u8>>,
    /// Its content type.
    pub content_type: Option<String>,
    /// Request headers.
    pub headers: BTreeMap<String, String>,
    /// Query parameters.
    pub query: BTreeMap<String, String>,
}

/// Queues and runs executions; one per process, shared by the API, the workers and the
/// scheduler.
pub struct Runtime {
    /// The database.
    pub store: Store,
    /// Opens connection secrets (`None` without a master key: connections do not resolve).
    pub vault: Option<Vault>,
    /// The engine (registry of every component, limits).
    pub engine: Engine,
    /// Base URL of webhook addresses.
    pub public_url: String,
    /// Completion notices for synchronous callers.
    pub completions: Completions,
    /// Wakes this process's idle workers when it queues an execution.
    pub wake: Arc<Notify>,
    /// Calls of integration models' operations (steps and `callIntegrationTask`).
    pub models: Arc<crate::models::ModelCalls>,
    /// The bound of a chain of `recursive-flow` recursions
    /// ([`MAX_RECURSION_DEPTH`](crate::cross_flow::MAX_RECURSION_DEPTH) unless changed).
    pub max_recursion_depth: i64,
    definitions: Mutex<HashMap<Uuid, Arc<Definition>>>,
}

/// Why an execution could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The stored definition no longer loads.
    #[error("the integration version's definition does not load: {0}")]
    Definition(String),
    /// The flow is not in the version.
    #[error("flow `{0}` is not in the instance's integration version")]
    UnknownFlow(String),
}

/// The number of attempts and delay of a flow's `retryConfig` (`maxAttempts` 0–10 retries).
fn retry_policy(flow: Option<&Flow>) -> (i64, i64, bool) {
    let Some(rc) = flow.and_then(|f| f.retry_config.as_ref()) else {
        return (1, 0, false);
    };
    let retries = i64::from(rc.max_attempts.unwrap_or(0).min(10));
    let delay_ms = i64::from(rc.delay_minutes.unwrap_or(0)) * 60_000;
    (
        retries + 1,
        delay_ms,
        rc.uses_exponential_backoff.unwrap_or(false),
    )
}

/// The webhook URL of a flow config.
pub fn webhook_url(public_url: &str, flow_config_id: Uuid) -> String {
    format!(
        "{}/trigger/{}",
        public_url.trim_end_matches('/'),
        plumb_core::id::encode(FLOW_CONFIG_TYPE, flow_config_id)
    )
}

impl Runtime {
    /// A runtime over `store` with `engine`.
    pub fn new(store: Store, vault: Option<Vault>, engine: Engine, public_url: &str) -> Runtime {
        let auth = match &vault {
            Some(v) => plumb_auth::AuthClient::new(Arc::new(crate::tokens::SealedTokenStore::new(
                v.clone(),
            ))),
            None => plumb_auth::AuthClient::in_memory(),
        };
        let models = Arc::new(crate::models::ModelCalls::new(
            store.clone(),
            vault.clone(),
            Arc::new(auth),
        ));
        Runtime {
            models,
            store,
            vault,
            engine,
            public_url: public_url.trim_end_matches('/').to_string(),
            completions: Completions::new(),
            wake: Arc::new(Notify::new()),
            max_recursion_depth: crate::cross_flow::MAX_RECURSION_DEPTH,
            definitions: Mutex::new(HashMap::new()),
        }
    }

    /// The parsed definition of published version `version_id` (cached).
    pub async fn version_definition(
        &self,
        org_id: Uuid,
        version_id: Uuid,
    ) -> Result<Arc<Definition>, QueueError> {
        if let Some(d) = self
            .definitions
            .lock()
            .ok()
            .and_then(|m| m.get(&version_id).cloned())
        {
            return Ok(d);
        }
        let version = self
            .store
            .get_integration_version(org_id, version_id)
            .await?;
        // The organization's models may have been imported through another node.
        crate::models::sync_models(self, org_id).await?;
        let def = self
            .engine
            .load_in(Some(org_id), &version.definition)
            .map_err(|p| QueueError::Definition(p.to_string()))?;
        let def = Arc::new(def);
        if let Ok(mut m) = self.definitions.lock() {
            if m.len() > 1024 {
                m.clear();
            }
            m.insert(version_id, def.clone());
        }
        Ok(def)
    }

    /// Queues a run of an instance flow; answers the queued execution (durable when this
    /// returns).
    pub async fn enqueue(
        &self,
        instance: &Instance,
        flow: &FlowConfig,
        trigger: TriggerInput,
        invoke_type: &str,
    ) -> Result<Execution, QueueError> {
        let new = self
            .new_execution(instance, flow, trigger, invoke_type)
            .await?;
        let execution = self.store.create_execution(instance.org_id, new).await?;
        self.wake.notify_waiters();
        Ok(execution)
    }

    /// The row of a new run of an instance flow (attempts from the flow's `retryConfig`, the
    /// instance's worker group).
    pub async fn new_execution(
        &self,
        instance: &Instance,
        flow: &FlowConfig,
        trigger: TriggerInput,
        invoke_type: &str,
    ) -> Result<NewExecution, QueueError> {
        let def = self
            .version_definition(instance.org_id, instance.integration_version_id)
            .await?;
        let f = def
            .flows
            .iter()
            .find(|f| f.name == flow.flow_name)
            .ok_or_else(|| QueueError::UnknownFlow(flow.flow_name.clone()))?;
        let (max_attempts, _, _) = retry_policy(Some(f));
        Ok(NewExecution {
            integration_id: Some(instance.integration_id),
            integration_version_id: Some(instance.integration_version_id),
            instance_id: Some(instance.id),
            customer_id: Some(instance.customer_id),
            flow_name: flow.flow_name.clone(),
            payload: trigger.body,
            payload_content_type: trigger.content_type,
            payload_headers: trigger.headers,
            payload_query: trigger.query,
            max_attempts,
            flow_config_id: Some(flow.id),
            worker_group: instance.worker_group.clone(),
            invoke_type: invoke_type.to_string(),
            ..Default::default()
        })
    }

    /// Queues a new execution with the same trigger as `old` (a replay, or the next attempt of
    /// a failed one with `attempt` and `not_before`).
    pub async fn requeue(
        &self,
        old: &Execution,
        invoke_type: &str,
        attempt: i64,
        not_before: Option<i64>,
    ) -> Result<Execution, StoreError> {
        let parse =
            |s: &str| serde_json::from_str::<BTreeMap<String, String>>(s).unwrap_or_default();
        let execution = self
            .store
            .create_execution(
                old.org_id,
                NewExecution {
                    integration_id: old.integration_id,
                    integration_version_id: old.integration_version_id,
                    instance_id: old.instance_id,
                    customer_id: old.customer_id,
                    flow_name: old.flow_name.clone(),
                    is_test: old.is_test,
                    payload: old.payload.clone(),
                    payload_content_type: old.payload_content_type.clone(),
                    payload_headers: parse(&old.payload_headers),
                    payload_query: parse(&old.payload_query),
                    max_attempts: old.max_attempts,
                    attempt,
                    flow_config_id: old.flow_config_id,
                    worker_group: old.worker_group.clone(),
                    invoke_type: invoke_type.to_string(),
                    not_before,
                    retry_of: Some(old.id),
                    invoked_by: old.invoked_by,
                    invoke_depth: old.invoke_depth,
                    recursion_depth: old.recursion_depth,
                    ..Default::default()
                },
            )
            .await?;
        self.wake.notify_waiters();
        Ok(execution)
    }

    /// Runs an execution this worker claimed, keeping its lease alive, and ends it. Never
    /// fails: every problem ends the execution with an error.
    pub async fn run_claimed(
        self: &Arc<Self>,
        execution: Execution,
        worker: &str,
        lease: Duration,
    ) {
        let id = execution.id;
        let cancel = CancellationToken::new();
        let heartbeat = tokio::spawn(keep_lease(
            self.store.clone(),
            id,
            worker.to_string(),
            lease,
            cancel.clone(),
        ));
        let (sink, writer) = StoreSink::start(self.store.clone(), id);
        if execution.recoveries > 0 {
            sink.log_line(
                "WARN",
                &format!(
                    "started again: the worker running it before stopped responding ({} time(s))",
                    execution.recoveries
                ),
            );
        }
        let outcome = match self.prepare(&execution).await {
            Ok((def, mut request, warnings)) => {
                for w in &warnings {
                    sink.log_line("WARN", w);
                }
                request.sink = sink.clone();
                request.cancel = cancel.clone();
                let result = self.engine.run(&def, request).await;
                let status = if result.is_success() {
                    ExecutionStatus::Success
                } else {
                    ExecutionStatus::Error
                };
                Ok((def, status, result.error, result.result))
            }
            Err(message) => {
                sink.log_line("ERROR", &message);
                Err(message)
            }
        };
        drop(sink);
        writer.finish().await;
        let lost = cancel.is_cancelled();
        let (status, error, result, def) = match outcome {
            Ok((def, status, error, result)) => (status, error, result, Some(def)),
            // `prepare`'s messages name what is wrong, never a value (store failures are a
            // generic "internal error").
            Err(message) => (
                ExecutionStatus::Error,
                Some(format!("the execution could not start: {message}")),
                None,
                None,
            ),
        };
        if lost {
            heartbeat.abort();
            tracing::warn!(execution = %id, "lease lost while running; another worker takes over");
            return;
        }
        // The lease is kept while the end is being recorded: a write that fails (a full disk)
        // is tried again; if it keeps failing the lease lapses and recovery runs it again.
        let ended = plumb_store::now_ms();
        let recorded = record_end(&self.store, id, worker, status, error.as_deref(), ended).await;
        heartbeat.abort();
        match recorded {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(execution = %id, "lease lost before the end was recorded");
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, execution = %id, "cannot record the end of an execution; it runs again once its lease lapses");
                self.completions.notify(
                    id,
                    Completion {
                        status: ExecutionStatus::Error,
                        result: None,
                        error: Some(
                            "the end of this execution could not be recorded (the database does not take writes); it will run again"
                                .to_string(),
                        ),
                    },
                );
                return;
            }
        }
        // A run that could not start (deleted instance, broken definition) is not retried.
        if status == ExecutionStatus::Error
            && def.is_some()
            && execution.attempt < execution.max_attempts
        {
            let flow = def
                .as_ref()
                .and_then(|d| d.flows.iter().find(|f| f.name == execution.flow_name));
            let (_, delay, exponential) = retry_policy(flow);
            let factor = if exponential {
                1i64 << (execution.attempt - 1).clamp(0, 16)
            } else {
                1
            };
            let not_before = ended + delay.saturating_mul(factor);
            match self
                .requeue(&execution, "retry", execution.attempt + 1, Some(not_before))
                .await
            {
                Ok(next) => tracing::info!(execution = %id, retry = %next.id, "queued a retry"),
                Err(e) => tracing::error!(error = %e, execution = %id, "cannot queue a retry"),
            }
        }
        self.completions.notify(
            id,
            Completion {
                status,
                result,
                error,
            },
        );
    }

    /// Loads what a run needs: the definition, the resolved config and the request.
    async fn prepare(
        self: &Arc<Self>,
        e: &Execution,
    ) -> Result<(Arc<Definition>, RunRequest, Vec<String>), String> {
        let internal = |err: &dyn std::fmt::Display| {
            tracing::error!(error = %err, execution = %e.id, "preparing an execution failed");
            "internal error while preparing the execution".to_string()
        };
        let mut request = RunRequest::new(e.flow_name.clone());
        request.execution_id = e.id.to_string();
        request.organization = Some(e.org_id);
        let mut trigger = match &e.payload {
            Some(body) => TriggerPayload::bytes(body.clone()),
            None => TriggerPayload::default(),
        };
        if e.payload_content_type.is_some() {
            trigger.content_type = e.payload_content_type.clone();
        }
        trigger.headers = serde_json::from_str(&e.payload_headers).unwrap_or_default();
        trigger.query = serde_json::from_str(&e.payload_query).unwrap_or_default();
        request.trigger = trigger;
        let (def, config) = match (e.instance_id, e.integration_version_id) {
            (Some(instance_id), _) => {
                let instance = match self.store.get_instance(e.org_id, instance_id).await {
                    Ok(i) => i,
                    Err(StoreError::NotFound) => {
                        return Err("the instance was deleted before the execution ran".into())
                    }
                    Err(err) => return Err(internal(&err)),
                };
                let def = self
                    .version_definition(e.org_id, instance.integration_version_id)
                    .await
                    .map_err(|err| match err {
                        QueueError::Store(s) => internal(&s),
                        other => other.to_string(),
                    })?;
                let config =
                    resolve_instance_config(&self.store, self.vault.as_ref(), &instance, &def)
                        .await
                        .map_err(|err| match err {
                            ResolveError::Store(s) => internal(&s),
                            unusable => unusable.to_string(),
                        })?;
                let customer = self
                    .store
                    .get_customer(e.org_id, instance.customer_id)
                    .await
                    .map_err(|err| internal(&err))?;
                request.customer = json!({
                    "id": plumb_core::id::encode("Customer", customer.id),
                    "name": customer.name,
                    "externalId": customer.external_id,
                });
                request.instance = json!({
                    "id": plumb_core::id::encode("Instance", instance.id),
                    "name": instance.name,
                });
                let flows = self
                    .store
                    .instance_flow_configs(e.org_id, instance.id)
                    .await
                    .map_err(|err| internal(&err))?;
                request.webhook_urls = flows
                    .iter()
                    .map(|f| (f.flow_name.clone(), webhook_url(&self.public_url, f.id)))
                    .collect();
                request.state = Arc::new(StoreStateStore::new(
                    self.store.clone(),
                    instance.id,
                    &e.flow_name,
                ));
                request.flows = Arc::new(InstanceFlows::new(
                    self.clone(),
                    instance,
                    crate::cross_flow::Caller::of(e),
                ));
                (def, config)
            }
            (None, Some(version_id)) => {
                let def = self
                    .version_definition(e.org_id, version_id)
                    .await
                    .map_err(|err| err.to_string())?;
                (def, crate::TestConfig::default())
            }
            (None, None) => {
                let Some(integration_id) = e.integration_id else {
                    return Err("the execution names no integration".into());
                };
                let draft = self
                    .store
                    .get_integration(e.org_id, integration_id)
                    .await
                    .map_err(|err| internal(&err))?;
                crate::models::sync_models(self, e.org_id)
                    .await
                    .map_err(|err| internal(&err))?;
                let def = self
                    .engine
                    .load_in(Some(e.org_id), &draft.definition)
                    .map_err(|p| format!("the draft's definition does not load: {p}"))?;
                let tests = self
                    .store
                    .integration_test_config(e.org_id, integration_id)
                    .await
                    .map_err(|err| internal(&err))?;
                let mut config =
                    crate::resolve_test_config(&def, &tests).map_err(|p| p.to_string())?;
                crate::resolve_scoped_test_connections(
                    self.vault.as_ref(),
                    e.org_id,
                    &def,
                    &mut config,
                )
                .await;
                crate::scope_definition_connections(&mut config, integration_id);
                (Arc::new(def), config)
            }
        };
        request.config = config.values;
        Ok((def, request, config.warnings))
    }
}

/// Records the end of a leased execution, trying a failing write again three times (0.5, 1
/// and 2 s apart).
async fn record_end(
    store: &Store,
    id: Uuid,
    worker: &str,
    status: ExecutionStatus,
    error: Option<&str>,
    ended: i64,
) -> Result<bool, plumb_store::StoreError> {
    let mut wait = Duration::from_millis(500);
    let mut tries = 0;
    loop {
        match store
            .complete_execution(id, worker, status, error, ended)
            .await
        {
            Err(e) if tries < 3 => {
                tracing::warn!(error = %e, execution = %id, "recording the end of an execution failed; trying again");
                tokio::time::sleep(wait).await;
                wait *= 2;
                tries += 1;
            }
            other => return other,
        }
    }
}

/// Renews the lease every third of its length; cancels the run when the lease is lost.
pub(crate) async fn keep_lease(
    store: Store,
    id: Uuid,
    worker: String,
    lease: Duration,
    cancel: CancellationToken,
) {
    let every = lease / 3;
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    loop {
        tokio::time::sleep(every).await;
        match store.heartbeat_execution(id, &worker, lease_ms).await {
            Ok(true) => {}
            Ok(false) => {
                cancel.cancel();
                return;
            }
            Err(e) => tracing::warn!(error = %e, execution = %id, "lease renewal failed; retrying"),
        }
    }
}
