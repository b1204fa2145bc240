//! The session cookie, the signed-in caller of a request ([`Signed`]) and the CSRF check.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use plumb_service::sessions::{SignedIn, SESSION_TTL_MS};
use subtle::ConstantTimeEq;

use crate::layout;
use crate::Console;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "plumb_session";
/// The sign-in form's CSRF cookie (there is no session yet to hold its token).
pub const LOGIN_COOKIE: &str = "plumb_login";

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, `Secure` when asked; `max_age` 0
/// removes the cookie.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session cookie for `secret`.
pub fn session_cookie(secret: &str, secure: bool) -> HeaderValue {
    set_cookie(SESSION_COOKIE, secret, "/", SESSION_TTL_MS / 1000, secure)
}

/// A `303 See Other` to `location`.
pub fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// The signed-in caller of a console request; a request without a live session is sent to
/// `/login` (GET) or refused (any other method).
pub struct Signed {
    /// The session.
    pub me: SignedIn,
    /// The cookie's secret (to sign out).
    pub secret: String,
}

impl Signed {
    /// Checks a form's CSRF token against the session's: `None` when it matches, else the
    /// 403 answer.
    pub fn csrf_refusal(&self, token: &str) -> Option<Response> {
        (!csrf_matches(&self.me.csrf, token)).then(csrf_refused)
    }
}

/// Whether a submitted form token equals the expected one (constant time).
pub fn csrf_matches(expected: &str, given: &str) -> bool {
    !expected.is_empty() && expected.as_bytes().ct_eq(given.as_bytes()).into()
}

/// The answer to a form without its CSRF token.
pub fn csrf_refused() -> Response {
    layout::error_page(
        StatusCode::FORBIDDEN,
        "Form refused",
        "This form did not come from a page of this console session (its security token is \
         missing or stale). Reload the page and try again.",
    )
}

impl<S> FromRequestParts<S> for Signed
where
    S: Send + Sync,
    Console: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let console = Console::from_ref(state);
        let to_login = || {
            if parts.method == axum::http::Method::GET {
                let mut r = see_other("/login");
                // A stale cookie is removed on the way.
                r.headers_mut().insert(
                    SET_COOKIE,
                    set_cookie(SESSION_COOKIE, "", "/", 0, console.secure_cookies),
                );
                r
            } else {
                layout::error_page(
                    StatusCode::UNAUTHORIZED,
                    "Signed out",
                    "Your session has ended. Sign in again.",
                )
            }
        };
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        match console.services.session(&secret).await {
            Ok(Some(me)) => Ok(Signed { me, secret }),
            Ok(None) => Err(to_login()),
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                Err(layout::error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The console could not read your session. Try again in a moment.",
                ))
            }
        }
    }
}
