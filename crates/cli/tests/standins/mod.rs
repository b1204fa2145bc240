//! Local stand-ins the end-to-end tests start on 127.0.0.1: the PokeAPI (pikachu and onix with
//! their sprites), an S3-compatible server (s3s-fs, signatures verified) and a Salesforce token
//! endpoint (client credentials).

#![allow(dead_code)] // each test binary uses the stand-ins it needs

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub const PIKACHU_JSON: &str =
    include_str!("../../../../examples/pokemon-avatar-sync/fixtures/pikachu.json");
pub const PIKACHU_PNG: &[u8] =
    include_bytes!("../../../../examples/pokemon-avatar-sync/fixtures/pikachu.png");
pub const ONIX_JSON: &str =
    include_str!("../../../../examples/pokemon-avatar-sync/fixtures/onix.json");
pub const ONIX_PNG: &[u8] =
    include_bytes!("../../../../examples/pokemon-avatar-sync/fixtures/onix.png");
pub const S3_ACCESS_KEY: &str = "plumb-test-key";
pub const S3_SECRET_KEY: &str = "plumb-test-secret-1234";
/// The client credentials the token endpoint accepts.
pub const SF_CLIENT_ID: &str = "3MVG9-test-client";
pub const SF_CLIENT_SECRET: &str = "sf-test-secret-5678";

/// The PokeAPI: `/api/v2/pokemon/{name}` and `/media/sprites/pokemon/{id}.png`.
pub async fn poke_api() -> String {
    async fn pokemon(State(base): State<String>, Path(name): Path<String>) -> Response {
        let body = match name.as_str() {
            "pikachu" => PIKACHU_JSON,
            "onix" => ONIX_JSON,
            _ => return (StatusCode::NOT_FOUND, "Not Found").into_response(),
        };
        (
            [("content-type", "application/json")],
            body.replace("{{baseUrl}}", &base),
        )
            .into_response()
    }
    async fn sprite(Path(file): Path<String>) -> Response {
        let bytes = match file.as_str() {
            "25.png" => PIKACHU_PNG,
            "95.png" => ONIX_PNG,
            _ => return StatusCode::NOT_FOUND.into_response(),
        };
        ([("content-type", "image/png")], bytes).into_response()
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

/// An S3-compatible server over the directory `root` (a bucket is a subdirectory).
pub async fn s3_server(root: &std::path::Path) -> String {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(
        S3_ACCESS_KEY,
        S3_SECRET_KEY,
    ));
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

/// A Salesforce token endpoint: answers the URL of `/services/oauth2/token`, which gives a
/// token for [`SF_CLIENT_ID`] / [`SF_CLIENT_SECRET`] and `invalid_client` otherwise.
pub async fn salesforce_token_endpoint() -> String {
    async fn token(axum::Form(f): axum::Form<HashMap<String, String>>) -> Response {
        let ok = f.get("grant_type").map(String::as_str) == Some("client_credentials")
            && f.get("client_id").map(String::as_str) == Some(SF_CLIENT_ID)
            && f.get("client_secret").map(String::as_str) == Some(SF_CLIENT_SECRET);
        if ok {
            axum::Json(serde_json::json!({
                "access_token": "00Dstandin!token",
                "instance_url": "https://acme.my.salesforce.com",
                "token_type": "Bearer"
            }))
            .into_response()
        } else {
            (
                StatusCode::BAD_REQUEST,
                axum::Json(serde_json::json!({
                    "error": "invalid_client",
                    "error_description": "invalid client credentials"
                })),
            )
                .into_response()
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/services/oauth2/token",
        listener.local_addr().unwrap()
    );
    let router = Router::new().route("/services/oauth2/token", post(token));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    url
}
