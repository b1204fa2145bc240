//! Small helpers shared by the components: input types of their typed input structs (`Count`,
//! `KeyValues`, `Encoded`) and the readers behind them.

use plumb_core::action::{ActionError, Inputs};
use serde_json::Value;

/// A non-negative integer input with a default; negative or fractional values are rejected.
pub(crate) fn count(inputs: &Inputs, key: &str, default: u64) -> Result<u64, ActionError> {
    match inputs.json(key) {
        None => Ok(default),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(default),
        Some(_) => match inputs.number(key) {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= u64::MAX as f64 => Ok(n as u64),
            _ => Err(ActionError::input(
                key,
                "must be a non-negative whole number",
            )),
        },
    }
}

/// A JSON input that may arrive as a JSON-encoded string (`"{\"a\":1}"`).
pub(crate) fn json_or_encoded(inputs: &Inputs, key: &str) -> Result<Option<Value>, ActionError> {
    match inputs.json(key) {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => serde_json::from_str(s)
            .map(Some)
            .map_err(|e| ActionError::input(key, format!("is not valid JSON: {e}"))),
        Some(v) => Ok(Some(v.clone())),
    }
}

/// Key/value pairs from a list of `{key, value}` (or `{name, value}`) entries or an object.
/// Values that are not strings are given as their JSON text.
pub(crate) fn key_values(inputs: &Inputs, key: &str) -> Result<Vec<(String, String)>, ActionError> {
    match json_or_encoded(inputs, key)? {
        Some(value) => pairs(value, key),
        None => Ok(Vec::new()),
    }
}

/// Key/value pairs of a JSON value given as input `key` (see [`key_values`]).
pub(crate) fn pairs(value: Value, key: &str) -> Result<Vec<(String, String)>, ActionError> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match value {
        Value::Object(map) => Ok(map.iter().map(|(k, v)| (k.clone(), text(v))).collect()),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                let k = item
                    .get("key")
                    .or_else(|| item.get("name"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| ActionError::input(key, "entries need a string `key`"))?;
                let v = item.get("value").map(text).unwrap_or_default();
                Ok((k.to_string(), v))
            })
            .collect(),
        _ => Err(ActionError::input(
            key,
            "must be a list of {key, value} or an object",
        )),
    }
}

/// Key/value pairs of a JSON value given as input `key`, values kept as JSON (Prismatic's
/// `keyValPairListToObject`): a list of `{key, value}` (or `{name, value}`), an object, or
/// either as JSON text; a later key wins.
pub(crate) fn pairs_json(
    value: Value,
    key: &str,
) -> Result<serde_json::Map<String, Value>, ActionError> {
    match value {
        Value::String(s) if s.trim().is_empty() => Ok(serde_json::Map::new()),
        Value::String(s) => {
            let parsed = serde_json::from_str(&s)
                .map_err(|e| ActionError::input(key, format!("is not valid JSON: {e}")))?;
            pairs_json(parsed, key)
        }
        Value::Object(map) => Ok(map),
        Value::Array(items) => items
            .into_iter()
            .map(|item| {
                let k = item
                    .get("key")
                    .or_else(|| item.get("name"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| ActionError::input(key, "entries need a string `key`"))?
                    .to_string();
                Ok((k, item.get("value").cloned().unwrap_or(Value::Null)))
            })
            .collect(),
        _ => Err(ActionError::input(
            key,
            "must be a list of {key, value} or an object",
        )),
    }
}

/// A non-negative whole-number input (`None` when not given), for typed input structs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count(pub Option<u64>);

impl Count {
    /// The value, or `default` when not given.
    pub fn or(self, default: u64) -> u64 {
        self.0.unwrap_or(default)
    }
}

impl plumb_core::component::FromInput for Count {
    const REQUIRED: bool = false;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        match inputs.json(key) {
            None => Ok(Count(None)),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(Count(None)),
            Some(_) => count(inputs, key, 0).map(|n| Count(Some(n))),
        }
    }
}

/// Key/value pairs from a list of `{key, value}` entries or an object (see [`key_values`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyValues(pub Vec<(String, String)>);

impl plumb_core::component::FromInput for KeyValues {
    const REQUIRED: bool = false;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        key_values(inputs, key).map(KeyValues)
    }
}

/// A JSON input that may arrive as a JSON-encoded string (see [`json_or_encoded`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Encoded(pub Option<Value>);

impl plumb_core::component::FromInput for Encoded {
    const REQUIRED: bool = false;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        json_or_encoded(inputs, key).map(Encoded)
    }
}

/// The most bytes of text a format-parsing action reads from one input (16 MiB).
pub(crate) const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// A required input of any data, JSON or binary, as given (for inputs Prismatic calls `data`).
#[derive(Debug, Clone, PartialEq)]
pub struct Payload(pub plumb_core::action::Data);

impl plumb_core::component::FromInput for Payload {
    const REQUIRED: bool = true;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        <Option<plumb_core::action::Data> as plumb_core::component::FromInput>::from_input(
            inputs, key,
        )?
        .map(Payload)
        .ok_or_else(|| ActionError::input(key, "is required"))
    }
}

impl Payload {
    /// The data as text: a JSON string as it is, binary data as UTF-8; at most
    /// [`MAX_TEXT_BYTES`]. Other JSON values are an error naming input `key`.
    pub(crate) fn text(&self, key: &str) -> Result<&str, ActionError> {
        let text = match &self.0 {
            plumb_core::action::Data::Json(Value::String(s)) => s.as_str(),
            plumb_core::action::Data::Binary { bytes, .. } => std::str::from_utf8(bytes)
                .map_err(|_| ActionError::input(key, "is binary data that is not UTF-8 text"))?,
            plumb_core::action::Data::Json(_) => {
                return Err(ActionError::input(
                    key,
                    "must be text (a string or binary data), not a JSON value",
                ))
            }
        };
        if text.len() > MAX_TEXT_BYTES {
            return Err(ActionError::input(
                key,
                format!("is {} bytes; the limit is {MAX_TEXT_BYTES}", text.len()),
            ));
        }
        Ok(text)
    }
}

/// What a [`Pure`] action computes: the step's inputs → its result's JSON.
pub(crate) type PureFn = fn(&plumb_core::action::Inputs) -> Result<Value, ActionError>;

/// An action that only computes from its inputs (no IO, no clock): math, text, hashes.
pub(crate) struct Pure(pub PureFn);

#[async_trait::async_trait]
impl plumb_core::action::Action for Pure {
    async fn run(
        &self,
        _ctx: &plumb_core::action::ActionContext,
        inputs: Inputs,
    ) -> Result<plumb_core::action::Data, ActionError> {
        (self.0)(&inputs).map(plumb_core::action::Data::Json)
    }
}

/// The largest integer a JSON number holds exactly as a JavaScript number does (2^53).
const EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// A computed number as JSON: whole numbers as integers (`3`, not `3.0`, as JavaScript prints
/// them), `None` when it is not finite (JSON has no NaN or Infinity).
pub(crate) fn number_value(x: f64) -> Option<Value> {
    if !x.is_finite() {
        None
    } else if x.fract() == 0.0 && x.abs() <= EXACT_INTEGER {
        Some(Value::from(x as i64))
    } else {
        serde_json::Number::from_f64(x).map(Value::Number)
    }
}

/// A required text input that may be empty (`""` is a valid text to upper-case); values that
/// are not strings are taken as their JSON text. Absent or null is an error naming the input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl plumb_core::component::FromInput for Text {
    const REQUIRED: bool = true;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        match inputs.json(key) {
            None => Err(ActionError::input(key, "is required")),
            Some(Value::String(s)) => Ok(Text(s.clone())),
            Some(other) => Ok(Text(other.to_string())),
        }
    }
}

/// A required input read as bytes: binary data as given, text as UTF-8, other JSON as its
/// text. Absent or null is an error naming the input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextOrBytes(pub Vec<u8>);

impl plumb_core::component::FromInput for TextOrBytes {
    const REQUIRED: bool = true;
    fn from_input(inputs: &Inputs, key: &str) -> Result<Self, ActionError> {
        match inputs.get(key) {
            Some(plumb_core::action::InputValue::Data(plumb_core::action::Data::Binary {
                bytes,
                ..
            })) => Ok(TextOrBytes(bytes.clone())),
            _ => Text::from_input(inputs, key).map(|t| TextOrBytes(t.0.into_bytes())),
        }
    }
}
