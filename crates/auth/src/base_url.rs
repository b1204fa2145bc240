//! Base URLs of model integrations: protocol, host, port, base path and version.

use reqwest::Url;
use serde::{Deserialize, Serialize};

use crate::error::AuthError;

/// The server settings of a model integration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BaseUrl {
    /// `http` (default) or `https`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// Host name or IP address (required).
    pub host: String,
    /// Port, 1–65535; the protocol's default when absent.
    #[serde(default)]
    pub port: Option<u32>,
    /// A path prepended to every request, e.g. `/system/api`.
    #[serde(default)]
    pub base_path: Option<String>,
    /// An API version segment appended after the base path, e.g. `v2`.
    #[serde(default)]
    pub version: Option<String>,
}

impl BaseUrl {
    /// The base URL, always ending without a slash: `https://host:8443/system/api/v2`.
    pub fn build(&self) -> Result<Url, AuthError> {
        let protocol = self
            .protocol
            .as_deref()
            .unwrap_or("http")
            .to_ascii_lowercase();
        if protocol != "http" && protocol != "https" {
            return Err(AuthError::invalid("protocol", "expected http or https"));
        }
        let host = self.host.trim();
        if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) {
            return Err(AuthError::invalid(
                "host",
                "expected a host name or IP address",
            ));
        }
        let mut s = format!("{protocol}://{host}");
        if let Some(port) = self.port {
            if !(1..=65535).contains(&port) {
                return Err(AuthError::invalid("port", "expected 1 to 65535"));
            }
            s.push_str(&format!(":{port}"));
        }
        for seg in [self.base_path.as_deref(), self.version.as_deref()]
            .into_iter()
            .flatten()
        {
            let seg = seg.trim().trim_matches('/');
            if !seg.is_empty() {
                s.push('/');
                s.push_str(seg);
            }
        }
        Url::parse(&s).map_err(|e| AuthError::invalid("host", format!("not a valid URL: {e}")))
    }

    /// The URL of an operation path (`/pets/{id}` already filled in) under this base.
    pub fn join(&self, path: &str) -> Result<Url, AuthError> {
        let base = self.build()?;
        let mut s = base.as_str().trim_end_matches('/').to_string();
        if !path.starts_with('/') {
            s.push('/');
        }
        s.push_str(path);
        Url::parse(&s).map_err(|e| AuthError::invalid("path", format!("not a valid URL: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_all_parts() {
        let b = BaseUrl {
            protocol: Some("https".into()),
            host: "api.example.com".into(),
            port: Some(8443),
            base_path: Some("/system/api/".into()),
            version: Some("v2.6".into()),
        };
        assert_eq!(
            b.build().unwrap().as_str(),
            "https://api.example.com:8443/system/api/v2.6"
        );
        assert_eq!(
            b.join("/pets/7").unwrap().as_str(),
            "https://api.example.com:8443/system/api/v2.6/pets/7"
        );
    }

    #[test]
    fn defaults_and_errors() {
        let b = BaseUrl {
            host: "127.0.0.1".into(),
            ..Default::default()
        };
        assert_eq!(b.build().unwrap().as_str(), "http://127.0.0.1/");
        assert_eq!(b.join("x").unwrap().as_str(), "http://127.0.0.1/x");
        let bad = BaseUrl {
            port: Some(70000),
            ..b.clone()
        };
        assert!(bad.build().unwrap_err().to_string().contains("port"));
        let bad = BaseUrl {
            protocol: Some("ftp".into()),
            ..b.clone()
        };
        assert!(bad.build().is_err());
        let bad = BaseUrl {
            host: String::new(),
            ..b
        };
        assert!(bad.build().is_err());
    }
}
