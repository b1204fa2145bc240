//! Replays the GraphQL fuzz target's inputs (`tests/data/fuzz/graphql/`: seeds, and whatever
//! `scripts/fuzz` found) against the real server with an admin token: each gets an answer
//! (data or errors), and the server still answers afterwards.

use std::path::PathBuf;

use plumb_store::testing::TestDb;
use serde_json::{json, Value};

use crate::Server;

#[tokio::test]
async fn graphql_fuzz_inputs_get_an_answer() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz/graphql");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let (query, variables) = match data.iter().position(|b| *b == 0) {
            Some(at) => (&data[..at], Some(&data[at + 1..])),
            None => (&data[..], None),
        };
        let Ok(query) = std::str::from_utf8(query) else {
            continue;
        };
        let variables: Value = variables
            .and_then(|v| serde_json::from_slice(v).ok())
            .unwrap_or(Value::Null);
        let r = s
            .http
            .post(format!("{}/api", s.url))
            .bearer_auth(&s.token)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert!(
            matches!(status, 200 | 400) && body.is_object(),
            "{}: {status} {body}",
            path.display()
        );
        n += 1;
    }
    assert!(n > 0, "no inputs in {}", dir.display());
    let r = s.gql("{ organization { name } }", json!({})).await;
    assert_eq!(r["data"]["organization"]["name"], "Acme", "{r}");
}
