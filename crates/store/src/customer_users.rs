//! Customer users (table `customer_users`): the people of a customer who sign in through the
//! organization's own app with an embedded JWT, known by the JWT's `sub` within their customer.

use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use crate::orgs::parse_uuid;
use crate::{new_id, now_ms, Store, StoreError};

/// One customer user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerUser {
    /// Its ID.
    pub id: Uuid,
    /// Its organization.
    pub org_id: Uuid,
    /// Its customer.
    pub customer_id: Uuid,
    /// The organization's ID for the user (the JWT's `sub`).
    pub external_id: String,
    /// Its name.
    pub name: String,
    /// Its email (users the organization added).
    pub email: Option<String>,
    /// `admin` or `user` (the JWT's `role`).
    pub role: String,
    /// First sign-in (ms).
    pub created_at: i64,
    /// Last change (ms).
    pub updated_at: i64,
}

const COLUMNS: &str =
    "id, org_id, customer_id, external_id, name, email, role, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<CustomerUser, StoreError> {
    Ok(CustomerUser {
        id: parse_uuid(row, "id")?,
        org_id: parse_uuid(row, "org_id")?,
        customer_id: parse_uuid(row, "customer_id")?,
        external_id: row.try_get("external_id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        role: row.try_get("role")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// The customer user `external_id` of a customer of the organization, if known.
    pub async fn find_customer_user(
        &self,
        org_id: Uuid,
        customer_id: Uuid,
        external_id: &str,
    ) -> Result<Option<CustomerUser>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM customer_users
             WHERE org_id = $1 AND customer_id = $2 AND external_id = $3"
        )))
        .bind(org_id.to_string())
        .bind(customer_id.to_string())
        .bind(external_id)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Records a customer user's sign-in: creates it, or updates its name and role.
    pub async fn upsert_customer_user(
        &self,
        org_id: Uuid,
        customer_id: Uuid,
        external_id: &str,
        name: &str,
        role: &str,
    ) -> Result<CustomerUser, StoreError> {
        let now = now_ms();
        if let Some(mut user) = self
            .find_customer_user(org_id, customer_id, external_id)
            .await?
        {
            if user.name != name || user.role != role {
                sqlx::query(
                    "UPDATE customer_users SET name = $1, role = $2, updated_at = $3
                     WHERE id = $4 AND org_id = $5",
                )
                .bind(name)
                .bind(role)
                .bind(now)
                .bind(user.id.to_string())
                .bind(org_id.to_string())
                .execute(&self.write)
                .await?;
                user.name = name.to_string();
                user.role = role.to_string();
                user.updated_at = now;
            }
            return Ok(user);
        }
        let user = CustomerUser {
            id: new_id(),
            org_id,
            customer_id,
            external_id: external_id.to_string(),
            name: name.to_string(),
            email: None,
            role: role.to_string(),
            created_at: now,
            updated_at: now,
        };
        let done = sqlx::query(
            "INSERT INTO customer_users
                 (id, org_id, customer_id, external_id, name, role, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(user.id.to_string())
        .bind(org_id.to_string())
        .bind(customer_id.to_string())
        .bind(external_id)
        .bind(name)
        .bind(role)
        .bind(now)
        .bind(now)
        .execute(&self.write)
        .await;
        match done {
            Ok(_) => Ok(user),
            // Signed in twice at once: the other sign-in created it.
            Err(e) => match self
                .find_customer_user(org_id, customer_id, external_id)
                .await?
            {
                Some(u) => Ok(u),
                None => Err(e.into()),
            },
        }
    }

    /// A customer user of the organization by ID.
    pub async fn get_customer_user(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<CustomerUser, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM customer_users WHERE org_id = $1 AND id = $2"
        )))
        .bind(org_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// The users of a customer of the organization, oldest first.
    pub async fn list_customer_users(
        &self,
        org_id: Uuid,
        customer_id: Uuid,
    ) -> Result<Vec<CustomerUser>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM customer_users WHERE org_id = $1 AND customer_id = $2 ORDER BY id"
        )))
        .bind(org_id.to_string())
        .bind(customer_id.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Adds a user to a customer (its email is its external ID); `Conflict` when the customer
    /// already has a user with that external ID.
    pub async fn create_customer_user(
        &self,
        org_id: Uuid,
        customer_id: Uuid,
        email: &str,
        name: &str,
        role: &str,
    ) -> Result<CustomerUser, StoreError> {
        let now = now_ms();
        let user = CustomerUser {
            id: new_id(),
            org_id,
            customer_id,
            external_id: email.to_string(),
            name: name.to_string(),
            email: Some(email.to_string()),
            role: role.to_string(),
            created_at: now,
            updated_at: now,
        };
        sqlx::query(
            "INSERT INTO customer_users
                 (id, org_id, customer_id, external_id, name, email, role, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(user.id.to_string())
        .bind(org_id.to_string())
        .bind(customer_id.to_string())
        .bind(email)
        .bind(name)
        .bind(email)
        .bind(role)
        .bind(now)
        .bind(now)
        .execute(&self.write)
        .await
        .map_err(|e| StoreError::unique(e, "a user with this email"))?;
        Ok(user)
    }

    /// Deletes a customer user of the organization; answers it.
    pub async fn delete_customer_user(
        &self,
        org_id: Uuid,
        id: Uuid,
    ) -> Result<CustomerUser, StoreError> {
        let user = self.get_customer_user(org_id, id).await?;
        sqlx::query("DELETE FROM customer_users WHERE org_id = $1 AND id = $2")
            .bind(org_id.to_string())
            .bind(id.to_string())
            .execute(&self.write)
            .await?;
        Ok(user)
    }
}
