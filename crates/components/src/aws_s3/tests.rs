use std::sync::Arc;

use plumb_core::action::{Action, ActionError, Data, InputValue, Inputs};
use serde_json::{json, Value};

use super::actions;
use crate::testing::{context, inputs, S3Server, S3_SECRET_KEY};

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];

fn action(key: &str) -> Arc<dyn Action> {
    actions()
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, a)| a)
        .expect("action")
}

fn with_connection(server: &S3Server, secret: &str, pairs: Vec<(&str, Value)>) -> Inputs {
    let mut i = inputs(pairs);
    i.0.insert(
        "accessKey".into(),
        InputValue::Connection(server.connection(secret)),
    );
    i
}

async fn call(
    server: &S3Server,
    key: &str,
    pairs: Vec<(&str, Value)>,
) -> Result<Data, ActionError> {
    let t = context(json!({}), vec![]);
    action(key)
        .run(&t.ctx, with_connection(server, S3_SECRET_KEY, pairs))
        .await
}

async fn put_binary(
    server: &S3Server,
    bucket: &str,
    key: &str,
    bytes: &[u8],
) -> Result<Data, ActionError> {
    let t = context(json!({}), vec![]);
    let mut i = with_connection(
        server,
        S3_SECRET_KEY,
        vec![("bucket", json!(bucket)), ("objectKey", json!(key))],
    );
    i.0.insert(
        "fileContents".into(),
        InputValue::Data(Data::Binary {
            bytes: bytes.to_vec(),
            content_type: "image/png".into(),
        }),
    );
    action("putObject").run(&t.ctx, i).await
}

#[tokio::test]
async fn put_binary_then_read_back_independently_and_through_get() {
    let s3 = S3Server::start(&["avatars"]).await;
    let out = put_binary(&s3, "avatars", "Smith Rocket Company.png", PNG)
        .await
        .expect("put");
    let Data::Json(v) = out else { panic!("json") };
    assert_eq!(v["objectKey"], "Smith Rocket Company.png");
    assert_eq!(v["size"], PNG.len());
    assert_eq!(
        s3.read("avatars", "Smith Rocket Company.png").as_deref(),
        Some(PNG)
    );
    let got = call(
        &s3,
        "getObject",
        vec![
            ("bucket", json!("avatars")),
            ("objectKey", json!("Smith Rocket Company.png")),
        ],
    )
    .await
    .expect("get");
    assert_eq!(
        got,
        Data::Binary {
            bytes: PNG.to_vec(),
            content_type: "image/png".into()
        }
    );
}

#[tokio::test]
async fn put_text_and_json_with_content_type_and_tags() {
    let s3 = S3Server::start(&["docs"]).await;
    call(
        &s3,
        "putObject",
        vec![
            ("bucket", json!("docs")),
            ("objectKey", json!("notes/a.txt")),
            ("fileContents", json!("hello")),
            ("tagging", json!([{"key": "team", "value": "rockets"}])),
        ],
    )
    .await
    .expect("put text");
    assert_eq!(
        s3.read("docs", "notes/a.txt").as_deref(),
        Some(&b"hello"[..])
    );
    call(
        &s3,
        "putObject",
        vec![
            ("bucket", json!("docs")),
            ("objectKey", json!("notes/b.json")),
            ("fileContents", json!({"a": 1})),
        ],
    )
    .await
    .expect("put json");
    let got = call(
        &s3,
        "getObject",
        vec![
            ("bucket", json!("docs")),
            ("objectKey", json!("notes/b.json")),
        ],
    )
    .await
    .expect("get");
    assert_eq!(
        got,
        Data::Binary {
            bytes: br#"{"a":1}"#.to_vec(),
            content_type: "application/json".into()
        }
    );
}

#[tokio::test]
async fn list_pages_with_continuation_token() {
    let s3 = S3Server::start(&["bkt"]).await;
    for key in ["p/1", "p/2", "p/3", "q/1"] {
        put_binary(&s3, "bkt", key, b"x").await.expect("put");
    }
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut pairs = vec![
            ("bucket", json!("bkt")),
            ("prefix", json!("p/")),
            ("maxKeys", json!(2)),
        ];
        if let Some(t) = &token {
            pairs.push(("continuationToken", json!(t)));
        }
        let Data::Json(page) = call(&s3, "listObjects", pairs).await.expect("list") else {
            panic!("json")
        };
        pages += 1;
        for k in page["keys"].as_array().expect("keys") {
            keys.push(k.as_str().expect("str").to_string());
        }
        match page["continuationToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
        assert!(pages < 5);
    }
    keys.sort();
    assert_eq!(keys, vec!["p/1", "p/2", "p/3"]);
    assert!(pages >= 2);
}

#[tokio::test]
async fn copy_within_and_across_buckets_then_delete() {
    let s3 = S3Server::start(&["src", "dst"]).await;
    put_binary(&s3, "src", "a.png", PNG).await.expect("put");
    call(
        &s3,
        "copyObject",
        vec![
            ("sourceBucket", json!("src")),
            ("sourceKey", json!("a.png")),
            ("objectKey", json!("b.png")),
        ],
    )
    .await
    .expect("copy within");
    assert_eq!(s3.read("src", "b.png").as_deref(), Some(PNG));
    call(
        &s3,
        "copyObject",
        vec![
            ("sourceBucket", json!("src")),
            ("sourceKey", json!("a.png")),
            ("bucket", json!("dst")),
            ("objectKey", json!("c.png")),
        ],
    )
    .await
    .expect("copy across");
    assert_eq!(s3.read("dst", "c.png").as_deref(), Some(PNG));
    call(
        &s3,
        "deleteObject",
        vec![("bucket", json!("src")), ("objectKey", json!("a.png"))],
    )
    .await
    .expect("delete");
    assert_eq!(s3.read("src", "a.png"), None);
}

#[tokio::test]
async fn missing_object_wrong_secret_and_missing_connection() {
    let s3 = S3Server::start(&["bkt"]).await;
    let err = call(
        &s3,
        "getObject",
        vec![("bucket", json!("bkt")), ("objectKey", json!("nope"))],
    )
    .await
    .expect_err("missing");
    assert!(
        err.to_string().contains("nope not found in bucket bkt"),
        "{err}"
    );
    let t = context(json!({}), vec![]);
    let err = action("getObject")
        .run(
            &t.ctx,
            with_connection(
                &s3,
                "wrong-secret-value",
                vec![("bucket", json!("bkt")), ("objectKey", json!("x"))],
            ),
        )
        .await
        .expect_err("signature");
    let text = err.to_string();
    assert!(
        !text.contains("wrong-secret-value") && !text.contains(S3_SECRET_KEY),
        "{text}"
    );
    let err = action("getObject")
        .run(
            &t.ctx,
            inputs(vec![("bucket", json!("bkt")), ("objectKey", json!("x"))]),
        )
        .await
        .expect_err("no connection");
    assert!(matches!(err, ActionError::InvalidInput { ref input, .. } if input == "accessKey"));
}

#[tokio::test]
async fn an_endpoint_the_egress_policy_denies_is_refused() {
    use plumb_auth::{AuthClient, EgressPolicy, MemoryTokenStore};

    let s3 = S3Server::start(&["bkt"]).await;
    let port = reqwest::Url::parse(&s3.endpoint)
        .expect("url")
        .port()
        .expect("port");
    let policy = EgressPolicy::builtin()
        .deny("--egress-deny", &[format!("127.0.0.1:{port}")])
        .expect("entry");
    let auth = AuthClient::with_egress(Arc::new(MemoryTokenStore::new()), Arc::new(policy));
    let put = super::actions_with(&auth)
        .into_iter()
        .find(|(k, _)| *k == "putObject")
        .map(|(_, a)| a)
        .expect("putObject");
    let run = |endpoint: String| {
        let put = Arc::clone(&put);
        let mut conn = s3.connection(S3_SECRET_KEY);
        conn.set("endpoint".into(), endpoint);
        async move {
            let t = context(json!({}), vec![]);
            let mut i = inputs(vec![
                ("bucket", json!("bkt")),
                ("objectKey", json!("k")),
                ("fileContents", json!("x")),
            ]);
            i.0.insert("accessKey".into(), InputValue::Connection(conn));
            put.run(&t.ctx, i).await
        }
    };
    // The endpoint itself: refused before any request.
    let err = run(s3.endpoint.clone()).await.expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "S3 endpoint: egress policy refused 127.0.0.1:{port} (denied by --egress-deny 127.0.0.1:{port})"
        )),
        "{text}"
    );
    assert!(!text.contains(S3_SECRET_KEY), "{text}");
    // A name reaching it: refused on the connected socket, and not retried.
    let err = run(format!("http://localhost:{port}"))
        .await
        .expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("egress policy refused"), "{text}");
    assert!(!text.contains("retries"), "{text}");
    assert_eq!(s3.read("bkt", "k"), None);
    // The default policy lets the same endpoint through.
    call(
        &s3,
        "putObject",
        vec![
            ("bucket", json!("bkt")),
            ("objectKey", json!("k")),
            ("fileContents", json!("x")),
        ],
    )
    .await
    .expect("put");
    assert_eq!(s3.read("bkt", "k").as_deref(), Some(&b"x"[..]));
}
