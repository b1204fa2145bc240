//! Result rows as JSON, typed as Prismatic's PostgreSQL component (node-postgres) gives them:
//! `int2`, `int4`, `oid`, `float4`, `float8` as numbers; `int8` and `numeric` as text (they may
//! not fit a JavaScript number); `bool` as a boolean; `json` and `jsonb` parsed; `timestamp`,
//! `timestamptz` and `date` as ISO 8601 UTC instants with milliseconds (the session runs in
//! UTC); `bytea` as `{type: "Buffer", data: [bytes]}`; one-dimensional and nested arrays of
//! these as lists; anything else as its text. The query runs over the simple protocol, so
//! every value arrives as text and is converted from it.

use chrono::{NaiveDate, NaiveDateTime, SecondsFormat};
use serde_json::{Map, Value};
use sqlx::postgres::PgRow;
use sqlx::{Column, Row, TypeInfo, ValueRef};

/// A row as a JSON object, columns in order (a later column of the same name wins, as in
/// node-postgres).
pub(crate) fn row_json(row: &PgRow) -> Value {
    let mut out = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let value = match row.try_get_raw(i) {
            Ok(raw) if raw.is_null() => Value::Null,
            Ok(raw) => {
                let type_name = raw.type_info().name().to_string();
                match raw.as_str() {
                    Ok(text) => typed(&type_name, text),
                    Err(_) => Value::Null,
                }
            }
            Err(_) => Value::Null,
        };
        out.insert(column.name().to_string(), value);
    }
    Value::Object(out)
}

/// A value's text as JSON, by its type's name.
pub(crate) fn typed(type_name: &str, text: &str) -> Value {
    let name = type_name.to_ascii_uppercase();
    if let Some(element) = name.strip_suffix("[]") {
        return match parse_array(text) {
            Some(items) => array_json(element, items),
            None => Value::String(text.to_string()),
        };
    }
    match name.as_str() {
        "BOOL" => Value::Bool(text == "t" || text == "true"),
        "INT2" | "INT4" | "OID" => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(text.into())),
        "FLOAT4" | "FLOAT8" => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            // NaN and infinities have no JSON number (node-postgres: NaN, Infinity → null).
            .unwrap_or(Value::Null),
        "JSON" | "JSONB" => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into()))
        }
        "TIMESTAMP" | "TIMESTAMPTZ" => instant(text).unwrap_or_else(|| Value::String(text.into())),
        "DATE" => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| iso(&t))
            .unwrap_or_else(|| Value::String(text.into())),
        "BYTEA" => bytea(text).unwrap_or_else(|| Value::String(text.into())),
        // int8, numeric, text, varchar, uuid, time, interval, ... as text.
        _ => Value::String(text.to_string()),
    }
}

fn iso(t: &NaiveDateTime) -> Value {
    Value::String(t.and_utc().to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// `2025-08-15 14:32:00[.123456][+00[:00]]` (ISO date style, UTC session) as an instant.
fn instant(text: &str) -> Option<Value> {
    if let Ok(t) = chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z") {
        return Some(Value::String(
            t.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(SecondsFormat::Millis, true),
        ));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| iso(&t))
}

/// `\x0102ff` (hex output) as node's `Buffer` JSON.
fn bytea(text: &str) -> Option<Value> {
    let hex_digits = text.strip_prefix("\\x")?;
    let bytes = hex::decode(hex_digits).ok()?;
    Some(serde_json::json!({"type": "Buffer", "data": bytes}))
}

/// One element of an array literal: a nested array, NULL, or text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Element {
    /// A nested array.
    Array(Vec<Element>),
    /// `NULL` (unquoted).
    Null,
    /// An element's text, unquoted and unescaped.
    Text(String),
}

fn array_json(element_type: &str, items: Vec<Element>) -> Value {
    Value::Array(
        items
            .into_iter()
            .map(|e| match e {
                Element::Array(inner) => array_json(element_type, inner),
                Element::Null => Value::Null,
                Element::Text(t) => typed(element_type, &t),
            })
            .collect(),
    )
}

/// An array literal's text (`{1,2}`, `{"a b",NULL}`, `{{1,2},{3,4}}`, with an optional
/// `[1:2]=` bounds prefix) as elements; `None` when it does not parse.
pub(crate) fn parse_array(text: &str) -> Option<Vec<Element>> {
    let text = match text.find("={") {
        Some(at) if text.starts_with('[') => &text[at + 1..],
        _ => text,
    };
    let chars: Vec<char> = text.chars().collect();
    let (items, end) = parse_level(&chars, 0)?;
    (end == chars.len()).then_some(items)
}

/// Parses `{...}` starting at `at`; the elements and the index after the closing brace.
fn parse_level(chars: &[char], at: usize) -> Option<(Vec<Element>, usize)> {
    if chars.get(at) != Some(&'{') {
        return None;
    }
    let mut i = at + 1;
    let mut items = Vec::new();
    if chars.get(i) == Some(&'}') {
        return Some((items, i + 1));
    }
    loop {
        match chars.get(i)? {
            '{' => {
                let (inner, next) = parse_level(chars, i)?;
                items.push(Element::Array(inner));
                i = next;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i)? {
                        '\\' => {
                            s.push(*chars.get(i + 1)?);
                            i += 2;
                        }
                        '"' => {
                            i += 1;
                            break;
                        }
                        c => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                items.push(Element::Text(s));
            }
            _ => {
                let start = i;
                while !matches!(chars.get(i)?, ',' | '}') {
                    i += 1;
                }
                let raw: String = chars[start..i].iter().collect();
                items.push(if raw == "NULL" {
                    Element::Null
                } else {
                    Element::Text(raw)
                });
            }
        }
        match chars.get(i)? {
            ',' => i += 1,
            '}' => return Some((items, i + 1)),
            _ => return None,
        }
    }
}
