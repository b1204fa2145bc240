//! The egress policy and the time limits on real loopback servers: a second loopback address
//! (`127.0.0.2`) stands for a denied network.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use plumb_auth::{AuthClient, EgressPolicy, MemoryTokenStore};
use plumb_core::action::{Action, ActionError, Connection, Data, InputValue};
use serde_json::{json, Value};

use super::actions_with;
use super::send::effective_timeout;
use crate::testing::{context, inputs, serve, serve_on, silent_server};

fn auth_with(deny: &[&str], allow: &[&str]) -> Arc<AuthClient> {
    let list = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let policy = EgressPolicy::builtin()
        .deny("--egress-deny", &list(deny))
        .expect("deny entries")
        .allow("--egress-allow", &list(allow))
        .expect("allow entries");
    Arc::new(AuthClient::with_egress(
        Arc::new(MemoryTokenStore::new()),
        Arc::new(policy),
    ))
}

fn http_get(auth: &Arc<AuthClient>) -> Arc<dyn Action> {
    actions_with(Arc::clone(auth))
        .into_iter()
        .find(|(k, _)| *k == "httpGet")
        .map(|(_, a)| a)
        .expect("httpGet")
}

async fn call(
    auth: &Arc<AuthClient>,
    pairs: Vec<(&str, Value)>,
    conn: Option<Connection>,
) -> Result<Data, ActionError> {
    let t = context(json!({}), vec![]);
    let mut i = inputs(pairs);
    if let Some(c) = conn {
        i.0.insert("connection".into(), InputValue::Connection(c));
    }
    http_get(auth).run(&t.ctx, i).await
}

/// A server answering `{"hello": "world"}` on `/` and counting its requests.
async fn counted(ip: &str) -> (String, Arc<AtomicU32>) {
    let hits = Arc::new(AtomicU32::new(0));
    let h = Arc::clone(&hits);
    let router = Router::new().fallback(move || {
        let h = Arc::clone(&h);
        async move {
            h.fetch_add(1, Ordering::SeqCst);
            Json(json!({"hello": "world"}))
        }
    });
    (serve_on(ip, router).await, hits)
}

fn port_of(url: &str) -> u16 {
    reqwest::Url::parse(url).expect("url").port().expect("port")
}

fn refused(err: &ActionError) -> String {
    let text = err.to_string();
    assert!(text.contains("egress policy refused"), "{text}");
    assert!(
        matches!(err, ActionError::Failed { details: None, .. }),
        "{err:?}"
    );
    text
}

#[tokio::test]
async fn a_denied_address_is_refused_and_an_allowed_one_answers() {
    let auth = auth_with(&["127.0.0.2"], &[]);
    let (denied, denied_hits) = counted("127.0.0.2").await;
    let (allowed, _) = counted("127.0.0.1").await;
    let err = call(
        &auth,
        vec![
            ("url", json!(format!("{denied}/x?apiKey=hunter2"))),
            ("maxRetries", json!(3)),
        ],
        None,
    )
    .await
    .expect_err("refused");
    let text = refused(&err);
    assert!(
        text.contains(&format!(
            "egress policy refused 127.0.0.2:{} (denied by --egress-deny 127.0.0.2)",
            port_of(&denied)
        )),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    assert_eq!(denied_hits.load(Ordering::SeqCst), 0, "nothing was sent");
    let ok = call(&auth, vec![("url", json!(allowed))], None)
        .await
        .expect("allowed");
    assert_eq!(ok, Data::Json(json!({"hello": "world"})));
    // Without the policy the same target answers (the refusal is the policy's).
    let open = auth_with(&[], &[]);
    assert!(call(&open, vec![("url", json!(denied))], None)
        .await
        .is_ok());
}

#[tokio::test]
async fn other_spellings_of_a_denied_address_are_refused() {
    let (base, hits) = counted("127.0.0.1").await;
    let port = port_of(&base);
    let auth = auth_with(&[&format!("127.0.0.1:{port}")], &[]);
    for url in [
        format!("http://2130706433:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://0.0.0.0:{port}/"),
        format!("http://127.1:{port}/"),
    ] {
        let err = call(&auth, vec![("url", json!(url))], None)
            .await
            .expect_err(&url);
        let text = refused(&err);
        assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_redirect_to_a_denied_address_is_refused() {
    let (denied, denied_hits) = counted("127.0.0.2").await;
    let target = format!("{denied}/secret");
    let router = Router::new()
        .route(
            "/go",
            get(move || {
                let target = target.clone();
                async move { (StatusCode::FOUND, [(header::LOCATION, target)]) }
            }),
        )
        .route(
            "/here",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/ok")]) }),
        )
        .route("/ok", get(|| async { "fine" }));
    let allowed = serve(router).await;
    let auth = auth_with(&["127.0.0.2"], &[]);
    let err = call(&auth, vec![("url", json!(format!("{allowed}/go")))], None)
        .await
        .expect_err("refused");
    let text = refused(&err);
    assert!(text.contains("127.0.0.2"), "{text}");
    assert_eq!(denied_hits.load(Ordering::SeqCst), 0);
    // Redirects the policy allows are still followed.
    let ok = call(&auth, vec![("url", json!(format!("{allowed}/here")))], None)
        .await
        .expect("followed");
    assert_eq!(ok, Data::Json(json!("fine")));
}

#[tokio::test]
async fn a_host_name_is_checked_on_its_resolved_addresses() {
    let (base, hits) = counted("127.0.0.1").await;
    let port = port_of(&base);
    // Every address `localhost` resolves to is denied: refused at resolution.
    let auth = auth_with(&["127.0.0.0/8", "::1"], &[]);
    let err = call(
        &auth,
        vec![("url", json!(format!("http://localhost:{port}/")))],
        None,
    )
    .await
    .expect_err("refused");
    let text = refused(&err);
    assert!(text.contains("localhost ("), "{text}");
    // An entry with a port is checked on the connected socket.
    let auth = auth_with(&[&format!("127.0.0.1:{port}")], &[]);
    let err = call(
        &auth,
        vec![("url", json!(format!("http://localhost:{port}/")))],
        None,
    )
    .await
    .expect_err("refused");
    let text = refused(&err);
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "no request reached the server"
    );
    // A name entry refuses the name.
    let auth = auth_with(&["localhost"], &[]);
    let err = call(
        &auth,
        vec![("url", json!(format!("http://LocalHost:{port}/")))],
        None,
    )
    .await
    .expect_err("refused");
    assert!(refused(&err).contains("denied by --egress-deny localhost"));
    // And an allowed name answers.
    let auth = auth_with(&["127.0.0.0/8", "::1"], &["localhost"]);
    let ok = call(
        &auth,
        vec![("url", json!(format!("http://localhost:{port}/")))],
        None,
    )
    .await
    .expect("allowed by name");
    assert_eq!(ok, Data::Json(json!({"hello": "world"})));
}

fn connection(key: &str, fields: &[(&str, String)]) -> Connection {
    Connection::new(
        format!("egress-{key}-{}", fields.len()),
        "http".into(),
        key.into(),
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

#[tokio::test]
async fn a_token_endpoint_on_a_denied_address_is_refused() {
    let token_hits = Arc::new(AtomicU32::new(0));
    let h = Arc::clone(&token_hits);
    let idp = serve_on(
        "127.0.0.2",
        Router::new().route(
            "/token",
            post(move || {
                let h = Arc::clone(&h);
                async move {
                    h.fetch_add(1, Ordering::SeqCst);
                    Json(json!({"access_token": "tok", "token_type": "Bearer"}))
                }
            }),
        ),
    )
    .await;
    let (api, api_hits) = counted("127.0.0.1").await;
    let conn = connection(
        "oauth2ClientCredentials",
        &[
            ("tokenUrl", format!("{idp}/token")),
            ("clientId", "plumb".into()),
            ("clientSecret", "s3cr3t-client".into()),
        ],
    );
    let auth = auth_with(&["127.0.0.2"], &[]);
    let err = call(&auth, vec![("url", json!(api))], Some(conn.clone()))
        .await
        .expect_err("refused");
    let text = refused(&err);
    assert!(text.contains("/token"), "{text}");
    assert!(!text.contains("s3cr3t-client"), "{text}");
    assert_eq!(token_hits.load(Ordering::SeqCst), 0);
    assert_eq!(api_hits.load(Ordering::SeqCst), 0);
    // Allowed, the same connection works.
    let open = auth_with(&[], &[]);
    call(&open, vec![("url", json!(api))], Some(conn))
        .await
        .expect("token and call");
    assert_eq!(token_hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_proxy_on_a_denied_address_is_refused() {
    let (api, _) = counted("127.0.0.1").await;
    let (proxy, proxy_hits) = counted("127.0.0.2").await;
    let conn = connection(
        "bearer",
        &[("token", "t".into()), ("proxyUrl", proxy.clone())],
    );
    let auth = auth_with(&["127.0.0.2"], &[]);
    let err = call(&auth, vec![("url", json!(api))], Some(conn))
        .await
        .expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("egress policy refused 127.0.0.2"), "{text}");
    assert!(text.contains("proxy"), "{text}");
    assert_eq!(proxy_hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_silent_server_times_out_at_the_step_timeout() {
    let url = silent_server().await;
    let auth = auth_with(&[], &[]);
    let err = call(
        &auth,
        vec![("url", json!(url)), ("timeout", json!(200))],
        None,
    )
    .await
    .expect_err("timeout");
    assert!(err.to_string().contains("timed out after 200 ms"), "{err}");
    // The step's timeout wins over the connection's.
    let conn = connection(
        "bearer",
        &[("token", "t".into()), ("timeout", "600000".into())],
    );
    let err = call(
        &auth,
        vec![("url", json!(url)), ("timeout", json!(250))],
        Some(conn),
    )
    .await
    .expect_err("timeout");
    assert!(err.to_string().contains("timed out after 250 ms"), "{err}");
}

#[tokio::test]
async fn the_connection_timeout_applies_when_the_step_sets_none() {
    let url = silent_server().await;
    let auth = auth_with(&[], &[]);
    for response_type in ["json", "binary"] {
        let conn = connection(
            "bearer",
            &[("token", "t".into()), ("timeout", "300".into())],
        );
        let err = call(
            &auth,
            vec![("url", json!(url)), ("responseType", json!(response_type))],
            Some(conn),
        )
        .await
        .expect_err("timeout");
        assert!(
            err.to_string().contains("timed out after 300 ms"),
            "{response_type}: {err}"
        );
    }
}

#[test]
fn the_time_limit_is_the_step_then_the_connection_then_the_default() {
    let s = Duration::from_millis;
    assert_eq!(
        effective_timeout(None, None, None),
        plumb_auth::DEFAULT_TIMEOUT
    );
    assert_eq!(plumb_auth::DEFAULT_TIMEOUT, Duration::from_secs(30));
    assert_eq!(effective_timeout(None, Some(s(300)), None), s(300));
    assert_eq!(effective_timeout(Some(s(200)), Some(s(300)), None), s(200));
    assert_eq!(effective_timeout(Some(s(900)), Some(s(300)), None), s(900));
    // Cut to what is left of the execution's time.
    assert_eq!(effective_timeout(None, None, Some(s(50))), s(50));
    assert_eq!(effective_timeout(Some(s(200)), None, Some(s(500))), s(200));
}
