//! Syslog export of model integrations' log lines: RFC 5424 messages over UDP (one datagram
//! each, RFC 5426) or TCP (octet-counted frames, RFC 6587). One sender task per target,
//! started on first use; a line that cannot be sent is dropped (logging never fails a call)
//! and the drop is noted in the server log. Targets are checked against the egress policy.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use plumb_models::configuration::{LogLevel, Syslog, SyslogProtocol};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// Lines a sender task may hold before new ones are dropped.
const QUEUE: usize = 1024;

type Key = (String, u32, SyslogProtocol);

/// The sender tasks, by target.
#[derive(Default)]
pub struct Syslogs {
    senders: Mutex<HashMap<Key, mpsc::Sender<Vec<u8>>>>,
}

/// The RFC 5424 severity of a level.
fn severity(level: LogLevel) -> u8 {
    match level {
        LogLevel::Error => 3,
        LogLevel::Warn => 4,
        LogLevel::Info => 6,
        _ => 7,
    }
}

/// Printable US-ASCII without spaces, at most `max` characters (RFC 5424 header fields).
fn header_field(text: &str, max: usize) -> String {
    let s: String = text
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

/// One RFC 5424 message.
pub fn format_line(facility: u8, level: LogLevel, integration: &str, message: &str) -> String {
    let pri = u16::from(facility) * 8 + u16::from(severity(level));
    let ts = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let host = header_field(
        &std::env::var("HOSTNAME").unwrap_or_else(|_| "plumb".into()),
        255,
    );
    let escaped = integration
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace(']', "\\]");
    format!(
        "<{pri}>1 {ts} {host} plumb {} {} [plumb@32473 integration=\"{escaped}\" level=\"{}\"] {message}",
        std::process::id(),
        header_field(integration, 32),
        level.as_str(),
    )
}

impl Syslogs {
    /// Queues one line for `target` (never blocks; dropped when the queue is full).
    pub fn send(&self, target: &Syslog, level: LogLevel, integration: &str, message: &str) {
        let line = format_line(target.facility_code(), level, integration, message);
        let key = (target.host.clone(), target.port, target.protocol);
        let mut senders = self.senders.lock().unwrap_or_else(|e| e.into_inner());
        let sender = match senders.get(&key) {
            Some(s) if !s.is_closed() => s.clone(),
            _ => {
                let Ok(handle) = tokio::runtime::Handle::try_current() else {
                    return;
                };
                let (tx, rx) = mpsc::channel(QUEUE);
                handle.spawn(run(key.clone(), rx));
                senders.insert(key, tx.clone());
                tx
            }
        };
        if sender.try_send(line.into_bytes()).is_err() {
            tracing::warn!(integration, "a syslog line was dropped (queue full)");
        }
    }
}

async fn resolve(host: &str, port: u32) -> Option<SocketAddr> {
    let port = u16::try_from(port).ok()?;
    let policy = plumb_auth::egress::installed();
    if let Err(denied) = policy.check_name(host) {
        tracing::warn!(host, %denied, "syslog target refused by the egress policy");
        return None;
    }
    let addr = tokio::net::lookup_host((host, port)).await.ok()?.next()?;
    if let Err(denied) = policy.check_socket(addr) {
        tracing::warn!(host, %denied, "syslog target refused by the egress policy");
        return None;
    }
    Some(addr)
}

async fn run(key: Key, mut rx: mpsc::Receiver<Vec<u8>>) {
    let (host, port, protocol) = key;
    let Some(addr) = resolve(&host, port).await else {
        return;
    };
    match protocol {
        SyslogProtocol::Udp => {
            let bind = if addr.is_ipv4() {
                "0.0.0.0:0"
            } else {
                "[::]:0"
            };
            let Ok(socket) = tokio::net::UdpSocket::bind(bind).await else {
                return;
            };
            while let Some(line) = rx.recv().await {
                if let Err(e) = socket.send_to(&line, addr).await {
                    tracing::warn!(%addr, error = %e, "a syslog line was not sent");
                }
            }
        }
        SyslogProtocol::Tcp => {
            let mut stream: Option<tokio::net::TcpStream> = None;
            while let Some(line) = rx.recv().await {
                let mut frame = format!("{} ", line.len()).into_bytes();
                frame.extend_from_slice(&line);
                for _attempt in 0..2 {
                    if stream.is_none() {
                        stream = tokio::net::TcpStream::connect(addr).await.ok();
                    }
                    let Some(s) = stream.as_mut() else { break };
                    if s.write_all(&frame).await.is_ok() {
                        break;
                    }
                    stream = None;
                }
                if stream.is_none() {
                    tracing::warn!(%addr, "a syslog line was not sent (no connection)");
                }
            }
        }
    }
}
