//! The `aws-s3` `apiKeySecret` connection (SigV4, service `s3`) against an S3-compatible server
//! that verifies signatures: `s3s-fs` with `s3s`'s SigV4 authentication.

use axum::error_handling::HandleError;
use axum::Router;
use plumb_auth::{AuthClient, RequestParts};
use reqwest::Method;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;

use crate::support::{conn, serve};

const AK: &str = "AKIAPLUMBTEST";
const SK: &str = "plumb/test/secret/key";

async fn s3_server(root: &std::path::Path) -> std::net::SocketAddr {
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let mut builder = S3ServiceBuilder::new(fs);
    builder.set_auth(SimpleAuth::from_single(AK, SK));
    let service = HandleError::new(builder.build(), |err: s3s::HttpError| async move {
        (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("{err:?}"),
        )
    });
    serve(Router::new().fallback_service(service)).await
}

#[tokio::test]
async fn s3_compatible_server_accepts_signed_requests() {
    let dir = tempfile::tempdir().unwrap();
    let addr = s3_server(dir.path()).await;
    let auth = AuthClient::in_memory();
    let c = conn(
        "aws-s3",
        "apiKeySecret",
        &[
            ("accessKeyId", AK),
            ("secretAccessKey", SK),
            ("region", "us-east-1"),
        ],
    );
    let base = format!("http://{addr}");
    let env = auth
        .send(
            &c,
            &RequestParts::new(Method::PUT, format!("{base}/bucket-1")),
        )
        .await
        .unwrap();
    assert!(env.ok, "create bucket: {env:?}");
    let env = auth
        .send(
            &c,
            &RequestParts::new(Method::PUT, format!("{base}/bucket-1/dir/hello world.txt"))
                .body("hello s3", "text/plain"),
        )
        .await
        .unwrap();
    assert!(env.ok, "put object: {env:?}");
    let env = auth
        .send(
            &c,
            &RequestParts::get(format!("{base}/bucket-1/dir/hello%20world.txt")),
        )
        .await
        .unwrap();
    assert!(env.ok, "get object: {env:?}");
    assert_eq!(env.text.as_deref(), Some("hello s3"));
    let env = auth
        .send(
            &c,
            &RequestParts::get(format!("{base}/bucket-1"))
                .query("list-type", "2")
                .query("prefix", "dir/"),
        )
        .await
        .unwrap();
    assert!(env.ok, "list objects: {env:?}");
    assert!(env.text.unwrap_or_default().contains("hello world.txt"));
}

#[tokio::test]
async fn s3_compatible_server_refuses_a_wrong_secret() {
    let dir = tempfile::tempdir().unwrap();
    let addr = s3_server(dir.path()).await;
    let auth = AuthClient::in_memory();
    let c = conn(
        "aws-s3",
        "apiKeySecret",
        &[
            ("accessKeyId", AK),
            ("secretAccessKey", "not-the-secret"),
            ("region", "us-east-1"),
        ],
    );
    let env = auth
        .send(
            &c,
            &RequestParts::new(Method::PUT, format!("http://{addr}/bucket-2")),
        )
        .await
        .unwrap();
    assert_eq!(env.status, 403, "{env:?}");
    assert!(env
        .text
        .unwrap_or_default()
        .contains("SignatureDoesNotMatch"));
}
