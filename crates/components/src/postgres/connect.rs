//! A connection to the server of a step's `postgres` connection, under the egress policy: the
//! host name is checked, resolved here, and each address checked before connecting to it (so
//! a name that resolves to a denied address is refused, as for HTTP). Nothing is read from
//! the process's environment (`PG*` variables): every setting comes from the connection.

use std::net::SocketAddr;
use std::time::Duration;

use plumb_auth::EgressPolicy;
use plumb_core::action::{ActionError, Connection};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::ConnectOptions;

/// The connection input's key.
pub(crate) const CONNECTION_INPUT: &str = "postgresConnection";

/// The connect timeout when the connection gives none (Prismatic's default).
const DEFAULT_TIMEOUT_MS: u64 = 5000;

/// The longest connect timeout accepted.
const MAX_TIMEOUT_MS: u64 = 120_000;

fn field<'a>(conn: &'a Connection, name: &str) -> Option<&'a str> {
    conn.value(name).map(str::trim).filter(|v| !v.is_empty())
}

fn bad(message: impl Into<String>) -> ActionError {
    ActionError::input(CONNECTION_INPUT, message)
}

/// Where and how to connect, checked.
#[derive(Debug)]
pub(crate) struct Target {
    host: String,
    port: u16,
    database: String,
    username: String,
    timeout: Duration,
}

impl Target {
    /// The connection's settings; a missing or malformed one is an error naming the input.
    pub(crate) fn of(conn: &Connection) -> Result<Target, ActionError> {
        if conn.key != "postgres" {
            return Err(bad(format!(
                "has unsupported type `{}` (postgres)",
                conn.key
            )));
        }
        let host = field(conn, "host").ok_or_else(|| bad("the connection has no `host`"))?;
        let port = match field(conn, "port") {
            None => 5432,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad(format!("the connection's `port` is not a port: {p}")))?,
        };
        let database =
            field(conn, "database").ok_or_else(|| bad("the connection has no `database`"))?;
        // Without a user name libpq-style clients take the process's: never here.
        let username =
            field(conn, "username").ok_or_else(|| bad("the connection has no `username`"))?;
        if field(conn, "requireSSL").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Err(bad(
                "asks for SSL (`requireSSL`), which this build does not support for PostgreSQL: \
                 the connection is refused rather than made in the clear",
            ));
        }
        let timeout = match field(conn, "timeout") {
            None => DEFAULT_TIMEOUT_MS,
            Some(t) => t
                .parse::<u64>()
                .ok()
                .filter(|t| *t > 0 && *t <= MAX_TIMEOUT_MS)
                .ok_or_else(|| {
                    bad(format!(
                        "the connection's `timeout` must be milliseconds from 1 to {MAX_TIMEOUT_MS}"
                    ))
                })?,
        };
        Ok(Target {
            host: host.to_string(),
            port,
            database: database.to_string(),
            username: username.to_string(),
            timeout: Duration::from_millis(timeout),
        })
    }

    /// The server's addresses the egress policy allows; an error when it allows none.
    async fn addresses(&self, egress: &EgressPolicy) -> Result<Vec<SocketAddr>, ActionError> {
        let refused = |denied: plumb_auth::EgressDenied| {
            ActionError::failed(format!("PostgreSQL server: {denied}"))
        };
        let ip = self
            .host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>();
        if let Ok(ip) = ip {
            let addr = SocketAddr::new(ip, self.port);
            egress.check_socket(addr).map_err(refused)?;
            return Ok(vec![addr]);
        }
        egress.check_name(&self.host).map_err(refused)?;
        let resolved: Vec<SocketAddr> = tokio::net::lookup_host((self.host.as_str(), self.port))
            .await
            .map_err(|e| ActionError::failed(format!("PostgreSQL server {}: {e}", self.host)))?
            .collect();
        let mut allowed = Vec::new();
        let mut last = None;
        for addr in resolved {
            match egress
                .check_resolved(&self.host, addr.ip())
                .and_then(|()| egress.check_socket(addr))
            {
                Ok(()) => allowed.push(addr),
                Err(denied) => last = Some(denied),
            }
        }
        match (allowed.is_empty(), last) {
            (true, Some(denied)) => Err(refused(denied)),
            (true, None) => Err(ActionError::failed(format!(
                "PostgreSQL server {}: the name resolves to no address",
                self.host
            ))),
            _ => Ok(allowed),
        }
    }

    /// Connects (UTC session, ISO dates), within the connect timeout, to the first allowed
    /// address that answers.
    pub(crate) async fn connect(
        &self,
        conn: &Connection,
        egress: &EgressPolicy,
    ) -> Result<PgConnection, ActionError> {
        let mut last = String::new();
        for addr in self.addresses(egress).await? {
            let mut options = PgConnectOptions::new_without_pgpass()
                .host(&addr.ip().to_string())
                .port(addr.port())
                .database(&self.database)
                .username(&self.username)
                // Never the process's PGPASSWORD: an empty password when none is given.
                .password(conn.value("password").unwrap_or_default())
                .ssl_mode(PgSslMode::Disable)
                .application_name("plumb")
                .options([("TimeZone", "UTC"), ("DateStyle", "ISO, MDY")]);
            options = options.disable_statement_logging();
            match tokio::time::timeout(self.timeout, options.connect()).await {
                Ok(Ok(c)) => return Ok(c),
                Ok(Err(e)) => last = e.to_string(),
                Err(_) => {
                    last = format!("no answer within {} ms", self.timeout.as_millis());
                }
            }
        }
        Err(ActionError::failed(format!(
            "cannot connect to PostgreSQL server {}:{} (database {}): {last}",
            self.host, self.port, self.database
        )))
    }
}
