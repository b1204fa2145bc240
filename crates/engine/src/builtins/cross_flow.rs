//! The `cross-flow` component: its trigger (`crossFlow`, run by the engine like a webhook
//! trigger) and `invokeFlow`, which starts another flow of the same instance through the
//! context's [`FlowInvoker`](plumb_core::action::FlowInvoker): asynchronously (the result is the
//! invoked execution's ID at once) or synchronously (the caller waits, at most `timeout`
//! seconds, for the invoked flow's final result).

use std::sync::Arc;
use std::time::{Duration, Instant};

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::{ActionExample, ActionSpec, Component, ComponentSpec};
use serde_json::{json, Value};

/// The longest a synchronous invocation waits, in seconds (an execution's own limit is 15
/// minutes; the step's wait is also cut at the caller's deadline).
pub const MAX_TIMEOUT_SECONDS: f64 = 900.0;

/// The longest flow name accepted.
const MAX_FLOW_NAME: usize = 1024;

plumb_core::action_inputs! {
    /// Inputs of `invokeFlow`.
    pub struct InvokeFlowInputs {
        /// The name of the flow of this instance to run (a sibling flow, or this flow itself).
        flowName: String = ("Flow Name", String),
        /// The payload sent to the invoked flow: its trigger result has it under `body.data`.
        data: Option<Data> = ("Data", Data),
        /// Wait for the invoked flow to end and answer its final result (`true`), or answer
        /// its execution ID at once and let it run on (`false`).
        synchronous: bool = ("Synchronous", Boolean, default "false"),
        /// How long a synchronous call waits for the invoked flow, in seconds (at most 900;
        /// never past the calling execution's own time limit).
        timeout: Option<f64> = ("Timeout (seconds)", Number, default "30"),
    }
}

/// The `invokeFlow` action.
struct InvokeFlow;

impl InvokeFlowInputs {
    /// The checked flow name and wait.
    fn checked(&self, deadline: Option<Instant>) -> Result<(String, Duration), ActionError> {
        let name = self.flowName.trim();
        if name.is_empty() {
            return Err(ActionError::input("flowName", "is required"));
        }
        if name.len() > MAX_FLOW_NAME {
            return Err(ActionError::input(
                "flowName",
                format!("is longer than {MAX_FLOW_NAME} bytes"),
            ));
        }
        let seconds = self.timeout.unwrap_or(30.0);
        if !seconds.is_finite() || seconds <= 0.0 || seconds > MAX_TIMEOUT_SECONDS {
            return Err(ActionError::input(
                "timeout",
                format!("must be a number of seconds above 0 and at most {MAX_TIMEOUT_SECONDS}"),
            ));
        }
        let mut wait = Duration::from_secs_f64(seconds);
        if let Some(deadline) = deadline {
            wait = wait.min(deadline.saturating_duration_since(Instant::now()));
        }
        Ok((name.to_string(), wait))
    }
}

#[async_trait::async_trait]
impl Action for InvokeFlow {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let i = InvokeFlowInputs::from_inputs(&inputs)?;
        let (flow, wait) = i.checked(ctx.deadline)?;
        let payload = i.data.unwrap_or(Data::Json(Value::Null));
        let invoked = ctx
            .flows
            .invoke(&flow, payload, i.synchronous, wait)
            .await?;
        ctx.logger.log(
            plumb_core::action::LogLevel::Info,
            &format!(
                "invoked flow `{flow}` ({}): execution {}",
                if i.synchronous {
                    "synchronously"
                } else {
                    "asynchronously"
                },
                invoked.execution_id
            ),
        );
        match invoked.result {
            None => Ok(Data::Json(json!({"executionId": invoked.execution_id}))),
            Some(Data::Json(value)) => Ok(Data::Json(
                json!({"executionId": invoked.execution_id, "data": value}),
            )),
            // A binary result cannot sit in JSON: it is the step's result itself.
            Some(binary @ Data::Binary { .. }) => Ok(binary),
        }
    }
}

/// The trigger's step is run by the engine (its result is the trigger payload); this is never
/// called.
struct TriggerStep;

#[async_trait::async_trait]
impl Action for TriggerStep {
    async fn run(&self, _ctx: &ActionContext, _inputs: Inputs) -> Result<Data, ActionError> {
        Err(ActionError::failed(
            "the cross-flow trigger starts a flow; it is not a step to run",
        ))
    }
}

/// `cross-flow`.
pub fn component() -> Component {
    let spec = ComponentSpec::builtin(
        "cross-flow",
        "Cross Flow",
        "Runs other flows of the same instance, linking the executions.",
    )
    .action(
        ActionSpec::new(
            "crossFlow",
            "Cross-Flow Trigger",
            "Starts the flow when another flow of the instance invokes it with `invokeFlow` (or \
             when its webhook URL is called); the payload sent is under `body.data`.",
            Vec::new(),
        )
        .trigger()
        .example(ActionExample::values("When invoked by a sibling flow", &[])),
    )
    .action(
        ActionSpec::new(
            "invokeFlow",
            "Invoke Flow",
            "Queues a run of another flow of this instance with a payload. Asynchronous: \
             answers `{executionId}` at once. Synchronous: waits for the invoked flow and \
             answers `{executionId, data}` with its final result (fails if it fails or does \
             not end in time). The invoked execution records which execution invoked it; a \
             chain of invocations stops at a depth of 10.",
            InvokeFlowInputs::specs(),
        )
        .example(ActionExample::values(
            "Hand a record to a sibling flow",
            &[
                ("flowName", json!("Contact Create")),
                ("data", json!({"name": "Ada", "email": "ada@example.com"})),
            ],
        ))
        .example(ActionExample::values(
            "Wait for a sibling flow's answer",
            &[
                ("flowName", json!("Lookup Account")),
                ("data", json!({"accountId": 42})),
                ("synchronous", json!(true)),
                ("timeout", json!(20)),
            ],
        )),
    );
    Component::new(spec)
        .with_action("crossFlow", Arc::new(TriggerStep))
        .with_action("invokeFlow", Arc::new(InvokeFlow))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use plumb_core::action::{InputValue, CROSS_FLOW_NEEDS_INSTANCE};
    use std::collections::BTreeMap;

    fn inputs(pairs: &[(&str, Value)]) -> Inputs {
        Inputs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), InputValue::Data(Data::Json(v.clone()))))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn the_flow_name_is_required() {
        for given in [vec![], vec![("flowName", json!("  "))]] {
            let i = InvokeFlowInputs::from_inputs(&inputs(&given));
            let err = i.and_then(|i| i.checked(None).map(|_| ())).unwrap_err();
            assert!(
                matches!(&err, ActionError::InvalidInput { input, .. } if input == "flowName"),
                "{err:?}"
            );
        }
    }

    #[test]
    fn the_timeout_is_bounded_and_defaults_to_30_seconds() {
        let i = InvokeFlowInputs::from_inputs(&inputs(&[("flowName", json!("B"))])).unwrap();
        assert_eq!(i.checked(None).unwrap().1, Duration::from_secs(30));
        assert!(!i.synchronous);
        for bad in [json!(0), json!(-1), json!(901), json!("soon")] {
            let err = InvokeFlowInputs::from_inputs(&inputs(&[
                ("flowName", json!("B")),
                ("timeout", bad.clone()),
            ]))
            .and_then(|i| i.checked(None).map(|_| ()))
            .unwrap_err();
            assert!(
                matches!(&err, ActionError::InvalidInput { input, .. } if input == "timeout"),
                "{bad}: {err:?}"
            );
        }
        // Never past the caller's deadline.
        let i = InvokeFlowInputs::from_inputs(&inputs(&[
            ("flowName", json!("B")),
            ("timeout", json!("600")),
        ]))
        .unwrap();
        let soon = Instant::now() + Duration::from_secs(5);
        assert!(i.checked(Some(soon)).unwrap().1 <= Duration::from_secs(5));
    }

    #[test]
    fn synchronous_reads_as_a_flag() {
        let i = InvokeFlowInputs::from_inputs(&inputs(&[
            ("flowName", json!("B")),
            ("synchronous", json!("true")),
        ]))
        .unwrap();
        assert!(i.synchronous);
        let err = InvokeFlowInputs::from_inputs(&inputs(&[
            ("flowName", json!("B")),
            ("synchronous", json!("sometimes")),
        ]))
        .err()
        .unwrap();
        assert!(
            matches!(&err, ActionError::InvalidInput { input, .. } if input == "synchronous"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn outside_an_instance_it_says_it_needs_one() {
        struct Quiet;
        impl plumb_core::action::Logger for Quiet {
            fn log(&self, _: plumb_core::action::LogLevel, _: &str) {}
        }
        let engine_ctx = ActionContext {
            execution_id: "local-1".into(),
            flow_name: "A".into(),
            step_name: "Invoke".into(),
            customer: Value::Null,
            instance: Value::Null,
            config_vars: Arc::default(),
            step_results: Arc::default(),
            webhook_urls: Arc::default(),
            logger: Arc::new(Quiet),
            state: Arc::new(crate::MemoryStateStore::new()),
            flows: Arc::new(plumb_core::action::NoFlowInvoker),
            deadline: None,
        };
        let err = InvokeFlow
            .run(&engine_ctx, inputs(&[("flowName", json!("B"))]))
            .await
            .unwrap_err();
        assert_eq!(err, ActionError::failed(CROSS_FLOW_NEEDS_INSTANCE));
    }
}
