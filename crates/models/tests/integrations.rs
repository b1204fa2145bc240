//! Integrations of a model without IO: configuration checks (every problem with its pointer),
//! secret leaves taken out and put back, roles per verb, and calls prepared from inputs
//! (checked against the operation's schemas, laid out for path, query, header, cookie, body).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumb_models::call::{multipart_bytes, CompiledOperation, PreparedBody};
use plumb_models::configuration::{self, Configuration, LogLevel};
use plumb_models::Model;
use serde_json::{json, Value};

const KINDS: &str = include_str!("data/openapi/kinds-3.0.yaml");
const SECURED: &str = include_str!("data/openapi/secured-3.0.yaml");
const PETSTORE_2: &str = include_str!("data/openapi/petstore-2.0.json");

fn op(model: &Model, key: &str) -> CompiledOperation {
    CompiledOperation::new(model.operation(key).unwrap().clone())
}

fn inputs(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn a_configuration_is_checked_whole() {
    let m = Model::import(SECURED).unwrap();
    let bad = json!({
        "server": {"port": 0, "protocol": "ftp"},
        "authentication": {"apiKeyAuth": {}, "unknown": {"value": "x"}},
        "timeout": -1,
        "proxy": {"override": true, "mode": "proxy"},
        "cluster": {"override": true},
        "logLevel": "verbose"
    });
    let problems = Configuration::check(&m, &bad).unwrap_err();
    let text = problems.to_string();
    for needle in [
        "/server",
        "/server/port",
        "/server/protocol",
        "/authentication",
        "/timeout",
        "/logLevel",
    ] {
        assert!(
            problems.0.iter().any(|p| p.pointer == needle),
            "{needle}: {text}"
        );
    }
    // Rules past the schema: proxy host and port, cluster ID, the token URL.
    let half = json!({
        "server": {"host": "h"},
        "proxy": {"override": true, "mode": "proxy"},
        "cluster": {"override": true},
    });
    let problems = Configuration::check(&m, &half).unwrap_err();
    let pointers: Vec<&str> = problems.0.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(pointers, ["/proxy/host", "/proxy/port", "/cluster/id"]);

    let ok = json!({
        "server": {"host": "api.example.com", "protocol": "https", "port": 8443, "basePath": "/system/api", "version": "v2"},
        "authentication": {"apiKeyAuth": {"value": "k"}, "oauth": {"clientId": "c", "clientSecret": "s"}},
        "tls": {"enabled": true, "rejectUnauthorized": false},
        "timeout": 30000,
        "proxy": {"override": true, "mode": "proxy", "host": "proxy", "port": 3128, "auth": {"mode": "basic", "username": "u", "password": "p"}},
        "cluster": {"override": true, "id": "eu-onprem"},
        "logLevel": "debug",
        "syslog": {"host": "127.0.0.1", "port": 514, "protocol": "tcp", "facility": "local0", "level": "warn"}
    });
    let c = Configuration::check(&m, &ok).unwrap();
    assert_eq!(c.log_level, LogLevel::Debug);
    assert_eq!(c.syslog_level(), Some(LogLevel::Warn));
    assert_eq!(c.syslog.as_ref().unwrap().facility_code(), 16);
}

#[test]
fn secrets_are_taken_out_and_put_back() {
    let m = Model::import(SECURED).unwrap();
    let mut v = json!({
        "server": {"host": "h"},
        "authentication": {"apiKeyAuth": {"value": "k-1"}, "oauth": {"clientId": "c", "clientSecret": "s-1", "access_token": "a-1"}},
        "proxy": {"auth": {"mode": "basic", "username": "u", "password": "p-1"}}
    });
    let secrets = configuration::split_secrets(&m, &mut v);
    assert_eq!(
        secrets.keys().collect::<Vec<_>>(),
        [
            "/authentication/apiKeyAuth/value",
            "/authentication/oauth/access_token",
            "/authentication/oauth/clientSecret",
            "/proxy/auth/password"
        ]
    );
    let text = v.to_string();
    for s in ["k-1", "s-1", "a-1", "p-1"] {
        assert!(!text.contains(s), "{s} left in {text}");
    }
    // An update that gives a new API key keeps the others.
    v["authentication"]["apiKeyAuth"]["value"] = json!("k-2");
    let merged = configuration::merge_secrets(&mut v, &secrets);
    assert_eq!(merged.len(), 3);
    assert_eq!(v["authentication"]["apiKeyAuth"]["value"], "k-2");
    assert_eq!(v["authentication"]["oauth"]["clientSecret"], "s-1");
    // Under secrets_manager the proxy's username and password are names, not secrets.
    let mut named = json!({"server": {"host": "h"}, "proxy": {"auth": {"mode": "secrets_manager", "username": "U", "password": "P"}}});
    assert!(configuration::split_secrets(&m, &mut named).is_empty());
}

#[test]
fn roles_per_verb_and_the_schema_per_model() {
    let m = Model::import(PETSTORE_2).unwrap();
    assert_eq!(
        configuration::roles("pets", &m),
        ["pets:admin", "pets:GET", "pets:POST"]
    );
    let s = configuration::schema(Some(&Model::import(SECURED).unwrap()));
    let auth = &s["properties"]["authentication"]["properties"];
    assert!(auth["apiKeyAuth"]["oneOf"].is_array());
    assert_eq!(
        auth["oauth"]["properties"]["flow"]["enum"],
        json!(["clientCredentials"])
    );
    assert!(
        configuration::schema(None)["properties"]["authentication"]["additionalProperties"]
            ["anyOf"]
            .is_array()
    );
}

#[test]
fn a_call_is_prepared_from_checked_inputs() {
    let m = Model::import(KINDS).unwrap();
    let get = op(&m, "getItem");
    let call = get
        .prepare(&inputs(json!({"integration": "x", "itemId": "7", "verbose": "true", "tags": ["a b", "c"], "X-Trace": "t"})))
        .unwrap();
    assert_eq!(call.method, "GET");
    assert_eq!(call.path, "/items/7");
    assert_eq!(
        call.query,
        [
            ("verbose".into(), "true".into()),
            ("tags".into(), "a b".into()),
            ("tags".into(), "c".into())
        ]
    );
    assert_eq!(call.headers, [("X-Trace".to_string(), "t".to_string())]);

    let problems = get
        .prepare(&inputs(
            json!({"itemId": 0, "verbose": "perhaps", "extra": 1}),
        ))
        .unwrap_err()
        .join("\n");
    assert!(problems.contains("unknown input `extra`"), "{problems}");
    assert!(problems.contains("input `itemId`"), "{problems}");
    assert!(problems.contains("input `verbose`"), "{problems}");
    assert!(
        problems.contains("input `X-Trace` is required (header parameter)"),
        "{problems}"
    );

    let create = op(&m, "createItem");
    let call = create
        .prepare(&inputs(json!({"body": "{\"name\": \"Rose\"}"})))
        .unwrap();
    assert_eq!(call.body, Some(PreparedBody::Json(json!({"name": "Rose"}))));
    assert!(create.prepare(&inputs(json!({}))).unwrap_err()[0].contains("`body` is required"));

    let form = op(&m, "submitForm")
        .prepare(&inputs(json!({"body": {"name": "n", "count": 2}})))
        .unwrap();
    assert_eq!(
        form.body,
        Some(PreparedBody::Form(vec![
            ("count".into(), "2".into()),
            ("name".into(), "n".into())
        ]))
    );

    let upload = op(&m, "upload")
        .prepare(&inputs(
            json!({"body": {"file": {"filename": "a.bin", "base64": "AAEC"}}}),
        ))
        .unwrap();
    let Some(PreparedBody::Multipart(parts)) = upload.body else {
        panic!("multipart expected")
    };
    assert_eq!(parts[0].data, [0u8, 1, 2]);
    let bytes = String::from_utf8_lossy(&multipart_bytes(&parts, "B")).into_owned();
    assert!(
        bytes.starts_with(
            "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
        ),
        "{bytes}"
    );
    assert!(bytes.ends_with("--B--\r\n"));

    // Path parameters are percent-encoded; cookies are kept apart.
    let secured = Model::import(SECURED).unwrap();
    let del = op(&secured, "deleteThing")
        .prepare(&inputs(json!({"id": "a/b c"})))
        .unwrap();
    assert_eq!(del.path, "/things/a%2Fb%20c");
    let who = op(&secured, "whoami")
        .prepare(&inputs(json!({"session": "s"})))
        .unwrap();
    assert_eq!(who.cookies, [("session".to_string(), "s".to_string())]);
}
