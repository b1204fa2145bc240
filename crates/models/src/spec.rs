//! A model as a component: one action per operation, its inputs from the operation's path,
//! query, header and cookie parameters and its request body, each with its JSON Schema, scoped
//! to the organization that imported it. The component's key is the model's name.

use plumb_core::component::{
    ActionExample, ActionSpec, ComponentSpec, InputKind, InputSpec, Scope,
};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::model::{Location, Model, Operation};

/// The input key of a parameter: its name, or `<location>.<name>` when an earlier parameter
/// of the operation has the same name, or the name is one of plumb's own inputs
/// ([`INTEGRATION_INPUT`], [`BODY_INPUT`], [`CONTENT_TYPE_INPUT`]).
pub fn input_key(op: &Operation, index: usize) -> String {
    let p = &op.parameters[index];
    let clash = [INTEGRATION_INPUT, BODY_INPUT, CONTENT_TYPE_INPUT].contains(&p.name.as_str())
        || op.parameters[..index].iter().any(|q| q.name == p.name);
    if clash {
        format!("{}.{}", p.location.as_str(), p.name)
    } else {
        p.name.clone()
    }
}

/// The input naming the model integration (server, authentication, ...) a step calls through.
pub const INTEGRATION_INPUT: &str = "integration";
/// The input key of the request body.
pub const BODY_INPUT: &str = "body";
/// The input key choosing the body's media type when there are several.
pub const CONTENT_TYPE_INPUT: &str = "contentType";

fn kind_of(schema: &Value) -> InputKind {
    match schema.get("type").and_then(Value::as_str) {
        Some("integer" | "number") => InputKind::Number,
        Some("boolean") => InputKind::Boolean,
        Some("array") => InputKind::List,
        Some("string") => InputKind::String,
        _ => InputKind::Data,
    }
}

fn default_of(schema: &Value) -> Option<String> {
    schema.get("default").map(|d| match d {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// The inputs of one operation.
pub fn inputs(op: &Operation) -> Vec<InputSpec> {
    let mut out = vec![InputSpec::new(
        INTEGRATION_INPUT,
        "Integration",
        InputKind::String,
        true,
        None,
        "The name of the integration of this model to call through (its server, \
         authentication, TLS, timeout and proxy settings).",
    )
    .with_schema(json!({"type": "string", "minLength": 1}))];
    for (i, p) in op.parameters.iter().enumerate() {
        let place = match p.location {
            Location::Path => "Path",
            Location::Query => "Query",
            Location::Header => "Header",
            Location::Cookie => "Cookie",
        };
        let description = if p.description.is_empty() {
            format!("{place} parameter `{}`.", p.name)
        } else {
            format!("{place} parameter `{}`: {}", p.name, p.description)
        };
        out.push(
            InputSpec::new(
                input_key(op, i),
                p.name.clone(),
                kind_of(&p.schema),
                p.required,
                default_of(&p.schema).as_deref(),
                description,
            )
            .with_schema(p.schema.clone()),
        );
    }
    if let Some(body) = &op.body {
        let first = body.content.first();
        let types: Vec<&str> = body
            .content
            .iter()
            .map(|m| m.content_type.as_str())
            .collect();
        let schema = match body.content.as_slice() {
            [one] => one.schema.clone(),
            many => json!({"oneOf": many.iter().map(|m| m.schema.clone()).collect::<Vec<_>>()}),
        };
        let description = format!(
            "The request body ({}){}",
            types.join(", "),
            if body.description.is_empty() {
                String::new()
            } else {
                format!(": {}", body.description)
            }
        );
        out.push(
            InputSpec::new(
                BODY_INPUT,
                "Body",
                first.map_or(InputKind::Data, |m| match m.content_type.as_str() {
                    t if t.starts_with("text/") => InputKind::Text,
                    _ => InputKind::Data,
                }),
                body.required,
                None,
                description,
            )
            .with_schema(schema),
        );
        if types.len() > 1 {
            out.push(
                InputSpec::new(
                    CONTENT_TYPE_INPUT,
                    "Content type",
                    InputKind::String,
                    false,
                    first.map(|m| m.content_type.as_str()),
                    format!("The body's media type: one of {}.", types.join(", ")),
                )
                .with_schema(json!({"type": "string", "enum": types})),
            );
        }
    }
    out
}

fn example(op: &Operation, inputs: &[InputSpec]) -> ActionExample {
    let pairs: Vec<(&str, Value)> = inputs
        .iter()
        .filter(|i| i.required)
        .map(|i| {
            let value = i
                .default
                .clone()
                .map(Value::String)
                .or_else(|| i.schema.get("example").cloned())
                .unwrap_or_else(|| match i.kind {
                    InputKind::Number => json!("1"),
                    InputKind::Boolean => json!("true"),
                    InputKind::List => json!([]),
                    InputKind::Data => json!({}),
                    _ if i.key == INTEGRATION_INPUT => json!("my-integration"),
                    _ => json!("value"),
                });
            (i.key.as_str(), value)
        })
        .collect();
    ActionExample::values(format!("{} {}", op.method, op.path), &pairs)
}

/// The model as a component of `organization`.
pub fn component_spec(model: &Model, organization: Uuid) -> ComponentSpec {
    let mut spec = ComponentSpec::builtin(
        model.name.clone(),
        model.title.clone(),
        if model.description.is_empty() {
            format!("The integration model {}.", model.name)
        } else {
            model.description.clone()
        },
    );
    spec.version = model.version.clone();
    spec.scope = Scope::Organization(organization);
    for op in &model.operations {
        let inputs = inputs(op);
        let label = if op.summary.is_empty() {
            format!("{} {}", op.method, op.path)
        } else {
            op.summary.clone()
        };
        let description = format!(
            "{} {}{}",
            op.method,
            op.path,
            if op.description.is_empty() {
                String::new()
            } else {
                format!(": {}", op.description)
            }
        );
        let example = example(op, &inputs);
        spec = spec
            .action(ActionSpec::new(op.key.clone(), label, description, inputs).example(example));
    }
    spec
}
