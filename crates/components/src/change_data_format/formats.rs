//! Reading and writing the text formats other than XML: CSV, YAML, JSON Lines and URL-encoded
//! form data, each to and from a JSON value. Errors name the input they came from.

use std::collections::HashMap;

use plumb_core::action::ActionError;
use serde_json::{Map, Value};

/// Separator of nested keys in CSV headers (`person__first`), for un-flattening on read and
/// flattening on write.
pub const NESTED_KEY_SEPARATOR: &str = "__";

/// CSV text as JSON: with a header row, a list of objects (header → cell, every cell a string;
/// cells past the header are keyed by their column number), else a list of rows (lists of
/// strings). With `unflatten`, header keys with `__` become nested objects.
pub fn csv_to_value(
    text: &str,
    delimiter: u8,
    header: bool,
    unflatten: bool,
    key: &str,
) -> Result<Value, ActionError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = reader.records();
    let bad = |e: csv::Error| ActionError::input(key, format!("is not valid CSV: {e}"));
    let names: Option<Vec<String>> = match (header, rows.next()) {
        (true, Some(first)) => Some(first.map_err(bad)?.iter().map(str::to_string).collect()),
        (true, None) => return Ok(Value::Array(Vec::new())),
        (false, first) => {
            let mut out = Vec::new();
            for row in first.into_iter().chain(rows) {
                let row = row.map_err(bad)?;
                out.push(Value::Array(row.iter().map(Value::from).collect()));
            }
            return Ok(Value::Array(out));
        }
    };
    let names = names.unwrap_or_default();
    let mut out = Vec::new();
    for row in rows {
        let row = row.map_err(bad)?;
        let mut object = Map::new();
        for (i, cell) in row.iter().enumerate() {
            let name = names.get(i).cloned().unwrap_or_else(|| i.to_string());
            if unflatten && name.contains(NESTED_KEY_SEPARATOR) {
                insert_nested(&mut object, &name, Value::from(cell));
            } else {
                object.insert(name, Value::from(cell));
            }
        }
        out.push(Value::Object(object));
    }
    Ok(Value::Array(out))
}

/// Puts `value` at the path `a__b__c` of `object`, making objects on the way (a scalar in the
/// way is replaced).
fn insert_nested(object: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts = path.split(NESTED_KEY_SEPARATOR).peekable();
    let mut current = object;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            current.insert(part.to_string(), value);
            return;
        }
        let slot = current
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        match slot {
            Value::Object(next) => current = next,
            _ => return,
        }
    }
}

/// A JSON value as CSV text (no final newline): a list of objects becomes a header row (every
/// key, in order of first appearance; nested objects flattened to `a__b`) and one row per
/// object; a list of lists becomes rows; one object becomes a header and one row. Lists and
/// other values inside a cell are written as JSON text, null as an empty cell.
pub fn value_to_csv(
    value: &Value,
    delimiter: u8,
    header: bool,
    key: &str,
) -> Result<String, ActionError> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![value],
        _ => {
            return Err(ActionError::input(
                key,
                "must be a list of objects, a list of rows or an object to write as CSV",
            ))
        }
    };
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let fail = |e: csv::Error| ActionError::failed(format!("writing CSV: {e}"));
    if items.iter().all(|i| i.is_array()) {
        for item in &items {
            let cells: Vec<String> = item
                .as_array()
                .map(|row| row.iter().map(cell).collect())
                .unwrap_or_default();
            writer.write_record(&cells).map_err(fail)?;
        }
    } else {
        let mut rows: Vec<Vec<(String, String)>> = Vec::new();
        for item in &items {
            let Value::Object(map) = item else {
                return Err(ActionError::input(
                    key,
                    "mixes objects with other values; give a list of objects or a list of rows",
                ));
            };
            let mut row = Vec::new();
            flatten("", map, &mut row);
            rows.push(row);
        }
        // Columns in order of first appearance, each with its position.
        let mut names: Vec<&str> = Vec::new();
        let mut column: HashMap<&str, usize> = HashMap::new();
        for row in &rows {
            for (name, _) in row {
                if !column.contains_key(name.as_str()) {
                    column.insert(name, names.len());
                    names.push(name);
                }
            }
        }
        if header {
            writer.write_record(&names).map_err(fail)?;
        }
        for row in &rows {
            let mut cells = vec![""; names.len()];
            for (name, v) in row {
                if let Some(&i) = column.get(name.as_str()) {
                    cells[i] = v;
                }
            }
            writer.write_record(&cells).map_err(fail)?;
        }
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ActionError::failed(format!("writing CSV: {e}")))?;
    let mut text =
        String::from_utf8(bytes).map_err(|e| ActionError::failed(format!("writing CSV: {e}")))?;
    if text.ends_with('\n') {
        text.pop();
    }
    Ok(text)
}

fn flatten(prefix: &str, map: &Map<String, Value>, out: &mut Vec<(String, String)>) {
    for (k, v) in map {
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}{NESTED_KEY_SEPARATOR}{k}")
        };
        match v {
            Value::Object(inner) if !inner.is_empty() => flatten(&name, inner, out),
            other => out.push((name, cell(other))),
        }
    }
}

/// One CSV cell: strings as they are, null empty, other values as JSON text.
pub fn cell(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// YAML text as JSON (mapping keys must be strings; aliases are expanded by `serde_yaml`
/// within its own limits).
pub fn yaml_to_value(text: &str, key: &str) -> Result<Value, ActionError> {
    serde_yaml::from_str::<Value>(text)
        .map_err(|e| ActionError::input(key, format!("is not valid YAML: {e}")))
}

/// A JSON value as YAML text.
pub fn value_to_yaml(value: &Value) -> Result<String, ActionError> {
    serde_yaml::to_string(value).map_err(|e| ActionError::failed(format!("writing YAML: {e}")))
}

/// JSON text as a value.
pub fn json_to_value(text: &str, key: &str) -> Result<Value, ActionError> {
    serde_json::from_str(text)
        .map_err(|e| ActionError::input(key, format!("is not valid JSON: {e}")))
}

/// JSON Lines (one JSON value per line; blank lines skipped) as a list.
pub fn jsonl_to_value(text: &str, key: &str) -> Result<Value, ActionError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let item = serde_json::from_str(line).map_err(|e| {
            ActionError::input(key, format!("line {} is not valid JSON: {e}", n + 1))
        })?;
        out.push(item);
    }
    Ok(Value::Array(out))
}

/// A list as JSON Lines (each item compact JSON, lines joined by `\n`).
pub fn value_to_jsonl(value: &Value, key: &str) -> Result<String, ActionError> {
    let Value::Array(items) = value else {
        return Err(ActionError::input(key, "must be a list"));
    };
    Ok(items
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n"))
}

/// `a=1&b=2&b=3` as `{"a": "1", "b": ["2", "3"]}` (a repeated key gives a list).
pub fn form_to_value(text: &str) -> Value {
    let mut map = Map::new();
    for (k, v) in form_urlencoded::parse(text.trim().as_bytes()) {
        let v = Value::from(v.into_owned());
        match map.get_mut(k.as_ref()) {
            Some(Value::Array(items)) => items.push(v),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, v]);
            }
            None => {
                map.insert(k.into_owned(), v);
            }
        }
    }
    Value::Object(map)
}

/// An object as URL-encoded form data: a list value repeats its key; other values are given
/// as their text (objects as JSON), null as empty.
pub fn value_to_form(value: &Value, key: &str) -> Result<String, ActionError> {
    let Value::Object(map) = value else {
        return Err(ActionError::input(key, "must be an object of fields"));
    };
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in map {
        match v {
            Value::Array(items) => {
                for item in items {
                    out.append_pair(k, &cell(item));
                }
            }
            other => {
                out.append_pair(k, &cell(other));
            }
        }
    }
    Ok(out.finish())
}
