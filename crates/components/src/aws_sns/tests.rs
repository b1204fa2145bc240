//! `aws-sns`: answers in SNS's XML read as the documented example payloads (one row per
//! action); attribute typing; live against moto's server (a topic created, listed,
//! subscribed to by an SQS queue, a message published and delivered to the queue, the
//! subscription and topic deleted); the request as a recording stand-in sees it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use plumb_auth::{AuthClient, EgressPolicy};
use plumb_core::action::{Action, ActionError, Connection, Data, InputValue, Inputs};
use serde_json::{json, Value};

use crate::aws_api::xml_json;
use crate::testing::{context, serve, Moto};

fn connection(component: &str, endpoint: &str) -> Connection {
    let mut values = BTreeMap::new();
    values.insert("accessKeyId".to_string(), "testing".to_string());
    values.insert("secretAccessKey".to_string(), "testing-secret".to_string());
    values.insert("endpoint".to_string(), endpoint.to_string());
    Connection::new(
        format!("{component}-test"),
        component.into(),
        "apiKeySecret".into(),
        values,
    )
}

type Actions = Vec<(&'static str, Arc<dyn Action>)>;

async fn run(
    actions: &Actions,
    conn: &Connection,
    action: &str,
    pairs: &[(&str, Value)],
) -> Result<Value, ActionError> {
    let (_, a) = actions.iter().find(|(k, _)| *k == action).unwrap();
    let mut map: BTreeMap<String, InputValue> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), InputValue::Data(Data::Json(v.clone()))))
        .collect();
    map.insert("awsConnection".into(), InputValue::Connection(conn.clone()));
    map.entry("awsRegion".into())
        .or_insert(InputValue::Data(Data::Json(json!("us-east-1"))));
    let t = context(json!({}), Vec::new());
    match a.run(&t.ctx, Inputs(map)).await? {
        Data::Json(v) => Ok(v),
        other => panic!("{other:?}"),
    }
}

fn auth(egress: EgressPolicy) -> Arc<AuthClient> {
    Arc::new(AuthClient::with_egress(
        Arc::new(plumb_auth::token::MemoryTokenStore::new()),
        Arc::new(egress),
    ))
}

/// A stand-in answering every call with `xml`; it records each request's headers and form.
async fn stand_in(xml: &'static str) -> (String, Arc<Mutex<Vec<(HeaderMap, String)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let router = Router::new().route(
        "/",
        post(move |headers: HeaderMap, body: String| {
            let record = Arc::clone(&record);
            async move {
                record.lock().unwrap().push((headers, body));
                ([("content-type", "text/xml")], xml)
            }
        }),
    );
    (serve(router).await, seen)
}

const META: &str = "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>";

#[tokio::test]
async fn answers_read_as_the_documented_example_payloads() {
    // (action, inputs, XML answer, expected data without `$metadata`): the data of
    // Prismatic's example payloads.
    let cases: Vec<(&str, Value, String, Value)> = vec![
        (
            "createTopic",
            json!({"name": "MyExampleTopic"}),
            format!("<CreateTopicResponse><CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:123456789012:MyExampleTopic</TopicArn></CreateTopicResult>{META}</CreateTopicResponse>"),
            json!({"TopicArn": "arn:aws:sns:us-east-1:123456789012:MyExampleTopic"}),
        ),
        (
            "publishMessage",
            json!({"topicArn": "arn:t", "message": "Your order has been shipped!"}),
            format!("<PublishResponse><PublishResult><MessageId>a1b2c3d4-e5f6-7890-abcd-ef1234567890</MessageId><SequenceNumber>10000000000000001000</SequenceNumber></PublishResult>{META}</PublishResponse>"),
            json!({"MessageId": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "SequenceNumber": "10000000000000001000"}),
        ),
        (
            "subscribe",
            json!({"topicArn": "arn:t", "protocol": "email", "endpoint": "admin@example.com"}),
            format!("<SubscribeResponse><SubscribeResult><SubscriptionArn>pending confirmation</SubscriptionArn></SubscribeResult>{META}</SubscribeResponse>"),
            json!({"SubscriptionArn": "pending confirmation"}),
        ),
        (
            "unsubscribe",
            json!({"subscriptionArn": "arn:t:1"}),
            format!("<UnsubscribeResponse>{META}</UnsubscribeResponse>"),
            json!({}),
        ),
        (
            "deleteTopic",
            json!({"topicArn": "arn:t"}),
            format!("<DeleteTopicResponse>{META}</DeleteTopicResponse>"),
            json!({}),
        ),
        (
            "listTopics",
            json!({}),
            format!("<ListTopicsResponse><ListTopicsResult><Topics><member><TopicArn>arn:aws:sns:us-east-1:123456789012:MyExampleTopic</TopicArn></member><member><TopicArn>arn:aws:sns:us-east-1:123456789012:AnotherTopic</TopicArn></member><member><TopicArn>arn:aws:sns:us-east-1:123456789012:ProductionAlerts</TopicArn></member></Topics><NextToken>AAEBAf/8v+7MSvN8MkD9xZHCrFKL6RQ7UHJ9PJhWOH5Yqvf1H8EXAMPLE</NextToken></ListTopicsResult>{META}</ListTopicsResponse>"),
            json!({
                "Topics": [
                    {"TopicArn": "arn:aws:sns:us-east-1:123456789012:MyExampleTopic"},
                    {"TopicArn": "arn:aws:sns:us-east-1:123456789012:AnotherTopic"},
                    {"TopicArn": "arn:aws:sns:us-east-1:123456789012:ProductionAlerts"},
                ],
                "NextToken": "AAEBAf/8v+7MSvN8MkD9xZHCrFKL6RQ7UHJ9PJhWOH5Yqvf1H8EXAMPLE",
            }),
        ),
        (
            "listSubscriptions",
            json!({"topicArn": "arn:aws:sns:us-east-1:123456789012:MyExampleTopic"}),
            format!("<ListSubscriptionsByTopicResponse><ListSubscriptionsByTopicResult><Subscriptions><member><TopicArn>arn:aws:sns:us-east-1:123456789012:MyExampleTopic</TopicArn><Protocol>sqs</Protocol><SubscriptionArn>arn:aws:sns:us-east-1:123456789012:MyExampleTopic:b2c3d4e5-f6a7-8901-bcde-f12345678901</SubscriptionArn><Owner>123456789012</Owner><Endpoint>arn:aws:sqs:us-east-1:123456789012:MyQueue</Endpoint></member></Subscriptions></ListSubscriptionsByTopicResult>{META}</ListSubscriptionsByTopicResponse>"),
            json!({"Subscriptions": [{
                "SubscriptionArn": "arn:aws:sns:us-east-1:123456789012:MyExampleTopic:b2c3d4e5-f6a7-8901-bcde-f12345678901",
                "Owner": "123456789012", "Protocol": "sqs",
                "Endpoint": "arn:aws:sqs:us-east-1:123456789012:MyQueue",
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:MyExampleTopic",
            }]}),
        ),
        (
            "getTopicAttributes",
            json!({"topicArn": "arn:aws:sns:us-east-1:123456789012:MyExampleTopic"}),
            format!("<GetTopicAttributesResponse><GetTopicAttributesResult><Attributes><entry><key>TopicArn</key><value>arn:aws:sns:us-east-1:123456789012:MyExampleTopic</value></entry><entry><key>Owner</key><value>123456789012</value></entry><entry><key>DisplayName</key><value>My Example Topic</value></entry><entry><key>SubscriptionsConfirmed</key><value>3</value></entry></Attributes></GetTopicAttributesResult>{META}</GetTopicAttributesResponse>"),
            json!({"Attributes": {
                "TopicArn": "arn:aws:sns:us-east-1:123456789012:MyExampleTopic",
                "Owner": "123456789012", "DisplayName": "My Example Topic",
                "SubscriptionsConfirmed": "3",
            }}),
        ),
    ];
    for (action, given, xml, want) in cases {
        let xml: &'static str = Box::leak(xml.into_boxed_str());
        let (url, _) = stand_in(xml).await;
        let conn = connection("aws-sns", &url);
        let actions = super::actions_with(auth(EgressPolicy::builtin()));
        let pairs: Vec<(&str, Value)> = given
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let mut got = run(&actions, &conn, action, &pairs).await.unwrap();
        assert_eq!(
            got["$metadata"],
            json!({"httpStatusCode": 200, "requestId": "req-1", "attempts": 1, "totalRetryDelay": 0}),
            "{action}"
        );
        got.as_object_mut().unwrap().remove("$metadata");
        assert_eq!(got, want, "{action}");
    }
}

#[tokio::test]
async fn a_publish_is_a_signed_query_form() {
    let (url, seen) = stand_in(
        "<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>",
    )
    .await;
    let conn = connection("aws-sns", &url);
    let actions = super::actions_with(auth(EgressPolicy::builtin()));
    run(
        &actions,
        &conn,
        "publishMessage",
        &[
            ("awsRegion", json!("eu-central-1")),
            ("topicArn", json!("arn:aws:sns:eu-central-1:1:T")),
            ("message", json!({"a": 1})),
            (
                "messageAttributes",
                json!([{"key": "count", "value": "42"}, {"key": "tags", "value": "[\"a\",\"b\"]"}]),
            ),
        ],
    )
    .await
    .unwrap();
    let (headers, body) = seen.lock().unwrap()[0].clone();
    let auth = headers["authorization"].to_str().unwrap();
    assert!(auth.contains("/eu-central-1/sns/aws4_request"), "{auth}");
    let form: BTreeMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let want: BTreeMap<String, String> = [
        ("Action", "Publish"),
        ("Version", "2010-03-31"),
        ("TopicArn", "arn:aws:sns:eu-central-1:1:T"),
        ("Message", "{\"a\":1}"),
        ("MessageAttributes.entry.1.Name", "count"),
        ("MessageAttributes.entry.1.Value.DataType", "Number"),
        ("MessageAttributes.entry.1.Value.StringValue", "42"),
        ("MessageAttributes.entry.2.Name", "tags"),
        ("MessageAttributes.entry.2.Value.DataType", "String.Array"),
        (
            "MessageAttributes.entry.2.Value.StringValue",
            "[\"a\",\"b\"]",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(form, want);
}

#[test]
fn attributes_are_typed_as_prismatic_types_them() {
    // (value, data type, text)
    let cases = [
        (json!("42"), "Number", "42"),
        (json!("-1.5"), "Number", "-1.5"),
        (json!("abc"), "String", "abc"),
        (json!("[1, 2]"), "String.Array", "[1,2]"),
        (json!("{\"a\": 1}"), "String", "{\"a\": 1}"),
        (json!(7), "String", "7"),
        (json!({"a": 1}), "String", "{\"a\":1}"),
    ];
    for (value, data_type, text) in cases {
        assert_eq!(
            super::attribute(&value),
            (data_type, text.to_string()),
            "{value}"
        );
    }
}

#[test]
fn xml_reads_as_json() {
    let v = xml_json("<?xml version=\"1.0\"?><A><B>x &amp; y</B><B>z</B><C/><D><E>1</E></D></A>")
        .unwrap();
    assert_eq!(
        v,
        json!({"A": {"B": ["x & y", "z"], "C": "", "D": {"E": "1"}}})
    );
    assert!(xml_json("<A><B></A>").is_err());
}

#[tokio::test]
async fn an_error_answer_names_its_code() {
    // An error answer: a 4xx status with SNS's error document.
    let router = Router::new().route(
        "/",
        post(|| async {
            (
                axum::http::StatusCode::NOT_FOUND,
                "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>",
            )
        }),
    );
    let missing = serve(router).await;
    let actions = super::actions_with(auth(EgressPolicy::builtin()));
    let err = run(
        &actions,
        &connection("aws-sns", &missing),
        "deleteTopic",
        &[("topicArn", json!("arn:t"))],
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "DeleteTopic failed: NotFound: Topic does not exist"
    );
    let err = run(
        &actions,
        &connection("aws-sns", &missing),
        "subscribe",
        &[
            ("topicArn", json!("arn:t")),
            ("protocol", json!("carrier-pigeon")),
            ("endpoint", json!("x")),
        ],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ActionError::InvalidInput { input, .. } if input == "protocol"),
        "{err:?}"
    );
}

#[tokio::test]
async fn topics_and_delivery_live_on_moto() {
    let moto = Moto::start().await;
    let sns_conn = connection("aws-sns", &moto.url);
    let sqs_conn = connection("aws-sqs", &moto.url);
    let client = auth(EgressPolicy::builtin());
    let sns = super::actions_with(Arc::clone(&client));
    let sqs = crate::aws_sqs::actions_with(client);
    let sqs_run = |action: &'static str, pairs: Vec<(&'static str, Value)>| {
        let sqs = &sqs;
        let conn = &sqs_conn;
        async move {
            let (_, a) = sqs.iter().find(|(k, _)| *k == action).unwrap();
            let mut map: BTreeMap<String, InputValue> = pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), InputValue::Data(Data::Json(v))))
                .collect();
            map.insert("awsConnection".into(), InputValue::Connection(conn.clone()));
            let t = context(json!({}), Vec::new());
            match a.run(&t.ctx, Inputs(map)).await.unwrap() {
                Data::Json(v) => v,
                other => panic!("{other:?}"),
            }
        }
    };
    let name = format!("alerts-{}", rand::random::<u32>());
    let topic = run(&sns, &sns_conn, "createTopic", &[("name", json!(name))])
        .await
        .unwrap();
    let arn = topic["TopicArn"].as_str().unwrap().to_string();
    assert!(arn.ends_with(&format!(":{name}")), "{arn}");
    let topics = run(
        &sns,
        &sns_conn,
        "listTopics",
        &[("fetchAllTopics", json!(true))],
    )
    .await
    .unwrap();
    assert!(
        topics["Topics"]
            .as_array()
            .unwrap()
            .contains(&json!({"TopicArn": arn})),
        "{topics}"
    );
    let attributes = run(
        &sns,
        &sns_conn,
        "getTopicAttributes",
        &[("topicArn", json!(arn))],
    )
    .await
    .unwrap();
    assert_eq!(attributes["Attributes"]["TopicArn"], json!(arn));

    // A queue subscribed to the topic receives what is published.
    let queue = sqs_run("createQueue", vec![("name", json!(format!("{name}-q")))]).await;
    let queue_url = queue["QueueUrl"].as_str().unwrap().to_string();
    let queue_arn = format!("arn:aws:sqs:us-east-1:123456789012:{name}-q");
    let sub = run(
        &sns,
        &sns_conn,
        "subscribe",
        &[
            ("topicArn", json!(arn)),
            ("protocol", json!("sqs")),
            ("endpoint", json!(queue_arn)),
        ],
    )
    .await
    .unwrap();
    let sub_arn = sub["SubscriptionArn"].as_str().unwrap().to_string();
    assert!(sub_arn.starts_with(&arn), "{sub}");
    let subs = run(
        &sns,
        &sns_conn,
        "listSubscriptions",
        &[("topicArn", json!(arn))],
    )
    .await
    .unwrap();
    assert_eq!(subs["Subscriptions"][0]["Protocol"], json!("sqs"), "{subs}");
    assert_eq!(subs["Subscriptions"][0]["Endpoint"], json!(queue_arn));
    let published = run(
        &sns,
        &sns_conn,
        "publishMessage",
        &[
            ("topicArn", json!(arn)),
            ("message", json!("Your order has been shipped!")),
        ],
    )
    .await
    .unwrap();
    let id = published["MessageId"].as_str().unwrap().to_string();
    let received = sqs_run(
        "receiveMessages",
        vec![
            ("url", json!(queue_url)),
            ("maxNumber", json!("10")),
            ("waitTime", json!("1")),
        ],
    )
    .await;
    let body: Value =
        serde_json::from_str(received["Messages"][0]["Body"].as_str().unwrap()).unwrap();
    assert_eq!(body["Message"], json!("Your order has been shipped!"));
    assert_eq!(body["MessageId"], json!(id));
    assert_eq!(body["TopicArn"], json!(arn));

    run(
        &sns,
        &sns_conn,
        "unsubscribe",
        &[("subscriptionArn", json!(sub_arn))],
    )
    .await
    .unwrap();
    let subs = run(
        &sns,
        &sns_conn,
        "listSubscriptions",
        &[("topicArn", json!(arn))],
    )
    .await
    .unwrap();
    assert_eq!(subs["Subscriptions"], json!([]));
    run(&sns, &sns_conn, "deleteTopic", &[("topicArn", json!(arn))])
        .await
        .unwrap();
    let err = run(
        &sns,
        &sns_conn,
        "getTopicAttributes",
        &[("topicArn", json!(arn))],
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("NotFound"), "{err}");
}
