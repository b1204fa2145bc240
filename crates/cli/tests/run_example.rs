//! `plumb run` on the seed's example (`examples/pokemon-avatar-sync/integration.yaml`) against
//! a local PokeAPI stand-in and a local S3-compatible server (s3s-fs, signatures verified), as
//! the components crate's example test does; then a failing run exits non-zero.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::process::Command;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/pokemon-avatar-sync/integration.yaml"
);
mod standins;
use standins::{
    poke_api, s3_server, PIKACHU_PNG, S3_ACCESS_KEY as ACCESS_KEY, S3_SECRET_KEY as SECRET_KEY,
};

#[tokio::test(flavor = "multi_thread")]
async fn plumb_run_the_pokemon_example() {
    let api = poke_api().await;
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("avatars")).unwrap();
    let s3 = s3_server(root.path()).await;
    let creds = serde_json::json!({
        "accessKeyId": ACCESS_KEY, "secretAccessKey": SECRET_KEY, "endpoint": s3,
    })
    .to_string();
    let args = vec![
        "run".to_string(),
        EXAMPLE.to_string(),
        "--config".into(),
        format!("pokeApiBaseUrl={api}"),
        "--config".into(),
        "customerName=Smith Rocket Company".into(),
        "--config".into(),
        "pokemonAvatar=pikachu".into(),
        "--config".into(),
        "pokemonAvatarS3BucketName=avatars".into(),
        "--config".into(),
        format!("AWS Credentials={creds}"),
    ];
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_plumb"))
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("Path Helper"), "{stdout}");
    assert!(stdout.contains("SUCCESS"), "{stdout}");
    assert!(!stdout.contains(SECRET_KEY) && !stderr.contains(SECRET_KEY));
    assert_eq!(
        std::fs::read(root.path().join("avatars/Smith Rocket Company.png")).unwrap(),
        PIKACHU_PNG
    );

    // An unknown Pokemon: the GET fails, the run exits non-zero.
    let args = vec![
        "run".to_string(),
        EXAMPLE.to_string(),
        "--config".into(),
        format!("pokeApiBaseUrl={api}"),
        "--config".into(),
        "customerName=X".into(),
        "--config".into(),
        "pokemonAvatar=missingno".into(),
        "--config".into(),
        "pokemonAvatarS3BucketName=avatars".into(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_plumb"))
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!out.status.success());
}
