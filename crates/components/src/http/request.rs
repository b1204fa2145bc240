//! The inputs of an HTTP action as a typed request description.

use std::time::Duration;

use plumb_core::action::{ActionError, Data, Inputs};
use reqwest::Method;

use crate::util;

/// How the response body is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    /// Parsed JSON (text when it does not parse).
    Json,
    /// The body as text.
    Text,
    /// The bytes with the response's content type.
    Binary,
}

/// Retry behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Delay before the first retry.
    pub delay: Duration,
    /// Double the delay after each retry.
    pub exponential: bool,
    /// Retry every failure status, not only 429, 5xx and network errors.
    pub on_all_errors: bool,
}

impl RetryPolicy {
    /// The delay before retry number `retry` (0-based).
    pub fn delay_before(&self, retry: u32) -> Duration {
        if self.exponential {
            self.delay
                .saturating_mul(2u32.saturating_pow(retry.min(16)))
        } else {
            self.delay
        }
    }

    /// Whether a response with this status is retried.
    pub fn retries_status(&self, status: u16) -> bool {
        if self.on_all_errors {
            !(200..300).contains(&status)
        } else {
            status == 429 || status >= 500
        }
    }
}

/// A request built from an HTTP action's inputs.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    /// The method.
    pub method: Method,
    /// The URL, as given.
    pub url: String,
    /// The body, if any.
    pub data: Option<Data>,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Query parameters, in order (added to those already in `url`).
    pub query: Vec<(String, String)>,
    /// How the answer is returned.
    pub response_type: ResponseType,
    /// Per-attempt timeout.
    pub timeout: Option<Duration>,
    /// Retries.
    pub retry: RetryPolicy,
    /// Answer the whole envelope instead of the body.
    pub include_full_response: bool,
    /// Accept invalid TLS certificates.
    pub ignore_ssl_errors: bool,
    /// Log the request (without header values or body).
    pub debug: bool,
}

impl RequestSpec {
    /// Reads the inputs; `method` is fixed by the action or, for `httpRequest`, read from the
    /// `method` input.
    pub fn from_inputs(inputs: &Inputs, method: Option<Method>) -> Result<Self, ActionError> {
        let method = match method {
            Some(m) => m,
            None => {
                let text = inputs.string("method").unwrap_or_else(|| "GET".into());
                Method::from_bytes(text.trim().to_ascii_uppercase().as_bytes())
                    .map_err(|_| ActionError::input("method", format!("unknown method {text}")))?
            }
        };
        let url = util::required_string(inputs, "url")?;
        let parsed = reqwest::Url::parse(url.trim())
            .map_err(|e| ActionError::input("url", format!("is not a valid URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ActionError::input("url", "must be an http or https URL"));
        }
        let response_type = match inputs.string("responseType").as_deref() {
            None | Some("json") => ResponseType::Json,
            Some("text") => ResponseType::Text,
            Some("binary") => ResponseType::Binary,
            Some(other) => {
                return Err(ActionError::input(
                    "responseType",
                    format!("must be json, text or binary, not {other}"),
                ))
            }
        };
        let timeout = match util::count(inputs, "timeout", 0)? {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        };
        let max_retries = u32::try_from(util::count(inputs, "maxRetries", 0)?)
            .map_err(|_| ActionError::input("maxRetries", "is too large"))?;
        Ok(RequestSpec {
            method,
            url: url.trim().to_string(),
            data: util::data(inputs, "data"),
            headers: util::key_values(inputs, "headers")?,
            query: util::key_values(inputs, "queryParams")?,
            response_type,
            timeout,
            retry: RetryPolicy {
                max_retries,
                delay: Duration::from_millis(util::count(inputs, "retryDelayMS", 0)?),
                exponential: util::flag(inputs, "useExponentialBackoff", false),
                on_all_errors: util::flag(inputs, "retryOnAllErrors", false),
            },
            include_full_response: util::flag(inputs, "includeFullResponse", false),
            ignore_ssl_errors: util::flag(inputs, "ignoreSslErrors", false),
            debug: util::flag(inputs, "debugRequest", false),
        })
    }

    /// The URL without its query string, for messages and logs (queries may carry keys).
    pub fn display_url(&self) -> String {
        match reqwest::Url::parse(&self.url) {
            Ok(mut u) => {
                u.set_query(None);
                u.set_fragment(None);
                let _ = u.set_password(None);
                let _ = u.set_username("");
                u.to_string()
            }
            Err(_) => "<invalid url>".into(),
        }
    }
}
