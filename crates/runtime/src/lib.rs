//! What runs flows for the API, the workers and the CLI's `plumb run`: the one component
//! [`catalog`] ([`build_catalog`]), config resolution for test runs ([`resolve_test_config`]) and instances
//! ([`bindings`]), what a customer-bound caller may do ([`customer_scope`]), the [`StoreSink`] that records an execution's steps and logs,
//! [`run_test_flow`], the [`Runtime`] that queues and runs executions, the [`worker`] loops and
//! the [`scheduler`].

pub mod bindings;
pub mod completions;
pub mod cross_flow;
pub mod customer_scope;
pub mod executor;
pub mod models;
pub mod scheduler;
mod sink;
pub mod state;
mod test_run;
mod tokens;
pub use tokens::{
    catalog_with_vault, complete_authorization, connection_has_tokens, is_authorization_code_type,
    start_authorization, test_connection, AuthorizationError, AuthorizationTarget, CallbackParams,
    CompletedAuthorization, SealedTokenStore, AUTHORIZATION_TTL,
};
pub mod worker;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use plumb_core::config::DataType;
use plumb_core::definition::{ConfigVarDecl, Definition};
use plumb_core::expr::ConfigValue;
use plumb_engine::{Catalog, Engine};

pub use completions::{Completion, Completions};
pub use executor::{webhook_url, QueueError, Runtime, TriggerInput, FLOW_CONFIG_TYPE};
pub use sink::{SinkWriter, StoreSink};
pub use test_run::{run_test_flow, start_test_flow, TestTrigger};
pub use worker::{run_workers, WorkerConfig};

/// Builds the component catalog: the engine's own components and the components crate's,
/// its HTTP-backed actions sending through `auth`. The one place built-ins are assembled; call
/// it once per process ([`catalog`] does for `plumb run` and tests, [`catalog_with_vault`] for
/// the server).
pub fn build_catalog(auth: Arc<plumb_auth::AuthClient>) -> Arc<Catalog> {
    let mut all = plumb_engine::builtin_components();
    all.extend(plumb_components::components(auth));
    match Catalog::new(all) {
        Ok(catalog) => Arc::new(catalog),
        // The built-ins are checked by tests; a broken one is a bug in this build.
        Err(e) => panic!("the built-in components are inconsistent: {e}"),
    }
}

/// The process's catalog on the default (in-memory token cache) client: what `plumb run` and
/// tests use. Built once per process.
pub fn catalog() -> Arc<Catalog> {
    static CATALOG: OnceLock<Arc<Catalog>> = OnceLock::new();
    CATALOG
        .get_or_init(|| build_catalog(plumb_components::default_auth()))
        .clone()
}

/// An engine over [`catalog`] with default limits.
pub fn engine() -> Engine {
    Engine::new(catalog())
}

/// Why a test config value was refused or could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("config var `{key}`: {message}")]
pub struct ConfigProblem {
    /// The config var's key.
    pub key: String,
    /// What is wrong (never carries a value).
    pub message: String,
}

impl ConfigProblem {
    fn new(key: &str, message: impl Into<String>) -> Self {
        ConfigProblem {
            key: key.to_string(),
            message: message.into(),
        }
    }
}

/// Checks one test value against its declaration before it is stored. Connection values are
/// refused: their inputs may hold secrets, and test values are stored unsealed.
pub fn check_test_value(def: &Definition, key: &str, value: &str) -> Result<(), ConfigProblem> {
    let Some(decl) = def.config_var(key) else {
        return Err(ConfigProblem::new(
            key,
            "is not declared by the integration's requiredConfigVars",
        ));
    };
    if value.is_empty() {
        return Ok(()); // clears the value
    }
    if decl.is_connection() {
        // connection resolution: wired by issue 3 (test credentials of scoped connections are
        // set with createCustomerConfigVariable(isTest: true); plain connection test values
        // need sealing with the organization's data key before they can be stored).
        return Err(ConfigProblem::new(
            key,
            "is a connection: its test value cannot be stored here because its inputs may be \
             secrets; set the connection's test credentials instead (scoped connection via \
             useScopedConfigVar), or give the inputs as defaults in the definition",
        ));
    }
    check_declared_value(decl, value)
}

/// Checks a (non-connection) value against its declaration: a collection must be a JSON list,
/// a typed value must parse as its data type. Empty clears the value.
pub fn check_declared_value(decl: &ConfigVarDecl, value: &str) -> Result<(), ConfigProblem> {
    let key = decl.key.as_str();
    if value.is_empty() {
        return Ok(());
    }
    if decl.collection_type.is_some() {
        return match serde_json::from_str::<serde_json::Value>(value) {
            Ok(serde_json::Value::Array(_)) => Ok(()),
            _ => Err(ConfigProblem::new(
                key,
                "is a collection: its value must be a JSON list",
            )),
        };
    }
    let data_type = decl_type(decl);
    data_type.validate(value).map_err(|e| {
        ConfigProblem::new(key, format!("{} for data type {}", e.0, data_type.as_str()))
    })
}

fn decl_type(decl: &ConfigVarDecl) -> DataType {
    decl.data_type
        .as_deref()
        .and_then(DataType::parse)
        .unwrap_or(DataType::String)
}

/// Resolved config of a test run, with notes for the execution's log.
#[derive(Debug, Default)]
pub struct TestConfig {
    /// Config values by key.
    pub values: BTreeMap<String, ConfigValue>,
    /// Warnings to log (a config var that could not be resolved, ...). Never a value.
    pub warnings: Vec<String>,
}

/// THE place where a test run's config vars get their values: the integration's stored test
/// values over the declared defaults; a connection gets the definition's default inputs.
///
/// A connection that names `useScopedConfigVar` is left out here; [`resolve_scoped_test_connections`]
/// binds it to the organization's scoped connection and its test credentials.
pub fn resolve_test_config(
    def: &Definition,
    test_values: &BTreeMap<String, String>,
) -> Result<TestConfig, ConfigProblem> {
    // Only declared, non-connection values apply (stale keys of an earlier draft are ignored).
    let mut given = BTreeMap::new();
    for (k, v) in test_values {
        match def.config_var(k) {
            Some(decl) if !decl.is_connection() => {
                given.insert(k.clone(), v.clone());
            }
            _ => {}
        }
    }
    let values = plumb_engine::resolve_local_config(def, &given)
        .map_err(|message| ConfigProblem::new("", message))?;
    let mut out = TestConfig {
        values,
        warnings: Vec::new(),
    };
    for decl in def
        .required_config_vars
        .iter()
        .filter(|d| d.is_connection())
    {
        if decl.use_scoped_config_var.is_some() {
            out.values.remove(&decl.key);
        }
    }
    Ok(out)
}

/// Gives the connections a definition carries itself (their ID is their config var's key)
/// an ID unique to the integration, so token caches keyed by connection ID never share a token
/// between two integrations (or organizations) that use the same key.
pub fn scope_definition_connections(config: &mut TestConfig, integration_id: uuid::Uuid) {
    for (key, value) in config.values.iter_mut() {
        if let ConfigValue::Connection(c) = value {
            if &c.id == key {
                c.id = format!("integration:{integration_id}:{key}");
            }
        }
    }
}

/// Binds each `useScopedConfigVar` connection of a test run to the organization's scoped
/// connection with that stable key, with its test credentials (over its global values), opened
/// with the organization's data key. A connection that cannot be resolved is left out with a
/// warning (a step using it then fails with a clear error); secrets never reach the warnings.
pub async fn resolve_scoped_test_connections(
    vault: Option<&plumb_store::secrets::Vault>,
    org_id: uuid::Uuid,
    def: &Definition,
    config: &mut TestConfig,
) {
    for decl in def
        .required_config_vars
        .iter()
        .filter(|d| d.is_connection())
    {
        let Some(stable_key) = &decl.use_scoped_config_var else {
            continue;
        };
        let Some(vault) = vault else {
            config.warnings.push(format!(
                "config var `{}`: the server has no master key, so the scoped connection \
                 `{stable_key}` cannot be opened",
                decl.key
            ));
            continue;
        };
        match plumb_store::resolve::resolve_scoped_connection(vault, org_id, stable_key, None, true)
            .await
        {
            Ok(Some(conn)) => {
                config
                    .values
                    .insert(decl.key.clone(), ConfigValue::Connection(conn));
            }
            Ok(None) => config.warnings.push(format!(
                "config var `{}`: the scoped connection `{stable_key}` does not exist or has no \
                 test credentials",
                decl.key
            )),
            Err(e) => {
                tracing::error!(error = %e, key = %decl.key, "resolving a scoped connection failed");
                config.warnings.push(format!(
                    "config var `{}`: the scoped connection `{stable_key}` could not be opened",
                    decl.key
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEF: &str = r#"
name: T
definitionVersion: 7
requiredConfigVars:
  - key: n
    dataType: number
  - key: s
    dataType: string
    defaultValue: d
  - key: conn
    dataType: connection
    connection: {key: bearer, component: {key: http}}
    inputs:
      token: {type: value, value: ''}
flows:
  - name: F
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
"#;

    #[test]
    fn catalog_has_every_component() {
        let view = catalog().view(None);
        for key in [
            "code",
            "http",
            "aws-s3",
            "salesforce",
            "math",
            "text-manipulation",
            "hash",
            "log",
            "sleep",
            "datetime",
            "loop",
            "branch",
            "webhook-triggers",
            "schedule-triggers",
            "management-triggers",
            "stop-execution",
            "persist-data",
        ] {
            assert!(view.get(key).is_some(), "{key}");
        }
        assert!(view.action("http", "httpGet").is_some());
        assert!(view.action("persist-data", "saveInstanceValue").is_some());
        assert!(view.action("text-manipulation", "upperCase").is_some());
        assert!(view.action("log", "writeLog").is_some());
    }

    #[test]
    fn test_values_are_checked() {
        let def = engine().load(DEF).unwrap();
        assert!(check_test_value(&def, "n", "12").is_ok());
        assert!(check_test_value(&def, "n", "x").is_err());
        assert!(check_test_value(&def, "nope", "x").is_err());
        assert!(check_test_value(&def, "conn", r#"{"token":"t"}"#).is_err());
        let cfg = resolve_test_config(&def, &BTreeMap::from([("n".into(), "3".into())])).unwrap();
        assert_eq!(
            cfg.values.get("s"),
            Some(&ConfigValue::Value(serde_json::json!("d")))
        );
    }

    #[test]
    fn definition_connections_get_an_integration_scoped_id() {
        let def = engine().load(DEF).unwrap();
        let given = BTreeMap::from([("conn".to_string(), r#"{"token":"t"}"#.to_string())]);
        let mut cfg = TestConfig {
            values: plumb_engine::resolve_local_config(&def, &given).unwrap(),
            warnings: vec![],
        };
        let id = uuid::Uuid::now_v7();
        scope_definition_connections(&mut cfg, id);
        let Some(ConfigValue::Connection(c)) = cfg.values.get("conn") else {
            panic!("{cfg:?}")
        };
        assert_eq!(c.id, format!("integration:{id}:conn"));
    }
}
