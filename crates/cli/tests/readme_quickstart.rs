//! The README's Quickstart, run as a newcomer runs it: every `sh` block of its "Quickstart"
//! section, extracted from README.md and concatenated, in one `bash` (with `set -e` so a
//! failing command fails the test), in an empty directory holding only the repository's
//! `examples/`. `plumb` is the built binary on `PATH` (the README's shell function is then not
//! defined); the S3 and PokeAPI stand-ins are the tests' loopback ones, named by the variables
//! the README reads (so its stand-in block is skipped). At the end both avatars are in the
//! stand-in bucket, byte for byte the fixtures' PNGs, and read back by the script's `curl`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

mod standins;
mod support;

const README: &str = include_str!("../../../README.md");
const BIN: &str = env!("CARGO_BIN_EXE_plumb");

/// The `sh` code blocks of the README section titled `## Quickstart`, in order.
fn quickstart_blocks(readme: &str) -> Vec<String> {
    let start = readme
        .find("\n## Quickstart\n")
        .expect("a Quickstart section");
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    let section = &rest[..end];
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in section.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(
        current.is_none(),
        "an unclosed code block in the Quickstart"
    );
    blocks
}

/// Kills (SIGKILL) the process group of the script, the server it started in the background
/// included, on drop.
struct Group(u32);

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0)])
            .status();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_quickstart_runs_as_written() {
    let blocks = quickstart_blocks(README);
    assert!(blocks.len() >= 8, "{blocks:?}");
    let script = blocks.concat();
    assert!(
        !script.contains('<') || !script.contains("_ID>"),
        "a placeholder in the quickstart"
    );

    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::os::unix::fs::symlink(repo.join("examples"), dir.path().join("examples")).unwrap();
    let s3_root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(s3_root.path().join("avatars")).unwrap();
    let s3 = standins::s3_server(s3_root.path()).await;
    let poke = standins::poke_api().await;
    let port = support::free_port();
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let mut cmd = Command::new("bash");
    cmd.current_dir(dir.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir.path())
        .env("PLUMB_LISTEN", format!("127.0.0.1:{port}"))
        .env("S3_ENDPOINT", &s3)
        .env("S3_ACCESS_KEY", standins::S3_ACCESS_KEY)
        .env("S3_SECRET_KEY", standins::S3_SECRET_KEY)
        .env("AVATAR_BUCKET", "avatars")
        .env("POKEAPI_URL", &poke)
        .args(["-c", &format!("set -eo pipefail\n{script}")])
        .stdin(Stdio::null())
        .process_group(0);
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _group = Group(child.id());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let log = std::fs::read_to_string(dir.path().join("plumb.log")).unwrap_or_default();
    println!("--- stdout\n{stdout}\n--- stderr\n{stderr}");
    assert!(
        out.status.success(),
        "the quickstart failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- plumb.log\n{log}",
        out.status
    );

    // The seed story is done: both avatars are in the bucket and were read back.
    for (name, png) in [
        ("Smith Rocket Company", standins::PIKACHU_PNG),
        ("FTL Rockets", standins::ONIX_PNG),
    ] {
        let file = format!("{name}.png");
        assert_eq!(
            std::fs::read(s3_root.path().join("avatars").join(&file)).unwrap(),
            png,
            "{file} in the bucket"
        );
        assert_eq!(
            std::fs::read(dir.path().join(&file)).unwrap(),
            png,
            "{file} read back"
        );
        assert!(
            stdout.contains(&format!("{file}: {} bytes, PNG", png.len())),
            "{stdout}"
        );
    }
    // The start-up line names the console; the test run and both instance runs succeeded; the
    // bindings are shown by name, the connection included.
    assert!(stdout.contains("console"), "{stdout}");
    assert!(stdout.matches("SUCCESS").count() >= 4, "{stdout}");
    assert!(stdout.contains("customer variable"), "{stdout}");
    assert!(stdout.contains("aws-avatars"), "{stdout}");
    assert!(
        !stdout.contains(standins::S3_SECRET_KEY),
        "a secret was printed"
    );
    assert!(
        !log.contains(standins::S3_SECRET_KEY),
        "a secret was logged"
    );
}

#[test]
fn the_blocks_are_the_quickstart_section_only() {
    let blocks = quickstart_blocks(README);
    assert!(blocks[0].contains("plumb serve"), "{}", blocks[0]);
    assert!(blocks.iter().all(|b| !b.contains("scripts/test")));
}
