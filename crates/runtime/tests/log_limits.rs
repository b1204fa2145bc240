//! The per-execution log limits through the real runtime and store: a code step logging in a
//! tight loop leaves at most the limit of lines in the store, then one line saying how many were
//! dropped. On SQLite, and on PostgreSQL when `DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use plumb_engine::{Engine, EngineLimits};
use plumb_runtime::Runtime;
use plumb_store::executions::{ExecutionStatus, NewExecution};
use plumb_store::queue::ClaimOptions;
use plumb_store::testing::TestDb;
use plumb_store::PageRequest;

const DEFINITION: &str = r#"name: Chatty
definitionVersion: 7
flows:
  - name: Talk
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Spam
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ logger }) => {
                for (let i = 0; i < 5000; i++) logger.info(`line ${i} ` + 'x'.repeat(100));
                return { data: 'done' };
              };
"#;

async fn run(db: &TestDb, limits: EngineLimits) -> (uuid::Uuid, uuid::Uuid) {
    let store = db.store.clone();
    let org = store.create_org("Acme").await.unwrap();
    let integration = store
        .create_integration(org.id, "Chatty", "", DEFINITION)
        .await
        .unwrap();
    let runtime = std::sync::Arc::new(Runtime::new(
        store.clone(),
        None,
        Engine::new(plumb_runtime::catalog()).with_limits(limits),
        "http://127.0.0.1:1",
    ));
    let queued = store
        .create_execution(
            org.id,
            NewExecution {
                integration_id: Some(integration.id),
                flow_name: "Talk".into(),
                max_attempts: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let claimed = store
        .claim_execution(&ClaimOptions {
            worker: "w1".into(),
            group: None,
            lease_ms: 30_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .expect("the queued execution");
    assert_eq!(claimed.id, queued.id);
    runtime
        .run_claimed(claimed, "w1", Duration::from_secs(30))
        .await;
    let done = store.get_execution(org.id, queued.id).await.unwrap();
    assert_eq!(done.status, ExecutionStatus::Success, "{:?}", done.error);
    (org.id, queued.id)
}

#[tokio::test]
async fn a_code_step_logging_in_a_loop_stops_at_the_limit() {
    for db in TestDb::all().await.unwrap() {
        for (limits, kept) in [
            (
                EngineLimits {
                    max_log_lines: 50,
                    ..EngineLimits::default()
                },
                50,
            ),
            // Each line is `line N ` and 100 x's: 107 to 111 bytes; 2000 bytes hold 18 lines.
            (
                EngineLimits {
                    max_log_bytes: 2000,
                    ..EngineLimits::default()
                },
                18,
            ),
        ] {
            let (org, id) = run(&db, limits).await;
            let all = PageRequest {
                first: Some(1),
                ..Default::default()
            };
            let page = db
                .store
                .list_execution_logs(org, id, None, &all)
                .await
                .unwrap();
            assert_eq!(page.total, kept + 1, "{}", db.label);
            let warn = db
                .store
                .list_execution_logs(org, id, Some("WARN"), &all)
                .await
                .unwrap();
            assert_eq!(warn.total, 1, "{}", db.label);
            let line = &warn.items[0];
            assert!(
                line.message
                    .starts_with(&format!("{} log line(s) (", 5000 - kept)),
                "{}",
                line.message
            );
            let info = db
                .store
                .list_execution_logs(org, id, Some("INFO"), &all)
                .await
                .unwrap();
            assert_eq!(info.total, kept);
        }
    }
}
