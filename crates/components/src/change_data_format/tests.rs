//! Errors name their input; edge cases of the formats.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumb_core::action::{ActionError, Data, InputValue, Inputs};
use serde_json::{json, Value};

use crate::testing::{context, inputs};

async fn run(key: &str, pairs: Vec<(&str, Value)>) -> Result<Data, ActionError> {
    run_inputs(key, inputs(pairs)).await
}

async fn run_inputs(key: &str, given: Inputs) -> Result<Data, ActionError> {
    let actions = super::actions();
    let (_, action) = actions.iter().find(|(k, _)| *k == key).expect("action");
    let t = context(json!({}), vec![]);
    action.run(&t.ctx, given).await
}

fn input_of(e: ActionError) -> String {
    match e {
        ActionError::InvalidInput { input, .. } => input,
        other => panic!("not an input error: {other}"),
    }
}

#[tokio::test]
async fn bad_text_names_the_input() {
    for (key, data) in [
        ("deserializeFromJson", "{"),
        ("deserializeFromXml", "<a><b></a>"),
        ("deserializeFromYaml", "a: [1"),
        ("jsonToXml", "1"),
        ("binaryToCsv", "not a list"),
    ] {
        let e = run(key, vec![("data", json!(data))]).await.unwrap_err();
        assert_eq!(input_of(e), "data", "{key}");
    }
    let e = run("deserializeJsonl", vec![("jsonlData", json!("{}\nnope"))])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
    let e = run("convertToInt", vec![("value", json!("ten"))])
        .await
        .unwrap_err();
    assert_eq!(input_of(e), "value");
    let e = run("deserializeFromJson", vec![]).await.unwrap_err();
    assert_eq!(input_of(e), "data");
}

#[tokio::test]
async fn binary_input_is_read_as_utf8_text() {
    let given = Inputs(
        [(
            "data".to_string(),
            InputValue::Data(Data::Binary {
                bytes: b"<a>1</a>".to_vec(),
                content_type: "application/xml".into(),
            }),
        )]
        .into_iter()
        .collect(),
    );
    let out = run_inputs("deserializeFromXml", given).await.unwrap();
    assert_eq!(out, Data::Json(json!({"a": 1})));
    let not_utf8 = Inputs(
        [(
            "data".to_string(),
            InputValue::Data(Data::Binary {
                bytes: vec![0xff, 0xfe],
                content_type: "application/octet-stream".into(),
            }),
        )]
        .into_iter()
        .collect(),
    );
    let e = run_inputs("deserializeFromJson", not_utf8)
        .await
        .unwrap_err();
    assert_eq!(input_of(e), "data");
}

#[tokio::test]
async fn an_already_parsed_value_passes_deserialize_json() {
    let out = run("deserializeFromJson", vec![("data", json!({"a": 1}))])
        .await
        .unwrap();
    assert_eq!(out, Data::Json(json!({"a": 1})));
}

#[tokio::test]
async fn oversized_text_is_refused() {
    let big = "x".repeat(crate::util::MAX_TEXT_BYTES + 1);
    let e = run("deserializeFromYaml", vec![("data", json!(big))])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("limit"), "{e}");
}

#[tokio::test]
async fn deep_xml_is_refused() {
    let depth = super::xml::MAX_DEPTH + 1;
    let text = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    let e = run("deserializeFromXml", vec![("data", json!(text))])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("deeper"), "{e}");
}

#[test]
fn xml_scalars_and_entities() {
    let v = super::xml::xml_to_value(
        "<?xml version=\"1.0\"?><!-- c --><r><n>-1.5e3</n><z>007</z><big>123456789012345678901234</big>\
         <t>true</t><e>a &amp; b &#65;</e><c><![CDATA[<x>]]></c><empty/></r>",
        false,
        "data",
    )
    .unwrap();
    assert_eq!(
        v,
        json!({"r": {"n": -1500.0, "z": "007", "big": "123456789012345678901234", "t": true,
                     "e": "a & b A", "c": "<x>", "empty": ""}})
    );
}

#[test]
fn xml_round_trips_attributes_and_lists() {
    let value = json!({"a": {"@_id": "1", "b": [{"c": "x"}, {"c": "y"}], "d": null}});
    let text = super::xml::value_to_xml(&value, "data").unwrap();
    assert_eq!(text, "<a id=\"1\"><b><c>x</c></b><b><c>y</c></b><d/></a>");
    let back = super::xml::xml_to_value(&text, true, "data").unwrap();
    assert_eq!(
        back,
        json!({"a": {"@_id": "1", "b": [{"c": "x"}, {"c": "y"}], "d": ""}})
    );
    let e = super::xml::value_to_xml(&json!({"1bad": 1}), "data").unwrap_err();
    assert!(e.to_string().contains("1bad"), "{e}");
}

#[test]
fn csv_edge_cases() {
    use super::formats::{csv_to_value, value_to_csv};
    // Quoted cells with delimiters, quotes and newlines; a short and a long row.
    let v = csv_to_value(
        "a,b\n\"x,1\",\"say \"\"hi\"\"\nthere\"\n3\n4,5,6",
        b',',
        true,
        false,
        "data",
    )
    .unwrap();
    assert_eq!(
        v,
        json!([{"a": "x,1", "b": "say \"hi\"\nthere"}, {"a": "3"}, {"a": "4", "b": "5", "2": "6"}])
    );
    assert_eq!(
        csv_to_value("", b',', true, false, "data").unwrap(),
        json!([])
    );
    // Nested objects are flattened with `__`, lists written as JSON.
    let text = value_to_csv(
        &json!([{"p": {"first": "Ash"}, "tags": [1, 2], "n": null}]),
        b',',
        true,
        "data",
    )
    .unwrap();
    assert_eq!(text, "n,p__first,tags\n,Ash,\"[1,2]\"");
    let back = csv_to_value(&text, b',', true, true, "data").unwrap();
    assert_eq!(
        back,
        json!([{"n": "", "p": {"first": "Ash"}, "tags": "[1,2]"}])
    );
    // Rows of lists, and a tab delimiter.
    let rows = value_to_csv(&json!([["a", 1], ["b", 2]]), b'\t', true, "data").unwrap();
    assert_eq!(rows, "a\t1\nb\t2");
}

#[test]
fn casts() {
    use super::cast::to_bool;
    for (v, b) in [
        (json!("TRUE"), true),
        (json!("no"), false),
        (json!(""), false),
        (json!("anything"), true),
        (json!(1), true),
        (json!([]), true),
    ] {
        assert_eq!(to_bool(&v), b, "{v}");
    }
}

#[tokio::test]
async fn form_data_round_trip() {
    let out = run(
        "serializeFormData",
        vec![("data", json!({"a": "x y", "n": 1, "z": null}))],
    )
    .await
    .unwrap();
    assert_eq!(out, Data::Json(json!("a=x+y&n=1&z=")));
    let e = run("serializeFormData", vec![("data", json!([1]))])
        .await
        .unwrap_err();
    assert_eq!(input_of(e), "data");
}

#[tokio::test]
async fn yaml_alias_bombs_are_refused() {
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n\
                b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n\
                d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n\
                f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
                g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n\
                h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n\
                i: [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    let e = run("deserializeFromYaml", vec![("data", json!(bomb))])
        .await
        .unwrap_err();
    assert_eq!(input_of(e), "data");
}

#[test]
fn wide_csv_is_linear() {
    // 50,000 distinct keys in one object, then rows sharing them: quick, not quadratic.
    let wide: serde_json::Map<String, Value> =
        (0..50_000).map(|i| (format!("k{i}"), json!(i))).collect();
    let rows = Value::Array(vec![Value::Object(wide); 20]);
    let started = std::time::Instant::now();
    let text = super::formats::value_to_csv(&rows, b',', true, "data").unwrap();
    assert_eq!(text.lines().count(), 21);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn xml_declaration_key_is_written_as_a_declaration() {
    let value = json!({"?xml": {"@_version": "1.0", "@_encoding": "UTF-8"}, "a": 1});
    let text = super::xml::value_to_xml(&value, "data").unwrap();
    assert_eq!(text, "<?xml encoding=\"UTF-8\" version=\"1.0\"?><a>1</a>");
}
