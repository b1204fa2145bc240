//! Query parameters as Prismatic's PostgreSQL component (pg-promise) interpolates them: the
//! values are formatted into the SQL text as literals, so the server infers each one's type
//! from its place in the query, as it does for a literal.
//!
//! - Named variables `${name}` (also `$(name)`, `$<name>`, `$[name]`, `$/name/`), a
//!   property of the parameters object; `a.b` reads a nested property. Filters after the name:
//!   `:raw` / `^` (the value's text, unescaped), `:name` / `~` (a quoted identifier), `:json`
//!   (JSON text as a string literal), `:csv` / `:list` (a list's elements, comma-separated),
//!   `:value` / `#` (a string's text escaped, without its quotes).
//! - Index variables `$1`, `$2`, ... when the parameters are a list.
//!
//! Literals: `null`, `true` / `false`, numbers as written, strings single-quoted with `'`
//! doubled, lists as `array[...]` (`'{}'` when empty), objects as their JSON text quoted. A
//! string holding a NUL character is refused (PostgreSQL text cannot hold it). A variable with
//! no value is an error naming it; nothing runs.

use serde_json::Value;

/// A formatting problem: the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormatError(pub String);

/// The closing character of each opening one of a named variable.
fn closing(open: char) -> Option<char> {
    match open {
        '{' => Some('}'),
        '(' => Some(')'),
        '<' => Some('>'),
        '[' => Some(']'),
        '/' => Some('/'),
        _ => None,
    }
}

/// `query` with its variables replaced by `params` (`None`: no parameters; the query runs as
/// written).
pub(crate) fn format(query: &str, params: Option<&Value>) -> Result<String, FormatError> {
    let Some(params) = params else {
        return Ok(query.to_string());
    };
    let chars: Vec<char> = query.chars().collect();
    let mut out = String::with_capacity(query.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '$' || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let next = chars[i + 1];
        if let (Some(close), Value::Object(_)) = (closing(next), params) {
            if let Some(len) = chars[i + 2..].iter().position(|&x| x == close) {
                let inner: String = chars[i + 2..i + 2 + len].iter().collect();
                out.push_str(&named(inner.trim(), params)?);
                i += len + 3;
                continue;
            }
        }
        if next.is_ascii_digit() {
            if let Value::Array(items) = params {
                let digits: String = chars[i + 1..]
                    .iter()
                    .take_while(|d| d.is_ascii_digit())
                    .collect();
                let n: usize = digits.parse().unwrap_or(0);
                let value = n.checked_sub(1).and_then(|k| items.get(k)).ok_or_else(|| {
                    FormatError(format!(
                        "variable ${digits} has no value: the parameters list has {} item(s)",
                        items.len()
                    ))
                })?;
                out.push_str(&literal(value, &format!("${digits}"))?);
                i += 1 + digits.len();
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}

/// A named variable's text (`name`, `name:filter`, `name^`, `name~`, `name#`).
fn named(spec: &str, params: &Value) -> Result<String, FormatError> {
    let (name, filter) = if let Some((n, f)) = spec.split_once(':') {
        (n.trim(), f.trim())
    } else if let Some(n) = spec.strip_suffix('^') {
        (n.trim(), "raw")
    } else if let Some(n) = spec.strip_suffix('~') {
        (n.trim(), "name")
    } else if let Some(n) = spec.strip_suffix('#') {
        (n.trim(), "value")
    } else {
        (spec, "")
    };
    let mut value = params;
    for part in name.split('.') {
        value = value.get(part).ok_or_else(|| {
            FormatError(format!(
                "variable `{name}` has no value: the parameters have no property `{name}`"
            ))
        })?;
    }
    let what = format!("${{{name}}}");
    match filter {
        "" => literal(value, &what),
        "raw" => Ok(match value {
            Value::String(s) => no_nul(s, &what)?.to_string(),
            Value::Null => "null".into(),
            other => other.to_string(),
        }),
        "name" => identifier(value, &what),
        "json" => quoted(&value.to_string(), &what),
        "csv" | "list" => match value {
            Value::Array(items) => items
                .iter()
                .map(|v| literal(v, &what))
                .collect::<Result<Vec<_>, _>>()
                .map(|parts| parts.join(",")),
            other => literal(other, &what),
        },
        "value" => match value {
            Value::String(s) => Ok(no_nul(s, &what)?.replace('\'', "''")),
            other => literal(other, &what),
        },
        other => Err(FormatError(format!(
            "variable `{name}` has an unknown filter `:{other}` (raw, name, json, csv, list, value)"
        ))),
    }
}

fn no_nul<'a>(s: &'a str, what: &str) -> Result<&'a str, FormatError> {
    if s.contains('\0') {
        Err(FormatError(format!(
            "variable {what} holds a NUL character, which PostgreSQL text cannot hold"
        )))
    } else {
        Ok(s)
    }
}

fn quoted(s: &str, what: &str) -> Result<String, FormatError> {
    Ok(format!("'{}'", no_nul(s, what)?.replace('\'', "''")))
}

/// A value as an SQL literal.
pub(crate) fn literal(value: &Value, what: &str) -> Result<String, FormatError> {
    match value {
        Value::Null => Ok("null".into()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) => quoted(s, what),
        Value::Array(items) if items.is_empty() => Ok("'{}'".into()),
        Value::Array(items) => {
            let parts = items
                .iter()
                .map(|v| match v {
                    Value::Array(_) => literal(v, what)
                        .map(|l| l.strip_prefix("array").map(str::to_string).unwrap_or(l)),
                    other => literal(other, what),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(format!("array[{}]", parts.join(",")))
        }
        Value::Object(_) => quoted(&value.to_string(), what),
    }
}

/// A value as a quoted SQL identifier (`*` stays as it is; a list is comma-separated names).
fn identifier(value: &Value, what: &str) -> Result<String, FormatError> {
    let one = |v: &Value| -> Result<String, FormatError> {
        match v {
            Value::String(s) if s == "*" => Ok("*".into()),
            Value::String(s) if !s.is_empty() => {
                Ok(format!("\"{}\"", no_nul(s, what)?.replace('"', "\"\"")))
            }
            _ => Err(FormatError(format!(
                "variable {what} must be a non-empty name (text) to be used as an identifier"
            ))),
        }
    };
    match value {
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(one)
            .collect::<Result<Vec<_>, _>>()
            .map(|parts| parts.join(",")),
        other => one(other),
    }
}
