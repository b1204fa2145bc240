//! Running a flow: [`Engine::run`].

mod control;
mod exec;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use plumb_core::action::{FlowInvoker, NoFlowInvoker, StateStore};
use plumb_core::definition::{self, Definition, Problems};
use plumb_core::expr::ConfigValue;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::builtins::MemoryStateStore;
use crate::catalog::{Catalog, CatalogView};
use crate::limits::EngineLimits;
use crate::plan::compile;
use crate::record::{ExecutionResult, ExecutionStatus};
use crate::sink::{ExecutionSink, NullSink};
use crate::trigger::TriggerPayload;

use exec::{Exec, Halt};

/// Runs flows. Cheap to clone; one engine serves any number of concurrent executions.
#[derive(Clone)]
pub struct Engine {
    catalog: Arc<Catalog>,
    limits: EngineLimits,
}

/// A flow compiled for running; cheap to clone and share between executions.
#[derive(Clone)]
pub struct PreparedFlow {
    name: String,
    steps: Arc<Vec<crate::plan::PlanStep>>,
}

impl PreparedFlow {
    /// The flow's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// One execution to run.
pub struct RunRequest {
    /// The flow's name.
    pub flow: String,
    /// What triggered it.
    pub trigger: TriggerPayload,
    /// Resolved config vars by key (connections with their fields).
    pub config: BTreeMap<String, ConfigValue>,
    /// The execution's ID.
    pub execution_id: String,
    /// `{id, name, externalId}` of the customer, or null.
    pub customer: Value,
    /// `{id, name}` of the instance, or null.
    pub instance: Value,
    /// Webhook URLs of the instance's flows by flow name.
    pub webhook_urls: BTreeMap<String, String>,
    /// Persistent state for `persist-data` and code steps.
    pub state: Arc<dyn StateStore>,
    /// Starts other flows of the instance (`cross-flow`); [`NoFlowInvoker`] outside an
    /// instance.
    pub flows: Arc<dyn FlowInvoker>,
    /// Where step starts, records and logs go as they happen.
    pub sink: Arc<dyn ExecutionSink>,
    /// Cancels the execution: the running step is dropped and the execution ends `Cancelled`.
    pub cancel: CancellationToken,
    /// Strings to redact (in every form, like connection secrets) besides the connections'
    /// secret fields.
    pub secrets: Vec<String>,
    /// The organization it runs for: its own components are visible to the flow
    /// (`None`: built-ins only).
    pub organization: Option<Uuid>,
}

impl RunRequest {
    /// A request for `flow` with an empty payload, no config, in-memory state and no sink.
    pub fn new(flow: impl Into<String>) -> Self {
        RunRequest {
            flow: flow.into(),
            trigger: TriggerPayload::default(),
            config: BTreeMap::new(),
            execution_id: format!(
                "local-{}",
                Utc::now().timestamp_nanos_opt().unwrap_or_default()
            ),
            customer: Value::Null,
            instance: Value::Null,
            webhook_urls: BTreeMap::new(),
            state: Arc::new(MemoryStateStore::new()),
            flows: Arc::new(NoFlowInvoker),
            sink: Arc::new(NullSink),
            cancel: CancellationToken::new(),
            secrets: Vec::new(),
            organization: None,
        }
    }
}

impl Engine {
    /// An engine over `catalog` with default limits.
    pub fn new(catalog: Arc<Catalog>) -> Self {
        Engine {
            catalog,
            limits: EngineLimits::default(),
        }
    }

    /// The same engine with other limits.
    pub fn with_limits(mut self, limits: EngineLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Its limits.
    pub fn limits(&self) -> EngineLimits {
        self.limits
    }

    /// Its component catalog.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// Parses and validates a definition against the built-in components.
    pub fn load(&self, definition_yaml: &str) -> Result<Definition, Problems> {
        self.load_in(None, definition_yaml)
    }

    /// Parses and validates a definition against the components `organization` sees (the
    /// built-ins and its own).
    pub fn load_in(
        &self,
        organization: Option<Uuid>,
        definition_yaml: &str,
    ) -> Result<Definition, Problems> {
        definition::load(definition_yaml, &self.catalog.view(organization))
    }

    /// Compiles one flow of a definition for running (implementations looked up, inputs
    /// parsed). Prepare once per published version and run it many times with
    /// [`Engine::run_prepared`]; [`Engine::run`] prepares on every call.
    pub fn prepare(&self, definition: &Definition, flow: &str) -> Result<PreparedFlow, String> {
        self.prepare_in(None, definition, flow)
    }

    /// [`Engine::prepare`] with the components `organization` sees.
    pub fn prepare_in(
        &self,
        organization: Option<Uuid>,
        definition: &Definition,
        flow: &str,
    ) -> Result<PreparedFlow, String> {
        self.prepare_with(&self.catalog.view(organization), definition, flow)
    }

    fn prepare_with(
        &self,
        view: &CatalogView,
        definition: &Definition,
        flow: &str,
    ) -> Result<PreparedFlow, String> {
        let Some(f) = definition.flow(flow) else {
            let names: Vec<&str> = definition.flows.iter().map(|f| f.name.as_str()).collect();
            return Err(format!(
                "no flow named `{flow}` (flows: {})",
                names.join(", ")
            ));
        };
        Ok(PreparedFlow {
            name: f.name.clone(),
            steps: Arc::new(compile(f, view)),
        })
    }

    /// Runs one flow of a (validated) definition to its end. Never panics on a step failure:
    /// failures are in the result's step records and status.
    pub async fn run(&self, definition: &Definition, request: RunRequest) -> ExecutionResult {
        match self.prepare_in(request.organization, definition, &request.flow) {
            Ok(flow) => self.run_prepared(&flow, request).await,
            Err(error) => {
                let now = Utc::now();
                let result = ExecutionResult {
                    status: ExecutionStatus::Failed,
                    error: Some(error),
                    steps: Vec::new(),
                    stopped: false,
                    result: None,
                    started_at: now,
                    ended_at: now,
                };
                request.sink.execution_finished(&result);
                result
            }
        }
    }

    /// Runs a prepared flow (`request.flow` is set to its name). Needs a Tokio runtime with
    /// timers enabled.
    pub async fn run_prepared(
        &self,
        flow: &PreparedFlow,
        mut request: RunRequest,
    ) -> ExecutionResult {
        let started_at = Utc::now();
        if request.flow != flow.name {
            request.flow = flow.name.clone();
        }
        let plan = flow.steps.clone();
        let sink = request.sink.clone();
        let mut exec = Exec::new(request, self.limits, started_at);
        let outcome = exec.run_steps(&plan).await;
        let max_secs = self.limits.max_execution_time.as_secs_f64();
        let (status, error, stopped, result) = match outcome {
            Ok(()) | Err(Halt::Break) => {
                (ExecutionStatus::Succeeded, None, false, exec.last.take())
            }
            Err(Halt::Stop(data)) => (ExecutionStatus::Succeeded, None, true, Some(data)),
            Err(Halt::Failed(message)) => (ExecutionStatus::Failed, Some(message), false, None),
            Err(Halt::TimedOut) => (
                ExecutionStatus::TimedOut,
                Some(format!(
                    "the execution ran past its time limit of {max_secs} s"
                )),
                false,
                None,
            ),
            Err(Halt::Cancelled) => (
                ExecutionStatus::Cancelled,
                Some("the execution was cancelled".to_string()),
                false,
                None,
            ),
        };
        // `result` is a step's result, redacted when the step produced it.
        exec.logs.finish();
        let result = ExecutionResult {
            status,
            error: error.map(|e| exec.redactor.text(&e).into_owned()),
            steps: std::mem::take(&mut exec.records),
            stopped,
            result,
            started_at,
            ended_at: Utc::now(),
        };
        sink.execution_finished(&result);
        result
    }
}
