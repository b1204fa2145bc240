//! A call of an operation, prepared from its inputs: inputs checked against the operation's
//! JSON Schemas (strings coerced where the schema wants a number or boolean, as a flow step's
//! inputs are text), the path filled in, query, headers, cookies and the body laid out for its
//! media type. No IO: the runtime sends what [`CompiledOperation::prepare`] answers.

use serde_json::{Map, Value};

use crate::model::{Location, Operation};
use crate::spec::{input_key, BODY_INPUT, CONTENT_TYPE_INPUT, INTEGRATION_INPUT};

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The field name.
    pub name: String,
    /// The file name, for a file part.
    pub filename: Option<String>,
    /// The part's content type.
    pub content_type: Option<String>,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// A request body laid out for its media type.
#[derive(Debug, Clone, PartialEq)]
pub enum PreparedBody {
    /// `application/json` (or `+json`).
    Json(Value),
    /// `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
    /// `multipart/form-data`.
    Multipart(Vec<Part>),
    /// Anything else: the bytes as given, with their content type.
    Raw {
        /// The media type.
        content_type: String,
        /// The bytes.
        bytes: Vec<u8>,
    },
}

/// What to send: the method, the path with its parameters filled in, query, headers, cookies
/// and body.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedCall {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, parameters percent-encoded.
    pub path: String,
    /// Query parameters, in order (an array parameter repeats its name).
    pub query: Vec<(String, String)>,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Cookies, in order.
    pub cookies: Vec<(String, String)>,
    /// The body.
    pub body: Option<PreparedBody>,
}

struct Checked {
    key: String,
    validator: Option<jsonschema::Validator>,
}

/// An operation with its inputs' validators compiled once.
pub struct CompiledOperation {
    /// The operation.
    pub operation: Operation,
    params: Vec<Checked>,
    bodies: Vec<Option<jsonschema::Validator>>,
}

impl std::fmt::Debug for CompiledOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledOperation")
            .field("key", &self.operation.key)
            .finish_non_exhaustive()
    }
}

fn compile(schema: &Value) -> Option<jsonschema::Validator> {
    // A schema the validator cannot read is not checked (the server still is).
    match schema {
        Value::Object(m) if m.is_empty() => None,
        _ => jsonschema::validator_for(schema).ok(),
    }
}

fn is_json(content_type: &str) -> bool {
    let base = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    base == "application/json" || base.ends_with("+json")
}

/// A string coerced to what `schema`'s `type` asks (a step's inputs are text).
fn coerce(value: Value, schema: &Value) -> Value {
    let Value::String(text) = &value else {
        return value;
    };
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => text.trim().parse::<i64>().map(Value::from).unwrap_or(value),
        Some("number") => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
            .unwrap_or(value),
        Some("boolean") => match text.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => value,
        },
        Some("array" | "object") => serde_json::from_str::<Value>(text)
            .ok()
            .filter(|v| v.is_array() || v.is_object())
            .unwrap_or(value),
        _ => value,
    }
}

fn errors_of(validator: &jsonschema::Validator, value: &Value, label: &str) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() {
                format!("{label}: {e}")
            } else {
                format!("{label} at {at}: {e}")
            }
        })
        .collect()
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters kept).
pub fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The text of a scalar input (strings as they are, others as JSON).
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn form_pairs(value: &Value) -> Vec<(String, String)> {
    match value {
        Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| match v {
                Value::Array(items) => items
                    .iter()
                    .map(|i| (k.clone(), scalar_text(i)))
                    .collect::<Vec<_>>(),
                Value::Null => Vec::new(),
                other => vec![(k.clone(), scalar_text(other))],
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = TABLE.iter().position(|t| *t == c)?;
        buf = (buf << 6) | u32::try_from(v).ok()?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buf >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

fn is_file(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.contains_key("filename") && (o.contains_key("base64") || o.contains_key("text"))
    })
}

fn files_as_strings(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_file(v) {
                        Value::String(String::new())
                    } else {
                        v.clone()
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Multipart parts of an object: a file is `{filename, contentType?, base64 | text}`.
fn parts(value: &Value) -> Result<Vec<Part>, String> {
    let Value::Object(map) = value else {
        return Err("body: a multipart body is an object of its fields".into());
    };
    let mut out = Vec::new();
    for (name, v) in map {
        let file = v.as_object().filter(|_| is_file(v));
        let part = match file {
            Some(o) => {
                let data = match (o.get("base64"), o.get("text")) {
                    (Some(Value::String(b)), _) => base64_decode(b)
                        .ok_or_else(|| format!("body.{name}.base64: not valid base64"))?,
                    (_, Some(Value::String(t))) => t.as_bytes().to_vec(),
                    _ => return Err(format!("body.{name}: `base64` or `text` is a string")),
                };
                Part {
                    name: name.clone(),
                    filename: o
                        .get("filename")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    content_type: Some(
                        o.get("contentType")
                            .and_then(Value::as_str)
                            .unwrap_or("application/octet-stream")
                            .to_string(),
                    ),
                    data,
                }
            }
            None => Part {
                name: name.clone(),
                filename: None,
                content_type: match v {
                    Value::Object(_) | Value::Array(_) => Some("application/json".into()),
                    _ => None,
                },
                data: scalar_text(v).into_bytes(),
            },
        };
        out.push(part);
    }
    Ok(out)
}

impl CompiledOperation {
    /// Compiles the validators of `operation`'s inputs.
    pub fn new(operation: Operation) -> CompiledOperation {
        let params = (0..operation.parameters.len())
            .map(|i| Checked {
                key: input_key(&operation, i),
                validator: compile(&operation.parameters[i].schema),
            })
            .collect();
        let bodies = operation
            .body
            .iter()
            .flat_map(|b| b.content.iter())
            .map(|m| {
                if is_json(&m.content_type) || m.content_type.contains("form") {
                    compile(&m.schema)
                } else {
                    None
                }
            })
            .collect();
        CompiledOperation {
            operation,
            params,
            bodies,
        }
    }

    /// The input keys this operation takes.
    pub fn input_keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.params.iter().map(|c| c.key.as_str()).collect();
        if let Some(body) = &self.operation.body {
            keys.push(BODY_INPUT);
            if body.content.len() > 1 {
                keys.push(CONTENT_TYPE_INPUT);
            }
        }
        keys
    }

    /// Checks `inputs` and lays out the request; every problem at once, each naming its input.
    /// Null inputs count as not given.
    pub fn prepare(&self, inputs: &Map<String, Value>) -> Result<PreparedCall, Vec<String>> {
        let op = &self.operation;
        let mut problems = Vec::new();
        let known = self.input_keys();
        for key in inputs.keys() {
            if key != INTEGRATION_INPUT && !known.contains(&key.as_str()) {
                problems.push(format!(
                    "unknown input `{key}`: {} takes {}",
                    op.key,
                    if known.is_empty() {
                        "no input".to_string()
                    } else {
                        known.join(", ")
                    }
                ));
            }
        }
        let mut call = PreparedCall {
            method: op.method.clone(),
            path: op.path.clone(),
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: None,
        };
        for (param, checked) in op.parameters.iter().zip(&self.params) {
            let given = inputs.get(&checked.key).filter(|v| !v.is_null());
            let Some(raw) = given else {
                if param.required {
                    problems.push(format!(
                        "input `{}` is required ({} parameter)",
                        checked.key,
                        param.location.as_str()
                    ));
                }
                continue;
            };
            let value = coerce(raw.clone(), &param.schema);
            if let Some(v) = &checked.validator {
                let found = errors_of(v, &value, &format!("input `{}`", checked.key));
                if !found.is_empty() {
                    problems.extend(found);
                    continue;
                }
            }
            match param.location {
                Location::Path => {
                    let text = match &value {
                        Value::Array(items) => {
                            items.iter().map(scalar_text).collect::<Vec<_>>().join(",")
                        }
                        other => scalar_text(other),
                    };
                    call.path = call
                        .path
                        .replace(&format!("{{{}}}", param.name), &encode_segment(&text));
                }
                Location::Query => match &value {
                    Value::Array(items) => call
                        .query
                        .extend(items.iter().map(|i| (param.name.clone(), scalar_text(i)))),
                    other => call.query.push((param.name.clone(), scalar_text(other))),
                },
                Location::Header => {
                    let text = match &value {
                        Value::Array(items) => {
                            items.iter().map(scalar_text).collect::<Vec<_>>().join(",")
                        }
                        other => scalar_text(other),
                    };
                    call.headers.push((param.name.clone(), text));
                }
                Location::Cookie => call.cookies.push((param.name.clone(), scalar_text(&value))),
            }
        }
        if let Some(body) = &op.body {
            let given = inputs.get(BODY_INPUT).filter(|v| !v.is_null());
            let wanted = inputs.get(CONTENT_TYPE_INPUT).and_then(Value::as_str);
            let index = match wanted {
                None => Some(0),
                Some(t) => body.content.iter().position(|m| m.content_type == t),
            };
            match (given, index) {
                (_, None) => problems.push(format!(
                    "input `{CONTENT_TYPE_INPUT}`: `{}` is not one of {}",
                    wanted.unwrap_or(""),
                    body.content
                        .iter()
                        .map(|m| m.content_type.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                (None, _) => {
                    if body.required {
                        problems.push(format!("input `{BODY_INPUT}` is required"));
                    }
                }
                (Some(raw), Some(i)) => match body.content.get(i) {
                    None => {
                        // A body without media types: sent as JSON.
                        call.body = Some(PreparedBody::Json(raw.clone()));
                    }
                    Some(media) => {
                        let ct = media.content_type.clone();
                        let value = if is_json(&ct) || ct.contains("form") {
                            coerce(raw.clone(), &serde_json::json!({"type": "object"}))
                        } else {
                            raw.clone()
                        };
                        let value = if is_json(&ct) {
                            coerce(value, &media.schema)
                        } else {
                            value
                        };
                        // A file of a multipart body is checked as the string its schema
                        // describes (`format: binary`).
                        let checked_value = if ct.starts_with("multipart/") {
                            files_as_strings(&value)
                        } else {
                            value.clone()
                        };
                        let found = self
                            .bodies
                            .get(i)
                            .and_then(Option::as_ref)
                            .map(|v| errors_of(v, &checked_value, &format!("input `{BODY_INPUT}`")))
                            .unwrap_or_default();
                        if !found.is_empty() {
                            problems.extend(found);
                        } else if is_json(&ct) {
                            call.body = Some(PreparedBody::Json(value));
                        } else if ct.starts_with("application/x-www-form-urlencoded") {
                            call.body = Some(PreparedBody::Form(form_pairs(&value)));
                        } else if ct.starts_with("multipart/") {
                            match parts(&value) {
                                Ok(p) => call.body = Some(PreparedBody::Multipart(p)),
                                Err(e) => problems.push(format!("input {e}")),
                            }
                        } else {
                            call.body = Some(PreparedBody::Raw {
                                content_type: ct,
                                bytes: scalar_text(&value).into_bytes(),
                            });
                        }
                    }
                },
            }
        }
        if problems.is_empty() {
            Ok(call)
        } else {
            Err(problems)
        }
    }
}

/// A `multipart/form-data` body with `boundary`.
pub fn multipart_bytes(parts: &[Part], boundary: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let name = p.name.replace('"', "%22");
        match &p.filename {
            Some(f) => out.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{}\"\r\n",
                    f.replace('"', "%22")
                )
                .as_bytes(),
            ),
            None => out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n").as_bytes(),
            ),
        }
        if let Some(ct) = &p.content_type {
            out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&p.data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}
