//! Transport: the pooled `reqwest` client of a connection (timeout, TLS verification, extra CA,
//! mutual TLS, proxy), cached per connection so requests reuse pooled connections.
//!
//! Transport inputs accepted on every connection: `timeout` (ms), `rejectUnauthorized`
//! (default `true`), `ca`, `proxyUrl`, `proxyUsername`, `proxyPassword`; the `mutualTls`
//! connection type adds `certificate` and `key`. PEM inputs are PEM text or `data:` URLs.
//!
//! Every client is built under the process's egress policy ([`crate::egress::guard`]); a proxy
//! the policy refuses is refused when the transport is built. Requests time out after the
//! connection's `timeout`, else [`DEFAULT_TIMEOUT`]; connecting after [`CONNECT_TIMEOUT`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plumb_core::action::Connection;
use reqwest::{Certificate, Client, Identity, Proxy};
use sha2::{Digest, Sha256};

use crate::egress::{EgressClient, EgressPolicy};
use crate::error::AuthError;
use crate::fields::Fields;

/// How long a request may take when nothing else says (the connection's `timeout` input, the
/// http step's `timeout` input): a hung server cannot hold a worker longer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long connecting (TCP, TLS, proxy) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The inputs that shape the transport (the client is rebuilt when one of them changes).
const TRANSPORT_INPUTS: &[&str] = &[
    "timeout",
    "rejectUnauthorized",
    "ca",
    "proxyUrl",
    "proxyUsername",
    "proxyPassword",
];

/// The extra inputs of the `mutualTls` connection type.
const MTLS_INPUTS: &[&str] = &["certificate", "key"];

/// The warning returned when certificate verification is off; callers log it as `WARN`.
pub const INSECURE_TLS_WARNING: &str =
    "TLS certificate verification is disabled for this connection (rejectUnauthorized: false)";

/// A built HTTP client with the warnings its configuration deserves.
#[derive(Debug, Clone)]
pub struct Transport {
    /// The pooled client under the egress policy (cheap to clone).
    pub client: EgressClient,
    /// Warnings to write to the execution log (e.g. [`INSECURE_TLS_WARNING`]).
    pub warnings: Vec<String>,
    /// The connection's `timeout` input, when it sets one (requests otherwise time out after
    /// [`DEFAULT_TIMEOUT`]).
    pub timeout: Option<Duration>,
}

fn base_builder(timeout: Duration) -> reqwest::ClientBuilder {
    Client::builder()
        .pool_idle_timeout(Duration::from_secs(60))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(timeout)
}

/// A transport without a connection (the http component's requests without one): the default
/// timeouts; `insecure` accepts invalid certificates.
pub fn build_plain(insecure: bool, policy: &Arc<EgressPolicy>) -> Result<Transport, AuthError> {
    let client = EgressClient::build(
        base_builder(DEFAULT_TIMEOUT).tls_danger_accept_invalid_certs(insecure),
        Arc::clone(policy),
    )
    .map_err(|e| AuthError::Client(crate::error::describe(&e)))?;
    Ok(Transport {
        client,
        warnings: Vec::new(),
        timeout: None,
    })
}

/// Builds the transport of a connection, validating its transport inputs.
pub fn build_transport(
    conn: &Connection,
    policy: &Arc<EgressPolicy>,
) -> Result<Transport, AuthError> {
    let f = Fields::new(conn);
    let mut warnings = Vec::new();
    let timeout = f
        .u64("timeout")?
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis);
    let mut b = base_builder(timeout.unwrap_or(DEFAULT_TIMEOUT));
    if !f.bool("rejectUnauthorized", true)? {
        b = b.tls_danger_accept_invalid_certs(true);
        warnings.push(INSECURE_TLS_WARNING.to_string());
        tracing::warn!(connection = %conn.id, "{INSECURE_TLS_WARNING}");
    }
    if let Some(pem) = f.opt_pem("ca")? {
        let certs = Certificate::from_pem_bundle(&pem)
            .map_err(|_| AuthError::invalid("ca", "not a valid PEM certificate bundle"))?;
        if certs.is_empty() {
            return Err(AuthError::invalid("ca", "no certificate in the PEM bundle"));
        }
        b = b.tls_certs_merge(certs);
    }
    if conn.key == "mutualTls" || conn.fields.contains_key("certificate") {
        let cert = f
            .opt_pem("certificate")?
            .ok_or_else(|| AuthError::missing(&conn.key, "certificate"))?;
        let key = f
            .opt_pem("key")?
            .ok_or_else(|| AuthError::missing(&conn.key, "key"))?;
        let mut both = cert;
        both.push(b'\n');
        both.extend_from_slice(&key);
        let identity = Identity::from_pem(&both).map_err(|_| {
            AuthError::invalid(
                "certificate",
                "certificate and key are not a valid PEM certificate chain and private key",
            )
        })?;
        b = b.identity(identity);
    }
    if let Some(proxy_url) = f.opt_url("proxyUrl")? {
        policy
            .check_url(&proxy_url)
            .map_err(|denied| AuthError::Egress {
                method: "CONNECT".into(),
                url: format!("proxy {}", crate::error::redact_url(proxy_url.as_str())),
                denied,
            })?;
        let mut proxy = Proxy::all(proxy_url.as_str())
            .map_err(|_| AuthError::invalid("proxyUrl", "not a usable proxy URL"))?;
        if let Some(user) = f.opt("proxyUsername") {
            let pass = f.opt_secret("proxyPassword");
            proxy = proxy.basic_auth(user, pass.as_ref().map(|p| p.expose()).unwrap_or(""));
        }
        b = b.proxy(proxy);
    }
    let client = EgressClient::build(b, Arc::clone(policy)).map_err(|e| {
        let why = crate::error::describe(&e);
        if conn.key == "mutualTls" || conn.fields.contains_key("certificate") {
            AuthError::invalid(
                "key",
                format!("certificate and key are not a usable client identity ({why})"),
            )
        } else {
            AuthError::Client(why)
        }
    })?;
    Ok(Transport {
        client,
        warnings,
        timeout,
    })
}

/// A hash of the transport inputs of a connection (secrets included, never shown).
fn transport_fingerprint(conn: &Connection) -> [u8; 32] {
    let mut h = Sha256::new();
    let mtls: &[&str] = if conn.key == "mutualTls" {
        MTLS_INPUTS
    } else {
        &[]
    };
    for k in TRANSPORT_INPUTS.iter().chain(mtls) {
        h.update(k.as_bytes());
        h.update([0]);
        if let Some(v) = conn.value(k) {
            h.update(v.as_bytes());
        }
        h.update([0]);
    }
    h.update(conn.key.as_bytes());
    h.finalize().into()
}

type Entries = HashMap<(String, [u8; 32]), Arc<Transport>>;

/// Clients cached per connection id and transport fingerprint (so a per-request variant, e.g.
/// the http component's `ignoreSslErrors`, gets its own pooled client instead of thrashing).
#[derive(Default)]
pub struct TransportCache {
    entries: Mutex<Entries>,
}

impl std::fmt::Debug for TransportCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportCache").finish_non_exhaustive()
    }
}

impl TransportCache {
    /// The cached transport of `conn`, built on first use or when its transport inputs changed.
    pub fn get(
        &self,
        conn: &Connection,
        policy: &Arc<EgressPolicy>,
    ) -> Result<Arc<Transport>, AuthError> {
        let key = (conn.id.clone(), transport_fingerprint(conn));
        if let Some(t) = self.lock().get(&key) {
            return Ok(t.clone());
        }
        let built = Arc::new(build_transport(conn, policy)?);
        self.lock().insert(key, built.clone());
        Ok(built)
    }

    /// Forgets the client of a connection (e.g. after it was deleted).
    pub fn evict(&self, connection_id: &str) {
        self.lock().retain(|(id, _), _| id != connection_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn conn(key: &str, fields: &[(&str, &str)]) -> Connection {
        Connection::new(
            "c1".into(),
            "http".into(),
            key.into(),
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn policy() -> Arc<EgressPolicy> {
        Arc::new(EgressPolicy::builtin())
    }

    fn build_transport(conn: &Connection) -> Result<Transport, AuthError> {
        super::build_transport(conn, &policy())
    }

    #[test]
    fn cache_reuses_and_rebuilds() {
        let cache = TransportCache::default();
        let p = policy();
        let a = cache
            .get(&conn("bearer", &[("timeout", "1000")]), &p)
            .unwrap();
        let b = cache
            .get(&conn("bearer", &[("timeout", "1000"), ("token", "x")]), &p)
            .unwrap();
        assert!(Arc::ptr_eq(&a, &b), "non-transport inputs do not rebuild");
        let c = cache
            .get(&conn("bearer", &[("timeout", "2000")]), &p)
            .unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        let a2 = cache
            .get(&conn("bearer", &[("timeout", "1000")]), &p)
            .unwrap();
        assert!(Arc::ptr_eq(&a, &a2), "both variants stay pooled");
        cache.evict("c1");
        let a3 = cache
            .get(&conn("bearer", &[("timeout", "1000")]), &p)
            .unwrap();
        assert!(!Arc::ptr_eq(&a, &a3));
    }

    #[test]
    fn insecure_tls_warns() {
        let t = build_transport(&conn("basic", &[("rejectUnauthorized", "false")])).unwrap();
        assert_eq!(t.warnings, vec![INSECURE_TLS_WARNING.to_string()]);
        let t = build_transport(&conn("basic", &[])).unwrap();
        assert!(t.warnings.is_empty());
    }

    #[test]
    fn bad_inputs_are_clear_errors() {
        let e = build_transport(&conn("basic", &[("timeout", "soon")])).unwrap_err();
        assert!(e.to_string().contains("timeout"), "{e}");
        let e = build_transport(&conn("basic", &[("ca", "not pem")])).unwrap_err();
        assert!(e.to_string().contains("`ca`"), "{e}");
        let e = build_transport(&conn("mutualTls", &[])).unwrap_err();
        assert!(e.to_string().contains("certificate"), "{e}");
        let e = build_transport(&conn("basic", &[("proxyUrl", "::nope")])).unwrap_err();
        assert!(e.to_string().contains("proxyUrl"), "{e}");
        let garbage = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
        let e = build_transport(&conn(
            "mutualTls",
            &[("certificate", garbage), ("key", garbage)],
        ))
        .unwrap_err();
        assert!(e.to_string().contains("certificate"), "{e}");
    }
}
