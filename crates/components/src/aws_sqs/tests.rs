//! `aws-sqs` live against moto's server (started on a free port): a queue created, found,
//! listed, a message sent with attributes, received, deleted, the queue deleted; the request
//! as a recording stand-in sees it (SigV4-signed for `sqs`, AWS JSON 1.0); bad inputs named;
//! the egress policy refusing the endpoint.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use md5::Digest;
use plumb_auth::{AuthClient, EgressPolicy};
use plumb_core::action::{Action, ActionError, Connection, Data, InputValue, Inputs};
use serde_json::{json, Value};

use crate::testing::{context, serve, Moto};

fn connection(endpoint: &str) -> Connection {
    let mut values = BTreeMap::new();
    values.insert("accessKeyId".to_string(), "testing".to_string());
    values.insert("secretAccessKey".to_string(), "testing-secret".to_string());
    values.insert("endpoint".to_string(), endpoint.to_string());
    Connection::new(
        "sqs-test".into(),
        "aws-sqs".into(),
        "apiKeySecret".into(),
        values,
    )
}

struct Client {
    actions: Vec<(&'static str, Arc<dyn Action>)>,
    conn: Option<Connection>,
}

impl Client {
    fn new(egress: EgressPolicy, conn: Option<Connection>) -> Client {
        let auth = Arc::new(AuthClient::with_egress(
            Arc::new(plumb_auth::token::MemoryTokenStore::new()),
            Arc::new(egress),
        ));
        Client {
            actions: super::actions_with(auth),
            conn,
        }
    }

    async fn run(&self, action: &str, pairs: &[(&str, Value)]) -> Result<Value, ActionError> {
        let (_, a) = self.actions.iter().find(|(k, _)| *k == action).unwrap();
        let mut map: BTreeMap<String, InputValue> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), InputValue::Data(Data::Json(v.clone()))))
            .collect();
        if let Some(c) = &self.conn {
            map.insert("awsConnection".into(), InputValue::Connection(c.clone()));
        }
        map.entry("awsRegion".into())
            .or_insert(InputValue::Data(Data::Json(json!("us-east-1"))));
        let t = context(json!({}), Vec::new());
        match a.run(&t.ctx, Inputs(map)).await? {
            Data::Json(v) => Ok(v),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn queues_and_messages_live_on_moto() {
    let moto = Moto::start().await;
    let sqs = Client::new(EgressPolicy::builtin(), Some(connection(&moto.url)));
    let name = format!("orders-{}", rand::random::<u32>());
    let created = sqs
        .run("createQueue", &[("name", json!(name))])
        .await
        .unwrap();
    let url = created["QueueUrl"].as_str().unwrap().to_string();
    assert!(url.ends_with(&format!("/{name}")), "{url}");
    assert_eq!(created["$metadata"]["httpStatusCode"], json!(200));
    assert_eq!(created["$metadata"]["attempts"], json!(1));
    let found = sqs
        .run("getQueueUrl", &[("name", json!(name))])
        .await
        .unwrap();
    assert_eq!(found["QueueUrl"], json!(url));
    let listed = sqs
        .run("listQueues", &[("prefix", json!("orders-"))])
        .await
        .unwrap();
    assert!(
        listed["QueueUrls"]
            .as_array()
            .unwrap()
            .contains(&json!(url)),
        "{listed}"
    );
    let all = sqs
        .run("listQueues", &[("fetchAll", json!(true))])
        .await
        .unwrap();
    assert!(all["QueueUrls"].as_array().unwrap().contains(&json!(url)));

    let body = json!({"orderId": 42});
    let sent = sqs
        .run(
            "sendMessage",
            &[
                ("url", json!(url)),
                ("message", body.clone()),
                ("attributes", json!([{"key": "source", "value": "plumb"}])),
                ("delaySeconds", json!("0")),
            ],
        )
        .await
        .unwrap();
    let text = body.to_string();
    assert_eq!(
        sent["MD5OfMessageBody"],
        json!(hex::encode(md5::Md5::digest(text.as_bytes())))
    );
    assert!(sent["MessageId"].as_str().is_some_and(|m| !m.is_empty()));

    let received = sqs
        .run(
            "receiveMessages",
            &[
                ("url", json!(url)),
                ("maxNumber", json!("10")),
                ("waitTime", json!("1")),
            ],
        )
        .await
        .unwrap();
    let messages = received["Messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{received}");
    let m = &messages[0];
    assert_eq!(m["Body"], json!(text));
    assert_eq!(m["MessageId"], sent["MessageId"]);
    assert_eq!(
        m["MessageAttributes"]["source"],
        json!({"StringValue": "plumb", "DataType": "String"})
    );
    assert!(m["Attributes"]["SentTimestamp"].is_string(), "{m}");
    let handle = m["ReceiptHandle"].as_str().unwrap();
    let deleted = sqs
        .run(
            "deleteMessage",
            &[("url", json!(url)), ("receiptHandle", json!(handle))],
        )
        .await
        .unwrap();
    assert_eq!(deleted["$metadata"]["httpStatusCode"], json!(200));
    let empty = sqs
        .run("receiveMessages", &[("url", json!(url))])
        .await
        .unwrap();
    assert_eq!(
        empty["Messages"],
        json!([]),
        "deleted, and [] rather than absent"
    );

    sqs.run("deleteQueue", &[("url", json!(url))])
        .await
        .unwrap();
    let err = sqs
        .run("getQueueUrl", &[("name", json!(name))])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("QueueDoesNotExist"), "{err}");
}

#[tokio::test]
async fn a_request_is_signed_for_sqs_in_aws_json() {
    #[derive(Default)]
    struct Seen(Mutex<Vec<(HeaderMap, String)>>);
    let seen = Arc::new(Seen::default());
    let record = Arc::clone(&seen);
    let router = Router::new().route(
        "/",
        post(move |headers: HeaderMap, body: String| {
            let record = Arc::clone(&record);
            async move {
                record.0.lock().unwrap().push((headers, body));
                (
                    [
                        ("x-amzn-requestid", "req-1"),
                        ("content-type", "application/x-amz-json-1.0"),
                    ],
                    r#"{"QueueUrls":["https://sqs.eu-west-1.amazonaws.com/0/a"]}"#,
                )
            }
        }),
    );
    let url = serve(router).await;
    let sqs = Client::new(EgressPolicy::builtin(), Some(connection(&url)));
    let answer = sqs
        .run(
            "listQueues",
            &[
                ("awsRegion", json!("eu-west-1")),
                ("maxResults", json!("5")),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({
            "$metadata": {"httpStatusCode": 200, "requestId": "req-1", "attempts": 1, "totalRetryDelay": 0},
            "QueueUrls": ["https://sqs.eu-west-1.amazonaws.com/0/a"],
        })
    );
    let (headers, body) = seen.0.lock().unwrap()[0].clone();
    assert_eq!(headers["x-amz-target"], "AmazonSQS.ListQueues");
    assert_eq!(headers["content-type"], "application/x-amz-json-1.0");
    let auth = headers["authorization"].to_str().unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=testing/"),
        "{auth}"
    );
    assert!(auth.contains("/eu-west-1/sqs/aws4_request"), "{auth}");
    assert!(!auth.contains("testing-secret"));
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"MaxResults": 5})
    );
}

#[tokio::test]
async fn bad_inputs_are_errors_naming_them() {
    let sqs = Client::new(
        EgressPolicy::builtin(),
        Some(connection("http://127.0.0.1:9")),
    );
    // (action, inputs, input named)
    let cases: &[(&str, Value, &str)] = &[
        ("sendMessage", json!({"message": "x"}), "url"),
        ("sendMessage", json!({"url": "u"}), "message"),
        (
            "sendMessage",
            json!({"url": "u", "message": "x", "delaySeconds": 901}),
            "delaySeconds",
        ),
        (
            "receiveMessages",
            json!({"url": "u", "maxNumber": "11"}),
            "maxNumber",
        ),
        (
            "receiveMessages",
            json!({"url": "u", "waitTime": "21"}),
            "waitTime",
        ),
        ("deleteMessage", json!({"url": "u"}), "receiptHandle"),
        ("createQueue", json!({"name": "bad name!"}), "name"),
        ("listQueues", json!({"maxResults": "0"}), "maxResults"),
        ("listQueues", json!({"awsRegion": "us east"}), "awsRegion"),
    ];
    for (action, given, input) in cases {
        let pairs: Vec<(&str, Value)> = given
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let err = sqs.run(action, &pairs).await.unwrap_err();
        assert!(
            matches!(&err, ActionError::InvalidInput { input: i, .. } if i == input),
            "{action} {given}: {err:?}"
        );
    }
    let bare = Client::new(EgressPolicy::builtin(), None);
    let err = bare.run("listQueues", &[]).await.unwrap_err();
    assert!(
        matches!(&err, ActionError::InvalidInput { input, .. } if input == "awsConnection"),
        "{err:?}"
    );
    let err = bare
        .run("listQueues", &[("dynamicAccessKeyId", json!("AKIA"))])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ActionError::InvalidInput { input, .. } if input == "dynamicSecretAccessKey"),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_egress_policy_refuses_the_endpoint() {
    let moto_like = serve(Router::new()).await;
    let deny = EgressPolicy::builtin()
        .deny("--egress-deny", &["127.0.0.0/8".to_string()])
        .unwrap();
    let sqs = Client::new(deny, Some(connection(&moto_like)));
    let err = sqs.run("listQueues", &[]).await.unwrap_err();
    assert!(err.to_string().contains("--egress-deny"), "{err}");
}
