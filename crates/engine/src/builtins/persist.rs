//! The `persist-data` actions, through the context's [`StateStore`](plumb_core::action::StateStore).

use plumb_core::action::{
    Action, ActionContext, ActionError, Data, InputValue, Inputs, StateScope,
};
use serde_json::Value;

/// What a persist-data action does.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Op {
    Save,
    Get,
    Remove,
}

/// One persist-data action: an operation on a scope.
pub(crate) struct Persist {
    pub op: Op,
    pub scope: StateScope,
}

fn key(inputs: &Inputs) -> Result<String, ActionError> {
    inputs
        .string("keyInput")
        .ok_or_else(|| ActionError::input("keyInput", "a key is required"))
}

#[async_trait::async_trait]
impl Action for Persist {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let key = key(&inputs)?;
        match self.op {
            Op::Save => {
                let value = match inputs.get("valueInput") {
                    Some(InputValue::Data(Data::Json(v))) => v.clone(),
                    Some(InputValue::Data(Data::Binary { .. })) => {
                        return Err(ActionError::input(
                            "valueInput",
                            "binary data cannot be persisted; save JSON or text",
                        ))
                    }
                    Some(InputValue::Connection(_)) => {
                        return Err(ActionError::input(
                            "valueInput",
                            "a connection cannot be persisted",
                        ))
                    }
                    None => Value::Null,
                };
                ctx.state.set(self.scope, &key, value.clone()).await?;
                Ok(Data::Json(value))
            }
            Op::Get => {
                let value = ctx.state.get(self.scope, &key).await?;
                let default = inputs
                    .json("defaultValueInput")
                    .cloned()
                    .unwrap_or(Value::Null);
                Ok(Data::Json(value.unwrap_or(default)))
            }
            Op::Remove => {
                ctx.state.remove(self.scope, &key).await?;
                Ok(Data::Json(Value::Null))
            }
        }
    }
}
