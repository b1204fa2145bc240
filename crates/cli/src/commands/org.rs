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
        /// Print `{"organizationId": "...", "token": "...", "url": "..."}`.
        #[arg(long)]
        json: bool,
        /// Print only `export PLUMB_URL=... PLUMB_TOKEN=...` lines, for
        /// `eval "$(plumb org create NAME --env)"`.
        #[arg(long, conflicts_with = "json")]
        env: bool,
        /// The running server's URL for the printed `PLUMB_URL` (default: `PLUMB_URL`, else
        /// `PLUMB_PUBLIC_URL`, else `http://` and `PLUMB_LISTEN`, else http://127.0.0.1:8080).
        #[arg(long = "url")]
        url: Option<String>,
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

/// The URL to print for `PLUMB_URL`, and whether it is only the default.
fn server_url(given: Option<String>) -> (String, bool) {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if let Some(u) = given
        .or_else(|| env("PLUMB_URL"))
        .or_else(|| env("PLUMB_PUBLIC_URL"))
    {
        return (u.trim_end_matches('/').to_string(), false);
    }
    match env("PLUMB_LISTEN") {
        Some(l) => (format!("http://{l}"), false),
        None => ("http://127.0.0.1:8080".to_string(), true),
    }
}

/// `text` quoted for a POSIX shell when it holds anything but safe characters.
fn shell_quote(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.:/@%+=,".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// Runs an organization command.
pub async fn run(cmd: OrgCommand) -> anyhow::Result<()> {
    match cmd {
        OrgCommand::Create {
            name,
            db,
            json,
            env,
            url,
        } => {
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
            let (url, guessed) = server_url(url);
            if json {
                output::json(&json!({ "organizationId": org_id, "token": token, "url": url }));
            } else if env {
                eprintln!(
                    "Created organization {name:?} ({org_id}); its admin token is in PLUMB_TOKEN."
                );
                if guessed {
                    eprintln!("PLUMB_URL is the default {url}; if the server listens elsewhere, pass --url or export PLUMB_URL.");
                }
                println!("export PLUMB_URL={}", shell_quote(&url));
                println!("export PLUMB_TOKEN={}", shell_quote(&token));
            } else {
                println!("Created organization {name:?} ({org_id}).");
                println!("Admin API token (shown once; store it safely):\n{token}");
                println!("\nexport PLUMB_URL={url} PLUMB_TOKEN={token}");
                if guessed {
                    println!("(PLUMB_URL is the default; if the server listens elsewhere, use its URL, or pass --url)");
                }
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
