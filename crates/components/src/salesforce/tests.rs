//! Against a small axum stand-in of the Salesforce REST API and token endpoint.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use plumb_core::action::{Action, ActionError, Connection, Data, InputValue, Inputs};
use serde_json::{json, Value};

use super::actions;
use crate::testing::{context, inputs, serve};

const V: &str = "/services/data/v63.0";

#[derive(Default)]
struct Stand {
    /// Tokens issued so far; only the latest is valid.
    issued: AtomicU32,
}

fn authorized(stand: &Stand, headers: &HeaderMap) -> bool {
    let n = stand.issued.load(Ordering::SeqCst);
    let expected = format!("Bearer token-{n}");
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str())
}

fn invalid_session() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])),
    )
        .into_response()
}

async fn token(
    State(stand): State<Arc<Stand>>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    if form.get("grant_type").map(String::as_str) != Some("client_credentials")
        || form.get("client_id").map(String::as_str) != Some("cid")
        || form.get("client_secret").map(String::as_str) != Some("csecret")
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_client", "error_description": "invalid client credentials"})),
        )
            .into_response();
    }
    let n = stand.issued.fetch_add(1, Ordering::SeqCst) + 1;
    Json(json!({"access_token": format!("token-{n}"), "token_type": "Bearer"})).into_response()
}

async fn create(
    State(stand): State<Arc<Stand>>,
    headers: HeaderMap,
    Path(kind): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if !authorized(&stand, &headers) {
        return invalid_session();
    }
    if body.get("Name").is_none() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!([{"message": "Required fields are missing: [Name]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["Name"]}])),
        )
            .into_response();
    }
    let id = if kind == "Account" {
        "001000000000001AAA"
    } else {
        "003000000000001AAA"
    };
    (
        StatusCode::CREATED,
        Json(json!({"id": id, "success": true, "errors": []})),
    )
        .into_response()
}

async fn update(
    State(stand): State<Arc<Stand>>,
    headers: HeaderMap,
    Path((_kind, id)): Path<(String, String)>,
) -> Response {
    if !authorized(&stand, &headers) {
        return invalid_session();
    }
    if id == "missing" {
        return (
            StatusCode::NOT_FOUND,
            Json(json!([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}])),
        )
            .into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn upsert(
    State(stand): State<Arc<Stand>>,
    headers: HeaderMap,
    Path((_kind, _field, value)): Path<(String, String, String)>,
) -> Response {
    if !authorized(&stand, &headers) {
        return invalid_session();
    }
    if value == "new-1" {
        (
            StatusCode::CREATED,
            Json(json!({"id": "001NEW", "success": true, "errors": [], "created": true})),
        )
            .into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    }
}

async fn get_record(
    State(stand): State<Arc<Stand>>,
    headers: HeaderMap,
    Path((kind, id)): Path<(String, String)>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if !authorized(&stand, &headers) {
        return invalid_session();
    }
    Json(json!({"attributes": {"type": kind}, "Id": id, "Name": "Smith Rocket Company", "fieldsAsked": q.get("fields")})).into_response()
}

async fn query(
    State(stand): State<Arc<Stand>>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if !authorized(&stand, &headers) {
        return invalid_session();
    }
    let soql = q.get("q").cloned().unwrap_or_default();
    if soql.contains("FORM") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!([{"message": "unexpected token: FORM", "errorCode": "MALFORMED_QUERY"}])),
        )
            .into_response();
    }
    Json(json!({"totalSize": 3, "done": false, "nextRecordsUrl": format!("{V}/query/01g-2000"), "records": [{"Name": "A"}, {"Name": "B"}], "soql": soql})).into_response()
}

async fn query_more(State(stand): State<Arc<Stand>>, headers: HeaderMap) -> Response {
    if !authorized(&stand, &headers) {
        return invalid_session();
    }
    Json(json!({"totalSize": 3, "done": true, "records": [{"Name": "C"}]})).into_response()
}

async fn composite(
    State(stand): State<Arc<Stand>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !authorized(&stand, &headers) {
        return invalid_session();
    }
    let subs = body["compositeRequest"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let answers: Vec<Value> = subs
        .iter()
        .map(|s| {
            if s["body"]["Name"].is_null() {
                json!({"referenceId": s["referenceId"], "httpStatusCode": 400, "body": [{"message": "Required fields are missing: [Name]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["Name"]}]})
            } else {
                json!({"referenceId": s["referenceId"], "httpStatusCode": 201, "body": {"id": "001X", "success": true}})
            }
        })
        .collect();
    Json(json!({"compositeResponse": answers, "allOrNone": body["allOrNone"]})).into_response()
}

async fn stand_in() -> (String, Arc<Stand>) {
    let stand = Arc::new(Stand::default());
    let router = Router::new()
        .route("/services/oauth2/token", post(token))
        .route(&format!("{V}/sobjects/{{kind}}"), post(create))
        .route(
            &format!("{V}/sobjects/{{kind}}/{{id}}"),
            patch(update).get(get_record),
        )
        .route(
            &format!("{V}/sobjects/{{kind}}/{{field}}/{{value}}"),
            patch(upsert),
        )
        .route(&format!("{V}/query"), get(query))
        .route(&format!("{V}/query/{{cursor}}"), get(query_more))
        .route(&format!("{V}/composite"), post(composite))
        .with_state(Arc::clone(&stand));
    (serve(router).await, stand)
}

fn client_credentials(id: &str) -> Connection {
    Connection::new(
        id.into(),
        "salesforce".into(),
        "clientCredentials".into(),
        BTreeMap::from([
            (
                "externalCustomerId".to_string(),
                "smith-rockets".to_string(),
            ),
            ("clientId".to_string(), "cid".to_string()),
            ("clientSecret".to_string(), "csecret".to_string()),
        ]),
    )
}

fn action(key: &str) -> Arc<dyn Action> {
    actions()
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, a)| a)
        .expect("action")
}

async fn call(
    base: &str,
    conn: Connection,
    key: &str,
    mut pairs: Vec<(&str, Value)>,
) -> Result<Data, ActionError> {
    pairs.push(("baseUrl", json!(base)));
    let mut i: Inputs = inputs(pairs);
    i.0.insert("connection".into(), InputValue::Connection(conn));
    let t = context(json!({}), vec![]);
    action(key).run(&t.ctx, i).await
}

#[tokio::test]
async fn create_update_upsert_get_with_client_credentials() {
    let (base, stand) = stand_in().await;
    let conn = client_credentials("sf-1");
    let out = call(
        &base,
        conn.clone(),
        "createRecord",
        vec![
            ("recordType", json!("Account")),
            ("fieldValues", json!({"Name": "Smith Rocket Company"})),
        ],
    )
    .await;
    assert_eq!(
        out,
        Ok(Data::Json(
            json!({"id": "001000000000001AAA", "success": true, "errors": []})
        ))
    );
    let out = call(
        &base,
        conn.clone(),
        "updateRecord",
        vec![
            ("recordType", json!("Account")),
            ("recordId", json!("001A")),
            (
                "fieldValues",
                json!([{"key": "Name", "value": "FTL Rockets"}]),
            ),
        ],
    )
    .await;
    assert_eq!(out, Ok(Data::Json(json!({"id": "001A", "success": true}))));
    let out = call(
        &base,
        conn.clone(),
        "upsertRecord",
        vec![
            ("recordType", json!("Account")),
            ("externalIdField", json!("Ext__c")),
            ("externalId", json!("new-1")),
            ("fieldValues", json!({"Name": "X"})),
        ],
    )
    .await;
    assert_eq!(
        out.expect("upsert"),
        Data::Json(json!({"id": "001NEW", "success": true, "errors": [], "created": true}))
    );
    let out = call(
        &base,
        conn.clone(),
        "upsertRecord",
        vec![
            ("recordType", json!("Account")),
            ("externalIdField", json!("Ext__c")),
            ("externalId", json!("old-1")),
            ("fieldValues", json!({"Name": "X"})),
        ],
    )
    .await;
    assert_eq!(
        out,
        Ok(Data::Json(json!({"success": true, "created": false})))
    );
    let out = call(
        &base,
        conn,
        "getRecord",
        vec![
            ("recordType", json!("Account")),
            ("recordId", json!("001A")),
            ("fields", json!("Id, Name")),
        ],
    )
    .await;
    let Ok(Data::Json(v)) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        (v["Name"].clone(), v["fieldsAsked"].clone()),
        (json!("Smith Rocket Company"), json!("Id,Name"))
    );
    // One token for all five calls (cached per connection).
    assert_eq!(stand.issued.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn salesforce_errors_are_surfaced() {
    let (base, _) = stand_in().await;
    let err = call(
        &base,
        client_credentials("sf-2"),
        "createRecord",
        vec![("recordType", json!("Account")), ("fieldValues", json!({}))],
    )
    .await
    .expect_err("missing Name");
    let ActionError::Failed { message, details } = err else {
        panic!()
    };
    assert_eq!(message, "Salesforce answered 400: REQUIRED_FIELD_MISSING: Required fields are missing: [Name] (fields: Name)");
    assert_eq!(
        details.expect("details")[0]["errorCode"],
        "REQUIRED_FIELD_MISSING"
    );
    let err = call(
        &base,
        client_credentials("sf-2"),
        "updateRecord",
        vec![
            ("recordType", json!("Account")),
            ("recordId", json!("missing")),
        ],
    )
    .await
    .expect_err("404");
    assert!(err.to_string().contains("NOT_FOUND"), "{err}");
    let err = call(
        &base,
        client_credentials("sf-2"),
        "query",
        vec![("query", json!("SELECT Id FORM Account"))],
    )
    .await
    .expect_err("malformed");
    assert!(
        err.to_string()
            .contains("MALFORMED_QUERY: unexpected token: FORM"),
        "{err}"
    );
    let mut bad = client_credentials("sf-3");
    bad.set("clientSecret".into(), "wrong-secret".into());
    let err = call(
        &base,
        bad,
        "getRecord",
        vec![("recordType", json!("Account")), ("recordId", json!("1"))],
    )
    .await
    .expect_err("bad client");
    let text = err.to_string();
    assert!(
        text.contains("invalid_client") && !text.contains("wrong-secret"),
        "{text}"
    );
}

#[tokio::test]
async fn query_pages_and_fetch_all() {
    let (base, _) = stand_in().await;
    let out = call(
        &base,
        client_credentials("sf-4"),
        "query",
        vec![(
            "query",
            json!("SELECT Name FROM Account WHERE Name = 'A&B'"),
        )],
    )
    .await;
    let Ok(Data::Json(v)) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        (v["done"].clone(), v["soql"].clone()),
        (
            json!(false),
            json!("SELECT Name FROM Account WHERE Name = 'A&B'")
        )
    );
    let out = call(
        &base,
        client_credentials("sf-4"),
        "query",
        vec![
            ("query", json!("SELECT Name FROM Account")),
            ("fetchAll", json!(true)),
        ],
    )
    .await;
    assert_eq!(
        out,
        Ok(Data::Json(
            json!({"totalSize": 3, "done": true, "records": [{"Name": "A"}, {"Name": "B"}, {"Name": "C"}]})
        ))
    );
}

#[tokio::test]
async fn composite_succeeds_or_fails_with_subrequest_errors() {
    let (base, _) = stand_in().await;
    let sub = |r: &str, body: Value| json!({"method": "POST", "url": format!("{V}/sobjects/Account"), "referenceId": r, "body": body});
    let out = call(
        &base,
        client_credentials("sf-5"),
        "composite",
        vec![("compositeRequest", json!([sub("a", json!({"Name": "A"}))]))],
    )
    .await;
    let Ok(Data::Json(v)) = out else {
        panic!("{out:?}")
    };
    assert_eq!(v["compositeResponse"][0]["httpStatusCode"], 201);
    let err = call(
        &base,
        client_credentials("sf-5"),
        "composite",
        vec![
            (
                "compositeRequest",
                json!([sub("a", json!({"Name": "A"})), sub("b", json!({}))]),
            ),
            ("allOrNone", json!(true)),
        ],
    )
    .await
    .expect_err("sub failure");
    assert!(
        err.to_string().contains("b: REQUIRED_FIELD_MISSING"),
        "{err}"
    );
}

#[tokio::test]
async fn expired_token_is_fetched_again_once() {
    let (base, stand) = stand_in().await;
    let conn = client_credentials("sf-6");
    call(
        &base,
        conn.clone(),
        "getRecord",
        vec![("recordType", json!("Account")), ("recordId", json!("1"))],
    )
    .await
    .expect("first");
    // Another process rotated the token: the cached one is now invalid.
    stand.issued.fetch_add(1, Ordering::SeqCst);
    call(
        &base,
        conn,
        "getRecord",
        vec![("recordType", json!("Account")), ("recordId", json!("1"))],
    )
    .await
    .expect("after refresh");
    let err = call(
        &base,
        client_credentials("sf-7"),
        "getRecord",
        vec![
            ("recordType", json!("Account")),
            ("recordId", json!("../x")),
        ],
    )
    .await
    .expect_err("bad id");
    assert!(matches!(err, ActionError::InvalidInput { ref input, .. } if input == "recordId"));
}

#[tokio::test]
async fn prismatic_input_names_query_string_and_dynamic_values() {
    let (base, _) = stand_in().await;
    // `dynamicValues` alone carries the required Name (the stand-in refuses a record without).
    let out = call(
        &base,
        client_credentials("sf-7"),
        "createRecord",
        vec![
            ("recordType", json!("Account")),
            ("fieldValues", json!([])),
            ("dynamicValues", json!({"Name": "Dynamic Rockets"})),
        ],
    )
    .await;
    assert_eq!(
        out,
        Ok(Data::Json(
            json!({"id": "001000000000001AAA", "success": true, "errors": []})
        ))
    );
    let bad = call(
        &base,
        client_credentials("sf-7"),
        "createRecord",
        vec![
            ("recordType", json!("Account")),
            ("dynamicValues", json!([1, 2])),
        ],
    )
    .await;
    assert!(bad.unwrap_err().to_string().contains("dynamicValues"));
    let out = call(
        &base,
        client_credentials("sf-7"),
        "query",
        vec![("queryString", json!("SELECT Name FROM Account"))],
    )
    .await;
    let Ok(Data::Json(v)) = out else {
        panic!("{out:?}")
    };
    assert_eq!(v["soql"], json!("SELECT Name FROM Account"));
    let missing = call(&base, client_credentials("sf-7"), "query", vec![]).await;
    assert!(missing.unwrap_err().to_string().contains("queryString"));
}
