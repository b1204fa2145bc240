//! An authenticated Salesforce REST client for one step, and Salesforce's error answers as
//! step failures.
//!
//! Authentication is `plumb-auth`'s: `clientCredentials` (`externalCustomerId` = My Domain
//! subdomain, `clientId`, `clientSecret`; token from
//! `https://{externalCustomerId}.my.salesforce.com/services/oauth2/token`), `oauth2`,
//! `jwtBearer`. Request paths are relative (`/services/data/vXX.X/...`) and resolved against the
//! token answer's `instance_url`, or against the connection's `instanceUrl`, or against the
//! step's `baseUrl` override (which also moves the token URL there, for sandboxes and tests).

use std::sync::Arc;

use plumb_auth::{AuthClient, Connected, RequestParts};
use plumb_core::action::{ActionError, Inputs};
use reqwest::Method;
use serde_json::Value;

use super::manifest::{Account, Api, DEFAULT_VERSION};
use crate::outbound::auth_error;

/// A REST client for one step.
pub(crate) struct SfClient {
    connected: Connected,
    /// Prefix of request paths: empty (relative to `instance_url`) or an absolute base.
    base: String,
    version: String,
}

/// What a call answered: the status and the JSON body (`null` when empty).
pub(crate) struct Reply {
    pub status: u16,
    pub body: Value,
}

impl SfClient {
    /// The client for a step's `connection`, `version` and `baseUrl` inputs.
    pub(crate) fn from_inputs(
        auth: &Arc<AuthClient>,
        inputs: &Inputs,
    ) -> Result<Self, ActionError> {
        let mut conn = Account::from_inputs(inputs)?.connection;
        let api = Api::from_inputs(inputs)?;
        let version = api.version.unwrap_or_else(|| DEFAULT_VERSION.to_string());
        let version = version.trim_start_matches(['v', 'V']).to_string();
        let base_url = api.baseUrl.map(|b| b.trim_end_matches('/').to_string());
        let base = match &base_url {
            Some(b) => {
                if conn.key == "clientCredentials" && !conn.has("tokenUrl") {
                    conn.set("tokenUrl".into(), format!("{b}/services/oauth2/token"));
                }
                b.clone()
            }
            None => conn
                .value("instanceUrl")
                .map(|u| u.trim_end_matches('/').to_string())
                .unwrap_or_default(),
        };
        let connected = auth
            .connect(&conn)
            .map_err(|e| auth_error("connection", e))?;
        Ok(SfClient {
            connected,
            base,
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
        let mut parts = RequestParts::new(method, format!("{}{path}", self.base))
            .header("accept", "application/json");
        if let Some(b) = body {
            parts = parts.json(b);
        }
        let envelope = self
            .connected
            .send(&parts)
            .await
            .map_err(|e| auth_error("connection", e))?;
        let body = match (envelope.body, envelope.text) {
            (Some(b), _) => b,
            (None, Some(t)) if !t.is_empty() => Value::String(t),
            _ => Value::Null,
        };
        if envelope.status >= 400 {
            return Err(error_from(envelope.status, body));
        }
        Ok(Reply {
            status: envelope.status,
            body,
        })
    }
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
