//! Integrations of a model in the console: created from the model's page with the form fields,
//! configured in the Advanced View (the API key never shown back, kept when left out), a task
//! called with its envelope shown, a bad configuration refused with its pointer, a viewer
//! without the forms, clone and delete.

use axum::http::HeaderMap;
use axum::routing::get;
use plumb_store::testing::TestDb;
use plumb_store::tokens::Role;
use serde_json::json;

use super::Browser;

const SECURED: &str = include_str!("../../../../models/tests/data/openapi/secured-3.0.yaml");
const KEY: &str = "console-key-4f1a9e-secret";

async fn stand_in() -> u16 {
    let router = axum::Router::new().route(
        "/v1/whoami",
        get(|headers: HeaderMap| async move {
            let ok = headers.get("x-api-key").and_then(|v| v.to_str().ok()) == Some(KEY);
            axum::Json(json!({"apiKeyOk": ok}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    port
}

#[tokio::test]
async fn model_integrations_in_the_console() {
    let (s, _key) = crate::connections::start(TestDb::sqlite().await.unwrap()).await;
    let port = stand_in().await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&s.token).await;
    let a = b
        .post("/models", &[("document", SECURED), ("_csrf", &csrf)])
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let model_path = a.location.split('?').next().unwrap().to_string();
    let page = b.get(&model_path).await;
    assert!(
        page.body.contains("No integration of this model yet."),
        "{}",
        page.body
    );

    // A bad port: refused with its pointer, nothing created.
    let port_text = port.to_string();
    let bad = b
        .post(
            &format!("{model_path}/integrations"),
            &[
                ("name", "secured"),
                ("host", "127.0.0.1"),
                ("port", "70000"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("/server/port"), "{}", bad.body);
    let created = b
        .post(
            &format!("{model_path}/integrations"),
            &[
                ("name", "secured"),
                ("host", "127.0.0.1"),
                ("port", &port_text),
                ("base_path", "/v1"),
                ("log_level", "debug"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let path = created.location.split('?').next().unwrap().to_string();
    let page = b.get(&path).await;
    assert!(
        page.body
            .contains("secured:admin, secured:GET, secured:DELETE"),
        "{}",
        page.body
    );

    // Without authentication the task is not sent: the page says why.
    let called = b
        .post(
            &format!("{path}/call"),
            &[("task", "whoami"), ("inputs", ""), ("_csrf", &csrf)],
        )
        .await;
    assert!(called.body.contains("No call was made"), "{}", called.body);
    assert!(called.body.contains("apiKeyAuth"), "{}", called.body);

    // The Advanced View sets the API key; the page never shows it again.
    let advanced = json!({
        "server": {"host": "127.0.0.1", "port": port, "basePath": "/v1"},
        "authentication": {"apiKeyAuth": {"value": KEY}},
        "logLevel": "debug"
    })
    .to_string();
    let saved = b
        .post(
            &path,
            &[
                ("name", "secured"),
                ("advanced", &advanced),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = b.get(&path).await;
    assert!(!page.body.contains(KEY), "the API key is shown");
    assert!(
        page.body.contains("/authentication/apiKeyAuth/value"),
        "{}",
        page.body
    );
    let called = b
        .post(
            &format!("{path}/call"),
            &[("task", "whoami"), ("inputs", "{}"), ("_csrf", &csrf)],
        )
        .await;
    assert!(called.body.contains("→ 200 OK"), "{}", called.body);
    assert!(
        called.body.contains("apiKeyOk&quot;: true"),
        "{}",
        called.body
    );
    assert!(!called.body.contains(KEY));

    // The simple fields keep the secret (left out of the form).
    let fields = b
        .post(
            &path,
            &[
                ("name", "secured"),
                ("host", "127.0.0.1"),
                ("port", &port_text),
                ("base_path", "/v1"),
                ("timeout", "5000"),
                ("log_level", "warn"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(fields.status, 303, "{}", fields.body);
    let called = b
        .post(
            &format!("{path}/call"),
            &[("task", "whoami"), ("inputs", "{}"), ("_csrf", &csrf)],
        )
        .await;
    assert!(
        called.body.contains("apiKeyOk&quot;: true"),
        "{}",
        called.body
    );
    // Invalid inputs: the string error.
    let called = b
        .post(
            &format!("{path}/call"),
            &[("task", "deleteThing"), ("inputs", "{}"), ("_csrf", &csrf)],
        )
        .await;
    assert!(
        called.body.contains("input `id` is required"),
        "{}",
        called.body
    );

    // A viewer sees the integration without the forms, and its POSTs are refused.
    let viewer = s.token(&[Role::Viewer], None).await;
    let mut v = Browser::new(&s.url);
    let vcsrf = v.sign_in(&viewer).await;
    let page = v.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("Save configuration"));
    assert!(!page.body.contains("Delete integration"));
    let refused = v
        .post(&format!("{path}/delete"), &[("_csrf", &vcsrf)])
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    // Clone, then delete both.
    let cloned = b
        .post(
            &format!("{path}/clone"),
            &[("name", "secured-copy"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(cloned.status, 303, "{}", cloned.body);
    let copy = cloned.location.split('?').next().unwrap().to_string();
    assert!(b
        .get(&copy)
        .await
        .body
        .contains("/authentication/apiKeyAuth/value"));
    for p in [&copy, &path] {
        let gone = b.post(&format!("{p}/delete"), &[("_csrf", &csrf)]).await;
        assert_eq!(gone.status, 303, "{}", gone.body);
    }
    assert!(b
        .get(&model_path)
        .await
        .body
        .contains("No integration of this model yet."));
}
