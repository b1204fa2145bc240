//! `plumb run` on the seed's example (`examples/pokemon-avatar-sync/integration.yaml`) against
//! a local PokeAPI stand-in and a local S3-compatible server (s3s-fs, signatures verified), as
//! the components crate's example test does; then a failing run exits non-zero.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::process::Command;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/pokemon-avatar-sync/integration.yaml"
);
const PIKACHU_JSON: &str =
    include_str!("../../../examples/pokemon-avatar-sync/fixtures/pikachu.json");
const PIKACHU_PNG: &[u8] =
    include_bytes!("../../../examples/pokemon-avatar-sync/fixtures/pikachu.png");
const ACCESS_KEY: &str = "plumb-test-key";
const SECRET_KEY: &str = "plumb-test-secret-1234";

async fn poke_api() -> String {
    async fn pokemon(State(base): State<String>, Path(name): Path<String>) -> Response {
        if name != "pikachu" {
            return (StatusCode::NOT_FOUND, "Not Found").into_response();
        }
        (
            [("content-type", "application/json")],
            PIKACHU_JSON.replace("{{baseUrl}}", &base),
        )
            .into_response()
    }
    async fn sprite(Path(file): Path<String>) -> Response {
        if file != "25.png" {
            return StatusCode::NOT_FOUND.into_response();
        }
        ([("content-type", "image/png")], PIKACHU_PNG).into_response()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new()
        .route("/api/v2/pokemon/{name}", get(pokemon))
        .route("/media/sprites/pokemon/{file}", get(sprite))
        .with_state(base.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    base
}

async fn s3_server(root: &std::path::Path) -> String {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let service = service.clone();
            tokio::spawn(async move {
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(socket), service)
                    .await;
            });
        }
    });
    format!("http://{addr}")
}

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
