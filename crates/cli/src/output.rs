//! Output: one convention for every command.
//!
//! - **Standard output holds the result**, human text by default: an aligned table whose header
//!   is the first line and whose first column is the ID (`awk 'NR == 2 { print $1 }'` captures
//!   it), or one line `deleted <ID>` / `revoked <ID>`. A secret shown once (an API token, a
//!   webhook API key) is printed **alone on its line**, so `KEY=$(plumb ...)` captures it.
//! - **Standard error holds everything else**: what a secret is, progress (`--wait`), hints.
//! - **`--json`** (anywhere on the command line) prints one JSON document instead of the text.

use serde_json::Value;

/// Prints rows as an aligned table with `headers`; each row has one cell per header.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths[i]))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Prints a JSON value, pretty.
pub fn json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

/// A JSON field as display text (`-` when null or absent).
pub fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        None | Some(Value::Null) => "-".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}
