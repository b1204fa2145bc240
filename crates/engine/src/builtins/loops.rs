//! The `loop` component: `loopOverItems`, `loopNTimes`, `breakLoop`. The engine runs these
//! steps itself: their children are the step's `steps`.

use plumb_core::component::{ActionExample, ActionSpec, Component, ComponentSpec};
use serde_json::json;

plumb_core::action_inputs! {
    /// Inputs of `loopOverItems`.
    pub struct LoopOverItemsInputs {
        /// The list to loop over; children see `<loop>.currentItem` and `<loop>.index`.
        items: serde_json::Value = ("Items", Data),
    }
}

plumb_core::action_inputs! {
    /// Inputs of `loopNTimes`.
    pub struct LoopNTimesInputs {
        /// How many times to run the children; they see `<loop>.index`.
        iterationCount: f64 = ("Iteration count", Number),
    }
}

/// `loop`.
pub fn component() -> Component {
    let child = json!({"steps": [{
        "name": "Stop",
        "action": {"key": "stopExecution", "component": {"key": "stop-execution"}},
        "inputs": {}
    }]});
    Component::control(
        ComponentSpec::builtin(
            "loop",
            "Loop",
            "Repeats steps over a list or a number of times.",
        )
        .action(
            ActionSpec::new(
                "loopOverItems",
                "Loop Over Items",
                "Runs the step's `steps` once per item of a list (`<loop>.currentItem`, \
                 `<loop>.index`).",
                LoopOverItemsInputs::specs(),
            )
            .example(
                ActionExample::values("Each of three items", &[("items", json!([1, 2, 3]))])
                    .with_step(child.clone()),
            ),
        )
        .action(
            ActionSpec::new(
                "loopNTimes",
                "Loop N Times",
                "Runs the step's `steps` `iterationCount` times (`<loop>.index`).",
                LoopNTimesInputs::specs(),
            )
            .example(
                ActionExample::values("Five times", &[("iterationCount", json!("5"))])
                    .with_step(child),
            ),
        )
        .action(
            ActionSpec::new(
                "breakLoop",
                "Break Loop",
                "Ends the innermost loop.",
                Vec::new(),
            )
            .example(ActionExample::values("Stop looping", &[])),
        ),
    )
}
