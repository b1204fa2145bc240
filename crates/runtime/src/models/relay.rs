//! Worker-group routing of model calls: an integration whose `cluster` is overridden sends its
//! calls from a worker of that group (`plumb worker --group ID`), whichever node asked (a flow
//! step on another group's worker, or `callIntegrationTask` on an API node).
//!
//! A node that serves the group sends at once. Any other node queues the call in the store
//! (task and inputs sealed with the organization's key, bound to the row), and waits: a worker
//! of the group claims it ([`serve`]), opens the integration itself, sends it through its own
//! transport and egress policy, and writes the sealed answer: the envelope (or why the call
//! failed) and the call's log lines, which the caller adds to its execution log. The caller
//! then deletes the row.
//!
//! Bounds: a call no worker of the group takes within [`ModelCalls::relay_claim_wait`] is
//! withdrawn and fails naming the group; a claimed call whose answer does not come within the
//! integration's timeout (plus a margin) fails too. Rows nobody waits for any more (a
//! cancelled step) are pruned by the serving workers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use plumb_auth::Envelope;
use plumb_core::secret::SecretString;
use plumb_engine::CancellationToken;
use plumb_models::configuration::LogLevel;
use plumb_store::model_call_relays::{ModelCallState, NewModelCall};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use super::calls::{CallError, CallLog, ModelCalls, Opened};

/// The sealed field of a routed call's request.
const REQUEST_FIELD: &str = "model_call_request";
/// The sealed field of a routed call's answer.
const ANSWER_FIELD: &str = "model_call_answer";
/// What a claimed call may take beyond the integration's timeout (opening it, a token request).
const ANSWER_MARGIN: Duration = Duration::from_secs(15);
/// The timeout of an integration that sets none (plumb-auth's default transport timeout).
const DEFAULT_TIMEOUT_MS: u64 = 60_000;
/// Calls one serving node sends at once.
const SERVE_CONCURRENCY: usize = 16;

#[derive(Serialize, Deserialize)]
struct Request {
    task: String,
    inputs: Map<String, Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Outcome {
    Answered(Box<Envelope>),
    Token(Box<Envelope>),
    NotSent(String),
}

#[derive(Serialize, Deserialize)]
struct Answer {
    outcome: Outcome,
    log: Vec<(LogLevel, String)>,
}

/// A routed call that failed on this node: logged like a call's own failure.
fn failed(opened: &Opened, log: &dyn CallLog, message: String) -> CallError {
    let name = &opened.stored.name;
    if opened.config.log_level.allows(LogLevel::Error) {
        log.line(LogLevel::Error, &format!("{name}: {message}"));
    }
    tracing::error!(integration = %name, "{message}");
    CallError::NotSent(message)
}

/// Collects a call's log lines on the serving worker, for the caller's execution log.
#[derive(Default)]
struct Collected(std::sync::Mutex<Vec<(LogLevel, String)>>);

impl CallLog for Collected {
    fn line(&self, level: LogLevel, message: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((level, message.to_string()));
    }
}

impl ModelCalls {
    /// Sends the call from a worker of `group` and waits for its answer (see the module
    /// documentation).
    pub(crate) async fn relay(
        &self,
        opened: &Opened,
        group: &str,
        task: &str,
        inputs: &Map<String, Value>,
        log: &dyn CallLog,
    ) -> Result<Envelope, CallError> {
        let org = opened.stored.org_id;
        let vault = self.vault().ok_or_else(|| {
            CallError::NotSent(format!(
                "routing the call to worker group `{group}` needs the server's master key"
            ))
        })?;
        let id = self.store().new_model_call_id();
        let request = serde_json::to_string(&Request {
            task: task.to_string(),
            inputs: inputs.clone(),
        })
        .map_err(|e| CallError::NotSent(format!("the call's inputs: {e}")))?;
        let sealed = vault
            .seal(org, id, REQUEST_FIELD, &SecretString::new(request))
            .await
            .map_err(|e| CallError::NotSent(format!("sealing the call: {e}")))?;
        let timeout = Duration::from_millis(opened.config.timeout.unwrap_or(DEFAULT_TIMEOUT_MS));
        let claim_wait = self.relay_claim_wait();
        let started = Instant::now();
        let expires = started + claim_wait + timeout + ANSWER_MARGIN;
        let expires_at = plumb_store::now_ms()
            + i64::try_from((claim_wait + timeout + ANSWER_MARGIN).as_millis()).unwrap_or(0);
        self.store()
            .queue_model_call(
                org,
                NewModelCall {
                    id,
                    integration_id: opened.stored.id,
                    worker_group: group,
                    request: &sealed,
                    expires_at,
                },
            )
            .await?;
        let mut pause = Duration::from_millis(5);
        let answered = loop {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(100));
            match self.store().model_call_state(org, id).await? {
                ModelCallState::Answered { answer, worker } => break (answer, worker),
                ModelCallState::Queued if started.elapsed() >= claim_wait => {
                    let withdrawn = self.store().withdraw_model_call(org, id).await?;
                    if withdrawn {
                        return Err(failed(
                            opened,
                            log,
                            format!(
                                "{task}: no worker of group `{group}` took the call within {} s: \
                                 start one with `plumb worker --group {group}`",
                                claim_wait.as_secs_f64()
                            ),
                        ));
                    }
                }
                ModelCallState::Claimed(worker) if Instant::now() >= expires => {
                    self.store().delete_model_call(org, id).await?;
                    return Err(failed(
                        opened,
                        log,
                        format!(
                            "{task}: worker `{worker}` of group `{group}` did not answer within {} s",
                            (timeout + ANSWER_MARGIN).as_secs()
                        ),
                    ));
                }
                ModelCallState::Gone => {
                    return Err(failed(
                        opened,
                        log,
                        format!(
                            "{task}: the call routed to worker group `{group}` was dropped (the \
                             integration was deleted)"
                        ),
                    ))
                }
                _ => {}
            }
        };
        let (answer, worker) = answered;
        self.store().delete_model_call(org, id).await?;
        let text = vault
            .open(org, id, ANSWER_FIELD, &answer)
            .await
            .map_err(|e| CallError::NotSent(format!("opening the answer: {e}")))?;
        let answer: Answer = serde_json::from_str(text.expose())
            .map_err(|_| CallError::NotSent("the routed call's answer is corrupt".into()))?;
        if opened.config.log_level.allows(LogLevel::Info) {
            log.line(
                LogLevel::Info,
                &format!(
                    "{}: {task}: sent by worker `{worker}` of group `{group}`",
                    opened.stored.name
                ),
            );
        }
        for (level, line) in &answer.log {
            log.line(*level, line);
        }
        match answer.outcome {
            Outcome::Answered(envelope) => Ok(*envelope),
            Outcome::Token(envelope) => Err(CallError::Token(envelope)),
            Outcome::NotSent(why) => Err(CallError::NotSent(why)),
        }
    }

    /// Opens, sends and answers one claimed call.
    async fn answer_claimed(
        &self,
        claimed: plumb_store::model_call_relays::ClaimedModelCall,
        worker: &str,
    ) -> Result<(), CallError> {
        let org = claimed.org_id;
        let vault = self
            .vault()
            .ok_or_else(|| CallError::NotSent("the worker has no master key".into()))?;
        let collected = Collected::default();
        let outcome = match self.open_claimed(&claimed).await {
            Ok((opened, request)) => {
                match self
                    .call(&opened, &request.task, &request.inputs, &collected)
                    .await
                {
                    Ok(envelope) => Outcome::Answered(Box::new(envelope)),
                    Err(CallError::Token(envelope)) => Outcome::Token(envelope),
                    Err(CallError::NotSent(why)) => Outcome::NotSent(why),
                    Err(CallError::Store(e)) => return Err(CallError::Store(e)),
                }
            }
            Err(CallError::NotSent(why)) => Outcome::NotSent(why),
            Err(other) => return Err(other),
        };
        let log = std::mem::take(&mut *collected.0.lock().unwrap_or_else(|e| e.into_inner()));
        let text = serde_json::to_string(&Answer { outcome, log })
            .map_err(|e| CallError::NotSent(format!("the answer: {e}")))?;
        let sealed = vault
            .seal(org, claimed.id, ANSWER_FIELD, &SecretString::new(text))
            .await
            .map_err(|e| CallError::NotSent(format!("sealing the answer: {e}")))?;
        if !self
            .store()
            .answer_model_call(claimed.id, worker, &sealed)
            .await?
        {
            tracing::warn!(call = %claimed.id, "a routed model call's caller gave up before its answer");
        }
        Ok(())
    }

    async fn open_claimed(
        &self,
        claimed: &plumb_store::model_call_relays::ClaimedModelCall,
    ) -> Result<(Opened, Request), CallError> {
        let org = claimed.org_id;
        let vault = self
            .vault()
            .ok_or_else(|| CallError::NotSent("the worker has no master key".into()))?;
        let text = vault
            .open(org, claimed.id, REQUEST_FIELD, &claimed.request)
            .await
            .map_err(|e| CallError::NotSent(format!("opening the routed call: {e}")))?;
        let request: Request = serde_json::from_str(text.expose())
            .map_err(|_| CallError::NotSent("the routed call is corrupt".into()))?;
        let stored = self
            .store()
            .get_model_integration(org, claimed.integration_id)
            .await?;
        Ok((self.open(org, stored).await?, request))
    }
}

/// Serves the calls routed to `group` until `shutdown`: claims them, sends each from this node
/// (at most [`SERVE_CONCURRENCY`] at once) and answers; prunes rows nobody waits for. The
/// node's [`ModelCalls`] is marked as serving `group` first, so its own calls through such an
/// integration are sent directly.
pub async fn serve(
    calls: Arc<ModelCalls>,
    group: String,
    node: String,
    shutdown: CancellationToken,
) {
    calls.serve_group(&group);
    let worker = format!("{node}/calls");
    let slots = Arc::new(Semaphore::new(SERVE_CONCURRENCY));
    let mut last_prune = Instant::now();
    let mut idle = Duration::from_millis(10);
    tracing::info!(group = %group, worker = %worker, "serving model calls routed to the group");
    while !shutdown.is_cancelled() {
        if last_prune.elapsed() >= Duration::from_secs(60) {
            last_prune = Instant::now();
            if let Err(e) = calls.store().prune_model_calls().await {
                tracing::warn!(error = %e, "pruning routed model calls failed");
            }
        }
        let waiting = calls.store().model_calls_waiting(&group).await;
        let claimed = match waiting {
            Ok(true) => calls.store().claim_model_call(&group, &worker).await,
            Ok(false) => Ok(None),
            Err(e) => Err(e),
        };
        match claimed {
            Ok(Some(claimed)) => {
                idle = Duration::from_millis(10);
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    break;
                };
                let calls = calls.clone();
                let worker = worker.clone();
                tokio::spawn(async move {
                    let id = claimed.id;
                    if let Err(e) = calls.answer_claimed(claimed, &worker).await {
                        tracing::error!(call = %id, error = %e, "answering a routed model call failed");
                    }
                    drop(permit);
                });
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, group = %group, "claiming a routed model call failed");
                idle = Duration::from_secs(1);
            }
        }
        tokio::select! {
            () = tokio::time::sleep(idle) => {}
            () = shutdown.cancelled() => break,
        }
        idle = (idle * 2).min(Duration::from_millis(50));
    }
}
