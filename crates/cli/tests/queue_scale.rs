//! Scale-out on PostgreSQL, with real processes: two `plumb serve --workers 0` API nodes and
//! two `plumb worker` processes on one fresh database, all with the same master key
//! (`PLUMB_MASTER_KEY`). 1,000 webhook calls spread over both nodes (32 in flight) all complete,
//! none twice (side effects counted per call on a local target server); then a schedule ticking
//! every second, polled by the schedulers of both nodes, fires once per tick over a measured
//! window. Skipped (with a note) when `DATABASE_URL` names no PostgreSQL server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::routing::post;
use axum::Router;
use plumb_store::testing::TestDb;
use serde_json::{json, Value};
use support::{free_port, plumb, spawn, wait_listening};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

mod support;
/// Webhook calls.
const CALLS: u64 = 1000;
/// Webhook calls in flight at once.
const IN_FLIGHT: usize = 32;

const DEFINITION: &str = r#"
name: Scale Out
definitionVersion: 7
requiredConfigVars:
  - key: target
    dataType: string
flows:
  - name: Effect
    isSynchronous: false
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Build Url
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ configVars }, stepResults) => {
                const n = stepResults.trigger.results.body.data.n;
                return { data: { effect: `${configVars.target}/effect/${n}` } };
              };
      - name: Effect
        action: {key: httpPost, component: {key: http}}
        inputs:
          url: {type: reference, value: buildUrl.results.effect}
          data: {type: value, value: done}
          responseType: {type: value, value: text}
  - name: Tick
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: schedule, component: {key: schedule-triggers}}
        schedule: {type: value, value: '*/1 * * * * *', meta: {scheduleType: custom, timeZone: UTC}}
"#;

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
}

/// The local target: `POST /effect/{n}` counted per `n`.
async fn start_target() -> (String, Arc<Mutex<BTreeMap<u64, u32>>>) {
    async fn effect(
        State(s): State<Arc<Mutex<BTreeMap<u64, u32>>>>,
        UrlPath(n): UrlPath<u64>,
    ) -> &'static str {
        *s.lock().unwrap().entry(n).or_default() += 1;
        "effect recorded"
    }
    let effects = Arc::new(Mutex::new(BTreeMap::new()));
    let router = Router::new()
        .route("/effect/{n}", post(effect))
        .with_state(effects.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (url, effects)
}

/// Imports and publishes the integration and creates a customer; answers (version, customer).
async fn setup(api: &Api) -> (String, String) {
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
            json!({ "name": "Scale Co", "externalId": "scale" }),
            "createCustomer",
        )
        .await["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (version, customer)
}

/// Creates and deploys an instance; answers (instance ID, path of flow `flow`'s webhook).
async fn instance(
    api: &Api,
    name: &str,
    version: &str,
    customer: &str,
    target: &str,
    flow: &str,
) -> (String, String) {
    let instance = api
        .mutate(
            "mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
               instance { id flowConfigs { nodes { flow { name } webhookUrl } } }
               errors { field messages } } }",
            json!({ "name": name, "customer": customer, "integration": version,
                    "configVariables": [{ "key": "target", "value": target }] }),
            "createInstance",
        )
        .await["instance"]
        .clone();
    let id = instance["id"].as_str().unwrap().to_string();
    let webhook = instance["flowConfigs"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["flow"]["name"] == flow)
        .and_then(|n| n["webhookUrl"].as_str())
        .unwrap_or_else(|| panic!("no webhook of {flow}: {instance}"))
        .to_string();
    let path = webhook[webhook.find("/trigger/").unwrap()..].to_string();
    api.mutate(
        "mutation($input: InstanceIdInput!) { deployInstance(input: $input) {
           instance { id deployed } errors { field messages } } }",
        json!({ "id": id }),
        "deployInstance",
    )
    .await;
    (id, path)
}

async fn count(api: &Api, instance: &str, flow: &str, status: Option<&str>) -> i64 {
    let q = "query($i: ID!, $f: String, $s: ExecutionStatus) {
        executionResults(instance: $i, flowName: $f, status: $s) { totalCount } }";
    let r = api
        .gql(q, json!({ "i": instance, "f": flow, "s": status }))
        .await;
    r["data"]["executionResults"]["totalCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("{r}"))
}

fn log_tails(dir: &Path) -> String {
    ["node-1.log", "node-2.log", "worker-1.log", "worker-2.log"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(dir.join(f)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(20)..];
            format!("--- {f} (last lines)\n{}\n", tail.join("\n"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_api_nodes_and_two_workers_share_one_postgres() {
    let Some(db) = TestDb::postgres().await.unwrap() else {
        eprintln!("DATABASE_URL is not a PostgreSQL URL: the scale-out test is skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let key = plumb_vault::MasterKey::generate()
        .unwrap()
        .to_base64()
        .expose()
        .to_string();
    let (target, effects) = start_target().await;

    // Two API nodes (their schedulers on), started one after the other.
    let mut nodes = vec![];
    let mut urls = vec![];
    for (i, log) in ["node-1.log", "node-2.log"].into_iter().enumerate() {
        let listen = format!("127.0.0.1:{}", free_port());
        let mut cmd = plumb(
            dir.path(),
            &db.url,
            &key,
            log,
            &["serve", "--workers", "0", "--listen", &listen],
        );
        cmd.env("RUST_LOG", "info,sqlx=warn,plumb_runtime::scheduler=debug");
        let mut p = spawn(if i == 0 { "node 1" } else { "node 2" }, cmd);
        wait_listening(&listen, &mut p);
        nodes.push(p);
        urls.push(format!("http://{listen}"));
    }
    let out = plumb(
        dir.path(),
        &db.url,
        &key,
        "org.log",
        &["org", "create", "Scale", "--json"],
    )
    .stdout(Stdio::piped())
    .output()
    .unwrap();
    assert!(out.status.success(), "plumb org create failed");
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    let api = Api {
        url: urls[0].clone(),
        token: created["token"].as_str().unwrap().to_string(),
        http: reqwest::Client::new(),
    };
    let (version, customer) = setup(&api).await;
    let (webhooks, path) = instance(&api, "Webhooks", &version, &customer, &target, "Effect").await;

    let mut workers = vec![];
    for (name, log) in [("worker 1", "worker-1.log"), ("worker 2", "worker-2.log")] {
        workers.push(spawn(
            name,
            plumb(
                dir.path(),
                &db.url,
                &key,
                log,
                &["worker", "--workers", "4", "--public-url", &urls[0]],
            ),
        ));
    }

    // 1,000 calls, alternating between the nodes, 32 in flight.
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut calls = JoinSet::new();
    for n in 0..CALLS {
        let permit = gate.clone().acquire_owned().await.unwrap();
        let url = format!("{}{path}", urls[(n % 2) as usize]);
        let http = api.http.clone();
        calls.spawn(async move {
            let r = http.post(&url).json(&json!({ "n": n })).send().await;
            drop(permit);
            let r = r.unwrap_or_else(|e| panic!("webhook {n}: {e}"));
            assert_eq!(r.status(), 200, "webhook {n} on {url}");
            let body: Value = r.json().await.unwrap();
            body["executionId"].as_str().unwrap().to_string()
        });
    }
    let mut ids = std::collections::HashSet::new();
    while let Some(id) = calls.join_next().await {
        ids.insert(id.unwrap());
    }
    let accepted_in = started.elapsed();
    assert_eq!(ids.len() as u64, CALLS, "execution IDs are not distinct");

    let deadline = Instant::now() + Duration::from_secs(100);
    loop {
        for p in nodes.iter_mut().chain(workers.iter_mut()) {
            p.assert_running();
        }
        let ok = count(&api, &webhooks, "Effect", Some("SUCCESS")).await;
        let failed = count(&api, &webhooks, "Effect", Some("ERROR")).await;
        assert_eq!(failed, 0, "failed executions\n{}", log_tails(dir.path()));
        if ok == CALLS as i64 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{ok}/{CALLS} succeeded\n{}",
            log_tails(dir.path())
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let completed_in = started.elapsed();
    assert_eq!(count(&api, &webhooks, "Effect", None).await, CALLS as i64);
    let counted = effects.lock().unwrap().clone();
    let twice: Vec<_> = counted.iter().filter(|(_, c)| **c != 1).collect();
    assert!(twice.is_empty(), "side effects not counted once: {twice:?}");
    assert_eq!(counted.len() as u64, CALLS, "side effects missing");
    eprintln!(
        "{CALLS} webhooks accepted in {:.1} s, all complete in {:.1} s",
        accepted_in.as_secs_f64(),
        completed_in.as_secs_f64()
    );

    // A schedule ticking every second, polled by both nodes' schedulers: once per tick.
    let (ticker, _) = instance(&api, "Ticker", &version, &customer, &target, "Tick").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let t0 = Instant::now();
    let c0 = count(&api, &ticker, "Tick", None).await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    let c1 = count(&api, &ticker, "Tick", None).await;
    let elapsed = t0.elapsed().as_secs_f64();
    let fired = c1 - c0;
    let fired_by: Vec<usize> = ["node-1.log", "node-2.log"]
        .iter()
        .map(|f| {
            std::fs::read_to_string(dir.path().join(f))
                .unwrap_or_default()
                .matches("schedule fired")
                .count()
        })
        .collect();
    eprintln!("{fired} ticks in {elapsed:.2} s (fired by node 1 / node 2 overall: {fired_by:?})");
    // Ticks are on whole seconds and each fires within one scheduler poll (1 s) after it is
    // due, so a window of `elapsed` seconds sees between floor(elapsed) - 1 and elapsed + 1.
    assert!(
        fired as f64 <= elapsed + 1.0 && fired as f64 >= elapsed.floor() - 1.0,
        "{fired} ticks in {elapsed:.2} s\n{}",
        log_tails(dir.path())
    );
    for mut p in workers.into_iter().chain(nodes) {
        p.kill();
    }
}
