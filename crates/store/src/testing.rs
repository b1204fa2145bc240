//! Databases for tests: a fresh SQLite file always, and a fresh PostgreSQL database when
//! `PLUMB_TEST_POSTGRES_URL` or `DATABASE_URL` names a server. Each [`TestDb`] owns its database
//! and removes it when dropped, so tests run in parallel and leave nothing behind.

use sqlx::{AnyPool, AssertSqlSafe};

use crate::{Store, StoreError};

/// A throwaway database with a migrated [`Store`] on it.
pub struct TestDb {
    /// The store.
    pub store: Store,
    /// The URL it was opened with.
    pub url: String,
    /// A label for assertion messages (`sqlite` or `postgres`).
    pub label: &'static str,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// The PostgreSQL server URL of the test environment, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("PLUMB_TEST_POSTGRES_URL")
        .ok()
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .filter(|u| u.starts_with("postgres"))
}

impl TestDb {
    /// A fresh SQLite database in a temporary directory.
    pub async fn sqlite() -> Result<TestDb, StoreError> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}/plumb.db", dir.path().display());
        let store = Store::open(&url).await?;
        Ok(TestDb {
            store,
            url,
            label: "sqlite",
            cleanup: Cleanup::Sqlite(dir),
        })
    }

    /// A fresh database on the test PostgreSQL server, or `None` without one.
    pub async fn postgres() -> Result<Option<TestDb>, StoreError> {
        let Some(admin_url) = postgres_url() else {
            return Ok(None);
        };
        sqlx::any::install_default_drivers();
        let name = format!("plumb_test_{}", uuid::Uuid::new_v4().simple());
        let admin = AnyPool::connect(&admin_url).await?;
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await?;
        admin.close().await;
        let url = replace_db_name(&admin_url, &name);
        let store = Store::open(&url).await?;
        Ok(Some(TestDb {
            store,
            url,
            label: "postgres",
            cleanup: Cleanup::Postgres { admin_url, name },
        }))
    }

    /// Every backend of this environment: SQLite, plus PostgreSQL when configured.
    pub async fn all() -> Result<Vec<TestDb>, StoreError> {
        let mut dbs = vec![TestDb::sqlite().await?];
        if let Some(pg) = TestDb::postgres().await? {
            dbs.push(pg);
        }
        Ok(dbs)
    }

    /// The SQLite file's path, if this is SQLite.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        match &self.cleanup {
            Cleanup::Sqlite(dir) => Some(dir.path().join("plumb.db")),
            Cleanup::Postgres { .. } => None,
        }
    }
}

/// Replaces the database name (the URL's path) of a PostgreSQL URL.
fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..host_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside a test's runtime: use a thread with its own runtime. The store's
            // pool is not closed here (its connections live on the test's runtime, blocked in
            // this join); `WITH (FORCE)` ends them server-side.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(admin) = AnyPool::connect(&admin_url).await {
                        let _ = sqlx::query(AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&admin)
                        .await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

impl Store {
    /// For tests: with `full`, caps the SQLite file at its current size (`PRAGMA
    /// max_page_count` on the writer connection), so writes that need a new page fail as on a
    /// full disk; without, lifts the cap. Answers the file's page count. No effect on
    /// PostgreSQL (answers 0).
    pub async fn simulate_full_disk(&self, full: bool) -> Result<i64, StoreError> {
        if self.backend != crate::Backend::Sqlite {
            return Ok(0);
        }
        use sqlx::Row;
        // Free pages would take new rows without growing the file: give them back first.
        sqlx::query("PRAGMA incremental_vacuum")
            .execute(&self.write)
            .await?;
        let row = sqlx::query("PRAGMA page_count")
            .fetch_one(&self.write)
            .await?;
        let pages: i64 = row.try_get(0)?;
        let cap = if full { pages } else { 1_073_741_823 };
        sqlx::query(AssertSqlSafe(format!("PRAGMA max_page_count = {cap}")))
            .execute(&self.write)
            .await?;
        Ok(pages)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn db_name_replaced() {
        assert_eq!(
            super::replace_db_name("postgres://127.0.0.1:5432/test", "x"),
            "postgres://127.0.0.1:5432/x"
        );
        assert_eq!(
            super::replace_db_name("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            super::replace_db_name("postgres://h", "x"),
            "postgres://h/x"
        );
    }
}
