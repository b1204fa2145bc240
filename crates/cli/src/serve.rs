//! `plumb serve`, `plumb worker` and `plumb migrate`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use plumb_api::graphql::GraphqlLimits;
use plumb_api::{ApiConfig, AppState};
use plumb_engine::CancellationToken;
use plumb_runtime::{run_workers, Runtime, WorkerConfig};
use plumb_store::meta::MASTER_KEY_ID;
use plumb_store::Store;
use plumb_vault::{KeySource, MasterKey, MASTER_KEY_ENV};

use tokio::task::JoinSet;

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
    /// Largest accepted webhook payload in bytes (413 beyond).
    #[arg(long, env = "PLUMB_WEBHOOK_BODY_LIMIT", default_value_t = 6 * 1024 * 1024)]
    webhook_body_limit: usize,
    /// Seconds a synchronous webhook call waits for its execution.
    #[arg(long, env = "PLUMB_SYNC_TIMEOUT_SECS", default_value_t = 60)]
    sync_timeout_secs: u64,
    #[command(flatten)]
    graphql: GraphqlLimitArgs,
    /// Do not fire schedules in this process.
    #[arg(long, env = "PLUMB_NO_SCHEDULER")]
    no_scheduler: bool,
    #[command(flatten)]
    queue: QueueArgs,
    #[command(flatten)]
    egress: crate::egress::EgressArgs,
    /// Log line format.
    #[arg(long, env = "PLUMB_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// Bounds on one GraphQL request (`plumb serve`); see docs/security.md, "Bounded inputs".
#[derive(clap::Args, Debug, Clone)]
pub struct GraphqlLimitArgs {
    /// Deepest nesting of fields in one GraphQL operation.
    #[arg(long, env = "PLUMB_GRAPHQL_MAX_DEPTH", default_value_t = GraphqlLimits::default().depth)]
    graphql_max_depth: usize,
    /// Most aliased fields in one GraphQL operation.
    #[arg(long, env = "PLUMB_GRAPHQL_MAX_ALIASES", default_value_t = GraphqlLimits::default().aliases)]
    graphql_max_aliases: usize,
    /// Most fields in one GraphQL operation, fragments expanded.
    #[arg(long, env = "PLUMB_GRAPHQL_MAX_FIELDS", default_value_t = GraphqlLimits::default().fields)]
    graphql_max_fields: usize,
    /// Highest cost of one GraphQL operation (fields weighted by the page sizes of the lists
    /// around them).
    #[arg(long, env = "PLUMB_GRAPHQL_MAX_COST", default_value_t = GraphqlLimits::default().cost)]
    graphql_max_cost: u64,
    /// Largest GraphQL answer in bytes.
    #[arg(
        long,
        env = "PLUMB_GRAPHQL_MAX_RESPONSE_BYTES",
        default_value_t = GraphqlLimits::default().response_bytes
    )]
    graphql_max_response_bytes: usize,
}

impl GraphqlLimitArgs {
    fn limits(&self) -> GraphqlLimits {
        GraphqlLimits {
            depth: self.graphql_max_depth,
            aliases: self.graphql_max_aliases,
            fields: self.graphql_max_fields,
            cost: self.graphql_max_cost,
            response_bytes: self.graphql_max_response_bytes,
        }
    }
}

/// Flags of the workers of `plumb serve` and `plumb worker`.
#[derive(clap::Args, Debug, Clone)]
pub struct QueueArgs {
    /// Most executions of one customer running at once across all workers (0 = no limit).
    #[arg(long, env = "PLUMB_CUSTOMER_CONCURRENCY", default_value_t = 10)]
    customer_concurrency: i64,
    /// Most executions of one organization running at once across all workers (0 = no limit).
    #[arg(long, env = "PLUMB_ORG_CONCURRENCY", default_value_t = 0)]
    org_concurrency: i64,
    /// Share of this process's workers one customer may hold (0 < share <= 1, at least one
    /// worker): the rest stay free for other customers.
    #[arg(long, env = "PLUMB_CUSTOMER_SHARE", default_value_t = 0.75, value_parser = parse_share)]
    customer_share: f64,
    /// Share of this process's workers one organization may hold (0 < share <= 1).
    #[arg(long, env = "PLUMB_ORG_SHARE", default_value_t = 1.0, value_parser = parse_share)]
    org_share: f64,
    /// Seconds a worker's lease on a running execution lasts (renewed every third).
    #[arg(long, env = "PLUMB_LEASE_SECS", default_value_t = 30)]
    lease_secs: u64,
    /// Times an execution is started again after its worker was lost, before it fails.
    #[arg(long, env = "PLUMB_MAX_RECOVERIES", default_value_t = 3)]
    max_recoveries: i64,
    /// Delete ended executions older than this many days (0 = keep).
    #[arg(long, env = "PLUMB_RETENTION_DAYS", default_value_t = 30)]
    retention_days: u64,
    /// Keep at most this many ended executions per organization (0 = no limit).
    #[arg(long, env = "PLUMB_RETENTION_COUNT", default_value_t = 0)]
    retention_count: i64,
    /// Seconds running executions get to finish at shutdown before they are handed back.
    #[arg(long, env = "PLUMB_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    shutdown_grace_secs: u64,
}

impl QueueArgs {
    pub(crate) fn config(&self, concurrency: usize, group: Option<String>) -> WorkerConfig {
        WorkerConfig {
            concurrency,
            group,
            lease: Duration::from_secs(self.lease_secs.max(1)),
            poll: Duration::from_millis(500),
            customer_limit: self.customer_concurrency,
            org_limit: self.org_concurrency,
            customer_share: self.customer_share,
            org_share: self.org_share,
            max_recoveries: self.max_recoveries,
            retention_age: (self.retention_days > 0)
                .then(|| Duration::from_secs(self.retention_days * 24 * 3600)),
            retention_count: (self.retention_count > 0).then_some(self.retention_count),
        }
    }
}

/// A share of workers: a number above 0 and at most 1.
fn parse_share(text: &str) -> Result<f64, String> {
    let share: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number (a share between 0 and 1, e.g. 0.75)"))?;
    if share.is_finite() && share > 0.0 && share <= 1.0 {
        Ok(share)
    } else {
        Err(format!(
            "{text} is not a share: it must be above 0 and at most 1"
        ))
    }
}

/// Flags of `plumb worker`.
#[derive(clap::Args, Debug)]
pub struct WorkerArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The master key file (see `plumb serve`).
    #[arg(
        long,
        env = "PLUMB_MASTER_KEY_FILE",
        default_value = "plumb-data/master.key"
    )]
    master_key_file: PathBuf,
    /// Base URL of the API nodes (webhook URLs given to flows).
    #[arg(
        long,
        env = "PLUMB_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
    /// Executions run at once (default: one per core).
    #[arg(long, env = "PLUMB_WORKERS")]
    workers: Option<usize>,
    /// Worker group: run only executions of instances pinned to this group.
    #[arg(long, env = "PLUMB_WORKER_GROUP")]
    group: Option<String>,
    #[command(flatten)]
    queue: QueueArgs,
    #[command(flatten)]
    egress: crate::egress::EgressArgs,
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

/// Everything a serving process runs: the API on `listener`, `workers` workers and the
/// scheduler, on one store. `plumb serve` and `plumb bench` start the server through
/// [`serve`].
pub(crate) struct Serving {
    /// The database (opened and migrated).
    pub store: Store,
    /// The checked master key.
    pub master_key: MasterKey,
    /// The bound listener.
    pub listener: tokio::net::TcpListener,
    /// The API layer's settings (`public_url` included).
    pub api: ApiConfig,
    /// Workers of the queue (0 = API only).
    pub workers: usize,
    /// The queue settings of the workers.
    pub queue: QueueArgs,
    /// Whether this process fires schedules.
    pub scheduler: bool,
}

/// Workers when none is asked for: one per core.
pub(crate) fn default_workers(workers: Option<usize>) -> usize {
    workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Serves the API, runs the workers and the scheduler until `stop` is cancelled, then lets
/// the running executions finish (the queue's shutdown grace). Leaves `store` open.
pub(crate) async fn serve(s: Serving, stop: CancellationToken) -> anyhow::Result<()> {
    let local = s.listener.local_addr()?;
    let store = s.store.clone();
    let public_url = s.api.public_url.clone();
    let state = AppState::new(s.store, s.api).with_master_key(s.master_key);
    let shutdown = CancellationToken::new();
    let mut background = JoinSet::new();
    if s.workers > 0 {
        background.spawn(run_workers(
            state.runtime.clone(),
            s.queue.config(s.workers, None),
            shutdown.clone(),
            Duration::from_secs(s.queue.shutdown_grace_secs),
        ));
    }
    if s.scheduler {
        background.spawn(plumb_runtime::scheduler::run_scheduler(
            state.runtime.clone(),
            Duration::from_secs(1),
            shutdown.clone(),
        ));
    }
    tracing::info!(address = %local, public_url = %public_url, workers = s.workers, backend = ?store.backend(), "plumb listening");
    let base = public_url.trim_end_matches('/');
    tracing::info!(
        console = %format!("{base}/"),
        api = %format!("{base}/api"),
        "open the console and sign in with an API token (`plumb org create NAME` prints the first one)"
    );
    let served = axum::serve(s.listener, plumb_api::app(state))
        .with_graceful_shutdown(stop.cancelled_owned())
        .await
        .context("serving HTTP");
    tracing::info!("shutting down");
    shutdown.cancel();
    while background.join_next().await.is_some() {}
    served
}

/// Runs the server until SIGTERM or Ctrl-C.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    logging::init(args.log_format);
    let egress = args.egress.policy()?;
    let store = Store::open(&args.db.database_url)
        .await
        .context("opening the database")?;
    let master_key = check_master_key(&store, &args.master_key_file).await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let local = listener.local_addr()?;
    args.egress.install(egress, Some(local))?;
    let public_url = args
        .public_url
        .unwrap_or_else(|| format!("http://{local}"))
        .trim_end_matches('/')
        .to_string();
    let serving = Serving {
        store: store.clone(),
        master_key,
        listener,
        api: ApiConfig {
            body_limit: args.body_limit,
            public_url,
            webhook_body_limit: args.webhook_body_limit,
            sync_timeout: Duration::from_secs(args.sync_timeout_secs),
            graphql_limits: args.graphql.limits(),
        },
        workers: default_workers(args.workers),
        queue: args.queue,
        scheduler: !args.no_scheduler,
    };
    let stop = CancellationToken::new();
    let signal = stop.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        signal.cancel();
    });
    let served = serve(serving, stop).await;
    store.close().await;
    served
}

/// `plumb worker`: workers only, against a shared database, until SIGTERM or Ctrl-C.
pub async fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    logging::init(args.log_format);
    args.egress.install(args.egress.policy()?, None)?;
    let store = Store::open(&args.db.database_url)
        .await
        .context("opening the database")?;
    let master_key = check_master_key(&store, &args.master_key_file).await?;
    let vault = plumb_store::secrets::Vault::new(store.clone(), master_key);
    let engine = plumb_engine::Engine::new(plumb_runtime::catalog_with_vault(vault.clone()));
    let runtime = Arc::new(Runtime::new(
        store.clone(),
        Some(vault),
        engine,
        &args.public_url,
    ));
    let workers = default_workers(args.workers).max(1);
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        stop.cancel();
    });
    run_workers(
        runtime,
        args.queue
            .config(workers, args.group.filter(|g| !g.is_empty())),
        shutdown,
        Duration::from_secs(args.queue.shutdown_grace_secs),
    )
    .await;
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
