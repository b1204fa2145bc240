//! Integrations and test runs: import (valid, invalid, replace), publish, export round trip,
//! test config validation, testIntegrationFlow with a code step and an HTTP GET against a local
//! stand-in, execution read-back, org isolation.

use axum::routing::get;
use plumb_store::tokens::Role;
use serde_json::{json, Value};

use crate::{error_code, Server};

const IMPORT: &str =
    "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
    integration { id name versionNumber isPublished definition flows { nodes { id name } } }
    errors { field messages } } }";

fn definition(base: &str) -> String {
    format!(
        r#"name: Greeter
definitionVersion: 7
requiredConfigVars:
  - key: greeting
    dataType: string
    defaultValue: Hello
  - key: count
    dataType: number
flows:
  - name: Greet
    steps:
      - name: Trigger
        isTrigger: true
        action: {{key: webhook, component: {{key: webhook-triggers}}}}
      - name: Build
        action: {{key: runCode, component: {{key: code}}}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({{ logger, configVars }}, stepResults) => {{
                logger.info(`building for ${{configVars.count}}`);
                return {{ data: {{ url: "{base}/hello", greeting: configVars.greeting }} }};
              }};
      - name: Fetch
        action: {{key: httpGet, component: {{key: http}}}}
        inputs:
          url: {{type: reference, value: build.results.url}}
"#
    )
}

async fn stand_in() -> String {
    let router = axum::Router::new().route(
        "/hello",
        get(|| async { axum::Json(json!({"message": "hi there"})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    url
}

async fn import(s: &Server, def: &str, id: Option<&str>) -> Value {
    s.gql(
        IMPORT,
        json!({"input": {"definition": def, "integrationId": id}}),
    )
    .await["data"]["importIntegration"]
        .clone()
}

#[tokio::test]
async fn import_publish_test_and_read_back() {
    let base = stand_in().await;
    for s in Server::all().await {
        let def = definition(&base);
        let p = import(&s, &def, None).await;
        assert_eq!(p["errors"], json!([]), "{p}");
        let id = p["integration"]["id"].as_str().unwrap().to_string();
        assert_eq!(p["integration"]["flows"]["nodes"][0]["name"], "Greet");
        assert_eq!(p["integration"]["definition"], def.as_str());

        // Invalid: every problem reported under `definition`, with positions.
        let bad = def
            .replace("key: httpGet", "key: httpNope")
            .replace("build.results.url", "nowhere.results.url");
        let p = import(&s, &bad, Some(&id)).await;
        assert!(p["integration"].is_null());
        assert_eq!(p["errors"][0]["field"], "definition");
        let msgs = p["errors"][0]["messages"].as_array().unwrap();
        assert!(msgs.len() >= 2, "{msgs:?}");
        assert!(msgs.iter().any(|m| m.as_str().unwrap().contains("line ")));
        let yaml_err = import(&s, "name: [", None).await;
        assert_eq!(yaml_err["errors"][0]["field"], "definition");

        // Publish: numbered, immutable.
        let q = "mutation($input: PublishIntegrationInput!) { publishIntegration(input: $input) {
            integration { id versionNumber isPublished definition } errors { field messages } } }";
        let v1 = s
            .gql(q, json!({"input": {"id": id, "comment": "first"}}))
            .await;
        let v1 = &v1["data"]["publishIntegration"]["integration"];
        assert_eq!(v1["versionNumber"], 1);
        assert_eq!(v1["isPublished"], true);
        let changed = def.replace("name: Greeter", "name: Greeter\ndescription: changed");
        let p = import(&s, &changed, Some(&id)).await;
        assert_eq!(p["integration"]["id"], id.as_str(), "{p}");
        let v2 = s.gql(q, json!({"input": {"id": id}})).await;
        assert_eq!(
            v2["data"]["publishIntegration"]["integration"]["versionNumber"],
            2
        );
        let read = s
            .gql(
                "query($id: ID!) { integration(id: $id) { definition isPublished versionNumber } }",
                json!({"id": v1["id"]}),
            )
            .await;
        assert_eq!(read["data"]["integration"]["definition"], def.as_str());
        let list = s
            .gql(
                "query { integrations(name: \"Greeter\", allVersions: true) { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(list["data"]["integrations"]["totalCount"], 3);

        // Test config: validated against the declared data type.
        let tc = "mutation($input: SetTestConfigVariablesInput!) { setTestConfigVariables(input: $input) {
            integration { requiredConfigVars { key testValue } } errors { field messages } } }";
        let bad = s
            .gql(
                tc,
                json!({"input": {"integration": id, "configVariables": [{"key": "count", "value": "many"}]}}),
            )
            .await;
        assert_eq!(
            bad["data"]["setTestConfigVariables"]["errors"][0]["field"],
            "configVariables.0.value"
        );
        let ok = s
            .gql(
                tc,
                json!({"input": {"integration": id, "configVariables": [{"key": "count", "value": "3"}]}}),
            )
            .await;
        assert_eq!(ok["data"]["setTestConfigVariables"]["errors"], json!([]));

        // Test run, recorded, read back.
        let run = s
            .gql(
                "mutation($input: TestIntegrationFlowInput!) { testIntegrationFlow(input: $input) {
                   testIntegrationFlowResult { execution { id status error } } errors { field messages } } }",
                json!({"input": {"id": id, "flow": "Greet", "payload": "{\"a\":1}"}}),
            )
            .await;
        let e = &run["data"]["testIntegrationFlow"]["testIntegrationFlowResult"]["execution"];
        assert_eq!(e["status"], "SUCCESS", "{run}");
        let exec = s
            .gql(
                "query($id: ID!) { executionResult(id: $id) { id status isTestExecution flow { name }
                   startedAt endedAt stepResults { nodes { stepName results error } }
                   logs { nodes { severity message } } } }",
                json!({"id": e["id"]}),
            )
            .await;
        let x = &exec["data"]["executionResult"];
        assert_eq!(x["isTestExecution"], true);
        assert_eq!(x["flow"]["name"], "Greet");
        let steps = x["stepResults"]["nodes"].as_array().unwrap();
        let fetch = steps.iter().find(|s| s["stepName"] == "Fetch").unwrap();
        assert_eq!(fetch["results"]["message"], "hi there", "{x}");
        let build = steps.iter().find(|s| s["stepName"] == "Build").unwrap();
        assert_eq!(build["results"]["greeting"], "Hello");
        let logs = x["logs"]["nodes"].as_array().unwrap();
        assert!(
            logs.iter().any(|l| l["message"] == "building for 3"),
            "{logs:?}"
        );
        let listed = s
            .gql(
                "query($i: ID) { executionResults(integration: $i, isTestExecution: true) { totalCount } }",
                json!({"i": id}),
            )
            .await;
        assert_eq!(listed["data"]["executionResults"]["totalCount"], 1);

        // A viewer reads but cannot change.
        let viewer = s.token(&[Role::Viewer], None).await;
        let r = s
            .gql_as(
                &viewer,
                "query($id: ID!) { integration(id: $id) { name } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(r["data"]["integration"]["name"], "Greeter");
        let r = s
            .gql_as(&viewer, IMPORT, json!({"input": {"definition": def}}))
            .await;
        assert_eq!(error_code(&r), "FORBIDDEN");

        // Another organization sees nothing.
        let other = s.db.store.create_org("Other").await.unwrap();
        let (_, other_token) =
            s.db.store
                .create_token(other.id, "o", &[Role::Admin], None)
                .await
                .unwrap();
        let r = s
            .gql_as(
                &other_token,
                "query($id: ID!) { integration(id: $id) { name } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(error_code(&r), "NOT_FOUND");
        let r = s
            .gql_as(
                &other_token,
                "query($id: ID!) { executionResult(id: $id) { id } }",
                json!({"id": e["id"]}),
            )
            .await;
        assert_eq!(error_code(&r), "NOT_FOUND");
        let r = s
            .gql_as(
                &other_token,
                IMPORT,
                json!({"input": {"definition": def, "integrationId": id}}),
            )
            .await;
        assert_eq!(
            r["data"]["importIntegration"]["errors"][0]["field"],
            "integrationId"
        );
    }
}
