//! Worker-group routing of model calls (an integration's `cluster {override, id}`), through two
//! runtimes on one store: node A (workers of the default group) and node B (a worker of group
//! `edge`). A's direct calls and A's flow steps through the integration are sent by B, their
//! log lines reach A's execution log; with B stopped, a call fails naming the group and its row
//! is withdrawn; an integration without the override is sent by A itself. On SQLite, and on
//! PostgreSQL when `DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Query;
use axum::routing::get;
use axum::Json;
use plumb_engine::CancellationToken;
use plumb_runtime::models::NoLog;
use plumb_runtime::{Runtime, TriggerInput, WorkerConfig};
use plumb_store::customers::CustomerFields;
use plumb_store::executions::ExecutionStatus;
use plumb_store::instances::{NewFlowConfig, NewInstance};
use plumb_store::model_integrations::ModelIntegrationWrite;
use plumb_store::secrets::Vault;
use plumb_store::testing::TestDb;
use plumb_store::PageRequest;
use plumb_vault::MasterKey;
use serde_json::{json, Map, Value};

const DOCUMENT: &str = "openapi: 3.0.3
info: {title: Edge, version: 1.0.0}
servers: [{url: 'http://localhost'}]
paths:
  /echo:
    get:
      operationId: echo
      parameters:
        - {name: q, in: query, schema: {type: string}}
      responses:
        '200': {description: What was asked.}
";

const DEFINITION: &str = "name: Through the edge
definitionVersion: 7
flows:
  - name: F
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Echo
        action: {key: echo, component: {key: 'Edge:1.0.0'}}
        inputs:
          integration: {type: value, value: edge-api}
          q: {type: value, value: from-flow}
";

/// A stand-in answering what it was asked, counting calls.
async fn stand_in() -> (u16, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().route(
        "/echo",
        get(move |Query(q): Query<Map<String, Value>>| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                Json(json!({"asked": q.get("q").cloned().unwrap_or(Value::Null)}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (port, hits)
}

fn workers(group: Option<&str>) -> WorkerConfig {
    WorkerConfig {
        concurrency: 2,
        group: group.map(str::to_string),
        poll: Duration::from_millis(20),
        customer_limit: 0,
        customer_share: 1.0,
        ..WorkerConfig::default()
    }
}

fn node(db: &TestDb, vault: &Vault) -> Arc<Runtime> {
    Arc::new(Runtime::new(
        db.store.clone(),
        Some(vault.clone()),
        plumb_runtime::engine(),
        "http://127.0.0.1:1",
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_go_out_from_the_integrations_worker_group() {
    for db in TestDb::all().await.unwrap() {
        let label = db.label;
        let vault = Vault::new(db.store.clone(), MasterKey::generate().unwrap());
        let store = &db.store;
        let org = store.create_org("Acme").await.unwrap();
        let (port, hits) = stand_in().await;

        // Node A: the default group's workers; node B: a worker of group `edge`.
        let a = node(&db, &vault);
        let b = node(&db, &vault);
        let a_down = CancellationToken::new();
        let b_down = CancellationToken::new();
        tokio::spawn(plumb_runtime::run_workers(
            a.clone(),
            workers(None),
            a_down.clone(),
            Duration::from_secs(2),
        ));
        let b_workers = tokio::spawn(plumb_runtime::run_workers(
            b.clone(),
            workers(Some("edge")),
            b_down.clone(),
            Duration::from_secs(2),
        ));
        for _ in 0..100 {
            if b.models.serves_group("edge") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(b.models.serves_group("edge"), "{label}");
        assert!(!a.models.serves_group("edge"), "{label}");

        let (model, _) = plumb_runtime::models::import_model(&a, org.id, DOCUMENT, false)
            .await
            .unwrap();
        let config = |cluster: Value| {
            json!({
                "server": {"host": "127.0.0.1", "port": port},
                "timeout": 5000,
                "logLevel": "info",
                "cluster": cluster,
            })
            .to_string()
        };
        let routed = config(json!({"override": true, "id": "edge"}));
        store
            .create_model_integration(
                org.id,
                ModelIntegrationWrite {
                    id: store.new_model_integration_id(),
                    model_id: model.id,
                    name: "edge-api",
                    configuration: &routed,
                    secrets: None,
                },
            )
            .await
            .unwrap();
        let local = config(json!({"override": false}));
        store
            .create_model_integration(
                org.id,
                ModelIntegrationWrite {
                    id: store.new_model_integration_id(),
                    model_id: model.id,
                    name: "here-api",
                    configuration: &local,
                    secrets: None,
                },
            )
            .await
            .unwrap();

        // A direct call from A is sent by B, and its lines come back with the answer.
        let opened = a.models.open_by_name(org.id, "edge-api").await.unwrap();
        let lines = Lines::default();
        let inputs: Map<String, Value> = json!({"q": "direct"}).as_object().unwrap().clone();
        let envelope = a
            .models
            .call(&opened, "echo", &inputs, &lines)
            .await
            .unwrap();
        assert_eq!(envelope.status, 200, "{label}");
        assert_eq!(envelope.body, Some(json!({"asked": "direct"})), "{label}");
        let text = lines.text();
        assert!(text.contains("of group `edge`"), "{label}: {text}");
        assert!(text.contains("echo: GET"), "{label}: {text}");
        assert_eq!(hits.load(Ordering::SeqCst), 1, "{label}");
        assert_eq!(store.count_model_calls(org.id).await.unwrap(), 0, "{label}");

        // On B the same integration is sent directly (B serves the group).
        let on_b = b.models.open_by_name(org.id, "edge-api").await.unwrap();
        let lines_b = Lines::default();
        b.models
            .call(&on_b, "echo", &inputs, &lines_b)
            .await
            .unwrap();
        assert!(!lines_b.text().contains("of group"), "{label}");

        // A flow step on A's default-group worker goes out through B too.
        let customer = store
            .create_customer(org.id, "Smith", CustomerFields::default())
            .await
            .unwrap();
        let draft = store
            .create_integration(org.id, "Edge", "", DEFINITION)
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
                    name: "Edge".into(),
                    description: String::new(),
                    worker_group: None,
                    flows: vec![NewFlowConfig {
                        flow_name: "F".into(),
                        security: "unsecured".into(),
                    }],
                    bindings: Vec::new(),
                },
            )
            .await
            .unwrap();
        let flows = store
            .instance_flow_configs(org.id, instance.id)
            .await
            .unwrap();
        let queued = a
            .enqueue(&instance, &flows[0], TriggerInput::default(), "manual")
            .await
            .unwrap();
        let done = a
            .completions
            .wait(store, queued.id, Duration::from_secs(60))
            .await
            .unwrap()
            .expect("the flow ends");
        assert_eq!(
            done.status,
            ExecutionStatus::Success,
            "{label}: {:?}",
            done.error
        );
        let Some(plumb_core::action::Data::Json(result)) = done.result else {
            panic!("{label}: the step's result is JSON")
        };
        assert_eq!(result["body"], json!({"asked": "from-flow"}), "{label}");
        let logs = store
            .list_execution_logs(org.id, queued.id, None, &PageRequest::default())
            .await
            .unwrap()
            .items;
        let logged: Vec<&str> = logs.iter().map(|l| l.message.as_str()).collect();
        assert!(
            logged.iter().any(|m| m.contains("edge-api: echo: GET")),
            "{label}: {logged:?}"
        );
        assert_eq!(hits.load(Ordering::SeqCst), 3, "{label}");

        // With B stopped, nobody takes the call: it fails naming the group, and is withdrawn.
        b_down.cancel();
        b_workers.await.unwrap();
        a.models.set_relay_claim_wait(Duration::from_millis(300));
        let lines = Lines::default();
        let err = a
            .models
            .call(&opened, "echo", &inputs, &lines)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no worker of group `edge`") && err.contains("plumb worker --group edge"),
            "{label}: {err}"
        );
        assert!(lines.text().contains("no worker of group"), "{label}");
        assert_eq!(store.count_model_calls(org.id).await.unwrap(), 0, "{label}");
        assert_eq!(hits.load(Ordering::SeqCst), 3, "{label}");

        // An integration without the override is sent by the node that calls.
        let here = a.models.open_by_name(org.id, "here-api").await.unwrap();
        let envelope = a.models.call(&here, "echo", &inputs, &NoLog).await.unwrap();
        assert_eq!(envelope.body, Some(json!({"asked": "direct"})), "{label}");
        assert_eq!(hits.load(Ordering::SeqCst), 4, "{label}");
        a_down.cancel();
    }
}

/// The lines a call logs.
#[derive(Default)]
struct Lines(std::sync::Mutex<Vec<String>>);

impl Lines {
    fn text(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }
}

impl plumb_runtime::models::CallLog for Lines {
    fn line(&self, _: plumb_models::configuration::LogLevel, message: &str) {
        self.0.lock().unwrap().push(message.to_string());
    }
}
