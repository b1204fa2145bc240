//! Web console sessions: a browser signed in with an API token. The cookie's secret is random
//! (256 bits) and stored only as its SHA-256 hash; each session has its own CSRF form token.
//! A session is valid while unexpired and while its token is unrevoked.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use uuid::Uuid;

use crate::tokens::{hash_token, token_from_row, ApiToken, TOKEN_COLUMNS_T};
use crate::{now_ms, Store, StoreError};

/// A live session: its token and its CSRF form token.
#[derive(Debug, Clone)]
pub struct Session {
    /// The signed-in token.
    pub token: ApiToken,
    /// The form token every form of the session carries.
    pub csrf: String,
    /// When the session ends (ms).
    pub expires_at: i64,
}

/// 32 random bytes, URL-safe base64.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Store {
    /// Opens a session for `token_id` lasting `ttl_ms`; answers the cookie secret (shown once,
    /// stored as its hash) and the session.
    pub async fn create_session(
        &self,
        token: &ApiToken,
        ttl_ms: i64,
    ) -> Result<(String, Session), StoreError> {
        let secret = random_secret();
        let csrf = random_secret();
        let now = now_ms();
        let expires_at = now.saturating_add(ttl_ms);
        // Expired sessions are removed as new ones open.
        sqlx::query("DELETE FROM console_sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&self.write)
            .await?;
        sqlx::query(
            "INSERT INTO console_sessions (id, token_id, csrf, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash_token(&secret))
        .bind(token.id.to_string())
        .bind(&csrf)
        .bind(now)
        .bind(expires_at)
        .execute(&self.write)
        .await?;
        Ok((
            secret,
            Session {
                token: token.clone(),
                csrf,
                expires_at,
            },
        ))
    }

    /// The live session whose cookie secret is `secret`.
    pub async fn session(&self, secret: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS_T}, s.csrf, s.expires_at
             FROM console_sessions s JOIN api_tokens t ON t.id = s.token_id
             WHERE s.id = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL"
        )))
        .bind(hash_token(secret))
        .bind(now_ms())
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(Session {
            token: token_from_row(&row)?,
            csrf: row.try_get("csrf")?,
            expires_at: row.try_get("expires_at")?,
        }))
    }

    /// Ends the session whose cookie secret is `secret` (an unknown one is not an error).
    pub async fn delete_session(&self, secret: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM console_sessions WHERE id = $1")
            .bind(hash_token(secret))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Ends every session of a token.
    pub async fn delete_token_sessions(&self, token_id: Uuid) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM console_sessions WHERE token_id = $1")
            .bind(token_id.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
