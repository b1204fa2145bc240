//! `plumb models integrations ...` (integrations of a model: create, list, show, update,
//! clone, delete, log-level, grant, revoke) and `plumb models call INTEGRATION TASK`.
//! Integrations are named by their name (or global ID), models by `Title:version` (or ID).

use std::path::Path;

use anyhow::{bail, Context};
use clap::Subcommand;
use serde_json::{json, Map, Value};

use crate::client::{ClientArgs, ClientError};
use crate::output;

/// Model integration commands.
#[derive(Subcommand, Debug)]
pub enum IntegrationsCommand {
    /// Create an integration of a model with a configuration (JSON: a file, or the text).
    Create {
        /// The model: its name (`Title:version`) or global ID.
        #[arg(long)]
        model: String,
        /// The integration's name.
        #[arg(long)]
        name: String,
        /// The configuration: a JSON file's path, or JSON text.
        #[arg(long)]
        config: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List the model integrations.
    List {
        /// Only those of this model (name or ID).
        #[arg(long)]
        model: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Show an integration: its configuration (secrets shown only as set), roles and levels.
    Show {
        /// The integration's name or ID.
        integration: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Change an integration's configuration (secrets left out are kept) or name.
    Update {
        /// The integration's name or ID.
        integration: String,
        /// The new configuration: a JSON file's path, or JSON text.
        #[arg(long)]
        config: Option<String>,
        /// A new name.
        #[arg(long)]
        rename: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Copy an integration under a new name.
    Clone {
        /// The integration's name or ID.
        integration: String,
        /// The copy's name.
        name: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Delete an integration.
    Delete {
        /// The integration's name or ID.
        integration: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Set an integration's log level (none, error, warn, info, debug, trace): in effect at once.
    LogLevel {
        /// The integration's name or ID.
        integration: String,
        /// The level.
        level: String,
        /// The syslog level (the configuration must have `syslog`).
        #[arg(long)]
        syslog: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Grant a role (`<integration>:admin`, `<integration>:GET`, ...) to an API token.
    Grant {
        /// The role.
        role: String,
        /// The token's global ID.
        #[arg(long)]
        token: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Take a role back from an API token.
    Revoke {
        /// The role.
        role: String,
        /// The token's global ID.
        #[arg(long)]
        token: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

const FIELDS: &str = "id name modelName configuration secretsSet roles logLevel syslogLevel";

fn config_text(arg: &str) -> anyhow::Result<String> {
    let trimmed = arg.trim_start();
    if trimmed.starts_with('{') {
        return Ok(arg.to_string());
    }
    std::fs::read_to_string(Path::new(arg)).with_context(|| format!("cannot read {arg}"))
}

async fn model_id(client: &ClientArgs, model: &str) -> anyhow::Result<String> {
    if plumb_core::id::decode("IntegrationModel", model).is_ok() {
        return Ok(model.to_string());
    }
    let data = client
        .graphql(
            "query($n: String) { integrationModels(name: $n) { nodes { id } } }",
            json!({ "n": model }),
        )
        .await?;
    match data["integrationModels"]["nodes"][0]["id"].as_str() {
        Some(id) => Ok(id.to_string()),
        None => {
            let all = client
                .graphql("{ integrationModels { nodes { name } } }", json!({}))
                .await?;
            let names: Vec<String> = all["integrationModels"]["nodes"]
                .as_array()
                .map(|a| a.iter().map(|m| output::text(m, "name")).collect())
                .unwrap_or_default();
            Err(ClientError::NotFound(format!(
                "no integration model is named `{model}` (models: {})",
                if names.is_empty() {
                    "none; import one with `plumb models import FILE`".to_string()
                } else {
                    names.join(", ")
                }
            ))
            .into())
        }
    }
}

/// The global ID of the integration named (or identified by) `integration`.
async fn integration_id(client: &ClientArgs, integration: &str) -> anyhow::Result<String> {
    if plumb_core::id::decode("ModelIntegration", integration).is_ok() {
        return Ok(integration.to_string());
    }
    let data = client
        .graphql("{ modelIntegrations { nodes { id name } } }", json!({}))
        .await?;
    let nodes = data["modelIntegrations"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Some(found) = nodes.iter().find(|n| n["name"] == integration) {
        return Ok(output::text(found, "id"));
    }
    let names: Vec<String> = nodes.iter().map(|n| output::text(n, "name")).collect();
    Err(ClientError::NotFound(format!(
        "no model integration is named `{integration}` (integrations: {})",
        if names.is_empty() {
            "none; create one with `plumb models integrations create`".to_string()
        } else {
            names.join(", ")
        }
    ))
    .into())
}

fn show(client: &ClientArgs, m: &Value) {
    if client.json {
        output::json(m);
        return;
    }
    output::table(
        &["ID", "NAME", "MODEL", "LOG LEVEL", "SYSLOG"],
        &[vec![
            output::text(m, "id"),
            output::text(m, "name"),
            output::text(m, "modelName"),
            output::text(m, "logLevel"),
            output::text(m, "syslogLevel"),
        ]],
    );
    println!("\nroles: {}", output::text(m, "roles"));
    let set = output::text(m, "secretsSet");
    println!(
        "secrets set: {}",
        if set == "-" || set.is_empty() {
            "none".into()
        } else {
            set
        }
    );
    println!(
        "configuration:\n{}",
        serde_json::to_string_pretty(&m["configuration"]).unwrap_or_default()
    );
}

async fn mutate(
    client: &ClientArgs,
    name: &str,
    input_type: &str,
    input: Value,
) -> anyhow::Result<Value> {
    let p = client
        .mutate_input(
            name,
            input_type,
            &format!("modelIntegration {{ {FIELDS} }}"),
            input,
        )
        .await?;
    Ok(p["modelIntegration"].clone())
}

/// Runs a model integration command.
pub async fn run(cmd: IntegrationsCommand) -> anyhow::Result<()> {
    match cmd {
        IntegrationsCommand::Create {
            model,
            name,
            config,
            client,
        } => {
            let configuration = config_text(&config)?;
            let model = model_id(&client, &model).await?;
            let m = mutate(
                &client,
                "createModelIntegration",
                "CreateModelIntegrationInput",
                json!({"model": model, "name": name, "configuration": configuration}),
            )
            .await?;
            show(&client, &m);
        }
        IntegrationsCommand::List { model, client } => {
            let model = match model {
                Some(m) => Some(model_id(&client, &m).await?),
                None => None,
            };
            let data = client
                .graphql(
                    &format!("query($m: ID) {{ modelIntegrations(model: $m) {{ nodes {{ {FIELDS} }} }} }}"),
                    json!({ "m": model }),
                )
                .await?;
            let nodes = &data["modelIntegrations"]["nodes"];
            if client.json {
                output::json(nodes);
            } else {
                let rows: Vec<Vec<String>> = nodes
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|m| {
                                vec![
                                    output::text(m, "id"),
                                    output::text(m, "name"),
                                    output::text(m, "modelName"),
                                    output::text(m, "logLevel"),
                                ]
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                output::table(&["ID", "NAME", "MODEL", "LOG LEVEL"], &rows);
            }
        }
        IntegrationsCommand::Show {
            integration,
            client,
        } => {
            let id = integration_id(&client, &integration).await?;
            let data = client
                .graphql(
                    &format!("query($id: ID!) {{ modelIntegration(id: $id) {{ {FIELDS} }} }}"),
                    json!({ "id": id }),
                )
                .await?;
            show(&client, &data["modelIntegration"]);
        }
        IntegrationsCommand::Update {
            integration,
            config,
            rename,
            client,
        } => {
            if config.is_none() && rename.is_none() {
                bail!("nothing to change: give --config and/or --rename");
            }
            let id = integration_id(&client, &integration).await?;
            let configuration = config.as_deref().map(config_text).transpose()?;
            let m = mutate(
                &client,
                "updateModelIntegration",
                "UpdateModelIntegrationInput",
                json!({"id": id, "name": rename, "configuration": configuration}),
            )
            .await?;
            show(&client, &m);
        }
        IntegrationsCommand::Clone {
            integration,
            name,
            client,
        } => {
            let id = integration_id(&client, &integration).await?;
            let m = mutate(
                &client,
                "cloneModelIntegration",
                "CloneModelIntegrationInput",
                json!({"id": id, "name": name}),
            )
            .await?;
            show(&client, &m);
        }
        IntegrationsCommand::Delete {
            integration,
            client,
        } => {
            let id = integration_id(&client, &integration).await?;
            let m = mutate(
                &client,
                "deleteModelIntegration",
                "DeleteModelIntegrationInput",
                json!({"id": id}),
            )
            .await?;
            if client.json {
                output::json(&m);
            } else {
                println!("deleted {}", output::text(&m, "name"));
            }
        }
        IntegrationsCommand::LogLevel {
            integration,
            level,
            syslog,
            client,
        } => {
            let id = integration_id(&client, &integration).await?;
            let m = mutate(
                &client,
                "setModelIntegrationLogLevel",
                "SetModelIntegrationLogLevelInput",
                json!({"id": id, "logLevel": level, "syslogLevel": syslog}),
            )
            .await?;
            if client.json {
                output::json(&m);
            } else {
                println!(
                    "{}: log level {}, syslog {}",
                    output::text(&m, "name"),
                    output::text(&m, "logLevel"),
                    output::text(&m, "syslogLevel")
                );
            }
        }
        IntegrationsCommand::Grant {
            role,
            token,
            client,
        } => grant(&client, &role, &token, true).await?,
        IntegrationsCommand::Revoke {
            role,
            token,
            client,
        } => grant(&client, &role, &token, false).await?,
    }
    Ok(())
}

async fn grant(client: &ClientArgs, role: &str, token: &str, grant: bool) -> anyhow::Result<()> {
    let name = if grant {
        "grantModelIntegrationRole"
    } else {
        "revokeModelIntegrationRole"
    };
    mutate(
        client,
        name,
        "ModelIntegrationRoleInput",
        json!({"token": token, "role": role}),
    )
    .await?;
    if client.json {
        output::json(&json!({"role": role, "token": token, "granted": grant}));
    } else if grant {
        println!("granted {role} to {token}");
    } else {
        println!("revoked {role} from {token}");
    }
    Ok(())
}

/// `--input k=v` pairs as a JSON object: a value that parses as JSON is that value, otherwise
/// the text.
pub fn inputs_of(pairs: &[String], json_text: Option<&str>) -> anyhow::Result<Map<String, Value>> {
    let mut map = match json_text {
        None => Map::new(),
        Some(t) => match serde_json::from_str::<Value>(t) {
            Ok(Value::Object(m)) => m,
            _ => bail!("--inputs must be a JSON object"),
        },
    };
    for pair in pairs {
        let Some((k, v)) = pair.split_once('=') else {
            bail!("--input {pair}: expected KEY=VALUE");
        };
        let value = serde_json::from_str::<Value>(v).unwrap_or_else(|_| Value::String(v.into()));
        map.insert(k.to_string(), value);
    }
    Ok(map)
}

/// `plumb models call INTEGRATION TASK`: prints the envelope; fails (exit 1) when the server
/// answered a failure status or no call was made.
pub async fn call(
    client: &ClientArgs,
    integration: &str,
    task: &str,
    inputs: Map<String, Value>,
) -> anyhow::Result<()> {
    let p = client
        .mutate_input(
            "callIntegrationTask",
            "CallIntegrationTaskInput",
            "ok response error",
            json!({
                "integration": integration,
                "task": task,
                "inputs": Value::Object(inputs).to_string(),
            }),
        )
        .await?;
    if let Some(e) = p["error"].as_str() {
        bail!("no call was made: {e}");
    }
    output::json(&p["response"]);
    if p["ok"] != Value::Bool(true) {
        bail!(
            "{} {} answered {} {}",
            output::text(&p["response"], "method"),
            output::text(&p["response"], "url"),
            output::text(&p["response"], "status"),
            output::text(&p["response"], "statusText")
        );
    }
    Ok(())
}
