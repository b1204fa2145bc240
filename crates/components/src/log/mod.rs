//! The `log` component: `writeLog` writes a message to the execution's log at a level
//! (`debug`, `info`, `warn`, `error`) through the step's [`ActionContext::logger`] (which
//! redacts secrets); `writeMetric` writes measurements as JSON lines at the `METRIC` level,
//! for a log stream to pick up. Both answer null.

use std::sync::Arc;

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs, LogLevel};
use plumb_core::component::{ActionExample, ActionSpec, Component, ComponentSpec};
use serde_json::{json, Value};

use crate::util::Text;

/// The component's key.
pub const KEY: &str = "log";

/// The longest message written (64 KiB).
pub const MAX_MESSAGE: usize = 64 << 10;
/// The most metrics one `writeMetric` step writes.
pub const MAX_METRICS: usize = 100;

plumb_core::action_inputs! {
    /// The inputs of `writeLog`.
    pub struct WriteLogInputs {
        /// The level of the line: `debug`, `info`, `warn` or `error`.
        level: String = ("Log Level", String, default "info"),
        /// The message to write (values that are not text are written as JSON; at most
        /// 64 KiB).
        message: Text = ("Log Message", Text),
    }
}

plumb_core::action_inputs! {
    /// The input of `writeMetric`.
    pub struct WriteMetricInputs {
        /// The metrics: an object (one metric) or a list of them (at most 100), each written
        /// as one JSON line, e.g. `{"name": "recordsSynced", "value": 42}`.
        metrics: serde_json::Value = ("Metrics", Data),
    }
}

/// The level named `name` (case ignored).
fn level(name: &str) -> Result<LogLevel, ActionError> {
    match name.trim().to_ascii_lowercase().as_str() {
        "debug" => Ok(LogLevel::Debug),
        "info" => Ok(LogLevel::Info),
        "warn" | "warning" => Ok(LogLevel::Warn),
        "error" => Ok(LogLevel::Error),
        other => Err(ActionError::input(
            "level",
            format!("`{other}` is not a log level (use debug, info, warn or error)"),
        )),
    }
}

/// `writeLog`.
struct WriteLog;

#[async_trait::async_trait]
impl Action for WriteLog {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let i = WriteLogInputs::from_inputs(&inputs)?;
        let level = level(&i.level)?;
        if i.message.0.len() > MAX_MESSAGE {
            return Err(ActionError::input(
                "message",
                format!("is longer than {} KiB", MAX_MESSAGE >> 10),
            ));
        }
        ctx.logger.log(level, &i.message.0);
        Ok(Data::Json(Value::Null))
    }
}

/// `writeMetric`.
struct WriteMetric;

#[async_trait::async_trait]
impl Action for WriteMetric {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let metrics = match WriteMetricInputs::from_inputs(&inputs)?.metrics {
            Value::String(s) => serde_json::from_str(&s)
                .map_err(|e| ActionError::input("metrics", format!("is not valid JSON: {e}")))?,
            other => other,
        };
        let list = match metrics {
            Value::Array(items) => items,
            one => vec![one],
        };
        if list.len() > MAX_METRICS {
            return Err(ActionError::input(
                "metrics",
                format!(
                    "holds {} metrics; at most {MAX_METRICS} are allowed",
                    list.len()
                ),
            ));
        }
        let lines: Vec<String> = list.iter().map(Value::to_string).collect();
        if lines.iter().any(|l| l.len() > MAX_MESSAGE) {
            return Err(ActionError::input(
                "metrics",
                format!("a metric is longer than {} KiB", MAX_MESSAGE >> 10),
            ));
        }
        for line in &lines {
            ctx.logger.log(LogLevel::Metric, line);
        }
        Ok(Data::Json(Value::Null))
    }
}

/// The `log` component's spec.
pub fn spec() -> ComponentSpec {
    ComponentSpec::builtin(
        KEY,
        "Log",
        "Writes messages and metrics to the execution log.",
    )
    .action(
        ActionSpec::new(
            "writeLog",
            "Write Log Message",
            "Writes a message to the execution log at the chosen level; answers null.",
            WriteLogInputs::specs(),
        )
        .example(
            ActionExample::values(
                "Note a skipped record",
                &[
                    ("level", json!("warn")),
                    ("message", json!("Duplicate Detected. Skipping...")),
                ],
            )
            .answers(Value::Null),
        )
        .example(
            ActionExample::values(
                "Info is the default level",
                &[("message", json!("Got an email from ada@example.com"))],
            )
            .answers(Value::Null),
        ),
    )
    .action(
        ActionSpec::new(
            "writeMetric",
            "Write Metric(s)",
            "Writes metrics as JSON lines at the METRIC level, for a log stream to pick up; \
                 answers null.",
            WriteMetricInputs::specs(),
        )
        .example(
            ActionExample::values(
                "Count synced records",
                &[(
                    "metrics",
                    json!([{"name": "recordsSynced", "value": 42}, {"name": "errors", "value": 0}]),
                )],
            )
            .answers(Value::Null),
        ),
    )
}

/// The component: its spec and its actions.
pub fn component() -> Component {
    crate::assemble(spec(), actions())
}

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    vec![
        ("writeLog", Arc::new(WriteLog) as Arc<dyn Action>),
        ("writeMetric", Arc::new(WriteMetric)),
    ]
}

#[cfg(test)]
mod tests;
