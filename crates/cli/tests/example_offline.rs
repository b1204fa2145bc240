//! `examples/pokemon-avatar-sync/run-offline.sh` as shipped: with the built `plumb` and
//! stand-ins binaries (so it builds nothing), on a free loopback port, it runs the example
//! through a server, test run with the organization credential included, and puts both
//! avatars in the stand-in bucket.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::Path;
use std::process::Command;

mod support;

const BIN: &str = env!("CARGO_BIN_EXE_plumb");

#[test]
fn the_example_runs_offline_through_a_server() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let standins = Path::new(BIN).parent().unwrap().join("examples/standins");
    assert!(
        standins.exists(),
        "{} is missing: `cargo test -p plumb-cli` builds it (or `cargo build -p plumb-cli --example standins`)",
        standins.display()
    );
    let work = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(repo.join("examples/pokemon-avatar-sync/run-offline.sh"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PLUMB", BIN)
        .env("STANDINS", &standins)
        .env("WORK_DIR", work.path())
        .env(
            "PLUMB_LISTEN",
            format!("127.0.0.1:{}", support::free_port()),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log = std::fs::read_to_string(work.path().join("plumb.log")).unwrap_or_default();
    assert!(
        out.status.success(),
        "{}\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- plumb.log\n{log}",
        out.status
    );
    assert_eq!(stdout.matches("SUCCESS").count(), 2, "{stdout}");
    let bucket = work.path().join("plumb-standins/avatars");
    assert_eq!(
        std::fs::read(bucket.join("Smith Rocket Company.png")).unwrap(),
        include_bytes!("../../../examples/pokemon-avatar-sync/fixtures/pikachu.png")
    );
    assert_eq!(
        std::fs::read(bucket.join("Test Run.png")).unwrap(),
        include_bytes!("../../../examples/pokemon-avatar-sync/fixtures/onix.png")
    );
}
