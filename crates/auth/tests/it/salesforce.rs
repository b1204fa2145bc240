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
