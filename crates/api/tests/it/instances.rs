//! Instances end to end through the API with workers and the scheduler running: bindings and
//! their bad input, deploy, webhooks (async, synchronous, secured, disabled, unknown,
//! oversized), retries, replay, manual runs, history filters, schedules.

use std::time::Duration;

use plumb_api::{app, ApiConfig, AppState};
use plumb_engine::CancellationToken;
use plumb_runtime::WorkerConfig;
use plumb_store::testing::TestDb;
use plumb_store::tokens::Role;
use plumb_vault::MasterKey;
use serde_json::{json, Value};

use crate::Server;

/// A server with a master key, its own workers and scheduler; dropping the token stops them.
pub struct Running {
    pub server: Server,
    pub stop: CancellationToken,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub async fn start(db: TestDb, webhook_limit: usize) -> Running {
    let workers = WorkerConfig {
        concurrency: 3,
        lease: Duration::from_secs(10),
        poll: Duration::from_millis(100),
        ..WorkerConfig::default()
    };
    start_with(db, webhook_limit, workers).await
}

/// [`start`] with these workers.
pub async fn start_with(db: TestDb, webhook_limit: usize, workers: WorkerConfig) -> Running {
    let key = MasterKey::generate().unwrap();
    let org = db.store.create_org("Acme").await.unwrap();
    let (_, token) = db
        .store
        .create_token(org.id, "admin", &[Role::Admin], None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let config = ApiConfig {
        public_url: url.clone(),
        webhook_body_limit: webhook_limit,
        sync_timeout: Duration::from_secs(30),
        ..ApiConfig::default()
    };
    let state = AppState::new(db.store.clone(), config).with_master_key(key);
    let stop = CancellationToken::new();
    tokio::spawn(plumb_runtime::run_workers(
        state.runtime.clone(),
        workers,
        stop.clone(),
        Duration::from_secs(5),
    ));
    tokio::spawn(plumb_runtime::scheduler::run_scheduler(
        state.runtime.clone(),
        Duration::from_millis(200),
        stop.clone(),
    ));
    let router = app(state);
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Running {
        server: Server {
            url,
            token,
            org: org.id,
            db,
            http: reqwest::Client::new(),
        },
        stop,
    }
}

const DEFINITION: &str = r#"
name: Greeter
definitionVersion: 7
requiredConfigVars:
  - key: greeting
    dataType: string
  - key: limit
    dataType: number
    defaultValue: '3'
  - key: region
    dataType: string
  - key: tier
    dataType: string
flows:
  - name: Echo
    isSynchronous: false
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Answer
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ configVars, customer, instance }, stepResults) => ({
                data: {
                  greeting: configVars.greeting,
                  limit: configVars.limit,
                  region: configVars.region,
                  tier: configVars.tier,
                  customer: customer.externalId,
                  instance: instance.name,
                  body: stepResults.trigger.results.body.data,
                  query: stepResults.trigger.results.queryParameters,
                },
              });
  - name: Always Fails
    retryConfig: {maxAttempts: 1, delayMinutes: 0, usesExponentialBackoff: false}
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Boom
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: "module.exports = async () => { throw new Error('kaboom'); };"
  - name: Secure
    endpointSecurityType: customer_required
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
  - name: Tick
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: schedule, component: {key: schedule-triggers}}
        schedule: {type: value, value: '*/1 * * * * *', meta: {scheduleType: custom, timeZone: UTC}}
"#;

pub(crate) const CREATE: &str =
    "mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
    instance { id name enabled deployed customer { externalId } integration { versionNumber }
      configVariables { nodes { key kind value } }
      flowConfigs { nodes { id flow { name } webhookUrl endpointSecurityType } } }
    errors { field messages } } }";
pub(crate) const DEPLOY: &str =
    "mutation($input: InstanceIdInput!) { deployInstance(input: $input) {
    instance { id deployed enabled } errors { field messages } } }";
const EXECUTION: &str = "query($id: ID!) { executionResult(id: $id) { id status error attempt
    stepResults { nodes { stepName results } } logs { nodes { severity message } } } }";

pub async fn gql_ok(s: &Server, q: &str, vars: Value, path: &str) -> Value {
    let r = s.gql(q, vars).await;
    let p = &r["data"][path];
    assert!(
        p["errors"].as_array().is_none_or(|e| e.is_empty()) && r["errors"].is_null(),
        "{path}: {r}"
    );
    p.clone()
}

/// Sets up the integration, customers and config vars; answers (version, [customer ids],
/// org var id, [customer var ids]).
pub(crate) async fn setup(s: &Server) -> (String, Vec<String>, String, Vec<String>) {
    let imported = gql_ok(
        s,
        "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
          integration { id } errors { field messages } } }",
        json!({"input": {"definition": DEFINITION}}),
        "importIntegration",
    )
    .await;
    let draft = imported["integration"]["id"].as_str().unwrap().to_string();
    let published = gql_ok(
        s,
        "mutation($input: PublishIntegrationInput!) { publishIntegration(input: $input) {
          integration { id versionNumber } errors { field messages } } }",
        json!({"input": {"id": draft, "comment": "v1"}}),
        "publishIntegration",
    )
    .await;
    let version = published["integration"]["id"].as_str().unwrap().to_string();
    let org_var = gql_ok(
        s,
        "mutation($input: SetOrganizationConfigVariableInput!) {
          setOrganizationConfigVariable(input: $input) {
            organizationConfigVariable { id } errors { field messages } } }",
        json!({"input": {"key": "region", "value": "eu-west-1"}}),
        "setOrganizationConfigVariable",
    )
    .await["organizationConfigVariable"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut customers = vec![];
    let mut tiers = vec![];
    for (name, ext, tier) in [
        ("Smith Rocket Company", "smith", "gold"),
        ("FTL Rockets", "ftl", "silver"),
    ] {
        let c = gql_ok(
            s,
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
              customer { id } errors { field messages } } }",
            json!({"input": {"name": name, "externalId": ext}}),
            "createCustomer",
        )
        .await["customer"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let v = gql_ok(
            s,
            "mutation($input: CreateCustomerConfigVariableInput!) {
              createCustomerConfigVariable(input: $input) {
                customerConfigVariable { id } errors { field messages } } }",
            json!({"input": {"customer": c, "key": "tier", "value": tier}}),
            "createCustomerConfigVariable",
        )
        .await["customerConfigVariable"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        customers.push(c);
        tiers.push(v);
    }
    (version, customers, org_var, tiers)
}

pub(crate) fn bindings(greeting: &str, org_var: &str, tier_var: &str) -> Value {
    json!([
        {"key": "greeting", "value": greeting},
        {"key": "region", "organizationConfigVariableId": org_var},
        {"key": "tier", "customerConfigVariableId": tier_var},
    ])
}

/// Waits until the execution ends; answers it.
pub async fn wait_done(s: &Server, id: &str) -> Value {
    for _ in 0..300 {
        let e = s.gql(EXECUTION, json!({"id": id})).await["data"]["executionResult"].clone();
        if e["status"] == "SUCCESS" || e["status"] == "ERROR" {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("execution {id} did not end");
}

fn answer(e: &Value) -> Value {
    e["stepResults"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["stepName"] == "Answer")
        .map(|n| n["results"].clone())
        .unwrap_or(Value::Null)
}

async fn count(s: &Server, instance: &str, status: Option<&str>) -> i64 {
    let q = "query($i: ID!, $s: ExecutionStatus) { executionResults(instance: $i, status: $s) {
        totalCount } }";
    s.gql(q, json!({"i": instance, "s": status})).await["data"]["executionResults"]["totalCount"]
        .as_i64()
        .unwrap()
}

fn webhook<'a>(instance: &'a Value, flow: &str) -> &'a str {
    instance["flowConfigs"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["flow"]["name"] == flow)
        .unwrap()["webhookUrl"]
        .as_str()
        .unwrap()
}

#[tokio::test]
async fn bindings_are_checked_and_change_nothing_when_bad() {
    for db in TestDb::all().await.unwrap() {
        let r = start(db, 64 * 1024).await;
        let s = &r.server;
        let (version, customers, org_var, tiers) = setup(s).await;
        let base = |vars: Value| {
            json!({"input": {"name": "Greeter", "customer": customers[0], "integration": version,
                "configVariables": vars}})
        };
        let cases = [
            // A required config var left unbound.
            (
                json!([{"key": "region", "organizationConfigVariableId": org_var},
                    {"key": "tier", "customerConfigVariableId": tiers[0]}]),
                "greeting",
            ),
            // A wrong type.
            (
                json!([{"key": "greeting", "value": "hi"}, {"key": "limit", "value": "lots"},
                    {"key": "region", "organizationConfigVariableId": org_var},
                    {"key": "tier", "customerConfigVariableId": tiers[0]}]),
                "limit",
            ),
            // Another customer's value.
            (bindings("hi", &org_var, &tiers[1]), "another customer"),
            // An undeclared key.
            (json!([{"key": "nope", "value": "x"}]), "nope"),
            // Two sources at once.
            (
                json!([{"key": "greeting", "value": "x", "organizationConfigVariableId": org_var}]),
                "exactly one",
            ),
        ];
        for (vars, needle) in cases {
            let out = s.gql(CREATE, base(vars)).await;
            let p = &out["data"]["createInstance"];
            assert_eq!(p["instance"], Value::Null, "{out}");
            assert!(p["errors"].to_string().contains(needle), "{needle}: {out}");
        }
        // A draft is not a version; an unknown customer is not found.
        let draft = s.gql("{ integrations { nodes { id } } }", json!({})).await["data"]
            ["integrations"]["nodes"][0]["id"]
            .clone();
        let mut with_draft = base(bindings("hi", &org_var, &tiers[0]));
        with_draft["input"]["integration"] = draft;
        let out = s.gql(CREATE, with_draft).await;
        assert_eq!(
            out["data"]["createInstance"]["errors"][0]["field"],
            "integration"
        );
        let total = s.gql("{ instances { totalCount } }", json!({})).await;
        assert_eq!(total["data"]["instances"]["totalCount"], 0);
    }
}

#[tokio::test]
async fn webhooks_run_deployed_instances_for_each_customer() {
    for db in TestDb::all().await.unwrap() {
        let r = start(db, 64 * 1024).await;
        let s = &r.server;
        let (version, customers, org_var, tiers) = setup(s).await;
        let mut instances = vec![];
        for (i, c) in customers.iter().enumerate() {
            let out = gql_ok(
                s,
                CREATE,
                json!({"input": {"name": format!("Greeter {i}"), "customer": c,
                    "integration": version,
                    "configVariables": bindings(&format!("hello {i}"), &org_var, &tiers[i])}}),
                "createInstance",
            )
            .await;
            instances.push(out["instance"].clone());
        }
        let a = &instances[0];
        let a_id = a["id"].as_str().unwrap();
        let echo = webhook(a, "Echo").to_string();
        assert!(echo.starts_with(&format!("{}/trigger/", s.url)), "{echo}");
        // Not deployed yet: refused, nothing queued.
        let before = s
            .http
            .post(&echo)
            .json(&json!({"n": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(before.status(), 409);
        for inst in &instances {
            let d = gql_ok(
                s,
                DEPLOY,
                json!({"input": {"id": inst["id"]}}),
                "deployInstance",
            )
            .await;
            assert_eq!(d["instance"]["deployed"], true);
        }
        // Asynchronous: the execution ID at once; the run sees every kind of binding.
        let resp: Value = s
            .http
            .post(format!("{echo}?page=2"))
            .json(&json!({"n": 1}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let first = resp["executionId"].as_str().unwrap().to_string();
        let e = wait_done(s, &first).await;
        assert_eq!(e["status"], "SUCCESS", "{e}");
        assert_eq!(
            answer(&e),
            json!({"greeting": "hello 0", "limit": "3", "region": "eu-west-1", "tier": "gold",
                   "customer": "smith", "instance": "Greeter 0", "body": {"n": 1},
                   "query": {"page": "2"}})
        );
        // The other customer's instance gets its own values.
        let b_echo = webhook(&instances[1], "Echo").to_string();
        let sync = s
            .http
            .post(&b_echo)
            .header("plumb-synchronous", "true")
            .json(&json!({"n": 2}))
            .send()
            .await
            .unwrap();
        assert_eq!(sync.status(), 200);
        let body: Value = sync.json().await.unwrap();
        assert_eq!(body["tier"], "silver");
        assert_eq!(body["customer"], "ftl");
        assert_eq!(body["body"], json!({"n": 2}));

        // Changed bindings take effect on the next run.
        gql_ok(
            s,
            "mutation($input: UpdateInstanceConfigVariablesInput!) {
              updateInstanceConfigVariables(input: $input) { instance { id } errors { field messages } } }",
            json!({"input": {"id": a_id, "configVariables": [{"key": "greeting", "value": "bonjour"}]}}),
            "updateInstanceConfigVariables",
        )
        .await;
        let again: Value = s
            .http
            .post(&echo)
            .header("plumb-synchronous", "true")
            .body("plain text")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(again["greeting"], "bonjour");

        // A flow that always fails: one retry, then failed, with the error kept.
        let fails = webhook(a, "Always Fails").to_string();
        let resp: Value = s
            .http
            .post(&fails)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let failed = wait_done(s, resp["executionId"].as_str().unwrap()).await;
        assert_eq!(failed["status"], "ERROR");
        assert!(
            failed["error"].as_str().unwrap().contains("kaboom"),
            "{failed}"
        );
        let mut errors = 0;
        for _ in 0..100 {
            errors = count(s, a_id, Some("ERROR")).await;
            if errors == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(errors, 2, "the failed run is retried once");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(count(s, a_id, Some("ERROR")).await, 2, "and not more");

        // Secured flow: no key, a wrong key, then a rotated key.
        let secure = webhook(a, "Secure").to_string();
        assert_eq!(s.http.post(&secure).send().await.unwrap().status(), 401);
        let fc = a["flowConfigs"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["flow"]["name"] == "Secure")
            .unwrap()["id"]
            .clone();
        let rotated = gql_ok(
            s,
            "mutation($input: RotateInstanceFlowApiKeyInput!) { rotateInstanceFlowApiKey(input: $input) {
              apiKey instanceFlowConfig { apiKeyCount } errors { field messages } } }",
            json!({"input": {"id": fc}}),
            "rotateInstanceFlowApiKey",
        )
        .await;
        let key = rotated["apiKey"].as_str().unwrap();
        let wrong = s
            .http
            .post(&secure)
            .header("Api-Key", "nope")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
        let ok = s
            .http
            .post(&secure)
            .header("Api-Key", key)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);

        // Bad calls: unknown webhook, oversized payload, wrong method.
        let unknown = format!(
            "{}/trigger/{}",
            s.url, "SW5zdGFuY2VGbG93Q29uZmlnOjAxOTAwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA=="
        );
        assert_eq!(s.http.post(&unknown).send().await.unwrap().status(), 404);
        assert_eq!(
            s.http
                .post(format!("{}/trigger/garbage", s.url))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        let big = vec![b'x'; 200 * 1024];
        let too_big = s.http.post(&echo).body(big).send().await.unwrap();
        assert_eq!(too_big.status(), 413);

        // Replay: same payload, a new execution.
        let replay = gql_ok(
            s,
            "mutation($input: ReplayExecutionInput!) { replayExecution(input: $input) {
              instanceExecutionResult { id } errors { field messages } } }",
            json!({"input": {"id": first}}),
            "replayExecution",
        )
        .await;
        let replayed = replay["instanceExecutionResult"]["id"].as_str().unwrap();
        assert_ne!(replayed, first);
        let e = wait_done(s, replayed).await;
        assert_eq!(answer(&e)["body"], json!({"n": 1}));
        assert_eq!(answer(&e)["greeting"], "bonjour");

        // Manual run of a flow by instance and flow name.
        let run = gql_ok(
            s,
            "mutation($input: RunInstanceFlowInput!) { runInstanceFlow(input: $input) {
              execution { id } errors { field messages } } }",
            json!({"input": {"id": a_id, "flowName": "Echo", "payload": "{\"manual\":true}"}}),
            "runInstanceFlow",
        )
        .await;
        let e = wait_done(s, run["execution"]["id"].as_str().unwrap()).await;
        assert_eq!(answer(&e)["body"], json!({"manual": true}));

        // Disabled: refused, nothing queued.
        let total = count(s, a_id, None).await;
        gql_ok(
            s,
            "mutation($input: UpdateInstanceInput!) { updateInstance(input: $input) {
              instance { enabled } errors { field messages } } }",
            json!({"input": {"id": a_id, "enabled": false}}),
            "updateInstance",
        )
        .await;
        assert_eq!(s.http.post(&echo).send().await.unwrap().status(), 409);
        assert_eq!(count(s, a_id, None).await, total);

        // History filters: by instance and flow; the other customer's run is not in A's list.
        let q =
            "query($i: ID!) { executionResults(instance: $i, flowName: \"Echo\") { totalCount } }";
        let echo_runs = s.gql(q, json!({"i": a_id})).await;
        assert_eq!(
            echo_runs["data"]["executionResults"]["totalCount"], 4,
            "{echo_runs}"
        );

        // Deleted: the webhook is gone, the history stays.
        gql_ok(
            s,
            "mutation($input: InstanceIdInput!) { deleteInstance(input: $input) {
              instance { id } errors { field messages } } }",
            json!({"input": {"id": a_id}}),
            "deleteInstance",
        )
        .await;
        assert_eq!(s.http.post(&echo).send().await.unwrap().status(), 404);
        assert_eq!(count(s, a_id, None).await, total);
    }
}

#[tokio::test]
async fn schedules_tick_once_per_tick() {
    for db in TestDb::all().await.unwrap() {
        let r = start(db, 64 * 1024).await;
        let s = &r.server;
        let (version, customers, org_var, tiers) = setup(s).await;
        let inst = gql_ok(
            s,
            CREATE,
            json!({"input": {"name": "Ticker", "customer": customers[0], "integration": version,
                "configVariables": bindings("hi", &org_var, &tiers[0])}}),
            "createInstance",
        )
        .await["instance"]
            .clone();
        let id = inst["id"].as_str().unwrap();
        let started = std::time::Instant::now();
        gql_ok(s, DEPLOY, json!({"input": {"id": id}}), "deployInstance").await;
        tokio::time::sleep(Duration::from_millis(3500)).await;
        let q =
            "query($i: ID!) { executionResults(instance: $i, flowName: \"Tick\") { totalCount } }";
        let n = s.gql(q, json!({"i": id})).await["data"]["executionResults"]["totalCount"]
            .as_i64()
            .unwrap();
        let elapsed = started.elapsed().as_secs() as i64;
        assert!(n >= 2 && n <= elapsed + 1, "{n} ticks in {elapsed} s");
    }
}

#[tokio::test]
async fn worker_group_pins_from_the_integration_or_the_instance() {
    for db in TestDb::all().await.unwrap() {
        let r = start(db, 64 * 1024).await;
        let s = &r.server;
        let def = "name: Pinned\ndefinitionVersion: 7\nworkerGroup: edge\nflows:\n  - name: F\n    steps:\n      - name: Trigger\n        isTrigger: true\n        action: {key: webhook, component: {key: webhook-triggers}}\n";
        let draft = gql_ok(
            s,
            "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
              integration { id } errors { field messages } } }",
            json!({"input": {"definition": def}}),
            "importIntegration",
        )
        .await["integration"]["id"]
            .clone();
        let version = gql_ok(
            s,
            "mutation($input: PublishIntegrationInput!) { publishIntegration(input: $input) {
              integration { id } errors { field messages } } }",
            json!({"input": {"id": draft}}),
            "publishIntegration",
        )
        .await["integration"]["id"]
            .clone();
        let customer = gql_ok(
            s,
            "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
              customer { id } errors { field messages } } }",
            json!({"input": {"name": "C"}}),
            "createCustomer",
        )
        .await["customer"]["id"]
            .clone();
        let q = "mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
            instance { id workerGroup } errors { field messages } } }";
        let inherited = gql_ok(
            s,
            q,
            json!({"input": {"name": "a", "customer": customer, "integration": version}}),
            "createInstance",
        )
        .await;
        assert_eq!(inherited["instance"]["workerGroup"], "edge");
        let own = gql_ok(
            s,
            q,
            json!({"input": {"name": "b", "customer": customer, "integration": version,
                "workerGroup": "eu"}}),
            "createInstance",
        )
        .await;
        assert_eq!(own["instance"]["workerGroup"], "eu");
        // A pinned instance's runs wait for a worker of its group: this server's default-group
        // workers leave them queued.
        let id = own["instance"]["id"].clone();
        gql_ok(s, DEPLOY, json!({"input": {"id": id}}), "deployInstance").await;
        let run = gql_ok(
            s,
            "mutation($input: RunInstanceFlowInput!) { runInstanceFlow(input: $input) {
              execution { id } errors { field messages } } }",
            json!({"input": {"id": id}}),
            "runInstanceFlow",
        )
        .await;
        tokio::time::sleep(Duration::from_millis(800)).await;
        let e = s
            .gql(EXECUTION, json!({"id": run["execution"]["id"]}))
            .await;
        assert_eq!(e["data"]["executionResult"]["status"], "QUEUED", "{e}");
    }
}
