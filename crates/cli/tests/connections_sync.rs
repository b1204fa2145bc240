//! `plumb connections` against a running server: define, set test credentials, export from one
//! organization, import into another (dry run, then for real, then again: idempotent). The
//! export never carries a secret value.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_plumb");
const SECRET: &str = "sync-secret-51d0c7a2e9";

fn run(dir: &Path, url: &str, token: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .env("PLUMB_URL", url)
        .env("PLUMB_TOKEN", token)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn org_token(dir: &Path, name: &str) -> String {
    let out = ok(run(dir, "", "", &["org", "create", name, "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["token"].as_str().unwrap().to_string()
}

#[test]
fn export_import_between_organizations() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(BIN)
        .current_dir(dir.path())
        .env("PLUMB_LISTEN", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let a = org_token(dir.path(), "US tenant");
    let b = org_token(dir.path(), "EU tenant");
    let d = dir.path();

    ok(run(
        d,
        &url,
        &a,
        &[
            "connections",
            "create",
            "--key",
            "Acme API Key",
            "--stable-key",
            "acme-api-key",
            "--connection",
            "http/apiKey",
            "--global",
            "location=header",
            "--global",
            "name=X-Acme-Key",
        ],
    ));
    ok(run(
        d,
        &url,
        &a,
        &[
            "connections",
            "set-test",
            "acme-api-key",
            &format!("apiKey={SECRET}"),
        ],
    ));
    let listed = ok(run(d, &url, &a, &["connections", "list"]));
    assert!(listed.contains("acme-api-key"), "{listed}");
    assert!(!listed.contains(SECRET));

    let exported = ok(run(d, &url, &a, &["connections", "export"]));
    assert!(exported.contains("acme-api-key"), "{exported}");
    assert!(
        !exported.contains(SECRET),
        "the export carries a secret value"
    );
    let file = d.join("connections.yaml");
    std::fs::write(&file, &exported).unwrap();
    let file = file.to_str().unwrap();

    let dry = ok(run(
        d,
        &url,
        &b,
        &["connections", "import", file, "--dry-run"],
    ));
    assert!(dry.contains("acme-api-key"), "{dry}");
    assert!(!ok(run(d, &url, &b, &["connections", "list"])).contains("acme-api-key"));
    ok(run(d, &url, &b, &["connections", "import", file]));
    assert!(ok(run(d, &url, &b, &["connections", "list"])).contains("acme-api-key"));
    // Idempotent: importing again changes nothing and the exports agree.
    ok(run(d, &url, &b, &["connections", "import", file]));
    let exported_b = ok(run(d, &url, &b, &["connections", "export"]));
    assert_eq!(exported, exported_b);

    let _ = server.kill();
    let _ = server.wait();
}
