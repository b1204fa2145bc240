//! The `persist-data` component: instance and cross-flow state through the context's
//! [`StateStore`](plumb_core::action::StateStore).

use std::sync::Arc;

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs, StateScope};
use plumb_core::component::{ActionExample, ActionSpec, Component, ComponentSpec};
use serde_json::{json, Value};

plumb_core::action_inputs! {
    /// Inputs of the save actions.
    pub struct SaveInputs {
        /// The key the value is saved under.
        keyInput: String = ("Key", String),
        /// The value to save (JSON or text; binary data cannot be saved).
        valueInput: Option<Data> = ("Value", Data),
    }
}

plumb_core::action_inputs! {
    /// Inputs of the get actions.
    pub struct GetInputs {
        /// The key to read.
        keyInput: String = ("Key", String),
        /// The result when nothing is saved under the key.
        defaultValueInput: Option<Value> = ("Default value", Data),
    }
}

plumb_core::action_inputs! {
    /// Inputs of the remove action.
    pub struct RemoveInputs {
        /// The key to remove.
        keyInput: String = ("Key", String),
    }
}

/// What a persist-data action does.
#[derive(Debug, Clone, Copy)]
enum Op {
    Save,
    Get,
    Remove,
}

/// One persist-data action: an operation on a scope.
struct Persist {
    op: Op,
    scope: StateScope,
}

#[async_trait::async_trait]
impl Action for Persist {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        match self.op {
            Op::Save => {
                let i = SaveInputs::from_inputs(&inputs)?;
                let value = match i.valueInput {
                    Some(Data::Json(v)) => v,
                    Some(Data::Binary { .. }) => {
                        return Err(ActionError::input(
                            "valueInput",
                            "binary data cannot be persisted; save JSON or text",
                        ))
                    }
                    None => Value::Null,
                };
                ctx.state
                    .set(self.scope, &i.keyInput, value.clone())
                    .await?;
                Ok(Data::Json(value))
            }
            Op::Get => {
                let i = GetInputs::from_inputs(&inputs)?;
                let value = ctx.state.get(self.scope, &i.keyInput).await?;
                Ok(Data::Json(
                    value.unwrap_or(i.defaultValueInput.unwrap_or(Value::Null)),
                ))
            }
            Op::Remove => {
                let i = RemoveInputs::from_inputs(&inputs)?;
                ctx.state.remove(self.scope, &i.keyInput).await?;
                Ok(Data::Json(Value::Null))
            }
        }
    }
}

/// `persist-data`.
pub fn component() -> Component {
    use StateScope::{CrossFlow, Instance};
    let actions = [
        (
            "saveInstanceValue",
            "Save Instance Value",
            "Saves a value in the instance flow's state.",
            Op::Save,
            Instance,
        ),
        (
            "getInstanceValue",
            "Get Instance Value",
            "Reads a value of the instance flow's state.",
            Op::Get,
            Instance,
        ),
        (
            "removeInstanceValue",
            "Remove Instance Value",
            "Removes a value of the instance flow's state.",
            Op::Remove,
            Instance,
        ),
        (
            "saveCrossFlowValue",
            "Save Cross-Flow Value",
            "Saves a value shared by the instance's flows.",
            Op::Save,
            CrossFlow,
        ),
        (
            "getCrossFlowValue",
            "Get Cross-Flow Value",
            "Reads a value shared by the instance's flows.",
            Op::Get,
            CrossFlow,
        ),
    ];
    let mut spec = ComponentSpec::builtin(
        "persist-data",
        "Persist Data",
        "Keeps values between executions.",
    );
    for (key, label, description, op, _) in actions {
        let (inputs, example) = match op {
            Op::Save => (
                SaveInputs::specs(),
                ActionExample::values(
                    "Remember the cursor",
                    &[("keyInput", json!("cursor")), ("valueInput", json!("abc"))],
                )
                .answers(json!("abc")),
            ),
            Op::Get => (
                GetInputs::specs(),
                ActionExample::values(
                    "Read the cursor",
                    &[
                        ("keyInput", json!("cursor")),
                        ("defaultValueInput", json!("")),
                    ],
                ),
            ),
            Op::Remove => (
                RemoveInputs::specs(),
                ActionExample::values("Forget the cursor", &[("keyInput", json!("cursor"))])
                    .answers(Value::Null),
            ),
        };
        spec = spec.action(ActionSpec::new(key, label, description, inputs).example(example));
    }
    let mut component = Component::new(spec);
    for (key, _, _, op, scope) in actions {
        component = component.with_action(key, Arc::new(Persist { op, scope }));
    }
    component
}
