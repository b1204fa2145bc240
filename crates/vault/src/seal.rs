//! Sealing secret values with an organization's data key.
//!
//! Sealed value format, version 1 (33 bytes + plaintext length):
//!
//! ```text
//! 0x01 | data key version (u32 BE) | nonce (12) | AES-256-GCM ciphertext | tag (16)
//! ```
//!
//! Every value gets a fresh random nonce. The associated data is the header plus the
//! [`SealContext`] (organization, record, field), so a ciphertext copied to another row, another
//! field of the same row, or another organization does not open.

use std::collections::BTreeMap;

use crate::cipher::{self, NONCE_LEN, TAG_LEN};
use crate::{DataKey, SecretBytes, SecretString, VaultError};

const FORMAT_V1: u8 = 1;
const HEADER_LEN: usize = 1 + 4;
const AAD_CONTEXT: &[u8] = b"plumb-vault/value/v1\0";
const WHAT: &str = "sealed value";

/// Where a sealed value lives; bound into its ciphertext as associated data.
///
/// Use one stable spelling for each part (e.g. hyphenated lowercase UUIDs for IDs, the input
/// key for `field`), the same when sealing and opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealContext<'a> {
    /// The organization's ID.
    pub org: &'a str,
    /// The record (row) the value belongs to, e.g. a customer config variable's ID.
    pub record: &'a str,
    /// The field within the record, e.g. the connection input key (`password`).
    pub field: &'a str,
}

impl<'a> SealContext<'a> {
    /// Builds a context.
    pub fn new(org: &'a str, record: &'a str, field: &'a str) -> Self {
        SealContext { org, record, field }
    }

    fn aad(&self, header: &[u8]) -> Vec<u8> {
        let len = self.org.len() + self.record.len() + self.field.len();
        let mut aad = Vec::with_capacity(AAD_CONTEXT.len() + header.len() + 12 + len);
        aad.extend_from_slice(AAD_CONTEXT);
        aad.extend_from_slice(header);
        cipher::push_part(&mut aad, self.org.as_bytes());
        cipher::push_part(&mut aad, self.record.as_bytes());
        cipher::push_part(&mut aad, self.field.as_bytes());
        aad
    }
}

/// Encrypts `plaintext` with `key`, bound to `ctx`. The result is safe to store.
pub fn seal(key: &DataKey, ctx: &SealContext<'_>, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + plaintext.len() + TAG_LEN);
    out.push(FORMAT_V1);
    out.extend_from_slice(&key.version().to_be_bytes());
    let aad = ctx.aad(&out);
    cipher::encrypt_into(key.cipher(), &aad, plaintext, &mut out)?;
    Ok(out)
}

/// [`seal`] for a text secret.
pub fn seal_str(
    key: &DataKey,
    ctx: &SealContext<'_>,
    secret: &SecretString,
) -> Result<Vec<u8>, VaultError> {
    seal(key, ctx, secret.expose().as_bytes())
}

/// The version of the data key that sealed `sealed`, to pick the key to open it with.
pub fn sealed_key_version(sealed: &[u8]) -> Result<u32, VaultError> {
    match sealed.first() {
        None => return Err(VaultError::Malformed { what: WHAT }),
        Some(&FORMAT_V1) => {}
        Some(&version) => {
            return Err(VaultError::UnsupportedVersion {
                what: WHAT,
                version,
            })
        }
    }
    if sealed.len() < HEADER_LEN + NONCE_LEN + TAG_LEN {
        return Err(VaultError::Malformed { what: WHAT });
    }
    let mut v = [0u8; 4];
    v.copy_from_slice(&sealed[1..HEADER_LEN]);
    Ok(u32::from_be_bytes(v))
}

/// Decrypts a value sealed by [`seal`] with the same key and context.
///
/// Fails with [`VaultError::OpenFailed`] when the value was tampered with or sealed for another
/// organization, record or field, and [`VaultError::KeyVersionMismatch`] when it was sealed with
/// another version of the data key.
pub fn open(
    key: &DataKey,
    ctx: &SealContext<'_>,
    sealed: &[u8],
) -> Result<SecretBytes, VaultError> {
    let version = sealed_key_version(sealed)?;
    if version != key.version() {
        return Err(VaultError::KeyVersionMismatch {
            sealed: version,
            given: key.version(),
        });
    }
    let (header, body) = sealed.split_at(HEADER_LEN);
    let aad = ctx.aad(header);
    cipher::decrypt(key.cipher(), &aad, body)
        .map(SecretBytes::from)
        .ok_or(VaultError::OpenFailed)
}

/// [`open`] for a text secret.
pub fn open_string(
    key: &DataKey,
    ctx: &SealContext<'_>,
    sealed: &[u8],
) -> Result<SecretString, VaultError> {
    Ok(open(key, ctx, sealed)?.into_secret_string()?)
}

/// Re-encrypts a sealed value from data key `old` to data key `new` (for
/// `plumb keys rotate --org`), keeping its context.
pub fn reseal(
    old: &DataKey,
    new: &DataKey,
    ctx: &SealContext<'_>,
    sealed: &[u8],
) -> Result<Vec<u8>, VaultError> {
    let plain = open(old, ctx, sealed)?;
    seal(new, ctx, plain.expose())
}

/// All the data keys of one organization, by version: seals with the newest, opens with
/// whichever version sealed the value. Convenient for the store during and after
/// `plumb keys rotate --org`, when values sealed by several versions coexist.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    keys: BTreeMap<u32, DataKey>,
}

impl Keyring {
    /// A keyring holding `keys`.
    pub fn new(keys: impl IntoIterator<Item = DataKey>) -> Keyring {
        Keyring {
            keys: keys.into_iter().map(|k| (k.version(), k)).collect(),
        }
    }

    /// Adds (or replaces) a key.
    pub fn insert(&mut self, key: DataKey) {
        self.keys.insert(key.version(), key);
    }

    /// The newest key, used for sealing.
    pub fn current(&self) -> Option<&DataKey> {
        self.keys.values().next_back()
    }

    /// The key of `version`.
    pub fn get(&self, version: u32) -> Option<&DataKey> {
        self.keys.get(&version)
    }

    /// The version the next key should have (1 for an empty keyring).
    pub fn next_version(&self) -> u32 {
        self.keys
            .keys()
            .next_back()
            .map_or(1, |v| v.saturating_add(1))
    }

    /// Seals with the newest key. An empty keyring is [`VaultError::NoDataKey`].
    pub fn seal(&self, ctx: &SealContext<'_>, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
        let key = self.current().ok_or(VaultError::NoDataKey)?;
        seal(key, ctx, plaintext)
    }

    /// Opens with the key version recorded in `sealed`.
    pub fn open(&self, ctx: &SealContext<'_>, sealed: &[u8]) -> Result<SecretBytes, VaultError> {
        let version = sealed_key_version(sealed)?;
        let key = self
            .get(version)
            .ok_or(VaultError::MissingDataKey { version })?;
        open(key, ctx, sealed)
    }

    /// Re-seals `sealed` with the newest key; returns `None` when it already is.
    pub fn reseal_to_current(
        &self,
        ctx: &SealContext<'_>,
        sealed: &[u8],
    ) -> Result<Option<Vec<u8>>, VaultError> {
        let current = self.current().map_or(0, DataKey::version);
        if sealed_key_version(sealed)? == current {
            return Ok(None);
        }
        let plain = self.open(ctx, sealed)?;
        self.seal(ctx, plain.expose()).map(Some)
    }
}

#[cfg(test)]
#[path = "seal_tests.rs"]
mod tests;
