//! The configuration of an integration of a model: the seed's "Advanced View" object
//! `{server, authentication, tls, timeout, proxy, cluster, logLevel, syslog}`.
//!
//! [`schema`] is its JSON Schema (generic, or with `authentication` keyed by one model's
//! security schemes); [`Configuration::check`] validates a configuration against it and the
//! model, answering every problem with its JSON pointer. Secret leaves (API key values,
//! passwords, client secrets, tokens, private keys) are found by [`secret_pointers`]: the
//! service takes them out with [`split_secrets`] before storing (they are sealed apart) and puts
//! them back with [`merge_secrets`] for a call.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::model::Model;
use crate::problems::{Problem, Problems};

/// Log levels, quietest first. `none` writes nothing.
pub const LOG_LEVELS: &[&str] = &["none", "error", "warn", "info", "debug", "trace"];

/// A log level of a model integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Nothing.
    None,
    /// Failures only.
    Error,
    /// Failures and warnings (failure statuses, TLS verification off).
    Warn,
    /// One line per call (the default).
    #[default]
    Info,
    /// Also the request's and answer's headers (secrets redacted).
    Debug,
    /// Also the bodies' sizes and the inputs' names.
    Trace,
}

impl LogLevel {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::None => "none",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    /// The level named `text`.
    pub fn parse(text: &str) -> Option<LogLevel> {
        serde_json::from_value(Value::String(text.to_ascii_lowercase())).ok()
    }

    /// Whether a line at `line` is written under this level.
    pub fn allows(self, line: LogLevel) -> bool {
        line != LogLevel::None && line <= self
    }
}

/// Where requests go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerSettings {
    /// `http` (default) or `https`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Host name or IP address.
    pub host: String,
    /// 1–65535.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// A path prepended to every request (`/system/api`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_path: Option<String>,
    /// The API version segment after the base path (`v2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// TLS settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tls {
    /// HTTPS, verifying the endpoint's certificate.
    #[serde(default)]
    pub enabled: bool,
    /// Refuse certificates without a valid CA (only when `enabled`).
    #[serde(default = "yes")]
    pub reject_unauthorized: bool,
}

fn yes() -> bool {
    true
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
            enabled: false,
            reject_unauthorized: true,
        }
    }
}

/// How requests leave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyMode {
    /// Straight to the server.
    #[default]
    Direct,
    /// From the integration's worker group, without a proxy.
    ClusterNoProxy,
    /// Through the proxy server below.
    Proxy,
}

/// How the proxy authenticates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyAuthMode {
    /// No authentication.
    #[default]
    None,
    /// Basic, with the username and password given here (the password is a secret).
    Basic,
    /// Basic, with `username` and `password` naming organization config variables that hold
    /// them (plumb's secrets manager).
    SecretsManager,
}

/// Proxy authentication.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyAuth {
    /// `none`, `basic` or `secrets_manager`.
    #[serde(default)]
    pub mode: ProxyAuthMode,
    /// The username, or the name of the variable holding it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The password, or the name of the variable holding it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// Proxy override.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxySettings {
    /// Use these settings.
    #[serde(default, rename = "override")]
    pub override_: bool,
    /// `direct`, `cluster_no_proxy` or `proxy`.
    #[serde(default)]
    pub mode: ProxyMode,
    /// The proxy's host (mode `proxy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The proxy's port (mode `proxy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// The proxy's authentication.
    #[serde(default)]
    pub auth: ProxyAuth,
}

/// Worker-group override.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cluster {
    /// Use the group below.
    #[serde(default, rename = "override")]
    pub override_: bool,
    /// The worker group (`plumb worker --group ID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Transport of syslog lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyslogProtocol {
    /// One datagram per line (RFC 5426).
    #[default]
    Udp,
    /// Octet-counted frames on a TCP connection (RFC 6587).
    Tcp,
}

/// Syslog export (RFC 5424).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Syslog {
    /// Send lines (default true when the object is present).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The syslog server.
    pub host: String,
    /// Its port (default 514).
    #[serde(default = "syslog_port")]
    pub port: u32,
    /// `udp` (default) or `tcp`.
    #[serde(default)]
    pub protocol: SyslogProtocol,
    /// Facility name (`user`, `local0`..`local7`, ...; default `user`).
    #[serde(default = "user_facility")]
    pub facility: String,
    /// The level of lines sent (default: the integration's `logLevel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<LogLevel>,
}

fn syslog_port() -> u32 {
    514
}

fn user_facility() -> String {
    "user".into()
}

/// Syslog facilities by name, with their codes.
pub const FACILITIES: &[(&str, u8)] = &[
    ("kern", 0),
    ("user", 1),
    ("mail", 2),
    ("daemon", 3),
    ("auth", 4),
    ("syslog", 5),
    ("lpr", 6),
    ("news", 7),
    ("uucp", 8),
    ("cron", 9),
    ("authpriv", 10),
    ("ftp", 11),
    ("local0", 16),
    ("local1", 17),
    ("local2", 18),
    ("local3", 19),
    ("local4", 20),
    ("local5", 21),
    ("local6", 22),
    ("local7", 23),
];

impl Syslog {
    /// The facility's code.
    pub fn facility_code(&self) -> u8 {
        FACILITIES
            .iter()
            .find(|(n, _)| *n == self.facility)
            .map_or(1, |(_, c)| *c)
    }
}

/// A model integration's configuration, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Configuration {
    /// Where requests go.
    pub server: ServerSettings,
    /// Credentials by the document's security scheme name.
    #[serde(default)]
    pub authentication: BTreeMap<String, Value>,
    /// TLS settings.
    #[serde(default)]
    pub tls: Tls,
    /// Response time limit (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// Proxy override.
    #[serde(default)]
    pub proxy: ProxySettings,
    /// Worker-group override.
    #[serde(default)]
    pub cluster: Cluster,
    /// The integration's log level.
    #[serde(default)]
    pub log_level: LogLevel,
    /// Syslog export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub syslog: Option<Syslog>,
}

/// The kind of credential a security scheme takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// `type: apiKey`: a value, or retrieved dynamically.
    ApiKey,
    /// `type: http, scheme: basic`.
    Basic,
    /// `type: http, scheme: bearer`.
    Bearer,
    /// `x-amazon-apigateway-authtype: awsSigv4`.
    AwsSigV4,
    /// `type: oauth2`.
    OAuth2,
    /// `type: openIdConnect`.
    OpenIdConnect,
    /// `type: mutualTLS`.
    MutualTls,
}

impl AuthKind {
    /// The kind of a security scheme object, or why it is not supported.
    pub fn of(scheme: &Value) -> Result<AuthKind, String> {
        if scheme
            .get("x-amazon-apigateway-authtype")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("awsSigv4"))
        {
            return Ok(AuthKind::AwsSigV4);
        }
        let ty = scheme.get("type").and_then(Value::as_str).unwrap_or("");
        Ok(match ty {
            "apiKey" => AuthKind::ApiKey,
            "http" => match scheme
                .get("scheme")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("basic") => AuthKind::Basic,
                Some("bearer") => AuthKind::Bearer,
                other => {
                    return Err(format!(
                        "http scheme `{}` is not supported (basic, bearer)",
                        other.unwrap_or("")
                    ))
                }
            },
            "oauth2" => AuthKind::OAuth2,
            "openIdConnect" => AuthKind::OpenIdConnect,
            "mutualTLS" => AuthKind::MutualTls,
            other => return Err(format!("security scheme type `{other}` is not supported")),
        })
    }

    /// The secret keys of this kind's credential object (empty key: the value itself).
    pub fn secret_keys(self) -> &'static [&'static str] {
        match self {
            AuthKind::ApiKey => &["value"],
            AuthKind::Basic => &["password"],
            AuthKind::Bearer => &[""],
            AuthKind::AwsSigV4 => &["secretAccessKey", "sessionToken"],
            AuthKind::OAuth2 | AuthKind::OpenIdConnect => {
                &["clientSecret", "password", "access_token", "refresh_token"]
            }
            AuthKind::MutualTls => &["key"],
        }
    }
}

/// The OAuth 2.0 grants plumb runs, in the order one is picked when several are declared.
pub const OAUTH2_FLOWS: &[&str] = &["clientCredentials", "password", "authorizationCode"];

fn s() -> Value {
    json!({"type": "string"})
}

fn required_s() -> Value {
    json!({"type": "string", "minLength": 1})
}

fn object(props: Value, required: &[&str]) -> Value {
    json!({
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": false,
    })
}

fn oauth2_props(with_token_url: bool, flows: &[&str]) -> Value {
    let mut props = json!({
        "clientId": required_s(),
        "clientSecret": required_s(),
        "refreshUrl": s(),
        "scope": s(),
        "authMethod": {"enum": ["client_secret_basic", "client_secret_post"]},
        "username": s(),
        "password": s(),
        "authorizationUrl": s(),
        "access_token": s(),
        "refresh_token": s(),
        "flow": {"enum": flows},
    });
    if with_token_url {
        props["tokenUrl"] = s();
    } else {
        props["discoveryUrl"] = s();
    }
    props
}

/// The JSON Schema of one kind's credential.
pub fn auth_schema(kind: AuthKind, flows: &[&str]) -> Value {
    match kind {
        AuthKind::ApiKey => json!({"oneOf": [
            object(json!({"value": required_s()}), &["value"]),
            object(json!({
                "method": {"enum": ["GET", "POST", "HEAD", "PUT", "PATCH"]},
                "url": required_s(),
                "responsePointer": s(),
                "parameters": {"type": "object"},
            }), &["method", "url"]),
        ]}),
        AuthKind::Basic => object(
            json!({"username": required_s(), "password": required_s()}),
            &["username", "password"],
        ),
        AuthKind::Bearer => required_s(),
        AuthKind::AwsSigV4 => object(
            json!({
                "accessKeyId": required_s(),
                "secretAccessKey": required_s(),
                "sessionToken": s(),
                "region": required_s(),
                "service": s(),
            }),
            &["accessKeyId", "secretAccessKey", "region"],
        ),
        AuthKind::OAuth2 => object(oauth2_props(true, flows), &["clientId", "clientSecret"]),
        AuthKind::OpenIdConnect => {
            object(oauth2_props(false, flows), &["clientId", "clientSecret"])
        }
        AuthKind::MutualTls => object(
            json!({"certificate": required_s(), "key": required_s(), "ca": s()}),
            &["certificate", "key"],
        ),
    }
}

/// The OAuth 2.0 grants a scheme declares (`flows`), in [`OAUTH2_FLOWS`] order.
pub fn declared_flows(scheme: &Value) -> Vec<&'static str> {
    OAUTH2_FLOWS
        .iter()
        .copied()
        .filter(|f| scheme.pointer(&format!("/flows/{f}")).is_some())
        .collect()
}

fn level_schema() -> Value {
    json!({"enum": LOG_LEVELS})
}

/// The JSON Schema of a configuration: with `model`, `authentication` takes exactly that
/// model's security schemes; without, any scheme name with any supported credential shape.
pub fn schema(model: Option<&Model>) -> Value {
    let port = json!({"type": "integer", "minimum": 1, "maximum": 65535});
    let authentication = match model {
        Some(m) => {
            let mut props = Map::new();
            for (name, scheme) in &m.security_schemes {
                if let Ok(kind) = AuthKind::of(scheme) {
                    let flows = declared_flows(scheme);
                    props.insert(name.clone(), auth_schema(kind, &flows));
                }
            }
            json!({"type": "object", "properties": props, "additionalProperties": false})
        }
        None => {
            let all: Vec<Value> = [
                AuthKind::ApiKey,
                AuthKind::Basic,
                AuthKind::Bearer,
                AuthKind::AwsSigV4,
                AuthKind::OAuth2,
                AuthKind::OpenIdConnect,
                AuthKind::MutualTls,
            ]
            .into_iter()
            .map(|k| auth_schema(k, OAUTH2_FLOWS))
            .collect();
            json!({"type": "object", "additionalProperties": {"anyOf": all}})
        }
    };
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Model integration configuration",
        "type": "object",
        "required": ["server"],
        "additionalProperties": false,
        "properties": {
            "server": object(json!({
                "protocol": {"enum": ["http", "https"]},
                "host": required_s(),
                "port": port,
                "basePath": s(),
                "version": s(),
            }), &["host"]),
            "authentication": authentication,
            "tls": object(json!({
                "enabled": {"type": "boolean"},
                "rejectUnauthorized": {"type": "boolean"},
            }), &[]),
            "timeout": {"type": "integer", "minimum": 1, "maximum": 600_000},
            "proxy": object(json!({
                "override": {"type": "boolean"},
                "mode": {"enum": ["direct", "cluster_no_proxy", "proxy"]},
                "host": s(),
                "port": port,
                "auth": object(json!({
                    "mode": {"enum": ["none", "basic", "secrets_manager"]},
                    "username": s(),
                    "password": s(),
                }), &[]),
            }), &[]),
            "cluster": object(json!({
                "override": {"type": "boolean"},
                "id": s(),
            }), &[]),
            "logLevel": level_schema(),
            "syslog": object(json!({
                "enabled": {"type": "boolean"},
                "host": required_s(),
                "port": port,
                "protocol": {"enum": ["udp", "tcp"]},
                "facility": {"enum": FACILITIES.iter().map(|(n, _)| *n).collect::<Vec<_>>()},
                "level": level_schema(),
            }), &["host"]),
        },
    })
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The JSON pointers of the secret leaves a configuration of `model` may hold.
pub fn secret_pointers(model: &Model, config: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (name, scheme) in &model.security_schemes {
        let Ok(kind) = AuthKind::of(scheme) else {
            continue;
        };
        let base = format!("/authentication/{}", escape(name));
        for key in kind.secret_keys() {
            if key.is_empty() {
                out.push(base.clone());
            } else {
                out.push(format!("{base}/{key}"));
            }
        }
    }
    let proxy_mode = config
        .pointer("/proxy/auth/mode")
        .and_then(Value::as_str)
        .unwrap_or("none");
    if proxy_mode != "secrets_manager" {
        out.push("/proxy/auth/password".into());
    }
    out
}

fn parent_and_key(pointer: &str) -> Option<(&str, String)> {
    let (parent, key) = pointer.rsplit_once('/')?;
    Some((parent, key.replace("~1", "/").replace("~0", "~")))
}

/// Takes the secret leaves out of `config` (they are sealed apart): pointer → value.
pub fn split_secrets(model: &Model, config: &mut Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for pointer in secret_pointers(model, config) {
        let Some((parent, key)) = parent_and_key(&pointer) else {
            continue;
        };
        let taken = match config.pointer_mut(parent) {
            Some(Value::Object(map)) => match map.get(&key) {
                Some(Value::String(_)) => map.remove(&key),
                _ => None,
            },
            _ => None,
        };
        if let Some(Value::String(v)) = taken {
            out.insert(pointer, v);
        }
    }
    out
}

/// Puts secrets back into `config` where their parent exists and holds no value yet (an
/// update that leaves a secret out keeps it). Answers the pointers put back.
pub fn merge_secrets(config: &mut Value, secrets: &BTreeMap<String, String>) -> Vec<String> {
    let mut merged = Vec::new();
    for (pointer, value) in secrets {
        let Some((parent, key)) = parent_and_key(pointer) else {
            continue;
        };
        if let Some(Value::Object(map)) = config.pointer_mut(parent) {
            if !map.contains_key(&key) {
                map.insert(key, Value::String(value.clone()));
                merged.push(pointer.clone());
            }
        }
    }
    merged
}

fn json_problem(e: &serde_json::Error) -> Problem {
    Problem {
        pointer: String::new(),
        message: format!("not a JSON object: {e}"),
        line: Some(e.line()),
        column: Some(e.column()),
    }
}

/// Reads a configuration's JSON text (an object).
pub fn read(text: &str) -> Result<Value, Problems> {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(Problems::one(Problem::at(
            "",
            "the configuration is a JSON object",
        ))),
        Err(e) => Err(Problems::one(json_problem(&e))),
    }
}

impl Configuration {
    /// Checks `value` (secrets included) against [`schema`] of `model` and the rules a schema
    /// cannot say; every problem at once.
    pub fn check(model: &Model, value: &Value) -> Result<Configuration, Problems> {
        let mut problems = Vec::new();
        match jsonschema::validator_for(&schema(Some(model))) {
            Ok(validator) => {
                for e in validator.iter_errors(value) {
                    problems.push(Problem::at(e.instance_path().to_string(), e.to_string()));
                }
            }
            Err(e) => problems.push(Problem::at("", format!("schema: {e}"))),
        }
        if !problems.is_empty() {
            return Err(Problems(problems));
        }
        let config: Configuration = serde_json::from_value(value.clone())
            .map_err(|e| Problems::one(Problem::at("", e.to_string())))?;
        for (name, credential) in &config.authentication {
            let at = format!("/authentication/{}", escape(name));
            let Some(scheme) = model.security_schemes.get(name) else {
                continue;
            };
            match AuthKind::of(scheme) {
                Err(why) => problems.push(Problem::at(&at, why)),
                Ok(AuthKind::OAuth2) => {
                    let flows = declared_flows(scheme);
                    let flow = credential
                        .get("flow")
                        .and_then(Value::as_str)
                        .or_else(|| flows.first().copied());
                    match flow {
                        None => problems.push(Problem::at(
                            &at,
                            "the scheme declares none of the grants plumb runs \
                             (clientCredentials, password, authorizationCode)",
                        )),
                        Some(flow) => {
                            let doc_token = scheme
                                .pointer(&format!("/flows/{flow}/tokenUrl"))
                                .and_then(Value::as_str);
                            if credential.get("tokenUrl").is_none() && doc_token.is_none() {
                                problems.push(Problem::at(
                                    format!("{at}/tokenUrl"),
                                    "required: the document gives no token URL",
                                ));
                            }
                            if flow == "password" {
                                for k in ["username", "password"] {
                                    if credential.get(k).is_none() {
                                        problems.push(Problem::at(
                                            format!("{at}/{k}"),
                                            "required by the password grant",
                                        ));
                                    }
                                }
                            }
                            if flow == "authorizationCode"
                                && credential.get("refresh_token").is_none()
                                && credential.get("access_token").is_none()
                            {
                                problems.push(Problem::at(
                                    format!("{at}/refresh_token"),
                                    "the authorization-code grant needs a refresh_token \
                                     (or access_token) obtained by authorizing",
                                ));
                            }
                        }
                    }
                }
                Ok(AuthKind::OpenIdConnect) => {
                    if credential.get("discoveryUrl").is_none()
                        && scheme.get("openIdConnectUrl").is_none()
                    {
                        problems.push(Problem::at(
                            format!("{at}/discoveryUrl"),
                            "required: the document gives no openIdConnectUrl",
                        ));
                    }
                }
                Ok(_) => {}
            }
        }
        if config.proxy.override_ && config.proxy.mode == ProxyMode::Proxy {
            if config.proxy.host.as_deref().unwrap_or("").trim().is_empty() {
                problems.push(Problem::at(
                    "/proxy/host",
                    "required when the mode is `proxy`",
                ));
            }
            if config.proxy.port.is_none() {
                problems.push(Problem::at(
                    "/proxy/port",
                    "required when the mode is `proxy`",
                ));
            }
        }
        if config.proxy.auth.mode != ProxyAuthMode::None
            && (config.proxy.auth.username.is_none() || config.proxy.auth.password.is_none())
        {
            problems.push(Problem::at(
                "/proxy/auth",
                "`username` and `password` are required with this auth mode",
            ));
        }
        if config.cluster.override_ && config.cluster.id.as_deref().unwrap_or("").is_empty() {
            problems.push(Problem::at(
                "/cluster/id",
                "required when the cluster is overridden",
            ));
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(Problems(problems))
        }
    }

    /// The syslog level in effect: its own, else the integration's.
    pub fn syslog_level(&self) -> Option<LogLevel> {
        self.syslog
            .as_ref()
            .filter(|s| s.enabled)
            .map(|s| s.level.unwrap_or(self.log_level))
    }
}

/// Roles a model integration named `name` creates: `<name>:admin` and one per HTTP verb its
/// model's operations use (`<name>:GET`, ...), in that order.
pub fn roles(name: &str, model: &Model) -> Vec<String> {
    let mut verbs: Vec<&str> = Vec::new();
    for op in &model.operations {
        if !verbs.contains(&op.method.as_str()) {
            verbs.push(op.method.as_str());
        }
    }
    let order = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE",
    ];
    verbs.sort_by_key(|v| order.iter().position(|o| o == v).unwrap_or(order.len()));
    std::iter::once(format!("{name}:admin"))
        .chain(verbs.into_iter().map(|v| format!("{name}:{v}")))
        .collect()
}
