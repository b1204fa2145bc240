//! The `stop-execution` component: `stopExecution`, run by the engine itself.

use plumb_core::component::{ActionExample, ActionSpec, Component, ComponentSpec};
use serde_json::json;

plumb_core::action_inputs! {
    /// Inputs of `stopExecution`: the answer of a synchronous call.
    pub struct StopExecutionInputs {
        /// The HTTP status answered (200 when not given).
        statusCode: Option<String> = ("Status code", String),
        /// The content type of the body.
        contentType: Option<String> = ("Content type", String),
        /// Response headers (a list of `{key, value}`).
        headers: Option<serde_json::Value> = ("Headers", List),
        /// The body answered.
        jsonBody: Option<plumb_core::action::Data> = ("Body", Data),
    }
}

/// `stop-execution`.
pub fn component() -> Component {
    Component::control(
        ComponentSpec::builtin(
            "stop-execution",
            "Stop Execution",
            "Ends an execution early.",
        )
        .action(
            ActionSpec::new(
                "stopExecution",
                "Stop Execution",
                "Ends the execution successfully; a synchronous call answers with the given \
                 response.",
                StopExecutionInputs::specs(),
            )
            .example(ActionExample::values(
                "Answer 202",
                &[
                    ("statusCode", json!("202")),
                    ("jsonBody", json!({"accepted": true})),
                ],
            )),
        ),
    )
}
