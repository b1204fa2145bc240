//! Secrets in results: a step's result is redacted when the step produces it, so later steps,
//! conditions, loops, the `stopExecution` response and the records never see a connection
//! secret, in any form plumb produces; one warning per step says so. And the per-execution log
//! limits.

use std::collections::BTreeMap;

use base64::Engine as _;
use plumb_core::action::{Connection, Data, LogLevel};
use plumb_core::expr::ConfigValue;
use plumb_engine::{
    EngineLimits, ExecutionResult, MemorySink, Recorded, RunRequest, StepOutcome, TriggerPayload,
};
use serde_json::{json, Value};

use crate::fakes::{definition, engine, indent, step};

const USER: &str = "amy";
const PASSWORD: &str = "pl@nted secret/7+Q";

fn request() -> RunRequest {
    let mut r = RunRequest::new("F");
    r.trigger = TriggerPayload::json(&json!({"items": [1, 2, 3]}));
    r.config
        .insert("greeting".into(), ConfigValue::Value(json!("hello")));
    r.config.insert(
        "creds".into(),
        ConfigValue::Connection(Connection::new(
            "creds".into(),
            "test".into(),
            "basic".into(),
            BTreeMap::from([
                ("username".into(), USER.into()),
                ("password".into(), PASSWORD.into()),
            ]),
        )),
    );
    r
}

/// Every form of the password a test looks for.
fn forms() -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        PASSWORD.to_string(),
        b64.encode(PASSWORD),
        b64.encode(format!("{USER}:{PASSWORD}")),
        "pl%40nted+secret%2F7%2BQ".to_string(),
    ]
}

/// Everything an execution left: records, logs, error, result, as text.
fn everything(res: &ExecutionResult, seen: &Recorded) -> String {
    let data = |d: &Data| match d {
        Data::Json(v) => v.to_string(),
        Data::Binary {
            bytes,
            content_type,
        } => format!("{content_type} {}", String::from_utf8_lossy(bytes)),
    };
    let mut out = String::new();
    for r in res.steps.iter().chain(seen.steps.iter()) {
        match &r.outcome {
            StepOutcome::Succeeded { result } => out.push_str(&data(result)),
            StepOutcome::Failed { error, .. } => {
                out.push_str(&error.message);
                out.push_str(&format!("{:?}", error.details));
            }
        }
        out.push('\n');
    }
    for l in &seen.logs {
        out.push_str(&l.message);
        out.push('\n');
    }
    out.push_str(&format!(
        "{:?} {:?}",
        res.error,
        res.result.as_ref().map(data)
    ));
    out
}

#[track_caller]
fn assert_clean(text: &str) {
    for form in forms() {
        assert!(!text.contains(&form), "{form:?} in {text}");
    }
}

fn json_of(res: &ExecutionResult, name: &str) -> Value {
    res.steps
        .iter()
        .rev()
        .find(|s| s.name == name)
        .and_then(|s| match &s.outcome {
            StepOutcome::Succeeded {
                result: Data::Json(v),
            } => Some(v.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no JSON result for {name}"))
}

#[tokio::test]
async fn later_steps_branches_and_the_response_see_only_redacted_results() {
    let branch = format!(
        "      - name: Route\n        action: {{key: branchOnValue, component: {{key: branch}}}}\n        inputs:\n          inputValue: {{type: reference, value: leak.results.plain}}\n          branchValueMappings:\n            type: complex\n            value:\n              - {{name: Secret, type: value, value: '{PASSWORD}'}}\n        branches:\n          - name: Secret\n            steps:\n{}          - name: Else\n            steps:\n{}",
        indent(&step("Saw Secret", "noop", &[]), 8),
        indent(&step("Saw Redacted", "noop", &[]), 8),
    );
    let stop = "      - name: Stop\n        action: {key: stopExecution, component: {key: stop-execution}}\n        inputs:\n          statusCode: {type: value, value: '200'}\n          jsonBody: {type: reference, value: leak.results}\n";
    let def = definition(&format!(
        "{}{}{}{}{}{}",
        step(
            "Leak",
            "leak",
            &[("connection", "{type: configVar, value: creds}")]
        ),
        step(
            "Copy",
            "echo",
            &[
                ("value", "{type: reference, value: leak.results.plain}"),
                (
                    "text",
                    "{type: template, value: 'pw={{$leak.results.plain}}'}"
                ),
            ]
        ),
        step("Look", "context", &[]),
        step(
            "Binary",
            "leak",
            &[
                ("connection", "{type: configVar, value: creds}"),
                ("text", "{type: value, value: binary}")
            ]
        ),
        branch,
        stop,
    ));
    let sink = MemorySink::new();
    let mut req = request();
    req.sink = sink.clone();
    let res = engine(EngineLimits::default()).run(&def, req).await;
    assert!(res.is_success(), "{:?}", res.error);
    assert!(res.stopped);
    let seen = sink.recorded();
    assert_clean(&everything(&res, &seen));

    assert_eq!(json_of(&res, "Leak")["plain"], "[REDACTED]");
    assert_eq!(json_of(&res, "Leak")["user"], USER);
    assert_eq!(
        json_of(&res, "Copy"),
        json!({"value": "[REDACTED]", "text": "pw=[REDACTED]"})
    );
    // What an action (a code step) sees: no secret input in configVars, redacted results.
    let look = json_of(&res, "Look");
    assert_eq!(look["configVars"]["creds"], json!({"username": USER}));
    assert_eq!(look["stepResults"]["leak"]["plain"], "[REDACTED]");
    // The branch compared the redacted value.
    assert_eq!(json_of(&res, "Route"), json!({"branch": "Else"}));
    assert!(res.steps.iter().any(|s| s.name == "Saw Redacted"));
    assert!(res.steps.iter().all(|s| s.name != "Saw Secret"));
    // The binary result was scanned too.
    let binary = res.steps.iter().find(|s| s.name == "Binary").unwrap();
    match &binary.outcome {
        StepOutcome::Succeeded {
            result: Data::Binary { bytes, .. },
        } => {
            let text = String::from_utf8_lossy(bytes);
            assert!(text.contains("[REDACTED]") && text.contains(USER), "{text}");
        }
        other => panic!("{other:?}"),
    }
    // The response (what a synchronous caller gets) is the redacted result.
    match &res.result {
        Some(Data::Json(v)) => {
            assert_eq!(v["body"]["plain"], "[REDACTED]");
            assert_eq!(v["body"]["authorization"], "Basic [REDACTED]");
        }
        other => panic!("{other:?}"),
    }
    // One warning per step whose result held a secret, naming the step, never the secret.
    let warnings: Vec<&str> = seen
        .logs
        .iter()
        .filter(|l| l.level == LogLevel::Warn)
        .map(|l| l.message.as_str())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    for (w, name) in warnings.iter().zip(["Leak", "Binary"]) {
        assert!(w.contains(&format!("step `{name}`")), "{w}");
    }
}

#[tokio::test]
async fn a_step_in_a_loop_warns_once_and_errors_are_redacted() {
    let def = definition(&format!(
        "      - name: Each\n        action: {{key: loopOverItems, component: {{key: loop}}}}\n        inputs:\n          items: {{type: reference, value: trigger.results.body.data.items}}\n        steps:\n{}{}",
        indent(
            &step(
                "Leak",
                "leak",
                &[("connection", "{type: configVar, value: creds}")]
            ),
            4
        ),
        step(
            "Refused",
            "leak",
            &[
                ("connection", "{type: configVar, value: creds}"),
                ("text", "{type: value, value: fail}")
            ]
        ),
    ));
    let sink = MemorySink::new();
    let mut req = request();
    req.sink = sink.clone();
    let res = engine(EngineLimits::default()).run(&def, req).await;
    assert!(!res.is_success());
    let seen = sink.recorded();
    assert_clean(&everything(&res, &seen));
    assert_eq!(res.steps.iter().filter(|s| s.name == "Leak").count(), 3);
    let warnings = seen
        .logs
        .iter()
        .filter(|l| l.message.contains("contained a connection secret"))
        .count();
    // One for `Leak` (three iterations), one for `Refused`'s error.
    assert_eq!(warnings, 2, "{:?}", seen.logs);
    let refused = res.steps.iter().find(|s| s.name == "Refused").unwrap();
    match &refused.outcome {
        StepOutcome::Failed { error, .. } => {
            assert_eq!(error.message, "server said Basic [REDACTED]");
            assert_eq!(error.details.as_ref().unwrap()["plain"], "[REDACTED]");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        res.error
            .as_deref()
            .is_some_and(|e| e.contains("server said Basic [REDACTED]")),
        "{:?}",
        res.error
    );
}

#[tokio::test]
async fn log_lines_past_the_limit_are_dropped_and_counted() {
    // `log` logs two lines per call: 20 iterations are 40 lines against a limit of 7.
    let def = definition(&format!(
        "      - name: Many\n        action: {{key: loopNTimes, component: {{key: loop}}}}\n        inputs:\n          iterationCount: {{type: value, value: '20'}}\n        steps:\n{}",
        indent(
            &step(
                "Say",
                "log",
                &[("message", "{type: value, value: 'hello there'}")]
            ),
            4
        ),
    ));
    for (limits, kept) in [
        (
            EngineLimits {
                max_log_lines: 7,
                ..EngineLimits::default()
            },
            7,
        ),
        // "hello there" is 11 bytes, "warn: hello there" 17: three lines fit in 40 bytes.
        (
            EngineLimits {
                max_log_bytes: 40,
                ..EngineLimits::default()
            },
            3,
        ),
    ] {
        let sink = MemorySink::new();
        let mut req = request();
        req.sink = sink.clone();
        let res = engine(limits).run(&def, req).await;
        assert!(res.is_success(), "{:?}", res.error);
        let logs = sink.recorded().logs;
        assert_eq!(logs.len(), kept + 1, "{logs:?}");
        let last = logs.last().unwrap();
        assert_eq!(last.level, LogLevel::Warn);
        assert_eq!(last.step, None);
        let dropped = 40 - kept;
        assert!(
            last.message
                .starts_with(&format!("{dropped} log line(s) (")),
            "{}",
            last.message
        );
    }
    // Under the limits, nothing is dropped and no line says so.
    let sink = MemorySink::new();
    let mut req = request();
    req.sink = sink.clone();
    engine(EngineLimits::default()).run(&def, req).await;
    assert_eq!(sink.recorded().logs.len(), 40);
}
