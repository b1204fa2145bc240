//! Connection types of the `postgres` component: Prismatic's `postgres` (host, port,
//! database, user and password of one PostgreSQL server).

use super::ValueFormat::Integer;
use super::{ConnectionInput as I, ConnectionInputType, ConnectionType};

/// Prismatic's PostgreSQL connection. `requireSSL` asks for TLS (refused by this build, which
/// has no TLS for PostgreSQL, rather than sent in the clear); `timeout` is the connect timeout
/// in milliseconds.
pub const POSTGRES: ConnectionType = ConnectionType {
    key: "postgres",
    label: "PostgreSQL Connection",
    component: "postgres",
    oauth2: false,
    own_inputs: &[
        I::string("host", "Host").required(),
        I::string("port", "Port")
            .required()
            .with_default("5432")
            .format(Integer),
        I::string("database", "Database").required(),
        I::string("username", "Username"),
        I::password("password", "Password"),
        I::new("requireSSL", "Require SSL", ConnectionInputType::Boolean)
            .required()
            .with_default("false"),
        I::string("timeout", "Connection Timeout")
            .with_default("5000")
            .format(Integer),
    ],
    shared_inputs: &[],
};
