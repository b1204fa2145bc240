//! Integrations of a model through GraphQL, against real servers on 127.0.0.1:
//! - the Prism mock server (`@stoplight/prism-cli`), which validates every request against the
//!   document: path, query (array), header, JSON, form and multipart bodies, a non-JSON answer;
//! - a local stand-in showing what was sent: the API key, a cookie, an OAuth 2.0
//!   client-credentials token, a failed token request (its own envelope), a failure status;
//! - invalid inputs refused before sending; secrets write-only and in no answer; roles per verb;
//!   the model's action in a flow; the log level changed at run time and syslog lines received
//!   over UDP and TCP; a model with integrations cannot be deleted.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use plumb_store::tokens::Role;
use serde_json::{json, Value};

use crate::connections::all;
use crate::Server;

const KINDS: &str = include_str!("../../../models/tests/data/openapi/kinds-3.0.yaml");
const SECURED: &str = include_str!("../../../models/tests/data/openapi/secured-3.0.yaml");

const API_KEY: &str = "key-5e1b9c7d-secret";
const CLIENT_SECRET: &str = "csecret-8d2f4a61-secret";
const ACCESS_TOKEN: &str = "tok-3c9e1f-access";

const IMPORT: &str = "mutation($input: ImportIntegrationModelInput!) {
  importIntegrationModel(input: $input) { integrationModel { id name } errors { field messages } } }";
const FIELDS: &str =
    "id name modelName configuration secretsSet roles logLevel syslogLevel model { id name }";
const CALL: &str = "mutation($input: CallIntegrationTaskInput!) {
  callIntegrationTask(input: $input) { ok response error errors { field messages } } }";

fn mutation(name: &str, input: &str) -> String {
    format!(
        "mutation($input: {input}!) {{ {name}(input: $input) {{ modelIntegration {{ {FIELDS} }} errors {{ field messages }} }} }}"
    )
}

/// The Prism mock server on a document, killed on drop.
struct Prism {
    child: Child,
    port: u16,
}

impl Prism {
    async fn start(document: &str) -> Prism {
        let cli = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../testsupport/node_modules/@stoplight/prism-cli/dist/index.js");
        assert!(
            cli.exists(),
            "@stoplight/prism-cli is not installed at {}: run scripts/test (npm ci in testsupport/)",
            cli.display()
        );
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new("node")
            .arg(&cli)
            .args(["mock", document, "-h", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let prism = Prism { child, port };
        for _ in 0..600 {
            if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/page")).await {
                if r.status().is_success() {
                    return prism;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the Prism mock server did not start");
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The stand-in of the `Secured` document: answers what it was sent, counts requests.
struct StandIn {
    port: u16,
    hits: Arc<AtomicUsize>,
    token_hits: Arc<AtomicUsize>,
}

async fn stand_in() -> StandIn {
    let hits = Arc::new(AtomicUsize::new(0));
    let token_hits = Arc::new(AtomicUsize::new(0));
    let (h1, h2, h3, h4) = (hits.clone(), hits.clone(), hits.clone(), hits.clone());
    let th = token_hits.clone();
    let router = axum::Router::new()
        .route(
            "/v1/whoami",
            get(move |headers: HeaderMap| async move {
                h1.fetch_add(1, Ordering::SeqCst);
                let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
                axum::Json(json!({
                    "apiKeyOk": h("x-api-key").as_deref() == Some(API_KEY),
                    "cookie": h("cookie"),
                }))
            }),
        )
        .route(
            "/v1/missing",
            get(move || async move {
                h2.fetch_add(1, Ordering::SeqCst);
                (
                    StatusCode::NOT_FOUND,
                    [("content-type", "text/html")],
                    "<html><body>not here</body></html>",
                )
                    .into_response()
            }),
        )
        .route(
            "/v1/code/whoami",
            get(|headers: HeaderMap| async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                axum::Json(json!({"bearerOk": auth == format!("Bearer {ACCESS_TOKEN}")}))
            }),
        )
        .route(
            "/v1/oauth/whoami",
            get(move |headers: HeaderMap| async move {
                h3.fetch_add(1, Ordering::SeqCst);
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                axum::Json(json!({"bearerOk": auth == format!("Bearer {ACCESS_TOKEN}")}))
            }),
        )
        .route(
            "/v1/things/{id}",
            delete(move || async move {
                h4.fetch_add(1, Ordering::SeqCst);
                StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/token",
            post(move |body: String| async move {
                th.fetch_add(1, Ordering::SeqCst);
                let form: Vec<(String, String)> = url_pairs(&body);
                let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                let refresh = get("grant_type").as_deref() == Some("refresh_token")
                    && get("refresh_token").as_deref() == Some("rt-1");
                if get("client_secret").as_deref() == Some(CLIENT_SECRET)
                    && (get("grant_type").as_deref() == Some("client_credentials") || refresh)
                {
                    axum::Json(json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600}))
                        .into_response()
                } else {
                    (
                        StatusCode::UNAUTHORIZED,
                        axum::Json(json!({"error": "invalid_client", "error_description": "bad client"})),
                    )
                        .into_response()
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    StandIn {
        port,
        hits,
        token_hits,
    }
}

fn url_pairs(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            let dec = |s: &str| {
                let s = s.replace('+', " ");
                let bytes = s.as_bytes();
                let mut out = Vec::new();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'%' && i + 2 < bytes.len() {
                        if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                            out.push(b);
                            i += 3;
                            continue;
                        }
                    }
                    out.push(bytes[i]);
                    i += 1;
                }
                String::from_utf8_lossy(&out).into_owned()
            };
            (dec(k), dec(v))
        })
        .collect()
}

async fn import(s: &Server, doc: &str) -> String {
    let r = s.gql(IMPORT, json!({"input": {"document": doc}})).await;
    let p = &r["data"]["importIntegrationModel"];
    assert_eq!(p["errors"], json!([]), "{r}");
    p["integrationModel"]["id"].as_str().unwrap().to_string()
}

async fn create(s: &Server, model: &str, name: &str, config: Value) -> Value {
    s.gql(
        &mutation("createModelIntegration", "CreateModelIntegrationInput"),
        json!({"input": {"model": model, "name": name, "configuration": config.to_string()}}),
    )
    .await
}

async fn call(s: &Server, token: &str, integration: &str, task: &str, inputs: Value) -> Value {
    let r = s
        .gql_as(
            token,
            CALL,
            json!({"input": {"integration": integration, "task": task, "inputs": inputs.to_string()}}),
        )
        .await;
    assert!(
        !r.to_string().contains(API_KEY),
        "a secret in an answer: {r}"
    );
    assert!(
        !r.to_string().contains(CLIENT_SECRET),
        "a secret in an answer: {r}"
    );
    r
}

#[tokio::test]
async fn prism_mock_every_kind_of_input() {
    let doc = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../models/tests/data/openapi/kinds-3.0.yaml");
    let prism = Prism::start(doc.to_str().unwrap()).await;
    for (s, _key) in all().await {
        let model = import(&s, KINDS).await;
        let r = create(
            &s,
            &model,
            "kinds-mock",
            json!({"server": {"host": "127.0.0.1", "port": prism.port}, "timeout": 10000}),
        )
        .await;
        let mi = &r["data"]["createModelIntegration"]["modelIntegration"];
        assert_eq!(mi["name"], "kinds-mock", "{r}");
        assert_eq!(mi["model"]["name"], "Kinds:1.0.0");
        assert_eq!(
            mi["roles"],
            json!(["kinds-mock:admin", "kinds-mock:GET", "kinds-mock:POST"])
        );
        let t = s.token.clone();

        // Path (integer), query (boolean, array), header: Prism answers 200 only when all are right.
        let r = call(
            &s,
            &t,
            "kinds-mock",
            "getItem",
            json!({"itemId": "7", "verbose": true, "tags": ["a", "b"], "X-Trace": "t-1"}),
        )
        .await;
        let p = &r["data"]["callIntegrationTask"];
        assert_eq!(p["ok"], true, "{r}");
        let env = &p["response"];
        assert_eq!(env["method"], "GET");
        assert_eq!(env["status"], 200);
        assert_eq!(env["statusText"], "OK");
        assert_eq!(env["body"], json!({"id": 7, "name": "Lotus"}));
        assert!(
            env["url"]
                .as_str()
                .unwrap()
                .ends_with("/items/7?verbose=true&tags=a&tags=b"),
            "{env}"
        );
        assert_eq!(env["headers"]["content-type"], "application/json");

        // A JSON body.
        let r = call(
            &s,
            &t,
            "kinds-mock",
            "createItem",
            json!({"body": {"name": "Rose"}}),
        )
        .await;
        let env = &r["data"]["callIntegrationTask"]["response"];
        assert_eq!(env["status"], 201, "{r}");
        assert_eq!(env["body"]["name"], "Rose");

        // A form body and a multipart body with a file.
        let r = call(
            &s,
            &t,
            "kinds-mock",
            "submitForm",
            json!({"body": {"name": "n", "count": 2}}),
        )
        .await;
        assert_eq!(
            r["data"]["callIntegrationTask"]["response"]["body"],
            json!({"accepted": true}),
            "{r}"
        );
        let r = call(
            &s,
            &t,
            "kinds-mock",
            "upload",
            json!({"body": {"file": {"filename": "a.txt", "contentType": "text/plain", "text": "hello"}, "note": "n"}}),
        )
        .await;
        assert_eq!(
            r["data"]["callIntegrationTask"]["response"]["body"],
            json!({"stored": true}),
            "{r}"
        );

        // A non-JSON answer fills text and parseError.
        let r = call(&s, &t, "kinds-mock", "getPage", json!({})).await;
        let env = &r["data"]["callIntegrationTask"]["response"];
        assert_eq!(env["ok"], true, "{r}");
        assert_eq!(env["text"], "<html><body>hello</body></html>");
        assert!(env["parseError"]["message"].is_string(), "{env}");
        assert!(env.get("body").is_none() || env["body"].is_null());

        // Invalid inputs: the string error, nothing sent.
        let r = call(
            &s,
            &t,
            "kinds-mock",
            "getItem",
            json!({"itemId": "0", "verbose": "maybe"}),
        )
        .await;
        let p = &r["data"]["callIntegrationTask"];
        assert_eq!(p["ok"], false);
        assert!(p["response"].is_null());
        let e = p["error"].as_str().unwrap();
        assert!(e.contains("itemId"), "{e}");
        assert!(e.contains("verbose"), "{e}");
        assert!(e.contains("input `X-Trace` is required"), "{e}");
        let r = call(
            &s,
            &t,
            "kinds-mock",
            "createItem",
            json!({"body": {"name": ""}, "nope": 1}),
        )
        .await;
        let e = r["data"]["callIntegrationTask"]["error"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(e.contains("unknown input `nope`"), "{e}");
        assert!(e.contains("input `body`"), "{e}");
        let r = call(&s, &t, "kinds-mock", "noSuchTask", json!({})).await;
        assert_eq!(
            r["data"]["callIntegrationTask"]["errors"][0]["field"], "task",
            "{r}"
        );

        // The model cannot be deleted while an integration of it exists.
        let del = s
            .gql(
                "mutation($input: DeleteIntegrationModelInput!) { deleteIntegrationModel(input: $input) { errors { field messages } } }",
                json!({"input": {"id": model}}),
            )
            .await;
        assert!(
            del["data"]["deleteIntegrationModel"]["errors"][0]["messages"][0]
                .as_str()
                .unwrap()
                .contains("delete them first"),
            "{del}"
        );
    }
}

fn secured_config(port: u16, client_secret: &str) -> Value {
    json!({
        "server": {"host": "127.0.0.1", "port": port, "basePath": "/v1"},
        "authentication": {
            "apiKeyAuth": {"value": API_KEY},
            "oauth": {"clientId": "cid", "clientSecret": client_secret,
                      "tokenUrl": format!("http://127.0.0.1:{port}/token")}
        },
        "timeout": 5000
    })
}

#[tokio::test]
async fn credentials_secrets_roles_and_failures() {
    for (s, _key) in all().await {
        let stand = stand_in().await;
        let model = import(&s, SECURED).await;
        // Every problem of a bad configuration, nothing stored.
        let bad = create(
            &s,
            &model,
            "secured",
            json!({"server": {"port": 70000}, "authentication": {"nope": {}}, "logLevel": "loud"}),
        )
        .await;
        let errors = bad["data"]["createModelIntegration"]["errors"].to_string();
        for needle in ["/server/port", "host", "nope", "/logLevel"] {
            assert!(errors.contains(needle), "{needle} missing in {errors}");
        }
        let listed = s
            .gql("{ modelIntegrations { totalCount } }", json!({}))
            .await;
        assert_eq!(listed["data"]["modelIntegrations"]["totalCount"], 0);

        let r = create(
            &s,
            &model,
            "secured",
            secured_config(stand.port, CLIENT_SECRET),
        )
        .await;
        let mi = &r["data"]["createModelIntegration"]["modelIntegration"];
        assert_eq!(mi["name"], "secured", "{r}");
        assert_eq!(
            mi["roles"],
            json!(["secured:admin", "secured:GET", "secured:DELETE"])
        );
        assert_eq!(
            mi["secretsSet"],
            json!([
                "/authentication/apiKeyAuth/value",
                "/authentication/oauth/clientSecret"
            ])
        );
        assert!(mi["configuration"]["authentication"]["apiKeyAuth"]
            .get("value")
            .is_none());
        assert!(!r.to_string().contains(API_KEY) && !r.to_string().contains(CLIENT_SECRET));
        let id = mi["id"].as_str().unwrap().to_string();
        let t = s.token.clone();

        // The API key and a cookie, as sent.
        let r = call(&s, &t, &id, "whoami", json!({"session": "s1"})).await;
        let env = &r["data"]["callIntegrationTask"]["response"];
        assert_eq!(
            env["body"],
            json!({"apiKeyOk": true, "cookie": "session=s1"}),
            "{r}"
        );
        // An OAuth 2.0 client-credentials token (fetched once, reused).
        for _ in 0..2 {
            let r = call(&s, &t, "secured", "oauthWhoami", json!({})).await;
            assert_eq!(
                r["data"]["callIntegrationTask"]["response"]["body"],
                json!({"bearerOk": true}),
                "{r}"
            );
        }
        assert_eq!(stand.token_hits.load(Ordering::SeqCst), 1);
        // A failure status is the envelope, not ok.
        let r = call(&s, &t, "secured", "missing", json!({})).await;
        let p = &r["data"]["callIntegrationTask"];
        assert_eq!(p["ok"], false);
        assert_eq!(p["response"]["status"], 404);
        assert_eq!(p["response"]["statusText"], "Not Found");
        assert!(p["response"]["text"].as_str().unwrap().contains("not here"));

        // An update without the secrets keeps them; a wrong client secret makes the token
        // request fail: its own envelope (a POST to the token URL), and the call is not made.
        let mut no_secrets = secured_config(stand.port, CLIENT_SECRET);
        no_secrets["authentication"]["apiKeyAuth"] = json!({});
        no_secrets["authentication"]["oauth"]
            .as_object_mut()
            .unwrap()
            .remove("clientSecret");
        let u = s
            .gql(
                &mutation("updateModelIntegration", "UpdateModelIntegrationInput"),
                json!({"input": {"id": id, "configuration": no_secrets.to_string()}}),
            )
            .await;
        assert_eq!(
            u["data"]["updateModelIntegration"]["errors"],
            json!([]),
            "{u}"
        );
        let r = call(&s, &t, "secured", "whoami", json!({})).await;
        assert_eq!(
            r["data"]["callIntegrationTask"]["response"]["body"]["apiKeyOk"], true,
            "{r}"
        );
        let u = s
            .gql(
                &mutation("updateModelIntegration", "UpdateModelIntegrationInput"),
                json!({"input": {"id": id, "configuration": secured_config(stand.port, "wrong").to_string()}}),
            )
            .await;
        assert_eq!(
            u["data"]["updateModelIntegration"]["errors"],
            json!([]),
            "{u}"
        );
        let before = stand.hits.load(Ordering::SeqCst);
        let r = call(&s, &t, "secured", "oauthWhoami", json!({})).await;
        let p = &r["data"]["callIntegrationTask"];
        assert_eq!(p["ok"], false, "{r}");
        assert_eq!(p["response"]["method"], "POST");
        assert!(
            p["response"]["url"].as_str().unwrap().ends_with("/token"),
            "{r}"
        );
        assert_eq!(p["response"]["status"], 401);
        assert_eq!(
            stand.hits.load(Ordering::SeqCst),
            before,
            "the call was made"
        );

        // Roles: a token without a grant may not call; GET granted allows GET only; admin all.
        let plain = s.token(&[Role::Deployer], None).await;
        let refused = call(&s, &plain, "secured", "whoami", json!({})).await;
        assert_eq!(crate::error_code(&refused), "FORBIDDEN", "{refused}");
        let tokens = s
            .gql("{ apiTokens { nodes { id roles } } }", json!({}))
            .await;
        let token_id = tokens["data"]["apiTokens"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["roles"] == json!(["deployer"]))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let grant = |role: &str| json!({"input": {"token": token_id, "role": role}});
        let g = s
            .gql(
                &mutation("grantModelIntegrationRole", "ModelIntegrationRoleInput"),
                grant("secured:GET"),
            )
            .await;
        assert_eq!(
            g["data"]["grantModelIntegrationRole"]["errors"],
            json!([]),
            "{g}"
        );
        let bad_role = s
            .gql(
                &mutation("grantModelIntegrationRole", "ModelIntegrationRoleInput"),
                grant("secured:PATCH"),
            )
            .await;
        assert_eq!(
            bad_role["data"]["grantModelIntegrationRole"]["errors"][0]["field"],
            "role"
        );
        let by_deployer = s
            .gql_as(
                &plain,
                &mutation("grantModelIntegrationRole", "ModelIntegrationRoleInput"),
                grant("secured:admin"),
            )
            .await;
        assert_eq!(crate::error_code(&by_deployer), "FORBIDDEN");
        let ok = call(&s, &plain, "secured", "whoami", json!({})).await;
        assert_eq!(ok["data"]["callIntegrationTask"]["ok"], true, "{ok}");
        let no_delete = call(&s, &plain, "secured", "deleteThing", json!({"id": "x"})).await;
        assert_eq!(crate::error_code(&no_delete), "FORBIDDEN");
        s.gql(
            &mutation("grantModelIntegrationRole", "ModelIntegrationRoleInput"),
            grant("secured:admin"),
        )
        .await;
        let gone = call(&s, &plain, "secured", "deleteThing", json!({"id": "x"})).await;
        assert_eq!(
            gone["data"]["callIntegrationTask"]["response"]["status"], 204,
            "{gone}"
        );
        s.gql(
            &mutation("revokeModelIntegrationRole", "ModelIntegrationRoleInput"),
            grant("secured:admin"),
        )
        .await;
        let again = call(&s, &plain, "secured", "deleteThing", json!({"id": "x"})).await;
        assert_eq!(crate::error_code(&again), "FORBIDDEN");

        // Clone copies the secrets; delete removes.
        let c = s
            .gql(
                &mutation("cloneModelIntegration", "CloneModelIntegrationInput"),
                json!({"input": {"id": id, "name": "secured-copy"}}),
            )
            .await;
        let copy = &c["data"]["cloneModelIntegration"]["modelIntegration"];
        assert_eq!(copy["secretsSet"].as_array().unwrap().len(), 2, "{c}");
        let r = call(&s, &t, "secured-copy", "whoami", json!({})).await;
        assert_eq!(
            r["data"]["callIntegrationTask"]["response"]["body"]["apiKeyOk"], true,
            "{r}"
        );
        let d = s
            .gql(
                &mutation("deleteModelIntegration", "DeleteModelIntegrationInput"),
                json!({"input": {"id": copy["id"]}}),
            )
            .await;
        assert_eq!(
            d["data"]["deleteModelIntegration"]["errors"],
            json!([]),
            "{d}"
        );

        // The authorization-code grant with a refresh token obtained by authorizing.
        let mut code = secured_config(stand.port, CLIENT_SECRET);
        code["authentication"]["code"] = json!({"clientId": "cid", "clientSecret": CLIENT_SECRET,
            "tokenUrl": format!("http://127.0.0.1:{}/token", stand.port), "refresh_token": "rt-1"});
        let r = create(&s, &model, "secured-code", code.clone()).await;
        assert!(
            r["data"]["createModelIntegration"]["modelIntegration"]["secretsSet"]
                .to_string()
                .contains("/authentication/code/refresh_token"),
            "{r}"
        );
        let r = call(&s, &t, "secured-code", "codeWhoami", json!({})).await;
        assert_eq!(
            r["data"]["callIntegrationTask"]["response"]["body"],
            json!({"bearerOk": true}),
            "{r}"
        );
        assert!(!r.to_string().contains("rt-1"));
        code["authentication"]["code"]
            .as_object_mut()
            .unwrap()
            .remove("refresh_token");
        let refused = create(&s, &model, "secured-code-2", code).await;
        assert!(
            refused["data"]["createModelIntegration"]["errors"]
                .to_string()
                .contains("/authentication/code/refresh_token"),
            "{refused}"
        );

        // Another organization sees none of it.
        let other = s.db.store.create_org("Other").await.unwrap();
        let (_, other_token) =
            s.db.store
                .create_token(other.id, "admin", &[Role::Admin], None)
                .await
                .unwrap();
        let theirs = s
            .gql_as(
                &other_token,
                "{ modelIntegrations { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(theirs["data"]["modelIntegrations"]["totalCount"], 0);
        let cross = call(&s, &other_token, &id, "whoami", json!({})).await;
        assert_eq!(crate::error_code(&cross), "NOT_FOUND", "{cross}");
    }
}

fn flow_definition() -> String {
    "name: Uses Secured\ndefinitionVersion: 7\nflows:\n  - name: F\n    steps:\n      - name: Trigger\n        isTrigger: true\n        action: {key: webhook, component: {key: webhook-triggers}}\n      - name: Who\n        action: {key: whoami, component: {key: 'Secured:2.0.0'}}\n        inputs:\n          integration: {type: value, value: secured}\n          session: {type: value, value: from-flow}\n".to_string()
}

async fn receive_udp(socket: &tokio::net::UdpSocket) -> Option<String> {
    let mut buf = vec![0u8; 8192];
    match tokio::time::timeout(Duration::from_millis(1500), socket.recv(&mut buf)).await {
        Ok(Ok(n)) => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
        _ => None,
    }
}

#[tokio::test]
async fn flow_steps_log_levels_and_syslog() {
    for (s, _key) in all().await {
        let stand = stand_in().await;
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let udp_port = udp.local_addr().unwrap().port();
        let model = import(&s, SECURED).await;
        let mut config = secured_config(stand.port, CLIENT_SECRET);
        config["logLevel"] = json!("info");
        config["syslog"] =
            json!({"host": "127.0.0.1", "port": udp_port, "protocol": "udp", "facility": "local3"});
        let r = create(&s, &model, "secured", config).await;
        let id = r["data"]["createModelIntegration"]["modelIntegration"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{r}"))
            .to_string();

        // A flow step calls the model's action through the integration.
        let imported = s
            .gql(
                "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
                   integration { id } errors { field messages } } }",
                json!({"input": {"definition": flow_definition()}}),
            )
            .await;
        assert_eq!(
            imported["data"]["importIntegration"]["errors"],
            json!([]),
            "{imported}"
        );
        let iid = imported["data"]["importIntegration"]["integration"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let run = s
            .gql(
                "mutation($input: TestIntegrationFlowInput!) { testIntegrationFlow(input: $input) {
                   testIntegrationFlowResult { execution { id } } errors { field messages } } }",
                json!({"input": {"id": iid}}),
            )
            .await;
        let exec = run["data"]["testIntegrationFlow"]["testIntegrationFlowResult"]["execution"]
            ["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{run}"))
            .to_string();
        let detail = s
            .gql(
                "query($id: ID!) { executionResult(id: $id) { status error
                   stepResults { nodes { stepName results } } logs { nodes { severity message } } } }",
                json!({"id": exec}),
            )
            .await;
        let result = &detail["data"]["executionResult"];
        assert_eq!(result["status"], "SUCCESS", "{detail}");
        let who = result["stepResults"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["stepName"] == "Who")
            .unwrap()
            .clone();
        assert_eq!(
            who["results"]["body"],
            json!({"apiKeyOk": true, "cookie": "session=from-flow"}),
            "{detail}"
        );
        assert!(
            detail.to_string().contains("secured: whoami: GET"),
            "{detail}"
        );
        assert!(!detail.to_string().contains(API_KEY));

        // Syslog: an RFC 5424 line per call at info (facility local3 = 19: <19*8+6> = <158>).
        let line = receive_udp(&udp)
            .await
            .expect("a syslog line for the flow's call");
        assert!(line.starts_with("<158>1 "), "{line}");
        assert!(line.contains("integration=\"secured\""), "{line}");
        assert!(line.contains("whoami: GET"), "{line}");
        assert!(!line.contains(API_KEY));

        // The log level changes at once: at error, a successful call writes nothing.
        let set = s
            .gql(
                &mutation(
                    "setModelIntegrationLogLevel",
                    "SetModelIntegrationLogLevelInput",
                ),
                json!({"input": {"id": id, "logLevel": "error", "syslogLevel": "error"}}),
            )
            .await;
        let mi = &set["data"]["setModelIntegrationLogLevel"]["modelIntegration"];
        assert_eq!(mi["logLevel"], "error", "{set}");
        assert_eq!(mi["syslogLevel"], "error");
        let r = call(&s, &s.token, "secured", "whoami", json!({})).await;
        assert_eq!(r["data"]["callIntegrationTask"]["ok"], true);
        assert!(
            receive_udp(&udp).await.is_none(),
            "an info line at level error"
        );
        // ... and a failure writes an error line (the token request fails here).
        let mut wrong = secured_config(stand.port, "wrong");
        wrong["logLevel"] = json!("error");
        wrong["syslog"] =
            json!({"host": "127.0.0.1", "port": udp_port, "facility": "local3", "level": "error"});
        s.gql(
            &mutation("updateModelIntegration", "UpdateModelIntegrationInput"),
            json!({"input": {"id": id, "configuration": wrong.to_string()}}),
        )
        .await;
        call(&s, &s.token, "secured", "oauthWhoami", json!({})).await;
        let line = receive_udp(&udp).await.expect("an error line");
        assert!(line.starts_with("<155>1 "), "{line}");
        let bad_level = s
            .gql(
                &mutation(
                    "setModelIntegrationLogLevel",
                    "SetModelIntegrationLogLevelInput",
                ),
                json!({"input": {"id": id, "logLevel": "loud"}}),
            )
            .await;
        assert_eq!(
            bad_level["data"]["setModelIntegrationLogLevel"]["errors"][0]["field"],
            "logLevel"
        );

        // Syslog over TCP: octet-counted frames.
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tcp_port = tcp.local_addr().unwrap().port();
        let mut config = secured_config(stand.port, CLIENT_SECRET);
        config["syslog"] =
            json!({"host": "127.0.0.1", "port": tcp_port, "protocol": "tcp", "level": "debug"});
        let u = s
            .gql(
                &mutation("updateModelIntegration", "UpdateModelIntegrationInput"),
                json!({"input": {"id": id, "configuration": config.to_string()}}),
            )
            .await;
        assert_eq!(
            u["data"]["updateModelIntegration"]["errors"],
            json!([]),
            "{u}"
        );
        call(&s, &s.token, "secured", "whoami", json!({})).await;
        let (mut conn, _) = tokio::time::timeout(Duration::from_secs(5), tcp.accept())
            .await
            .expect("a syslog TCP connection")
            .unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&got).contains("answer headers") {
            use tokio::io::AsyncReadExt;
            let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf))
                .await
                .expect("syslog frames")
                .unwrap();
            assert!(n > 0, "the syslog connection closed");
            got.extend_from_slice(&buf[..n]);
        }
        let text = String::from_utf8_lossy(&got).into_owned();
        let (len, rest) = text.split_once(' ').unwrap();
        let len: usize = len
            .parse()
            .unwrap_or_else(|_| panic!("not octet-counted: {text}"));
        assert!(rest.len() >= len && rest.starts_with("<15>1 "), "{text}");
        assert!(!text.contains(API_KEY) && !text.contains(CLIENT_SECRET));
    }
}

/// A forward proxy stand-in: answers for the requested URL with what it was sent (the
/// `Proxy-Authorization` header and the absolute request target).
async fn proxy_stand_in() -> u16 {
    let router = axum::Router::new().fallback(|req: axum::extract::Request| async move {
        let auth = req
            .headers()
            .get("proxy-authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        axum::Json(json!({"proxyAuthorization": auth, "target": req.uri().to_string()}))
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    port
}

#[tokio::test]
async fn proxy_credentials_from_the_secrets_manager() {
    const PROXY_PASSWORD: &str = "proxy-pass-7e2d-secret";
    for (s, _key) in all().await {
        let proxy = proxy_stand_in().await;
        let model = import(&s, SECURED).await;
        let basic = crate::connections::connection_id(&s, "http", "basic").await;
        let cred = s
            .gql(
                crate::connections::CREATE_SCOPED,
                json!({ "input": { "key": "Corp proxy", "stableKey": "corp-proxy", "connection": basic,
                    "variableScope": "org", "inputs": [{ "name": "username", "value": "proxy-user" },
                    { "name": "password", "value": PROXY_PASSWORD }] } }),
            )
            .await;
        assert_eq!(
            cred["data"]["createScopedConfigVariable"]["errors"],
            json!([]),
            "{cred}"
        );
        let mut config = secured_config(9, CLIENT_SECRET);
        config["server"] = json!({"host": "upstream.example", "port": 8080, "basePath": "/v1"});
        config["proxy"] = json!({"override": true, "mode": "proxy", "host": "127.0.0.1", "port": proxy,
            "auth": {"mode": "secrets_manager", "username": "corp-proxy/username", "password": "corp-proxy/password"}});
        let r = create(&s, &model, "via-proxy", config.clone()).await;
        assert_eq!(
            r["data"]["createModelIntegration"]["errors"],
            json!([]),
            "{r}"
        );
        // Names, not secrets: shown as given.
        let mi = &r["data"]["createModelIntegration"]["modelIntegration"];
        assert_eq!(
            mi["configuration"]["proxy"]["auth"]["password"],
            "corp-proxy/password"
        );
        let r = call(&s, &s.token, "via-proxy", "whoami", json!({})).await;
        let body = &r["data"]["callIntegrationTask"]["response"]["body"];
        assert_eq!(
            body["target"], "http://upstream.example:8080/v1/whoami",
            "{r}"
        );
        let expected = format!(
            "Basic {}",
            base64_of(&format!("proxy-user:{PROXY_PASSWORD}"))
        );
        assert_eq!(body["proxyAuthorization"], expected.as_str());
        assert!(!r.to_string().contains(PROXY_PASSWORD));
        // An unknown credential: the string error, nothing sent.
        config["proxy"]["auth"]["username"] = json!("nope/username");
        s.gql(
            &mutation("updateModelIntegration", "UpdateModelIntegrationInput"),
            json!({"input": {"id": mi["id"], "configuration": config.to_string()}}),
        )
        .await;
        let r = call(&s, &s.token, "via-proxy", "whoami", json!({})).await;
        let e = r["data"]["callIntegrationTask"]["error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(e.contains("no credential `nope`"), "{r}");
    }
}

fn base64_of(text: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = text.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
