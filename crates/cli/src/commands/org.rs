//! `plumb org create NAME [--json]`: works directly on the database and prints an admin token once.

use anyhow::Context;
use clap::Subcommand;
use plumb_store::tokens::Role;
use plumb_store::Store;
use serde_json::json;

use crate::output;
use crate::DbArgs;

/// Organization commands.
#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an organization and print an admin API token (shown once, never stored).
    Create {
        /// The organization's name.
        name: String,
        #[command(flatten)]
        db: DbArgs,
        /// Print `{"organizationId": "...", "token": "..."}`.
        #[arg(long)]
        json: bool,
    },
    /// List organizations.
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an organization command.
pub async fn run(cmd: OrgCommand) -> anyhow::Result<()> {
    match cmd {
        OrgCommand::Create { name, db, json } => {
            let name = name.trim();
            anyhow::ensure!(!name.is_empty(), "the organization name must not be empty");
            let store = Store::open(&db.database_url)
                .await
                .context("opening the database")?;
            let org = store.create_org(name).await?;
            let (_, token) = store
                .create_token(org.id, "initial admin token", &[Role::Admin], None)
                .await?;
            let org_id = plumb_core::id::encode("Organization", org.id);
            if json {
                output::json(&json!({ "organizationId": org_id, "token": token }));
            } else {
                println!("Created organization {name:?} ({org_id}).");
                println!("Admin API token (shown once; store it safely):\n{token}");
                println!("\nexport PLUMB_URL=http://127.0.0.1:8080 PLUMB_TOKEN={token}");
            }
            store.close().await;
            Ok(())
        }
        OrgCommand::List { db, json } => {
            let store = Store::open(&db.database_url)
                .await
                .context("opening the database")?;
            let orgs = store.list_orgs().await?;
            let rows: Vec<serde_json::Value> = orgs
                .iter()
                .map(|o| {
                    json!({
                        "id": plumb_core::id::encode("Organization", o.id),
                        "name": o.name,
                        "createdAt": plumb_store::to_datetime(o.created_at).to_rfc3339(),
                    })
                })
                .collect();
            if json {
                output::json(&json!(rows));
            } else {
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        vec![
                            output::text(r, "id"),
                            output::text(r, "name"),
                            output::text(r, "createdAt"),
                        ]
                    })
                    .collect();
                output::table(&["ID", "NAME", "CREATED"], &table);
            }
            store.close().await;
            Ok(())
        }
    }
}
