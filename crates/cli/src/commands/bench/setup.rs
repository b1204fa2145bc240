//! The data of a bench run, created through plumb's own GraphQL API on the in-process server:
//! an organization (and an admin token, on the store directly, as `plumb org create` does), the
//! three-step integration, published, and `--customers` customers with a deployed instance
//! each. Also the loopback target the flow's `httpGet` calls.

use anyhow::{anyhow, bail, Context};
use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use plumb_store::tokens::Role;
use plumb_store::Store;
use serde_json::{json, Value};
use uuid::Uuid;

/// The flow: webhook → runCode → httpGet (the loopback target) → runCode, whose result is the
/// synchronous answer. The target's base URL is the instance's `target` config variable.
pub const DEFINITION: &str = r#"
name: Bench
description: plumb bench's three-step flow
definitionVersion: 7
requiredConfigVars:
  - key: target
    dataType: string
flows:
  - name: Bench
    isSynchronous: false
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Prepare
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ configVars }, stepResults) => {
                const n = stepResults.trigger.results.body.data.n;
                return { data: { n, url: `${configVars.target}/item/${n}` } };
              };
      - name: Fetch
        action: {key: httpGet, component: {key: http}}
        inputs:
          url: {type: reference, value: prepare.results.url}
          responseType: {type: value, value: json}
      - name: Answer
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async (context, stepResults) => {
                const item = stepResults.fetch.results;
                return { data: { ok: item.id === stepResults.prepare.results.n, item } };
              };
"#;

/// The loopback target's router: `GET /item/{n}` answers a small JSON object.
pub fn target_router() -> Router {
    async fn item(Path(n): Path<u64>) -> Json<Value> {
        Json(json!({ "id": n, "name": format!("item {n}"), "tags": ["bench", "loopback"] }))
    }
    Router::new().route("/item/{n}", get(item))
}

/// What a run drives.
pub struct Fixture {
    /// The organization.
    pub org_id: Uuid,
    /// One webhook URL per customer's instance.
    pub webhooks: Vec<String>,
}

/// A GraphQL client of the in-process server.
struct Api {
    url: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    /// Runs a mutation; answers its payload, or fails with its errors.
    async fn mutate(&self, query: &str, input: Value, field: &str) -> anyhow::Result<Value> {
        let r = self
            .http
            .post(format!("{}/api", self.url))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": { "input": input } }))
            .send()
            .await
            .context("calling the GraphQL API")?;
        let status = r.status();
        let body: Value = r.json().await.context("reading a GraphQL answer")?;
        let payload = &body["data"][field];
        if !status.is_success()
            || !body["errors"].is_null()
            || payload["errors"].as_array().is_some_and(|e| !e.is_empty())
        {
            bail!("{field} answered {status}: {body}");
        }
        Ok(payload.clone())
    }
}

fn text(v: &Value, what: &str) -> anyhow::Result<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("no {what} in {v}"))
}

/// Creates the organization, the integration and the customers' instances.
pub async fn create(
    store: &Store,
    base: &str,
    target: &str,
    customers: usize,
) -> anyhow::Result<Fixture> {
    let org = store.create_org("plumb bench").await?;
    let (_, token) = store
        .create_token(org.id, "plumb bench", &[Role::Admin], None)
        .await?;
    let api = Api {
        url: base.to_string(),
        token,
        http: reqwest::Client::new(),
    };
    let draft = api
        .mutate(
            "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
               integration { id } errors { field messages } } }",
            json!({ "definition": DEFINITION }),
            "importIntegration",
        )
        .await?;
    let version = api
        .mutate(
            "mutation($input: PublishIntegrationInput!) { publishIntegration(input: $input) {
               integration { id } errors { field messages } } }",
            json!({ "id": draft["integration"]["id"], "comment": "plumb bench" }),
            "publishIntegration",
        )
        .await?;
    let mut webhooks = Vec::with_capacity(customers);
    for n in 0..customers {
        let customer = api
            .mutate(
                "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
                   customer { id } errors { field messages } } }",
                json!({ "name": format!("Bench Customer {n}"), "externalId": format!("bench-{n}") }),
                "createCustomer",
            )
            .await?;
        let instance = api
            .mutate(
                "mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
                   instance { id flowConfigs { nodes { webhookUrl } } }
                   errors { field messages } } }",
                json!({
                    "name": format!("Bench {n}"),
                    "customer": customer["customer"]["id"],
                    "integration": version["integration"]["id"],
                    "configVariables": [{ "key": "target", "value": target }]
                }),
                "createInstance",
            )
            .await?;
        let id = text(&instance["instance"]["id"], "instance ID")?;
        let webhook = text(
            &instance["instance"]["flowConfigs"]["nodes"][0]["webhookUrl"],
            "webhook URL",
        )?;
        api.mutate(
            "mutation($input: InstanceIdInput!) { deployInstance(input: $input) {
               instance { id } errors { field messages } } }",
            json!({ "id": id }),
            "deployInstance",
        )
        .await?;
        webhooks.push(webhook);
    }
    Ok(Fixture {
        org_id: org.id,
        webhooks,
    })
}
