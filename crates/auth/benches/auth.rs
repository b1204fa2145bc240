//! Benchmarks: AWS SigV4 signing cost per request, and the overhead of a request with a cached
//! OAuth 2.0 token over an unauthenticated one, against a local server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::time::SystemTime;

use axum::routing::get;
use axum::{Json, Router};
use criterion::{criterion_group, criterion_main, Criterion};
use plumb_auth::{AuthClient, AwsSigV4, RequestParts, SecretString};
use plumb_core::action::Connection;
use serde_json::json;

fn conn(id: &str, key: &str, fields: &[(&str, &str)]) -> Connection {
    Connection::new(
        id.into(),
        "http".into(),
        key.into(),
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn sigv4(c: &mut Criterion) {
    let signer = AwsSigV4::new(
        "AKIDEXAMPLE",
        &SecretString::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        None,
        "us-east-1",
        "execute-api",
    );
    let body = vec![b'x'; 1024];
    let headers = [("content-type", "application/json"), ("x-custom", "1")];
    c.bench_function("sigv4_sign_1KiB_post", |b| {
        b.iter(|| {
            signer
                .sign(
                    "POST",
                    "https://api.example.com/prod/items/42?expand=true",
                    &headers,
                    &body,
                    SystemTime::now(),
                    None,
                )
                .unwrap()
        })
    });
}

fn cached_token(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let addr = rt.block_on(async {
        let router = Router::new()
            .route("/api", get(|| async { Json(json!({"ok": true})) }))
            .route(
                "/token",
                axum::routing::post(|| async {
                    Json(json!({"access_token": "bench-token", "expires_in": 86400}))
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        addr
    });
    let auth = AuthClient::in_memory();
    let url = format!("http://{addr}/api");
    let none = conn("bench-none", "none", &[]);
    let token_url = format!("http://{addr}/token");
    let oauth = conn(
        "bench-oauth",
        "oauth2ClientCredentials",
        &[
            ("tokenUrl", &token_url),
            ("clientId", "c"),
            ("clientSecret", "s"),
        ],
    );
    let req = RequestParts::get(&url);
    // Warm up: pools and the token cache.
    rt.block_on(async {
        auth.send(&none, &req).await.unwrap();
        auth.send(&oauth, &req).await.unwrap();
    });
    let raw = reqwest::Client::new();

    let mut g = c.benchmark_group("local_get");
    g.bench_function("reqwest_direct", |b| {
        b.to_async(&rt)
            .iter(|| async { raw.get(&url).send().await.unwrap().bytes().await.unwrap() })
    });
    g.bench_function("unauthenticated_envelope", |b| {
        b.to_async(&rt)
            .iter(|| async { auth.send(&none, &req).await.unwrap() })
    });
    g.bench_function("cached_oauth2_token_envelope", |b| {
        b.to_async(&rt)
            .iter(|| async { auth.send(&oauth, &req).await.unwrap() })
    });
    g.finish();

    // The auth work alone, without the network: connect (validate + cached client) and token.
    let connected = auth.connect(&oauth).unwrap();
    c.bench_function("connect_oauth2_connection", |b| {
        b.iter(|| auth.connect(&oauth).unwrap())
    });
    c.bench_function("cached_token_lookup", |b| {
        b.to_async(&rt)
            .iter(|| async { connected.token().await.unwrap() })
    });
}

criterion_group!(benches, sigv4, cached_token);
criterion_main!(benches);
