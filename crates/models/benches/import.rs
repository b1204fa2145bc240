//! Import time of integration models: the Swagger Petstore, the Box Platform API (296
//! operations, 1.7 MB) and a generated document of 600 operations (every parameter kind, bodies, shared schemas). Run with
//! `cargo bench -p plumb-models --bench import`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use plumb_models::Model;

fn large(operations: usize) -> String {
    let mut paths = serde_json::Map::new();
    for i in 0..operations / 2 {
        paths.insert(
            format!("/resources{i}/{{id}}"),
            serde_json::json!({
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "get": {"operationId": format!("get{i}"), "parameters": [
                    {"name": "expand", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "X-Request-Id", "in": "header", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}},
                "put": {"operationId": format!("put{i}"), "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "responses": {"200": {"description": "ok"}}}
            }),
        );
    }
    serde_json::json!({
        "openapi": "3.0.3", "info": {"title": "Large", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Thing": {"type": "object", "properties": {
            "name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
            "owner": {"$ref": "#/components/schemas/Owner"}}},
            "Owner": {"type": "object", "properties": {"id": {"type": "integer"}, "things": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}}}}
    })
    .to_string()
}

fn bench(c: &mut Criterion) {
    let petstore = include_str!("../tests/data/openapi/petstore-expanded-3.0.yaml");
    c.bench_function("import petstore-expanded (YAML)", |b| {
        b.iter(|| Model::import(petstore).unwrap())
    });
    let boxed = include_str!("../tests/data/openapi/box-platform-2024.0.json");
    c.bench_function(
        "import Box Platform API, 296 operations, 1.7 MB (JSON)",
        |b| {
            b.iter(|| {
                let m = Model::import(boxed).unwrap();
                plumb_models::component_spec(&m, uuid::Uuid::nil())
            })
        },
    );
    let doc = large(600);
    c.bench_function("import 600 operations (JSON)", |b| {
        b.iter(|| {
            let m = Model::import(&doc).unwrap();
            assert_eq!(m.operations.len(), 600);
            plumb_models::component_spec(&m, uuid::Uuid::nil())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
