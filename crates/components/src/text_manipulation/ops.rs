//! What each text action computes. Lengths and indexes count UTF-16 code units, as
//! JavaScript's strings do (so Prismatic's results match); every result is at most
//! [`MAX_OUTPUT`] bytes.

use base64::Engine;
use plumb_core::action::{ActionError, Data, InputValue, Inputs};
use serde_json::Value;

use super::html;
use super::manifest::{
    Base64Input, EncodeInput, JoinInputs, JoinLinesInputs, MatchInputs, ReplaceInputs,
    ReplaceMultipleInputs, SliceInputs, SplitInputs, SplitLinesInputs, TextInput,
};
use crate::util::{number_value, PureFn};

/// The largest text an action answers (16 MiB).
pub(crate) const MAX_OUTPUT: usize = 16 << 20;
/// The most newlines `joinLines` puts between two strings.
pub(crate) const MAX_NEWLINES: u64 = 100;
/// The most strings a list input may hold.
pub(crate) const MAX_STRINGS: usize = 100_000;
/// The longest regular expression `match` compiles.
pub(crate) const MAX_REGEX: usize = 4096;

/// Every action by key, in the order of Prismatic's page.
pub(crate) const ACTIONS: &[(&str, PureFn)] = &[
    ("decodeBase64", decode_base64),
    ("encodeBase64", encode_base64),
    ("slice", slice),
    ("replace", replace),
    ("replaceMultipleSubstring", replace_multiple),
    ("htmlDecode", |i| text_fn(i, html::decode)),
    ("htmlEncode", |i| text_fn(i, html::encode)),
    ("join", join),
    ("joinLines", join_lines),
    ("lowerCase", |i| text_fn(i, str::to_lowercase)),
    ("match", match_regex),
    ("trim", |i| text_fn(i, |s| s.trim().to_string())),
    ("splitLines", split_lines),
    ("split", split),
    ("stringLength", string_length),
    ("upperCase", |i| text_fn(i, str::to_uppercase)),
];

/// `s` as a result, or an error naming `input` when it is larger than [`MAX_OUTPUT`].
fn bounded(s: String, input: &str) -> Result<Value, ActionError> {
    if s.len() > MAX_OUTPUT {
        return Err(too_large(input));
    }
    Ok(Value::String(s))
}

fn too_large(input: &str) -> ActionError {
    ActionError::input(
        input,
        format!("the result would exceed {} MiB", MAX_OUTPUT >> 20),
    )
}

fn text_fn(inputs: &Inputs, f: fn(&str) -> String) -> Result<Value, ActionError> {
    let text = TextInput::from_inputs(inputs)?.text.0;
    bounded(f(&text), "text")
}

fn decode_base64(inputs: &Inputs) -> Result<Value, ActionError> {
    let text = Base64Input::from_inputs(inputs)?.text.0;
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let bytes = engines
        .iter()
        .find_map(|e| e.decode(&compact).ok())
        .ok_or_else(|| ActionError::input("text", "is not base64"))?;
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

fn encode_base64(inputs: &Inputs) -> Result<Value, ActionError> {
    let bytes = match inputs.get("text") {
        Some(InputValue::Data(Data::Binary { bytes, .. })) => bytes.clone(),
        _ => EncodeInput::from_inputs(inputs)?.text.0.into_bytes(),
    };
    if bytes.len() / 3 * 4 > MAX_OUTPUT {
        return Err(too_large("text"));
    }
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ))
}

/// A JavaScript `slice` index into `len` units: negative counts from the end, clamped.
fn index(i: f64, len: usize) -> usize {
    let i = i.trunc();
    if i < 0.0 {
        (len as f64 + i).max(0.0) as usize
    } else {
        i.min(len as f64) as usize
    }
}

fn slice(inputs: &Inputs) -> Result<Value, ActionError> {
    let i = SliceInputs::from_inputs(inputs)?;
    let units: Vec<u16> = i.text.0.encode_utf16().collect();
    let start = index(i.sliceStart.unwrap_or(0.0), units.len());
    let stop = i.sliceStop.map_or(units.len(), |s| index(s, units.len()));
    let part = units.get(start..stop.max(start)).unwrap_or_default();
    Ok(Value::String(String::from_utf16_lossy(part)))
}

/// `text` with every `find` replaced by `with`, refusing to grow past [`MAX_OUTPUT`].
fn replace_all(text: &str, find: &str, with: &str, input: &str) -> Result<String, ActionError> {
    if find.is_empty() {
        return Ok(text.to_string());
    }
    let count = text.matches(find).count();
    let size = text.len() - count * find.len() + count * with.len();
    if size > MAX_OUTPUT {
        return Err(too_large(input));
    }
    Ok(text.replace(find, with))
}

fn replace(inputs: &Inputs) -> Result<Value, ActionError> {
    let i = ReplaceInputs::from_inputs(inputs)?;
    let with = i.replace.unwrap_or_default();
    replace_all(&i.text.0, &i.find.0, &with, "replace").map(Value::String)
}

fn replace_multiple(inputs: &Inputs) -> Result<Value, ActionError> {
    let i = ReplaceMultipleInputs::from_inputs(inputs)?;
    let mut text = i.text.0;
    for (find, with) in &i.replaceWith.0 {
        text = replace_all(&text, find, with, "replaceWith")?;
    }
    Ok(Value::String(text))
}

/// The strings of a list input (a JSON list, or its JSON text); values that are not strings
/// are given as their JSON text, null as `""` (as JavaScript's `join` does).
pub(crate) fn strings(value: &Value, key: &str) -> Result<Vec<String>, ActionError> {
    let items = match value {
        Value::Array(items) => items.clone(),
        Value::String(s) if s.trim_start().starts_with('[') => {
            match serde_json::from_str::<Value>(s) {
                Ok(Value::Array(items)) => items,
                _ => vec![value.clone()],
            }
        }
        single => vec![single.clone()],
    };
    if items.len() > MAX_STRINGS {
        return Err(ActionError::input(
            key,
            format!(
                "holds {} strings; at most {MAX_STRINGS} are allowed",
                items.len()
            ),
        ));
    }
    Ok(items
        .into_iter()
        .map(|v| match v {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        })
        .collect())
}

fn joined(parts: &[String], separator: &str, input: &str) -> Result<Value, ActionError> {
    let size = parts.iter().map(String::len).sum::<usize>()
        + separator.len() * parts.len().saturating_sub(1);
    if size > MAX_OUTPUT {
        return Err(too_large(input));
    }
    Ok(Value::String(parts.join(separator)))
}

fn join(inputs: &Inputs) -> Result<Value, ActionError> {
    let i = JoinInputs::from_inputs(inputs)?;
    let parts = strings(&i.strings, "strings")?;
    joined(&parts, &i.separator.unwrap_or_default(), "strings")
}

fn join_lines(inputs: &Inputs) -> Result<Value, ActionError> {
    let i = JoinLinesInputs::from_inputs(inputs)?;
    let parts = strings(&i.strings, "strings")?;
    let newline = match i.newlineType.as_deref().unwrap_or("\n") {
        "\\n" => "\n",
        "\\r\\n" => "\r\n",
        other => other,
    };
    if newline != "\n" && newline != "\r\n" {
        return Err(ActionError::input(
            "newlineType",
            "must be a newline (\\n) or a carriage return and newline (\\r\\n)",
        ));
    }
    let count = i.numberOfNewlines.or(1);
    if count > MAX_NEWLINES {
        return Err(ActionError::input(
            "numberOfNewlines",
            format!("must be at most {MAX_NEWLINES}"),
        ));
    }
    joined(&parts, &newline.repeat(count as usize), "strings")
}

fn match_regex(inputs: &Inputs) -> Result<Value, ActionError> {
    let i = MatchInputs::from_inputs(inputs)?;
    if i.regex.len() > MAX_REGEX {
        return Err(ActionError::input(
            "regex",
            format!("is longer than {MAX_REGEX} characters"),
        ));
    }
    let flags = i.regexFlags.unwrap_or_default();
    let mut builder = regex::RegexBuilder::new(&i.regex);
    builder.size_limit(1 << 20).dfa_size_limit(1 << 20);
    let mut global = false;
    for f in flags.chars() {
        match f {
            'g' => global = true,
            'i' => {
                builder.case_insensitive(true);
            }
            'm' => {
                builder.multi_line(true);
            }
            's' => {
                builder.dot_matches_new_line(true);
            }
            'u' | 'd' | 'y' | 'v' => {}
            other => {
                return Err(ActionError::input(
                    "regexFlags",
                    format!("has the unknown flag `{other}` (use g, i, m, s, u, d)"),
                ))
            }
        }
    }
    let re = builder.build().map_err(|e| {
        ActionError::input("regex", format!("is not a valid regular expression: {e}"))
    })?;
    let text = i.text.0;
    if global {
        let all: Vec<Value> = re
            .find_iter(&text)
            .map(|m| Value::String(m.as_str().to_string()))
            .collect();
        return Ok(if all.is_empty() {
            Value::Null
        } else {
            Value::Array(all)
        });
    }
    Ok(match re.captures(&text) {
        None => Value::Null,
        Some(caps) => Value::Array(
            caps.iter()
                .map(|m| m.map_or(Value::Null, |m| Value::String(m.as_str().to_string())))
                .collect(),
        ),
    })
}

fn split_lines(inputs: &Inputs) -> Result<Value, ActionError> {
    let i = SplitLinesInputs::from_inputs(inputs)?;
    let lines = i
        .text
        .0
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !i.filterBlankLines || !l.trim().is_empty())
        .map(|l| Value::String(l.to_string()))
        .collect();
    Ok(Value::Array(lines))
}

fn split(inputs: &Inputs) -> Result<Value, ActionError> {
    let i = SplitInputs::from_inputs(inputs)?;
    let text = i.text.0;
    let parts: Vec<Value> = match i.separator.as_deref() {
        None | Some("") => text.chars().map(|c| Value::String(c.to_string())).collect(),
        Some(sep) => text
            .split(sep)
            .map(|p| Value::String(p.to_string()))
            .collect(),
    };
    Ok(Value::Array(parts))
}

fn string_length(inputs: &Inputs) -> Result<Value, ActionError> {
    let text = TextInput::from_inputs(inputs)?.text.0;
    Ok(number_value(text.encode_utf16().count() as f64).unwrap_or(Value::Null))
}
