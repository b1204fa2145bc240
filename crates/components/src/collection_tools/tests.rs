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

#[tokio::test]
async fn bad_functions_name_their_input() {
    let list = json!([1, 2, 3]);
    let cases = [
        ("filter", "filterCodeInput", "(item => "),
        ("filter", "filterCodeInput", "42"),
        ("filter", "filterCodeInput", "(item) => item.a.b"),
        ("map", "mapCodeInput", "(item) => { throw new Error('no') }"),
        (
            "map",
            "filterCodeInput",
            "async (item) => { throw new TypeError('no') }",
        ),
        ("sort", "sortCodeInput", "(a, b) => a.x.y"),
        ("aggregate", "filterCodeInput", "not a function"),
    ];
    for (action, key, code) in cases {
        let mut pairs = vec![("listInput", list.clone()), (key, json!(code))];
        if action == "aggregate" {
            pairs.push(("aggregateFunctionInput", json!("SUM")));
        }
        assert_eq!(bad(action, pairs).await, key, "{action} {code}");
    }
    let too_long = "x".repeat(super::functions::MAX_FUNCTION_BYTES + 1);
    assert_eq!(
        bad(
            "filter",
            vec![
                ("listInput", list.clone()),
                ("filterCodeInput", json!(too_long))
            ]
        )
        .await,
        "filterCodeInput"
    );
    assert_eq!(
        bad(
            "aggregate",
            vec![
                ("listInput", list.clone()),
                ("aggregateFunctionInput", json!("MODE"))
            ]
        )
        .await,
        "aggregateFunctionInput"
    );
    assert_eq!(
        bad(
            "aggregate",
            vec![
                ("listInput", json!([1, {}])),
                ("aggregateFunctionInput", json!("SUM"))
            ]
        )
        .await,
        "listInput"
    );
    assert_eq!(bad("map", vec![("listInput", json!(7))]).await, "listInput");
}

#[tokio::test]
async fn functions_see_items_indexes_and_context_and_may_be_async() {
    let out = ok(
        "map",
        vec![
            ("listInput", json!(["a", "b"])),
            (
                "mapCodeInput",
                json!("async (item, index, ctx) => `${ctx.prefix}${item}${index}`"),
            ),
            ("contextData", json!({"prefix": ">"})),
        ],
    )
    .await;
    assert_eq!(out, json!([">a0", ">b1"]));
    let out = ok(
        "filter",
        vec![
            ("listInput", json!([1, 2, 3, 4])),
            ("filterCodeInput", json!("async (n) => n % 2 === 0")),
        ],
    )
    .await;
    assert_eq!(out, json!([2, 4]));
    // A stable sort: equal keys keep their order.
    let out = ok(
        "sort",
        vec![
            (
                "listInput",
                json!([{"k": 1, "i": 0}, {"k": 0, "i": 1}, {"k": 1, "i": 2}]),
            ),
            ("sortCodeInput", json!("(a, b) => a.k - b.k")),
        ],
    )
    .await;
    assert_eq!(
        out,
        json!([{"k": 0, "i": 1}, {"k": 1, "i": 0}, {"k": 1, "i": 2}])
    );
    for (f, expected) in [
        ("COUNT", json!(4)),
        ("max", json!(10)),
        ("Min", json!(1)),
        ("PRODUCT", json!(60)),
        ("AVERAGE", json!(4)),
        ("MEDIAN", json!(2.5)),
    ] {
        let out = ok(
            "aggregate",
            vec![
                ("listInput", json!([3, 1, 2, 10])),
                ("aggregateFunctionInput", json!(f)),
            ],
        )
        .await;
        assert_eq!(out, expected, "{f}");
    }
}

#[tokio::test]
async fn a_function_that_never_ends_is_stopped_at_the_deadline() {
    let actions = super::actions();
    let (_, action) = actions
        .iter()
        .find(|(k, _)| *k == "filter")
        .expect("action");
    let mut t = context(json!({}), vec![]);
    t.ctx.deadline = Some(std::time::Instant::now() + std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    let e = action
        .run(
            &t.ctx,
            inputs(vec![
                ("listInput", json!([1])),
                ("filterCodeInput", json!("() => { for (;;) {} }")),
            ]),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ActionError::Timeout(_)), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn json_schema_violations_fail_naming_the_input() {
    let schema = json!({"type": "object", "properties": {"acct_name": {"type": "string"}}, "required": ["external_id", "acct_name"]});
    let e = run(
        "validateJsonSchema",
        vec![
            ("jsonInput", json!({"acct_name": 7})),
            ("jsonSchema", schema.clone()),
        ],
    )
    .await
    .unwrap_err();
    let ActionError::InvalidInput { input, message } = e else {
        panic!("{e}")
    };
    assert_eq!(input, "jsonInput");
    assert!(
        message.contains("external_id") && message.contains("/acct_name"),
        "{message}"
    );
    let ok_value = ok(
        "validateJsonSchema",
        vec![
            ("jsonInput", json!({"external_id": 1, "acct_name": "A"})),
            ("jsonSchema", schema),
        ],
    )
    .await;
    assert_eq!(ok_value, json!(true));
    assert_eq!(
        bad(
            "validateJsonSchema",
            vec![("jsonInput", json!(1)), ("jsonSchema", json!({"type": 5}))]
        )
        .await,
        "jsonSchema"
    );
    assert_eq!(
        bad(
            "validateJsonSchema",
            vec![("jsonInput", json!(1)), ("jsonSchema", json!("{nope"))]
        )
        .await,
        "jsonSchema"
    );
    let remote = json!({"$ref": "https://example.com/schema.json"});
    assert_eq!(
        bad(
            "validateJsonSchema",
            vec![("jsonInput", json!(1)), ("jsonSchema", remote)]
        )
        .await,
        "jsonSchema"
    );
}
