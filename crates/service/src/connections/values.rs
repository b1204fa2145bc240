//! One customer's values of a scoped connection (or its test credentials): setting them,
//! changing them, and what they are (secrets only as "set").
//!
//! Rules: deployers and admins write values; a customer-bound caller only its own customer's
//! values of connections its customer manages. An organization-scoped connection has one set of
//! values (its global ones) plus test credentials, never one per customer. Global inputs are
//! given once on the connection, not per customer; every required per-customer input must end up
//! set. Secrets are sealed before they are stored.

use std::collections::{BTreeMap, BTreeSet};

use plumb_core::connection_types::{self, ConnectionType};
use plumb_store::connection_values::{SaveConnection, Slot, StoredValue, ValueSet};
use plumb_store::connections::{InputScope, ManagedBy, ScopedVar, VariableScope};
use plumb_store::tokens::Role;
use plumb_store::StoreError;
use uuid::Uuid;

use super::input::{self, ConnInput};
use crate::{Caller, FieldErrors, ServiceError, Services};

/// Where a value set goes: a customer's values or the test credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The customer's values (`None`: a customer ID given that did not decode).
    Customer(Option<Uuid>),
    /// The test credentials the designer's test runs use.
    Test,
}

/// One input of a value set as pages and the API show it.
#[derive(Debug, Clone)]
pub struct InputView {
    /// The input's key.
    pub name: String,
    /// Its label.
    pub label: String,
    /// `global` or `customer`.
    pub scope: InputScope,
    /// Whether it is write-only.
    pub secret: bool,
    /// Whether it is required.
    pub required: bool,
    /// Whether a value is set.
    pub is_set: bool,
    /// The value, never for secret inputs.
    pub value: Option<String>,
}

/// Whether a customer-bound caller sees `v` (organization callers see every one).
pub fn visible(caller: &Caller, v: &ScopedVar) -> bool {
    caller.customer_id.is_none() || v.managed_by == ManagedBy::Customer
}

/// Whether the caller may write values of `var` in `slot`.
pub fn may_write(caller: &Caller, var: &ScopedVar, slot: Slot) -> bool {
    if !caller.has(Role::Deployer) {
        return false;
    }
    match caller.customer_id {
        None => true,
        Some(c) => {
            visible(caller, var)
                && var.managed_by == ManagedBy::Customer
                && slot == Slot::Customer(c)
        }
    }
}

fn ty_of(var: &ScopedVar) -> Result<&'static ConnectionType, ServiceError> {
    connection_types::find_by_id(var.connection_type)
        .ok_or_else(|| ServiceError::Store(StoreError::Corrupt("unknown connection type".into())))
}

impl Services {
    /// The connection's global values (inputs shared by every customer).
    pub async fn global_values(
        &self,
        var: &ScopedVar,
    ) -> Result<BTreeMap<String, StoredValue>, ServiceError> {
        Ok(
            match self
                .store
                .find_value_set(var.org_id, var.id, Slot::Global)
                .await?
            {
                Some(set) => self.store.value_set_values(var.org_id, set.id).await?,
                None => BTreeMap::new(),
            },
        )
    }

    /// The customer-scoped connections (organization-activated ones) the caller sees.
    pub async fn customer_connections(
        &self,
        caller: &Caller,
    ) -> Result<Vec<ScopedVar>, ServiceError> {
        let all = self
            .store
            .list_scoped_vars(
                caller.org_id,
                &plumb_store::connections::ScopedVarFilter::default(),
                &plumb_store::PageRequest::default(),
            )
            .await?
            .items;
        Ok(all
            .into_iter()
            .filter(|v| v.variable_scope == VariableScope::Customer && visible(caller, v))
            .collect())
    }

    /// A customer's value set of `var` (if any) with its inputs as shown (secrets as "set").
    pub async fn connection_values(
        &self,
        caller: &Caller,
        var: &ScopedVar,
        customer: Uuid,
    ) -> Result<(Option<ValueSet>, Vec<InputView>), ServiceError> {
        if !caller.sees_customer(customer) || !visible(caller, var) {
            return Err(ServiceError::NotFound("Connection"));
        }
        self.values_view(caller, var, Slot::Customer(customer))
            .await
    }

    /// The test credentials of `var` (designers' test runs use them), inputs as shown: a global
    /// input shows the test value when set, else the global one.
    pub async fn test_values(
        &self,
        caller: &Caller,
        var: &ScopedVar,
    ) -> Result<(Option<ValueSet>, Vec<InputView>), ServiceError> {
        super::require_designer(caller)?;
        self.values_view(caller, var, Slot::Test).await
    }

    async fn values_view(
        &self,
        caller: &Caller,
        var: &ScopedVar,
        slot: Slot,
    ) -> Result<(Option<ValueSet>, Vec<InputView>), ServiceError> {
        let ty = ty_of(var)?;
        let set = self
            .store
            .find_value_set(caller.org_id, var.id, slot)
            .await?;
        let own = match &set {
            Some(s) => self.store.value_set_values(caller.org_id, s.id).await?,
            None => BTreeMap::new(),
        };
        let globals = self.global_values(var).await?;
        let inputs = ty
            .inputs()
            .map(|i| {
                let scope = var.input_scope(i.key);
                let stored = match (scope, slot) {
                    (InputScope::Global, Slot::Test) => own.get(i.key).or(globals.get(i.key)),
                    (InputScope::Global, _) => globals.get(i.key),
                    (InputScope::Customer, _) => own.get(i.key),
                };
                InputView {
                    name: i.key.to_string(),
                    label: i.label.to_string(),
                    scope,
                    secret: i.secret,
                    required: i.required && i.default.is_none(),
                    is_set: stored.is_some(),
                    value: match stored {
                        Some(StoredValue::Plain(v)) if ty.is_public(i.key) => Some(v.clone()),
                        _ => None,
                    },
                }
            })
            .collect();
        Ok((set, inputs))
    }

    /// Sets (creating or merging into) the values of scoped connection `scoped` for `target`:
    /// inputs not given keep their values; an empty value clears one.
    pub async fn set_connection_values(
        &self,
        caller: &Caller,
        scoped: Option<Uuid>,
        target: Target,
        inputs: &[ConnInput],
        create_only: bool,
    ) -> Result<(ScopedVar, ValueSet), ServiceError> {
        let mut errors = FieldErrors::default();
        let var = match scoped {
            None => None,
            Some(id) => match self.store.get_scoped_var(caller.org_id, id).await {
                Ok(v) => Some(v),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
        };
        let slot = match target {
            Target::Test => Slot::Test,
            Target::Customer(c) => {
                let found = match c {
                    Some(c) if caller.sees_customer(c) => self
                        .store
                        .customer_exists(caller.org_id, c)
                        .await?
                        .then_some(c),
                    _ => None,
                };
                match found {
                    Some(c) => Slot::Customer(c),
                    None => {
                        errors.add("customer", "customer not found");
                        Slot::Test
                    }
                }
            }
        };
        let Some(var) = var.filter(|v| visible(caller, v) && may_write(caller, v, slot)) else {
            if !caller.has(Role::Deployer) {
                return Err(ServiceError::Forbidden);
            }
            errors.add("scopedConfigVariable", "scoped config variable not found");
            return Err(ServiceError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        if var.variable_scope == VariableScope::Org && slot != Slot::Test {
            return Err(ServiceError::invalid(
                "scopedConfigVariable",
                "an organization-scoped connection has one set of values, not one per customer",
            ));
        }
        let existing = self
            .store
            .find_value_set(caller.org_id, var.id, slot)
            .await?;
        let (set, present) = match existing {
            Some(_) if create_only => {
                let (field, what) = match slot {
                    Slot::Test => ("isTest", "test credentials are already set"),
                    _ => (
                        "customer",
                        "this customer already has values for this connection",
                    ),
                };
                return Err(ServiceError::invalid(
                    field,
                    format!("{what}; use updateCustomerConfigVariable"),
                ));
            }
            Some(set) => {
                let present = self
                    .store
                    .value_set_values(set.org_id, set.id)
                    .await?
                    .into_keys()
                    .collect();
                (set, present)
            }
            None => (input::new_set(&var, slot), BTreeSet::new()),
        };
        self.write_values(&var, set, present, inputs).await
    }

    /// Merges `inputs` into an existing value set the caller may write.
    pub async fn update_connection_values(
        &self,
        caller: &Caller,
        set: ValueSet,
        inputs: &[ConnInput],
    ) -> Result<(ScopedVar, ValueSet), ServiceError> {
        let missing = || ServiceError::invalid("id", "customer config variable not found");
        let var = match self
            .store
            .get_scoped_var(caller.org_id, set.scoped_id)
            .await
        {
            Ok(v) if may_write(caller, &v, set.slot) => v,
            Ok(_) | Err(StoreError::NotFound) => return Err(missing()),
            Err(e) => return Err(e.into()),
        };
        let present = self
            .store
            .value_set_values(set.org_id, set.id)
            .await?
            .into_keys()
            .collect();
        self.write_values(&var, set, present, inputs).await
    }

    async fn write_values(
        &self,
        var: &ScopedVar,
        set: ValueSet,
        present: BTreeSet<String>,
        inputs: &[ConnInput],
    ) -> Result<(ScopedVar, ValueSet), ServiceError> {
        let ty = ty_of(var)?;
        let mut errors = FieldErrors::default();
        let parsed = input::parse(ty, inputs, &mut errors);
        let test = set.slot == Slot::Test;
        for name in &parsed.named {
            if !test && var.input_scope(name) == InputScope::Global {
                errors.add(
                    input::field(name),
                    "is a global input: its one value is shared by every customer",
                );
            }
            if parsed.scopes.contains_key(name) {
                errors.add(
                    input::field(name),
                    "meta.inputScope is set on the scoped config variable",
                );
            }
        }
        let mut present = present;
        present.extend(self.global_values(var).await?.into_keys());
        input::check_complete(
            ty,
            &present,
            &parsed.values,
            |name| test || var.input_scope(name) == InputScope::Customer,
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let vault = self.vault.as_ref().ok_or_else(|| {
            tracing::error!("no master key configured: cannot seal connection secrets");
            ServiceError::Store(StoreError::Corrupt("no master key".into()))
        })?;
        let stored = input::to_stored(vault, ty, set.org_id, set.id, parsed.values).await?;
        let save = SaveConnection {
            sets: vec![(set.clone(), stored)],
            ..Default::default()
        };
        match self.store.save_connection(save).await {
            Ok(()) => Ok((var.clone(), set)),
            Err(StoreError::Conflict(_)) => Err(ServiceError::invalid(
                "customer",
                "values for this connection were set concurrently; use updateCustomerConfigVariable",
            )),
            Err(e) => Err(e.into()),
        }
    }
}
