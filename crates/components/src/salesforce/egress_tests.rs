//! Salesforce calls under the egress policy: an org (token endpoint and REST API) on a denied
//! address is refused before anything is sent.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use axum::{Json, Router};
use plumb_auth::{AuthClient, EgressPolicy, MemoryTokenStore};
use plumb_core::action::{Connection, InputValue};
use serde_json::json;

use super::actions_with;
use crate::testing::{context, inputs, serve_on};

#[tokio::test]
async fn an_org_on_a_denied_address_is_refused() {
    let hits = Arc::new(AtomicU32::new(0));
    let h = Arc::clone(&hits);
    let org = serve_on(
        "127.0.0.2",
        Router::new().fallback(move || {
            let h = Arc::clone(&h);
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                Json(json!({"access_token": "t", "token_type": "Bearer"}))
            }
        }),
    )
    .await;
    let policy = EgressPolicy::builtin()
        .deny("--egress-deny", &["127.0.0.2".to_string()])
        .expect("entry");
    let auth = Arc::new(AuthClient::with_egress(
        Arc::new(MemoryTokenStore::new()),
        Arc::new(policy),
    ));
    let get = actions_with(auth)
        .into_iter()
        .find(|(k, _)| *k == "getRecord")
        .map(|(_, a)| a)
        .expect("getRecord");
    let conn = Connection::new(
        "sf-egress".into(),
        "salesforce".into(),
        "clientCredentials".into(),
        BTreeMap::from([
            ("externalCustomerId".to_string(), "smith".to_string()),
            ("clientId".to_string(), "cid".to_string()),
            ("clientSecret".to_string(), "csecret".to_string()),
        ]),
    );
    let mut i = inputs(vec![
        ("baseUrl", json!(org)),
        ("recordType", json!("Account")),
        ("recordId", json!("001000000000001AAA")),
    ]);
    i.0.insert("connection".into(), InputValue::Connection(conn));
    let t = context(json!({}), vec![]);
    let err = get.run(&t.ctx, i).await.expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("egress policy refused 127.0.0.2:")
            && text.contains("(denied by --egress-deny 127.0.0.2)"),
        "{text}"
    );
    assert!(!text.contains("csecret"), "{text}");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}
