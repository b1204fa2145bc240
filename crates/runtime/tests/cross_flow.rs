//! The `cross-flow` component through the real runtime, store and workers: flow A invokes flow
//! B synchronously (and uses B's result in a later step) and asynchronously (A's result holds
//! B's execution ID; B runs and records A as `invoked_by`); a flow invoking itself stops at the
//! depth limit; an unknown flow name is an error naming `flowName`. On SQLite, and on
//! PostgreSQL when `DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use plumb_engine::CancellationToken;
use plumb_runtime::cross_flow::{CROSS_FLOW_INVOKE_TYPE, MAX_INVOKE_DEPTH};
use plumb_runtime::{Runtime, TriggerInput, WorkerConfig};
use plumb_store::customers::CustomerFields;
use plumb_store::executions::{Execution, ExecutionFilter, ExecutionStatus};
use plumb_store::instances::{FlowConfig, Instance, NewFlowConfig, NewInstance};
use plumb_store::testing::TestDb;
use plumb_store::{PageRequest, Store};
use serde_json::{json, Value};
use uuid::Uuid;

const DEFINITION: &str = r#"name: Cross
definitionVersion: 7
flows:
  - name: A
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Ask B
        action: {key: invokeFlow, component: {key: cross-flow}}
        inputs:
          flowName: {type: value, value: B}
          data: {type: reference, value: trigger.results.body.data}
          synchronous: {type: value, value: 'true'}
          timeout: {type: value, value: '30'}
      - name: Tell B
        action: {key: invokeFlow, component: {key: cross-flow}}
        inputs:
          flowName: {type: value, value: B}
          data: {type: reference, value: trigger.results.body.data}
      - name: Use
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async (context, s) => ({ data: {
                answer: s.askB.results.data.doubled + 1,
                asked: s.askB.results.executionId,
                told: s.tellB.results.executionId,
                toldHasData: 'data' in s.tellB.results,
              } });
  - name: B
    steps:
      - name: Trigger
        action: {key: crossFlow, component: {key: cross-flow}}
      - name: Double
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async (context, s) =>
                ({ data: { doubled: s.trigger.results.body.data.n * 2 } });
  - name: Forever
    steps:
      - name: Trigger
        action: {key: crossFlow, component: {key: cross-flow}}
      - name: Again
        action: {key: invokeFlow, component: {key: cross-flow}}
        inputs:
          flowName: {type: value, value: Forever}
  - name: Caller
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Ask
        action: {key: invokeFlow, component: {key: cross-flow}}
        inputs:
          flowName: {type: reference, value: trigger.results.body.data.flow}
          synchronous: {type: value, value: 'true'}
          timeout: {type: value, value: '1'}
  - name: Broken
    steps:
      - name: Trigger
        action: {key: crossFlow, component: {key: cross-flow}}
      - name: Throw
        action: {key: runCode, component: {key: code}}
        inputs:
          code: {type: value, value: "module.exports = async () => { throw new Error('no account 42'); };"}
  - name: Slow
    steps:
      - name: Trigger
        action: {key: crossFlow, component: {key: cross-flow}}
      - name: Wait
        action: {key: runCode, component: {key: code}}
        inputs:
          code: {type: value, value: "module.exports = async () => { await new Promise((r) => setTimeout(r, 2500)); return { data: 'late' }; };"}
  - name: Lost
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Call Nowhere
        action: {key: invokeFlow, component: {key: cross-flow}}
        inputs:
          flowName: {type: value, value: Nowhere}
"#;

struct Setup {
    runtime: Arc<Runtime>,
    instance: Instance,
    flows: Vec<FlowConfig>,
    shutdown: CancellationToken,
}

async fn setup(store: &Store) -> Setup {
    let org = store.create_org("Acme").await.unwrap();
    let customer = store
        .create_customer(org.id, "Smith", CustomerFields::default())
        .await
        .unwrap();
    let draft = store
        .create_integration(org.id, "Cross", "", DEFINITION)
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
                name: "Cross".into(),
                description: String::new(),
                worker_group: None,
                flows: ["A", "B", "Forever", "Caller", "Broken", "Slow", "Lost"]
                    .iter()
                    .map(|f| NewFlowConfig {
                        flow_name: f.to_string(),
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
    let runtime = Arc::new(Runtime::new(
        store.clone(),
        None,
        plumb_runtime::engine(),
        "http://127.0.0.1:1",
    ));
    let shutdown = CancellationToken::new();
    // A synchronous invocation holds its worker while the invoked flow runs on another one.
    let config = WorkerConfig {
        concurrency: 3,
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
    async fn run(&self, flow: &str, body: Value) -> Execution {
        let config = self.flows.iter().find(|f| f.flow_name == flow).unwrap();
        let trigger = TriggerInput {
            body: Some(serde_json::to_vec(&body).unwrap()),
            content_type: Some("application/json".into()),
            ..Default::default()
        };
        self.runtime
            .enqueue(&self.instance, config, trigger, "manual")
            .await
            .unwrap()
    }

    async fn ended(&self, id: Uuid) -> Execution {
        let store = &self.runtime.store;
        for _ in 0..600 {
            let e = store.get_execution(self.instance.org_id, id).await.unwrap();
            if matches!(e.status, ExecutionStatus::Success | ExecutionStatus::Error) {
                return e;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("execution {id} did not end");
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
}

fn decoded(id: &Value) -> Uuid {
    plumb_core::id::decode("InstanceExecutionResult", id.as_str().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_invokes_another_synchronously_and_asynchronously() {
    for db in TestDb::all().await.unwrap() {
        let s = setup(&db.store).await;
        let a = s.run("A", json!({"n": 21})).await;
        let done = s
            .runtime
            .completions
            .wait(&db.store, a.id, Duration::from_secs(60))
            .await
            .unwrap()
            .expect("A ends");
        assert_eq!(done.status, ExecutionStatus::Success, "{:?}", done.error);
        let Some(plumb_core::action::Data::Json(result)) = done.result else {
            panic!("A's result is JSON")
        };
        assert_eq!(result["answer"], json!(43), "{}", db.label);
        assert_eq!(result["toldHasData"], json!(false), "{}", db.label);
        let asked = s.ended(decoded(&result["asked"])).await;
        let told = s.ended(decoded(&result["told"])).await;
        for b in [&asked, &told] {
            assert_eq!(b.flow_name, "B");
            assert_eq!(b.status, ExecutionStatus::Success, "{:?}", b.error);
            assert_eq!(b.invoked_by, Some(a.id), "{}", db.label);
            assert_eq!(b.invoke_depth, 1);
            assert_eq!(b.invoke_type, CROSS_FLOW_INVOKE_TYPE);
            assert_eq!(b.instance_id, Some(s.instance.id));
        }
        assert_ne!(asked.id, told.id);
        let a = db.store.get_execution(a.org_id, a.id).await.unwrap();
        assert_eq!((a.invoked_by, a.invoke_depth), (None, 0));
        assert_eq!(s.executions("B").await.len(), 2, "{}", db.label);
        s.shutdown.cancel();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_invoking_itself_stops_at_the_depth_limit() {
    for db in TestDb::all().await.unwrap() {
        let s = setup(&db.store).await;
        let first = s.run("Forever", json!({})).await;
        assert_eq!(s.ended(first.id).await.status, ExecutionStatus::Success);
        // Each run queues the next: wait for the chain to reach its end.
        let mut chain = Vec::new();
        for _ in 0..600 {
            chain = s.executions("Forever").await;
            if chain.len() as i64 > MAX_INVOKE_DEPTH
                && chain
                    .iter()
                    .all(|e| matches!(e.status, ExecutionStatus::Success | ExecutionStatus::Error))
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(chain.len() as i64, MAX_INVOKE_DEPTH + 1, "{}", db.label);
        let mut depths: Vec<i64> = chain.iter().map(|e| e.invoke_depth).collect();
        depths.sort_unstable();
        assert_eq!(depths, (0..=MAX_INVOKE_DEPTH).collect::<Vec<_>>());
        for e in &chain {
            if e.invoke_depth == MAX_INVOKE_DEPTH {
                assert_eq!(e.status, ExecutionStatus::Error);
                let error = e.error.as_deref().unwrap_or_default();
                assert!(error.contains("nested 10 deep"), "{error}");
            } else {
                assert_eq!(e.status, ExecutionStatus::Success, "{:?}", e.error);
                let child = chain
                    .iter()
                    .find(|c| c.invoked_by == Some(e.id))
                    .expect("the next of the chain");
                assert_eq!(child.invoke_depth, e.invoke_depth + 1);
            }
        }
        // Nothing more was queued after the refusal.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            s.executions("Forever").await.len() as i64,
            MAX_INVOKE_DEPTH + 1
        );
        s.shutdown.cancel();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_flow_name_is_an_error_naming_the_input() {
    for db in TestDb::all().await.unwrap() {
        let s = setup(&db.store).await;
        let lost = s.run("Lost", json!({})).await;
        let e = s.ended(lost.id).await;
        assert_eq!(e.status, ExecutionStatus::Error, "{}", db.label);
        let error = e.error.unwrap_or_default();
        assert!(
            error.contains("flowName") && error.contains("Nowhere"),
            "{error}"
        );
        s.shutdown.cancel();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synchronous_call_fails_when_the_invoked_flow_fails_or_is_late() {
    for db in TestDb::all().await.unwrap() {
        let s = setup(&db.store).await;
        let broken = s.run("Caller", json!({"flow": "Broken"})).await;
        let e = s.ended(broken.id).await;
        assert_eq!(e.status, ExecutionStatus::Error, "{}", db.label);
        let error = e.error.unwrap_or_default();
        assert!(
            error.contains("flow `Broken` failed") && error.contains("no account 42"),
            "{error}"
        );
        let slow = s.run("Caller", json!({"flow": "Slow"})).await;
        let e = s.ended(slow.id).await;
        assert_eq!(e.status, ExecutionStatus::Error, "{}", db.label);
        let error = e.error.unwrap_or_default();
        assert!(
            error.contains("flow `Slow` did not end within 1 s"),
            "{error}"
        );
        // The late one still ends, linked to its caller.
        let late = s.executions("Slow").await;
        assert_eq!(late.len(), 1);
        let late = s.ended(late[0].id).await;
        assert_eq!(late.status, ExecutionStatus::Success, "{:?}", late.error);
        assert_eq!(late.invoked_by, Some(slow.id));
        s.shutdown.cancel();
    }
}
