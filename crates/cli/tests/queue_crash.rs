//! Crash safety of the durable queue, with real processes: `plumb serve --workers 0` (API only)
//! and `plumb worker --lease-secs 2` (worker A) on one database. Webhooks queue executions whose
//! flow holds in `GET /slow/{n}` on a local target server, then records a side effect with
//! `POST /effect/{n}`. While executions are mid-flight in the slow step, worker A is SIGKILLed;
//! worker B recovers the expired leases and runs them again. Every accepted execution must end
//! `SUCCESS`, each `n`'s side effect must be counted exactly once, and no execution may exist
//! twice. Runs on SQLite, and on PostgreSQL when `DATABASE_URL` names a server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::routing::{get, post};
use axum::Router;
use plumb_store::testing::TestDb;
use serde_json::{json, Value};
use support::{free_port, plumb, spawn, wait_listening};
use tokio::sync::watch;

mod support;
/// Webhook calls per run.
const K: u64 = 12;

const DEFINITION: &str = r#"
name: Crash Safety
definitionVersion: 7
requiredConfigVars:
  - key: target
    dataType: string
flows:
  - name: Slow Effect
    isSynchronous: false
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Build Urls
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ configVars }, stepResults) => {
                const n = stepResults.trigger.results.body.data.n;
                const base = configVars.target.replace(/\/+$/, "");
                return { data: { slow: `${base}/slow/${n}`, effect: `${base}/effect/${n}` } };
              };
      - name: Slow
        action: {key: httpGet, component: {key: http}}
        inputs:
          url: {type: reference, value: buildUrls.results.slow}
          responseType: {type: value, value: text}
      - name: Effect
        action: {key: httpPost, component: {key: http}}
        inputs:
          url: {type: reference, value: buildUrls.results.effect}
          data: {type: value, value: done}
          responseType: {type: value, value: text}
"#;

/// The local target: `GET /slow/{n}` held until released (or 20 s), `POST /effect/{n}`
/// counted.
#[derive(Default)]
struct Target {
    /// `/slow` requests waiting right now.
    held: Mutex<i64>,
    /// `/slow` requests seen per `n`.
    slow_hits: Mutex<BTreeMap<u64, u32>>,
    /// Side effects per `n`.
    effects: Mutex<BTreeMap<u64, u32>>,
}

struct TargetState {
    target: Arc<Target>,
    release: watch::Receiver<bool>,
}

async fn start_target() -> (String, Arc<Target>, watch::Sender<bool>) {
    async fn slow(State(s): State<Arc<TargetState>>, UrlPath(n): UrlPath<u64>) -> &'static str {
        *s.target.slow_hits.lock().unwrap().entry(n).or_default() += 1;
        *s.target.held.lock().unwrap() += 1;
        let mut rx = s.release.clone();
        let _ = tokio::time::timeout(Duration::from_secs(20), rx.wait_for(|r| *r)).await;
        *s.target.held.lock().unwrap() -= 1;
        "slow done"
    }
    async fn effect(State(s): State<Arc<TargetState>>, UrlPath(n): UrlPath<u64>) -> &'static str {
        *s.target.effects.lock().unwrap().entry(n).or_default() += 1;
        "effect recorded"
    }
    let target = Arc::new(Target::default());
    let (tx, rx) = watch::channel(false);
    let state = Arc::new(TargetState {
        target: target.clone(),
        release: rx,
    });
    let router = Router::new()
        .route("/slow/{n}", get(slow))
        .route("/effect/{n}", post(effect))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (url, target, tx)
}

struct Api {
    url: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    async fn gql(&self, query: &str, variables: Value) -> Value {
        let r = self
            .http
            .post(format!("{}/api", self.url))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "GraphQL answered {}", r.status());
        r.json().await.unwrap()
    }

    /// Runs a mutation and answers its payload, asserting it has no errors.
    async fn mutate(&self, query: &str, input: Value, field: &str) -> Value {
        let r = self.gql(query, json!({ "input": input })).await;
        let p = &r["data"][field];
        assert!(
            r["errors"].is_null() && p["errors"].as_array().is_none_or(|e| e.is_empty()),
            "{field}: {r}"
        );
        p.clone()
    }

    async fn count(&self, instance: &str, status: Option<&str>) -> i64 {
        let q = "query($i: ID!, $s: ExecutionStatus) {
            executionResults(instance: $i, status: $s) { totalCount } }";
        let r = self.gql(q, json!({ "i": instance, "s": status })).await;
        r["data"]["executionResults"]["totalCount"]
            .as_i64()
            .unwrap_or_else(|| panic!("{r}"))
    }
}

/// Imports and publishes the integration, creates a customer and a deployed instance bound to
/// `target`; answers (instance ID, webhook URL).
async fn deploy(api: &Api, target: &str) -> (String, String) {
    let draft = api
        .mutate(
            "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
               integration { id } errors { field messages } } }",
            json!({ "definition": DEFINITION }),
            "importIntegration",
        )
        .await["integration"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let version = api
        .mutate(
            "mutation($input: PublishIntegrationInput!) { publishIntegration(input: $input) {
               integration { id } errors { field messages } } }",
            json!({ "id": draft, "comment": "v1" }),
            "publishIntegration",
        )
        .await["integration"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let customer = api
        .mutate(
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
               customer { id } errors { field messages } } }",
            json!({ "name": "Crash Test Co", "externalId": "crash" }),
            "createCustomer",
        )
        .await["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let instance = api
        .mutate(
            "mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
               instance { id flowConfigs { nodes { flow { name } webhookUrl } } }
               errors { field messages } } }",
            json!({ "name": "Crash", "customer": customer, "integration": version,
                    "configVariables": [{ "key": "target", "value": target }] }),
            "createInstance",
        )
        .await["instance"]
        .clone();
    let id = instance["id"].as_str().unwrap().to_string();
    let webhook = instance["flowConfigs"]["nodes"][0]["webhookUrl"]
        .as_str()
        .unwrap()
        .to_string();
    api.mutate(
        "mutation($input: InstanceIdInput!) { deployInstance(input: $input) {
           instance { id deployed } errors { field messages } } }",
        json!({ "id": id }),
        "deployInstance",
    )
    .await;
    (id, webhook)
}

async fn wait_until<F: FnMut() -> bool>(what: &str, limit: Duration, mut f: F) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn logs_of(dir: &Path) -> String {
    ["serve.log", "worker-a.log", "worker-b.log"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(dir.join(f)).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            format!("--- {f} (last lines)\n{}\n", tail.join("\n"))
        })
        .collect()
}

async fn crash_scenario(db: &TestDb) {
    let label = db.label;
    let dir = tempfile::tempdir().unwrap();
    let key = plumb_vault::MasterKey::generate()
        .unwrap()
        .to_base64()
        .expose()
        .to_string();
    let (target_url, target, release) = start_target().await;

    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    let mut serve = spawn(
        "plumb serve",
        plumb(
            dir.path(),
            &db.url,
            &key,
            "serve.log",
            &["serve", "--workers", "0", "--listen", &listen],
        ),
    );
    wait_listening(&listen, &mut serve);
    let out = plumb(
        dir.path(),
        &db.url,
        &key,
        "org.log",
        &["org", "create", "Crash", "--json"],
    )
    .stdout(Stdio::piped())
    .output()
    .unwrap();
    assert!(out.status.success(), "{label}: plumb org create failed");
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    let api = Api {
        url: url.clone(),
        token: created["token"].as_str().unwrap().to_string(),
        http: reqwest::Client::new(),
    };
    let (instance, webhook) = deploy(&api, &target_url).await;

    let worker_args = [
        "worker",
        "--lease-secs",
        "2",
        "--workers",
        "4",
        // One customer: let it hold every worker (the test counts executions held at once).
        "--customer-share",
        "1",
        "--public-url",
        url.as_str(),
    ];
    let mut worker_a = spawn(
        "worker A",
        plumb(dir.path(), &db.url, &key, "worker-a.log", &worker_args),
    );

    // Fire K webhooks; each is accepted with its execution ID once durably queued.
    let mut accepted = HashMap::new();
    for n in 0..K {
        let r = api
            .http
            .post(&webhook)
            .json(&json!({ "n": n }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{label}: webhook {n}");
        let body: Value = r.json().await.unwrap();
        let id = body["executionId"].as_str().unwrap().to_string();
        accepted.insert(id, n);
    }
    assert_eq!(accepted.len() as u64, K, "{label}: duplicate execution IDs");

    // Worker A is now mid-flight in the slow step of several executions.
    {
        let t = target.clone();
        wait_until(
            "worker A holds 4 slow requests",
            Duration::from_secs(60),
            || *t.held.lock().unwrap() >= 4,
        )
        .await;
    }
    worker_a.assert_running();
    worker_a.kill();
    let held_at_kill: Vec<u64> = target.slow_hits.lock().unwrap().keys().copied().collect();
    assert!(
        target.effects.lock().unwrap().is_empty(),
        "{label}: effects before release"
    );

    let mut worker_b = spawn(
        "worker B",
        plumb(dir.path(), &db.url, &key, "worker-b.log", &worker_args),
    );
    // Let A's held requests go: from now on `/slow` answers at once.
    release.send_replace(true);

    // Every accepted execution ends SUCCESS (B recovers A's after its 2 s lease expires).
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        worker_b.assert_running();
        let ok = api.count(&instance, Some("SUCCESS")).await;
        let failed = api.count(&instance, Some("ERROR")).await;
        assert_eq!(
            failed,
            0,
            "{label}: failed executions\n{}",
            logs_of(dir.path())
        );
        if ok == K as i64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{label}: {ok}/{K} succeeded\n{}",
            logs_of(dir.path())
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Longer than a lease: a late duplicate run would show up now.
    tokio::time::sleep(Duration::from_secs(3)).await;

    assert_eq!(
        api.count(&instance, None).await,
        K as i64,
        "{label}: executions other than the accepted ones"
    );
    assert_eq!(api.count(&instance, Some("SUCCESS")).await, K as i64);
    let effects = target.effects.lock().unwrap().clone();
    let expected: BTreeMap<u64, u32> = (0..K).map(|n| (n, 1)).collect();
    assert_eq!(effects, expected, "{label}: side effects per n");

    // The executions A held were started again by B (a second `/slow` hit and a warning).
    let hits = target.slow_hits.lock().unwrap().clone();
    let mut recovered = 0;
    for (id, n) in &accepted {
        let r = api
            .gql(
                "query($id: ID!) { executionResult(id: $id) { status
                   stepResults { nodes { stepName } } logs { nodes { severity message } } } }",
                json!({ "id": id }),
            )
            .await;
        let e = &r["data"]["executionResult"];
        assert_eq!(e["status"], "SUCCESS", "{label}: {r}");
        let steps: Vec<&str> = e["stepResults"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["stepName"].as_str())
            .collect();
        for step in ["Slow", "Effect"] {
            assert_eq!(
                steps.iter().filter(|s| **s == step).count(),
                1,
                "{label}: step {step} of execution {n}: {r}"
            );
        }
        let restarted = e["logs"]["nodes"].as_array().unwrap().iter().any(|l| {
            l["message"]
                .as_str()
                .unwrap_or("")
                .starts_with("started again")
        });
        if held_at_kill.contains(n) {
            assert!(
                restarted,
                "{label}: execution {n} held by A was not restarted: {r}"
            );
            assert!(
                hits[n] >= 2,
                "{label}: {n} reached /slow {} time(s)",
                hits[n]
            );
        }
        recovered += usize::from(restarted);
    }
    assert!(recovered >= held_at_kill.len());
    eprintln!(
        "{label}: {K} executions, {} held by worker A when killed, {recovered} recovered by worker B",
        held_at_kill.len()
    );
    worker_b.kill();
    serve.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_worker_executions_complete_exactly_once_sqlite() {
    let db = TestDb::sqlite().await.unwrap();
    crash_scenario(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_worker_executions_complete_exactly_once_postgres() {
    let Some(db) = TestDb::postgres().await.unwrap() else {
        eprintln!("DATABASE_URL is not a PostgreSQL URL: the PostgreSQL crash test is skipped");
        return;
    };
    crash_scenario(&db).await;
}
