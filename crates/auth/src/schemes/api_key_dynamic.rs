//! `apiKeyDynamic`: the key is fetched from `url` with `method` (and `parameters`, a JSON
//! object: the query of a GET/HEAD, else the JSON body), taken from the JSON answer at the
//! RFC 6901 `responsePointer` (the whole body when empty), cached, then placed like `apiKey`
//! (`location`, `name`). After a 401 it is fetched again once and the call retried once.

use async_trait::async_trait;
use plumb_core::action::Connection;
use reqwest::header::ACCEPT;
use reqwest::{Method, Url};
use serde_json::Value;

use super::api_key::Placement;
use super::oauth2_common::fingerprint;
use crate::egress::EgressClient;
use crate::error::{describe, redact_url, send_error, AuthError};
use crate::fields::Fields;
use crate::token::{failure_envelope, TokenSet, TokenSource};
use plumb_core::secret::SecretString;

/// Fetches API keys. No `Debug`: `parameters` may hold credentials.
#[derive(Clone)]
pub(crate) struct DynamicApiKey {
    method: Method,
    url: Url,
    pointer: String,
    parameters: Option<Value>,
    pub(crate) placement: Placement,
}

impl DynamicApiKey {
    pub(crate) fn from_connection(conn: &Connection) -> Result<Self, AuthError> {
        let f = Fields::new(conn);
        let method = match f.opt("method").map(str::to_ascii_uppercase).as_deref() {
            None => Method::GET,
            Some(m @ ("GET" | "POST" | "HEAD" | "PUT" | "PATCH")) => {
                Method::from_bytes(m.as_bytes())
                    .map_err(|_| AuthError::invalid("method", "invalid"))?
            }
            Some(_) => {
                return Err(AuthError::invalid(
                    "method",
                    "expected GET, POST, HEAD, PUT or PATCH",
                ))
            }
        };
        let pointer = f.opt("responsePointer").unwrap_or("").to_string();
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(AuthError::invalid(
                "responsePointer",
                "a JSON pointer starts with `/` (RFC 6901)",
            ));
        }
        let parameters = match f.opt("parameters") {
            None => None,
            Some(p) => match serde_json::from_str::<Value>(p) {
                Ok(v @ Value::Object(_)) => Some(v),
                _ => return Err(AuthError::invalid("parameters", "expected a JSON object")),
            },
        };
        Ok(DynamicApiKey {
            method,
            url: f.url("url")?,
            pointer,
            parameters,
            placement: Placement::from_fields(&f)?,
        })
    }
}

#[async_trait]
impl TokenSource for DynamicApiKey {
    fn fingerprint(&self) -> String {
        let params = self
            .parameters
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default();
        fingerprint(&[
            "apiKeyDynamic",
            self.method.as_str(),
            self.url.as_str(),
            &self.pointer,
            &params,
        ])
    }

    async fn fetch(&self, http: &EgressClient) -> Result<TokenSet, AuthError> {
        let mut req = http
            .request(self.method.clone(), self.url.clone())
            .header(ACCEPT, "application/json");
        if let Some(Value::Object(map)) = &self.parameters {
            if self.method == Method::GET || self.method == Method::HEAD {
                let pairs: Vec<(String, String)> = map
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string()),
                        )
                    })
                    .collect();
                req = req.query(&pairs);
            } else {
                req = req.json(&Value::Object(map.clone()));
            }
        }
        let url = redact_url(self.url.as_str());
        let transport = |reason: String| AuthError::Transport {
            method: self.method.to_string(),
            url: url.clone(),
            reason,
        };
        let resp = http
            .send(req)
            .await
            .map_err(|e| send_error(self.method.as_str(), &url, "API key request: ", e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map_err(|e| transport(describe(&e)))?;
        if !status.is_success() {
            return Err(failure_envelope(
                &self.method,
                &url,
                status,
                &headers,
                &bytes,
            ));
        }
        let key = extract(&bytes, &self.pointer).map_err(|reason| AuthError::TokenResponse {
            method: self.method.to_string(),
            url: url.clone(),
            reason,
        })?;
        Ok(TokenSet {
            access_token: SecretString::new(key),
            refresh_token: None,
            token_type: None,
            expires_at: None,
            scope: None,
            instance_url: None,
            fingerprint: String::new(),
        })
    }
}

/// The key at `pointer` in a JSON body (a string, or a number's text); the whole body when
/// the pointer is empty.
fn extract(bytes: &[u8], pointer: &str) -> Result<String, String> {
    let parsed = serde_json::from_slice::<Value>(bytes);
    let value = match (pointer.is_empty(), parsed) {
        (true, Ok(Value::String(s))) => return non_empty(s),
        (true, Ok(_)) | (true, Err(_)) => {
            return non_empty(String::from_utf8_lossy(bytes).trim().to_string())
        }
        (false, Ok(v)) => v,
        (false, Err(_)) => return Err("the answer is not JSON".into()),
    };
    match value.pointer(pointer) {
        Some(Value::String(s)) => non_empty(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(format!("the value at `{pointer}` is not a string")),
        None => Err(format!("nothing at `{pointer}` in the answer")),
    }
}

fn non_empty(s: String) -> Result<String, String> {
    if s.is_empty() {
        Err("the key is empty".into())
    } else {
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::extract;

    #[test]
    fn pointer_extraction() {
        let body = br#"{"data":{"keys":[{"value":"k1"}]},"n":5}"#;
        assert_eq!(extract(body, "/data/keys/0/value").unwrap(), "k1");
        assert_eq!(extract(body, "/n").unwrap(), "5");
        assert!(extract(body, "/missing").is_err());
        assert!(extract(body, "/data").is_err());
        assert_eq!(extract(b"raw-key\n", "").unwrap(), "raw-key");
        assert_eq!(extract(br#""quoted""#, "").unwrap(), "quoted");
        assert!(extract(b"<html>", "/a").is_err());
    }
}
