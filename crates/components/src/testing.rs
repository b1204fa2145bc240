//! Test doubles for [`ActionContext`]: a recording logger and an in-memory state store.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use plumb_core::action::{
    ActionContext, ActionError, Data, InputValue, Inputs, LogLevel, Logger, StateScope, StateStore,
};
use serde_json::{json, Value};

/// Records log lines.
#[derive(Default)]
pub(crate) struct Lines(pub Mutex<Vec<(LogLevel, String)>>);

impl Logger for Lines {
    fn log(&self, level: LogLevel, message: &str) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push((level, message.to_string()));
        }
    }
}

impl Lines {
    pub(crate) fn all(&self) -> Vec<(LogLevel, String)> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

/// State in a map.
#[derive(Default)]
pub(crate) struct MemoryState(pub Mutex<BTreeMap<(String, String), Value>>);

fn scope_name(scope: StateScope) -> String {
    format!("{scope:?}")
}

#[async_trait::async_trait]
impl StateStore for MemoryState {
    async fn get(&self, scope: StateScope, key: &str) -> Result<Option<Value>, ActionError> {
        let map = self.0.lock().map_err(|_| ActionError::failed("poisoned"))?;
        Ok(map.get(&(scope_name(scope), key.to_string())).cloned())
    }
    async fn set(&self, scope: StateScope, key: &str, value: Value) -> Result<(), ActionError> {
        let mut map = self.0.lock().map_err(|_| ActionError::failed("poisoned"))?;
        map.insert((scope_name(scope), key.to_string()), value);
        Ok(())
    }
    async fn remove(&self, scope: StateScope, key: &str) -> Result<(), ActionError> {
        let mut map = self.0.lock().map_err(|_| ActionError::failed("poisoned"))?;
        map.remove(&(scope_name(scope), key.to_string()));
        Ok(())
    }
}

/// A context for one step, with its logger and state store.
pub(crate) struct TestContext {
    pub ctx: ActionContext,
    pub lines: Arc<Lines>,
    pub state: Arc<MemoryState>,
}

/// A context with the given config vars and earlier results.
pub(crate) fn context(config_vars: Value, step_results: Vec<(&str, Data)>) -> TestContext {
    let lines = Arc::new(Lines::default());
    let state = Arc::new(MemoryState::default());
    let config_vars = match config_vars {
        Value::Object(map) => map.into_iter().collect(),
        _ => BTreeMap::new(),
    };
    let ctx = ActionContext {
        execution_id: "exec-1".into(),
        flow_name: "Sync".into(),
        step_name: "Path Helper".into(),
        customer: json!({"id": "c1", "name": "Smith Rocket Company", "externalId": "smith"}),
        instance: json!({"id": "i1", "name": "Pokemon Avatar Sync"}),
        config_vars: Arc::new(config_vars),
        step_results: Arc::new(
            step_results
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        ),
        webhook_urls: Arc::new(BTreeMap::from([(
            "Sync".to_string(),
            "http://localhost/trigger/1".to_string(),
        )])),
        logger: lines.clone(),
        state: state.clone(),
        flows: Arc::new(plumb_core::action::NoFlowInvoker),
        deadline: None,
    };
    TestContext { ctx, lines, state }
}

/// Inputs from JSON pairs.
pub(crate) fn inputs(pairs: Vec<(&str, Value)>) -> Inputs {
    Inputs(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), InputValue::Data(Data::Json(v))))
            .collect(),
    )
}

/// Serves `router` on 127.0.0.1 on a free port; returns `http://127.0.0.1:PORT`.
pub(crate) async fn serve(router: axum::Router) -> String {
    serve_on("127.0.0.1", router).await
}

/// Serves `router` on `ip` (e.g. the second loopback address `127.0.0.2`) on a free port;
/// returns `http://IP:PORT`.
pub(crate) async fn serve_on(ip: &str, router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// A server on 127.0.0.1 that accepts connections and never answers; returns its URL.
pub(crate) async fn silent_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}")
}

/// A URL on 127.0.0.1 where nothing listens.
pub(crate) async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

/// An S3-compatible server (s3s-fs, signatures verified) on 127.0.0.1, storing under a
/// temporary directory.
pub(crate) struct S3Server {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The directory holding `bucket/key` files.
    pub root: tempfile::TempDir,
}

/// The access key the test S3 server accepts.
pub(crate) const S3_ACCESS_KEY: &str = "plumb-test-key";
/// Its secret.
pub(crate) const S3_SECRET_KEY: &str = "plumb-test-secret-1234";

impl S3Server {
    /// Starts a server with the given buckets created.
    pub(crate) async fn start(buckets: &[&str]) -> S3Server {
        use hyper_util::rt::{TokioExecutor, TokioIo};
        use hyper_util::server::conn::auto::Builder;

        let root = tempfile::tempdir().expect("tempdir");
        for b in buckets {
            std::fs::create_dir_all(root.path().join(b)).expect("bucket dir");
        }
        let fs = s3s_fs::FileSystem::new(root.path()).expect("s3s-fs");
        let mut builder = s3s::service::S3ServiceBuilder::new(fs);
        builder.set_auth(s3s::auth::SimpleAuth::from_single(
            S3_ACCESS_KEY,
            S3_SECRET_KEY,
        ));
        let service = builder.build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let service = service.clone();
                tokio::spawn(async move {
                    let _ = Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        S3Server {
            endpoint: format!("http://{addr}"),
            root,
        }
    }

    /// An `apiKeySecret` connection to this server (with the given secret).
    pub(crate) fn connection(&self, secret: &str) -> plumb_core::action::Connection {
        plumb_core::action::Connection::new(
            "s3".into(),
            "aws-s3".into(),
            "apiKeySecret".into(),
            BTreeMap::from([
                ("accessKeyId".to_string(), S3_ACCESS_KEY.to_string()),
                ("secretAccessKey".to_string(), secret.to_string()),
                ("endpoint".to_string(), self.endpoint.clone()),
            ]),
        )
    }

    /// Reads an object's bytes straight from the server's directory (independent of S3).
    pub(crate) fn read(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.root.path().join(bucket).join(key)).ok()
    }
}

/// A moto server (the AWS stand-in, `pip install 'moto[server]'`, installed by
/// `scripts/test`) on 127.0.0.1 on a free port, stopped when dropped.
pub(crate) struct Moto {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Moto {
    /// Starts `moto_server` (or `$MOTO_SERVER`) and waits until it answers.
    pub(crate) async fn start() -> Moto {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let program = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        let child = std::process::Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {program} (scripts/test installs it: pip install 'moto[server]'): {e}")
            });
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if client
                .get(format!("{}/moto-api/", moto.url))
                .send()
                .await
                .is_ok()
            {
                return moto;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("moto_server did not answer on {}", moto.url);
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
