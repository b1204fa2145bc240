//! The contract between the engine and the components that perform step actions.
//!
//! The engine resolves a step's inputs (values, references, config vars, templates) into
//! [`Inputs`], builds an [`ActionContext`], and calls [`Action::run`]. A failure is data
//! ([`ActionError`]), never a panic.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::secret::SecretString;

/// A step result or an input value: JSON, or binary data with a content type.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// A JSON value.
    Json(Value),
    /// Bytes with their content type (an image, a file, ...).
    Binary {
        /// The bytes.
        bytes: Vec<u8>,
        /// Their MIME type, `application/octet-stream` when unknown.
        content_type: String,
    },
}

/// A resolved connection, ready to authenticate requests. Its secret inputs
/// ([`crate::connection_types::is_secret_input`]) are held as [`SecretString`]s in `secrets`, read
/// only through [`Connection::value`] or `expose()`; `Debug` shows input keys, never values.
#[derive(Clone, PartialEq)]
pub struct Connection {
    /// A stable identity for caching clients and tokens (the store's connection value ID, or
    /// the config var key in a local run).
    pub id: String,
    /// The component declaring the connection type (`http`, `aws-s3`, ...).
    pub component: String,
    /// The connection type key (`basic`, `oauth2ClientCredentials`, ...).
    pub key: String,
    /// The public input values by input key (what a code step may see).
    pub fields: BTreeMap<String, String>,
    /// The secret input values by input key.
    pub secrets: BTreeMap<String, SecretString>,
}

impl Connection {
    /// A connection of type `component`/`key` with these input values, each filed as public or
    /// secret by its connection type.
    pub fn new(
        id: String,
        component: String,
        key: String,
        inputs: BTreeMap<String, String>,
    ) -> Connection {
        let mut c = Connection {
            id,
            component,
            key,
            fields: BTreeMap::new(),
            secrets: BTreeMap::new(),
        };
        for (input, value) in inputs {
            c.set(input, value);
        }
        c
    }

    /// Sets an input, public or secret by the connection type.
    pub fn set(&mut self, input: String, value: String) {
        if crate::connection_types::is_secret_input(&self.component, &self.key, &input) {
            self.fields.remove(&input);
            self.secrets.insert(input, SecretString::new(value));
        } else {
            self.secrets.remove(&input);
            self.fields.insert(input, value);
        }
    }

    /// An input's value, public or secret (reading a secret here is where it leaves its
    /// wrapper: for sending it, never for showing it).
    pub fn value(&self, input: &str) -> Option<&str> {
        self.fields
            .get(input)
            .map(String::as_str)
            .or_else(|| self.secrets.get(input).map(SecretString::expose))
    }

    /// Whether the input has a value.
    pub fn has(&self, input: &str) -> bool {
        self.fields.contains_key(input) || self.secrets.contains_key(input)
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.id)
            .field("component", &self.component)
            .field("key", &self.key)
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// One resolved input value.
#[derive(Debug, Clone, PartialEq)]
pub enum InputValue {
    /// JSON or binary data.
    Data(Data),
    /// A connection.
    Connection(Connection),
}

/// The resolved inputs of one step, by input key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs(pub BTreeMap<String, InputValue>);

impl Inputs {
    /// The raw value of an input.
    pub fn get(&self, key: &str) -> Option<&InputValue> {
        self.0.get(key)
    }

    /// A JSON input (`None` when absent, null, binary or a connection).
    pub fn json(&self, key: &str) -> Option<&Value> {
        match self.0.get(key) {
            Some(InputValue::Data(Data::Json(v))) if !v.is_null() => Some(v),
            _ => None,
        }
    }

    /// A string input; numbers and booleans are given as their text. Empty strings are `None`.
    pub fn string(&self, key: &str) -> Option<String> {
        match self.json(key)? {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => Some(other.to_string()),
        }
    }

    /// A boolean input: JSON `true`/`false` or the strings `"true"`/`"false"`.
    pub fn boolean(&self, key: &str) -> Option<bool> {
        match self.json(key)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A numeric input: a JSON number or a numeric string.
    pub fn number(&self, key: &str) -> Option<f64> {
        match self.json(key)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A connection input.
    pub fn connection(&self, key: &str) -> Option<&Connection> {
        match self.0.get(key) {
            Some(InputValue::Connection(c)) => Some(c),
            _ => None,
        }
    }
}

/// Log levels of execution logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Finest detail.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal information.
    Info,
    /// Something unexpected that did not stop the step.
    Warn,
    /// A failure.
    Error,
    /// A failure that stops the execution.
    Fatal,
    /// A measurement.
    Metric,
}

impl LogLevel {
    /// The level as the API spells it (`INFO`, `WARN`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Fatal => "FATAL",
            LogLevel::Metric => "METRIC",
        }
    }
}

/// Where a step's log lines go (the execution's log). Implementations redact secrets.
pub trait Logger: Send + Sync {
    /// Records one line.
    fn log(&self, level: LogLevel, message: &str);
}

/// Instance and cross-flow state for `persist-data` and the code step's `instanceState`.
#[async_trait::async_trait]
pub trait StateStore: Send + Sync {
    /// Reads a value (`None` when unset).
    async fn get(&self, scope: StateScope, key: &str) -> Result<Option<Value>, ActionError>;
    /// Writes a value.
    async fn set(&self, scope: StateScope, key: &str, value: Value) -> Result<(), ActionError>;
    /// Removes a value.
    async fn remove(&self, scope: StateScope, key: &str) -> Result<(), ActionError>;
}

/// Which state a [`StateStore`] call addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateScope {
    /// Per instance flow.
    Instance,
    /// Shared by the flows of one instance.
    CrossFlow,
    /// One execution only.
    Execution,
}

/// What a [`FlowInvoker`] answers: the invoked execution's ID and, for a synchronous call,
/// the invoked flow's final result.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowInvocation {
    /// The invoked execution's ID (its global ID, as the API shows it).
    pub execution_id: String,
    /// The invoked flow's final step result (synchronous calls only).
    pub result: Option<Data>,
}

/// Invokes another flow of the execution's instance (the `cross-flow` component), or the
/// execution's own flow again (the `recursive-flow` component).
#[async_trait::async_trait]
pub trait FlowInvoker: Send + Sync {
    /// Queues a run of flow `flow_name` with `payload` as its trigger body; when `synchronous`,
    /// waits at most `timeout` for it to end and answers its final result.
    async fn invoke(
        &self,
        flow_name: &str,
        payload: Data,
        synchronous: bool,
        timeout: std::time::Duration,
    ) -> Result<FlowInvocation, ActionError>;

    /// Queues another run of the calling execution's own flow with `payload` as its trigger
    /// body, one deeper in its chain of recursions, without waiting for it (a tail call);
    /// refused beyond the chain's bound. Outside an instance it fails, saying so.
    async fn recurse(&self, payload: Data) -> Result<FlowInvocation, ActionError> {
        let _ = payload;
        Err(ActionError::failed(RECURSION_NEEDS_INSTANCE))
    }
}

/// The error of [`FlowInvoker::recurse`] outside an instance.
pub const RECURSION_NEEDS_INSTANCE: &str =
    "recursive-flow needs an instance: a flow invokes itself only in a deployed instance (run it deployed)";

/// The [`FlowInvoker`] of runs outside an instance (`plumb run`, test runs, unit tests): every
/// invocation fails, saying so.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFlowInvoker;

/// The error of [`NoFlowInvoker`].
pub const CROSS_FLOW_NEEDS_INSTANCE: &str =
    "cross-flow needs an instance: invoking another flow works only in a deployed instance (run it deployed)";

#[async_trait::async_trait]
impl FlowInvoker for NoFlowInvoker {
    async fn invoke(
        &self,
        _flow_name: &str,
        _payload: Data,
        _synchronous: bool,
        _timeout: std::time::Duration,
    ) -> Result<FlowInvocation, ActionError> {
        Err(ActionError::failed(CROSS_FLOW_NEEDS_INSTANCE))
    }
}

/// What an action sees of the execution it runs in.
#[derive(Clone)]
pub struct ActionContext {
    /// The execution's ID.
    pub execution_id: String,
    /// The flow's name.
    pub flow_name: String,
    /// The step's name.
    pub step_name: String,
    /// `{id, name, externalId}` of the customer, or null in a test run without one.
    pub customer: Value,
    /// `{id, name}` of the instance, or null in a test run.
    pub instance: Value,
    /// Resolved config vars by key (a connection is an object of its non-secret fields).
    pub config_vars: Arc<BTreeMap<String, Value>>,
    /// Results of the steps that ran before, by camelCased step name.
    pub step_results: Arc<BTreeMap<String, Data>>,
    /// Webhook URLs of the instance's flows, by flow name.
    pub webhook_urls: Arc<BTreeMap<String, String>>,
    /// The execution log.
    pub logger: Arc<dyn Logger>,
    /// Persistent state.
    pub state: Arc<dyn StateStore>,
    /// Starts other flows of the same instance (`cross-flow`).
    pub flows: Arc<dyn FlowInvoker>,
    /// When the execution must stop (its time limit).
    pub deadline: Option<std::time::Instant>,
}

/// Why an action failed. Never carries a secret.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ActionError {
    /// An input is missing or has the wrong shape.
    #[error("input {input}: {message}")]
    InvalidInput {
        /// The input's key.
        input: String,
        /// What is wrong.
        message: String,
    },
    /// The action ran and failed; `details` is structured data (the HTTP envelope of a failed
    /// call, a Salesforce error list, ...).
    #[error("{message}")]
    Failed {
        /// A one-line description.
        message: String,
        /// Structured detail, if any.
        details: Option<Value>,
    },
    /// The step ran past its time limit.
    #[error("timed out after {0} ms")]
    Timeout(u64),
}

impl ActionError {
    /// A failure with a message and no details.
    pub fn failed(message: impl Into<String>) -> Self {
        ActionError::Failed {
            message: message.into(),
            details: None,
        }
    }

    /// A failure of an input.
    pub fn input(input: impl Into<String>, message: impl Into<String>) -> Self {
        ActionError::InvalidInput {
            input: input.into(),
            message: message.into(),
        }
    }
}

/// A component action: takes resolved inputs, performs its work, answers data.
#[async_trait::async_trait]
pub trait Action: Send + Sync {
    /// Runs the action once.
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError>;
}
