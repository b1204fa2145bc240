//! Limits and cancellation.

use std::time::Duration;

use plumb_engine::{CancellationToken, EngineLimits, ExecutionStatus, RunRequest, StepOutcome};

use crate::fakes::{definition, engine, step};

#[tokio::test]
async fn time_limit_stops_a_slow_step() {
    let def = definition(&format!(
        "{}{}",
        step("Slow", "sleep", &[("ms", "{type: value, value: 10000}")]),
        step("Never", "noop", &[])
    ));
    let limits = EngineLimits {
        max_execution_time: Duration::from_millis(100),
        ..EngineLimits::default()
    };
    let started = std::time::Instant::now();
    let res = engine(limits).run(&def, RunRequest::new("F")).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(res.status, ExecutionStatus::TimedOut);
    assert!(res.error.unwrap().contains("time limit"));
    let slow = res.steps.iter().find(|s| s.name == "Slow").unwrap();
    assert!(
        matches!(&slow.outcome, StepOutcome::Failed { error, .. } if error.message.contains("time limit"))
    );
    assert!(res.steps.iter().all(|s| s.name != "Never"));
}

#[tokio::test]
async fn result_size_limit_fails_the_step() {
    let def = definition(&format!(
        "{}{}",
        step("Small", "big", &[("size", "{type: value, value: 100}")]),
        step("Large", "big", &[("size", "{type: value, value: 5000}")])
    ));
    let limits = EngineLimits {
        max_step_result_bytes: 1000,
        ..EngineLimits::default()
    };
    let res = engine(limits).run(&def, RunRequest::new("F")).await;
    assert_eq!(res.status, ExecutionStatus::Failed);
    assert!(res
        .error
        .unwrap()
        .contains("larger than the limit of 1000 bytes"));
    assert!(matches!(
        res.steps[1].outcome,
        StepOutcome::Succeeded { .. }
    ));
}

#[tokio::test]
async fn cancellation_stops_the_run() {
    let def = definition(&step(
        "Slow",
        "sleep",
        &[("ms", "{type: value, value: 10000}")],
    ));
    let token = CancellationToken::new();
    let mut req = RunRequest::new("F");
    req.cancel = token.clone();
    let eng = engine(EngineLimits::default());
    let handle = tokio::spawn(async move { eng.run(&def, req).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    token.cancel();
    let res = tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(res.status, ExecutionStatus::Cancelled);
    assert_eq!(res.status.api_status(), "ERROR");
}

#[tokio::test]
async fn loop_iteration_limit() {
    let def = definition(&format!(
        "      - name: Many\n        action: {{key: loopNTimes, component: {{key: loop}}}}\n        inputs:\n          iterationCount: {{type: value, value: 50}}\n        steps:\n{}",
        crate::fakes::indent(&step("Work", "noop", &[]), 4)
    ));
    let limits = EngineLimits {
        max_loop_iterations: 10,
        ..EngineLimits::default()
    };
    let res = engine(limits).run(&def, RunRequest::new("F")).await;
    assert_eq!(res.status, ExecutionStatus::Failed);
    assert!(res
        .error
        .unwrap()
        .contains("over the limit of 10 iterations"));
}
