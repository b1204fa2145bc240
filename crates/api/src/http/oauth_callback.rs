//! `GET /oauth2/callback?code=..&state=..`: the redirect target of OAuth 2.0
//! authorization-code connections. Consumes the state started by `authorizeConnection`,
//! exchanges the code (with the sealed PKCE verifier) and stores the tokens sealed; answers a
//! small HTML page. Unknown, used or expired state, a missing code or the authorization
//! server's refusal: 400; the code exchange refused: 502. No page or log line carries a secret.
//!
//! Unauthenticated by design: the browser of the person who authorized arrives here; the
//! single-use, unguessable `state` (and PKCE) is what ties the callback to its start.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use plumb_runtime::{AuthorizationError, CallbackParams};

use crate::AppState;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body><h1>{t}</h1><p>{m}</p></body></html>\n",
        t = escape(title),
        m = escape(message),
    );
    (status, Html(body)).into_response()
}

/// The handler.
pub async fn handle(
    State(state): State<AppState>,
    query: Result<Query<CallbackParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let failed = "Authorization failed";
    let Ok(Query(params)) = query else {
        return page(
            StatusCode::BAD_REQUEST,
            failed,
            "The callback's query is malformed.",
        );
    };
    let Some(vault) = &state.vault else {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            failed,
            "The server has no master key, so it cannot store connection tokens.",
        );
    };
    match plumb_runtime::complete_authorization(vault, None, &params).await {
        Ok(done) => {
            tracing::info!(org = %done.org_id, connection = %done.connection_id, "connection authorized");
            page(
                StatusCode::OK,
                "Connection authorized",
                "The connection is authorized. You can close this window.",
            )
        }
        Err(e @ AuthorizationError::UnknownState) | Err(e @ AuthorizationError::MissingCode) => {
            page(
                StatusCode::BAD_REQUEST,
                failed,
                &format!("{e}. Start the authorization again."),
            )
        }
        Err(AuthorizationError::Denied { error, description }) => {
            let mut message = format!("The authorization server refused: {error}");
            if let Some(d) = description {
                message.push_str(&format!(" ({d})"));
            }
            page(StatusCode::BAD_REQUEST, failed, &message)
        }
        Err(e @ AuthorizationError::NoValues)
        | Err(e @ AuthorizationError::NotAuthorizationCode(_)) => {
            page(StatusCode::BAD_REQUEST, failed, &format!("{e}."))
        }
        Err(AuthorizationError::Auth(e)) => {
            tracing::warn!(error = %e, "authorization code exchange failed");
            page(
                StatusCode::BAD_GATEWAY,
                failed,
                &format!("The code exchange failed: {e}"),
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "completing an authorization failed");
            page(StatusCode::INTERNAL_SERVER_ERROR, failed, "Internal error.")
        }
    }
}
