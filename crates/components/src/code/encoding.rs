//! Moving values between Rust and JavaScript: JSON through `JSON.parse`/`JSON.stringify`,
//! binary data as `Buffer` (a `Uint8Array` with a `contentType` property), and the text
//! encodings `Buffer.from` / `toString` support (utf8, base64, hex, latin1).

use base64::Engine as _;
use plumb_core::action::Data;
use rquickjs::{Ctx, Exception, Object, TypedArray, Value};

/// The content type of binary data without one.
const OCTET_STREAM: &str = "application/octet-stream";

/// Rust data → a JavaScript value (binary data becomes a `Uint8Array` with `contentType`; the
/// prelude turns it into a `Buffer` lazily via `Buffer.wrap`, so here it stays a plain array).
pub(crate) fn from_data<'js>(ctx: &Ctx<'js>, data: &Data) -> rquickjs::Result<Value<'js>> {
    match data {
        Data::Json(value) => ctx.json_parse(value.to_string()),
        Data::Binary {
            bytes,
            content_type,
        } => {
            let array = TypedArray::<u8>::new_copy(ctx.clone(), bytes)?;
            array.set("contentType", content_type.as_str())?;
            Ok(array.into_value())
        }
    }
}

/// A JavaScript value → Rust data. Uint8Array (Buffer) and ArrayBuffer become binary with the
/// given content type, the array's own `contentType`, or `application/octet-stream`.
pub(crate) fn to_data<'js>(
    ctx: &Ctx<'js>,
    value: Value<'js>,
    content_type: Option<String>,
) -> rquickjs::Result<Data> {
    if let Some(obj) = value.as_object() {
        if let Some(bytes) = bytes_of(obj) {
            let own: Option<String> = obj.get("contentType").ok().flatten();
            let content_type = content_type
                .or(own)
                .unwrap_or_else(|| OCTET_STREAM.to_string());
            return Ok(Data::Binary {
                bytes,
                content_type,
            });
        }
    }
    if value.is_undefined() {
        return Ok(Data::Json(serde_json::Value::Null));
    }
    let Some(text) = ctx.json_stringify(value)? else {
        return Ok(Data::Json(serde_json::Value::Null));
    };
    let text = text.to_string()?;
    serde_json::from_str(&text)
        .map(Data::Json)
        .map_err(|e| Exception::throw_type(ctx, &format!("result is not JSON: {e}")))
}

/// The bytes of a Uint8Array (or subclass) or ArrayBuffer, copied.
fn bytes_of(obj: &Object<'_>) -> Option<Vec<u8>> {
    if let Some(array) = obj.as_typed_array::<u8>() {
        // SAFETY: the slice is copied at once, while no JavaScript runs that could detach or
        // resize the buffer.
        return unsafe { array.as_bytes() }.map(<[u8]>::to_vec);
    }
    if !is_array_buffer(obj) {
        return None;
    }
    // SAFETY: as above.
    obj.as_array_buffer()
        .and_then(|buffer| unsafe { buffer.as_bytes() })
        .map(<[u8]>::to_vec)
}

/// Whether `obj` is an ArrayBuffer. rquickjs's `as_array_buffer` asks QuickJS for the buffer,
/// which throws "not an ArrayBuffer" for anything else and leaves that exception pending on the
/// runtime; this drops it.
pub(crate) fn is_array_buffer(obj: &Object<'_>) -> bool {
    if obj.as_array_buffer().is_some() {
        return true;
    }
    let ctx = obj.ctx();
    if ctx.has_exception() {
        drop(ctx.catch());
    }
    false
}

/// A short text for any thrown value.
pub(crate) fn show<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> String {
    if let Some(s) = value.as_string().and_then(|s| s.to_string().ok()) {
        return s;
    }
    ctx.json_stringify(value.clone())
        .ok()
        .flatten()
        .and_then(|s| s.to_string().ok())
        .unwrap_or_else(|| format!("{:?}", value.type_of()))
}

/// `Buffer.from(string, encoding)`.
pub(crate) fn encode<'js>(
    ctx: Ctx<'js>,
    text: String,
    encoding: String,
) -> rquickjs::Result<TypedArray<'js, u8>> {
    let bytes = match encoding.to_ascii_lowercase().as_str() {
        "utf8" | "utf-8" => text.into_bytes(),
        "base64" | "base64url" => {
            let cleaned: String = text
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '=')
                .map(|c| match c {
                    '-' => '+',
                    '_' => '/',
                    c => c,
                })
                .collect();
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(cleaned)
                .map_err(|e| Exception::throw_type(&ctx, &format!("invalid base64: {e}")))?
        }
        "hex" => {
            hex_decode(&text).ok_or_else(|| Exception::throw_type(&ctx, "invalid hex string"))?
        }
        "latin1" | "binary" | "ascii" => text.chars().map(|c| c as u32 as u8).collect(),
        other => {
            return Err(Exception::throw_type(
                &ctx,
                &format!("unknown encoding {other}"),
            ))
        }
    };
    TypedArray::new(ctx, bytes)
}

/// `buffer.toString(encoding)`.
pub(crate) fn decode<'js>(
    ctx: Ctx<'js>,
    bytes: TypedArray<'js, u8>,
    encoding: String,
) -> rquickjs::Result<String> {
    // SAFETY: copied at once while no JavaScript runs.
    let bytes = unsafe { bytes.as_bytes() }.unwrap_or_default().to_vec();
    Ok(match encoding.to_ascii_lowercase().as_str() {
        "utf8" | "utf-8" => String::from_utf8_lossy(&bytes).into_owned(),
        "base64" => base64::engine::general_purpose::STANDARD.encode(&bytes),
        "base64url" => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes),
        "hex" => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        "latin1" | "binary" | "ascii" => bytes.iter().map(|&b| b as char).collect(),
        other => {
            return Err(Exception::throw_type(
                &ctx,
                &format!("unknown encoding {other}"),
            ))
        }
    })
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
