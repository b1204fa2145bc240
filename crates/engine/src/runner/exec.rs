//! The state of one running execution and the running of ordinary action steps.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use plumb_core::action::{Action, ActionContext, ActionError, Data, InputValue, Inputs, LogLevel};
use plumb_core::component::InputKind;
use plumb_core::definition::ErrorType;
use plumb_core::expr::{resolve, ConfigValue, LoopFrame, Scope};
use serde_json::Value;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::RunRequest;
use crate::limits::EngineLimits;
use crate::plan::{Kind, PlanStep};
use crate::record::{StepError, StepOutcome, StepRecord, StepStarted};
use crate::redact::Redactor;
use crate::sink::{LogGate, StepLogger};

/// Why a list of steps stopped before its end.
pub(crate) enum Halt {
    /// `breakLoop`: the innermost loop ends.
    Break,
    /// `stopExecution`: the execution ends successfully with this response.
    Stop(Data),
    /// A step failed: the execution fails.
    Failed(String),
    /// The execution ran past its time limit.
    TimedOut,
    /// The execution was cancelled.
    Cancelled,
}

pub(crate) type StepsFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Halt>> + Send + 'a>>;

/// One running execution.
pub(crate) struct Exec {
    pub req: RunRequest,
    pub limits: EngineLimits,
    pub deadline: Instant,
    pub std_deadline: std::time::Instant,
    pub results: Arc<BTreeMap<String, Data>>,
    pub loops: Vec<LoopFrame>,
    pub config_json: Arc<BTreeMap<String, Value>>,
    pub webhook_urls: Arc<BTreeMap<String, String>>,
    pub redactor: Arc<Redactor>,
    /// Every log line of the execution goes through it (redaction, log limits).
    pub logs: Arc<LogGate>,
    /// Steps already warned about for a redacted result (one warning per step).
    warned: HashSet<String>,
    pub records: Vec<StepRecord>,
    pub last: Option<Data>,
    pub started_at: String,
    /// Cancelled when the request is cancelled or the deadline passes (one timer per execution,
    /// not one per step).
    pub stop: CancellationToken,
    timer: tokio::task::JoinHandle<()>,
}

impl Drop for Exec {
    fn drop(&mut self) {
        self.timer.abort();
    }
}

/// Counts serialized bytes, failing once past a limit (so a huge result is not serialized whole).
struct Counter {
    n: usize,
    limit: usize,
}

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.n += buf.len();
        if self.n > self.limit {
            return Err(io::Error::other("over the limit"));
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The size of a result, or `None` when it is over `limit`.
fn size_within(data: &Data, limit: usize) -> Option<usize> {
    match data {
        Data::Binary { bytes, .. } => (bytes.len() <= limit).then_some(bytes.len()),
        Data::Json(v) => {
            let mut c = Counter { n: 0, limit };
            serde_json::to_writer(&mut c, v).ok().map(|_| c.n)
        }
    }
}

fn action_error(e: ActionError) -> StepError {
    match e {
        ActionError::Failed { message, details } => StepError { message, details },
        other => StepError::new(other.to_string()),
    }
}

impl Exec {
    pub fn new(req: RunRequest, limits: EngineLimits, started_at: DateTime<Utc>) -> Self {
        let config_json = req
            .config
            .iter()
            .map(|(k, v)| {
                let json = match v {
                    ConfigValue::Value(v) => v.clone(),
                    // A connection is shown as its non-secret fields: a secret reaches a step
                    // only through the connection input itself.
                    ConfigValue::Connection(c) => Value::Object(
                        c.fields
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect(),
                    ),
                };
                (k.clone(), json)
            })
            .collect();
        let redactor = Arc::new(Redactor::new(&req.config, &req.secrets));
        let logs = Arc::new(LogGate::new(
            req.sink.clone(),
            redactor.clone(),
            limits.max_log_lines,
            limits.max_log_bytes,
        ));
        let deadline = Instant::now() + limits.max_execution_time;
        let stop = req.cancel.child_token();
        let timer = {
            let stop = stop.clone();
            tokio::spawn(async move {
                tokio::time::sleep_until(deadline).await;
                stop.cancel();
            })
        };
        Exec {
            stop,
            timer,
            deadline,
            std_deadline: std::time::Instant::now() + limits.max_execution_time,
            limits,
            results: Arc::new(BTreeMap::new()),
            loops: Vec::new(),
            config_json: Arc::new(config_json),
            webhook_urls: Arc::new(req.webhook_urls.clone()),
            redactor,
            logs,
            warned: HashSet::new(),
            records: Vec::new(),
            last: None,
            started_at: started_at.to_rfc3339(),
            req,
        }
    }

    /// Why the execution must stop now: cancelled, or past its deadline.
    fn halt_reason(&self) -> Halt {
        if self.req.cancel.is_cancelled() {
            Halt::Cancelled
        } else {
            Halt::TimedOut
        }
    }

    /// Stops when cancelled or past the deadline.
    pub fn check(&self) -> Result<(), Halt> {
        if self.stop.is_cancelled() {
            return Err(self.halt_reason());
        }
        if Instant::now() >= self.deadline {
            return Err(Halt::TimedOut);
        }
        Ok(())
    }

    /// Sleeps, unless cancelled or past the deadline first.
    pub async fn sleep(&self, d: std::time::Duration) -> Result<(), Halt> {
        tokio::select! {
            _ = self.stop.cancelled() => Err(self.halt_reason()),
            _ = tokio::time::sleep(d) => Ok(()),
        }
    }

    pub fn scope(&self) -> Scope<'_> {
        Scope {
            config: &self.req.config,
            results: &self.results,
            loops: &self.loops,
        }
    }

    fn iteration(&self) -> Vec<usize> {
        self.loops.iter().map(|f| f.index).collect()
    }

    /// Tells the sink a step started; returns the start time.
    pub fn started(&self, step: &PlanStep) -> DateTime<Utc> {
        let started_at = Utc::now();
        self.req.sink.step_started(&StepStarted {
            name: step.name.clone(),
            iteration: self.iteration(),
            started_at,
        });
        started_at
    }

    /// Logs an engine line about a step.
    pub fn log(&self, step: &PlanStep, level: LogLevel, message: &str) {
        self.logs.log(Some(&step.name), level, message);
    }

    /// Logs (once per step) that a step's result or error held a secret and was redacted.
    fn warn_redacted(&mut self, step: &PlanStep, what: &str) {
        if self.warned.insert(step.name.clone()) {
            let message = format!(
                "the {what} of step `{}` contained a connection secret (plain or encoded); \
                 it was replaced by [REDACTED] before any later step or record saw it",
                step.name
            );
            self.log(step, LogLevel::Warn, &message);
        }
    }

    /// Redacts a step's error (message and details); warns once if it held a secret.
    fn redact_error(&mut self, step: &PlanStep, error: &mut StepError) {
        if self.redactor.is_empty() {
            return;
        }
        let mut found = false;
        if let std::borrow::Cow::Owned(m) = self.redactor.text(&error.message) {
            error.message = m;
            found = true;
        }
        if let Some(d) = &mut error.details {
            found |= self.redactor.json(d);
        }
        if found {
            self.warn_redacted(step, "error");
        }
    }

    /// Records a step run; its result or error is already redacted.
    fn record(
        &mut self,
        step: &PlanStep,
        started_at: DateTime<Utc>,
        attempts: u32,
        outcome: StepOutcome,
    ) {
        let record = StepRecord {
            name: step.name.clone(),
            reference_name: step.camel.clone(),
            iteration: self.iteration(),
            started_at,
            ended_at: Utc::now(),
            attempts,
            outcome,
        };
        self.req.sink.step_finished(&record);
        self.records.push(record);
    }

    /// Redacts a step's result, records the success and makes the result visible to later
    /// steps (references, conditions, loop inputs, code steps' `stepResults`) and to the
    /// execution's result: no one sees the unredacted result.
    pub fn succeed(
        &mut self,
        step: &PlanStep,
        started_at: DateTime<Utc>,
        attempts: u32,
        mut data: Data,
    ) {
        if self.redactor.data(&mut data) {
            self.warn_redacted(step, "result");
        }
        self.succeed_redacted(step, started_at, attempts, data);
    }

    /// [`Exec::succeed`] for a result made only of results already redacted (a loop's).
    pub fn succeed_redacted(
        &mut self,
        step: &PlanStep,
        started_at: DateTime<Utc>,
        attempts: u32,
        data: Data,
    ) {
        self.last = Some(data.clone());
        Arc::make_mut(&mut self.results).insert(step.camel.clone(), data.clone());
        self.record(
            step,
            started_at,
            attempts,
            StepOutcome::Succeeded { result: data },
        );
    }

    /// Records a failure; per the step's `errorConfig` the flow goes on (ignore) or fails.
    pub fn fail(
        &mut self,
        step: &PlanStep,
        started_at: DateTime<Utc>,
        attempts: u32,
        mut error: StepError,
    ) -> Result<(), Halt> {
        self.redact_error(step, &mut error);
        let ignored = step.error.kind == ErrorType::Ignore;
        let message = format!("step `{}` failed: {}", step.name, error.message);
        self.log(
            step,
            if ignored {
                LogLevel::Warn
            } else {
                LogLevel::Error
            },
            &message,
        );
        self.record(
            step,
            started_at,
            attempts,
            StepOutcome::Failed { error, ignored },
        );
        if ignored {
            self.last = Some(Data::Json(Value::Null));
            Arc::make_mut(&mut self.results).insert(step.camel.clone(), Data::Json(Value::Null));
            Ok(())
        } else {
            Err(Halt::Failed(message))
        }
    }

    /// Records the step as interrupted (time limit or cancellation) and passes the halt on.
    pub fn interrupted(
        &mut self,
        step: &PlanStep,
        started_at: DateTime<Utc>,
        attempts: u32,
        halt: Halt,
    ) -> Halt {
        let message = match &halt {
            Halt::TimedOut => "the execution ran past its time limit",
            Halt::Cancelled => "the execution was cancelled",
            _ => return halt,
        };
        let error = StepError::new(message);
        self.record(
            step,
            started_at,
            attempts,
            StepOutcome::Failed {
                error,
                ignored: false,
            },
        );
        halt
    }

    /// Resolves a step's inputs; binary data where an input needs JSON is an error.
    pub fn resolve_inputs(&self, step: &PlanStep) -> Result<Inputs, StepError> {
        let scope = self.scope();
        let mut out = BTreeMap::new();
        for input in &step.inputs {
            let value = resolve(&input.expr, &scope)
                .map_err(|e| StepError::new(format!("input `{}`: {e}", input.key)))?;
            if let (InputValue::Data(Data::Binary { content_type, .. }), Some(kind)) =
                (&value, input.kind)
            {
                if !matches!(kind, InputKind::Data) {
                    return Err(StepError::new(format!(
                        "input `{}` needs JSON ({kind:?}) but got binary data ({content_type}); pass a JSON or text result",
                        input.key
                    )));
                }
            }
            out.insert(input.key.clone(), value);
        }
        Ok(Inputs(out))
    }

    /// Checks a result against the size limit.
    pub fn check_size(&self, data: &Data) -> Result<(), StepError> {
        let limit = self.limits.max_step_result_bytes;
        match size_within(data, limit) {
            Some(_) => Ok(()),
            None => Err(StepError::new(format!(
                "the step result is larger than the limit of {limit} bytes"
            ))),
        }
    }

    fn context(&self, step: &PlanStep) -> ActionContext {
        ActionContext {
            execution_id: self.req.execution_id.clone(),
            flow_name: self.req.flow.clone(),
            step_name: step.name.clone(),
            customer: self.req.customer.clone(),
            instance: self.req.instance.clone(),
            config_vars: self.config_json.clone(),
            step_results: self.results.clone(),
            webhook_urls: self.webhook_urls.clone(),
            logger: Arc::new(StepLogger {
                gate: self.logs.clone(),
                step: Some(step.name.clone()),
            }),
            state: self.req.state.clone(),
            flows: self.req.flows.clone(),
            deadline: Some(self.std_deadline),
        }
    }

    /// One attempt of an action: the data, a step error, or a halt (time limit, cancellation).
    async fn attempt(
        &self,
        step: &PlanStep,
        action: &Arc<dyn Action>,
    ) -> Result<Result<Data, StepError>, Halt> {
        let inputs = match self.resolve_inputs(step) {
            Ok(i) => i,
            Err(e) => return Ok(Err(e)),
        };
        let ctx = self.context(step);
        // The action is polled first: a step that completes at once never touches the
        // cancellation token's waiter list.
        let result = tokio::select! {
            biased;
            r = action.run(&ctx, inputs) => r,
            _ = self.stop.cancelled() => return Err(self.halt_reason()),
        };
        Ok(match result {
            Ok(data) => self.check_size(&data).map(|()| data),
            Err(e) => Err(action_error(e)),
        })
    }

    /// Runs an action step with its `errorConfig` (retries with delay and backoff).
    pub async fn action_step(
        &mut self,
        step: &PlanStep,
        action: &Arc<dyn Action>,
    ) -> Result<(), Halt> {
        let started_at = self.started(step);
        let policy = step.error;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            match self.attempt(step, action).await {
                Ok(Ok(data)) => {
                    self.succeed(step, started_at, attempts, data);
                    return Ok(());
                }
                Ok(Err(error))
                    if policy.kind == ErrorType::Retry && attempts < policy.max_attempts =>
                {
                    let factor = if policy.backoff {
                        2u32.saturating_pow(attempts - 1)
                    } else {
                        1
                    };
                    let delay = policy.delay.saturating_mul(factor);
                    let message = format!(
                        "attempt {attempts} of {} failed: {}; retrying in {} s",
                        policy.max_attempts,
                        error.message,
                        delay.as_secs_f64()
                    );
                    self.log(step, LogLevel::Warn, &message);
                    if let Err(halt) = self.sleep(delay).await {
                        return Err(self.interrupted(step, started_at, attempts, halt));
                    }
                }
                Ok(Err(error)) => return self.fail(step, started_at, attempts, error),
                Err(halt) => return Err(self.interrupted(step, started_at, attempts, halt)),
            }
        }
    }

    /// Runs a list of steps in order.
    pub fn run_steps<'a>(&'a mut self, steps: &'a [PlanStep]) -> StepsFuture<'a> {
        Box::pin(async move {
            for step in steps {
                self.check()?;
                match &step.kind {
                    Kind::Trigger => self.trigger(step),
                    Kind::RecursiveTrigger => self.recursive_trigger(step)?,
                    Kind::Action(action) => self.action_step(step, action).await?,
                    Kind::LoopItems | Kind::LoopN => self.run_loop(step).await?,
                    Kind::BranchExpr | Kind::BranchValue => self.branch(step).await?,
                    Kind::Break => {
                        let started_at = self.started(step);
                        self.succeed(step, started_at, 1, Data::Json(Value::Null));
                        return Err(Halt::Break);
                    }
                    Kind::Stop => self.stop(step)?,
                    Kind::Broken(message) => {
                        let started_at = self.started(step);
                        self.fail(step, started_at, 1, StepError::new(message.clone()))?;
                    }
                }
            }
            Ok(())
        })
    }
}
