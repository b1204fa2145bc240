//! The actions that take a JavaScript function: `filter`, `map`, `sort` and `aggregate` (its
//! optional filter). The functions run in `runCode`'s sandbox ([`crate::code::run_module`]:
//! the same QuickJS pool, memory and time limits, and the step's deadline), inside one fixed
//! module ([`MODULE`]) that gets the list, the function texts and the context data as its
//! `stepResults`: a function's text is compiled by the sandbox's own `eval`, never spliced
//! into code. A filter or transform function gets `(item, index, contextData)` (the index in
//! the given list) and may be async; a sort function gets `(a, b)` and returns a number.

use std::collections::BTreeMap;
use std::sync::Arc;

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::{ActionExample, ActionSpec};
use serde_json::{json, Value};

use super::lists::{self, Aggregate};
use crate::code::{self, CodeError};
use crate::util::Encoded;

/// The most bytes of one function's text.
pub const MAX_FUNCTION_BYTES: usize = 64 * 1024;

/// The default filter function: keeps every element.
const KEEP_ALL: &str = "(item, index) => { return true; }";
/// The default transform function: every element as it is.
const IDENTITY: &str = "(item, index) => { return item; }";
/// The default sort function of Prismatic's page.
const BY_PROP: &str = "(a, b) => { return a.prop < b.prop ? -1 : 1; }";
/// The default list of `sort` on Prismatic's page.
const SORT_SAMPLE: &str =
    r#"[{"name":"Widget","prop":25},{"name":"Thingy","prop":10},{"name":"Whatsit","prop":19}]"#;

/// Marks an error the module throws about one input: `\u{1}key\u{1}message`.
const MARK: char = '\u{1}';

/// The module every function action runs. Its `stepResults` hold `list`, `contextData` and the
/// function texts by input key.
const MODULE: &str = r#"module.exports = async (context, stepResults) => {
  const input = (name) => (stepResults[name] === undefined ? undefined : stepResults[name].results);
  const fail = (key, message) => new Error('\u0001' + key + '\u0001' + message);
  const shown = (e) => (e && e.name ? e.name + ': ' + e.message : String(e));
  const compile = (key) => {
    const text = input(key);
    if (text === undefined) return undefined;
    let f;
    try { f = (0, eval)('(' + text + '\n)'); } catch (e) { throw fail(key, 'is not a valid JavaScript function: ' + shown(e)); }
    if (typeof f !== 'function') throw fail(key, 'must be a JavaScript function, like (item, index) => true');
    return f;
  };
  const list = input('list');
  const extra = input('contextData');
  const filter = compile('filterCodeInput');
  const transform = compile('mapCodeInput');
  const compare = compile('sortCodeInput');
  let out = list.map((item, index) => [item, index]);
  if (filter) {
    const kept = [];
    for (const [item, index] of out) {
      let keep;
      try { keep = await filter(item, index, extra); } catch (e) { throw fail('filterCodeInput', 'threw for element ' + index + ': ' + shown(e)); }
      if (keep) kept.push([item, index]);
    }
    out = kept;
  }
  if (transform) {
    const mapped = [];
    for (const [item, index] of out) {
      try { mapped.push([await transform(item, index, extra), index]); } catch (e) { throw fail('mapCodeInput', 'threw for element ' + index + ': ' + shown(e)); }
    }
    out = mapped;
  }
  out = out.map(([item]) => item);
  if (compare) {
    out = out.slice().sort((a, b) => {
      let r;
      try { r = Number(compare(a, b)); } catch (e) { throw fail('sortCodeInput', 'threw: ' + shown(e)); }
      return Number.isNaN(r) ? 0 : r;
    });
  }
  return { data: out };
};"#;

plumb_core::action_inputs! {
    /// The inputs of `filter`.
    pub struct Filter {
        /// The list to filter (a JSON list, or its JSON text).
        listInput: Encoded = ("List", Data),
        /// `(item, index) => boolean`: the elements it returns a truthy value for are kept.
        filterCodeInput: Option<String> = ("Filter Function", Code, default "(item, index) => { return true; }"),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `map`.
    pub struct Map {
        /// The list to transform (a JSON list, or its JSON text).
        listInput: Encoded = ("List", Data),
        /// `(item, index, contextData) => newItem`: what each kept element becomes.
        mapCodeInput: Option<String> = ("Transform (map) Function", Code, default "(item, index) => { return item; }"),
        /// `(item, index, contextData) => boolean`, applied first: only the elements it
        /// returns a truthy value for are transformed and kept.
        filterCodeInput: Option<String> = ("Filter Function", Code, default "(item, index) => { return true; }"),
        /// Any JSON value, given to both functions as their third argument.
        contextData: Option<Value> = ("Context Data", Data),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `sort`.
    pub struct Sort {
        /// The list to sort (a JSON list, or its JSON text).
        listInput: Encoded = ("List", Data, default r#"[{"name":"Widget","prop":25},{"name":"Thingy","prop":10},{"name":"Whatsit","prop":19}]"#),
        /// `(a, b) => number`, as JavaScript's `Array.prototype.sort` takes it: negative puts
        /// `a` first, positive `b`, zero keeps their order.
        sortCodeInput: Option<String> = ("Sort Comparison Function", Code, default "(a, b) => { return a.prop < b.prop ? -1 : 1; }"),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `aggregate`.
    pub struct AggregateInputs {
        /// The list to aggregate (a JSON list, or its JSON text): numbers, or number text.
        listInput: Encoded = ("List", Data),
        /// One of AVERAGE, COUNT, MAX, MIN, SUM, PRODUCT, MEDIAN (any case).
        aggregateFunctionInput: String = ("Aggregate Function", String),
        /// `(item, index) => boolean`, applied first: only the elements it returns a truthy
        /// value for are aggregated.
        filterCodeInput: Option<String> = ("Filter Function", Code, default "(item, index) => { return true; }"),
    }
}

fn example(title: &str, inputs: &[(&str, Value)], result: Value) -> ActionExample {
    ActionExample::values(title, inputs).answers(result)
}

fn spec(
    key: &str,
    label: &str,
    description: &str,
    inputs: Vec<plumb_core::component::InputSpec>,
    examples: Vec<ActionExample>,
) -> ActionSpec {
    examples.into_iter().fold(
        ActionSpec::new(key, label, description, inputs),
        ActionSpec::example,
    )
}

/// The specs of the function actions.
pub fn specs() -> Vec<ActionSpec> {
    let sample: Value = serde_json::from_str(SORT_SAMPLE).unwrap_or_default();
    vec![
        spec(
            "aggregate",
            "Aggregate",
            "Apply an aggregate function (sum, average, median, ...) to a list, after an optional JavaScript filter.",
            AggregateInputs::specs(),
            vec![
                example("A sum", &[("listInput", json!([100, 17])), ("aggregateFunctionInput", json!("SUM"))], json!(117)),
                example(
                    "A sum of the elements a filter keeps",
                    &[("listInput", json!([5, 100, "17"])), ("aggregateFunctionInput", json!("sum")), ("filterCodeInput", json!("(value) => Number(value) > 10"))],
                    json!(117),
                ),
                example("A median of an even count", &[("listInput", json!([3, 1, 2, 10])), ("aggregateFunctionInput", json!("MEDIAN"))], json!(2.5)),
                example("An average of nothing", &[("listInput", json!([])), ("aggregateFunctionInput", json!("AVERAGE"))], Value::Null),
            ],
        ),
        spec(
            "filter",
            "Filter",
            "Keep the elements of a list a JavaScript function returns true for.",
            Filter::specs(),
            vec![
                example(
                    "By a property",
                    &[("listInput", json!([{"someProperty": 17, "id": 1}, {"someProperty": 3, "id": 2}])), ("filterCodeInput", json!("(value) => value.someProperty === 17"))],
                    json!([{"someProperty": 17, "id": 1}]),
                ),
                example("By index", &[("listInput", json!(["a", "b", "c"])), ("filterCodeInput", json!("(item, index) => index !== 1"))], json!(["a", "c"])),
                example("The default keeps everything", &[("listInput", json!([1, 2]))], json!([1, 2])),
            ],
        ),
        spec(
            "map",
            "Map",
            "Transform each element of a list with a JavaScript function, after an optional filter.",
            Map::specs(),
            vec![
                example("Double", &[("listInput", json!([1, 2, 3])), ("mapCodeInput", json!("(item) => item * 2"))], json!([2, 4, 6])),
                example(
                    "Filter first, with context data",
                    &[
                        ("listInput", json!([{"n": 1}, {"n": 2}, {"n": 3}])),
                        ("mapCodeInput", json!("(item, index, context) => ({ n: item.n * context.factor, index })")),
                        ("filterCodeInput", json!("(item) => item.n > 1")),
                        ("contextData", json!({"factor": 10})),
                    ],
                    json!([{"n": 20, "index": 1}, {"n": 30, "index": 2}]),
                ),
            ],
        ),
        spec(
            "sort",
            "Sort",
            "Sort a list with a JavaScript comparison function (a stable sort).",
            Sort::specs(),
            vec![
                example(
                    "By a property (the defaults)",
                    &[("listInput", sample), ("sortCodeInput", json!(BY_PROP))],
                    json!([{"name": "Thingy", "prop": 10}, {"name": "Whatsit", "prop": 19}, {"name": "Widget", "prop": 25}]),
                ),
                example("Numbers, largest first", &[("listInput", json!([3, 10, 1])), ("sortCodeInput", json!("(a, b) => b - a"))], json!([10, 3, 1])),
            ],
        ),
    ]
}

/// The function actions, by key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    ["aggregate", "filter", "map", "sort"]
        .into_iter()
        .map(|key| (key, Arc::new(FunctionAction(key)) as Arc<dyn Action>))
        .collect()
}

/// One of the function actions, by its key.
#[derive(Debug, Clone, Copy)]
pub struct FunctionAction(&'static str);

/// A function input: `None` when absent or `default` (nothing to run), else its text,
/// bounded.
fn function(
    text: Option<String>,
    key: &'static str,
    default: &str,
) -> Result<Option<(&'static str, String)>, ActionError> {
    let Some(text) = text.filter(|t| !t.trim().is_empty() && t.trim() != default) else {
        return Ok(None);
    };
    if text.len() > MAX_FUNCTION_BYTES {
        return Err(ActionError::input(
            key,
            format!("is {} bytes; the limit is {MAX_FUNCTION_BYTES}", text.len()),
        ));
    }
    Ok(Some((key, text)))
}

/// Runs [`MODULE`] over `list` with the given functions; the resulting list.
async fn run_functions(
    ctx: &ActionContext,
    list: Vec<Value>,
    functions: Vec<(&'static str, String)>,
    context_data: Option<Value>,
) -> Result<Value, ActionError> {
    if functions.is_empty() {
        return Ok(Value::Array(list));
    }
    let mut values = BTreeMap::new();
    values.insert("list".to_string(), Data::Json(Value::Array(list)));
    if let Some(extra) = context_data {
        values.insert("contextData".to_string(), Data::Json(extra));
    }
    for (key, text) in functions {
        values.insert(key.to_string(), Data::Json(Value::String(text)));
    }
    match code::run_module(ctx, None, MODULE.to_string(), Arc::new(values)).await {
        Ok(Data::Json(value)) => Ok(value),
        Ok(Data::Binary { .. }) => Err(ActionError::failed("a function returned binary data")),
        Err(CodeError::Thrown { message, .. }) if message.starts_with(MARK) => {
            let mut parts = message.splitn(3, MARK).skip(1);
            let key = parts.next().unwrap_or_default().to_string();
            Err(ActionError::input(key, parts.next().unwrap_or_default()))
        }
        Err(e) => Err(code::to_action_error(e)),
    }
}

#[async_trait::async_trait]
impl Action for FunctionAction {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let out = match self.0 {
            "filter" => {
                let i = Filter::from_inputs(&inputs)?;
                let list = lists::list(i.listInput.0, "listInput")?;
                let f = function(i.filterCodeInput, "filterCodeInput", KEEP_ALL)?;
                run_functions(ctx, list, f.into_iter().collect(), None).await?
            }
            "map" => {
                let i = Map::from_inputs(&inputs)?;
                let list = lists::list(i.listInput.0, "listInput")?;
                let fs = [
                    function(i.filterCodeInput, "filterCodeInput", KEEP_ALL)?,
                    function(i.mapCodeInput, "mapCodeInput", IDENTITY)?,
                ];
                run_functions(ctx, list, fs.into_iter().flatten().collect(), i.contextData).await?
            }
            "sort" => {
                let i = Sort::from_inputs(&inputs)?;
                let list = lists::list(i.listInput.0, "listInput")?;
                let text = i.sortCodeInput.unwrap_or_else(|| BY_PROP.to_string());
                // The default comparison is a real one: only a blank text is nothing to run.
                let f = function(Some(text), "sortCodeInput", "")?;
                run_functions(ctx, list, f.into_iter().collect(), None).await?
            }
            _ => {
                let i = AggregateInputs::from_inputs(&inputs)?;
                let aggregate =
                    Aggregate::parse(&i.aggregateFunctionInput, "aggregateFunctionInput")?;
                let list = lists::list(i.listInput.0, "listInput")?;
                let f = function(i.filterCodeInput, "filterCodeInput", KEEP_ALL)?;
                let kept = run_functions(ctx, list, f.into_iter().collect(), None).await?;
                let kept = kept.as_array().map(Vec::as_slice).unwrap_or_default();
                aggregate.apply(kept, "listInput")?
            }
        };
        Ok(Data::Json(out))
    }
}
