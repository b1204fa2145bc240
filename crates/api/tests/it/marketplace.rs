//! The embedded marketplace over HTTP (the browser test drives the same through Prismatic's
//! SDK): `updateIntegrationMarketplaceConfiguration` and its checks; the screens' shells and
//! their `frame-ancestors`; the console never framed; screen content only for an embedded JWT
//! framed by an allowed origin; the marketplace and wizard fragments without anything of the
//! organization's own; checks per page; deploy.

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use plumb_store::testing::TestDb;
use serde_json::{json, Value};

use crate::instances::{gql_ok, start};
use crate::Server;

const HOST: &str = "https://app.example.com";

const DEFINITION: &str = r#"name: Shop Sync
description: Syncs the shop
definitionVersion: 7
configPages:
  - name: Connect
    elements:
      - type: htmlElement
        value: '<p>Your <b>shop</b> key</p>'
      - type: configVar
        value: shop
      - type: configVar
        value: size
  - name: Options
    elements:
      - type: configVar
        value: tags
      - type: configVar
        value: secretNote
requiredConfigVars:
  - key: shop
    dataType: connection
    connection: {key: apiKey, component: {key: http}}
    useScopedConfigVar: shop-key
  - key: size
    dataType: picklist
    pickList: [small, large]
  - key: tags
    dataType: string
    collectionType: valuelist
  - key: secretNote
    dataType: string
    defaultValue: hidden-note-value
    orgOnly: true
  - key: ledger
    dataType: connection
    connection: {key: apiKey, component: {key: http}}
    useScopedConfigVar: ledger-org
flows:
  - name: Echo
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Answer
        action: {key: runCode, component: {key: code}}
        inputs:
          code: {type: value, value: "module.exports = async ({ configVars }) => ({ data: configVars.tags });"}
"#;

const UPDATE: &str = "mutation($input: UpdateIntegrationMarketplaceConfigurationInput!) {
    updateIntegrationMarketplaceConfiguration(input: $input) {
      integration { id name } errors { field messages } } }";

fn sign(pem: &str, org: uuid::Uuid) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": "u-1", "name": "Ada", "organization": plumb_core::id::encode("Organization", org),
        "customer": "shopper", "customer_name": "Shopper Inc", "iat": now, "exp": now + 600});
    encode(
        &Header::new(Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

async fn scoped(s: &Server, stable: &str, managed: &str, globals: Value) {
    gql_ok(
        s,
        "mutation($input: CreateScopedConfigVariableInput!) { createScopedConfigVariable(input: $input) {
          scopedConfigVariable { id } errors { field messages } } }",
        json!({"input": {"key": stable, "stableKey": stable, "variableScope": "customer",
            "managedBy": managed, "connection": "http/apiKey", "inputs": globals}}),
        "createScopedConfigVariable",
    )
    .await;
}

/// A screen request with the JWT and the framing origin.
async fn screen(
    s: &Server,
    method: reqwest::Method,
    path: &str,
    jwt: &str,
    origin: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, String) {
    let mut r = s
        .http
        .request(method, format!("{}{path}", s.url))
        .bearer_auth(jwt);
    if let Some(o) = origin {
        r = r.header("x-plumb-embed-origin", o);
    }
    if !form.is_empty() {
        r = r.form(form);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn hidden_nowhere(text: &str) {
    for h in ["ledger", "hidden-note-value", "secretNote", "planted"] {
        assert!(!text.contains(h), "{h:?} in {text}");
    }
}

#[tokio::test]
async fn marketplace_configuration_is_checked_and_for_designers() {
    for db in TestDb::all().await.unwrap() {
        configuration_checks(db).await;
    }
}

async fn configuration_checks(db: TestDb) {
    let running = start(db, 1 << 20).await;
    let s = &running.server;
    let version = crate::instance_values::publish(s, DEFINITION).await;
    let bad = s
        .gql(
            UPDATE,
            json!({"input": {"id": version, "marketplaceConfiguration": "EVERYWHERE"}}),
        )
        .await;
    let errors = &bad["data"]["updateIntegrationMarketplaceConfiguration"]["errors"];
    assert_eq!(errors[0]["field"], "marketplaceConfiguration", "{bad}");
    assert!(errors[0]["messages"][0]
        .as_str()
        .unwrap()
        .contains("AVAILABLE_AND_DEPLOYABLE"));
    let unknown = s
        .gql(
            UPDATE,
            json!({"input": {"id": "SW50ZWdyYXRpb246MDE5MDAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw"}}),
        )
        .await;
    assert_eq!(
        unknown["data"]["updateIntegrationMarketplaceConfiguration"]["errors"][0]["field"], "id",
        "{unknown}"
    );
    let deployer = s.token(&[plumb_store::tokens::Role::Deployer], None).await;
    let refused = s
        .gql_as(
            &deployer,
            UPDATE,
            json!({"input": {"id": version, "marketplaceConfiguration": "AVAILABLE_AND_DEPLOYABLE"}}),
        )
        .await;
    assert!(refused["errors"].is_array(), "{refused}");
    let ok = gql_ok(
        s,
        UPDATE,
        json!({"input": {"id": version, "marketplaceConfiguration": "AVAILABLE_AND_DEPLOYABLE",
            "overview": "Keeps the shop in sync", "allowMultipleMarketplaceInstances": false}}),
        "updateIntegrationMarketplaceConfiguration",
    )
    .await;
    assert_eq!(ok["integration"]["name"], "Shop Sync");
}

#[tokio::test]
async fn embedded_screens_frame_only_for_allowed_origins_and_hide_the_organizations_own() {
    for db in TestDb::all().await.unwrap() {
        screens(db).await;
    }
}

async fn screens(db: TestDb) {
    let running = start(db, 1 << 20).await;
    let s = &running.server;

    // Before any origin is allowed the screens may not be framed; the console never.
    let shell = s
        .http
        .get(format!("{}/integration-marketplace/?embed=true", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(shell.status(), 200);
    let csp = shell.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
    let console = s.http.get(format!("{}/login", s.url)).send().await.unwrap();
    let csp = console.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(console.headers()["x-frame-options"], "DENY");

    let key = s
        .gql(
            "mutation { createOrganizationSigningKey(input: {}) { result { privateKey } } }",
            json!({}),
        )
        .await["data"]["createOrganizationSigningKey"]["result"]["privateKey"]
        .as_str()
        .unwrap()
        .to_string();
    gql_ok(
        s,
        "mutation { updateOrganization(input: {embeddedAllowedOrigins: [\"https://app.example.com\"]}) { errors { field messages } } }",
        json!({}),
        "updateOrganization",
    )
    .await;
    for path in [
        "/integration-marketplace/",
        "/embedded",
        "/find-integration-marketplace/",
        "/configure-instance/x/",
        "/logs/",
    ] {
        let r = s.http.get(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.ends_with(&format!("frame-ancestors {HOST}")),
            "{path}: {csp}"
        );
        assert!(r.headers().get("x-frame-options").is_none(), "{path}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("embedded.js") && !page.contains("<script>"),
            "{path}"
        );
    }

    scoped(s, "shop-key", "customer", json!([])).await;
    scoped(
        s,
        "ledger-org",
        "org",
        json!([{"name": "name", "value": "planted-ledger", "meta": "{\"inputScope\": \"global\"}"}]),
    )
    .await;
    let version = crate::instance_values::publish(s, DEFINITION).await;
    gql_ok(
        s,
        UPDATE,
        json!({"input": {"id": version, "marketplaceConfiguration": "AVAILABLE_AND_DEPLOYABLE"}}),
        "updateIntegrationMarketplaceConfiguration",
    )
    .await;
    let jwt = sign(&key, s.org);
    let signed = s
        .http
        .post(format!("{}/embedded/authenticate", s.url))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);

    // Content: the JWT and an allowed framing origin, or nothing.
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    let (status, body) = screen(
        s,
        get.clone(),
        "/embedded/screens/marketplace",
        "",
        Some(HOST),
        &[],
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("\"error\""), "{body}");
    let (status, body) = screen(
        s,
        get.clone(),
        "/embedded/screens/marketplace",
        &jwt,
        Some("https://evil.example"),
        &[],
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("allowed embedding origins"), "{body}");
    let (status, _) = screen(
        s,
        get.clone(),
        "/embedded/screens/marketplace",
        &jwt,
        None,
        &[],
    )
    .await;
    assert_eq!(status, 403);
    let (status, list) = screen(
        s,
        get.clone(),
        "/embedded/screens/marketplace",
        &jwt,
        Some(HOST),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert!(
        list.contains("Shop Sync") && list.contains("Activate"),
        "{list}"
    );
    hidden_nowhere(&list);
    let (_, none) = screen(
        s,
        get.clone(),
        "/embedded/screens/marketplace?search=zzz",
        &jwt,
        Some(HOST),
        &[],
    )
    .await;
    assert!(!none.contains("Shop Sync"), "{none}");

    // The wizard by name: its pages in order, only what the customer fills in.
    let (status, wizard) = screen(
        s,
        get.clone(),
        "/embedded/screens/wizard?integrationName=Shop%20Sync",
        &jwt,
        Some(HOST),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{wizard}");
    let connect = wizard.find("data-page-name=\"Connect\"").unwrap();
    let options = wizard.find("data-page-name=\"Options\"").unwrap();
    assert!(connect < options, "pages in order");
    for want in [
        "conn.shop.apiKey",
        "cv.size",
        "cv.tags",
        "Your shop key",
        "small",
        "large",
    ] {
        assert!(wizard.contains(want), "{want} not in {wizard}");
    }
    assert!(!wizard.contains("<b>"), "an HTML element shows as text");
    hidden_nowhere(&wizard);
    let target = format!(
        "integrationId={}",
        wizard
            .split("data-target=\"integrationId=")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
    );

    // Checks per page: the picklist and the connection's key are required on page 0.
    let (status, checked) = screen(
        s,
        post.clone(),
        &format!("/embedded/screens/wizard/check?{target}&page=0"),
        &jwt,
        Some(HOST),
        &[("cv.size", "huge")],
    )
    .await;
    assert_eq!(status, 200);
    let checked: Value = serde_json::from_str(&checked).unwrap();
    let fields: Vec<&str> = checked["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["conn.shop.apiKey", "cv.size"], "{checked}");
    let (_, fine) = screen(
        s,
        post.clone(),
        &format!("/embedded/screens/wizard/check?{target}&page=0"),
        &jwt,
        Some(HOST),
        &[("cv.size", "large"), ("conn.shop.apiKey", "shop-key-123")],
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&fine).unwrap()["errors"],
        json!([])
    );

    // Deploy: an org-only value given anyway is not the customer's to set.
    let (status, deployed) = screen(
        s,
        post.clone(),
        &format!("/embedded/screens/wizard/deploy?{target}"),
        &jwt,
        Some(HOST),
        &[
            ("name", "My shop"),
            ("cv.size", "large"),
            ("cv.tags", "red\nblue\n"),
            ("conn.shop.apiKey", "shop-key-123"),
            ("cv.secretNote", "customer override"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{deployed}");
    let deployed: Value = serde_json::from_str(&deployed).unwrap();
    assert_eq!(deployed["created"], true);
    let data = &deployed["data"];
    assert_eq!(data["customerName"], "Shopper Inc");
    assert_eq!(data["instanceName"], "My shop");
    assert_eq!(data["integrationName"], "Shop Sync");
    assert_eq!(data["integrationVersionNumber"], 1);
    assert_eq!(data["readOnly"], false);
    let instance = data["instanceId"].as_str().unwrap();
    let shown = s
        .gql(
            "query($id: ID!) { instance(id: $id) { deployed configVariables { nodes { key value } } } }",
            json!({"id": instance}),
        )
        .await;
    let i = &shown["data"]["instance"];
    assert_eq!(i["deployed"], true, "{shown}");
    let vars = i["configVariables"]["nodes"].to_string();
    assert!(
        vars.contains("[\\\"red\\\",\\\"blue\\\"]"),
        "a value list as JSON: {vars}"
    );
    assert!(!vars.contains("customer override"), "{vars}");

    // The customer's connections: its own, never the organization's.
    let (status, conns) = screen(
        s,
        get.clone(),
        "/embedded/screens/connections",
        &jwt,
        Some(HOST),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{conns}");
    assert!(
        conns.contains("shop-key") && conns.contains("in.apiKey"),
        "{conns}"
    );
    assert!(
        !conns.contains("shop-key-123"),
        "a secret is never shown back: {conns}"
    );
    hidden_nowhere(&conns);

    // The marketplace now shows it active; configuring it again opens the instance.
    let (_, list) = screen(
        s,
        get.clone(),
        "/embedded/screens/marketplace",
        &jwt,
        Some(HOST),
        &[],
    )
    .await;
    assert!(
        list.contains("Active") && list.contains("Configure My shop"),
        "{list}"
    );
    let (_, again) = screen(
        s,
        get,
        "/embedded/screens/wizard?integrationName=Shop%20Sync",
        &jwt,
        Some(HOST),
        &[],
    )
    .await;
    assert!(
        again.contains(&format!("data-target=\"instanceId={instance}\"")),
        "{again}"
    );
    assert!(again.contains("Configure Shop Sync"), "{again}");
}
