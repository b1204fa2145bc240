//! The `sleep` component: `sleep` pauses the flow for `ms` milliseconds. Bounded: never past
//! the execution's time limit ([`ActionContext::deadline`]) — a sleep that would end after it
//! is refused at once, naming `ms` and the time left — and never longer than [`MAX_SLEEP_MS`].
//! Answers null.

use std::sync::Arc;
use std::time::{Duration, Instant};

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::{ActionExample, ActionSpec, Component, ComponentSpec};
use serde_json::{json, Value};

use crate::util::Count;

/// The component's key.
pub const KEY: &str = "sleep";

/// The longest sleep (15 minutes, Prismatic's longest execution).
pub const MAX_SLEEP_MS: u64 = 15 * 60 * 1000;

plumb_core::action_inputs! {
    /// The input of `sleep`.
    pub struct SleepInputs {
        /// How many milliseconds to pause (a whole number, at most 900,000 = 15 minutes, and
        /// never past the execution's time limit).
        ms: Count = ("Milliseconds", Number, default "1000"),
    }
}

/// How long to sleep for `ms`, or why not, given the execution's `deadline` and `now`.
pub(crate) fn duration(
    ms: u64,
    deadline: Option<Instant>,
    now: Instant,
) -> Result<Duration, ActionError> {
    if ms > MAX_SLEEP_MS {
        return Err(ActionError::input(
            "ms",
            format!("{ms} ms is longer than the longest sleep, {MAX_SLEEP_MS} ms (15 minutes)"),
        ));
    }
    let wanted = Duration::from_millis(ms);
    if let Some(deadline) = deadline {
        let left = deadline.saturating_duration_since(now);
        if wanted > left {
            return Err(ActionError::input(
                "ms",
                format!(
                    "sleeping {ms} ms would run past the execution's time limit ({} ms left)",
                    left.as_millis()
                ),
            ));
        }
    }
    Ok(wanted)
}

/// `sleep`.
struct Sleep;

#[async_trait::async_trait]
impl Action for Sleep {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let ms = SleepInputs::from_inputs(&inputs)?.ms.or(1000);
        let wait = duration(ms, ctx.deadline, Instant::now())?;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(Data::Json(Value::Null))
    }
}

/// The `sleep` component's spec.
pub fn spec() -> ComponentSpec {
    ComponentSpec::builtin(KEY, "Sleep", "Pauses a flow for a while.").action(
        ActionSpec::new(
            "sleep",
            "Sleep",
            "Pauses for a number of milliseconds, then continues; answers null. A sleep that \
             would end after the execution's time limit is refused.",
            SleepInputs::specs(),
        )
        .example(ActionExample::values(
            "Wait two seconds between pages",
            &[("ms", json!("2000"))],
        ))
        .example(ActionExample::values("No wait", &[("ms", json!(0))]).answers(Value::Null)),
    )
}

/// The component: its spec and its actions.
pub fn component() -> Component {
    crate::assemble(spec(), actions())
}

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    vec![("sleep", Arc::new(Sleep) as Arc<dyn Action>)]
}

#[cfg(test)]
mod tests;
