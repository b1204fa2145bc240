use serde_json::json;

use super::*;
use crate::action::{Data, InputValue, Inputs};

crate::action_inputs! {
    /// Inputs of a test action.
    pub struct Sample {
        /// The address to call.
        /// Second line.
        url: String = ("URL", String),
        /// How long to wait.
        timeout: Option<f64> = ("Timeout (ms)", Number),
        /// Whether to retry.
        retry: bool = ("Retry", Boolean, default "false"),
        /// Extra data.
        data: Option<Data> = ("Data", Data),
        /// How to go.
        mode: String = ("Mode", String, default "fast"),
    }
}

fn inputs(pairs: &[(&str, serde_json::Value)]) -> Inputs {
    Inputs(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), InputValue::Data(Data::Json(v.clone()))))
            .collect(),
    )
}

#[test]
fn specs_come_from_the_declaration() {
    let specs = Sample::specs();
    let keys: Vec<&str> = specs.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["url", "timeout", "retry", "data", "mode"]);
    assert!(specs[4].required, "a required input keeps its default");
    assert!(specs[0].required);
    assert_eq!(specs[0].description, "The address to call.\nSecond line.");
    assert!(!specs[1].required);
    assert_eq!(specs[2].default.as_deref(), Some("false"));
    assert!(!specs[2].required);
    // A default applies when the step does not give the input.
    let read = Sample::from_inputs(&inputs(&[("url", json!("u"))])).unwrap();
    assert_eq!(read.mode, "fast");
    let given = Sample::from_inputs(&inputs(&[("url", json!("u")), ("mode", json!("slow"))]));
    assert_eq!(given.unwrap().mode, "slow");
    assert_eq!(specs[1].kind, InputKind::Number);
}

#[test]
fn typed_read_names_the_bad_input() {
    let ok = Sample::from_inputs(&inputs(&[
        ("url", json!("http://x")),
        ("timeout", json!("250")),
        ("retry", json!("true")),
    ]))
    .unwrap();
    assert_eq!(ok.url, "http://x");
    assert_eq!(ok.timeout, Some(250.0));
    assert!(ok.retry);
    assert!(ok.data.is_none());

    let missing = Sample::from_inputs(&inputs(&[])).unwrap_err();
    assert!(missing.to_string().contains("url"), "{missing}");
    let bad = Sample::from_inputs(&inputs(&[("url", json!("u")), ("timeout", json!("soon"))]))
        .unwrap_err();
    assert!(bad.to_string().contains("timeout"), "{bad}");
    assert!(bad.to_string().contains("number"), "{bad}");
}

#[test]
fn an_action_publishes_the_json_schema_of_its_inputs() {
    let action = ActionSpec::new("a", "A", "does a", Sample::specs());
    let schema = action.inputs_schema();
    assert_eq!(schema["required"], json!(["url", "mode"]));
    assert_eq!(schema["properties"]["url"]["type"], "string");
    assert_eq!(
        schema["properties"]["url"]["description"],
        "The address to call.\nSecond line."
    );
    assert_eq!(schema["properties"]["retry"]["default"], "false");
}

#[test]
fn a_slice_of_specs_is_a_lookup() {
    let specs = vec![
        ComponentSpec::builtin("b", "B", ""),
        ComponentSpec::builtin("a", "A", "").action(ActionSpec::new("x", "X", "", vec![])),
    ];
    assert_eq!(specs.keys(), ["a", "b"]);
    assert!(specs
        .component("a")
        .and_then(|c| c.find_action("x"))
        .is_some());
    assert!(specs.component("c").is_none());
}

#[test]
fn docs_show_inputs_and_the_example() {
    let spec = ComponentSpec::builtin("demo", "Demo", "A demo.").action(
        ActionSpec::new("go", "Go", "Goes.", Sample::specs()).example(ActionExample::values(
            "Go there",
            &[("url", json!("http://x"))],
        )),
    );
    let md = docs::component(&spec);
    assert!(md.contains("### `demo` — Demo"), "{md}");
    assert!(
        md.contains("| `url` | string | yes |  | The address to call. Second line. |"),
        "{md}"
    );
    assert!(md.contains("\"key\":\"go\""), "{md}");
}
