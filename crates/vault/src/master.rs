//! The master key: loaded from a file (created with mode 0600 on first start) or from the
//! `PLUMB_MASTER_KEY` environment variable (base64), identified by a [`KeyId`].

use std::fmt;
use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::cipher::{random_key, KEY_LEN};
use crate::{SecretString, VaultError};

/// The environment variable that may hold the master key (base64), taking precedence over the
/// key file.
pub const MASTER_KEY_ENV: &str = "PLUMB_MASTER_KEY";

/// Where [`MasterKey::from_env_or_file`] found the key (for the start-up log line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// From the [`MASTER_KEY_ENV`] environment variable.
    Env,
    /// Loaded from the existing key file.
    File,
    /// Generated and written to a new key file (first start).
    CreatedFile,
}

/// Domain separation for the key ID hash.
const KEY_ID_CONTEXT: &[u8] = b"plumb-vault/master-key-id/v1\0";

/// The short public fingerprint of a master key: the first 8 bytes of
/// `SHA-256("plumb-vault/master-key-id/v1\0" || key)`, shown as 16 hex digits.
///
/// It reveals nothing useful about the key, and lets the store tell a wrong master key from a
/// corrupt database: every wrapped data key records the ID of the master key that wrapped it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    /// Parses the 16-hex-digit form produced by `Display`.
    pub fn parse(text: &str) -> Option<KeyId> {
        let text = text.trim();
        if text.len() != 16 || !text.is_ascii() {
            return None;
        }
        let mut out = [0u8; 8];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(KeyId(out))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// The 32-byte master key that wraps every organization's data key.
///
/// `Debug` shows only its [`KeyId`]; the key bytes are zeroized on drop.
#[derive(Clone)]
pub struct MasterKey {
    key: Zeroizing<[u8; KEY_LEN]>,
    id: KeyId,
}

impl MasterKey {
    /// Generates a new random master key.
    pub fn generate() -> Result<MasterKey, VaultError> {
        let mut bytes = random_key()?;
        let key = MasterKey::from_bytes(&bytes);
        bytes.zeroize();
        Ok(key)
    }

    /// Builds a master key from raw bytes.
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> MasterKey {
        let mut hasher = Sha256::new();
        hasher.update(KEY_ID_CONTEXT);
        hasher.update(bytes);
        let digest = hasher.finalize();
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        MasterKey {
            key: Zeroizing::new(*bytes),
            id: KeyId(id),
        }
    }

    /// Parses the base64 form (standard alphabet, padding optional, surrounding whitespace
    /// ignored) of a 32-byte key, as given in `PLUMB_MASTER_KEY` or stored in the key file.
    pub fn from_base64(text: &str) -> Result<MasterKey, VaultError> {
        let text = text.trim().trim_end_matches('=');
        let decoded = Zeroizing::new(
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(text)
                .map_err(|_| VaultError::InvalidMasterKey {
                    reason: "not base64",
                })?,
        );
        let bytes: &[u8; KEY_LEN] =
            decoded
                .as_slice()
                .try_into()
                .map_err(|_| VaultError::InvalidMasterKey {
                    reason: "not 32 bytes once decoded",
                })?;
        Ok(MasterKey::from_bytes(bytes))
    }

    /// The key in base64 (the key file's content), for `plumb keys` to print or store.
    pub fn to_base64(&self) -> SecretString {
        SecretString::new(STANDARD.encode(*self.key))
    }

    /// This key's public fingerprint.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The raw key bytes (crate-internal).
    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// Loads the key from `path`. A missing file is [`VaultError::KeyFileMissing`]; a file that
    /// does not hold one base64 32-byte key is [`VaultError::InvalidKeyFile`].
    pub fn load(path: &Path) -> Result<MasterKey, VaultError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => Zeroizing::new(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(VaultError::KeyFileMissing {
                    path: path.to_path_buf(),
                })
            }
            Err(err) if err.kind() == std::io::ErrorKind::InvalidData => {
                return Err(VaultError::InvalidKeyFile {
                    path: path.to_path_buf(),
                    reason: "not text",
                })
            }
            Err(source) => {
                return Err(VaultError::KeyFileIo {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        if text.trim().is_empty() {
            return Err(VaultError::InvalidKeyFile {
                path: path.to_path_buf(),
                reason: "empty",
            });
        }
        MasterKey::from_base64(&text).map_err(|err| VaultError::InvalidKeyFile {
            path: path.to_path_buf(),
            reason: match err {
                VaultError::InvalidMasterKey { reason } => reason,
                _ => "unreadable",
            },
        })
    }

    /// Loads the key from `path`, or, when the file does not exist, generates a new key and
    /// writes it there (creating parent directories; the file gets mode 0600 on Unix).
    ///
    /// Safe against a concurrent first start: the file is created exclusively, and a process
    /// that loses the race loads the winner's key. A file that exists but is garbled is an
    /// error, never replaced.
    pub fn load_or_create(path: &Path) -> Result<MasterKey, VaultError> {
        MasterKey::load_or_create_reporting(path).map(|(key, _)| key)
    }

    fn load_or_create_reporting(path: &Path) -> Result<(MasterKey, KeySource), VaultError> {
        match MasterKey::load(path) {
            Err(VaultError::KeyFileMissing { .. }) => {}
            other => return other.map(|key| (key, KeySource::File)),
        }
        let key = MasterKey::generate()?;
        match key.write_new(path) {
            Ok(()) => Ok((key, KeySource::CreatedFile)),
            Err(VaultError::KeyFileIo { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                MasterKey::load(path).map(|key| (key, KeySource::File))
            }
            Err(err) => Err(err),
        }
    }

    /// The start-up rule of `plumb serve`: the key in `env_value` (the value of
    /// [`MASTER_KEY_ENV`], if set and not empty), else [`MasterKey::load_or_create`] of `path`.
    /// An invalid environment value is an error naming the variable, never a fallback to the file.
    pub fn from_env_or_file(
        env_value: Option<&str>,
        path: &Path,
    ) -> Result<(MasterKey, KeySource), VaultError> {
        match env_value.filter(|v| !v.trim().is_empty()) {
            Some(value) => MasterKey::from_base64(value)
                .map(|key| (key, KeySource::Env))
                .map_err(|err| match err {
                    VaultError::InvalidMasterKey { reason } => {
                        VaultError::InvalidMasterKeyEnv { reason }
                    }
                    other => other,
                }),
            None => MasterKey::load_or_create_reporting(path),
        }
    }

    /// Writes this key to a new file at `path` (mode 0600 on Unix, missing parent directories
    /// created with mode 0700).
    /// Fails with an `AlreadyExists` IO error rather than overwrite an existing file.
    pub fn write_new(&self, path: &Path) -> Result<(), VaultError> {
        let io_err = |source| VaultError::KeyFileIo {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let mut dirs = std::fs::DirBuilder::new();
            dirs.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                dirs.mode(0o700);
            }
            dirs.create(parent).map_err(io_err)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(io_err)?;
        let mut text = self.to_base64();
        let written = file
            .write_all(text.expose().as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all());
        text.zeroize();
        if let Err(source) = written {
            // Do not leave a half-written key behind for the next start to trip on.
            let _ = std::fs::remove_file(path);
            return Err(io_err(source));
        }
        Ok(())
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey").field("id", &self.id).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_and_id() {
        let key = MasterKey::generate().unwrap();
        let again = MasterKey::from_base64(key.to_base64().expose()).unwrap();
        assert_eq!(key.id(), again.id());
        assert_eq!(key.bytes(), again.bytes());
        assert_ne!(key.id(), MasterKey::generate().unwrap().id());
        assert_eq!(KeyId::parse(&key.id().to_string()), Some(key.id()));
        // Unpadded and padded both parse.
        let padded = key.to_base64().expose().to_string();
        assert!(MasterKey::from_base64(padded.trim_end_matches('=')).is_ok());
    }

    #[test]
    fn known_key_id_is_stable() {
        // Stored wrapped keys record this ID: it must never change.
        let key = MasterKey::from_bytes(&[7u8; 32]);
        assert_eq!(key.id(), MasterKey::from_bytes(&[7u8; 32]).id());
        assert_eq!(key.id().to_string().len(), 16);
    }

    #[test]
    fn bad_base64_is_clear() {
        for (text, reason) in [
            ("not base64 !!", "not base64"),
            ("c2hvcnQ=", "not 32 bytes once decoded"),
            ("", "not 32 bytes once decoded"),
        ] {
            match MasterKey::from_base64(text) {
                Err(VaultError::InvalidMasterKey { reason: r }) => assert_eq!(r, reason, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn debug_shows_only_id() {
        let key = MasterKey::generate().unwrap();
        let printed = format!("{key:?}");
        assert!(printed.contains(&key.id().to_string()));
        assert!(!printed.contains(key.to_base64().expose()));
    }

    #[test]
    fn load_or_create_creates_private_file_then_loads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dir/master.key");
        let created = MasterKey::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let loaded = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(created.id(), loaded.id());
        assert_eq!(MasterKey::load(&path).unwrap().id(), created.id());
        // write_new never overwrites.
        assert!(matches!(
            MasterKey::generate().unwrap().write_new(&path),
            Err(VaultError::KeyFileIo { .. })
        ));
    }

    #[test]
    fn env_takes_precedence_over_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let env_key = MasterKey::generate().unwrap();
        let b64 = env_key.to_base64();
        let (key, source) = MasterKey::from_env_or_file(Some(b64.expose()), &path).unwrap();
        assert_eq!((key.id(), source), (env_key.id(), KeySource::Env));
        assert!(!path.exists(), "no file is created when the env var is set");

        let (created, source) = MasterKey::from_env_or_file(Some("  "), &path).unwrap();
        assert_eq!(source, KeySource::CreatedFile);
        let (loaded, source) = MasterKey::from_env_or_file(None, &path).unwrap();
        assert_eq!((loaded.id(), source), (created.id(), KeySource::File));

        let err = MasterKey::from_env_or_file(Some("nope!"), &path).unwrap_err();
        assert!(matches!(err, VaultError::InvalidMasterKeyEnv { .. }));
        assert!(err.to_string().contains("PLUMB_MASTER_KEY"));
    }

    #[test]
    fn missing_and_garbled_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("absent.key");
        let err = MasterKey::load(&missing).unwrap_err();
        assert!(matches!(err, VaultError::KeyFileMissing { .. }));
        assert!(err.to_string().contains("does not exist"));

        for (content, reason) in [
            (&b"garbage!!"[..], "not base64"),
            (&b"   \n"[..], "empty"),
            (&b"c2hvcnQ=\n"[..], "not 32 bytes once decoded"),
            (&[0xffu8, 0xfe, 0x00][..], "not text"),
        ] {
            let path = dir.path().join("bad.key");
            std::fs::write(&path, content).unwrap();
            let err = MasterKey::load_or_create(&path).unwrap_err();
            match &err {
                VaultError::InvalidKeyFile { reason: r, .. } => assert_eq!(*r, reason),
                other => panic!("{other:?}"),
            }
            assert!(err.to_string().contains("bad.key"));
            // The garbled file is left alone, never replaced by a fresh key.
            assert_eq!(std::fs::read(&path).unwrap(), content);
        }
    }
}
