//! The web console in a real browser: `plumb serve` (the binary, on a fresh SQLite file) driven
//! by Debian's chromium through playwright-core (`testsupport/browser/console.mjs`, both
//! installed by `scripts/test`), with a local PokeAPI, S3 server and Salesforce token endpoint.
//! The script's checks are listed in its header; screenshots of every page land in
//! `target/tmp/console-screenshots/` (not committed). At the end, the avatars the instances
//! wrote are read back from the S3 stand-in's directory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

mod standins;
mod support;
use standins::{
    ONIX_PNG, PIKACHU_PNG, S3_ACCESS_KEY, S3_SECRET_KEY, SF_CLIENT_ID, SF_CLIENT_SECRET,
};
use support::{free_port, plumb, spawn, wait_listening};

const EXAMPLE: &str = include_str!("../../../examples/pokemon-avatar-sync/integration.yaml");

/// The example with its `AWS Credentials` bound to the organization credential of that name
/// (stable key `aws-credentials`, as the credential wizard derives it) instead of defined in
/// the integration: the last `requiredConfigVars` entry is replaced.
fn definition() -> String {
    let start = EXAMPLE
        .find("  - connection:\n      component:\n        isPublic: true\n        key: aws-s3")
        .expect("the example's AWS Credentials entry");
    assert!(!EXAMPLE[start + 2..].contains("\n  - "), "the last entry");
    format!(
        "{}  - dataType: connection\n    key: AWS Credentials\n    useScopedConfigVar: aws-credentials\n",
        &EXAMPLE[..start]
    )
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the browser test needs on this machine, or why it cannot run.
fn prerequisites() -> Result<(), String> {
    let root = repo_root();
    if !root
        .join("testsupport/node_modules/playwright-core/package.json")
        .exists()
    {
        return Err("testsupport/node_modules/playwright-core is missing".into());
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !PathBuf::from(&chromium).exists() {
        return Err(format!("{chromium} is missing"));
    }
    Ok(())
}

fn run(dir: &std::path::Path, db: &str, key: &str, log: &str, args: &[&str]) -> Value {
    let out = plumb(dir, db, key, log, args)
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "plumb {args:?} failed: {}",
        std::fs::read_to_string(dir.join(log)).unwrap_or_default()
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_in_a_real_browser() {
    if let Err(why) = prerequisites() {
        panic!("{why}: run scripts/test, which installs chromium and the npm packages");
    }
    let poke = standins::poke_api().await;
    let token_url = standins::salesforce_token_endpoint().await;
    let s3_root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(s3_root.path().join("pokemon-avatars")).unwrap();
    let s3 = standins::s3_server(s3_root.path()).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pokemon.yaml"), definition()).unwrap();
    let db = format!("sqlite://{}", dir.path().join("plumb.db").display());
    let key = plumb_vault::MasterKey::generate()
        .unwrap()
        .to_base64()
        .expose()
        .to_string();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
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
    let org = run(
        dir.path(),
        &db,
        &key,
        "org.log",
        &["org", "create", "Acme", "--json"],
    );
    let admin = org["token"].as_str().unwrap().to_string();
    let viewer = {
        let mut cmd = plumb(
            dir.path(),
            &db,
            &key,
            "viewer.log",
            &[
                "tokens", "create", "--name", "viewer", "--role", "viewer", "--json",
            ],
        );
        let out = cmd
            .env("PLUMB_URL", &url)
            .env("PLUMB_TOKEN", &admin)
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            std::fs::read_to_string(dir.path().join("viewer.log")).unwrap_or_default()
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["token"]
            .as_str()
            .or_else(|| v["secret"].as_str())
            .unwrap_or_else(|| panic!("no token in {v}"))
            .to_string()
    };
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    let mut node = Command::new("node");
    node.arg(repo_root().join("testsupport/browser/console.mjs"))
        .current_dir(repo_root())
        .env("PLUMB_URL", &url)
        .env("PLUMB_TOKEN", &admin)
        .env("PLUMB_VIEWER_TOKEN", &viewer)
        .env("SCREENSHOT_DIR", &shots)
        .env("DEFINITION_FILE", dir.path().join("pokemon.yaml"))
        .env("POKE_URL", &poke)
        .env("S3_URL", &s3)
        .env("S3_KEY", S3_ACCESS_KEY)
        .env("S3_SECRET", S3_SECRET_KEY)
        .env("TOKEN_URL", &token_url)
        .env("SF_ID", SF_CLIENT_ID)
        .env("SF_SECRET", SF_CLIENT_SECRET);
    let out = tokio::task::spawn_blocking(move || node.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    serve.assert_running();
    assert!(
        out.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}\nserver log:\n{}",
        std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default()
    );
    assert!(stdout.contains("checks passed"), "{stdout}");
    for name in [
        "01-sign-in",
        "04-customers",
        "05-settings",
        "09-viewer-customer",
        "11-credentials",
        "14-test-execution",
        "15-deploy-wizard",
    ] {
        assert!(shots.join(format!("{name}.png")).exists(), "{name}.png");
    }
    // The PNGs landed in the local S3 stand-in, one per customer (and the test run's).
    let bucket = s3_root.path().join("pokemon-avatars");
    for (object, png) in [
        ("Smith Rocket Company.png", PIKACHU_PNG),
        ("FTL Rockets.png", ONIX_PNG),
        ("Test Co.png", PIKACHU_PNG),
    ] {
        let got = std::fs::read(bucket.join(object)).unwrap_or_else(|e| panic!("{object}: {e}"));
        assert!(got == png, "{object} differs from the sprite served");
    }
}
