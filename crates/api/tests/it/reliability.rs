//! Reliability under bad conditions, on the real server: a customer whose executions hang does
//! not take every worker, an abandoned test run still ends, `/readyz` tells when writes fail.

use std::time::Duration;

use plumb_runtime::WorkerConfig;
use plumb_store::testing::TestDb;
use serde_json::{json, Value};

use crate::instance_values::publish;
use crate::instances::{gql_ok, start_with};
use crate::Server;

/// A server that accepts connections and never answers (kept open until the test ends).
async fn silent_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (url, task)
}

fn definition(silent: &str) -> String {
    format!(
        r#"
name: Shares
definitionVersion: 7
flows:
  - name: Hang
    isSynchronous: false
    retryConfig: {{maxAttempts: 1, delayMinutes: 0, usesExponentialBackoff: false}}
    steps:
      - name: Trigger
        isTrigger: true
        action: {{key: webhook, component: {{key: webhook-triggers}}}}
      - name: Call
        action: {{key: httpGet, component: {{key: http}}}}
        inputs:
          url: {{type: value, value: "{silent}/never"}}
          timeout: {{type: value, value: "120000"}}
  - name: Quick
    isSynchronous: true
    steps:
      - name: Trigger
        isTrigger: true
        action: {{key: webhook, component: {{key: webhook-triggers}}}}
      - name: Answer
        action: {{key: runCode, component: {{key: code}}}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({{ customer }}) => ({{ data: {{ answered: customer.externalId }} }});
"#
    )
}

/// Creates a customer and a deployed instance of `version`; answers the webhook URL of `flow`.
async fn deployed(s: &Server, version: &str, customer: &str, flow: &str) -> String {
    let c = gql_ok(
        s,
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
          customer { id } errors { field messages } } }",
        json!({"input": {"name": customer, "externalId": customer}}),
        "createCustomer",
    )
    .await["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let instance = gql_ok(
        s,
        "mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
          instance { id flowConfigs { nodes { flow { name } webhookUrl } } }
          errors { field messages } } }",
        json!({"input": {"name": format!("{customer} shares"), "customer": c,
                         "integration": version, "configVariables": []}}),
        "createInstance",
    )
    .await["instance"]
        .clone();
    let id = instance["id"].as_str().unwrap();
    gql_ok(
        s,
        "mutation($input: InstanceIdInput!) { deployInstance(input: $input) {
          instance { id } errors { field messages } } }",
        json!({"input": {"id": id}}),
        "deployInstance",
    )
    .await;
    instance["flowConfigs"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["flow"]["name"] == flow)
        .unwrap()["webhookUrl"]
        .as_str()
        .unwrap()
        .to_string()
}

/// 50 executions of one customer hang on a silent server; another customer's synchronous
/// webhook is still answered, because one customer holds at most its share of the workers.
#[tokio::test]
async fn a_hung_customer_leaves_workers_to_other_customers() {
    for db in TestDb::all().await.unwrap() {
        let (silent, silent_task) = silent_server().await;
        let workers = WorkerConfig {
            concurrency: 2,
            lease: Duration::from_secs(10),
            poll: Duration::from_millis(100),
            ..WorkerConfig::default()
        };
        let running = start_with(db, 1 << 20, workers).await;
        let s = &running.server;
        let version = publish(s, &definition(&silent)).await;
        let hang = deployed(s, &version, "noisy", "Hang").await;
        let quick = deployed(s, &version, "quiet", "Quick").await;
        for _ in 0..50 {
            let r = s.http.post(&hang).body("{}").send().await.unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        }
        // Let the workers take what they will of the noisy customer's backlog.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let r = s
            .http
            .post(&quick)
            .header("plumb-synchronous", "true")
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "{} ({}): {body}", s.db.label, status);
        assert_eq!(body["answered"], "quiet", "{}: {body}", s.db.label);
        silent_task.abort();
    }
}

/// A test run whose caller goes away before it ends is still run to its end and recorded.
#[tokio::test]
async fn an_abandoned_test_run_ends() {
    for db in TestDb::all().await.unwrap() {
        let s = Server::start(db).await;
        let definition = r#"
name: Slow Test
definitionVersion: 7
flows:
  - name: Slow
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Wait
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async () => {
                await new Promise((resolve) => setTimeout(resolve, 1500));
                return { data: "waited" };
              };
"#;
        let draft = gql_ok(
            &s,
            "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
              integration { id } errors { field messages } } }",
            json!({"input": {"definition": definition}}),
            "importIntegration",
        )
        .await["integration"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        // The caller gives up long before the run ends.
        let impatient = reqwest::Client::builder()
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let gone = impatient
            .post(format!("{}/api", s.url))
            .bearer_auth(&s.token)
            .json(&json!({
                "query": "mutation($input: TestIntegrationFlowInput!) { testIntegrationFlow(input: $input) {
                  testIntegrationFlowResult { execution { id } } errors { field messages } } }",
                "variables": {"input": {"id": draft}},
            }))
            .send()
            .await;
        assert!(gone.is_err(), "the caller was meant to time out");
        let list = "{ executionResults(isTestExecution: true) { nodes { id status error
            stepResults { nodes { stepName results } } } } }";
        let mut last = Value::Null;
        for _ in 0..100 {
            last = s.gql(list, json!({})).await["data"]["executionResults"]["nodes"].clone();
            if last[0]["status"] == "SUCCESS" || last[0]["status"] == "ERROR" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            last.as_array().map(Vec::len),
            Some(1),
            "{}: {last}",
            s.db.label
        );
        assert_eq!(last[0]["status"], "SUCCESS", "{}: {last}", s.db.label);
        let steps = last[0]["stepResults"]["nodes"].as_array().unwrap();
        assert!(
            steps
                .iter()
                .any(|n| n["stepName"] == "Wait" && n["results"] == "waited"),
            "{}: {last}",
            s.db.label
        );
    }
}

/// `/readyz` is unready while the database takes no writes (a full disk), ready again after.
#[tokio::test]
async fn readyz_reports_unready_while_writes_fail() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let ready = || async {
        let r = s
            .http
            .get(format!("{}/readyz", s.url))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert_eq!(ready().await.0, 200);
    s.db.store.simulate_full_disk(true).await.unwrap();
    let (status, body) = ready().await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("writes"), "{body}");
    // Reads still answer while writes fail.
    let r = s.gql("{ organization { name } }", json!({})).await;
    assert_eq!(r["data"]["organization"]["name"], "Acme", "{r}");
    s.db.store.simulate_full_disk(false).await.unwrap();
    assert_eq!(ready().await.0, 200);
}
