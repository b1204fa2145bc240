//! Customers: listing, reading, creating, changing and deleting them.
//!
//! Rules: every caller reads customers, a customer-bound caller only its own (another is "not
//! found"); only organization callers holding the deployer role (or admin) create, change or
//! delete them. A name is required (at most 255 characters, trimmed), an external ID is unique in
//! the organization (at most 255 characters; empty clears it), each label at most 100
//! characters. Invalid input names its field and changes nothing.

use plumb_store::customers::{Customer, CustomerFields, CustomerFilter};
use plumb_store::tokens::Role;
use plumb_store::StoreError;
use plumb_store::{Page, PageRequest};
use uuid::Uuid;

use crate::{Caller, FieldErrors, ServiceError, Services};

/// What a new customer is made of.
#[derive(Debug, Clone, Default)]
pub struct NewCustomer {
    /// Display name (required).
    pub name: String,
    /// The organization's own ID for the customer (empty = none).
    pub external_id: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Labels.
    pub labels: Option<Vec<String>>,
}

/// Changes to a customer; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct CustomerChanges {
    /// New name.
    pub name: Option<String>,
    /// New external ID (empty clears it).
    pub external_id: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New labels (replace the set).
    pub labels: Option<Vec<String>>,
}

/// Which customers a list shows; each given filter must match.
#[derive(Debug, Clone, Default)]
pub struct CustomerQuery {
    /// Exact external ID.
    pub external_id: Option<String>,
    /// Exact name.
    pub name: Option<String>,
    /// Name contains this text, case-insensitively.
    pub name_contains: Option<String>,
    /// Carries every one of these labels.
    pub labels: Vec<String>,
}

/// Most characters of a name or external ID.
pub const MAX_NAME: usize = 255;
/// Most characters of one label.
pub const MAX_LABEL: usize = 100;
/// Most labels on one customer.
pub const MAX_LABELS: usize = 100;
/// Most characters of a description.
pub const MAX_DESCRIPTION: usize = 10_000;

fn check(
    errors: &mut FieldErrors,
    name: Option<&str>,
    external_id: Option<&str>,
    description: Option<&str>,
    labels: Option<&[String]>,
) {
    if let Some(n) = name {
        if n.trim().is_empty() {
            errors.add("name", "must not be empty");
        } else if n.chars().count() > MAX_NAME {
            errors.add("name", format!("must be at most {MAX_NAME} characters"));
        }
    }
    if external_id.is_some_and(|e| e.chars().count() > MAX_NAME) {
        errors.add(
            "externalId",
            format!("must be at most {MAX_NAME} characters"),
        );
    }
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION) {
        errors.add(
            "description",
            format!("must be at most {MAX_DESCRIPTION} characters"),
        );
    }
    let labels = labels.unwrap_or_default();
    if labels.len() > MAX_LABELS {
        errors.add("labels", format!("at most {MAX_LABELS} labels"));
    }
    if labels.iter().any(|l| l.chars().count() > MAX_LABEL) {
        errors.add(
            "labels",
            format!("each label must be at most {MAX_LABEL} characters"),
        );
    }
}

/// A write's store failure as the service's answer: a taken external ID is invalid input.
fn write_failure(e: StoreError) -> ServiceError {
    match e {
        StoreError::Conflict(field) => {
            ServiceError::invalid(field, "is already used by another customer")
        }
        StoreError::NotFound => ServiceError::invalid("id", "customer not found"),
        other => ServiceError::Store(other),
    }
}

/// `Forbidden` unless the caller may create, change and delete customers: an organization
/// (not customer-bound) caller holding the deployer role.
pub fn require_manager(caller: &Caller) -> Result<(), ServiceError> {
    if caller.customer_id.is_some() {
        return Err(ServiceError::Forbidden);
    }
    caller.require(Role::Deployer)
}

/// Whether the caller may create, change and delete customers (pages hide the buttons).
pub fn may_manage(caller: &Caller) -> bool {
    require_manager(caller).is_ok()
}

impl Services {
    /// A page of the customers the caller sees.
    pub async fn customers(
        &self,
        caller: &Caller,
        query: CustomerQuery,
        page: &PageRequest,
    ) -> Result<Page<Customer>, ServiceError> {
        let filter = CustomerFilter {
            id: caller.customer_id,
            external_id: query.external_id,
            name: query.name,
            name_contains: query.name_contains.filter(|n| !n.trim().is_empty()),
            labels: query.labels,
        };
        Ok(self
            .store
            .list_customers(caller.org_id, &filter, page)
            .await?)
    }

    /// One customer the caller sees; `NotFound` otherwise (and for `None`: an ID that did not
    /// decode).
    pub async fn customer(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<Customer, ServiceError> {
        let id = id
            .filter(|id| caller.sees_customer(*id))
            .ok_or(ServiceError::NotFound("Customer"))?;
        match self.store.get_customer(caller.org_id, id).await {
            Ok(c) => Ok(c),
            Err(StoreError::NotFound) => Err(ServiceError::NotFound("Customer")),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates a customer.
    pub async fn create_customer(
        &self,
        caller: &Caller,
        new: NewCustomer,
    ) -> Result<Customer, ServiceError> {
        require_manager(caller)?;
        let external_id = new.external_id.filter(|e| !e.is_empty());
        let mut errors = FieldErrors::default();
        check(
            &mut errors,
            Some(&new.name),
            external_id.as_deref(),
            new.description.as_deref(),
            new.labels.as_deref(),
        );
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let fields = CustomerFields {
            name: None,
            external_id: Some(external_id),
            description: new.description,
            labels: new.labels,
        };
        self.store
            .create_customer(caller.org_id, new.name.trim(), fields)
            .await
            .map_err(write_failure)
    }

    /// Changes a customer's fields (`id` is an input: unknown is invalid under `id`).
    pub async fn update_customer(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
        changes: CustomerChanges,
    ) -> Result<Customer, ServiceError> {
        require_manager(caller)?;
        let id = id.ok_or_else(|| ServiceError::invalid("id", "customer not found"))?;
        let mut errors = FieldErrors::default();
        check(
            &mut errors,
            changes.name.as_deref(),
            changes.external_id.as_deref(),
            changes.description.as_deref(),
            changes.labels.as_deref(),
        );
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let fields = CustomerFields {
            name: changes.name.map(|n| n.trim().to_string()),
            external_id: changes
                .external_id
                .map(|e| Some(e).filter(|e| !e.is_empty())),
            description: changes.description,
            labels: changes.labels,
        };
        self.store
            .update_customer(caller.org_id, id, fields)
            .await
            .map_err(write_failure)
    }

    /// Deletes a customer with its config variables and everything deployed to it.
    pub async fn delete_customer(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<Customer, ServiceError> {
        require_manager(caller)?;
        let id = id.ok_or_else(|| ServiceError::invalid("id", "customer not found"))?;
        self.store
            .delete_customer(caller.org_id, id)
            .await
            .map_err(write_failure)
    }
}
