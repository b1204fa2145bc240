//! `plumb keys rotate-master` and `plumb keys rotate --org ID`: key rotation, working directly
//! on the database (operator commands, like `plumb org create`).

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Subcommand;
use plumb_store::secrets::{rotate_master, Vault};
use plumb_store::Store;
use plumb_vault::{MasterKey, VaultError};

use crate::serve::check_master_key;
use crate::DbArgs;

/// The current master key's location (as for `plumb serve`).
#[derive(clap::Args, Debug, Clone)]
pub struct MasterKeyArgs {
    /// The current master key file. `PLUMB_MASTER_KEY` (base64) takes precedence when set.
    #[arg(
        long,
        env = "PLUMB_MASTER_KEY_FILE",
        default_value = "plumb-data/master.key"
    )]
    pub master_key_file: PathBuf,
}

/// Key rotation commands.
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Re-wrap every organization's data keys under a new master key, in one transaction.
    ///
    /// Secret values are not re-encrypted (their data keys do not change), so this is quick and
    /// running servers keep working with the data keys they have already unwrapped.
    ///
    /// Steps:
    ///   1. plumb keys rotate-master --new-key-file plumb-data/master.key.new
    ///      (the new file is generated, mode 0600, when it does not exist)
    ///   2. mv plumb-data/master.key plumb-data/master.key.old
    ///      mv plumb-data/master.key.new plumb-data/master.key
    ///      (or point PLUMB_MASTER_KEY / --master-key-file at the new key)
    ///   3. restart each `plumb serve` / `plumb worker`; a process still on the old key
    ///      refuses to start (and to create new data keys) with a clear error.
    ///   4. keep the old key file until every process runs with the new one, then destroy it.
    #[command(name = "rotate-master", verbatim_doc_comment)]
    RotateMaster {
        /// Where the new master key is (created when missing).
        #[arg(long)]
        new_key_file: PathBuf,
        #[command(flatten)]
        key: MasterKeyArgs,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Add a new data key version for one organization and re-encrypt its secret values with it.
    Rotate {
        /// The organization (global ID or UUID).
        #[arg(long)]
        org: String,
        #[command(flatten)]
        key: MasterKeyArgs,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn parse_org(text: &str) -> anyhow::Result<uuid::Uuid> {
    let text = text.trim();
    if let Ok(u) = uuid::Uuid::parse_str(text) {
        return Ok(u);
    }
    plumb_core::id::decode("Organization", text)
        .map_err(|_| anyhow::anyhow!("{text:?} is not an organization ID"))
}

/// Runs a key command.
pub async fn run(cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::RotateMaster {
            new_key_file,
            key,
            db,
        } => {
            let store = Store::open(&db.database_url)
                .await
                .context("opening the database")?;
            let old = check_master_key(&store, &key.master_key_file).await?;
            let new = match MasterKey::load(&new_key_file) {
                Ok(k) => k,
                Err(VaultError::KeyFileMissing { .. }) => {
                    let k = MasterKey::generate()?;
                    k.write_new(&new_key_file)?;
                    k
                }
                Err(e) => return Err(e.into()),
            };
            if new.id() == old.id() {
                bail!("the new master key is the current one");
            }
            let count = rotate_master(&store, &old, &new)
                .await
                .context("re-wrapping the data keys (nothing was changed)")?;
            println!(
                "Re-wrapped {count} data key(s) from master key {} to {}.",
                old.id(),
                new.id()
            );
            println!(
                "Now replace {} with {} and restart every plumb process.",
                key.master_key_file.display(),
                new_key_file.display()
            );
            store.close().await;
            Ok(())
        }
        KeysCommand::Rotate { org, key, db } => {
            let org = parse_org(&org)?;
            let store = Store::open(&db.database_url)
                .await
                .context("opening the database")?;
            let master = check_master_key(&store, &key.master_key_file).await?;
            store.get_org(org).await.context("organization not found")?;
            let vault = Vault::new(store.clone(), master);
            let (version, resealed) = vault.rotate_org(org).await?;
            println!(
                "Organization {org}: data key version {version}; re-encrypted {resealed} secret value(s)."
            );
            store.close().await;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_ids() {
        let u = uuid::Uuid::new_v4();
        assert_eq!(parse_org(&u.to_string()).unwrap(), u);
        assert_eq!(
            parse_org(&plumb_core::id::encode("Organization", u)).unwrap(),
            u
        );
        assert!(parse_org("nope").is_err());
    }
}
