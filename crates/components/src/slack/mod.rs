//! The `slack` component: `postMessage` (the Web API's `chat.postMessage`) and
//! `postSlackMessage` (an incoming webhook), Prismatic's keys.
//!
//! - `manifest`: its spec: action and input names, typed.
//! - `client`: the connection → a Web API client through `plumb-auth` (`bearer` tokens as they
//!   are, Prismatic's `oauth2` through plumb's authorization-code scheme), and Slack's
//!   `{ok: false, error}` answers as step failures; the webhook call, which never shows the
//!   webhook URL (it is the credential).

mod client;
mod manifest;

use std::sync::Arc;

use plumb_auth::AuthClient;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use serde_json::{json, Map, Value};

pub use manifest::spec;
use manifest::{Account, PostMessage, Text, MAX_MESSAGE_CHARS};

/// The component's key.
pub const KEY: &str = "slack";

/// The component: its spec and its actions, sending through `auth`.
pub fn component(auth: Arc<AuthClient>) -> Component {
    crate::assemble(spec(), actions_with(auth))
}

use plumb_core::component::Component;

/// The actions of this component on the default [`AuthClient`], keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    actions_with(crate::outbound::default_auth())
}

/// The actions of this component on a given [`AuthClient`], keyed by action key.
pub fn actions_with(auth: Arc<AuthClient>) -> Vec<(&'static str, Arc<dyn Action>)> {
    vec![
        (
            "postMessage",
            Arc::new(PostMessageAction {
                auth: Arc::clone(&auth),
            }) as Arc<dyn Action>,
        ),
        ("postSlackMessage", Arc::new(PostWebhookMessage { auth })),
    ]
}

/// The message text, bounded.
fn message(text: String) -> Result<String, ActionError> {
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ActionError::input(
            "message",
            format!("is longer than {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    Ok(text)
}

/// A non-blank optional string.
fn given(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// The `postMessage` action: `POST {api}/chat.postMessage` with `{channel, text, username,
/// thread_ts}`; answers Slack's reply (`{ok, channel, ts, message}`).
#[derive(Clone)]
pub struct PostMessageAction {
    auth: Arc<AuthClient>,
}

#[async_trait::async_trait]
impl Action for PostMessageAction {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let conn = Account::from_inputs(&inputs)?.connection;
        let p = PostMessage::from_inputs(&inputs)?;
        let channel = p.channelName.trim().to_string();
        if channel.is_empty() {
            return Err(ActionError::input("channelName", "is required"));
        }
        let mut body = Map::new();
        body.insert("channel".into(), json!(channel));
        body.insert("text".into(), json!(message(p.message)?));
        if let Some(u) = given(p.username) {
            body.insert("username".into(), json!(u));
        }
        if let Some(ts) = given(p.messageId) {
            body.insert("thread_ts".into(), json!(ts));
        }
        let api = client::WebApi::connect(&self.auth, &conn)?;
        let reply = api.call("chat.postMessage", &Value::Object(body)).await?;
        Ok(Data::Json(reply))
    }
}

/// The `postSlackMessage` action: `POST {webhookUrl}` with `{text}`; answers `{text}` with the
/// webhook's reply (`ok`).
#[derive(Clone)]
pub struct PostWebhookMessage {
    auth: Arc<AuthClient>,
}

#[async_trait::async_trait]
impl Action for PostWebhookMessage {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let conn = Account::from_inputs(&inputs)?.connection;
        let text = message(Text::from_inputs(&inputs)?.message)?;
        let reply = client::post_webhook(&self.auth, &conn, &json!({ "text": text })).await?;
        Ok(Data::Json(json!({ "text": reply })))
    }
}

#[cfg(test)]
mod tests;
