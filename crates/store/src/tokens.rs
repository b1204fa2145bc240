//! API tokens: random 256-bit secrets stored only as their SHA-256 hash, carrying roles and
//! optionally bound to one customer.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use uuid::Uuid;

use crate::orgs::{parse_opt_uuid, parse_uuid};
use crate::{new_id, now_ms, Store, StoreError};

/// The prefix of every API token (lets secret scanners recognize them).
pub const TOKEN_PREFIX: &str = "plumb_";

/// A role a token carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Everything, including tokens.
    Admin,
    /// Builds integrations and manages organization config and connections.
    Designer,
    /// Manages customers, their config and instances.
    Deployer,
    /// Reads.
    Viewer,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Designer, Role::Deployer, Role::Viewer];

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Designer => "designer",
            Role::Deployer => "deployer",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("unknown role {s:?} (admin, designer, deployer, viewer)"))
    }
}

/// A token's record (never its secret).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    /// Its ID.
    pub id: Uuid,
    /// Its organization.
    pub org_id: Uuid,
    /// A name to recognize it by.
    pub name: String,
    /// Its roles.
    pub roles: Vec<Role>,
    /// The customer it is bound to, if any.
    pub customer_id: Option<Uuid>,
    /// Creation time (ms).
    pub created_at: i64,
    /// Revocation time (ms), if revoked.
    pub revoked_at: Option<i64>,
}

impl ApiToken {
    /// Whether the token carries `role` (admin carries every role).
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&Role::Admin) || self.roles.contains(&role)
    }
}

/// Hashes a token's secret for storage and lookup.
pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A token from a row with the columns of [`COLUMNS`] (or [`TOKEN_COLUMNS_T`]).
pub(crate) fn token_from_row(row: &AnyRow) -> Result<ApiToken, StoreError> {
    let roles: String = row.try_get("roles")?;
    Ok(ApiToken {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        name: row.try_get("name")?,
        roles: roles
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| r.parse().map_err(StoreError::Corrupt))
            .collect::<Result<_, _>>()?,
        customer_id: parse_opt_uuid(row, "customer_id")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

const COLUMNS: &str = "id, org_id, name, roles, customer_id, created_at, revoked_at";

/// [`COLUMNS`] of a query that names the token table `t`.
pub(crate) const TOKEN_COLUMNS_T: &str =
    "t.id, t.org_id, t.name, t.roles, t.customer_id, t.created_at, t.revoked_at";

impl Store {
    /// Creates a token; answers its record and its secret, which is shown once and never stored.
    pub async fn create_token(
        &self,
        org_id: Uuid,
        name: &str,
        roles: &[Role],
        customer_id: Option<Uuid>,
    ) -> Result<(ApiToken, String), StoreError> {
        if let Some(c) = customer_id {
            self.get_customer(org_id, c).await?;
        }
        let secret = generate_secret();
        let mut roles = roles.to_vec();
        roles.sort();
        roles.dedup();
        let token = ApiToken {
            id: new_id(),
            org_id,
            name: name.to_string(),
            roles,
            customer_id,
            created_at: now_ms(),
            revoked_at: None,
        };
        let roles_text = token
            .roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query(
            "INSERT INTO api_tokens (id, org_id, name, token_hash, roles, customer_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token.id.to_string())
        .bind(org_id.to_string())
        .bind(&token.name)
        .bind(hash_token(&secret))
        .bind(roles_text)
        .bind(customer_id.map(|c| c.to_string()))
        .bind(token.created_at)
        .execute(&self.write)
        .await?;
        Ok((token, secret))
    }

    /// Finds the live (unrevoked) token with this secret.
    pub async fn authenticate_token(&self, secret: &str) -> Result<Option<ApiToken>, StoreError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
        )))
        .bind(hash_token(secret))
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    /// Lists an organization's tokens, newest last.
    pub async fn list_tokens(&self, org_id: Uuid) -> Result<Vec<ApiToken>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE org_id = $1 ORDER BY id"
        )))
        .bind(org_id.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Revokes a token. Revoking a revoked token is not an error.
    pub async fn revoke_token(&self, org_id: Uuid, id: Uuid) -> Result<ApiToken, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND org_id = $3",
        )
        .bind(now_ms())
        .bind(id.to_string())
        .bind(org_id.to_string())
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_one(&self.write)
        .await?;
        token_from_row(&row)
    }
}
