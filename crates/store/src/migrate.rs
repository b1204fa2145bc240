//! Embedded schema migrations, one list per backend, applied in order and recorded in
//! `plumb_migrations`. On PostgreSQL an advisory lock keeps several nodes that start at once
//! from applying the same migration twice.

use sqlx::{Acquire, Executor};

use crate::{Backend, Store, StoreError};

/// One migration: its version and its SQL.
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

macro_rules! migrations {
    ($dir:literal: $($version:literal $name:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../migrations/", $dir, "/", $name, ".sql")),
        }),*]
    };
}

const SQLITE: &[Migration] = migrations!("sqlite": 1 "0001_foundation", 2 "0002_connections", 3 "0003_integrations", 4 "0004_instances", 5 "0005_oauth_tokens", 6 "0006_write_probe", 7 "0007_integration_models", 8 "0008_console_sessions", 9 "0009_cross_flow", 11 "0011_signing_keys", 12 "0012_claim_index", 13 "0013_customer_users", 14 "0014_embedded_origins", 15 "0015_model_integrations", 18 "0018_recursive_flow", 20 "0020_marketplace", 21 "0021_model_call_relays");
const POSTGRES: &[Migration] = migrations!("postgres": 1 "0001_foundation", 2 "0002_connections", 3 "0003_integrations", 4 "0004_instances", 5 "0005_oauth_tokens", 6 "0006_write_probe", 7 "0007_integration_models", 8 "0008_console_sessions", 9 "0009_cross_flow", 11 "0011_signing_keys", 12 "0012_claim_index", 13 "0013_customer_users", 14 "0014_embedded_origins", 15 "0015_model_integrations", 18 "0018_recursive_flow", 20 "0020_marketplace", 21 "0021_model_call_relays");

/// Arbitrary constant key of the PostgreSQL advisory lock taken while migrating.
const PG_LOCK_KEY: i64 = 0x0070_6c75_6d62; // "plumb"

impl Store {
    /// Applies pending migrations; returns how many were applied.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let list = match self.backend {
            Backend::Sqlite => SQLITE,
            Backend::Postgres => POSTGRES,
        };
        let mut conn = self.write.acquire().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(PG_LOCK_KEY)
                .execute(&mut *conn)
                .await?;
        }
        let result = async {
            conn.execute(
                "CREATE TABLE IF NOT EXISTS plumb_migrations (
                     version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .await?;
            let mut applied = 0;
            for m in list {
                let done: Option<i64> =
                    sqlx::query_scalar("SELECT version FROM plumb_migrations WHERE version = $1")
                        .bind(m.version)
                        .fetch_optional(&mut *conn)
                        .await?;
                if done.is_some() {
                    continue;
                }
                let mut tx = conn.begin().await?;
                tx.execute(m.sql).await?;
                sqlx::query(
                    "INSERT INTO plumb_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                )
                .bind(m.version)
                .bind(m.name)
                .bind(crate::now_ms())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                tracing::info!(version = m.version, name = m.name, "applied migration");
                applied += 1;
            }
            Ok::<usize, StoreError>(applied)
        }
        .await;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(PG_LOCK_KEY)
                .execute(&mut *conn)
                .await?;
        }
        result
    }
}
