//! The seam where a connection authenticates an outbound request.
//!
//! `plumb-auth` (connection schemes, token cache, the shared envelope) plugs in here: every
//! HTTP action calls [`authorize`] and nothing else knows about credentials. Until then this
//! handles the static schemes (`basic`, `bearer`, `apiKey`) and refuses the others with a
//! clear error rather than sending an unauthenticated request.

use plumb_core::action::{ActionError, Connection};
use reqwest::RequestBuilder;

/// Applies `connection`'s authentication to `builder` (no connection: unchanged).
pub(crate) fn authorize(
    builder: RequestBuilder,
    connection: Option<&Connection>,
) -> Result<RequestBuilder, ActionError> {
    let Some(conn) = connection else {
        return Ok(builder);
    };
    let field = |key: &str| {
        conn.fields
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let missing = |key: &str| {
        ActionError::input(
            "connection",
            format!("{} connection needs `{key}`", conn.key),
        )
    };
    match conn.key.as_str() {
        "basic" => {
            let user = field("username").ok_or_else(|| missing("username"))?;
            Ok(builder.basic_auth(user, field("password")))
        }
        "bearer" => {
            let token = field("token").ok_or_else(|| missing("token"))?;
            Ok(builder.bearer_auth(token))
        }
        "apiKey" => {
            let key = field("apiKey").ok_or_else(|| missing("apiKey"))?;
            let name = field("name").unwrap_or("X-API-Key");
            match field("location").unwrap_or("header") {
                "header" => Ok(builder.header(name, key)),
                "query" => Ok(builder.query(&[(name, key)])),
                "cookie" => Ok(builder.header(reqwest::header::COOKIE, format!("{name}={key}"))),
                other => Err(ActionError::input(
                    "connection",
                    format!("apiKey location must be header, query or cookie, not {other}"),
                )),
            }
        }
        other => Err(ActionError::input(
            "connection",
            format!("connection type {other} is not supported by the http component yet"),
        )),
    }
}
