//! Errors name their input; edge cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumb_core::action::{ActionError, Data};
use serde_json::{json, Value};

use crate::testing::{context, inputs};

async fn run(key: &str, pairs: Vec<(&str, Value)>) -> Result<Data, ActionError> {
    let actions = super::actions();
    let (_, action) = actions.iter().find(|(k, _)| *k == key).expect("action");
    let t = context(json!({}), vec![]);
    action.run(&t.ctx, inputs(pairs)).await
}

fn input_of(e: ActionError) -> String {
    match e {
        ActionError::InvalidInput { input, .. } => input,
        other => panic!("not an input error: {other}"),
    }
}

#[tokio::test]
async fn bad_inputs_are_named() {
    let e = run(
        "parse",
        vec![("csv", json!("a,b")), ("delimiter", json!(";;"))],
    )
    .await
    .unwrap_err();
    assert_eq!(input_of(e), "delimiter");
    let e = run("parse", vec![]).await.unwrap_err();
    assert_eq!(input_of(e), "csv");
    let e = run("parse", vec![("csv", json!({"a": 1}))])
        .await
        .unwrap_err();
    assert_eq!(input_of(e), "csv");
    let e = run("generateFromObject", vec![("inputArray", json!({"a": 1}))])
        .await
        .unwrap_err();
    assert_eq!(input_of(e), "inputArray");
    let e = run("generateFromObject", vec![("inputArray", json!("[1"))])
        .await
        .unwrap_err();
    assert_eq!(input_of(e), "inputArray");
    let e = run("generate", vec![("data", json!([{"a": 1}]))])
        .await
        .unwrap_err();
    assert_eq!(input_of(e), "data");
}

#[tokio::test]
async fn json_text_input_and_the_default_sample() {
    let out = run(
        "generateFromObject",
        vec![("inputArray", json!("[{\"a\":1}]"))],
    )
    .await
    .unwrap();
    assert_eq!(out, Data::Json(json!("a\n1")));
    let out = run("generateFromObject", vec![]).await.unwrap();
    assert_eq!(
        out,
        Data::Json(json!("Column 1,Column 2\nfoo,bar\nabc,def"))
    );
    let out = run("parse", vec![("csv", json!(""))]).await;
    assert!(out.is_err() || out == Ok(Data::Json(json!([]))));
}

#[tokio::test]
async fn generate_then_parse_round_trips() {
    let rows = json!([["a", "b"], ["x,\"y\"", "line\nbreak"], ["", "z"]]);
    let Data::Json(text) = run("generate", vec![("data", rows.clone())]).await.unwrap() else {
        panic!("text")
    };
    let back = run("parse", vec![("csv", text)]).await.unwrap();
    assert_eq!(back, Data::Json(rows));
}
