//! The egress policy: which destinations outbound calls (HTTP steps, token endpoints, S3,
//! Salesforce) may reach.
//!
//! A destination is refused when a **deny** entry matches it and no **allow** entry does (allow
//! entries are exceptions to deny entries, built-in ones included). Entries are addresses or
//! CIDR blocks, optionally on one port, or host names (see [`rules`] for the syntax). Built in:
//! link-local and cloud metadata addresses (`169.254.0.0/16`, `fe80::/10`, `fd00:ec2::254`,
//! `100.100.100.200`) and, when the server gives it, its own listen address
//! ([`EgressPolicy::deny_own_address`]).
//!
//! Where it is checked (see [`guard`]): on every URL before it is sent and on every redirect
//! ([`EgressPolicy::check_url`]: an IP literal fully, a host name against the host-name entries);
//! on the answers of DNS ([`EgressPolicy::check_resolved`]: denied addresses are dropped, so a
//! name that resolves (or re-resolves) to a denied address is refused); and on the connected
//! socket before a byte is written ([`EgressPolicy::check_peer`]: the entries with a port,
//! which DNS answers cannot be checked against).
//!
//! One policy per process: the server [`install`]s it at start; every [`crate::AuthClient`]
//! made afterwards uses it ([`installed`]); tests give one to
//! [`crate::AuthClient::with_egress`].

pub mod guard;
mod own;
pub(crate) mod rules;

#[cfg(test)]
mod tests;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

use reqwest::Url;

pub use guard::{guard, refusal_in, EgressClient, SendError};
use rules::{normalize, normalize_name, Rule};

/// Why an entry is in the policy (shown in refusals).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// Given by the operator: the flag's name and the entry's text.
    Given { label: String, text: String },
    /// Built in: what it protects.
    BuiltIn(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Given { label, text } => write!(f, "denied by {label} {text}"),
            Origin::BuiltIn(what) => write!(f, "built-in deny: {what}"),
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    rule: Rule,
    origin: Origin,
}

/// A refused destination. Safe to show: a host and port, and the entry that refused it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("egress policy refused {target} ({reason})")]
pub struct EgressDenied {
    /// The destination: `address:port`, a host name, or `name (address)`.
    pub target: String,
    /// The entry: `denied by --egress-deny 127.0.0.2`, `built-in deny: ...`.
    pub reason: String,
}

/// A bad entry in a rule list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{label}: `{entry}` is not a valid egress entry: {reason}")]
pub struct EgressRuleError {
    /// The flag (or setting) the entry came from.
    pub label: String,
    /// The entry as given.
    pub entry: String,
    /// What is wrong with it.
    pub reason: String,
}

/// What the built-in entries protect.
const METADATA: &str = "link-local and cloud metadata addresses";
/// The built-in entry for the server's own address.
const OWN: &str = "this server's own address";

/// Which destinations outbound calls may reach. Cheap to share behind an [`Arc`].
#[derive(Debug, Clone)]
pub struct EgressPolicy {
    deny: Vec<Entry>,
    allow: Vec<Entry>,
}

impl Default for EgressPolicy {
    fn default() -> Self {
        Self::builtin()
    }
}

impl EgressPolicy {
    /// The built-in entries only: link-local and cloud metadata addresses denied.
    pub fn builtin() -> Self {
        let deny = [
            "169.254.0.0/16",
            "fe80::/10",
            "fd00:ec2::254",
            "100.100.100.200",
        ]
        .iter()
        .filter_map(|t| rules::parse(t).ok())
        .map(|rule| Entry {
            rule,
            origin: Origin::BuiltIn(METADATA),
        })
        .collect();
        EgressPolicy {
            deny,
            allow: Vec::new(),
        }
    }

    /// A policy that refuses nothing (no entry at all, not even the built-in ones).
    pub fn allow_all() -> Self {
        EgressPolicy {
            deny: Vec::new(),
            allow: Vec::new(),
        }
    }

    fn parse_all(label: &str, entries: &[String]) -> Result<Vec<Entry>, EgressRuleError> {
        entries
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .map(|text| {
                rules::parse(text)
                    .map(|rule| Entry {
                        rule,
                        origin: Origin::Given {
                            label: label.to_string(),
                            text: text.to_string(),
                        },
                    })
                    .map_err(|reason| EgressRuleError {
                        label: label.to_string(),
                        entry: text.to_string(),
                        reason,
                    })
            })
            .collect()
    }

    /// Adds deny entries; `label` (the flag, e.g. `--egress-deny`) names them in errors and
    /// refusals. Empty entries are skipped.
    pub fn deny(mut self, label: &str, entries: &[String]) -> Result<Self, EgressRuleError> {
        self.deny.extend(Self::parse_all(label, entries)?);
        Ok(self)
    }

    /// Adds allow entries (exceptions to every deny entry, built-in ones included).
    pub fn allow(mut self, label: &str, entries: &[String]) -> Result<Self, EgressRuleError> {
        self.allow.extend(Self::parse_all(label, entries)?);
        Ok(self)
    }

    /// Denies the addresses a server listening on `listen` is reached at, on its port: that
    /// address, or for `0.0.0.0` / `::` loopback and every local interface address found.
    pub fn deny_own_address(mut self, listen: SocketAddr) -> Self {
        for net in own::reaching(listen) {
            self.deny.push(Entry {
                rule: Rule::Net {
                    net,
                    port: Some(listen.port()),
                },
                origin: Origin::BuiltIn(OWN),
            });
        }
        self
    }

    fn allowed_addr(&self, ip: IpAddr, port: Option<u16>) -> bool {
        self.allow.iter().any(|e| e.rule.matches_addr(ip, port))
    }

    fn allowed_name(&self, name: &str) -> bool {
        self.allow.iter().any(|e| e.rule.matches_name(name))
    }

    fn refuse(target: String, entry: &Entry) -> EgressDenied {
        EgressDenied {
            target,
            reason: entry.origin.to_string(),
        }
    }

    /// Checks an address and port known before connecting (an IP literal in a URL): refused
    /// when an address entry denies it and no address entry allows it.
    pub fn check_socket(&self, addr: SocketAddr) -> Result<(), EgressDenied> {
        let (ip, port) = (normalize(addr.ip()), Some(addr.port()));
        match self.deny.iter().find(|e| e.rule.matches_addr(ip, port)) {
            Some(entry) if !self.allowed_addr(ip, port) => Err(Self::refuse(
                SocketAddr::new(ip, addr.port()).to_string(),
                entry,
            )),
            _ => Ok(()),
        }
    }

    /// Checks a host name before it is resolved: refused when a host-name entry denies it and
    /// no host-name entry allows it.
    pub fn check_name(&self, name: &str) -> Result<(), EgressDenied> {
        let name = normalize_name(name);
        match self.deny.iter().find(|e| e.rule.matches_name(&name)) {
            Some(entry) if !self.allowed_name(&name) => Err(Self::refuse(name, entry)),
            _ => Ok(()),
        }
    }

    /// Checks a DNS answer: `name` resolved to `ip`, the port not known. Refused when the name
    /// is denied ([`EgressPolicy::check_name`]), or when an address entry without a port denies
    /// the address and neither an allow entry for the name nor one for the address (without a
    /// port) matches.
    pub fn check_resolved(&self, name: &str, ip: IpAddr) -> Result<(), EgressDenied> {
        self.check_name(name)?;
        let name = normalize_name(name);
        let ip = normalize(ip);
        match self.deny.iter().find(|e| e.rule.matches_addr(ip, None)) {
            Some(entry) if !self.allowed_name(&name) && !self.allowed_addr(ip, None) => {
                Err(Self::refuse(format!("{name} ({ip})"), entry))
            }
            _ => Ok(()),
        }
    }

    /// Checks a connected socket's peer before anything is sent: refused when an address entry
    /// **with a port** denies it and no address entry allows it. (Entries without a port were
    /// checked on the URL or on the DNS answer, where a host-name allow entry can lift them.)
    pub fn check_peer(&self, addr: SocketAddr) -> Result<(), EgressDenied> {
        let (ip, port) = (normalize(addr.ip()), Some(addr.port()));
        let denied = self
            .deny
            .iter()
            .find(|e| e.rule.has_port() && e.rule.matches_addr(ip, port));
        match denied {
            Some(entry) if !self.allowed_addr(ip, port) => Err(Self::refuse(
                SocketAddr::new(ip, addr.port()).to_string(),
                entry,
            )),
            _ => Ok(()),
        }
    }

    /// Checks a URL before it is sent (or followed): an IP-literal host with
    /// [`EgressPolicy::check_socket`] (the port being the URL's, or its scheme's default), a
    /// host name with [`EgressPolicy::check_name`] (its addresses are checked when resolved).
    pub fn check_url(&self, url: &Url) -> Result<(), EgressDenied> {
        let port = url.port_or_known_default().unwrap_or(0);
        match url.host() {
            Some(url::Host::Ipv4(v4)) => self.check_socket(SocketAddr::new(IpAddr::V4(v4), port)),
            Some(url::Host::Ipv6(v6)) => self.check_socket(SocketAddr::new(IpAddr::V6(v6), port)),
            Some(url::Host::Domain(name)) => match name.parse::<IpAddr>() {
                Ok(ip) => self.check_socket(SocketAddr::new(ip, port)),
                Err(_) => self.check_name(name),
            },
            None => Ok(()),
        }
    }
}

static INSTALLED: OnceLock<Arc<EgressPolicy>> = OnceLock::new();

/// The policy is already set for this process (it was installed, or already used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the egress policy of this process is already set")]
pub struct AlreadyInstalled;

/// Sets the process's policy; call it once at start, before any [`crate::AuthClient`] is made.
pub fn install(policy: EgressPolicy) -> Result<(), AlreadyInstalled> {
    INSTALLED
        .set(Arc::new(policy))
        .map_err(|_| AlreadyInstalled)
}

/// The process's policy: the [`install`]ed one, else the built-in entries
/// ([`EgressPolicy::builtin`]), which then stay the process's policy.
pub fn installed() -> Arc<EgressPolicy> {
    Arc::clone(INSTALLED.get_or_init(|| Arc::new(EgressPolicy::builtin())))
}
