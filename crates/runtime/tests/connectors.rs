//! The connectors example (`examples/postgres-orders-to-sqs`) run by the engine end to end:
//! orders read from the machine's PostgreSQL (a database of its own, `DATABASE_URL` as the
//! store's tests), sent one by one to a queue on moto's server, and a summary published to a
//! topic whose subscribed queue then holds it. The queues and topic are made, and the
//! results read, by small definitions of the same components. The example validates always;
//! the run needs `DATABASE_URL` (CI sets it) and `moto_server` (scripts/test installs it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use plumb_engine::{Engine, RunReport};
use serde_json::{json, Value};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

const EXAMPLE: &str = include_str!("../../../examples/postgres-orders-to-sqs/integration.yaml");

struct Moto(Child, String);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn moto() -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let program = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
    let child = Command::new(&program)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} (scripts/test installs it): {e}"));
    let m = Moto(child, format!("http://127.0.0.1:{port}"));
    for _ in 0..300 {
        if reqwest::get(format!("{}/moto-api/", m.1)).await.is_ok() {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto_server did not answer");
}

fn engine() -> Engine {
    plumb_runtime::engine()
}

async fn run(yaml: &str, config: &[(&str, Value)], payload: Option<Value>) -> RunReport {
    let config: BTreeMap<String, String> = config
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.to_string(), text)
        })
        .collect();
    let report = plumb_engine::run_local_with(
        &engine(),
        yaml,
        None,
        config,
        payload.map(|p| p.to_string().into_bytes()),
    )
    .await;
    assert!(
        report.success,
        "{:?} {:?} {:#?}",
        report.error, report.problems, report.steps
    );
    report
}

fn result<'a>(report: &'a RunReport, step: &str) -> &'a Value {
    report
        .steps
        .iter()
        .rev()
        .find(|s| s.name == step)
        .and_then(|s| s.result.as_ref())
        .unwrap_or_else(|| panic!("no result of {step}"))
}

/// A one-flow definition of AWS steps (`steps` YAML), with both AWS connections.
fn aws(steps: &str) -> String {
    format!(
        r#"name: AWS Setup
definitionVersion: 7
requiredConfigVars:
  - key: AWS SQS
    dataType: connection
    connection: {{component: {{key: aws-sqs}}, key: apiKeySecret}}
  - key: AWS SNS
    dataType: connection
    connection: {{component: {{key: aws-sns}}, key: apiKeySecret}}
flows:
  - name: Setup
    steps:
      - name: Trigger
        isTrigger: true
        action: {{key: webhook, component: {{key: webhook-triggers}}}}
{steps}"#
    )
}

fn step(name: &str, component: &str, action: &str, inputs: &[(&str, &str)]) -> String {
    let conn = if component == "aws-sqs" {
        "AWS SQS"
    } else {
        "AWS SNS"
    };
    let mut s = format!(
        "      - name: {name}\n        action: {{key: {action}, component: {{key: {component}}}}}\n        inputs:\n          awsConnection: {{type: configVar, value: {conn}}}\n"
    );
    for (k, v) in inputs {
        s.push_str(&format!("          {k}: {{type: value, value: '{v}'}}\n"));
    }
    s
}

#[test]
fn the_example_validates() {
    plumb_core::definition::load(EXAMPLE, &plumb_runtime::catalog().view(None))
        .unwrap_or_else(|p| panic!("{p:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_go_from_postgres_to_sqs_with_a_summary_on_sns() {
    let Some(url) = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        eprintln!("DATABASE_URL is not set: the connectors example runs with it");
        return;
    };
    // A database of its own (dropped at the end; scripts/test drops leftovers by prefix).
    let database = format!("plumb_test_orders_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&url).await.unwrap();
    admin
        .execute(AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .await
        .unwrap();
    let parsed = reqwest::Url::parse(&url).unwrap();
    let mut db_url = parsed.clone();
    db_url.set_path(&database);
    let mut db = PgConnection::connect(db_url.as_str()).await.unwrap();
    db.execute(
        "CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL, total numeric(10,2),
                              placed_at timestamptz NOT NULL);
         INSERT INTO orders (customer, total, placed_at) VALUES
           ('Smith Rocket Company', 12.50, '2025-12-31T23:00:00Z'),
           ('Acme', 99.00, '2026-01-02T10:00:00Z'),
           ('O''Brien & Sons', 5.25, '2026-02-03T04:05:06Z');",
    )
    .await
    .unwrap();
    db.close().await.unwrap();

    let m = moto().await;
    let aws_conn =
        json!({"accessKeyId": "testing", "secretAccessKey": "testing-secret", "endpoint": m.1});
    let aws_config = [("AWS SQS", aws_conn.clone()), ("AWS SNS", aws_conn.clone())];
    // The orders queue, the alerts topic, and an audit queue subscribed to the topic.
    let setup = aws(&[
        step("Orders Queue", "aws-sqs", "createQueue", &[("name", "orders")]),
        step("Audit Queue", "aws-sqs", "createQueue", &[("name", "audit")]),
        step("Alerts", "aws-sns", "createTopic", &[("name", "alerts")]),
        "      - name: Audit\n        action: {key: subscribe, component: {key: aws-sns}}\n        inputs:\n          awsConnection: {type: configVar, value: AWS SNS}\n          topicArn: {type: reference, value: alerts.results.TopicArn}\n          protocol: {type: value, value: sqs}\n          endpoint: {type: value, value: 'arn:aws:sqs:us-east-1:123456789012:audit'}\n"
            .to_string(),
    ]
    .concat());
    let made = run(&setup, &aws_config, None).await;
    let queue = result(&made, "Orders Queue")["QueueUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let audit = result(&made, "Audit Queue")["QueueUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let topic = result(&made, "Alerts")["TopicArn"]
        .as_str()
        .unwrap()
        .to_string();

    let orders_db = json!({
        "host": parsed.host_str().unwrap(),
        "port": parsed.port().unwrap_or(5432).to_string(),
        "database": database,
        "username": parsed.username(),
        "password": parsed.password().unwrap_or_default(),
    });
    let report = run(
        EXAMPLE,
        &[
            ("Orders Database", orders_db),
            ("AWS SQS", aws_conn.clone()),
            ("AWS SNS", aws_conn.clone()),
            ("ordersQueueUrl", json!(queue)),
            ("alertsTopicArn", json!(topic)),
        ],
        Some(json!({"since": "2026-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(
        result(&report, "New Orders"),
        &json!([
            {"id": 2, "customer": "Acme", "total": "99.00", "placed_at": "2026-01-02T10:00:00.000Z"},
            {"id": 3, "customer": "O'Brien & Sons", "total": "5.25", "placed_at": "2026-02-03T04:05:06.000Z"},
        ])
    );
    assert!(result(&report, "Announce")["MessageId"].is_string());

    let check = aws(&[
        step(
            "Orders",
            "aws-sqs",
            "receiveMessages",
            &[("url", &queue), ("maxNumber", "10"), ("waitTime", "1")],
        ),
        step(
            "Audit",
            "aws-sqs",
            "receiveMessages",
            &[("url", &audit), ("maxNumber", "10"), ("waitTime", "1")],
        ),
    ]
    .concat());
    let read = run(&check, &aws_config, None).await;
    let mut bodies: Vec<Value> = result(&read, "Orders")["Messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(
                m["MessageAttributes"]["source"]["StringValue"],
                json!("plumb")
            );
            serde_json::from_str(m["Body"].as_str().unwrap()).unwrap()
        })
        .collect();
    bodies.sort_by_key(|b| b["id"].as_i64());
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert_eq!(bodies[0]["customer"], json!("Acme"));
    assert_eq!(bodies[1]["customer"], json!("O'Brien & Sons"));
    let audit_messages = result(&read, "Audit")["Messages"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(audit_messages.len(), 1);
    let note: Value = serde_json::from_str(audit_messages[0]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(note["Message"], json!("2 new order(s) sent to the queue"));
    assert_eq!(note["TopicArn"], json!(topic));

    admin
        .execute(AssertSqlSafe(format!(
            "DROP DATABASE {database} WITH (FORCE)"
        )))
        .await
        .unwrap();
}
