//! Integration models through GraphQL: import (YAML and JSON, 2.0 and 3.0), the name rule and
//! `replace`, every problem of a bad document with its pointer, the model as a component that
//! definitions use, invisible to another organization, and deletion.

use plumb_store::tokens::Role;
use serde_json::json;

use crate::Server;

const PETSTORE_3: &str = include_str!("../../../models/tests/data/openapi/petstore-3.0.yaml");
const PETSTORE_2: &str = include_str!("../../../models/tests/data/openapi/petstore-2.0.json");

const IMPORT: &str = "mutation($input: ImportIntegrationModelInput!) {
  importIntegrationModel(input: $input) {
    integrationModel { id name title version operations { totalCount nodes { key method path } } }
    errors { field messages } } }";
const MODELS: &str = "query($name: String) { integrationModels(name: $name) { totalCount
    nodes { id name operations { totalCount } } } }";
const COMPONENT: &str = "query($key: String) { components(key: $key) { totalCount
    nodes { key isBuiltin actions { nodes { key inputs { nodes { key required } } } } } } }";
const IMPORT_DEF: &str =
    "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
    integration { id } errors { field messages } } }";
const DELETE: &str = "mutation($input: DeleteIntegrationModelInput!) {
  deleteIntegrationModel(input: $input) { integrationModel { name } errors { field messages } } }";

fn definition() -> String {
    "name: Uses a model\ndefinitionVersion: 7\nflows:\n  - name: F\n    steps:\n      - name: Trigger\n        isTrigger: true\n        action: {key: webhook, component: {key: webhook-triggers}}\n      - name: Show\n        action: {key: showPetById, component: {key: 'Swagger Petstore:1.0.0'}}\n        inputs: {integration: {type: value, value: petstore}, petId: {type: value, value: '7'}}\n".to_string()
}

#[tokio::test]
async fn import_list_use_isolate_and_delete() {
    for s in Server::all().await {
        let other = s.db.store.create_org("Other").await.unwrap();
        let (_, other_token) =
            s.db.store
                .create_token(other.id, "admin", &[Role::Admin], None)
                .await
                .unwrap();
        let r = s
            .gql(IMPORT, json!({"input": {"document": PETSTORE_3}}))
            .await;
        let m = &r["data"]["importIntegrationModel"]["integrationModel"];
        assert_eq!(m["name"], "Swagger Petstore:1.0.0", "{r}");
        assert_eq!(m["operations"]["totalCount"], 3);
        assert_eq!(
            m["operations"]["nodes"][2],
            json!({"key": "showPetById", "method": "GET", "path": "/pets/{petId}"})
        );
        let id = m["id"].as_str().unwrap().to_string();

        // The same name again is refused, unless replace; the ID stays.
        let again = s
            .gql(IMPORT, json!({"input": {"document": PETSTORE_2}}))
            .await;
        let errors = &again["data"]["importIntegrationModel"]["errors"];
        assert_eq!(errors[0]["field"], "document");
        assert!(errors[0]["messages"][0]
            .as_str()
            .unwrap()
            .contains("already exists"));
        let replaced = s
            .gql(
                IMPORT,
                json!({"input": {"document": PETSTORE_2, "replace": true}}),
            )
            .await;
        assert_eq!(
            replaced["data"]["importIntegrationModel"]["integrationModel"]["id"],
            json!(id)
        );

        // A model is a component: its operations are actions with typed inputs.
        let c = s
            .gql(COMPONENT, json!({"key": "Swagger Petstore:1.0.0"}))
            .await;
        let node = &c["data"]["components"]["nodes"][0];
        assert_eq!(node["isBuiltin"], false, "{c}");
        let show = node["actions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["key"] == "showPetById")
            .unwrap()
            .clone();
        assert_eq!(
            show["inputs"]["nodes"][0],
            json!({"key": "integration", "required": true})
        );
        assert_eq!(
            show["inputs"]["nodes"][1],
            json!({"key": "petId", "required": true})
        );
        let ok = s
            .gql(IMPORT_DEF, json!({"input": {"definition": definition()}}))
            .await;
        assert_eq!(ok["data"]["importIntegration"]["errors"], json!([]), "{ok}");

        // Another organization sees nothing of it.
        let theirs = s.gql_as(&other_token, MODELS, json!({})).await;
        assert_eq!(theirs["data"]["integrationModels"]["totalCount"], 0);
        let theirs = s
            .gql_as(
                &other_token,
                COMPONENT,
                json!({"key": "Swagger Petstore:1.0.0"}),
            )
            .await;
        assert_eq!(theirs["data"]["components"]["totalCount"], 0);
        let refused = s
            .gql_as(
                &other_token,
                IMPORT_DEF,
                json!({"input": {"definition": definition()}}),
            )
            .await;
        assert!(
            refused["data"]["importIntegration"]["errors"][0]["messages"][0]
                .as_str()
                .unwrap()
                .contains("unknown component")
        );
        let cross = s
            .gql_as(&other_token, DELETE, json!({"input": {"id": id}}))
            .await;
        assert_eq!(
            cross["data"]["deleteIntegrationModel"]["errors"][0]["messages"][0],
            "integration model not found"
        );

        let list = s
            .gql(MODELS, json!({"name": "Swagger Petstore:1.0.0"}))
            .await;
        assert_eq!(list["data"]["integrationModels"]["totalCount"], 1);
        let deleted = s.gql(DELETE, json!({"input": {"id": id}})).await;
        assert_eq!(
            deleted["data"]["deleteIntegrationModel"]["integrationModel"]["name"],
            "Swagger Petstore:1.0.0"
        );
        let gone = s
            .gql(COMPONENT, json!({"key": "Swagger Petstore:1.0.0"}))
            .await;
        assert_eq!(gone["data"]["components"]["totalCount"], 0);
    }
}

#[tokio::test]
async fn a_bad_document_lists_every_problem_and_stores_nothing() {
    for s in Server::all().await {
        let doc = "openapi: 3.0.3\ninfo: {title: Broken}\npaths:\n  /a:\n    get: {operationId: x}\n    post: {operationId: x}\n";
        let r = s.gql(IMPORT, json!({"input": {"document": doc}})).await;
        let payload = &r["data"]["importIntegrationModel"];
        assert!(payload["integrationModel"].is_null());
        let messages: Vec<String> = payload["errors"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| e["messages"].as_array().unwrap().clone())
            .map(|m| m.as_str().unwrap().to_string())
            .collect();
        assert!(
            messages.iter().any(|m| m.starts_with("/info/version")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("/paths/~1a/post/operationId") && m.contains("line 6")),
            "{messages:?}"
        );
        let list = s.gql(MODELS, json!({})).await;
        assert_eq!(list["data"]["integrationModels"]["totalCount"], 0);
        // A viewer may not import.
        let viewer = s.token(&[Role::Viewer], None).await;
        let refused = s
            .gql_as(&viewer, IMPORT, json!({"input": {"document": PETSTORE_3}}))
            .await;
        assert!(refused["errors"].is_array(), "{refused}");
    }
}
