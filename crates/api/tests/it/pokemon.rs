//! The seed's Pokemon Avatar Sync through the API: the example's definition, its S3 credentials
//! an organization-level scoped connection (`useScopedConfigVar`), imported, configured with
//! test values, run with `testIntegrationFlow` for two customers against a PokeAPI stand-in and
//! an S3-compatible server (s3s-fs, signatures verified) on 127.0.0.1; the execution is read
//! back through `executionResult`, and each object is read back from the S3 server with an
//! independent client and compared with the PNG served.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use object_store::aws::AmazonS3Builder;
use object_store::ObjectStoreExt as _;
use serde_json::{json, Value};

use crate::connections::{all, connection_id, CREATE_SCOPED};
use crate::Server;

const EXAMPLE: &str = include_str!("../../../../examples/pokemon-avatar-sync/integration.yaml");
const PIKACHU_JSON: &str =
    include_str!("../../../../examples/pokemon-avatar-sync/fixtures/pikachu.json");
const ONIX_JSON: &str = include_str!("../../../../examples/pokemon-avatar-sync/fixtures/onix.json");
pub(crate) const PIKACHU_PNG: &[u8] =
    include_bytes!("../../../../examples/pokemon-avatar-sync/fixtures/pikachu.png");
pub(crate) const ONIX_PNG: &[u8] =
    include_bytes!("../../../../examples/pokemon-avatar-sync/fixtures/onix.png");

pub(crate) const BUCKET: &str = "pokemon-avatars";
pub(crate) const ACCESS_KEY: &str = "plumb-api-test-key";
pub(crate) const SECRET_KEY: &str = "plumb-api-test-secret-5d1f";
const STABLE_KEY: &str = "pokemon-avatar-s3";

/// The PokeAPI stand-in: `/api/v2/pokemon/{name}` (the fixture JSON, its sprite URLs on this
/// server) and `/media/sprites/pokemon/{id}.png`.
pub(crate) async fn poke_api() -> String {
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new()
        .route("/api/v2/pokemon/{name}", get(pokemon))
        .route("/media/sprites/pokemon/{file}", get(sprite))
        .with_state(base.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    base
}

/// An s3s-fs server with `BUCKET`, verifying signatures with `ACCESS_KEY` / `SECRET_KEY`.
pub(crate) async fn s3_server() -> (String, tempfile::TempDir) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;

    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join(BUCKET)).unwrap();
    let fs = s3s_fs::FileSystem::new(root.path()).unwrap();
    let mut builder = s3s::service::S3ServiceBuilder::new(fs);
    builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
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
    (endpoint, root)
}

/// The example's definition with its `AWS Credentials` connection bound to the organization's
/// scoped connection instead of defined in the integration (the last `requiredConfigVars`
/// entry; everything else unchanged).
pub(crate) fn definition() -> String {
    let start = EXAMPLE
        .find("  - connection:\n      component:\n        isPublic: true\n        key: aws-s3")
        .expect("the example's AWS Credentials entry");
    let tail = &EXAMPLE[start..];
    assert!(tail.contains("    key: AWS Credentials\n"), "{tail}");
    assert!(
        !tail[2..].contains("\n  - "),
        "AWS Credentials is the last entry"
    );
    format!(
        "{}  - dataType: connection\n    key: AWS Credentials\n    useScopedConfigVar: {STABLE_KEY}\n",
        &EXAMPLE[..start]
    )
}

/// Creates the organization-level scoped connection holding the S3 credentials.
pub(crate) async fn create_s3_connection(s: &Server, endpoint: &str) {
    let conn = connection_id(s, "aws-s3", "apiKeySecret").await;
    let r = s
        .gql(
            CREATE_SCOPED,
            json!({ "input": {
                "key": "Avatar Bucket Credentials", "stableKey": STABLE_KEY,
                "variableScope": "org", "managedBy": "org", "connection": conn,
                "description": "the organization's avatar bucket",
                "inputs": [
                    { "name": "accessKeyId", "type": "value", "value": ACCESS_KEY },
                    { "name": "secretAccessKey", "type": "value", "value": SECRET_KEY },
                    { "name": "endpoint", "type": "value", "value": endpoint }
                ]
            } }),
        )
        .await;
    let p = &r["data"]["createScopedConfigVariable"];
    assert_eq!(p["errors"], json!([]), "{r}");
    let inputs = p["scopedConfigVariable"]["inputs"].as_array().unwrap();
    let secret = inputs
        .iter()
        .find(|i| i["name"] == "secretAccessKey")
        .unwrap();
    assert_eq!(secret["isSet"], true, "{r}");
    assert!(
        !r.to_string().contains(SECRET_KEY),
        "the secret was read back"
    );
}

async fn set_test_config(s: &Server, id: &str, values: &[(&str, &str)]) {
    let r = s
        .gql(
            "mutation($input: SetTestConfigVariablesInput!) { setTestConfigVariables(input: $input) {
               errors { field messages } } }",
            json!({ "input": { "integration": id, "configVariables":
                values.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>() } }),
        )
        .await;
    assert_eq!(
        r["data"]["setTestConfigVariables"]["errors"],
        json!([]),
        "{r}"
    );
}

/// Runs the flow as a test and answers `executionResult` of the execution.
async fn run(s: &Server, id: &str) -> Value {
    let r = s
        .gql(
            "mutation($input: TestIntegrationFlowInput!) { testIntegrationFlow(input: $input) {
               testIntegrationFlowResult { execution { id } } errors { field messages } } }",
            json!({ "input": { "id": id } }),
        )
        .await;
    assert_eq!(r["data"]["testIntegrationFlow"]["errors"], json!([]), "{r}");
    let exec = r["data"]["testIntegrationFlow"]["testIntegrationFlowResult"]["execution"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no execution: {r}"))
        .to_string();
    let detail = s
        .gql(
            "query($id: ID!) { executionResult(id: $id) { id status error isTestExecution
               stepResults { nodes { stepName results resultsContentType } }
               logs { nodes { severity message } } } }",
            json!({ "id": exec }),
        )
        .await;
    detail["data"]["executionResult"].clone()
}

fn step<'a>(result: &'a Value, name: &str) -> &'a Value {
    result["stepResults"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["stepName"] == name)
        .unwrap_or_else(|| panic!("no step {name}: {result}"))
}

#[tokio::test]
async fn pokemon_avatar_sync_runs_through_the_api_with_an_organization_credential() {
    for (s, _key) in all().await {
        let label = s.db.label;
        let poke = poke_api().await;
        let (endpoint, root) = s3_server().await;
        create_s3_connection(&s, &endpoint).await;

        let imported = s
            .gql(
                "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
                   integration { id flows { nodes { name } } } errors { field messages } } }",
                json!({ "input": { "definition": definition() } }),
            )
            .await;
        let p = &imported["data"]["importIntegration"];
        assert_eq!(p["errors"], json!([]), "{label}: {imported}");
        assert_eq!(
            p["integration"]["flows"]["nodes"],
            json!([{"name": "Sync Avatar"}])
        );
        let id = p["integration"]["id"].as_str().unwrap().to_string();

        // An independent S3 client (object_store, its own credentials) for reading back.
        let reader = AmazonS3Builder::new()
            .with_endpoint(&endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_bucket_name(BUCKET)
            .with_access_key_id(ACCESS_KEY)
            .with_secret_access_key(SECRET_KEY)
            .with_virtual_hosted_style_request(false)
            .build()
            .unwrap();

        for (customer, pokemon, png, name) in [
            ("Smith Rocket Company", "pikachu", PIKACHU_PNG, "pikachu"),
            ("FTL Rockets", "Onix", ONIX_PNG, "onix"),
        ] {
            set_test_config(
                &s,
                &id,
                &[
                    ("pokeApiBaseUrl", poke.as_str()),
                    ("customerName", customer),
                    ("pokemonAvatar", pokemon),
                    ("pokemonAvatarS3BucketName", BUCKET),
                ],
            )
            .await;
            let result = run(&s, &id).await;
            assert_eq!(result["status"], "SUCCESS", "{label}: {result}");
            assert_eq!(result["isTestExecution"], true);

            let object_key = format!("{customer}.png");
            assert_eq!(
                step(&result, "Path Helper")["results"],
                json!({
                    "pokemonUrl": format!("{poke}/api/v2/pokemon/{name}"),
                    "s3ObjectPath": object_key,
                })
            );
            assert_eq!(step(&result, "Get Pokemon Data")["results"]["name"], name);
            let avatar = step(&result, "Get Pokemon Avatar");
            assert_eq!(avatar["resultsContentType"], "image/png", "{result}");
            assert_eq!(avatar["results"]["size"], png.len());
            let inline = base64::engine::general_purpose::STANDARD
                .decode(avatar["results"]["base64"].as_str().unwrap())
                .unwrap();
            assert_eq!(inline, png);
            let logs = result["logs"]["nodes"].as_array().unwrap();
            assert!(
                logs.iter().any(|l| l["severity"] == "INFO"
                    && l["message"]
                        == format!("Fetching {poke}/api/v2/pokemon/{name} for {customer}")),
                "{result}"
            );
            assert!(
                !result.to_string().contains(SECRET_KEY),
                "{label}: the S3 secret leaked into the execution"
            );

            // Read back with the independent client and from the server's directory.
            let got = reader
                .get(&object_store::path::Path::from(object_key.as_str()))
                .await
                .unwrap_or_else(|e| panic!("{label}: {object_key} not in the bucket: {e}"))
                .bytes()
                .await
                .unwrap();
            assert_eq!(got.as_ref(), png, "{label}: {object_key}");
            assert_eq!(
                std::fs::read(root.path().join(BUCKET).join(&object_key)).unwrap(),
                png
            );
        }

        // An unknown Pokemon: the JSON request answers 404, the execution fails, nothing is put.
        set_test_config(
            &s,
            &id,
            &[
                ("pokeApiBaseUrl", poke.as_str()),
                ("customerName", "Unknown Pokemon Co"),
                ("pokemonAvatar", "missingno"),
                ("pokemonAvatarS3BucketName", BUCKET),
            ],
        )
        .await;
        let failed = run(&s, &id).await;
        assert_eq!(failed["status"], "ERROR", "{label}: {failed}");
        assert!(
            failed["error"].as_str().unwrap_or("").contains("404"),
            "{label}: {failed}"
        );
        assert!(root
            .path()
            .join(BUCKET)
            .join("Unknown Pokemon Co.png")
            .metadata()
            .is_err());
    }
}
