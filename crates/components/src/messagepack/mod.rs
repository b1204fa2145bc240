//! The `messagepack` component: Prismatic's MessagePack actions. `decodeMessage` reads one
//! MessagePack value (`rmpv`, nesting and size bounded) into JSON; `encodeMessage` writes a
//! JSON value as MessagePack (`rmp-serde`), a binary result.
//!
//! Decoding follows JavaScript's `@msgpack/msgpack` where JSON can hold the result: map keys
//! that are not strings become their text, binary strings lists of bytes, the timestamp
//! extension (-1) an RFC 3339 string, other extensions `{"type": n, "data": [bytes]}`.

mod manifest;

use std::sync::Arc;

use base64::Engine;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::Component;
use serde_json::{Map, Value};

use crate::util::MAX_TEXT_BYTES;
pub use manifest::spec;
use manifest::{DecodeInput, EncodeInput};

/// The component's key.
pub const KEY: &str = "messagepack";

/// The content type of `encodeMessage`'s result.
pub const CONTENT_TYPE: &str = "application/vnd.msgpack";

/// The deepest nesting decoded (in `rmpv`'s count, two a level for lists and maps).
const MAX_DEPTH: usize = 256;

/// The component: its spec and its actions.
pub fn component() -> Component {
    crate::assemble(spec(), actions())
}

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    vec![
        ("decodeMessage", Arc::new(Decode) as Arc<dyn Action>),
        ("encodeMessage", Arc::new(Encode)),
    ]
}

/// `decodeMessage`.
#[derive(Debug, Clone, Copy)]
pub struct Decode;

/// `encodeMessage`.
#[derive(Debug, Clone, Copy)]
pub struct Encode;

/// The bytes of the `message` input: binary data, a list of bytes, a Node.js `Buffer` as JSON
/// (`{"type": "Buffer", "data": [..]}`) or base64 text.
fn message_bytes(data: Data) -> Result<Vec<u8>, ActionError> {
    let key = "message";
    let bytes_of = |items: &[Value]| -> Result<Vec<u8>, ActionError> {
        items
            .iter()
            .map(|b| {
                b.as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| {
                        ActionError::input(key, "holds a list that is not of bytes (0 to 255)")
                    })
            })
            .collect()
    };
    let bytes = match data {
        Data::Binary { bytes, .. } => bytes,
        Data::Json(Value::Array(items)) => bytes_of(&items)?,
        Data::Json(Value::Object(map)) if map.get("type") == Some(&Value::from("Buffer")) => {
            match map.get("data") {
                Some(Value::Array(items)) => bytes_of(items)?,
                _ => return Err(ActionError::input(key, "is a Buffer without a `data` list")),
            }
        }
        Data::Json(Value::String(text)) => base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| ActionError::input(key, "is text that is not base64"))?,
        Data::Json(_) => {
            return Err(ActionError::input(
                key,
                "must be binary data (a step result), a list of bytes or base64 text",
            ))
        }
    };
    if bytes.len() > MAX_TEXT_BYTES {
        return Err(ActionError::input(
            key,
            format!("is {} bytes; the limit is {MAX_TEXT_BYTES}", bytes.len()),
        ));
    }
    Ok(bytes)
}

/// A decoded MessagePack value as JSON (see the module docs).
fn to_json(value: rmpv::Value) -> Value {
    use rmpv::Value as M;
    match value {
        M::Nil => Value::Null,
        M::Boolean(b) => Value::Bool(b),
        M::Integer(i) => match (i.as_i64(), i.as_u64()) {
            (Some(n), _) => Value::from(n),
            (None, Some(n)) => Value::from(n),
            _ => i.as_f64().map_or(Value::Null, Value::from),
        },
        M::F32(f) => serde_json::Number::from_f64(f64::from(f)).map_or(Value::Null, Value::Number),
        M::F64(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        M::String(s) => match s.into_str() {
            Some(s) => Value::String(s),
            None => Value::Null,
        },
        M::Binary(bytes) => Value::Array(bytes.into_iter().map(Value::from).collect()),
        M::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        M::Map(pairs) => {
            let mut map = Map::new();
            for (k, v) in pairs {
                let key = match to_json(k) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                map.insert(key, to_json(v));
            }
            Value::Object(map)
        }
        M::Ext(-1, data) => timestamp(&data).unwrap_or_else(|| ext(-1, data)),
        M::Ext(kind, data) => ext(kind, data),
    }
}

fn ext(kind: i8, data: Vec<u8>) -> Value {
    serde_json::json!({"type": kind, "data": data})
}

/// The MessagePack timestamp extension (4, 8 or 12 bytes) as RFC 3339 text.
fn timestamp(data: &[u8]) -> Option<Value> {
    let (seconds, nanos) = match data.len() {
        4 => (i64::from(u32::from_be_bytes(data.try_into().ok()?)), 0),
        8 => {
            let n = u64::from_be_bytes(data.try_into().ok()?);
            ((n & 0x3_ffff_ffff) as i64, (n >> 34) as u32)
        }
        12 => (
            i64::from_be_bytes(data[4..12].try_into().ok()?),
            u32::from_be_bytes(data[0..4].try_into().ok()?),
        ),
        _ => return None,
    };
    let at = chrono::DateTime::from_timestamp(seconds, nanos)?;
    Some(Value::String(
        at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    ))
}

#[async_trait::async_trait]
impl Action for Decode {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let bytes = message_bytes(DecodeInput::from_inputs(&inputs)?.message.0)?;
        let mut reader = bytes.as_slice();
        let value = rmpv::decode::read_value_with_max_depth(&mut reader, MAX_DEPTH)
            .map_err(|e| ActionError::input("message", format!("is not MessagePack: {e}")))?;
        if !reader.is_empty() {
            return Err(ActionError::input(
                "message",
                format!("has {} bytes after its value", reader.len()),
            ));
        }
        Ok(Data::Json(to_json(value)))
    }
}

#[async_trait::async_trait]
impl Action for Encode {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let value = EncodeInput::from_inputs(&inputs)?.data;
        let bytes = rmp_serde::to_vec(&value)
            .map_err(|e| ActionError::failed(format!("encoding MessagePack: {e}")))?;
        Ok(Data::Binary {
            bytes,
            content_type: CONTENT_TYPE.to_string(),
        })
    }
}

#[cfg(test)]
mod tests;
