//! The standard HTTP response envelope:
//! `{ok, method, url, status, statusText, headers, body, text, parseError}`.

use base64::Engine as _;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Map, Value};

/// A response read in full.
pub(crate) struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body.
    pub bytes: Vec<u8>,
}

impl Answer {
    /// The response's content type, or `application/octet-stream`.
    pub fn content_type(&self) -> String {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .unwrap_or("application/octet-stream")
            .to_string()
    }
}

/// Builds the envelope. `body` is the parsed JSON when the body parses, `text` the body when it
/// does not (with `parseError` saying why); an empty body gives `body: null, text: ""`. With
/// `binary`, the body is `{contentType, base64}` and is not parsed.
pub(crate) fn envelope(method: &Method, url: &str, answer: &Answer, binary: bool) -> Value {
    let mut headers = Map::new();
    for name in answer.headers.keys() {
        let values: Vec<&str> = answer
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        headers.insert(name.as_str().to_string(), Value::String(values.join(", ")));
    }
    let (body, text, parse_error) = if binary {
        let encoded = base64::engine::general_purpose::STANDARD.encode(&answer.bytes);
        (
            json!({"contentType": answer.content_type(), "base64": encoded}),
            Value::Null,
            Value::Null,
        )
    } else if answer.bytes.is_empty() {
        (Value::Null, json!(""), Value::Null)
    } else {
        match serde_json::from_slice::<Value>(&answer.bytes) {
            Ok(parsed) => (parsed, Value::Null, Value::Null),
            Err(e) => (
                Value::Null,
                Value::String(String::from_utf8_lossy(&answer.bytes).into_owned()),
                Value::String(e.to_string()),
            ),
        }
    };
    json!({
        "ok": answer.status.is_success(),
        "method": method.as_str(),
        "url": url,
        "status": answer.status.as_u16(),
        "statusText": answer.status.canonical_reason().unwrap_or(""),
        "headers": headers,
        "body": body,
        "text": text,
        "parseError": parse_error,
    })
}
