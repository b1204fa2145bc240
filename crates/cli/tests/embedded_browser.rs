//! The embedded marketplace and config wizard in a real browser, driven by Prismatic's own
//! embedding SDK: `plumb serve` (the binary, on a fresh SQLite file), an organization with a
//! signing key and an allowed origin, a customer-activated and an organization-activated
//! connection, an integration with two config pages listed in the marketplace; then
//! `testsupport/browser/embedded.mjs` (Debian's chromium through playwright-core) serves a host
//! app on 127.0.0.2 and 127.0.0.3 that loads `@prismatic-io/embedded` from
//! `testsupport/node_modules` (its checks are listed in its header). At the end the instance the
//! browser deployed runs, with the values the customer gave and the organization's connection.
//! Screenshots land in `target/tmp/embedded-screenshots/` (not committed).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

mod support;
use support::{free_port, oauth_mock, plumb, spawn, wait_listening};

/// Two config pages: a customer-activated connection, an HTML element and a picklist; a string
/// (pre-filled by the host) and a boolean. Hidden from the customer: an org-only config var and
/// an organization-activated connection.
const DEFINITION: &str = r#"name: Embedded Demo
description: Greets a vendor in the customer's region
category: Demo
definitionVersion: 7
configPages:
  - name: Connect
    tagline: Your vendor account
    elements:
      - type: htmlElement
        value: '<h3>Connect your Vendor account</h3>'
      - type: configVar
        value: Vendor API
      - type: configVar
        value: region
  - name: Preferences
    elements:
      - type: configVar
        value: greeting
      - type: configVar
        value: notify
      - type: configVar
        value: internalSecretNote
requiredConfigVars:
  - key: Vendor API
    dataType: connection
    connection: {component: {key: http, isPublic: true, version: LATEST}, key: apiKey}
    useScopedConfigVar: vendor-api
  - key: region
    dataType: picklist
    pickList: [us, eu]
  - key: greeting
    dataType: string
  - key: notify
    dataType: boolean
    defaultValue: 'false'
  - key: internalSecretNote
    dataType: string
    defaultValue: planted-org-only-note
    orgOnly: true
  - key: Org Ledger
    dataType: connection
    connection: {component: {key: http, isPublic: true, version: LATEST}, key: apiKey}
    useScopedConfigVar: org-ledger
flows:
  - name: Greet
    stableKey: greet
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
        inputs: {}
      - name: Greeting
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ configVars }) => ({ data: {
                region: configVars.region, greeting: configVars.greeting, notify: configVars.notify,
                keys: Object.keys(configVars).sort() } });
"#;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the browser test needs on this machine, or why it cannot run.
fn prerequisites() -> Result<(), String> {
    let modules = repo_root().join("testsupport/node_modules");
    for package in ["playwright-core", "@prismatic-io/embedded"] {
        if !modules.join(package).join("package.json").exists() {
            return Err(format!("testsupport/node_modules/{package} is missing"));
        }
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !PathBuf::from(&chromium).exists() {
        return Err(format!("{chromium} is missing"));
    }
    Ok(())
}

struct Env {
    dir: tempfile::TempDir,
    db: String,
    key: String,
    url: String,
    token: String,
}

impl Env {
    /// Runs a client command; answers its standard output.
    fn cli(&self, args: &[&str]) -> String {
        let out = plumb(self.dir.path(), &self.db, &self.key, "cli.log", args)
            .env("PLUMB_URL", &self.url)
            .env("PLUMB_TOKEN", &self.token)
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "plumb {args:?} failed: {}",
            std::fs::read_to_string(self.dir.path().join("cli.log")).unwrap_or_default()
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    fn cli_json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.cli(&all)).unwrap()
    }

    /// A GraphQL call with the admin token; answers `data`, panicking on errors.
    async fn graphql(&self, query: &str, variables: Value) -> Value {
        let answer: Value = reqwest::Client::new()
            .post(format!("{}/api", self.url))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(answer["errors"].is_null(), "{answer}");
        answer["data"].clone()
    }
}

fn contains_none(text: &str, words: &[&str]) {
    for w in words {
        assert!(!text.contains(w), "{w:?} in {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_marketplace_through_prismatics_sdk() {
    if let Err(why) = prerequisites() {
        panic!("{why}: run scripts/test, which installs chromium and the npm packages");
    }
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("plumb.db").display());
    let key = plumb_vault::MasterKey::generate()
        .unwrap()
        .to_base64()
        .expose()
        .to_string();
    let listen = format!("127.0.0.1:{}", free_port());
    let url = format!("http://{listen}");
    let mut serve = spawn(
        "plumb serve",
        plumb(
            dir.path(),
            &db,
            &key,
            "serve.log",
            &["serve", "--workers", "1", "--listen", &listen],
        ),
    );
    wait_listening(&listen, &mut serve);
    let org: Value = {
        let out = plumb(
            dir.path(),
            &db,
            &key,
            "org.log",
            &["org", "create", "Acme", "--json"],
        )
        .stdout(Stdio::piped())
        .output()
        .unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let env = Env {
        dir,
        db,
        key,
        url: url.clone(),
        token: org["token"].as_str().unwrap().to_string(),
    };
    let org_id = org["organizationId"].as_str().unwrap().to_string();
    let (host_port, other_port) = (free_port(), free_port());

    // The organization: a signing key, the host app's origin, the connections, the
    // integration in the marketplace.
    let created = env
        .graphql(
            "mutation { createOrganizationSigningKey(input: {}) { result { privateKey } errors { field messages } } }",
            json!({}),
        )
        .await;
    let private_key = created["createOrganizationSigningKey"]["result"]["privateKey"]
        .as_str()
        .unwrap()
        .to_string();
    let key_file = env.dir.path().join("signing.pem");
    std::fs::write(&key_file, &private_key).unwrap();
    let host_origin = format!("http://127.0.0.2:{host_port}");
    env.graphql(
        "mutation($o: [String!]) { updateOrganization(input: {embeddedAllowedOrigins: $o}) { errors { field messages } } }",
        json!({ "o": [host_origin] }),
    )
    .await;
    env.cli(&[
        "customers",
        "create",
        "Acme Customer",
        "--external-id",
        "acme-cust",
    ]);
    env.cli(&[
        "connections",
        "create",
        "--key",
        "Vendor API",
        "--stable-key",
        "vendor-api",
        "--connection",
        "http/apiKey",
        "--variable-scope",
        "customer",
        "--managed-by",
        "customer",
    ]);
    env.cli(&[
        "connections",
        "create",
        "--key",
        "Org Ledger",
        "--stable-key",
        "org-ledger",
        "--connection",
        "http/apiKey",
        "--variable-scope",
        "customer",
        "--managed-by",
        "org",
        "--global",
        "name=planted-ledger-header",
    ]);
    env.cli(&[
        "connections",
        "set-customer",
        "org-ledger",
        "--customer",
        "acme-cust",
        "apiKey=PLANTED-LEDGER-SECRET",
    ]);
    // A customer-activated OAuth 2.0 connection whose app credentials the organization gives
    // once: the customer only connects (the pop-up), against oauth2-mock-server.
    let (_mock, issuer) = oauth_mock();
    env.cli(&[
        "connections",
        "create",
        "--key",
        "Vendor OAuth",
        "--stable-key",
        "vendor-oauth",
        "--connection",
        "http/oauth2AuthorizationCode",
        "--variable-scope",
        "customer",
        "--managed-by",
        "customer",
        "--global",
        &format!("authorizeUrl={issuer}/authorize"),
        "--global",
        &format!("tokenUrl={issuer}/token"),
        "--global",
        "clientId=vendor-app",
        "--global",
        "clientSecret=PLANTED-OAUTH-CLIENT-SECRET",
    ]);
    let file = env.dir.path().join("demo.yaml");
    std::fs::write(&file, DEFINITION).unwrap();
    env.cli(&["integrations", "import", file.to_str().unwrap()]);
    env.cli(&["integrations", "publish", "Embedded Demo"]);
    let found = env
        .graphql(
            "{ integrations(name: \"Embedded Demo\") { nodes { id } } }",
            json!({}),
        )
        .await;
    let draft = found["integrations"]["nodes"][0].clone();
    let listed = env
        .graphql(
            "mutation($id: ID!) { updateIntegrationMarketplaceConfiguration(input: {id: $id,
               marketplaceConfiguration: \"AVAILABLE_AND_DEPLOYABLE\", overview: \"Say hello.\"}) {
               integration { id name } errors { field messages } } }",
            json!({ "id": draft["id"] }),
        )
        .await;
    assert_eq!(
        listed["updateIntegrationMarketplaceConfiguration"]["integration"]["name"], "Embedded Demo",
        "{listed}"
    );

    // The browser: the host app, the SDK, the marketplace, the wizard.
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("embedded-screenshots");
    let browser = |phase: &str, instance: &str| {
        let mut node = Command::new("node");
        node.arg(repo_root().join("testsupport/browser/embedded.mjs"))
            .current_dir(repo_root())
            .env("PLUMB_URL", &url)
            .env("ORG_ID", &org_id)
            .env("PRIVATE_KEY_FILE", &key_file)
            .env("HOST_PORT", host_port.to_string())
            .env("OTHER_PORT", other_port.to_string())
            .env("SCREENSHOT_DIR", &shots)
            .env("PHASE", phase)
            .env("INSTANCE_ID", instance);
        tokio::task::spawn_blocking(move || node.output().unwrap())
    };
    let out = browser("walk", "").await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    serve.assert_running();
    assert!(
        out.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}\nserver log:\n{}",
        read(&env.dir.path().join("serve.log"))
    );
    assert!(stdout.contains("checks passed"), "{stdout}");
    let instance = stdout
        .lines()
        .find_map(|l| l.strip_prefix("instance: "))
        .unwrap()
        .to_string();

    // The instance the customer deployed runs with its values and the organization's connection.
    let shown = env.cli_json(&["instances", "show", &instance]);
    assert_eq!(shown["deployed"], true, "{shown}");
    assert_eq!(shown["customer"]["externalId"], "acme-cust", "{shown}");
    let run = env.cli_json(&["instances", "run", &instance, "--wait"]);
    assert_eq!(run["status"], "SUCCESS", "{run}");
    let execution = env.cli_json(&["executions", "show", run["id"].as_str().unwrap()]);
    // Step results, each as JSON text (a result may itself be JSON encoded in a string).
    let text: String = execution["stepResults"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| match &n["results"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    for want in [
        "\"region\":\"eu\"",
        "Hello from the host",
        "Org Ledger",
        "Vendor API",
    ] {
        assert!(text.contains(want), "{want} not in {text}");
    }
    assert!(
        text.contains("\"notify\":\"true\"") || text.contains("\"notify\":true"),
        "the ticked boolean: {text}"
    );
    // The customer's API key is its own value of the customer-activated connection, and a
    // secret: never in a result.
    contains_none(&text, &["customer-vendor-key-1", "PLANTED-LEDGER-SECRET"]);

    // The customer removes its instance from the wizard: INSTANCE_DELETED, and it is gone.
    let out = browser("remove", &instance).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success() && stdout.contains("checks passed"),
        "removal checks failed:\n{stdout}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        read(&env.dir.path().join("serve.log"))
    );
    let gone = plumb(
        env.dir.path(),
        &env.db,
        &env.key,
        "gone.log",
        &["instances", "show", &instance],
    )
    .env("PLUMB_URL", &env.url)
    .env("PLUMB_TOKEN", &env.token)
    .stdout(Stdio::piped())
    .output()
    .unwrap();
    assert_eq!(
        gone.status.code(),
        Some(4),
        "the removed instance is not found"
    );
    for name in [
        "01-marketplace",
        "02-wizard",
        "03-deployed",
        "04-other-origin",
        "05-oauth-connected",
        "06-removed",
    ] {
        assert!(shots.join(format!("{name}.png")).exists(), "{name}.png");
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}
