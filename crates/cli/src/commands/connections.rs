//! `plumb connections list / create / set-customer / set-test / delete / export / import`:
//! scoped config variables (connection definitions) and their values, over the GraphQL API.
//!
//! `export` and `import` move definitions (never values) between organizations or servers,
//! matched by `stableKey`; `import` is idempotent and `--dry-run` prints what would change.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Subcommand;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::ClientArgs;
use crate::output;

/// Connection commands.
#[derive(Subcommand, Debug)]
pub enum ConnectionsCommand {
    /// List the organization's connections (scoped config variables).
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Define a connection.
    Create {
        /// Display key.
        #[arg(long)]
        key: String,
        /// Stable key: unique in the organization, immutable, matches tenants.
        #[arg(long)]
        stable_key: String,
        /// Connection type: `component/key` (e.g. `http/apiKey`) or its global ID.
        #[arg(long)]
        connection: String,
        /// `org` (one set of values) or `customer` (values per customer).
        #[arg(long, default_value = "customer")]
        variable_scope: String,
        /// `org` (organization-activated) or `customer` (customer-activated).
        #[arg(long, default_value = "org")]
        managed_by: String,
        /// Free text.
        #[arg(long, default_value = "")]
        description: String,
        /// A global input, optionally with its value: `NAME`, `NAME=VALUE` or `NAME=@FILE`
        /// (global values cannot be changed once set). Repeatable.
        #[arg(long = "global")]
        globals: Vec<String>,
        /// Values of an organization-scoped connection: `NAME=VALUE` or `NAME=@FILE`.
        #[arg(long = "value")]
        values: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Set (create or change) one customer's values of a connection.
    SetCustomer {
        /// The connection's stable key.
        stable_key: String,
        /// The customer: global ID, external ID or name.
        #[arg(long)]
        customer: String,
        /// Input values: `NAME=VALUE` or `NAME=@FILE`.
        inputs: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Set (create or change) the test credentials of a connection.
    SetTest {
        /// The connection's stable key.
        stable_key: String,
        /// Input values: `NAME=VALUE` or `NAME=@FILE`.
        inputs: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Delete a connection and all its values.
    Delete {
        /// The connection's stable key.
        stable_key: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Print every connection definition as YAML (never values).
    Export {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Create or update connection definitions from an `export` file, matched by stable key.
    Import {
        /// The YAML file.
        file: PathBuf,
        /// Only print what would change.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
}

/// The export file.
#[derive(Debug, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportFile {
    /// The definitions.
    pub connections: Vec<Definition>,
}

/// One connection definition.
#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Definition {
    /// Stable key (the match key).
    pub stable_key: String,
    /// Display key.
    pub key: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// `org` or `customer`.
    pub variable_scope: String,
    /// `org` or `customer`.
    pub managed_by: String,
    /// `component/key`.
    pub connection: String,
    /// Inputs with one value for every customer.
    #[serde(default)]
    pub global_inputs: BTreeSet<String>,
}

const DEF_FIELDS: &str = "id key stableKey description variableScope managedBy
    connection { key component } inputs { name inputScope }";

fn input_value(text: &str) -> anyhow::Result<(String, String)> {
    let (name, value) = text
        .split_once('=')
        .with_context(|| format!("{text:?}: expected NAME=VALUE"))?;
    let value = match value.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading {path}"))?
            .trim_end_matches('\n')
            .to_string(),
        None => value.to_string(),
    };
    Ok((name.to_string(), value))
}

fn inputs_json(inputs: &[String]) -> anyhow::Result<Vec<Value>> {
    inputs
        .iter()
        .map(|i| {
            let (name, value) = input_value(i)?;
            Ok(json!({ "name": name, "type": "value", "value": value }))
        })
        .collect()
}

fn definition(v: &Value) -> Definition {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    Definition {
        stable_key: s("stableKey"),
        key: s("key"),
        description: s("description"),
        variable_scope: s("variableScope"),
        managed_by: s("managedBy"),
        connection: format!(
            "{}/{}",
            v["connection"]["component"].as_str().unwrap_or_default(),
            v["connection"]["key"].as_str().unwrap_or_default()
        ),
        global_inputs: v["inputs"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|i| i["inputScope"] == "global")
                    .filter_map(|i| i["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Every scoped config variable (all pages), or those with `stable_key`.
async fn fetch_all(client: &ClientArgs, stable_key: Option<&str>) -> anyhow::Result<Vec<Value>> {
    let q = format!(
        "query($s: String, $after: String) {{ scopedConfigVariables(stableKey: $s, first: 500, after: $after) {{
           nodes {{ {DEF_FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    let mut out = vec![];
    let mut after: Option<String> = None;
    loop {
        let data = client
            .graphql(&q, json!({ "s": stable_key, "after": after }))
            .await?;
        let conn = &data["scopedConfigVariables"];
        out.extend(conn["nodes"].as_array().cloned().unwrap_or_default());
        if conn["pageInfo"]["hasNextPage"] != true {
            return Ok(out);
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
}

async fn find(client: &ClientArgs, stable_key: &str) -> anyhow::Result<Value> {
    fetch_all(client, Some(stable_key))
        .await?
        .into_iter()
        .next()
        .with_context(|| format!("no connection with stable key {stable_key:?}"))
}

fn global_meta(name: &str, scope: &str) -> Value {
    json!({ "name": name, "meta": json!({ "inputScope": scope }).to_string() })
}

const SCOPED_PAYLOAD: &str =
    "scopedConfigVariable { id key stableKey variableScope managedBy } errors { field messages }";
const VALUES_PAYLOAD: &str =
    "customerConfigVariable { id isTest inputs { name isSet value } } errors { field messages }";

/// Creates or updates one set of values (a customer's, or the test credentials).
async fn set_values(
    client: &ClientArgs,
    stable_key: &str,
    customer: Option<&str>,
    inputs: &[String],
) -> anyhow::Result<Value> {
    let scoped = find(client, stable_key).await?;
    let id = scoped["id"].as_str().unwrap_or_default();
    let existing = client
        .graphql(
            "query($id: ID!, $c: ID) { scopedConfigVariable(id: $id) {
               customerConfigVariables(customer: $c, first: 1000) { nodes { id isTest } } } }",
            json!({ "id": id, "c": customer }),
        )
        .await?;
    let found = existing["scopedConfigVariable"]["customerConfigVariables"]["nodes"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|n| n["isTest"] == customer.is_none())
                .cloned()
        });
    let inputs = inputs_json(inputs)?;
    let p = match found {
        Some(n) => {
            let q = format!("mutation($input: UpdateCustomerConfigVariableInput!) {{ updateCustomerConfigVariable(input: $input) {{ {VALUES_PAYLOAD} }} }}");
            client
                .mutate(
                    "updateCustomerConfigVariable",
                    &q,
                    json!({ "input": { "id": n["id"], "inputs": inputs } }),
                )
                .await?
        }
        None => {
            let q = format!("mutation($input: CreateCustomerConfigVariableInput!) {{ createCustomerConfigVariable(input: $input) {{ {VALUES_PAYLOAD} }} }}");
            let input = json!({ "scopedConfigVariable": id, "customer": customer,
                                "isTest": customer.is_none(), "inputs": inputs });
            client
                .mutate(
                    "createCustomerConfigVariable",
                    &q,
                    json!({ "input": input }),
                )
                .await?
        }
    };
    Ok(p["customerConfigVariable"].clone())
}

fn show_values(client: &ClientArgs, v: &Value) {
    if client.json {
        return output::json(v);
    }
    let rows: Vec<Vec<String>> = v["inputs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|i| i["isSet"] == true)
                .map(|i| {
                    let value = match i["value"].as_str() {
                        Some(s) => s.to_string(),
                        None => "(secret, set)".to_string(),
                    };
                    vec![output::text(i, "name"), value]
                })
                .collect()
        })
        .unwrap_or_default();
    output::table(&["INPUT", "VALUE"], &rows);
    println!("(values {})", output::text(v, "id"));
}

/// Runs a connections command.
pub async fn run(cmd: ConnectionsCommand) -> anyhow::Result<()> {
    match cmd {
        ConnectionsCommand::List { client } => {
            let all = fetch_all(&client, None).await?;
            if client.json {
                output::json(&json!(all));
            } else {
                let rows: Vec<Vec<String>> = all
                    .iter()
                    .map(|v| {
                        let d = definition(v);
                        vec![
                            output::text(v, "id"),
                            d.stable_key,
                            d.key,
                            d.connection,
                            d.variable_scope,
                            d.managed_by,
                        ]
                    })
                    .collect();
                output::table(
                    &["ID", "STABLE KEY", "KEY", "TYPE", "SCOPE", "MANAGED BY"],
                    &rows,
                );
            }
        }
        ConnectionsCommand::Create {
            key,
            stable_key,
            connection,
            variable_scope,
            managed_by,
            description,
            globals,
            values,
            client,
        } => {
            let mut inputs = vec![];
            for g in &globals {
                let mut i = match g.contains('=') {
                    true => {
                        let (name, value) = input_value(g)?;
                        json!({ "name": name, "type": "value", "value": value })
                    }
                    false => json!({ "name": g }),
                };
                i["meta"] = json!(json!({ "inputScope": "global" }).to_string());
                inputs.push(i);
            }
            inputs.extend(inputs_json(&values)?);
            let q = format!("mutation($input: CreateScopedConfigVariableInput!) {{ createScopedConfigVariable(input: $input) {{ {SCOPED_PAYLOAD} }} }}");
            let input = json!({ "key": key, "stableKey": stable_key, "connection": connection,
                "variableScope": variable_scope, "managedBy": managed_by,
                "description": description, "inputs": inputs });
            let p = client
                .mutate("createScopedConfigVariable", &q, json!({ "input": input }))
                .await?;
            let v = &p["scopedConfigVariable"];
            if client.json {
                output::json(v);
            } else {
                output::table(
                    &["ID", "STABLE KEY", "KEY", "SCOPE", "MANAGED BY"],
                    &[["id", "stableKey", "key", "variableScope", "managedBy"]
                        .iter()
                        .map(|k| output::text(v, k))
                        .collect()],
                );
            }
        }
        ConnectionsCommand::SetCustomer {
            stable_key,
            customer,
            inputs,
            client,
        } => {
            let customer = crate::resolve::customer(&client, &customer).await?;
            let v = set_values(&client, &stable_key, Some(&customer), &inputs).await?;
            show_values(&client, &v);
        }
        ConnectionsCommand::SetTest {
            stable_key,
            inputs,
            client,
        } => {
            let v = set_values(&client, &stable_key, None, &inputs).await?;
            show_values(&client, &v);
        }
        ConnectionsCommand::Delete { stable_key, client } => {
            let v = find(&client, &stable_key).await?;
            let q = format!("mutation($input: DeleteScopedConfigVariableInput!) {{ deleteScopedConfigVariable(input: $input) {{ {SCOPED_PAYLOAD} }} }}");
            client
                .mutate(
                    "deleteScopedConfigVariable",
                    &q,
                    json!({ "input": { "id": v["id"] } }),
                )
                .await?;
            if client.json {
                output::json(&json!({ "id": v["id"], "stableKey": stable_key }));
            } else {
                println!("deleted {stable_key}");
            }
        }
        ConnectionsCommand::Export { client } => {
            let file = ExportFile {
                connections: fetch_all(&client, None)
                    .await?
                    .iter()
                    .map(definition)
                    .collect(),
            };
            print!("{}", serde_yaml::to_string(&file)?);
        }
        ConnectionsCommand::Import {
            file,
            dry_run,
            client,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let wanted: ExportFile = serde_yaml::from_str(&text)
                .with_context(|| format!("parsing {}", file.display()))?;
            let current: Vec<Value> = fetch_all(&client, None).await?;
            let mut conflicts = 0;
            for d in &wanted.connections {
                let have = current
                    .iter()
                    .find(|v| v["stableKey"] == d.stable_key.as_str());
                match plan(d, have.map(|v| (v["id"].clone(), definition(v)))) {
                    Plan::Unchanged => println!("unchanged {}", d.stable_key),
                    Plan::Conflict(why) => {
                        conflicts += 1;
                        println!("conflict  {}: {why}", d.stable_key);
                    }
                    Plan::Create(input) => {
                        println!("create    {} ({})", d.stable_key, d.connection);
                        if !dry_run {
                            let q = format!("mutation($input: CreateScopedConfigVariableInput!) {{ createScopedConfigVariable(input: $input) {{ {SCOPED_PAYLOAD} }} }}");
                            client
                                .mutate("createScopedConfigVariable", &q, json!({ "input": input }))
                                .await?;
                        }
                    }
                    Plan::Update(input, changed) => {
                        println!("update    {} ({})", d.stable_key, changed.join(", "));
                        if !dry_run {
                            let q = format!("mutation($input: UpdateScopedConfigVariableInput!) {{ updateScopedConfigVariable(input: $input) {{ {SCOPED_PAYLOAD} }} }}");
                            client
                                .mutate("updateScopedConfigVariable", &q, json!({ "input": input }))
                                .await?;
                        }
                    }
                }
            }
            if conflicts > 0 {
                bail!("{conflicts} definition(s) conflict with this organization's (variable scope and connection type never change)");
            }
        }
    }
    Ok(())
}

/// What `import` does with one definition.
#[derive(Debug, PartialEq)]
pub enum Plan {
    /// Nothing to do.
    Unchanged,
    /// Create it with this input.
    Create(Value),
    /// Update it with this input; the names of the changed fields.
    Update(Value, Vec<&'static str>),
    /// It cannot be made to match.
    Conflict(String),
}

/// Compares a wanted definition with the current one (its ID and definition), if any.
pub fn plan(want: &Definition, have: Option<(Value, Definition)>) -> Plan {
    let meta = |names: &BTreeSet<String>, scope: &str| -> Vec<Value> {
        names.iter().map(|n| global_meta(n, scope)).collect()
    };
    let Some((id, have)) = have else {
        return Plan::Create(json!({
            "key": want.key, "stableKey": want.stable_key, "description": want.description,
            "variableScope": want.variable_scope, "managedBy": want.managed_by,
            "connection": want.connection, "inputs": meta(&want.global_inputs, "global"),
        }));
    };
    if have.variable_scope != want.variable_scope {
        return Plan::Conflict(format!(
            "variable scope is {}, the file says {}",
            have.variable_scope, want.variable_scope
        ));
    }
    if have.connection != want.connection {
        return Plan::Conflict(format!(
            "connection type is {}, the file says {}",
            have.connection, want.connection
        ));
    }
    let mut changed = vec![];
    let mut input = json!({ "id": id });
    if have.key != want.key {
        changed.push("key");
        input["key"] = json!(want.key);
    }
    if have.description != want.description {
        changed.push("description");
        input["description"] = json!(want.description);
    }
    if have.managed_by != want.managed_by {
        changed.push("managedBy");
        input["managedBy"] = json!(want.managed_by);
    }
    if want.variable_scope == "customer" && have.global_inputs != want.global_inputs {
        changed.push("globalInputs");
        let added: BTreeSet<String> = want
            .global_inputs
            .difference(&have.global_inputs)
            .cloned()
            .collect();
        let removed: BTreeSet<String> = have
            .global_inputs
            .difference(&want.global_inputs)
            .cloned()
            .collect();
        let mut inputs = meta(&added, "global");
        inputs.extend(meta(&removed, "customer"));
        input["inputs"] = json!(inputs);
    }
    if changed.is_empty() {
        Plan::Unchanged
    } else {
        Plan::Update(input, changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> Definition {
        Definition {
            stable_key: "acme-api-key".into(),
            key: "Acme".into(),
            description: String::new(),
            variable_scope: "customer".into(),
            managed_by: "org".into(),
            connection: "http/apiKey".into(),
            global_inputs: ["location".to_string()].into(),
        }
    }

    #[test]
    fn plans() {
        let d = def();
        assert!(matches!(plan(&d, None), Plan::Create(_)));
        assert_eq!(plan(&d, Some((json!("id"), d.clone()))), Plan::Unchanged);
        let mut renamed = d.clone();
        renamed.key = "Acme 2".into();
        renamed.global_inputs.insert("name".into());
        match plan(&renamed, Some((json!("id"), d.clone()))) {
            Plan::Update(input, changed) => {
                assert_eq!(changed, vec!["key", "globalInputs"]);
                assert_eq!(input["inputs"][0]["name"], "name");
            }
            other => panic!("{other:?}"),
        }
        let mut other_type = d.clone();
        other_type.connection = "http/basic".into();
        assert!(matches!(
            plan(&other_type, Some((json!("id"), d))),
            Plan::Conflict(_)
        ));
    }

    #[test]
    fn yaml_round_trip() {
        let file = ExportFile {
            connections: vec![def()],
        };
        let text = serde_yaml::to_string(&file).unwrap();
        assert!(text.contains("stableKey: acme-api-key"));
        assert_eq!(serde_yaml::from_str::<ExportFile>(&text).unwrap(), file);
    }

    #[test]
    fn input_values() {
        assert_eq!(
            input_value("apiKey=a=b").unwrap(),
            ("apiKey".to_string(), "a=b".to_string())
        );
        assert!(input_value("nope").is_err());
    }
}
