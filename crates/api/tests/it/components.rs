//! `components` reads the process's one catalog as the caller's organization sees it: a
//! component added at run time for one organization (as an imported integration model is) is
//! listed, validated and test-run for it, and "not found" for every other organization.

use std::sync::Arc;

use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::{ActionSpec, Component, ComponentSpec, Scope};
use plumb_store::tokens::Role;
use serde_json::json;

use crate::Server;

struct Pong;

#[async_trait::async_trait]
impl Action for Pong {
    async fn run(&self, _ctx: &ActionContext, _inputs: Inputs) -> Result<Data, ActionError> {
        Ok(Data::Json(json!({"pong": true})))
    }
}

fn own(org: uuid::Uuid, key: &str) -> Component {
    let mut spec = ComponentSpec::builtin(key, "Petstore", "An organization's own component.")
        .action(ActionSpec::new("ping", "Ping", "Answers pong.", Vec::new()));
    spec.scope = Scope::Organization(org);
    Component::new(spec).with_action("ping", Arc::new(Pong))
}

const COMPONENTS: &str = "query($key: String) { components(key: $key) { totalCount nodes {
    key isBuiltin version actions { nodes { key inputsSchema examples
    inputs { nodes { key type required default description } } } } } } }";

const IMPORT: &str =
    "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
    integration { id } errors { field messages } } }";

fn definition(component: &str) -> String {
    format!(
        "name: Own\ndefinitionVersion: 7\nflows:\n  - name: F\n    steps:\n      - name: Trigger\n        isTrigger: true\n        action: {{key: webhook, component: {{key: webhook-triggers}}}}\n      - name: Ping\n        action: {{key: ping, component: {{key: {component}}}}}\n        inputs: {{}}\n"
    )
}

#[tokio::test]
async fn an_organizations_component_is_invisible_to_another() {
    for s in Server::all().await {
        let key = format!("petstore-{}", uuid::Uuid::now_v7().simple());
        plumb_runtime::catalog()
            .add(s.org, own(s.org, &key))
            .unwrap();
        let other = s.db.store.create_org("Other").await.unwrap();
        let (_, other_token) =
            s.db.store
                .create_token(other.id, "admin", &[Role::Admin], None)
                .await
                .unwrap();

        let mine = s.gql(COMPONENTS, json!({"key": key})).await;
        let nodes = &mine["data"]["components"]["nodes"];
        assert_eq!(nodes.as_array().map(Vec::len), Some(1), "{mine}");
        assert_eq!(nodes[0]["isBuiltin"], false);
        assert_eq!(nodes[0]["actions"]["nodes"][0]["key"], "ping");
        let theirs = s
            .gql_as(&other_token, COMPONENTS, json!({"key": key}))
            .await;
        assert_eq!(theirs["data"]["components"]["totalCount"], 0, "{theirs}");
        let all_theirs = s.gql_as(&other_token, COMPONENTS, json!({})).await;
        assert!(!all_theirs.to_string().contains(&key));

        // Validation reads the same catalog.
        let ok = s
            .gql(IMPORT, json!({"input": {"definition": definition(&key)}}))
            .await;
        assert_eq!(ok["data"]["importIntegration"]["errors"], json!([]), "{ok}");
        let refused = s
            .gql_as(
                &other_token,
                IMPORT,
                json!({"input": {"definition": definition(&key)}}),
            )
            .await;
        let message = refused["data"]["importIntegration"]["errors"][0]["messages"][0]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            message.contains(&format!("unknown component `{key}`")),
            "{refused}"
        );
        // The known components it lists are the caller's: not the other organization's.
        assert!(!message.contains(&format!("{key},")), "{message}");
    }
}

#[tokio::test]
async fn builtins_publish_their_inputs_with_schema_docs_and_examples() {
    for s in Server::all().await {
        let body = s.gql(COMPONENTS, json!({"key": "http"})).await;
        let http = &body["data"]["components"]["nodes"][0];
        assert_eq!(http["isBuiltin"], true);
        let get = http["actions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["key"] == "httpGet")
            .unwrap()
            .clone();
        let schema: serde_json::Value =
            serde_json::from_str(get["inputsSchema"].as_str().unwrap()).unwrap();
        assert_eq!(schema["required"][0], "url");
        assert_eq!(schema["properties"]["responseType"]["default"], "json");
        let url = &get["inputs"]["nodes"][0];
        assert_eq!(url["key"], "url");
        assert!(url["description"].as_str().unwrap().contains("URL"));
        let example: serde_json::Value =
            serde_json::from_str(get["examples"][0].as_str().unwrap()).unwrap();
        assert!(example["inputs"]["url"]["value"].is_string(), "{example}");
    }
}
