//! The `csv` component: Prismatic's CSV actions. `generateFromObject` writes a list of
//! objects as CSV (header row optional), `generate` writes rows, `parse` reads CSV text into
//! rows. The reading and writing is `change_data_format::formats` (the `csv` crate); text in
//! is bounded at 16 MiB.

mod manifest;

use std::sync::Arc;

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::Component;
use serde_json::Value;

use crate::change_data_format::formats;
pub use manifest::spec;
use manifest::{Generate, GenerateFromObject, Parse};

/// The component's key.
pub const KEY: &str = "csv";

/// The component: its spec and its actions.
pub fn component() -> Component {
    crate::assemble(spec(), actions())
}

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    vec![
        (
            "generateFromObject",
            Arc::new(CsvAction::GenerateFromObject) as Arc<dyn Action>,
        ),
        ("generate", Arc::new(CsvAction::Generate)),
        ("parse", Arc::new(CsvAction::Parse)),
    ]
}

/// One of the CSV actions.
#[derive(Debug, Clone, Copy)]
pub enum CsvAction {
    /// `generateFromObject`.
    GenerateFromObject,
    /// `generate`.
    Generate,
    /// `parse`.
    Parse,
}

/// The delimiter input as one byte: one ASCII character, or `\t` for a tab.
fn delimiter(given: Option<String>) -> Result<u8, ActionError> {
    let text = given.unwrap_or_else(|| ",".to_string());
    match text.as_str() {
        "\\t" | "\t" => Ok(b'\t'),
        t if t.len() == 1 && t.is_ascii() && t != "\"" && t != "\n" && t != "\r" => {
            Ok(t.as_bytes()[0])
        }
        _ => Err(ActionError::input(
            "delimiter",
            "must be one ASCII character (not a quote or a line break), or \\t",
        )),
    }
}

#[async_trait::async_trait]
impl Action for CsvAction {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let out = match self {
            CsvAction::GenerateFromObject => {
                let i = GenerateFromObject::from_inputs(&inputs)?;
                let d = delimiter(i.delimiter)?;
                let value = i.inputArray.0.unwrap_or(Value::Array(Vec::new()));
                if !value.is_array() {
                    return Err(ActionError::input(
                        "inputArray",
                        "must be a list of objects",
                    ));
                }
                Value::String(formats::value_to_csv(
                    &value,
                    d,
                    i.includeHeader.unwrap_or(true),
                    "inputArray",
                )?)
            }
            CsvAction::Generate => {
                let i = Generate::from_inputs(&inputs)?;
                let d = delimiter(i.delimiter)?;
                let rows = i.data.0.unwrap_or(Value::Array(Vec::new()));
                let all_rows = rows
                    .as_array()
                    .is_some_and(|r| r.iter().all(Value::is_array));
                if !all_rows {
                    return Err(ActionError::input(
                        "data",
                        "must be a list of rows (lists of cells)",
                    ));
                }
                Value::String(formats::value_to_csv(&rows, d, false, "data")?)
            }
            CsvAction::Parse => {
                let i = Parse::from_inputs(&inputs)?;
                let d = delimiter(i.delimiter)?;
                formats::csv_to_value(i.csv.text("csv")?, d, false, false, "csv")?
            }
        };
        Ok(Data::Json(out))
    }
}

#[cfg(test)]
mod tests;
