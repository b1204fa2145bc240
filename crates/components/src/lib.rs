//! plumb's built-in components.
//!
//! Each component lives in its own folder: its spec (`manifest.rs`, or in `mod.rs` when small:
//! key, actions with typed inputs declared by [`plumb_core::action_inputs!`], examples,
//! connection types) next to its actions' code, and one `component(..)` function that gives
//! both as a [`Component`]:
//! - [`code`]: `runCode`, JavaScript on QuickJS with a pool of runtimes ([`code::JsPool`]).
//! - [`aws_s3`]: `putObject, getObject, listObjects, deleteObject, copyObject` via `object_store`.
//! - [`aws_sqs`], [`aws_sns`]: Amazon SQS (AWS JSON protocol) and SNS (Query protocol) actions,
//!   signed with `plumb-auth`'s SigV4 scheme (shared helpers in `aws_api`).
//! - [`http`]: `httpGet` ... `httpRequest`, with retries and the standard response envelope.
//! - [`salesforce`]: records, SOQL queries and composite requests over the REST API.
//! - [`slack`]: `postMessage` (chat.postMessage) and `postSlackMessage` (incoming webhook).
//! - [`openai`]: `createChatCompletion` and `createEmbedding` over OpenAI's REST API.
//! - [`postgres`]: `query`, SQL with pg-promise-style parameters on PostgreSQL via `sqlx`.
//! - [`change_data_format`]: JSON, XML, CSV, YAML, JSON Lines and form data conversions.
//! - [`csv`]: `generateFromObject, generate, parse`.
//! - [`messagepack`]: `decodeMessage, encodeMessage`.
//! - [`liquid_template`]: `transform`, a Liquid template rendered with data.
//! - [`log`]: `writeLog` and `writeMetric` to the execution log.
//! - [`math`]: Prismatic's Math actions on numbers and lists of numbers.
//! - [`datetime`]: Prismatic's Date/Time actions, time zones from `chrono-tz`.
//! - [`hash`]: hex digests and HMACs (`computeHash`, `computeHmac`, `computeSha256`, ...).
//! - [`sleep`]: `sleep`, bounded by the execution's time limit.
//! - [`text_manipulation`]: `upperCase`, `split`, `join`, `replace`, `match`, ... on strings.
//! - [`collection_tools`]: list and object operations (`chunks`, `flatten`, `addKey`, ...) and
//!   `filter`, `map`, `sort`, `aggregate` with JavaScript functions run in [`code`]'s sandbox.
//!
//! [`components`] lists them (one line per component); the process's catalog
//! (`plumb_engine::Catalog`, built by `plumb_runtime`) holds them with the engine's own. The
//! HTTP-backed ones (`http`, `salesforce`, `slack`, `openai`) authenticate through the given
//! `plumb_auth::AuthClient`, `aws-s3` runs under its egress policy.
//!
//! Invariants: components reach state only through their `ActionContext`; errors and logs never
//! carry a secret (URLs are shown without their query string); QuickJS runtimes never leave
//! their worker threads.

use std::sync::Arc;

use plumb_auth::AuthClient;
use plumb_core::action::Action;
use plumb_core::component::{Component, ComponentSpec};

mod aws_api;
pub mod aws_s3;
pub mod aws_sns;
pub mod aws_sqs;
pub mod change_data_format;
pub mod code;
pub mod collection_tools;
pub mod csv;
pub mod datetime;
pub mod hash;
pub mod http;
pub mod liquid_template;
pub mod log;
pub mod math;
pub mod messagepack;
pub mod openai;
mod outbound;
pub mod postgres;
pub mod salesforce;
pub mod slack;
pub mod sleep;
pub mod text_manipulation;
mod util;

#[cfg(test)]
mod example_tests;
#[cfg(test)]
mod testing;

pub use outbound::default_auth;

/// Every component of this crate, its HTTP-backed actions sending through `auth`. One line per
/// component.
pub fn components(auth: Arc<AuthClient>) -> Vec<Component> {
    vec![
        code::component(),
        http::component(Arc::clone(&auth)),
        aws_s3::component(&auth),
        aws_sqs::component(Arc::clone(&auth)),
        aws_sns::component(Arc::clone(&auth)),
        salesforce::component(Arc::clone(&auth)),
        slack::component(Arc::clone(&auth)),
        openai::component(Arc::clone(&auth)),
        postgres::component(&auth),
        change_data_format::component(),
        csv::component(),
        messagepack::component(),
        liquid_template::component(),
        math::component(),
        text_manipulation::component(),
        hash::component(),
        log::component(),
        sleep::component(),
        datetime::component(),
        collection_tools::component(),
    ]
}

/// A component from its spec and its actions' implementations by key.
fn assemble(spec: ComponentSpec, actions: Vec<(&'static str, Arc<dyn Action>)>) -> Component {
    actions
        .into_iter()
        .fold(Component::new(spec), |c, (key, implementation)| {
            c.with_action(key, implementation)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Component> {
        components(default_auth())
    }

    #[test]
    fn every_spec_action_has_an_implementation_and_back() {
        for c in all() {
            c.check().unwrap_or_else(|e| panic!("{e}"));
            assert!(!c.is_control(), "{}", c.spec().key);
        }
    }

    #[test]
    fn every_action_has_a_description_docs_and_an_example() {
        for c in all() {
            let spec = c.spec();
            assert!(!spec.description.is_empty(), "{}", spec.key);
            for a in &spec.actions {
                assert!(
                    !a.examples.is_empty(),
                    "{}/{} has no example",
                    spec.key,
                    a.key
                );
                for i in &a.inputs {
                    assert!(
                        !i.description.is_empty(),
                        "{}/{}/{} has no description",
                        spec.key,
                        a.key,
                        i.key
                    );
                }
            }
        }
    }

    #[test]
    fn contract_input_names() {
        let all = all();
        let keys = |component: &str, action: &str| -> Vec<String> {
            all.iter()
                .find(|c| c.spec().key == component)
                .and_then(|c| c.spec().find_action(action))
                .map(|a| a.inputs.iter().map(|i| i.key.clone()).collect())
                .unwrap_or_else(|| panic!("{component}/{action}"))
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
        // Keys Prismatic's exports use (prismatic-io/examples).
        let cdf = change_data_format::KEY;
        assert_eq!(keys(cdf, "deserializeFromJson"), ["data"]);
        assert_eq!(
            keys(cdf, "deserializeFromXml"),
            ["data", "numbersAsStrings"]
        );
        assert_eq!(keys(cdf, "deserializeFormData"), ["data"]);
        assert_eq!(keys(cdf, "binaryToJson"), ["data"]);
        assert_eq!(keys(cdf, "convertToString"), ["value"]);
        assert_eq!(keys(csv::KEY, "parse"), ["csv", "delimiter"]);
        assert_eq!(keys(messagepack::KEY, "decodeMessage"), ["message"]);
        assert_eq!(
            keys(liquid_template::KEY, "transform"),
            ["data", "liquidTemplate"]
        );
        assert_eq!(
            keys(csv::KEY, "generateFromObject"),
            ["inputArray", "delimiter", "includeHeader"]
        );
        // Keys of split-payload-example.yml and salesforce-example.yml, and Prismatic's page.
        let ct = collection_tools::KEY;
        assert_eq!(keys(ct, "chunks"), ["listInput", "numberInput"]);
        assert_eq!(keys(ct, "flatten"), ["listInput"]);
        assert_eq!(keys(ct, "addKey"), ["object", "key", "value", "objectPath"]);
        assert_eq!(keys(ct, "validateJsonSchema"), ["jsonInput", "jsonSchema"]);
        assert_eq!(
            keys(ct, "aggregate"),
            ["listInput", "aggregateFunctionInput", "filterCodeInput"]
        );
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
            assert!(put.iter().any(|p| p == k), "{k}");
        }
        let list = keys("aws-s3", "listObjects");
        for k in ["prefix", "maxKeys", "continuationToken"] {
            assert!(list.iter().any(|p| p == k), "{k}");
        }
        let version = all
            .iter()
            .find(|c| c.spec().key == "salesforce")
            .and_then(|c| c.spec().find_action("query"))
            .and_then(|a| a.input("version"))
            .and_then(|i| i.default.clone());
        assert_eq!(version.as_deref(), Some(salesforce::DEFAULT_VERSION));
    }

    #[test]
    fn yaml_examples_in_the_docs_parse_and_name_real_actions() {
        let docs = include_str!("../../../docs/components.md");
        let all = all();
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
                assert!(
                    all.iter()
                        .any(|x| x.spec().key == c && x.action(a).is_some()),
                    "{c}/{a}"
                );
            }
            blocks += 1;
        }
        assert_eq!(blocks, 4);
    }
}
