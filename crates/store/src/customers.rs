//! Customers of an organization: name, unique external ID, description, labels.

use sqlx::any::AnyRow;
use sqlx::{Acquire, Row};
use uuid::Uuid;

use crate::orgs::parse_uuid;
use crate::page::{Arg, Where};
use crate::{new_id, now_ms, Page, PageRequest, Store, StoreError};

/// A customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    /// Its ID.
    pub id: Uuid,
    /// Its organization.
    pub org_id: Uuid,
    /// Display name.
    pub name: String,
    /// The organization's own ID for it, unique in the organization.
    pub external_id: Option<String>,
    /// Free text.
    pub description: String,
    /// Labels, sorted and unique.
    pub labels: Vec<String>,
    /// Creation time (ms).
    pub created_at: i64,
    /// Last update (ms).
    pub updated_at: i64,
}

/// The fields of a new customer, or the changes to one (`None` keeps the current value).
#[derive(Debug, Clone, Default)]
pub struct CustomerFields {
    /// Display name.
    pub name: Option<String>,
    /// External ID; `Some(None)` clears it.
    pub external_id: Option<Option<String>>,
    /// Description.
    pub description: Option<String>,
    /// Labels (replaces the set).
    pub labels: Option<Vec<String>>,
}

/// Filters of a customer list; each given filter must match.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Only this customer (customer-bound tokens).
    pub id: Option<Uuid>,
    /// Exact external ID.
    pub external_id: Option<String>,
    /// Exact name.
    pub name: Option<String>,
    /// Name contains this text, case-insensitively.
    pub name_contains: Option<String>,
    /// Carries every one of these labels.
    pub labels: Vec<String>,
}

const COLUMNS: &str =
    "c.id, c.org_id, c.name, c.external_id, c.description, c.labels, c.created_at, c.updated_at";

fn from_row(row: &AnyRow) -> Result<Customer, StoreError> {
    let labels: String = row.try_get("labels")?;
    Ok(Customer {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        name: row.try_get("name")?,
        external_id: row.try_get("external_id")?,
        description: row.try_get("description")?,
        labels: serde_json::from_str(&labels).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn normalize(mut labels: Vec<String>) -> Vec<String> {
    labels.iter_mut().for_each(|l| *l = l.trim().to_string());
    labels.retain(|l| !l.is_empty());
    labels.sort();
    labels.dedup();
    labels
}

impl Store {
    /// Creates a customer. A taken external ID is [`StoreError::Conflict`]`("externalId")`.
    pub async fn create_customer(
        &self,
        org_id: Uuid,
        name: &str,
        fields: CustomerFields,
    ) -> Result<Customer, StoreError> {
        let now = now_ms();
        let customer = Customer {
            id: new_id(),
            org_id,
            name: name.to_string(),
            external_id: fields.external_id.flatten(),
            description: fields.description.unwrap_or_default(),
            labels: normalize(fields.labels.unwrap_or_default()),
            created_at: now,
            updated_at: now,
        };
        self.write_customer(&customer, true).await?;
        Ok(customer)
    }

    /// Updates a customer's fields.
    pub async fn update_customer(
        &self,
        org_id: Uuid,
        id: Uuid,
        fields: CustomerFields,
    ) -> Result<Customer, StoreError> {
        let mut c = self.get_customer(org_id, id).await?;
        if let Some(name) = fields.name {
            c.name = name;
        }
        if let Some(ext) = fields.external_id {
            c.external_id = ext;
        }
        if let Some(d) = fields.description {
            c.description = d;
        }
        if let Some(l) = fields.labels {
            c.labels = normalize(l);
        }
        c.updated_at = now_ms();
        self.write_customer(&c, false).await?;
        Ok(c)
    }

    async fn write_customer(&self, c: &Customer, insert: bool) -> Result<(), StoreError> {
        let labels =
            serde_json::to_string(&c.labels).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut conn = self.write.acquire().await?;
        let mut tx = conn.begin().await?;
        let q = if insert {
            sqlx::query(
                "INSERT INTO customers
                 (name, external_id, description, labels, updated_at, id, org_id, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
        } else {
            sqlx::query(
                "UPDATE customers SET name = $1, external_id = $2, description = $3,
                 labels = $4, updated_at = $5 WHERE id = $6 AND org_id = $7",
            )
        };
        let q = q
            .bind(&c.name)
            .bind(c.external_id.clone())
            .bind(&c.description)
            .bind(labels)
            .bind(c.updated_at)
            .bind(c.id.to_string())
            .bind(c.org_id.to_string());
        let q = if insert { q.bind(c.created_at) } else { q };
        q.execute(&mut *tx)
            .await
            .map_err(|e| StoreError::unique(e, "externalId"))?;
        sqlx::query("DELETE FROM customer_labels WHERE customer_id = $1")
            .bind(c.id.to_string())
            .execute(&mut *tx)
            .await?;
        for label in &c.labels {
            sqlx::query("INSERT INTO customer_labels (customer_id, label) VALUES ($1, $2)")
                .bind(c.id.to_string())
                .bind(label)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a customer and everything that belongs to it.
    pub async fn delete_customer(&self, org_id: Uuid, id: Uuid) -> Result<Customer, StoreError> {
        let c = self.get_customer(org_id, id).await?;
        sqlx::query("DELETE FROM customers WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .execute(&self.write)
            .await?;
        Ok(c)
    }

    /// Reads one customer of the organization.
    pub async fn get_customer(&self, org_id: Uuid, id: Uuid) -> Result<Customer, StoreError> {
        self.fetch_scoped(
            &self.read,
            &format!("SELECT {COLUMNS} FROM customers c WHERE c.id = $1 AND c.org_id = $2"),
            id,
            org_id,
            from_row,
        )
        .await
    }

    /// Lists customers matching `filter`, one page at a time.
    pub async fn list_customers(
        &self,
        org_id: Uuid,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>, StoreError> {
        let mut w = Where::default().and("c.org_id = ?", [Arg::Text(org_id.to_string())]);
        if let Some(id) = filter.id {
            w = w.and("c.id = ?", [Arg::Text(id.to_string())]);
        }
        if let Some(e) = &filter.external_id {
            w = w.and("c.external_id = ?", [Arg::Text(e.clone())]);
        }
        if let Some(n) = &filter.name {
            w = w.and("c.name = ?", [Arg::Text(n.clone())]);
        }
        if let Some(n) = &filter.name_contains {
            let pattern = crate::page::contains_pattern(n);
            w = w.and("LOWER(c.name) LIKE ? ESCAPE '\\'", [Arg::Text(pattern)]);
        }
        for label in normalize(filter.labels.clone()) {
            w = w.and(
                "EXISTS (SELECT 1 FROM customer_labels l WHERE l.customer_id = c.id AND l.label = ?)",
                [Arg::Text(label)],
            );
        }
        self.paginate(COLUMNS, "customers c", "c.id", w, page, from_row)
            .await
    }

    /// Whether a customer with this ID belongs to the organization.
    pub async fn customer_exists(&self, org_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT id FROM customers WHERE id = $1 AND org_id = $2")
            .bind(id.to_string())
            .bind(org_id.to_string())
            .fetch_optional(&self.read)
            .await?;
        Ok(row.is_some())
    }
}
