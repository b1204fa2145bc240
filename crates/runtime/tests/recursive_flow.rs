//! The `recursive-flow` component through the real runtime, store and workers: the example
//! definition (`examples/recursive-flow-batches`) runs 1,000 records in batches of 100, one
//! execution per batch, each queued by the one before through the durable queue and linked to
//! it (`invoked_by`, `recursion_depth`); a flow that always invokes itself stops at the
//! runtime's bound. On SQLite, and on PostgreSQL when `DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use plumb_core::action::Data;
use plumb_engine::CancellationToken;
use plumb_runtime::cross_flow::RECURSIVE_FLOW_INVOKE_TYPE;
use plumb_runtime::{Runtime, TriggerInput, WorkerConfig};
use plumb_store::customers::CustomerFields;
use plumb_store::executions::{Execution, ExecutionFilter, ExecutionStatus, StepValue};
use plumb_store::instances::{FlowConfig, Instance, NewFlowConfig, NewInstance};
use plumb_store::testing::TestDb;
use plumb_store::{PageRequest, Store};
use serde_json::{json, Value};
use uuid::Uuid;

const EXAMPLE: &str = include_str!("../../../examples/recursive-flow-batches/integration.yaml");

const FOREVER: &str = r#"name: Forever
definitionVersion: 7
flows:
  - name: Forever
    steps:
      - name: Trigger
        action: {key: recursiveTrigger, component: {key: recursive-flow}}
        inputs:
          defaultCursor: {type: value, value: '0'}
      - name: Again
        action: {key: invokeRecursiveTrigger, component: {key: recursive-flow}}
        inputs:
          cursor: {type: reference, value: trigger.results.cursor}
"#;

struct Setup {
    runtime: Arc<Runtime>,
    instance: Instance,
    flows: Vec<FlowConfig>,
    shutdown: CancellationToken,
}

async fn setup(store: &Store, definition: &str, max_depth: Option<i64>) -> Setup {
    let org = store.create_org("Acme").await.unwrap();
    let customer = store
        .create_customer(org.id, "Smith", CustomerFields::default())
        .await
        .unwrap();
    // The definition validates against the shipped catalog.
    let def = plumb_core::definition::load(definition, &plumb_runtime::catalog().view(None))
        .unwrap_or_else(|p| panic!("{p:?}"));
    let draft = store
        .create_integration(org.id, &def.name, "", definition)
        .await
        .unwrap();
    let version = store
        .publish_integration(org.id, draft.id, "v1")
        .await
        .unwrap();
    let instance = store
        .create_instance(
            org.id,
            NewInstance {
                customer_id: customer.id,
                integration_id: draft.id,
                integration_version_id: version.id,
                name: def.name.clone(),
                description: String::new(),
                worker_group: None,
                flows: def
                    .flows
                    .iter()
                    .map(|f| NewFlowConfig {
                        flow_name: f.name.clone(),
                        security: "unsecured".into(),
                    })
                    .collect(),
                bindings: Vec::new(),
            },
        )
        .await
        .unwrap();
    let flows = store
        .instance_flow_configs(org.id, instance.id)
        .await
        .unwrap();
    let mut runtime = Runtime::new(
        store.clone(),
        None,
        plumb_runtime::engine(),
        "http://127.0.0.1:1",
    );
    if let Some(depth) = max_depth {
        runtime.max_recursion_depth = depth;
    }
    let runtime = Arc::new(runtime);
    let shutdown = CancellationToken::new();
    let config = WorkerConfig {
        concurrency: 2,
        poll: Duration::from_millis(20),
        customer_limit: 0,
        customer_share: 1.0,
        ..WorkerConfig::default()
    };
    tokio::spawn(plumb_runtime::run_workers(
        runtime.clone(),
        config,
        shutdown.clone(),
        Duration::from_secs(5),
    ));
    Setup {
        runtime,
        instance,
        flows,
        shutdown,
    }
}

impl Setup {
    /// Starts the flow as a webhook call without a body would.
    async fn start(&self, flow: &str) -> Execution {
        let config = self.flows.iter().find(|f| f.flow_name == flow).unwrap();
        self.runtime
            .enqueue(&self.instance, config, TriggerInput::default(), "webhook")
            .await
            .unwrap()
    }

    async fn executions(&self, flow: &str) -> Vec<Execution> {
        let filter = ExecutionFilter {
            flow_name: Some(flow.into()),
            ..Default::default()
        };
        let page = PageRequest {
            first: Some(100),
            ..Default::default()
        };
        self.runtime
            .store
            .list_executions(self.instance.org_id, &filter, &page)
            .await
            .unwrap()
            .items
    }

    /// The executions of `flow` once `n` of them have ended (and nothing is left running).
    async fn chain(&self, flow: &str, n: usize) -> Vec<Execution> {
        let mut chain = Vec::new();
        for _ in 0..1200 {
            chain = self.executions(flow).await;
            if chain.len() >= n
                && chain
                    .iter()
                    .all(|e| matches!(e.status, ExecutionStatus::Success | ExecutionStatus::Error))
            {
                return chain;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{} executions of {flow}, not {n} ended", chain.len());
    }

    /// The result of step `step` of execution `id`.
    async fn result(&self, id: Uuid, step: &str) -> Value {
        let page = PageRequest {
            first: Some(100),
            ..Default::default()
        };
        let steps = self
            .runtime
            .store
            .list_step_results(self.instance.org_id, id, &page)
            .await
            .unwrap();
        let s = steps
            .items
            .into_iter()
            .find(|s| s.step_name == step)
            .unwrap_or_else(|| panic!("no step {step} in {id}"));
        match s.value {
            Some(StepValue::Json(text)) => serde_json::from_str(&text).unwrap(),
            other => panic!("{other:?}"),
        }
    }
}

/// The chain in order, from the first execution along `invoked_by`.
fn in_order(chain: &[Execution], first: Uuid) -> Vec<Execution> {
    let mut ordered = vec![chain.iter().find(|e| e.id == first).unwrap().clone()];
    while let Some(next) = chain
        .iter()
        .find(|e| e.invoked_by == Some(ordered.last().unwrap().id))
    {
        ordered.push(next.clone());
    }
    ordered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_records_in_batches_of_a_hundred() {
    for db in TestDb::all().await.unwrap() {
        let s = setup(&db.store, EXAMPLE, None).await;
        let first = s.start("Sync Records").await;
        let chain = s.chain("Sync Records", 10).await;
        assert_eq!(chain.len(), 10, "{}", db.label);
        let ordered = in_order(&chain, first.id);
        assert_eq!(ordered.len(), 10, "one chain: {}", db.label);
        let mut sum = 0;
        for (depth, e) in ordered.iter().enumerate() {
            let depth = depth as i64;
            assert_eq!(e.status, ExecutionStatus::Success, "{:?}", e.error);
            assert_eq!(e.recursion_depth, depth, "{}", db.label);
            assert_eq!(e.invoke_depth, 0, "a recursion is no cross-flow nesting");
            assert_eq!(e.instance_id, Some(s.instance.id));
            if depth > 0 {
                assert_eq!(e.invoke_type, RECURSIVE_FLOW_INVOKE_TYPE);
            }
            let trigger = s.result(e.id, "Recursive Trigger").await;
            let offset = depth * 100;
            // The first run's body is empty: its cursor is the default, "0".
            let cursor = if depth == 0 {
                json!("0")
            } else {
                json!(offset)
            };
            assert_eq!(trigger["cursor"], cursor, "{}", db.label);
            assert_eq!(trigger["body"]["data"]["cursor"], cursor);
            let batch = s.result(e.id, "Process Batch").await;
            assert_eq!(
                batch,
                json!({
                    "offset": offset, "count": 100,
                    "first": offset + 1, "last": offset + 100,
                    "sum": (offset + 1..=offset + 100).sum::<i64>(),
                }),
                "{}",
                db.label
            );
            sum += batch["sum"].as_i64().unwrap();
        }
        assert_eq!(sum, 500_500, "every record once");
        // The last batch found nothing left and did not invoke again.
        let last = ordered.last().unwrap();
        assert!(!chain.iter().any(|e| e.invoked_by == Some(last.id)));
        let done = s
            .runtime
            .completions
            .wait(&db.store, last.id, Duration::from_secs(5))
            .await
            .unwrap();
        if let Some(done) = done {
            assert_eq!(done.status, ExecutionStatus::Success);
            if let Some(Data::Json(v)) = done.result {
                assert_eq!(v, Value::Null, "writeLog answers null");
            }
        }
        // Each recursion's result names the execution it queued.
        for pair in ordered.windows(2) {
            let next = s.result(pair[0].id, "Next Batch").await;
            let id = plumb_core::id::decode(
                "InstanceExecutionResult",
                next["executionId"].as_str().unwrap(),
            )
            .unwrap();
            assert_eq!(id, pair[1].id);
            assert_eq!(next["cursor"], json!(pair[1].recursion_depth * 100));
        }
        s.shutdown.cancel();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_that_always_recurses_stops_at_the_bound() {
    for db in TestDb::all().await.unwrap() {
        let bound = 4;
        let s = setup(&db.store, FOREVER, Some(bound)).await;
        let first = s.start("Forever").await;
        let chain = s.chain("Forever", bound as usize + 1).await;
        // Nothing more is queued after the refusal.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(s.executions("Forever").await.len() as i64, bound + 1);
        let ordered = in_order(&chain, first.id);
        assert_eq!(ordered.len() as i64, bound + 1, "{}", db.label);
        for (depth, e) in ordered.iter().enumerate() {
            assert_eq!(e.recursion_depth, depth as i64);
            if e.recursion_depth == bound {
                assert_eq!(e.status, ExecutionStatus::Error, "{}", db.label);
                let error = e.error.as_deref().unwrap_or_default();
                assert!(
                    error.contains("has invoked itself 4 times, the limit"),
                    "{error}"
                );
            } else {
                assert_eq!(e.status, ExecutionStatus::Success, "{:?}", e.error);
            }
        }
        s.shutdown.cancel();
    }
}
