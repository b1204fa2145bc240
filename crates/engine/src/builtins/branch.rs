//! The `branch` component: `branchOnExpression`, `branchOnValue`. The engine runs these steps
//! itself: the step's `branches` hold the steps of each branch.

use plumb_core::component::{ActionExample, ActionSpec, Component, ComponentSpec};
use serde_json::json;

plumb_core::action_inputs! {
    /// Inputs of `branchOnExpression`.
    pub struct BranchOnExpressionInputs {
        /// One condition per branch (by branch name); the first that holds runs.
        conditions: serde_json::Value = ("Conditions", List),
    }
}

plumb_core::action_inputs! {
    /// Inputs of `branchOnValue`.
    pub struct BranchOnValueInputs {
        /// The value compared with each branch's mapped value.
        inputValue: serde_json::Value = ("Input value", Data),
        /// Branch name → value; the branch whose value equals `inputValue` runs.
        branchValueMappings: serde_json::Value = ("Branch value mappings", List),
    }
}

/// `branch`.
pub fn component() -> Component {
    let branches =
        json!({"branches": [{"name": "Else", "steps": []}, {"name": "Big", "steps": []}]});
    Component::control(
        ComponentSpec::builtin("branch", "Branch", "Chooses which steps run.")
            .action(
                ActionSpec::new(
                    "branchOnExpression",
                    "Branch on Expression",
                    "Runs the first branch whose condition holds, else the `Else` branch.",
                    BranchOnExpressionInputs::specs(),
                )
                .example(
                    ActionExample {
                        title: "Big orders".into(),
                        inputs: json!({"conditions": {"type": "complex", "value": [{
                            "name": "Big", "type": "complex", "value": [
                                "and", ["greaterThan",
                                    {"type": "value", "value": "5"},
                                    {"type": "value", "value": "1"}]]
                        }]}}),
                        result: None,
                        step: serde_json::Value::Null,
                    }
                    .with_step(branches.clone()),
                ),
            )
            .action(
                ActionSpec::new(
                    "branchOnValue",
                    "Branch on Value",
                    "Runs the branch whose mapped value equals `inputValue`, else the `Else` \
                     branch.",
                    BranchOnValueInputs::specs(),
                )
                .example(
                    ActionExample {
                        title: "By size".into(),
                        inputs: json!({
                            "inputValue": {"type": "value", "value": "big"},
                            "branchValueMappings": {"type": "complex", "value": [
                                {"name": "Big", "type": "value", "value": "big"}
                            ]}
                        }),
                        result: None,
                        step: serde_json::Value::Null,
                    }
                    .with_step(branches),
                ),
            ),
    )
}
