//! The `change-data-format` component: Prismatic's Change Data Format actions, converting
//! between JSON, XML, CSV, YAML, JSON Lines and URL-encoded form data (`deserializeFromJson`,
//! `jsonToXml`, `csvToJson`, ...) and casting values (`convertToBoolean`, ...).
//!
//! - `manifest`: its spec: the action table ([`manifest::CONVERSIONS`], each a source and a
//!   target format), inputs and examples.
//! - `formats`: CSV (`csv`), YAML (`serde_yaml`), JSON Lines and form data to and from JSON.
//! - `xml`: XML to and from JSON (`quick-xml`'s reader; its escaping on write).
//! - `cast`: the `convertTo*` actions.
//!
//! Text inputs are read from strings or UTF-8 binary data, at most 16 MiB; XML nesting is
//! capped at [`xml::MAX_DEPTH`]. Text results are strings in `data`.

mod cast;
pub(crate) mod formats;
mod manifest;
pub(crate) mod xml;

use std::sync::Arc;

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::Component;
use serde_json::Value;

pub use manifest::spec;
use manifest::{CsvInput, DataInput, JsonlInput, Source, Target, XmlInput, CASTS, CONVERSIONS};

/// The component's key.
pub const KEY: &str = "change-data-format";

/// The component: its spec and its actions.
pub fn component() -> Component {
    crate::assemble(spec(), actions())
}

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    let mut out: Vec<(&'static str, Arc<dyn Action>)> = CONVERSIONS
        .iter()
        .map(|c| {
            let action: Arc<dyn Action> = Arc::new(Convert {
                source: c.source,
                target: c.target,
            });
            (c.key, action)
        })
        .collect();
    for &(key, _, _) in CASTS {
        out.push((key, Arc::new(cast::Cast { key })));
    }
    out
}

/// One format conversion: read the input as `source`, answer it as `target`.
#[derive(Debug, Clone, Copy)]
pub struct Convert {
    source: Source,
    target: Target,
}

#[async_trait::async_trait]
impl Action for Convert {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let key = if self.source == Source::Jsonl {
            "jsonlData"
        } else {
            "data"
        };
        let value = read(self.source, &inputs)?;
        let value = if self.source == Source::Xml && self.target == Target::Csv {
            rows_of(value)
        } else {
            value
        };
        write(self.target, value, key)
    }
}

/// The step's input read as `source`.
fn read(source: Source, inputs: &Inputs) -> Result<Value, ActionError> {
    let data = "data";
    match source {
        Source::Object => match DataInput::from_inputs(inputs)?.data.0 {
            Data::Json(v) => Ok(v),
            Data::Binary { .. } => Err(ActionError::input(
                data,
                "is binary data; deserialize it first (`deserializeFromBinary`)",
            )),
        },
        Source::Json | Source::Form => {
            let input = DataInput::from_inputs(inputs)?.data;
            match &input.0 {
                // A value that is already parsed (an object from an earlier step) passes.
                Data::Json(v) if !v.is_string() => Ok(v.clone()),
                _ if source == Source::Json => formats::json_to_value(input.text(data)?, data),
                _ => Ok(formats::form_to_value(input.text(data)?)),
            }
        }
        Source::Binary => {
            let input = DataInput::from_inputs(inputs)?.data;
            formats::json_to_value(input.text(data)?, data)
        }
        Source::Csv => {
            let i = CsvInput::from_inputs(inputs)?;
            formats::csv_to_value(
                i.data.text(data)?,
                b',',
                i.csvHeader.unwrap_or(true),
                i.unflattenKeys.unwrap_or(false),
                data,
            )
        }
        Source::Xml => {
            let i = XmlInput::from_inputs(inputs)?;
            xml::xml_to_value(
                i.data.text(data)?,
                i.numbersAsStrings.unwrap_or(false),
                data,
            )
        }
        Source::Yaml => {
            let input = DataInput::from_inputs(inputs)?.data;
            formats::yaml_to_value(input.text(data)?, data)
        }
        Source::Jsonl => {
            let input = JsonlInput::from_inputs(inputs)?.jsonlData;
            formats::jsonl_to_value(input.text("jsonlData")?, "jsonlData")
        }
    }
}

/// `value` answered as `target` (text targets as a string in `data`).
fn write(target: Target, value: Value, key: &str) -> Result<Data, ActionError> {
    let text = match target {
        Target::Object => return Ok(Data::Json(value)),
        Target::Json => value.to_string(),
        Target::Pretty => {
            let value = match value {
                Value::String(s) => match serde_json::from_str::<Value>(&s) {
                    Ok(parsed) => parsed,
                    Err(_) => return Ok(Data::Json(Value::String(s))),
                },
                other => other,
            };
            serde_json::to_string_pretty(&value)
                .map_err(|e| ActionError::failed(format!("writing JSON: {e}")))?
        }
        Target::Csv => formats::value_to_csv(&value, b',', true, key)?,
        Target::Xml => match value {
            // A list (CSV rows) becomes the `<item>`s of a `<root>`.
            Value::Array(items) => {
                xml::value_to_xml(&serde_json::json!({"root": {"item": items}}), key)?
            }
            other => xml::value_to_xml(&other, key)?,
        },
        Target::Yaml => formats::value_to_yaml(&value)?,
        Target::Jsonl => formats::value_to_jsonl(&value, key)?,
        Target::Form => formats::value_to_form(&value, key)?,
    };
    Ok(Data::Json(Value::String(text)))
}

/// The rows of an XML document for CSV: through elements with one child down to the first
/// list (`<rows><row/><row/></rows>` → the `row`s); the value itself when there is none.
fn rows_of(value: Value) -> Value {
    let mut current = &value;
    loop {
        match current {
            Value::Array(_) => return current.clone(),
            Value::Object(map) if map.len() == 1 => {
                current = map.values().next().unwrap_or(&Value::Null);
            }
            _ => return value,
        }
    }
}

#[cfg(test)]
mod tests;
