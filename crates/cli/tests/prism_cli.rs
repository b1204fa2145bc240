//! Prismatic's own CLI, `prism` (`@prismatic-io/prism`, pinned in testsupport/package.json and
//! installed by scripts/test), against a live `plumb serve` on loopback: the daily loop, each
//! command unchanged with its usual flags, checking exit codes and output. Also validates every
//! GraphQL operation the installed package sends against plumb's `schema.graphql` and prints
//! how many pass (testsupport/prism/validate-operations.mjs).
//!
//! prism is pointed at plumb with `PRISMATIC_URL` and a plumb API token as
//! `PRISM_ACCESS_TOKEN`; its update check is off (`PRISM_SKIP_NEW_VERSION_CHECK`) and its npm
//! registry is a closed loopback port, so nothing leaves the machine.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod support;
use support::{answers_health, free_port, spawn, Proc};

const BIN: &str = env!("CARGO_BIN_EXE_plumb");

const DEFINITION: &str = r#"name: Prism Greeter
description: Greets whoever the payload names
definitionVersion: 7
labels: [greetings]
category: Demo
requiredConfigVars:
  - key: greeting
    dataType: string
    defaultValue: Hello
flows:
  - name: Greet
    stableKey: greet-flow
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
        inputs: {}
      - name: Say Hello
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ logger, configVars }, stepResults) => {
                const who = stepResults.trigger.results.body.data.name;
                logger.info(`greeting ${who}`);
                return { data: { message: `${configVars.greeting}, ${who}!` } };
              };
"#;

fn testsupport() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testsupport")
}

fn prism_js() -> PathBuf {
    let p = testsupport().join("node_modules/@prismatic-io/prism/lib/run.js");
    assert!(
        p.exists(),
        "Prismatic's CLI is not installed at {}: run scripts/test (it runs npm ci in testsupport/)",
        p.display()
    );
    p
}

struct Plumb {
    dir: tempfile::TempDir,
    url: String,
    token: String,
    _serve: Proc,
}

impl Plumb {
    fn start() -> Plumb {
        let dir = tempfile::tempdir().unwrap();
        let listen = format!("127.0.0.1:{}", free_port());
        let url = format!("http://{listen}");
        let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
        let mut cmd = Command::new(BIN);
        cmd.current_dir(dir.path())
            .env_remove("PLUMB_DATABASE_URL")
            .env("PLUMB_LISTEN", &listen)
            .env("PLUMB_PUBLIC_URL", &url)
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(log);
        let mut serve = spawn("plumb serve", cmd);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !answers_health(&listen) {
            serve.assert_running();
            assert!(std::time::Instant::now() < deadline, "plumb did not start");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let out = Command::new(BIN)
            .current_dir(dir.path())
            .env_remove("PLUMB_DATABASE_URL")
            .args(["org", "create", "Prism Compat", "--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        Plumb {
            url,
            token: v["token"].as_str().unwrap().to_string(),
            dir,
            _serve: serve,
        }
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    /// Runs `prism ARGS` against this server.
    fn prism(&self, args: &[&str]) -> Output {
        let home = self.dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        Command::new("node")
            .arg(prism_js())
            .args(args)
            .current_dir(self.dir.path())
            .env("HOME", &home)
            .env("PRISMATIC_URL", &self.url)
            .env("PRISM_ACCESS_TOKEN", &self.token)
            .env("PRISM_SKIP_NEW_VERSION_CHECK", "true")
            .env("npm_config_registry", "http://127.0.0.1:9/")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// `prism ARGS`, which must succeed; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.prism(args);
        assert!(
            out.status.success(),
            "prism {args:?} exited {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `prism ARGS --output json`, parsed.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("prism {args:?}: {e}: {text}"))
    }
}

fn decodes_as(id: &str, type_name: &'static str) -> bool {
    plumb_core::id::decode(type_name, id.trim()).is_ok()
}

fn rows(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not a list: {v}"))
}

fn find<'a>(v: &'a Value, key: &str, value: &str) -> &'a Value {
    rows(v)
        .iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no row with {key} = {value} in {v}"))
}

#[test]
fn prism_daily_loop_against_plumb() {
    let p = Plumb::start();

    // me
    let me = p.ok(&["me"]);
    assert!(me.contains("Organization: Prism Compat"), "{me}");
    assert!(me.contains(&format!("Endpoint URL: {}", p.url)), "{me}");

    // customers:create / list / update / delete
    let customer = p.ok(&[
        "customers:create",
        "-n",
        "Smith Rocket",
        "-e",
        "smith",
        "-l",
        "gold",
    ]);
    let customer = customer.trim().to_string();
    assert!(decodes_as(&customer, "Customer"), "{customer}");
    let doomed = p
        .ok(&["customers:create", "-n", "Doomed Co"])
        .trim()
        .to_string();
    let list = p.json(&["customers:list", "-x"]);
    assert_eq!(find(&list, "id", &customer)["externalId"], "smith");
    p.ok(&[
        "customers:update",
        &customer,
        "-n",
        "Smith Rocket Co",
        "-d",
        "rockets",
    ]);
    let list = p.json(&["customers:list", "-x"]);
    let row = find(&list, "id", &customer);
    assert_eq!(row["name"], "Smith Rocket Co");
    assert_eq!(row["description"], "rockets");
    p.ok(&["customers:delete", &doomed]);
    let list = p.json(&["customers:list", "-x"]);
    assert!(
        rows(&list).iter().all(|r| r["id"] != doomed.as_str()),
        "{list}"
    );

    // integrations:import / list / flows:list / export
    let path = p.write("greeter.yaml", DEFINITION);
    let integration = p.ok(&["integrations:import", "-p", &path]);
    let integration = integration.trim().to_string();
    assert!(decodes_as(&integration, "Integration"), "{integration}");
    let again = p.ok(&["integrations:import", "-p", &path, "-i", &integration]);
    assert_eq!(again.trim(), integration, "re-import replaces the draft");
    let list = p.json(&["integrations:list", "-x"]);
    let row = find(&list, "id", &integration);
    assert_eq!(row["name"], "Prism Greeter");
    assert_eq!(row["category"], "Demo");
    let flows = p.json(&["integrations:flows:list", &integration, "-x"]);
    let greet = find(&flows, "name", "Greet");
    let test_url = greet["testUrl"].as_str().unwrap();
    assert!(
        test_url.starts_with(&format!("{}/trigger/test/", p.url)),
        "{greet}"
    );
    let exported = p.ok(&["integrations:export", &integration]);
    let yaml: serde_yaml::Value = serde_yaml::from_str(&exported).unwrap();
    assert_eq!(yaml["name"].as_str(), Some("Prism Greeter"), "{exported}");

    // integrations:flows:test, tailing its logs and step results (msgpack via resultsUrl)
    let payload = p.write("payload.json", r#"{"name": "Ada"}"#);
    let tested = p.ok(&[
        "integrations:flows:test",
        "-i",
        &integration,
        "-n",
        "Greet",
        "-p",
        &payload,
        "--tail-logs",
        "--tail-results",
        "--jsonl",
        "--timeout",
        "4",
    ]);
    assert!(
        tested.contains("greeting Ada"),
        "the log line is tailed: {tested}"
    );
    assert!(
        tested.contains("Hello, Ada!"),
        "the step result is fetched and decoded: {tested}"
    );
    let execution = tested
        .lines()
        .find_map(|l| {
            let v: Value = serde_json::from_str(l).ok()?;
            v["executionId"].as_str().map(str::to_string)
        })
        .or_else(|| {
            let start = tested.find('{')?;
            let end = tested[start..].find('}')? + start + 1;
            let v: Value = serde_json::from_str(&tested[start..end]).ok()?;
            v["executionId"].as_str().map(str::to_string)
        })
        .unwrap_or_else(|| panic!("no executionId in {tested}"));

    // executions:step-result:get
    let step = p.ok(&[
        "executions:step-result:get",
        "-e",
        &execution,
        "-s",
        "Say Hello",
    ]);
    let step: Value = serde_json::from_str(step.trim()).unwrap();
    assert_eq!(step["message"], "Hello, Ada!", "{step}");
    let missing = p.prism(&["executions:step-result:get", "-e", &execution, "-s", "Nope"]);
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("No step results found"),
        "{missing:?}"
    );

    // integrations:publish / versions
    p.ok(&[
        "integrations:publish",
        &integration,
        "-c",
        "first",
        "--commitHash",
        "abc123",
    ]);
    let versions = p.json(&["integrations:versions", &integration, "-x"]);
    assert_eq!(rows(&versions).len(), 1, "{versions}");
    // prism's table prints cells as text.
    assert_eq!(
        versions[0]["versionNumber"].to_string().trim_matches('"'),
        "1"
    );
    assert_eq!(versions[0]["versionComment"], "first");
    let version = versions[0]["id"].as_str().unwrap().to_string();
    let latest = p.json(&["integrations:versions", &integration, "-l", "-x"]);
    assert_eq!(latest[0]["id"], version.as_str());

    // instances:create / list / update / deploy / config-vars:list / flow-configs:list
    let instance = p.ok(&[
        "instances:create",
        "-n",
        "Smith Greeter",
        "-i",
        &version,
        "-c",
        &customer,
        "-v",
        r#"[{"key":"greeting","value":"Howdy"}]"#,
    ]);
    let instance = instance.trim().to_string();
    assert!(decodes_as(&instance, "Instance"), "{instance}");
    let labelled = p.prism(&[
        "instances:create",
        "-n",
        "Labelled",
        "-i",
        &version,
        "-c",
        &customer,
        "-l",
        "x",
    ]);
    assert!(!labelled.status.success());
    assert!(
        String::from_utf8_lossy(&labelled.stderr).contains("labels"),
        "a clear error names the field: {labelled:?}"
    );
    let list = p.json(&["instances:list", "-x", "-c", &customer]);
    assert_eq!(find(&list, "id", &instance)["name"], "Smith Greeter");
    p.ok(&["instances:update", &instance, "-d", "greets smith"]);
    let list = p.json(&["instances:list", "-x"]);
    assert_eq!(find(&list, "id", &instance)["description"], "greets smith");
    p.ok(&["instances:deploy", &instance, "--force"]);
    p.ok(&["instances:disable", &instance]);
    let list = p.json(&["instances:list", "-x"]);
    assert_eq!(find(&list, "id", &instance)["enabled"], "false");
    p.ok(&["instances:enable", &instance]);
    let vars = p.json(&["instances:config-vars:list", &instance, "-x"]);
    let greeting = find(&vars, "key", "greeting");
    assert_eq!(greeting["value"], "Howdy", "{vars}");
    assert_eq!(greeting["defaultValue"], "Hello", "{vars}");
    let configs = p.json(&["instances:flow-configs:list", &instance, "-x"]);
    let hook = rows(&configs)[0]["webhookUrl"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        hook.starts_with(&format!("{}/trigger/", p.url)),
        "{configs}"
    );

    // components:list / actions:list; logs:severities:list
    let components = p.json(&["components:list", "-x"]);
    assert!(
        rows(&components).iter().any(|c| c["key"] == "code"),
        "{components}"
    );
    let searched = p.json(&["components:list", "-s", "webhook", "-x"]);
    assert!(rows(&searched).iter().all(|c| {
        let text = format!("{} {}", c["key"], c["label"]).to_lowercase();
        text.contains("webhook")
    }));
    assert!(!rows(&searched).is_empty());
    let actions = p.json(&["components:actions:list", "code", "-x"]);
    assert!(
        rows(&actions).iter().any(|a| a["key"] == "runCode"),
        "{actions}"
    );
    let severities = p.json(&["logs:severities:list"]);
    let names: Vec<&str> = rows(&severities)
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "METRIC"]
    );

    // integrations:delete is refused while an instance exists; instances:delete, then it works
    let refused = p.prism(&["integrations:delete", &integration]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("instance"),
        "{refused:?}"
    );
    p.ok(&["instances:delete", &instance]);
    p.ok(&["integrations:delete", &integration]);
    let list = p.json(&["integrations:list", "-x"]);
    assert!(rows(&list).is_empty(), "{list}");
}

#[test]
fn signing_keys_through_prism() {
    let p = Plumb::start();
    let private = p.ok(&["organization:signing-keys:generate"]);
    assert!(private.contains("-----BEGIN PRIVATE KEY-----"), "{private}");
    let body: String = private
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let keys = p.json(&["organization:signing-keys:list", "-x"]);
    assert_eq!(rows(&keys).len(), 1, "{keys}");
    let generated = &keys[0];
    assert_eq!(generated["imported"], "false");
    let preview = generated["privateKeyPreview"].as_str().unwrap();
    assert!(
        body.ends_with(preview) && preview.len() == 8,
        "{preview} of {body}"
    );
    let public = generated["publicKey"].as_str().unwrap().to_string();
    assert!(!public.contains(&body[..40]), "the private key is not kept");

    // Import the public key (as a customer's own key pair would be), then a bad one.
    let file = p.write("key.pub", &public);
    p.ok(&["organization:signing-keys:import", "-p", &file]);
    let bad = p.write("bad.pub", &private);
    let refused = p.prism(&["organization:signing-keys:import", "-p", &bad]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("PRIVATE KEY") && err.contains("publicKey"),
        "{err}"
    );
    let keys = p.json(&["organization:signing-keys:list", "-x"]);
    assert_eq!(rows(&keys).len(), 2, "{keys}");
    assert!(rows(&keys).iter().any(|k| k["imported"] == "true"));
    for k in rows(&keys) {
        p.ok(&[
            "organization:signing-keys:delete",
            k["id"].as_str().unwrap(),
        ]);
    }
    let keys = p.json(&["organization:signing-keys:list", "-x"]);
    assert!(rows(&keys).is_empty(), "{keys}");

    // organization:update renames the organization.
    p.ok(&["organization:update", "-n", "Prism Renamed"]);
    let me = p.ok(&["me"]);
    assert!(me.contains("Organization: Prism Renamed"), "{me}");
}

#[test]
fn customer_users_through_prism() {
    let p = Plumb::start();
    let customer = p.ok(&["customers:create", "-n", "Users Co", "-e", "users-co"]);
    let customer = customer.trim().to_string();
    let roles = p.json(&["customers:users:roles", "-x"]);
    let admin = find(&roles, "name", "Admin")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(rows(&roles).iter().any(|r| r["name"] == "User"), "{roles}");
    let user = p.ok(&[
        "customers:users:create",
        "-c",
        &customer,
        "-e",
        "ada@users.example",
        "-n",
        "Ada",
        "-r",
        &admin,
    ]);
    let user = user.trim().to_string();
    assert!(decodes_as(&user, "User"), "{user}");
    let again = p.prism(&[
        "customers:users:create",
        "-c",
        &customer,
        "-e",
        "ada@users.example",
        "-r",
        &admin,
    ]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("email"),
        "{again:?}"
    );
    let bad_role = p.prism(&[
        "customers:users:create",
        "-c",
        &customer,
        "-e",
        "b@x.example",
        "-r",
        "nope",
    ]);
    assert!(
        String::from_utf8_lossy(&bad_role.stderr).contains("role"),
        "{bad_role:?}"
    );
    let list = p.json(&["customers:users:list", &customer, "-x"]);
    let row = find(&list, "id", &user);
    assert_eq!(row["email"], "ada@users.example");
    assert_eq!(row["name"], "Ada");
    p.ok(&["customers:users:delete", &user]);
    let list = p.json(&["customers:users:list", &customer, "-x"]);
    assert!(rows(&list).is_empty(), "{list}");
}

#[test]
fn a_results_url_is_a_signed_capability() {
    let p = Plumb::start();
    // A made-up token, a tampered one and a test URL used as a results URL are all 404.
    for path in [
        "/step-results/abc",
        "/step-results/00000000-0000-0000-0000-000000000000.00000000-0000-0000-0000-000000000000.99999999999999.AAAA",
        "/trigger/test/00000000-0000-0000-0000-000000000000.00000000-0000-0000-0000-000000000000.00000000-0000-0000-0000-000000000000.AAAA",
    ] {
        let method = if path.starts_with("/trigger") { "POST" } else { "GET" };
        let status = support::http_status(p.url.trim_start_matches("http://"), method, path);
        assert_eq!(status, 404, "{method} {path}");
    }
}

#[test]
fn every_operation_of_the_package_is_validated_against_the_schema() {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema.graphql");
    let _ = prism_js();
    let out = Command::new("node")
        .arg(testsupport().join("prism/validate-operations.mjs"))
        .arg(&schema)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (total, valid) = (
        report["total"].as_u64().unwrap(),
        report["valid"].as_u64().unwrap(),
    );
    println!("prism 10.4.0: {valid} of {total} GraphQL operations validate against schema.graphql");
    assert!(total > 50, "the package's operations were found: {total}");
    // The daily loop's operations must all validate.
    let daily = [
        "whoami",
        "listCustomers",
        "createCustomer",
        "updateCustomer",
        "deleteCustomer",
        "listIntegrations",
        "importIntegration",
        "export",
        "publishIntegration",
        "listIntegrationVersions",
        "GetIntegrationFlows",
        "GetIntegrationFlow",
        "GetIntegrationSystemInstance",
        "TestIntegrationFlow",
        "GetExecutionLogs",
        "GetExecutionStepResults",
        "IsCniExecutionComplete",
        "pollExecution",
        "GetPolledExecution",
        "DeleteIntegration",
        "deleteIntegration",
        "listInstances",
        "createInstance",
        "updateInstance",
        "deployInstance",
        "enableInstance",
        "disableInstance",
        "deleteInstance",
        "listInstanceConfigVariables",
        "listInstanceFlowConfigs",
        "getStepOutputDetails",
        "executionResults",
        "listComponents",
        "listComponentActions",
        "listLogSeverityLevels",
        "getSystemInstanceId",
        "state",
        "logs",
        "listOrganizationSigningKeys",
        "generateSigningKey",
        "importPublicKey",
        "updateOrganization",
        "listCustomerUsers",
        "createCustomerUser",
        "deleteUser",
        "listCustomerRoles",
    ];
    let ops = report["operations"].as_array().unwrap();
    for name in daily {
        let of_name: Vec<&Value> = ops.iter().filter(|o| o["name"] == name).collect();
        assert!(
            !of_name.is_empty(),
            "operation {name} not found in the package"
        );
        for o in of_name {
            assert!(o["valid"] == true, "{name}: {}", o["errors"]);
        }
    }
}
