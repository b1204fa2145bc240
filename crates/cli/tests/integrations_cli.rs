//! `plumb integrations ...` (import / export / publish / versions / test-config / test) and
//! `plumb executions ...` (list / show / logs): the real binary against a live `plumb serve` on
//! a SQLite database in a temporary directory. Exit codes, `--json` shapes, and one bad input
//! per command.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_plumb");

/// An integration ID of the right type whose UUID exists nowhere (`Integration:<uuid>`).
const UNKNOWN_INTEGRATION: &str =
    "SW50ZWdyYXRpb246MDE5MDAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw";
/// The same for an execution (`ExecutionResult:<uuid>`).
const UNKNOWN_EXECUTION: &str =
    "RXhlY3V0aW9uUmVzdWx0OjAxOTAwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA==";

const DEFINITION: &str = r#"name: CLI Greeter
description: Greets whoever the payload names
definitionVersion: 7
requiredConfigVars:
  - key: greeting
    dataType: string
    defaultValue: Hello
flows:
  - name: Greet
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
  - name: Explode
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
              module.exports = async () => { throw new Error("kaboom from the test"); };
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
        let server = Command::new(BIN)
            .current_dir(dir.path())
            .env("PLUMB_LISTEN", format!("127.0.0.1:{port}"))
            .env_remove("PLUMB_DATABASE_URL")
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
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
            .args(["org", "create", "CLI Tests", "--json"])
            .output()
            .unwrap();
        let v = json_of(&out, 0);
        Env {
            url: format!("http://127.0.0.1:{port}"),
            token: v["token"].as_str().unwrap().to_string(),
            dir,
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

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    k.sort_unstable();
    k
}

/// A definition as a YAML value (comparisons ignore formatting, not content).
fn yaml(text: &str) -> serde_yaml::Value {
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}): {text}"))
}

fn integration_id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[test]
fn integrations_and_executions_commands_against_a_live_server() {
    let env = Env::start();
    let file = env.write("greeter.yaml", DEFINITION);

    // --- import
    let imported = json_of(&env.plumb(&["integrations", "import", &file, "--json"]), 0);
    assert_eq!(
        keys(&imported),
        [
            "flows",
            "id",
            "isPublished",
            "name",
            "updatedAt",
            "versionComment",
            "versionNumber"
        ]
    );
    assert_eq!(imported["name"], "CLI Greeter");
    assert_eq!(imported["isPublished"], false);
    assert_eq!(imported["versionNumber"], 0);
    let flows: Vec<&str> = imported["flows"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(flows, ["Greet", "Explode"]);
    let id = integration_id(&imported);
    // The human output is a table naming the integration.
    let table = expect(&env.plumb(&["integrations", "import", &file]), 0);
    assert!(table.starts_with("ID"), "{table}");
    assert!(table.contains("CLI Greeter"), "{table}");
    // Replacing the draft keeps the ID.
    let replaced = json_of(
        &env.plumb(&[
            "integrations",
            "import",
            &file,
            "--integration",
            &id,
            "--json",
        ]),
        0,
    );
    assert_eq!(replaced["id"], id.as_str());

    // import: a missing file, invalid YAML, a definition the validator refuses.
    fails(
        &env.plumb(&["integrations", "import", "no-such-file.yaml"]),
        1,
        "no-such-file.yaml",
    );
    let bad_yaml = env.write("bad.yaml", "name: [unclosed\nflows: {\n");
    let out = env.plumb(&["integrations", "import", &bad_yaml]);
    fails(&out, 3, "definition");
    assert!(stderr(&out).contains("line"), "{}", stderr(&out));
    let unknown_component = env.write(
        "unknown.yaml",
        &DEFINITION.replace("component: {key: code}", "component: {key: nope}"),
    );
    fails(
        &env.plumb(&["integrations", "import", &unknown_component]),
        3,
        "nope",
    );
    fails(
        &env.plumb(&[
            "integrations",
            "import",
            &file,
            "--integration",
            UNKNOWN_INTEGRATION,
        ]),
        3,
        "integrationId: integration not found",
    );

    // --- export: the definition round-trips (re-importing the export gives the same export).
    let exported = expect(&env.plumb(&["integrations", "export", &id]), 0);
    assert!(exported.contains("name: CLI Greeter"), "{exported}");
    assert_eq!(yaml(&exported), yaml(DEFINITION));
    let exported_file = env.write("exported.yaml", &exported);
    let again = json_of(
        &env.plumb(&["integrations", "import", &exported_file, "--json"]),
        0,
    );
    let again_id = integration_id(&again);
    assert_ne!(again_id, id);
    let exported_again = expect(&env.plumb(&["integrations", "export", &again_id]), 0);
    assert_eq!(yaml(&exported_again), yaml(&exported));
    fails(
        &env.plumb(&["integrations", "export", UNKNOWN_INTEGRATION]),
        4,
        "not found",
    );

    // --- test-config
    let configured = json_of(
        &env.plumb(&[
            "integrations",
            "test-config",
            &id,
            "greeting=Ahoy",
            "--json",
        ]),
        0,
    );
    assert_eq!(configured["id"], id.as_str());
    fails(
        &env.plumb(&["integrations", "test-config", &id, "greeting"]),
        1,
        "greeting",
    );
    fails(
        &env.plumb(&["integrations", "test-config", &id, "undeclared=1"]),
        3,
        "configVariables",
    );
    fails(
        &env.plumb(&[
            "integrations",
            "test-config",
            UNKNOWN_INTEGRATION,
            "greeting=x",
        ]),
        3,
        "integration: integration not found",
    );

    // --- test: a run with a payload succeeds; a failing flow exits 1 with the error.
    let payload = env.write("payload.json", r#"{"name": "Ash"}"#);
    let run = json_of(
        &env.plumb(&[
            "integrations",
            "test",
            &id,
            "--flow",
            "Greet",
            "--payload",
            &payload,
            "--json",
        ]),
        0,
    );
    assert_eq!(keys(&run), ["error", "id", "status"]);
    assert_eq!(run["status"], "SUCCESS", "{run}");
    let ok_exec = run["id"].as_str().unwrap().to_string();
    let failed = env.plumb(&["integrations", "test", &id, "--flow", "Explode", "--json"]);
    let failed_json: Value = serde_json::from_str(&stdout(&failed)).unwrap();
    fails(&failed, 1, "failed");
    assert_eq!(failed_json["status"], "ERROR");
    assert!(
        failed_json["error"]
            .as_str()
            .unwrap_or("")
            .contains("kaboom from the test"),
        "{failed_json}"
    );
    let bad_exec = failed_json["id"].as_str().unwrap().to_string();
    fails(
        &env.plumb(&[
            "integrations",
            "test",
            &id,
            "--payload",
            "missing-payload.json",
        ]),
        1,
        "missing-payload.json",
    );
    fails(
        &env.plumb(&["integrations", "test", &id, "--flow", "No Such Flow"]),
        3,
        "flow: flow not found",
    );
    fails(
        &env.plumb(&["integrations", "test", UNKNOWN_INTEGRATION]),
        3,
        "not found",
    );

    // --- publish and versions
    let published = json_of(
        &env.plumb(&[
            "integrations",
            "publish",
            &id,
            "--comment",
            "first",
            "--json",
        ]),
        0,
    );
    assert_eq!(published["versionNumber"], 1);
    assert_eq!(published["isPublished"], true);
    assert_eq!(published["versionComment"], "first");
    assert_ne!(published["id"], id.as_str());
    let second = json_of(
        &env.plumb(&[
            "integrations",
            "publish",
            &id,
            "--comment",
            "second",
            "--json",
        ]),
        0,
    );
    assert_eq!(second["versionNumber"], 2);
    // A published version exports the same definition.
    let version_export = expect(
        &env.plumb(&["integrations", "export", published["id"].as_str().unwrap()]),
        0,
    );
    assert_eq!(yaml(&version_export), yaml(&exported));
    fails(
        &env.plumb(&["integrations", "publish", UNKNOWN_INTEGRATION]),
        3,
        "not found",
    );

    let versions = json_of(
        &env.plumb(&["integrations", "versions", "CLI Greeter", "--json"]),
        0,
    );
    assert_eq!(keys(&versions), ["nodes", "totalCount"]);
    let mut numbers: Vec<(i64, bool)> = versions["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["id"] == id.as_str() || n["isPublished"] == true)
        .map(|n| {
            (
                n["versionNumber"].as_i64().unwrap(),
                n["isPublished"].as_bool().unwrap(),
            )
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, [(1, true), (2, false), (2, true)], "{versions}");
    let table = expect(&env.plumb(&["integrations", "versions", "CLI Greeter"]), 0);
    assert!(table.contains("second"), "{table}");
    let none = json_of(
        &env.plumb(&["integrations", "versions", "No Such Integration", "--json"]),
        0,
    );
    assert_eq!(none["totalCount"], 0);
    assert_eq!(none["nodes"], json!([]));

    // --- executions list
    let listed = json_of(
        &env.plumb(&["executions", "list", "--integration", &id, "--json"]),
        0,
    );
    assert_eq!(keys(&listed), ["nodes", "totalCount"]);
    assert_eq!(listed["totalCount"], 2, "{listed}");
    let node = &listed["nodes"][0];
    assert_eq!(
        keys(node),
        [
            "endedAt",
            "error",
            "flow",
            "id",
            "isTestExecution",
            "startedAt",
            "status"
        ]
    );
    let errors = json_of(
        &env.plumb(&[
            "executions",
            "list",
            "--integration",
            &id,
            "--status",
            "ERROR",
            "--test",
            "--json",
        ]),
        0,
    );
    assert_eq!(errors["totalCount"], 1, "{errors}");
    assert_eq!(errors["nodes"][0]["id"], bad_exec.as_str());
    assert_eq!(errors["nodes"][0]["flow"]["name"], "Explode");
    let table = expect(&env.plumb(&["executions", "list"]), 0);
    assert!(
        table.contains(&ok_exec) && table.contains(&bad_exec),
        "{table}"
    );
    let lower = json_of(
        &env.plumb(&["executions", "list", "--status", "success", "--json"]),
        0,
    );
    assert_eq!(lower["totalCount"], 1, "{lower}");
    assert_eq!(lower["nodes"][0]["id"], ok_exec.as_str());
    fails(
        &env.plumb(&["executions", "list", "--status", "DONE"]),
        2,
        "DONE",
    );
    fails(
        &env.plumb(&["executions", "list", "--integration", UNKNOWN_EXECUTION]),
        4,
        "not found",
    );

    // --- executions show
    let shown = json_of(&env.plumb(&["executions", "show", &ok_exec, "--json"]), 0);
    assert_eq!(shown["status"], "SUCCESS");
    assert_eq!(shown["isTestExecution"], true);
    assert_eq!(shown["flow"]["name"], "Greet");
    let steps = shown["stepResults"]["nodes"].as_array().unwrap();
    let hello = steps
        .iter()
        .find(|s| s["stepName"] == "Say Hello")
        .unwrap_or_else(|| panic!("{shown}"));
    assert_eq!(
        hello["results"],
        json!({"message": "Ahoy, Ash!"}),
        "{shown}"
    );
    let human = expect(&env.plumb(&["executions", "show", &bad_exec]), 0);
    assert!(human.contains("Boom"), "{human}");
    assert!(human.contains("kaboom from the test"), "{human}");
    fails(
        &env.plumb(&["executions", "show", UNKNOWN_EXECUTION]),
        4,
        "not found",
    );

    // --- executions logs
    let logs = json_of(&env.plumb(&["executions", "logs", &ok_exec, "--json"]), 0);
    let lines = logs["nodes"].as_array().unwrap();
    let line = lines
        .iter()
        .find(|l| l["message"] == "greeting Ash")
        .unwrap_or_else(|| panic!("{logs}"));
    assert_eq!(keys(line), ["message", "severity", "stepName", "timestamp"]);
    assert_eq!(line["severity"], "INFO");
    assert_eq!(line["stepName"], "Say Hello");
    let human = expect(&env.plumb(&["executions", "logs", &ok_exec]), 0);
    assert!(
        human
            .lines()
            .any(|l| l.contains("INFO [Say Hello] greeting Ash")),
        "{human}"
    );
    fails(
        &env.plumb(&["executions", "logs", UNKNOWN_EXECUTION]),
        4,
        "not found",
    );

    // Without a server address: exit 1 (not set) for every client command.
    let out = Command::new(BIN)
        .current_dir(env.dir.path())
        .env_remove("PLUMB_URL")
        .env_remove("PLUMB_TOKEN")
        .args(["executions", "list"])
        .output()
        .unwrap();
    fails(&out, 1, "PLUMB_URL");
}

/// `plumb models`: import (problems with lines, exit 3), list, show the operations, delete.
#[test]
fn models_commands_against_a_live_server() {
    let env = Env::start();
    let petstore = env.write(
        "petstore.yaml",
        include_str!("../../models/tests/data/openapi/petstore-3.0.yaml"),
    );
    let broken = env.write(
        "broken.yaml",
        "openapi: 3.0.0\ninfo: {title: Broken, version: '1'}\npaths:\n  /x:\n    get:\n      responses: {'200': {$ref: '#/components/responses/Nope'}}\n",
    );
    fails(&env.plumb(&["models", "import", &broken]), 3, "line");
    let imported = json_of(&env.plumb(&["models", "import", &petstore, "--json"]), 0);
    assert_eq!(imported["name"], "Swagger Petstore:1.0.0", "{imported}");
    assert_eq!(imported["operations"]["totalCount"], 3);
    // The same name again needs --replace.
    fails(&env.plumb(&["models", "import", &petstore]), 3, "already");
    expect(&env.plumb(&["models", "import", &petstore, "--replace"]), 0);
    let list = json_of(&env.plumb(&["models", "list", "--json"]), 0);
    let id = list[0]["id"].as_str().unwrap().to_string();
    let shown = expect(&env.plumb(&["models", "show", &id]), 0);
    for key in ["listPets", "createPets", "showPetById"] {
        assert!(shown.contains(key), "{shown}");
    }
    // An integration of a model against a stand-in, and a task called by name.
    let kinds = env.write(
        "kinds.yaml",
        include_str!("../../models/tests/data/openapi/kinds-3.0.yaml"),
    );
    expect(&env.plumb(&["models", "import", &kinds]), 0);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let port = rt.block_on(async {
        let router = axum::Router::new().route(
            "/items/{id}",
            axum::routing::get(|headers: axum::http::HeaderMap| async move {
                let trace = headers
                    .get("x-trace")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                axum::Json(serde_json::json!({"id": 7, "name": "Lotus", "trace": trace}))
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        port
    });
    let config = env.write(
        "kinds-local.json",
        &format!(r#"{{"server": {{"host": "127.0.0.1", "port": {port}}}, "logLevel": "debug"}}"#),
    );
    let created = expect(
        &env.plumb(&[
            "models",
            "integrations",
            "create",
            "--model",
            "Kinds:1.0.0",
            "--name",
            "kinds-local",
            "--config",
            &config,
        ]),
        0,
    );
    assert!(created.contains("kinds-local:GET"), "{created}");
    fails(
        &env.plumb(&[
            "models",
            "integrations",
            "create",
            "--model",
            "Nope:1",
            "--name",
            "x",
            "--config",
            &config,
        ]),
        4,
        "Kinds:1.0.0",
    );
    let answer = json_of(
        &env.plumb(&[
            "models",
            "call",
            "kinds-local",
            "getItem",
            "--input",
            "itemId=7",
            "--input",
            "verbose=true",
            "--input",
            "X-Trace=t-9",
        ]),
        0,
    );
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(answer["body"]["trace"], "t-9");
    fails(
        &env.plumb(&[
            "models",
            "call",
            "kinds-local",
            "getItem",
            "--input",
            "itemId=7",
        ]),
        1,
        "input `verbose` is required",
    );
    let level = expect(
        &env.plumb(&[
            "models",
            "integrations",
            "log-level",
            "kinds-local",
            "error",
        ]),
        0,
    );
    assert!(level.contains("log level error"), "{level}");
    let listed = json_of(&env.plumb(&["models", "integrations", "list", "--json"]), 0);
    assert_eq!(listed[0]["logLevel"], "error", "{listed}");
    // A model with integrations is not deleted; its integration first.
    fails(
        &env.plumb(&["models", "delete", &id_of(&env, "Kinds:1.0.0")]),
        3,
        "delete them first",
    );
    expect(
        &env.plumb(&["models", "integrations", "delete", "kinds-local"]),
        0,
    );
    expect(
        &env.plumb(&["models", "delete", &id_of(&env, "Kinds:1.0.0")]),
        0,
    );
    drop(rt);

    expect(&env.plumb(&["models", "delete", &id]), 0);
    fails(&env.plumb(&["models", "show", &id]), 4, "not found");
    assert_eq!(
        json_of(&env.plumb(&["models", "list", "--json"]), 0),
        serde_json::json!([])
    );
}

/// The ID of the model named `name`.
fn id_of(env: &Env, name: &str) -> String {
    let list = json_of(&env.plumb(&["models", "list", "--json"]), 0);
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no model {name} in {list}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}
