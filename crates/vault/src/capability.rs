//! Capability signatures: URLs that work without a bearer token because they carry an HMAC
//! made with a key only the servers know (Prismatic's clients fetch a step's `resultsUrl` and
//! post to a flow's `testUrl` with no `Authorization` header).
//!
//! A [`CapabilityKey`] is derived from the master key and a purpose
//! (HMAC-SHA256(master key, `"plumb capability v1\0" + purpose`)), so every API node of a
//! deployment signs and checks the same URLs, a signature made for one purpose is worthless for
//! another, and replacing the master key (`plumb keys rotate-master`) voids every URL signed
//! before. Signatures are HMAC-SHA256 of the message, base64url without padding; checking is
//! constant-time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::MasterKey;

type HmacSha256 = Hmac<Sha256>;

const CONTEXT: &[u8] = b"plumb capability v1\0";

/// A key that signs and checks capability URLs of one purpose. `Debug` shows nothing of it.
#[derive(Clone)]
pub struct CapabilityKey {
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for CapabilityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CapabilityKey([redacted])")
    }
}

impl MasterKey {
    /// The capability key of `purpose` (for example `"step-result"`).
    pub fn capability_key(&self, purpose: &str) -> CapabilityKey {
        let mut mac = new_mac(self.bytes());
        mac.update(CONTEXT);
        mac.update(purpose.as_bytes());
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&mac.finalize().into_bytes());
        CapabilityKey { key }
    }
}

/// HMAC-SHA256 keyed with a 32-byte key: HMAC pads a key shorter than the hash's 64-byte block
/// with zeros, so the zero-padded block is the same key (and no fallible constructor is needed).
fn new_mac(key: &[u8; 32]) -> HmacSha256 {
    let mut block = Zeroizing::new([0u8; 64]);
    block[..32].copy_from_slice(key);
    <HmacSha256 as hmac::digest::KeyInit>::new(&(*block).into())
}

impl CapabilityKey {
    /// The signature of `message`.
    pub fn sign(&self, message: &str) -> String {
        let mut mac = new_mac(&self.key);
        mac.update(message.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `signature` is this key's signature of `message` (constant-time).
    pub fn verify(&self, message: &str, signature: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        let mut mac = new_mac(&self.key);
        mac.update(message.as_bytes());
        mac.verify_slice(&given).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_checks_per_purpose_and_master_key() {
        let master = MasterKey::from_bytes(&[7u8; 32]);
        let key = master.capability_key("step-result");
        let sig = key.sign("org.step.123");
        assert!(key.verify("org.step.123", &sig));
        assert!(!key.verify("org.step.124", &sig), "another message");
        assert!(!key.verify("org.step.123", "not base64!"), "garbage");
        assert!(
            !key.verify("org.step.123", &sig[..sig.len() - 2]),
            "truncated"
        );
        let other_purpose = master.capability_key("test-trigger");
        assert!(!other_purpose.verify("org.step.123", &sig));
        let other_master = MasterKey::from_bytes(&[8u8; 32]).capability_key("step-result");
        assert!(!other_master.verify("org.step.123", &sig));
        assert_eq!(format!("{key:?}"), "CapabilityKey([redacted])");
    }
}
