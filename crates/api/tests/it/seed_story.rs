//! The seed's whole story through the API: an organization config var and an organization
//! credential, two customers with their config vars, the Pokemon integration imported and
//! published, one instance per customer, deployed, both webhooks fired, both avatars in the
//! local S3 server, both executions recorded with their step results.

use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::ObjectStoreExt as _;
use serde_json::{json, Value};

use crate::instances::start;
use crate::pokemon::{
    create_s3_connection, definition, poke_api, s3_server, ACCESS_KEY, BUCKET, ONIX_PNG,
    PIKACHU_PNG, SECRET_KEY,
};
use crate::Server;

async fn ok(s: &Server, q: &str, vars: Value, path: &str) -> Value {
    let r = s.gql(q, vars).await;
    let p = &r["data"][path];
    assert!(
        p["errors"].as_array().is_none_or(|e| e.is_empty()) && r["errors"].is_null(),
        "{path}: {r}"
    );
    p.clone()
}

#[tokio::test]
async fn pokemon_avatar_sync_for_two_customers_through_webhooks() {
    for db in plumb_store::testing::TestDb::all().await.unwrap() {
        let label = db.label;
        let running = start(db, 6 * 1024 * 1024).await;
        let s = &running.server;
        let poke = poke_api().await;
        let (endpoint, root) = s3_server().await;

        // Settings → Config Variables: the bucket; Settings → Credentials: the S3 credential.
        let bucket_var = ok(
            s,
            "mutation($input: SetOrganizationConfigVariableInput!) {
              setOrganizationConfigVariable(input: $input) {
                organizationConfigVariable { id } errors { field messages } } }",
            json!({"input": {"key": "pokemonAvatarS3BucketName", "value": BUCKET}}),
            "setOrganizationConfigVariable",
        )
        .await["organizationConfigVariable"]["id"]
            .clone();
        create_s3_connection(s, &endpoint).await;

        let draft = ok(
            s,
            "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
              integration { id } errors { field messages } } }",
            json!({"input": {"definition": definition()}}),
            "importIntegration",
        )
        .await["integration"]["id"]
            .clone();
        let version = ok(
            s,
            "mutation($input: PublishIntegrationInput!) { publishIntegration(input: $input) {
              integration { id versionNumber } errors { field messages } } }",
            json!({"input": {"id": draft, "comment": "first release"}}),
            "publishIntegration",
        )
        .await["integration"]["id"]
            .clone();

        let mut fired = vec![];
        for (name, ext, pokemon) in [
            ("Smith Rocket Company", "smith-rocket", "pikachu"),
            ("FTL Rockets", "ftl-rockets", "onix"),
        ] {
            let customer = ok(
                s,
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
                  customer { id } errors { field messages } } }",
                json!({"input": {"name": name, "externalId": ext}}),
                "createCustomer",
            )
            .await["customer"]["id"]
                .clone();
            let mut vars = vec![];
            for (key, value) in [("customerName", name), ("pokemonAvatar", pokemon)] {
                let id = ok(
                    s,
                    "mutation($input: CreateCustomerConfigVariableInput!) {
                      createCustomerConfigVariable(input: $input) {
                        customerConfigVariable { id } errors { field messages } } }",
                    json!({"input": {"customer": customer, "key": key, "value": value}}),
                    "createCustomerConfigVariable",
                )
                .await["customerConfigVariable"]["id"]
                    .clone();
                vars.push(id);
            }
            // `AWS Credentials` binds itself to the organization credential (useScopedConfigVar).
            let instance = ok(
                s,
                "mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
                  instance { id flowConfigs { nodes { flow { name } webhookUrl } } }
                  errors { field messages } } }",
                json!({"input": {"name": format!("Pokemon Avatar Sync for {name}"),
                "customer": customer, "integration": version, "configVariables": [
                    {"key": "pokeApiBaseUrl", "value": poke},
                    {"key": "customerName", "customerConfigVariableId": vars[0]},
                    {"key": "pokemonAvatar", "customerConfigVariableId": vars[1]},
                    {"key": "pokemonAvatarS3BucketName",
                     "organizationConfigVariableId": bucket_var},
                ]}}),
                "createInstance",
            )
            .await["instance"]
                .clone();
            ok(
                s,
                "mutation($input: InstanceIdInput!) { deployInstance(input: $input) {
                  instance { deployed } errors { field messages } } }",
                json!({"input": {"id": instance["id"]}}),
                "deployInstance",
            )
            .await;
            let url = instance["flowConfigs"]["nodes"][0]["webhookUrl"]
                .as_str()
                .unwrap()
                .to_string();
            let answer: Value = s
                .http
                .post(&url)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            fired.push((
                answer["executionId"].as_str().unwrap().to_string(),
                name,
                pokemon,
            ));
        }

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
        for (execution, name, pokemon) in fired {
            let mut e = Value::Null;
            for _ in 0..300 {
                e = s
                    .gql(
                        "query($id: ID!) { executionResult(id: $id) { status error
                          stepResults { nodes { stepName results resultsContentType } } } }",
                        json!({"id": execution}),
                    )
                    .await["data"]["executionResult"]
                    .clone();
                if e["status"] == "SUCCESS" || e["status"] == "ERROR" {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert_eq!(e["status"], "SUCCESS", "{label}: {e}");
            let steps: Vec<&str> = e["stepResults"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["stepName"].as_str().unwrap())
                .collect();
            assert_eq!(
                steps,
                [
                    "Trigger",
                    "Path Helper",
                    "Get Pokemon Data",
                    "Get Pokemon Avatar",
                    "Put Object"
                ],
                "{label}: {e}"
            );
            assert_eq!(
                e["stepResults"]["nodes"][2]["results"]["name"], pokemon,
                "{label}: {e}"
            );
            assert!(
                !e.to_string().contains(SECRET_KEY),
                "{label}: secret leaked"
            );
            let png = if pokemon == "pikachu" {
                PIKACHU_PNG
            } else {
                ONIX_PNG
            };
            let key = format!("{name}.png");
            let got = reader
                .get(&object_store::path::Path::from(key.as_str()))
                .await
                .unwrap_or_else(|e| panic!("{label}: {key} not in the bucket: {e}"))
                .bytes()
                .await
                .unwrap();
            assert_eq!(got.as_ref(), png, "{label}: {key}");
            assert_eq!(
                std::fs::read(root.path().join(BUCKET).join(&key)).unwrap(),
                png
            );
        }
    }
}
