//! Calls to OAuth 2.0 token endpoints (RFC 6749 §4.4, §4.3, §4.1.3, §6) and their answers.

use base64::Engine;
use chrono::Utc;
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, SET_COOKIE};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Map, Value};

use super::TokenSet;
use crate::egress::EgressClient;
use crate::envelope::Envelope;
use crate::error::{describe, redact_url, send_error, AuthError};
use crate::fields::form_encode;
use plumb_core::secret::SecretString;

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientAuthMethod {
    /// `client_id`/`client_secret` in the form body (the default).
    Post,
    /// HTTP basic with the form-encoded ID and secret.
    Basic,
}

impl ClientAuthMethod {
    pub(crate) fn parse(value: Option<&str>) -> Result<Self, AuthError> {
        match value {
            None | Some("client_secret_post") => Ok(ClientAuthMethod::Post),
            Some("client_secret_basic") => Ok(ClientAuthMethod::Basic),
            Some(_) => Err(AuthError::invalid(
                "authMethod",
                "expected client_secret_post or client_secret_basic",
            )),
        }
    }
}

/// An OAuth 2.0 client.
#[derive(Debug, Clone)]
pub(crate) struct OAuthClient {
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<SecretString>,
    pub(crate) method: ClientAuthMethod,
}

/// POSTs a token request and parses the answer.
pub(crate) async fn request_token(
    http: &EgressClient,
    token_url: &Url,
    client: Option<&OAuthClient>,
    params: &[(&str, &str)],
) -> Result<TokenSet, AuthError> {
    let mut body = String::new();
    let mut push = |k: &str, v: &str| {
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(&form_encode(k));
        body.push('=');
        body.push_str(&form_encode(v));
    };
    for (k, v) in params {
        push(k, v);
    }
    let mut req = http
        .post(token_url.clone())
        .header(ACCEPT, "application/json")
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(c) = client {
        match c.method {
            ClientAuthMethod::Post => {
                push("client_id", &c.client_id);
                if let Some(s) = &c.client_secret {
                    push("client_secret", s.expose());
                }
            }
            ClientAuthMethod::Basic => {
                let secret = c.client_secret.as_ref().map(|s| s.expose()).unwrap_or("");
                let raw = format!("{}:{}", form_encode(&c.client_id), form_encode(secret));
                let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
                req = req.header(AUTHORIZATION, format!("Basic {b64}"));
            }
        }
    }
    let url = redact_url(token_url.as_str());
    let resp = http
        .send(req.body(body))
        .await
        .map_err(|e| send_error("POST", &url, "token request: ", e))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.map_err(|e| AuthError::Transport {
        method: "POST".into(),
        url: url.clone(),
        reason: format!("reading the token answer: {}", describe(&e)),
    })?;
    if !status.is_success() {
        return Err(failure_envelope(
            &Method::POST,
            &url,
            status,
            &headers,
            &bytes,
        ));
    }
    parse_token_answer(&url, &bytes)
}

fn parse_token_answer(url: &str, bytes: &[u8]) -> Result<TokenSet, AuthError> {
    let bad = |reason: &str| AuthError::TokenResponse {
        method: "POST".into(),
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let v: Value = serde_json::from_slice(bytes).map_err(|_| bad("the answer is not JSON"))?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let access = s("access_token").ok_or_else(|| bad("no access_token"))?;
    let expires_in = match v.get("expires_in") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(t)) => t.trim().parse::<i64>().ok(),
        _ => None,
    };
    Ok(TokenSet {
        access_token: SecretString::new(access),
        refresh_token: s("refresh_token").map(SecretString::new),
        token_type: s("token_type"),
        expires_at: expires_in.map(|secs| Utc::now() + chrono::Duration::seconds(secs)),
        scope: s("scope"),
        instance_url: s("instance_url"),
        fingerprint: String::new(),
    })
}

/// The error of a failed token (or key) call: its envelope with only the error fields of the
/// body (`error`, `error_description`, `error_uri`, Salesforce's `errorCode`/`message`), and a
/// short text when the body is not JSON. Never the request, never a token.
pub(crate) fn failure_envelope(
    method: &Method,
    url: &str,
    status: StatusCode,
    headers: &HeaderMap,
    bytes: &[u8],
) -> AuthError {
    let mut headers = headers.clone();
    headers.remove(SET_COOKIE);
    let mut env = Envelope::from_parts(method, url, status, &headers, b"");
    env.text = None;
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => {
            let mut kept = Map::new();
            let src = match &v {
                Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
                other => other.clone(),
            };
            for k in [
                "error",
                "error_description",
                "error_uri",
                "errorCode",
                "message",
            ] {
                if let Some(x) = src.get(k).filter(|x| x.is_string()) {
                    kept.insert(k.to_string(), x.clone());
                }
            }
            env.body = Some(Value::Object(kept));
        }
        Err(_) if !bytes.is_empty() => {
            let text = String::from_utf8_lossy(bytes);
            env.text = Some(text.chars().take(200).collect());
        }
        Err(_) => {}
    }
    AuthError::Token(Box::new(env))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_answers() {
        let t = parse_token_answer(
            "u",
            br#"{"access_token":"a","expires_in":"60","refresh_token":"r","instance_url":"https://x"}"#,
        )
        .unwrap();
        assert_eq!(t.access_token.expose(), "a");
        assert!(t.expires_at.is_some());
        assert_eq!(t.instance_url.as_deref(), Some("https://x"));
        let t = parse_token_answer("u", br#"{"access_token":"a"}"#).unwrap();
        assert!(t.expires_at.is_none() && t.refresh_token.is_none());
        assert!(parse_token_answer("u", b"{}").is_err());
        assert!(parse_token_answer("u", b"<html>").is_err());
    }

    #[test]
    fn failure_keeps_only_error_fields() {
        let e = failure_envelope(
            &Method::POST,
            "http://idp/token",
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            br#"{"error":"invalid_client","error_description":"bad secret","echo":"s3cr3t"}"#,
        );
        let msg = e.to_string();
        assert!(
            msg.contains("invalid_client") && msg.contains("bad secret"),
            "{msg}"
        );
        let env = e.envelope().unwrap();
        assert_eq!(env.status, 401);
        assert!(!serde_json::to_string(env).unwrap().contains("s3cr3t"));
    }
}
