//! Signing keys of embedded sign-in (`organization { signingKeys }`,
//! `importOrganizationSigningKey`, `createOrganizationSigningKey`,
//! `deleteOrganizationSigningKey`; prism's `organization:signing-keys:*`).
//!
//! Rules: only organization admins manage them. An imported key is an RSA public key (PEM,
//! at most 16 KiB), refused with a clear message under `publicKey` otherwise. A generated key's
//! private key is answered once and never stored: plumb keeps the public key and the private
//! key's last 8 characters (`privateKeyPreview`) to recognise it. An organization keeps at most
//! 20 keys. Public keys are not secrets; nothing here is sealed because nothing secret is kept.

use plumb_store::signing_keys::SigningKey;
use plumb_store::StoreError;
use plumb_vault::signing_key::{generate_signing_key, public_key_pem};
use plumb_vault::SecretString;
use uuid::Uuid;

use crate::tokens::require_admin;
use crate::{Caller, ServiceError, Services};

/// How many trailing characters of a generated private key are kept.
const PREVIEW_CHARS: usize = 8;

/// A generated key: its private half, shown once.
pub struct GeneratedKey {
    /// The stored key.
    pub key: SigningKey,
    /// The private key, PKCS#8 PEM.
    pub private_key: SecretString,
}

fn conflict(e: StoreError) -> ServiceError {
    match e {
        StoreError::Conflict(message) => ServiceError::invalid("publicKey", message),
        other => other.into(),
    }
}

impl Services {
    /// The organization's signing keys, oldest first.
    pub async fn signing_keys(&self, caller: &Caller) -> Result<Vec<SigningKey>, ServiceError> {
        require_admin(caller)?;
        Ok(self.store.list_signing_keys(caller.org_id).await?)
    }

    /// Imports a public key.
    pub async fn import_signing_key(
        &self,
        caller: &Caller,
        public_key: &str,
    ) -> Result<SigningKey, ServiceError> {
        require_admin(caller)?;
        let pem = public_key_pem(public_key)
            .map_err(|e| ServiceError::invalid("publicKey", e.to_string()))?;
        self.store
            .add_signing_key(caller.org_id, &pem, None, true)
            .await
            .map_err(conflict)
    }

    /// Generates a key pair, keeps its public key and answers its private key once.
    pub async fn generate_signing_key(
        &self,
        caller: &Caller,
    ) -> Result<GeneratedKey, ServiceError> {
        require_admin(caller)?;
        let pair = generate_signing_key().map_err(|e| {
            tracing::error!(error = %e, "signing key generation failed");
            ServiceError::invalid("input", "the key pair could not be generated; try again")
        })?;
        let body: String = pair
            .private_pem
            .expose()
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let preview = &body[body.len().saturating_sub(PREVIEW_CHARS)..];
        let key = self
            .store
            .add_signing_key(caller.org_id, &pair.public_pem, Some(preview), false)
            .await
            .map_err(conflict)?;
        Ok(GeneratedKey {
            key,
            private_key: pair.private_pem,
        })
    }

    /// Deletes a signing key (`None`: an ID that did not decode); JWTs it signed stop working.
    pub async fn delete_signing_key(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<SigningKey, ServiceError> {
        require_admin(caller)?;
        let id = id.ok_or_else(|| ServiceError::invalid("id", "signing key not found"))?;
        match self.store.delete_signing_key(caller.org_id, id).await {
            Ok(k) => Ok(k),
            Err(StoreError::NotFound) => Err(ServiceError::invalid("id", "signing key not found")),
            Err(e) => Err(e.into()),
        }
    }
}
