//! `plumb bench` runs end to end on a fresh SQLite store and prints the load tool's JSON
//! document (product contract): closed loop, open loop (`--rate`) and `--sync`. Only the
//! document's shape and consistency are checked, never a timing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use serde_json::Value;

fn bench(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_plumb"))
        .args(["bench", "--duration", "1", "--customers", "2", "--json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "plumb bench {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn check(doc: &Value) {
    for key in [
        "accepted_per_s",
        "completed_per_s",
        "errors",
        "peak_rss_bytes",
        "db_bytes_per_execution",
        "cpu_ms_per_execution",
    ] {
        assert!(doc[key].is_number(), "{key} missing: {doc}");
    }
    for key in ["accept_ms", "end_to_end_ms"] {
        let p = &doc[key];
        let (p50, p95, p99) = (
            p["p50"].as_f64().unwrap(),
            p["p95"].as_f64().unwrap(),
            p["p99"].as_f64().unwrap(),
        );
        assert!(p50 <= p95 && p95 <= p99, "{key}: {p}");
    }
    assert_eq!(doc["errors"], 0, "{doc}");
    assert!(doc["completed"].as_u64().unwrap() > 0, "{doc}");
    assert_eq!(
        doc["completed"], doc["accepted"],
        "every accepted execution ended: {doc}"
    );
    assert!(doc["peak_rss_bytes"].as_u64().unwrap() > 0);
    assert!(doc["machine"]["cores"].as_u64().is_some());
}

#[test]
fn closed_loop_open_loop_and_sync() {
    let closed = bench(&["--concurrency", "2"]);
    check(&closed);
    assert_eq!(closed["settings"]["mode"], "closed");
    let open = bench(&["--rate", "50"]);
    check(&open);
    assert_eq!(open["settings"]["mode"], "open");
    let sync = bench(&["--concurrency", "2", "--sync"]);
    check(&sync);
    assert_eq!(sync["settings"]["sync"], true);
}
