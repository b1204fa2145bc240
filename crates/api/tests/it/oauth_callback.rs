//! `authorizeConnection` + `GET /oauth2/callback` end to end against the npm
//! `oauth2-mock-server` on 127.0.0.1: a scoped `oauth2AuthorizationCode` connection, a customer's
//! values, the authorize URL followed by a "browser" (302 with code and state), the callback
//! exchanging the code (with the PKCE verifier) and storing the tokens sealed; forged, replayed
//! and expired states refused with 400.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use plumb_api::{app, ApiConfig, AppState};
use plumb_store::oauth_tokens::{self, NewAuthorization};
use plumb_store::secrets::Vault;
use plumb_store::testing::TestDb;
use plumb_store::tokens::Role;
use plumb_vault::{MasterKey, SecretString};
use serde_json::{json, Value};

use crate::connections::{connection_id, CREATE_SCOPED, CREATE_VALUES};
use crate::Server;

/// The npm `oauth2-mock-server`, killed on drop.
struct MockOAuth {
    child: Child,
    port: u16,
}

impl MockOAuth {
    async fn start() -> MockOAuth {
        let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../testsupport/node_modules/.bin/oauth2-mock-server");
        assert!(
            bin.exists(),
            "oauth2-mock-server is not installed at {}: run `npm ci` in testsupport/",
            bin.display()
        );
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new(&bin)
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mock = MockOAuth { child, port };
        let url = format!("{}/.well-known/openid-configuration", mock.issuer());
        for _ in 0..200 {
            if let Ok(r) = reqwest::get(&url).await {
                if r.status().is_success() {
                    return mock;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("oauth2-mock-server did not start");
    }

    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for MockOAuth {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server whose public URL is its own address (so the redirect URI is reachable).
async fn start(db: TestDb) -> (Server, Vault) {
    let key = MasterKey::generate().unwrap();
    let key_copy = MasterKey::from_base64(key.to_base64().expose()).unwrap();
    let org = db.store.create_org("Acme").await.unwrap();
    let (_, token) = db
        .store
        .create_token(org.id, "admin", &[Role::Admin], None)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let config = ApiConfig {
        public_url: url.clone(),
        ..ApiConfig::default()
    };
    let state = AppState::new(db.store.clone(), config).with_master_key(key);
    let router = app(state);
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    let vault = Vault::new(db.store.clone(), key_copy);
    let server = Server {
        url,
        token,
        org: org.id,
        db,
        http: reqwest::Client::new(),
    };
    (server, vault)
}

const AUTHORIZE: &str = "mutation($input: AuthorizeConnectionInput!) {
  authorizeConnection(input: $input) { authorizeUrl errors { field messages } } }";

fn global(name: &str, value: &str) -> Value {
    json!({ "name": name, "type": "value", "value": value, "meta": "{\"inputScope\":\"global\"}" })
}

/// A customer-scoped `oauth2AuthorizationCode` connection against the mock, a customer and the
/// customer's values: (scoped ID, customer ID).
async fn seed(s: &Server, mock: &MockOAuth, client_secret: &str) -> (String, String) {
    let conn = connection_id(s, "http", "oauth2AuthorizationCode").await;
    let r = s
        .gql(
            CREATE_SCOPED,
            json!({ "input": {
                "key": "Acme OAuth", "stableKey": "acme-oauth", "variableScope": "customer",
                "managedBy": "customer", "connection": conn,
                "inputs": [
                    global("authorizeUrl", &format!("{}/authorize", mock.issuer())),
                    global("tokenUrl", &format!("{}/token", mock.issuer())),
                    global("clientId", "plumb-client"),
                    global("clientSecret", client_secret),
                ]
            } }),
        )
        .await;
    let p = &r["data"]["createScopedConfigVariable"];
    assert_eq!(p["errors"], json!([]), "{r}");
    let scoped = p["scopedConfigVariable"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let c = s
        .gql(
            "mutation { createCustomer(input: {name: \"Smith\", externalId: \"smith\"}) { customer { id } } }",
            json!({}),
        )
        .await;
    let customer = c["data"]["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s
        .gql(
            CREATE_VALUES,
            json!({ "input": { "scopedConfigVariable": scoped, "customer": customer,
                "inputs": [{ "name": "scopes", "type": "value", "value": "openid offline_access" }] } }),
        )
        .await;
    assert_eq!(
        r["data"]["createCustomerConfigVariable"]["errors"],
        json!([]),
        "{r}"
    );
    (scoped, customer)
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn authorize_then_callback_stores_the_tokens_sealed() {
    let mock = MockOAuth::start().await;
    for db in TestDb::all().await.unwrap() {
        let sqlite = db.sqlite_path();
        let (s, vault) = start(db).await;
        let secret = format!("PLANTED-{}", uuid::Uuid::new_v4().simple());
        let (scoped, customer) = seed(&s, &mock, &secret).await;

        let r = s
            .gql(
                AUTHORIZE,
                json!({ "input": { "scopedConfigVariable": scoped, "customer": customer } }),
            )
            .await;
        let p = &r["data"]["authorizeConnection"];
        assert_eq!(p["errors"], json!([]), "{r}");
        let authorize_url = reqwest::Url::parse(p["authorizeUrl"].as_str().unwrap()).unwrap();
        let q: std::collections::HashMap<_, _> = authorize_url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "plumb-client");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["scope"], "openid offline_access");
        assert_eq!(q["redirect_uri"], format!("{}/oauth2/callback", s.url));
        assert!(!r.to_string().contains(&secret));

        // The "browser": the mock approves at once with a 302 to our callback.
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = browser.get(authorize_url.as_str()).send().await.unwrap();
        assert_eq!(resp.status(), 302);
        let location = resp.headers()["location"].to_str().unwrap().to_string();
        assert!(
            location.starts_with(&format!("{}/oauth2/callback?", s.url)),
            "{location}"
        );
        let back: std::collections::HashMap<_, _> = reqwest::Url::parse(&location)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();

        // A forged state with the real code: 400, and the real state still works after.
        let forged = browser
            .get(format!("{}/oauth2/callback", s.url))
            .query(&[("code", back["code"].as_str()), ("state", "forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 400);
        assert!(forged.text().await.unwrap().contains("unknown or expired"));

        let done = browser.get(&location).send().await.unwrap();
        assert_eq!(done.status(), 200);
        let html = done.text().await.unwrap();
        assert!(html.contains("Connection authorized"), "{html}");
        assert!(!html.contains(&back["code"]));

        // Replayed: the state is single-use.
        let again = browser.get(&location).send().await.unwrap();
        assert_eq!(again.status(), 400, "{}", s.db.label);

        // The tokens are stored for the customer's value set, sealed.
        let customer_id = plumb_core::id::decode("Customer", &customer).unwrap();
        let conn = plumb_store::resolve::resolve_scoped_connection(
            &vault,
            s.org,
            "acme-oauth",
            Some(customer_id),
            false,
        )
        .await
        .unwrap()
        .unwrap();
        let json = oauth_tokens::load_tokens(&vault, s.org, &conn.id)
            .await
            .unwrap()
            .expect("tokens stored");
        let tokens: Value = serde_json::from_str(json.expose()).unwrap();
        let access = tokens["accessToken"].as_str().unwrap().to_string();
        let refresh = tokens["refreshToken"].as_str().unwrap_or("").to_string();
        assert!(access.len() > 20, "a real token: {access}");
        if let Some(path) = &sqlite {
            for p in [path.clone(), path.with_extension("db-wal")] {
                if let Ok(bytes) = std::fs::read(&p) {
                    assert!(
                        !contains(&bytes, &access),
                        "access token in {}",
                        p.display()
                    );
                    if !refresh.is_empty() {
                        assert!(
                            !contains(&bytes, &refresh),
                            "refresh token in {}",
                            p.display()
                        );
                    }
                    assert!(
                        !contains(&bytes, &back["state"]),
                        "state in {}",
                        p.display()
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn bad_or_expired_state_and_bad_input_are_refused() {
    let mock = MockOAuth::start().await;
    let db = TestDb::sqlite().await.unwrap();
    let (s, vault) = start(db).await;
    let (scoped, customer) = seed(&s, &mock, "cs").await;
    let http = reqwest::Client::new();
    let callback = format!("{}/oauth2/callback", s.url);

    // No state, unknown state.
    for query in [vec![("code", "c")], vec![("code", "c"), ("state", "nope")]] {
        let r = http.get(&callback).query(&query).send().await.unwrap();
        assert_eq!(r.status(), 400);
        let text = r.text().await.unwrap();
        assert!(
            text.contains("unknown or expired authorization state"),
            "{text}"
        );
    }

    // An expired state (as authorizeConnection stores it, 10 minutes ago).
    let scoped_id = plumb_core::id::decode("ScopedConfigVariable", &scoped).unwrap();
    oauth_tokens::save_authorization(
        &vault,
        "expired-state",
        &NewAuthorization {
            org_id: s.org,
            scoped_id,
            customer_id: Some(plumb_core::id::decode("Customer", &customer).unwrap()),
            is_test: false,
            connection_id: "x",
            redirect_uri: &callback,
            verifier: Some(&SecretString::new("v")),
            ttl_ms: -1,
        },
    )
    .await
    .unwrap();
    let r = http
        .get(&callback)
        .query(&[("code", "c"), ("state", "expired-state")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // The authorization server's refusal: 400 naming its error, and the state is used up.
    let r = s
        .gql(
            AUTHORIZE,
            json!({ "input": { "scopedConfigVariable": scoped, "customer": customer } }),
        )
        .await;
    let url = reqwest::Url::parse(
        r["data"]["authorizeConnection"]["authorizeUrl"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .to_string();
    let r = http
        .get(&callback)
        .query(&[
            ("error", "access_denied"),
            ("error_description", "<b>no</b>"),
            ("state", &state),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("access_denied") && text.contains("&lt;b&gt;no"),
        "{text}"
    );

    // Input errors: an unknown variable, no customer nor isTest, a connection of another type,
    // a customer-bound token for another customer's values.
    let r = s
        .gql(
            AUTHORIZE,
            json!({ "input": { "scopedConfigVariable": customer, "customer": customer } }),
        )
        .await;
    assert_eq!(
        r["data"]["authorizeConnection"]["errors"][0]["field"], "scopedConfigVariable",
        "{r}"
    );
    let r = s
        .gql(
            AUTHORIZE,
            json!({ "input": { "scopedConfigVariable": scoped } }),
        )
        .await;
    assert_eq!(
        r["data"]["authorizeConnection"]["errors"][0]["field"], "customer",
        "{r}"
    );
    // The test credentials (here the global values) can be authorized too.
    let r = s
        .gql(
            AUTHORIZE,
            json!({ "input": { "scopedConfigVariable": scoped, "isTest": true } }),
        )
        .await;
    assert!(
        r["data"]["authorizeConnection"]["authorizeUrl"].is_string(),
        "{r}"
    );
    let c = s
        .gql(
            "mutation { createCustomer(input: {name: \"Other\", externalId: \"other\"}) { customer { id } } }",
            json!({}),
        )
        .await;
    let other = c["data"]["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap();
    let other = plumb_core::id::decode("Customer", other).unwrap();
    let token = s.token(&[Role::Admin], Some(other)).await;
    let r = s
        .gql_as(
            &token,
            AUTHORIZE,
            json!({ "input": { "scopedConfigVariable": scoped, "customer": customer } }),
        )
        .await;
    assert_eq!(
        r["data"]["authorizeConnection"]["errors"][0]["field"], "customer",
        "{r}"
    );
}
