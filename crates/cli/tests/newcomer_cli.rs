//! A newcomer's first hour with the CLI, against a live `plumb serve` on loopback: names
//! instead of IDs (customers, integrations, instances, connections, config variables; an
//! ambiguous name lists its matches), `--bind-same-names`, `instances show` by name, and the
//! errors that help (URL mistakes, relative times, flow names, plain type names, a JSON 401),
//! `--json` anywhere, `org create --env`, and a server log without colours but with request
//! lines.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod support;

const BIN: &str = env!("CARGO_BIN_EXE_plumb");
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/pokemon-avatar-sync/integration.yaml"
);

struct Env {
    dir: tempfile::TempDir,
    url: String,
    token: String,
    server: Child,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

impl Env {
    fn run_with(&self, url: &str, token: &str, args: &[&str]) -> Output {
        Command::new(BIN)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PLUMB_URL", url)
            .env("PLUMB_TOKEN", token)
            .args(args)
            .output()
            .unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with(&self.url, &self.token, args)
    }

    /// Runs and expects success; answers standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: exit {:?}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}

/// Expects exit `code` and a standard error containing every one of `texts`; answers it.
fn fails(out: &Output, code: i32, texts: &[&str]) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(code), "{err}");
    for t in texts {
        assert!(err.contains(t), "{t:?} not in: {err}");
    }
    err
}

fn start() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let port = support::free_port();
    let listen = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut server = Command::new(BIN)
        .current_dir(dir.path())
        .env_clear()
        .env("PLUMB_LISTEN", &listen)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !support::answers_health(&listen) {
        assert!(server.try_wait().unwrap().is_none(), "the server exited");
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    // `org create --env` prints the running server's URL (from PLUMB_LISTEN) and the token.
    let created = Command::new(BIN)
        .current_dir(dir.path())
        .env_clear()
        .env("PLUMB_LISTEN", &listen)
        .args(["org", "create", "Acme SaaS", "--env"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    let text = String::from_utf8_lossy(&created.stdout).to_string();
    let url = format!("http://{listen}");
    assert!(
        text.contains(&format!("export PLUMB_URL={url}\n")),
        "{text}"
    );
    let token = text
        .lines()
        .find_map(|l| l.strip_prefix("export PLUMB_TOKEN="))
        .unwrap()
        .to_string();
    assert!(token.starts_with("plumb_"), "{text}");
    Env {
        dir,
        url,
        token,
        server,
    }
}

#[test]
fn names_errors_and_output_for_a_newcomer() {
    let env = start();

    // Without any setting, `org create` says its URL is only the default.
    let other = Command::new(BIN)
        .current_dir(env.dir.path())
        .env_clear()
        .args(["org", "create", "Other"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&other.stdout).contains("PLUMB_URL is the default"),
        "{other:?}"
    );

    // --json anywhere on the command line.
    let listed: Value = serde_json::from_str(&env.ok(&["--json", "customers", "list"])).unwrap();
    assert_eq!(listed["totalCount"], 0);

    // Customers by external ID or name; an ambiguous name lists its matches; none lists
    // what exists.
    env.ok(&[
        "customers",
        "create",
        "Smith Rocket Company",
        "--external-id",
        "smith",
    ]);
    let a = env.json(&[
        "customers",
        "create",
        "Twin Co",
        "--external-id",
        "twin-a",
        "--json",
    ]);
    let b = env.json(&[
        "customers",
        "create",
        "Twin Co",
        "--external-id",
        "twin-b",
        "--json",
    ]);
    let smith = env.json(&["customers", "get", "smith", "--json"]);
    assert_eq!(smith["name"], "Smith Rocket Company");
    let by_name = env.json(&["customers", "get", "Smith Rocket Company", "--json"]);
    assert_eq!(by_name["id"], smith["id"]);
    fails(
        &env.run(&["customers", "get", "Twin Co"]),
        3,
        &[
            a["id"].as_str().unwrap(),
            b["id"].as_str().unwrap(),
            "matches 2",
        ],
    );
    fails(
        &env.run(&["customers", "get", "nobody"]),
        4,
        &["no customer named \"nobody\"", "smith"],
    );

    // Config variables by customer name and key.
    env.ok(&[
        "config-vars",
        "customer",
        "create",
        "smith",
        "customerName",
        "Smith",
    ]);
    env.ok(&[
        "config-vars",
        "customer",
        "create",
        "smith",
        "pokemonAvatar",
        "pikachu",
    ]);
    let changed = env.json(&[
        "config-vars",
        "customer",
        "update",
        "pokemonAvatar",
        "onix",
        "--customer",
        "smith",
        "--json",
    ]);
    assert_eq!(changed["value"], "onix");
    env.ok(&[
        "config-vars",
        "org",
        "set",
        "pokemonAvatarS3BucketName",
        "avatars",
    ]);
    env.ok(&[
        "config-vars",
        "org",
        "set",
        "pokeApiBaseUrl",
        "http://127.0.0.1:9",
    ]);
    env.ok(&[
        "connections",
        "create",
        "--key",
        "Avatar bucket",
        "--stable-key",
        "aws-avatars",
        "--connection",
        "aws-s3/apiKeySecret",
        "--variable-scope",
        "org",
        "--value",
        "accessKeyId=AK",
        "--value",
        "secretAccessKey=SECRET-never-shown",
        "--value",
        "endpoint=http://127.0.0.1:9",
    ]);

    // Integrations by name; a flow not found lists the flows.
    env.ok(&["integrations", "import", EXAMPLE]);
    // test-config shows what the test run uses.
    let set = env.ok(&[
        "integrations",
        "test-config",
        "Pokemon Avatar Sync",
        "customerName=Tester",
    ]);
    for t in [
        "CONFIG VAR",
        "Tester",
        "(default) https://pokeapi.co",
        "test credentials of connection aws-avatars",
    ] {
        assert!(set.contains(t), "{t:?} not in:\n{set}");
    }
    // Connection values: a table first, not a bare ID.
    let values = env.ok(&["connections", "set-test", "aws-avatars", "accessKeyId=AK"]);
    assert!(values.starts_with("INPUT"), "{values}");
    fails(
        &env.run(&[
            "integrations",
            "test",
            "Pokemon Avatar Sync",
            "--flow",
            "Sync",
        ]),
        3,
        &["\"Sync Avatar\""],
    );
    env.ok(&["integrations", "publish", "Pokemon Avatar Sync"]);

    // Instances: --bind-same-names; show by name, the connection included.
    env.ok(&[
        "instances",
        "create",
        "--name",
        "Avatar sync",
        "--customer",
        "smith",
        "--integration",
        "Pokemon Avatar Sync",
        "--bind-same-names",
    ]);
    let shown = env.ok(&["instances", "show", "Avatar sync"]);
    for t in [
        "customer variable",
        "organization variable",
        "pokemonAvatarS3BucketName",
        "aws-avatars",
        "AWS Credentials",
    ] {
        assert!(shown.contains(t), "{t:?} not in:\n{shown}");
    }
    assert!(!shown.contains("Q3VzdG9tZXJDb25maWdWYXJpYWJsZ"), "{shown}");
    // Bindings by key, one by one; an unknown key is not found and names what exists.
    env.ok(&[
        "instances",
        "create",
        "--name",
        "By keys",
        "--customer",
        "Smith Rocket Company",
        "--integration",
        "Pokemon Avatar Sync",
        "--config-customer-var",
        "customerName",
        "--config-customer-var",
        "pokemonAvatar=pokemonAvatar",
        "--config-org-var",
        "pokemonAvatarS3BucketName=pokemonAvatarS3BucketName",
        "--config-connection",
        "AWS Credentials=aws-avatars",
    ]);
    fails(
        &env.run(&[
            "instances",
            "create",
            "--name",
            "x",
            "--customer",
            "smith",
            "--integration",
            "Pokemon Avatar Sync",
            "--config-org-var",
            "pokemonAvatarS3BucketName=bucket",
        ]),
        4,
        &[
            "no organization config variable named \"bucket\"",
            "pokeApiBaseUrl",
        ],
    );
    fails(
        &env.run(&["instances", "run", "Avatar sync", "--flow", "Sync"]),
        3,
        &["\"Sync Avatar\""],
    );
    env.ok(&["instances", "deploy", "Avatar sync"]);
    env.ok(&["instances", "webhooks", "By keys"]);

    // rotate-key by names: the instance (among a customer's) and its flow; the key alone on
    // standard output; a wrong flow lists the flows.
    let rotated = env.run(&[
        "instances",
        "rotate-key",
        "Avatar sync",
        "--customer",
        "smith",
        "--flow",
        "sync avatar",
    ]);
    assert!(rotated.status.success(), "{rotated:?}");
    let key = String::from_utf8_lossy(&rotated.stdout).to_string();
    assert_eq!(key.lines().count(), 1, "{key}");
    assert!(key.trim().starts_with("plumbwh_"), "{key}");
    assert!(
        String::from_utf8_lossy(&rotated.stderr).contains("shown only once"),
        "{rotated:?}"
    );
    fails(
        &env.run(&["instances", "rotate-key", "Avatar sync", "--flow", "Sync"]),
        3,
        &["no flow \"Sync\"", "\"Sync Avatar\""],
    );

    // Output convention: a created token's secret alone on standard output; a created
    // connection a table whose first column is its ID.
    let created = env.run(&[
        "tokens",
        "create",
        "--name",
        "ci",
        "--role",
        "viewer",
        "--customer",
        "smith",
    ]);
    assert!(created.status.success(), "{created:?}");
    let secret = String::from_utf8_lossy(&created.stdout).to_string();
    assert_eq!(secret.lines().count(), 1, "{secret}");
    assert!(secret.starts_with("plumb_"), "{secret}");
    let table = env.ok(&[
        "connections",
        "create",
        "--key",
        "Spare",
        "--stable-key",
        "spare",
        "--connection",
        "aws-s3/apiKeySecret",
        "--variable-scope",
        "customer",
    ]);
    assert!(table.starts_with("ID "), "{table}");
    let id = table
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert!(plumb_core::id::decode_any(id).is_ok(), "{table}");

    // `plumb run` names every required config var left without a value, and runs nothing.
    let local = env.run(&["run", EXAMPLE, "--config", "pokemonAvatar=pikachu"]);
    assert_eq!(local.status.code(), Some(1));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&local.stdout),
        String::from_utf8_lossy(&local.stderr)
    );
    for t in [
        "customerName",
        "pokemonAvatarS3BucketName",
        "AWS Credentials",
    ] {
        assert!(said.contains(t), "{t:?} not in: {said}");
    }
    assert!(!said.contains("undefined.png"), "{said}");

    // Relative times, or a message with the expected format.
    for since in ["1h", "yesterday", "2026-01-01", "30m ago"] {
        env.ok(&[
            "executions",
            "list",
            "--instance",
            "Avatar sync",
            "--since",
            since,
        ]);
    }
    fails(
        &env.run(&["executions", "list", "--since", "soon"]),
        1,
        &["--since \"soon\"", "expected a time", "1h"],
    );

    // Plain words, not type names, for something not found.
    let err = fails(
        &env.run(&[
            "executions",
            "show",
            &plumb_core_id("InstanceExecutionResult"),
        ]),
        4,
        &["execution not found"],
    );
    assert!(!err.contains("InstanceExecutionResult"), "{err}");

    // URL mistakes explained; a trailing /api is fine.
    let bare = env.url.trim_start_matches("http://").to_string();
    fails(
        &env.run_with(&bare, &env.token, &["customers", "list"]),
        1,
        &["has no scheme", &format!("http://{bare}")],
    );
    env.run_with(
        &format!("{}/api", env.url),
        &env.token,
        &["customers", "list"],
    )
    .status
    .success()
    .then_some(())
    .expect("a PLUMB_URL ending in /api works");
    fails(
        &env.run_with(&env.url, "plumb_wrong", &["customers", "list"]),
        5,
        &["PLUMB_TOKEN"],
    );

    // The 401 of the API has a JSON error body.
    let answer = http_post(&env.url, "/api", r#"{"query":"{ organization { name } }"}"#);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("\"UNAUTHENTICATED\""), "{answer}");

    // A 403 of an HTTP route has a JSON error body too (a preflight from an origin the
    // organization does not allow).
    let refused = http_request(
        &env.url,
        "OPTIONS /api HTTP/1.1\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n",
        "",
    );
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    assert!(refused.contains("application/json"), "{refused}");
    assert!(refused.contains("\"error\""), "{refused}");

    // The server log (a file): no ANSI colours; a line per request.
    let log = std::fs::read_to_string(env.dir.path().join("server.log")).unwrap();
    assert!(!log.contains('\u{1b}'), "colours in a log file");
    assert!(log.contains("finished processing request"), "{log}");
    assert!(!log.contains("SECRET-never-shown") && !log.contains(&env.token));
}

/// A global ID of `type_name` with a UUID nothing has.
fn plumb_core_id(type_name: &str) -> String {
    plumb_core::id::encode(
        type_name,
        uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000),
    )
}

/// A raw HTTP/1.1 POST with no credentials; answers the whole response.
fn http_post(url: &str, path: &str, body: &str) -> String {
    http_request(
        url,
        &format!("POST {path} HTTP/1.1\r\nContent-Type: application/json\r\n"),
        body,
    )
}

/// A raw HTTP/1.1 request: `head` (request line and headers, each ending in CRLF) and `body`;
/// answers the whole response.
fn http_request(url: &str, head: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{head}Host: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}
