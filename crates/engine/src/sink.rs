//! Observing an execution as it runs: [`ExecutionSink`] receives each step's start, record and
//! logs. The store implements it to persist executions; [`MemorySink`] keeps everything in memory.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use plumb_core::action::{LogLevel, Logger};

use crate::record::{ExecutionResult, LogEntry, StepRecord, StepStarted};
use crate::redact::Redactor;

/// Receives an execution's events as they happen. Methods are called from the executing task
/// and must not block: buffer and write elsewhere if writing is slow.
pub trait ExecutionSink: Send + Sync {
    /// A step started.
    fn step_started(&self, _step: &StepStarted) {}
    /// A step ended (one record per run, per loop iteration).
    fn step_finished(&self, _record: &StepRecord) {}
    /// A log line (secrets already redacted).
    fn log(&self, _entry: &LogEntry) {}
    /// The execution ended.
    fn execution_finished(&self, _result: &ExecutionResult) {}
}

/// A sink that drops everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl ExecutionSink for NullSink {}

/// What a [`MemorySink`] saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recorded {
    /// Steps that started.
    pub started: Vec<StepStarted>,
    /// Step records.
    pub steps: Vec<StepRecord>,
    /// Log lines.
    pub logs: Vec<LogEntry>,
    /// Whether the execution finished.
    pub finished: bool,
}

/// A sink that keeps everything in memory (tests, local runs).
#[derive(Debug, Default)]
pub struct MemorySink(Mutex<Recorded>);

impl MemorySink {
    /// A new, empty sink.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// A copy of what it saw.
    pub fn recorded(&self) -> Recorded {
        self.0.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn with(&self, f: impl FnOnce(&mut Recorded)) {
        if let Ok(mut r) = self.0.lock() {
            f(&mut r);
        }
    }
}

impl ExecutionSink for MemorySink {
    fn step_started(&self, step: &StepStarted) {
        self.with(|r| r.started.push(step.clone()));
    }
    fn step_finished(&self, record: &StepRecord) {
        self.with(|r| r.steps.push(record.clone()));
    }
    fn log(&self, entry: &LogEntry) {
        self.with(|r| r.logs.push(entry.clone()));
    }
    fn execution_finished(&self, _result: &ExecutionResult) {
        self.with(|r| r.finished = true);
    }
}

/// The [`Logger`] a step's action gets: lines go to the sink with the step's name, redacted.
pub(crate) struct StepLogger {
    pub sink: Arc<dyn ExecutionSink>,
    pub step: Option<String>,
    pub redactor: Arc<Redactor>,
}

impl Logger for StepLogger {
    fn log(&self, level: LogLevel, message: &str) {
        self.sink.log(&LogEntry {
            timestamp: Utc::now(),
            level,
            step: self.step.clone(),
            message: self.redactor.text(message).into_owned(),
        });
    }
}
