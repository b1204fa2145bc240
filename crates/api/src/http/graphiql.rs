//! `GET /api`: GraphiQL, served from the binary. The page loads its scripts and styles from
//! `/api/assets/{tag}/{file}` (vendored in `crates/api/assets/graphiql/`, see its README), never
//! from another origin; its own script is a static file too, so the page's policy allows no
//! inline script. `tag` is a hash of the assets: a new build gets new URLs, so the assets can be
//! cached for a year.

use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::headers::page_headers;

/// The GraphiQL page's policy: [`super::headers::DEFAULT_CSP`] with inline styles allowed
/// (GraphiQL's dialogs inject a `<style>` element and CodeMirror's search box carries `style`
/// attributes). Scripts stay same-origin files only.
pub const GRAPHIQL_CSP: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

macro_rules! asset {
    ($name:literal, $type:expr) => {
        Asset {
            name: $name,
            content_type: $type,
            bytes: include_bytes!(concat!("../../assets/graphiql/", $name)),
        }
    };
}

/// The files under `/api/assets/{tag}/` (GraphiQL 3.8.3, React 18.3.1, plumb's page script).
const ASSETS: &[Asset] = &[
    asset!("react.production.min.js", JS),
    asset!("react-dom.production.min.js", JS),
    asset!("graphiql.min.js", JS),
    asset!("graphiql.min.css", CSS),
    asset!("plumb-graphiql.js", JS),
    asset!("plumb-graphiql.css", CSS),
    asset!("LICENSE-graphiql", TEXT),
    asset!("LICENSE-react", TEXT),
];

/// A hash of every asset (FNV-1a, 64 bits): the version segment of their URLs.
fn tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for asset in ASSETS {
            for byte in asset.name.bytes().chain(asset.bytes.iter().copied()) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{hash:016x}")
    })
}

/// The page: the token bar, GraphiQL's mount point, and same-origin scripts and styles.
fn page_html() -> String {
    let base = format!("/api/assets/{}", tag());
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>plumb GraphiQL</title>
<link rel="stylesheet" href="{base}/graphiql.min.css">
<link rel="stylesheet" href="{base}/plumb-graphiql.css">
</head>
<body>
<div id="plumb-bar">
<label for="plumb-token">Bearer token <input id="plumb-token" type="password" autocomplete="off" spellcheck="false" placeholder="plumb_..."></label>
<button id="plumb-forget" type="button">Forget</button>
<span id="plumb-status"></span>
</div>
<div id="graphiql">Loading GraphiQL…</div>
<script src="{base}/react.production.min.js"></script>
<script src="{base}/react-dom.production.min.js"></script>
<script src="{base}/graphiql.min.js"></script>
<script src="{base}/plumb-graphiql.js" data-endpoint="/api"></script>
</body>
</html>
"#
    )
}

/// `GET /api`.
pub async fn page() -> Response {
    let mut response = (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        page_html(),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    page_headers(headers, GRAPHIQL_CSP);
    response
}

/// `GET /api/assets/{tag}/{file}`: an embedded file, cached for a year; 404 for another tag
/// (an older build's page) or an unknown file.
pub async fn asset(Path((asset_tag, file)): Path<(String, String)>) -> Response {
    let found = ASSETS.iter().find(|a| a.name == file);
    match found {
        Some(asset) if asset_tag == tag() => (
            [
                (CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
                (
                    CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            Body::from(asset.bytes),
        )
            .into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({ "error": format!("no asset {file:?} in this build") })),
        )
            .into_response(),
    }
}
