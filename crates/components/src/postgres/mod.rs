//! The `postgres` component: `query` (Prismatic's PostgreSQL component) on the machine's or
//! any reachable PostgreSQL server, with `sqlx`.
//!
//! - `manifest`: its spec (input keys as Prismatic's: `postgresConnection`, `queryField`,
//!   `params`, `paramsObject`).
//! - `connect`: the `postgres` connection → a `PgConnection`, under the egress policy.
//! - `format`: the parameters formatted into the SQL text as pg-promise does.
//! - `rows`: result rows → JSON, typed as node-postgres types them.
//!
//! A step opens one connection, runs the query in a transaction (over the simple protocol, so
//! a query may hold several statements, as in Prismatic), commits and closes. It stops at the
//! execution's deadline (the connection is dropped, so the transaction rolls back) and at
//! [`MAX_ROWS`] rows.

mod connect;
mod format;
mod manifest;
mod rows;

use std::sync::Arc;
use std::time::Instant;

use futures::TryStreamExt;
use plumb_auth::{AuthClient, EgressPolicy};
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use plumb_core::component::Component;
use serde_json::Value;
use sqlx::{AssertSqlSafe, Connection as _};

pub use manifest::{spec, QueryInputs};

/// The component's key.
pub const KEY: &str = "postgres";

/// The most rows a query answers; past it the step fails (add a `LIMIT`).
pub const MAX_ROWS: usize = 100_000;

/// The component: its spec and its action, under `auth`'s egress policy.
pub fn component(auth: &AuthClient) -> Component {
    crate::assemble(spec(), actions_with(auth))
}

/// The actions on the default client's egress policy.
pub fn actions() -> Vec<(&'static str, Arc<dyn Action>)> {
    actions_with(&crate::outbound::default_auth())
}

/// The actions, their connections checked against `auth`'s egress policy.
pub fn actions_with(auth: &AuthClient) -> Vec<(&'static str, Arc<dyn Action>)> {
    vec![(
        "query",
        Arc::new(Query {
            egress: Arc::clone(auth.egress()),
        }) as Arc<dyn Action>,
    )]
}

/// `query`.
struct Query {
    egress: Arc<EgressPolicy>,
}

/// The parameters of a step: `paramsObject` (an object merged over `params`, or a list), or
/// `None` when neither is given.
fn parameters(i: &QueryInputs) -> Result<Option<Value>, ActionError> {
    let named = match &i.params {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(v) => crate::util::pairs_json(v.clone(), "params")?,
    };
    match &i.paramsObject.0 {
        Some(Value::Array(items)) => {
            if !named.is_empty() {
                return Err(ActionError::input(
                    "paramsObject",
                    "is a list (index variables), which cannot be combined with named parameters (`params`)",
                ));
            }
            Ok(Some(Value::Array(items.clone())))
        }
        Some(Value::Object(object)) => {
            let mut merged = Value::Object(named);
            merge(&mut merged, &Value::Object(object.clone()));
            Ok(Some(merged))
        }
        Some(Value::Null) | None if named.is_empty() => Ok(None),
        Some(Value::Null) | None => Ok(Some(Value::Object(named))),
        Some(_) => Err(ActionError::input(
            "paramsObject",
            "must be a JSON object (named variables) or a list (index variables)",
        )),
    }
}

/// lodash's `merge`: objects merged property by property, anything else replaced.
fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

#[async_trait::async_trait]
impl Action for Query {
    async fn run(&self, ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let i = QueryInputs::from_inputs(&inputs)?;
        if i.queryField.trim().is_empty() {
            return Err(ActionError::input("queryField", "is required"));
        }
        let params = parameters(&i)?;
        let sql = format::format(&i.queryField, params.as_ref())
            .map_err(|e| ActionError::input("queryField", e.0))?;
        let target = connect::Target::of(&i.postgresConnection)?;
        let work = async {
            let mut conn = target.connect(&i.postgresConnection, &self.egress).await?;
            let rows = run(&mut conn, sql).await;
            // The connection ends either way; a failed query has rolled back.
            let _ = conn.close().await;
            rows
        };
        let rows = match ctx.deadline {
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                tokio::time::timeout(left, work).await.map_err(|_| {
                    ActionError::failed(
                        "the query did not end before the execution's time limit (rolled back)",
                    )
                })??
            }
            None => work.await?,
        };
        Ok(Data::Json(Value::Array(rows)))
    }
}

/// Runs `sql` in a transaction; its rows as JSON.
async fn run(conn: &mut sqlx::PgConnection, sql: String) -> Result<Vec<Value>, ActionError> {
    let failed = |e: sqlx::Error| ActionError::failed(format!("PostgreSQL: {}", describe(&e)));
    let mut tx = conn.begin().await.map_err(failed)?;
    let mut out = Vec::new();
    {
        let mut stream = sqlx::raw_sql(AssertSqlSafe(sql)).fetch(&mut *tx);
        while let Some(row) = stream.try_next().await.map_err(failed)? {
            if out.len() == MAX_ROWS {
                return Err(ActionError::failed(format!(
                    "the query returns more than {MAX_ROWS} rows: add a LIMIT (or page with OFFSET)"
                )));
            }
            out.push(rows::row_json(&row));
        }
    }
    tx.commit().await.map_err(failed)?;
    Ok(out)
}

/// A database error's message with its SQLSTATE code and detail (never connection secrets).
fn describe(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => {
            let mut text = db.message().to_string();
            if let Some(code) = db.code() {
                text.push_str(&format!(" (SQLSTATE {code})"));
            }
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                if let Some(detail) = pg.detail() {
                    text.push_str(&format!(": {detail}"));
                }
            }
            text
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
