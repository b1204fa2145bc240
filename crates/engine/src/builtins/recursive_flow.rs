//! The `recursive-flow` component: a flow that works through a large job in batches by
//! invoking itself with a cursor. Its trigger (`recursiveTrigger`, run by the engine) answers
//! the trigger payload plus `cursor`: the `cursor` of the request body (`{cursor, data}`, what
//! `invokeRecursiveTrigger` sends) or, when the body has none (the first run: a webhook call
//! without a body, a schedule, a deploy), the step's `defaultCursor`. `invokeRecursiveTrigger`
//! queues the next run of the same flow with the next cursor through the context's
//! [`FlowInvoker::recurse`](plumb_core::action::FlowInvoker::recurse): through the durable
//! queue like any execution, linked to its caller, without waiting for it, refused past the
//! runtime's bound on the chain's length.

use std::sync::Arc;

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs, LogLevel};
use plumb_core::component::{ActionExample, ActionSpec, Component, ComponentSpec};
use serde_json::{json, Value};

/// The component's key.
pub const KEY: &str = "recursive-flow";

/// The longest cursor accepted, in bytes of JSON (a cursor is a position, not a payload).
pub const MAX_CURSOR_BYTES: usize = 64 * 1024;

plumb_core::action_inputs! {
    /// Inputs of `recursiveTrigger`.
    pub struct RecursiveTriggerInputs {
        /// The cursor of a run whose request gives none (the first run: a webhook call without
        /// a body, a schedule): for example `0` for a page number or offset, or
        /// `1970-01-01T00:00:00Z` for a creation time.
        defaultCursor: String = ("Default Cursor Value", String),
    }
}

plumb_core::action_inputs! {
    /// Inputs of `invokeRecursiveTrigger`.
    pub struct InvokeRecursiveInputs {
        /// Where the next run starts: its trigger's `cursor`.
        cursor: Value = ("Cursor", String),
        /// More data for the next run, under its trigger's `body.data.data`.
        data: Option<Value> = ("Data", Data),
    }
}

/// The cursor of a trigger payload's `body.data`: its `cursor` when it has one that is not
/// null or blank, else `default`.
pub(crate) fn cursor_of(body_data: &Value, default: &Value) -> Value {
    match body_data.get("cursor") {
        None | Some(Value::Null) => default.clone(),
        Some(Value::String(s)) if s.trim().is_empty() => default.clone(),
        Some(c) => c.clone(),
    }
}

/// The trigger step's result: `trigger` (the payload as every trigger answers it) with the
/// cursor at `cursor`, and at `body.data.cursor` when the body had none.
pub(crate) fn with_cursor(mut trigger: Value, default: &Value) -> Value {
    let cursor = cursor_of(&trigger["body"]["data"], default);
    match &mut trigger["body"]["data"] {
        Value::Object(data) => {
            data.insert("cursor".into(), cursor.clone());
        }
        data @ Value::Null => *data = json!({"cursor": cursor}),
        _ => {}
    }
    trigger["cursor"] = cursor;
    trigger
}

/// The `invokeRecursiveTrigger` action.
struct InvokeRecursive;

#[async_trait::async_trait]
impl Action for InvokeRecursive {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let i = InvokeRecursiveInputs::from_inputs(&inputs)?;
        let size = serde_json::to_vec(&i.cursor).map_or(usize::MAX, |b| b.len());
        if size > MAX_CURSOR_BYTES {
            return Err(ActionError::input(
                "cursor",
                format!("is {size} bytes of JSON, more than {MAX_CURSOR_BYTES}: pass a position, not the records"),
            ));
        }
        let mut body = json!({"cursor": i.cursor});
        if let Some(data) = i.data {
            body["data"] = data;
        }
        let invoked = ctx.flows.recurse(Data::Json(body)).await?;
        ctx.logger.log(
            LogLevel::Info,
            &format!(
                "invoked flow `{}` again with cursor {}: execution {}",
                ctx.flow_name, i.cursor, invoked.execution_id
            ),
        );
        Ok(Data::Json(
            json!({"executionId": invoked.execution_id, "cursor": i.cursor}),
        ))
    }
}

/// The trigger's step is run by the engine (its result is the payload with its cursor); this
/// is never called.
struct TriggerStep;

#[async_trait::async_trait]
impl Action for TriggerStep {
    async fn run(&self, _ctx: &ActionContext, _inputs: Inputs) -> Result<Data, ActionError> {
        Err(ActionError::failed(
            "the recursive trigger starts a flow; it is not a step to run",
        ))
    }
}

/// `recursive-flow`.
pub fn component() -> Component {
    let spec = ComponentSpec::builtin(
        KEY,
        "Recursive Flow",
        "Lets a flow call itself with a cursor, to process large amounts of data in serial, one \
         batch per execution.",
    )
    .action(
        ActionSpec::new(
            "recursiveTrigger",
            "Recursive Trigger",
            "Starts the flow when an `invokeRecursiveTrigger` step (or its webhook URL, or its \
             schedule) runs it. The result is the trigger payload plus `cursor`: the request \
             body's `cursor`, or `defaultCursor` when the body gives none; the cursor is also \
             under `body.data.cursor`.",
            RecursiveTriggerInputs::specs(),
        )
        .trigger()
        .example(ActionExample::values(
            "Start at offset 0",
            &[("defaultCursor", json!("0"))],
        )),
    )
    .action(
        ActionSpec::new(
            "invokeRecursiveTrigger",
            "Invoke Recursive Trigger",
            "Queues the next run of this flow (whose trigger is `recursiveTrigger`) with the \
             next cursor, and does not wait for it. Answers `{executionId, cursor}`. The next \
             execution records which execution invoked it; a chain stops at 1,000 recursions \
             (the runtime's bound), failing the execution that would go past it. Run it in a \
             branch that checks whether work is left, or the chain runs to its bound.",
            InvokeRecursiveInputs::specs(),
        )
        .example(ActionExample::values(
            "Go on from offset 100",
            &[("cursor", json!("100"))],
        ))
        .example(ActionExample::values(
            "Carry a page token and the sync's start time",
            &[
                ("cursor", json!("eyJwYWdlIjozfQ")),
                ("data", json!({"syncStartedAt": "2026-12-03T14:00:00Z"})),
            ],
        )),
    );
    Component::new(spec)
        .with_action("recursiveTrigger", Arc::new(TriggerStep))
        .with_action("invokeRecursiveTrigger", Arc::new(InvokeRecursive))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use plumb_core::action::{InputValue, RECURSION_NEEDS_INSTANCE};
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
    fn the_cursor_comes_from_the_body_or_the_default() {
        let default = json!("0");
        // (body.data, cursor)
        let cases = [
            (json!({"cursor": "300"}), json!("300")),
            (json!({"cursor": 300}), json!(300)),
            (json!({"cursor": "300", "data": {"a": 1}}), json!("300")),
            (json!({"cursor": null}), json!("0")),
            (json!({"cursor": "  "}), json!("0")),
            (json!({"other": 1}), json!("0")),
            (Value::Null, json!("0")),
            (json!("not an object"), json!("0")),
        ];
        for (data, want) in cases {
            assert_eq!(cursor_of(&data, &default), want, "{data}");
            let result = with_cursor(json!({"body": {"data": data.clone()}}), &default);
            assert_eq!(result["cursor"], want, "{data}");
            if data.is_object() || data.is_null() {
                assert_eq!(result["body"]["data"]["cursor"], want, "{data}");
            } else {
                assert_eq!(result["body"]["data"], data);
            }
        }
    }

    #[test]
    fn the_cursor_is_required_and_bounded() {
        let err = InvokeRecursiveInputs::from_inputs(&inputs(&[])).unwrap_err();
        assert!(
            matches!(&err, ActionError::InvalidInput { input, .. } if input == "cursor"),
            "{err:?}"
        );
        let err = RecursiveTriggerInputs::from_inputs(&inputs(&[])).unwrap_err();
        assert!(
            matches!(&err, ActionError::InvalidInput { input, .. } if input == "defaultCursor"),
            "{err:?}"
        );
    }

    fn context() -> ActionContext {
        struct Quiet;
        impl plumb_core::action::Logger for Quiet {
            fn log(&self, _: LogLevel, _: &str) {}
        }
        ActionContext {
            execution_id: "local-1".into(),
            flow_name: "Sync".into(),
            step_name: "Next".into(),
            customer: Value::Null,
            instance: Value::Null,
            config_vars: Arc::default(),
            step_results: Arc::default(),
            webhook_urls: Arc::default(),
            logger: Arc::new(Quiet),
            state: Arc::new(crate::MemoryStateStore::new()),
            flows: Arc::new(plumb_core::action::NoFlowInvoker),
            deadline: None,
        }
    }

    #[tokio::test]
    async fn a_huge_cursor_is_refused_naming_the_input() {
        let big = "x".repeat(MAX_CURSOR_BYTES + 1);
        let err = InvokeRecursive
            .run(&context(), inputs(&[("cursor", json!(big))]))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ActionError::InvalidInput { input, .. } if input == "cursor"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn outside_an_instance_it_says_it_needs_one() {
        let err = InvokeRecursive
            .run(&context(), inputs(&[("cursor", json!("100"))]))
            .await
            .unwrap_err();
        assert_eq!(err, ActionError::failed(RECURSION_NEEDS_INSTANCE));
    }
}
