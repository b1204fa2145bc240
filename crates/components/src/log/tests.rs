#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumb_core::action::{ActionError, Data, LogLevel};
use serde_json::{json, Value};

use super::{MAX_MESSAGE, MAX_METRICS};
use crate::testing::{context, inputs};

async fn run(
    key: &str,
    pairs: Vec<(&str, Value)>,
) -> (Result<Data, ActionError>, Vec<(LogLevel, String)>) {
    let c = super::component();
    c.check().unwrap();
    let t = context(json!({}), vec![]);
    let out = c.action(key).unwrap().run(&t.ctx, inputs(pairs)).await;
    (out, t.lines.all())
}

fn bad_input(r: Result<Data, ActionError>) -> String {
    match r {
        Err(ActionError::InvalidInput { input, .. }) => input,
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[tokio::test]
async fn write_log_writes_at_the_level() {
    for (name, level) in [
        ("debug", LogLevel::Debug),
        ("INFO", LogLevel::Info),
        ("warn", LogLevel::Warn),
        ("error", LogLevel::Error),
    ] {
        let (out, lines) = run(
            "writeLog",
            vec![("level", json!(name)), ("message", json!("hi"))],
        )
        .await;
        assert_eq!(out.unwrap(), Data::Json(Value::Null));
        assert_eq!(lines, [(level, "hi".to_string())]);
    }
    let (_, lines) = run("writeLog", vec![("message", json!({"a": 1}))]).await;
    assert_eq!(lines, [(LogLevel::Info, "{\"a\":1}".to_string())]);
}

#[tokio::test]
async fn bad_levels_and_messages_name_their_input() {
    let (out, lines) = run(
        "writeLog",
        vec![("level", json!("loud")), ("message", json!("x"))],
    )
    .await;
    assert_eq!(bad_input(out), "level");
    assert!(lines.is_empty());
    let (out, _) = run("writeLog", vec![]).await;
    assert_eq!(bad_input(out), "message");
    let (out, lines) = run(
        "writeLog",
        vec![("message", json!("x".repeat(MAX_MESSAGE + 1)))],
    )
    .await;
    assert_eq!(bad_input(out), "message");
    assert!(lines.is_empty());
}

#[tokio::test]
async fn metrics_are_json_lines_at_the_metric_level() {
    let (out, lines) = run(
        "writeMetric",
        vec![("metrics", json!("{\"name\":\"n\",\"value\":1}"))],
    )
    .await;
    assert_eq!(out.unwrap(), Data::Json(Value::Null));
    assert_eq!(
        lines,
        [(LogLevel::Metric, "{\"name\":\"n\",\"value\":1}".to_string())]
    );
    let many: Vec<Value> = (0..=MAX_METRICS).map(|n| json!({"n": n})).collect();
    let (out, lines) = run("writeMetric", vec![("metrics", json!(many))]).await;
    assert_eq!(bad_input(out), "metrics");
    assert!(lines.is_empty());
    let (out, _) = run("writeMetric", vec![("metrics", json!("{oops"))]).await;
    assert_eq!(bad_input(out), "metrics");
}
