//! The `liquid-template` component: Prismatic's Liquid Template action `transform` (Render
//! Template) renders input `liquidTemplate` with input `data` (the `liquid` crate, its
//! standard tags and filters, plus LiquidJS's `json` filter). The data's top-level keys are
//! variables, and the whole of it is `data`; the result is the rendered text.
//!
//! Bounds (`bounds`): the template at most 1 MiB; the output, each `capture` and each value a
//! growing filter makes at most 16 MiB; loop ranges literal and at most 100,000 wide; the
//! rendering at most 30 s (or the step's deadline), on a blocking thread.

mod bounds;
mod json_filter;

use std::sync::Arc;
use std::time::{Duration, Instant};

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::{ActionExample, ActionSpec, Component, ComponentSpec};
use serde_json::{json, Map, Value};

/// The component's key.
pub const KEY: &str = "liquid-template";

/// The largest template rendered (1 MiB).
pub const MAX_TEMPLATE_BYTES: usize = 1024 * 1024;

/// The longest a rendering may take.
pub const MAX_RENDER_TIME: Duration = Duration::from_secs(30);

plumb_core::action_inputs! {
    /// The inputs of `transform`.
    pub struct TransformInputs {
        /// The JSON data (or its JSON text) the template sees: its top-level keys are
        /// variables, and the whole of it is `data`.
        data: Option<Value> = ("Data", Data),
        /// The Liquid template (at most 1 MiB).
        liquidTemplate: String = ("Liquid Template", Code),
    }
}

/// The `liquid-template` component's spec.
pub fn spec() -> ComponentSpec {
    let example = |title: &str, data: Value, template: &str, result: &str| {
        ActionExample::values(
            title,
            &[("data", data), ("liquidTemplate", json!(template))],
        )
        .answers(json!(result))
    };
    ComponentSpec::builtin(
        KEY,
        "Liquid Template",
        "Render data into text (a message, a JSON body, a document) with a Liquid template.",
    )
    .action(
        ActionSpec::new(
            "transform",
            "Render Template",
            "Render a Liquid template with the given data; the result is the rendered text.",
            TransformInputs::specs(),
        )
        .example(example(
            "Variables and a filter",
            json!({"name": "Ash", "badges": [1, 2, 3]}),
            "Hello {{ name }}, {{ badges | size }} badges",
            "Hello Ash, 3 badges",
        ))
        .example(example(
            "The whole data as JSON",
            json!({"priority": "high", "id": 7}),
            "Alert: {{ data | json }}",
            "Alert: {\"id\":7,\"priority\":\"high\"}",
        ))
        .example(example(
            "A numbered list",
            json!({"actions": ["Page on-call", "Open incident"]}),
            "{% for a in actions %}{{ forloop.index }}. {{ a }}\n{% endfor %}",
            "1. Page on-call\n2. Open incident\n",
        ))
        .example(example(
            "Chained filters",
            json!({"reason": "false_positive"}),
            "{{ reason | replace: '_', ' ' | capitalize }}",
            "False positive",
        )),
    )
}

/// The component: its spec and its action.
pub fn component() -> Component {
    crate::assemble(spec(), actions())
}

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    vec![("transform", Arc::new(Transform) as Arc<dyn Action>)]
}

/// `transform`.
#[derive(Debug, Clone, Copy)]
pub struct Transform;

/// The parser: the standard library, the bounded `capture` and growing filters, `json`.
fn parser() -> Result<liquid::Parser, liquid::Error> {
    use bounds::SizeChecked;
    use liquid_lib::stdlib;
    liquid::ParserBuilder::with_stdlib()
        .block(bounds::CaptureBlock)
        .filter(SizeChecked(Box::new(stdlib::Append)))
        .filter(SizeChecked(Box::new(stdlib::Prepend)))
        .filter(SizeChecked(Box::new(stdlib::Replace)))
        .filter(SizeChecked(Box::new(stdlib::ReplaceFirst)))
        .filter(SizeChecked(Box::new(stdlib::Join)))
        .filter(SizeChecked(Box::new(stdlib::Concat)))
        .filter(json_filter::Json)
        .build()
}

/// The template's variables: the data's keys and `data`.
fn globals(data: Option<Value>) -> Result<liquid::Object, ActionError> {
    let data = match data {
        // JSON text is read as the data it holds; other text is the data itself.
        Some(Value::String(s)) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
        Some(v) => v,
        None => Value::Null,
    };
    let mut map = match &data {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    map.entry("data").or_insert(data);
    liquid::to_object(&Value::Object(map))
        .map_err(|e| ActionError::input("data", format!("cannot be given to a template: {e}")))
}

/// Renders `template` with `globals`, bounded (see the module docs).
fn render(template: &str, globals: &liquid::Object) -> Result<String, ActionError> {
    let parsed = parser()
        .map_err(|e| ActionError::failed(format!("building the Liquid parser: {e}")))?
        .parse(template)
        .map_err(|e| {
            ActionError::input("liquidTemplate", format!("is not a valid template: {e}"))
        })?;
    let mut out = bounds::Bounded::default();
    let rendered = parsed.render_to(&mut out, globals);
    if out.overflowed {
        return Err(ActionError::failed(bounds::OVERFLOW));
    }
    rendered.map_err(|e| ActionError::failed(format!("rendering the template: {e}")))?;
    String::from_utf8(out.bytes)
        .map_err(|e| ActionError::failed(format!("rendering the template: {e}")))
}

#[async_trait::async_trait]
impl Action for Transform {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let TransformInputs {
            data,
            liquidTemplate,
        } = TransformInputs::from_inputs(&inputs)?;
        if liquidTemplate.len() > MAX_TEMPLATE_BYTES {
            return Err(ActionError::input(
                "liquidTemplate",
                format!(
                    "is {} bytes; the limit is {MAX_TEMPLATE_BYTES}",
                    liquidTemplate.len()
                ),
            ));
        }
        bounds::check_ranges(&liquidTemplate)
            .map_err(|m| ActionError::input("liquidTemplate", m))?;
        let globals = globals(data)?;
        let limit = ctx
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
            .map_or(MAX_RENDER_TIME, |left| left.min(MAX_RENDER_TIME));
        let job = tokio::task::spawn_blocking(move || render(&liquidTemplate, &globals));
        match tokio::time::timeout(limit, job).await {
            Ok(Ok(result)) => result.map(|text| Data::Json(Value::String(text))),
            Ok(Err(e)) => Err(ActionError::failed(format!("rendering the template: {e}"))),
            Err(_) => Err(ActionError::Timeout(limit.as_millis() as u64)),
        }
    }
}

#[cfg(test)]
mod tests;
