//! `validateJsonSchema`: a JSON value checked against a JSON Schema (drafts 4 to 2020-12, by
//! the `jsonschema` crate, without remote or file `$ref`s). A valid value answers `true`; an
//! invalid one fails the step, naming `jsonInput` and listing the first violations with their
//! locations, so the step gates what follows it.

use std::sync::Arc;

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::{ActionExample, ActionSpec};
use serde_json::{json, Value};

use crate::util::Encoded;

/// The most violations an error lists.
const MAX_LISTED: usize = 20;

plumb_core::action_inputs! {
    /// The inputs of `validateJsonSchema`.
    pub struct ValidateJsonSchema {
        /// The value to validate (any JSON value, or its JSON text).
        jsonInput: Encoded = ("JSON Object", Data, default r#"{"someProperty":"value"}"#),
        /// The JSON Schema (an object, or its JSON text); `$schema` picks the draft (2020-12
        /// when absent). `$ref`s must point inside the schema.
        jsonSchema: Encoded = ("JSON Schema", Code, default r#"{"type":"object","properties":{"someProperty":{"type":"string"}},"required":["someProperty"]}"#),
    }
}

/// The spec of `validateJsonSchema`.
pub fn spec() -> ActionSpec {
    let schema = json!({"type": "object", "properties": {"someProperty": {"type": "string"}}, "required": ["someProperty"]});
    ActionSpec::new(
        "validateJsonSchema",
        "Validate JSON Schema",
        "Check a JSON value against a JSON Schema: true when it matches, else the step fails with the violations.",
        ValidateJsonSchema::specs(),
    )
    .example(
        ActionExample::values(
            "A matching object",
            &[("jsonInput", json!({"someProperty": "value"})), ("jsonSchema", schema)],
        )
        .answers(json!(true)),
    )
    .example(
        ActionExample::values(
            "Schema and value as JSON text",
            &[("jsonInput", json!("[1, 2]")), ("jsonSchema", json!("{\"type\": \"array\", \"items\": {\"type\": \"integer\"}}"))],
        )
        .answers(json!(true)),
    )
}

/// The action, by key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    vec![("validateJsonSchema", Arc::new(Validate) as Arc<dyn Action>)]
}

/// `validateJsonSchema`.
#[derive(Debug, Clone, Copy)]
pub struct Validate;

/// `Ok(())` when `value` matches `schema`, else an error naming the input at fault.
pub fn validate(value: &Value, schema: &Value) -> Result<(), ActionError> {
    let validator = jsonschema::validator_for(schema).map_err(|e| {
        ActionError::input("jsonSchema", format!("is not a valid JSON Schema: {e}"))
    })?;
    let mut errors = validator.iter_errors(value).peekable();
    if errors.peek().is_none() {
        return Ok(());
    }
    let mut listed = Vec::new();
    let mut total = 0usize;
    for error in errors {
        total += 1;
        if listed.len() < MAX_LISTED {
            let at = error.instance_path().to_string();
            let at = if at.is_empty() { "/".to_string() } else { at };
            listed.push(format!("at {at}: {error}"));
        }
    }
    let more = if total > listed.len() {
        format!("; and {} more", total - listed.len())
    } else {
        String::new()
    };
    Err(ActionError::input(
        "jsonInput",
        format!("does not match the schema: {}{more}", listed.join("; ")),
    ))
}

#[async_trait::async_trait]
impl Action for Validate {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let i = ValidateJsonSchema::from_inputs(&inputs)?;
        let schema = i
            .jsonSchema
            .0
            .ok_or_else(|| ActionError::input("jsonSchema", "is required"))?;
        let value = i.jsonInput.0.unwrap_or(Value::Null);
        validate(&value, &schema)?;
        Ok(Data::Json(Value::Bool(true)))
    }
}
