//! Opening the database: backend detection, pools and SQLite pragmas.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};

use crate::StoreError;

/// The database engine behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl FromStr for Backend {
    type Err = StoreError;

    fn from_str(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }
}

/// A handle on the database: cheap to clone, shared by API handlers and workers.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) backend: Backend,
    /// Reads (and, on PostgreSQL, everything).
    pub(crate) read: AnyPool,
    /// Writes. On SQLite a single connection, so writers queue in-process instead of
    /// contending for the file lock; on PostgreSQL the same pool as `read`.
    pub(crate) write: AnyPool,
    /// Queued-execution inserts waiting for the writer, at most one at a time on SQLite: the
    /// single writer connection serves waiters in order, so without this gate a burst of
    /// accepted webhooks queues ahead of every claim, step result and end a worker writes,
    /// and the workers starve while the backlog grows. With it, a worker's write waits
    /// behind one insert at most. `None` on PostgreSQL (a pool of connections).
    pub(crate) insert_gate: Option<std::sync::Arc<tokio::sync::Semaphore>>,
}

const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
     PRAGMA synchronous = NORMAL;";

impl Store {
    /// Connects to `url` (`sqlite://path/to/file.db` or `postgres://...`), creating the SQLite
    /// file and its directory when missing, and applies pending migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating (see [`Store::migrate`]).
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend: Backend = url.parse()?;
        match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url)?;
                // journal_mode is persistent in the file: set it once, on the writer.
                // A ping before every acquire would be one more hand-off to the SQLite thread
                // per statement; a file connection does not go away underneath.
                let write = AnyPoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(60))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // Takes effect in a new file only: pruning then gives pages back.
                            conn.execute("PRAGMA auto_vacuum = INCREMENTAL;").await?;
                            conn.execute("PRAGMA journal_mode = WAL;").await?;
                            conn.execute(SQLITE_PRAGMAS).await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?;
                // Make sure the file exists in WAL mode before readers open it.
                write.acquire().await?;
                let readers = std::thread::available_parallelism()
                    .map(|n| n.get() as u32 * 2)
                    .unwrap_or(4)
                    .max(4);
                let read = AnyPoolOptions::new()
                    .max_connections(readers)
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?;
                Ok(Store {
                    backend,
                    read,
                    write,
                    insert_gate: Some(std::sync::Arc::new(tokio::sync::Semaphore::new(1))),
                })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await?;
                Ok(Store {
                    backend,
                    read: pool.clone(),
                    write: pool,
                    insert_gate: None,
                })
            }
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Bytes the PostgreSQL database takes on disk (`pg_database_size`), for `plumb bench`;
    /// `None` on SQLite, whose size is that of its files (the database and its WAL).
    pub async fn database_size(&self) -> Result<Option<i64>, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let row: AnyRow = sqlx::query("SELECT pg_database_size(current_database()) AS n")
            .fetch_one(&self.read)
            .await?;
        Ok(Some(sqlx::Row::try_get(&row, "n")?))
    }

    /// Checks that the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: AnyRow = sqlx::query("SELECT 1").fetch_one(&self.read).await?;
        Ok(())
    }

    /// Whether the database takes writes: writes and deletes a row big enough to need a new
    /// page, in one transaction (a full disk, a read-only file or a lost primary fail it).
    /// `/readyz` asks this, so a node whose writes fail is taken out of rotation.
    pub async fn probe_write(&self) -> Result<(), StoreError> {
        let id = crate::new_id().to_string();
        let mut tx = self.write.begin().await?;
        sqlx::query("INSERT INTO plumb_write_probe (id, filler) VALUES ($1, $2)")
            .bind(&id)
            .bind(vec![0x5au8; 16 * 1024])
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM plumb_write_probe WHERE id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes every connection (on shutdown).
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// Normalizes a SQLite URL so the file is created when missing, and creates its directory.
/// A missing directory is created with mode 0700 and a missing file with mode 0600 (SQLite
/// gives its `-wal` and `-shm` files the database file's mode), so only the server's user
/// reads the data; existing files and directories keep their modes.
fn sqlite_url(url: &str) -> Result<String, StoreError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or(StoreError::UnsupportedUrl)?;
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::UnsupportedUrl);
    }
    if let Some(dir) = Path::new(path).parent() {
        if !dir.as_os_str().is_empty() {
            let mut dirs = std::fs::DirBuilder::new();
            dirs.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                dirs.mode(0o700);
            }
            dirs.create(dir)?;
        }
    }
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        file.mode(0o600);
    }
    match file.open(path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e.into()),
    }
    let mut query = query.unwrap_or("").to_string();
    if !query.contains("mode=") {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str("mode=rwc");
    }
    Ok(format!("sqlite://{path}?{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_from_url() {
        assert_eq!(
            "sqlite://plumb-data/plumb.db".parse::<Backend>().ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            "postgres://127.0.0.1/test".parse::<Backend>().ok(),
            Some(Backend::Postgres)
        );
        assert!("mysql://x".parse::<Backend>().is_err());
    }

    #[test]
    fn sqlite_url_adds_create_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/x.db");
        let url = sqlite_url(&format!("sqlite://{}", path.display())).unwrap();
        assert!(url.ends_with("?mode=rwc"));
        assert!(path.parent().unwrap().is_dir());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn new_files_are_private_to_the_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("plumb-data");
        let db = data.join("plumb.db");
        let store = Store::open(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        store.probe_write().await.unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700, "data folder");
        assert_eq!(mode(&db), 0o600, "database file");
        for suffix in ["-wal", "-shm"] {
            let side = data.join(format!("plumb.db{suffix}"));
            assert!(side.exists(), "{suffix} exists in WAL mode");
            assert_eq!(mode(&side), 0o600, "{suffix}");
        }
        store.close().await;
    }
}
