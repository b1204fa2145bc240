//! What the `change-data-format` component is: Prismatic's Change Data Format actions (keys,
//! labels, inputs `data`, `csvHeader`, `unflattenKeys`, `numbersAsStrings`, `jsonlData`,
//! `value`), each with examples whose results the catalog test checks.

use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec, InputSpec};
use serde_json::{json, Value};

use crate::util::Payload;

plumb_core::action_inputs! {
    /// The one input of most conversions.
    pub struct DataInput {
        /// The data: text (a string, or binary data holding UTF-8 text) for the formats read
        /// from text; any value for the actions that take an object.
        data: Payload = ("Data", Data),
    }
}

plumb_core::action_inputs! {
    /// The inputs of the actions that read CSV.
    pub struct CsvInput {
        /// CSV text (a string, or binary data holding UTF-8 text), comma-delimited.
        data: Payload = ("Data", Data),
        /// Whether the first row names the columns (then each row becomes an object; else a
        /// list of cells).
        csvHeader: Option<bool> = ("CSV Header", Boolean, default "true"),
        /// Whether header names with `__` become nested objects (`person__first` →
        /// `{"person": {"first": ..}}`).
        unflattenKeys: Option<bool> = ("Un-Flatten CSV Keys", Boolean, default "false"),
    }
}

plumb_core::action_inputs! {
    /// The inputs of the actions that read XML.
    pub struct XmlInput {
        /// XML text (a string, or binary data holding UTF-8 text).
        data: Payload = ("Data", Data),
        /// Whether numbers and booleans in the text stay strings.
        numbersAsStrings: Option<bool> = ("Parse numbers as strings?", Boolean, default "false"),
    }
}

plumb_core::action_inputs! {
    /// The input of `deserializeJsonl`.
    pub struct JsonlInput {
        /// JSON Lines text: one JSON value per line (blank lines are skipped).
        jsonlData: Payload = ("JSONL Data", Data),
    }
}

plumb_core::action_inputs! {
    /// The input of the `convertTo*` actions.
    pub struct ValueInput {
        /// The value to convert.
        value: Value = ("Value", Data),
    }
}

/// What a conversion reads its input as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Any value as it is (Prismatic's "JavaScript Object").
    Object,
    /// JSON text (a value that is not a string is taken as already parsed).
    Json,
    /// JSON text in binary data (`deserializeFromBinary`).
    Binary,
    /// CSV text.
    Csv,
    /// XML text.
    Xml,
    /// YAML text.
    Yaml,
    /// JSON Lines text.
    Jsonl,
    /// URL-encoded form text.
    Form,
}

/// What a conversion answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The value itself.
    Object,
    /// Compact JSON text.
    Json,
    /// JSON text indented by two spaces.
    Pretty,
    /// CSV text.
    Csv,
    /// XML text.
    Xml,
    /// YAML text.
    Yaml,
    /// JSON Lines text.
    Jsonl,
    /// URL-encoded form text.
    Form,
}

/// One format conversion action.
pub struct Conversion {
    /// Its key.
    pub key: &'static str,
    /// Its label.
    pub label: &'static str,
    /// What it does.
    pub description: &'static str,
    /// What it reads.
    pub source: Source,
    /// What it answers.
    pub target: Target,
}

macro_rules! conversions {
    ($($key:literal, $label:literal, $description:literal, $source:ident => $target:ident;)*) => {
        /// Every format conversion action, in Prismatic's order.
        pub const CONVERSIONS: &[Conversion] = &[$(Conversion {
            key: $key, label: $label, description: $description,
            source: Source::$source, target: Target::$target,
        },)*];
    };
}

conversions! {
    "csvToJson", "CSV to JSON", "Convert CSV text to JSON text.", Csv => Json;
    "csvToXml", "CSV to XML", "Convert CSV text to XML text (rows as `<item>`s of a `<root>`).", Csv => Xml;
    "csvToYaml", "CSV to YAML", "Convert CSV text to YAML text.", Csv => Yaml;
    "deserializeFromBinary", "Deserialize BINARY", "Parse binary data holding JSON text into a value later steps can reference.", Binary => Object;
    "deserializeFromCsv", "Deserialize CSV", "Parse CSV text into a list later steps can reference.", Csv => Object;
    "deserializeFromJson", "Deserialize JSON", "Parse JSON text into a value later steps can reference.", Json => Object;
    "deserializeJsonl", "Deserialize JSON Lines (.jsonl)", "Parse JSON Lines text into a list.", Jsonl => Object;
    "deserializeFormData", "Deserialize URL-encoded Form Data", "Parse `x-www-form-urlencoded` text into an object (a repeated field gives a list).", Form => Object;
    "deserializeFromXml", "Deserialize XML", "Parse XML text into a value later steps can reference.", Xml => Object;
    "deserializeFromYaml", "Deserialize YAML", "Parse YAML text into a value later steps can reference.", Yaml => Object;
    "binaryToCsv", "JavaScript Object to CSV", "Write a list of objects (or rows) as CSV text.", Object => Csv;
    "binaryToJson", "JavaScript Object to JSON", "Write a value as JSON text.", Object => Json;
    "binaryToXml", "JavaScript Object to XML", "Write an object as XML text.", Object => Xml;
    "binaryToYaml", "JavaScript Object to YAML", "Write a value as YAML text.", Object => Yaml;
    "jsonToCsv", "JSON to CSV", "Convert JSON text to CSV text.", Json => Csv;
    "jsonToXml", "JSON to XML", "Convert JSON text to XML text.", Json => Xml;
    "jsonToYaml", "JSON to YAML", "Convert JSON text to YAML text.", Json => Yaml;
    "prettyPrint", "Pretty Print", "Write a value (or JSON text) as JSON indented by two spaces.", Object => Pretty;
    "serializeJsonl", "Serialize JSON Lines (.jsonl)", "Write a list as JSON Lines text.", Object => Jsonl;
    "serializeFormData", "Serialize URL-encoded Form Data", "Write an object as `x-www-form-urlencoded` text (a list repeats its field).", Object => Form;
    "xmlToCsv", "XML to CSV", "Convert XML text to CSV text (the first list under single-child elements gives the rows).", Xml => Csv;
    "xmlToJson", "XML to JSON", "Convert XML text to JSON text.", Xml => Json;
    "xmlToYaml", "XML to YAML", "Convert XML text to YAML text.", Xml => Yaml;
    "yamlToCsv", "YAML to CSV", "Convert YAML text to CSV text.", Yaml => Csv;
    "yamlToJson", "YAML to JSON", "Convert YAML text to JSON text.", Yaml => Json;
    "yamlToXml", "YAML to XML", "Convert YAML text to XML text.", Yaml => Xml;
}

/// The `convertTo*` actions: key, label, description.
pub const CASTS: &[(&str, &str, &str)] = &[
    (
        "convertToBoolean",
        "Convert To Boolean",
        "Convert a value to a boolean (`t`, `true`, `y`, `yes` and `f`, `false`, `n`, `no` in any case; otherwise whether it is truthy).",
    ),
    (
        "convertToInt",
        "Convert To Integer",
        "Convert a number or numeric text to an integer (the fraction is dropped).",
    ),
    (
        "convertToNumber",
        "Convert To Number",
        "Convert numeric text (or a boolean) to a number.",
    ),
    (
        "convertToString",
        "Convert To String",
        "Convert a value to text (objects and lists as JSON).",
    ),
];

fn inputs_of(source: Source) -> Vec<InputSpec> {
    match source {
        Source::Csv => CsvInput::specs(),
        Source::Xml => XmlInput::specs(),
        Source::Jsonl => JsonlInput::specs(),
        _ => DataInput::specs(),
    }
}

fn example(title: &str, inputs: &[(&str, Value)], result: Value) -> ActionExample {
    ActionExample::values(title, inputs).answers(result)
}

/// The examples of action `key` (inputs → result).
fn examples(key: &str) -> Vec<ActionExample> {
    let csv = json!("id,name\n1,Ash\n2,Misty");
    let rows = json!([{"id": "1", "name": "Ash"}, {"id": "2", "name": "Misty"}]);
    let order = json!("<order><id>7</id><item>apple</item><item>pear</item></order>");
    match key {
        "csvToJson" => vec![example(
            "Trainers as JSON",
            &[("data", csv)],
            json!(rows.to_string()),
        )],
        "csvToXml" => vec![example(
            "Trainers as XML",
            &[("data", json!("id,name\n1,Ash"))],
            json!("<root><item><id>1</id><name>Ash</name></item></root>"),
        )],
        "csvToYaml" => vec![example(
            "Trainers as YAML",
            &[("data", json!("id,name\n1,Ash"))],
            json!("- id: '1'\n  name: Ash\n"),
        )],
        "deserializeFromBinary" => vec![example(
            "A JSON document",
            &[("data", json!("{\"status\":\"ok\"}"))],
            json!({"status": "ok"}),
        )],
        "deserializeFromCsv" => vec![
            example("With a header row", &[("data", csv.clone())], rows),
            example(
                "Without a header row",
                &[("data", json!("1,Ash\n2,Misty")), ("csvHeader", json!(false))],
                json!([["1", "Ash"], ["2", "Misty"]]),
            ),
            example(
                "Nested keys",
                &[
                    ("data", json!("person__first,person__last\nAsh,Ketchum")),
                    ("unflattenKeys", json!(true)),
                ],
                json!([{"person": {"first": "Ash", "last": "Ketchum"}}]),
            ),
        ],
        "deserializeFromJson" => vec![example(
            "An SNS message",
            &[("data", json!("{\"Records\":[{\"s3\":{\"object\":{\"key\":\"avatars/pikachu.png\"}}}]}"))],
            json!({"Records": [{"s3": {"object": {"key": "avatars/pikachu.png"}}}]}),
        )],
        "deserializeJsonl" => vec![example(
            "Two events",
            &[("jsonlData", json!("{\"type\":\"click\"}\n\n{\"type\":\"view\"}\n"))],
            json!([{"type": "click"}, {"type": "view"}]),
        )],
        "deserializeFormData" => vec![example(
            "A Slack interaction",
            &[("data", json!("payload=%7B%22type%22%3A%22block_actions%22%7D&tag=a&tag=b"))],
            json!({"payload": "{\"type\":\"block_actions\"}", "tag": ["a", "b"]}),
        )],
        "deserializeFromXml" => vec![
            example(
                "An order",
                &[("data", order.clone())],
                json!({"order": {"id": 7, "item": ["apple", "pear"]}}),
            ),
            example(
                "Numbers kept as text, attributes",
                &[
                    ("data", json!("<zip code=\"us\">02134</zip>")),
                    ("numbersAsStrings", json!(true)),
                ],
                json!({"zip": {"@_code": "us", "#text": "02134"}}),
            ),
        ],
        "deserializeFromYaml" => vec![example(
            "A trainer",
            &[("data", json!("name: Ash\nbadges: 8\n"))],
            json!({"name": "Ash", "badges": 8}),
        )],
        "binaryToCsv" => vec![example(
            "Trainers as CSV",
            &[("data", json!([{"id": 1, "name": "Ash"}, {"id": 2, "name": "Misty", "town": "Cerulean"}]))],
            json!("id,name,town\n1,Ash,\n2,Misty,Cerulean"),
        )],
        "binaryToJson" => vec![example(
            "An object as JSON text",
            &[("data", json!({"id": 1, "tags": ["a"]}))],
            json!("{\"id\":1,\"tags\":[\"a\"]}"),
        )],
        "binaryToXml" => vec![example(
            "An order as XML",
            &[("data", json!({"order": {"@_id": "7", "item": ["apple", "pear"]}}))],
            json!("<order id=\"7\"><item>apple</item><item>pear</item></order>"),
        )],
        "binaryToYaml" => vec![example(
            "A trainer as YAML",
            &[("data", json!({"name": "Ash", "badges": [1, 2]}))],
            json!("badges:\n- 1\n- 2\nname: Ash\n"),
        )],
        "jsonToCsv" => vec![example(
            "Trainers as CSV",
            &[("data", json!("[{\"id\":1,\"name\":\"Ash, Jr.\"}]"))],
            json!("id,name\n1,\"Ash, Jr.\""),
        )],
        "jsonToXml" => vec![example(
            "Text and an attribute",
            &[("data", json!("{\"note\":{\"@_lang\":\"en\",\"#text\":\"Fish & chips\"}}"))],
            json!("<note lang=\"en\">Fish &amp; chips</note>"),
        )],
        "jsonToYaml" => vec![example(
            "A list",
            &[("data", json!("{\"ids\":[1,2]}"))],
            json!("ids:\n- 1\n- 2\n"),
        )],
        "prettyPrint" => vec![
            example("An object", &[("data", json!({"a": 1}))], json!("{\n  \"a\": 1\n}")),
            example("JSON text", &[("data", json!("[1,2]"))], json!("[\n  1,\n  2\n]")),
        ],
        "serializeJsonl" => vec![example(
            "Two events",
            &[("data", json!([{"type": "click"}, {"type": "view"}]))],
            json!("{\"type\":\"click\"}\n{\"type\":\"view\"}"),
        )],
        "serializeFormData" => vec![example(
            "A form",
            &[("data", json!({"q": "fish & chips", "tag": ["a", "b"]}))],
            json!("q=fish+%26+chips&tag=a&tag=b"),
        )],
        "xmlToCsv" => vec![example(
            "Rows of a document",
            &[("data", json!("<rows><row><id>1</id><name>Ash</name></row><row><id>2</id><name>Misty</name></row></rows>"))],
            json!("id,name\n1,Ash\n2,Misty"),
        )],
        "xmlToJson" => vec![example(
            "An order",
            &[("data", order)],
            json!("{\"order\":{\"id\":7,\"item\":[\"apple\",\"pear\"]}}"),
        )],
        "xmlToYaml" => vec![example(
            "A trainer",
            &[("data", json!("<trainer><name>Ash</name></trainer>"))],
            json!("trainer:\n  name: Ash\n"),
        )],
        "yamlToCsv" => vec![example(
            "Trainers",
            &[("data", json!("- id: 1\n  name: Ash\n- id: 2\n  name: Misty\n"))],
            json!("id,name\n1,Ash\n2,Misty"),
        )],
        "yamlToJson" => vec![example(
            "A trainer",
            &[("data", json!("name: Ash\nbadges: 8\n"))],
            json!("{\"badges\":8,\"name\":\"Ash\"}"),
        )],
        "yamlToXml" => vec![example(
            "A trainer",
            &[("data", json!("trainer:\n  name: Ash\n"))],
            json!("<trainer><name>Ash</name></trainer>"),
        )],
        "convertToBoolean" => vec![
            example("Yes", &[("value", json!("Yes"))], json!(true)),
            example("f", &[("value", json!("f"))], json!(false)),
            example("Zero", &[("value", json!(0))], json!(false)),
        ],
        "convertToInt" => vec![
            example("Text", &[("value", json!("42.9"))], json!(42)),
            example("A negative number", &[("value", json!(-3.5))], json!(-3)),
        ],
        "convertToNumber" => vec![
            example("Text", &[("value", json!("3.25"))], json!(3.25)),
            example("A boolean", &[("value", json!(true))], json!(1)),
        ],
        "convertToString" => vec![
            example("A number", &[("value", json!(123))], json!("123")),
            example("An object", &[("value", json!({"a": [1]}))], json!("{\"a\":[1]}")),
        ],
        _ => Vec::new(),
    }
}

/// The `change-data-format` component's spec.
pub fn spec() -> ComponentSpec {
    let mut spec = ComponentSpec::builtin(
        super::KEY,
        "Change Data Format",
        "Convert data between JSON, XML, CSV, YAML, JSON Lines and URL-encoded form data, and \
         cast values to booleans, integers, numbers and text.",
    );
    for &(key, label, description) in CASTS {
        let mut action = ActionSpec::new(key, label, description, ValueInput::specs());
        for e in examples(key) {
            action = action.example(e);
        }
        spec = spec.action(action);
    }
    for c in CONVERSIONS {
        let mut action = ActionSpec::new(c.key, c.label, c.description, inputs_of(c.source));
        for e in examples(c.key) {
            action = action.example(e);
        }
        spec = spec.action(action);
    }
    spec
}
