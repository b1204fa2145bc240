//! Connections: components, scoped config variables, customer and test values, the seeds'
//! three calls verbatim, validation, isolation, and write-only secrets.

use plumb_api::{app, ApiConfig, AppState};
use plumb_store::testing::TestDb;
use plumb_store::tokens::Role;
use plumb_vault::MasterKey;
use serde_json::{json, Value};

use crate::Server;

/// A server with a master key (so secrets can be sealed).
pub async fn start(db: TestDb) -> (Server, MasterKey) {
    let key = MasterKey::generate().unwrap();
    let org = db.store.create_org("Acme").await.unwrap();
    let (_, token) = db
        .store
        .create_token(org.id, "admin", &[Role::Admin], None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(db.store.clone(), ApiConfig::default()).with_master_key(key.clone());
    let router = app(state);
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    let server = Server {
        url,
        token,
        org: org.id,
        db,
        http: reqwest::Client::new(),
    };
    (server, key)
}

pub async fn all() -> Vec<(Server, MasterKey)> {
    let mut out = vec![];
    for db in TestDb::all().await.unwrap() {
        out.push(start(db).await);
    }
    out
}

pub const CREATE_SCOPED: &str = "mutation($input: CreateScopedConfigVariableInput!) {
  createScopedConfigVariable(input: $input) {
    scopedConfigVariable { id key stableKey variableScope managedBy
      connection { id key } inputs { name inputScope isSet value } }
    errors { field messages } } }";
pub const CREATE_VALUES: &str = "mutation($input: CreateCustomerConfigVariableInput!) {
  createCustomerConfigVariable(input: $input) {
    customerConfigVariable { id isTest dataType inputs { name isSet value } }
    errors { field messages } } }";
pub const UPDATE_VALUES: &str = "mutation($input: UpdateCustomerConfigVariableInput!) {
  updateCustomerConfigVariable(input: $input) {
    customerConfigVariable { id inputs { name isSet value } }
    errors { field messages } } }";

/// The global ID of connection type `key` of `component`, from `components`.
pub async fn connection_id(s: &Server, component: &str, key: &str) -> String {
    let r = s
        .gql(
            "query($k: String) { components(key: $k) { nodes { key actions { nodes { key inputs { nodes { key type } } } }
               connections { nodes { id key label inputs { nodes { id key label type required default } } } } } } }",
            json!({ "k": component }),
        )
        .await;
    let nodes = r["data"]["components"]["nodes"][0]["connections"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let c = nodes
        .iter()
        .find(|n| n["key"] == key)
        .expect("connection type");
    c["id"].as_str().unwrap().to_string()
}

/// Creates the seed's organization-activated connection `acme-api-key` (http apiKey, the
/// `location` and `name` inputs global) and a customer `my-external-id`.
pub async fn seed_objects(s: &Server) -> (String, String) {
    let conn = connection_id(s, "http", "apiKey").await;
    let r = s
        .gql(
            CREATE_SCOPED,
            json!({ "input": {
                "key": "Acme API Key", "stableKey": "acme-api-key", "variableScope": "customer",
                "managedBy": "org", "connection": conn, "description": "each customer's Acme key",
                "inputs": [
                    { "name": "location", "type": "value", "value": "header", "meta": "{\"inputScope\":\"global\"}" },
                    { "name": "name", "type": "value", "value": "X-Acme-Key", "meta": "{\"inputScope\":\"global\"}" }
                ]
            } }),
        )
        .await;
    let p = &r["data"]["createScopedConfigVariable"];
    assert_eq!(p["errors"], json!([]), "{r}");
    let scoped = p["scopedConfigVariable"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let c = s
        .gql(
            "mutation { createCustomer(input: {name: \"Smith\", externalId: \"my-external-id\"}) { customer { id } errors { field } } }",
            json!({}),
        )
        .await;
    let customer = c["data"]["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (scoped, customer)
}

const SEED_QUERY_1: &str = r#"query {
scopedConfigVariables(stableKey: "acme-api-key") {
nodes {
id
key
stableKey
connection {
inputs {
nodes {
id
key
}
}
}
}
}
}"#;

const SEED_QUERY_2: &str = r#"query {
customers(externalId: "my-external-id") {
nodes {
id
name
}
}
}"#;

const SEED_MUTATION_3: &str = r#"mutation {
createCustomerConfigVariable(
input: {
scopedConfigVariable: "U2NvcGVkQ29uZmlnVmFyaWFibGU6NjIzZjM2NWItMzc3Ny00MWRkLWEyODAtNTBjNjliMjQyMGQ4"
customer: "Q3VzdG9tZXI6NzFlY2NiYzQtYjc5OC00YzQzLWIzZDAtZjdmYzE5OTEyYzlj"
inputs: [{ value: "Testing", name: "apiKey", type: "value" }]
}
) {
customerConfigVariable {
id
}
errors {
field
messages
}
}
}"#;

#[tokio::test]
async fn seed_calls_verbatim() {
    for (s, key) in all().await {
        let (scoped, customer) = seed_objects(&s).await;

        let r1 = s.gql(SEED_QUERY_1, json!({})).await;
        let node = &r1["data"]["scopedConfigVariables"]["nodes"][0];
        let id = node["id"].as_str().unwrap();
        assert!(id.starts_with("U2Nvc"), "{r1}");
        assert_eq!(id, scoped);
        assert_eq!(node["stableKey"], "acme-api-key");
        let keys: Vec<&str> = node["connection"]["inputs"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["key"].as_str().unwrap())
            .collect();
        assert!(keys.contains(&"apiKey"), "{keys:?}");

        let r2 = s.gql(SEED_QUERY_2, json!({})).await;
        let cid = r2["data"]["customers"]["nodes"][0]["id"].as_str().unwrap();
        assert!(cid.starts_with("Q3Vzd"));
        assert_eq!(cid, customer);

        let mutation = SEED_MUTATION_3
            .replace(
                "U2NvcGVkQ29uZmlnVmFyaWFibGU6NjIzZjM2NWItMzc3Ny00MWRkLWEyODAtNTBjNjliMjQyMGQ4",
                &scoped,
            )
            .replace(
                "Q3VzdG9tZXI6NzFlY2NiYzQtYjc5OC00YzQzLWIzZDAtZjdmYzE5OTEyYzlj",
                &customer,
            );
        let r3 = s.gql(&mutation, json!({})).await;
        let p = &r3["data"]["createCustomerConfigVariable"];
        assert_eq!(p["errors"], json!([]), "{} {r3}", s.db.label);
        let value_id = p["customerConfigVariable"]["id"].as_str().unwrap();
        assert!(value_id.starts_with("Q3VzdG9tZXJDb25maWdWYXJpYWJsZT"));

        // The seed's literal IDs (another tenant's) are "not found" payload errors.
        let r = s.gql(SEED_MUTATION_3, json!({})).await;
        let fields: Vec<&str> = r["data"]["createCustomerConfigVariable"]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&"scopedConfigVariable"), "{r}");

        // Reads: the apiKey is set but never shown; global inputs show their values.
        let read = s
            .gql(
                "query($id: ID!) { customerConfigVariable(id: $id) { dataType isTest customer { externalId }
                   scopedConfigVariable { stableKey } inputs { name inputScope isSet isSecret value } } }",
                json!({ "id": value_id }),
            )
            .await;
        let v = &read["data"]["customerConfigVariable"];
        assert_eq!(v["dataType"], "connection", "{read}");
        assert_eq!(v["customer"]["externalId"], "my-external-id");
        let inputs = v["inputs"].as_array().unwrap();
        let get = |n: &str| inputs.iter().find(|i| i["name"] == n).unwrap().clone();
        assert_eq!(get("apiKey")["isSet"], true);
        assert_eq!(get("apiKey")["value"], Value::Null);
        assert_eq!(get("location")["value"], "header");
        assert_eq!(get("location")["inputScope"], "global");
        assert!(!read.to_string().contains("Testing"));

        // The engine's view: merged and opened.
        let vault = plumb_store::secrets::Vault::new(s.db.store.clone(), key);
        let cust = plumb_core::id::decode("Customer", &customer).unwrap();
        let c = plumb_store::resolve::resolve_scoped_connection(
            &vault,
            s.org,
            "acme-api-key",
            Some(cust),
            false,
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(c.key, "apiKey");
        assert_eq!(c.value("apiKey").unwrap(), "Testing");
        assert_eq!(c.value("name").unwrap(), "X-Acme-Key");
    }
}
