//! Customers through GraphQL, including the seed's query verbatim.

use plumb_store::tokens::Role;
use serde_json::json;

use crate::{error_code, Server};

const CREATE: &str = "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
    customer { id name externalId description labels } errors { field messages } } }";

#[tokio::test]
async fn seed_query_verbatim_and_crud() {
    for s in Server::all().await {
        let created = s
            .gql(
                CREATE,
                json!({ "input": { "name": "Smith Rocket Company", "externalId": "my-external-id",
                                   "description": "rockets", "labels": ["gold", "us"] } }),
            )
            .await;
        let c = &created["data"]["createCustomer"]["customer"];
        let id = c["id"].as_str().unwrap().to_string();
        assert!(id.starts_with("Q3Vzd"), "{id}");
        assert_eq!(created["data"]["createCustomer"]["errors"], json!([]));

        // The seed document's query, verbatim.
        let body = s
            .gql(
                r#"query {customers(externalId: "my-external-id") {nodes {id name}}}"#,
                json!({}),
            )
            .await;
        assert_eq!(
            body["data"]["customers"]["nodes"],
            json!([{ "id": id, "name": "Smith Rocket Company" }]),
            "{}",
            s.db.label
        );

        // Duplicate external ID: a payload error naming the field; nothing created.
        let dup = s
            .gql(
                CREATE,
                json!({ "input": { "name": "Other", "externalId": "my-external-id" } }),
            )
            .await;
        assert_eq!(dup["data"]["createCustomer"]["customer"], json!(null));
        assert_eq!(
            dup["data"]["createCustomer"]["errors"][0]["field"],
            "externalId"
        );
        let empty = s.gql(CREATE, json!({ "input": { "name": "  " } })).await;
        assert_eq!(
            empty["data"]["createCustomer"]["errors"][0]["field"],
            "name"
        );
        let count = s.gql("{ customers { totalCount } }", json!({})).await;
        assert_eq!(count["data"]["customers"]["totalCount"], 1);

        // Update and read back.
        let up = s
            .gql(
                "mutation($id: ID!) { updateCustomer(input: {id: $id, name: \"Smith Rockets\", labels: [\"x\"]}) {
                   customer { name labels externalId } errors { field messages } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            up["data"]["updateCustomer"]["customer"],
            json!({ "name": "Smith Rockets", "labels": ["x"], "externalId": "my-external-id" })
        );
        let one = s
            .gql(
                "query($id: ID!) { customer(id: $id) { name } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(one["data"]["customer"]["name"], "Smith Rockets");
        let by_label = s
            .gql("{ customers(labels: [\"x\"]) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }", json!({}))
            .await;
        assert_eq!(by_label["data"]["customers"]["totalCount"], 1);
        assert_eq!(
            by_label["data"]["customers"]["pageInfo"]["hasNextPage"],
            false
        );

        let del = s
            .gql(
                "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { customer { id } errors { field } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(del["data"]["deleteCustomer"]["customer"]["id"], id.as_str());
        let gone = s
            .gql(
                "query($id: ID!) { customer(id: $id) { name } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&gone), "NOT_FOUND");
    }
}

#[tokio::test]
async fn wrong_type_malformed_and_foreign_ids_are_not_found() {
    for s in Server::all().await {
        let other = s.db.store.create_org("Other").await.unwrap();
        let foreign =
            s.db.store
                .create_customer(other.id, "Theirs", Default::default())
                .await
                .unwrap();
        let foreign_id = plumb_core::id::encode("Customer", foreign.id);
        let wrong_type = plumb_core::id::encode("Instance", foreign.id);
        for id in [
            foreign_id.as_str(),
            wrong_type.as_str(),
            "%%%not-base64",
            "Q3Vzd",
        ] {
            let body = s
                .gql(
                    "query($id: ID!) { customer(id: $id) { name } }",
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(error_code(&body), "NOT_FOUND", "{id}: {body}");
            let up = s
                .gql(
                    "mutation($id: ID!) { updateCustomer(input: {id: $id, name: \"pwned\"}) { customer { id } errors { field messages } } }",
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(
                up["data"]["updateCustomer"]["errors"][0]["field"], "id",
                "{up}"
            );
        }
        // Untouched.
        assert_eq!(
            s.db.store
                .get_customer(other.id, foreign.id)
                .await
                .unwrap()
                .name,
            "Theirs"
        );
    }
}

#[tokio::test]
async fn roles_and_customer_bound_tokens() {
    for s in Server::all().await {
        let a = s.gql(CREATE, json!({ "input": { "name": "A" } })).await;
        let b = s.gql(CREATE, json!({ "input": { "name": "B" } })).await;
        let a_id = a["data"]["createCustomer"]["customer"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let b_id = b["data"]["createCustomer"]["customer"]["id"]
            .as_str()
            .unwrap()
            .to_string();

        let viewer = s.token(&[Role::Viewer], None).await;
        let list = s
            .gql_as(&viewer, "{ customers { totalCount } }", json!({}))
            .await;
        assert_eq!(list["data"]["customers"]["totalCount"], 2);
        let denied = s
            .gql_as(&viewer, CREATE, json!({ "input": { "name": "C" } }))
            .await;
        assert_eq!(error_code(&denied), "FORBIDDEN");

        let a_uuid = plumb_core::id::decode("Customer", &a_id).unwrap();
        let bound = s.token(&[Role::Deployer], Some(a_uuid)).await;
        let list = s
            .gql_as(
                &bound,
                "{ customers { totalCount nodes { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(list["data"]["customers"]["nodes"], json!([{ "id": a_id }]));
        let other = s
            .gql_as(
                &bound,
                "query($id: ID!) { customer(id: $id) { name } }",
                json!({ "id": b_id }),
            )
            .await;
        assert_eq!(error_code(&other), "NOT_FOUND");
        let org_vars = s
            .gql_as(
                &bound,
                "{ organizationConfigVariables { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&org_vars), "FORBIDDEN");
    }
}

#[tokio::test]
async fn pagination_over_graphql() {
    let s = Server::start(plumb_store::testing::TestDb::sqlite().await.unwrap()).await;
    for i in 0..5 {
        s.gql(CREATE, json!({ "input": { "name": format!("c{i}") } }))
            .await;
    }
    let q = "query($after: String) { customers(first: 2, after: $after) {
        totalCount nodes { name } pageInfo { hasNextPage endCursor } } }";
    let mut names = vec![];
    let mut after = serde_json::Value::Null;
    loop {
        let page = s.gql(q, json!({ "after": after })).await;
        let conn = &page["data"]["customers"];
        assert_eq!(conn["totalCount"], 5);
        for n in conn["nodes"].as_array().unwrap() {
            names.push(n["name"].as_str().unwrap().to_string());
        }
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(names, ["c0", "c1", "c2", "c3", "c4"]);
    let bad = s.gql(q, json!({ "after": "garbage" })).await;
    assert_eq!(error_code(&bad), "BAD_CURSOR");
}

#[tokio::test]
async fn concurrent_api_writes_on_sqlite() {
    let s = std::sync::Arc::new(
        Server::start(plumb_store::testing::TestDb::sqlite().await.unwrap()).await,
    );
    let mut tasks = vec![];
    for i in 0..100 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let r = s
                .gql(
                    CREATE,
                    json!({ "input": { "name": format!("c{i}"), "externalId": format!("e{i}") } }),
                )
                .await;
            assert_eq!(r["data"]["createCustomer"]["errors"], json!([]), "{r}");
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let count = s.gql("{ customers { totalCount } }", json!({})).await;
    assert_eq!(count["data"]["customers"]["totalCount"], 100);
}
