//! Write-only secrets: a planted secret goes through every path (create, update, test
//! credentials, global values, reads, lists, errors), then the SQLite file, its WAL and the
//! captured server log are searched for it.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{json, Value};

use crate::connections::{
    connection_id, seed_objects, start, CREATE_SCOPED, CREATE_VALUES, UPDATE_VALUES,
};

/// Everything any test of this binary logs, at every level.
fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = Capture(buf.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buf
    })
    .clone()
}

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(data);
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn planted_secret_is_never_in_plaintext() {
    let log = captured_log();
    let db = plumb_store::testing::TestDb::sqlite().await.unwrap();
    let path = db.sqlite_path().unwrap();
    let (s, key) = start(db).await;
    let secret = format!("PLANTED-{}", uuid::Uuid::new_v4().simple());
    let mut answers: Vec<Value> = vec![];
    let (scoped, customer) = seed_objects(&s).await;
    let v = |name: &str, value: &str| json!({ "name": name, "type": "value", "value": value });

    // Create and update a customer's values.
    let r = s
        .gql(
            CREATE_VALUES,
            json!({ "input": { "scopedConfigVariable": scoped, "customer": customer,
            "inputs": [v("apiKey", &format!("{secret}-c"))] } }),
        )
        .await;
    let id = r["data"]["createCustomerConfigVariable"]["customerConfigVariable"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    answers.push(r);
    answers.push(
        s.gql(UPDATE_VALUES, json!({ "input": { "id": id, "inputs": [v("apiKey", &secret), v("proxyPassword", &format!("{secret}-p"))] } }))
            .await,
    );
    // Test credentials, created and edited.
    let r = s
        .gql(
            CREATE_VALUES,
            json!({ "input": { "scopedConfigVariable": scoped, "isTest": true,
            "inputs": [v("apiKey", &format!("{secret}-t"))] } }),
        )
        .await;
    let tid = r["data"]["createCustomerConfigVariable"]["customerConfigVariable"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    answers.push(r);
    answers.push(
        s.gql(
            UPDATE_VALUES,
            json!({ "input": { "id": tid, "inputs": [v("apiKey", &format!("{secret}-t2"))] } }),
        )
        .await,
    );
    // A global secret on an organization credential.
    let basic = connection_id(&s, "http", "basic").await;
    answers.push(
        s.gql(CREATE_SCOPED, json!({ "input": { "key": "Org", "stableKey": "org-cred", "connection": basic,
            "variableScope": "org", "inputs": [v("username", "u"), v("password", &format!("{secret}-o"))] } }))
            .await,
    );
    // Errors carrying the secret: unknown input, global input, wrong type, missing customer.
    for inputs in [
        json!([v("apiKey", &secret), v("bogus", &secret)]),
        json!([v("apiKey", &secret), v("location", &secret)]),
        json!([v("rejectUnauthorized", &secret)]),
    ] {
        answers.push(
            s.gql(CREATE_VALUES, json!({ "input": { "scopedConfigVariable": scoped, "customer": customer, "inputs": inputs } }))
                .await,
        );
    }
    answers.push(
        s.gql(
            UPDATE_VALUES,
            json!({ "input": { "id": id, "inputs": [v("timeout", &secret)] } }),
        )
        .await,
    );
    // Every read.
    answers.push(
        s.gql(
            "query($id: ID!) { customerConfigVariable(id: $id) { id inputs { name isSet value } } }",
            json!({ "id": id }),
        )
        .await,
    );
    answers.push(
        s.gql(
            "{ scopedConfigVariables { nodes { id stableKey inputs { name isSet value meta }
               customerConfigVariables { nodes { id isTest inputs { name isSet value } } } } } }",
            json!({}),
        )
        .await,
    );
    answers.push(
        s.gql(
            "{ customerConfigVariables { nodes { id key value } } }",
            json!({}),
        )
        .await,
    );
    for a in &answers {
        assert!(
            !a.to_string().contains(&secret),
            "answer leaks the secret: {a}"
        );
        assert!(a.get("errors").is_none() || a["errors"].is_null(), "{a}");
    }
    // The values were stored: the engine's view opens them.
    let vault = plumb_store::secrets::Vault::new(s.db.store.clone(), key);
    let cust = plumb_core::id::decode("Customer", &customer).unwrap();
    let c = plumb_store::resolve::resolve_scoped_connection(
        &vault,
        s.org,
        "acme-api-key",
        Some(cust),
        false,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(c.value("apiKey").unwrap(), secret);
    assert!(!format!("{c:?}").contains(&secret));
    let t =
        plumb_store::resolve::resolve_scoped_connection(&vault, s.org, "acme-api-key", None, true)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(t.value("apiKey").unwrap(), format!("{secret}-t2"));

    // Delete paths too, then look at the files and the log.
    answers.clear();
    let del = s
        .gql(
            "mutation($id: ID!) { deleteCustomerConfigVariable(input: {id: $id}) { customerConfigVariable { id inputs { name value } } errors { field } } }",
            json!({ "id": tid }),
        )
        .await;
    assert!(!del.to_string().contains(&secret));
    let mut files = vec![path.clone()];
    for ext in ["db-wal", "db-shm"] {
        let p = path.with_extension(ext);
        if p.exists() {
            files.push(p);
        }
    }
    assert!(files.len() >= 2, "expected the WAL next to the database");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert!(
            !contains(&bytes, "PLANTED-"),
            "{} holds the secret",
            f.display()
        );
    }
    let logged = log.lock().unwrap().clone();
    assert!(!logged.is_empty(), "the log was captured");
    assert!(
        !contains(&logged, &secret),
        "the server log holds the secret"
    );
}
