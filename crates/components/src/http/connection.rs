//! The seam where a connection authenticates an outbound request: everything goes through
//! `plumb-auth` ([`AuthClient`]), which applies the connection's scheme, keeps its tokens
//! fresh and builds the standard envelope.
//!
//! `plumb-auth`'s `send` answers an [`Envelope`], whose body is JSON or text; a binary answer
//! (`responseType: binary`) needs the raw bytes, so for those the request goes out on the
//! connection's pooled client ([`plumb_auth::Connected::http`]) with the credential applied
//! here: the connection's token for token schemes, the static schemes (`basic`, `bearer`,
//! `apiKey`) directly, nothing for `mutualTls` (the client carries the certificate).

use plumb_auth::{AuthClient, Connected, Envelope, RequestParts};
use plumb_core::action::{ActionError, Connection};
use reqwest::RequestBuilder;

use crate::outbound::auth_error;

/// The connection input's key.
const INPUT: &str = "connection";

/// Validates `connection` and returns its handle (with its pooled transport).
pub(crate) fn connect(
    auth: &AuthClient,
    connection: &Connection,
) -> Result<Connected, ActionError> {
    auth.connect(connection).map_err(|e| auth_error(INPUT, e))
}

/// Sends `parts` with the connection's authentication; any answer is an envelope.
pub(crate) async fn send(
    connected: &Connected,
    parts: &RequestParts,
) -> Result<Envelope, ActionError> {
    connected
        .send(parts)
        .await
        .map_err(|e| auth_error(INPUT, e))
}

/// Applies the connection's credential to a request on `connected.http()` (binary answers).
pub(crate) async fn authorize_raw(
    connected: &Connected,
    connection: &Connection,
    builder: RequestBuilder,
) -> Result<RequestBuilder, ActionError> {
    // These place their credential elsewhere than a bearer header (a dynamic API key, a
    // request signature): only `plumb-auth`'s own send can apply them.
    if matches!(connection.key.as_str(), "apiKeyDynamic" | "awsSigV4") {
        return Err(ActionError::input(
            INPUT,
            format!(
                "binary responses through a {} connection are not supported yet",
                connection.key
            ),
        ));
    }
    if let Some(token) = connected.token().await.map_err(|e| auth_error(INPUT, e))? {
        return Ok(builder.bearer_auth(token.access_token.expose()));
    }
    let field = |key: &str| {
        connection
            .fields
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let missing = |key: &str| {
        ActionError::input(
            INPUT,
            format!("{} connection needs `{key}`", connection.key),
        )
    };
    match connection.key.as_str() {
        "basic" => {
            let user = field("username").ok_or_else(|| missing("username"))?;
            Ok(builder.basic_auth(user, field("password")))
        }
        "bearer" => Ok(builder.bearer_auth(field("token").ok_or_else(|| missing("token"))?)),
        "apiKey" => {
            let key = field("apiKey").ok_or_else(|| missing("apiKey"))?;
            let name = field("name").unwrap_or("X-API-Key");
            match field("location").unwrap_or("header") {
                "query" => Ok(builder.query(&[(name, key)])),
                "cookie" => Ok(builder.header(reqwest::header::COOKIE, format!("{name}={key}"))),
                _ => Ok(builder.header(name, key)),
            }
        }
        "mutualTls" => Ok(builder),
        other => Err(ActionError::input(
            INPUT,
            format!("binary responses through a {other} connection are not supported yet"),
        )),
    }
}
