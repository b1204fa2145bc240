//! TLS and mutual TLS against an in-test rustls server with `rcgen` certificates.

use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine;
use plumb_auth::{AuthClient, AuthError, RequestParts, INSECURE_TLS_WARNING};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::conn;

pub struct Pki {
    pub ca_pem: String,
    server_cert: CertificateDer<'static>,
    server_key: Vec<u8>,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

pub fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "plumb test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

    let server_key = KeyPair::generate().unwrap();
    let mut sp = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    sp.subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    let server_cert = sp.signed_by(&server_key, &ca).unwrap();

    let client_key = KeyPair::generate().unwrap();
    let mut cp = CertificateParams::new(Vec::<String>::new()).unwrap();
    cp.distinguished_name
        .push(DnType::CommonName, "plumb client");
    let client_cert = cp.signed_by(&client_key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        server_cert: server_cert.der().clone(),
        server_key: server_key.serialize_der(),
        client_cert_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A minimal HTTPS server answering every request with `{"tls":"ok"}`.
pub async fn tls_server(pki: &Pki, require_client_cert: bool) -> SocketAddr {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        for c in rustls_pemfile_certs(&pki.ca_pem) {
            roots.add(c).unwrap();
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(
            vec![pki.server_cert.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key.clone())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let has_client_cert = tls.get_ref().1.peer_certificates().is_some();
                let body = format!("{{\"tls\":\"ok\",\"clientCert\":{has_client_cert}}}");
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

fn rustls_pemfile_certs(pem: &str) -> Vec<CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .map(|c| c.unwrap())
        .collect()
}

fn data_url(pem: &str) -> String {
    format!(
        "data:application/x-pem-file;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(pem)
    )
}

#[tokio::test]
async fn unknown_ca_is_refused_unless_ca_given_or_verification_off() {
    let pki = pki();
    let addr = tls_server(&pki, false).await;
    let auth = AuthClient::in_memory();
    let url = format!("https://127.0.0.1:{}/x", addr.port());

    let err = auth
        .send(&conn("http", "none", &[]), &RequestParts::get(&url))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Transport { .. }), "{err}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );

    let c = conn("http", "none", &[("rejectUnauthorized", "false")]);
    let connected = auth.connect(&c).unwrap();
    assert_eq!(connected.warnings(), [INSECURE_TLS_WARNING.to_string()]);
    let env = connected.send(&RequestParts::get(&url)).await.unwrap();
    assert_eq!(env.body.unwrap()["tls"], "ok");

    let c = conn("http", "bearer", &[("token", "t"), ("ca", &pki.ca_pem)]);
    let connected = auth.connect(&c).unwrap();
    assert!(connected.warnings().is_empty());
    let env = connected.send(&RequestParts::get(&url)).await.unwrap();
    assert!(env.ok);
}

#[tokio::test]
async fn mutual_tls_rejects_without_client_cert_and_accepts_with_one() {
    let pki = pki();
    let addr = tls_server(&pki, true).await;
    let auth = AuthClient::in_memory();
    let url = format!("https://127.0.0.1:{}/x", addr.port());

    let c = conn("http", "none", &[("ca", &pki.ca_pem)]);
    let err = auth.send(&c, &RequestParts::get(&url)).await.unwrap_err();
    assert!(matches!(err, AuthError::Transport { .. }), "{err}");

    // PEM data URLs, as the seed's integration form gives them.
    let c = conn(
        "http",
        "mutualTls",
        &[
            ("certificate", &data_url(&pki.client_cert_pem)),
            ("key", &data_url(&pki.client_key_pem)),
            ("ca", &data_url(&pki.ca_pem)),
        ],
    );
    let env = auth.send(&c, &RequestParts::get(&url)).await.unwrap();
    assert_eq!(env.body.unwrap()["clientCert"], true);

    // PEM text works too.
    let c = conn(
        "http",
        "mutualTls",
        &[
            ("certificate", &pki.client_cert_pem),
            ("key", &pki.client_key_pem),
            ("ca", &pki.ca_pem),
        ],
    );
    assert!(auth.send(&c, &RequestParts::get(&url)).await.unwrap().ok);
}

#[tokio::test]
async fn mutual_tls_bad_configuration() {
    let pki = pki();
    let auth = AuthClient::in_memory();
    let e = auth
        .connect(&conn("http", "mutualTls", &[("key", &pki.client_key_pem)]))
        .unwrap_err();
    assert!(e.to_string().contains("`certificate`"), "{e}");
    let e = auth
        .connect(&conn(
            "http",
            "mutualTls",
            &[("certificate", "hello"), ("key", &pki.client_key_pem)],
        ))
        .unwrap_err();
    assert!(
        e.to_string().contains("`certificate` is invalid: not PEM"),
        "{e}"
    );
    // A key that does not parse.
    let broken = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    let e = auth
        .connect(&conn(
            "http",
            "mutualTls",
            &[("certificate", &pki.client_cert_pem), ("key", broken)],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("certificate"), "{e}");
    assert!(!e.to_string().contains("AAAA"));
    let e = auth
        .connect(&conn(
            "http",
            "mutualTls",
            &[
                ("certificate", &pki.client_cert_pem),
                ("key", "data:;base64,!!"),
            ],
        ))
        .unwrap_err();
    assert!(e.to_string().contains("`key`"), "{e}");
}
