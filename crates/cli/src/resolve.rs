//! Names, not only IDs: every CLI argument naming a customer, integration, instance,
//! connection or config variable goes through here. A global ID passes through unchanged;
//! anything else is looked up by its external ID, name, key or stable key. No match is
//! [`ClientError::NotFound`] (exit 4) naming what exists; several matches an error listing them.

use serde_json::{json, Value};

use crate::client::{ClientArgs, ClientError};

/// Whether `text` is a global ID (`Type:<uuid>`, base64) rather than a name.
pub fn is_global_id(text: &str) -> bool {
    plumb_core::id::decode_any(text).is_ok()
}

fn nodes(v: &Value) -> Vec<Value> {
    v["nodes"].as_array().cloned().unwrap_or_default()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

/// Picks the single match among `matches` (each `(id, label)`), or explains.
fn one(
    kind: &str,
    text: &str,
    matches: Vec<(String, String)>,
    known: &[String],
) -> Result<String, ClientError> {
    match matches.len() {
        1 => Ok(matches
            .into_iter()
            .next()
            .map(|(id, _)| id)
            .unwrap_or_default()),
        0 => {
            let hint = if known.is_empty() {
                format!("there are no {kind}s yet")
            } else {
                let mut shown: Vec<&str> = known.iter().map(String::as_str).take(20).collect();
                shown.dedup();
                format!("known: {}", shown.join(", "))
            };
            Err(ClientError::NotFound(format!(
                "no {kind} named {text:?} ({hint})"
            )))
        }
        _ => {
            let list: Vec<String> = matches
                .iter()
                .map(|(id, label)| format!("  {label}  {id}"))
                .collect();
            Err(ClientError::Invalid(format!(
                "  {kind}: {text:?} matches {} {kind}s; give one of their IDs:\n{}",
                matches.len(),
                list.join("\n")
            )))
        }
    }
}

/// A customer: global ID, external ID or exact name.
pub async fn customer(client: &ClientArgs, text: &str) -> Result<String, ClientError> {
    if is_global_id(text) {
        return Ok(text.to_string());
    }
    let data = client
        .graphql(
            "query($e: String) { byExt: customers(externalId: $e, first: 2) { nodes { id name externalId } }
               all: customers(first: 1000) { nodes { id name externalId } } }",
            json!({ "e": text }),
        )
        .await?;
    let by_ext = nodes(&data["byExt"]);
    if let [c] = by_ext.as_slice() {
        return Ok(str_of(c, "id").to_string());
    }
    let all = nodes(&data["all"]);
    let matches = all
        .iter()
        .filter(|c| str_of(c, "name") == text || str_of(c, "name").eq_ignore_ascii_case(text))
        .map(|c| {
            (
                str_of(c, "id").to_string(),
                format!(
                    "{} (external ID {})",
                    str_of(c, "name"),
                    str_of(c, "externalId")
                ),
            )
        })
        .collect();
    let known: Vec<String> = all
        .iter()
        .map(|c| match c["externalId"].as_str() {
            Some(e) => format!("{} ({e})", str_of(c, "name")),
            None => str_of(c, "name").to_string(),
        })
        .collect();
    one("customer", text, matches, &known)
}

/// An integration's draft: global ID (of the draft or a version) or name.
pub async fn integration(client: &ClientArgs, text: &str) -> Result<String, ClientError> {
    if is_global_id(text) {
        return Ok(text.to_string());
    }
    let data = client
        .graphql(
            "{ integrations(first: 1000) { nodes { id name } } }",
            json!({}),
        )
        .await?;
    let all = nodes(&data["integrations"]);
    let matches = all
        .iter()
        .filter(|i| str_of(i, "name").eq_ignore_ascii_case(text))
        .map(|i| (str_of(i, "id").to_string(), str_of(i, "name").to_string()))
        .collect();
    let known: Vec<String> = all.iter().map(|i| str_of(i, "name").to_string()).collect();
    one("integration", text, matches, &known)
}

/// A published integration version: global ID, or an integration's name (its latest
/// published version).
pub async fn version(client: &ClientArgs, text: &str) -> Result<String, ClientError> {
    if is_global_id(text) {
        return Ok(text.to_string());
    }
    let draft = integration(client, text).await?;
    let data = client
        .graphql(
            "query($id: ID!) { integration(id: $id) { name } }",
            json!({ "id": draft }),
        )
        .await?;
    let name = str_of(&data["integration"], "name").to_string();
    let data = client
        .graphql(
            "query($n: String) { integrations(name: $n, allVersions: true, first: 1000) {
               nodes { id name versionNumber isPublished } } }",
            json!({ "n": name }),
        )
        .await?;
    nodes(&data["integrations"])
        .into_iter()
        .filter(|v| v["isPublished"] == true && str_of(v, "name") == name)
        .max_by_key(|v| v["versionNumber"].as_i64().unwrap_or(0))
        .map(|v| str_of(&v, "id").to_string())
        .ok_or_else(|| {
            ClientError::NotFound(format!(
                "integration {name:?} has no published version yet (run `plumb integrations publish {name:?}`)"
            ))
        })
}

/// An instance: global ID (also an instance flow config's), or name (optionally only among
/// `customer`'s instances).
pub async fn instance(
    client: &ClientArgs,
    text: &str,
    customer: Option<&str>,
) -> Result<String, ClientError> {
    if is_global_id(text) {
        return Ok(text.to_string());
    }
    let data = client
        .graphql(
            "query($c: ID) { instances(customer: $c, first: 1000) {
               nodes { id name customer { name externalId } } } }",
            json!({ "c": customer }),
        )
        .await?;
    let all = nodes(&data["instances"]);
    let label = |i: &Value| {
        format!(
            "{} (customer {})",
            str_of(i, "name"),
            str_of(&i["customer"], "name")
        )
    };
    let matches = all
        .iter()
        .filter(|i| str_of(i, "name").eq_ignore_ascii_case(text))
        .map(|i| (str_of(i, "id").to_string(), label(i)))
        .collect();
    let known: Vec<String> = all.iter().map(label).collect();
    one("instance", text, matches, &known)
}

/// A connection (scoped config variable): global ID, stable key or key.
pub async fn connection(client: &ClientArgs, text: &str) -> Result<String, ClientError> {
    if is_global_id(text) {
        return Ok(text.to_string());
    }
    let data = client
        .graphql(
            "{ scopedConfigVariables(first: 1000) { nodes { id key stableKey } } }",
            json!({}),
        )
        .await?;
    let all = nodes(&data["scopedConfigVariables"]);
    let exact: Vec<(String, String)> = all
        .iter()
        .filter(|c| str_of(c, "stableKey") == text)
        .map(|c| {
            (
                str_of(c, "id").to_string(),
                str_of(c, "stableKey").to_string(),
            )
        })
        .collect();
    let matches = if exact.is_empty() {
        all.iter()
            .filter(|c| str_of(c, "key") == text)
            .map(|c| {
                (
                    str_of(c, "id").to_string(),
                    format!(
                        "{} (stable key {})",
                        str_of(c, "key"),
                        str_of(c, "stableKey")
                    ),
                )
            })
            .collect()
    } else {
        exact
    };
    let known: Vec<String> = all
        .iter()
        .map(|c| str_of(c, "stableKey").to_string())
        .collect();
    one("connection", text, matches, &known)
}

/// An organization config variable: global ID or key.
pub async fn org_var(client: &ClientArgs, text: &str) -> Result<String, ClientError> {
    if is_global_id(text) {
        return Ok(text.to_string());
    }
    let all = org_vars(client).await?;
    let matches = all
        .iter()
        .filter(|v| str_of(v, "key") == text)
        .map(|v| (str_of(v, "id").to_string(), str_of(v, "key").to_string()))
        .collect();
    let known: Vec<String> = all.iter().map(|v| str_of(v, "key").to_string()).collect();
    one("organization config variable", text, matches, &known)
}

/// A customer config variable: global ID, or key among `customer`'s (needed for a key).
pub async fn customer_var(
    client: &ClientArgs,
    text: &str,
    customer: Option<&str>,
) -> Result<String, ClientError> {
    if is_global_id(text) {
        return Ok(text.to_string());
    }
    let Some(customer) = customer else {
        return Err(ClientError::Invalid(format!(
            "  id: {text:?} is not an ID; to name a customer config variable by its key, give --customer too"
        )));
    };
    let all = customer_vars(client, customer).await?;
    let matches = all
        .iter()
        .filter(|v| str_of(v, "key") == text)
        .map(|v| (str_of(v, "id").to_string(), str_of(v, "key").to_string()))
        .collect();
    let known: Vec<String> = all.iter().map(|v| str_of(v, "key").to_string()).collect();
    one("customer config variable", text, matches, &known)
}

/// Every organization config variable (`id key value`).
pub async fn org_vars(client: &ClientArgs) -> Result<Vec<Value>, ClientError> {
    let data = client
        .graphql(
            "{ organizationConfigVariables(first: 1000) { nodes { id key value } } }",
            json!({}),
        )
        .await?;
    Ok(nodes(&data["organizationConfigVariables"]))
}

/// Every config variable of a customer (`id key value`), by the customer's global ID.
pub async fn customer_vars(client: &ClientArgs, customer: &str) -> Result<Vec<Value>, ClientError> {
    let data = client
        .graphql(
            "query($c: ID) { customerConfigVariables(customer: $c, first: 1000) { nodes { id key value } } }",
            json!({ "c": customer }),
        )
        .await?;
    Ok(nodes(&data["customerConfigVariables"]))
}

/// Every connection (`id key stableKey`).
pub async fn connections(client: &ClientArgs) -> Result<Vec<Value>, ClientError> {
    let data = client
        .graphql(
            "{ scopedConfigVariables(first: 1000) { nodes { id key stableKey } } }",
            json!({}),
        )
        .await?;
    Ok(nodes(&data["scopedConfigVariables"]))
}
