//! What each math action computes. Inputs take numbers or numeric strings; a list takes a JSON
//! array (or its JSON text) of them. A result that is not a finite number (division by zero,
//! the square root of a negative number) is an error naming the input, since JSON has no NaN.

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use rand::Rng;
use serde_json::Value;

use super::manifest::{
    ExponentInput, ExpressionInput, ExtremeInputs, LogInputs, NumberInput, NumbersInput, PowInputs,
    RangeInputs,
};
use crate::util::number_value;

/// The most numbers one list input may hold.
pub(crate) const MAX_NUMBERS: usize = 10_000;

/// How a list of numbers folds into one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fold {
    Add,
    Subtract,
    Multiply,
    Divide,
    Hypot,
}

/// What a math action computes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Op {
    /// A function of the `number` input.
    Unary(fn(f64) -> f64),
    /// `exp`: e to the `exponent` input.
    Exp,
    /// A fold of the `numbers` list.
    Fold(Fold),
    /// `max` (true) or `min` (false) of `numbers` or `dynamicNumbers`.
    Extreme(bool),
    /// `log`: logarithm of `number` in `base`.
    Log,
    /// `pow`: `base` to the `exponent`.
    Pow,
    /// `random` (false) or `randomInt` (true) between `min` and `max`.
    Random(bool),
    /// `evaluate`: an arithmetic `expression`.
    Evaluate,
}

/// One math action.
pub(crate) struct Math(pub Op);

#[async_trait::async_trait]
impl Action for Math {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        compute(self.0, &inputs).map(Data::Json)
    }
}

/// The action's result for `inputs`.
pub(crate) fn compute(op: Op, inputs: &Inputs) -> Result<Value, ActionError> {
    let (x, input) = match op {
        Op::Unary(f) => (f(NumberInput::from_inputs(inputs)?.number), "number"),
        Op::Exp => (
            ExponentInput::from_inputs(inputs)?.exponent.exp(),
            "exponent",
        ),
        Op::Fold(fold) => {
            let list = numbers(&NumbersInput::from_inputs(inputs)?.numbers, "numbers")?;
            (fold_numbers(fold, &list), "numbers")
        }
        Op::Extreme(max) => {
            let i = ExtremeInputs::from_inputs(inputs)?;
            let (list, key) = match (&i.dynamicNumbers, &i.numbers) {
                (Some(dynamic), _) => (numbers(dynamic, "dynamicNumbers")?, "dynamicNumbers"),
                (None, Some(list)) => (numbers(list, "numbers")?, "numbers"),
                (None, None) => return Err(ActionError::input("numbers", "is required")),
            };
            let pick = if max { f64::max } else { f64::min };
            let first = list.first().copied().unwrap_or(f64::NAN);
            (list.iter().copied().fold(first, pick), key)
        }
        Op::Log => {
            let i = LogInputs::from_inputs(inputs)?;
            if i.base <= 0.0 || i.base == 1.0 {
                return Err(ActionError::input(
                    "base",
                    "must be a positive number other than 1",
                ));
            }
            (i.number.ln() / i.base.ln(), "number")
        }
        Op::Pow => {
            let i = PowInputs::from_inputs(inputs)?;
            (i.base.powf(i.exponent), "base")
        }
        Op::Random(integer) => return random(integer, inputs),
        Op::Evaluate => {
            let text = ExpressionInput::from_inputs(inputs)?.expression;
            let x = super::expr::evaluate(&text)
                .map_err(|e| ActionError::input("expression", e.to_string()))?;
            (x, "expression")
        }
    };
    finite(x, input)
}

/// `x` as JSON, or an error naming `input` when it is not a finite number.
fn finite(x: f64, input: &str) -> Result<Value, ActionError> {
    number_value(x).ok_or_else(|| {
        ActionError::input(
            input,
            "gives no finite number (division by zero or a value outside the function's domain)",
        )
    })
}

fn fold_numbers(fold: Fold, list: &[f64]) -> f64 {
    let Some((&first, rest)) = list.split_first() else {
        return f64::NAN;
    };
    match fold {
        Fold::Add => rest.iter().fold(first, |a, b| a + b),
        Fold::Subtract => rest.iter().fold(first, |a, b| a - b),
        Fold::Multiply => rest.iter().fold(first, |a, b| a * b),
        Fold::Divide => rest.iter().fold(first, |a, b| a / b),
        Fold::Hypot => list.iter().fold(0.0, |a, b| a.hypot(*b)),
    }
}

fn random(integer: bool, inputs: &Inputs) -> Result<Value, ActionError> {
    let RangeInputs { min, max } = RangeInputs::from_inputs(inputs)?;
    if min > max {
        return Err(ActionError::input("max", "must not be less than min"));
    }
    let mut rng = rand::rng();
    if integer {
        let (lo, hi) = (min.ceil(), max.floor());
        if lo > hi {
            return Err(ActionError::input(
                "max",
                "no integer lies between min and max",
            ));
        }
        if lo.abs() > 9e15 || hi.abs() > 9e15 {
            return Err(ActionError::input("max", "min and max must be below 2^53"));
        }
        Ok(Value::from(rng.random_range(lo as i64..=hi as i64)))
    } else if min == max {
        finite(min, "min")
    } else {
        finite(rng.random_range(min..max), "max")
    }
}

/// The numbers of a list input: a JSON array of numbers or numeric strings, the JSON text of
/// one, or a single number.
pub(crate) fn numbers(value: &Value, key: &str) -> Result<Vec<f64>, ActionError> {
    let items = match value {
        Value::Array(items) => items.clone(),
        Value::String(s) if s.trim_start().starts_with('[') => {
            match serde_json::from_str::<Value>(s) {
                Ok(Value::Array(items)) => items,
                _ => return Err(ActionError::input(key, "is not a JSON list of numbers")),
            }
        }
        single => vec![single.clone()],
    };
    if items.len() > MAX_NUMBERS {
        return Err(ActionError::input(
            key,
            format!(
                "holds {} numbers; at most {MAX_NUMBERS} are allowed",
                items.len()
            ),
        ));
    }
    if items.is_empty() {
        return Err(ActionError::input(key, "needs at least one number"));
    }
    items
        .iter()
        .enumerate()
        .map(|(n, item)| {
            let parsed = match item {
                Value::Number(x) => x.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            parsed.ok_or_else(|| ActionError::input(key, format!("item {n} is not a number")))
        })
        .collect()
}

/// JavaScript's `Math.round`: halves round up (towards +∞), so `-2.5` → `-2`.
pub(crate) fn js_round(x: f64) -> f64 {
    let floor = x.floor();
    if x - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    }
}

/// JavaScript's `Math.fround`: the nearest single-precision value.
pub(crate) fn fround(x: f64) -> f64 {
    f64::from(x as f32)
}
