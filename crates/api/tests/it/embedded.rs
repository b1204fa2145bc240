//! Embedded sign-in: a JWT signed with one of the organization's signing keys signs a customer
//! user in (`POST /embedded/authenticate`), creating its customer the first time, and is then
//! that user's bearer credential on `/api`, confined to its customer. Every refusal case.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use plumb_store::testing::TestDb;
use serde_json::{json, Value};

use crate::Server;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn private_key(s: &Server) -> String {
    let v = s
        .gql(
            "mutation { createOrganizationSigningKey(input: {}) { result { privateKey } errors { field messages } } }",
            json!({}),
        )
        .await;
    v["data"]["createOrganizationSigningKey"]["result"]["privateKey"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .to_string()
}

fn org_id(s: &Server) -> String {
    plumb_core::id::encode("Organization", s.org)
}

fn claims(s: &Server, sub: &str, exp: i64) -> Value {
    json!({
        "sub": sub,
        "name": "Ada Lovelace",
        "organization": org_id(s),
        "customer": "acme-ext",
        "customer_name": "Acme Rockets",
        "iat": now(),
        "exp": exp,
    })
}

fn sign(pem: &str, claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::RS256),
        claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

async fn authenticate(s: &Server, jwt: Option<&str>) -> (u16, String) {
    let mut r = s.http.post(format!("{}/embedded/authenticate", s.url));
    if let Some(t) = jwt {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_signed_jwt_signs_a_customer_user_in_and_is_its_bearer() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let other = s
        .gql(
            r#"mutation { createCustomer(input: {name: "Other Co", externalId: "other"}) { customer { id } } }"#,
            json!({}),
        )
        .await;
    assert!(other["data"]["createCustomer"]["customer"]["id"].is_string());
    let key = private_key(&s).await;
    let jwt = sign(&key, &claims(&s, "user-1", now() + 600));

    // Before sign-in the JWT is no bearer yet.
    let r = s
        .http
        .post(format!("{}/api", s.url))
        .bearer_auth(&jwt)
        .json(&json!({"query": "{ authenticatedUser { name } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    assert_eq!(authenticate(&s, Some(&jwt)).await, (200, String::new()));
    let customers = s
        .gql(
            "{ customers(externalId: \"acme-ext\") { nodes { name users { nodes { externalId name email role { name } } } } } }",
            json!({}),
        )
        .await;
    let acme = &customers["data"]["customers"]["nodes"][0];
    assert_eq!(acme["name"], "Acme Rockets");
    assert_eq!(
        acme["users"]["nodes"],
        json!([{"externalId": "user-1", "name": "Ada Lovelace", "email": "", "role": {"name": "Admin"}}]),
        "the signed-in user is recorded: {customers}"
    );

    let me = s
        .gql_as(
            &jwt,
            "{ authenticatedUser { name org { id } customer { name externalId allowEmbeddedDesigner } } customers { nodes { name } } }",
            json!({}),
        )
        .await;
    let user = &me["data"]["authenticatedUser"];
    assert_eq!(user["name"], "Ada Lovelace", "{me}");
    assert!(user["org"].is_null(), "a customer user: {me}");
    assert_eq!(user["customer"]["externalId"], "acme-ext");
    // What Prismatic's SDK asks right after `authenticate`.
    assert_eq!(user["customer"]["allowEmbeddedDesigner"], false);
    let names: Vec<&Value> = me["data"]["customers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(names.len(), 1, "confined to its customer: {me}");
    // Organization-only data stays closed.
    let keys = s
        .gql_as(
            &jwt,
            "{ organization { signingKeys { nodes { id } } } }",
            json!({}),
        )
        .await;
    assert!(keys["errors"].is_array(), "{keys}");

    // Signing in again updates the user, creates no second customer.
    let mut again = claims(&s, "user-1", now() + 600);
    again["name"] = json!("Ada King");
    assert_eq!(authenticate(&s, Some(&sign(&key, &again))).await.0, 200);
    let me = s
        .gql_as(
            &sign(&key, &again),
            "{ authenticatedUser { name } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["authenticatedUser"]["name"], "Ada King");
    let all = s.gql("{ customers { totalCount } }", json!({})).await;
    assert_eq!(all["data"]["customers"]["totalCount"], 2);
}

#[tokio::test]
async fn every_bad_jwt_is_refused_with_a_reason() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let key = private_key(&s).await;
    let public = {
        let v = s
            .gql(
                "{ organization { signingKeys { nodes { publicKey } } } }",
                json!({}),
            )
            .await;
        v["data"]["organization"]["signingKeys"]["nodes"][0]["publicKey"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let stranger = plumb_vault::signing_key::generate_signing_key().unwrap();

    let expired = sign(&key, &claims(&s, "u", now() - 120));
    let mut early = claims(&s, "u", now() + 600);
    early["nbf"] = json!(now() + 300);
    let mut unknown_org = claims(&s, "u", now() + 600);
    unknown_org["organization"] =
        json!(plumb_core::id::encode("Organization", uuid::Uuid::new_v4()));
    let mut no_customer = claims(&s, "u", now() + 600);
    no_customer.as_object_mut().unwrap().remove("customer");
    let b64 = |v: &Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims(&s, "u", now() + 600))
    );
    let hs256 = encode(
        &Header::new(Algorithm::HS256),
        &claims(&s, "u", now() + 600),
        &EncodingKey::from_secret(public.as_bytes()),
    )
    .unwrap();
    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("missing", None, "no token"),
        ("expired", Some(expired), "expired"),
        ("not yet valid", Some(sign(&key, &early)), "not valid yet"),
        (
            "wrong key",
            Some(sign(
                stranger.private_pem.expose(),
                &claims(&s, "u", now() + 600),
            )),
            "signature",
        ),
        (
            "unknown organization",
            Some(sign(&key, &unknown_org)),
            "organization is unknown",
        ),
        ("alg none", Some(none), "RS256"),
        ("HS256 keyed with the public key", Some(hs256), "RS256"),
        (
            "no customer claim",
            Some(sign(&key, &no_customer)),
            "not a valid embedded JWT",
        ),
        ("garbage", Some("a.b.c".into()), "not a valid embedded JWT"),
    ];
    for (name, jwt, reason) in cases {
        let (status, text) = authenticate(&s, jwt.as_deref()).await;
        assert_eq!(status, 401, "{name}: {text}");
        assert!(text.contains(reason), "{name}: {text}");
    }
    // Nothing was created by the refused attempts.
    let all = s.gql("{ customers { totalCount } }", json!({})).await;
    assert_eq!(all["data"]["customers"]["totalCount"], 0);

    // A deleted key's JWTs stop working.
    let good = sign(&key, &claims(&s, "u", now() + 600));
    assert_eq!(authenticate(&s, Some(&good)).await.0, 200);
    let id = s
        .gql(
            "{ organization { signingKeys { nodes { id } } } }",
            json!({}),
        )
        .await["data"]["organization"]["signingKeys"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.gql(
        "mutation($id: ID!) { deleteOrganizationSigningKey(input: {id: $id}) { errors { messages } } }",
        json!({"id": id}),
    )
    .await;
    let (status, text) = authenticate(&s, Some(&good)).await;
    assert_eq!(status, 401, "{text}");
}

#[tokio::test]
async fn cross_origin_calls_answer_only_allowed_origins() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let set = |origins: Value| {
        let s = &s;
        async move {
            s.gql(
                "mutation($o: [String]) { updateOrganization(input: {embeddedAllowedOrigins: $o}) { organization { embeddedAllowedOrigins } errors { field messages } } }",
                json!({"o": origins}),
            )
            .await
        }
    };
    let v = set(json!(["https://App.Example.com/", "http://127.0.0.2:9000"])).await;
    assert_eq!(
        v["data"]["updateOrganization"]["organization"]["embeddedAllowedOrigins"],
        json!(["http://127.0.0.2:9000", "https://app.example.com"]),
        "{v}"
    );
    let bad = set(json!(["https://ok.example", "*"])).await;
    assert_eq!(
        bad["data"]["updateOrganization"]["errors"][0]["field"], "embeddedAllowedOrigins.1",
        "{bad}"
    );
    let now_set = s
        .gql("{ organization { embeddedAllowedOrigins } }", json!({}))
        .await;
    assert_eq!(
        now_set["data"]["organization"]["embeddedAllowedOrigins"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "an invalid list changes nothing: {now_set}"
    );
    let renamed = s
        .gql(
            r#"mutation { updateOrganization(input: {name: "Acme SaaS"}) { organization { name } errors { field } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        renamed["data"]["updateOrganization"]["organization"]["name"],
        "Acme SaaS"
    );
    let blank = s
        .gql(
            r#"mutation { updateOrganization(input: {name: " "}) { errors { field } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        blank["data"]["updateOrganization"]["errors"][0]["field"],
        "name"
    );
    let viewer = s.token(&[plumb_store::tokens::Role::Viewer], None).await;
    let refused = s
        .gql_as(
            &viewer,
            "mutation { updateOrganization(input: {embeddedAllowedOrigins: []}) { errors { field } } }",
            json!({}),
        )
        .await;
    assert!(refused["errors"].is_array(), "{refused}");

    for path in ["/embedded/authenticate", "/api"] {
        let pre = s
            .http
            .request(reqwest::Method::OPTIONS, format!("{}{path}", s.url))
            .header("origin", "https://app.example.com")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(pre.status(), 204, "{path}");
        let h = pre.headers();
        assert_eq!(h["access-control-allow-origin"], "https://app.example.com");
        assert!(h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("authorization"));
        assert!(h.get("access-control-allow-credentials").is_none());
        let evil = s
            .http
            .request(reqwest::Method::OPTIONS, format!("{}{path}", s.url))
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "POST")
            .send()
            .await
            .unwrap();
        assert_eq!(evil.status(), 403, "{path}");
        assert!(evil.headers().get("access-control-allow-origin").is_none());
        // Like the 401 and 404 of HTTP routes, the 403 has a JSON error body.
        let body: Value = evil.json().await.unwrap();
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("allowed embedding origins"),
            "{body}"
        );
    }
    let call = |origin: &'static str| {
        let s = &s;
        async move {
            s.http
                .post(format!("{}/api", s.url))
                .bearer_auth(&s.token)
                .header("origin", origin)
                .json(&json!({"query": "{ organization { name } }"}))
                .send()
                .await
                .unwrap()
        }
    };
    let ok = call("https://app.example.com").await;
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let evil = call("https://evil.example").await;
    assert!(evil.headers().get("access-control-allow-origin").is_none());
}
