//! The `query` action: SOQL through `GET /query?q=...`, following `nextRecordsUrl` with
//! `fetchAll`.

use std::sync::Arc;

use plumb_auth::AuthClient;
use plumb_core::action::{Action, ActionContext, ActionError, Data, Inputs};
use reqwest::Method;
use serde_json::{json, Value};

use super::client::SfClient;
use super::manifest::Soql;

/// Pages followed at most with `fetchAll` (2,000 records each: 200,000 records).
const MAX_PAGES: usize = 100;

/// The `query` action.
#[derive(Clone)]
pub struct Query {
    pub(crate) auth: Arc<AuthClient>,
}

#[async_trait::async_trait]
impl Action for Query {
    async fn run(&self, _ctx: &ActionContext, inputs: Inputs) -> Result<Data, ActionError> {
        let client = SfClient::from_inputs(&self.auth, &inputs)?;
        let Soql {
            queryString,
            query,
            fetchAll: fetch_all,
        } = Soql::from_inputs(&inputs)?;
        let soql = queryString
            .or(query)
            .ok_or_else(|| ActionError::input("queryString", "is required (a SOQL query)"))?;
        let mut url = reqwest::Url::parse("http://placeholder/")
            .map_err(|e| ActionError::failed(e.to_string()))?;
        url.query_pairs_mut().append_pair("q", &soql);
        let mut path = format!(
            "{}?{}",
            client.data_path("query"),
            url.query().unwrap_or("")
        );
        let mut first = client.send(Method::GET, &path, None).await?.body;
        if !fetch_all {
            return Ok(Data::Json(first));
        }
        let mut records: Vec<Value> = take_records(&mut first);
        let mut pages = 1;
        while let Some(next) = first["nextRecordsUrl"].as_str().map(str::to_string) {
            if pages >= MAX_PAGES {
                return Err(ActionError::failed(format!(
                    "query has more than {MAX_PAGES} pages; narrow it or page with LIMIT/OFFSET"
                )));
            }
            if !next.starts_with("/services/data/") {
                return Err(ActionError::failed(
                    "unexpected nextRecordsUrl from Salesforce",
                ));
            }
            path = next;
            first = client.send(Method::GET, &path, None).await?.body;
            records.extend(take_records(&mut first));
            pages += 1;
        }
        Ok(Data::Json(json!({
            "totalSize": first["totalSize"],
            "done": true,
            "records": records,
        })))
    }
}

fn take_records(page: &mut Value) -> Vec<Value> {
    match page.get_mut("records").map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}
