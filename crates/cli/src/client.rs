//! A small GraphQL client for the commands that talk to a running server.

use serde_json::{json, Value};

/// Why a client command failed; each maps to an exit code in [`crate::exit`].
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// `PLUMB_URL` / `PLUMB_TOKEN` not set.
    #[error("{0} is not set (export it, or pass --url/--token)")]
    Missing(&'static str),
    /// `PLUMB_URL` / `--url` is not a usable URL.
    #[error("{0}")]
    BadUrl(String),
    /// The server could not be reached.
    #[error("cannot reach the plumb server: {0}")]
    Unreachable(String),
    /// 401: missing, bad or revoked token.
    #[error("unauthorized: the token is missing, invalid or revoked (check PLUMB_TOKEN; `plumb org create` or `plumb tokens create` make one)")]
    Unauthorized,
    /// The token's roles do not allow the operation.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The object does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The server rejected the input.
    #[error("invalid input:\n{0}")]
    Invalid(String),
    /// Anything else the server said.
    #[error("{0}")]
    Server(String),
}

/// A server "`TypeName` not found" in words (`InstanceExecutionResult not found` → `execution
/// not found`); other messages unchanged.
pub fn plain_not_found(message: &str) -> String {
    let Some(type_name) = message.strip_suffix(" not found") else {
        return message.to_string();
    };
    if type_name.is_empty() || !type_name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return message.to_string();
    }
    let words = match type_name {
        "InstanceExecutionResult" | "ExecutionResult" => "execution".to_string(),
        "ScopedConfigVariable" => "connection".to_string(),
        "InstanceFlowConfig" => "instance flow".to_string(),
        "ApiToken" => "API token".to_string(),
        other => {
            let mut out = String::new();
            for (i, c) in other.chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    out.push(' ');
                }
                out.push(c.to_ascii_lowercase());
            }
            out
        }
    };
    format!("{words} not found (check the ID or name; the `list` commands show them)")
}

/// The server's base URL from `PLUMB_URL`/`--url`: an `http://` or `https://` URL of the
/// server itself (a trailing `/` or `/api` is dropped); anything else is explained.
pub fn base_url(url: &str) -> Result<String, ClientError> {
    let trimmed = url.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/api").unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(ClientError::Missing("PLUMB_URL"));
    }
    if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
        return Err(ClientError::BadUrl(format!(
            "PLUMB_URL {url:?} has no scheme: use http://{trimmed} (or https://...)"
        )));
    }
    Ok(trimmed.to_string())
}

/// Connection settings shared by every client command.
#[derive(clap::Args, Debug, Clone)]
pub struct ClientArgs {
    /// The server's base URL.
    #[arg(long = "url", env = "PLUMB_URL", global = true, hide_env_values = true)]
    pub url: Option<String>,
    /// An API token.
    #[arg(
        long = "token",
        env = "PLUMB_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

impl ClientArgs {
    /// Runs a GraphQL operation and answers its `data`.
    pub async fn graphql(&self, query: &str, variables: Value) -> Result<Value, ClientError> {
        let url = self
            .url
            .as_deref()
            .ok_or(ClientError::Missing("PLUMB_URL"))?;
        let token = self
            .token
            .as_deref()
            .ok_or(ClientError::Missing("PLUMB_TOKEN"))?;
        let base = base_url(url)?;
        let response = reqwest::Client::new()
            .post(format!("{base}/api"))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(ClientError::Unauthorized);
        }
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(ClientError::Unreachable(format!(
                "{base}/api answered 404: is PLUMB_URL ({url}) the address of a plumb server?"
            )));
        }
        let body: Value = response
            .json()
            .await
            .map_err(|e| ClientError::Server(format!("HTTP {status}: unreadable answer ({e})")))?;
        if let Some(errors) = body.get("errors").and_then(Value::as_array) {
            if let Some(first) = errors.first() {
                let message = first
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("error")
                    .to_string();
                let code = first
                    .pointer("/extensions/code")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                return Err(match code {
                    "NOT_FOUND" => ClientError::NotFound(plain_not_found(&message)),
                    "FORBIDDEN" => ClientError::Forbidden(message),
                    _ => ClientError::Server(message),
                });
            }
        }
        Ok(body.get("data").cloned().unwrap_or(Value::Null))
    }

    /// Runs a mutation and answers its payload, turning payload `errors` into
    /// [`ClientError::Invalid`].
    pub async fn mutate(
        &self,
        name: &str,
        query: &str,
        variables: Value,
    ) -> Result<Value, ClientError> {
        let data = self.graphql(query, variables).await?;
        let payload = data.get(name).cloned().unwrap_or(Value::Null);
        if let Some(errors) = payload.get("errors").and_then(Value::as_array) {
            if !errors.is_empty() {
                let lines: Vec<String> = errors
                    .iter()
                    .map(|e| {
                        let field = e.get("field").and_then(Value::as_str).unwrap_or("?");
                        let msgs: Vec<&str> = e
                            .get("messages")
                            .and_then(Value::as_array)
                            .map(|m| m.iter().filter_map(Value::as_str).collect())
                            .unwrap_or_default();
                        format!("  {field}: {}", msgs.join("; "))
                    })
                    .collect();
                return Err(ClientError::Invalid(lines.join("\n")));
            }
        }
        Ok(payload)
    }

    /// Runs the mutation `name(input: $input)` of input type `input_type`, selecting
    /// `selection` and the payload errors; answers the payload (see [`ClientArgs::mutate`]).
    pub async fn mutate_input(
        &self,
        name: &str,
        input_type: &str,
        selection: &str,
        input: Value,
    ) -> Result<Value, ClientError> {
        let query = format!(
            "mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} errors {{ field messages }} }} }}"
        );
        self.mutate(name, &query, json!({ "input": input })).await
    }
}
