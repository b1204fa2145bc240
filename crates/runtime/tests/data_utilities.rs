//! The data utility components chained through the engine by references, as Prismatic's
//! exports chain them: a binary MessagePack webhook body decoded (`messagepack`), rendered into
//! JSON text by a Liquid template (`liquid-template`), parsed (`change-data-format`) and
//! written as CSV (`csv`); a form-encoded body parsed and a field of it deserialized.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumb_engine::{RunRequest, StepOutcome, TriggerPayload};
use serde_json::{json, Value};

fn step(name: &str, component: &str, action: &str, inputs: Value) -> Value {
    json!({
        "name": name,
        "action": {"key": action, "component": {"key": component, "version": "LATEST", "isPublic": true}},
        "inputs": inputs,
    })
}

fn reference(to: &str) -> Value {
    json!({"type": "reference", "value": to})
}

fn value(v: Value) -> Value {
    json!({"type": "value", "value": v})
}

async fn run(steps: Vec<Value>, body: Vec<u8>) -> Vec<(String, Value)> {
    let mut all = vec![json!({
        "name": "Trigger", "isTrigger": true,
        "action": {"key": "webhook", "component": {"key": "webhook-triggers"}},
    })];
    all.extend(steps);
    let definition = json!({
        "name": "Data utilities", "definitionVersion": 7,
        "flows": [{"name": "F", "steps": all}],
    })
    .to_string();
    let engine = plumb_runtime::engine();
    let def = engine.load(&definition).unwrap_or_else(|p| panic!("{p}"));
    let mut request = RunRequest::new("F");
    request.trigger = TriggerPayload::bytes(body);
    let result = engine.run(&def, request).await;
    result
        .steps
        .iter()
        .filter(|s| s.name != "Trigger")
        .map(|s| match &s.outcome {
            StepOutcome::Succeeded {
                result: plumb_core::action::Data::Json(v),
            } => (s.name.clone(), v.clone()),
            other => panic!("{}: {other:?}", s.name),
        })
        .collect()
}

#[tokio::test]
async fn messagepack_to_liquid_to_json_to_csv() {
    // {"data": [1, "two"]} as MessagePack: not UTF-8, so the webhook gives it as base64.
    let body = vec![
        0x81, 0xa4, b'd', b'a', b't', b'a', 0x92, 0x01, 0xa3, b't', b'w', b'o',
    ];
    let template = "[{% for x in data %}{\"v\": {{ x | json }}}{% unless forloop.last %},{% endunless %}{% endfor %}]";
    let steps = vec![
        step(
            "Decode",
            "messagepack",
            "decodeMessage",
            json!({"message": reference("trigger.results.body.data")}),
        ),
        step(
            "Render",
            "liquid-template",
            "transform",
            json!({
                "data": reference("decode.results"),
                "liquidTemplate": value(json!(template)),
            }),
        ),
        step(
            "Parse",
            "change-data-format",
            "deserializeFromJson",
            json!({"data": reference("render.results")}),
        ),
        step(
            "To CSV",
            "csv",
            "generateFromObject",
            json!({
                "inputArray": reference("parse.results"),
                "delimiter": value(json!(",")),
                "includeHeader": value(json!("true")),
            }),
        ),
    ];
    let results = run(steps, body).await;
    assert_eq!(
        results,
        vec![
            ("Decode".to_string(), json!({"data": [1, "two"]})),
            ("Render".to_string(), json!("[{\"v\": 1},{\"v\": \"two\"}]")),
            ("Parse".to_string(), json!([{"v": 1}, {"v": "two"}])),
            ("To CSV".to_string(), json!("v\n1\ntwo")),
        ]
    );
}

#[tokio::test]
async fn form_body_then_its_json_field_then_xml() {
    let body = b"payload=%7B%22order%22%3A%7B%22id%22%3A7%7D%7D&token=abc".to_vec();
    let steps = vec![
        step(
            "Form",
            "change-data-format",
            "deserializeFormData",
            json!({"data": reference("trigger.results.body.data")}),
        ),
        step(
            "Payload",
            "change-data-format",
            "deserializeFromJson",
            json!({"data": reference("form.results.payload")}),
        ),
        step(
            "As XML",
            "change-data-format",
            "binaryToXml",
            json!({"data": reference("payload.results")}),
        ),
        step(
            "Back",
            "change-data-format",
            "deserializeFromXml",
            json!({
                "data": reference("asXml.results"),
                "numbersAsStrings": value(json!("false")),
            }),
        ),
    ];
    let results = run(steps, body).await;
    assert_eq!(results[0].1["token"], "abc");
    assert_eq!(results[1].1, json!({"order": {"id": 7}}));
    assert_eq!(results[2].1, json!("<order><id>7</id></order>"));
    assert_eq!(results[3].1, json!({"order": {"id": 7}}));
}
