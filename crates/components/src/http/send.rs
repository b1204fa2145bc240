//! Sending a [`RequestSpec`]: the retry loop, network failures, and the step's result.
//!
//! Without a connection the request goes out on the `AuthClient`'s shared plain transport;
//! with one it goes through the seam in `connection` (`plumb-auth`). Either way the request is
//! under the process's egress policy, and the answer is the standard [`Envelope`] built by
//! `plumb-auth`, plus the raw bytes when they were read here.
//!
//! Each attempt has a time limit: the step's `timeout` input, else the connection's `timeout`
//! input, else [`plumb_auth::DEFAULT_TIMEOUT`], cut to what is left of the execution's time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use plumb_auth::egress::SendError;
use plumb_auth::{AuthClient, AuthError, Connected, Envelope, RequestParts, Transport};
use plumb_core::action::{ActionContext, ActionError, Connection, Data, LogLevel};
use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};

use super::connection;
use super::request::{RequestSpec, ResponseType};

/// An answer: its envelope, and the raw body when it was read here.
struct Answer {
    envelope: Envelope,
    raw: Option<Vec<u8>>,
}

/// Why one attempt did not produce a success.
enum Failure {
    /// No answer from the server (down, refused, timed out): a message saying why.
    Unreachable(String),
    /// The server answered with a failure status: the envelope.
    Status(u16, Value),
    /// Not worth retrying (bad connection inputs, a failed token request).
    Fatal(ActionError),
}

/// Where requests go: a plain client, or a connection.
enum Route<'a> {
    Plain(Arc<Transport>),
    Connected(Connected, &'a Connection),
}

/// Runs the request with its retries and turns the answer into the step's result.
pub async fn execute(
    ctx: &ActionContext,
    auth: &AuthClient,
    spec: &RequestSpec,
    conn: Option<&Connection>,
) -> Result<Data, ActionError> {
    let route = match conn {
        None => Route::Plain(
            auth.plain(spec.ignore_ssl_errors)
                .map_err(|e| ActionError::failed(e.to_string()))?,
        ),
        Some(c) => {
            let connected = connection::connect(auth, c)?;
            for warning in connected.warnings() {
                ctx.logger.log(LogLevel::Warn, warning);
            }
            Route::Connected(connected, c)
        }
    };
    if spec.ignore_ssl_errors {
        let how = match route {
            Route::Plain(_) => "TLS certificates are not verified",
            Route::Connected(..) => {
                "ignored with a connection: set the connection's rejectUnauthorized instead"
            }
        };
        ctx.logger
            .log(LogLevel::Warn, &format!("ignoreSslErrors is on: {how}"));
    }
    let mut retry = 0u32;
    loop {
        let failure = match attempt(ctx, &route, spec).await {
            Ok(answer) => return result(spec, answer),
            Err(Failure::Fatal(e)) => return Err(e),
            Err(f) => f,
        };
        let retryable = match &failure {
            Failure::Status(status, _) => spec.retry.retries_status(*status),
            _ => true,
        };
        let delay = spec.retry.delay_before(retry);
        let past_deadline = ctx.deadline.is_some_and(|d| Instant::now() + delay >= d);
        if !retryable || retry >= spec.retry.max_retries || past_deadline {
            return Err(final_error(spec, failure));
        }
        retry += 1;
        let why = match &failure {
            Failure::Status(s, _) => format!("status {s}"),
            Failure::Unreachable(m) => m.clone(),
            Failure::Fatal(e) => e.to_string(),
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

fn final_error(spec: &RequestSpec, failure: Failure) -> ActionError {
    match failure {
        Failure::Unreachable(message) => ActionError::failed(message),
        Failure::Fatal(e) => e,
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
    }
}

/// One attempt on its route, bounded by the attempt's timeout.
async fn attempt(
    ctx: &ActionContext,
    route: &Route<'_>,
    spec: &RequestSpec,
) -> Result<Answer, Failure> {
    let connection_timeout = match route {
        Route::Plain(_) => None,
        Route::Connected(connected, _) => connected.timeout(),
    };
    let timeout = effective_timeout(
        spec.timeout,
        connection_timeout,
        ctx.deadline
            .map(|d| d.saturating_duration_since(Instant::now())),
    );
    if spec.debug {
        log_request(ctx, spec, route);
    }
    let work = async {
        match route {
            Route::Plain(transport) => {
                let builder = transport
                    .client
                    .request(spec.method.clone(), &spec.url)
                    .timeout(timeout);
                raw_attempt(&transport.client, builder, spec, timeout).await
            }
            Route::Connected(connected, _) if spec.response_type == ResponseType::Binary => {
                let sent = connection::send_raw(connected, &parts(spec, timeout))
                    .await
                    .map_err(send_failure)?;
                read_answer(sent.response, spec, timeout).await
            }
            Route::Connected(connected, _) => {
                let envelope = connection::send(connected, &parts(spec, timeout))
                    .await
                    .map_err(send_failure)?;
                Ok(Answer {
                    envelope,
                    raw: None,
                })
            }
        }
    };
    let answer = tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| Failure::Unreachable(timed_out(spec, timeout)))??;
    if spec.debug {
        ctx.logger.log(
            LogLevel::Debug,
            &format!(
                "answered {} {}",
                answer.envelope.status, answer.envelope.status_text
            ),
        );
    }
    if answer.envelope.ok {
        Ok(answer)
    } else {
        let value = serde_json::to_value(&answer.envelope).unwrap_or(Value::Null);
        Err(Failure::Status(answer.envelope.status, value))
    }
}

/// The message of an attempt that ran out of time.
fn timed_out(spec: &RequestSpec, limit: Duration) -> String {
    format!(
        "{} {} timed out after {} ms without an answer",
        spec.method,
        spec.display_url(),
        limit.as_millis()
    )
}

/// The request as `plumb-auth` parts, with the attempt's time limit.
fn parts(spec: &RequestSpec, timeout: Duration) -> RequestParts {
    let mut parts = RequestParts::new(spec.method.clone(), spec.url.clone());
    parts.timeout = Some(timeout);
    parts.headers = spec.headers.clone();
    parts.query = spec.query.clone();
    let has_content_type = spec
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(CONTENT_TYPE.as_str()));
    let body: Option<(Vec<u8>, &str)> = match &spec.data {
        None => None,
        Some(Data::Json(Value::String(s))) => {
            Some((s.clone().into_bytes(), "text/plain; charset=utf-8"))
        }
        Some(Data::Json(v)) => Some((v.to_string().into_bytes(), "application/json")),
        Some(Data::Binary {
            bytes,
            content_type,
        }) => Some((bytes.clone(), content_type.as_str())),
    };
    if let Some((bytes, content_type)) = body {
        if has_content_type {
            parts.body = Some(bytes.into());
        } else {
            parts = parts.body(bytes, content_type);
        }
    }
    parts
}

/// Sends on a `reqwest` builder of `client` and reads the whole body (no connection).
async fn raw_attempt(
    client: &plumb_auth::egress::EgressClient,
    mut builder: reqwest::RequestBuilder,
    spec: &RequestSpec,
    timeout: Duration,
) -> Result<Answer, Failure> {
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
    let response = client.send(builder).await.map_err(|e| match e {
        SendError::Refused(denied) => Failure::Fatal(ActionError::failed(format!(
            "{} {}: {denied}",
            spec.method,
            spec.display_url()
        ))),
        SendError::Http(e) => Failure::Unreachable(network_message(spec, &e, timeout)),
    })?;
    read_answer(response, spec, timeout).await
}

/// A `plumb-auth` send error as an attempt's failure: a refusal of the egress policy is final,
/// no answer is retryable, the rest is not.
fn send_failure(e: AuthError) -> Failure {
    if matches!(e, AuthError::Egress { .. }) {
        return Failure::Fatal(ActionError::failed(e.to_string()));
    }
    match connection::failure(e) {
        ActionError::Failed {
            details: None,
            message,
        } => Failure::Unreachable(message),
        other => Failure::Fatal(other),
    }
}

/// Reads a whole response: its envelope and its raw bytes (binary answers keep them as is).
async fn read_answer(
    response: reqwest::Response,
    spec: &RequestSpec,
    timeout: Duration,
) -> Result<Answer, Failure> {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| Failure::Unreachable(network_message(spec, &e, timeout)))?;
    let envelope =
        Envelope::from_parts(&spec.method, &spec.display_url(), status, &headers, &bytes);
    Ok(Answer {
        envelope,
        raw: Some(bytes.to_vec()),
    })
}

fn log_request(ctx: &ActionContext, spec: &RequestSpec, route: &Route<'_>) {
    let names: Vec<&str> = spec.headers.iter().map(|(n, _)| n.as_str()).collect();
    let conn = match route {
        Route::Plain(_) => "none",
        Route::Connected(_, c) => c.key.as_str(),
    };
    ctx.logger.log(
        LogLevel::Debug,
        &format!(
            "{} {} headers [{}], {} query parameter(s), connection: {conn}",
            spec.method,
            spec.display_url(),
            names.join(", "),
            spec.query.len(),
        ),
    );
}

/// The attempt's time limit: the step's `timeout` input, else the connection's, else
/// [`plumb_auth::DEFAULT_TIMEOUT`]; cut to `left`, what is left before the execution's deadline.
pub(crate) fn effective_timeout(
    step: Option<Duration>,
    connection: Option<Duration>,
    left: Option<Duration>,
) -> Duration {
    let limit = step.or(connection).unwrap_or(plumb_auth::DEFAULT_TIMEOUT);
    left.map_or(limit, |l| limit.min(l))
}

/// A message for a request that got no answer. Never the URL's query (it may carry a key).
fn network_message(spec: &RequestSpec, error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return timed_out(spec, timeout);
    }
    let target = format!("{} {}", spec.method, spec.display_url());
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if error.is_connect() {
        format!("{target} could not connect (is the server down?): {cause}")
    } else {
        format!("{target} failed before an answer: {cause}")
    }
}

/// The response's content type, or `application/octet-stream`.
fn content_type(envelope: &Envelope) -> String {
    envelope
        .header("content-type")
        .filter(|v| !v.is_empty())
        .unwrap_or("application/octet-stream")
        .to_string()
}

/// The step's result from a successful answer.
fn result(spec: &RequestSpec, answer: Answer) -> Result<Data, ActionError> {
    let Answer { envelope, raw } = answer;
    // The body as text and as bytes: read here, or rebuilt from what `plumb-auth` parsed.
    let text = || match (&raw, &envelope.text, &envelope.body) {
        (Some(bytes), _, _) => String::from_utf8_lossy(bytes).into_owned(),
        (None, Some(t), _) => t.clone(),
        (None, None, Some(b)) => b.to_string(),
        (None, None, None) => String::new(),
    };
    if spec.include_full_response {
        let mut value = serde_json::to_value(&envelope)
            .map_err(|e| ActionError::failed(format!("cannot encode the envelope: {e}")))?;
        if spec.response_type == ResponseType::Binary {
            let bytes = raw.clone().unwrap_or_default();
            value["body"] = json!({
                "contentType": content_type(&envelope),
                "base64": base64::engine::general_purpose::STANDARD.encode(bytes),
            });
            if let Some(obj) = value.as_object_mut() {
                obj.remove("text");
                obj.remove("parseError");
            }
        }
        return Ok(Data::Json(value));
    }
    Ok(match spec.response_type {
        ResponseType::Binary => {
            let bytes = match &raw {
                Some(bytes) => bytes.clone(),
                None => text().into_bytes(),
            };
            Data::Binary {
                content_type: content_type(&envelope),
                bytes,
            }
        }
        ResponseType::Text => Data::Json(Value::String(text())),
        ResponseType::Json => match (&envelope.body, envelope.text.as_deref()) {
            (Some(body), _) => Data::Json(body.clone()),
            (None, Some("")) | (None, None) => Data::Json(Value::Null),
            (None, Some(t)) => Data::Json(Value::String(t.to_string())),
        },
    })
}
