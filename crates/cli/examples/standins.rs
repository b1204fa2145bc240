//! Local stand-ins for running the Pokemon example with no internet: a PokeAPI serving
//! `examples/pokemon-avatar-sync/fixtures/` and an S3-compatible server (s3s-fs, signatures
//! verified) over a directory, both on 127.0.0.1 — the ones the CLI tests use.
//!
//! `cargo run -p plumb-cli --example standins [DIR]` (DIR default `plumb-standins`) creates
//! `DIR/avatars` (the bucket), prints the settings as shell exports on standard output
//! (`POKEAPI_URL`, `S3_ENDPOINT`, `S3_ACCESS_KEY`, `S3_SECRET_KEY`, `AVATAR_BUCKET`, `S3_DIR`),
//! then serves until interrupted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a development tool: a failure ends it

use std::io::Write;

#[path = "../tests/standins/mod.rs"]
mod standins;

const BUCKET: &str = "avatars";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "plumb-standins".to_string()),
    );
    std::fs::create_dir_all(dir.join(BUCKET))?;
    let dir = std::fs::canonicalize(&dir)?;
    let poke = standins::poke_api().await;
    let s3 = standins::s3_server(&dir).await;
    let mut out = std::io::stdout().lock();
    writeln!(out, "export POKEAPI_URL={poke}")?;
    writeln!(out, "export S3_ENDPOINT={s3}")?;
    writeln!(out, "export S3_ACCESS_KEY={}", standins::S3_ACCESS_KEY)?;
    writeln!(out, "export S3_SECRET_KEY={}", standins::S3_SECRET_KEY)?;
    writeln!(out, "export AVATAR_BUCKET={BUCKET}")?;
    writeln!(out, "export S3_DIR='{}'", dir.display())?;
    out.flush()?;
    drop(out);
    eprintln!(
        "stand-ins: PokeAPI {poke}, S3 {s3} over {}; Ctrl-C ends them",
        dir.display()
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
