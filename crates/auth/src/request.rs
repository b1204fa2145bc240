//! [`RequestParts`]: what a component wants to send, before auth is applied.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::{Method, Url};

use crate::error::AuthError;
use crate::fields::parse_http_url;

/// A request to send through [`crate::AuthClient`]. Auth headers and parameters are added by
/// the connection's scheme; a URL starting with `/` is resolved against the API base given by
/// the token answer (Salesforce's `instance_url`).
#[derive(Clone)]
pub struct RequestParts {
    /// The method.
    pub method: Method,
    /// An absolute `http(s)` URL, or a path under the connection's API base.
    pub url: String,
    /// Extra headers (name, value), in order; repeated names are kept.
    pub headers: Vec<(String, String)>,
    /// Query parameters appended to the URL.
    pub query: Vec<(String, String)>,
    /// The body.
    pub body: Option<Bytes>,
    /// This request's time limit, instead of the connection's (`timeout` input, else
    /// [`crate::transport::DEFAULT_TIMEOUT`]).
    pub timeout: Option<Duration>,
}

impl fmt::Debug for RequestParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("url", &crate::error::redact_url(&self.url))
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .finish()
    }
}

impl RequestParts {
    /// A request without headers, query or body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        RequestParts {
            method,
            url: url.into(),
            headers: Vec::new(),
            query: Vec::new(),
            body: None,
            timeout: None,
        }
    }

    /// A `GET` request.
    pub fn get(url: impl Into<String>) -> Self {
        Self::new(Method::GET, url)
    }

    /// A `POST` request.
    pub fn post(url: impl Into<String>) -> Self {
        Self::new(Method::POST, url)
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets a body with its content type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: &str) -> Self {
        self.body = Some(body.into());
        self.headers
            .push((CONTENT_TYPE.as_str().to_string(), content_type.to_string()));
        self
    }

    /// Sets a JSON body.
    pub fn json(self, value: &serde_json::Value) -> Self {
        let bytes = serde_json::to_vec(value).unwrap_or_default();
        self.body(bytes, "application/json")
    }

    /// Resolves the URL and headers into a request ready for auth.
    pub(crate) fn prepare(&self, api_base: Option<&str>) -> Result<Outgoing, AuthError> {
        let mut url = if self.url.starts_with('/') {
            let base = api_base.ok_or_else(|| {
                AuthError::invalid("url", "a relative URL needs an API base (instance_url)")
            })?;
            parse_http_url(
                "url",
                &format!("{}{}", base.trim_end_matches('/'), self.url),
            )?
        } else {
            parse_http_url("url", &self.url)?
        };
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query.iter());
        }
        let mut headers = HeaderMap::new();
        for (k, v) in &self.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| AuthError::invalid("headers", format!("invalid header name `{k}`")))?;
            let value = HeaderValue::from_str(v).map_err(|_| {
                AuthError::invalid("headers", format!("invalid value for header `{k}`"))
            })?;
            headers.append(name, value);
        }
        Ok(Outgoing {
            method: self.method.clone(),
            display_url: url.to_string(),
            url,
            headers,
            body: self.body.clone().unwrap_or_default(),
            timeout: self.timeout,
        })
    }
}

/// A resolved request that schemes modify.
#[derive(Clone)]
pub(crate) struct Outgoing {
    pub(crate) method: Method,
    pub(crate) url: Url,
    /// The URL as the envelope shows it (before auth query parameters).
    pub(crate) display_url: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) timeout: Option<Duration>,
}

impl Outgoing {
    pub(crate) fn set_header(
        &mut self,
        name: &str,
        value: &str,
        sensitive: bool,
    ) -> Result<(), AuthError> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| AuthError::invalid("name", format!("invalid header name `{name}`")))?;
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            AuthError::invalid(name.as_str(), "the value is not a valid header value")
        })?;
        value.set_sensitive(sensitive);
        self.headers.insert(name, value);
        Ok(())
    }
}
