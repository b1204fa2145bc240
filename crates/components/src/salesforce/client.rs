//! An authenticated Salesforce REST client for one step, and Salesforce's error answers as
//! step failures.
//!
//! Connections: any connection with `instanceUrl` + `accessToken` (an OAuth 2.0 connection
//! after authorization); or `clientCredentials` (`externalCustomerId` = My Domain subdomain,
//! `clientId`, `clientSecret`), whose token is fetched from
//! `https://{externalCustomerId}.my.salesforce.com/services/oauth2/token` (or `{baseUrl}/...`
//! when the step sets `baseUrl`), cached per connection and fetched again after a 401.
//! `plumb-auth` will take over token handling; this keeps it to one file.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use plumb_core::action::{ActionError, Connection, Inputs};
use reqwest::{Client, Method};
use serde_json::Value;

use super::manifest::DEFAULT_VERSION;

/// A token and the instance it is for.
#[derive(Clone)]
struct Token {
    access_token: String,
    instance_url: String,
}

/// Client-credentials tokens by connection ID and token URL.
fn tokens() -> &'static Mutex<HashMap<String, Token>> {
    static TOKENS: OnceLock<Mutex<HashMap<String, Token>>> = OnceLock::new();
    TOKENS.get_or_init(|| Mutex::new(HashMap::new()))
}

fn http() -> Result<&'static Client, ActionError> {
    static CLIENT: OnceLock<Result<Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| Client::builder().build().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| ActionError::failed(format!("cannot build the HTTP client: {e}")))
}

/// How the client gets its token.
enum Auth {
    /// A token given by the connection.
    Static(Token),
    /// Client credentials, fetched (and cached) from `token_url`.
    ClientCredentials {
        cache_key: String,
        token_url: String,
        client_id: String,
        client_secret: String,
        base_url: Option<String>,
    },
}

/// A REST client for one step.
pub(crate) struct SfClient {
    auth: Auth,
    version: String,
}

/// What a call answered: the status and the JSON body (`null` when empty).
pub(crate) struct Reply {
    pub status: u16,
    pub body: Value,
}

impl SfClient {
    /// The client for a step's `connection`, `version` and `baseUrl` inputs.
    pub(crate) fn from_inputs(inputs: &Inputs) -> Result<Self, ActionError> {
        let conn = inputs
            .connection("connection")
            .ok_or_else(|| ActionError::input("connection", "is required"))?;
        let version = inputs
            .string("version")
            .unwrap_or_else(|| DEFAULT_VERSION.to_string());
        let version = version.trim_start_matches(['v', 'V']).to_string();
        let base_url = inputs
            .string("baseUrl")
            .map(|b| b.trim_end_matches('/').to_string());
        Ok(SfClient {
            auth: auth(conn, base_url)?,
            version,
        })
    }

    /// `/services/data/vXX.X/{path}`.
    pub(crate) fn data_path(&self, path: &str) -> String {
        format!(
            "/services/data/v{}/{}",
            self.version,
            path.trim_start_matches('/')
        )
    }

    /// Sends a request to `path` (relative to the instance) and fails on an error answer.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, ActionError> {
        let mut token = self.token(false).await?;
        let mut reply = self.send_once(&token, method.clone(), path, body).await?;
        if reply.status == 401 && matches!(self.auth, Auth::ClientCredentials { .. }) {
            token = self.token(true).await?;
            reply = self.send_once(&token, method, path, body).await?;
        }
        if reply.status >= 400 {
            return Err(error_from(reply.status, reply.body));
        }
        Ok(reply)
    }

    async fn send_once(
        &self,
        token: &Token,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, ActionError> {
        let url = format!("{}{}", token.instance_url.trim_end_matches('/'), path);
        let mut request = http()?
            .request(method.clone(), &url)
            .bearer_auth(&token.access_token)
            .header("accept", "application/json");
        if let Some(b) = body {
            request = request.json(b);
        }
        let response = request
            .send()
            .await
            .map_err(|e| unreachable(&method, path, &e))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| unreachable(&method, path, &e))?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Ok(Reply { status, body })
    }

    async fn token(&self, refresh: bool) -> Result<Token, ActionError> {
        let Auth::ClientCredentials {
            cache_key,
            token_url,
            client_id,
            client_secret,
            base_url,
        } = &self.auth
        else {
            let Auth::Static(token) = &self.auth else {
                return Err(ActionError::failed("no Salesforce token"));
            };
            return Ok(token.clone());
        };
        if !refresh {
            if let Some(t) = tokens().lock().ok().and_then(|m| m.get(cache_key).cloned()) {
                return Ok(t);
            }
        }
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
        ];
        let response = http()?
            .post(token_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| unreachable(&Method::POST, "/services/oauth2/token", &e))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let code = body["error"].as_str().unwrap_or("error");
            let description = body["error_description"].as_str().unwrap_or("");
            return Err(ActionError::failed(format!(
                "Salesforce token request answered {}: {code} {description}",
                status.as_u16()
            )));
        }
        let access_token = body["access_token"]
            .as_str()
            .ok_or_else(|| ActionError::failed("Salesforce token answer has no access_token"))?
            .to_string();
        let instance_url = body["instance_url"]
            .as_str()
            .map(str::to_string)
            .or_else(|| base_url.clone())
            .ok_or_else(|| ActionError::failed("Salesforce token answer has no instance_url"))?;
        let token = Token {
            access_token,
            instance_url,
        };
        if let Ok(mut m) = tokens().lock() {
            m.insert(cache_key.clone(), token.clone());
        }
        Ok(token)
    }
}

fn auth(conn: &Connection, base_url: Option<String>) -> Result<Auth, ActionError> {
    let field = |k: &str| {
        conn.fields
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    if let (Some(access_token), Some(instance_url)) = (field("accessToken"), field("instanceUrl")) {
        return Ok(Auth::Static(Token {
            access_token,
            instance_url: base_url.unwrap_or(instance_url),
        }));
    }
    let missing =
        |k: &str| ActionError::input("connection", format!("{} connection needs `{k}`", conn.key));
    match conn.key.as_str() {
        "clientCredentials" => {
            let client_id = field("clientId").ok_or_else(|| missing("clientId"))?;
            let client_secret = field("clientSecret").ok_or_else(|| missing("clientSecret"))?;
            let base = match &base_url {
                Some(b) => b.clone(),
                None => {
                    let domain = field("externalCustomerId").ok_or_else(|| missing("externalCustomerId"))?;
                    if !domain
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                    {
                        return Err(ActionError::input(
                            "connection",
                            "externalCustomerId must be a My Domain name",
                        ));
                    }
                    format!("https://{domain}.my.salesforce.com")
                }
            };
            Ok(Auth::ClientCredentials {
                cache_key: format!("{}|{base}", conn.id),
                token_url: format!("{base}/services/oauth2/token"),
                client_id,
                client_secret,
                base_url: Some(base),
            })
        }
        other => Err(ActionError::input(
            "connection",
            format!(
                "a {other} connection needs `instanceUrl` and `accessToken` (other flows come with plumb-auth)"
            ),
        )),
    }
}

/// A request that got no answer.
fn unreachable(method: &Method, path: &str, error: &reqwest::Error) -> ActionError {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let why = if error.is_timeout() {
        "timed out".to_string()
    } else if error.is_connect() {
        format!("could not connect (is the server down?): {cause}")
    } else {
        cause.to_string()
    };
    ActionError::failed(format!("Salesforce {method} {path} {why}"))
}

/// Salesforce's `[{message, errorCode, fields}]` (or any other answer) as a failure.
pub(crate) fn error_from(status: u16, body: Value) -> ActionError {
    let errors: Vec<String> = body
        .as_array()
        .map(|items| items.iter().filter_map(describe).collect())
        .unwrap_or_default();
    let message = if errors.is_empty() {
        format!("Salesforce answered {status}")
    } else {
        format!("Salesforce answered {status}: {}", errors.join("; "))
    };
    ActionError::Failed {
        message,
        details: Some(body),
    }
}

/// `CODE: message (fields: A, B)` for one Salesforce error object.
pub(crate) fn describe(error: &Value) -> Option<String> {
    let message = error.get("message")?.as_str()?;
    let code = error
        .get("errorCode")
        .or_else(|| error.get("statusCode"))
        .and_then(Value::as_str)
        .unwrap_or("ERROR");
    let fields: Vec<&str> = error
        .get("fields")
        .and_then(Value::as_array)
        .map(|f| f.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    Some(if fields.is_empty() {
        format!("{code}: {message}")
    } else {
        format!("{code}: {message} (fields: {})", fields.join(", "))
    })
}
