//! Config variable bindings of `instances create` / `set-config`: the flags, their names
//! resolved to IDs (see [`crate::resolve`]), `--bind-same-names`, and the by-name rows of
//! `instances show`.

use anyhow::{anyhow, Context};
use serde_json::{json, Value};

use crate::client::ClientArgs;
use crate::output;
use crate::resolve;

/// Config variable bindings of `create` and `set-config`: one flag per kind of source.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct BindingArgs {
    /// Bind KEY to a literal value: `KEY=VALUE` (repeatable).
    #[arg(long = "config", value_name = "KEY=VALUE")]
    pub values: Vec<String>,
    /// Bind KEY to a config variable of the customer: `KEY=VAR` where VAR is its ID or key
    /// (`KEY` alone: the customer's variable of the same key). Repeatable.
    #[arg(long = "config-customer-var", value_name = "KEY=VAR")]
    pub customer_vars: Vec<String>,
    /// Bind KEY to a config variable of the organization: `KEY=VAR` where VAR is its ID or key
    /// (`KEY` alone: the organization's variable of the same key). Repeatable.
    #[arg(long = "config-org-var", value_name = "KEY=VAR")]
    pub org_vars: Vec<String>,
    /// Bind KEY to a connection (scoped config variable): `KEY=CONNECTION`, its ID, stable key
    /// or key. Repeatable.
    #[arg(long = "config-connection", value_name = "KEY=CONNECTION")]
    pub connections: Vec<String>,
    /// Bind KEY to a connection's inputs: `KEY=@file.json` or `KEY={"input": "value"}`
    /// (repeatable).
    #[arg(long = "config-values", value_name = "KEY=@FILE|JSON")]
    pub input_values: Vec<String>,
}

/// Splits `KEY=REST`; the key must not be empty.
fn pair<'a>(flag: &str, text: &'a str) -> anyhow::Result<(&'a str, &'a str)> {
    text.split_once('=')
        .filter(|(k, _)| !k.trim().is_empty())
        .ok_or_else(|| anyhow!("{flag}: expected KEY=..., got {text:?}"))
}

/// The `configVariables` input of the binding flags.
pub(crate) fn bindings_input(b: &BindingArgs) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::new();
    for (flag, list, field) in [
        ("--config", &b.values, "value"),
        (
            "--config-customer-var",
            &b.customer_vars,
            "customerConfigVariableId",
        ),
        (
            "--config-org-var",
            &b.org_vars,
            "organizationConfigVariableId",
        ),
        (
            "--config-connection",
            &b.connections,
            "scopedConfigVariableId",
        ),
    ] {
        for text in list {
            let (k, v) = match (field, text.split_once('=')) {
                ("value", _) | (_, Some(_)) => pair(flag, text)?,
                (_, None) if !text.trim().is_empty() => (text.as_str(), ""),
                _ => pair(flag, text)?,
            };
            out.push(json!({ "key": k, field: v }));
        }
    }
    for text in &b.input_values {
        let (k, v) = pair("--config-values", text)?;
        let source = match v.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("--config-values {k}: cannot read {path}"))?,
            None => v.to_string(),
        };
        let parsed: Value = serde_json::from_str(&source)
            .with_context(|| format!("--config-values {k}: not JSON"))?;
        if !parsed.is_object() {
            return Err(anyhow!(
                "--config-values {k}: expected a JSON object of connection inputs"
            ));
        }
        out.push(json!({ "key": k, "values": parsed.to_string() }));
    }
    Ok(out)
}

/// Resolves the names in bindings (customer and organization variable keys, connection stable
/// keys) to IDs; `customer` is the instance's customer (global ID).
pub(crate) async fn resolve_bindings(
    client: &ClientArgs,
    customer: &str,
    vars: &mut [Value],
) -> anyhow::Result<()> {
    for v in vars.iter_mut() {
        let key = v["key"].as_str().unwrap_or("").to_string();
        if let Some(text) = v["customerConfigVariableId"].as_str().map(str::to_string) {
            let text = if text.is_empty() { key.clone() } else { text };
            v["customerConfigVariableId"] =
                json!(resolve::customer_var(client, &text, Some(customer)).await?);
        } else if let Some(text) = v["organizationConfigVariableId"]
            .as_str()
            .map(str::to_string)
        {
            let text = if text.is_empty() { key.clone() } else { text };
            v["organizationConfigVariableId"] = json!(resolve::org_var(client, &text).await?);
        } else if let Some(text) = v["scopedConfigVariableId"].as_str().map(str::to_string) {
            let text = if text.is_empty() { key.clone() } else { text };
            v["scopedConfigVariableId"] = json!(resolve::connection(client, &text).await?);
        }
    }
    Ok(())
}

/// `--bind-same-names`: binds every required config var of `version` not bound in `vars` (nor
/// bound by the definition to an organization connection) to the customer's config variable of
/// the same key, else the organization's, else the connection with that stable key or key.
/// Prints what it bound to standard error.
pub(crate) async fn bind_same_names(
    client: &ClientArgs,
    version: &str,
    customer: &str,
    vars: &mut Vec<Value>,
) -> anyhow::Result<()> {
    let data = client
        .graphql(
            "query($id: ID!) { integration(id: $id) { requiredConfigVars { key dataType useScopedConfigVar } } }",
            json!({ "id": version }),
        )
        .await?;
    let required = data["integration"]["requiredConfigVars"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let customer_vars = resolve::customer_vars(client, customer).await?;
    let org_vars = resolve::org_vars(client).await?;
    let connections = resolve::connections(client).await?;
    let find = |list: &[Value], field: &str, key: &str| {
        list.iter()
            .find(|v| v[field].as_str() == Some(key))
            .and_then(|v| v["id"].as_str().map(str::to_string))
    };
    for r in required {
        let key = r["key"].as_str().unwrap_or("");
        if key.is_empty()
            || !r["useScopedConfigVar"].is_null()
            || vars.iter().any(|v| v["key"].as_str() == Some(key))
        {
            continue;
        }
        let binding = if r["dataType"] == "connection" {
            find(&connections, "stableKey", key)
                .or_else(|| find(&connections, "key", key))
                .map(|id| {
                    (
                        json!({ "key": key, "scopedConfigVariableId": id }),
                        "connection",
                    )
                })
        } else if let Some(id) = find(&customer_vars, "key", key) {
            Some((
                json!({ "key": key, "customerConfigVariableId": id }),
                "customer variable",
            ))
        } else {
            find(&org_vars, "key", key).map(|id| {
                (
                    json!({ "key": key, "organizationConfigVariableId": id }),
                    "organization variable",
                )
            })
        };
        if let Some((b, what)) = binding {
            eprintln!("bound {key} to the {what} {key}");
            vars.push(b);
        }
    }
    Ok(())
}

/// The rows of `instances show`'s bindings: key, kind and source by name (the customer's or
/// organization's variable key, the connection's stable key), including connections the
/// definition binds itself (`useScopedConfigVar`).
pub(crate) async fn binding_rows(
    client: &ClientArgs,
    i: &Value,
) -> anyhow::Result<Vec<Vec<String>>> {
    let customer = output::text(&i["customer"], "id");
    let customer_vars = resolve::customer_vars(client, &customer).await?;
    let org_vars = resolve::org_vars(client).await?;
    let connections = resolve::connections(client).await?;
    let name_of = |list: &[Value], id: &str, field: &str| {
        list.iter()
            .find(|v| v["id"].as_str() == Some(id))
            .map(|v| output::text(v, field))
            .unwrap_or_else(|| id.to_string())
    };
    let bound: Vec<Value> = i["configVariables"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut rows: Vec<Vec<String>> = bound
        .iter()
        .map(|v| {
            let (kind, source) = match v["kind"].as_str() {
                Some("value") => ("value", output::text(v, "value")),
                Some("values") => ("connection inputs", "(set on the instance)".to_string()),
                Some("customer") => (
                    "customer variable",
                    name_of(
                        &customer_vars,
                        &output::text(v, "customerConfigVariableId"),
                        "key",
                    ),
                ),
                Some("org") => (
                    "organization variable",
                    name_of(
                        &org_vars,
                        &output::text(v, "organizationConfigVariableId"),
                        "key",
                    ),
                ),
                Some("scoped") => (
                    "connection",
                    name_of(
                        &connections,
                        &output::text(v, "scopedConfigVariableId"),
                        "stableKey",
                    ),
                ),
                _ => ("-", "-".to_string()),
            };
            vec![output::text(v, "key"), kind.to_string(), source]
        })
        .collect();
    for r in i["integration"]["requiredConfigVars"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let key = output::text(r, "key");
        if let Some(stable) = r["useScopedConfigVar"].as_str() {
            if !bound
                .iter()
                .any(|v| v["key"].as_str() == Some(key.as_str()))
            {
                rows.push(vec![
                    key,
                    "connection (by the definition)".to_string(),
                    stable.to_string(),
                ]);
            }
        }
    }
    Ok(rows)
}
