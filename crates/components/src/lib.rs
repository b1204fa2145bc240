//! plumb's built-in components.
//!
//! Each component lives in its own folder with a thin `mod.rs` that declares its
//! [`ComponentManifest`] and its actions:
//! - [`code`]: `runCode`, JavaScript on QuickJS with a pool of runtimes ([`code::JsPool`]).
//! - [`aws_s3`]: `putObject, getObject, listObjects, deleteObject, copyObject` via `object_store`.
//! - [`http`]: `httpGet` ... `httpRequest`, with retries and the standard response envelope.
//! - [`salesforce`]: records, SOQL queries and composite requests over the REST API.
//!
//! [`manifests`] lists every component this crate provides; [`actions`] gives the
//! implementations keyed by `(component key, action key)`; [`Registry`] looks them up.
//! [`actions_with`] / [`Registry::with_auth`] take the process's `plumb_auth::AuthClient`, through
//! which `http` and `salesforce` authenticate (the default is an in-memory one).
//!
//! Invariants: components reach state only through their `ActionContext`; errors and logs never
//! carry a secret (URLs are shown without their query string); QuickJS runtimes never leave
//! their worker threads.

use std::collections::HashMap;
use std::sync::Arc;

use plumb_auth::AuthClient;
use plumb_core::action::Action;
use plumb_core::component::ComponentManifest;

pub mod aws_s3;
pub mod code;
pub mod http;
mod outbound;
pub mod salesforce;
mod util;

#[cfg(test)]
mod example_tests;
#[cfg(test)]
mod testing;

/// The manifests of every component in this crate.
pub fn manifests() -> Vec<ComponentManifest> {
    vec![
        code::manifest(),
        http::manifest(),
        aws_s3::manifest(),
        salesforce::manifest(),
    ]
}

/// `(component key, action key)`.
pub type ActionKey = (&'static str, &'static str);

/// Every action implementation, keyed by `(component key, action key)`, sending
/// authenticated HTTP requests through a process-wide in-memory [`AuthClient`].
pub fn actions() -> Vec<(ActionKey, Arc<dyn Action>)> {
    actions_with(outbound::default_auth())
}

/// Every action implementation, with the HTTP-backed ones (`http`, `salesforce`) sending
/// through `auth` (the server's client, whose token store is the database) and `aws-s3` under
/// its egress policy.
pub fn actions_with(auth: Arc<AuthClient>) -> Vec<(ActionKey, Arc<dyn Action>)> {
    let mut all = Vec::new();
    for (component, actions) in [
        (code::KEY, code::actions()),
        (http::KEY, http::actions_with(Arc::clone(&auth))),
        (aws_s3::KEY, aws_s3::actions_with(&auth)),
        (salesforce::KEY, salesforce::actions_with(auth)),
    ] {
        for (action, implementation) in actions {
            all.push(((component, action), implementation));
        }
    }
    all
}

/// The actions of this crate by `(component key, action key)`.
#[derive(Clone)]
pub struct Registry {
    actions: HashMap<ActionKey, Arc<dyn Action>>,
    manifests: Vec<ComponentManifest>,
}

impl Registry {
    /// A registry of every component in this crate (see [`actions`]).
    pub fn new() -> Self {
        Registry::with_auth(outbound::default_auth())
    }

    /// A registry whose HTTP-backed actions send through `auth` (see [`actions_with`]).
    pub fn with_auth(auth: Arc<AuthClient>) -> Self {
        Registry {
            actions: actions_with(auth).into_iter().collect(),
            manifests: manifests(),
        }
    }

    /// The action `component`/`action`, if this crate provides it.
    pub fn action(&self, component: &str, action: &str) -> Option<Arc<dyn Action>> {
        self.actions
            .iter()
            .find(|((c, a), _)| *c == component && *a == action)
            .map(|(_, implementation)| Arc::clone(implementation))
    }

    /// The manifest of a component.
    pub fn manifest(&self, component: &str) -> Option<&ComponentManifest> {
        self.manifests.iter().find(|m| m.key == component)
    }

    /// Every manifest.
    pub fn manifests(&self) -> &[ComponentManifest] {
        &self.manifests
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut keys: Vec<_> = self.actions.keys().collect();
        keys.sort();
        f.debug_struct("Registry").field("actions", &keys).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_manifest_action_has_an_implementation_and_back() {
        let registry = Registry::new();
        let mut declared = 0;
        for m in manifests() {
            for a in m.actions {
                declared += 1;
                assert!(
                    registry.action(m.key, a.key).is_some(),
                    "{}/{}",
                    m.key,
                    a.key
                );
            }
        }
        assert_eq!(declared, actions().len());
    }

    #[test]
    fn every_component_action_and_input_is_documented() {
        let docs = include_str!("../../../docs/components.md");
        for m in manifests() {
            assert!(docs.contains(&format!("## `{}`", m.key)), "{}", m.key);
            for a in m.actions {
                assert!(
                    docs.contains(&format!("`{}`", a.key)),
                    "{}/{}",
                    m.key,
                    a.key
                );
                for i in a.inputs {
                    assert!(
                        docs.contains(&format!("`{}`", i.key)),
                        "{}/{}/{}",
                        m.key,
                        a.key,
                        i.key
                    );
                }
            }
        }
    }

    #[test]
    fn contract_input_names() {
        let keys = |component: &str, action: &str| -> Vec<&'static str> {
            let registry = Registry::new();
            let manifest = registry.manifest(component).expect("component");
            manifest
                .action(action)
                .expect("action")
                .inputs
                .iter()
                .map(|i| i.key)
                .collect()
        };
        assert_eq!(
            keys("http", "httpRequest"),
            [
                "url",
                "method",
                "data",
                "headers",
                "queryParams",
                "responseType",
                "timeout",
                "maxRetries",
                "retryDelayMS",
                "retryOnAllErrors",
                "useExponentialBackoff",
                "includeFullResponse",
                "ignoreSslErrors",
                "debugRequest",
                "connection",
            ]
        );
        assert_eq!(keys("code", "runCode"), ["code"]);
        let put = keys("aws-s3", "putObject");
        for k in [
            "accessKey",
            "awsRegion",
            "bucket",
            "objectKey",
            "fileContents",
            "contentType",
            "tagging",
        ] {
            assert!(put.contains(&k), "{k}");
        }
        let list = keys("aws-s3", "listObjects");
        for k in ["prefix", "maxKeys", "continuationToken"] {
            assert!(list.contains(&k), "{k}");
        }
    }

    #[test]
    fn yaml_examples_in_the_docs_parse_and_name_real_actions() {
        let docs = include_str!("../../../docs/components.md");
        let registry = Registry::new();
        let mut blocks = 0;
        for block in docs.split("```yaml\n").skip(1) {
            let block = block.split("```").next().unwrap_or_default();
            let (value, _) = plumb_core::definition::yaml::parse(block)
                .unwrap_or_else(|e| panic!("block {blocks}: {e}\n{block}"));
            for step in value.as_array().expect("a list of steps") {
                let action = &step["action"];
                let (c, a) = (
                    action["component"]["key"].as_str().expect("component"),
                    action["key"].as_str().expect("action"),
                );
                assert!(registry.action(c, a).is_some(), "{c}/{a}");
            }
            blocks += 1;
        }
        assert_eq!(blocks, 4);
    }
}
