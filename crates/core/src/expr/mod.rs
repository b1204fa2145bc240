//! Step input expressions and their resolution.
//!
//! An input in a definition is `{type, value}` ([`crate::definition::Input`]); [`Expr::parse`]
//! turns it into an [`Expr`]:
//! - `value`: a literal JSON value;
//! - `reference`: `stepName.results.a.0.b` ([`Reference`]; step names camelCased by
//!   [`camel_case`]), or `loopStep.currentItem` / `loopStep.index` inside a loop;
//! - `configVar`: a config var by key (an empty key is no value);
//! - `template`: text with `{{configVars.x}}` / `{{$step.results.y}}` ([`Template`]);
//! - `complex`: a list of items, each a `{name, type, value}` input or a raw value; named
//!   items make a JSON object, unnamed ones a JSON array.
//!
//! [`resolve`] evaluates an expression against a [`Scope`] (config vars, step results, loop
//! state). It is pure: no IO, no clock.

mod camel;
mod reference;
mod resolve;
mod template;
#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::definition::Input;

pub use camel::camel_case;
pub use reference::{RefTarget, Reference, ReferenceError};
pub use resolve::{resolve, resolve_json, ConfigValue, LoopFrame, ResolveError, Scope};
pub use template::{Template, TemplateError, TemplatePart};

/// A typed input expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal.
    Value(Value),
    /// A reference to an earlier result or the current loop item.
    Reference(Reference),
    /// A config var by key.
    ConfigVar(String),
    /// A template.
    Template(Template),
    /// A `complex` list.
    Complex(Vec<ComplexItem>),
    /// A raw list inside a `complex` value (e.g. a branch condition `[and, [exists, {...}]]`);
    /// its elements may be expressions.
    List(Vec<Expr>),
}

/// One item of a `complex` list.
#[derive(Debug, Clone, PartialEq)]
pub struct ComplexItem {
    /// The item's name (a key/value list's key), itself an expression.
    pub name: Option<Expr>,
    /// The item's value.
    pub value: Expr,
}

/// An expression that cannot be parsed, with the path inside the input (`value/2/value`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    /// JSON pointer below the input (`""` for the input itself).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// Whether it is a template syntax error.
    pub is_template: bool,
}

fn expr_err(pointer: &str, message: impl Into<String>) -> ExprError {
    ExprError {
        pointer: pointer.to_string(),
        message: message.into(),
        is_template: false,
    }
}

impl Expr {
    /// Parses a definition input.
    pub fn parse(input: &Input) -> Result<Expr, ExprError> {
        Self::parse_typed(&input.kind, &input.value, "")
    }

    fn parse_typed(kind: &str, value: &Value, at: &str) -> Result<Expr, ExprError> {
        let as_str = |what: &str| -> Result<String, ExprError> {
            match value {
                Value::String(s) => Ok(s.clone()),
                Value::Null => Ok(String::new()),
                Value::Number(_) | Value::Bool(_) => Ok(value.to_string()),
                _ => Err(expr_err(
                    &format!("{at}/value"),
                    format!("a {what} must be a string"),
                )),
            }
        };
        match kind {
            "value" => Ok(Expr::Value(value.clone())),
            "reference" => {
                let text = as_str("reference")?;
                // Prismatic exports an unset reference as an empty string: no value.
                if text.trim().is_empty() {
                    return Ok(Expr::Value(Value::Null));
                }
                Reference::parse(&text)
                    .map(Expr::Reference)
                    .map_err(|e| expr_err(&format!("{at}/value"), e.to_string()))
            }
            "configVar" => {
                let key = as_str("config var key")?;
                if key.is_empty() {
                    Ok(Expr::Value(Value::Null))
                } else {
                    Ok(Expr::ConfigVar(key))
                }
            }
            "template" => {
                let text = as_str("template")?;
                Template::parse(&text).map(Expr::Template).map_err(|e| ExprError {
                    pointer: format!("{at}/value"),
                    message: e.to_string(),
                    is_template: true,
                })
            }
            "complex" => match value {
                Value::Array(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        out.push(Self::parse_item(item, &format!("{at}/value/{i}"))?);
                    }
                    Ok(Expr::Complex(out))
                }
                Value::Null => Ok(Expr::Complex(Vec::new())),
                other => Ok(Expr::Value(other.clone())),
            },
            other => Err(expr_err(
                &format!("{at}/type"),
                format!("unknown input type `{other}` (expected value, reference, configVar, template or complex)"),
            )),
        }
    }

    fn parse_item(item: &Value, at: &str) -> Result<ComplexItem, ExprError> {
        match item {
            Value::Object(map) if map.get("type").is_some_and(Value::is_string) => {
                let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
                let value = map.get("value").unwrap_or(&Value::Null);
                let name = match map.get("name") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) if s.is_empty() => None,
                    Some(n @ Value::Object(_)) => Some(Self::parse_raw(n, &format!("{at}/name"))?),
                    Some(n) => Some(Expr::Value(n.clone())),
                };
                Ok(ComplexItem {
                    name,
                    value: Self::parse_typed(kind, value, at)?,
                })
            }
            other => Ok(ComplexItem {
                name: None,
                value: Self::parse_raw(other, at)?,
            }),
        }
    }

    /// A raw element of a complex value: an input object, a nested list or a literal.
    fn parse_raw(value: &Value, at: &str) -> Result<Expr, ExprError> {
        match value {
            Value::Object(map) if map.get("type").is_some_and(Value::is_string) => {
                let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
                Self::parse_typed(kind, map.get("value").unwrap_or(&Value::Null), at)
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, v) in items.iter().enumerate() {
                    out.push(Self::parse_raw(v, &format!("{at}/{i}"))?);
                }
                Ok(Expr::List(out))
            }
            other => Ok(Expr::Value(other.clone())),
        }
    }

    /// Calls `f` on this expression and every expression inside it.
    pub fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Complex(items) => {
                for item in items {
                    if let Some(n) = &item.name {
                        n.visit(f);
                    }
                    item.value.visit(f);
                }
            }
            Expr::List(items) => items.iter().for_each(|e| e.visit(f)),
            _ => {}
        }
    }

    /// Every reference in the expression, templates included.
    pub fn references(&self) -> Vec<&Reference> {
        let mut out = Vec::new();
        self.visit(&mut |e| match e {
            Expr::Reference(r) => out.push(r),
            Expr::Template(t) => out.extend(t.0.iter().filter_map(|p| match p {
                TemplatePart::Reference(r) => Some(r),
                _ => None,
            })),
            _ => {}
        });
        out
    }

    /// Every config var key in the expression, templates included.
    pub fn config_vars(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit(&mut |e| match e {
            Expr::ConfigVar(k) => out.push(k.as_str()),
            Expr::Template(t) => out.extend(t.0.iter().filter_map(|p| match p {
                TemplatePart::ConfigVar(k) => Some(k.as_str()),
                _ => None,
            })),
            _ => {}
        });
        out
    }
}
