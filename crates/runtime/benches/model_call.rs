//! Benchmark: the per-call overhead of a model task over a plain HTTP GET through the same
//! transport, against a local server. `plain_get` is what an `httpGet` step does per call
//! (connect a connection, send, build the envelope); `model_task` is what a model's step does
//! (read the integration and its model from a SQLite store, find the compiled operation, check
//! and lay out the inputs, build the connection, send, build the envelope).

#![allow(clippy::unwrap_used, clippy::expect_used)] // bench code: a failed unwrap is a failed run

use std::collections::BTreeMap;

use axum::routing::get;
use axum::Router;
use criterion::{criterion_group, criterion_main, Criterion};
use plumb_auth::{AuthClient, RequestParts};
use plumb_core::action::Connection;
use plumb_runtime::models::NoLog;
use plumb_runtime::Runtime;
use plumb_store::model_integrations::ModelIntegrationWrite;
use serde_json::{json, Map};

const DOC: &str = "openapi: 3.0.3
info: {title: Bench, version: 1.0.0}
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
        - {name: verbose, in: query, schema: {type: boolean}}
      responses: {'200': {description: ok}}
";

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (port, runtime, org) = rt.block_on(async {
        let router = Router::new().route(
            "/items/{id}",
            get(|| async { axum::Json(json!({"id": 7, "name": "Lotus"})) }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let store = plumb_store::Store::open(&url).await.unwrap();
        let org = store.create_org("Bench").await.unwrap().id;
        let runtime = Runtime::new(
            store.clone(),
            None,
            plumb_runtime::engine(),
            "http://127.0.0.1",
        );
        let (stored, _) = plumb_runtime::models::import_model(&runtime, org, DOC, false)
            .await
            .unwrap();
        let config = json!({"server": {"host": "127.0.0.1", "port": port}}).to_string();
        store
            .create_model_integration(
                org,
                ModelIntegrationWrite {
                    id: store.new_model_integration_id(),
                    model_id: stored.id,
                    name: "bench",
                    configuration: &config,
                    secrets: None,
                },
            )
            .await
            .unwrap();
        (port, runtime, org)
    });

    let auth = AuthClient::in_memory();
    let conn = Connection::new(
        "plain".into(),
        "http".into(),
        "none".into(),
        BTreeMap::new(),
    );
    let url = format!("http://127.0.0.1:{port}/items/7?verbose=true");
    c.bench_function("plain_get", |b| {
        b.to_async(&rt).iter(|| async {
            let env = auth
                .send(&conn, &RequestParts::get(url.clone()))
                .await
                .unwrap();
            assert!(env.ok);
        })
    });

    let mut inputs = Map::new();
    inputs.insert("id".into(), json!("7"));
    inputs.insert("verbose".into(), json!("true"));
    c.bench_function("model_task", |b| {
        b.to_async(&rt).iter(|| async {
            let opened = runtime.models.open_by_name(org, "bench").await.unwrap();
            let env = runtime
                .models
                .call(&opened, "getItem", &inputs, &NoLog)
                .await
                .unwrap();
            assert!(env.ok);
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
