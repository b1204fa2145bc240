//! The `collection-tools` component: Prismatic's Collection Tools. Pure data actions on lists
//! and objects ([`lists`]: `chunks`, `flatten`, `concatenate`, `addKey`, ...) and actions that
//! take a JavaScript function ([`functions`]: `filter`, `map`, `sort`, `aggregate`'s filter),
//! run in `runCode`'s sandbox ([`crate::code::JsPool`]) under its time and memory limits; and
//! [`schema`]'s `validateJsonSchema`.
//!
//! Results are the action's `data` as Prismatic's page shows it. Lists read or built hold at
//! most [`lists::MAX_ITEMS`] elements; paths have at most [`lists::MAX_PATH_SEGMENTS`]
//! segments.

mod functions;
mod lists;
mod manifest;
mod schema;

use std::sync::Arc;

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::Component;
use serde_json::Value;

pub use lists::{MAX_ITEMS, MAX_PATH_SEGMENTS};
pub use manifest::spec;
use manifest::{
    AddKey, KeyValueList, ListAndElement, ListAndNumber, ListOnly, ObjectOnly, SelectItem, TwoLists,
};

/// The component's key.
pub const KEY: &str = "collection-tools";

/// The component: its spec and its actions.
pub fn component() -> Component {
    crate::assemble(spec(), actions())
}

/// The pure data actions, by key.
const DATA_ACTIONS: &[&str] = &[
    "addKey",
    "append",
    "chunks",
    "concatenate",
    "count",
    "deduplicate",
    "first",
    "flatten",
    "fromObject",
    "last",
    "length",
    "remove",
    "selectItemFromList",
    "takeFirst",
    "takeLast",
    "toObject",
];

/// The actions of this component, keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    DATA_ACTIONS
        .iter()
        .map(|key| (*key, Arc::new(DataAction(key)) as Arc<dyn Action>))
        .chain(functions::actions())
        .chain(schema::actions())
        .collect()
}

/// One of the pure data actions, by its key.
#[derive(Debug, Clone, Copy)]
pub struct DataAction(&'static str);

/// The `listInput` of a step.
fn list_input(value: Option<Value>) -> Result<Vec<Value>, ActionError> {
    lists::list(value, "listInput")
}

#[async_trait::async_trait]
impl Action for DataAction {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        run_data(self.0, &inputs).map(Data::Json)
    }
}

fn run_data(key: &str, inputs: &Inputs) -> Result<Value, ActionError> {
    Ok(match key {
        "addKey" => {
            let i = AddKey::from_inputs(inputs)?;
            let object = i
                .object
                .0
                .ok_or_else(|| ActionError::input("object", "is required (an object)"))?;
            lists::add_key(object, i.objectPath.as_deref(), i.key, i.value)?
        }
        "append" | "count" | "remove" => {
            let i = ListAndElement::from_inputs(inputs)?;
            let list = list_input(i.listInput.0)?;
            match key {
                "append" => lists::append(list, i.elementInput, "listInput")?,
                "count" => lists::count(&list, &i.elementInput),
                _ => lists::remove(list, &i.elementInput),
            }
        }
        "chunks" | "takeFirst" | "takeLast" => {
            let i = ListAndNumber::from_inputs(inputs)?;
            let list = list_input(i.listInput.0)?;
            let n = usize::try_from(i.numberInput.or(1)).unwrap_or(usize::MAX);
            match key {
                "chunks" => lists::chunks(list, lists::positive(n as u64, "numberInput")?),
                "takeFirst" => lists::take_first(list, n),
                _ => lists::take_last(list, n),
            }
        }
        "concatenate" => {
            let i = TwoLists::from_inputs(inputs)?;
            let first = list_input(i.listInput.0)?;
            let second = lists::list(i.secondListInput.0, "secondListInput")?;
            lists::concatenate(first, second, "secondListInput")?
        }
        "selectItemFromList" => {
            let i = SelectItem::from_inputs(inputs)?;
            lists::select(list_input(i.listInput.0)?, &i.index, "index")?
        }
        "fromObject" => {
            let i = ObjectOnly::from_inputs(inputs)?;
            let object = i
                .object
                .0
                .ok_or_else(|| ActionError::input("object", "is required (an object)"))?;
            lists::from_object(object)?
        }
        "toObject" => {
            let i = KeyValueList::from_inputs(inputs)?;
            lists::to_object(
                lists::list(i.keyValueList.0, "keyValueList")?,
                "keyValueList",
            )?
        }
        _ => {
            let list = list_input(ListOnly::from_inputs(inputs)?.listInput.0)?;
            match key {
                "deduplicate" => lists::deduplicate(list),
                "first" => list.into_iter().next().unwrap_or(Value::Null),
                "last" => list.into_iter().next_back().unwrap_or(Value::Null),
                "length" => Value::from(list.len()),
                "flatten" => lists::flatten(list, "listInput")?,
                other => return Err(ActionError::failed(format!("unknown action `{other}`"))),
            }
        }
    })
}

#[cfg(test)]
mod tests;
