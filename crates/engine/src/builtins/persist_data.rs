//! The `persist-data` component: instance, cross-flow and execution state through the context's
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
    /// Inputs of the increment and decrement actions.
    pub struct AmountInputs {
        /// The key of the number.
        keyInput: String = ("Key", String),
        /// By how much (a missing value counts as 0).
        amountInput: Option<f64> = ("Amount", Number, default "1"),
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
    /// Appends the value to the list saved under the key (a missing key starts a list).
    Append,
    /// Adds the amount to the number saved under the key (`-1` subtracts).
    Add(f64),
}

/// Most elements a list saved by the append actions holds.
pub const MAX_LIST: usize = 100_000;

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
            Op::Append => {
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
                let mut list = match ctx.state.get(self.scope, &i.keyInput).await? {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(items)) => items,
                    Some(_) => {
                        return Err(ActionError::input(
                            "keyInput",
                            "the value saved under this key is not a list",
                        ))
                    }
                };
                if list.len() >= MAX_LIST {
                    return Err(ActionError::input(
                        "keyInput",
                        format!("the list saved under this key already holds {MAX_LIST} values"),
                    ));
                }
                list.push(value);
                let list = Value::Array(list);
                ctx.state.set(self.scope, &i.keyInput, list.clone()).await?;
                Ok(Data::Json(list))
            }
            Op::Add(sign) => {
                let i = AmountInputs::from_inputs(&inputs)?;
                let amount = i.amountInput.unwrap_or(1.0);
                let current = match ctx.state.get(self.scope, &i.keyInput).await? {
                    None | Some(Value::Null) => 0.0,
                    Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
                    Some(Value::String(t)) if t.trim().parse::<f64>().is_ok() => {
                        t.trim().parse::<f64>().unwrap_or(0.0)
                    }
                    Some(_) => {
                        return Err(ActionError::input(
                            "keyInput",
                            "the value saved under this key is not a number",
                        ))
                    }
                };
                let next = current + sign * amount;
                let value = if next.fract() == 0.0 && next.abs() < 9.0e15 {
                    Value::from(next as i64)
                } else {
                    serde_json::Number::from_f64(next)
                        .map(Value::Number)
                        .ok_or_else(|| {
                            ActionError::input("amountInput", "gives no finite number")
                        })?
                };
                ctx.state
                    .set(self.scope, &i.keyInput, value.clone())
                    .await?;
                Ok(Data::Json(value))
            }
        }
    }
}

/// `persist-data`.
pub fn component() -> Component {
    use StateScope::{CrossFlow, Execution, Instance};
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
        (
            "removeCrossFlowValue",
            "Remove Cross-Flow Value",
            "Removes a value shared by the instance's flows.",
            Op::Remove,
            CrossFlow,
        ),
        (
            "appendInstanceValueToList",
            "Append Instance Value To List",
            "Appends a value to a list in the instance flow's state.",
            Op::Append,
            Instance,
        ),
        (
            "appendCrossFlowValueToList",
            "Append Cross-Flow Value To List",
            "Appends a value to a list shared by the instance's flows.",
            Op::Append,
            CrossFlow,
        ),
        (
            "saveExecutionValue",
            "Save Execution Value",
            "Saves a value for the rest of this execution (loop iterations, later steps).",
            Op::Save,
            Execution,
        ),
        (
            "getExecutionValue",
            "Get Execution Value",
            "Reads a value saved earlier in this execution.",
            Op::Get,
            Execution,
        ),
        (
            "removeExecutionValue",
            "Remove Execution Value",
            "Removes a value saved earlier in this execution.",
            Op::Remove,
            Execution,
        ),
        (
            "appendExecutionValueToList",
            "Append Execution Value To List",
            "Appends a value to a list kept for this execution.",
            Op::Append,
            Execution,
        ),
        (
            "incrementInstanceValue",
            "Increment Instance Value",
            "Adds to a number in the instance flow's state.",
            Op::Add(1.0),
            Instance,
        ),
        (
            "decrementInstanceValue",
            "Decrement Instance Value",
            "Subtracts from a number in the instance flow's state.",
            Op::Add(-1.0),
            Instance,
        ),
        (
            "incrementCrossFlowValue",
            "Increment Cross-Flow Value",
            "Adds to a number shared by the instance's flows.",
            Op::Add(1.0),
            CrossFlow,
        ),
        (
            "decrementCrossFlowValue",
            "Decrement Cross-Flow Value",
            "Subtracts from a number shared by the instance's flows.",
            Op::Add(-1.0),
            CrossFlow,
        ),
        (
            "incrementExecutionValue",
            "Increment Execution Value",
            "Adds to a number kept for this execution (an offset, a counter).",
            Op::Add(1.0),
            Execution,
        ),
        (
            "decrementExecutionValue",
            "Decrement Execution Value",
            "Subtracts from a number kept for this execution.",
            Op::Add(-1.0),
            Execution,
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
            Op::Add(sign) => (
                AmountInputs::specs(),
                ActionExample::values(
                    "Move the offset by a page",
                    &[("keyInput", json!("offset")), ("amountInput", json!("50"))],
                )
                .answers(json!(if sign > 0.0 { 50 } else { -50 })),
            ),
            Op::Append => (
                SaveInputs::specs(),
                ActionExample::values(
                    "Collect a page of results",
                    &[
                        ("keyInput", json!("results")),
                        ("valueInput", json!([1, 2])),
                    ],
                )
                .answers(json!([[1, 2]])),
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
