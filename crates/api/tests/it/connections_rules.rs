//! Connection rules: payload errors naming the field and changing nothing, global inputs
//! immutable once set, stable keys unique and immutable, test credentials, isolation.

use serde_json::{json, Value};

use crate::connections::{
    all, connection_id, seed_objects, CREATE_SCOPED, CREATE_VALUES, UPDATE_VALUES,
};
use crate::Server;

fn fields(payload: &Value) -> Vec<String> {
    payload["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn create_values(s: &Server, input: Value) -> Value {
    s.gql(CREATE_VALUES, json!({ "input": input })).await["data"]["createCustomerConfigVariable"]
        .clone()
}

async fn value_count(s: &Server, scoped: &str) -> i64 {
    let r = s
        .gql(
            "query($id: ID!) { scopedConfigVariable(id: $id) { customerConfigVariables { totalCount } } }",
            json!({ "id": scoped }),
        )
        .await;
    r["data"]["scopedConfigVariable"]["customerConfigVariables"]["totalCount"]
        .as_i64()
        .unwrap_or(-1)
}

#[tokio::test]
async fn customer_values_are_validated() {
    for (s, _) in all().await {
        let (scoped, customer) = seed_objects(&s).await;
        let other_org = s.db.store.create_org("Other").await.unwrap();
        let foreign_customer =
            s.db.store
                .create_customer(other_org.id, "Theirs", Default::default())
                .await
                .unwrap();
        let foreign_customer = plumb_core::id::encode("Customer", foreign_customer.id);
        let v = |name: &str, value: &str| json!({ "name": name, "type": "value", "value": value });
        let cases = [
            (
                json!({ "scopedConfigVariable": scoped, "customer": customer, "inputs": [v("apiKey", "k"), v("bogus", "x")] }),
                "inputs.bogus",
            ),
            (
                json!({ "scopedConfigVariable": scoped, "customer": customer, "inputs": [] }),
                "inputs.apiKey",
            ),
            (
                json!({ "scopedConfigVariable": scoped, "customer": customer, "inputs": [v("apiKey", "")] }),
                "inputs.apiKey",
            ),
            (
                json!({ "scopedConfigVariable": scoped, "customer": customer, "inputs": [v("apiKey", "k"), v("location", "query")] }),
                "inputs.location",
            ),
            (
                json!({ "scopedConfigVariable": scoped, "customer": customer, "inputs": [v("apiKey", "k"), v("rejectUnauthorized", "yes")] }),
                "inputs.rejectUnauthorized",
            ),
            (
                json!({ "scopedConfigVariable": scoped, "customer": customer, "inputs": [v("apiKey", "k"), v("timeout", "soon")] }),
                "inputs.timeout",
            ),
            (
                json!({ "scopedConfigVariable": scoped, "customer": customer, "inputs": [{ "name": "apiKey", "type": "reference", "value": "a.b" }] }),
                "inputs.apiKey",
            ),
            (
                json!({ "scopedConfigVariable": scoped, "customer": foreign_customer, "inputs": [v("apiKey", "k")] }),
                "customer",
            ),
            (
                json!({ "scopedConfigVariable": scoped, "customer": "Q3VzdG9tZXI6NzFlY2NiYzQtYjc5OC00YzQzLWIzZDAtZjdmYzE5OTEyYzlj", "inputs": [v("apiKey", "k")] }),
                "customer",
            ),
            (
                json!({ "scopedConfigVariable": customer, "customer": customer, "inputs": [v("apiKey", "k")] }),
                "scopedConfigVariable",
            ),
            (
                json!({ "scopedConfigVariable": scoped, "customer": customer, "key": "x", "inputs": [v("apiKey", "k")] }),
                "key",
            ),
        ];
        for (input, field) in cases {
            let p = create_values(&s, input.clone()).await;
            assert_eq!(p["customerConfigVariable"], Value::Null, "{input}: {p}");
            assert!(
                fields(&p).contains(&field.to_string()),
                "{} {input}: expected {field}, got {p}",
                s.db.label
            );
        }
        assert_eq!(value_count(&s, &scoped).await, 0, "nothing was written");

        // A valid set; a second create for the same customer is refused; update merges.
        let ok = create_values(
            &s,
            json!({ "scopedConfigVariable": scoped, "customer": customer, "inputs": [v("apiKey", "first"), v("timeout", "5000")] }),
        )
        .await;
        assert_eq!(ok["errors"], json!([]), "{ok}");
        let id = ok["customerConfigVariable"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let again = create_values(
            &s,
            json!({ "scopedConfigVariable": scoped, "customer": customer, "inputs": [v("apiKey", "x")] }),
        )
        .await;
        assert_eq!(fields(&again), vec!["customer"]);
        let up = s
            .gql(
                UPDATE_VALUES,
                json!({ "input": { "id": id, "inputs": [v("timeout", "9000")] } }),
            )
            .await;
        let up = &up["data"]["updateCustomerConfigVariable"];
        assert_eq!(up["errors"], json!([]), "{up}");
        let inputs = up["customerConfigVariable"]["inputs"].as_array().unwrap();
        let get = |n: &str| inputs.iter().find(|i| i["name"] == n).unwrap().clone();
        assert_eq!(get("timeout")["value"], "9000");
        assert_eq!(get("apiKey")["isSet"], true, "the secret kept its value");
        let bad_up = s
            .gql(
                UPDATE_VALUES,
                json!({ "input": { "id": id, "inputs": [v("location", "query")] } }),
            )
            .await;
        assert_eq!(
            fields(&bad_up["data"]["updateCustomerConfigVariable"]),
            vec!["inputs.location"]
        );

        // Test credentials: no customer, editable any time, global inputs overridable.
        let t = create_values(
            &s,
            json!({ "scopedConfigVariable": scoped, "isTest": true, "inputs": [v("apiKey", "t1")] }),
        )
        .await;
        assert_eq!(t["errors"], json!([]), "{t}");
        assert_eq!(t["customerConfigVariable"]["isTest"], true);
        let tid = t["customerConfigVariable"]["id"].as_str().unwrap();
        for value in ["t2", "t3"] {
            let u = s
                .gql(
                    UPDATE_VALUES,
                    json!({ "input": { "id": tid, "inputs": [v("apiKey", value), v("location", "query")] } }),
                )
                .await;
            assert_eq!(
                u["data"]["updateCustomerConfigVariable"]["errors"],
                json!([])
            );
        }
        assert_eq!(value_count(&s, &scoped).await, 2);

        // Delete.
        let d = s
            .gql(
                "mutation($id: ID!) { deleteCustomerConfigVariable(input: {id: $id}) { customerConfigVariable { id } errors { field } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            d["data"]["deleteCustomerConfigVariable"]["errors"],
            json!([])
        );
        assert_eq!(value_count(&s, &scoped).await, 1);
    }
}

#[tokio::test]
async fn definitions_keep_their_invariants() {
    for (s, _) in all().await {
        let (scoped, _) = seed_objects(&s).await;
        let update = "mutation($input: UpdateScopedConfigVariableInput!) {
            updateScopedConfigVariable(input: $input) {
              scopedConfigVariable { key description inputs { name inputScope value } } errors { field messages } } }";
        let g = |name: &str, value: &str| json!({ "name": name, "type": "value", "value": value, "meta": "{\"inputScope\":\"global\"}" });
        for (input, field) in [
            (
                json!({ "id": scoped, "inputs": [g("location", "query")] }),
                "inputs.location",
            ),
            (
                json!({ "id": scoped, "inputs": [{ "name": "name", "meta": "{\"inputScope\":\"customer\"}" }] }),
                "inputs.name",
            ),
            (json!({ "id": scoped, "stableKey": "other" }), "stableKey"),
            (json!({ "id": scoped, "managedBy": "nobody" }), "managedBy"),
            (
                json!({ "id": "U2NvcGVkQ29uZmlnVmFyaWFibGU6NjIzZjM2NWItMzc3Ny00MWRkLWEyODAtNTBjNjliMjQyMGQ4" }),
                "id",
            ),
        ] {
            let r = s.gql(update, json!({ "input": input })).await;
            let p = &r["data"]["updateScopedConfigVariable"];
            assert_eq!(fields(p), vec![field.to_string()], "{input}: {p}");
            if field == "inputs.location" {
                let m = p["errors"][0]["messages"][0].as_str().unwrap();
                assert!(m.contains("cannot be changed once set"), "{m}");
            }
        }
        // Unset global inputs can be set once; key and description change.
        let r = s
            .gql(
                update,
                json!({ "input": { "id": scoped, "key": "Acme", "description": "d2", "inputs": [g("timeout", "3000")] } }),
            )
            .await;
        let p = &r["data"]["updateScopedConfigVariable"];
        assert_eq!(p["errors"], json!([]), "{p}");
        assert_eq!(p["scopedConfigVariable"]["key"], "Acme");
        let conn = connection_id(&s, "http", "basic").await;
        for (input, field) in [
            (
                json!({ "key": "k", "stableKey": "acme-api-key", "connection": conn }),
                "stableKey",
            ),
            (
                json!({ "key": "k", "stableKey": "new", "connection": "Q29ubmVjdGlvbjpub3Bl" }),
                "connection",
            ),
            (
                json!({ "key": "k", "stableKey": "new2", "connection": conn, "variableScope": "galaxy" }),
                "variableScope",
            ),
            (
                json!({ "key": "k", "stableKey": "new3", "connection": conn, "variableScope": "org",
                     "inputs": [{ "name": "username", "value": "u" }] }),
                "inputs.password",
            ),
            (
                json!({ "key": "k", "stableKey": "new4", "connection": conn,
                     "inputs": [{ "name": "password", "value": "p" }] }),
                "inputs.password",
            ),
            (
                json!({ "key": "k", "stableKey": "new5", "connection": "http/oauth2AuthorizationCode" }),
                "connection",
            ),
        ] {
            let r = s.gql(CREATE_SCOPED, json!({ "input": input })).await;
            let p = &r["data"]["createScopedConfigVariable"];
            assert!(fields(p).contains(&field.to_string()), "{input}: {p}");
        }
        let list = s
            .gql("{ scopedConfigVariables { totalCount } }", json!({}))
            .await;
        assert_eq!(list["data"]["scopedConfigVariables"]["totalCount"], 1);

        // An organization credential (variableScope org) is complete and editable.
        let r = s
            .gql(
                CREATE_SCOPED,
                json!({ "input": { "key": "Org SFTP", "stableKey": "org-basic", "connection": conn, "variableScope": "org",
                    "inputs": [{ "name": "username", "value": "u" }, { "name": "password", "value": "p" }] } }),
            )
            .await;
        let p = &r["data"]["createScopedConfigVariable"];
        assert_eq!(p["errors"], json!([]), "{p}");
        let oid = p["scopedConfigVariable"]["id"].as_str().unwrap();
        let r = s
            .gql(
                update,
                json!({ "input": { "id": oid, "inputs": [{ "name": "password", "value": "p2" }] } }),
            )
            .await;
        assert_eq!(
            r["data"]["updateScopedConfigVariable"]["errors"],
            json!([]),
            "{r}"
        );
    }
}

#[tokio::test]
async fn organizations_are_isolated() {
    for (s, _) in all().await {
        let (scoped, customer) = seed_objects(&s).await;
        let other = s.db.store.create_org("Other").await.unwrap();
        let (_, token) =
            s.db.store
                .create_token(other.id, "t", &[plumb_store::tokens::Role::Admin], None)
                .await
                .unwrap();
        let r = s
            .gql_as(
                &token,
                "{ scopedConfigVariables(stableKey: \"acme-api-key\") { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(r["data"]["scopedConfigVariables"]["totalCount"], 0);
        let r = s
            .gql_as(
                &token,
                "query($id: ID!) { scopedConfigVariable(id: $id) { id } }",
                json!({ "id": scoped }),
            )
            .await;
        assert_eq!(crate::error_code(&r), "NOT_FOUND");
        let r = s
            .gql_as(
                &token,
                CREATE_VALUES,
                json!({ "input": { "scopedConfigVariable": scoped, "customer": customer,
                    "inputs": [{ "name": "apiKey", "value": "k" }] } }),
            )
            .await;
        let f = fields(&r["data"]["createCustomerConfigVariable"]);
        assert!(f.contains(&"scopedConfigVariable".to_string()), "{r}");
        // The same stable key is free in the other organization.
        let conn = connection_id(&s, "http", "apiKey").await;
        let r = s
            .gql_as(
                &token,
                CREATE_SCOPED,
                json!({ "input": { "key": "k", "stableKey": "acme-api-key", "connection": conn } }),
            )
            .await;
        assert_eq!(
            r["data"]["createScopedConfigVariable"]["errors"],
            json!([]),
            "{r}"
        );
        // Customer-bound tokens never see organization-managed connections.
        let cid = plumb_core::id::decode("Customer", &customer).unwrap();
        let bound = s
            .token(&[plumb_store::tokens::Role::Viewer], Some(cid))
            .await;
        let r = s
            .gql_as(
                &bound,
                "{ scopedConfigVariables { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(r["data"]["scopedConfigVariables"]["totalCount"], 0, "{r}");
    }
}
