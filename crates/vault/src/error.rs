//! The vault's one error type.

use std::path::PathBuf;

use crate::master::KeyId;

/// Everything that can go wrong in the vault.
///
/// No variant carries secret material or plaintext; every message is safe to log and to show at
/// start-up.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The master key file does not exist (from [`crate::MasterKey::load`]).
    #[error("master key file {path} does not exist")]
    KeyFileMissing {
        /// The file that was looked for.
        path: PathBuf,
    },
    /// The master key file could not be read, created or written.
    #[error("master key file {path}: {source}")]
    KeyFileIo {
        /// The file concerned.
        path: PathBuf,
        /// The underlying IO error.
        #[source]
        source: std::io::Error,
    },
    /// The master key file exists but does not hold a valid key.
    #[error("master key file {path} is not a valid plumb master key: {reason}")]
    InvalidKeyFile {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A master key given as text (for example `PLUMB_MASTER_KEY`) is not valid.
    #[error("invalid master key: {reason}")]
    InvalidMasterKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The `PLUMB_MASTER_KEY` environment variable is set but does not hold a valid key.
    #[error("PLUMB_MASTER_KEY is not a valid plumb master key: {reason}")]
    InvalidMasterKeyEnv {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A data key was wrapped by another master key than the one loaded.
    #[error(
        "wrong master key: the data key was wrapped by master key {expected}, \
         but the loaded master key is {found}"
    )]
    WrongMasterKey {
        /// The ID of the master key that wrapped the data key.
        expected: KeyId,
        /// The ID of the master key that was used to unwrap it.
        found: KeyId,
    },
    /// A wrapped data key failed authentication: it is corrupt, or it belongs to another
    /// organization or key version than the one given.
    #[error("wrapped data key failed authentication (corrupt, or bound to another organization)")]
    UnwrapFailed,
    /// A sealed value was encrypted with another data key version than the key given.
    #[error("value was sealed with data key version {sealed}, not version {given}")]
    KeyVersionMismatch {
        /// The data key version recorded in the sealed value.
        sealed: u32,
        /// The version of the data key that was given to open it.
        given: u32,
    },
    /// A sealed value failed authentication: it was tampered with, or it belongs to another
    /// organization, record or field than the one given.
    #[error(
        "sealed value failed authentication (tampered, or bound to another organization, record or field)"
    )]
    OpenFailed,
    /// Bytes that should be a wrapped key or sealed value are too short or otherwise malformed.
    #[error("malformed {what}")]
    Malformed {
        /// What was expected (`"sealed value"`, `"wrapped data key"`).
        what: &'static str,
    },
    /// A wrapped key or sealed value has a format version this build does not know.
    #[error("unsupported {what} format version {version}")]
    UnsupportedVersion {
        /// What was being read.
        what: &'static str,
        /// The version byte found.
        version: u8,
    },
    /// A keyring holds no data key to seal with.
    #[error("no data key: the organization's keyring is empty")]
    NoDataKey,
    /// A value was sealed with a data key version the keyring does not hold.
    #[error("value was sealed with data key version {version}, which is not in the keyring")]
    MissingDataKey {
        /// The data key version recorded in the sealed value.
        version: u32,
    },
    /// An opened value was expected to be text but is not UTF-8.
    #[error("secret value is not valid UTF-8")]
    NotUtf8,
    /// Encryption failed (input too long for AES-GCM).
    #[error("encryption failed: input too long")]
    EncryptFailed,
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// Generating or encoding a key pair failed.
    #[error("generating a key pair failed")]
    KeyGeneration,
}

impl From<plumb_core::secret::NotUtf8> for VaultError {
    fn from(_: plumb_core::secret::NotUtf8) -> Self {
        VaultError::NotUtf8
    }
}
