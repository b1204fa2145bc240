//! The seam where a connection authenticates an outbound request: everything goes through
//! `plumb-auth` ([`AuthClient`]), which applies the connection's scheme, keeps its tokens
//! fresh and builds the standard envelope.
//!
//! `plumb-auth`'s `send` answers an [`Envelope`], whose body is JSON or text; a binary answer
//! (`responseType: binary`) needs the raw bytes, so for those `send_raw` returns the unread
//! response. Both apply the scheme the same way (signatures, dynamic keys, tokens and their
//! refresh after a 401 included).

use plumb_auth::{AuthClient, AuthError, Connected, Envelope, RawResponse, RequestParts};
use plumb_core::action::{ActionError, Connection};

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

/// Sends `parts` with the connection's authentication; any answer is an envelope. Errors are
/// `plumb-auth`'s, for the caller to tell refusals and timeouts from the rest ([`failure`]).
pub(crate) async fn send(
    connected: &Connected,
    parts: &RequestParts,
) -> Result<Envelope, AuthError> {
    connected.send(parts).await
}

/// Sends `parts` with the connection's authentication (every scheme, with `plumb-auth`'s
/// token refresh and one retry after a 401) and returns the unread answer, so a binary body
/// is read as raw bytes.
pub(crate) async fn send_raw(
    connected: &Connected,
    parts: &RequestParts,
) -> Result<RawResponse, AuthError> {
    connected.send_raw(parts).await
}

/// A send error as a step failure (see [`auth_error`]).
pub(crate) fn failure(error: AuthError) -> ActionError {
    auth_error(INPUT, error)
}
