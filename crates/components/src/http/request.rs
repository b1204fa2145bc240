//! The inputs of an HTTP action as a typed request description.

use std::time::Duration;

use plumb_core::action::{ActionError, Connection, Data, Inputs};
use reqwest::Method;

use super::manifest::{HttpInputs, MethodInput};

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
        Ok(Self::from_typed(HttpInputs::from_inputs(inputs)?, method, inputs)?.0)
    }

    /// Reads typed inputs; `method` as in [`RequestSpec::from_inputs`]. Gives back the
    /// connection input too.
    pub fn from_typed(
        i: HttpInputs,
        method: Option<Method>,
        inputs: &Inputs,
    ) -> Result<(Self, Option<Connection>), ActionError> {
        let method = match method {
            Some(m) => m,
            None => {
                let text = MethodInput::from_inputs(inputs)?.method;
                Method::from_bytes(text.trim().to_ascii_uppercase().as_bytes())
                    .map_err(|_| ActionError::input("method", format!("unknown method {text}")))?
            }
        };
        let parsed = reqwest::Url::parse(i.url.trim())
            .map_err(|e| ActionError::input("url", format!("is not a valid URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ActionError::input("url", "must be an http or https URL"));
        }
        let response_type = match i.responseType.as_str() {
            "json" => ResponseType::Json,
            "text" => ResponseType::Text,
            "binary" => ResponseType::Binary,
            other => {
                return Err(ActionError::input(
                    "responseType",
                    format!("must be json, text or binary, not {other}"),
                ))
            }
        };
        let timeout = match i.timeout.or(0) {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        };
        let max_retries = u32::try_from(i.maxRetries.or(0))
            .map_err(|_| ActionError::input("maxRetries", "is too large"))?;
        let spec = RequestSpec {
            method,
            url: i.url.trim().to_string(),
            data: i.data,
            headers: i.headers.0,
            query: i.queryParams.0,
            response_type,
            timeout,
            retry: RetryPolicy {
                max_retries,
                delay: Duration::from_millis(i.retryDelayMS.or(0)),
                exponential: i.useExponentialBackoff,
                on_all_errors: i.retryOnAllErrors,
            },
            include_full_response: i.includeFullResponse,
            ignore_ssl_errors: i.ignoreSslErrors,
            debug: i.debugRequest,
        };
        Ok((spec, i.connection))
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
