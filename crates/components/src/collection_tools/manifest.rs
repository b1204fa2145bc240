//! What the `collection-tools` component is: Prismatic's Collection Tools actions and their
//! inputs (`listInput`, `numberInput`, `elementInput`, `key` / `object` / `objectPath` /
//! `value`, ...), with examples from Prismatic's page and edge cases.

use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec};
use serde_json::{json, Value};

use crate::util::{Count, Encoded};

plumb_core::action_inputs! {
    /// The inputs of the actions that read one list.
    pub struct ListOnly {
        /// The list to operate on (a JSON list, or its JSON text).
        listInput: Encoded = ("List", Data),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `chunks`, `takeFirst` and `takeLast`.
    pub struct ListAndNumber {
        /// The list to operate on (a JSON list, or its JSON text).
        listInput: Encoded = ("List", Data),
        /// How many elements: the size of each chunk, or how many to take (a whole number; at
        /// least 1 for `chunks`).
        numberInput: Count = ("Number of Elements", String, default "1"),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `append`, `count` and `remove`.
    pub struct ListAndElement {
        /// The list to operate on (a JSON list, or its JSON text).
        listInput: Encoded = ("List", Data),
        /// The element to append, count or remove (any JSON value; compared by deep
        /// equality).
        elementInput: Value = ("Element", Data),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `concatenate`.
    pub struct TwoLists {
        /// The first list (a JSON list, or its JSON text).
        listInput: Encoded = ("List", Data),
        /// The list whose elements follow the first list's.
        secondListInput: Encoded = ("Second List", Data),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `selectItemFromList`.
    pub struct SelectItem {
        /// The list to select from (a JSON list, or its JSON text).
        listInput: Encoded = ("List", Data),
        /// The element's index from 0; indexes joined by dots go into nested lists (`1.0` is the
        /// first element of the second element).
        index: String = ("Index", String),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `addKey`.
    pub struct AddKey {
        /// The object to add to (a JSON object, or its JSON text).
        object: Encoded = ("Object", Code),
        /// The key to set (an existing key's value is replaced).
        key: String = ("Key", String),
        /// The value to set under the key (any JSON value).
        value: Value = ("Value", String),
        /// Where to add the key, in dot notation (`employee.contact`); missing objects on the
        /// way are made; a number goes into a list. At most 64 segments. Blank: the top level.
        objectPath: Option<String> = ("Insert Path", String),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `fromObject`.
    pub struct ObjectOnly {
        /// The object whose entries to list (a JSON object, or its JSON text).
        object: Encoded = ("Object", Code),
    }
}

plumb_core::action_inputs! {
    /// The inputs of `toObject`.
    pub struct KeyValueList {
        /// A list of `{key, value}` objects (or its JSON text); a later key replaces an earlier
        /// one.
        keyValueList: Encoded = ("Key/Value List", Data),
    }
}

/// An example of an action from its inputs and its result.
fn example(title: &str, inputs: &[(&str, Value)], result: Value) -> ActionExample {
    ActionExample::values(title, inputs).answers(result)
}

/// An action of the spec.
fn action(
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

/// The pure data actions (lists and objects).
fn data_actions() -> Vec<ActionSpec> {
    let employee = json!({"employee": {"id": "123", "hired": "2022-03-05T00:08:00", "contact": {"phone": "6024441234"}}});
    vec![
        action(
            "addKey",
            "Add Key/Value to Object",
            "Set a key to a value in an object, at its top level or at a dot-notation path inside it.",
            AddKey::specs(),
            vec![
                example(
                    "A key at the top level",
                    &[("object", json!({"FirstName": "Foo"})), ("key", json!("LastName")), ("value", json!("Bar"))],
                    json!({"FirstName": "Foo", "LastName": "Bar"}),
                ),
                example(
                    "Into a nested object by its path",
                    &[("object", employee.clone()), ("key", json!("FirstName")), ("value", json!("Jake")), ("objectPath", json!("employee.contact"))],
                    json!({"employee": {"id": "123", "hired": "2022-03-05T00:08:00", "contact": {"phone": "6024441234", "FirstName": "Jake"}}}),
                ),
                example(
                    "A missing path is made; a blank path is the top level",
                    &[("object", json!({"a": 1})), ("key", json!("c")), ("value", json!([1, 2])), ("objectPath", json!("b.x"))],
                    json!({"a": 1, "b": {"x": {"c": [1, 2]}}}),
                ),
                example(
                    "An existing key is replaced",
                    &[("object", json!("{\"title\":\"a\",\"id\":1}")), ("key", json!("title")), ("value", json!("A")), ("objectPath", json!(""))],
                    json!({"title": "A", "id": 1}),
                ),
            ],
        ),
        action(
            "append",
            "Append",
            "Add an element to the end of a list.",
            ListAndElement::specs(),
            vec![
                example("A number", &[("listInput", json!([1, 2, 3])), ("elementInput", json!(4))], json!([1, 2, 3, 4])),
                example("A list is one element", &[("listInput", json!([])), ("elementInput", json!([1, 2]))], json!([[1, 2]])),
            ],
        ),
        action(
            "chunks",
            "Chunks",
            "Cut a list into lists of a number of elements each (the last one may be shorter).",
            ListAndNumber::specs(),
            vec![
                example("Eight elements by three", &[("listInput", json!([1, 2, 3, 4, 5, 6, 7, 8])), ("numberInput", json!("3"))], json!([[1, 2, 3], [4, 5, 6], [7, 8]])),
                example("Nine elements by three", &[("listInput", json!([1, 2, 3, 4, 5, 6, 7, 8, 9])), ("numberInput", json!(3))], json!([[1, 2, 3], [4, 5, 6], [7, 8, 9]])),
                example("By the default of one", &[("listInput", json!(["a", "b"]))], json!([["a"], ["b"]])),
                example("An empty list has no chunks", &[("listInput", json!([])), ("numberInput", json!("20"))], json!([])),
            ],
        ),
        action(
            "concatenate",
            "Concatenate",
            "Join two lists into one: the first list's elements, then the second's.",
            TwoLists::specs(),
            vec![example("Two lists", &[("listInput", json!([1, 2])), ("secondListInput", json!([3, [4]]))], json!([1, 2, 3, [4]]))],
        ),
        action(
            "count",
            "Count",
            "Count the elements of a list deeply equal to an element.",
            ListAndElement::specs(),
            vec![
                example("A number", &[("listInput", json!([1, 2, 1, 3, 1])), ("elementInput", json!(1))], json!(3)),
                example("Objects by their contents", &[("listInput", json!([{"a": 1}, {"a": 2}, {"a": 1}])), ("elementInput", json!({"a": 1}))], json!(2)),
            ],
        ),
        action(
            "deduplicate",
            "De-duplicate",
            "Keep each distinct element once (deep equality), in order of first appearance.",
            ListOnly::specs(),
            vec![
                example("Numbers and text", &[("listInput", json!([1, 2, 2, "2", 3, 1]))], json!([1, 2, "2", 3])),
                example("Objects", &[("listInput", json!([{"id": 1}, {"id": 1}, {"id": 2}]))], json!([{"id": 1}, {"id": 2}])),
            ],
        ),
        action(
            "first",
            "First",
            "The first element of a list (null for an empty list).",
            ListOnly::specs(),
            vec![
                example("Three elements", &[("listInput", json!([7, 8, 9]))], json!(7)),
                example("An empty list", &[("listInput", json!([]))], Value::Null),
            ],
        ),
        action(
            "flatten",
            "Flatten",
            "Turn a list of lists into one list (one level; other elements stay as they are).",
            ListOnly::specs(),
            vec![
                example("Lists of results", &[("listInput", json!([[1, 2], [3], []]))], json!([1, 2, 3])),
                example("One level only, other elements kept", &[("listInput", json!([[1, [2]], 3]))], json!([1, [2], 3])),
            ],
        ),
        action(
            "fromObject",
            "Object to Key Value Pair List",
            "List an object's entries as `{key, value}` objects.",
            ObjectOnly::specs(),
            vec![example("Two keys", &[("object", json!({"a": 1, "b": "x"}))], json!([{"key": "a", "value": 1}, {"key": "b", "value": "x"}]))],
        ),
        action(
            "last",
            "Last",
            "The last element of a list (null for an empty list).",
            ListOnly::specs(),
            vec![
                example("Three elements", &[("listInput", json!([7, 8, 9]))], json!(9)),
                example("An empty list", &[("listInput", json!([]))], Value::Null),
            ],
        ),
        action(
            "length",
            "Length",
            "The number of elements of a list.",
            ListOnly::specs(),
            vec![example("Three elements", &[("listInput", json!([1, [2, 3], {}]))], json!(3))],
        ),
        action(
            "remove",
            "Remove",
            "Remove every element deeply equal to an element from a list.",
            ListAndElement::specs(),
            vec![example("Every occurrence", &[("listInput", json!([1, 2, 1, 3])), ("elementInput", json!(1))], json!([2, 3]))],
        ),
        action(
            "selectItemFromList",
            "Select Item From List by Index",
            "The element at an index (from 0; dot-joined indexes go into nested lists); null past the end.",
            SelectItem::specs(),
            vec![
                example("The second element", &[("listInput", json!(["a", "b", "c"])), ("index", json!("1"))], json!("b")),
                example("In a nested list", &[("listInput", json!([[1, 2], [3, 4]])), ("index", json!("1.0"))], json!(3)),
                example("Past the end", &[("listInput", json!([1])), ("index", json!("5"))], Value::Null),
            ],
        ),
        action(
            "takeFirst",
            "Take First",
            "The first elements of a list, as many as given (all when the list is shorter).",
            ListAndNumber::specs(),
            vec![
                example("Two of four", &[("listInput", json!([1, 2, 3, 4])), ("numberInput", json!("2"))], json!([1, 2])),
                example("More than there are", &[("listInput", json!([1])), ("numberInput", json!(3))], json!([1])),
            ],
        ),
        action(
            "takeLast",
            "Take Last",
            "The last elements of a list, as many as given (all when the list is shorter).",
            ListAndNumber::specs(),
            vec![
                example("Two of four", &[("listInput", json!([1, 2, 3, 4])), ("numberInput", json!("2"))], json!([3, 4])),
                example("By the default of one", &[("listInput", json!([1, 2]))], json!([2])),
            ],
        ),
        action(
            "toObject",
            "Key Value Pair List to Object",
            "Build an object from a list of `{key, value}` objects.",
            KeyValueList::specs(),
            vec![example("Two entries", &[("keyValueList", json!([{"key": "a", "value": 1}, {"key": "b", "value": [2]}]))], json!({"a": 1, "b": [2]}))],
        ),
    ]
}

/// The `collection-tools` component's spec.
pub fn spec() -> ComponentSpec {
    let spec = ComponentSpec::builtin(
        super::KEY,
        "Collection Tools",
        "Operations on lists and objects: chunk, flatten, concatenate, de-duplicate, take, \
         select, add keys, validate against a JSON Schema, and filter, map, sort or aggregate with a \
         JavaScript function.",
    );
    data_actions()
        .into_iter()
        .chain(super::functions::specs())
        .chain([super::schema::spec()])
        .fold(spec, ComponentSpec::action)
}
