//! `plumb tokens create / list / revoke` (admin role).

use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::ClientArgs;
use crate::output;

/// Token commands.
#[derive(Subcommand, Debug)]
pub enum TokensCommand {
    /// Create a token and print its secret once (alone on standard output).
    Create {
        /// A name to recognize it by.
        #[arg(long)]
        name: String,
        /// A role (repeatable): admin, designer, deployer, viewer.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Bind the token to one customer (global ID, external ID or name).
        #[arg(long)]
        customer: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Revoke a token: it stops working at once.
    Revoke {
        /// The token's global ID.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

const FIELDS: &str = "id name roles customer createdAt revokedAt";

fn row(t: &Value) -> Vec<String> {
    ["id", "name", "roles", "customer", "createdAt", "revokedAt"]
        .iter()
        .map(|k| output::text(t, k))
        .collect()
}

const HEADERS: [&str; 6] = ["ID", "NAME", "ROLES", "CUSTOMER", "CREATED", "REVOKED"];

/// Runs a token command.
pub async fn run(cmd: TokensCommand) -> anyhow::Result<()> {
    match cmd {
        TokensCommand::Create {
            name,
            roles,
            customer,
            client,
        } => {
            let customer = match customer {
                Some(c) => Some(crate::resolve::customer(&client, &c).await?),
                None => None,
            };
            let selection = format!("apiToken {{ {FIELDS} }} token");
            let p = client
                .mutate_input(
                    "createApiToken",
                    "CreateApiTokenInput",
                    &selection,
                    json!({ "name": name, "roles": roles, "customer": customer }),
                )
                .await?;
            if client.json {
                output::json(&p);
            } else {
                // The secret alone on standard output (`TOKEN=$(plumb tokens create ..)`), what
                // it is on standard error.
                let t = &p["apiToken"];
                eprintln!(
                    "created token {:?} ({}), roles {}; its secret is shown only once:",
                    output::text(t, "name"),
                    output::text(t, "id"),
                    output::text(t, "roles")
                );
                println!("{}", output::text(&p, "token"));
            }
        }
        TokensCommand::List { client } => {
            let q = format!("{{ apiTokens {{ nodes {{ {FIELDS} }} }} }}");
            let data = client.graphql(&q, json!({})).await?;
            let nodes = &data["apiTokens"]["nodes"];
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
        TokensCommand::Revoke { id, client } => {
            let selection = format!("apiToken {{ {FIELDS} }}");
            let p = client
                .mutate_input(
                    "revokeApiToken",
                    "RevokeApiTokenInput",
                    &selection,
                    json!({ "id": id }),
                )
                .await?;
            if client.json {
                output::json(&p["apiToken"]);
            } else {
                println!("revoked {}", output::text(&p["apiToken"], "id"));
            }
        }
    }
    Ok(())
}
