//! Flows: order, references, loops, branches, break, stop, errorConfig, binary data, logs, state.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use plumb_core::action::{Connection, Data, LogLevel};
use plumb_core::expr::ConfigValue;
use plumb_engine::{
    EngineLimits, ExecutionStatus, MemorySink, MemoryStateStore, RunRequest, StepOutcome,
    TriggerPayload,
};
use serde_json::{json, Value};

use crate::fakes::{definition, engine, indent, step};

fn request(payload: Value) -> RunRequest {
    let mut r = RunRequest::new("F");
    r.trigger = TriggerPayload::json(&payload);
    r.config
        .insert("greeting".into(), ConfigValue::Value(json!("hello")));
    r
}

fn result_of<'a>(res: &'a plumb_engine::ExecutionResult, name: &str) -> Vec<&'a Data> {
    res.steps
        .iter()
        .filter(|s| s.name == name)
        .filter_map(|s| match &s.outcome {
            StepOutcome::Succeeded { result } => Some(result),
            StepOutcome::Failed { .. } => None,
        })
        .collect()
}

fn json_of(res: &plumb_engine::ExecutionResult, name: &str) -> Value {
    match result_of(res, name).last() {
        Some(Data::Json(v)) => v.clone(),
        other => panic!("no JSON result for {name}: {other:?}"),
    }
}

#[tokio::test]
async fn steps_run_in_order_with_references() {
    let def = definition(&format!(
        "{}{}",
        step(
            "Make Data",
            "echo",
            &[
                ("value", "{type: reference, value: trigger.results.body.data.pokemon}"),
                ("text", "{type: template, value: '{{configVars.greeting}}, {{$trigger.results.body.data.pokemon}}!'}"),
            ]
        ),
        step(
            "Use It",
            "echo",
            &[("value", "{type: reference, value: makeData.results.text}")]
        ),
    ));
    let res = engine(EngineLimits::default())
        .run(&def, request(json!({"pokemon": "pikachu"})))
        .await;
    assert!(res.is_success(), "{:?}", res.error);
    assert_eq!(
        json_of(&res, "Make Data"),
        json!({"value": "pikachu", "text": "hello, pikachu!"})
    );
    assert_eq!(json_of(&res, "Use It"), json!({"value": "hello, pikachu!"}));
    let names: Vec<&str> = res.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Trigger", "Make Data", "Use It"]);
    assert_eq!(
        json_of(&res, "Trigger")["body"]["contentType"],
        "application/json"
    );
    assert_eq!(
        res.result,
        Some(Data::Json(json!({"value": "hello, pikachu!"})))
    );
}

#[tokio::test]
async fn loop_over_items_and_results() {
    let inner = step(
        "Each",
        "echo",
        &[
            (
                "value",
                "{type: reference, value: loopOverItems.currentItem.n}",
            ),
            ("text", "{type: reference, value: loopOverItems.index}"),
        ],
    );
    let def = definition(&format!(
        "      - name: Loop Over Items\n        action: {{key: loopOverItems, component: {{key: loop}}}}\n        inputs:\n          items: {{type: reference, value: trigger.results.body.data}}\n        steps:\n{}{}",
        indent(&inner, 4),
        step("After", "echo", &[("value", "{type: reference, value: loopOverItems.results}")]),
    ));
    let res = engine(EngineLimits::default())
        .run(&def, request(json!([{"n": 1}, {"n": 2}, {"n": 3}])))
        .await;
    assert!(res.is_success(), "{:?}", res.error);
    let each: Vec<Vec<usize>> = res
        .steps
        .iter()
        .filter(|s| s.name == "Each")
        .map(|s| s.iteration.clone())
        .collect();
    assert_eq!(each, [vec![0], vec![1], vec![2]]);
    let want = json!([{"value": 1, "text": 0}, {"value": 2, "text": 1}, {"value": 3, "text": 2}]);
    assert_eq!(json_of(&res, "Loop Over Items"), want);
    assert_eq!(json_of(&res, "After"), json!({"value": want}));
}

fn branch_on_index(n: usize) -> String {
    format!(
        "      - name: Check\n        action: {{key: branchOnExpression, component: {{key: branch}}}}\n        inputs:\n          conditions:\n            type: complex\n            value:\n              - name: Done\n                type: complex\n                value: [and, [greaterThanOrEqual, {{type: reference, value: count.index}}, {{type: value, value: '{n}'}}]]\n        branches:\n          - name: Done\n            steps:\n              - name: Break\n                action: {{key: breakLoop, component: {{key: loop}}}}\n                inputs: {{}}\n          - name: Else\n            steps:\n{}",
        indent(&step("Keep Going", "noop", &[]), 8)
    )
}

#[tokio::test]
async fn loop_n_times_with_break_in_a_branch() {
    let body = format!(
        "{}{}",
        step(
            "Work",
            "echo",
            &[("value", "{type: reference, value: count.index}")]
        ),
        branch_on_index(2)
    );
    let def = definition(&format!(
        "      - name: Count\n        action: {{key: loopNTimes, component: {{key: loop}}}}\n        inputs:\n          iterationCount: {{type: value, value: '10'}}\n        steps:\n{}{}",
        indent(&body, 4),
        step("After", "noop", &[]),
    ));
    let res = engine(EngineLimits::default())
        .run(&def, request(json!({})))
        .await;
    assert!(res.is_success(), "{:?}", res.error);
    assert_eq!(
        result_of(&res, "Work").len(),
        3,
        "iterations 0, 1, 2 then break"
    );
    assert_eq!(result_of(&res, "Keep Going").len(), 2);
    assert_eq!(json_of(&res, "Count").as_array().map(Vec::len), Some(3));
    assert_eq!(json_of(&res, "Check"), json!({"branch": "Done"}));
    assert_eq!(result_of(&res, "After").len(), 1);
}

#[tokio::test]
async fn branch_on_value_and_else() {
    let branch = |value: &str| {
        format!(
            "      - name: Route\n        action: {{key: branchOnValue, component: {{key: branch}}}}\n        inputs:\n          inputValue: {{type: reference, value: trigger.results.body.data.kind}}\n          branchValueMappings:\n            type: complex\n            value:\n              - {{name: Cats, type: value, value: cat}}\n              - {{name: Dogs, type: value, value: dog}}\n        branches:\n          - name: Cats\n            steps:\n{}          - name: Dogs\n            steps:\n{}          - name: Else\n            steps:\n{}{}",
            indent(&step("Meow", "noop", &[]), 8),
            indent(&step("Woof", "noop", &[]), 8),
            indent(&step("Other", "noop", &[]), 8),
            value
        )
    };
    let def = definition(&branch(""));
    for (kind, ran) in [("cat", "Meow"), ("dog", "Woof"), ("fish", "Other")] {
        let res = engine(EngineLimits::default())
            .run(&def, request(json!({"kind": kind})))
            .await;
        assert!(res.is_success(), "{:?}", res.error);
        let names: Vec<&str> = res.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Trigger", "Route", ran], "{kind}");
    }
}

#[tokio::test]
async fn stop_execution_ends_successfully() {
    let def = definition(&format!(
        "      - name: Stop\n        action: {{key: stopExecution, component: {{key: stop-execution}}}}\n        inputs:\n          statusCode: {{type: value, value: '202'}}\n          jsonBody: {{type: value, value: done}}\n{}",
        step("Never", "noop", &[])
    ));
    let res = engine(EngineLimits::default())
        .run(&def, request(json!({})))
        .await;
    assert_eq!(res.status, ExecutionStatus::Succeeded);
    assert!(res.stopped);
    assert!(result_of(&res, "Never").is_empty());
    match res.result {
        Some(Data::Json(v)) => assert_eq!(
            (v["statusCode"].clone(), v["body"].clone()),
            (json!("202"), json!("done"))
        ),
        other => panic!("{other:?}"),
    }
}

fn with_error_config(step_yaml: String, config: &str) -> String {
    format!("{step_yaml}        errorConfig: {config}\n")
}

#[tokio::test(start_paused = true)]
async fn retry_with_exponential_backoff() {
    let def = definition(&with_error_config(
        step("Flaky", "flaky", &[("size", "{type: value, value: '2'}")]),
        "{errorType: retry, maxAttempts: 3, retryDelaySeconds: 1, usesExponentialBackoff: true}",
    ));
    let start = tokio::time::Instant::now();
    let res = engine(EngineLimits::default())
        .run(&def, request(json!({})))
        .await;
    assert!(res.is_success(), "{:?}", res.error);
    let rec = res.steps.iter().find(|s| s.name == "Flaky").unwrap();
    assert_eq!(rec.attempts, 3);
    assert_eq!(json_of(&res, "Flaky"), json!({"attempt": 3}));
    // 1 s, then 2 s.
    assert_eq!(start.elapsed().as_secs(), 3);
}

#[tokio::test(start_paused = true)]
async fn retry_exhausted_fails() {
    let def = definition(&format!(
        "{}{}",
        with_error_config(
            step("Flaky", "flaky", &[("size", "{type: value, value: '5'}")]),
            "{errorType: retry, maxAttempts: 2, retryDelaySeconds: 4}",
        ),
        step("Never", "noop", &[])
    ));
    let start = tokio::time::Instant::now();
    let res = engine(EngineLimits::default())
        .run(&def, request(json!({})))
        .await;
    assert_eq!(res.status, ExecutionStatus::Failed);
    assert_eq!(start.elapsed().as_secs(), 4);
    let rec = res.steps.iter().find(|s| s.name == "Flaky").unwrap();
    assert_eq!(rec.attempts, 2);
    assert!(
        matches!(&rec.outcome, StepOutcome::Failed { error, ignored: false } if error.message == "flaky failure 2")
    );
    assert!(result_of(&res, "Never").is_empty());
}

#[tokio::test]
async fn ignore_goes_on_and_fail_stops() {
    let def = definition(&format!(
        "{}{}",
        with_error_config(
            step("Bad", "fail", &[("message", "{type: value, value: nope}")]),
            "{errorType: ignore}"
        ),
        step(
            "Next",
            "echo",
            &[("value", "{type: reference, value: bad.results}")]
        )
    ));
    let res = engine(EngineLimits::default())
        .run(&def, request(json!({})))
        .await;
    assert!(res.is_success(), "{:?}", res.error);
    let bad = res.steps.iter().find(|s| s.name == "Bad").unwrap();
    assert!(
        matches!(&bad.outcome, StepOutcome::Failed { error, ignored: true } if error.details == Some(json!({"status": 500})))
    );
    assert_eq!(json_of(&res, "Next"), json!({"value": null}));

    let def = definition(&format!(
        "{}{}",
        step("Bad", "fail", &[]),
        step("Never", "noop", &[])
    ));
    let res = engine(EngineLimits::default())
        .run(&def, request(json!({})))
        .await;
    assert_eq!(res.status, ExecutionStatus::Failed);
    assert_eq!(res.error.as_deref(), Some("step `Bad` failed: boom"));
    assert_eq!(res.steps.len(), 2);
}

#[tokio::test]
async fn binary_results_flow_where_data_is_accepted_only() {
    let def = definition(&format!(
        "{}{}{}",
        step("Avatar", "binary", &[]),
        step(
            "Store",
            "echo",
            &[("value", "{type: reference, value: avatar.results}")]
        ),
        step(
            "As Text",
            "echo",
            &[("text", "{type: reference, value: avatar.results}")]
        ),
    ));
    let res = engine(EngineLimits::default())
        .run(&def, request(json!({})))
        .await;
    assert_eq!(
        json_of(&res, "Store"),
        json!({"value": {"binary": 4, "contentType": "image/png"}})
    );
    assert_eq!(res.status, ExecutionStatus::Failed);
    let err = res.error.unwrap();
    assert!(
        err.contains("input `text` needs JSON") && err.contains("binary data (image/png)"),
        "{err}"
    );

    let def = definition(&format!(
        "{}{}",
        step("Avatar", "binary", &[]),
        step(
            "Field",
            "echo",
            &[("value", "{type: reference, value: avatar.results.width}")]
        ),
    ));
    let res = engine(EngineLimits::default())
        .run(&def, request(json!({})))
        .await;
    let err = res.error.unwrap();
    assert!(err.contains("binary results have no fields"), "{err}");
}

#[tokio::test]
async fn logs_reach_the_sink_redacted() {
    let def = definition(&format!(
        "{}{}",
        step(
            "Say",
            "log",
            &[("message", "{type: template, value: 'token is s3cr3t-pass'}")]
        ),
        step(
            "Conn",
            "echo",
            &[("connection", "{type: configVar, value: creds}")]
        ),
    ));
    let sink = MemorySink::new();
    let mut req = request(json!({}));
    req.sink = sink.clone();
    req.config.insert(
        "creds".into(),
        ConfigValue::Connection(Connection::new(
            "creds".into(),
            "test".into(),
            "basic".into(),
            BTreeMap::from([
                ("username".into(), "bob".into()),
                ("password".into(), "s3cr3t-pass".into()),
            ]),
        )),
    );
    let res = engine(EngineLimits::default()).run(&def, req).await;
    assert!(res.is_success(), "{:?}", res.error);
    let seen = sink.recorded();
    assert!(seen.finished);
    assert_eq!(seen.started.len(), 3);
    assert_eq!(seen.steps.len(), 3);
    let levels: Vec<LogLevel> = seen.logs.iter().map(|l| l.level).collect();
    // The two lines of `Say`, then the engine's warning that `Conn`'s result was redacted.
    assert_eq!(levels, [LogLevel::Info, LogLevel::Warn, LogLevel::Warn]);
    assert!(
        seen.logs[2].message.contains("step `Conn`") && !seen.logs[2].message.contains("s3cr3t"),
        "{:?}",
        seen.logs[2]
    );
    assert_eq!(seen.logs[0].message, "token is [REDACTED]");
    assert_eq!(seen.logs[0].step.as_deref(), Some("Say"));
    // The action saw the secret; the record does not keep it.
    let conn = json_of(&res, "Conn");
    assert_eq!(conn["connection"]["fields"]["password"], "[REDACTED]");
    // Nor does the execution's result (what a synchronous call answers).
    match &res.result {
        Some(Data::Json(v)) => assert_eq!(v["connection"]["fields"]["password"], "[REDACTED]"),
        other => panic!("{other:?}"),
    }
    assert_eq!(conn["connection"]["fields"]["username"], "bob");
}

#[tokio::test]
async fn persist_data_keeps_state_between_runs() {
    let persist = |name: &str, action: &str, inputs: &str| {
        format!("      - name: {name}\n        action: {{key: {action}, component: {{key: persist-data}}}}\n        inputs: {inputs}\n")
    };
    let def = definition(&format!(
        "{}{}{}",
        persist("Read", "getInstanceValue", "{keyInput: {type: value, value: seen}, defaultValueInput: {type: value, value: 0}}"),
        persist("Write", "saveInstanceValue", "{keyInput: {type: value, value: seen}, valueInput: {type: reference, value: trigger.results.body.data.n}}"),
        persist("Shared", "getCrossFlowValue", "{keyInput: {type: value, value: seen}}"),
    ));
    let state = Arc::new(MemoryStateStore::new());
    let eng = engine(EngineLimits::default());
    let mut req = request(json!({"n": 1}));
    req.state = state.clone();
    let first = eng.run(&def, req).await;
    assert_eq!(json_of(&first, "Read"), json!(0));
    assert_eq!(json_of(&first, "Shared"), Value::Null);
    let mut req = request(json!({"n": 2}));
    req.state = state.clone();
    let second = eng.run(&def, req).await;
    assert_eq!(json_of(&second, "Read"), json!(1));
    assert_eq!(json_of(&second, "Write"), json!(2));
    let _ = Duration::ZERO;
}

#[tokio::test]
async fn unknown_flow_is_an_error_result() {
    let def = definition(&step("A", "noop", &[]));
    let res = engine(EngineLimits::default())
        .run(&def, RunRequest::new("Nope"))
        .await;
    assert_eq!(res.status, ExecutionStatus::Failed);
    assert!(res.error.unwrap().contains("no flow named `Nope`"));
}
