//! [`AuthError`]: every way authenticating or sending a request can fail.
//!
//! Messages name inputs, URLs and statuses, never a secret value.

use crate::envelope::Envelope;

/// An error of this crate. `Display` is safe to show to users and to log.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A required connection input is absent or empty.
    #[error("connection input `{input}` is required for connection type `{key}`")]
    MissingInput {
        /// The connection type key.
        key: String,
        /// The input key.
        input: String,
    },
    /// A connection input has a value that cannot be used.
    #[error("connection input `{input}` is invalid: {reason}")]
    InvalidInput {
        /// The input key.
        input: String,
        /// Why (never the value of a secret input).
        reason: String,
    },
    /// The connection type is not one this crate can authenticate.
    #[error("unsupported connection type `{key}` of component `{component}`")]
    Unsupported {
        /// The component key.
        component: String,
        /// The connection type key.
        key: String,
    },
    /// The HTTP client could not be built from the transport inputs.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// The request never reached the server (DNS, refused, TLS, timeout, proxy...).
    #[error("{method} {url} failed: {reason}")]
    Transport {
        /// HTTP method.
        method: String,
        /// URL without its query string.
        url: String,
        /// Why, without the URL or a secret.
        reason: String,
    },
    /// The egress policy refused the request (its URL, a redirect, a DNS answer or the
    /// connected address): nothing was sent.
    #[error("{method} {url}: {denied}")]
    Egress {
        /// HTTP method.
        method: String,
        /// URL without its query string.
        url: String,
        /// The refusal, naming the policy entry.
        denied: crate::egress::EgressDenied,
    },
    /// No answer within the request's time limit.
    #[error("{method} {url} timed out after {after_ms} ms without an answer")]
    TimedOut {
        /// HTTP method.
        method: String,
        /// URL without its query string.
        url: String,
        /// The time limit.
        after_ms: u128,
    },
    /// The token (or dynamic API key) endpoint answered with a failure: its own envelope,
    /// with only the `error`, `error_description` (and similar) fields of its body.
    #[error("{}", token_summary(.0))]
    Token(Box<Envelope>),
    /// The token endpoint answered 2xx without a usable token.
    #[error("{method} {url} answered without a usable token: {reason}")]
    TokenResponse {
        /// HTTP method.
        method: String,
        /// The token URL.
        url: String,
        /// What was missing or malformed.
        reason: String,
    },
    /// The token store failed.
    #[error("token store: {0}")]
    Store(#[from] crate::token::TokenStoreError),
    /// Signing the request failed (AWS SigV4, JWT assertion).
    #[error("signing failed: {0}")]
    Signing(String),
    /// An OAuth 2.0 callback carried a `state` this process did not issue or that expired.
    #[error("unknown or expired OAuth 2.0 state")]
    UnknownState,
    /// The authorization server redirected back with an error.
    #[error("authorization refused: {error}{}", .description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    AuthorizationDenied {
        /// The `error` parameter.
        error: String,
        /// The `error_description` parameter.
        description: Option<String>,
    },
    /// An authorization-code connection has no token yet: a user must authorize it first.
    #[error("connection `{0}` is not authorized yet: complete the OAuth 2.0 authorization first")]
    NotAuthorized(String),
}

impl AuthError {
    /// The envelope to return as the error object, when the failure is a server's answer.
    pub fn envelope(&self) -> Option<&Envelope> {
        match self {
            AuthError::Token(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn missing(key: &str, input: &str) -> Self {
        AuthError::MissingInput {
            key: key.to_string(),
            input: input.to_string(),
        }
    }

    pub(crate) fn invalid(input: &str, reason: impl Into<String>) -> Self {
        AuthError::InvalidInput {
            input: input.to_string(),
            reason: reason.into(),
        }
    }
}

fn token_summary(env: &Envelope) -> String {
    let mut s = format!(
        "token request {} {} answered {} {}",
        env.method, env.url, env.status, env.status_text
    );
    if let Some(body) = &env.body {
        let field = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_string);
        if let Some(e) = field("error").or_else(|| field("errorCode")) {
            s.push_str(": ");
            s.push_str(&e);
        }
        if let Some(d) = field("error_description").or_else(|| field("message")) {
            s.push_str(&format!(" ({d})"));
        }
    }
    s
}

/// A failed [`crate::egress::EgressClient::send`] as an error: a refusal is
/// [`AuthError::Egress`], anything else [`AuthError::Transport`] whose reason starts with
/// `context` (e.g. `token request: `).
pub(crate) fn send_error(
    method: &str,
    url: &str,
    context: &str,
    error: crate::egress::SendError,
) -> AuthError {
    match error {
        crate::egress::SendError::Refused(denied) => AuthError::Egress {
            method: method.to_string(),
            url: redact_url(url),
            denied,
        },
        crate::egress::SendError::Http(e) => AuthError::Transport {
            method: method.to_string(),
            url: redact_url(url),
            reason: format!("{context}{}", describe(&e)),
        },
    }
}

/// Describes a `reqwest` error without its URL (which may carry a query secret).
pub(crate) fn describe(err: &reqwest::Error) -> String {
    let mut out = if err.is_timeout() {
        "timed out".to_string()
    } else if err.is_connect() {
        "could not connect".to_string()
    } else if err.is_builder() {
        "invalid request".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(err);
    let mut last = String::new();
    while let Some(s) = source {
        let text = s.to_string();
        if !text.is_empty() && text != last && !text.contains("://") {
            out.push_str(": ");
            out.push_str(&text);
            last = text;
        }
        source = s.source();
    }
    out
}

/// A URL without query string or fragment, for messages.
pub(crate) fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_string(),
    }
}
