//! The answer to a path no route serves: 404 with a JSON body `{"error": "not found", "path"}`
//! for API clients, and a short page linking to the console for a browser (a request whose
//! `Accept` names `text/html`). The path is echoed only in JSON (pages never echo input).

use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Most characters of the path echoed in the JSON answer.
const MAX_ECHOED_PATH: usize = 256;

/// The fallback handler.
pub async fn handle(uri: Uri, headers: HeaderMap) -> Response {
    let wants_page = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_page {
        return (
            StatusCode::NOT_FOUND,
            Html(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <title>Not found · plumb</title></head><body><h1>Not found</h1>\
                 <p>No page lives at this address. <a href=\"/\">Open the console</a>.</p>\
                 </body></html>",
            ),
        )
            .into_response();
    }
    let path: String = uri.path().chars().take(MAX_ECHOED_PATH).collect();
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": "not found", "path": path })),
    )
        .into_response()
}
