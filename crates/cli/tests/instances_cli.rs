//! `plumb instances ...` and `plumb executions list --instance / replay`: the real binary
//! against a live `plumb serve` (with its workers) on a SQLite database in a temporary
//! directory. An integration is imported and published, deployed to a customer, and run through
//! its webhook, `instances run` and `executions replay`; then disabled, re-keyed and deleted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_plumb");

/// IDs of the right types whose UUIDs exist nowhere.
const UNKNOWN_INSTANCE: &str = "SW5zdGFuY2U6MDE5MDAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw";
const UNKNOWN_EXECUTION: &str =
    "SW5zdGFuY2VFeGVjdXRpb25SZXN1bHQ6MDE5MDAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw";
const UNKNOWN_FLOW_CONFIG: &str =
    "SW5zdGFuY2VGbG93Q29uZmlnOjAxOTAwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA==";

const DEFINITION: &str = r#"name: Instance Echo
description: Answers its config and its trigger body
definitionVersion: 7
requiredConfigVars:
  - key: greeting
    dataType: string
  - key: target
    dataType: string
    defaultValue: world
flows:
  - name: Echo
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
        inputs: {}
      - name: Reply
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ configVars }, stepResults) => {
                const body = stepResults.trigger.results.body.data;
                return { data: { greeting: configVars.greeting, target: configVars.target, body } };
              };
  - name: Fail
    steps:
      - name: Start
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
        inputs: {}
      - name: Boom
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async () => { throw new Error("kaboom from the instance"); };
"#;

/// The server, killed when the test ends (also on a failed assertion).
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Env {
    dir: tempfile::TempDir,
    url: String,
    token: String,
    http: reqwest::Client,
    rt: tokio::runtime::Runtime,
    _server: Serve,
}

impl Env {
    fn start() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let server = Command::new(BIN)
            .current_dir(dir.path())
            .env("PLUMB_LISTEN", format!("127.0.0.1:{port}"))
            .env_remove("PLUMB_DATABASE_URL")
            .env_remove("PLUMB_PUBLIC_URL")
            .env_remove("PLUMB_WORKERS")
            // A small webhook limit, so the oversized call below stays small enough for the
            // client to finish writing it before the 413 comes back.
            .args(["serve", "--workers", "2", "--webhook-body-limit", "65536"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let server = Serve(server);
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let out = Command::new(BIN)
            .current_dir(dir.path())
            .env_remove("PLUMB_DATABASE_URL")
            .args(["org", "create", "Instance Tests", "--json"])
            .output()
            .unwrap();
        let v = json_of(&out, 0);
        Env {
            url: format!("http://127.0.0.1:{port}"),
            token: v["token"].as_str().unwrap().to_string(),
            dir,
            http: reqwest::Client::new(),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            _server: server,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    fn plumb(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .current_dir(self.dir.path())
            .env("PLUMB_URL", &self.url)
            .env("PLUMB_TOKEN", &self.token)
            .args(args)
            .output()
            .unwrap()
    }

    /// Calls a webhook; answers the status, the content type and the body.
    fn call(&self, method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(method, url)
            .header("content-type", "application/json")
            .body(body.to_string());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.rt.block_on(async {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let text = resp.text().await.unwrap();
            Reply {
                status,
                content_type,
                body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
            }
        })
    }

    /// `executions list --json` with `args`, polled until `done` holds (or 60 s pass).
    fn list_until(&self, args: &[&str], done: impl Fn(&Value) -> bool) -> Value {
        let mut all = vec!["executions", "list", "--json"];
        all.extend_from_slice(args);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let listed = json_of(&self.plumb(&all), 0);
            if done(&listed) {
                return listed;
            }
            assert!(Instant::now() < deadline, "gave up waiting: {listed}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    content_type: String,
    body: Value,
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the exit code and answers stdout.
fn expect(out: &Output, code: i32) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

fn json_of(out: &Output, code: i32) -> Value {
    let text = expect(out, code);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts a failure: the exit code, and stderr naming `needle`.
fn fails(out: &Output, code: i32, needle: &str) {
    expect(out, code);
    let err = stderr(out);
    assert!(err.contains(needle), "stderr should name {needle:?}: {err}");
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key:?} in {v}"))
}

fn ids(list: &Value) -> Vec<String> {
    list["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| str_of(n, "id").to_string())
        .collect()
}

/// The `results` of the step named `step` in `executions show --json`.
fn step_result(env: &Env, execution: &str, step: &str) -> Value {
    let shown = json_of(&env.plumb(&["executions", "show", execution, "--json"]), 0);
    shown["stepResults"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stepName"] == step)
        .unwrap_or_else(|| panic!("no step {step:?}: {shown}"))["results"]
        .clone()
}

#[test]
fn instances_deploy_run_replay_disable_delete() {
    let env = Env::start();

    // --- an integration, published, and a customer
    let file = env.write("echo.yaml", DEFINITION);
    let imported = json_of(&env.plumb(&["integrations", "import", &file, "--json"]), 0);
    let draft = str_of(&imported, "id").to_string();
    let version = json_of(
        &env.plumb(&["integrations", "publish", &draft, "--json"]),
        0,
    );
    let version_id = str_of(&version, "id").to_string();
    let customer = json_of(
        &env.plumb(&["customers", "create", "Echo Customer", "--json"]),
        0,
    );
    let customer_id = str_of(&customer, "id").to_string();

    // --- create: a required config var left unbound is a payload error naming it (exit 3);
    // a draft is refused; an unknown customer too.
    let base = [
        "instances",
        "create",
        "--name",
        "Echo for Customer",
        "--customer",
        &customer_id,
        "--integration",
    ];
    let mut args = base.to_vec();
    args.push(&version_id);
    fails(&env.plumb(&args), 3, "greeting");
    let mut args = base.to_vec();
    args.extend([draft.as_str(), "--config", "greeting=Hi"]);
    fails(&env.plumb(&args), 3, "integration");
    fails(
        &env.plumb(&[
            "instances",
            "create",
            "--name",
            "x",
            "--customer",
            UNKNOWN_INSTANCE,
            "--integration",
            &version_id,
            "--config",
            "greeting=Hi",
        ]),
        3,
        "customer",
    );
    fails(
        &env.plumb(&[
            "instances",
            "create",
            "--name",
            "x",
            "--customer",
            &customer_id,
            "--integration",
            &version_id,
            "--config",
            "greeting",
        ]),
        1,
        "KEY=",
    );
    let mut args = base.to_vec();
    args.extend([version_id.as_str(), "--config", "greeting=Hi", "--json"]);
    let created = json_of(&env.plumb(&args), 0);
    let instance = str_of(&created, "id").to_string();
    assert_eq!(created["name"], "Echo for Customer");
    assert_eq!(created["customer"]["id"], customer_id.as_str());
    assert_eq!(created["integration"]["id"], version_id.as_str());
    assert_eq!(created["integration"]["versionNumber"], 1);
    assert_eq!(created["deployed"], false);

    // --- list and show
    let listed = json_of(
        &env.plumb(&["instances", "list", "--customer", &customer_id, "--json"]),
        0,
    );
    assert_eq!(listed["totalCount"], 1, "{listed}");
    assert_eq!(ids(&listed), [instance.as_str()]);
    let by_integration = json_of(
        &env.plumb(&["instances", "list", "--integration", &draft, "--json"]),
        0,
    );
    assert_eq!(ids(&by_integration), [instance.as_str()]);
    let table = expect(&env.plumb(&["instances", "list"]), 0);
    assert!(table.starts_with("ID"), "{table}");
    assert!(table.contains("Echo for Customer"), "{table}");
    let shown = json_of(&env.plumb(&["instances", "show", &instance, "--json"]), 0);
    let bound: BTreeMap<String, (String, Value)> = shown["configVariables"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                str_of(v, "key").to_string(),
                (str_of(v, "kind").to_string(), v["value"].clone()),
            )
        })
        .collect();
    assert_eq!(
        bound.get("greeting"),
        Some(&("value".to_string(), json!("Hi"))),
        "{shown}"
    );
    let text = expect(&env.plumb(&["instances", "show", &instance]), 0);
    assert!(
        text.contains("greeting") && text.contains("/trigger/"),
        "{text}"
    );
    fails(
        &env.plumb(&["instances", "show", UNKNOWN_INSTANCE]),
        4,
        "not found",
    );

    // --- webhooks: one per flow; undeployed, the webhook answers 409 and queues nothing.
    let hooks = json_of(
        &env.plumb(&["instances", "webhooks", &instance, "--json"]),
        0,
    );
    let hooks = hooks.as_array().unwrap();
    let names: Vec<&str> = hooks
        .iter()
        .map(|h| h["flow"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Echo", "Fail"]);
    let echo_url = str_of(&hooks[0], "webhookUrl").to_string();
    let fail_flow_config = str_of(&hooks[1], "id").to_string();
    let fail_url = str_of(&hooks[1], "webhookUrl").to_string();
    assert!(
        echo_url.starts_with(&format!("{}/trigger/", env.url)),
        "{echo_url}"
    );
    let table = expect(&env.plumb(&["instances", "webhooks", &instance]), 0);
    assert!(
        table.contains("FLOW") && table.contains(&echo_url),
        "{table}"
    );
    let early = env.call("POST", &echo_url, &[], r#"{"n": 0}"#);
    assert_eq!(early.status, 409, "{early:?}");
    fails(
        &env.plumb(&["instances", "webhooks", UNKNOWN_INSTANCE]),
        4,
        "not found",
    );

    // --- deploy
    let deployed = json_of(&env.plumb(&["instances", "deploy", &instance, "--json"]), 0);
    assert_eq!(deployed["deployed"], true);
    assert_eq!(deployed["enabled"], true);
    fails(
        &env.plumb(&["instances", "deploy", UNKNOWN_INSTANCE]),
        4,
        "not found",
    );

    // --- the webhook queues an execution that the workers run; `executions list --instance`
    // shows it.
    let queued = env.call("POST", &echo_url, &[], r#"{"n": 1}"#);
    assert_eq!(queued.status, 200, "{queued:?}");
    let hooked = str_of(&queued.body, "executionId").to_string();
    let listed = env.list_until(&["--instance", &instance], |l| {
        l["nodes"].as_array().is_some_and(|n| {
            n.iter()
                .any(|e| e["id"] == hooked.as_str() && e["status"] == "SUCCESS")
        })
    });
    assert_eq!(listed["totalCount"], 1, "{listed}");
    assert_eq!(listed["nodes"][0]["flow"]["name"], "Echo");
    assert_eq!(listed["nodes"][0]["isTestExecution"], false);
    let reply = step_result(&env, &hooked, "Reply");
    assert_eq!(
        reply,
        json!({"greeting": "Hi", "target": "world", "body": {"n": 1}}),
        "the step sees the bound config, the default and the trigger body"
    );

    // A synchronous call answers the final step's result with its content type.
    let sync = env.call(
        "POST",
        &echo_url,
        &[("plumb-synchronous", "true")],
        r#"{"n": 2}"#,
    );
    assert_eq!(sync.status, 200, "{sync:?}");
    assert!(
        sync.content_type.starts_with("application/json"),
        "{sync:?}"
    );
    assert_eq!(
        sync.body,
        json!({"greeting": "Hi", "target": "world", "body": {"n": 2}})
    );
    // Over the webhook body limit (64 KiB here, `--webhook-body-limit`): 413.
    let big = format!("\"{}\"", "x".repeat(80 * 1024));
    let too_big = env.call("POST", &echo_url, &[], &big);
    assert_eq!(too_big.status, 413, "{}", too_big.status);

    // --- instances run --wait: a success, and a failing flow exiting 1 with its error.
    let payload = env.write("payload.json", r#"{"n": 3}"#);
    let ran = json_of(
        &env.plumb(&[
            "instances",
            "run",
            &instance,
            "--flow",
            "Echo",
            "--payload",
            &payload,
            "--content-type",
            "application/json",
            "--wait",
            "--json",
        ]),
        0,
    );
    assert_eq!(ran["status"], "SUCCESS", "{ran}");
    assert_eq!(ran["flow"]["name"], "Echo");
    let run_id = str_of(&ran, "id").to_string();
    assert_eq!(step_result(&env, &run_id, "Reply")["body"], json!({"n": 3}));
    let failed = env.plumb(&[
        "instances",
        "run",
        &instance,
        "--flow",
        "Fail",
        "--wait",
        "--json",
    ]);
    let failed_json: Value = serde_json::from_str(&stdout(&failed)).unwrap();
    fails(&failed, 1, "kaboom from the instance");
    assert_eq!(failed_json["status"], "ERROR");
    let failed_id = str_of(&failed_json, "id").to_string();
    // Without --wait, run answers the queued execution at once.
    let queued_run = json_of(&env.plumb(&["instances", "run", &instance, "--json"]), 0);
    assert!(
        ["QUEUED", "PENDING", "SUCCESS"].contains(&queued_run["status"].as_str().unwrap()),
        "{queued_run}"
    );
    fails(
        &env.plumb(&["instances", "run", &instance, "--flow", "No Such Flow"]),
        3,
        "flowName",
    );
    fails(
        &env.plumb(&["instances", "run", UNKNOWN_INSTANCE, "--wait"]),
        4,
        "not found",
    );
    fails(
        &env.plumb(&["instances", "run", &instance, "--payload", "missing.json"]),
        1,
        "missing.json",
    );

    // --- executions replay --wait: a new execution with the same payload.
    let replayed = json_of(
        &env.plumb(&["executions", "replay", &hooked, "--wait", "--json"]),
        0,
    );
    assert_eq!(replayed["status"], "SUCCESS", "{replayed}");
    let replay_id = str_of(&replayed, "id").to_string();
    assert_ne!(replay_id, hooked);
    assert_eq!(
        step_result(&env, &replay_id, "Reply"),
        json!({"greeting": "Hi", "target": "world", "body": {"n": 1}})
    );
    fails(
        &env.plumb(&["executions", "replay", &failed_id, "--wait"]),
        1,
        "kaboom from the instance",
    );
    fails(
        &env.plumb(&["executions", "replay", UNKNOWN_EXECUTION]),
        4,
        "not found",
    );

    // --- executions list filters
    let errors = json_of(
        &env.plumb(&[
            "executions",
            "list",
            "--instance",
            &instance,
            "--flow",
            "Fail",
            "--json",
        ]),
        0,
    );
    assert_eq!(errors["totalCount"], 2, "{errors}");
    let only_errors = json_of(
        &env.plumb(&[
            "executions",
            "list",
            "--instance",
            &instance,
            "--status",
            "error",
            "--json",
        ]),
        0,
    );
    assert_eq!(only_errors["totalCount"], 2, "{only_errors}");
    assert!(ids(&only_errors).contains(&failed_id));
    let future = json_of(
        &env.plumb(&[
            "executions",
            "list",
            "--instance",
            &instance,
            "--since",
            "2999-01-01T00:00:00Z",
            "--json",
        ]),
        0,
    );
    assert_eq!(future["totalCount"], 0, "{future}");
    let past = json_of(
        &env.plumb(&[
            "executions",
            "list",
            "--instance",
            &instance,
            "--until",
            "2000-01-01T00:00:00Z",
            "--json",
        ]),
        0,
    );
    assert_eq!(past["totalCount"], 0, "{past}");
    let window = json_of(
        &env.plumb(&[
            "executions",
            "list",
            "--instance",
            &instance,
            "--since",
            "2000-01-01T00:00:00Z",
            "--until",
            "2999-01-01T00:00:00Z",
            "--flow",
            "Echo",
            "--status",
            "SUCCESS",
            "--json",
        ]),
        0,
    );
    assert!(
        ids(&window).contains(&hooked) && ids(&window).contains(&replay_id),
        "{window}"
    );
    fails(
        &env.plumb(&["executions", "list", "--instance", UNKNOWN_EXECUTION]),
        4,
        "not found",
    );

    // --- set-config: a new value takes effect on the next run; removing a required key is
    // refused naming it.
    let set = json_of(
        &env.plumb(&[
            "instances",
            "set-config",
            &instance,
            "--config",
            "greeting=Yo",
            "--config",
            "target=moon",
            "--json",
        ]),
        0,
    );
    assert_eq!(set["id"], instance.as_str());
    let ran = json_of(
        &env.plumb(&[
            "instances",
            "run",
            &instance,
            "--payload",
            &payload,
            "--wait",
            "--json",
        ]),
        0,
    );
    assert_eq!(
        step_result(&env, str_of(&ran, "id"), "Reply"),
        json!({"greeting": "Yo", "target": "moon", "body": {"n": 3}})
    );
    fails(
        &env.plumb(&["instances", "set-config", &instance, "--remove", "greeting"]),
        3,
        "greeting",
    );
    fails(
        &env.plumb(&[
            "instances",
            "set-config",
            UNKNOWN_INSTANCE,
            "--config",
            "greeting=x",
        ]),
        4,
        "not found",
    );

    // --- rotate-key: the Fail flow's webhook then needs the printed key.
    let key = expect(
        &env.plumb(&["instances", "rotate-key", &fail_flow_config]),
        0,
    );
    let key = key.trim().to_string();
    assert!(key.starts_with("plumbwh_"), "{key}");
    let refused = env.call("POST", &fail_url, &[], "{}");
    assert_eq!(refused.status, 401, "{refused:?}");
    let wrong = env.call("POST", &fail_url, &[("Api-Key", "plumbwh_wrong")], "{}");
    assert_eq!(wrong.status, 401, "{wrong:?}");
    let opened = env.call("POST", &fail_url, &[("Api-Key", &key)], "{}");
    assert_eq!(opened.status, 200, "{opened:?}");
    let second = json_of(
        &env.plumb(&[
            "instances",
            "rotate-key",
            &fail_flow_config,
            "--keep-existing",
            "--json",
        ]),
        0,
    );
    assert_eq!(second["instanceFlowConfig"]["apiKeyCount"], 2, "{second}");
    let again = env.call("POST", &fail_url, &[("Api-Key", &key)], "{}");
    assert_eq!(
        again.status, 200,
        "the kept key still opens the webhook: {again:?}"
    );
    fails(
        &env.plumb(&["instances", "rotate-key", UNKNOWN_FLOW_CONFIG]),
        4,
        "not found",
    );

    // --- disable: the webhook answers 409 and queues nothing; enable opens it again.
    let before = json_of(
        &env.plumb(&["executions", "list", "--instance", &instance, "--json"]),
        0,
    )["totalCount"]
        .clone();
    let disabled = json_of(
        &env.plumb(&["instances", "disable", &instance, "--json"]),
        0,
    );
    assert_eq!(disabled["enabled"], false);
    let closed = env.call("POST", &echo_url, &[], r#"{"n": 4}"#);
    assert_eq!(closed.status, 409, "{closed:?}");
    let after = json_of(
        &env.plumb(&["executions", "list", "--instance", &instance, "--json"]),
        0,
    )["totalCount"]
        .clone();
    assert_eq!(before, after);
    fails(
        &env.plumb(&["instances", "disable", UNKNOWN_INSTANCE]),
        4,
        "not found",
    );
    let enabled = json_of(&env.plumb(&["instances", "enable", &instance, "--json"]), 0);
    assert_eq!(enabled["enabled"], true);
    let open = env.call("POST", &echo_url, &[], r#"{"n": 5}"#);
    assert_eq!(open.status, 200, "{open:?}");

    // --- move: to another published version of the same integration.
    let v2 = json_of(
        &env.plumb(&["integrations", "publish", &draft, "--json"]),
        0,
    );
    let moved = json_of(
        &env.plumb(&[
            "instances",
            "move",
            &instance,
            "--integration",
            str_of(&v2, "id"),
            "--json",
        ]),
        0,
    );
    assert_eq!(moved["integration"]["versionNumber"], 2, "{moved}");
    fails(
        &env.plumb(&["instances", "move", &instance, "--integration", &draft]),
        3,
        "integration",
    );

    // --- delete: then the instance and its webhooks are gone; its history stays.
    let deleted = json_of(&env.plumb(&["instances", "delete", &instance, "--json"]), 0);
    assert_eq!(deleted["id"], instance.as_str());
    fails(
        &env.plumb(&["instances", "show", &instance]),
        4,
        "not found",
    );
    fails(
        &env.plumb(&["instances", "delete", &instance]),
        4,
        "not found",
    );
    let gone = env.call("POST", &echo_url, &[], "{}");
    assert_eq!(gone.status, 404, "{gone:?}");
    let empty = json_of(
        &env.plumb(&["instances", "list", "--customer", &customer_id, "--json"]),
        0,
    );
    assert_eq!(empty["totalCount"], 0);
    let history = json_of(&env.plumb(&["executions", "show", &hooked, "--json"]), 0);
    assert_eq!(history["status"], "SUCCESS");
}
