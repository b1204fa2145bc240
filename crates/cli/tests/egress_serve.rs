//! The egress policy of a real `plumb serve`: started with `--egress-deny 127.0.0.2`, a flow's
//! http step to a server on the second loopback address fails naming the policy, one to the
//! server's own port (`/metrics`) is refused by default, and one to an allowed server on
//! 127.0.0.1 succeeds. Bad entries stop the server at start with an error naming the flag.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_plumb");

/// The server, killed when the test ends (also on a failed assertion).
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server on `ip` answering `{"pong": true}` to every request and counting them; answers
/// its `http://IP:PORT`.
fn target(rt: &tokio::runtime::Runtime, ip: &str) -> (String, Arc<AtomicU32>) {
    let hits = Arc::new(AtomicU32::new(0));
    let h = Arc::clone(&hits);
    let listener = rt.block_on(tokio::net::TcpListener::bind((ip, 0))).unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().fallback(move || {
        let h = Arc::clone(&h);
        async move {
            h.fetch_add(1, Ordering::SeqCst);
            axum::Json(json!({"pong": true}))
        }
    });
    rt.spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}"), hits)
}

/// A definition with one flow per URL: a webhook trigger and an `httpGet` of the URL.
fn definition(flows: &[(&str, String)]) -> String {
    let mut text =
        String::from("name: Egress Checks\ndescription: Calls out\ndefinitionVersion: 7\nflows:\n");
    for (name, url) in flows {
        text.push_str(&format!(
            "  - name: {name}
    steps:
      - name: Trigger
        isTrigger: true
        action: {{key: webhook, component: {{key: webhook-triggers}}}}
        inputs: {{}}
      - name: Call
        action: {{key: httpGet, component: {{key: http}}}}
        inputs:
          url: {{type: value, value: \"{url}\"}}
          maxRetries: {{type: value, value: \"2\"}}
"
        ));
    }
    text
}

fn json_of(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn the_egress_policy_of_a_running_server() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (denied, denied_hits) = target(&rt, "127.0.0.2");
    let (allowed, allowed_hits) = target(&rt, "127.0.0.1");

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let server = Command::new(BIN)
        .current_dir(dir.path())
        .env("PLUMB_LISTEN", format!("127.0.0.1:{port}"))
        .env_remove("PLUMB_DATABASE_URL")
        .env_remove("PLUMB_PUBLIC_URL")
        .env_remove("PLUMB_EGRESS_ALLOW")
        .env_remove("PLUMB_EGRESS_DENY")
        .args(["serve", "--workers", "1", "--egress-deny", "127.0.0.2"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let _server = Serve(server);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let plumb = |args: &[&str], token: &str| -> Output {
        Command::new(BIN)
            .current_dir(dir.path())
            .env_remove("PLUMB_DATABASE_URL")
            .env("PLUMB_URL", &url)
            .env("PLUMB_TOKEN", token)
            .args(args)
            .output()
            .unwrap()
    };
    let org = json_of(&plumb(&["org", "create", "Egress Tests", "--json"], ""));
    let token = org["token"].as_str().unwrap().to_string();

    let file = dir.path().join("egress.yaml");
    std::fs::write(
        &file,
        definition(&[
            ("Denied", format!("{denied}/ping?key=hunter2")),
            ("Own", format!("{url}/metrics")),
            ("Allowed", format!("{allowed}/ping")),
        ]),
    )
    .unwrap();
    let imported = json_of(&plumb(
        &["integrations", "import", file.to_str().unwrap(), "--json"],
        &token,
    ));
    let id = imported["id"].as_str().unwrap().to_string();
    let run = |flow: &str| {
        json_of(&plumb(
            &["integrations", "test", &id, "--flow", flow, "--json"],
            &token,
        ))
    };

    let out = run("Denied");
    assert_eq!(out["status"], "ERROR", "{out}");
    let error = out["error"].as_str().unwrap_or_default();
    let denied_addr = denied.trim_start_matches("http://");
    assert!(
        error.contains(&format!(
            "egress policy refused {denied_addr} (denied by --egress-deny 127.0.0.2)"
        )),
        "{out}"
    );
    assert!(!error.contains("hunter2"), "{out}");
    assert_eq!(
        denied_hits.load(Ordering::SeqCst),
        0,
        "nothing reached 127.0.0.2"
    );

    let out = run("Own");
    assert_eq!(out["status"], "ERROR", "{out}");
    let error = out["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(&format!(
            "egress policy refused 127.0.0.1:{port} (built-in deny: this server's own address)"
        )),
        "{out}"
    );

    let out = run("Allowed");
    assert_eq!(out["status"], "SUCCESS", "{out}");
    assert_eq!(allowed_hits.load(Ordering::SeqCst), 1);
}

#[test]
fn a_bad_entry_stops_the_server_naming_the_flag_and_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .env("PLUMB_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env_remove("PLUMB_DATABASE_URL")
        .env_remove("PLUMB_EGRESS_DENY")
        .env("PLUMB_EGRESS_ALLOW", "10.0.0.0/8,10.0.0.0/33")
        .args(["serve", "--egress-deny", "127.0.0.2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--egress-allow: `10.0.0.0/33` is not a valid egress entry"),
        "{err}"
    );
    // Refused before anything was created.
    assert!(!dir.path().join("plumb-data").exists());
}
