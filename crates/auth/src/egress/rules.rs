//! Egress rules: their syntax and how a destination matches them.
//!
//! A rule is one of:
//! - an address or CIDR block, IPv4 or IPv6: `10.0.0.0/8`, `127.0.0.2`, `fc00::/7`, `::1`;
//! - the same narrowed to one port: `10.0.0.5:5432`, `10.0.0.0/8:5432`, `[::1]:8080`,
//!   `[fd00::/8]:443` (IPv6 in brackets);
//! - a host name: `example.com` (that name only) or `*.example.com` (every name under it).
//!
//! IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) are the IPv4 address, in rules and in
//! destinations. A destination of `0.0.0.0` or `::` (which reaches this machine) counts as
//! loopback (`127.0.0.1`, `::1`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address block (network order bits with a prefix length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Net {
    /// IPv4 block.
    V4 { bits: u32, prefix: u8 },
    /// IPv6 block.
    V6 { bits: u128, prefix: u8 },
}

fn mask32(prefix: u8) -> u32 {
    match prefix {
        0 => 0,
        p => u32::MAX << (32 - u32::from(p.min(32))),
    }
}

fn mask128(prefix: u8) -> u128 {
    match prefix {
        0 => 0,
        p => u128::MAX << (128 - u32::from(p.min(128))),
    }
}

impl Net {
    /// The block `ip/prefix` (host bits cleared); `None` when the prefix is too long.
    /// IPv4-mapped IPv6 blocks (`::ffff:a.b.c.d/96+n`) become IPv4 blocks.
    pub(crate) fn new(ip: IpAddr, prefix: u8) -> Option<Net> {
        match ip {
            IpAddr::V4(v4) => (prefix <= 32).then(|| Net::V4 {
                bits: u32::from(v4) & mask32(prefix),
                prefix,
            }),
            IpAddr::V6(v6) => {
                if prefix > 128 {
                    return None;
                }
                if let (Some(v4), true) = (v6.to_ipv4_mapped(), prefix >= 96) {
                    return Net::new(IpAddr::V4(v4), prefix - 96);
                }
                Some(Net::V6 {
                    bits: u128::from(v6) & mask128(prefix),
                    prefix,
                })
            }
        }
    }

    /// The block holding exactly `ip`.
    pub(crate) fn host(ip: IpAddr) -> Net {
        match normalize(ip) {
            IpAddr::V4(v4) => Net::V4 {
                bits: u32::from(v4),
                prefix: 32,
            },
            IpAddr::V6(v6) => Net::V6 {
                bits: u128::from(v6),
                prefix: 128,
            },
        }
    }

    /// Whether the (normalized) address is in the block.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        match (self, normalize(ip)) {
            (Net::V4 { bits, prefix }, IpAddr::V4(v4)) => u32::from(v4) & mask32(*prefix) == *bits,
            (Net::V6 { bits, prefix }, IpAddr::V6(v6)) => {
                u128::from(v6) & mask128(*prefix) == *bits
            }
            _ => false,
        }
    }
}

/// A destination address as rules see it: IPv4-mapped IPv6 is IPv4, and the unspecified
/// addresses (which connect to this machine) are loopback.
pub(crate) fn normalize(ip: IpAddr) -> IpAddr {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => other,
    }
}

/// A host name pattern (lowercase, without a trailing dot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostPattern {
    /// This name only.
    Exact(String),
    /// Every name ending in `.{suffix}` (not the suffix itself).
    Under(String),
}

impl HostPattern {
    /// Whether a (normalized, see [`normalize_name`]) host name matches.
    pub(crate) fn matches(&self, name: &str) -> bool {
        match self {
            HostPattern::Exact(n) => name == n,
            HostPattern::Under(suffix) => name
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        }
    }
}

/// A host name as rules compare it: lowercase, without a trailing dot.
pub(crate) fn normalize_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// One parsed rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    /// An address block, on every port or on one.
    Net { net: Net, port: Option<u16> },
    /// A host name pattern (every port).
    Host(HostPattern),
}

impl Rule {
    /// Whether the rule names a port.
    pub(crate) fn has_port(&self) -> bool {
        matches!(self, Rule::Net { port: Some(_), .. })
    }

    /// Whether the rule matches address `ip` on `port` (`None`: the port is not known, so
    /// only rules without a port can match).
    pub(crate) fn matches_addr(&self, ip: IpAddr, port: Option<u16>) -> bool {
        match self {
            Rule::Net { net, port: None } => net.contains(ip),
            Rule::Net { net, port: Some(p) } => port == Some(*p) && net.contains(ip),
            Rule::Host(_) => false,
        }
    }

    /// Whether the rule matches host name `name` (normalized).
    pub(crate) fn matches_name(&self, name: &str) -> bool {
        match self {
            Rule::Host(h) => h.matches(name),
            Rule::Net { .. } => false,
        }
    }
}

/// Whether a text is made of what IPv4 addresses are made of (so it is not a host name).
fn looks_numeric(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '/')
}

fn parse_port(s: &str) -> Result<u16, String> {
    match s.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!("`{s}` is not a port (1-65535)")),
    }
}

/// `addr` or `addr/prefix`.
fn parse_net(s: &str) -> Result<Net, String> {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("`{addr}` is not an IPv4 or IPv6 address"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) => p
            .parse::<u8>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| format!("`/{p}` is not a prefix length (0-{max})"))?,
    };
    Net::new(ip, prefix).ok_or_else(|| format!("`/{prefix}` is too long"))
}

fn parse_host(s: &str) -> Result<HostPattern, String> {
    let name = normalize_name(s);
    let (under, body) = match name.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, name.as_str()),
    };
    if body.is_empty() || body.len() > 253 {
        return Err("is not a host name".into());
    }
    for label in body.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err("is not a host name (empty or too long label)".into());
        }
        if label.contains('*') {
            return Err("`*` is only allowed as a leading `*.`".into());
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err("is not a host name (letters, digits, `-` and `.` only)".into());
        }
    }
    let body = body.to_string();
    Ok(if under {
        HostPattern::Under(body)
    } else {
        HostPattern::Exact(body)
    })
}

/// Parses one rule; the error says why (the caller names the flag and the entry).
pub(crate) fn parse(text: &str) -> Result<Rule, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is empty".into());
    }
    if t == "*" {
        return Err("`*` alone is no entry: every address is `0.0.0.0/0,::/0`".into());
    }
    if let Some(rest) = t.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or("has a `[` without its `]`")?;
        let port = match after {
            "" => None,
            p => Some(parse_port(
                p.strip_prefix(':').ok_or("expected `:port` after `]`")?,
            )?),
        };
        return Ok(Rule::Net {
            net: parse_net(inside)?,
            port,
        });
    }
    if let Ok(net) = parse_net(t) {
        return Ok(Rule::Net { net, port: None });
    }
    if let Some((left, port)) = t.split_once(':').filter(|_| t.matches(':').count() == 1) {
        if looks_numeric(left) {
            return Ok(Rule::Net {
                net: parse_net(left)?,
                port: Some(parse_port(port)?),
            });
        }
        return Err("host name entries take no port (write the name alone)".into());
    }
    if t.contains(':') {
        // Neither an IPv6 address nor CIDR: say what is wrong with it as one.
        let why = parse_net(t).err().unwrap_or_default();
        return Err(format!(
            "{why} (write an IPv6 address with a port as `[address]:port`)"
        ));
    }
    if looks_numeric(t) {
        return Err(parse_net(t).err().unwrap_or_else(|| "is not valid".into()));
    }
    parse_host(t).map(Rule::Host)
}
