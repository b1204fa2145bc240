//! Connection inputs given inline in an instance binding (`values`): they are sealed, stored and
//! opened when the execution starts, so the HTTP step sends the key to the loopback echo server;
//! a binding whose sealed inputs do not open fails the execution, naming the config var, with
//! no secret and no database text.

use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use axum::routing::get;
use serde_json::{json, Value};

use crate::instances::{gql_ok, start, wait_done};
use crate::Server;

const KEY: &str = "inline-key-5d0c7a41e9";

/// A loopback server answering `/echo` with the request's `x-api-key`, and remembering it.
pub async fn echo_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    let router = axum::Router::new().route(
        "/echo",
        get(move |headers: HeaderMap| {
            let keep = keep.clone();
            async move {
                let key = headers
                    .get("x-api-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                keep.lock().unwrap().push(key.clone());
                axum::Json(json!({ "key": key }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (url, seen)
}

/// A definition whose one flow calls `{base}/echo` with the `api` connection (http apiKey).
pub fn definition(base: &str) -> String {
    format!(
        r#"name: Inline Keys
definitionVersion: 7
requiredConfigVars:
  - key: api
    dataType: connection
    connection: {{key: apiKey, component: {{key: http}}}}
flows:
  - name: Call
    steps:
      - name: Trigger
        isTrigger: true
        action: {{key: webhook, component: {{key: webhook-triggers}}}}
      - name: Echo
        action: {{key: httpGet, component: {{key: http}}}}
        inputs:
          url: {{type: value, value: "{base}/echo"}}
          connection: {{type: configVar, value: api}}
"#
    )
}

/// Imports and publishes `definition`; answers the version's ID.
pub async fn publish(s: &Server, definition: &str) -> String {
    let imported = gql_ok(
        s,
        "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
          integration { id } errors { field messages } } }",
        json!({"input": {"definition": definition}}),
        "importIntegration",
    )
    .await;
    let draft = imported["integration"]["id"].as_str().unwrap().to_string();
    gql_ok(
        s,
        "mutation($input: PublishIntegrationInput!) { publishIntegration(input: $input) {
          integration { id } errors { field messages } } }",
        json!({"input": {"id": draft}}),
        "publishIntegration",
    )
    .await["integration"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Runs the instance's first flow now and waits for the execution to end.
pub async fn run_and_wait(s: &Server, instance: &str) -> Value {
    let run = gql_ok(
        s,
        "mutation($input: RunInstanceFlowInput!) { runInstanceFlow(input: $input) {
          execution { id } errors { field messages } } }",
        json!({"input": {"id": instance}}),
        "runInstanceFlow",
    )
    .await;
    wait_done(s, run["execution"]["id"].as_str().unwrap()).await
}

#[tokio::test]
async fn inline_connection_values_reach_the_server_and_damaged_ones_fail_clearly() {
    for db in plumb_store::testing::TestDb::all().await.unwrap() {
        let running = start(db, 1 << 20).await;
        let s = &running.server;
        let (base, seen) = echo_server().await;
        let version = publish(s, &definition(&base)).await;
        let customer = gql_ok(
            s,
            "mutation { createCustomer(input: {name: \"C\"}) { customer { id } errors { field } } }",
            json!({}),
            "createCustomer",
        )
        .await["customer"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let created = gql_ok(
            s,
            "mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
              instance { id configVariables { nodes { key kind hasValues value } } }
              errors { field messages } } }",
            json!({"input": {"name": "i", "customer": customer, "integration": version,
                "configVariables": [{"key": "api", "values": json!({"apiKey": KEY}).to_string()}]}}),
            "createInstance",
        )
        .await;
        let instance = created["instance"]["id"].as_str().unwrap().to_string();
        assert_eq!(
            created["instance"]["configVariables"]["nodes"],
            json!([{"key": "api", "kind": "values", "hasValues": true, "value": null}])
        );

        let done = run_and_wait(s, &instance).await;
        assert_eq!(done["status"], "SUCCESS", "{} {done}", s.db.label);
        assert_eq!(seen.lock().unwrap().as_slice(), [KEY.to_string()]);

        // Damage the sealed inputs in the database: one flipped byte.
        let org = s.org;
        let id = plumb_core::id::decode("Instance", &instance).unwrap();
        let mut b =
            s.db.store
                .instance_bindings(org, id)
                .await
                .unwrap()
                .remove(0);
        let mut sealed = hex::decode(b.sealed_values.as_deref().unwrap()).unwrap();
        sealed[20] ^= 0x01;
        b.sealed_values = Some(hex::encode(&sealed));
        s.db.store
            .set_instance_bindings(org, id, &[b], &[])
            .await
            .unwrap();
        let failed = run_and_wait(s, &instance).await;
        assert_eq!(failed["status"], "ERROR", "{failed}");
        let error = failed["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("config var `api`") && error.contains("could not be opened"),
            "{error}"
        );
        let text = failed.to_string();
        for leak in [KEY, "sql", "SQL", "sealed_values", "aead", "decrypt"] {
            assert!(!text.contains(leak), "{leak:?} in {text}");
        }
        // No step ran, so nothing reached the server without the key.
        assert_eq!(failed["stepResults"]["nodes"], json!([]), "{failed}");
        assert_eq!(seen.lock().unwrap().len(), 1);
    }
}
