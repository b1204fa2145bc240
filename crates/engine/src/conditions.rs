//! Branch conditions, as Prismatic writes them: `[and, [equal, left, right], [exists, x]]`
//! (after resolution, operands are plain JSON values).

use serde_json::Value;

/// Evaluates a condition tree.
pub(crate) fn evaluate(cond: &Value) -> Result<bool, String> {
    let Value::Array(items) = cond else {
        return Err(format!(
            "a condition must be a list `[operator, ...]`, found {cond}"
        ));
    };
    let Some(op) = items.first().and_then(Value::as_str) else {
        return Err("a condition must start with its operator".into());
    };
    let args = &items[1..];
    let arg = |i: usize| args.get(i).unwrap_or(&Value::Null);
    let result = match op {
        "and" => {
            for c in args {
                if !evaluate(c)? {
                    return Ok(false);
                }
            }
            true
        }
        "or" => {
            for c in args {
                if evaluate(c)? {
                    return Ok(true);
                }
            }
            false
        }
        "equal" => loose_eq(arg(0), arg(1)),
        "notEqual" => !loose_eq(arg(0), arg(1)),
        "exactlyMatches" => arg(0) == arg(1),
        "doesNotExactlyMatch" => arg(0) != arg(1),
        "in" => contains(arg(1), arg(0)),
        "notIn" => !contains(arg(1), arg(0)),
        "startsWith" => text(arg(0)).starts_with(&text(arg(1))),
        "doesNotStartWith" => !text(arg(0)).starts_with(&text(arg(1))),
        "endsWith" => text(arg(0)).ends_with(&text(arg(1))),
        "doesNotEndWith" => !text(arg(0)).ends_with(&text(arg(1))),
        "greaterThan" => compare(arg(0), arg(1))?.is_gt(),
        "greaterThanOrEqual" => compare(arg(0), arg(1))?.is_ge(),
        "lessThan" => compare(arg(0), arg(1))?.is_lt(),
        "lessThanOrEqual" => compare(arg(0), arg(1))?.is_le(),
        "exists" => !arg(0).is_null(),
        "doesNotExist" => arg(0).is_null(),
        "isEmpty" => is_empty(arg(0)),
        "isNotEmpty" => !is_empty(arg(0)),
        "isTrue" => truthy(arg(0)),
        "isFalse" => !truthy(arg(0)),
        "dateTimeAfter" => date(arg(0))? > date(arg(1))?,
        "dateTimeBefore" => date(arg(0))? < date(arg(1))?,
        "dateTimeSame" => date(arg(0))? == date(arg(1))?,
        other => return Err(format!("unknown condition operator `{other}`")),
    };
    Ok(result)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

/// JavaScript-like loose equality on scalars: `"3" == 3`, `"true" == true`.
pub(crate) fn loose_eq(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (a, b) {
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => false,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Number(_), _) | (_, Value::Number(_)) => match (number(a), number(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
        _ => text(a) == text(b),
    }
}

fn contains(haystack: &Value, needle: &Value) -> bool {
    match haystack {
        Value::Array(items) => items.iter().any(|i| loose_eq(i, needle)),
        Value::Object(map) => map.contains_key(&text(needle)),
        Value::String(s) => s.contains(&text(needle)),
        _ => false,
    }
}

fn compare(a: &Value, b: &Value) -> Result<std::cmp::Ordering, String> {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x
            .partial_cmp(&y)
            .ok_or_else(|| "cannot compare NaN".to_string()),
        _ => Ok(text(a).cmp(&text(b))),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "true" | "t" | "yes" | "y" | "1"
        ),
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => false,
    }
}

fn date(v: &Value) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let t = text(v);
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(&t) {
        return Ok(d.with_timezone(&chrono::Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
        if let Some(dt) = d.and_hms_opt(0, 0, 0) {
            return Ok(dt.and_utc());
        }
    }
    if let Some(ms) = number(v) {
        if let Some(d) = chrono::DateTime::from_timestamp_millis(ms as i64) {
            return Ok(d);
        }
    }
    Err(format!("`{t}` is not a date or timestamp"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table() {
        let cases = [
            (json!(["and", ["equal", "3", 3], ["exists", "x"]]), true),
            (json!(["and", ["equal", "a", "b"]]), false),
            (json!(["or", ["isEmpty", []], ["isTrue", false]]), true),
            (
                json!(["and", ["isNotEmpty", [1]], ["greaterThan", "10", 9]]),
                true,
            ),
            (
                json!(["and", ["in", "b", ["a", "b"]], ["notIn", "z", "abc"]]),
                true,
            ),
            (
                json!([
                    "and",
                    ["startsWith", "hello", "he"],
                    ["doesNotEndWith", "hello", "x"]
                ]),
                true,
            ),
            (
                json!(["and", ["doesNotExist", null], ["isFalse", "false"]]),
                true,
            ),
            (
                json!([
                    "and",
                    ["dateTimeAfter", "2026-01-02", "2026-01-01T00:00:00Z"]
                ]),
                true,
            ),
            (json!(["and", ["exactlyMatches", "3", 3]]), false),
        ];
        for (c, want) in cases {
            assert_eq!(evaluate(&c).unwrap(), want, "{c}");
        }
        assert!(evaluate(&json!(["frobnicate", 1])).is_err());
        assert!(evaluate(&json!("and")).is_err());
    }
}
