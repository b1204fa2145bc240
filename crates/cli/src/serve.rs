//! `plumb serve` and `plumb migrate`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use plumb_api::{ApiConfig, AppState};
use plumb_store::meta::MASTER_KEY_ID;
use plumb_store::Store;
use plumb_vault::{KeySource, MasterKey, MASTER_KEY_ENV};

use crate::logging::{self, LogFormat};
use crate::DbArgs;

/// Flags of `plumb serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "PLUMB_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The master key file (generated with mode 0600 on first start). `PLUMB_MASTER_KEY`
    /// (base64 of 32 bytes) takes precedence when set.
    #[arg(
        long,
        env = "PLUMB_MASTER_KEY_FILE",
        default_value = "plumb-data/master.key"
    )]
    master_key_file: PathBuf,
    /// Base URL clients reach this server at (webhook and OAuth callback URLs).
    #[arg(long, env = "PLUMB_PUBLIC_URL")]
    public_url: Option<String>,
    /// Workers in this process (default: one per core; 0 = API only).
    #[arg(long, env = "PLUMB_WORKERS")]
    workers: Option<usize>,
    /// Largest accepted API request body in bytes.
    #[arg(long, env = "PLUMB_BODY_LIMIT", default_value_t = 2 * 1024 * 1024)]
    body_limit: usize,
    /// Log line format.
    #[arg(long, env = "PLUMB_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// Loads the master key and checks it is the one the database's secrets are sealed under.
pub async fn check_master_key(store: &Store, path: &std::path::Path) -> anyhow::Result<MasterKey> {
    let env = std::env::var(MASTER_KEY_ENV).ok();
    let (key, source) = MasterKey::from_env_or_file(env.as_deref(), path)
        .with_context(|| format!("loading the master key ({})", path.display()))?;
    match source {
        KeySource::CreatedFile => {
            tracing::info!(path = %path.display(), key_id = %key.id(), "generated a new master key")
        }
        KeySource::File => {
            tracing::info!(path = %path.display(), key_id = %key.id(), "loaded the master key")
        }
        KeySource::Env => {
            tracing::info!(key_id = %key.id(), "loaded the master key from {MASTER_KEY_ENV}")
        }
    }
    let id = key.id().to_string();
    match store.get_meta(MASTER_KEY_ID).await? {
        None => store.set_meta(MASTER_KEY_ID, &id).await?,
        Some(stored) if stored == id => {}
        Some(stored) => bail!(
            "the master key {id} is not the key this database's secrets are sealed under ({stored}); \
             point --master-key-file or {MASTER_KEY_ENV} at the right key"
        ),
    }
    Ok(key)
}

/// Runs the server until SIGTERM or Ctrl-C.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    logging::init(args.log_format);
    let store = Store::open(&args.db.database_url)
        .await
        .context("opening the database")?;
    let master_key = check_master_key(&store, &args.master_key_file).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let local = listener.local_addr()?;
    let public_url = args
        .public_url
        .unwrap_or_else(|| format!("http://{local}"))
        .trim_end_matches('/')
        .to_string();
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let state = AppState::new(
        store.clone(),
        ApiConfig {
            body_limit: args.body_limit,
            public_url: public_url.clone(),
        },
    )
    .with_master_key(master_key);
    tracing::info!(address = %local, public_url = %public_url, workers, backend = ?store.backend(), "plumb listening");
    axum::serve(listener, plumb_api::app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")?;
    tracing::info!("shutting down");
    store.close().await;
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// `plumb migrate`.
pub async fn migrate(db: DbArgs) -> anyhow::Result<()> {
    logging::init(LogFormat::Text);
    let store = Store::connect(&db.database_url)
        .await
        .context("opening the database")?;
    let applied = store.migrate().await.context("migrating")?;
    println!("applied {applied} migration(s)");
    store.close().await;
    Ok(())
}
