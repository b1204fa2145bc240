//! The `openai` component: `createChatCompletion` (Prismatic's key and inputs) and plumb's own
//! `createEmbedding`, over OpenAI's REST API through `plumb-auth`.
//!
//! - `manifest`: its spec: action and input names, typed.
//! - here: the `openAiApiKey` connection → a bearer-token connection of `plumb-auth` (so the
//!   egress policy and secret redaction apply), `OpenAI-Organization` when the connection
//!   names one, the connection's `baseUrl` (plumb's own; default `https://api.openai.com`),
//!   and OpenAI's `{error: {message, type, code}}` answers as step failures.

mod manifest;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use plumb_auth::{AuthClient, RequestParts};
use plumb_core::action::{Action, ActionContext, ActionError, Connection, Data, Inputs};
use plumb_core::component::Component;
use reqwest::Method;
use serde_json::{json, Map, Value};

pub use manifest::spec;
use manifest::{Account, Chat, Embedding, MAX_CHOICES, MAX_ITEMS, MAX_TIMEOUT_MS};

use crate::outbound::auth_error;
use crate::util::Count;

/// The component's key.
pub const KEY: &str = "openai";

const DEFAULT_BASE: &str = "https://api.openai.com";

/// The component: its spec and its actions, sending through `auth`.
pub fn component(auth: Arc<AuthClient>) -> Component {
    crate::assemble(spec(), actions_with(auth))
}

/// The actions of this component on the default [`AuthClient`], keyed by action key.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    actions_with(crate::outbound::default_auth())
}

/// The actions of this component on a given [`AuthClient`], keyed by action key.
pub fn actions_with(auth: Arc<AuthClient>) -> Vec<(&'static str, Arc<dyn Action>)> {
    vec![
        (
            "createChatCompletion",
            Arc::new(CreateChatCompletion {
                auth: Arc::clone(&auth),
            }) as Arc<dyn Action>,
        ),
        ("createEmbedding", Arc::new(CreateEmbedding { auth })),
    ]
}

/// `POST {baseUrl}{path}` with `body` on the step's connection; OpenAI's answer, or a failure
/// with its error message.
async fn call(
    auth: &AuthClient,
    ctx: &ActionContext,
    inputs: &Inputs,
    path: &str,
    body: &Value,
    timeout: Count,
) -> Result<Value, ActionError> {
    let conn = Account::from_inputs(inputs)?.connection;
    if conn.key != "openAiApiKey" {
        return Err(ActionError::input(
            "connection",
            format!("has unsupported type `{}` (openAiApiKey)", conn.key),
        ));
    }
    let api_key = conn
        .value("apiKey")
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| ActionError::input("connection", "apiKey is required"))?;
    let base = conn
        .value("baseUrl")
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .unwrap_or(DEFAULT_BASE)
        .trim_end_matches('/')
        .to_string();
    let bearer = Connection::new(
        conn.id.clone(),
        KEY.into(),
        "bearer".into(),
        BTreeMap::from([("token".to_string(), api_key.to_string())]),
    );
    let ms = timeout.or(10_000);
    if ms == 0 || ms > MAX_TIMEOUT_MS {
        return Err(ActionError::input(
            "timeout",
            format!("must be between 1 and {MAX_TIMEOUT_MS} ms"),
        ));
    }
    let mut limit = Duration::from_millis(ms);
    if let Some(deadline) = ctx.deadline {
        limit = limit.min(deadline.saturating_duration_since(Instant::now()));
    }
    let mut parts = RequestParts::new(Method::POST, format!("{base}{path}"))
        .header("accept", "application/json")
        .json(body);
    if let Some(org) = conn.value("organization").filter(|o| !o.trim().is_empty()) {
        parts = parts.header("openai-organization", org.trim());
    }
    parts.timeout = Some(limit);
    let envelope = auth
        .connect(&bearer)
        .map_err(|e| auth_error("connection", e))?
        .send(&parts)
        .await
        .map_err(|e| auth_error("connection", e))?;
    let reply = envelope.body.unwrap_or(Value::Null);
    if envelope.status >= 400 {
        return Err(api_error(envelope.status, reply, envelope.text, api_key));
    }
    Ok(reply)
}

/// OpenAI's `{error: {message, type, code}}` as a failure. OpenAI's messages may quote part of
/// a wrong key (`sk-abc***xyz`): words that start like a key, and the key itself, are hidden.
fn api_error(status: u16, reply: Value, text: Option<String>, api_key: &str) -> ActionError {
    let hide = |m: &str| -> String {
        m.replace(api_key, "[redacted]")
            .split(' ')
            .map(|w| if w.starts_with("sk-") { "sk-…" } else { w })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let error = reply.get("error");
    let given = error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(hide)
        .or_else(|| text.map(|t| hide(&t.chars().take(200).collect::<String>())))
        .filter(|m| !m.trim().is_empty());
    let message = match given {
        Some(m) => format!("OpenAI answered {status}: {m}"),
        None => format!("OpenAI answered {status}"),
    };
    let details = error.map(|e| {
        json!({
            "status": status,
            "type": e.get("type").cloned().unwrap_or(Value::Null),
            "code": e.get("code").cloned().unwrap_or(Value::Null),
        })
    });
    ActionError::Failed { message, details }
}

/// A number within `0..=max`, or an error naming `key`.
fn within(value: Option<f64>, key: &str, max: f64) -> Result<Option<f64>, ActionError> {
    match value {
        Some(v) if !(0.0..=max).contains(&v) => Err(ActionError::input(
            key,
            format!("must be between 0 and {max}"),
        )),
        other => Ok(other),
    }
}

/// The `createChatCompletion` action: `POST /v1/chat/completions` with `{model, messages,
/// temperature, top_p, n}`; answers OpenAI's completion object.
#[derive(Clone)]
pub struct CreateChatCompletion {
    auth: Arc<AuthClient>,
}

#[async_trait::async_trait]
impl Action for CreateChatCompletion {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let c = Chat::from_inputs(&inputs)?;
        let model = c
            .model
            .filter(|m| !m.trim().is_empty())
            .ok_or_else(|| ActionError::input("model", "is required"))?;
        let messages = match c.messages.0 {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(ActionError::input(
                    "messages",
                    "must be a JSON list of {role, content} messages",
                ))
            }
        };
        if messages.is_empty() || messages.len() > MAX_ITEMS {
            return Err(ActionError::input(
                "messages",
                format!("must list 1 to {MAX_ITEMS} messages"),
            ));
        }
        if let Some(i) = messages
            .iter()
            .position(|m| m.get("role").and_then(Value::as_str).is_none())
        {
            return Err(ActionError::input(
                "messages",
                format!("message {i} has no string `role`"),
            ));
        }
        let n = c.numChoices.or(1);
        if n == 0 || n > MAX_CHOICES {
            return Err(ActionError::input(
                "numChoices",
                format!("must be between 1 and {MAX_CHOICES}"),
            ));
        }
        let mut body = Map::new();
        body.insert("model".into(), json!(model.trim()));
        body.insert("messages".into(), Value::Array(messages));
        if let Some(t) = within(c.temperature, "temperature", 2.0)? {
            body.insert("temperature".into(), json!(t));
        }
        if let Some(p) = within(c.topP, "topP", 1.0)? {
            body.insert("top_p".into(), json!(p));
        }
        body.insert("n".into(), json!(n));
        let reply = call(
            &self.auth,
            ctx,
            &inputs,
            "/v1/chat/completions",
            &Value::Object(body),
            c.timeout,
        )
        .await?;
        Ok(Data::Json(reply))
    }
}

/// The `createEmbedding` action: `POST /v1/embeddings` with `{model, input, dimensions}`;
/// answers OpenAI's list of embeddings.
#[derive(Clone)]
pub struct CreateEmbedding {
    auth: Arc<AuthClient>,
}

#[async_trait::async_trait]
impl Action for CreateEmbedding {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let e = Embedding::from_inputs(&inputs)?;
        let model = e
            .model
            .filter(|m| !m.trim().is_empty())
            .ok_or_else(|| ActionError::input("model", "is required"))?;
        // A string is the text itself, unless it is the JSON text of a list of strings.
        let input = match e.input {
            Value::String(text) if text.trim().is_empty() => {
                return Err(ActionError::input("input", "is required"))
            }
            Value::String(text) if text.trim_start().starts_with('[') => {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            }
            v @ (Value::String(_) | Value::Array(_)) => v,
            _ => {
                return Err(ActionError::input(
                    "input",
                    "must be a string or a list of strings",
                ))
            }
        };
        if let Value::Array(items) = &input {
            if items.is_empty() || items.len() > MAX_ITEMS {
                return Err(ActionError::input(
                    "input",
                    format!("must list 1 to {MAX_ITEMS} strings"),
                ));
            }
            if !items.iter().all(Value::is_string) {
                return Err(ActionError::input(
                    "input",
                    "must be a string or a list of strings",
                ));
            }
        }
        let mut body = Map::new();
        body.insert("model".into(), json!(model.trim()));
        body.insert("input".into(), input);
        if let Some(d) = e.dimensions.0 {
            body.insert("dimensions".into(), json!(d));
        }
        let reply = call(
            &self.auth,
            ctx,
            &inputs,
            "/v1/embeddings",
            &Value::Object(body),
            e.timeout,
        )
        .await?;
        Ok(Data::Json(reply))
    }
}

#[cfg(test)]
mod tests;
