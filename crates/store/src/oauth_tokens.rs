//! OAuth 2.0 token sets of connections (sealed), the cross-process refresh lease, and
//! authorization-code authorizations in progress.
//!
//! - A token set is stored per `(org_id, connection_id)` as the JSON `plumb-auth` gives, sealed
//!   with the organization's data key (record = the connection ID, field `oauth_tokens`): the
//!   plaintext never reaches the database. Callers hand it over as a [`SecretString`].
//! - [`lease`]: on PostgreSQL a transaction holding `SELECT ... FOR UPDATE` on the token row
//!   (inserted first, empty, when missing), so one process at a time refreshes a connection's
//!   tokens. On SQLite (one process) there is nothing to lease: `None`.
//! - Authorizations: only the SHA-256 of the `state` is stored, the PKCE verifier is sealed
//!   (record = the row's `id`, field `pkce_verifier`); [`take_authorization`] consumes a state
//!   once and refuses it after its expiry.
//!
//! Every query of tokens filters by organization. The two lookups that cannot know the
//! organization yet are by unguessable or globally unique keys: [`take_authorization`] (by the
//! state's hash, from the callback) and [`connection_org`] (the owner of a connection ID).

use sha2::{Digest, Sha256};
use sqlx::any::Any;
use sqlx::Row;
use uuid::Uuid;

use plumb_vault::SecretString;

use crate::orgs::{parse_opt_uuid, parse_uuid};
use crate::secrets::{SecretsError, Vault};
use crate::{new_id, now_ms, Backend, Store, StoreError};

/// The sealed field of a token row.
const TOKENS_FIELD: &str = "oauth_tokens";
/// The sealed field of an authorization's PKCE verifier.
const VERIFIER_FIELD: &str = "pkce_verifier";

/// The record a connection's token set is sealed for: the connection ID when it is a UUID (it
/// is for every stored connection), otherwise a name-based UUID of it.
fn record_of(connection_id: &str) -> Uuid {
    Uuid::parse_str(connection_id)
        .unwrap_or_else(|_| Uuid::new_v5(&Uuid::NAMESPACE_OID, connection_id.as_bytes()))
}

async fn open_tokens(
    vault: &Vault,
    org_id: Uuid,
    connection_id: &str,
    sealed: Option<Vec<u8>>,
) -> Result<Option<SecretString>, SecretsError> {
    match sealed {
        None => Ok(None),
        Some(s) => Ok(Some(
            vault
                .open(org_id, record_of(connection_id), TOKENS_FIELD, &s)
                .await?,
        )),
    }
}

/// The organization that owns a stored connection ID (a connection value set's ID or a scoped
/// config variable's ID); `None` for anything else (e.g. a definition's own connection, whose
/// ID is its config var key).
pub async fn connection_org(
    store: &Store,
    connection_id: &str,
) -> Result<Option<Uuid>, StoreError> {
    let Ok(id) = Uuid::parse_str(connection_id) else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT org_id FROM connection_value_sets WHERE id = $1
         UNION ALL SELECT org_id FROM scoped_config_vars WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&store.read)
    .await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(Some(parse_uuid(&r, "org_id")?)),
    }
}

/// The token set (JSON) of a connection, opened; `None` when none is stored.
pub async fn load_tokens(
    vault: &Vault,
    org_id: Uuid,
    connection_id: &str,
) -> Result<Option<SecretString>, SecretsError> {
    let sealed: Option<Option<Vec<u8>>> = sqlx::query_scalar(
        "SELECT sealed FROM oauth_tokens WHERE org_id = $1 AND connection_id = $2",
    )
    .bind(org_id.to_string())
    .bind(connection_id)
    .fetch_optional(&vault.store().read)
    .await?;
    open_tokens(vault, org_id, connection_id, sealed.flatten()).await
}

const UPSERT: &str = "INSERT INTO oauth_tokens (org_id, connection_id, sealed, updated_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (org_id, connection_id)
     DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at";

/// Whether a token set of a connection is stored (without opening it).
pub async fn has_tokens(
    store: &Store,
    org_id: Uuid,
    connection_id: &str,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT connection_id FROM oauth_tokens
         WHERE org_id = $1 AND connection_id = $2 AND sealed IS NOT NULL",
    )
    .bind(org_id.to_string())
    .bind(connection_id)
    .fetch_optional(&store.read)
    .await?;
    Ok(row.is_some())
}

/// Seals and saves (replaces) the token set (JSON) of a connection.
pub async fn save_tokens(
    vault: &Vault,
    org_id: Uuid,
    connection_id: &str,
    tokens_json: &SecretString,
) -> Result<(), SecretsError> {
    let sealed = vault
        .seal(org_id, record_of(connection_id), TOKENS_FIELD, tokens_json)
        .await?;
    sqlx::query(UPSERT)
        .bind(org_id.to_string())
        .bind(connection_id)
        .bind(sealed)
        .bind(now_ms())
        .execute(&vault.store().write)
        .await?;
    Ok(())
}

/// Forgets the tokens of a connection; answers whether there were any.
pub async fn delete_tokens(
    store: &Store,
    org_id: Uuid,
    connection_id: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM oauth_tokens WHERE org_id = $1 AND connection_id = $2")
        .bind(org_id.to_string())
        .bind(connection_id)
        .execute(&store.write)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// An exclusive hold on one connection's token row (PostgreSQL): a transaction that has
/// locked the row with `SELECT ... FOR UPDATE`. [`TokenRowLease::commit`] makes what was saved
/// visible and releases it; dropping it rolls back and releases.
pub struct TokenRowLease {
    tx: sqlx::Transaction<'static, Any>,
    vault: Vault,
    org_id: Uuid,
    connection_id: String,
}

impl std::fmt::Debug for TokenRowLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRowLease")
            .field("org_id", &self.org_id)
            .field("connection_id", &self.connection_id)
            .finish_non_exhaustive()
    }
}

/// Takes the cross-process lease on a connection's tokens: on PostgreSQL, waits for the row
/// lock (creating an empty row first when there is none); on SQLite `None` (a single process
/// uses the file, and in-process refresh is already single-flight).
pub async fn lease(
    vault: &Vault,
    org_id: Uuid,
    connection_id: &str,
) -> Result<Option<TokenRowLease>, SecretsError> {
    let store = vault.store();
    if store.backend() != Backend::Postgres {
        return Ok(None);
    }
    let mut tx = store.write.begin().await?;
    sqlx::query(
        "INSERT INTO oauth_tokens (org_id, connection_id, sealed, updated_at)
         VALUES ($1, $2, NULL, $3) ON CONFLICT (org_id, connection_id) DO NOTHING",
    )
    .bind(org_id.to_string())
    .bind(connection_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "SELECT connection_id FROM oauth_tokens WHERE org_id = $1 AND connection_id = $2
         FOR UPDATE",
    )
    .bind(org_id.to_string())
    .bind(connection_id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(Some(TokenRowLease {
        tx,
        vault: vault.clone(),
        org_id,
        connection_id: connection_id.to_string(),
    }))
}

impl TokenRowLease {
    /// The token set as it is now (another process may have refreshed it before the lock).
    pub async fn load(&mut self) -> Result<Option<SecretString>, SecretsError> {
        let sealed: Option<Option<Vec<u8>>> = sqlx::query_scalar(
            "SELECT sealed FROM oauth_tokens WHERE org_id = $1 AND connection_id = $2",
        )
        .bind(self.org_id.to_string())
        .bind(&self.connection_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        open_tokens(
            &self.vault,
            self.org_id,
            &self.connection_id,
            sealed.flatten(),
        )
        .await
    }

    /// Seals and saves under the lock (visible to others on [`TokenRowLease::commit`]).
    pub async fn save(&mut self, tokens_json: &SecretString) -> Result<(), SecretsError> {
        let sealed = self
            .vault
            .seal(
                self.org_id,
                record_of(&self.connection_id),
                TOKENS_FIELD,
                tokens_json,
            )
            .await?;
        sqlx::query(UPSERT)
            .bind(self.org_id.to_string())
            .bind(&self.connection_id)
            .bind(sealed)
            .bind(now_ms())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Commits and releases the lock.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// An authorization-code authorization to remember until its callback.
#[derive(Debug, Clone)]
pub struct NewAuthorization<'a> {
    /// The organization.
    pub org_id: Uuid,
    /// The scoped config variable whose values are being authorized.
    pub scoped_id: Uuid,
    /// The customer whose values these are; `None` with `is_test`.
    pub customer_id: Option<Uuid>,
    /// The test credentials.
    pub is_test: bool,
    /// The resolved connection's ID (where the tokens will be stored).
    pub connection_id: &'a str,
    /// The `redirect_uri` sent with the authorization (the code exchange repeats it).
    pub redirect_uri: &'a str,
    /// The PKCE verifier, sealed before it is written.
    pub verifier: Option<&'a SecretString>,
    /// How long the state stays valid, in milliseconds.
    pub ttl_ms: i64,
}

/// An authorization taken back by its state.
#[derive(Debug)]
pub struct PendingAuthorization {
    /// The organization.
    pub org_id: Uuid,
    /// The scoped config variable.
    pub scoped_id: Uuid,
    /// The customer, if any.
    pub customer_id: Option<Uuid>,
    /// The test credentials.
    pub is_test: bool,
    /// The connection ID the tokens belong to.
    pub connection_id: String,
    /// The `redirect_uri` of the authorization.
    pub redirect_uri: String,
    /// The PKCE verifier, opened.
    pub verifier: Option<SecretString>,
}

fn state_hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

/// Remembers an authorization under `state` (only its hash is stored). Expired authorizations
/// of the organization are removed on the way.
pub async fn save_authorization(
    vault: &Vault,
    state: &str,
    a: &NewAuthorization<'_>,
) -> Result<(), SecretsError> {
    let id = new_id();
    let sealed = match a.verifier {
        Some(v) => Some(vault.seal(a.org_id, id, VERIFIER_FIELD, v).await?),
        None => None,
    };
    let now = now_ms();
    let store = vault.store();
    sqlx::query("DELETE FROM oauth_authorizations WHERE org_id = $1 AND expires_at < $2")
        .bind(a.org_id.to_string())
        .bind(now)
        .execute(&store.write)
        .await?;
    let sql = match sealed {
        Some(_) => {
            "INSERT INTO oauth_authorizations (state_hash, id, org_id, scoped_id, customer_id,
                 is_test, connection_id, redirect_uri, created_at, expires_at, verifier_sealed)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        }
        None => {
            "INSERT INTO oauth_authorizations (state_hash, id, org_id, scoped_id, customer_id,
                 is_test, connection_id, redirect_uri, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        }
    };
    let mut q = sqlx::query(sql)
        .bind(state_hash(state))
        .bind(id.to_string())
        .bind(a.org_id.to_string())
        .bind(a.scoped_id.to_string())
        .bind(a.customer_id.map(|c| c.to_string()))
        .bind(i64::from(a.is_test))
        .bind(a.connection_id)
        .bind(a.redirect_uri)
        .bind(now)
        .bind(now.saturating_add(a.ttl_ms));
    if let Some(s) = sealed {
        q = q.bind(s);
    }
    q.execute(&store.write).await?;
    Ok(())
}

/// Consumes the authorization of `state`: `None` when it is unknown, already used, or expired
/// (an expired one is removed too).
pub async fn take_authorization(
    vault: &Vault,
    state: &str,
) -> Result<Option<PendingAuthorization>, SecretsError> {
    let row = sqlx::query(
        "DELETE FROM oauth_authorizations WHERE state_hash = $1
         RETURNING id, org_id, scoped_id, customer_id, is_test, connection_id, redirect_uri,
                   verifier_sealed, expires_at",
    )
    .bind(state_hash(state))
    .fetch_optional(&vault.store().write)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let expires_at: i64 = row.try_get("expires_at")?;
    if expires_at < now_ms() {
        return Ok(None);
    }
    let id = parse_uuid(&row, "id")?;
    let org_id = parse_uuid(&row, "org_id")?;
    let sealed: Option<Vec<u8>> = row.try_get("verifier_sealed")?;
    let verifier = match sealed {
        Some(s) => Some(vault.open(org_id, id, VERIFIER_FIELD, &s).await?),
        None => None,
    };
    Ok(Some(PendingAuthorization {
        org_id,
        scoped_id: parse_uuid(&row, "scoped_id")?,
        customer_id: parse_opt_uuid(&row, "customer_id")?,
        is_test: row.try_get::<i64, _>("is_test")? != 0,
        connection_id: row.try_get("connection_id")?,
        redirect_uri: row.try_get("redirect_uri")?,
        verifier,
    }))
}
