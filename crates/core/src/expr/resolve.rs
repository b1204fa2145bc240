//! Evaluating expressions against a scope.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::reference::{RefTarget, Reference};
use super::template::TemplatePart;
use super::Expr;
use crate::action::{Connection, Data, InputValue};

/// A resolved config var: a plain value or a connection.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// A string, number, boolean, ... value.
    Value(Value),
    /// A connection.
    Connection(Connection),
}

/// The current iteration of an enclosing loop.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopFrame {
    /// The loop step's camelCased name.
    pub step: String,
    /// The current item (`loopNTimes`: the index).
    pub item: Value,
    /// The current index, from 0.
    pub index: usize,
}

/// What expressions resolve against.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// Config vars by key.
    pub config: &'a BTreeMap<String, ConfigValue>,
    /// Results of the steps that ran, by camelCased name (the trigger's too).
    pub results: &'a BTreeMap<String, Data>,
    /// Enclosing loops, outermost first.
    pub loops: &'a [LoopFrame],
}

/// Why an expression could not be resolved. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// The referenced step has no result (it did not run).
    #[error("step `{0}` has no result: it has not run")]
    NoResult(String),
    /// `currentItem` / `index` outside that loop.
    #[error("`{0}` is not an enclosing loop")]
    NotInLoop(String),
    /// A config var without a value.
    #[error("config var `{0}` is not set")]
    UnknownConfigVar(String),
    /// A path into binary data.
    #[error("`{reference}` reads a field of binary data ({content_type}); binary results have no fields")]
    PathIntoBinary {
        /// The reference.
        reference: String,
        /// The content type of the binary result.
        content_type: String,
    },
    /// Binary data where JSON is needed (inside a template or a list).
    #[error("`{reference}` is binary data ({content_type}) where JSON or text is required")]
    BinaryNotAllowed {
        /// The reference.
        reference: String,
        /// The content type of the binary result.
        content_type: String,
    },
    /// A connection where a plain value is needed.
    #[error("config var `{0}` is a connection; it can only be a whole input")]
    ConnectionNotAllowed(String),
}

/// Descends `path` into a JSON value; a missing key or index gives null (as JavaScript's
/// `undefined` would).
fn walk<'v>(mut value: &'v Value, path: &[String]) -> Option<&'v Value> {
    for seg in path {
        value = match value {
            Value::Object(m) => m.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

fn resolve_reference(r: &Reference, scope: &Scope<'_>) -> Result<Data, ResolveError> {
    match r.target {
        RefTarget::Results => {
            let data = scope
                .results
                .get(&r.step)
                .ok_or_else(|| ResolveError::NoResult(r.step.clone()))?;
            match data {
                Data::Json(v) => Ok(Data::Json(walk(v, &r.path).cloned().unwrap_or(Value::Null))),
                Data::Binary { content_type, .. } if !r.path.is_empty() => {
                    Err(ResolveError::PathIntoBinary {
                        reference: r.to_string(),
                        content_type: content_type.clone(),
                    })
                }
                binary => Ok(binary.clone()),
            }
        }
        RefTarget::CurrentItem | RefTarget::Index => {
            let frame = scope
                .loops
                .iter()
                .rev()
                .find(|f| f.step == r.step)
                .ok_or_else(|| ResolveError::NotInLoop(r.step.clone()))?;
            if r.target == RefTarget::Index {
                return Ok(Data::Json(Value::from(frame.index)));
            }
            Ok(Data::Json(
                walk(&frame.item, &r.path).cloned().unwrap_or(Value::Null),
            ))
        }
    }
}

/// Resolves an expression to an input value (JSON, binary or a connection).
pub fn resolve(expr: &Expr, scope: &Scope<'_>) -> Result<InputValue, ResolveError> {
    match expr {
        Expr::Reference(r) => resolve_reference(r, scope).map(InputValue::Data),
        Expr::ConfigVar(key) => match scope.config.get(key) {
            Some(ConfigValue::Connection(c)) => Ok(InputValue::Connection(c.clone())),
            Some(ConfigValue::Value(v)) => Ok(InputValue::Data(Data::Json(v.clone()))),
            None => Err(ResolveError::UnknownConfigVar(key.clone())),
        },
        other => resolve_json(other, scope).map(|v| InputValue::Data(Data::Json(v))),
    }
}

fn binary_error(expr: &Expr, content_type: &str) -> ResolveError {
    ResolveError::BinaryNotAllowed {
        reference: match expr {
            Expr::Reference(r) => r.to_string(),
            _ => "value".into(),
        },
        content_type: content_type.to_string(),
    }
}

/// Resolves an expression to JSON (binary data and connections are errors).
pub fn resolve_json(expr: &Expr, scope: &Scope<'_>) -> Result<Value, ResolveError> {
    match expr {
        Expr::Value(v) => Ok(v.clone()),
        Expr::Reference(r) => match resolve_reference(r, scope)? {
            Data::Json(v) => Ok(v),
            Data::Binary { content_type, .. } => Err(binary_error(expr, &content_type)),
        },
        Expr::ConfigVar(key) => match scope.config.get(key) {
            Some(ConfigValue::Value(v)) => Ok(v.clone()),
            Some(ConfigValue::Connection(_)) => {
                Err(ResolveError::ConnectionNotAllowed(key.clone()))
            }
            None => Err(ResolveError::UnknownConfigVar(key.clone())),
        },
        Expr::Template(t) => {
            let mut out = String::new();
            for part in &t.0 {
                let v = match part {
                    TemplatePart::Text(s) => {
                        out.push_str(s);
                        continue;
                    }
                    TemplatePart::ConfigVar(k) => resolve_json(&Expr::ConfigVar(k.clone()), scope)?,
                    TemplatePart::Reference(r) => match resolve_reference(r, scope)? {
                        Data::Json(v) => v,
                        Data::Binary { content_type, .. } => {
                            return Err(ResolveError::BinaryNotAllowed {
                                reference: r.to_string(),
                                content_type,
                            })
                        }
                    },
                };
                match v {
                    Value::String(s) => out.push_str(&s),
                    Value::Null => {}
                    other => out.push_str(&other.to_string()),
                }
            }
            Ok(Value::String(out))
        }
        Expr::Complex(items) => {
            let named = !items.is_empty() && items.iter().all(|i| i.name.is_some());
            if named {
                let mut map = Map::new();
                for item in items {
                    let key = match item
                        .name
                        .as_ref()
                        .map(|n| resolve_json(n, scope))
                        .transpose()?
                    {
                        Some(Value::String(s)) => s,
                        Some(other) => other.to_string(),
                        None => String::new(),
                    };
                    map.insert(key, resolve_json(&item.value, scope)?);
                }
                Ok(Value::Object(map))
            } else {
                items
                    .iter()
                    .map(|i| resolve_json(&i.value, scope))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            }
        }
        Expr::List(items) => items
            .iter()
            .map(|e| resolve_json(e, scope))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
    }
}
