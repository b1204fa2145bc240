//! Scoped config variables: an organization's connection definitions (a connection type, who
//! fills it in, which inputs are global), matched across tenants by their `stable_key`.
//!
//! Their values live in [`crate::connection_values`]; secret values are sealed by
//! [`crate::secrets`].

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use crate::orgs::parse_uuid;
use crate::page::{Arg, Where};
use crate::{now_ms, Page, PageRequest, Store, StoreError};

/// Who shares one set of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VariableScope {
    /// One set of values for the whole organization (an organization credential).
    Org,
    /// Values per customer (with some inputs possibly global).
    Customer,
}

/// Who fills the values in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ManagedBy {
    /// The organization (organization-activated; customers never see it).
    Org,
    /// The customer, through the config wizard (customer-activated).
    Customer,
}

/// Whether an input has one value for every customer or one per customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputScope {
    /// One value shared by every customer; immutable once set.
    Global,
    /// One value per customer.
    Customer,
}

macro_rules! text_enum {
    ($t:ty { $($v:ident = $s:literal),* }) => {
        impl $t {
            /// The API spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            /// Parses the API spelling.
            pub fn parse(s: &str) -> Option<$t> {
                match s { $($s => Some(Self::$v),)* _ => None }
            }
        }
    };
}
text_enum!(VariableScope { Org = "org", Customer = "customer" });
text_enum!(ManagedBy { Org = "org", Customer = "customer" });
text_enum!(InputScope { Global = "global", Customer = "customer" });

/// A scoped config variable (a connection definition).
#[derive(Debug, Clone, PartialEq)]
pub struct ScopedVar {
    /// Its ID.
    pub id: Uuid,
    /// Its organization.
    pub org_id: Uuid,
    /// Its display key.
    pub key: String,
    /// Unique in the organization and immutable: matches definitions across tenants.
    pub stable_key: String,
    /// Free text.
    pub description: String,
    /// Who shares a set of values.
    pub variable_scope: VariableScope,
    /// Who fills it in.
    pub managed_by: ManagedBy,
    /// The connection type's ID ([`plumb_core::connection_types::ConnectionType::id`]).
    pub connection_type: Uuid,
    /// The scope of each input that has one set (inputs not listed are per customer).
    pub input_scopes: BTreeMap<String, InputScope>,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last update (ms).
    pub updated_at: i64,
}

impl ScopedVar {
    /// The scope of `input`: always global for an organization-scoped variable.
    pub fn input_scope(&self, input: &str) -> InputScope {
        if self.variable_scope == VariableScope::Org {
            return InputScope::Global;
        }
        self.input_scopes
            .get(input)
            .copied()
            .unwrap_or(InputScope::Customer)
    }
}

/// Filters of [`Store::list_scoped_vars`].
#[derive(Debug, Clone, Default)]
pub struct ScopedVarFilter {
    /// Exact stable key.
    pub stable_key: Option<String>,
    /// Exact key.
    pub key: Option<String>,
    /// Who manages it.
    pub managed_by: Option<ManagedBy>,
}

/// Changes to a scoped config variable (`None` keeps the current value).
#[derive(Debug, Clone, Default)]
pub struct ScopedVarChanges {
    /// New key.
    pub key: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New manager.
    pub managed_by: Option<ManagedBy>,
    /// New input scopes (replaces the map).
    pub input_scopes: Option<BTreeMap<String, InputScope>>,
}

const COLUMNS: &str = "id, org_id, key, stable_key, description, variable_scope, managed_by, \
     connection_type, input_scopes, created_at, updated_at";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn from_row(row: &AnyRow) -> Result<ScopedVar, StoreError> {
    let scopes: String = row.try_get("input_scopes")?;
    let scopes: BTreeMap<String, String> =
        serde_json::from_str(&scopes).map_err(|_| corrupt("input_scopes"))?;
    let input_scopes = scopes
        .into_iter()
        .map(|(k, v)| {
            Ok((
                k,
                InputScope::parse(&v).ok_or_else(|| corrupt("input scope"))?,
            ))
        })
        .collect::<Result<_, StoreError>>()?;
    let vs: String = row.try_get("variable_scope")?;
    let mb: String = row.try_get("managed_by")?;
    Ok(ScopedVar {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        key: row.try_get("key")?,
        stable_key: row.try_get("stable_key")?,
        description: row.try_get("description")?,
        variable_scope: VariableScope::parse(&vs).ok_or_else(|| corrupt("variable_scope"))?,
        managed_by: ManagedBy::parse(&mb).ok_or_else(|| corrupt("managed_by"))?,
        connection_type: parse_uuid(row, "connection_type")?,
        input_scopes,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(crate) fn scopes_json(scopes: &BTreeMap<String, InputScope>) -> String {
    let map: BTreeMap<&str, &str> = scopes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".to_string())
}

impl Store {
    /// Inserts a scoped config variable; a taken stable key is
    /// [`StoreError::Conflict`]`("stableKey")`.
    pub async fn create_scoped_var(&self, v: &ScopedVar) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        insert_scoped_var(&mut tx, v).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reads a scoped config variable of the organization.
    pub async fn get_scoped_var(&self, org_id: Uuid, id: Uuid) -> Result<ScopedVar, StoreError> {
        self.fetch_scoped(
            &self.write,
            &format!("SELECT {COLUMNS} FROM scoped_config_vars WHERE id = $1 AND org_id = $2"),
            id,
            org_id,
            from_row,
        )
        .await
    }

    /// Reads a scoped config variable by stable key.
    pub async fn find_scoped_var(
        &self,
        org_id: Uuid,
        stable_key: &str,
    ) -> Result<Option<ScopedVar>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM scoped_config_vars WHERE org_id = $1 AND stable_key = $2"
        )))
        .bind(org_id.to_string())
        .bind(stable_key)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Lists scoped config variables matching `filter`.
    pub async fn list_scoped_vars(
        &self,
        org_id: Uuid,
        filter: &ScopedVarFilter,
        page: &PageRequest,
    ) -> Result<Page<ScopedVar>, StoreError> {
        let mut w = Where::default().and("org_id = ?", [Arg::Text(org_id.to_string())]);
        if let Some(s) = &filter.stable_key {
            w = w.and("stable_key = ?", [Arg::Text(s.clone())]);
        }
        if let Some(k) = &filter.key {
            w = w.and("key = ?", [Arg::Text(k.clone())]);
        }
        if let Some(m) = filter.managed_by {
            w = w.and("managed_by = ?", [Arg::Text(m.as_str().to_string())]);
        }
        self.paginate(COLUMNS, "scoped_config_vars", "id", w, page, from_row)
            .await
    }

    /// Changes a scoped config variable's key, description, manager or input scopes (its
    /// stable key, variable scope and connection type never change).
    pub async fn update_scoped_var(
        &self,
        org_id: Uuid,
        id: Uuid,
        changes: ScopedVarChanges,
    ) -> Result<ScopedVar, StoreError> {
        let mut v = self.get_scoped_var(org_id, id).await?;
        if let Some(k) = changes.key {
            v.key = k;
        }
        if let Some(d) = changes.description {
            v.description = d;
        }
        if let Some(m) = changes.managed_by {
            v.managed_by = m;
        }
        if let Some(s) = changes.input_scopes {
            v.input_scopes = s;
        }
        v.updated_at = now_ms();
        let mut tx = self.write.begin().await?;
        update_scoped_var_row(&mut tx, &v).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Deletes a scoped config variable and all its values.
    pub async fn delete_scoped_var(&self, org_id: Uuid, id: Uuid) -> Result<ScopedVar, StoreError> {
        let v = self.get_scoped_var(org_id, id).await?;
        sqlx::query("DELETE FROM scoped_config_vars WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&self.write)
            .await?;
        Ok(v)
    }
}

pub(crate) async fn insert_scoped_var(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    v: &ScopedVar,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO scoped_config_vars (id, org_id, key, stable_key, description, variable_scope,
             managed_by, connection_type, input_scopes, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(v.id.to_string())
    .bind(v.org_id.to_string())
    .bind(&v.key)
    .bind(&v.stable_key)
    .bind(&v.description)
    .bind(v.variable_scope.as_str())
    .bind(v.managed_by.as_str())
    .bind(v.connection_type.to_string())
    .bind(scopes_json(&v.input_scopes))
    .bind(v.created_at)
    .bind(v.updated_at)
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::unique(e, "stableKey"))?;
    Ok(())
}

pub(crate) async fn update_scoped_var_row(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    v: &ScopedVar,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE scoped_config_vars SET key = $1, description = $2, managed_by = $3,
             input_scopes = $4, updated_at = $5 WHERE id = $6 AND org_id = $7",
    )
    .bind(&v.key)
    .bind(&v.description)
    .bind(v.managed_by.as_str())
    .bind(scopes_json(&v.input_scopes))
    .bind(v.updated_at)
    .bind(v.id.to_string())
    .bind(v.org_id.to_string())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
