//! `plumb integrations import / export / publish / versions / list / test-config / test`.

use std::path::PathBuf;

use anyhow::{anyhow, Context};
use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::ClientArgs;
use crate::output;
use crate::resolve;

/// Integration commands.
#[derive(Subcommand, Debug)]
pub enum IntegrationsCommand {
    /// Import a definition as a new integration, or as the new draft of `--integration`.
    Import {
        /// The definition (YAML).
        file: PathBuf,
        /// Replace the draft of this integration (global ID or name).
        #[arg(long)]
        integration: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Print an integration's definition (draft or published version).
    Export {
        /// The integration: its (or a version's) global ID, or its name (the draft).
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Publish the draft as a new numbered version.
    Publish {
        /// The integration: global ID or name.
        id: String,
        /// What changed.
        #[arg(long)]
        comment: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List the draft and published versions of the integrations named NAME.
    Versions {
        /// The integration's name.
        name: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List integrations (drafts).
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Set test values of the draft's config vars (`KEY=VALUE`...).
    TestConfig {
        /// The integration: global ID or name.
        id: String,
        /// `KEY=VALUE` pairs.
        values: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Run a flow of the draft now with its test config.
    Test {
        /// The integration: global ID or name.
        id: String,
        /// The flow's name (default: the first).
        #[arg(long)]
        flow: Option<String>,
        /// A file holding the trigger payload.
        #[arg(long)]
        payload: Option<PathBuf>,
        #[command(flatten)]
        client: ClientArgs,
    },
}

const FIELDS: &str = "id name versionNumber isPublished versionComment updatedAt";
const HEADERS: [&str; 5] = ["ID", "NAME", "VERSION", "PUBLISHED", "COMMENT"];

fn rows(nodes: &Value) -> Vec<Vec<String>> {
    nodes
        .as_array()
        .map(|a| {
            a.iter()
                .map(|n| {
                    [
                        "id",
                        "name",
                        "versionNumber",
                        "isPublished",
                        "versionComment",
                    ]
                    .iter()
                    .map(|k| output::text(n, k))
                    .collect()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn show(client: &ClientArgs, v: &Value) {
    if client.json {
        output::json(v);
    } else {
        output::table(&HEADERS, &rows(&json!([v])));
    }
}

/// Runs an integration command.
pub async fn run(cmd: IntegrationsCommand) -> anyhow::Result<()> {
    match cmd {
        IntegrationsCommand::Import {
            file,
            integration,
            client,
        } => {
            let integration = match integration {
                Some(i) => Some(resolve::integration(&client, &i).await?),
                None => None,
            };
            let definition = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let q = format!(
                "mutation($input: ImportIntegrationInput!) {{ importIntegration(input: $input) {{
                   integration {{ {FIELDS} flows {{ nodes {{ id name }} }} }}
                   errors {{ field messages }} }} }}"
            );
            let p = client
                .mutate(
                    "importIntegration",
                    &q,
                    json!({"input": {"definition": definition, "integrationId": integration}}),
                )
                .await?;
            show(&client, &p["integration"]);
        }
        IntegrationsCommand::Export { id, client } => {
            let id = resolve::integration(&client, &id).await?;
            let data = client
                .graphql(
                    "query($id: ID!) { integration(id: $id) { definition } }",
                    json!({ "id": id }),
                )
                .await?;
            print!("{}", output::text(&data["integration"], "definition"));
        }
        IntegrationsCommand::Publish {
            id,
            comment,
            client,
        } => {
            let id = resolve::integration(&client, &id).await?;
            let q = format!(
                "mutation($input: PublishIntegrationInput!) {{ publishIntegration(input: $input) {{
                   integration {{ {FIELDS} }} errors {{ field messages }} }} }}"
            );
            let p = client
                .mutate(
                    "publishIntegration",
                    &q,
                    json!({"input": {"id": id, "comment": comment}}),
                )
                .await?;
            show(&client, &p["integration"]);
        }
        IntegrationsCommand::Versions { name, client } => {
            list(&client, Some(name)).await?;
        }
        IntegrationsCommand::List { client } => {
            list(&client, None).await?;
        }
        IntegrationsCommand::TestConfig { id, values, client } => {
            let id = resolve::integration(&client, &id).await?;
            let mut vars = Vec::new();
            for pair in &values {
                let (k, v) = pair
                    .split_once('=')
                    .filter(|(k, _)| !k.trim().is_empty())
                    .ok_or_else(|| anyhow!("expected KEY=VALUE, got {pair:?}"))?;
                vars.push(json!({"key": k, "value": v}));
            }
            let q = format!(
                "mutation($input: SetTestConfigVariablesInput!) {{
                   setTestConfigVariables(input: $input) {{
                   integration {{ {FIELDS} }} errors {{ field messages }} }} }}"
            );
            let p = client
                .mutate(
                    "setTestConfigVariables",
                    &q,
                    json!({"input": {"integration": id, "configVariables": vars}}),
                )
                .await?;
            if client.json {
                output::json(&p["integration"]);
            } else {
                print_test_config(&client, &id).await?;
            }
        }
        IntegrationsCommand::Test {
            id,
            flow,
            payload,
            client,
        } => {
            let id = resolve::integration(&client, &id).await?;
            let payload = match payload {
                Some(p) => Some(
                    std::fs::read_to_string(&p)
                        .with_context(|| format!("cannot read {}", p.display()))?,
                ),
                None => None,
            };
            let q = "mutation($input: TestIntegrationFlowInput!) {
                   testIntegrationFlow(input: $input) {
                   testIntegrationFlowResult { execution { id status error } }
                   errors { field messages } } }";
            let p = client
                .mutate(
                    "testIntegrationFlow",
                    q,
                    json!({"input": {"id": id, "flow": flow, "payload": payload}}),
                )
                .await?;
            let e = &p["testIntegrationFlowResult"]["execution"];
            if client.json {
                output::json(e);
            } else {
                output::table(
                    &["EXECUTION", "STATUS", "ERROR"],
                    &[vec![
                        output::text(e, "id"),
                        output::text(e, "status"),
                        output::text(e, "error"),
                    ]],
                );
            }
            if e["status"] != "SUCCESS" {
                return Err(anyhow!("the test run failed: {}", output::text(e, "error")));
            }
        }
    }
    Ok(())
}

/// Prints the draft's required config vars with their test values (what a test run uses).
async fn print_test_config(client: &ClientArgs, id: &str) -> anyhow::Result<()> {
    let data = client
        .graphql(
            "query($id: ID!) { integration(id: $id) { requiredConfigVars {
               key dataType defaultValue testValue useScopedConfigVar } } }",
            json!({ "id": id }),
        )
        .await?;
    let rows: Vec<Vec<String>> = data["integration"]["requiredConfigVars"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let value = match (v["testValue"].as_str(), v["useScopedConfigVar"].as_str()) {
                (Some(t), _) => t.to_string(),
                (None, Some(stable)) => format!("(test credentials of connection {stable})"),
                (None, None) => match v["defaultValue"].as_str() {
                    Some(d) => format!("(default) {d}"),
                    None => "(none)".to_string(),
                },
            };
            vec![output::text(v, "key"), output::text(v, "dataType"), value]
        })
        .collect();
    output::table(&["CONFIG VAR", "TYPE", "TEST VALUE"], &rows);
    Ok(())
}

async fn list(client: &ClientArgs, name: Option<String>) -> anyhow::Result<()> {
    let all = name.is_some();
    let q = format!(
        "query($n: String, $a: Boolean) {{ integrations(name: $n, allVersions: $a) {{
           totalCount nodes {{ {FIELDS} }} }} }}"
    );
    let data = client.graphql(&q, json!({"n": name, "a": all})).await?;
    let conn = &data["integrations"];
    if client.json {
        output::json(conn);
    } else {
        output::table(&HEADERS, &rows(&conn["nodes"]));
    }
    Ok(())
}
