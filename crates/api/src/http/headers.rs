//! Security headers, added to every response by [`security_headers`] (a layer over the whole
//! router, so pages added later get them without asking):
//!
//! - every response: `X-Content-Type-Options: nosniff` (a JSON answer or a webhook's result is
//!   never sniffed into HTML or script);
//! - every HTML response (`Content-Type: text/html`): `Content-Security-Policy` (the strict
//!   [`DEFAULT_CSP`] unless the handler set its own, see [`page_headers`]), `Referrer-Policy:
//!   no-referrer`, and `X-Frame-Options: DENY` when the policy forbids framing (`frame-ancestors
//!   'none'`, as the default does; an embeddable page lists its parents in its own policy's
//!   `frame-ancestors` and gets no `X-Frame-Options`).
//!
//! An HTML answer of a synchronous webhook (a flow's result) gets the default policy too: a flow's
//! page cannot run script on plumb's origin.

use axum::extract::Request;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of an HTML page that sets none: its own scripts, styles and images only, no
/// inline script or style, no plugins, never framed.
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Whether a response is an HTML page.
fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .get(..9)
                .is_some_and(|p| p.eq_ignore_ascii_case("text/html"))
        })
}

/// Adds the security headers of a page to `headers`: `policy` as its Content-Security-Policy
/// (when none is set yet), `Referrer-Policy`, and `X-Frame-Options: DENY` when the policy says
/// `frame-ancestors 'none'` (for browsers that ignore `frame-ancestors`). Handlers of pages with their own needs call it with their policy; the layer
/// calls it with the default for every other HTML response.
pub fn page_headers(headers: &mut HeaderMap, policy: &'static str) {
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    }
    let never_framed = headers
        .get(CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("frame-ancestors 'none'"));
    if never_framed && !headers.contains_key(X_FRAME_OPTIONS) {
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if !headers.contains_key(REFERRER_POLICY) {
        headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
}

/// Middleware adding the security headers to every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if is_html(headers) {
        page_headers(headers, DEFAULT_CSP);
    }
    response
}
