//! Errors name their input; edge cases and bounds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumb_core::action::{ActionError, Data};
use serde_json::{json, Value};

use super::MAX_ITEMS;
use crate::testing::{context, inputs};

async fn run(key: &str, pairs: Vec<(&str, Value)>) -> Result<Data, ActionError> {
    let actions = super::actions();
    let (_, action) = actions.iter().find(|(k, _)| *k == key).expect("action");
    let t = context(json!({}), vec![]);
    action.run(&t.ctx, inputs(pairs)).await
}

async fn ok(key: &str, pairs: Vec<(&str, Value)>) -> Value {
    match run(key, pairs).await.unwrap() {
        Data::Json(v) => v,
        other => panic!("not JSON: {other:?}"),
    }
}

async fn bad(key: &str, pairs: Vec<(&str, Value)>) -> String {
    match run(key, pairs).await.unwrap_err() {
        ActionError::InvalidInput { input, .. } => input,
        other => panic!("not an input error: {other}"),
    }
}

#[tokio::test]
async fn list_inputs_must_be_lists() {
    for key in ["chunks", "flatten", "first", "deduplicate", "takeLast"] {
        assert_eq!(bad(key, vec![]).await, "listInput", "{key}");
        assert_eq!(
            bad(key, vec![("listInput", json!({"a": 1}))]).await,
            "listInput",
            "{key}"
        );
        assert_eq!(
            bad(key, vec![("listInput", json!("[1,"))]).await,
            "listInput",
            "{key}"
        );
    }
    assert_eq!(
        bad(
            "concatenate",
            vec![("listInput", json!([1])), ("secondListInput", json!(2))]
        )
        .await,
        "secondListInput"
    );
    assert_eq!(
        bad("append", vec![("listInput", json!([1]))]).await,
        "elementInput"
    );
    assert_eq!(
        bad("toObject", vec![("keyValueList", json!([1]))]).await,
        "keyValueList"
    );
}

#[tokio::test]
async fn numbers_and_indexes_are_checked() {
    let list = json!([1, 2, 3]);
    assert_eq!(
        bad(
            "chunks",
            vec![("listInput", list.clone()), ("numberInput", json!("0"))]
        )
        .await,
        "numberInput"
    );
    assert_eq!(
        bad(
            "chunks",
            vec![("listInput", list.clone()), ("numberInput", json!("two"))]
        )
        .await,
        "numberInput"
    );
    assert_eq!(
        bad(
            "takeFirst",
            vec![("listInput", list.clone()), ("numberInput", json!(-1))]
        )
        .await,
        "numberInput"
    );
    assert_eq!(
        bad(
            "selectItemFromList",
            vec![("listInput", list.clone()), ("index", json!("x"))]
        )
        .await,
        "index"
    );
    assert_eq!(
        bad(
            "selectItemFromList",
            vec![("listInput", list.clone()), ("index", json!("0.1"))]
        )
        .await,
        "index"
    );
    assert_eq!(
        ok(
            "chunks",
            vec![("listInput", list.clone()), ("numberInput", json!("100"))]
        )
        .await,
        json!([[1, 2, 3]])
    );
    assert_eq!(
        ok(
            "takeFirst",
            vec![("listInput", list), ("numberInput", json!("0"))]
        )
        .await,
        json!([])
    );
}

#[tokio::test]
async fn add_key_errors_name_their_input() {
    assert_eq!(
        bad("addKey", vec![("key", json!("a")), ("value", json!(1))]).await,
        "object"
    );
    assert_eq!(
        bad(
            "addKey",
            vec![
                ("object", json!([1])),
                ("key", json!("a")),
                ("value", json!(1))
            ]
        )
        .await,
        "object"
    );
    assert_eq!(
        bad("addKey", vec![("object", json!({})), ("value", json!(1))]).await,
        "key"
    );
    assert_eq!(
        bad("addKey", vec![("object", json!({})), ("key", json!("a"))]).await,
        "value"
    );
    let through_number = vec![
        ("object", json!({"a": 1})),
        ("key", json!("k")),
        ("value", json!(1)),
        ("objectPath", json!("a.b")),
    ];
    assert_eq!(bad("addKey", through_number).await, "objectPath");
    let empty_segment = vec![
        ("object", json!({})),
        ("key", json!("k")),
        ("value", json!(1)),
        ("objectPath", json!("a..b")),
    ];
    assert_eq!(bad("addKey", empty_segment).await, "objectPath");
    let deep = vec!["x"; 65].join(".");
    let too_deep = vec![
        ("object", json!({})),
        ("key", json!("k")),
        ("value", json!(1)),
        ("objectPath", json!(deep)),
    ];
    assert_eq!(bad("addKey", too_deep).await, "objectPath");
}

#[tokio::test]
async fn add_key_goes_into_lists_by_index() {
    let out = ok(
        "addKey",
        vec![
            ("object", json!({"rows": [{"a": 1}, {"a": 2}]})),
            ("key", json!("b")),
            ("value", json!(true)),
            ("objectPath", json!("rows.1")),
        ],
    )
    .await;
    assert_eq!(out, json!({"rows": [{"a": 1}, {"a": 2, "b": true}]}));
}

#[tokio::test]
async fn lists_are_bounded() {
    let long = Value::Array(vec![json!(0); MAX_ITEMS + 1]);
    assert_eq!(bad("length", vec![("listInput", long)]).await, "listInput");
    let half = Value::Array(vec![json!(0); MAX_ITEMS / 2 + 1]);
    assert_eq!(
        bad(
            "concatenate",
            vec![
                ("listInput", half.clone()),
                ("secondListInput", half.clone())
            ]
        )
        .await,
        "secondListInput"
    );
    let nested = json!([half.clone(), half]);
    assert_eq!(
        bad("flatten", vec![("listInput", nested)]).await,
        "listInput"
    );
}

#[tokio::test]
async fn the_split_payload_example_steps() {
    // The shapes `split-payload-example.yml` gives: 100 posts in chunks of "20", the results
    // of each chunk flattened back, a title replaced in each post.
    let posts: Vec<Value> = (1..=100)
        .map(|id| json!({"id": id, "title": format!("t{id}")}))
        .collect();
    let chunks = ok(
        "chunks",
        vec![
            ("listInput", Value::Array(posts.clone())),
            ("numberInput", json!("20")),
        ],
    )
    .await;
    assert_eq!(chunks.as_array().unwrap().len(), 5);
    let flat = ok("flatten", vec![("listInput", chunks)]).await;
    assert_eq!(flat, Value::Array(posts));
    let post = ok(
        "addKey",
        vec![
            ("key", json!("title")),
            ("object", json!({"id": 1, "title": "t1"})),
            ("objectPath", json!("")),
            ("value", json!("T1")),
        ],
    )
    .await;
    assert_eq!(post, json!({"id": 1, "title": "T1"}));
}
