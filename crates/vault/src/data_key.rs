//! Per-organization data keys, wrapped (encrypted) by the master key.
//!
//! Wrapped key format, version 1 (73 bytes):
//!
//! ```text
//! 0x01 | master key ID (8) | data key version (u32 BE) | nonce (12) | AES-256-GCM(data key) (32 + 16)
//! ```
//!
//! The associated data binds the wrapped key to its organization and to its header (format,
//! master key ID, data key version): a wrapped key copied to another organization, or with its
//! version changed, fails to unwrap.

use std::fmt;

use aes_gcm::Aes256Gcm;
use zeroize::Zeroizing;

use crate::cipher::{self, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::master::{KeyId, MasterKey};
use crate::VaultError;

const FORMAT_V1: u8 = 1;
const HEADER_LEN: usize = 1 + 8 + 4;
const WRAPPED_LEN: usize = HEADER_LEN + NONCE_LEN + KEY_LEN + TAG_LEN;
const AAD_CONTEXT: &[u8] = b"plumb-vault/data-key/v1\0";
const WHAT: &str = "wrapped data key";

/// One organization's 32-byte data key, which seals that organization's secret values.
///
/// Each data key has a `version` (1, 2, ...; `plumb keys rotate --org` adds the next one); sealed
/// values record the version that sealed them. `Debug` shows only the version; the key bytes are
/// zeroized on drop.
#[derive(Clone)]
pub struct DataKey {
    key: Zeroizing<[u8; KEY_LEN]>,
    version: u32,
    cipher: Aes256Gcm,
}

impl DataKey {
    /// Generates a new random data key with the given version.
    pub fn generate(version: u32) -> Result<DataKey, VaultError> {
        let bytes = Zeroizing::new(cipher::random_key()?);
        Ok(DataKey::from_bytes(&bytes, version))
    }

    fn from_bytes(bytes: &[u8; KEY_LEN], version: u32) -> DataKey {
        DataKey {
            key: Zeroizing::new(*bytes),
            version,
            cipher: cipher::cipher(bytes),
        }
    }

    /// This key's version.
    pub fn version(&self) -> u32 {
        self.version
    }

    pub(crate) fn cipher(&self) -> &Aes256Gcm {
        &self.cipher
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A data key encrypted by a master key: the bytes the store keeps (not secret by themselves).
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey(Vec<u8>);

impl WrappedKey {
    /// Takes bytes read back from the store, checking their format (not their authenticity:
    /// that is [`unwrap_data_key`]'s job).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<WrappedKey, VaultError> {
        match bytes.first() {
            None => return Err(VaultError::Malformed { what: WHAT }),
            Some(&FORMAT_V1) => {}
            Some(&version) => {
                return Err(VaultError::UnsupportedVersion {
                    what: WHAT,
                    version,
                })
            }
        }
        if bytes.len() != WRAPPED_LEN {
            return Err(VaultError::Malformed { what: WHAT });
        }
        Ok(WrappedKey(bytes))
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes to store, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The ID of the master key that wrapped this key.
    pub fn master_key_id(&self) -> KeyId {
        let mut id = [0u8; 8];
        id.copy_from_slice(&self.0[1..9]);
        KeyId(id)
    }

    /// The version of the data key inside.
    pub fn version(&self) -> u32 {
        let mut v = [0u8; 4];
        v.copy_from_slice(&self.0[9..HEADER_LEN]);
        u32::from_be_bytes(v)
    }
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedKey")
            .field("master_key_id", &self.master_key_id())
            .field("version", &self.version())
            .finish()
    }
}

fn aad(org: &str, header: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_CONTEXT.len() + header.len() + 4 + org.len());
    aad.extend_from_slice(AAD_CONTEXT);
    aad.extend_from_slice(header);
    cipher::push_part(&mut aad, org.as_bytes());
    aad
}

/// Generates a new data key of `version` for organization `org` and wraps it with `master`.
///
/// Store the returned [`WrappedKey`]; keep the [`DataKey`] only in memory.
pub fn new_data_key(
    master: &MasterKey,
    org: &str,
    version: u32,
) -> Result<(DataKey, WrappedKey), VaultError> {
    let key = DataKey::generate(version)?;
    let wrapped = wrap_data_key(master, org, &key)?;
    Ok((key, wrapped))
}

/// Wraps `key` with `master`, bound to organization `org` (use one stable spelling of the
/// organization's ID, e.g. its hyphenated lowercase UUID, everywhere).
pub fn wrap_data_key(
    master: &MasterKey,
    org: &str,
    key: &DataKey,
) -> Result<WrappedKey, VaultError> {
    let mut out = Vec::with_capacity(WRAPPED_LEN);
    out.push(FORMAT_V1);
    out.extend_from_slice(&master.id().0);
    out.extend_from_slice(&key.version.to_be_bytes());
    let aad = aad(org, &out);
    cipher::encrypt_into(&cipher::cipher(master.bytes()), &aad, &*key.key, &mut out)?;
    Ok(WrappedKey(out))
}

/// Unwraps a data key of organization `org` with `master`.
///
/// A key wrapped by another master key is [`VaultError::WrongMasterKey`] (naming both key IDs);
/// one that fails authentication (corrupt, or another organization's) is
/// [`VaultError::UnwrapFailed`]. Never returns a wrong key.
pub fn unwrap_data_key(
    master: &MasterKey,
    org: &str,
    wrapped: &WrappedKey,
) -> Result<DataKey, VaultError> {
    let expected = wrapped.master_key_id();
    if expected != master.id() {
        return Err(VaultError::WrongMasterKey {
            expected,
            found: master.id(),
        });
    }
    let (header, sealed) = wrapped.0.split_at(HEADER_LEN);
    let aad = aad(org, header);
    let plain = Zeroizing::new(
        cipher::decrypt(&cipher::cipher(master.bytes()), &aad, sealed)
            .ok_or(VaultError::UnwrapFailed)?,
    );
    let bytes: &[u8; KEY_LEN] = plain
        .as_slice()
        .try_into()
        .map_err(|_| VaultError::UnwrapFailed)?;
    Ok(DataKey::from_bytes(bytes, wrapped.version()))
}

/// Re-wraps an organization's data key from `old` to `new` master key (for
/// `plumb keys rotate-master`). The data key, and so every sealed value, is unchanged.
pub fn rewrap(
    old: &MasterKey,
    new: &MasterKey,
    org: &str,
    wrapped: &WrappedKey,
) -> Result<WrappedKey, VaultError> {
    let key = unwrap_data_key(old, org, wrapped)?;
    wrap_data_key(new, org, &key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "5f0c7f3e-8a4b-4f7e-9a51-0c2d7a1b9e10";
    const OTHER_ORG: &str = "0b3a2f7c-1d9e-4c6b-8f20-3e4d5a6b7c8d";

    #[test]
    fn wrap_unwrap_round_trip() {
        let master = MasterKey::generate().unwrap();
        let (key, wrapped) = new_data_key(&master, ORG, 3).unwrap();
        assert_eq!(wrapped.as_bytes().len(), WRAPPED_LEN);
        assert_eq!(wrapped.version(), 3);
        assert_eq!(wrapped.master_key_id(), master.id());
        let back = unwrap_data_key(&master, ORG, &wrapped).unwrap();
        assert_eq!(back.version(), 3);
        assert_eq!(*back.key, *key.key);
        // Fresh nonce: wrapping twice gives different bytes.
        assert_ne!(wrap_data_key(&master, ORG, &key).unwrap(), wrapped);
        // Stored bytes parse back.
        let parsed = WrappedKey::from_bytes(wrapped.clone().into_bytes()).unwrap();
        assert_eq!(parsed, wrapped);
    }

    #[test]
    fn wrong_master_key_is_a_clear_error() {
        let master = MasterKey::generate().unwrap();
        let other = MasterKey::generate().unwrap();
        let (_, wrapped) = new_data_key(&master, ORG, 1).unwrap();
        let err = unwrap_data_key(&other, ORG, &wrapped).unwrap_err();
        match &err {
            VaultError::WrongMasterKey { expected, found } => {
                assert_eq!(*expected, master.id());
                assert_eq!(*found, other.id());
            }
            e => panic!("{e:?}"),
        }
        assert!(err.to_string().starts_with("wrong master key"));
    }

    #[test]
    fn other_org_or_tampering_fails() {
        let master = MasterKey::generate().unwrap();
        let (_, wrapped) = new_data_key(&master, ORG, 1).unwrap();
        assert!(matches!(
            unwrap_data_key(&master, OTHER_ORG, &wrapped),
            Err(VaultError::UnwrapFailed)
        ));
        for i in 9..WRAPPED_LEN {
            let mut bytes = wrapped.as_bytes().to_vec();
            bytes[i] ^= 0x01;
            let tampered = WrappedKey::from_bytes(bytes).unwrap();
            assert!(
                matches!(
                    unwrap_data_key(&master, ORG, &tampered),
                    Err(VaultError::UnwrapFailed)
                ),
                "byte {i}"
            );
        }
    }

    #[test]
    fn malformed_bytes_are_rejected() {
        assert!(matches!(
            WrappedKey::from_bytes(vec![]),
            Err(VaultError::Malformed { .. })
        ));
        assert!(matches!(
            WrappedKey::from_bytes(vec![1, 2, 3]),
            Err(VaultError::Malformed { .. })
        ));
        assert!(matches!(
            WrappedKey::from_bytes(vec![9; WRAPPED_LEN]),
            Err(VaultError::UnsupportedVersion { version: 9, .. })
        ));
    }

    #[test]
    fn rewrap_moves_key_to_new_master() {
        let old = MasterKey::generate().unwrap();
        let new = MasterKey::generate().unwrap();
        let (key, wrapped) = new_data_key(&old, ORG, 2).unwrap();
        let rewrapped = rewrap(&old, &new, ORG, &wrapped).unwrap();
        assert_eq!(rewrapped.master_key_id(), new.id());
        let back = unwrap_data_key(&new, ORG, &rewrapped).unwrap();
        assert_eq!(*back.key, *key.key);
        assert_eq!(back.version(), 2);
        assert!(matches!(
            unwrap_data_key(&old, ORG, &rewrapped),
            Err(VaultError::WrongMasterKey { .. })
        ));
        // Rewrapping with the wrong old key changes nothing and says why.
        assert!(matches!(
            rewrap(&new, &old, ORG, &wrapped),
            Err(VaultError::WrongMasterKey { .. })
        ));
    }

    #[test]
    fn debug_hides_key() {
        let key = DataKey::generate(4).unwrap();
        assert_eq!(format!("{key:?}"), "DataKey { version: 4, .. }");
    }
}
