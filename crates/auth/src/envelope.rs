//! The standard HTTP response envelope `{ok, method, url, status, statusText, headers, body,
//! text, parseError}` that every HTTP-backed action returns (see `product.md`).
//!
//! [`from_response`] (async, reads the body) and [`Envelope::from_parts`] are the one way to
//! build it: `body` is set when the response body parsed as JSON, `text` when it did not, with
//! `parseError` saying what failed.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{describe, redact_url, AuthError};

/// The standard envelope of an HTTP answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// `true` for a 2xx status.
    pub ok: bool,
    /// The HTTP method (`GET`, `POST`, ...).
    pub method: String,
    /// The URL of the call.
    pub url: String,
    /// The status code.
    pub status: u16,
    /// The canonical reason phrase of the status.
    pub status_text: String,
    /// Response headers by lower-case name: a string, or an array when repeated.
    pub headers: Map<String, Value>,
    /// The parsed JSON body, when it parsed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The raw body text, when it did not parse as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Why the body did not parse: `{name, message, line, column}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<Value>,
}

/// Builds the envelope of a `reqwest` response, reading its body.
///
/// Fails only when the body cannot be read (the connection broke mid-answer).
pub async fn from_response(
    method: &Method,
    url: &str,
    response: reqwest::Response,
) -> Result<Envelope, AuthError> {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.map_err(|e| AuthError::Transport {
        method: method.to_string(),
        url: redact_url(url),
        reason: format!("reading the response body: {}", describe(&e)),
    })?;
    Ok(Envelope::from_parts(method, url, status, &headers, &bytes))
}

impl Envelope {
    /// Builds an envelope from the parts of an answer.
    pub fn from_parts(
        method: &Method,
        url: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Envelope {
        let (body, text, parse_error) = parse_body(body);
        Envelope {
            ok: status.is_success(),
            method: method.to_string(),
            url: url.to_string(),
            status: status.as_u16(),
            status_text: status.canonical_reason().unwrap_or("").to_string(),
            headers: header_map(headers),
            body,
            text,
            parse_error,
        }
    }

    /// `Ok(self)` for a 2xx answer, else `Err(self)`: the envelope is the error object.
    pub fn into_result(self) -> Result<Envelope, Box<Envelope>> {
        if self.ok {
            Ok(self)
        } else {
            Err(Box::new(self))
        }
    }

    /// The header's first value.
    pub fn header(&self, name: &str) -> Option<&str> {
        match self.headers.get(&name.to_ascii_lowercase())? {
            Value::String(s) => Some(s),
            Value::Array(a) => a.first().and_then(Value::as_str),
            _ => None,
        }
    }
}

fn header_map(headers: &HeaderMap) -> Map<String, Value> {
    let mut out = Map::new();
    for name in headers.keys() {
        let values: Vec<Value> = headers
            .get_all(name)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let value = if values.len() == 1 {
            values.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(values)
        };
        out.insert(name.as_str().to_string(), value);
    }
    out
}

fn parse_body(bytes: &[u8]) -> (Option<Value>, Option<String>, Option<Value>) {
    if bytes.is_empty() {
        return (None, Some(String::new()), None);
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => (Some(v), None, None),
        Err(e) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let err = serde_json::json!({
                "name": "JSONError",
                "message": e.to_string(),
                "line": e.line(),
                "column": e.column(),
            });
            (None, Some(text), Some(err))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, SET_COOKIE};

    #[test]
    fn json_body_parses() {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h.append(SET_COOKIE, HeaderValue::from_static("a=1"));
        h.append(SET_COOKIE, HeaderValue::from_static("b=2"));
        let e = Envelope::from_parts(
            &Method::GET,
            "http://x/pet/1",
            StatusCode::OK,
            &h,
            br#"{"id":1}"#,
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "ok": true, "method": "GET", "url": "http://x/pet/1", "status": 200,
                "statusText": "OK",
                "headers": {"content-type": "application/json", "set-cookie": ["a=1", "b=2"]},
                "body": {"id": 1}
            })
        );
    }

    #[test]
    fn html_body_is_text_with_parse_error() {
        let e = Envelope::from_parts(
            &Method::GET,
            "http://x/y",
            StatusCode::NOT_FOUND,
            &HeaderMap::new(),
            b"<html>nope</html>",
        );
        assert!(!e.ok);
        assert_eq!(e.status_text, "Not Found");
        assert_eq!(e.text.as_deref(), Some("<html>nope</html>"));
        assert!(e.body.is_none());
        let pe = e.parse_error.clone().unwrap();
        assert_eq!(pe["name"], "JSONError");
        assert!(e.into_result().is_err());
    }
}
