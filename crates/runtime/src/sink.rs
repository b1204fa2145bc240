//! [`StoreSink`]: the engine's [`ExecutionSink`] writing an execution's step results and logs to
//! the store. The engine calls the sink synchronously from the executing task, so events go
//! through a channel to a writer task ([`SinkWriter`]) that batches log lines; call
//! [`SinkWriter::finish`] after the run to wait until everything is written.

use plumb_core::action::Data;
use plumb_engine::{ExecutionSink, LogEntry, StepOutcome, StepRecord};
use plumb_store::executions::{ExecutionLog, StepResult, StepStatus, StepValue};
use plumb_store::Store;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

enum Event {
    Step(Box<StepResult>),
    Log(ExecutionLog),
    Flush(oneshot::Sender<()>),
}

/// Records one execution's step results and logs in the store.
pub struct StoreSink {
    execution_id: Uuid,
    tx: mpsc::UnboundedSender<Event>,
}

/// The task writing a [`StoreSink`]'s events.
pub struct SinkWriter {
    tx: mpsc::UnboundedSender<Event>,
    task: tokio::task::JoinHandle<()>,
}

impl StoreSink {
    /// A sink for execution `execution_id` and its writer task (spawned on the current
    /// Tokio runtime).
    pub fn start(store: Store, execution_id: Uuid) -> (std::sync::Arc<StoreSink>, SinkWriter) {
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(write_events(store, rx));
        (
            std::sync::Arc::new(StoreSink {
                execution_id,
                tx: tx.clone(),
            }),
            SinkWriter { tx, task },
        )
    }

    /// Records a log line of the execution (the engine's lines come through [`ExecutionSink`]).
    pub fn log_line(&self, severity: &str, message: &str) {
        let _ = self.tx.send(Event::Log(ExecutionLog {
            id: Uuid::nil(),
            execution_id: self.execution_id,
            timestamp: plumb_store::now_ms(),
            severity: severity.to_string(),
            step_name: None,
            message: message.to_string(),
        }));
    }
}

impl SinkWriter {
    /// Waits until every event sent so far is written, then stops the writer.
    pub async fn finish(self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Event::Flush(ack)).is_ok() {
            let _ = done.await;
        }
        self.task.abort();
    }
}

async fn write_events(store: Store, mut rx: mpsc::UnboundedReceiver<Event>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        let mut logs = Vec::new();
        for event in batch {
            match event {
                Event::Log(l) => logs.push(l),
                Event::Step(s) => {
                    write_logs(&store, &mut logs).await;
                    if let Err(e) = store.insert_step_result(&s).await {
                        tracing::error!(error = %e, execution = %s.execution_id, "cannot record a step result");
                    }
                }
                Event::Flush(ack) => {
                    write_logs(&store, &mut logs).await;
                    let _ = ack.send(());
                }
            }
        }
        write_logs(&store, &mut logs).await;
    }
}

async fn write_logs(store: &Store, logs: &mut Vec<ExecutionLog>) {
    if logs.is_empty() {
        return;
    }
    if let Err(e) = store.insert_logs(logs).await {
        tracing::error!(error = %e, "cannot record execution logs");
    }
    logs.clear();
}

/// A step record as the store keeps it.
pub(crate) fn step_result(execution_id: Uuid, r: &StepRecord) -> StepResult {
    let (status, value, error, error_details) = match &r.outcome {
        StepOutcome::Succeeded { result } => {
            let value = match result {
                Data::Json(v) => StepValue::Json(v.to_string()),
                Data::Binary {
                    bytes,
                    content_type,
                } => StepValue::Binary {
                    bytes: bytes.clone(),
                    content_type: content_type.clone(),
                },
            };
            (StepStatus::Success, Some(value), None, None)
        }
        StepOutcome::Failed { error, ignored } => (
            if *ignored {
                StepStatus::Ignored
            } else {
                StepStatus::Error
            },
            None,
            Some(error.message.clone()),
            error.details.as_ref().map(|d| d.to_string()),
        ),
    };
    StepResult {
        id: Uuid::nil(),
        execution_id,
        step_name: r.name.clone(),
        reference_name: r.reference_name.clone(),
        iteration: r.iteration.clone(),
        status,
        attempts: i64::from(r.attempts),
        started_at: r.started_at.timestamp_millis(),
        ended_at: r.ended_at.timestamp_millis(),
        value,
        error,
        error_details,
    }
}

impl ExecutionSink for StoreSink {
    fn step_finished(&self, record: &StepRecord) {
        let _ = self.tx.send(Event::Step(Box::new(step_result(
            self.execution_id,
            record,
        ))));
    }

    fn log(&self, entry: &LogEntry) {
        let _ = self.tx.send(Event::Log(ExecutionLog {
            id: Uuid::nil(),
            execution_id: self.execution_id,
            timestamp: entry.timestamp.timestamp_millis(),
            severity: entry.level.as_str().to_string(),
            step_name: entry.step.clone(),
            message: entry.message.clone(),
        }));
    }
}
