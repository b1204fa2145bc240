//! Integration definitions: Prismatic's exported YAML format (`definitionVersion: 7`).
//!
//! - [`parse`] turns YAML text into a [`Parsed`] definition (the typed [`Definition`] and the
//!   position of every node), or the YAML / structure [`Problems`].
//! - [`validate`] checks a definition against the component manifests and reports **every**
//!   problem at once, each with its flow, step, input path and YAML line and column.
//! - [`load`] does both; [`export`] writes a definition back to YAML (unknown fields kept).
//! - [`limits`] bounds what a definition may cost to read (text size, YAML aliases, nodes once
//!   aliases are expanded, nesting, steps); a definition beyond them is a
//!   [`ProblemKind::Limit`] problem, found before the expansion is built.
//!
//! A `requiredConfigVars` entry `{key, dataType: connection, useScopedConfigVar: <stableKey>}`
//! is kept as is ([`ConfigVarDecl::use_scoped_config_var`]) so the instance layer binds it to
//! the organization's scoped connection with that stable key.

pub mod limits;
mod model;
mod problems;
mod structure;
#[cfg(test)]
mod tests;
mod validate;
pub mod yaml;

use crate::component::ComponentLookup;

pub use limits::{Limits, LIMITS};
pub use model::{
    ActionRef, Branch, ComponentRef, ConfigPage, ConfigPageElement, ConfigVarDecl, Definition,
    ErrorConfig, ErrorType, Extra, Flow, Input, RetryConfig, Step,
};
pub use problems::{Problem, ProblemKind, Problems};
pub use validate::validate;
pub use yaml::{Position, Spans};

/// A parsed definition with the positions of its YAML nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The typed definition.
    pub definition: Definition,
    /// Positions by JSON pointer.
    pub spans: Spans,
}

impl Parsed {
    /// Validates the definition against the components the caller sees (see [`validate`]).
    pub fn validate(&self, components: &dyn ComponentLookup) -> Vec<Problem> {
        validate(&self.definition, &self.spans, components)
    }
}

/// Converts a serde path into a JSON pointer.
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => out.push_str(&format!("/{}", yaml::escape_segment(key))),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

/// Parses YAML text into a definition. Errors are a YAML syntax error or a structure error
/// (a field of the wrong shape), each with its position.
pub fn parse(text: &str) -> Result<Parsed, Problems> {
    let (value, spans) = yaml::parse_within(text, &LIMITS).map_err(|e| {
        let kind = match e.kind {
            yaml::YamlErrorKind::Syntax => ProblemKind::Yaml,
            yaml::YamlErrorKind::Limit => ProblemKind::Limit,
        };
        Problems(vec![Problem::new(kind, e.message, "", e.position)])
    })?;
    if let Some(problem) = limits::check_steps(&value, &spans, &LIMITS) {
        return Err(Problems(vec![problem]));
    }
    let problems = structure::check(&value, &spans);
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    let definition: Definition = serde_path_to_error::deserialize(value).map_err(|e| {
        let pointer = pointer_of(e.path());
        let at = spans.find(&pointer);
        let message = e.inner().to_string();
        Problems(vec![Problem::new(
            ProblemKind::Structure,
            message,
            pointer,
            at,
        )])
    })?;
    Ok(Parsed { definition, spans })
}

/// Parses and validates: the definition, or every problem.
pub fn load(text: &str, components: &dyn ComponentLookup) -> Result<Definition, Problems> {
    let parsed = parse(text)?;
    let problems = parsed.validate(components);
    if problems.is_empty() {
        Ok(parsed.definition)
    } else {
        Err(Problems(problems))
    }
}

/// Writes a definition as YAML; [`parse`] of the result gives back an equal definition.
pub fn export(definition: &Definition) -> String {
    match serde_json::to_value(definition) {
        Ok(v) => yaml::emit(&v),
        // A `Definition` always serializes (string keys, no custom serializers).
        Err(_) => String::new(),
    }
}
