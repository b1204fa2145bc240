//! `plumb models import FILE / list / show / delete`: integration models from OpenAPI documents
//! (designer role to import and delete); `plumb models integrations ...` and `plumb models call`
//! in [`super::model_integrations`].

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use serde_json::{json, Value};

use super::model_integrations::{self, IntegrationsCommand};
use crate::client::ClientArgs;
use crate::output;

/// Model commands.
#[derive(Subcommand, Debug)]
pub enum ModelsCommand {
    /// Import an OpenAPI document (2.0, 3.0 or 3.1; JSON or YAML) as a model named
    /// `info.title:info.version`; every problem is reported with its line and column.
    Import {
        /// The document.
        file: PathBuf,
        /// Replace the model of the same name.
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List the organization's models.
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Show a model's operations (the actions of its component).
    Show {
        /// The model's global ID.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Delete a model.
    Delete {
        /// The model's global ID.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Integrations of a model: its server, authentication, TLS, timeout, proxy and logging.
    Integrations {
        #[command(subcommand)]
        cmd: IntegrationsCommand,
    },
    /// Call a task (an operation) of a model integration; prints the response envelope.
    Call {
        /// The integration's name or global ID.
        integration: String,
        /// The task: the operation's action key (`plumb models show` lists them).
        task: String,
        /// An input `KEY=VALUE` (repeatable); a VALUE that is JSON is taken as JSON.
        #[arg(long = "input", value_name = "KEY=VALUE")]
        input: Vec<String>,
        /// All inputs as a JSON object (`--input` pairs are added to it).
        #[arg(long)]
        inputs: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
}

const FIELDS: &str = "id name title version operations { totalCount }";
const HEADERS: [&str; 4] = ["ID", "NAME", "VERSION", "OPERATIONS"];

fn row(m: &Value) -> Vec<String> {
    vec![
        output::text(m, "id"),
        output::text(m, "name"),
        output::text(m, "version"),
        m["operations"]["totalCount"].to_string(),
    ]
}

fn operations(m: &Value) {
    let rows: Vec<Vec<String>> = m["operations"]["nodes"]
        .as_array()
        .map(|ops| {
            ops.iter()
                .map(|o| {
                    ["key", "method", "path", "summary"]
                        .iter()
                        .map(|k| output::text(o, k))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default();
    output::table(&["ACTION KEY", "METHOD", "PATH", "SUMMARY"], &rows);
}

/// Runs a model command.
pub async fn run(cmd: ModelsCommand) -> anyhow::Result<()> {
    match cmd {
        ModelsCommand::Import {
            file,
            replace,
            client,
        } => {
            let document = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let selection = format!(
                "integrationModel {{ {FIELDS} operations {{ totalCount nodes {{ key method path summary }} }} }}"
            );
            let p = client
                .mutate_input(
                    "importIntegrationModel",
                    "ImportIntegrationModelInput",
                    &selection,
                    json!({ "document": document, "replace": replace }),
                )
                .await?;
            let m = &p["integrationModel"];
            if client.json {
                output::json(m);
            } else {
                output::table(&HEADERS, &[row(m)]);
                println!();
                operations(m);
            }
        }
        ModelsCommand::List { client } => {
            let q = format!("{{ integrationModels {{ nodes {{ {FIELDS} }} }} }}");
            let data = client.graphql(&q, json!({})).await?;
            let nodes = &data["integrationModels"]["nodes"];
            if client.json {
                output::json(nodes);
            } else {
                let rows: Vec<Vec<String>> = nodes
                    .as_array()
                    .map(|a| a.iter().map(row).collect())
                    .unwrap_or_default();
                output::table(&HEADERS, &rows);
            }
        }
        ModelsCommand::Show { id, client } => {
            let q = "query($id: ID!) { integrationModel(id: $id) { id name title version
                       operations { totalCount nodes { key method path summary } } } }";
            let data = client.graphql(q, json!({ "id": id })).await?;
            let m = &data["integrationModel"];
            if m.is_null() {
                return Err(crate::client::ClientError::NotFound(
                    "integration model not found".to_string(),
                )
                .into());
            }
            if client.json {
                output::json(m);
            } else {
                operations(m);
            }
        }
        ModelsCommand::Integrations { cmd } => model_integrations::run(cmd).await?,
        ModelsCommand::Call {
            integration,
            task,
            input,
            inputs,
            client,
        } => {
            let inputs = model_integrations::inputs_of(&input, inputs.as_deref())?;
            model_integrations::call(&client, &integration, &task, inputs).await?;
        }
        ModelsCommand::Delete { id, client } => {
            let p = client
                .mutate_input(
                    "deleteIntegrationModel",
                    "DeleteIntegrationModelInput",
                    "integrationModel { id name }",
                    json!({ "id": id }),
                )
                .await?;
            if client.json {
                output::json(&p["integrationModel"]);
            } else {
                println!("deleted {}", output::text(&p["integrationModel"], "id"));
            }
        }
    }
    Ok(())
}
