//! plumb's vault: envelope encryption of secrets, key rotation, secret types and redaction.
//!
//! # Keys
//! - A [`MasterKey`] (32 bytes) comes from a file ([`MasterKey::load_or_create`], mode 0600, the
//!   default `plumb-data/master.key`) or from `PLUMB_MASTER_KEY` ([`MasterKey::from_base64`]).
//!   [`MasterKey::from_env_or_file`] applies the start-up rule (env first, then the file).
//!   Its public [`KeyId`] fingerprint is recorded in every wrapped data key, so a wrong master
//!   key is reported as [`VaultError::WrongMasterKey`], never as garbage or data loss.
//! - Each organization has one or more [`DataKey`]s (32 random bytes, numbered by version),
//!   stored only as [`WrappedKey`]s: AES-256-GCM under the master key, with associated data
//!   binding the organization ID ([`new_data_key`], [`wrap_data_key`], [`unwrap_data_key`]).
//!
//! # Capability URLs
//! [`MasterKey::capability_key`] derives a [`CapabilityKey`] per purpose that signs URLs usable
//! without a bearer token (a step's `resultsUrl`, a flow's `testUrl`).
//!
//! # Values
//! [`seal`] encrypts one secret value with a data key (AES-256-GCM, fresh random nonce, a
//! versioned format recording the data key version); the associated data is a [`SealContext`]
//! (organization, record, field), so a ciphertext copied to another row, field or organization
//! fails to [`open`]. A [`Keyring`] holds an organization's data keys by version.
//!
//! # Rotation
//! - `plumb keys rotate-master`: [`rewrap`] every wrapped data key from the old master key to the
//!   new one (in one transaction), then switch the key file. Sealed values do not change.
//! - `plumb keys rotate --org ID`: add a data key of [`Keyring::next_version`], then
//!   [`Keyring::reseal_to_current`] (or [`reseal`]) each of the organization's values; values
//!   not yet resealed keep opening with their old version until the old key is dropped.
//!
//! # Secret types and redaction
//! [`SecretString`] and [`SecretBytes`] implement neither `Display` nor `Serialize`, print
//! `[redacted]` in `Debug` and are zeroized on drop. A [`Redactor`] replaces known secret values
//! in log lines and error messages with `[redacted]`.
//!
//! Invariant: no error, `Debug` output or log line of this crate contains key material or
//! plaintext.

mod capability;
mod cipher;
mod data_key;
mod error;
mod master;
mod redact;
mod seal;
pub mod signing_key;

pub use capability::CapabilityKey;
pub use data_key::{new_data_key, rewrap, unwrap_data_key, wrap_data_key, DataKey, WrappedKey};
pub use error::VaultError;
pub use master::{KeyId, KeySource, MasterKey, MASTER_KEY_ENV};
pub use plumb_core::secret::{SecretBytes, SecretString, REDACTED};
pub use redact::{Redactor, MIN_SECRET_LEN};
pub use seal::{
    open, open_string, reseal, seal, seal_str, sealed_key_version, Keyring, SealContext,
};
