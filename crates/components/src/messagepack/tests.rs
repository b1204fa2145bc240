//! Round trips, errors naming their input, the extension types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumb_core::action::{ActionError, Data, InputValue, Inputs};
use serde_json::{json, Value};

use crate::testing::{context, inputs};

async fn run(key: &str, given: Inputs) -> Result<Data, ActionError> {
    let actions = super::actions();
    let (_, action) = actions.iter().find(|(k, _)| *k == key).expect("action");
    let t = context(json!({}), vec![]);
    action.run(&t.ctx, given).await
}

fn binary(bytes: Vec<u8>) -> Inputs {
    Inputs(
        [(
            "message".to_string(),
            InputValue::Data(Data::Binary {
                bytes,
                content_type: "application/octet-stream".into(),
            }),
        )]
        .into_iter()
        .collect(),
    )
}

fn input_of(e: ActionError) -> String {
    match e {
        ActionError::InvalidInput { input, .. } => input,
        other => panic!("not an input error: {other}"),
    }
}

#[tokio::test]
async fn encode_then_decode_round_trips() {
    let value = json!({"a": [1, -2, 3.5, "x", null, true], "b": {"c": u64::MAX}});
    let Data::Binary {
        bytes,
        content_type,
    } = run("encodeMessage", inputs(vec![("data", value.clone())]))
        .await
        .unwrap()
    else {
        panic!("binary")
    };
    assert_eq!(content_type, super::CONTENT_TYPE);
    assert_eq!(
        run("decodeMessage", binary(bytes)).await.unwrap(),
        Data::Json(value)
    );
}

#[tokio::test]
async fn buffer_json_and_non_string_keys() {
    // {1: bin[0xff]} as a Node.js Buffer.
    let buffer = json!({"type": "Buffer", "data": [0x81, 0x01, 0xc4, 0x01, 0xff]});
    let out = run("decodeMessage", inputs(vec![("message", buffer)]))
        .await
        .unwrap();
    assert_eq!(out, Data::Json(json!({"1": [255]})));
}

#[tokio::test]
async fn timestamps_and_other_extensions() {
    // timestamp32 of 0 and ext type 5 with two bytes.
    let out = run(
        "decodeMessage",
        binary(vec![0x92, 0xd6, 0xff, 0, 0, 0, 0, 0xd5, 0x05, 1, 2]),
    )
    .await
    .unwrap();
    assert_eq!(
        out,
        Data::Json(json!(["1970-01-01T00:00:00Z", {"type": 5, "data": [1, 2]}]))
    );
}

#[tokio::test]
async fn bad_messages_name_the_input() {
    for message in [
        json!("not base64!"),
        json!([256]),
        json!(3),
        json!([0x92, 0x01]), // a list of two with one item
        json!([0x01, 0x02]), // a byte after the value
    ] {
        let e = run("decodeMessage", inputs(vec![("message", message.clone())]))
            .await
            .unwrap_err();
        assert_eq!(input_of(e), "message", "{message}");
    }
    let deep: Vec<u8> = std::iter::repeat_n(0x91, 1000).chain([0xc0]).collect();
    let e = run("decodeMessage", binary(deep)).await.unwrap_err();
    assert_eq!(input_of(e), "message");
    let e = run("encodeMessage", inputs(vec![])).await.unwrap_err();
    assert_eq!(input_of(e), "data");
}

#[test]
fn timestamp64_has_nanoseconds() {
    let nanos: u64 = 500_000_000;
    let raw = (nanos << 34) | 1;
    assert_eq!(
        super::timestamp(&raw.to_be_bytes()),
        Some(Value::from("1970-01-01T00:00:01.500Z"))
    );
}
