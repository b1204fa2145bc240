//! plumb's one secret type: [`SecretString`] (and [`SecretBytes`] for key material), used by
//! every crate (the vault seals and opens them, connections carry their secret inputs in them,
//! the auth schemes and token caches hold credentials and tokens in them).
//!
//! Both hold their value in memory that is zeroized on drop, print `[redacted]` in `Debug`, and
//! implement neither `Display` nor `Serialize`: a secret cannot reach a log line, an API answer or
//! a JSON document by accident. They implement `Deserialize`, so request and configuration types
//! can hold them directly. Reading the value is explicit: [`SecretString::expose`]; writing it
//! into a document that is sealed afterwards is explicit too: [`serialize_exposed`].

use std::fmt;

use serde::{Deserialize, Deserializer, Serializer};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The text every redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// A secret text value (a password, an API key, a client secret...).
///
/// No `Display`, no `Serialize`; `Debug` prints `[redacted]`; zeroized on drop. Its `==` is
/// not constant-time: do not use it to check a presented credential (API tokens are hashed and
/// compared by the store).
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Reads the value. Every call site is a place where the secret leaves its wrapper; keep
    /// them few and greppable.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value's bytes, as a [`SecretBytes`] (for sealing).
    pub fn to_secret_bytes(&self) -> SecretBytes {
        SecretBytes(self.0.as_bytes().to_vec())
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// Secret bytes that are not UTF-8 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the secret is not UTF-8 text")]
pub struct NotUtf8;

/// Serializes a secret as its plaintext, for `#[serde(serialize_with = ...)]` on a field of a
/// document that is sealed before it is stored (a cached token set). Every use is a place where
/// a secret leaves its wrapper on purpose; keep them few and greppable.
pub fn serialize_exposed<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose())
}

/// [`serialize_exposed`] for an optional secret.
pub fn serialize_exposed_opt<S: Serializer>(
    secret: &Option<SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(v) => s.serialize_some(v.expose()),
        None => s.serialize_none(),
    }
}

/// A secret binary value (key material, an opened ciphertext).
///
/// No `Display`, no `Serialize`; `Debug` prints `[redacted]`; zeroized on drop.
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Wraps a value.
    pub fn new(value: impl Into<Vec<u8>>) -> Self {
        Self(value.into())
    }

    /// Reads the value.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Converts to a [`SecretString`] if the bytes are UTF-8, without copying.
    pub fn into_secret_string(mut self) -> Result<SecretString, NotUtf8> {
        let bytes = std::mem::take(&mut self.0);
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SecretString(text)),
            Err(err) => {
                // Zeroize the rejected bytes too.
                let mut bytes = err.into_bytes();
                bytes.zeroize();
                Err(NotUtf8)
            }
        }
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(value: Vec<u8>) -> Self {
        Self(value)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for SecretBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<u8>::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = SecretString::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s:#?}"), "[redacted]");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            password: SecretString,
            key: SecretBytes,
        }
        let h = Holder {
            password: s.clone(),
            key: SecretBytes::new(b"raw-key".to_vec()),
        };
        let printed = format!("{h:?}");
        assert!(!printed.contains("hunter2"));
        assert!(!printed.contains("raw-key"));
        assert_eq!(s.expose(), "hunter2-very-secret");
    }

    #[test]
    fn deserializes() {
        let s: SecretString = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(s.expose(), "abc");
        let b: SecretBytes = serde_json::from_str("[1,2,3]").unwrap();
        assert_eq!(b.expose(), &[1, 2, 3]);
    }

    #[test]
    fn zeroize_clears_value() {
        let mut s = SecretString::new("sensitive");
        s.zeroize();
        assert!(s.is_empty());
        let mut b = SecretBytes::new(vec![9u8; 8]);
        b.zeroize();
        assert!(b.is_empty());
    }

    #[test]
    fn bytes_to_string() {
        let s = SecretBytes::new(b"text".to_vec())
            .into_secret_string()
            .unwrap();
        assert_eq!(s.expose(), "text");
        assert!(matches!(
            SecretBytes::new(vec![0xff, 0xfe]).into_secret_string(),
            Err(NotUtf8)
        ));
    }
}
