#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use plumb_core::action::{ActionError, Data};
use serde_json::{json, Value};

use super::{duration, MAX_SLEEP_MS};
use crate::testing::{context, inputs};

fn bad_input(r: Result<Duration, ActionError>) -> (String, String) {
    match r {
        Err(ActionError::InvalidInput { input, message }) => (input, message),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn sleeps_are_bounded_by_the_deadline_and_the_maximum() {
    let now = Instant::now();
    assert_eq!(
        duration(1500, None, now).unwrap(),
        Duration::from_millis(1500)
    );
    let deadline = Some(now + Duration::from_millis(1000));
    assert_eq!(
        duration(1000, deadline, now).unwrap(),
        Duration::from_millis(1000)
    );
    let (input, message) = bad_input(duration(1001, deadline, now));
    assert_eq!(input, "ms");
    assert!(message.contains("time limit (1000 ms left)"), "{message}");
    let (_, message) = bad_input(duration(1, Some(now), now + Duration::from_secs(1)));
    assert!(message.contains("(0 ms left)"), "{message}");
    let (input, message) = bad_input(duration(MAX_SLEEP_MS + 1, None, now));
    assert_eq!(input, "ms");
    assert!(message.contains("longest sleep"), "{message}");
}

#[tokio::test]
async fn sleep_waits_then_answers_null() {
    let c = super::component();
    c.check().unwrap();
    let t = context(json!({}), vec![]);
    let start = Instant::now();
    let out = c
        .action("sleep")
        .unwrap()
        .run(&t.ctx, inputs(vec![("ms", json!("30"))]))
        .await;
    assert_eq!(out.unwrap(), Data::Json(Value::Null));
    assert!(start.elapsed() >= Duration::from_millis(30));
    let spec = super::spec();
    let ms = spec.find_action("sleep").unwrap().input("ms").unwrap();
    assert_eq!(ms.default.as_deref(), Some("1000"));
}

#[tokio::test]
async fn a_sleep_past_the_deadline_is_refused_at_once() {
    let c = super::component();
    let mut t = context(json!({}), vec![]);
    t.ctx.deadline = Some(Instant::now() + Duration::from_millis(50));
    let start = Instant::now();
    let out = c
        .action("sleep")
        .unwrap()
        .run(&t.ctx, inputs(vec![("ms", json!(60_000))]))
        .await;
    assert!(
        matches!(&out, Err(ActionError::InvalidInput { input, .. }) if input == "ms"),
        "{out:?}"
    );
    assert!(start.elapsed() < Duration::from_millis(50));
    for bad in [json!(-1), json!(1.5), json!("soon")] {
        let out = c
            .action("sleep")
            .unwrap()
            .run(&t.ctx, inputs(vec![("ms", bad)]))
            .await;
        assert!(
            matches!(&out, Err(ActionError::InvalidInput { input, .. }) if input == "ms"),
            "{out:?}"
        );
    }
}
