//! Token lifecycle against a counting token endpoint stand-in: cache, single-flight, 401 retry,
//! rotation, pre-populated tokens, refusal envelopes, unreachable endpoints.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::Utc;
use plumb_auth::{
    AuthClient, AuthError, MemoryTokenStore, RequestParts, SecretString, TokenSet, TokenStore,
};

use crate::support::{closed_port, conn, token_server, TokenState};

fn cc(addr: std::net::SocketAddr, extra: &[(&str, &str)]) -> plumb_core::action::Connection {
    let token_url = format!("http://{addr}/token");
    let mut f: Vec<(&str, &str)> = vec![
        ("tokenUrl", token_url.as_str()),
        ("clientId", "client-1"),
        ("clientSecret", "secret-1"),
    ];
    f.extend_from_slice(extra);
    conn("http", "oauth2ClientCredentials", &f)
}

fn expired(access: &str, refresh: Option<&str>, fingerprint: &str) -> TokenSet {
    TokenSet {
        access_token: SecretString::new(access),
        refresh_token: refresh.map(SecretString::new),
        token_type: Some("Bearer".into()),
        expires_at: Some(Utc::now() - chrono::Duration::seconds(10)),
        scope: None,
        instance_url: None,
        fingerprint: fingerprint.into(),
    }
}

#[tokio::test]
async fn client_credentials_post_scopes_audience_and_cache() {
    let state = TokenState::new();
    let addr = token_server(state.clone()).await;
    let auth = AuthClient::in_memory();
    let c = cc(
        addr,
        &[("scopes", "read, write"), ("audience", "https://api")],
    );
    for _ in 0..3 {
        let env = auth
            .send(&c, &RequestParts::get(format!("http://{addr}/api")))
            .await
            .unwrap();
        assert!(env.ok, "{env:?}");
    }
    assert_eq!(state.count(), 1, "the token is cached");
    let form = state.last_form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], "client-1");
    assert_eq!(form["client_secret"], "secret-1");
    assert_eq!(form["scope"], "read write");
    assert_eq!(form["audience"], "https://api");
}

#[tokio::test]
async fn client_credentials_basic_auth_method() {
    let state = TokenState::new();
    let addr = token_server(state.clone()).await;
    let auth = AuthClient::in_memory();
    let c = cc(addr, &[("authMethod", "client_secret_basic")]);
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/api")))
        .await
        .unwrap();
    assert!(env.ok);
    let form = state.last_form();
    assert!(!form.contains_key("client_secret"));
    let header = state
        .auth_headers
        .lock()
        .unwrap()
        .last()
        .cloned()
        .flatten()
        .unwrap();
    assert_eq!(header, "Basic Y2xpZW50LTE6c2VjcmV0LTE="); // client-1:secret-1

    let e = auth
        .connect(&cc(addr, &[("authMethod", "private_key_jwt")]))
        .unwrap_err();
    assert!(e.to_string().contains("authMethod"), "{e}");
}

#[tokio::test]
async fn refused_token_request_is_the_token_calls_envelope_without_secrets() {
    let state = TokenState::new();
    let addr = token_server(state.clone()).await;
    let auth = AuthClient::in_memory();
    let token_url = format!("http://{addr}/token");
    let c = conn(
        "http",
        "oauth2ClientCredentials",
        &[
            ("tokenUrl", &token_url),
            ("clientId", "client-1"),
            ("clientSecret", "wrong"),
        ],
    );
    let err = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/api")))
        .await
        .unwrap_err();
    let env = err.envelope().expect("an envelope").clone();
    assert_eq!(env.method, "POST");
    assert_eq!(env.url, token_url);
    assert_eq!(env.status, 401);
    assert_eq!(env.body.as_ref().unwrap()["error"], "invalid_client");
    assert_eq!(
        env.body.as_ref().unwrap()["error_description"],
        "Client authentication failed"
    );
    let all = format!("{err} {err:?} {}", serde_json::to_string(&env).unwrap());
    assert!(!all.contains("wrong"), "no secret: {all}");
    assert!(err.to_string().contains("invalid_client"));
    assert_eq!(state.api_calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn unreachable_token_endpoint_and_bad_config() {
    let auth = AuthClient::in_memory();
    let port = closed_port();
    let c = conn(
        "http",
        "oauth2ClientCredentials",
        &[
            ("tokenUrl", &format!("http://127.0.0.1:{port}/token")),
            ("clientId", "c"),
            ("clientSecret", "s"),
        ],
    );
    let err = auth
        .send(&c, &RequestParts::get("http://127.0.0.1:1/api"))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Transport { .. }));
    assert!(
        err.to_string().contains("token request: could not connect"),
        "{err}"
    );

    let e = auth
        .connect(&conn(
            "http",
            "oauth2ClientCredentials",
            &[("tokenUrl", "nope"), ("clientId", "c")],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("`tokenUrl` is invalid"), "{e}");
    let e = auth
        .connect(&conn(
            "http",
            "oauth2ClientCredentials",
            &[("tokenUrl", "http://x/t")],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("`clientId`"), "{e}");
}

#[tokio::test]
async fn hundred_concurrent_calls_with_expired_token_make_one_token_request() {
    let state = TokenState::new();
    *state.delay_ms.lock().unwrap() = 100;
    *state.issue_refresh.lock().unwrap() = false;
    let addr = token_server(state.clone()).await;
    let store = Arc::new(MemoryTokenStore::new());
    let auth = AuthClient::new(store.clone());
    let c = cc(addr, &[]);
    // Learn the fingerprint, then plant an expired token.
    auth.send(&c, &RequestParts::get(format!("http://{addr}/api")))
        .await
        .unwrap();
    let fp = store.load(&c.id).await.unwrap().unwrap().fingerprint;
    let auth = AuthClient::new(store.clone());
    store.save(&c.id, &expired("old", None, &fp)).await.unwrap();
    let before = state.count();

    let mut tasks = Vec::new();
    for _ in 0..100 {
        let auth = auth.clone();
        let c = c.clone();
        let url = format!("http://{addr}/api");
        tasks.push(tokio::spawn(async move {
            auth.send(&c, &RequestParts::get(url)).await
        }));
    }
    for t in tasks {
        let env = t.await.unwrap().unwrap();
        assert!(env.ok);
    }
    assert_eq!(state.count() - before, 1, "exactly one token request");
}

#[tokio::test]
async fn concurrent_401s_refresh_once_and_retry_once() {
    let state = TokenState::new();
    *state.delay_ms.lock().unwrap() = 50;
    let addr = token_server(state.clone()).await;
    let auth = AuthClient::in_memory();
    let c = cc(addr, &[]);
    auth.send(&c, &RequestParts::get(format!("http://{addr}/api")))
        .await
        .unwrap();
    assert_eq!(state.count(), 1);
    state.revoke_access(); // the server forgets the access token before it expires
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let auth = auth.clone();
        let c = c.clone();
        let url = format!("http://{addr}/api");
        tasks.push(tokio::spawn(async move {
            auth.send(&c, &RequestParts::get(url)).await
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap().unwrap().ok);
    }
    assert_eq!(state.count(), 2, "one refresh for all the 401s");
    assert_eq!(state.last_form()["grant_type"], "refresh_token");
}

#[tokio::test]
async fn a_second_401_is_returned_not_retried_again() {
    let state = TokenState::new();
    let addr = token_server(state.clone()).await;
    let auth = AuthClient::in_memory();
    let c = cc(addr, &[]);
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/always401")))
        .await
        .unwrap();
    assert_eq!(env.status, 401);
    assert!(!env.ok);
    assert_eq!(
        state.api_calls.load(Ordering::SeqCst),
        2,
        "one retry, never more"
    );
    assert_eq!(state.count(), 2, "one token, one refresh");
}

#[tokio::test]
async fn refresh_rotation_is_saved_before_use_and_missing_refresh_keeps_old() {
    let state = TokenState::new();
    let addr = token_server(state.clone()).await;
    let store = Arc::new(MemoryTokenStore::new());
    let auth = AuthClient::new(store.clone());
    let c = cc(addr, &[]);
    auth.send(&c, &RequestParts::get(format!("http://{addr}/api")))
        .await
        .unwrap();
    let first = store.load(&c.id).await.unwrap().unwrap();
    assert_eq!(first.refresh_token.as_ref().unwrap().expose(), "rt-1");

    // Expire it: the refresh rotates the refresh token; the store has the new one.
    let mut t = first.clone();
    t.expires_at = Some(Utc::now() - chrono::Duration::seconds(1));
    store.save(&c.id, &t).await.unwrap();
    let auth = AuthClient::new(store.clone());
    auth.send(&c, &RequestParts::get(format!("http://{addr}/api")))
        .await
        .unwrap();
    let second = store.load(&c.id).await.unwrap().unwrap();
    assert_eq!(state.last_form()["refresh_token"], "rt-1");
    assert_eq!(second.refresh_token.as_ref().unwrap().expose(), "rt-2");
    assert_eq!(second.access_token.expose(), "at-2");

    // A refresh answer without refresh_token keeps the old one.
    *state.rotate_refresh.lock().unwrap() = false;
    let mut t = second.clone();
    t.expires_at = Some(Utc::now() - chrono::Duration::seconds(1));
    store.save(&c.id, &t).await.unwrap();
    let auth = AuthClient::new(store.clone());
    auth.send(&c, &RequestParts::get(format!("http://{addr}/api")))
        .await
        .unwrap();
    let third = store.load(&c.id).await.unwrap().unwrap();
    assert_eq!(third.access_token.expose(), "at-3");
    assert_eq!(third.refresh_token.as_ref().unwrap().expose(), "rt-2");
}

#[tokio::test]
async fn invalid_refresh_token_falls_back_to_the_grant() {
    let state = TokenState::new();
    let addr = token_server(state.clone()).await;
    let auth = AuthClient::in_memory();
    let c = cc(addr, &[("refreshToken", "unknown-rt")]);
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/api")))
        .await
        .unwrap();
    assert!(env.ok);
    let forms = state.forms.lock().unwrap().clone();
    assert_eq!(forms[0]["grant_type"], "refresh_token");
    assert_eq!(forms[1]["grant_type"], "client_credentials");
}

#[tokio::test]
async fn pre_populated_access_token_is_used_then_replaced_after_401() {
    let state = TokenState::new();
    let addr = token_server(state.clone()).await;
    state
        .valid_access
        .lock()
        .unwrap()
        .insert("org-token".into());
    let auth = AuthClient::in_memory();
    let c = cc(addr, &[("accessToken", "org-token")]);
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/api")))
        .await
        .unwrap();
    assert_eq!(env.body.unwrap()["token"], "org-token");
    assert_eq!(
        state.count(),
        0,
        "no token request while the pre-populated token works"
    );
    state.revoke_access();
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/api")))
        .await
        .unwrap();
    assert!(env.ok);
    assert_eq!(state.count(), 1);
}

#[tokio::test]
async fn password_grant_and_refresh_url() {
    let state = TokenState::new();
    let addr = token_server(state.clone()).await;
    let auth = AuthClient::in_memory();
    let token_url = format!("http://{addr}/token");
    let c = conn(
        "http",
        "oauth2Password",
        &[
            ("tokenUrl", &token_url),
            (
                "refreshUrl",
                &format!("http://{addr}/services/oauth2/token"),
            ),
            ("clientId", "client-1"),
            ("clientSecret", "secret-1"),
            ("username", "bob"),
            ("password", "hunter2"),
        ],
    );
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/api")))
        .await
        .unwrap();
    assert!(env.ok);
    let form = state.last_form();
    assert_eq!(form["grant_type"], "password");
    assert_eq!(form["username"], "bob");
    assert_eq!(form["password"], "hunter2");
    state.revoke_access();
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{addr}/api")))
        .await
        .unwrap();
    assert!(env.ok);
    assert_eq!(state.last_form()["grant_type"], "refresh_token");

    let e = auth
        .connect(&conn(
            "http",
            "oauth2Password",
            &[
                ("tokenUrl", &token_url),
                ("clientId", "c"),
                ("username", "bob"),
            ],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("`password`"), "{e}");
}
