//! Test runs use the test credentials of the organization's scoped connections: a definition's
//! `useScopedConfigVar` connection resolves to the connection with that stable key, opened with
//! the organization's data key, and authenticates the HTTP step.

use axum::http::HeaderMap;
use axum::routing::get;
use serde_json::{json, Value};

use crate::connections::{all, seed_objects, CREATE_VALUES};

const SECRET: &str = "test-key-7c1e0f95b2";

async fn acme_stand_in() -> String {
    let router = axum::Router::new().route(
        "/me",
        get(|headers: HeaderMap| async move {
            let key = headers
                .get("x-acme-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            axum::Json(json!({ "authenticated": key == SECRET }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    url
}

fn definition(base: &str) -> String {
    format!(
        r#"name: Acme Sync
definitionVersion: 7
requiredConfigVars:
  - key: Acme Connection
    dataType: connection
    useScopedConfigVar: acme-api-key
flows:
  - name: Sync
    steps:
      - name: Trigger
        isTrigger: true
        action: {{key: webhook, component: {{key: webhook-triggers}}}}
      - name: Who Am I
        action: {{key: httpGet, component: {{key: http}}}}
        inputs:
          url: {{type: value, value: "{base}/me"}}
          connection: {{type: configVar, value: Acme Connection}}
"#
    )
}

#[tokio::test]
async fn test_run_uses_scoped_connection_test_credentials() {
    for (s, _key) in all().await {
        let (scoped, _customer) = seed_objects(&s).await;
        let set = s
            .gql(
                CREATE_VALUES,
                json!({ "input": { "scopedConfigVariable": scoped, "isTest": true,
                                   "inputs": [{ "name": "apiKey", "type": "value", "value": SECRET }] } }),
            )
            .await;
        assert_eq!(
            set["data"]["createCustomerConfigVariable"]["errors"],
            json!([]),
            "{set}"
        );

        let base = acme_stand_in().await;
        let imported = s
            .gql(
                "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
                   integration { id } errors { field messages } } }",
                json!({ "input": { "definition": definition(&base) } }),
            )
            .await;
        let p = &imported["data"]["importIntegration"];
        assert_eq!(p["errors"], json!([]), "{imported}");
        let id = p["integration"]["id"].as_str().unwrap().to_string();

        let run = s
            .gql(
                "mutation($input: TestIntegrationFlowInput!) { testIntegrationFlow(input: $input) {
                   testIntegrationFlowResult { execution { id status } } errors { field messages } } }",
                json!({ "input": { "id": id } }),
            )
            .await;
        let execution =
            &run["data"]["testIntegrationFlow"]["testIntegrationFlowResult"]["execution"];
        let exec_id = execution["id"].as_str().unwrap_or_default().to_string();
        let detail: Value = s
            .gql(
                "query($id: ID!) { executionResult(id: $id) { status error
                   stepResults { nodes { stepName results } } logs { nodes { severity message } } } }",
                json!({ "id": exec_id }),
            )
            .await;
        let result = &detail["data"]["executionResult"];
        assert_eq!(result["status"], "SUCCESS", "{} {detail}", s.db.label);
        let steps = result["stepResults"]["nodes"].as_array().unwrap();
        let who = steps.iter().find(|n| n["stepName"] == "Who Am I").unwrap();
        assert_eq!(who["results"]["authenticated"], true, "{detail}");
        assert!(
            !detail.to_string().contains(SECRET),
            "the secret leaked into the execution"
        );

        // Changed test credentials take effect on the next test run.
        let vid = set["data"]["createCustomerConfigVariable"]["customerConfigVariable"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        s.gql(
            "mutation($input: UpdateCustomerConfigVariableInput!) { updateCustomerConfigVariable(input: $input) { errors { field messages } } }",
            json!({ "input": { "id": vid, "inputs": [{ "name": "apiKey", "type": "value", "value": "wrong-key-0000" }] } }),
        )
        .await;
        let run2 = s
            .gql(
                "mutation($input: TestIntegrationFlowInput!) { testIntegrationFlow(input: $input) {
                   testIntegrationFlowResult { execution { id } } } }",
                json!({ "input": { "id": id } }),
            )
            .await;
        let id2 = run2["data"]["testIntegrationFlow"]["testIntegrationFlowResult"]["execution"]
            ["id"]
            .as_str()
            .unwrap()
            .to_string();
        let detail2 = s
            .gql(
                "query($id: ID!) { executionResult(id: $id) { stepResults { nodes { stepName results } } } }",
                json!({ "id": id2 }),
            )
            .await;
        let steps2 = detail2["data"]["executionResult"]["stepResults"]["nodes"]
            .as_array()
            .unwrap();
        let who2 = steps2.iter().find(|n| n["stepName"] == "Who Am I").unwrap();
        assert_eq!(who2["results"]["authenticated"], false, "{detail2}");
    }
}
