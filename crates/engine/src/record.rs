//! What an execution produces: step records and the execution result. Step failures are data.

use chrono::{DateTime, Utc};
use plumb_core::action::{Data, LogLevel};
use serde_json::Value;

/// Why a step failed. Never carries a secret (the engine redacts known secrets).
#[derive(Debug, Clone, PartialEq)]
pub struct StepError {
    /// A one-line description.
    pub message: String,
    /// Structured detail (an HTTP envelope, a Salesforce error list, ...).
    pub details: Option<Value>,
}

impl StepError {
    /// An error with a message only.
    pub fn new(message: impl Into<String>) -> Self {
        StepError {
            message: message.into(),
            details: None,
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    /// It produced a result.
    Succeeded {
        /// The result (JSON or binary).
        result: Data,
    },
    /// It failed. With `ignored`, its `errorConfig` said to go on (its result is then null).
    Failed {
        /// Why.
        error: StepError,
        /// Whether the flow went on anyway (`errorType: ignore`).
        ignored: bool,
    },
}

/// A step that started.
#[derive(Debug, Clone, PartialEq)]
pub struct StepStarted {
    /// The step's name as written.
    pub name: String,
    /// Loop indexes of the enclosing loops, outermost first (empty outside loops).
    pub iteration: Vec<usize>,
    /// When it started.
    pub started_at: DateTime<Utc>,
}

/// One run of one step (a step inside a loop has one record per iteration).
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// The step's name as written.
    pub name: String,
    /// Its camelCased name (how references address it).
    pub reference_name: String,
    /// Loop indexes of the enclosing loops, outermost first.
    pub iteration: Vec<usize>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: DateTime<Utc>,
    /// How many times it ran (more than 1 with `errorType: retry`).
    pub attempts: u32,
    /// How it ended.
    pub outcome: StepOutcome,
}

/// One log line of an execution.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// When.
    pub timestamp: DateTime<Utc>,
    /// The level.
    pub level: LogLevel,
    /// The step that logged it (None for the engine's own lines).
    pub step: Option<String>,
    /// The message, secrets redacted.
    pub message: String,
}

/// How an execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionStatus {
    /// Every step succeeded (or failed with `ignore`), or `stopExecution` ended it.
    Succeeded,
    /// A step failed.
    Failed,
    /// It ran past [`crate::EngineLimits::max_execution_time`].
    TimedOut,
    /// It was cancelled.
    Cancelled,
}

impl ExecutionStatus {
    /// The API's status (`SUCCESS` or `ERROR`).
    pub fn api_status(self) -> &'static str {
        match self {
            ExecutionStatus::Succeeded => "SUCCESS",
            _ => "ERROR",
        }
    }
}

/// The result of running a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionResult {
    /// How it ended.
    pub status: ExecutionStatus,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// Every step record, in the order they ran.
    pub steps: Vec<StepRecord>,
    /// Whether a `stopExecution` step ended it.
    pub stopped: bool,
    /// The last step's result (or the `stopExecution` response): what a synchronous call answers.
    pub result: Option<Data>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: DateTime<Utc>,
}

impl ExecutionResult {
    /// Whether it succeeded.
    pub fn is_success(&self) -> bool {
        self.status == ExecutionStatus::Succeeded
    }
}
