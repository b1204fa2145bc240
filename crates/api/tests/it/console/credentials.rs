//! The staged credential wizard, API tokens, organization-activated connections.

use std::collections::HashMap;

use plumb_store::testing::TestDb;
use serde_json::json;

use super::{hidden_csrf, Answer, Browser};
use crate::Server;

/// A Salesforce token endpoint stand-in: client credentials `cid` / `s3cret` get a token.
async fn token_endpoint() -> String {
    use axum::routing::post;
    async fn token(axum::Form(f): axum::Form<HashMap<String, String>>) -> axum::response::Response {
        use axum::response::IntoResponse;
        let ok = f.get("grant_type").map(String::as_str) == Some("client_credentials")
            && f.get("client_id").map(String::as_str) == Some("cid")
            && f.get("client_secret").map(String::as_str) == Some("s3cret");
        if ok {
            axum::Json(json!({
                "access_token": "00Dtoken",
                "instance_url": "https://acme.my.salesforce.com",
                "token_type": "Bearer"
            }))
            .into_response()
        } else {
            (
                axum::http::StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": "invalid_client", "error_description": "invalid client credentials"})),
            )
                .into_response()
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/services/oauth2/token",
        listener.local_addr().unwrap()
    );
    let router = axum::Router::new().route("/services/oauth2/token", post(token));
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    url
}

#[tokio::test]
async fn the_staged_salesforce_credential_wizard() {
    let token_url = token_endpoint().await;
    // Secrets need the master key.
    let (s, _key) = crate::connections::start(TestDb::sqlite().await.unwrap()).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&s.token).await;
    let settings = b.get("/settings").await;
    assert!(settings.body.contains("No credentials yet."));
    let start = b.get("/settings/credentials/new").await;
    assert_eq!(start.status, 200);
    assert!(start.body.contains("Name the credential"));
    let step = |stage: &str, go: &str, extra: Vec<(&'static str, String)>| {
        let mut f: Vec<(String, String)> = vec![
            ("stage".into(), stage.into()),
            ("go".into(), go.into()),
            ("_csrf".into(), csrf.clone()),
        ];
        for (k, v) in extra {
            f.push((k.into(), v));
        }
        f
    };
    async fn send(b: &mut Browser, f: Vec<(String, String)>) -> Answer {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        b.post("/settings/credentials/new", &pairs).await
    }
    // Stage 1 is validated before moving on.
    let a = send(&mut b, step("0", "next", vec![("name", " ".into())])).await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("must not be empty"));
    assert!(a.body.contains("Name the credential"));
    let a = send(
        &mut b,
        step("0", "next", vec![("name", "Acme Salesforce".into())]),
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(a.body.contains("✓ 1. Name"), "{}", a.body);
    assert!(a.body.contains("Entity type settings"));
    let a = send(
        &mut b,
        step(
            "1",
            "next",
            vec![
                ("name", "Acme Salesforce".into()),
                ("entity", "Bill".into()),
            ],
        ),
    )
    .await;
    assert!(a.body.contains("✓ 2. Entity type"));
    assert!(a.body.contains("Destination settings"));
    let base = vec![
        ("name", "Acme Salesforce".to_string()),
        ("entity", "Bill".to_string()),
        ("destination", "salesforce/clientCredentials".to_string()),
    ];
    let a = send(&mut b, step("2", "next", base.clone())).await;
    assert!(a.body.contains("✓ 3. Destination"));
    for label in ["External Customer Id", "Client Id", "Client Secret"] {
        assert!(a.body.contains(label), "{label}");
    }
    // Back keeps what was chosen.
    let back = send(&mut b, step("3", "back", base.clone())).await;
    assert!(back.body.contains("Destination settings"));
    assert!(back
        .body
        .contains("value=\"salesforce/clientCredentials\" selected"));

    // A wrong secret: the token request fails, nothing is kept, the secret is not shown.
    let mut wrong = base.clone();
    wrong.extend([
        ("in.externalCustomerId", "acme".to_string()),
        ("in.clientId", "cid".to_string()),
        ("in.clientSecret", "not-the-secret".to_string()),
        ("in.tokenUrl", token_url.clone()),
    ]);
    let a = send(&mut b, step("3", "create", wrong)).await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(a.body.contains("its test failed"), "{}", a.body);
    assert!(!a.body.contains("not-the-secret"));
    assert!(b
        .get("/settings")
        .await
        .body
        .contains("No credentials yet."));

    let mut right = base.clone();
    right.extend([
        ("in.externalCustomerId", "acme".to_string()),
        ("in.clientId", "cid".to_string()),
        ("in.clientSecret", "s3cret".to_string()),
        ("in.tokenUrl", token_url.clone()),
    ]);
    let a = send(&mut b, step("3", "create", right)).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.location, "/settings?done=credential");
    let settings = b.get(&a.location).await;
    assert!(settings.body.contains("Credential created and tested."));
    assert!(settings.body.contains("Acme Salesforce"));
    assert!(settings.body.contains("salesforce/clientCredentials"));
    assert!(!settings.body.contains("s3cret"));
    // Listed over GraphQL as an organization credential, usable by the salesforce component.
    let vars = s
        .gql(
            "{ scopedConfigVariables { nodes { id key stableKey variableScope } } }",
            json!({}),
        )
        .await;
    let node = &vars["data"]["scopedConfigVariables"]["nodes"][0];
    assert_eq!(node["key"], "Acme Salesforce", "{vars}");
    assert_eq!(node["stableKey"], "acme-salesforce");
    // The same name again is refused at the Name stage.
    let mut again = base.clone();
    again.extend([
        ("in.externalCustomerId", "acme".to_string()),
        ("in.clientId", "cid".to_string()),
        ("in.clientSecret", "s3cret".to_string()),
    ]);
    let a = send(&mut b, step("3", "create", again)).await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("already exists"));
    // The Test button of the listed credential.
    let id = node["id"].as_str().unwrap();
    let t = b
        .post(
            &format!("/settings/credentials/{id}/test"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(t.status, 303, "{}", t.body);
    assert_eq!(t.location, "/settings?done=test-passed");
}

#[tokio::test]
async fn api_tokens_created_shown_once_and_revoked() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&s.token).await;
    let settings = b.get("/settings").await;
    assert!(settings.body.contains("API tokens"));
    assert!(settings.body.contains("this session"));
    let bad = b
        .post("/settings/tokens", &[("name", "ci"), ("_csrf", &csrf)])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("at least one role is required"));
    let made = b
        .post(
            "/settings/tokens",
            &[
                ("name", "ci <bot>"),
                ("roles", "designer"),
                ("roles", "deployer"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    assert!(made.body.contains("ci &lt;bot&gt;"));
    let marker = "id=\"secret\" readonly value=\"";
    let i = made.body.find(marker).unwrap() + marker.len();
    let secret = made.body[i..i + made.body[i..].find('"').unwrap()].to_string();
    assert!(secret.starts_with("plumb_"));
    // Not shown again.
    assert!(!b.get("/settings").await.body.contains(&secret));
    // It works, with its roles: a designer-deployer sees no token section.
    let mut other = Browser::new(&s.url);
    other.sign_in(&secret).await;
    assert!(!other.get("/settings").await.body.contains("API tokens"));
    // Revoked: its session ends and it signs in no more.
    let tokens = s
        .gql("{ apiTokens { nodes { id name } } }", json!({}))
        .await;
    let id = tokens["data"]["apiTokens"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "ci <bot>")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = b
        .post(
            &format!("/settings/tokens/{id}/revoke"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(b
        .get("/settings?done=revoked")
        .await
        .body
        .contains("revoked"));
    assert_eq!(other.get("/settings").await.location, "/login");
    let login = other.get("/login").await;
    let lcsrf = hidden_csrf(&login.body);
    let again = other
        .post("/login", &[("token", &secret), ("_csrf", &lcsrf)])
        .await;
    assert_eq!(again.status, 401);
}

#[tokio::test]
async fn a_customers_organization_activated_connection_values() {
    let (s, _key) = crate::connections::start(TestDb::sqlite().await.unwrap()).await;
    let (_scoped, customer) = crate::connections::seed_objects(&s).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&s.token).await;
    let page = b.get(&format!("/customers/{customer}")).await;
    assert!(page.body.contains("Connections"), "{}", page.body);
    assert!(page.body.contains("Acme API Key"));
    assert!(page.body.contains("(shared by every customer)"));
    assert!(page.body.contains("X-Acme-Key"));
    // A required per-customer input left out is refused, naming it.
    let marker = "action=\"/customers/";
    let i = page
        .body
        .find(&format!("{marker}{customer}/connections/"))
        .unwrap()
        + 1;
    let action = page.body[i + "action=\"".len() - 1..]
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let missing = b.post(&action, &[("_csrf", &csrf)]).await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert!(missing.body.contains("inputs.apiKey"), "{}", missing.body);
    let ok = b
        .post(&action, &[("in.apiKey", "sekrit-123"), ("_csrf", &csrf)])
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = b.get(&format!("/customers/{customer}")).await;
    assert!(page.body.contains("Acme API Key ✓"));
    assert!(page.body.contains("set — leave blank to keep"));
    assert!(!page.body.contains("sekrit-123"));
    // A blank secret keeps it.
    let again = b
        .post(&action, &[("in.apiKey", ""), ("_csrf", &csrf)])
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
}

#[tokio::test]
async fn defining_an_organization_activated_connection() {
    let (s, _key) = crate::connections::start(TestDb::sqlite().await.unwrap()).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&s.token).await;
    assert!(b
        .get("/settings")
        .await
        .body
        .contains("No organization-activated connections."));
    let form = b
        .get("/settings/connections/new?connection=http/apiKey")
        .await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Scope of"));
    // A blank key is refused at its field; nothing is created.
    let bad = b
        .post(
            "/settings/connections",
            &[
                ("connection", "http/apiKey"),
                ("key", " "),
                ("stableKey", "acme-api-key"),
                ("managedBy", "org"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("key: must not be empty"), "{}", bad.body);
    let ok = b
        .post(
            "/settings/connections",
            &[
                ("connection", "http/apiKey"),
                ("key", "Acme API Key"),
                ("stableKey", "acme-api-key"),
                ("managedBy", "org"),
                ("scope.name", "global"),
                ("value.name", "X-Acme-Key"),
                ("scope.location", "global"),
                ("value.location", "header"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let settings = b.get("/settings").await;
    assert!(settings.body.contains("acme-api-key"));
    let vars = s
        .gql(
            "{ scopedConfigVariables { nodes { stableKey variableScope inputs { name inputScope isSet value } } } }",
            json!({}),
        )
        .await;
    let node = &vars["data"]["scopedConfigVariables"]["nodes"][0];
    assert_eq!(node["variableScope"], "customer", "{vars}");
    let name = node["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "name")
        .unwrap();
    assert_eq!(name["inputScope"], "global");
    assert_eq!(name["value"], "X-Acme-Key");

    // Its test credentials, for the designer's test runs.
    let end = settings.body.find("/test-values\"").unwrap() + "/test-values".len();
    let start = settings.body[..end].rfind('"').unwrap() + 1;
    let link = settings.body[start..end].to_string();
    assert!(link.ends_with("/test-values"), "{link}");
    let form = b.get(&link).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        form.body.contains("X-Acme-Key"),
        "the global value is shown"
    );
    let saved = b
        .post(&link, &[("in.apiKey", "test-key-123"), ("_csrf", &csrf)])
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let form = b.get(&link).await;
    assert!(form.body.contains("Test credentials are set."));
    assert!(form.body.contains("set — leave blank to keep"));
    assert!(!form.body.contains("test-key-123"));
}
