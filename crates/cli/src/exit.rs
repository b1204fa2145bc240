//! Exit codes scripts can rely on, and how an error becomes one.

use crate::client::ClientError;

/// Success.
pub const SUCCESS: u8 = 0;
/// Any other failure.
pub const FAILURE: u8 = 1;
/// The server rejected the input (payload errors).
pub const INVALID_INPUT: u8 = 3;
/// The object does not exist (or is not visible to this token).
pub const NOT_FOUND: u8 = 4;
/// Missing, bad or revoked token, or a role that does not allow the operation.
pub const UNAUTHORIZED: u8 = 5;
/// The server could not be reached.
pub const UNREACHABLE: u8 = 6;

/// Prints an error to stderr and answers its exit code.
pub fn report(err: anyhow::Error) -> u8 {
    eprintln!("error: {err:#}");
    match err.downcast_ref::<ClientError>() {
        Some(ClientError::Invalid(_)) => INVALID_INPUT,
        Some(ClientError::NotFound(_)) => NOT_FOUND,
        Some(ClientError::Unauthorized) | Some(ClientError::Forbidden(_)) => UNAUTHORIZED,
        Some(ClientError::Unreachable(_)) => UNREACHABLE,
        _ => FAILURE,
    }
}
