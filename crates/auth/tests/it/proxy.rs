//! A forward proxy with basic auth, written here with tokio: plain-HTTP requests in absolute
//! form are checked for `Proxy-Authorization`, then tunnelled to the target.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use plumb_auth::{AuthClient, RequestParts};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{conn, echo_server};

#[derive(Default)]
struct ProxyLog {
    accepted: AtomicUsize,
    refused: AtomicUsize,
    request_lines: Mutex<Vec<String>>,
}

async fn proxy(expected_auth: &'static str) -> (SocketAddr, Arc<ProxyLog>) {
    let log = Arc::new(ProxyLog::default());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let l2 = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let log = l2.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut b).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(b[0]);
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let first = text.lines().next().unwrap_or("").to_string();
                log.request_lines.lock().unwrap().push(first.clone());
                let authorized = text.lines().any(|l| {
                    l.to_ascii_lowercase().starts_with("proxy-authorization:")
                        && l.split_once(':').map(|x| x.1.trim()) == Some(expected_auth)
                });
                if !authorized {
                    log.refused.fetch_add(1, Ordering::SeqCst);
                    let _ = client
                        .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm=\"t\"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .await;
                    return;
                }
                log.accepted.fetch_add(1, Ordering::SeqCst);
                // "GET http://127.0.0.1:PORT/path HTTP/1.1"
                let target = first.split(' ').nth(1).unwrap_or("");
                let authority = target
                    .strip_prefix("http://")
                    .and_then(|r| r.split('/').next())
                    .unwrap_or("")
                    .to_string();
                let Ok(mut upstream) = TcpStream::connect(&authority).await else {
                    return;
                };
                let _ = upstream.write_all(&head).await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (addr, log)
}

#[tokio::test]
async fn requests_go_through_the_proxy_with_basic_auth() {
    let echo = echo_server().await;
    // base64("puser:ppass")
    let (paddr, log) = proxy("Basic cHVzZXI6cHBhc3M=").await;
    let auth = AuthClient::in_memory();
    let proxy_url = format!("http://{paddr}");
    let c = conn(
        "http",
        "bearer",
        &[
            ("token", "t"),
            ("proxyUrl", &proxy_url),
            ("proxyUsername", "puser"),
            ("proxyPassword", "ppass"),
        ],
    );
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{echo}/echo/via")))
        .await
        .unwrap();
    assert!(env.ok, "{env:?}");
    let body = env.body.unwrap();
    assert_eq!(body["path"], "/echo/via");
    assert_eq!(body["headers"]["authorization"], "Bearer t");
    assert_eq!(log.accepted.load(Ordering::SeqCst), 1);
    assert!(
        log.request_lines.lock().unwrap()[0].starts_with(&format!("GET http://{echo}/echo/via"))
    );

    // Wrong proxy password: the proxy's 407 comes back as the envelope.
    let c = conn(
        "http",
        "none",
        &[
            ("proxyUrl", &proxy_url),
            ("proxyUsername", "puser"),
            ("proxyPassword", "nope"),
        ],
    );
    let env = auth
        .send(&c, &RequestParts::get(format!("http://{echo}/echo")))
        .await
        .unwrap();
    assert_eq!(env.status, 407);
    assert_eq!(log.refused.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn unreachable_proxy_is_a_clear_error() {
    let auth = AuthClient::in_memory();
    let port = crate::support::closed_port();
    let c = conn(
        "http",
        "none",
        &[
            ("proxyUrl", &format!("http://127.0.0.1:{port}")),
            ("proxyUsername", "u"),
            ("proxyPassword", "SECRETPW"),
        ],
    );
    let err = auth
        .send(&c, &RequestParts::get("http://127.0.0.1:1/x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("failed"), "{err}");
    assert!(!err.to_string().contains("SECRETPW"));
}
