//! `mutualTls`: the client certificate and key (and an optional CA), PEM text or `data:` URLs.
//! They live in the transport ([`crate::transport::build_transport`]); requests carry no
//! other credential. This module validates the inputs early with clear errors.

use plumb_core::action::Connection;

use crate::error::AuthError;
use crate::fields::Fields;

/// Checks that `certificate` and `key` are present and PEM.
pub(crate) fn validate(conn: &Connection) -> Result<(), AuthError> {
    let f = Fields::new(conn);
    f.opt_pem("certificate")?
        .ok_or_else(|| AuthError::missing(&conn.key, "certificate"))?;
    f.opt_pem("key")?
        .ok_or_else(|| AuthError::missing(&conn.key, "key"))?;
    f.opt_pem("ca")?;
    Ok(())
}
