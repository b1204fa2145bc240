//! Plain config variables: the organization's (`setOrganizationConfigVariable` and friends) and
//! a customer's (`createCustomerConfigVariable` in its `{customer, key, value}` form).
//!
//! Rules: organization variables are read by organization callers and written by designers;
//! customer variables are read by every caller that sees the customer and written by deployers,
//! a customer-bound caller only its own customer's (another customer's is "not found"). A key is
//! required (at most 255 characters, trimmed), unique in its scope; a value is validated against
//! its data type (default `string`; a connection is not a plain value) before anything is
//! written. Connection values (the `{scopedConfigVariable, inputs}` form) are not handled here.

use plumb_core::config::DataType;
use plumb_store::config_vars::ConfigVar;
use plumb_store::tokens::Role;
use plumb_store::StoreError;
use plumb_store::{Page, PageRequest};
use uuid::Uuid;

use crate::{Caller, FieldErrors, ServiceError, Services};

/// Most characters of a key.
pub const MAX_KEY: usize = 255;
/// Most bytes of a value.
pub const MAX_VALUE: usize = 1024 * 1024;

/// A plain config variable to write.
#[derive(Debug, Clone, Default)]
pub struct VarInput {
    /// The key (required on create).
    pub key: Option<String>,
    /// The value (required on create).
    pub value: Option<String>,
    /// The data type's name (default `string`, or unchanged on update).
    pub data_type: Option<String>,
}

/// Checks a key, a data type name and a value; answers the parsed type.
pub fn check_value(
    errors: &mut FieldErrors,
    key: Option<&str>,
    data_type: Option<&str>,
    value: &str,
) -> DataType {
    if let Some(k) = key {
        if k.trim().is_empty() {
            errors.add("key", "must not be empty");
        } else if k.chars().count() > MAX_KEY {
            errors.add("key", format!("must be at most {MAX_KEY} characters"));
        }
    }
    if value.len() > MAX_VALUE {
        errors.add("value", format!("must be at most {MAX_VALUE} bytes"));
        return DataType::String;
    }
    let data_type = match data_type {
        None => DataType::String,
        Some(name) => match DataType::parse(name) {
            Some(DataType::Connection) => {
                errors.add(
                    "dataType",
                    "a connection is set with scoped config variables, not a value",
                );
                return DataType::Connection;
            }
            Some(t) => t,
            None => {
                errors.add(
                    "dataType",
                    format!(
                        "unknown data type {name:?} (string, boolean, number, date, timestamp, picklist, code, schedule)"
                    ),
                );
                return DataType::String;
            }
        },
    };
    if let Err(e) = data_type.validate(value) {
        errors.add(
            "value",
            format!("{} for data type {}", e.0, data_type.as_str()),
        );
    }
    data_type
}

/// `Forbidden` unless an organization (not customer-bound) caller holds `role`.
pub fn require_org_role(caller: &Caller, role: Role) -> Result<(), ServiceError> {
    if caller.customer_id.is_some() {
        return Err(ServiceError::Forbidden);
    }
    caller.require(role)
}

/// `Forbidden` unless the caller may write customers' values: deployers (and admins); a
/// customer-bound one only its own customer's (checked per customer). Viewers only read.
pub fn require_customer_writer(caller: &Caller) -> Result<(), ServiceError> {
    caller.require(Role::Deployer)
}

/// Whether the caller may change organization config variables (pages hide the buttons).
pub fn may_write_org_vars(caller: &Caller) -> bool {
    require_org_role(caller, Role::Designer).is_ok()
}

/// Whether the caller may change customers' config variables.
pub fn may_write_customer_vars(caller: &Caller) -> bool {
    require_customer_writer(caller).is_ok()
}

fn missing_customer_var() -> ServiceError {
    ServiceError::invalid("id", "customer config variable not found")
}

impl Services {
    /// A page of the organization's config variables (optionally the one with `key`).
    pub async fn org_config_vars(
        &self,
        caller: &Caller,
        key: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<ConfigVar>, ServiceError> {
        if caller.customer_id.is_some() {
            return Err(ServiceError::Forbidden);
        }
        Ok(self
            .store
            .list_org_config_vars(caller.org_id, key, page)
            .await?)
    }

    /// Creates or replaces the organization config variable `key`.
    pub async fn set_org_config_var(
        &self,
        caller: &Caller,
        key: &str,
        value: &str,
        data_type: Option<&str>,
    ) -> Result<ConfigVar, ServiceError> {
        require_org_role(caller, Role::Designer)?;
        let mut errors = FieldErrors::default();
        let t = check_value(&mut errors, Some(key), data_type, value);
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        Ok(self
            .store
            .set_org_config_var(caller.org_id, key.trim(), value, t.as_str())
            .await?)
    }

    /// Deletes an organization config variable (`id` is an input: unknown is invalid).
    pub async fn delete_org_config_var(
        &self,
        caller: &Caller,
        id: Option<Uuid>,
    ) -> Result<ConfigVar, ServiceError> {
        require_org_role(caller, Role::Designer)?;
        let missing = || ServiceError::invalid("id", "organization config variable not found");
        let id = id.ok_or_else(missing)?;
        match self.store.delete_org_config_var(caller.org_id, id).await {
            Ok(v) => Ok(v),
            Err(StoreError::NotFound) => Err(missing()),
            Err(e) => Err(e.into()),
        }
    }

    /// A page of one customer's plain config variables (`Some(None)`: a customer ID that did
    /// not decode), or, with `None`, of every customer the caller sees.
    pub async fn customer_config_vars(
        &self,
        caller: &Caller,
        customer: Option<Option<Uuid>>,
        page: &PageRequest,
    ) -> Result<Page<ConfigVar>, ServiceError> {
        let customer = match customer {
            Some(id) => Some(self.customer(caller, id).await?.id),
            None => caller.customer_id,
        };
        Ok(self
            .store
            .list_customer_config_vars(caller.org_id, customer, page)
            .await?)
    }

    /// The plain customer config variable `id` if the caller sees its customer.
    pub async fn visible_customer_config_var(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Option<ConfigVar>, ServiceError> {
        match self.store.get_customer_config_var(caller.org_id, id).await {
            Ok(v) if v.customer_id.is_some_and(|c| caller.sees_customer(c)) => Ok(Some(v)),
            Ok(_) | Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Creates a plain config variable of a customer (`customer`: `None` when not given,
    /// `Some(None)` when given but unknown).
    pub async fn create_customer_config_var(
        &self,
        caller: &Caller,
        customer: Option<Option<Uuid>>,
        input: VarInput,
    ) -> Result<ConfigVar, ServiceError> {
        require_customer_writer(caller)?;
        let mut errors = FieldErrors::default();
        let customer = match customer {
            None => {
                errors.add("customer", "is required");
                None
            }
            Some(id) => {
                let id = id.filter(|c| caller.sees_customer(*c));
                if id.is_none() {
                    errors.add("customer", "customer not found");
                }
                id
            }
        };
        if input.key.is_none() {
            errors.add("key", "is required");
        }
        if input.value.is_none() {
            errors.add("value", "is required");
        }
        let value = input.value.unwrap_or_default();
        let t = check_value(
            &mut errors,
            input.key.as_deref(),
            input.data_type.as_deref(),
            &value,
        );
        let (Some(customer), Some(key), true) = (customer, input.key, errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        match self
            .store
            .create_customer_config_var(caller.org_id, customer, key.trim(), &value, t.as_str())
            .await
        {
            Ok(v) => Ok(v),
            Err(StoreError::NotFound) => {
                Err(ServiceError::invalid("customer", "customer not found"))
            }
            Err(StoreError::Conflict(_)) => Err(ServiceError::invalid(
                "key",
                "this customer already has a variable with this key",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Changes a plain customer config variable's value (and data type).
    pub async fn update_customer_config_var(
        &self,
        caller: &Caller,
        id: Uuid,
        input: VarInput,
    ) -> Result<ConfigVar, ServiceError> {
        require_customer_writer(caller)?;
        let current = self
            .visible_customer_config_var(caller, id)
            .await?
            .ok_or_else(missing_customer_var)?;
        let value = input.value.unwrap_or(current.value);
        let mut errors = FieldErrors::default();
        let t = check_value(
            &mut errors,
            None,
            Some(input.data_type.as_deref().unwrap_or(&current.data_type)),
            &value,
        );
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        match self
            .store
            .update_customer_config_var(caller.org_id, id, &value, t.as_str())
            .await
        {
            Ok(v) => Ok(v),
            Err(StoreError::NotFound) => Err(missing_customer_var()),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a plain customer config variable.
    pub async fn delete_customer_config_var(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<ConfigVar, ServiceError> {
        require_customer_writer(caller)?;
        self.visible_customer_config_var(caller, id)
            .await?
            .ok_or_else(missing_customer_var)?;
        match self
            .store
            .delete_customer_config_var(caller.org_id, id)
            .await
        {
            Ok(v) => Ok(v),
            Err(StoreError::NotFound) => Err(missing_customer_var()),
            Err(e) => Err(e.into()),
        }
    }
}
