use std::net::{IpAddr, SocketAddr};

use reqwest::Url;

use super::own::{parse_fib_trie, parse_if_inet6};
use super::rules::{parse, HostPattern, Net, Rule};
use super::*;

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn policy(deny: &[&str], allow: &[&str]) -> EgressPolicy {
    EgressPolicy::builtin()
        .deny("--egress-deny", &strings(deny))
        .unwrap()
        .allow("--egress-allow", &strings(allow))
        .unwrap()
}

fn sock(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

#[test]
fn parses_addresses_blocks_ports_and_names() {
    let net = |s: &str, p: u8| Net::new(ip(s), p).unwrap();
    let cases: Vec<(&str, Rule)> = vec![
        (
            "127.0.0.2",
            Rule::Net {
                net: net("127.0.0.2", 32),
                port: None,
            },
        ),
        (
            " 10.0.0.0/8 ",
            Rule::Net {
                net: net("10.0.0.0", 8),
                port: None,
            },
        ),
        (
            "10.1.2.3/8",
            Rule::Net {
                net: net("10.0.0.0", 8),
                port: None,
            },
        ),
        (
            "10.0.0.5:5432",
            Rule::Net {
                net: net("10.0.0.5", 32),
                port: Some(5432),
            },
        ),
        (
            "10.0.0.0/8:5432",
            Rule::Net {
                net: net("10.0.0.0", 8),
                port: Some(5432),
            },
        ),
        (
            "fc00::/7",
            Rule::Net {
                net: net("fc00::", 7),
                port: None,
            },
        ),
        (
            "::1",
            Rule::Net {
                net: net("::1", 128),
                port: None,
            },
        ),
        (
            "[::1]:8080",
            Rule::Net {
                net: net("::1", 128),
                port: Some(8080),
            },
        ),
        (
            "[fd00::/8]:443",
            Rule::Net {
                net: net("fd00::", 8),
                port: Some(443),
            },
        ),
        (
            "::ffff:127.0.0.1",
            Rule::Net {
                net: net("127.0.0.1", 32),
                port: None,
            },
        ),
        (
            "Example.COM.",
            Rule::Host(HostPattern::Exact("example.com".into())),
        ),
        (
            "*.example.com",
            Rule::Host(HostPattern::Under("example.com".into())),
        ),
        (
            "localhost",
            Rule::Host(HostPattern::Exact("localhost".into())),
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse(text), Ok(want), "{text}");
    }
}

#[test]
fn bad_entries_are_clear_errors_naming_the_flag_and_the_entry() {
    let cases = [
        ("300.1.1.1", "not an IPv4 or IPv6 address"),
        ("10.0.0.0/33", "prefix length (0-32)"),
        ("fc00::/129", "prefix length (0-128)"),
        ("10.0.0.1:0", "not a port"),
        ("10.0.0.1:99999", "not a port"),
        ("[::1", "without its `]`"),
        ("[::1]8080", "`:port` after `]`"),
        ("example.com:443", "host name entries take no port"),
        ("fe80::zz", "[address]:port"),
        ("a.*.example.com", "leading `*.`"),
        ("*", "`0.0.0.0/0,::/0`"),
        ("exa mple.com", "not a host name"),
        ("http://example.com", "host name entries take no port"),
    ];
    for (text, why) in cases {
        let err = EgressPolicy::builtin()
            .deny("--egress-deny", &strings(&["127.0.0.2", text]))
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("--egress-deny: `"), "{text}: {msg}");
        assert!(msg.contains(&format!("`{}`", text.trim())), "{text}: {msg}");
        assert!(msg.contains(why), "{text}: {msg}");
    }
    let err = EgressPolicy::builtin()
        .allow("--egress-allow", &strings(&["10.0.0.0/99"]))
        .unwrap_err();
    assert_eq!(err.label, "--egress-allow");
    // Empty entries (a trailing comma) are skipped, not errors.
    assert!(EgressPolicy::builtin()
        .deny("--egress-deny", &strings(&["127.0.0.2", " ", ""]))
        .is_ok());
}

#[test]
fn addresses_match_blocks_ports_and_mapped_forms() {
    let p = policy(
        &["127.0.0.2", "10.0.0.0/8:5432", "[::1]:9000", "fc00::/7"],
        &[],
    );
    let refused = |s: &str| p.check_socket(sock(s)).is_err();
    assert!(refused("127.0.0.2:80"));
    assert!(refused("127.0.0.2:8080"));
    assert!(!refused("127.0.0.1:8080"));
    assert!(!refused("127.0.0.3:8080"));
    assert!(refused("10.9.8.7:5432"));
    assert!(!refused("10.9.8.7:5433"));
    assert!(!refused("11.0.0.1:5432"));
    assert!(refused("[::1]:9000"));
    assert!(!refused("[::1]:9001"));
    assert!(refused("[fd12::1]:443"));
    assert!(!refused("[2001:db8::1]:443"));
    // IPv4-mapped IPv6 is the IPv4 address.
    assert!(refused("[::ffff:127.0.0.2]:80"));
    assert!(refused("[::ffff:10.0.0.1]:5432"));
    // Built in: link-local and metadata.
    assert!(refused("169.254.169.254:80"));
    assert!(refused("[fd00:ec2::254]:80"));
    assert!(refused("[fe80::1]:80"));
    assert!(refused("[::ffff:169.254.169.254]:80"));
    let e = p.check_socket(sock("127.0.0.2:8080")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "egress policy refused 127.0.0.2:8080 (denied by --egress-deny 127.0.0.2)"
    );
    let e = p.check_socket(sock("169.254.169.254:80")).unwrap_err();
    assert_eq!(
        e.reason,
        "built-in deny: link-local and cloud metadata addresses"
    );
    // Without entries, nothing is refused.
    assert!(EgressPolicy::allow_all()
        .check_socket(sock("169.254.169.254:80"))
        .is_ok());
}

#[test]
fn urls_are_checked_in_every_spelling_of_an_address() {
    let p = policy(&["127.0.0.1:8080"], &[]);
    for u in [
        "http://127.0.0.1:8080/metrics",
        "http://2130706433:8080/",
        "http://0x7f.1:8080/",
        "http://[::ffff:127.0.0.1]:8080/",
        "http://0.0.0.0:8080/",
        "http://0:8080/",
    ] {
        let e = p.check_url(&url(u)).unwrap_err();
        assert_eq!(e.target, "127.0.0.1:8080", "{u}");
    }
    assert!(p.check_url(&url("http://127.0.0.1:8081/")).is_ok());
    // The scheme's default port counts.
    let p = policy(&["127.0.0.1:443"], &[]);
    assert!(p.check_url(&url("https://127.0.0.1/")).is_err());
    assert!(p.check_url(&url("http://127.0.0.1/")).is_ok());
    // A name is checked against name entries (its addresses when they are resolved).
    let p = policy(&["*.internal.example", "metadata.google.internal"], &[]);
    assert!(p.check_url(&url("http://db.internal.example/")).is_err());
    assert!(p.check_url(&url("http://a.b.internal.example/")).is_err());
    assert!(p.check_url(&url("http://internal.example/")).is_ok());
    assert!(p
        .check_url(&url("http://METADATA.google.internal./"))
        .is_err());
    assert!(p.check_url(&url("http://example.com/")).is_ok());
}

#[test]
fn allow_entries_are_exceptions_to_deny_entries() {
    // Allow-list mode: everything denied but what is allowed.
    let p = policy(
        &["0.0.0.0/0", "::/0"],
        &["127.0.0.1:9000", "api.example.com", "10.1.0.0/16"],
    );
    assert!(p.check_socket(sock("127.0.0.1:9000")).is_ok());
    assert!(p.check_socket(sock("127.0.0.1:9001")).is_err());
    assert!(p.check_socket(sock("10.1.2.3:443")).is_ok());
    assert!(p.check_socket(sock("8.8.8.8:443")).is_err());
    assert!(p.check_socket(sock("[2001:db8::1]:443")).is_err());
    // A name allowed by name is allowed whatever it resolves to; others only at allowed
    // addresses.
    assert!(p
        .check_resolved("api.example.com", ip("93.184.216.34"))
        .is_ok());
    assert!(p
        .check_resolved("other.example.com", ip("93.184.216.34"))
        .is_err());
    assert!(p
        .check_resolved("other.example.com", ip("10.1.9.9"))
        .is_ok());
    // A port-specific allow cannot be honoured on a DNS answer (no port there).
    assert!(p.check_resolved("localhost", ip("127.0.0.1")).is_err());
    // Allow entries lift the built-in entries too.
    let p = policy(&[], &["169.254.169.254"]);
    assert!(p.check_socket(sock("169.254.169.254:80")).is_ok());
    assert!(p.check_socket(sock("169.254.1.1:80")).is_err());
    // A denied name is only lifted by a name allow entry.
    let p = policy(&["*.example.com"], &["ok.example.com"]);
    assert!(p.check_name("bad.example.com").is_err());
    assert!(p.check_name("ok.example.com").is_ok());
    assert!(p.check_resolved("bad.example.com", ip("1.2.3.4")).is_err());
}

#[test]
fn dns_answers_are_checked_without_a_port_and_connected_peers_with_one() {
    let p = policy(&["127.0.0.2", "127.0.0.1:8080"], &[]);
    let e = p.check_resolved("localhost", ip("127.0.0.2")).unwrap_err();
    assert_eq!(e.target, "localhost (127.0.0.2)");
    assert!(p
        .check_resolved("evil.example", ip("::ffff:127.0.0.2"))
        .is_err());
    // The port-specific entry cannot be checked on the answer...
    assert!(p.check_resolved("localhost", ip("127.0.0.1")).is_ok());
    // ...it is checked on the connected socket, where port-less entries are not (they were
    // checked on the answer or the URL, where a name allow entry can lift them).
    let e = p.check_peer(sock("127.0.0.1:8080")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "egress policy refused 127.0.0.1:8080 (denied by --egress-deny 127.0.0.1:8080)"
    );
    assert!(p.check_peer(sock("127.0.0.1:8081")).is_ok());
    assert!(p.check_peer(sock("127.0.0.2:80")).is_ok());
    let p = policy(&["127.0.0.1:8080"], &["127.0.0.0/8"]);
    assert!(p.check_peer(sock("127.0.0.1:8080")).is_ok());
}

#[test]
fn the_own_address_is_denied_on_its_port() {
    let p = EgressPolicy::builtin().deny_own_address(sock("127.0.0.1:8080"));
    let e = p.check_socket(sock("127.0.0.1:8080")).unwrap_err();
    assert_eq!(e.reason, "built-in deny: this server's own address");
    assert!(p.check_peer(sock("127.0.0.1:8080")).is_err());
    assert!(p.check_socket(sock("127.0.0.1:8081")).is_ok());
    assert!(p.check_socket(sock("127.0.0.2:8080")).is_ok());
    assert!(p.check_url(&url("http://0.0.0.0:8080/")).is_err());
    // Listening everywhere: every loopback address (both families) on that port.
    let p = EgressPolicy::builtin().deny_own_address(sock("0.0.0.0:9090"));
    for s in [
        "127.0.0.1:9090",
        "127.0.0.2:9090",
        "[::1]:9090",
        "[::ffff:127.0.0.9]:9090",
    ] {
        assert!(p.check_socket(sock(s)).is_err(), "{s}");
    }
    assert!(p.check_socket(sock("127.0.0.1:9091")).is_ok());
    let p = EgressPolicy::builtin().deny_own_address(sock("[::]:9090"));
    assert!(p.check_socket(sock("127.0.0.1:9090")).is_err());
    assert!(p.check_socket(sock("[::1]:9090")).is_err());
    // Loopback in general is not denied by default.
    assert!(EgressPolicy::builtin()
        .check_socket(sock("127.0.0.1:5432"))
        .is_ok());
}

#[test]
fn local_addresses_are_read_from_proc() {
    let fib = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n     \
               +-- 10.0.0.0/24 2 0 2\n        |-- 10.0.0.0\n           /24 link UNICAST\n        \
               |-- 10.0.0.7\n           /32 host LOCAL\n     |-- 127.0.0.1\n        /32 host LOCAL\n";
    assert_eq!(parse_fib_trie(fib), vec![ip("10.0.0.7"), ip("127.0.0.1")]);
    let inet6 = "00000000000000000000000000000001 01 80 10 80       lo\n\
                 fe800000000000000000000000000001 02 40 20 80     eth0\n";
    assert_eq!(parse_if_inet6(inet6), vec![ip("::1"), ip("fe80::1")]);
}

#[test]
fn refusals_are_found_in_error_chains() {
    #[derive(Debug)]
    struct Wrap(EgressDenied);
    impl std::fmt::Display for Wrap {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("wrapped")
        }
    }
    impl std::error::Error for Wrap {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    let denied = EgressDenied {
        target: "127.0.0.2:80".into(),
        reason: "denied by --egress-deny 127.0.0.2".into(),
    };
    assert_eq!(refusal_in(&Wrap(denied.clone())), Some(denied));
    assert_eq!(refusal_in(&std::fmt::Error), None);
}
