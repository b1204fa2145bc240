//! The console's stylesheet and script (and the embedded screens' own), from the binary, at `/console/assets/{tag}/{file}`:
//! `tag` is a hash of their bytes, so a new build gets new URLs and they are cached for a year.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

const CSS: &[u8] = include_bytes!("../assets/console.css");
const JS: &[u8] = include_bytes!("../assets/console.js");
const EMBEDDED_JS: &[u8] = include_bytes!("../assets/embedded.js");
const EMBEDDED_CSS: &[u8] = include_bytes!("../assets/embedded.css");

/// A hash of the assets (FNV-1a, 64 bits).
fn tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in CSS.iter().chain(JS).chain(EMBEDDED_JS).chain(EMBEDDED_CSS) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}")
    })
}

/// The URL of the stylesheet.
pub fn css_url() -> String {
    format!("/console/assets/{}/console.css", tag())
}

/// The URL of the script.
pub fn js_url() -> String {
    format!("/console/assets/{}/console.js", tag())
}

/// The URL of a file of the embedded screens (`embedded.js`, `embedded.css`).
pub fn embedded_url(file: &str) -> String {
    format!("/console/assets/{}/{file}", tag())
}

/// `GET /console/assets/{tag}/{file}`.
pub async fn serve(Path((t, file)): Path<(String, String)>) -> Response {
    let (bytes, content_type) = match file.as_str() {
        "console.css" => (CSS, "text/css; charset=utf-8"),
        "console.js" => (JS, "text/javascript; charset=utf-8"),
        "embedded.js" => (EMBEDDED_JS, "text/javascript; charset=utf-8"),
        "embedded.css" => (EMBEDDED_CSS, "text/css; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let cache = if t == tag() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, cache)],
        bytes,
    )
        .into_response()
}
