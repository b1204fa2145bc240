//! Transport-level behaviour: auth, health, metrics, limits, malformed requests.

use plumb_api::ApiConfig;
use plumb_store::testing::TestDb;
use serde_json::json;

use crate::Server;

#[tokio::test]
async fn health_ready_metrics() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let r = s
        .http
        .get(format!("{}/healthz", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .http
        .get(format!("{}/readyz", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    s.gql("{ organization { name } }", json!({})).await;
    let r = s
        .http
        .get(format!("{}/metrics", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains("plumb_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/api\""), "{text}");
    assert!(text.contains("plumb_executions_queued 0"), "{text}");
    assert!(text.contains("plumb_executions_running 0"), "{text}");
    assert!(!text.contains(&s.token));
    let r = s.http.get(format!("{}/api", s.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().to_lowercase().contains("graphiql"));
}

#[tokio::test]
async fn missing_bad_and_revoked_tokens_get_a_401_with_a_json_error() {
    for s in Server::all().await {
        let q = json!({ "query": "{ organization { name } }" });
        let none = s
            .http
            .post(format!("{}/api", s.url))
            .json(&q)
            .send()
            .await
            .unwrap();
        assert_eq!(none.status(), 401);
        let body: serde_json::Value = none.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{body}"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("Authorization: Bearer"),
            "{body}"
        );
        for bad in ["plumb_bogus", "", "Basic abc"] {
            let r = s
                .http
                .post(format!("{}/api", s.url))
                .header("authorization", format!("Bearer {bad}"))
                .json(&q)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401);
        }
        // A malformed body is still 401 when the token is bad.
        let r = s
            .http
            .post(format!("{}/api", s.url))
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);

        let body = s
            .gql(
                "mutation { createApiToken(input: {name: \"x\", roles: [\"viewer\"]}) { token apiToken { id } } }",
                json!({}),
            )
            .await;
        let token = body["data"]["createApiToken"]["token"]
            .as_str()
            .unwrap()
            .to_string();
        let id = body["data"]["createApiToken"]["apiToken"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(s
            .gql_as(&token, "{ organization { name } }", json!({}))
            .await["data"]
            .is_object());
        s.gql(
            "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { apiToken { revokedAt } } }",
            json!({ "id": id }),
        )
        .await;
        let r = s
            .http
            .post(format!("{}/api", s.url))
            .bearer_auth(&token)
            .json(&q)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{}", s.db.label);
    }
}

#[tokio::test]
async fn malformed_graphql_is_an_error_not_a_crash() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let body = s.gql("{ customers { nodes { id } ", json!({})).await;
    assert!(
        body["errors"][0]["message"].as_str().unwrap().len() > 3,
        "{body}"
    );
    let body = s.gql("{ noSuchField }", json!({})).await;
    assert!(body["errors"].is_array());
    let r = s
        .http
        .post(format!("{}/api", s.url))
        .bearer_auth(&s.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn oversized_body_is_413() {
    let db = TestDb::sqlite().await.unwrap();
    let s = Server::start_with(
        db,
        ApiConfig {
            body_limit: 4096,
            ..Default::default()
        },
    )
    .await;
    let big = "x".repeat(10_000);
    let r = s
        .http
        .post(format!("{}/api", s.url))
        .bearer_auth(&s.token)
        .json(&json!({ "query": format!("{{ customers(name: \"{big}\") {{ totalCount }} }}") }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // Under the limit is fine.
    let ok = s.gql("{ customers { totalCount } }", json!({})).await;
    assert_eq!(ok["data"]["customers"]["totalCount"], 0);
}
