//! The one AEAD used everywhere: AES-256-GCM with a fresh random 96-bit nonce per message.
//!
//! Random nonces are safe here: a data key seals at most a few million values over its life,
//! far below the 2^32 messages per key that NIST allows for random 96-bit nonces.

use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};

use crate::VaultError;

/// Key length in bytes.
pub(crate) const KEY_LEN: usize = 32;
/// Nonce length in bytes.
pub(crate) const NONCE_LEN: usize = 12;
/// Authentication tag length in bytes.
pub(crate) const TAG_LEN: usize = 16;

/// A 32-byte key from the system RNG.
pub(crate) fn random_key() -> Result<[u8; KEY_LEN], VaultError> {
    <[u8; KEY_LEN]>::try_generate().map_err(|_| VaultError::Random)
}

/// Builds the cipher for `key`.
pub(crate) fn cipher(key: &[u8; KEY_LEN]) -> Aes256Gcm {
    Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key))
}

/// Encrypts `plaintext` under a fresh nonce; appends `nonce || ciphertext || tag` to `out`.
pub(crate) fn encrypt_into(
    cipher: &Aes256Gcm,
    aad: &[u8],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), VaultError> {
    let nonce_bytes = <[u8; NONCE_LEN]>::try_generate().map_err(|_| VaultError::Random)?;
    let nonce = Nonce::from(nonce_bytes);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| VaultError::EncryptFailed)?;
    out.reserve(NONCE_LEN + ciphertext.len());
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&ciphertext);
    Ok(())
}

/// Decrypts `nonce || ciphertext || tag`; `None` when it is too short or fails authentication.
pub(crate) fn decrypt(cipher: &Aes256Gcm, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return None;
    }
    let (nonce_bytes, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_from(nonce_bytes).ok()?;
    cipher
        .decrypt(
            &nonce,
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .ok()
}

/// Appends `part` to `aad` with a 4-byte big-endian length prefix, so that the concatenation of
/// several parts is unambiguous (`("ab", "c")` and `("a", "bc")` differ).
pub(crate) fn push_part(aad: &mut Vec<u8>, part: &[u8]) {
    let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
    aad.extend_from_slice(&len.to_be_bytes());
    aad.extend_from_slice(part);
}
