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

/// How many lines and bytes an execution logged, and dropped past its limits.
#[derive(Debug, Default)]
struct Budget {
    lines: usize,
    bytes: usize,
    dropped_lines: usize,
    dropped_bytes: usize,
    /// A line was dropped: every later one is too.
    closed: bool,
}

/// Where every log line of one execution goes: redacted, counted against the execution's log
/// limits, then to the sink.
pub(crate) struct LogGate {
    sink: Arc<dyn ExecutionSink>,
    redactor: Arc<Redactor>,
    max_lines: usize,
    max_bytes: usize,
    budget: Mutex<Budget>,
}

impl LogGate {
    pub fn new(
        sink: Arc<dyn ExecutionSink>,
        redactor: Arc<Redactor>,
        max_lines: usize,
        max_bytes: usize,
    ) -> Self {
        LogGate {
            sink,
            redactor,
            max_lines,
            max_bytes,
            budget: Mutex::new(Budget::default()),
        }
    }

    /// Counts a line as dropped when the gate is closed; answers whether it was.
    fn dropped_early(&self, len: usize) -> bool {
        let Ok(mut b) = self.budget.lock() else {
            return true;
        };
        if b.closed {
            b.dropped_lines += 1;
            b.dropped_bytes += len;
        }
        b.closed
    }

    /// Takes a line within the limits, or closes the gate and counts it as dropped.
    fn admit(&self, len: usize) -> bool {
        let Ok(mut b) = self.budget.lock() else {
            return false;
        };
        if !b.closed && b.lines < self.max_lines && b.bytes.saturating_add(len) <= self.max_bytes {
            b.lines += 1;
            b.bytes += len;
            return true;
        }
        b.closed = true;
        b.dropped_lines += 1;
        b.dropped_bytes += len;
        false
    }

    /// Logs one line of `step` (None: the engine's own), redacted, within the limits.
    pub fn log(&self, step: Option<&str>, level: LogLevel, message: &str) {
        // Past the limit, a line is dropped before it costs a redaction.
        if self.dropped_early(message.len()) {
            return;
        }
        let message = self.redactor.text(message);
        if !self.admit(message.len()) {
            return;
        }
        self.sink.log(&LogEntry {
            timestamp: Utc::now(),
            level,
            step: step.map(str::to_owned),
            message: message.into_owned(),
        });
    }

    /// At the end of the execution: one line saying how many lines were dropped, if any.
    pub fn finish(&self) {
        let (lines, bytes) = match self.budget.lock() {
            Ok(b) => (b.dropped_lines, b.dropped_bytes),
            Err(_) => return,
        };
        if lines == 0 {
            return;
        }
        self.sink.log(&LogEntry {
            timestamp: Utc::now(),
            level: LogLevel::Warn,
            step: None,
            message: format!(
                "{lines} log line(s) ({bytes} bytes) were dropped: the execution reached its \
                 log limit of {} lines or {} bytes",
                self.max_lines, self.max_bytes
            ),
        });
    }
}

/// The [`Logger`] a step's action gets: lines go through the execution's [`LogGate`] with the
/// step's name.
pub(crate) struct StepLogger {
    pub gate: Arc<LogGate>,
    pub step: Option<String>,
}

impl Logger for StepLogger {
    fn log(&self, level: LogLevel, message: &str) {
        self.gate.log(self.step.as_deref(), level, message);
    }
}
