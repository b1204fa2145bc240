//! Reading and validating connection inputs.

use base64::Engine;
use plumb_core::action::Connection;
use reqwest::Url;

use crate::error::AuthError;
use plumb_core::secret::SecretString;

/// Typed access to a connection's inputs; empty strings count as absent.
pub(crate) struct Fields<'a> {
    conn: &'a Connection,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(conn: &'a Connection) -> Self {
        Fields { conn }
    }

    pub(crate) fn opt(&self, input: &str) -> Option<&'a str> {
        self.conn
            .value(input)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    pub(crate) fn req(&self, input: &str) -> Result<&'a str, AuthError> {
        self.opt(input)
            .ok_or_else(|| AuthError::missing(&self.conn.key, input))
    }

    /// A secret input, untrimmed (whitespace may be part of a password).
    pub(crate) fn opt_secret(&self, input: &str) -> Option<SecretString> {
        self.conn
            .value(input)
            .filter(|s| !s.trim().is_empty())
            .map(SecretString::new)
    }

    pub(crate) fn secret(&self, input: &str) -> Result<SecretString, AuthError> {
        self.opt_secret(input)
            .ok_or_else(|| AuthError::missing(&self.conn.key, input))
    }

    pub(crate) fn bool(&self, input: &str, default: bool) -> Result<bool, AuthError> {
        match self.opt(input) {
            None => Ok(default),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err(AuthError::invalid(input, "expected true or false")),
            },
        }
    }

    pub(crate) fn u64(&self, input: &str) -> Result<Option<u64>, AuthError> {
        self.opt(input)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| AuthError::invalid(input, "expected a non-negative integer"))
            })
            .transpose()
    }

    /// A required `http`/`https` URL.
    pub(crate) fn url(&self, input: &str) -> Result<Url, AuthError> {
        parse_http_url(input, self.req(input)?)
    }

    pub(crate) fn opt_url(&self, input: &str) -> Result<Option<Url>, AuthError> {
        self.opt(input)
            .map(|v| parse_http_url(input, v))
            .transpose()
    }

    /// A PEM input given as PEM text or as a `data:` URL.
    pub(crate) fn opt_pem(&self, input: &str) -> Result<Option<Vec<u8>>, AuthError> {
        self.opt(input).map(|v| decode_pem(input, v)).transpose()
    }
}

/// Parses an absolute `http` or `https` URL.
pub(crate) fn parse_http_url(input: &str, value: &str) -> Result<Url, AuthError> {
    let url =
        Url::parse(value).map_err(|e| AuthError::invalid(input, format!("not a URL: {e}")))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(url),
        "http" | "https" => Err(AuthError::invalid(input, "URL has no host")),
        other => Err(AuthError::invalid(
            input,
            format!("URL scheme `{other}` is not http or https"),
        )),
    }
}

/// Decodes PEM text or a `data:` URL (base64 or percent-encoded) holding PEM; `input` names
/// the input in errors.
pub fn decode_pem(input: &str, value: &str) -> Result<Vec<u8>, AuthError> {
    let bytes = if let Some(rest) = value.strip_prefix("data:") {
        let (meta, data) = rest
            .split_once(',')
            .ok_or_else(|| AuthError::invalid(input, "data URL without a comma"))?;
        if meta.split(';').any(|p| p.eq_ignore_ascii_case("base64")) {
            let cleaned: String = data.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(cleaned.as_bytes())
                .map_err(|_| AuthError::invalid(input, "data URL is not valid base64"))?
        } else {
            percent_decode(data)
        }
    } else {
        value.as_bytes().to_vec()
    };
    if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return Err(AuthError::invalid(input, "not PEM (no -----BEGIN line)"));
    }
    Ok(bytes)
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// `application/x-www-form-urlencoded` encoding of one component (RFC 6749 §2.3.1).
pub(crate) fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_from_data_url() {
        let pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
        let b64 = base64::engine::general_purpose::STANDARD.encode(pem);
        let url = format!("data:application/x-pem-file;base64,{b64}");
        assert_eq!(decode_pem("ca", &url).unwrap(), pem.as_bytes());
        let pct = "data:,-----BEGIN%20CERTIFICATE-----%0A";
        assert!(decode_pem("ca", pct).is_ok());
        assert!(decode_pem("ca", "garbage").is_err());
        assert!(decode_pem("ca", "data:;base64,@@@").is_err());
    }

    #[test]
    fn urls_are_checked() {
        assert!(parse_http_url("tokenUrl", "ftp://x").is_err());
        assert!(parse_http_url("tokenUrl", "not a url").is_err());
        assert!(parse_http_url("tokenUrl", "https://idp.example/token").is_ok());
    }

    #[test]
    fn form_encoding() {
        assert_eq!(form_encode("a b:c/é"), "a+b%3Ac%2F%C3%A9");
    }
}
