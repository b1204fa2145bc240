//! The store test suite: every test runs against SQLite, and against PostgreSQL when
//! `DATABASE_URL` / `PLUMB_TEST_POSTGRES_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod config_vars;
mod customers;
mod instances;
mod integrations;
mod migrations;
mod models;
mod oauth_tokens;
mod queue;
mod queue_backlog;
mod secrets;
mod tokens;

use plumb_store::testing::TestDb;

/// Every backend of this environment.
pub async fn dbs() -> Vec<TestDb> {
    TestDb::all().await.expect("test databases")
}
