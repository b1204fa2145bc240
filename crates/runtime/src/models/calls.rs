//! Calls of a model's operations through one of its integrations: the integration's
//! configuration opened (secrets unsealed), the inputs checked and laid out
//! ([`plumb_models::CompiledOperation::prepare`]), the credential of the operation's security
//! scheme applied by plumb-auth (its schemes, token cache and transport, under the egress
//! policy), and the answer as the standard envelope. Each call is logged at the integration's
//! level, to the execution log when a step makes it, to the server log, and to syslog when
//! configured (see [`super::syslog`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use plumb_auth::{AuthClient, AuthError, Envelope, RequestParts};
use plumb_core::action::Connection;
use plumb_core::secret::SecretString;
use plumb_models::configuration::{AuthKind, Configuration, LogLevel, ProxyAuthMode, ProxyMode};
use plumb_models::{CompiledOperation, Model, PreparedBody};
use plumb_store::model_integrations::StoredModelIntegration;
use plumb_store::models::StoredModel;
use plumb_store::secrets::Vault;
use plumb_store::{Store, StoreError};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::syslog::Syslogs;

/// The sealed field of a model integration's secrets.
pub const SECRETS_FIELD: &str = "model_integration_secrets";

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// No call was made: the integration lacked what the call needs (invalid inputs, an
    /// unknown task, a scheme not configured, a bad setting, the server unreachable). The
    /// string says why and never holds a secret.
    #[error("{0}")]
    NotSent(String),
    /// The token request (or dynamic API-key request) failed before the call: its envelope.
    #[error("the token request failed: {} {} answered {}", .0.method, .0.url, .0.status)]
    Token(Box<Envelope>),
    /// The store failed (or the integration or model is not found).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A model with its operations compiled.
pub struct CompiledModel {
    /// The stored model's ID.
    pub model_id: Uuid,
    /// The model.
    pub model: Model,
    ops: HashMap<String, Arc<CompiledOperation>>,
}

impl CompiledModel {
    /// Compiles `model` (stored as `model_id`).
    pub fn new(model_id: Uuid, model: Model) -> CompiledModel {
        let ops = model
            .operations
            .iter()
            .map(|op| (op.key.clone(), Arc::new(CompiledOperation::new(op.clone()))))
            .collect();
        CompiledModel {
            model_id,
            model,
            ops,
        }
    }

    /// One operation by action key.
    pub fn operation(&self, key: &str) -> Option<&Arc<CompiledOperation>> {
        self.ops.get(key)
    }
}

/// An integration ready to call: its configuration with secrets, and its model.
pub struct Opened {
    /// The stored row.
    pub stored: StoredModelIntegration,
    /// The configuration, secrets included (never shown).
    pub config: Configuration,
    /// The model.
    pub model: Arc<CompiledModel>,
}

/// Where a call's log lines go besides the server log and syslog.
pub trait CallLog: Send + Sync {
    /// Writes one line.
    fn line(&self, level: LogLevel, message: &str);
}

/// No log besides the server log and syslog (direct calls).
pub struct NoLog;

impl CallLog for NoLog {
    fn line(&self, _: LogLevel, _: &str) {}
}

type CompiledCache = Mutex<HashMap<(Uuid, Uuid), (i64, Arc<CompiledModel>)>>;

/// What model calls need: the store, the vault, one HTTP/auth client, compiled models and
/// syslog senders. One per [`crate::Runtime`].
pub struct ModelCalls {
    store: Store,
    vault: Option<Vault>,
    auth: Arc<AuthClient>,
    compiled: CompiledCache,
    syslogs: Syslogs,
    /// The worker groups this node serves ([`super::relay::serve`]): calls routed to them are
    /// sent from here.
    groups: RwLock<HashSet<String>>,
    claim_wait: Mutex<Duration>,
}

impl ModelCalls {
    /// Calls over `store` and `vault`, sending through `auth`.
    pub fn new(store: Store, vault: Option<Vault>, auth: Arc<AuthClient>) -> ModelCalls {
        ModelCalls {
            store,
            vault,
            auth,
            compiled: Mutex::new(HashMap::new()),
            syslogs: Syslogs::default(),
            groups: RwLock::new(HashSet::new()),
            claim_wait: Mutex::new(Duration::from_secs(30)),
        }
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn vault(&self) -> Option<&Vault> {
        self.vault.as_ref()
    }

    /// Marks this node as serving worker group `group`: calls routed to it are sent from here.
    pub fn serve_group(&self, group: &str) {
        self.groups
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(group.to_string());
    }

    /// Whether this node serves worker group `group`.
    pub fn serves_group(&self, group: &str) -> bool {
        self.groups
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(group)
    }

    /// How long a call routed to a worker group waits for a worker to take it (30 s unless
    /// changed).
    pub fn relay_claim_wait(&self) -> Duration {
        *self.claim_wait.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes [`Self::relay_claim_wait`].
    pub fn set_relay_claim_wait(&self, wait: Duration) {
        *self.claim_wait.lock().unwrap_or_else(|e| e.into_inner()) = wait;
    }

    /// The worker group a call of `config` is sent from, when it is not this node.
    fn routed_to(&self, config: &Configuration) -> Option<String> {
        let group = config
            .cluster
            .id
            .as_deref()
            .filter(|_| config.cluster.override_)?;
        (!group.is_empty() && !self.serves_group(group)).then(|| group.to_string())
    }

    /// The compiled form of a stored model (cached by revision).
    pub fn compiled(&self, stored: &StoredModel) -> Result<Arc<CompiledModel>, CallError> {
        let key = (stored.org_id, stored.id);
        let lock = || self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((rev, c)) = lock().get(&key) {
            if *rev == stored.updated_at {
                return Ok(c.clone());
            }
        }
        let model = Model::import(&stored.document).map_err(|p| {
            CallError::NotSent(format!(
                "the stored model {} no longer imports: {p}",
                stored.name
            ))
        })?;
        let c = Arc::new(CompiledModel::new(stored.id, model));
        lock().insert(key, (stored.updated_at, c.clone()));
        Ok(c)
    }

    /// Opens the secrets sealed for integration `id` of `org`: pointer → value.
    pub async fn open_secrets(
        &self,
        org: Uuid,
        id: Uuid,
        sealed: Option<&[u8]>,
    ) -> Result<BTreeMap<String, String>, CallError> {
        let Some(sealed) = sealed else {
            return Ok(BTreeMap::new());
        };
        let vault = self.vault.as_ref().ok_or_else(|| {
            CallError::NotSent("secrets cannot be opened: the server has no master key".into())
        })?;
        let text = vault
            .open(org, id, SECRETS_FIELD, sealed)
            .await
            .map_err(|e| CallError::NotSent(format!("the integration's secrets: {e}")))?;
        serde_json::from_str(text.expose())
            .map_err(|_| CallError::NotSent("the integration's secrets are corrupt".into()))
    }

    /// Seals secrets for integration `id` of `org` (`None` when there are none).
    pub async fn seal_secrets(
        &self,
        org: Uuid,
        id: Uuid,
        secrets: &BTreeMap<String, String>,
    ) -> Result<Option<Vec<u8>>, CallError> {
        if secrets.is_empty() {
            return Ok(None);
        }
        let vault = self.vault.as_ref().ok_or_else(|| {
            CallError::NotSent(
                "the configuration holds secrets, and the server has no master key to seal them"
                    .into(),
            )
        })?;
        let text = SecretString::new(serde_json::to_string(secrets).unwrap_or_default());
        vault
            .seal(org, id, SECRETS_FIELD, &text)
            .await
            .map(Some)
            .map_err(|e| CallError::NotSent(format!("sealing the secrets: {e}")))
    }

    /// An integration with its configuration and model, ready to call.
    pub async fn open(
        &self,
        org: Uuid,
        stored: StoredModelIntegration,
    ) -> Result<Opened, CallError> {
        let model_row = self.store.get_model(org, stored.model_id).await?;
        let model = self.compiled(&model_row)?;
        let mut value: Value = serde_json::from_str(&stored.configuration)
            .map_err(|_| CallError::NotSent("the stored configuration is corrupt".into()))?;
        let secrets = self
            .open_secrets(org, stored.id, stored.secrets.as_deref())
            .await?;
        plumb_models::configuration::merge_secrets(&mut value, &secrets);
        let mut config = Configuration::check(&model.model, &value)
            .map_err(|p| CallError::NotSent(format!("the integration's configuration: {p}")))?;
        if config.proxy.auth.mode == ProxyAuthMode::SecretsManager {
            let username = self
                .lookup(
                    org,
                    "proxy.auth.username",
                    config.proxy.auth.username.as_deref(),
                )
                .await?;
            let password = self
                .lookup(
                    org,
                    "proxy.auth.password",
                    config.proxy.auth.password.as_deref(),
                )
                .await?;
            config.proxy.auth.mode = ProxyAuthMode::Basic;
            config.proxy.auth.username = Some(username);
            config.proxy.auth.password = Some(password);
        }
        Ok(Opened {
            stored,
            config,
            model,
        })
    }

    /// A value of plumb's secrets manager: `<credential stable key>/<input key>` names an input
    /// of one of the organization's credentials (Settings → Credentials), opened for the call.
    async fn lookup(
        &self,
        org: Uuid,
        field: &str,
        name: Option<&str>,
    ) -> Result<String, CallError> {
        let name = name.unwrap_or_default();
        let Some((stable_key, input)) = name.split_once('/') else {
            return Err(CallError::NotSent(format!(
                "{field}: `{name}` is not a secrets-manager name (`<credential stable key>/<input>`)"
            )));
        };
        let vault = self.vault.as_ref().ok_or_else(|| {
            CallError::NotSent(format!(
                "{field}: the server has no master key to open secrets"
            ))
        })?;
        let conn =
            plumb_store::resolve::resolve_scoped_connection(vault, org, stable_key, None, false)
                .await
                .map_err(|e| CallError::NotSent(format!("{field}: {e}")))?
                .ok_or_else(|| {
                    CallError::NotSent(format!(
                        "{field}: the organization has no credential `{stable_key}`"
                    ))
                })?;
        conn.value(input).map(str::to_string).ok_or_else(|| {
            CallError::NotSent(format!(
                "{field}: the credential `{stable_key}` has no value for `{input}`"
            ))
        })
    }

    /// The integration named `name` of `org`, opened.
    pub async fn open_by_name(&self, org: Uuid, name: &str) -> Result<Opened, CallError> {
        let stored = match self.store.find_model_integration(org, name).await {
            Err(StoreError::NotFound) => {
                return Err(CallError::NotSent(format!(
                    "no model integration is named `{name}`"
                )))
            }
            other => other?,
        };
        self.open(org, stored).await
    }

    /// Calls `task` of an opened integration with `inputs`; from a worker of the
    /// integration's group when its `cluster` is overridden and this node does not serve that
    /// group ([`super::relay`]).
    pub async fn call(
        &self,
        opened: &Opened,
        task: &str,
        inputs: &Map<String, Value>,
        log: &dyn CallLog,
    ) -> Result<Envelope, CallError> {
        if let Some(group) = self.routed_to(&opened.config) {
            return self.relay(opened, &group, task, inputs, log).await;
        }
        let cfg = &opened.config;
        let name = &opened.stored.name;
        let emit = |level: LogLevel, message: &str| {
            let line = format!("{name}: {message}");
            if cfg.log_level.allows(level) {
                log.line(level, &line);
                match level {
                    LogLevel::Error => tracing::error!(integration = %name, "{message}"),
                    LogLevel::Warn => tracing::warn!(integration = %name, "{message}"),
                    LogLevel::Info => tracing::info!(integration = %name, "{message}"),
                    _ => tracing::debug!(integration = %name, "{message}"),
                }
            }
            if let (Some(level_set), Some(target)) = (cfg.syslog_level(), &cfg.syslog) {
                if level_set.allows(level) {
                    self.syslogs.send(target, level, name, message);
                }
            }
        };
        let result = self.send(opened, task, inputs, &emit).await;
        if let Err(e) = &result {
            emit(LogLevel::Error, &format!("{task}: {e}"));
        }
        result
    }

    async fn send(
        &self,
        opened: &Opened,
        task: &str,
        inputs: &Map<String, Value>,
        emit: &(dyn Fn(LogLevel, &str) + Sync),
    ) -> Result<Envelope, CallError> {
        let cfg = &opened.config;
        let op = opened.model.operation(task).ok_or_else(|| {
            CallError::NotSent(format!(
                "the model {} has no task `{task}`",
                opened.model.model.name
            ))
        })?;
        let prepared = op
            .prepare(inputs)
            .map_err(|problems| CallError::NotSent(problems.join("; ")))?;
        emit(
            LogLevel::Trace,
            &format!(
                "{task}: inputs {}",
                inputs.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        );
        let conn = connection(opened, &op.operation.security)?;
        let mut server = plumb_auth::BaseUrl {
            protocol: cfg.server.protocol.clone(),
            host: cfg.server.host.clone(),
            port: cfg.server.port,
            base_path: cfg.server.base_path.clone(),
            version: cfg.server.version.clone(),
        };
        if cfg.tls.enabled && server.protocol.is_none() {
            server.protocol = Some("https".into());
        }
        let url = server
            .join(&prepared.path)
            .map_err(|e| CallError::NotSent(format!("server: {e}")))?;
        let method = plumb_auth::Method::from_bytes(prepared.method.as_bytes())
            .map_err(|_| CallError::NotSent(format!("bad method {}", prepared.method)))?;
        let mut req = RequestParts::new(method, url.to_string());
        req.query = prepared.query.clone();
        req.headers = prepared.headers.clone();
        req.headers
            .push(("accept".into(), "application/json, */*;q=0.5".into()));
        if !prepared.cookies.is_empty() {
            let cookie = prepared
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req.headers.push(("cookie".into(), cookie));
        }
        match &prepared.body {
            None => {}
            Some(PreparedBody::Json(v)) => req = req.json(v),
            Some(PreparedBody::Form(pairs)) => {
                let text = form_urlencoded(pairs);
                req = req.body(text.into_bytes(), "application/x-www-form-urlencoded");
            }
            Some(PreparedBody::Multipart(parts)) => {
                let boundary = format!("plumb-{}", Uuid::new_v4().simple());
                let bytes = plumb_models::call::multipart_bytes(parts, &boundary);
                req = req.body(bytes, &format!("multipart/form-data; boundary={boundary}"));
            }
            Some(PreparedBody::Raw {
                content_type,
                bytes,
            }) => req = req.body(bytes.clone(), content_type),
        }
        let connected = self.auth.connect(&conn).map_err(not_sent)?;
        for w in connected.warnings() {
            emit(LogLevel::Warn, w);
        }
        emit(
            LogLevel::Debug,
            &format!(
                "{task}: {} {} headers {}",
                prepared.method,
                url,
                req.headers
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        let started = Instant::now();
        let envelope = connected.send(&req).await.map_err(|e| match e {
            AuthError::Token(env) => CallError::Token(env),
            other => not_sent(other),
        })?;
        let ms = started.elapsed().as_millis();
        let line = format!(
            "{task}: {} {} → {} {} ({ms} ms)",
            envelope.method, envelope.url, envelope.status, envelope.status_text
        );
        emit(
            if envelope.ok {
                LogLevel::Info
            } else {
                LogLevel::Warn
            },
            &line,
        );
        emit(
            LogLevel::Debug,
            &format!(
                "{task}: answer headers {}",
                envelope
                    .headers
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        Ok(envelope)
    }
}

fn not_sent(e: AuthError) -> CallError {
    CallError::NotSent(e.to_string())
}

fn form_urlencoded(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                plumb_models::call::encode_segment(k),
                plumb_models::call::encode_segment(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The plumb-auth connection of a call: the first of the operation's security schemes that
/// the integration configures, with the integration's transport settings.
fn connection(opened: &Opened, security: &[String]) -> Result<Connection, CallError> {
    let cfg = &opened.config;
    let model = &opened.model.model;
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut secrets: BTreeMap<String, SecretString> = BTreeMap::new();
    let mut key = "none".to_string();
    let chosen = security
        .iter()
        .find(|s| cfg.authentication.contains_key(*s) && !is_mtls(model, s));
    if chosen.is_none() && !security.is_empty() && !security.iter().any(|s| is_mtls(model, s)) {
        return Err(CallError::NotSent(format!(
            "the operation needs one of the security schemes {}: configure it under \
             `authentication`",
            security.join(", ")
        )));
    }
    // Mutual TLS goes on the transport, whatever the other scheme.
    for (name, cred) in &cfg.authentication {
        if is_mtls(model, name) {
            if let Some(c) = text(cred, "certificate") {
                fields.insert("certificate".into(), c);
            }
            if let Some(k) = text(cred, "key") {
                secrets.insert("key".into(), SecretString::new(k));
            }
            if let Some(ca) = text(cred, "ca") {
                fields.insert("ca".into(), ca);
            }
            key = "mutualTls".into();
        }
    }
    if let Some(name) = chosen {
        let scheme = &model.security_schemes[name];
        let cred = &cfg.authentication[name];
        let kind = AuthKind::of(scheme).map_err(CallError::NotSent)?;
        let mut secret = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                secrets.insert(k.to_string(), SecretString::new(v));
            }
        };
        match kind {
            AuthKind::ApiKey => {
                fields.insert(
                    "location".into(),
                    text(scheme, "in").unwrap_or("header".into()),
                );
                fields.insert("name".into(), text(scheme, "name").unwrap_or_default());
                if let Some(v) = text(cred, "value") {
                    key = "apiKey".into();
                    secret("apiKey", Some(v));
                } else {
                    key = "apiKeyDynamic".into();
                    for k in ["method", "url", "responsePointer"] {
                        if let Some(v) = text(cred, k) {
                            fields.insert(k.into(), v);
                        }
                    }
                    if let Some(p) = cred.get("parameters") {
                        secret("parameters", Some(p.to_string()));
                    }
                }
            }
            AuthKind::Basic => {
                key = "basic".into();
                fields.insert(
                    "username".into(),
                    text(cred, "username").unwrap_or_default(),
                );
                secret("password", text(cred, "password"));
            }
            AuthKind::Bearer => {
                key = "bearer".into();
                secret("token", cred.as_str().map(str::to_string));
            }
            AuthKind::AwsSigV4 => {
                key = "awsSigV4".into();
                for k in ["accessKeyId", "region"] {
                    fields.insert(k.into(), text(cred, k).unwrap_or_default());
                }
                fields.insert(
                    "service".into(),
                    text(cred, "service").unwrap_or("execute-api".into()),
                );
                secret("secretAccessKey", text(cred, "secretAccessKey"));
                secret("sessionToken", text(cred, "sessionToken"));
            }
            AuthKind::OAuth2 | AuthKind::OpenIdConnect => {
                let flows = plumb_models::configuration::declared_flows(scheme);
                let flow = text(cred, "flow")
                    .or_else(|| flows.first().map(|f| f.to_string()))
                    .unwrap_or_else(|| "clientCredentials".into());
                fields.insert(
                    "clientId".into(),
                    text(cred, "clientId").unwrap_or_default(),
                );
                secret("clientSecret", text(cred, "clientSecret"));
                if let Some(s) = text(cred, "scope") {
                    fields.insert("scopes".into(), s);
                }
                if let Some(m) = text(cred, "authMethod") {
                    fields.insert("authMethod".into(), m);
                }
                if kind == AuthKind::OpenIdConnect {
                    key = "openIdConnect".into();
                    let discovery = text(cred, "discoveryUrl")
                        .or_else(|| text(scheme, "openIdConnectUrl"))
                        .unwrap_or_default();
                    let issuer = discovery
                        .trim_end_matches('/')
                        .trim_end_matches("/.well-known/openid-configuration")
                        .to_string();
                    fields.insert("issuer".into(), issuer);
                } else {
                    let token_url = text(cred, "tokenUrl")
                        .or_else(|| {
                            scheme
                                .pointer(&format!("/flows/{flow}/tokenUrl"))
                                .and_then(Value::as_str)
                                .map(str::to_string)
                        })
                        .unwrap_or_default();
                    fields.insert("tokenUrl".into(), token_url);
                    if let Some(r) = text(cred, "refreshUrl") {
                        fields.insert("refreshUrl".into(), r);
                    }
                    secret("accessToken", text(cred, "access_token"));
                    match flow.as_str() {
                        "password" => {
                            key = "oauth2Password".into();
                            fields.insert(
                                "username".into(),
                                text(cred, "username").unwrap_or_default(),
                            );
                            secret("password", text(cred, "password"));
                        }
                        "authorizationCode" => {
                            // Tokens obtained by authorizing, pre-populated in the
                            // configuration: refreshed with the refresh token.
                            key = "oauth2AuthorizationCode".into();
                            let authorize = text(cred, "authorizationUrl")
                                .or_else(|| {
                                    scheme
                                        .pointer("/flows/authorizationCode/authorizationUrl")
                                        .and_then(Value::as_str)
                                        .map(str::to_string)
                                })
                                .unwrap_or_default();
                            fields.insert("authorizeUrl".into(), authorize);
                            secret("refreshToken", text(cred, "refresh_token"));
                        }
                        _ => key = "oauth2ClientCredentials".into(),
                    }
                }
            }
            AuthKind::MutualTls => {}
        }
    }
    if let Some(t) = cfg.timeout {
        fields.insert("timeout".into(), t.to_string());
    }
    if cfg.tls.enabled && !cfg.tls.reject_unauthorized {
        fields.insert("rejectUnauthorized".into(), "false".into());
    }
    if cfg.proxy.override_ && cfg.proxy.mode == ProxyMode::Proxy {
        let host = cfg.proxy.host.clone().unwrap_or_default();
        let port = cfg.proxy.port.unwrap_or(3128);
        fields.insert("proxyUrl".into(), format!("http://{host}:{port}"));
        match cfg.proxy.auth.mode {
            ProxyAuthMode::None => {}
            ProxyAuthMode::Basic => {
                fields.insert(
                    "proxyUsername".into(),
                    cfg.proxy.auth.username.clone().unwrap_or_default(),
                );
                if let Some(p) = &cfg.proxy.auth.password {
                    secrets.insert("proxyPassword".into(), SecretString::new(p.clone()));
                }
            }
            // Resolved into Basic by `ModelCalls::open`.
            ProxyAuthMode::SecretsManager => {
                return Err(CallError::NotSent(
                    "proxy.auth: the secrets-manager names were not resolved".into(),
                ))
            }
        }
    }
    Ok(Connection {
        id: format!(
            "model-integration:{}:{}",
            opened.stored.id, opened.stored.updated_at
        ),
        component: "http".into(),
        key,
        fields,
        secrets,
    })
}

fn is_mtls(model: &Model, scheme: &str) -> bool {
    model
        .security_schemes
        .get(scheme)
        .and_then(|s| AuthKind::of(s).ok())
        == Some(AuthKind::MutualTls)
}
