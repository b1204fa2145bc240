//! [`validate_inputs`]: checks a set of connection input values against a connection type,
//! reporting every problem at once. Messages never repeat the value (it may be a secret).

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;

use super::{ConnectionInput, ConnectionInputType, ConnectionType, ValueFormat};

/// Which checks [`validate_inputs`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValidationMode {
    /// The values are the whole connection: every required input without a default must have a
    /// non-empty value.
    Complete,
    /// The values are a part of it (per-customer values when other inputs are global, or an
    /// update): missing inputs are not reported; the values given are checked as usual.
    Partial,
}

/// One problem with one input value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct InputError {
    /// The input's key, as given.
    pub input: String,
    /// What is wrong, without the value.
    pub message: String,
}

impl InputError {
    fn new(input: &str, message: impl Into<String>) -> InputError {
        InputError {
            input: input.to_owned(),
            message: message.into(),
        }
    }
}

/// Checks `values` (input key → value) against `ty`, returning every problem: unknown inputs,
/// missing required inputs (in [`ValidationMode::Complete`]), a required input given empty,
/// booleans that are not `true`/`false`, values outside an input's options, and malformed URLs,
/// numbers, JSON objects, JSON pointers and PEM / `data:` values. Empty values are otherwise
/// treated as not set. An empty result means the values are valid.
pub fn validate_inputs(
    ty: &ConnectionType,
    values: &BTreeMap<String, String>,
    mode: ValidationMode,
) -> Vec<InputError> {
    let mut errors = Vec::new();
    for (key, value) in values {
        let Some(input) = ty.input(key) else {
            errors.push(InputError::new(
                key,
                format!(
                    "unknown input of connection type {}/{}",
                    ty.component, ty.key
                ),
            ));
            continue;
        };
        if value.trim().is_empty() {
            if input.required && input.default.is_none() {
                errors.push(InputError::new(key, "is required and cannot be empty"));
            }
            continue;
        }
        if let Some(message) = check_value(input, value) {
            errors.push(InputError::new(key, message));
        }
    }
    if mode == ValidationMode::Complete {
        for input in ty.inputs() {
            if input.required && input.default.is_none() && !values.contains_key(input.key) {
                errors.push(InputError::new(input.key, "is required"));
            }
        }
    }
    errors
}

/// The problem with one non-empty value, if any.
fn check_value(input: &ConnectionInput, value: &str) -> Option<String> {
    if input.input_type == ConnectionInputType::Boolean {
        if value != "true" && value != "false" {
            return Some("must be true or false".into());
        }
        return None;
    }
    if !input.options.is_empty() && !input.options.contains(&value) {
        return Some(format!("must be one of: {}", input.options.join(", ")));
    }
    let format = if input.input_type == ConnectionInputType::Data {
        ValueFormat::Pem
    } else {
        input.format
    };
    match format {
        ValueFormat::Any => None,
        ValueFormat::Url => {
            (!is_absolute_url(value)).then(|| "must be an absolute URL (scheme://host...)".into())
        }
        ValueFormat::Integer => value
            .parse::<u64>()
            .is_err()
            .then(|| "must be a whole number".into()),
        ValueFormat::JsonObject => {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(value)
                .is_err()
                .then(|| "must be a JSON object".into())
        }
        ValueFormat::JsonPointer => {
            (!value.starts_with('/')).then(|| "must be a JSON pointer starting with /".into())
        }
        ValueFormat::Pem => (!is_pem_or_data_url(value))
            .then(|| "must be PEM text (-----BEGIN ...) or a base64 data: URL".into()),
    }
}

/// `scheme://host...` with an RFC 3986 scheme, a non-empty host and no whitespace.
fn is_absolute_url(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    scheme_ok
        && !host.is_empty()
        && !host.starts_with(':')
        && !value.chars().any(char::is_whitespace)
}

/// PEM text (a `-----BEGIN X-----` … `-----END X-----` block) or a `data:` URL whose base64
/// payload decodes.
fn is_pem_or_data_url(value: &str) -> bool {
    let value = value.trim();
    if let Some(rest) = value.strip_prefix("data:") {
        let Some((meta, payload)) = rest.split_once(',') else {
            return false;
        };
        return meta.ends_with(";base64")
            && !payload.is_empty()
            && STANDARD.decode(payload.trim()).is_ok();
    }
    value.starts_with("-----BEGIN ") && value.contains("-----END ") && value.ends_with("-----")
}
