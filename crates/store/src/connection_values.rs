//! The values of scoped config variables: sets of input values in *slots* — the global values,
//! the test credentials, and one set per customer. A secret input's value is stored only sealed
//! ([`StoredValue::Sealed`], sealed by [`crate::secrets::Vault`] with the context
//! `(org, set id, input key)`); a non-secret one as plain text.
//!
//! Writes go through [`Store::save_connection`], one transaction for a definition and its values.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use crate::connections::{insert_scoped_var, update_scoped_var_row, ScopedVar};
use crate::orgs::parse_uuid;
use crate::page::{Arg, Where};
use crate::{now_ms, Page, PageRequest, Store, StoreError};

/// Which set of values of a scoped config variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    /// The values every customer shares (all values of an organization-scoped variable).
    Global,
    /// The test credentials, used by test runs.
    Test,
    /// One customer's values.
    Customer(Uuid),
}

impl Slot {
    /// The stored spelling: `global`, `test`, `customer:<uuid>`.
    pub fn as_string(&self) -> String {
        match self {
            Slot::Global => "global".into(),
            Slot::Test => "test".into(),
            Slot::Customer(c) => format!("customer:{c}"),
        }
    }

    /// Parses [`Slot::as_string`].
    pub fn parse(s: &str) -> Option<Slot> {
        match s {
            "global" => Some(Slot::Global),
            "test" => Some(Slot::Test),
            other => other
                .strip_prefix("customer:")
                .and_then(|u| Uuid::parse_str(u).ok())
                .map(Slot::Customer),
        }
    }

    /// The customer of a customer slot.
    pub fn customer(&self) -> Option<Uuid> {
        match self {
            Slot::Customer(c) => Some(*c),
            _ => None,
        }
    }
}

/// One set of values.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueSet {
    /// Its ID (the `CustomerConfigVariable` ID of customer and test sets).
    pub id: Uuid,
    /// Its organization.
    pub org_id: Uuid,
    /// Its scoped config variable.
    pub scoped_id: Uuid,
    /// Its slot.
    pub slot: Slot,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last update (ms).
    pub updated_at: i64,
}

/// A stored input value.
#[derive(Clone, PartialEq)]
pub enum StoredValue {
    /// A non-secret value.
    Plain(String),
    /// A secret value, sealed (see [`crate::secrets::Vault::seal`]).
    Sealed(Vec<u8>),
}

impl std::fmt::Debug for StoredValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoredValue::Plain(v) => f.debug_tuple("Plain").field(v).finish(),
            StoredValue::Sealed(b) => write!(f, "Sealed({} bytes)", b.len()),
        }
    }
}

/// The values of a set, by input key.
pub type StoredValues = BTreeMap<String, StoredValue>;

/// What [`Store::save_connection`] writes, in one transaction.
#[derive(Debug, Default)]
pub struct SaveConnection<'a> {
    /// A new scoped config variable to insert.
    pub create_var: Option<&'a ScopedVar>,
    /// A scoped config variable to update (key, description, manager, input scopes).
    pub update_var: Option<&'a ScopedVar>,
    /// Sets to write: the set (inserted when new), and its input changes (`None` deletes the
    /// input's value).
    pub sets: Vec<(ValueSet, BTreeMap<String, Option<StoredValue>>)>,
}

const COLUMNS: &str = "id, org_id, scoped_id, slot, created_at, updated_at";

fn set_row(row: &AnyRow) -> Result<ValueSet, StoreError> {
    let slot: String = row.try_get("slot")?;
    Ok(ValueSet {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        scoped_id: parse_uuid(row, "scoped_id")?,
        slot: Slot::parse(&slot).ok_or_else(|| StoreError::Corrupt("slot".into()))?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(crate) fn value_row(row: &AnyRow) -> Result<(String, StoredValue), StoreError> {
    let input: String = row.try_get("input")?;
    let sealed: Option<Vec<u8>> = row.try_get("sealed")?;
    let value: Option<String> = row.try_get("value")?;
    let v = match (sealed, value) {
        (Some(s), _) => StoredValue::Sealed(s),
        (None, Some(v)) => StoredValue::Plain(v),
        (None, None) => return Err(StoreError::Corrupt("empty connection value".into())),
    };
    Ok((input, v))
}

impl Store {
    /// Reads a value set by ID.
    pub async fn get_value_set(&self, org_id: Uuid, id: Uuid) -> Result<ValueSet, StoreError> {
        self.fetch_scoped(
            &self.write,
            &format!("SELECT {COLUMNS} FROM connection_value_sets WHERE id = $1 AND org_id = $2"),
            id,
            org_id,
            set_row,
        )
        .await
    }

    /// Reads the set in `slot` of a scoped config variable.
    pub async fn find_value_set(
        &self,
        org_id: Uuid,
        scoped_id: Uuid,
        slot: Slot,
    ) -> Result<Option<ValueSet>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM connection_value_sets
             WHERE org_id = $1 AND scoped_id = $2 AND slot = $3"
        )))
        .bind(org_id.to_string())
        .bind(scoped_id.to_string())
        .bind(slot.as_string())
        .fetch_optional(&self.write)
        .await?;
        row.as_ref().map(set_row).transpose()
    }

    /// Lists customer and test sets, of one scoped variable and/or one customer.
    pub async fn list_value_sets(
        &self,
        org_id: Uuid,
        scoped_id: Option<Uuid>,
        customer_id: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<ValueSet>, StoreError> {
        let mut w = Where::default()
            .and("org_id = ?", [Arg::Text(org_id.to_string())])
            .and("slot <> 'global'", Vec::<Arg>::new());
        if let Some(s) = scoped_id {
            w = w.and("scoped_id = ?", [Arg::Text(s.to_string())]);
        }
        if let Some(c) = customer_id {
            w = w.and("customer_id = ?", [Arg::Text(c.to_string())]);
        }
        self.paginate(COLUMNS, "connection_value_sets", "id", w, page, set_row)
            .await
    }

    /// The stored values of a set.
    pub async fn value_set_values(
        &self,
        org_id: Uuid,
        set_id: Uuid,
    ) -> Result<StoredValues, StoreError> {
        let rows = sqlx::query(
            "SELECT input, value, sealed FROM connection_values WHERE set_id = $1 AND org_id = $2",
        )
        .bind(set_id.to_string())
        .bind(org_id.to_string())
        .fetch_all(&self.write)
        .await?;
        rows.iter().map(value_row).collect()
    }

    /// Writes a definition and/or value sets in one transaction.
    pub async fn save_connection(&self, save: SaveConnection<'_>) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        if let Some(v) = save.create_var {
            insert_scoped_var(&mut tx, v).await?;
        }
        if let Some(v) = save.update_var {
            update_scoped_var_row(&mut tx, v).await?;
        }
        let now = now_ms();
        for (set, changes) in &save.sets {
            sqlx::query(
                "INSERT INTO connection_value_sets
                     (id, org_id, scoped_id, slot, customer_id, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)
                 ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
            )
            .bind(set.id.to_string())
            .bind(set.org_id.to_string())
            .bind(set.scoped_id.to_string())
            .bind(set.slot.as_string())
            .bind(set.slot.customer().map(|c| c.to_string()))
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "slot"))?;
            for (input, value) in changes {
                sqlx::query("DELETE FROM connection_values WHERE set_id = $1 AND input = $2")
                    .bind(set.id.to_string())
                    .bind(input)
                    .execute(&mut *tx)
                    .await?;
                let (plain, sealed) = match value {
                    None => continue,
                    Some(StoredValue::Plain(p)) => (Some(p.clone()), None),
                    Some(StoredValue::Sealed(s)) => (None, Some(s.clone())),
                };
                sqlx::query(
                    "INSERT INTO connection_values (set_id, org_id, input, value, sealed)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(set.id.to_string())
                .bind(set.org_id.to_string())
                .bind(input)
                .bind(plain)
                .bind(sealed)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a value set.
    pub async fn delete_value_set(&self, org_id: Uuid, id: Uuid) -> Result<ValueSet, StoreError> {
        let set = self.get_value_set(org_id, id).await?;
        sqlx::query("DELETE FROM connection_value_sets WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&self.write)
            .await?;
        Ok(set)
    }
}
