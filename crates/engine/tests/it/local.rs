//! `run_local`: the `plumb run` entry point.

use std::collections::BTreeMap;
use std::sync::Arc;

use plumb_core::definition::ProblemKind;
use plumb_engine::{require_local_config, resolve_local_config, run_local};
use serde_json::json;

use crate::fakes::{registry, step, yaml};

#[tokio::test]
async fn runs_with_payload_and_config_and_hides_secrets() {
    let text = yaml(&format!(
        "{}{}",
        step(
            "Greet",
            "echo",
            &[
                ("text", "{type: template, value: '{{configVars.greeting}} {{$trigger.results.body.data.name}}'}"),
                ("connection", "{type: configVar, value: creds}"),
            ]
        ),
        step("Say", "log", &[("message", "{type: template, value: 'pw=topsecret1'}")]),
    ));
    let config = BTreeMap::from([
        ("greeting".to_string(), "hi".to_string()),
        (
            "creds".to_string(),
            r#"{"username": "amy", "password": "topsecret1"}"#.to_string(),
        ),
    ]);
    let report = run_local(
        &text,
        None,
        config,
        Some(br#"{"name": "Ash"}"#.to_vec()),
        Arc::new(registry()),
    )
    .await;
    assert!(report.success, "{report}");
    assert_eq!(report.flow.as_deref(), Some("F"));
    assert_eq!(report.steps.len(), 3);
    let greet = report.steps[1].result.clone().unwrap();
    assert_eq!(greet["text"], json!("hi Ash"));
    assert_eq!(
        greet["connection"]["fields"]["password"],
        json!("[REDACTED]")
    );
    let printed = report.to_string();
    assert!(!printed.contains("topsecret1"), "{printed}");
    assert!(printed.contains("SUCCESS"), "{printed}");
}

#[tokio::test]
async fn reports_problems_and_bad_config() {
    let text = yaml(&step("A", "nope", &[]));
    let report = run_local(&text, None, BTreeMap::new(), None, Arc::new(registry())).await;
    assert!(!report.success);
    assert_eq!(report.problems[0].kind, ProblemKind::UnknownAction);

    let text = yaml(&step("A", "noop", &[]));
    let config = BTreeMap::from([("typo".to_string(), "x".to_string())]);
    let report = run_local(&text, None, config, None, Arc::new(registry())).await;
    assert!(report.error.unwrap().contains("`typo` is not declared"));

    let config = BTreeMap::from([("creds".to_string(), "not json".to_string())]);
    let report = run_local(&text, Some("F"), config, None, Arc::new(registry())).await;
    assert!(report.error.unwrap().contains("JSON object of its inputs"));

    let report = run_local(
        &text,
        Some("Other"),
        BTreeMap::new(),
        None,
        Arc::new(registry()),
    )
    .await;
    assert!(!report.success);
    assert!(report.error.unwrap().contains("no flow named `Other`"));

    let report = run_local("name: [", None, BTreeMap::new(), None, Arc::new(registry())).await;
    assert_eq!(report.problems[0].kind, ProblemKind::Yaml);
}

#[tokio::test]
async fn failing_step_fails_the_report() {
    let text = yaml(&step("Bad", "fail", &[]));
    let report = run_local(&text, None, BTreeMap::new(), None, Arc::new(registry())).await;
    assert!(!report.success);
    assert_eq!(report.steps[1].status, "failed");
    assert_eq!(report.steps[1].error.as_deref(), Some("boom"));
}

#[test]
fn required_config_vars_without_a_value_are_named_before_running() {
    let text = r#"
name: Needs
definitionVersion: 7
requiredConfigVars:
  - key: bucket
    dataType: string
  - key: region
    dataType: string
    defaultValue: eu-west-1
  - key: aws
    dataType: connection
    connection: {key: apiKeySecret, component: {key: aws-s3}}
  - key: custom
    dataType: connection
    connection: {key: own, component: {key: custom-component}}
flows:
  - name: F
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
"#;
    let def = plumb_core::definition::parse(text).unwrap().definition;
    let error = require_local_config(&def, &BTreeMap::new()).unwrap_err();
    assert!(error.contains("`bucket` (string)"), "{error}");
    assert!(!error.contains("`region`"), "a default is a value: {error}");
    assert!(
        error.contains("`aws` (connection; inputs accessKeyId, secretAccessKey)"),
        "{error}"
    );
    assert!(
        !error.contains("`custom`"),
        "unknown types are their own: {error}"
    );
    // The lenient form (test runs on the server, which warn instead) leaves them out.
    assert!(resolve_local_config(&def, &BTreeMap::new()).is_ok());
    let config = BTreeMap::from([
        ("bucket".to_string(), "avatars".to_string()),
        (
            "aws".to_string(),
            r#"{"accessKeyId": "AK", "secretAccessKey": "SK"}"#.to_string(),
        ),
    ]);
    let resolved = require_local_config(&def, &config).unwrap();
    assert!(resolved.contains_key("aws") && resolved.contains_key("region"));
}
