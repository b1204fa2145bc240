//! OAuth 2.0 and OpenID Connect against the npm `oauth2-mock-server`: client credentials,
//! password, authorization code with state and PKCE S256, refresh with rotation, discovery.

use std::sync::Arc;

use plumb_auth::{
    AuthClient, AuthError, CallbackParams, MemoryTokenStore, RequestParts, TokenStore,
};

use crate::support::{conn, echo_server, MockOAuth};

fn jwt_claims(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn mock_server_client_credentials_password_and_oidc() {
    let mock = MockOAuth::start().await;
    let echo = echo_server().await;
    let auth = AuthClient::in_memory();
    let token_url = format!("{}/token", mock.issuer());

    let c = conn(
        "http",
        "oauth2ClientCredentials",
        &[
            ("tokenUrl", &token_url),
            ("clientId", "cid"),
            ("clientSecret", "cs"),
            ("scopes", "read write"),
        ],
    );
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{echo}/echo")))
        .await
        .unwrap();
    let header = env.body.unwrap()["headers"]["authorization"]
        .as_str()
        .unwrap()
        .to_string();
    let token = header.strip_prefix("Bearer ").unwrap();
    assert_eq!(jwt_claims(token)["scope"], "read write");

    let c = conn(
        "http",
        "oauth2Password",
        &[
            ("tokenUrl", &token_url),
            ("clientId", "cid"),
            ("clientSecret", "cs"),
            ("username", "jane"),
            ("password", "pw"),
            ("authMethod", "client_secret_basic"),
        ],
    );
    let connected = auth.connect(&c).unwrap();
    let tokens = connected.token().await.unwrap().unwrap();
    assert_eq!(jwt_claims(tokens.access_token.expose())["sub"], "jane");
    assert!(tokens.refresh_token.is_some());
    assert!(tokens.expires_at.is_some());

    let c = conn(
        "http",
        "openIdConnect",
        &[
            ("issuer", &mock.issuer()),
            ("clientId", "cid"),
            ("clientSecret", "cs"),
            ("scopes", "openid"),
        ],
    );
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{echo}/echo")))
        .await
        .unwrap();
    assert!(env.ok);
    let header = env.body.unwrap()["headers"]["authorization"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(header.starts_with("Bearer ey"), "{header}");
}

#[tokio::test]
async fn mock_server_authorization_code_with_pkce_and_refresh_rotation() {
    let mock = MockOAuth::start().await;
    let echo = echo_server().await;
    let store = Arc::new(MemoryTokenStore::new());
    let auth = AuthClient::new(store.clone());
    let c = conn(
        "http",
        "oauth2AuthorizationCode",
        &[
            ("authorizeUrl", &format!("{}/authorize", mock.issuer())),
            ("tokenUrl", &format!("{}/token", mock.issuer())),
            ("clientId", "cid"),
            ("clientSecret", "cs"),
            ("scopes", "openid profile"),
        ],
    );
    // Before authorization: a clear error.
    let err = auth
        .send(&c, &RequestParts::get(format!("http://{echo}/echo")))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::NotAuthorized(_)), "{err}");

    let redirect = "http://127.0.0.1:9/oauth2/callback";
    let start = auth.authorization_url(&c, redirect).unwrap();
    let url = reqwest::Url::parse(&start.url).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["state"], start.state);
    assert_eq!(q["redirect_uri"], redirect);

    // The "browser": follow the authorize URL without following the redirect.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = browser.get(&start.url).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let location = reqwest::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let back: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(back["state"], start.state);

    // A wrong state is refused; the right one completes (the mock checks the PKCE verifier).
    let wrong = CallbackParams {
        state: Some("forged".into()),
        code: Some(back["code"].clone()),
        ..Default::default()
    };
    assert!(matches!(
        auth.complete_authorization(&wrong).await,
        Err(AuthError::UnknownState)
    ));
    let params = CallbackParams {
        state: Some(back["state"].clone()),
        code: Some(back["code"].clone()),
        ..Default::default()
    };
    let id = auth.complete_authorization(&params).await.unwrap();
    assert_eq!(id, c.id);
    // A state is single-use.
    assert!(matches!(
        auth.complete_authorization(&params).await,
        Err(AuthError::UnknownState)
    ));

    let env = auth
        .send(&c, &RequestParts::get(format!("http://{echo}/echo")))
        .await
        .unwrap();
    assert!(env.ok);
    let first = store.load(&c.id).await.unwrap().unwrap();
    let rt1 = first.refresh_token.clone().unwrap();

    // Expire it: refresh, and the rotated refresh token is stored.
    let mut t = first.clone();
    t.expires_at = Some(chrono::Utc::now() - chrono::Duration::seconds(5));
    store.save(&c.id, &t).await.unwrap();
    let auth = AuthClient::new(store.clone());
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{echo}/echo")))
        .await
        .unwrap();
    assert!(env.ok);
    let second = store.load(&c.id).await.unwrap().unwrap();
    assert_ne!(second.refresh_token.unwrap(), rt1, "rotated");
    assert_ne!(second.access_token, first.access_token);
}

#[tokio::test]
async fn authorization_code_denied_and_bad_config() {
    let auth = AuthClient::in_memory();
    let c = conn(
        "http",
        "oauth2AuthorizationCode",
        &[
            ("authorizeUrl", "http://127.0.0.1:9/authorize"),
            ("tokenUrl", "http://127.0.0.1:9/token"),
            ("clientId", "cid"),
            ("pkce", "false"),
        ],
    );
    let start = auth
        .authorization_url(&c, "http://127.0.0.1:9/oauth2/callback")
        .unwrap();
    assert!(!start.url.contains("code_challenge"));
    let denied = CallbackParams {
        state: Some(start.state.clone()),
        error: Some("access_denied".into()),
        error_description: Some("user said no".into()),
        ..Default::default()
    };
    let err = auth.complete_authorization(&denied).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "authorization refused: access_denied (user said no)"
    );

    let bad = conn(
        "http",
        "oauth2AuthorizationCode",
        &[("tokenUrl", "http://x/t"), ("clientId", "c")],
    );
    let err = auth
        .authorization_url(&bad, "http://127.0.0.1:9/cb")
        .unwrap_err();
    assert!(err.to_string().contains("`authorizeUrl`"), "{err}");
    let err = auth.authorization_url(&c, "not-a-url").unwrap_err();
    assert!(err.to_string().contains("redirectUri"), "{err}");
}

#[tokio::test]
async fn oidc_discovery_failures_are_clear() {
    let echo = echo_server().await;
    let auth = AuthClient::in_memory();
    // The echo server has no discovery document: the status envelope is the error.
    let c = conn(
        "http",
        "openIdConnect",
        &[
            ("issuer", &format!("http://{echo}/nothing")),
            ("clientId", "cid"),
            ("clientSecret", "cs"),
        ],
    );
    let err = auth
        .send(&c, &RequestParts::get(format!("http://{echo}/echo")))
        .await
        .unwrap_err();
    let env = err.envelope().expect("the discovery call's envelope");
    assert_eq!(env.status, 404);
    assert!(env.url.ends_with("/.well-known/openid-configuration"));
    let port = crate::support::closed_port();
    let c = conn(
        "http",
        "openIdConnect",
        &[
            ("issuer", &format!("http://127.0.0.1:{port}")),
            ("clientId", "cid"),
        ],
    );
    let err = auth
        .send(&c, &RequestParts::get(format!("http://{echo}/echo")))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("OpenID Connect discovery: could not connect"),
        "{err}"
    );
    let err = auth
        .connect(&conn("http", "openIdConnect", &[("clientId", "cid")]))
        .unwrap_err();
    assert!(err.to_string().contains("`issuer`"), "{err}");
}

#[tokio::test]
async fn oidc_discovery_is_cached() {
    let mock = MockOAuth::start().await;
    let echo = echo_server().await;
    let auth = AuthClient::in_memory();
    let c = conn(
        "http",
        "openIdConnect",
        &[
            ("issuer", &mock.issuer()),
            ("clientId", "cid"),
            ("clientSecret", "cs"),
        ],
    );
    let connected = auth.connect(&c).unwrap();
    connected.token().await.unwrap();
    drop(mock); // discovery is not needed again: force a token fetch with the server gone
    let c2 = conn(
        "http",
        "openIdConnect",
        &[
            ("issuer", c.value("issuer").unwrap()),
            ("clientId", "cid"),
            ("clientSecret", "cs"),
        ],
    );
    let err = auth
        .send(&c2, &RequestParts::get(format!("http://{echo}/echo")))
        .await
        .unwrap_err();
    // The failure is the token request (discovery came from the cache), not discovery.
    assert!(err.to_string().contains("token request"), "{err}");
}
