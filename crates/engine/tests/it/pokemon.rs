//! The seed's Pokemon Avatar Sync (code → GET JSON → GET binary → S3 put) through the engine,
//! with fake `code`, `http` and `aws-s3` actions standing in for the components crate.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use plumb_core::action::{Action, ActionContext, ActionError, Data, InputValue, Inputs};
use plumb_core::component::{
    ActionSpec, Component, ComponentSpec, ConnectionSpec, InputKind, InputSpec,
};
use plumb_core::definition;
use plumb_engine::{
    resolve_local_config, Catalog, Engine, ExecutionStatus, RunRequest, StepOutcome,
};
use serde_json::{json, Value};

const POKEMON: &str = include_str!("../../../core/src/definition/testdata/pokemon.yaml");

fn input(key: &str, kind: InputKind, required: bool) -> InputSpec {
    InputSpec::new(key, key, kind, required, None, "")
}

fn component(
    key: &str,
    action: Option<(&str, Vec<InputSpec>)>,
    connections: &[&str],
) -> ComponentSpec {
    let mut spec = ComponentSpec::builtin(key, key, "");
    if let Some((a, inputs)) = action {
        spec = spec.action(ActionSpec::new(a, a, "", inputs));
    }
    spec.connections = connections
        .iter()
        .filter_map(|k| plumb_core::connection_types::find(key, k))
        .map(ConnectionSpec::from)
        .collect();
    spec
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
    let code = vec![input("code", InputKind::Code, true)];
    let http = vec![
        input("url", InputKind::String, true),
        input("responseType", InputKind::String, false),
    ];
    let s3 = vec![
        input("accessKey", InputKind::Connection, true),
        input("awsRegion", InputKind::String, false),
        input("bucket", InputKind::String, true),
        input("objectKey", InputKind::String, true),
        input("fileContents", InputKind::Data, true),
    ];
    let bucket = Arc::new(FakePut::default());
    let mut all = plumb_engine::builtin_components();
    all.push(
        Component::new(component("code", Some(("runCode", code)), &[]))
            .with_action("runCode", Arc::new(PathHelper)),
    );
    all.push(
        Component::new(component("http", Some(("httpGet", http)), &[]))
            .with_action("httpGet", Arc::new(FakeGet)),
    );
    all.push(
        Component::new(component(
            "aws-s3",
            Some(("putObject", s3)),
            &["apiKeySecret"],
        ))
        .with_action("putObject", bucket.clone()),
    );
    // The scoped Salesforce connection of the fixture needs its component to be known.
    all.push(Component::new(component(
        "salesforce",
        None,
        &["clientCredentials", "oauth2", "jwtBearer", "basic"],
    )));
    let registry = Catalog::new(all).expect("a consistent catalog");
    let def = definition::load(POKEMON, &registry.view(None)).unwrap_or_else(|p| panic!("{p}"));
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
