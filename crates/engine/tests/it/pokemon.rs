//! The seed's Pokemon Avatar Sync (code → GET JSON → GET binary → S3 put) through the engine,
//! with fake `code`, `http` and `aws-s3` actions standing in for the components crate.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use plumb_core::action::{Action, ActionContext, ActionError, Data, InputValue, Inputs};
use plumb_core::component::{ActionManifest, ComponentManifest, InputKind, InputManifest};
use plumb_core::definition;
use plumb_engine::{
    resolve_local_config, Engine, ExecutionStatus, Registry, RunRequest, StepOutcome,
};
use serde_json::{json, Value};

const POKEMON: &str = include_str!("../../../core/src/definition/testdata/pokemon.yaml");

const fn input(key: &'static str, kind: InputKind, required: bool) -> InputManifest {
    InputManifest {
        key,
        label: key,
        kind,
        required,
        default: None,
    }
}

static CODE: &[InputManifest] = &[input("code", InputKind::Code, true)];
static HTTP: &[InputManifest] = &[
    input("url", InputKind::String, true),
    input("responseType", InputKind::String, false),
];
static S3: &[InputManifest] = &[
    input("accessKey", InputKind::Connection, true),
    input("awsRegion", InputKind::String, false),
    input("bucket", InputKind::String, true),
    input("objectKey", InputKind::String, true),
    input("fileContents", InputKind::Data, true),
];

fn component(
    key: &'static str,
    actions: &'static [ActionManifest],
    connections: &'static [&'static str],
) -> ComponentManifest {
    ComponentManifest {
        key,
        label: key,
        description: "",
        actions,
        connections,
    }
}

/// Stands in for the `runCode` of the seed's Path Helper.
struct PathHelper;
#[async_trait::async_trait]
impl Action for PathHelper {
    async fn run(&self, ctx: &ActionContext, _inputs: Inputs) -> Result<Data, ActionError> {
        let cv = |k: &str| {
            ctx.config_vars
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Ok(Data::Json(json!({
            "pokemonUrl": format!("{}/api/v2/pokemon/{}", cv("pokeApiBaseUrl"), cv("pokemonAvatar")),
            "s3ObjectPath": format!("{}.png", cv("customerName")),
        })))
    }
}

/// A fake PokeAPI: JSON for pokemon URLs, PNG bytes for sprite URLs.
struct FakeGet;
#[async_trait::async_trait]
impl Action for FakeGet {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let url = inputs
            .string("url")
            .ok_or_else(|| ActionError::input("url", "missing"))?;
        if inputs.string("responseType").as_deref() == Some("binary") {
            let name = url.rsplit('/').next().unwrap_or_default();
            return Ok(Data::Binary {
                bytes: format!("PNG:{name}").into_bytes(),
                content_type: "image/png".into(),
            });
        }
        let name = url.rsplit('/').next().unwrap_or_default();
        Ok(Data::Json(
            json!({"sprites": {"front_default": format!("http://sprites/{name}.png")}}),
        ))
    }
}

/// A fake S3 bucket.
#[derive(Default)]
struct FakePut(Mutex<BTreeMap<String, (Vec<u8>, String)>>);
#[async_trait::async_trait]
impl Action for FakePut {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let conn = inputs
            .connection("accessKey")
            .ok_or_else(|| ActionError::input("accessKey", "no connection"))?;
        if conn.value("secretAccessKey") != Some("SECRETKEY123") {
            return Err(ActionError::failed("bad credentials"));
        }
        let key = format!(
            "{}/{}",
            inputs.string("bucket").unwrap_or_default(),
            inputs.string("objectKey").unwrap_or_default()
        );
        match inputs.get("fileContents") {
            Some(InputValue::Data(Data::Binary {
                bytes,
                content_type,
            })) => {
                if let Ok(mut m) = self.0.lock() {
                    m.insert(key.clone(), (bytes.clone(), content_type.clone()));
                }
                Ok(Data::Json(json!({"key": key})))
            }
            _ => Err(ActionError::input("fileContents", "expected binary")),
        }
    }
}

#[tokio::test]
async fn pokemon_avatar_sync_for_two_customers() {
    static CODE_ACTIONS: &[ActionManifest] = &[ActionManifest {
        key: "runCode",
        label: "",
        description: "",
        inputs: CODE,
        is_trigger: false,
    }];
    static HTTP_ACTIONS: &[ActionManifest] = &[ActionManifest {
        key: "httpGet",
        label: "",
        description: "",
        inputs: HTTP,
        is_trigger: false,
    }];
    static S3_ACTIONS: &[ActionManifest] = &[ActionManifest {
        key: "putObject",
        label: "",
        description: "",
        inputs: S3,
        is_trigger: false,
    }];
    let bucket = Arc::new(FakePut::default());
    let mut registry = Registry::with_builtins();
    registry
        .add_manifest(component("code", CODE_ACTIONS, &[]))
        .add_manifest(component("http", HTTP_ACTIONS, &[]))
        .add_manifest(component("aws-s3", S3_ACTIONS, &["apiKeySecret"]))
        // The scoped Salesforce connection of the fixture needs its component to be known.
        .add_manifest(component("salesforce", &[], &[]));
    registry
        .register("code", "runCode", Arc::new(PathHelper))
        .register("http", "httpGet", Arc::new(FakeGet))
        .register("aws-s3", "putObject", bucket.clone());
    let manifests = plumb_engine::ActionRegistry::manifests(&registry).to_vec();
    let def = definition::load(POKEMON, &manifests).unwrap_or_else(|p| panic!("{p}"));
    let engine = Engine::new(Arc::new(registry));

    for (customer, pokemon) in [("Smith Rocket Company", "pikachu"), ("FTL Rockets", "onix")] {
        let config = BTreeMap::from([
            ("customerName".to_string(), customer.to_string()),
            ("pokemonAvatar".to_string(), pokemon.to_string()),
            (
                "pokeApiBaseUrl".to_string(),
                "http://poke.local".to_string(),
            ),
            (
                "pokemonAvatarS3BucketName".to_string(),
                "avatars".to_string(),
            ),
            (
                "AWS Credentials".to_string(),
                r#"{"accessKeyId": "AK", "secretAccessKey": "SECRETKEY123"}"#.to_string(),
            ),
        ]);
        let mut req = RunRequest::new("Sync Avatar");
        req.config = resolve_local_config(&def, &config).unwrap();
        let res = engine.run(&def, req).await;
        assert_eq!(res.status, ExecutionStatus::Succeeded, "{:?}", res.error);
        assert_eq!(res.steps.len(), 5);
        let avatar = &res.steps[3].outcome;
        assert!(
            matches!(avatar, StepOutcome::Succeeded { result: Data::Binary { content_type, .. } } if content_type == "image/png")
        );
    }
    let stored = bucket.0.lock().unwrap().clone();
    assert_eq!(stored.len(), 2);
    assert_eq!(
        stored["avatars/Smith Rocket Company.png"].0,
        b"PNG:pikachu.png"
    );
    assert_eq!(
        stored["avatars/FTL Rockets.png"],
        (b"PNG:onix.png".to_vec(), "image/png".to_string())
    );
}
