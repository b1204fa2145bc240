use super::*;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::json;

fn connection(component: &str, key: &str, fields: &[(&str, &str)]) -> ConfigValue {
    ConfigValue::Connection(Connection::new(
        key.into(),
        component.into(),
        key.into(),
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    ))
}

fn redactor(values: &[(&str, ConfigValue)]) -> Redactor {
    let config: BTreeMap<String, ConfigValue> = values
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    Redactor::new(&config, &[])
}

fn basic(user: &str, password: &str) -> Redactor {
    redactor(&[(
        "c",
        connection(
            "http",
            "basic",
            &[("username", user), ("password", password)],
        ),
    )])
}

/// The text with `secret` in it, redacted, keeps nothing of it.
#[track_caller]
fn hides(r: &Redactor, text: &str, secret: &str) {
    let out = r.text(text);
    assert!(
        out.contains(REDACTED),
        "nothing redacted in {text:?}: {out}"
    );
    assert!(!out.contains(secret), "{secret:?} left in {out}");
    let mut bytes = text.as_bytes().to_vec();
    assert!(r.bytes(&mut bytes), "nothing redacted in bytes of {text:?}");
    assert!(
        !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "{secret:?} left in bytes {}",
        String::from_utf8_lossy(&bytes)
    );
    let mut v = json!({ "a": [text], text: 1 });
    assert!(r.json(&mut v));
    assert!(!v.to_string().contains(secret), "{secret:?} left in {v}");
}

#[test]
fn redacts_secret_fields_only() {
    let r = basic("alice", "hunter22");
    assert_eq!(r.text("login alice:hunter22"), "login alice:[REDACTED]");
    let mut v = json!({"a": ["xhunter22x"], "hunter22": 1, "user": "alice"});
    assert!(r.json(&mut v));
    assert_eq!(
        v,
        json!({"a": ["x[REDACTED]x"], "[REDACTED]": 1, "user": "alice"})
    );
    let mut clean = json!({"user": "alice", "n": [1, true, null]});
    assert!(!r.json(&mut clean));
    assert!(matches!(r.text("alice only"), Cow::Borrowed(_)));
}

#[test]
fn unknown_inputs_of_a_known_type_are_secret() {
    let c = Connection::new("c".into(), "http".into(), "bearer".into(), BTreeMap::new());
    assert!(is_secret_field(&c, "token"));
    assert!(is_secret_field(&c, "notDeclared"));
    assert!(!is_secret_field(&c, "timeout"));
    let unknown = Connection {
        component: "test".into(),
        ..c
    };
    assert!(is_secret_field(&unknown, "password"));
    assert!(!is_secret_field(&unknown, "username"));
}

#[test]
fn short_secrets_are_not_redacted() {
    let r = basic("alice", "abc");
    assert!(r.is_empty());
    assert_eq!(r.text("abc abc"), "abc abc");
}

#[test]
fn base64_forms_standard_url_safe_and_unpadded() {
    // Bytes chosen so the standard and URL-safe alphabets differ (`+/` vs `-_`).
    let secret = "s3cr\u{fb}t>?~key";
    let r = redactor(&[("c", connection("http", "bearer", &[("token", secret)]))]);
    for encoded in [
        STANDARD.encode(secret),
        STANDARD_NO_PAD.encode(secret),
        URL_SAFE.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
    ] {
        hides(&r, &format!("x-token: {encoded}\n"), &encoded);
    }
    assert_ne!(STANDARD.encode(secret), URL_SAFE.encode(secret));
}

#[test]
fn base64_inside_a_longer_base64_text_at_every_alignment() {
    let secret = "planted-secret-7f3a";
    let r = redactor(&[("c", connection("http", "apiKey", &[("apiKey", secret)]))]);
    for prefix in ["", "a", "ab", "abc", "abcd", "{\"x-api-key\":\""] {
        let body = format!("{prefix}{secret}\", \"other\": 1}}");
        // The characters that encode the secret's bytes alone: [ceil(8p/6), floor(8(p+n)/6)).
        let start = (8 * prefix.len()).div_ceil(6);
        let end = 8 * (prefix.len() + secret.len()) / 6;
        for encoded in [STANDARD.encode(&body), URL_SAFE_NO_PAD.encode(&body)] {
            let expected = format!("{}{REDACTED}{}", &encoded[..start], &encoded[end..]);
            assert_eq!(r.text(&encoded), expected, "prefix {prefix:?}");
        }
    }
}

#[test]
fn basic_credentials_and_client_secret_basic() {
    let r = basic("alice", "pa:ss w0rd/Planted");
    let header = STANDARD.encode("alice:pa:ss w0rd/Planted");
    hides(&r, &format!("Authorization: Basic {header}"), &header);
    let r = redactor(&[(
        "c",
        connection(
            "http",
            "oauth2ClientCredentials",
            &[
                ("clientId", "my client"),
                ("clientSecret", "cl1ent secret/+x"),
                ("tokenUrl", "http://127.0.0.1/token"),
            ],
        ),
    )]);
    // RFC 6749: both are form-encoded before the Basic encoding (what plumb's token request does).
    let header = STANDARD.encode("my+client:cl1ent+secret%2F%2Bx");
    hides(&r, &format!("Authorization: Basic {header}"), &header);
    let plain = STANDARD.encode("my client:cl1ent secret/+x");
    hides(&r, &format!("Basic {plain}"), &plain);
}

#[test]
fn percent_and_form_encodings() {
    let secret = "k3y/with+special chars&=é";
    let r = redactor(&[("c", connection("http", "apiKey", &[("apiKey", secret)]))]);
    for encoded in [
        // form_urlencoded (plumb's query keys and token requests): space as `+`.
        "k3y%2Fwith%2Bspecial+chars%26%3D%C3%A9",
        // RFC 3986: space as %20, lower-case hex too.
        "k3y%2Fwith%2Bspecial%20chars%26%3D%C3%A9",
        "k3y%2fwith%2bspecial%20chars%26%3d%c3%a9",
        // A URL query (`url`): only what a query cannot hold.
        "k3y/with+special%20chars&=%C3%A9",
    ] {
        hides(&r, &format!("GET /echo?key={encoded}&n=1"), encoded);
    }
}

#[test]
fn json_string_escapes() {
    let secret = "pa\"ss\\w0rd/é\u{1}";
    let r = basic("alice", secret);
    for escaped in [
        r#"pa\"ss\\w0rd/é\u0001"#,
        r#"pa\"ss\\w0rd\/é\u0001"#,
        r#"pa\"ss\\w0rd/\u00e9\u0001"#,
    ] {
        hides(&r, &format!(r#"{{"password":"{escaped}"}}"#), escaped);
    }
}

#[test]
fn binary_results_are_scanned_and_their_content_type_too() {
    let secret = "bin-secret-0042";
    let r = redactor(&[("c", connection("http", "bearer", &[("token", secret)]))]);
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0, 0xff];
    bytes.extend_from_slice(secret.as_bytes());
    bytes.extend_from_slice(&[0, 1, 2]);
    bytes.extend_from_slice(STANDARD.encode(secret).as_bytes());
    let mut data = Data::Binary {
        bytes,
        content_type: format!("text/plain; key={secret}"),
    };
    assert!(r.data(&mut data));
    let Data::Binary {
        bytes,
        content_type,
    } = data
    else {
        panic!("binary");
    };
    let mut expected = vec![0x89, b'P', b'N', b'G', 0, 0xff];
    expected.extend_from_slice(REDACTED.as_bytes());
    expected.extend_from_slice(&[0, 1, 2]);
    expected.extend_from_slice(REDACTED.as_bytes());
    assert_eq!(bytes, expected);
    assert_eq!(content_type, "text/plain; key=[REDACTED]");
    let mut clean = Data::Binary {
        bytes: vec![1, 2, 3],
        content_type: "image/png".into(),
    };
    assert!(!r.data(&mut clean));
}

#[test]
fn json_object_secrets_are_redacted_value_by_value() {
    let r = redactor(&[(
        "c",
        connection(
            "http",
            "apiKeyDynamic",
            &[
                ("url", "http://127.0.0.1/key"),
                (
                    "parameters",
                    r#"{"user": "bob", "password": "dyn-pass-99"}"#,
                ),
            ],
        ),
    )]);
    assert_eq!(
        r.text("sent password=dyn-pass-99"),
        "sent password=[REDACTED]"
    );
}

#[test]
fn the_longest_form_wins_and_matches_do_not_overlap() {
    let r = Redactor::from_secrets(&["token-XYZ".into(), "token-XYZ-long".into()], &[]);
    assert_eq!(r.text("Bearer token-XYZ-long!"), "Bearer [REDACTED]!");
    assert_eq!(r.text("token-XYZtoken-XYZ"), "[REDACTED][REDACTED]");
    assert_eq!(r.text(""), "");
    assert_eq!(r.text("ünïcödé token-XYZ ✓"), "ünïcödé [REDACTED] ✓");
}

#[test]
fn debug_hides_secrets() {
    let r = Redactor::from_secrets(&["do-not-print".into()], &[]);
    let shown = format!("{r:?}");
    assert!(shown.starts_with("Redactor { patterns: "), "{shown}");
    assert!(!shown.contains("do-not-print"));
}

#[test]
fn a_json_string_of_base64_is_decoded_searched_and_encoded_again() {
    let password = "pa:ss w0rd/\"q\"";
    let r = basic("alice", password);
    // An echoed request, as plumb's HTTP step encodes a binary body (`includeFullResponse`):
    // the password JSON-escaped, the Basic header, at whatever alignment.
    let body = json!({
        "headers": {"authorization": format!("Basic {}", STANDARD.encode(format!("alice:{password}")))},
        "basic": format!("alice:{password}"),
    })
    .to_string();
    for (prefix, engine) in [
        ("", STANDARD),
        ("x", URL_SAFE_NO_PAD),
        ("xy", STANDARD_NO_PAD),
    ] {
        let encoded = engine.encode(format!("{prefix}{body}"));
        let mut v = json!({"body": {"base64": encoded}});
        assert!(r.json(&mut v), "{prefix:?}");
        let out = v["body"]["base64"].as_str().unwrap();
        let decoded = String::from_utf8(engine.decode(out).unwrap()).unwrap();
        assert!(!decoded.contains("w0rd"), "{decoded}");
        assert_eq!(
            decoded,
            format!(
                "{prefix}{}",
                json!({"headers": {"authorization": "Basic [REDACTED]"}, "basic": "alice:[REDACTED]"})
            )
        );
    }
    // A base64 text without a secret is left alone, and so is a clean value holding one.
    let mut clean =
        json!({"png": STANDARD.encode([0x89u8, b'P', b'N', b'G', 1, 2, 3, 4, 5, 6, 7, 8, 9])});
    let before = clean.clone();
    assert!(!r.json(&mut clean));
    assert_eq!(clean, before);
}
