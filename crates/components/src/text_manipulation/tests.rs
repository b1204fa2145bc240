#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumb_core::action::{ActionError, Data, InputValue, Inputs};
use serde_json::{json, Value};

use super::ops::{ACTIONS, MAX_NEWLINES, MAX_OUTPUT};
use super::{html, spec};
use crate::testing::{context, inputs};

fn run(key: &str, pairs: Vec<(&str, Value)>) -> Result<Value, ActionError> {
    run_inputs(key, &inputs(pairs))
}

fn run_inputs(key: &str, inputs: &Inputs) -> Result<Value, ActionError> {
    let (_, f) = ACTIONS.iter().find(|(k, _)| *k == key).expect(key);
    f(inputs)
}

fn bad_input(result: Result<Value, ActionError>) -> String {
    match result {
        Err(ActionError::InvalidInput { input, .. }) => input,
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_fixtures_upper_case_runs_through_the_component() {
    let c = super::component();
    c.check().unwrap();
    assert!(spec().find_action("upperCase").is_some());
    let t = context(json!({}), vec![]);
    let out = c
        .action("upperCase")
        .unwrap()
        .run(&t.ctx, inputs(vec![("text", json!("straße"))]))
        .await
        .unwrap();
    assert_eq!(out, Data::Json(json!("STRASSE")));
}

#[test]
fn the_fixtures_input_keys_are_declared() {
    let s = spec();
    let keys = |a: &str| -> Vec<String> {
        s.find_action(a)
            .unwrap()
            .inputs
            .iter()
            .map(|i| i.key.clone())
            .collect()
    };
    assert_eq!(keys("join"), ["strings", "separator"]);
    assert_eq!(
        keys("joinLines"),
        ["strings", "newlineType", "numberOfNewlines"]
    );
    assert_eq!(keys("replace"), ["text", "find", "replace"]);
    assert_eq!(keys("split"), ["text", "separator"]);
    assert_eq!(keys("upperCase"), ["text"]);
}

#[test]
fn empty_text_is_text_but_missing_text_is_an_error() {
    assert_eq!(
        run("upperCase", vec![("text", json!(""))]).unwrap(),
        json!("")
    );
    assert_eq!(bad_input(run("upperCase", vec![])), "text");
    assert_eq!(
        run("upperCase", vec![("text", json!(12))]).unwrap(),
        json!("12")
    );
}

#[test]
fn base64_round_trips_text_and_files() {
    let mut binary = Inputs::default();
    binary.0.insert(
        "text".into(),
        InputValue::Data(Data::Binary {
            bytes: vec![0, 255, 1],
            content_type: "application/octet-stream".into(),
        }),
    );
    assert_eq!(run_inputs("encodeBase64", &binary).unwrap(), json!("AP8B"));
    assert_eq!(
        run("decodeBase64", vec![("text", json!("SGVs\nbG8="))]).unwrap(),
        json!("Hello")
    );
    assert_eq!(
        run("decodeBase64", vec![("text", json!("_-8"))]).unwrap(),
        json!("\u{fffd}\u{fffd}")
    );
    assert_eq!(
        bad_input(run("decodeBase64", vec![("text", json!("not base64!"))])),
        "text"
    );
}

#[test]
fn slices_use_javascript_indexes() {
    let s = |start: Value, stop: Value| {
        run(
            "slice",
            vec![
                ("text", json!("abcdef")),
                ("sliceStart", start),
                ("sliceStop", stop),
            ],
        )
        .unwrap()
    };
    assert_eq!(s(json!(1), json!(3)), json!("bc"));
    assert_eq!(s(json!(-2), Value::Null), json!("ef"));
    assert_eq!(s(json!(4), json!(2)), json!(""));
    assert_eq!(s(json!(0), json!(100)), json!("abcdef"));
    assert_eq!(s(json!("2"), json!(-1)), json!("cde"));
    assert_eq!(
        bad_input(run(
            "slice",
            vec![("text", json!("a")), ("sliceStart", json!("x"))]
        )),
        "sliceStart"
    );
}

#[test]
fn replacements_are_bounded() {
    let big = "a".repeat(1 << 20);
    let r = run(
        "replace",
        vec![
            ("text", json!(big)),
            ("find", json!("a")),
            ("replace", json!("x".repeat(32))),
        ],
    );
    assert_eq!(bad_input(r), "replace");
    assert_eq!(
        run(
            "replace",
            vec![
                ("text", json!("aaa")),
                ("find", json!("")),
                ("replace", json!("b"))
            ]
        )
        .unwrap(),
        json!("aaa")
    );
    let r = run(
        "replaceMultipleSubstring",
        vec![
            ("text", json!("a-b")),
            ("replaceWith", json!({"a": "1", "b": "2"})),
        ],
    );
    assert_eq!(r.unwrap(), json!("1-2"));
    assert_eq!(
        bad_input(run(
            "replaceMultipleSubstring",
            vec![("text", json!("a")), ("replaceWith", json!(5))]
        )),
        "replaceWith"
    );
}

#[test]
fn joins_are_bounded_and_checked() {
    assert_eq!(
        run(
            "join",
            vec![
                ("strings", json!(["a", 1, null, {"b": 2}])),
                ("separator", json!(","))
            ]
        )
        .unwrap(),
        json!("a,1,,{\"b\":2}")
    );
    assert_eq!(
        run("join", vec![("strings", json!("[\"x\",\"y\"]"))]).unwrap(),
        json!("xy")
    );
    let r = run(
        "joinLines",
        vec![
            ("strings", json!(["a", "b"])),
            ("numberOfNewlines", json!(MAX_NEWLINES + 1)),
        ],
    );
    assert_eq!(bad_input(r), "numberOfNewlines");
    let r = run(
        "joinLines",
        vec![
            ("strings", json!(["a", "b"])),
            ("newlineType", json!("<br>")),
        ],
    );
    assert_eq!(bad_input(r), "newlineType");
    assert_eq!(
        run("joinLines", vec![("strings", json!(["a", "b"]))]).unwrap(),
        json!("a\nb")
    );
    assert_eq!(
        run(
            "joinLines",
            vec![
                ("strings", json!(["a", "b"])),
                ("newlineType", json!("\\r\\n"))
            ]
        )
        .unwrap(),
        json!("a\r\nb")
    );
    let chunk = "x".repeat(MAX_OUTPUT / 2 + 1);
    let r = run("join", vec![("strings", json!([chunk.clone(), chunk]))]);
    assert_eq!(bad_input(r), "strings");
}

#[test]
fn regex_errors_name_their_input() {
    assert_eq!(
        bad_input(run(
            "match",
            vec![("text", json!("a")), ("regex", json!("("))]
        )),
        "regex"
    );
    let r = run(
        "match",
        vec![
            ("text", json!("a")),
            ("regex", json!("a")),
            ("regexFlags", json!("gx")),
        ],
    );
    assert_eq!(bad_input(r), "regexFlags");
    assert_eq!(
        bad_input(run(
            "match",
            vec![("text", json!("a")), ("regex", json!("a".repeat(5000)))]
        )),
        "regex"
    );
    let r = run(
        "match",
        vec![
            ("text", json!("A b a")),
            ("regex", json!("a")),
            ("regexFlags", json!("gi")),
        ],
    );
    assert_eq!(r.unwrap(), json!(["A", "a"]));
    let r = run(
        "match",
        vec![
            ("text", json!("ab")),
            ("regex", json!("(x)?b")),
            ("regexFlags", json!("m")),
        ],
    );
    assert_eq!(r.unwrap(), json!(["b", null]));
}

#[test]
fn splits_and_lengths() {
    assert_eq!(
        run("split", vec![("text", json!("abc"))]).unwrap(),
        json!(["a", "b", "c"])
    );
    assert_eq!(
        run(
            "split",
            vec![("text", json!("")), ("separator", json!(","))]
        )
        .unwrap(),
        json!([""])
    );
    assert_eq!(
        run("splitLines", vec![("text", json!(""))]).unwrap(),
        json!([])
    );
    assert_eq!(
        run("stringLength", vec![("text", json!("héllo"))]).unwrap(),
        json!(5)
    );
    assert_eq!(
        run("trim", vec![("text", json!("\t x \u{a0}"))]).unwrap(),
        json!("x")
    );
}

#[test]
fn html_entities_round_trip_and_unknown_ones_stay() {
    let text = "<b class=\"x\">O'Neil & Sons</b>";
    assert_eq!(html::decode(&html::encode(text)), text);
    assert_eq!(
        html::decode("&bogus; & &amp &#xZZ; &#65;"),
        "&bogus; & &amp &#xZZ; A"
    );
    assert_eq!(html::decode("&#1114112;"), "&#1114112;");
}
