//! `convertToBoolean`, `convertToInt`, `convertToNumber`, `convertToString`: a value cast the
//! way Prismatic's type helpers do.

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use serde_json::Value;

use super::manifest::ValueInput;

/// One of the `convertTo*` actions, by key.
#[derive(Debug, Clone, Copy)]
pub struct Cast {
    /// Its action key.
    pub(super) key: &'static str,
}

#[async_trait::async_trait]
impl Action for Cast {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let value = ValueInput::from_inputs(&inputs)?.value;
        let out = match self.key {
            "convertToBoolean" => Value::Bool(to_bool(&value)),
            "convertToInt" => to_int(&value)?,
            "convertToNumber" => to_number(&value)?,
            _ => Value::String(to_text(&value)),
        };
        Ok(Data::Json(out))
    }
}

/// `t/true/y/yes` true, `f/false/n/no` false (any case); otherwise truthiness (`0`, `""` and
/// null are false).
pub fn to_bool(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) => match s.trim().to_lowercase().as_str() {
            "t" | "true" | "y" | "yes" => true,
            "f" | "false" | "n" | "no" | "" => false,
            _ => true,
        },
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::Null => false,
        Value::Array(_) | Value::Object(_) => true,
    }
}

fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn to_int(value: &Value) -> Result<Value, ActionError> {
    if let Value::Number(n) = value {
        if n.is_i64() || n.is_u64() {
            return Ok(value.clone());
        }
    }
    match value {
        Value::Bool(_) => None,
        other => number_of(other),
    }
    .map(f64::trunc)
    .filter(|f| f.abs() < 9.0e15)
    .map(|f| Value::from(f as i64))
    .ok_or_else(|| ActionError::input("value", "cannot be converted to an integer"))
}

fn to_number(value: &Value) -> Result<Value, ActionError> {
    if let Value::Number(_) = value {
        return Ok(value.clone());
    }
    number_of(value)
        .map(|f| {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Value::from(f as i64)
            } else {
                serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
        })
        .ok_or_else(|| ActionError::input("value", "cannot be converted to a number"))
}

fn to_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
