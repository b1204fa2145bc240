//! API tests: the real router on a real TCP port, over every backend of the environment.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod components;
mod config_vars;
mod connections;
mod connections_rules;
mod connections_secrets;
mod console;
mod customer_tokens;
mod customers;
mod deploy_rules;
mod embedded;
mod fuzz_regressions;
mod http;
mod instance_values;
mod instances;
mod integrations;
mod limits;
mod marketplace;
mod model_integrations;
mod models;
mod oauth_callback;
mod pages;
mod pokemon;
mod reliability;
mod schema;
mod secrets_in_results;
mod seed_story;
mod test_runs;
mod tokens;

use plumb_api::{app, ApiConfig, AppState};
use plumb_store::testing::TestDb;
use plumb_store::tokens::Role;
use serde_json::{json, Value};

/// A running server with an organization and an admin token.
pub struct Server {
    pub url: String,
    pub token: String,
    pub org: uuid::Uuid,
    pub db: TestDb,
    pub http: reqwest::Client,
}

impl Server {
    pub async fn start(db: TestDb) -> Server {
        Server::start_with(db, ApiConfig::default()).await
    }

    pub async fn start_with(db: TestDb, config: ApiConfig) -> Server {
        let org = db.store.create_org("Acme").await.unwrap();
        let (_, token) = db
            .store
            .create_token(org.id, "admin", &[Role::Admin], None)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = app(AppState::new(db.store.clone(), config));
        tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Server {
            url,
            token,
            org: org.id,
            db,
            http: reqwest::Client::new(),
        }
    }

    /// Starts one server per backend.
    pub async fn all() -> Vec<Server> {
        let mut out = vec![];
        for db in TestDb::all().await.unwrap() {
            out.push(Server::start(db).await);
        }
        out
    }

    /// A token of this organization with `roles`, optionally bound to a customer.
    pub async fn token(&self, roles: &[Role], customer: Option<uuid::Uuid>) -> String {
        self.db
            .store
            .create_token(self.org, "t", roles, customer)
            .await
            .unwrap()
            .1
    }

    /// Runs a GraphQL request with the admin token; answers the whole JSON body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(&self.token, query, variables).await
    }

    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let r = self
            .http
            .post(format!("{}/api", self.url))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "GraphQL answered {}", r.status());
        r.json().await.unwrap()
    }
}

/// The first GraphQL error's `extensions.code`.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}
