//! The server's token store: [`SealedTokenStore`] implements `plumb_auth::TokenStore` over
//! `plumb_store::oauth_tokens`, so OAuth 2.0 tokens are cached in the database sealed with the
//! organization's data key, and refreshed single-flight across processes on PostgreSQL (a row
//! lock held by the lease). Also: [`catalog_with_vault`] (the component catalog whose HTTP
//! actions use that store) and the authorization-code flow of `/oauth2/callback`
//! ([`start_authorization`], [`complete_authorization`]).
//!
//! **Which organization.** A connection ID (`plumb_core::action::Connection.id`) is the UUID of
//! a connection value set (or of a scoped config variable when only its global values apply),
//! which belongs to exactly one organization:
//! - [`SealedTokenStore::new`] is process-wide (one per registry): it finds the organization
//!   owning a connection ID once (`oauth_tokens::connection_org`), caches it, and then reads and
//!   writes only that organization's rows. An ID that is no stored connection (a definition's own
//!   connection, whose ID is its config var key) is kept in process memory, not persisted.
//! - [`SealedTokenStore::for_org`] serves one organization: every ID is stored under it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use plumb_auth::{
    AuthClient, AuthError, MemoryTokenStore, TokenLease, TokenSet, TokenStore, TokenStoreError,
};
use plumb_engine::Catalog;
use plumb_store::oauth_tokens::{self, NewAuthorization, TokenRowLease};
use plumb_store::secrets::{SecretsError, Vault};
use plumb_vault::SecretString;
use uuid::Uuid;

pub use plumb_auth::CallbackParams;

/// How long an authorization started by [`start_authorization`] waits for its callback.
pub const AUTHORIZATION_TTL: Duration = Duration::from_secs(10 * 60);

/// A `plumb_auth::TokenStore` in the database, sealed (see the module documentation).
pub struct SealedTokenStore {
    vault: Vault,
    org: Option<Uuid>,
    owners: Mutex<HashMap<String, Uuid>>,
    local: MemoryTokenStore,
}

impl std::fmt::Debug for SealedTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedTokenStore")
            .field("org", &self.org)
            .finish_non_exhaustive()
    }
}

fn store_err(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> TokenStoreError {
    TokenStoreError::new(e)
}

fn to_json(tokens: &TokenSet) -> Result<SecretString, TokenStoreError> {
    serde_json::to_string(tokens)
        .map(SecretString::new)
        .map_err(store_err)
}

fn from_json(json: Option<SecretString>) -> Result<Option<TokenSet>, TokenStoreError> {
    match json {
        None => Ok(None),
        // serde_json's errors name a position, never the input.
        Some(j) => serde_json::from_str(j.expose())
            .map(Some)
            .map_err(store_err),
    }
}

impl SealedTokenStore {
    /// A process-wide store: the organization of each connection ID is looked up.
    pub fn new(vault: Vault) -> Self {
        SealedTokenStore {
            vault,
            org: None,
            owners: Mutex::new(HashMap::new()),
            local: MemoryTokenStore::new(),
        }
    }

    /// A store for one organization's connections.
    pub fn for_org(vault: Vault, org_id: Uuid) -> Self {
        SealedTokenStore {
            org: Some(org_id),
            ..SealedTokenStore::new(vault)
        }
    }

    /// The organization whose rows hold `connection_id`'s tokens; `None`: not persisted.
    async fn org_of(&self, connection_id: &str) -> Result<Option<Uuid>, TokenStoreError> {
        if self.org.is_some() {
            return Ok(self.org);
        }
        let lock = || self.owners.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(org) = lock().get(connection_id) {
            return Ok(Some(*org));
        }
        let found = oauth_tokens::connection_org(self.vault.store(), connection_id)
            .await
            .map_err(store_err)?;
        if let Some(org) = found {
            lock().insert(connection_id.to_string(), org);
        }
        Ok(found)
    }
}

#[async_trait]
impl TokenStore for SealedTokenStore {
    async fn load(&self, connection_id: &str) -> Result<Option<TokenSet>, TokenStoreError> {
        match self.org_of(connection_id).await? {
            None => self.local.load(connection_id).await,
            Some(org) => from_json(
                oauth_tokens::load_tokens(&self.vault, org, connection_id)
                    .await
                    .map_err(store_err)?,
            ),
        }
    }

    async fn save(&self, connection_id: &str, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        match self.org_of(connection_id).await? {
            None => self.local.save(connection_id, tokens).await,
            Some(org) => {
                oauth_tokens::save_tokens(&self.vault, org, connection_id, &to_json(tokens)?)
                    .await
                    .map_err(store_err)
            }
        }
    }

    async fn delete(&self, connection_id: &str) -> Result<(), TokenStoreError> {
        match self.org_of(connection_id).await? {
            None => self.local.delete(connection_id).await,
            Some(org) => oauth_tokens::delete_tokens(self.vault.store(), org, connection_id)
                .await
                .map(|_| ())
                .map_err(store_err),
        }
    }

    async fn lease(
        &self,
        connection_id: &str,
    ) -> Result<Option<Box<dyn TokenLease>>, TokenStoreError> {
        let Some(org) = self.org_of(connection_id).await? else {
            return Ok(None);
        };
        let lease = oauth_tokens::lease(&self.vault, org, connection_id)
            .await
            .map_err(store_err)?;
        Ok(lease.map(|inner| Box::new(RowLease { inner }) as Box<dyn TokenLease>))
    }
}

/// The PostgreSQL row lock of one connection's tokens, as a `plumb_auth::TokenLease`.
struct RowLease {
    inner: TokenRowLease,
}

#[async_trait]
impl TokenLease for RowLease {
    async fn load(&mut self) -> Result<Option<TokenSet>, TokenStoreError> {
        from_json(self.inner.load().await.map_err(store_err)?)
    }

    async fn save(&mut self, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        self.inner.save(&to_json(tokens)?).await.map_err(store_err)
    }

    async fn release(self: Box<Self>) -> Result<(), TokenStoreError> {
        self.inner.commit().await.map_err(store_err)
    }
}

/// The server's catalog: [`crate::build_catalog`] with the `http` and `salesforce` actions
/// sending through one `AuthClient` over a process-wide [`SealedTokenStore`]. Build it once per
/// process (each call makes a new client pool and token cache).
pub fn catalog_with_vault(vault: Vault) -> Arc<Catalog> {
    crate::build_catalog(Arc::new(AuthClient::new(Arc::new(SealedTokenStore::new(
        vault,
    )))))
}

/// Why an authorization could not be started or completed. Messages name no secret.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizationError {
    /// The values to authorize do not exist (no such variable, customer values or test
    /// credentials).
    #[error("the connection has no values to authorize")]
    NoValues,
    /// The connection type has no authorization-code flow.
    #[error("the connection type `{0}` is not an OAuth 2.0 authorization-code connection")]
    NotAuthorizationCode(String),
    /// The callback's state is missing, unknown, already used or expired.
    #[error("unknown or expired authorization state")]
    UnknownState,
    /// The callback has no `code`.
    #[error("the callback has no authorization code")]
    MissingCode,
    /// The authorization server answered the callback with an error.
    #[error("the authorization was refused: {error}")]
    Denied {
        /// Its `error` code.
        error: String,
        /// Its `error_description`.
        description: Option<String>,
    },
    /// Bad connection inputs, or the code exchange failed (the token call's envelope, no
    /// secret).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A database or vault failure (log it; show a generic message).
    #[error("internal error: {0}")]
    Internal(#[from] SecretsError),
}

/// Whether a connection type key uses the authorization-code flow.
fn is_authorization_code(conn: &plumb_core::action::Connection) -> bool {
    is_authorization_code_type(&conn.component, &conn.key)
}

/// Whether the connection type `key` of `component` uses the authorization-code flow (a
/// person authorizes it in a browser).
pub fn is_authorization_code_type(component: &str, key: &str) -> bool {
    key == "oauth2AuthorizationCode" || (component == "salesforce" && key == "oauth2")
}

/// Whether `customer`'s values of the scoped connection `scoped_id` hold tokens (an
/// authorization completed); `false` when the customer has no values.
pub async fn connection_has_tokens(
    vault: &Vault,
    org_id: Uuid,
    scoped_id: Uuid,
    customer: Uuid,
) -> Result<bool, AuthorizationError> {
    let conn = plumb_store::resolve::resolve_scoped_connection_by_id(
        vault,
        org_id,
        scoped_id,
        Some(customer),
        false,
    )
    .await?;
    match conn {
        None => Ok(false),
        Some(c) => Ok(oauth_tokens::has_tokens(vault.store(), org_id, &c.id)
            .await
            .map_err(SecretsError::from)?),
    }
}

/// What to authorize: one customer's values of a scoped connection, or its test credentials.
#[derive(Debug, Clone, Copy)]
pub struct AuthorizationTarget {
    /// The organization.
    pub org_id: Uuid,
    /// The scoped config variable.
    pub scoped_id: Uuid,
    /// The customer (ignored with `is_test`).
    pub customer_id: Option<Uuid>,
    /// The test credentials.
    pub is_test: bool,
}

async fn resolve(
    vault: &Vault,
    t: &AuthorizationTarget,
) -> Result<plumb_core::action::Connection, AuthorizationError> {
    let customer = if t.is_test { None } else { t.customer_id };
    let conn = plumb_store::resolve::resolve_scoped_connection_by_id(
        vault,
        t.org_id,
        t.scoped_id,
        customer,
        t.is_test,
    )
    .await?
    .ok_or(AuthorizationError::NoValues)?;
    if !is_authorization_code(&conn) {
        return Err(AuthorizationError::NotAuthorizationCode(conn.key));
    }
    Ok(conn)
}

/// Starts an authorization of `target`'s values: answers the authorize URL (with `state` and
/// the PKCE S256 challenge). The state is remembered in the database (only its hash; the
/// verifier sealed) for [`AUTHORIZATION_TTL`], so any process can take the callback.
/// `redirect_uri` is `{public_url}/oauth2/callback`.
pub async fn start_authorization(
    vault: &Vault,
    target: &AuthorizationTarget,
    redirect_uri: &str,
) -> Result<String, AuthorizationError> {
    let conn = resolve(vault, target).await?;
    let started = AuthClient::in_memory().start_authorization(&conn, redirect_uri)?;
    let verifier = started
        .verifier
        .as_ref()
        .map(|v| SecretString::new(v.expose()));
    oauth_tokens::save_authorization(
        vault,
        &started.state,
        &NewAuthorization {
            org_id: target.org_id,
            scoped_id: target.scoped_id,
            customer_id: if target.is_test {
                None
            } else {
                target.customer_id
            },
            is_test: target.is_test,
            connection_id: &conn.id,
            redirect_uri,
            verifier: verifier.as_ref(),
            ttl_ms: i64::try_from(AUTHORIZATION_TTL.as_millis()).unwrap_or(i64::MAX),
        },
    )
    .await?;
    Ok(started.url)
}

/// A completed authorization.
#[derive(Debug, Clone)]
pub struct CompletedAuthorization {
    /// The organization.
    pub org_id: Uuid,
    /// The scoped config variable.
    pub scoped_id: Uuid,
    /// The connection ID the tokens are stored under.
    pub connection_id: String,
}

/// Completes an authorization from `/oauth2/callback`'s query: consumes the state (once),
/// exchanges the code with the sealed verifier and saves the tokens sealed. `auth`, when given,
/// is the process's client (its in-memory cache then holds the new tokens at once); otherwise a
/// client over [`SealedTokenStore::for_org`] is used.
pub async fn complete_authorization(
    vault: &Vault,
    auth: Option<&AuthClient>,
    params: &CallbackParams,
) -> Result<CompletedAuthorization, AuthorizationError> {
    let state = params
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or(AuthorizationError::UnknownState)?;
    let pending = oauth_tokens::take_authorization(vault, state)
        .await?
        .ok_or(AuthorizationError::UnknownState)?;
    if let Some(error) = &params.error {
        return Err(AuthorizationError::Denied {
            error: error.clone(),
            description: params.error_description.clone(),
        });
    }
    let code = params
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or(AuthorizationError::MissingCode)?;
    let target = AuthorizationTarget {
        org_id: pending.org_id,
        scoped_id: pending.scoped_id,
        customer_id: pending.customer_id,
        is_test: pending.is_test,
    };
    let conn = resolve(vault, &target).await?;
    if conn.id != pending.connection_id {
        tracing::info!(connection = %conn.id, "the connection's values were replaced during the authorization");
    }
    let verifier = pending.verifier.clone();
    let own;
    let auth = match auth {
        Some(a) => a,
        None => {
            own = AuthClient::new(Arc::new(SealedTokenStore::for_org(
                vault.clone(),
                pending.org_id,
            )));
            &own
        }
    };
    auth.exchange_code(&conn, code, verifier.as_ref(), &pending.redirect_uri)
        .await?;
    Ok(CompletedAuthorization {
        org_id: pending.org_id,
        scoped_id: pending.scoped_id,
        connection_id: conn.id,
    })
}

/// Tests a connection's credentials by obtaining a token (a token request for token-based
/// schemes), under the process's egress policy: `Ok(true)` when a token was obtained,
/// `Ok(false)` for a scheme with no token to obtain (basic, API key, ...), `Err` with the
/// failure (its text never carries a secret). Nothing is cached beyond this call.
pub async fn test_connection(conn: &plumb_core::action::Connection) -> Result<bool, AuthError> {
    let client = AuthClient::in_memory();
    let connected = client.connect(conn)?;
    Ok(connected.token().await?.is_some())
}
