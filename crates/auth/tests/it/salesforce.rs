//! Salesforce client credentials and JWT bearer against the token endpoint stand-in.

use plumb_auth::{AuthClient, RequestParts};
use serde_json::json;

use crate::support::{conn, token_server, TokenState};

#[tokio::test]
async fn client_credentials_uses_instance_url_and_refetches_after_invalid_session() {
    let state = TokenState::new();
    *state.expires_in.lock().unwrap() = None; // Salesforce sends no expires_in
    *state.issue_refresh.lock().unwrap() = false;
    let addr = token_server(state.clone()).await;
    *state.instance_url.lock().unwrap() = Some(format!("http://{addr}"));
    *state.unauthorized_body.lock().unwrap() =
        Some(json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]));
    let auth = AuthClient::in_memory();
    let c = conn(
        "salesforce",
        "clientCredentials",
        &[
            ("externalCustomerId", "acme"),
            ("clientId", "cid"),
            ("clientSecret", "cs"),
            ("tokenUrl", &format!("http://{addr}/services/oauth2/token")),
        ],
    );
    let connected = auth.connect(&c).unwrap();
    let env = connected
        .send(&RequestParts::get("/services/data/v60.0/limits"))
        .await
        .unwrap();
    assert!(env.ok, "{env:?}");
    assert_eq!(env.url, format!("http://{addr}/services/data/v60.0/limits"));
    let form = state.last_form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_id"], "cid");
    assert_eq!(state.count(), 1);
    let t = connected.token().await.unwrap().unwrap();
    assert!(t.expires_at.is_none());

    // Session invalidated: one re-fetch and a retry.
    state.revoke_access();
    let env = connected
        .send(&RequestParts::get("/services/data/v60.0/limits"))
        .await
        .unwrap();
    assert!(env.ok);
    assert_eq!(state.count(), 2);
}

#[tokio::test]
async fn client_credentials_refusal_and_bad_configuration() {
    let state = TokenState::new();
    let addr = token_server(state.clone()).await;
    let auth = AuthClient::in_memory();
    let c = conn(
        "salesforce",
        "clientCredentials",
        &[
            ("externalCustomerId", "acme"),
            ("clientId", "cid"),
            ("clientSecret", "wrong"),
            ("tokenUrl", &format!("http://{addr}/services/oauth2/token")),
        ],
    );
    let err = auth
        .send(&c, &RequestParts::get("/services/data/v60.0/limits"))
        .await
        .unwrap_err();
    assert_eq!(err.envelope().unwrap().status, 401);
    assert!(!err.to_string().contains("wrong"));

    let e = auth
        .connect(&conn(
            "salesforce",
            "clientCredentials",
            &[
                ("externalCustomerId", "a.b/c"),
                ("clientId", "c"),
                ("clientSecret", "s"),
            ],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("`externalCustomerId`"), "{e}");
    let e = auth
        .connect(&conn(
            "salesforce",
            "clientCredentials",
            &[("externalCustomerId", "acme"), ("clientId", "c")],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("`clientSecret`"), "{e}");
    // Without an override the token URL is the My Domain one; the connection validates.
    assert!(auth
        .connect(&conn(
            "salesforce",
            "clientCredentials",
            &[
                ("externalCustomerId", "acme"),
                ("clientId", "c"),
                ("clientSecret", "s")
            ]
        ))
        .is_ok());
}

#[tokio::test]
async fn jwt_bearer_signs_an_rs256_assertion() {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let state = TokenState::new();
    *state.expires_in.lock().unwrap() = None;
    *state.issue_refresh.lock().unwrap() = false;
    *state.jwt_public_pem.lock().unwrap() = Some(key.public_key_pem());
    let addr = token_server(state.clone()).await;
    *state.instance_url.lock().unwrap() = Some(format!("http://{addr}"));
    let auth = AuthClient::in_memory();
    let c = conn(
        "salesforce",
        "jwtBearer",
        &[
            ("clientId", "consumer-key"),
            ("username", "user@example.com"),
            ("privateKey", &key.serialize_pem()),
            ("tokenUrl", &format!("http://{addr}/services/oauth2/token")),
        ],
    );
    let env = auth
        .send(&c, &RequestParts::get("/services/data/v60.0/limits"))
        .await
        .unwrap();
    assert!(env.ok, "{env:?}");
    assert_eq!(
        state.last_form()["grant_type"],
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );

    // A different user: the stand-in refuses the assertion.
    let c = conn(
        "salesforce",
        "jwtBearer",
        &[
            ("clientId", "consumer-key"),
            ("username", "mallory@example.com"),
            ("privateKey", &key.serialize_pem()),
            ("tokenUrl", &format!("http://{addr}/services/oauth2/token")),
        ],
    );
    let err = auth
        .send(&c, &RequestParts::get("/services/data/v60.0/limits"))
        .await
        .unwrap_err();
    assert_eq!(
        err.envelope().unwrap().body.as_ref().unwrap()["error"],
        "invalid_grant"
    );

    let e = auth
        .connect(&conn(
            "salesforce",
            "jwtBearer",
            &[("clientId", "c"), ("username", "u"), ("privateKey", "nope")],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("`privateKey`"), "{e}");
    let ec = rcgen::KeyPair::generate().unwrap().serialize_pem();
    let e = auth
        .connect(&conn(
            "salesforce",
            "jwtBearer",
            &[("clientId", "c"), ("username", "u"), ("privateKey", &ec)],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("RSA"), "{e}");
}

#[tokio::test]
async fn basic_soap_login_gives_session_and_instance() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::{get, post};

    #[derive(Default)]
    struct Sf {
        logins: AtomicUsize,
        valid: Mutex<Option<String>>,
        addr: Mutex<String>,
    }
    let sf = Arc::new(Sf::default());
    let router = axum::Router::new()
        .route(
            "/services/Soap/u/59.0",
            post(|State(s): State<Arc<Sf>>, body: String| async move {
                let n = s.logins.fetch_add(1, Ordering::SeqCst) + 1;
                if body.contains("<n1:username>user@example.com</n1:username>")
                    && body.contains("<n1:password>pw&amp;TOKEN</n1:password>")
                {
                    let session = format!("00D!SESSION{n}");
                    *s.valid.lock().unwrap() = Some(session.clone());
                    let addr = s.addr.lock().unwrap().clone();
                    (StatusCode::OK, format!(
                        "<?xml version=\"1.0\"?><soapenv:Envelope xmlns:soapenv=\"x\"><soapenv:Body><loginResponse><result>\
<serverUrl>http://{addr}/services/Soap/u/59.0/00D</serverUrl><sessionId>{session}</sessionId>\
</result></loginResponse></soapenv:Body></soapenv:Envelope>"))
                } else {
                    (StatusCode::INTERNAL_SERVER_ERROR, "<soapenv:Envelope><soapenv:Body><soapenv:Fault>\
<faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring>\
</soapenv:Fault></soapenv:Body></soapenv:Envelope>".to_string())
                }
            }),
        )
        .route(
            "/services/data/v60.0/limits",
            get(|State(s): State<Arc<Sf>>, h: HeaderMap| async move {
                let got = h.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
                let want = s.valid.lock().unwrap().clone().map(|t| format!("Bearer {t}"));
                if got.is_some() && got == want {
                    (StatusCode::OK, axum::Json(json!({"DailyApiRequests": {}})))
                } else {
                    (StatusCode::UNAUTHORIZED, axum::Json(json!([{"errorCode": "INVALID_SESSION_ID"}])))
                }
            }),
        )
        .with_state(sf.clone());
    let addr = crate::support::serve(router).await;
    *sf.addr.lock().unwrap() = addr.to_string();
    let auth = AuthClient::in_memory();
    let login_url = format!("http://{addr}");
    let c = conn(
        "salesforce",
        "basic",
        &[
            ("loginUrl", &login_url),
            ("username", "user@example.com"),
            ("password", "pw&TOKEN"),
        ],
    );
    let env = auth
        .send(&c, &RequestParts::get("/services/data/v60.0/limits"))
        .await
        .unwrap();
    assert!(env.ok, "{env:?}");
    assert_eq!(env.url, format!("http://{addr}/services/data/v60.0/limits"));
    // The session ends: one new login, one retry.
    *sf.valid.lock().unwrap() = None;
    let env = auth
        .send(&c, &RequestParts::get("/services/data/v60.0/limits"))
        .await
        .unwrap();
    assert!(env.ok);
    assert_eq!(sf.logins.load(Ordering::SeqCst), 2);

    let bad = conn(
        "salesforce",
        "basic",
        &[
            ("loginUrl", &login_url),
            ("username", "user@example.com"),
            ("password", "wrongpw"),
        ],
    );
    let err = auth
        .send(&bad, &RequestParts::get("/services/data/v60.0/limits"))
        .await
        .unwrap_err();
    let env = err.envelope().unwrap();
    assert_eq!(env.status, 500);
    assert_eq!(env.body.as_ref().unwrap()["error"], "sf:INVALID_LOGIN");
    assert!(!format!("{err} {err:?}").contains("wrongpw"));
    let e = auth
        .connect(&conn("salesforce", "basic", &[("username", "u")]))
        .unwrap_err();
    assert!(e.to_string().contains("`password`"), "{e}");
}
