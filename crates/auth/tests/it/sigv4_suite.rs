//! The AWS SigV4 test suite (`tests/data/aws-sigv4`, from awslabs/aws-c-auth, Apache-2.0: see its NOTICE.md), signed with
//! [`plumb_auth::AwsSigV4`] (the `aws-sigv4` crate): for every case, the header-signed
//! `Authorization` (which covers the canonical request and string to sign: any difference
//! changes the signature) and the query-presigned signature must match.
//!
//! Mapping of the suite's context: `normalize` → `normalize_path`; `sign_body` → the
//! `x-amz-content-sha256` header; `omit_session_token` → the token is added after signing.
//! The suite's paths are raw (`/ሴ`, `/example space/`) and its expected canonical paths are
//! encoded once, so the harness percent-encodes the raw path for the wire and signs with
//! single encoding (double encoding of an already-encoded path is what production uses for
//! non-S3 services; both are the same for the suite's ASCII-unreserved paths).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use plumb_auth::{AwsSigV4, SecretString, SigV4Options};
use serde_json::Value;

/// Cases that cannot apply, with the reason. Empty: every case of the suite passes.
const SKIPPED: &[(&str, &str)] = &[];

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/aws-sigv4")
}

struct Parsed {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn encode_target(raw: &str) -> String {
    let mut out = String::new();
    for b in raw.bytes() {
        if b > 0x7f || b == b' ' {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

fn parse_request(text: &str) -> Parsed {
    let (head, body) = match text.split_once("\n\n") {
        Some((h, b)) => (h, b.as_bytes().to_vec()),
        None => (text.trim_end_matches('\n'), Vec::new()),
    };
    let mut lines = head.lines();
    let first = lines.next().unwrap();
    let (method, rest) = first.split_once(' ').unwrap();
    let target = rest.strip_suffix(" HTTP/1.1").unwrap();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let (k, v) = line.split_once(':').unwrap();
            headers.push((k.to_string(), v.to_string()));
        }
    }
    Parsed {
        method: method.into(),
        target: encode_target(target),
        headers,
        body,
    }
}

fn signer(ctx: &Value) -> AwsSigV4 {
    let creds = &ctx["credentials"];
    let token = creds["token"].as_str().map(SecretString::new);
    AwsSigV4::new(
        creds["access_key_id"].as_str().unwrap(),
        &SecretString::new(creds["secret_access_key"].as_str().unwrap()),
        token.as_ref(),
        ctx["region"].as_str().unwrap(),
        ctx["service"].as_str().unwrap(),
    )
    .with_options(SigV4Options {
        normalize_path: ctx["normalize"].as_bool().unwrap_or(true),
        double_encode: false,
        content_sha256_header: ctx["sign_body"].as_bool().unwrap_or(false),
        sign_session_token: !ctx["omit_session_token"].as_bool().unwrap_or(false),
    })
}

fn run_case(dir: &Path) -> Result<(), String> {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).map_err(|e| format!("{f}: {e}"));
    let ctx: Value = serde_json::from_str(&read("context.json")?).map_err(|e| e.to_string())?;
    let req = parse_request(&read("request.txt")?);
    let host = req
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.clone())
        .ok_or("no host")?;
    let url = format!("https://{host}{}", req.target);
    let time: SystemTime = chrono::DateTime::parse_from_rfc3339(ctx["timestamp"].as_str().unwrap())
        .map_err(|e| e.to_string())?
        .into();
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let s = signer(&ctx);

    // Header signing.
    let signed = s
        .sign(&req.method, &url, &headers, &req.body, time, None)
        .map_err(|e| e.to_string())?;
    let expected_sig = read("header-signature.txt")?.trim().to_string();
    if signed.signature != expected_sig {
        return Err(format!(
            "header signature {} != {expected_sig}",
            signed.signature
        ));
    }
    let expected_req = read("header-signed-request.txt")?;
    let expected_auth = expected_req
        .lines()
        .find_map(|l| l.strip_prefix("Authorization:"))
        .ok_or("no Authorization in the expected request")?;
    let got_auth = signed
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if got_auth != expected_auth {
        return Err(format!("Authorization `{got_auth}` != `{expected_auth}`"));
    }
    let wants_token = expected_req.contains("X-Amz-Security-Token:");
    let has_token = signed
        .headers
        .iter()
        .any(|(k, _)| k == "x-amz-security-token");
    if wants_token != has_token {
        return Err("x-amz-security-token presence differs".into());
    }

    // Query (presigned) signing.
    let expires = Duration::from_secs(ctx["expiration_in_seconds"].as_u64().unwrap_or(3600));
    let signed = s
        .sign(&req.method, &url, &headers, &req.body, time, Some(expires))
        .map_err(|e| e.to_string())?;
    let expected_sig = read("query-signature.txt")?.trim().to_string();
    if signed.signature != expected_sig {
        return Err(format!(
            "query signature {} != {expected_sig}",
            signed.signature
        ));
    }
    let got = signed
        .query
        .iter()
        .find(|(k, _)| k == "X-Amz-Signature")
        .map(|(_, v)| v.clone());
    if got.as_deref() != Some(expected_sig.as_str()) {
        return Err("X-Amz-Signature parameter missing or different".into());
    }
    Ok(())
}

#[test]
fn aws_sigv4_test_suite() {
    let dir = suite_dir();
    assert!(
        dir.is_dir(),
        "AWS SigV4 test suite not found at {}",
        dir.display()
    );
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("context.json").exists())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 38,
        "expected the full suite, found {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut passed = 0;
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        if SKIPPED.iter().any(|(n, _)| *n == name) {
            continue;
        }
        match run_case(case) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{passed} passed, failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn sigv4_bad_configuration() {
    use crate::support::conn;
    let auth = plumb_auth::AuthClient::in_memory();
    let e = auth
        .connect(&conn(
            "http",
            "awsSigV4",
            &[("secretAccessKey", "s"), ("service", "execute-api")],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("`accessKeyId`"), "{e}");
    let e = auth
        .connect(&conn(
            "http",
            "awsSigV4",
            &[("accessKeyId", "a"), ("secretAccessKey", "s")],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("`service`"), "{e}");
    let e = auth
        .connect(&conn(
            "http",
            "awsSigV4",
            &[
                ("accessKeyId", "a"),
                ("secretAccessKey", "s"),
                ("service", "x"),
                ("region", "us east"),
            ],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("`region`"), "{e}");
}

#[tokio::test]
async fn sigv4_request_reaches_a_server_signed() {
    use crate::support::{conn, echo_server};
    let addr = echo_server().await;
    let auth = plumb_auth::AuthClient::in_memory();
    let c = conn(
        "http",
        "awsSigV4",
        &[
            ("accessKeyId", "AKIDEXAMPLE"),
            (
                "secretAccessKey",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            ),
            ("sessionToken", "tok"),
            ("region", "eu-west-1"),
            ("service", "execute-api"),
        ],
    );
    let env = auth
        .send(
            &c,
            &plumb_auth::RequestParts::post(format!("http://{addr}/echo/a"))
                .json(&serde_json::json!({"a": 1})),
        )
        .await
        .unwrap();
    let h = &env.body.unwrap()["headers"];
    let a = h["authorization"].as_str().unwrap();
    assert!(
        a.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
        "{a}"
    );
    assert!(a.contains("/eu-west-1/execute-api/aws4_request"), "{a}");
    assert!(
        a.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token"),
        "{a}"
    );
    assert_eq!(h["x-amz-security-token"], "tok");
}
