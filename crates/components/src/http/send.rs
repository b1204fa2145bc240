//! Sending a [`RequestSpec`]: the retry loop, network failures, and the step's result.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use plumb_core::action::{ActionContext, ActionError, Connection, Data, LogLevel};
use reqwest::header::CONTENT_TYPE;
use reqwest::Client;
use serde_json::Value;

use super::connection::authorize;
use super::envelope::{envelope, Answer};
use super::request::{RequestSpec, ResponseType};

/// The shared clients: verifying TLS, and (for `ignoreSslErrors`) not verifying.
fn client(insecure: bool) -> Result<&'static Client, ActionError> {
    static STRICT: OnceLock<Result<Client, String>> = OnceLock::new();
    static INSECURE: OnceLock<Result<Client, String>> = OnceLock::new();
    let cell = if insecure { &INSECURE } else { &STRICT };
    cell.get_or_init(|| {
        Client::builder()
            .tls_danger_accept_invalid_certs(insecure)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))
    })
    .as_ref()
    .map_err(|e| ActionError::failed(e.clone()))
}

/// Why one attempt did not produce a response.
enum Failure {
    /// No answer from the server (down, refused, timed out): a message saying why.
    Unreachable(String),
    /// The server answered with a failure status: the envelope.
    Status(u16, Value),
}

/// Runs the request with its retries and turns the answer into the step's result.
pub async fn execute(
    ctx: &ActionContext,
    spec: &RequestSpec,
    connection: Option<&Connection>,
) -> Result<Data, ActionError> {
    let client = client(spec.ignore_ssl_errors)?;
    if spec.ignore_ssl_errors {
        ctx.logger.log(
            LogLevel::Warn,
            "ignoreSslErrors is on: TLS certificates are not verified",
        );
    }
    let mut retry = 0u32;
    loop {
        let failure = match attempt(ctx, client, spec, connection).await {
            Ok(answer) => return result(spec, answer),
            Err(f) => f,
        };
        let retryable = match &failure {
            Failure::Unreachable(_) => true,
            Failure::Status(status, _) => spec.retry.retries_status(*status),
        };
        let delay = spec.retry.delay_before(retry);
        let past_deadline = ctx.deadline.is_some_and(|d| Instant::now() + delay >= d);
        if !retryable || retry >= spec.retry.max_retries || past_deadline {
            return Err(match failure {
                Failure::Unreachable(message) => ActionError::failed(message),
                Failure::Status(status, envelope) => ActionError::Failed {
                    message: format!(
                        "{} {} answered {status} {}",
                        spec.method,
                        spec.display_url(),
                        envelope["statusText"].as_str().unwrap_or("")
                    )
                    .trim_end()
                    .to_string(),
                    details: Some(envelope),
                },
            });
        }
        retry += 1;
        let why = match &failure {
            Failure::Unreachable(m) => m.clone(),
            Failure::Status(s, _) => format!("status {s}"),
        };
        ctx.logger.log(
            LogLevel::Warn,
            &format!(
                "retry {retry}/{} of {} {} in {} ms after {why}",
                spec.retry.max_retries,
                spec.method,
                spec.display_url(),
                delay.as_millis()
            ),
        );
        tokio::time::sleep(delay).await;
    }
}

/// One attempt: build, authenticate, send, read the body.
async fn attempt(
    ctx: &ActionContext,
    client: &Client,
    spec: &RequestSpec,
    connection: Option<&Connection>,
) -> Result<Answer, Failure> {
    let mut builder = client.request(spec.method.clone(), &spec.url);
    for (name, value) in &spec.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if !spec.query.is_empty() {
        builder = builder.query(&spec.query);
    }
    let has_content_type = spec
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(CONTENT_TYPE.as_str()));
    builder = match &spec.data {
        None => builder,
        Some(Data::Json(Value::String(s))) => builder.body(s.clone()),
        Some(Data::Json(v)) => builder.json(v),
        Some(Data::Binary {
            bytes,
            content_type,
        }) => {
            let b = builder.body(bytes.clone());
            if has_content_type {
                b
            } else {
                b.header(CONTENT_TYPE, content_type.as_str())
            }
        }
    };
    let timeout = effective_timeout(ctx, spec);
    if let Some(t) = timeout {
        builder = builder.timeout(t);
    }
    builder = authorize(builder, connection).map_err(|e| Failure::Unreachable(e.to_string()))?;
    if spec.debug {
        let names: Vec<&str> = spec.headers.iter().map(|(n, _)| n.as_str()).collect();
        ctx.logger.log(
            LogLevel::Debug,
            &format!(
                "{} {} headers [{}], {} query parameter(s), connection: {}",
                spec.method,
                spec.display_url(),
                names.join(", "),
                spec.query.len(),
                connection.map_or("none", |c| c.key.as_str()),
            ),
        );
    }
    let response = builder
        .send()
        .await
        .map_err(|e| Failure::Unreachable(network_message(spec, timeout, &e)))?;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| Failure::Unreachable(network_message(spec, timeout, &e)))?;
    let answer = Answer {
        status,
        headers,
        bytes: bytes.to_vec(),
    };
    if spec.debug {
        ctx.logger.log(
            LogLevel::Debug,
            &format!(
                "answered {} with {} bytes",
                status.as_u16(),
                answer.bytes.len()
            ),
        );
    }
    if status.is_success() {
        Ok(answer)
    } else {
        let env = envelope(&spec.method, &spec.display_url(), &answer, false);
        Err(Failure::Status(status.as_u16(), env))
    }
}

/// The attempt's timeout: the `timeout` input, cut to what is left before the step's deadline.
fn effective_timeout(ctx: &ActionContext, spec: &RequestSpec) -> Option<Duration> {
    let left = ctx
        .deadline
        .map(|d| d.saturating_duration_since(Instant::now()));
    match (spec.timeout, left) {
        (Some(t), Some(l)) => Some(t.min(l)),
        (t, l) => t.or(l),
    }
}

/// A message for a request that got no answer. Never the URL's query (it may carry a key).
fn network_message(
    spec: &RequestSpec,
    timeout: Option<Duration>,
    error: &reqwest::Error,
) -> String {
    let target = format!("{} {}", spec.method, spec.display_url());
    if error.is_timeout() {
        let ms = timeout.map_or(0, |t| t.as_millis());
        return format!("{target} timed out after {ms} ms without an answer");
    }
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let cause = cause.to_string();
    if error.is_connect() {
        format!("{target} could not connect (is the server down?): {cause}")
    } else {
        format!("{target} failed before an answer: {cause}")
    }
}

/// The step's result from a successful answer.
fn result(spec: &RequestSpec, answer: Answer) -> Result<Data, ActionError> {
    let binary = spec.response_type == ResponseType::Binary;
    if spec.include_full_response {
        return Ok(Data::Json(envelope(
            &spec.method,
            &spec.display_url(),
            &answer,
            binary,
        )));
    }
    Ok(match spec.response_type {
        ResponseType::Binary => Data::Binary {
            content_type: answer.content_type(),
            bytes: answer.bytes,
        },
        ResponseType::Text => Data::Json(Value::String(
            String::from_utf8_lossy(&answer.bytes).into_owned(),
        )),
        ResponseType::Json if answer.bytes.is_empty() => Data::Json(Value::Null),
        ResponseType::Json => match serde_json::from_slice(&answer.bytes) {
            Ok(v) => Data::Json(v),
            Err(_) => Data::Json(Value::String(
                String::from_utf8_lossy(&answer.bytes).into_owned(),
            )),
        },
    })
}
