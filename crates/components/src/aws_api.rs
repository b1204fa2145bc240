//! What the `aws-sqs` and `aws-sns` components share: AWS credentials from a step (the
//! `apiKeySecret` connection, or Prismatic's `dynamicAccessKeyId` / `dynamicSecretAccessKey`
//! / `dynamicSessionToken` inputs), the service's endpoint for the step's region (or the
//! connection's `endpoint`, for a local or compatible service), and one signed call through
//! `plumb-auth`: its `awsSigV4` scheme signs, its transport sends under the egress policy.
//!
//! Two wire protocols: AWS JSON 1.0 (SQS: `POST /` with `X-Amz-Target: <prefix>.<Action>`
//! and a JSON body) and the Query protocol (SNS: a form `Action=...&Version=...`, answered in
//! XML). Answers carry `$metadata` as the AWS SDK for JavaScript gives it
//! (`httpStatusCode`, `requestId`, `attempts`, `totalRetryDelay`); an AWS error answer is a
//! step failure naming its code and message.

use std::collections::BTreeMap;
use std::sync::Arc;

use plumb_auth::{AuthClient, RequestParts};
use plumb_core::action::{ActionError, Connection};
use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::outbound::auth_error;

/// The most bytes of an answer read.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

plumb_core::action_inputs! {
    /// The credential inputs every AWS action takes.
    pub struct AwsAccess {
        /// The `apiKeySecret` connection (an IAM access key ID and secret).
        awsConnection: Option<Connection> = ("Connection", Connection),
        /// The region, like `us-east-1` (the connection's `region`, else `us-east-1`, when
        /// not given).
        awsRegion: Option<String> = ("AWS Region", String),
        /// A dynamically generated access key ID, instead of the connection's.
        dynamicAccessKeyId: Option<String> = ("Dynamic Access Key ID", String),
        /// A dynamically generated secret access key (with `dynamicAccessKeyId`).
        dynamicSecretAccessKey: Option<String> = ("Dynamic Secret Access Key", String),
        /// An optional session token of the dynamic credentials.
        dynamicSessionToken: Option<String> = ("Dynamic Session Token", String),
    }
}

/// One AWS service's client for one step.
pub(crate) struct Service {
    auth: Arc<AuthClient>,
    /// The signing connection (`awsSigV4` with the step's credentials, region and service).
    signing: Connection,
    /// The endpoint, without a trailing `/`.
    endpoint: String,
}

fn valid_region(region: &str) -> bool {
    !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
}

impl Service {
    /// The client of `service` (`sqs`, `sns`) for the step's credentials.
    pub(crate) fn new(
        auth: &Arc<AuthClient>,
        access: &AwsAccess,
        service: &str,
    ) -> Result<Service, ActionError> {
        let conn = access.awsConnection.as_ref();
        if let Some(c) = conn {
            if c.key != "apiKeySecret" {
                return Err(ActionError::input(
                    "awsConnection",
                    format!("has unsupported type `{}` (apiKeySecret)", c.key),
                ));
            }
        }
        let value = |name: &str| {
            conn.and_then(|c| c.value(name))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let (key_id, secret, token, id) = match (
            access.dynamicAccessKeyId.as_deref().map(str::trim),
            access.dynamicSecretAccessKey.as_deref().map(str::trim),
        ) {
            (Some(k), Some(s)) if !k.is_empty() && !s.is_empty() => (
                k.to_string(),
                s.to_string(),
                access
                    .dynamicSessionToken
                    .clone()
                    .filter(|t| !t.trim().is_empty()),
                format!("dynamic:{k}"),
            ),
            (Some(k), _) if !k.is_empty() => {
                return Err(ActionError::input(
                    "dynamicSecretAccessKey",
                    "is required with dynamicAccessKeyId",
                ))
            }
            _ => {
                let Some(c) = conn else {
                    return Err(ActionError::input(
                        "awsConnection",
                        "is required (or give dynamicAccessKeyId and dynamicSecretAccessKey)",
                    ));
                };
                let missing = |name: &str| {
                    ActionError::input("awsConnection", format!("the connection has no `{name}`"))
                };
                (
                    value("accessKeyId").ok_or_else(|| missing("accessKeyId"))?,
                    value("secretAccessKey").ok_or_else(|| missing("secretAccessKey"))?,
                    value("sessionToken"),
                    c.id.clone(),
                )
            }
        };
        let region = access
            .awsRegion
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .or_else(|| value("region"))
            .unwrap_or_else(|| "us-east-1".to_string());
        if !valid_region(&region) {
            return Err(ActionError::input(
                "awsRegion",
                "expected a region name like us-east-1",
            ));
        }
        let endpoint = match value("endpoint") {
            Some(e) => {
                let url = reqwest::Url::parse(&e).map_err(|err| {
                    ActionError::input(
                        "awsConnection",
                        format!("the connection's `endpoint` is not a URL: {err}"),
                    )
                })?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(ActionError::input(
                        "awsConnection",
                        "the connection's `endpoint` must be an http(s) URL",
                    ));
                }
                e.trim_end_matches('/').to_string()
            }
            None => format!("https://{service}.{region}.amazonaws.com"),
        };
        let mut inputs = BTreeMap::new();
        inputs.insert("accessKeyId".to_string(), key_id);
        inputs.insert("secretAccessKey".to_string(), secret);
        if let Some(t) = token {
            inputs.insert("sessionToken".to_string(), t);
        }
        inputs.insert("region".to_string(), region.clone());
        inputs.insert("service".to_string(), service.to_string());
        let signing = Connection::new(
            format!("{id}#{service}/{region}"),
            conn.map_or_else(|| format!("aws-{service}"), |c| c.component.clone()),
            "awsSigV4".to_string(),
            inputs,
        );
        Ok(Service {
            auth: Arc::clone(auth),
            signing,
            endpoint,
        })
    }

    async fn send(
        &self,
        parts: RequestParts,
    ) -> Result<(u16, Option<String>, Vec<u8>), ActionError> {
        let connected = self
            .auth
            .connect(&self.signing)
            .map_err(|e| auth_error("awsConnection", e))?;
        let raw = connected
            .send_raw(&parts)
            .await
            .map_err(|e| auth_error("awsConnection", e))?;
        let status = raw.response.status().as_u16();
        let request_id = ["x-amzn-requestid", "x-amz-request-id"]
            .iter()
            .find_map(|h| raw.response.headers().get(*h))
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = raw.response.bytes().await.map_err(|e| {
            ActionError::failed(format!("reading the answer of {}: {e}", self.endpoint))
        })?;
        if body.len() > MAX_ANSWER_BYTES {
            return Err(ActionError::failed(format!(
                "the answer of {} is {} bytes, more than {MAX_ANSWER_BYTES}",
                self.endpoint,
                body.len()
            )));
        }
        Ok((status, request_id, body.to_vec()))
    }

    /// An AWS JSON 1.0 call: `target` is `<prefix>.<Action>` (`AmazonSQS.SendMessage`).
    pub(crate) async fn json_call(&self, target: &str, body: &Value) -> Result<Value, ActionError> {
        let parts = RequestParts::new(Method::POST, format!("{}/", self.endpoint))
            .header("x-amz-target", target)
            .header("accept", "application/json")
            .body(body.to_string().into_bytes(), "application/x-amz-json-1.0");
        let (status, request_id, bytes) = self.send(parts).await?;
        let answer: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            serde_json::from_slice(&bytes).map_err(|e| {
                ActionError::failed(format!(
                    "{target}: the answer (HTTP {status}) is not JSON: {e}"
                ))
            })?
        };
        if !(200..300).contains(&status) {
            let code = answer["__type"]
                .as_str()
                .or(answer["code"].as_str())
                .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
                .unwrap_or_else(|| format!("HTTP {status}"));
            let message = answer["message"]
                .as_str()
                .or(answer["Message"].as_str())
                .unwrap_or("no message");
            return Err(ActionError::Failed {
                message: format!("{target} failed: {code}: {message}"),
                details: Some(json!({"code": code, "statusCode": status})),
            });
        }
        Ok(with_metadata(answer, status, request_id))
    }

    /// A Query protocol call: `action` with `params` (and `Version`), answered in XML; the
    /// answer's `<{action}Result>` element as JSON (see [`xml_json`]).
    pub(crate) async fn query_call(
        &self,
        action: &str,
        version: &str,
        params: &[(String, String)],
    ) -> Result<Value, ActionError> {
        let form = {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("Action", action);
            form.append_pair("Version", version);
            for (k, v) in params {
                form.append_pair(k, v);
            }
            form.finish()
        };
        let parts = RequestParts::new(Method::POST, format!("{}/", self.endpoint)).body(
            form.into_bytes(),
            "application/x-www-form-urlencoded; charset=utf-8",
        );
        let (status, request_id, bytes) = self.send(parts).await?;
        let text = String::from_utf8_lossy(&bytes);
        let tree = xml_json(&text).map_err(|e| {
            ActionError::failed(format!(
                "{action}: the answer (HTTP {status}) is not XML: {e}"
            ))
        })?;
        if !(200..300).contains(&status) {
            let error = find(&tree, "Error").cloned().unwrap_or(Value::Null);
            let code = error["Code"].as_str().unwrap_or("unknown").to_string();
            let message = error["Message"].as_str().unwrap_or("no message");
            return Err(ActionError::Failed {
                message: format!("{action} failed: {code}: {message}"),
                details: Some(json!({"code": code, "statusCode": status})),
            });
        }
        let request_id = request_id.or_else(|| {
            find(&tree, "RequestId")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        let result = find(&tree, &format!("{action}Result"))
            .cloned()
            .unwrap_or_else(|| json!({}));
        let result = match result {
            Value::Object(_) => result,
            // An empty element (`<DeleteTopicResult/>`) or text.
            _ => json!({}),
        };
        Ok(with_metadata(result, status, request_id))
    }
}

/// `answer` with the AWS SDK's `$metadata` first.
fn with_metadata(answer: Value, status: u16, request_id: Option<String>) -> Value {
    let mut out = Map::new();
    out.insert(
        "$metadata".into(),
        json!({
            "httpStatusCode": status,
            "requestId": request_id,
            "attempts": 1,
            "totalRetryDelay": 0,
        }),
    );
    if let Value::Object(fields) = answer {
        out.extend(fields);
    }
    Value::Object(out)
}

/// The first element named `name`, depth first.
pub(crate) fn find<'a>(tree: &'a Value, name: &str) -> Option<&'a Value> {
    match tree {
        Value::Object(map) => map
            .get(name)
            .or_else(|| map.values().find_map(|v| find(v, name))),
        Value::Array(items) => items.iter().find_map(|v| find(v, name)),
        _ => None,
    }
}

/// XML as JSON, the way the Query protocol's answers read: an element with children is an
/// object of them (a name seen twice becomes a list), an element with only text is its text,
/// an empty one is `""`; `<member>` lists are the caller's to flatten ([`members`]);
/// attributes are dropped.
pub(crate) fn xml_json(text: &str) -> Result<Value, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    // A stack of (name, children, text).
    let mut stack: Vec<(String, Map<String, Value>, String)> =
        vec![(String::new(), Map::new(), String::new())];
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if stack.len() > 64 {
                    return Err("nested too deep".into());
                }
                stack.push((name, Map::new(), String::new()));
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if let Some(top) = stack.last_mut() {
                    add(&mut top.1, name, Value::String(String::new()));
                }
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|e| e.to_string())?;
                if let Some(top) = stack.last_mut() {
                    top.2.push_str(&s);
                }
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| e.to_string())?;
                if let Some(top) = stack.last_mut() {
                    top.2.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| e.to_string())?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("unknown entity `&{name};`"))?
                            .to_string()
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.2.push_str(&resolved);
                }
            }
            Event::End(_) => {
                let Some((name, children, text)) = stack.pop() else {
                    return Err("unbalanced".into());
                };
                let value = if children.is_empty() {
                    Value::String(text.trim().to_string())
                } else {
                    Value::Object(children)
                };
                match stack.last_mut() {
                    Some(parent) => add(&mut parent.1, name, value),
                    None => return Err("unbalanced".into()),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match stack.pop() {
        Some((_, root, _)) if stack.is_empty() => Ok(Value::Object(root)),
        _ => Err("unclosed element".into()),
    }
}

fn add(map: &mut Map<String, Value>, name: String, value: Value) {
    match map.get_mut(&name) {
        None => {
            map.insert(name, value);
        }
        // Only repetition makes a list (XML gives text and objects).
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
    }
}

/// A Query protocol list (`<Topics><member>..</member>...</Topics>`) as a JSON list: the
/// `member` children of `value` (one or many), `[]` for an empty or missing list.
pub(crate) fn members(value: Option<&Value>) -> Vec<Value> {
    match value.and_then(|v| v.get("member")) {
        Some(Value::Array(items)) => items.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    }
}

/// Query protocol `entry` maps (`<Attributes><entry><key>k</key><value>v</value></entry>`)
/// as a JSON object.
pub(crate) fn entries(value: Option<&Value>) -> Value {
    let list = match value.and_then(|v| v.get("entry")) {
        Some(Value::Array(items)) => items.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    let mut out = Map::new();
    for e in list {
        if let Some(k) = e.get("key").and_then(Value::as_str) {
            out.insert(
                k.to_string(),
                e.get("value").cloned().unwrap_or(Value::Null),
            );
        }
    }
    Value::Object(out)
}
