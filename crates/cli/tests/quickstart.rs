//! The README quickstart, followed literally against the real binary: `plumb serve` with no
//! configuration in a fresh directory, `plumb org create`, then the CLI clients. Also checks
//! exit codes, the data directory, and graceful shutdown on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod support;
use support::free_port;

const BIN: &str = env!("CARGO_BIN_EXE_plumb");

fn plumb(dir: &Path, url: &str, token: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PLUMB_URL", url)
        .env("PLUMB_TOKEN", token)
        .args(args)
        .output()
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn wait_healthy(url: &str, server: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = server.try_wait() {
            panic!("server exited early: {status}");
        }
        if support::answers_health(url.trim_start_matches("http://")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server did not start");
}

#[test]
fn quickstart_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut server = Command::new(BIN)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PLUMB_LISTEN", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    wait_healthy(&url, &mut server);

    // First start created plumb-data/ with the database and a 0600 master key.
    let data = dir.path().join("plumb-data");
    assert!(data.join("plumb.db").exists());
    let key = data.join("master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "master key mode {mode:o}");
    }

    // `plumb org create` works on the database directly, while the server runs.
    let created = json_of(&plumb(
        dir.path(),
        "",
        "",
        &["org", "create", "Acme SaaS", "--json"],
    ));
    let token = created["token"].as_str().unwrap().to_string();
    assert!(created["organizationId"].as_str().unwrap().len() > 10);

    let c = json_of(&plumb(
        dir.path(),
        &url,
        &token,
        &[
            "customers",
            "create",
            "Smith Rocket Company",
            "--external-id",
            "smith",
            "--label",
            "gold",
            "--json",
        ],
    ));
    let customer_id = c["id"].as_str().unwrap().to_string();
    let list = json_of(&plumb(
        dir.path(),
        &url,
        &token,
        &["customers", "list", "--json"],
    ));
    assert_eq!(list["totalCount"], 1);
    // Human output is a table.
    let table = plumb(dir.path(), &url, &token, &["customers", "list"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.starts_with("ID"), "{text}");
    assert!(text.contains("Smith Rocket Company"));

    json_of(&plumb(
        dir.path(),
        &url,
        &token,
        &[
            "config-vars",
            "org",
            "set",
            "pokemonAvatarS3BucketName",
            "my-avatar-bucket",
            "--json",
        ],
    ));
    json_of(&plumb(
        dir.path(),
        &url,
        &token,
        &[
            "config-vars",
            "customer",
            "create",
            &customer_id,
            "pokemonAvatar",
            "pikachu",
            "--json",
        ],
    ));
    let vars = json_of(&plumb(
        dir.path(),
        &url,
        &token,
        &["config-vars", "customer", "list", &customer_id, "--json"],
    ));
    assert_eq!(vars["nodes"][0]["value"], "pikachu");
    let t = json_of(&plumb(
        dir.path(),
        &url,
        &token,
        &[
            "tokens", "create", "--name", "ci", "--role", "designer", "--json",
        ],
    ));
    assert!(t["token"].as_str().unwrap().starts_with("plumb_"));

    // Exit codes scripts rely on.
    let dup = plumb(
        dir.path(),
        &url,
        &token,
        &["customers", "create", "X", "--external-id", "smith"],
    );
    assert_eq!(
        dup.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&dup.stderr)
    );
    assert!(String::from_utf8_lossy(&dup.stderr).contains("externalId"));
    let bad_type = plumb(
        dir.path(),
        &url,
        &token,
        &[
            "config-vars",
            "org",
            "set",
            "n",
            "seven",
            "--type",
            "number",
        ],
    );
    assert_eq!(bad_type.status.code(), Some(3));
    let missing = plumb(
        dir.path(),
        &url,
        &token,
        &[
            "customers",
            "get",
            "Q3VzdG9tZXI6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw",
        ],
    );
    assert_eq!(missing.status.code(), Some(4));
    let unauth = plumb(dir.path(), &url, "plumb_wrong", &["customers", "list"]);
    assert_eq!(unauth.status.code(), Some(5));
    let down = plumb(
        dir.path(),
        "http://127.0.0.1:1",
        &token,
        &["customers", "list"],
    );
    assert_eq!(down.status.code(), Some(6));
    let usage = plumb(dir.path(), &url, &token, &["customers", "frobnicate"]);
    assert_eq!(usage.status.code(), Some(2));

    // Graceful shutdown on SIGTERM.
    #[cfg(unix)]
    {
        let pid = server.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(s) = server.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "{status}");
    }
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(
        !log.contains(&token),
        "the server log contains an API token"
    );

    // A second start with another master key is refused with a clear error.
    let other_key = dir.path().join("other.key");
    let refused = Command::new(BIN)
        .current_dir(dir.path())
        .env_clear()
        .env("PLUMB_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("PLUMB_MASTER_KEY_FILE", &other_key)
        .arg("serve")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("master key"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn migrate_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .env(
            "PLUMB_DATABASE_URL",
            format!("sqlite://{}/x.db", dir.path().display()),
        )
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for cmd in [
        "serve",
        "migrate",
        "org",
        "tokens",
        "customers",
        "config-vars",
    ] {
        assert!(text.contains(cmd), "--help lacks {cmd}: {text}");
    }
}
