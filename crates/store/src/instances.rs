//! Instances: a published integration version deployed to one customer. An instance holds one
//! binding per config var ([`Binding`]), one [`FlowConfig`] per flow (its webhook address, its
//! endpoint security and API key hashes) and, once deployed, the schedules of its scheduled
//! flows (module `schedules`).

use sqlx::any::AnyRow;
use sqlx::{Acquire, AssertSqlSafe, Row};
use uuid::Uuid;

use crate::orgs::{parse_opt_uuid, parse_uuid};
use crate::page::{Arg, Where};
use crate::{new_id, now_ms, Page, PageRequest, Store, StoreError};

mod deploy;

pub use deploy::Deployment;

/// An instance row.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Its ID.
    pub id: Uuid,
    /// The organization.
    pub org_id: Uuid,
    /// The customer it is deployed to.
    pub customer_id: Uuid,
    /// The integration (its draft's ID).
    pub integration_id: Uuid,
    /// The published version it runs.
    pub integration_version_id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Whether triggers run it.
    pub enabled: bool,
    /// When it was last deployed (ms); `None` until `deployInstance`.
    pub deployed_at: Option<i64>,
    /// The worker group its executions run on (`None`: the default group).
    pub worker_group: Option<String>,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
}

/// How a config var of an instance gets its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BindingKind {
    /// A literal value.
    Value,
    /// A connection's own inputs (sealed JSON object).
    Values,
    /// A config var of the instance's customer.
    Customer,
    /// A config var of the organization.
    Org,
    /// A scoped config variable (an organization credential or an organization-activated
    /// connection).
    Scoped,
}

impl BindingKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BindingKind::Value => "value",
            BindingKind::Values => "values",
            BindingKind::Customer => "customer",
            BindingKind::Org => "org",
            BindingKind::Scoped => "scoped",
        }
    }

    fn parse(s: &str) -> Result<BindingKind, StoreError> {
        Ok(match s {
            "value" => BindingKind::Value,
            "values" => BindingKind::Values,
            "customer" => BindingKind::Customer,
            "org" => BindingKind::Org,
            "scoped" => BindingKind::Scoped,
            other => return Err(StoreError::Corrupt(format!("binding kind {other:?}"))),
        })
    }
}

/// One config var binding of an instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// Its ID. A `Values` binding's sealed inputs are bound to it, so the store keeps an ID
    /// given to it; [`Uuid::nil`] lets the store choose one.
    pub id: Uuid,
    /// The config var's key.
    pub key: String,
    /// How it is bound.
    pub kind: BindingKind,
    /// The literal (`Value`).
    pub value: Option<String>,
    /// The sealed connection inputs (`Values`), as produced by the vault.
    pub sealed_values: Option<String>,
    /// The referenced row (`Customer`, `Org`, `Scoped`).
    pub ref_id: Option<Uuid>,
}

impl Binding {
    /// A binding of `key` with no value yet (fill one of the fields).
    pub fn new(key: &str, kind: BindingKind) -> Binding {
        Binding {
            id: Uuid::nil(),
            key: key.to_string(),
            kind,
            value: None,
            sealed_values: None,
            ref_id: None,
        }
    }
}

/// The per-flow configuration of an instance. Its ID is the webhook address
/// (`/trigger/{global ID}`).
#[derive(Debug, Clone, PartialEq)]
pub struct FlowConfig {
    /// Its ID.
    pub id: Uuid,
    /// The organization.
    pub org_id: Uuid,
    /// The instance.
    pub instance_id: Uuid,
    /// The flow's name.
    pub flow_name: String,
    /// `unsecured`, `customer_optional` or `customer_required`.
    pub security: String,
    /// SHA-256 hex hashes of the flow's API keys.
    pub api_key_hashes: Vec<String>,
}

/// A flow of a new instance (or of the version an instance moves to).
#[derive(Debug, Clone, PartialEq)]
pub struct NewFlowConfig {
    /// The flow's name.
    pub flow_name: String,
    /// Its endpoint security.
    pub security: String,
}

/// The fields of a new instance.
#[derive(Debug, Clone)]
pub struct NewInstance {
    /// The customer.
    pub customer_id: Uuid,
    /// The integration (draft ID).
    pub integration_id: Uuid,
    /// The published version.
    pub integration_version_id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Worker group pin.
    pub worker_group: Option<String>,
    /// One per flow of the version.
    pub flows: Vec<NewFlowConfig>,
    /// Config var bindings.
    pub bindings: Vec<Binding>,
}

/// Changes to an instance; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct InstanceChanges {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// Enable or disable.
    pub enabled: Option<bool>,
    /// New worker group (`Some(None)` clears the pin).
    pub worker_group: Option<Option<String>>,
    /// Move to another published version with these flows: flow configs of flows that keep
    /// their name keep their ID (and so their webhook URL); others are added or removed.
    pub version: Option<(Uuid, Vec<NewFlowConfig>)>,
}

/// Filters of an instance list.
#[derive(Debug, Clone, Default)]
pub struct InstanceFilter {
    /// Only this customer's instances.
    pub customer_id: Option<Uuid>,
    /// Only instances of this integration.
    pub integration_id: Option<Uuid>,
    /// Only enabled (true) or disabled (false) instances.
    pub enabled: Option<bool>,
}

/// The field a `Values` binding's inputs are sealed under, with the binding's ID as the record
/// (`Vault::seal(org, binding.id, VALUES_SEAL_FIELD, ...)`); key rotation reseals them.
pub const VALUES_SEAL_FIELD: &str = "values";

const COLUMNS: &str = "i.id, i.org_id, i.customer_id, i.integration_id, \
     i.integration_version_id, i.name, i.description, i.enabled, i.deployed_at, i.worker_group, \
     i.created_at, i.updated_at";

fn from_row(row: &AnyRow) -> Result<Instance, StoreError> {
    let enabled: i64 = row.try_get("enabled")?;
    Ok(Instance {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        customer_id: parse_uuid(row, "customer_id")?,
        integration_id: parse_uuid(row, "integration_id")?,
        integration_version_id: parse_uuid(row, "integration_version_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        enabled: enabled != 0,
        deployed_at: row.try_get("deployed_at")?,
        worker_group: row.try_get("worker_group")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const FLOW_COLUMNS: &str = "f.id, f.org_id, f.instance_id, f.flow_name, f.security, \
     f.api_key_hashes";

fn flow_from_row(row: &AnyRow) -> Result<FlowConfig, StoreError> {
    let hashes: String = row.try_get("api_key_hashes")?;
    Ok(FlowConfig {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        instance_id: parse_uuid(row, "instance_id")?,
        flow_name: row.try_get("flow_name")?,
        security: row.try_get("security")?,
        api_key_hashes: serde_json::from_str(&hashes)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

fn binding_from_row(row: &AnyRow) -> Result<Binding, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(Binding {
        id: parse_uuid(row, "id")?,
        key: row.try_get("key")?,
        kind: BindingKind::parse(&kind)?,
        value: row.try_get("value")?,
        sealed_values: row.try_get("sealed_values")?,
        ref_id: parse_opt_uuid(row, "ref_id")?,
    })
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// The ID a binding is stored under: its own when it has one (the sealed inputs of a `Values`
/// binding open only under the ID they were sealed with), else a new one.
fn binding_id(b: &Binding) -> Uuid {
    if b.id.is_nil() {
        new_id()
    } else {
        b.id
    }
}

async fn insert_binding(
    tx: &mut Tx<'_>,
    org_id: Uuid,
    instance_id: Uuid,
    b: &Binding,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO instance_config_vars (id, org_id, instance_id, key, kind, value,
         sealed_values, ref_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(binding_id(b).to_string())
    .bind(org_id.to_string())
    .bind(instance_id.to_string())
    .bind(&b.key)
    .bind(b.kind.as_str())
    .bind(b.value.clone())
    .bind(b.sealed_values.clone())
    .bind(b.ref_id.map(|u| u.to_string()))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_flow(
    tx: &mut Tx<'_>,
    org_id: Uuid,
    instance_id: Uuid,
    f: &NewFlowConfig,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO instance_flow_configs (id, org_id, instance_id, flow_name, security)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(new_id().to_string())
    .bind(org_id.to_string())
    .bind(instance_id.to_string())
    .bind(&f.flow_name)
    .bind(&f.security)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Creates an instance with its bindings and flow configs, in one transaction.
    pub async fn create_instance(
        &self,
        org_id: Uuid,
        new: NewInstance,
    ) -> Result<Instance, StoreError> {
        let id = new_id();
        let now = now_ms();
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        sqlx::query(
            "INSERT INTO instances (id, org_id, customer_id, integration_id,
             integration_version_id, name, description, enabled, worker_group, created_at,
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(new.customer_id.to_string())
        .bind(new.integration_id.to_string())
        .bind(new.integration_version_id.to_string())
        .bind(&new.name)
        .bind(&new.description)
        .bind(new.worker_group.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for b in &new.bindings {
            insert_binding(&mut tx, org_id, id, b, now).await?;
        }
        for f in &new.flows {
            insert_flow(&mut tx, org_id, id, f).await?;
        }
        tx.commit().await?;
        drop(conn);
        self.get_instance(org_id, id).await
    }

    /// Reads one instance of the organization.
    pub async fn get_instance(&self, org_id: Uuid, id: Uuid) -> Result<Instance, StoreError> {
        self.fetch_scoped(
            &self.read,
            &format!("SELECT {COLUMNS} FROM instances i WHERE i.id = $1 AND i.org_id = $2"),
            id,
            org_id,
            from_row,
        )
        .await
    }

    /// Lists instances matching `filter`, oldest first.
    pub async fn list_instances(
        &self,
        org_id: Uuid,
        filter: &InstanceFilter,
        page: &PageRequest,
    ) -> Result<Page<Instance>, StoreError> {
        let mut w = Where::default().and("i.org_id = ?", [Arg::Text(org_id.to_string())]);
        if let Some(c) = filter.customer_id {
            w = w.and("i.customer_id = ?", [Arg::Text(c.to_string())]);
        }
        if let Some(i) = filter.integration_id {
            w = w.and("i.integration_id = ?", [Arg::Text(i.to_string())]);
        }
        if let Some(e) = filter.enabled {
            // A constant, not input: safe to inline.
            w = w.and(if e { "i.enabled = 1" } else { "i.enabled = 0" }, []);
        }
        self.paginate(COLUMNS, "instances i", "i.id", w, page, from_row)
            .await
    }

    /// Applies `changes` to an instance, in one transaction; answers the changed instance.
    pub async fn update_instance(
        &self,
        org_id: Uuid,
        id: Uuid,
        changes: InstanceChanges,
    ) -> Result<Instance, StoreError> {
        let current = self.get_instance(org_id, id).await?;
        let now = now_ms();
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let version = changes
            .version
            .as_ref()
            .map(|(v, _)| *v)
            .unwrap_or(current.integration_version_id);
        let worker_group = match changes.worker_group {
            Some(g) => g,
            None => current.worker_group.clone(),
        };
        sqlx::query(
            "UPDATE instances SET name = $1, description = $2, enabled = $3,
             integration_version_id = $4, worker_group = $5, updated_at = $6
             WHERE id = $7 AND org_id = $8",
        )
        .bind(changes.name.unwrap_or(current.name))
        .bind(changes.description.unwrap_or(current.description))
        .bind(i64::from(changes.enabled.unwrap_or(current.enabled)))
        .bind(version.to_string())
        .bind(worker_group)
        .bind(now)
        .bind(id.to_string())
        .bind(org_id.to_string())
        .execute(&mut *tx)
        .await?;
        if let Some((_, flows)) = &changes.version {
            let rows = sqlx::query(AssertSqlSafe(format!(
                "SELECT {FLOW_COLUMNS} FROM instance_flow_configs f WHERE f.instance_id = $1"
            )))
            .bind(id.to_string())
            .fetch_all(&mut *tx)
            .await?;
            let existing = rows
                .iter()
                .map(flow_from_row)
                .collect::<Result<Vec<_>, _>>()?;
            for old in &existing {
                match flows.iter().find(|f| f.flow_name == old.flow_name) {
                    Some(f) => {
                        sqlx::query("UPDATE instance_flow_configs SET security = $1 WHERE id = $2")
                            .bind(&f.security)
                            .bind(old.id.to_string())
                            .execute(&mut *tx)
                            .await?;
                    }
                    None => {
                        sqlx::query("DELETE FROM instance_flow_configs WHERE id = $1")
                            .bind(old.id.to_string())
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            for f in flows {
                if !existing.iter().any(|e| e.flow_name == f.flow_name) {
                    insert_flow(&mut tx, org_id, id, f).await?;
                }
            }
        }
        tx.commit().await?;
        drop(conn);
        self.get_instance(org_id, id).await
    }

    /// Records a deployment (now) of an instance.
    pub async fn mark_instance_deployed(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<Instance, StoreError> {
        let done = sqlx::query(
            "UPDATE instances SET deployed_at = $1, updated_at = $1 WHERE id = $2 AND org_id = $3",
        )
        .bind(now_ms())
        .bind(id.to_string())
        .bind(org_id.to_string())
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_instance(org_id, id).await
    }

    /// Deletes an instance (its bindings, flow configs, schedules and state go with it; its
    /// executions stay in the history).
    pub async fn delete_instance(&self, org_id: Uuid, id: Uuid) -> Result<Instance, StoreError> {
        let instance = self.get_instance(org_id, id).await?;
        sqlx::query("DELETE FROM instances WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&self.write)
            .await?;
        Ok(instance)
    }

    /// The config var bindings of an instance, by key.
    pub async fn instance_bindings(
        &self,
        org_id: Uuid,
        instance_id: Uuid,
    ) -> Result<Vec<Binding>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, key, kind, value, sealed_values, ref_id FROM instance_config_vars
             WHERE instance_id = $1 AND org_id = $2 ORDER BY key",
        )
        .bind(instance_id.to_string())
        .bind(org_id.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(binding_from_row).collect()
    }

    /// Sets bindings of an instance (replacing those of the same keys) and removes the bindings
    /// of `remove`, in one transaction.
    pub async fn set_instance_bindings(
        &self,
        org_id: Uuid,
        instance_id: Uuid,
        bindings: &[Binding],
        remove: &[String],
    ) -> Result<(), StoreError> {
        self.get_instance(org_id, instance_id).await?;
        let now = now_ms();
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        for key in bindings.iter().map(|b| &b.key).chain(remove) {
            sqlx::query("DELETE FROM instance_config_vars WHERE instance_id = $1 AND key = $2")
                .bind(instance_id.to_string())
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        for b in bindings {
            insert_binding(&mut tx, org_id, instance_id, b, now).await?;
        }
        sqlx::query("UPDATE instances SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(instance_id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The flow configs of an instance, in creation order.
    pub async fn instance_flow_configs(
        &self,
        org_id: Uuid,
        instance_id: Uuid,
    ) -> Result<Vec<FlowConfig>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {FLOW_COLUMNS} FROM instance_flow_configs f
             WHERE f.instance_id = $1 AND f.org_id = $2 ORDER BY f.id"
        )))
        .bind(instance_id.to_string())
        .bind(org_id.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(flow_from_row).collect()
    }

    /// Reads one flow config of the organization.
    pub async fn get_flow_config(&self, org_id: Uuid, id: Uuid) -> Result<FlowConfig, StoreError> {
        self.fetch_scoped(
            &self.read,
            &format!(
                "SELECT {FLOW_COLUMNS} FROM instance_flow_configs f
                 WHERE f.id = $1 AND f.org_id = $2"
            ),
            id,
            org_id,
            flow_from_row,
        )
        .await
    }

    /// A flow config and its instance by the flow config's ID alone: what a webhook call
    /// knows (the ID is the unguessable address).
    pub async fn flow_config_for_trigger(
        &self,
        id: Uuid,
    ) -> Result<(FlowConfig, Instance), StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {FLOW_COLUMNS} FROM instance_flow_configs f WHERE f.id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        let flow = flow_from_row(&row)?;
        let instance = self.get_instance(flow.org_id, flow.instance_id).await?;
        Ok((flow, instance))
    }

    /// Replaces the API key hashes of a flow config.
    pub async fn set_flow_api_keys(
        &self,
        org_id: Uuid,
        id: Uuid,
        hashes: &[String],
    ) -> Result<FlowConfig, StoreError> {
        let text = serde_json::to_string(hashes).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let done = sqlx::query(
            "UPDATE instance_flow_configs SET api_key_hashes = $1 WHERE id = $2 AND org_id = $3",
        )
        .bind(text)
        .bind(id.to_string())
        .bind(org_id.to_string())
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_flow_config(org_id, id).await
    }

    /// Reads a value persisted by an instance (`scope` is `""` for instance-wide values, or a
    /// flow's name).
    pub async fn get_instance_state(
        &self,
        instance_id: Uuid,
        scope: &str,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT value FROM instance_state WHERE instance_id = $1 AND scope = $2 AND key = $3",
        )
        .bind(instance_id.to_string())
        .bind(scope)
        .bind(key)
        .fetch_optional(&self.write)
        .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("value")?),
            None => None,
        })
    }

    /// Saves (`Some`) or removes (`None`) a value persisted by an instance.
    pub async fn set_instance_state(
        &self,
        instance_id: Uuid,
        scope: &str,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        sqlx::query(
            "DELETE FROM instance_state WHERE instance_id = $1 AND scope = $2 AND key = $3",
        )
        .bind(instance_id.to_string())
        .bind(scope)
        .bind(key)
        .execute(&mut *tx)
        .await?;
        if let Some(v) = value {
            sqlx::query(
                "INSERT INTO instance_state (instance_id, scope, key, value, updated_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(instance_id.to_string())
            .bind(scope)
            .bind(key)
            .bind(v)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
