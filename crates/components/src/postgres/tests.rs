//! `postgres`: the parameter formatting and the value typing, one row per case; `query` live
//! against the machine's PostgreSQL (`DATABASE_URL`, as the store's tests) in a schema of its
//! own; the egress policy refusing the server.

use std::collections::BTreeMap;
use std::sync::Arc;

use plumb_auth::{AuthClient, EgressPolicy};
use plumb_core::action::{Action, ActionError, Connection, Data, InputValue, Inputs};
use serde_json::{json, Value};

use super::format::{format, FormatError};
use super::rows::{parse_array, typed, Element};
use crate::testing::context;

#[test]
fn parameters_are_formatted_as_literals() {
    // (query, parameters, formatted)
    let cases: &[(&str, Value, &str)] = &[
        ("SELECT 1", json!(null), "SELECT 1"),
        (
            "INSERT INTO users(first_name, age) VALUES(${first}, ${age})",
            json!({"first": "Jane", "age": 42}),
            "INSERT INTO users(first_name, age) VALUES('Jane', 42)",
        ),
        (
            "SELECT $(a), $<b>, $[c], $/d/",
            json!({"a": 1, "b": true, "c": null, "d": 1.5}),
            "SELECT 1, true, null, 1.5",
        ),
        (
            "SELECT ${name}",
            json!({"name": "O'Brien"}),
            "SELECT 'O''Brien'",
        ),
        (
            "SELECT ${evil}",
            json!({"evil": "x'); DROP TABLE users; --"}),
            "SELECT 'x''); DROP TABLE users; --'",
        ),
        (
            "SELECT ${ids}",
            json!({"ids": [1, 2, 3]}),
            "SELECT array[1,2,3]",
        ),
        (
            "SELECT ${m}",
            json!({"m": [[1, 2], [3, 4]]}),
            "SELECT array[[1,2],[3,4]]",
        ),
        ("SELECT ${none}", json!({"none": []}), "SELECT '{}'"),
        (
            "SELECT ${doc}",
            json!({"doc": {"a": "it's"}}),
            r#"SELECT '{"a":"it''s"}'"#,
        ),
        (
            "SELECT ${doc:json}",
            json!({"doc": [1, "a"]}),
            r#"SELECT '[1,"a"]'"#,
        ),
        (
            "SELECT * FROM t WHERE id IN (${ids:csv})",
            json!({"ids": [1, "b"]}),
            "SELECT * FROM t WHERE id IN (1,'b')",
        ),
        (
            "SELECT ${col:name} FROM ${table~}",
            json!({"col": "first \"name\"", "table": "users"}),
            r#"SELECT "first ""name""" FROM "users""#,
        ),
        (
            "SELECT ${cols:name} FROM t",
            json!({"cols": ["a", "b"]}),
            r#"SELECT "a","b" FROM t"#,
        ),
        (
            "SELECT * FROM t ORDER BY ${order^}",
            json!({"order": "id DESC"}),
            "SELECT * FROM t ORDER BY id DESC",
        ),
        (
            "SELECT 'x' LIKE '%${p#}%'",
            json!({"p": "a'b"}),
            "SELECT 'x' LIKE '%a''b%'",
        ),
        (
            "SELECT ${user.name}",
            json!({"user": {"name": "Ada"}}),
            "SELECT 'Ada'",
        ),
        (
            "SELECT $1, $2, $10",
            json!([1, "two", 3, 4, 5, 6, 7, 8, 9, "ten"]),
            "SELECT 1, 'two', 'ten'",
        ),
        // Index variables stay as written for named parameters, and the reverse.
        ("SELECT $1", json!({"a": 1}), "SELECT $1"),
        ("SELECT ${a}", json!([1]), "SELECT ${a}"),
        // A `$` that starts no variable is text.
        (
            "SELECT '$' || $$quoted$$",
            json!({}),
            "SELECT '$' || $$quoted$$",
        ),
    ];
    for (query, params, want) in cases {
        let params = (!params.is_null()).then_some(params);
        assert_eq!(format(query, params).as_deref(), Ok(*want), "{query}");
    }
}

#[test]
fn a_variable_without_a_value_is_an_error_naming_it() {
    // (query, parameters, words the error has)
    let cases: &[(&str, Value, &str)] = &[
        ("SELECT ${missing}", json!({"a": 1}), "`missing`"),
        ("SELECT ${a.b}", json!({"a": {}}), "`a.b`"),
        ("SELECT $3", json!([1, 2]), "$3 has no value"),
        ("SELECT $0", json!([1]), "$0 has no value"),
        (
            "SELECT ${a:shout}",
            json!({"a": 1}),
            "unknown filter `:shout`",
        ),
        ("SELECT ${a}", json!({"a": "nul\u{0}"}), "NUL"),
        ("SELECT ${a:name}", json!({"a": 5}), "identifier"),
    ];
    for (query, params, words) in cases {
        let err = format(query, Some(params)).unwrap_err();
        let FormatError(message) = &err;
        assert!(message.contains(words), "{query}: {message}");
    }
}

#[test]
fn values_are_typed_as_node_postgres_types_them() {
    // (type name, text, JSON)
    let cases: &[(&str, &str, Value)] = &[
        ("INT4", "42", json!(42)),
        ("INT2", "-7", json!(-7)),
        ("INT8", "9007199254740993", json!("9007199254740993")),
        ("NUMERIC", "12.50", json!("12.50")),
        ("FLOAT8", "1.5", json!(1.5)),
        ("FLOAT4", "NaN", json!(null)),
        ("BOOL", "t", json!(true)),
        ("BOOL", "f", json!(false)),
        ("TEXT", "hello", json!("hello")),
        ("UUID", "6f1c...", json!("6f1c...")),
        ("JSONB", r#"{"a": [1, 2]}"#, json!({"a": [1, 2]})),
        ("JSON", "[1,", json!("[1,")),
        (
            "TIMESTAMPTZ",
            "2025-08-15 14:32:00+00",
            json!("2025-08-15T14:32:00.000Z"),
        ),
        (
            "TIMESTAMPTZ",
            "2025-08-15 16:32:00.123456+02",
            json!("2025-08-15T14:32:00.123Z"),
        ),
        (
            "TIMESTAMP",
            "2025-09-01 09:15:00",
            json!("2025-09-01T09:15:00.000Z"),
        ),
        ("TIMESTAMPTZ", "infinity", json!("infinity")),
        ("DATE", "2025-08-15", json!("2025-08-15T00:00:00.000Z")),
        (
            "BYTEA",
            "\\x00ff10",
            json!({"type": "Buffer", "data": [0, 255, 16]}),
        ),
        ("INT4[]", "{1,2,NULL}", json!([1, 2, null])),
        (
            "TEXT[]",
            r#"{a,"b c","d\"e",NULL,"NULL"}"#,
            json!(["a", "b c", "d\"e", null, "NULL"]),
        ),
        ("INT8[]", "{{1,2},{3,4}}", json!([["1", "2"], ["3", "4"]])),
        ("INT4[]", "[0:1]={5,6}", json!([5, 6])),
        ("TEXT[]", "{}", json!([])),
        ("INTERVAL", "01:00:00", json!("01:00:00")),
    ];
    for (type_name, text, want) in cases {
        assert_eq!(&typed(type_name, text), want, "{type_name} {text}");
    }
    assert_eq!(parse_array("{1,2"), None);
    assert_eq!(parse_array("{{}}"), Some(vec![Element::Array(Vec::new())]));
}

// ---- live, against the machine's PostgreSQL ----

/// The server of `DATABASE_URL` as a `postgres` connection's inputs; `None` when it is not
/// set (the live tests then run nowhere, as the store's PostgreSQL tests).
fn server() -> Option<BTreeMap<String, String>> {
    let url = std::env::var("DATABASE_URL").ok()?;
    let url = reqwest::Url::parse(&url).ok()?;
    if !url.scheme().starts_with("postgres") {
        return None;
    }
    let mut m = BTreeMap::new();
    m.insert("host".into(), url.host_str()?.to_string());
    m.insert("port".into(), url.port().unwrap_or(5432).to_string());
    m.insert(
        "database".into(),
        url.path().trim_start_matches('/').to_string(),
    );
    m.insert("username".into(), url.username().to_string());
    if let Some(p) = url.password() {
        m.insert("password".into(), p.to_string());
    }
    Some(m)
}

fn connection(values: BTreeMap<String, String>) -> Connection {
    Connection::new(
        "pg-test".into(),
        "postgres".into(),
        "postgres".into(),
        values,
    )
}

struct Live {
    query: Arc<dyn Action>,
    conn: Connection,
}

impl Live {
    fn new(egress: EgressPolicy, values: BTreeMap<String, String>) -> Live {
        let auth = AuthClient::with_egress(
            Arc::new(plumb_auth::token::MemoryTokenStore::new()),
            Arc::new(egress),
        );
        let (_, query) = super::actions_with(&auth)
            .into_iter()
            .find(|(k, _)| *k == "query")
            .unwrap();
        Live {
            query,
            conn: connection(values),
        }
    }

    async fn run(&self, sql: &str, extra: &[(&str, Value)]) -> Result<Value, ActionError> {
        let mut map: BTreeMap<String, InputValue> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), InputValue::Data(Data::Json(v.clone()))))
            .collect();
        map.insert(
            "queryField".into(),
            InputValue::Data(Data::Json(json!(sql))),
        );
        map.insert(
            "postgresConnection".into(),
            InputValue::Connection(self.conn.clone()),
        );
        let t = context(json!({}), Vec::new());
        match self.query.run(&t.ctx, Inputs(map)).await? {
            Data::Json(v) => Ok(v),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn query_runs_live_on_postgres() {
    let Some(values) = server() else {
        eprintln!("DATABASE_URL is not set: the live PostgreSQL test runs with it");
        return;
    };
    let live = Live::new(EgressPolicy::builtin(), values);
    let schema = format!("plumb_pg_{}_{}", std::process::id(), rand::random::<u32>());
    live.run(
        &format!(
            "CREATE SCHEMA {schema};
             CREATE TABLE {schema}.users (
               id serial PRIMARY KEY, first_name text NOT NULL, last_name text,
               email text, created_at timestamptz, is_active boolean NOT NULL,
               balance numeric(10,2), visits bigint, tags text[], meta jsonb, born date)"
        ),
        &[],
    )
    .await
    .unwrap();
    let result = async {
        // Named parameters as a key/value list; RETURNING answers the new row.
        let inserted = live
            .run(
                &format!(
                    "INSERT INTO {schema}.users (first_name, last_name, email, created_at, is_active, balance, visits, tags, meta, born)
                     VALUES (${{first}}, ${{last}}, ${{email}}, ${{created}}, ${{active}}, ${{balance}}, ${{visits}}, ${{tags}}, ${{meta}}, ${{born}})
                     RETURNING id"
                ),
                &[(
                    "params",
                    json!([
                        {"key": "first", "value": "Jane"},
                        {"key": "last", "value": "Doe"},
                        {"key": "email", "value": "jane.doe@example.com"},
                        {"key": "created", "value": "2025-08-15T14:32:00Z"},
                        {"key": "active", "value": true},
                        {"key": "balance", "value": 12.5},
                        {"key": "visits", "value": 9007199254740993u64},
                        {"key": "tags", "value": ["a", "b c"]},
                        {"key": "meta", "value": {"plan": "pro", "seats": 3}},
                        {"key": "born", "value": "1990-04-01"},
                    ]),
                )],
            )
            .await?;
        assert_eq!(inserted, json!([{"id": 1}]));
        // Index variables from a list, an attempt at injection stored as text.
        let evil = "Robert'); DROP TABLE users; --";
        live.run(
            &format!(
                "INSERT INTO {schema}.users (first_name, last_name, is_active, created_at) VALUES ($1, $2, $3, $4)"
            ),
            &[("paramsObject", json!([evil, null, false, "2025-09-01T09:15:00Z"]))],
        )
        .await?;
        // A JSON-text object merged over the key/value list.
        let rows = live
            .run(
                &format!(
                    "SELECT id, first_name, last_name, email, created_at, is_active, balance, visits, tags, meta, born
                     FROM {schema}.users WHERE is_active = ${{active}} OR first_name = ${{name}} ORDER BY id"
                ),
                &[
                    ("params", json!([{"key": "active", "value": false}, {"key": "name", "value": "nobody"}])),
                    ("paramsObject", json!(r#"{"active": true}"#)),
                ],
            )
            .await?;
        assert_eq!(
            rows,
            json!([{
                "id": 1, "first_name": "Jane", "last_name": "Doe",
                "email": "jane.doe@example.com", "created_at": "2025-08-15T14:32:00.000Z",
                "is_active": true, "balance": "12.50", "visits": "9007199254740993",
                "tags": ["a", "b c"], "meta": {"plan": "pro", "seats": 3},
                "born": "1990-04-01T00:00:00.000Z",
            }])
        );
        let robert = live
            .run(
                &format!("SELECT first_name, last_name FROM {schema}.users WHERE id = $1"),
                &[("paramsObject", json!([2]))],
            )
            .await?;
        assert_eq!(robert, json!([{"first_name": evil, "last_name": null}]));
        // A statement without rows answers [].
        let updated = live
            .run(&format!("UPDATE {schema}.users SET visits = 1 WHERE id = 2"), &[])
            .await?;
        assert_eq!(updated, json!([]));
        // One transaction: a failing second statement rolls the first back.
        let err = live
            .run(
                &format!("INSERT INTO {schema}.users (first_name, is_active) VALUES ('Ghost', true); SELECT 1 / 0"),
                &[],
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("division by zero"), "{err}");
        assert!(err.to_string().contains("SQLSTATE 22012"), "{err}");
        let count = live
            .run(&format!("SELECT count(*) AS n FROM {schema}.users"), &[])
            .await?;
        assert_eq!(count, json!([{"n": "2"}]), "int8 as text, the insert rolled back");
        // A variable without a value: nothing runs.
        let err = live
            .run(
                &format!("DELETE FROM {schema}.users WHERE id = ${{id}}"),
                &[("paramsObject", json!({"other": 1}))],
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ActionError::InvalidInput { input, .. } if input == "queryField"),
            "{err:?}"
        );
        // A list cannot be combined with named parameters.
        let err = live
            .run("SELECT $1", &[("params", json!({"a": 1})), ("paramsObject", json!([1]))])
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ActionError::InvalidInput { input, .. } if input == "paramsObject"),
            "{err:?}"
        );
        Ok::<(), ActionError>(())
    }
    .await;
    live.run(&format!("DROP SCHEMA {schema} CASCADE"), &[])
        .await
        .unwrap();
    result.unwrap();
}

#[tokio::test]
async fn a_bad_connection_is_an_error_naming_the_input() {
    let base = || {
        let mut m = BTreeMap::new();
        m.insert("host".to_string(), "127.0.0.1".to_string());
        m.insert("database".to_string(), "test".to_string());
        m.insert("username".to_string(), "postgres".to_string());
        m
    };
    // (change, words of the error)
    let cases: &[(&str, Option<&str>, &str)] = &[
        ("host", None, "no `host`"),
        ("database", None, "no `database`"),
        ("username", None, "no `username`"),
        ("port", Some("70000"), "not a port"),
        ("timeout", Some("0"), "`timeout`"),
        ("requireSSL", Some("true"), "SSL"),
    ];
    for (key, value, words) in cases {
        let mut values = base();
        match value {
            Some(v) => values.insert(key.to_string(), v.to_string()),
            None => values.remove(*key),
        };
        let live = Live::new(EgressPolicy::builtin(), values);
        let err = live.run("SELECT 1", &[]).await.unwrap_err();
        assert!(
            matches!(&err, ActionError::InvalidInput { input, message } if input == "postgresConnection" && message.contains(words)),
            "{key}: {err:?}"
        );
    }
}

#[tokio::test]
async fn the_egress_policy_refuses_the_server() {
    let mut values = BTreeMap::new();
    for (k, v) in [
        ("host", "127.0.0.1"),
        ("port", "5432"),
        ("database", "test"),
        ("username", "postgres"),
    ] {
        values.insert(k.to_string(), v.to_string());
    }
    let deny = EgressPolicy::builtin()
        .deny("--egress-deny", &["127.0.0.0/8".to_string()])
        .unwrap();
    let live = Live::new(deny, values.clone());
    let err = live.run("SELECT 1", &[]).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("PostgreSQL server") && text.contains("--egress-deny"),
        "{text}"
    );
    // A name is checked, resolved and its addresses checked.
    values.insert("host".into(), "localhost".into());
    let deny = EgressPolicy::builtin()
        .deny(
            "--egress-deny",
            &["127.0.0.0/8".to_string(), "::1/128".to_string()],
        )
        .unwrap();
    let live = Live::new(deny, values);
    let err = live.run("SELECT 1", &[]).await.unwrap_err();
    assert!(err.to_string().contains("--egress-deny"), "{err}");
}
