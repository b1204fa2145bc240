//! The pure data actions: list and object operations on JSON values, bounded in the number of
//! elements they read and build ([`MAX_ITEMS`]) and in the depth of the paths they follow
//! ([`MAX_PATH_SEGMENTS`]).

use std::collections::HashSet;

use plumb_core::action::ActionError;
use serde_json::{Map, Value};

/// The most elements a list input may hold, and a built list (a concatenation, a flattened
/// list) may reach.
pub const MAX_ITEMS: usize = 100_000;

/// The most segments of a dot-notation path (`objectPath`, a nested index).
pub const MAX_PATH_SEGMENTS: usize = 64;

/// The list given as input `key`: a JSON list (or its JSON text), at most [`MAX_ITEMS`] long.
pub fn list(value: Option<Value>, key: &str) -> Result<Vec<Value>, ActionError> {
    match value {
        None => Err(ActionError::input(key, "is required (a list)")),
        Some(Value::Array(items)) => within(items, key),
        Some(other) => Err(ActionError::input(
            key,
            format!("must be a list, not {}", kind(&other)),
        )),
    }
}

/// `items` when at most [`MAX_ITEMS`] long, else an error naming input `key`.
pub fn within(items: Vec<Value>, key: &str) -> Result<Vec<Value>, ActionError> {
    if items.len() > MAX_ITEMS {
        return Err(ActionError::input(
            key,
            format!("has {} elements; the limit is {MAX_ITEMS}", items.len()),
        ));
    }
    Ok(items)
}

/// The JSON kind of a value, for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A count input that must be at least 1 (`numberInput` of `chunks`).
pub fn positive(n: u64, key: &str) -> Result<usize, ActionError> {
    if n == 0 {
        return Err(ActionError::input(key, "must be at least 1"));
    }
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// `list` cut into lists of `size` elements, the last one shorter when they do not divide.
pub fn chunks(list: Vec<Value>, size: usize) -> Value {
    Value::Array(
        list.chunks(size)
            .map(|c| Value::Array(c.to_vec()))
            .collect(),
    )
}

/// One level of nesting removed: the elements of each inner list in order; elements that are
/// not lists stay as they are.
pub fn flatten(list: Vec<Value>, key: &str) -> Result<Value, ActionError> {
    let mut out = Vec::new();
    for item in list {
        match item {
            Value::Array(inner) => out.extend(inner),
            other => out.push(other),
        }
        if out.len() > MAX_ITEMS {
            return Err(ActionError::input(
                key,
                format!("flattens to more than {MAX_ITEMS} elements"),
            ));
        }
    }
    Ok(Value::Array(out))
}

/// `first` followed by `second`, at most [`MAX_ITEMS`] in all.
pub fn concatenate(
    mut first: Vec<Value>,
    second: Vec<Value>,
    key: &str,
) -> Result<Value, ActionError> {
    first.extend(second);
    within(first, key).map(Value::Array)
}

/// `list` with `element` at its end.
pub fn append(mut list: Vec<Value>, element: Value, key: &str) -> Result<Value, ActionError> {
    list.push(element);
    within(list, key).map(Value::Array)
}

/// The elements once each, in order of first appearance; equal is deep JSON equality.
pub fn deduplicate(list: Vec<Value>) -> Value {
    let mut seen = HashSet::new();
    Value::Array(
        list.into_iter()
            .filter(|item| seen.insert(item.to_string()))
            .collect(),
    )
}

/// How many elements deeply equal `element`.
pub fn count(list: &[Value], element: &Value) -> Value {
    Value::from(list.iter().filter(|item| *item == element).count())
}

/// `list` without the elements deeply equal to `element`.
pub fn remove(list: Vec<Value>, element: &Value) -> Value {
    Value::Array(list.into_iter().filter(|item| item != element).collect())
}

/// The first `n` elements (all of them when fewer).
pub fn take_first(mut list: Vec<Value>, n: usize) -> Value {
    list.truncate(n);
    Value::Array(list)
}

/// The last `n` elements (all of them when fewer).
pub fn take_last(mut list: Vec<Value>, n: usize) -> Value {
    let start = list.len().saturating_sub(n);
    Value::Array(list.split_off(start))
}

/// The element at `index`, a whole number or dot-separated whole numbers into nested lists
/// (`1.0` is the first element of the second list); `null` past the end.
pub fn select(list: Vec<Value>, index: &str, key: &str) -> Result<Value, ActionError> {
    let mut current = Value::Array(list);
    for segment in segments(index, key)? {
        let at: usize = segment.trim().parse().map_err(|_| {
            ActionError::input(key, "must be a whole number (or numbers joined by dots)")
        })?;
        current = match current {
            Value::Array(mut items) if at < items.len() => items.swap_remove(at),
            Value::Array(_) => return Ok(Value::Null),
            other => {
                return Err(ActionError::input(
                    key,
                    format!("goes into {}, which is not a list", kind(&other)),
                ))
            }
        };
    }
    Ok(current)
}

/// The segments of a dot-notation path, at most [`MAX_PATH_SEGMENTS`] of them.
fn segments<'a>(path: &'a str, key: &str) -> Result<Vec<&'a str>, ActionError> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.len() > MAX_PATH_SEGMENTS {
        return Err(ActionError::input(
            key,
            format!(
                "has {} segments; the limit is {MAX_PATH_SEGMENTS}",
                parts.len()
            ),
        ));
    }
    if parts.iter().any(|p| p.is_empty()) {
        return Err(ActionError::input(key, "has an empty segment"));
    }
    Ok(parts)
}

/// `object` with `key` set to `value`, inside the object at dot-notation `path` when given
/// (made, as objects, where it is missing; a number segment goes into a list).
pub fn add_key(
    object: Value,
    path: Option<&str>,
    key: String,
    value: Value,
) -> Result<Value, ActionError> {
    let Value::Object(mut root) = object else {
        return Err(ActionError::input(
            "object",
            format!("must be an object, not {}", kind(&object)),
        ));
    };
    let path = path.map(str::trim).filter(|p| !p.is_empty());
    let Some(path) = path else {
        root.insert(key, value);
        return Ok(Value::Object(root));
    };
    let mut root = Value::Object(root);
    let mut current: &mut Value = &mut root;
    for segment in segments(path, "objectPath")? {
        current = match current {
            Value::Object(map) => map
                .entry(segment.to_string())
                .or_insert_with(|| Value::Object(Map::new())),
            Value::Array(items) => {
                let index: usize = segment.parse().map_err(|_| {
                    ActionError::input(
                        "objectPath",
                        format!("`{segment}` goes into a list but is not an index"),
                    )
                })?;
                items.get_mut(index).ok_or_else(|| {
                    ActionError::input(
                        "objectPath",
                        format!("index {index} is past the list's end"),
                    )
                })?
            }
            other => {
                return Err(ActionError::input(
                    "objectPath",
                    format!("goes through {}, not an object", kind(other)),
                ))
            }
        };
    }
    match current {
        Value::Object(map) => {
            map.insert(key, value);
            Ok(root)
        }
        other => Err(ActionError::input(
            "objectPath",
            format!("ends at {}; it must end at an object", kind(other)),
        )),
    }
}

/// An object's entries as a list of `{key, value}`.
pub fn from_object(object: Value) -> Result<Value, ActionError> {
    let Value::Object(map) = object else {
        return Err(ActionError::input(
            "object",
            format!("must be an object, not {}", kind(&object)),
        ));
    };
    let entries: Vec<Value> = map
        .into_iter()
        .map(|(k, v)| serde_json::json!({ "key": k, "value": v }))
        .collect();
    within(entries, "object").map(Value::Array)
}

/// A list of `{key, value}` as an object (a later key replaces an earlier one).
pub fn to_object(list: Vec<Value>, key: &str) -> Result<Value, ActionError> {
    let mut out = Map::new();
    for item in list {
        let Value::Object(mut entry) = item else {
            return Err(ActionError::input(
                key,
                "entries must be {key, value} objects",
            ));
        };
        let k = match entry.remove("key") {
            Some(Value::String(s)) => s,
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            _ => return Err(ActionError::input(key, "entries need a string `key`")),
        };
        out.insert(k, entry.remove("value").unwrap_or(Value::Null));
    }
    Ok(Value::Object(out))
}

/// The aggregate functions of `aggregate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// The mean.
    Average,
    /// The number of elements.
    Count,
    /// The largest.
    Max,
    /// The smallest.
    Min,
    /// The sum.
    Sum,
    /// The product.
    Product,
    /// The middle element (the mean of the two middle ones for an even count).
    Median,
}

impl Aggregate {
    /// The function named `name` (any case), else an error naming input `key`.
    pub fn parse(name: &str, key: &str) -> Result<Aggregate, ActionError> {
        Ok(match name.trim().to_ascii_uppercase().as_str() {
            "AVERAGE" | "AVG" | "MEAN" => Aggregate::Average,
            "COUNT" => Aggregate::Count,
            "MAX" => Aggregate::Max,
            "MIN" => Aggregate::Min,
            "SUM" => Aggregate::Sum,
            "PRODUCT" => Aggregate::Product,
            "MEDIAN" => Aggregate::Median,
            _ => {
                return Err(ActionError::input(
                    key,
                    "must be one of AVERAGE, COUNT, MAX, MIN, SUM, PRODUCT, MEDIAN",
                ))
            }
        })
    }

    /// The function over `list`, whose elements must be numbers (or number text), except for
    /// `COUNT`; `null` for an average, minimum, maximum or median of no elements.
    pub fn apply(self, list: &[Value], key: &str) -> Result<Value, ActionError> {
        if self == Aggregate::Count {
            return Ok(Value::from(list.len()));
        }
        let mut numbers = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let n = match item {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            numbers.push(n.ok_or_else(|| {
                ActionError::input(key, format!("element {i} is {}, not a number", kind(item)))
            })?);
        }
        let result = match self {
            Aggregate::Sum => Some(numbers.iter().sum()),
            Aggregate::Product => Some(numbers.iter().product()),
            Aggregate::Average if numbers.is_empty() => None,
            Aggregate::Average => Some(numbers.iter().sum::<f64>() / numbers.len() as f64),
            Aggregate::Max => numbers.iter().copied().reduce(f64::max),
            Aggregate::Min => numbers.iter().copied().reduce(f64::min),
            Aggregate::Median if numbers.is_empty() => None,
            Aggregate::Median => {
                numbers.sort_by(f64::total_cmp);
                let mid = numbers.len() / 2;
                Some(if numbers.len() % 2 == 0 {
                    (numbers[mid - 1] + numbers[mid]) / 2.0
                } else {
                    numbers[mid]
                })
            }
            Aggregate::Count => None,
        };
        Ok(result.map_or(Value::Null, number))
    }
}

/// A number as JSON: whole numbers as integers (`117`, not `117.0`).
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}
