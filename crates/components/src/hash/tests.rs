#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumb_core::action::{ActionError, Data, InputValue, Inputs};
use serde_json::{json, Value};

use super::Function;
use crate::testing::{context, inputs};

async fn run(key: &str, inputs: Inputs) -> Result<Value, ActionError> {
    let c = super::component();
    let t = context(json!({}), vec![]);
    match c.action(key).expect(key).run(&t.ctx, inputs).await? {
        Data::Json(v) => Ok(v),
        other => panic!("{other:?}"),
    }
}

fn binary(pairs: Vec<(&str, &[u8])>) -> Inputs {
    Inputs(
        pairs
            .into_iter()
            .map(|(k, b)| {
                (
                    k.to_string(),
                    InputValue::Data(Data::Binary {
                        bytes: b.to_vec(),
                        content_type: "application/octet-stream".into(),
                    }),
                )
            })
            .collect(),
    )
}

#[test]
fn every_function_has_an_action_and_parses_by_name() {
    let c = super::component();
    c.check().unwrap();
    for f in Function::ALL {
        assert!(c.action(f.action_key()).is_some(), "{}", f.name());
        assert_eq!(Function::parse(f.name()), Some(*f));
    }
    assert_eq!(Function::parse(" SHA-256 "), Some(Function::Sha256));
    assert_eq!(Function::parse("SHA512-256"), Some(Function::Sha512_256));
    assert_eq!(Function::parse("crc32"), None);
}

#[tokio::test]
async fn hmac_checks_a_webhook_signature() {
    // GitHub's documented example: secret "It's a Secret to Everybody", body "Hello, World!".
    let sig = run(
        "computeHmac",
        inputs(vec![
            ("secretKey", json!("It's a Secret to Everybody")),
            ("message", json!("Hello, World!")),
        ]),
    )
    .await
    .unwrap();
    assert_eq!(
        sig,
        json!("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    );
    let blake = run(
        "computeHmac",
        inputs(vec![
            ("hashFunction", json!("blake2b512")),
            ("secretKey", json!("key")),
            (
                "message",
                json!("The quick brown fox jumps over the lazy dog"),
            ),
        ]),
    )
    .await
    .unwrap();
    assert_eq!(blake, json!("92294f92c0dfb9b00ec9ae8bd94d7e7d8a036b885a499f149dfe2fd2199394aaaf6b8894a1730cccb2cd050f9bcf5062a38b51b0dab33207f8ef35ae2c9df51b"));
}

#[tokio::test]
async fn binary_messages_and_keys_hash_their_bytes() {
    let out = run("computeMd5", binary(vec![("message", b"abc")]))
        .await
        .unwrap();
    assert_eq!(out, json!("900150983cd24fb0d6963f7d28e17f72"));
    let mut i = binary(vec![("secretKey", b"key")]);
    i.0.insert(
        "message".into(),
        InputValue::Data(Data::Json(json!(
            "The quick brown fox jumps over the lazy dog"
        ))),
    );
    let out = run("computeHmac", i).await.unwrap();
    assert_eq!(
        out,
        json!("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
    );
    let empty = run("computeSha256", inputs(vec![("message", json!(""))]))
        .await
        .unwrap();
    assert_eq!(
        empty,
        json!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
}

#[tokio::test]
async fn bad_inputs_name_the_input() {
    let r = run(
        "computeHash",
        inputs(vec![
            ("hashFunction", json!("crc32")),
            ("message", json!("a")),
        ]),
    )
    .await;
    assert!(
        matches!(&r, Err(ActionError::InvalidInput { input, message }) if input == "hashFunction" && message.contains("sha256")),
        "{r:?}"
    );
    let r = run("computeHmac", inputs(vec![("message", json!("a"))])).await;
    assert!(
        matches!(&r, Err(ActionError::InvalidInput { input, .. }) if input == "secretKey"),
        "{r:?}"
    );
    let r = run(
        "computeHmac",
        inputs(vec![
            ("hashFunction", json!("md5-sha1")),
            ("secretKey", json!("k")),
            ("message", json!("a")),
        ]),
    )
    .await;
    assert!(
        matches!(&r, Err(ActionError::InvalidInput { input, .. }) if input == "hashFunction"),
        "{r:?}"
    );
    let r = run("computeSha1", Inputs::default()).await;
    assert!(
        matches!(&r, Err(ActionError::InvalidInput { input, .. }) if input == "message"),
        "{r:?}"
    );
}
