//! Slack's Web API and incoming webhooks through `plumb-auth`, and Slack's error answers as
//! step failures.
//!
//! The Web API address: the `bearer` connection's `apiUrl` (default `https://slack.com/api`);
//! for `oauth2`, the token URL without `oauth.v2.access` (as Prismatic derives it). Requests
//! are `POST {api}/{method}` with a JSON body; Slack answers `200 {ok: false, error}` for
//! most failures, which become [`ActionError::Failed`] with Slack's error code.

use std::sync::Arc;

use plumb_auth::{AuthClient, Connected, RequestParts};
use plumb_core::action::{ActionError, Connection};
use reqwest::Method;
use serde_json::Value;

use crate::outbound::auth_error;

const DEFAULT_API: &str = "https://slack.com/api";

/// A Web API client for one step.
pub(crate) struct WebApi {
    connected: Connected,
    base: String,
}

impl WebApi {
    /// The client of a `bearer` or `oauth2` connection.
    pub(crate) fn connect(auth: &Arc<AuthClient>, conn: &Connection) -> Result<Self, ActionError> {
        let (conn, base) = match conn.key.as_str() {
            "bearer" => (
                conn.clone(),
                conn.value("apiUrl")
                    .filter(|u| !u.trim().is_empty())
                    .unwrap_or(DEFAULT_API)
                    .to_string(),
            ),
            "oauth2" => {
                let token_url = conn
                    .value("tokenUrl")
                    .unwrap_or("https://slack.com/api/oauth.v2.access");
                let base = token_url
                    .trim_end_matches('/')
                    .trim_end_matches("oauth.v2.access")
                    .to_string();
                // Prismatic's Slack OAuth 2.0 is a plain authorization-code connection:
                // plumb-auth's scheme of that name reads its inputs and the stored tokens.
                let mut as_code = conn.clone();
                as_code.key = "oauth2AuthorizationCode".into();
                (as_code, base)
            }
            "webhookUrl" => {
                return Err(ActionError::input(
                    "connection",
                    "is a webhook URL connection; this action needs an OAuth 2.0 or token connection (use postSlackMessage for webhooks)",
                ))
            }
            other => {
                return Err(ActionError::input(
                    "connection",
                    format!("has unsupported type `{other}` (oauth2 or bearer)"),
                ))
            }
        };
        let connected = auth
            .connect(&conn)
            .map_err(|e| auth_error("connection", e))?;
        Ok(WebApi {
            connected,
            base: base.trim_end_matches('/').to_string(),
        })
    }

    /// Calls Web API `method` with a JSON body; Slack's reply, or a failure with its error.
    pub(crate) async fn call(&self, method: &str, body: &Value) -> Result<Value, ActionError> {
        let parts = RequestParts::new(Method::POST, format!("{}/{method}", self.base))
            .header("accept", "application/json")
            .json(body);
        let envelope = self
            .connected
            .send(&parts)
            .await
            .map_err(|e| auth_error("connection", e))?;
        let reply = envelope.body.unwrap_or(Value::Null);
        let ok = reply.get("ok").and_then(Value::as_bool);
        if envelope.status >= 400 || ok != Some(true) {
            let code = reply
                .get("error")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or(envelope.text.filter(|t| !t.is_empty() && t.len() <= 200));
            let message = match code {
                Some(code) => format!("Slack {method} failed: {code}"),
                None => format!("Slack {method} failed with status {}", envelope.status),
            };
            return Err(ActionError::Failed {
                message,
                details: Some(reply),
            });
        }
        Ok(reply)
    }
}

/// Posts `body` to the webhook URL of a `webhookUrl` connection; the reply text (`ok`). The URL
/// is the credential: no error shows it.
pub(crate) async fn post_webhook(
    auth: &Arc<AuthClient>,
    conn: &Connection,
    body: &Value,
) -> Result<String, ActionError> {
    if conn.key != "webhookUrl" {
        return Err(ActionError::input(
            "connection",
            "is not a webhook URL connection (postSlackMessage needs webhookUrl)",
        ));
    }
    let url = conn
        .value("webhookUrl")
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ActionError::input("connection", "webhookUrl is required"))?;
    let parsed = reqwest::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| ActionError::input("connection", "webhookUrl must be an http(s) URL"))?;
    let hide = |text: String| text.replace(parsed.path(), "/…");
    // No auth of its own: the URL carries it. Still plumb-auth's transport, so the egress
    // policy applies.
    let plain = Connection {
        id: conn.id.clone(),
        component: conn.component.clone(),
        key: "none".into(),
        fields: Default::default(),
        secrets: Default::default(),
    };
    let connected = auth
        .connect(&plain)
        .map_err(|e| ActionError::failed(hide(e.to_string())))?;
    let parts = RequestParts::new(Method::POST, parsed.to_string()).json(body);
    let envelope = connected
        .send(&parts)
        .await
        .map_err(|e| ActionError::failed(hide(e.to_string())))?;
    let text = match (envelope.text, envelope.body) {
        (Some(t), _) => t,
        (None, Some(Value::String(s))) => s,
        (None, Some(other)) => other.to_string(),
        (None, None) => String::new(),
    };
    if envelope.status >= 400 {
        let code: String = text.chars().take(200).collect();
        return Err(ActionError::failed(format!(
            "the Slack webhook answered {}: {}",
            envelope.status,
            hide(code)
        )));
    }
    Ok(text)
}
