//! `deployInstance` through the service layer: who may deploy which instance. Another
//! organization's instance and another customer's are "not found"; a viewer is refused; a
//! refused deploy changes nothing.

use plumb_store::testing::TestDb;
use plumb_store::tokens::Role;
use serde_json::json;

use crate::instances::{bindings, gql_ok, setup, start, CREATE, DEPLOY};

#[tokio::test]
async fn deploy_is_confined_to_the_callers_organization_and_customer() {
    for db in TestDb::all().await.unwrap() {
        let r = start(db, 64 * 1024).await;
        let s = &r.server;
        let (version, customers, org_var, tiers) = setup(s).await;
        let inst = gql_ok(
            s,
            CREATE,
            json!({"input": {"name": "Rules", "customer": customers[0], "integration": version,
                "configVariables": bindings("hi", &org_var, &tiers[0])}}),
            "createInstance",
        )
        .await["instance"]
            .clone();
        let id = inst["id"].as_str().unwrap();
        assert_eq!(inst["deployed"], false);

        let other = s.db.store.create_org("Other").await.unwrap();
        let (_, other_token) =
            s.db.store
                .create_token(other.id, "admin", &[Role::Admin], None)
                .await
                .unwrap();
        let second = plumb_core::id::decode("Customer", customers[1].as_str()).unwrap();
        let other_customer = s.token(&[Role::Deployer], Some(second)).await;
        for token in [&other_token, &other_customer] {
            let refused = s.gql_as(token, DEPLOY, json!({"input": {"id": id}})).await;
            let payload = &refused["data"]["deployInstance"];
            assert!(payload["instance"].is_null(), "{refused}");
            assert_eq!(payload["errors"][0]["field"], "id", "{refused}");
            assert!(
                payload["errors"][0]["messages"][0]
                    .as_str()
                    .unwrap()
                    .contains("not found"),
                "{refused}"
            );
        }
        let viewer = s.token(&[Role::Viewer], None).await;
        let refused = s
            .gql_as(&viewer, DEPLOY, json!({"input": {"id": id}}))
            .await;
        assert!(
            refused["errors"].is_array()
                || !refused["data"]["deployInstance"]["errors"][0].is_null(),
            "{refused}"
        );

        // Nothing changed: still undeployed.
        let q = "query($id: ID!) { instance(id: $id) { deployed enabled } }";
        let now = s.gql(q, json!({"id": id})).await;
        assert_eq!(now["data"]["instance"]["deployed"], false, "{now}");

        let first = plumb_core::id::decode("Customer", customers[0].as_str()).unwrap();
        let own_customer = s.token(&[Role::Deployer], Some(first)).await;
        let ok = s
            .gql_as(&own_customer, DEPLOY, json!({"input": {"id": id}}))
            .await;
        assert_eq!(
            ok["data"]["deployInstance"]["instance"]["deployed"], true,
            "{ok}"
        );
    }
}
