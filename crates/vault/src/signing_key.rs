//! RSA signing keys of embedded sign-in: an organization signs its customer users' JWTs with a
//! private key only it holds; plumb keeps the public key to check them.
//!
//! [`generate_signing_key`] makes a 2048-bit RSA key pair: the private key (PKCS#8 PEM) is for
//! the caller to show once, never stored; [`public_key_pem`] checks an imported public key
//! (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY` PEM) and answers it in SPKI PEM.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKey};
use aws_lc_rs::signature::KeyPair as _;

use crate::{SecretString, VaultError};

/// Most bytes of an imported public key's PEM text.
pub const MAX_PUBLIC_KEY_PEM: usize = 16 * 1024;

/// A new signing key pair.
pub struct SigningKeyPair {
    /// The private key, PKCS#8 PEM: shown once to whoever asked for it.
    pub private_pem: SecretString,
    /// The public key, SPKI PEM.
    pub public_pem: String,
}

/// Generates an RSA-2048 signing key pair.
pub fn generate_signing_key() -> Result<SigningKeyPair, VaultError> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| VaultError::KeyGeneration)?;
    let private = pair.as_der().map_err(|_| VaultError::KeyGeneration)?;
    let public = pair
        .public_key()
        .as_der()
        .map_err(|_| VaultError::KeyGeneration)?;
    let private_pem = pem::encode(&pem::Pem::new("PRIVATE KEY", private.as_ref().to_vec()));
    Ok(SigningKeyPair {
        private_pem: SecretString::new(private_pem),
        public_pem: pem::encode(&pem::Pem::new("PUBLIC KEY", public.as_ref().to_vec())),
    })
}

/// Why an imported public key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicKeyError {
    /// Longer than [`MAX_PUBLIC_KEY_PEM`].
    #[error("is longer than {MAX_PUBLIC_KEY_PEM} bytes")]
    TooLong,
    /// Not one PEM block.
    #[error("is not a PEM text (-----BEGIN PUBLIC KEY----- ...)")]
    NotPem,
    /// A PEM block of another kind (a private key, a certificate, ...).
    #[error("is a PEM `{0}`, not a `PUBLIC KEY` or `RSA PUBLIC KEY`")]
    WrongKind(String),
    /// Not a valid RSA public key.
    #[error("is not a valid RSA public key")]
    NotRsa,
}

/// The SPKI PEM of the RSA public key in `text` (SPKI or PKCS#1 PEM).
pub fn public_key_pem(text: &str) -> Result<String, PublicKeyError> {
    if text.len() > MAX_PUBLIC_KEY_PEM {
        return Err(PublicKeyError::TooLong);
    }
    let block = pem::parse(text.trim()).map_err(|_| PublicKeyError::NotPem)?;
    match block.tag() {
        "PUBLIC KEY" | "RSA PUBLIC KEY" => {}
        other => return Err(PublicKeyError::WrongKind(other.to_string())),
    }
    let key = PublicKey::from_der(block.contents()).map_err(|_| PublicKeyError::NotRsa)?;
    let spki = key.as_der().map_err(|_| PublicKeyError::NotRsa)?;
    Ok(pem::encode(&pem::Pem::new(
        "PUBLIC KEY",
        spki.as_ref().to_vec(),
    )))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_generated_public_key_imports_and_a_private_key_does_not() {
        let pair = generate_signing_key().unwrap();
        assert!(pair
            .private_pem
            .expose()
            .starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(public_key_pem(&pair.public_pem).unwrap(), pair.public_pem);
        assert_eq!(
            public_key_pem(pair.private_pem.expose()),
            Err(PublicKeyError::WrongKind("PRIVATE KEY".into()))
        );
        assert_eq!(public_key_pem("hello"), Err(PublicKeyError::NotPem));
        let junk = pem::encode(&pem::Pem::new("PUBLIC KEY", vec![1, 2, 3]));
        assert_eq!(public_key_pem(&junk), Err(PublicKeyError::NotRsa));
        assert_eq!(
            public_key_pem(&"x".repeat(MAX_PUBLIC_KEY_PEM + 1)),
            Err(PublicKeyError::TooLong)
        );
    }
}
