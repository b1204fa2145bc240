//! The seed's Pokemon Avatar Sync (`examples/pokemon-avatar-sync/integration.yaml`) run step by
//! step with this crate's actions (no engine): the definition validates against our manifests,
//! the steps' inputs are resolved from the YAML by a tiny resolver, and the objects written to
//! a local S3-compatible server are read back from its directory and compared with the PNGs
//! the PokeAPI stand-in served.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use plumb_core::action::{Data, InputValue, Inputs};
use plumb_core::component::{ActionSpec, ComponentSpec};
use plumb_core::definition::{self, Input, Step};
use serde_json::{json, Value};

use crate::testing::{context, S3Server, S3_SECRET_KEY};

const DEFINITION: &str = include_str!("../../../examples/pokemon-avatar-sync/integration.yaml");
const PIKACHU_JSON: &str =
    include_str!("../../../examples/pokemon-avatar-sync/fixtures/pikachu.json");
const ONIX_JSON: &str = include_str!("../../../examples/pokemon-avatar-sync/fixtures/onix.json");
const PIKACHU_PNG: &[u8] =
    include_bytes!("../../../examples/pokemon-avatar-sync/fixtures/pikachu.png");
const ONIX_PNG: &[u8] = include_bytes!("../../../examples/pokemon-avatar-sync/fixtures/onix.png");

const BUCKET: &str = "pokemon-avatars";

/// The PokeAPI stand-in: `/api/v2/pokemon/{name}` and `/media/sprites/pokemon/{id}.png`.
async fn poke_api() -> String {
    async fn pokemon(State(base): State<String>, Path(name): Path<String>) -> Response {
        let body = match name.as_str() {
            "pikachu" => PIKACHU_JSON,
            "onix" => ONIX_JSON,
            _ => return (StatusCode::NOT_FOUND, "Not Found").into_response(),
        };
        (
            [("content-type", "application/json")],
            body.replace("{{baseUrl}}", &base),
        )
            .into_response()
    }
    async fn sprite(Path(file): Path<String>) -> Response {
        let bytes = match file.as_str() {
            "25.png" => PIKACHU_PNG,
            "95.png" => ONIX_PNG,
            _ => return StatusCode::NOT_FOUND.into_response(),
        };
        ([("content-type", "image/png")], bytes).into_response()
    }
    // The JSON names sprite URLs on this same server, so learn the address first.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = Router::new()
        .route("/api/v2/pokemon/{name}", get(pokemon))
        .route("/media/sprites/pokemon/{file}", get(sprite))
        .with_state(base.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    base
}

/// Our components' specs plus the trigger component the engine provides.
fn manifests() -> Vec<ComponentSpec> {
    let mut all: Vec<ComponentSpec> = crate::components(crate::default_auth())
        .iter()
        .map(|c| c.spec().clone())
        .collect();
    all.push(
        ComponentSpec::builtin("schedule-triggers", "Schedule", "")
            .action(ActionSpec::new("schedule", "Schedule", "", Vec::new()).trigger()),
    );
    all
}

/// `a.b.0.c` inside a JSON value.
fn pointer<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, seg| match v {
        Value::Array(items) => items.get(seg.parse::<usize>().ok()?),
        other => other.get(*seg),
    })
}

/// Resolves one input the way the engine does, for `value`, `configVar` and `reference`.
fn resolve(
    input: &Input,
    config: &BTreeMap<String, Value>,
    connections: &BTreeMap<String, plumb_core::action::Connection>,
    results: &BTreeMap<String, Data>,
) -> InputValue {
    match input.kind.as_str() {
        "configVar" => {
            let key = input.value.as_str().expect("config var key");
            match connections.get(key) {
                Some(c) => InputValue::Connection(c.clone()),
                None => {
                    InputValue::Data(Data::Json(config.get(key).cloned().unwrap_or(Value::Null)))
                }
            }
        }
        "reference" => {
            let path: Vec<&str> = input
                .value
                .as_str()
                .expect("reference")
                .split('.')
                .collect();
            let (step, rest) = (path[0], &path[2..]);
            assert_eq!(path[1], "results");
            match results.get(step).expect("earlier step") {
                Data::Json(v) if rest.is_empty() => InputValue::Data(Data::Json(v.clone())),
                Data::Json(v) => {
                    InputValue::Data(Data::Json(pointer(v, rest).cloned().unwrap_or(Value::Null)))
                }
                binary => {
                    assert!(rest.is_empty());
                    InputValue::Data(binary.clone())
                }
            }
        }
        _ => InputValue::Data(Data::Json(input.value.clone())),
    }
}

fn camel(name: &str) -> String {
    let mut out = String::new();
    for (i, word) in name.split_whitespace().enumerate() {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                out.extend(first.to_lowercase());
            } else {
                out.extend(first.to_uppercase());
            }
            out.push_str(chars.as_str());
        }
    }
    out
}

async fn run_flow(
    steps: &[Step],
    config: BTreeMap<String, Value>,
    s3: &S3Server,
) -> BTreeMap<String, Data> {
    let registry = crate::components(crate::default_auth());
    let connections =
        BTreeMap::from([("AWS Credentials".to_string(), s3.connection(S3_SECRET_KEY))]);
    let mut results: BTreeMap<String, Data> = BTreeMap::new();
    for step in steps.iter().filter(|s| s.is_trigger != Some(true)) {
        let action = registry
            .iter()
            .find(|c| c.spec().key == step.action.component.key)
            .and_then(|c| c.action(&step.action.key))
            .unwrap_or_else(|| {
                panic!(
                    "no action {}/{}",
                    step.action.component.key, step.action.key
                )
            });
        let inputs = Inputs(
            step.inputs
                .iter()
                .map(|(k, i)| (k.clone(), resolve(i, &config, &connections, &results)))
                .collect(),
        );
        let t = context(Value::Object(config.clone().into_iter().collect()), vec![]);
        let mut ctx = t.ctx.clone();
        ctx.step_name = step.name.clone();
        ctx.step_results = std::sync::Arc::new(results.clone());
        let out = action
            .run(&ctx, inputs)
            .await
            .unwrap_or_else(|e| panic!("step {}: {e}", step.name));
        results.insert(camel(&step.name), out);
    }
    results
}

#[tokio::test]
async fn pokemon_avatar_sync_for_two_customers() {
    let parsed = definition::load(DEFINITION, &manifests()).unwrap_or_else(|p| panic!("{p}"));
    let flow = &parsed.flows[0];
    let api = poke_api().await;
    let s3 = S3Server::start(&[BUCKET]).await;
    for (customer, pokemon, png) in [
        ("Smith Rocket Company", "pikachu", PIKACHU_PNG),
        ("FTL Rockets", "onix", ONIX_PNG),
    ] {
        let config = BTreeMap::from([
            ("pokeApiBaseUrl".to_string(), json!(api)),
            ("customerName".to_string(), json!(customer)),
            ("pokemonAvatar".to_string(), json!(pokemon)),
            ("pokemonAvatarS3BucketName".to_string(), json!(BUCKET)),
        ]);
        let results = run_flow(&flow.steps, config, &s3).await;
        assert_eq!(
            results["pathHelper"],
            Data::Json(json!({
                "pokemonUrl": format!("{api}/api/v2/pokemon/{pokemon}"),
                "s3ObjectPath": format!("{customer}.png"),
            }))
        );
        assert_eq!(
            results["getPokemonAvatar"],
            Data::Binary {
                bytes: png.to_vec(),
                content_type: "image/png".into()
            }
        );
        let Data::Json(put) = &results["putObject"] else {
            panic!("put result")
        };
        assert_eq!(put["objectKey"], format!("{customer}.png"));
    }
    // Read both objects back independently of the S3 client and compare with what was served.
    assert_eq!(
        s3.read(BUCKET, "Smith Rocket Company.png").as_deref(),
        Some(PIKACHU_PNG)
    );
    assert_eq!(
        s3.read(BUCKET, "FTL Rockets.png").as_deref(),
        Some(ONIX_PNG)
    );
}
