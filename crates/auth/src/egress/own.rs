//! The addresses a listening server can be reached at, for the built-in "this server's own
//! address" deny.
//!
//! A server listening on one address is reached there. A server listening on `0.0.0.0` or `::`
//! is reached at every address of the machine: loopback (`127.0.0.0/8`, `::1`) and the address
//! of every local interface that can be found (on Linux from `/proc/net/fib_trie` and
//! `/proc/net/if_inet6`; elsewhere the addresses of the default routes).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use super::rules::Net;

/// The blocks that reach a server listening on `listen` (on its port).
pub(crate) fn reaching(listen: SocketAddr) -> Vec<Net> {
    let ip = listen.ip();
    if !ip.is_unspecified() {
        return vec![Net::host(ip)];
    }
    let mut nets = Vec::new();
    nets.extend(Net::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)), 8));
    nets.push(Net::host(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    for local in local_addresses() {
        let net = Net::host(local);
        if !nets.iter().any(|n| n.contains(local)) {
            nets.push(net);
        }
    }
    nets
}

/// The machine's own addresses that can be found without privileges.
fn local_addresses() -> Vec<IpAddr> {
    let mut out = Vec::new();
    if let Ok(text) = std::fs::read_to_string("/proc/net/fib_trie") {
        out.extend(parse_fib_trie(&text));
    }
    if let Ok(text) = std::fs::read_to_string("/proc/net/if_inet6") {
        out.extend(parse_if_inet6(&text));
    }
    // The source address of the default routes (a UDP "connect" sends nothing).
    for (bind, probe) in [("0.0.0.0:0", "192.0.2.1:9"), ("[::]:0", "[2001:db8::1]:9")] {
        if let Some(ip) = UdpSocket::bind(bind)
            .and_then(|s| s.connect(probe).and_then(|()| s.local_addr()))
            .ok()
            .map(|a| a.ip())
        {
            out.push(ip);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The `LOCAL` host addresses of `/proc/net/fib_trie` (a line `|-- a.b.c.d` followed by a
/// line `/32 host LOCAL`).
pub(crate) fn parse_fib_trie(text: &str) -> Vec<IpAddr> {
    let mut out = Vec::new();
    let mut last: Option<Ipv4Addr> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("|-- ") {
            last = addr.trim().parse().ok();
        } else if t.starts_with("/32 host LOCAL") {
            if let Some(ip) = last.take() {
                out.push(IpAddr::V4(ip));
            }
        }
    }
    out
}

/// The addresses of `/proc/net/if_inet6` (32 hex digits at the start of each line).
pub(crate) fn parse_if_inet6(text: &str) -> Vec<IpAddr> {
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|hex| hex.len() == 32)
        .filter_map(|hex| u128::from_str_radix(hex, 16).ok())
        .map(|bits| IpAddr::V6(Ipv6Addr::from(bits)))
        .collect()
}
