//! Reading an OpenAPI document's text: JSON or YAML into a JSON value, with the position of
//! every node (YAML) so problems point at their line; which OpenAPI version it is.

use plumb_core::definition::yaml::{self, Spans};
use plumb_core::definition::Limits;
use serde_json::Value;

use crate::problems::{Problem, Problems};

/// Bounds on a document while it is read (an integration model may be far larger than a
/// definition: real API descriptions run to megabytes).
pub const LIMITS: Limits = Limits {
    text_bytes: 32 * 1024 * 1024,
    aliases: 10_000,
    nodes: 4_000_000,
    depth: 128,
    steps: usize::MAX,
};

/// The OpenAPI versions plumb imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Version {
    /// Swagger / OpenAPI 2.0 (converted to 3.x on import).
    V2,
    /// OpenAPI 3.0.x.
    V30,
    /// OpenAPI 3.1.x.
    V31,
}

/// A document as read: its value, node positions (empty for JSON) and version.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document.
    pub value: Value,
    /// Positions by JSON pointer (YAML only).
    pub spans: Spans,
    /// Its OpenAPI version.
    pub version: Version,
}

/// Reads `text` as JSON (when it starts with `{`) or YAML.
pub fn read(text: &str) -> Result<Document, Problems> {
    if text.len() > LIMITS.text_bytes {
        return Err(Problems::one(Problem::at(
            "",
            format!(
                "the document is {} bytes; the most is {} bytes",
                text.len(),
                LIMITS.text_bytes
            ),
        )));
    }
    let (value, spans) = if text.trim_start().starts_with('{') {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => (v, Spans::default()),
            Err(e) => {
                return Err(Problems::one(Problem {
                    pointer: String::new(),
                    message: format!("invalid JSON: {e}"),
                    line: Some(e.line()),
                    column: Some(e.column()),
                }))
            }
        }
    } else {
        match yaml::parse_within(text, &LIMITS) {
            Ok(parsed) => parsed,
            Err(e) => {
                return Err(Problems::one(Problem {
                    pointer: String::new(),
                    message: format!("invalid YAML: {}", e.message),
                    line: Some(e.position.line),
                    column: Some(e.position.column),
                }))
            }
        }
    };
    if !value.is_object() {
        return Err(Problems::one(Problem::at(
            "",
            "an OpenAPI document is an object (with `openapi` or `swagger`, `info` and `paths`)",
        )));
    }
    let version = match (value.get("openapi"), value.get("swagger")) {
        (Some(Value::String(v)), _) if v.starts_with("3.0.") || v == "3.0" => Version::V30,
        (Some(Value::String(v)), _) if v.starts_with("3.1.") || v == "3.1" => Version::V31,
        (None, Some(Value::String(v))) if v == "2.0" => Version::V2,
        (Some(other), _) => {
            return Err(Problems::one(Problem::at(
                "/openapi",
                format!("unknown OpenAPI version {other}: plumb imports 2.0, 3.0.x and 3.1.x"),
            ))
            .located(&spans))
        }
        (None, Some(other)) => {
            return Err(Problems::one(Problem::at(
                "/swagger",
                format!("unknown Swagger version {other}: plumb imports 2.0"),
            ))
            .located(&spans))
        }
        (None, None) => {
            return Err(Problems::one(Problem::at(
                "",
                "the document has neither `openapi` (3.x) nor `swagger` (2.0)",
            )))
        }
    };
    Ok(Document {
        value,
        spans,
        version,
    })
}
