//! The GraphQL types of config variables: organization-level and customer-level (plain values
//! or a customer's values of a scoped connection), with their relay connections.

use async_graphql::{Context, SimpleObject, ID};
use plumb_store::config_vars::ConfigVar;
use plumb_store::connection_values::{Slot, ValueSet};
use plumb_store::connections::ScopedVar;
use plumb_store::{Store, StoreError};

use super::connections::values::{self, ConnectionInputValue};
use super::connections::ScopedConfigVariable;
use super::customers::Customer;
use super::errors::{internal, Result};
use super::relay::connection_type;

pub(crate) const ORG_TYPE: &str = "OrganizationConfigVariable";
pub(crate) const CUSTOMER_TYPE: &str = "CustomerConfigVariable";

/// An organization-level config variable.
#[derive(SimpleObject, Clone)]
pub struct OrganizationConfigVariable {
    /// Global ID.
    pub id: ID,
    /// Key, unique in the organization.
    pub key: String,
    /// Value, as text.
    pub value: String,
    /// Data type (`string`, `boolean`, `number`, `date`, `timestamp`, `picklist`, `code`,
    /// `schedule`).
    pub data_type: String,
}

impl From<ConfigVar> for OrganizationConfigVariable {
    fn from(v: ConfigVar) -> Self {
        OrganizationConfigVariable {
            id: ID(plumb_core::id::encode(ORG_TYPE, v.id)),
            key: v.key,
            value: v.value,
            data_type: v.data_type,
        }
    }
}

/// A customer-level config variable.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct CustomerConfigVariable {
    /// Global ID.
    pub id: ID,
    /// Key, unique for the customer.
    pub key: String,
    /// Value, as text.
    pub value: String,
    /// Data type (`connection` for a scoped connection's values).
    pub data_type: String,
    /// Whether these are the test credentials of a scoped connection.
    pub is_test: bool,
    #[graphql(skip)]
    pub(crate) row: ConfigVar,
    #[graphql(skip)]
    pub(crate) set: Option<ValueSet>,
}

#[async_graphql::ComplexObject]
impl CustomerConfigVariable {
    /// The customer it belongs to.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        let Some(cid) = self.row.customer_id else {
            return Ok(None);
        };
        let store = ctx.data::<Store>()?;
        match store.get_customer(self.row.org_id, cid).await {
            Ok(c) => Ok(Some(c.into())),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(internal(e)),
        }
    }

    /// The scoped connection these values belong to (connection values only).
    async fn scoped_config_variable(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<ScopedConfigVariable>> {
        match &self.set {
            Some(set) => values::scoped_of(ctx.data::<Store>()?, set).await,
            None => Ok(None),
        }
    }

    /// The connection's inputs: non-secret values, and for secrets only whether they are set
    /// (connection values only; empty otherwise).
    async fn inputs(&self, ctx: &Context<'_>) -> Result<Vec<ConnectionInputValue>> {
        let Some(set) = &self.set else {
            return Ok(vec![]);
        };
        let store = ctx.data::<Store>()?;
        match store.get_scoped_var(set.org_id, set.scoped_id).await {
            Ok(var) => values::input_values(store, &var, set).await,
            Err(StoreError::NotFound) => Ok(vec![]),
            Err(e) => Err(internal(e)),
        }
    }
}

impl CustomerConfigVariable {
    /// The API view of a scoped connection's value set.
    pub(crate) fn from_set(var: &ScopedVar, set: ValueSet) -> Self {
        let row = ConfigVar {
            id: set.id,
            org_id: set.org_id,
            customer_id: set.slot.customer(),
            key: var.key.clone(),
            value: String::new(),
            data_type: "connection".into(),
            created_at: set.created_at,
            updated_at: set.updated_at,
        };
        CustomerConfigVariable {
            id: ID(plumb_core::id::encode(CUSTOMER_TYPE, set.id)),
            key: row.key.clone(),
            value: String::new(),
            data_type: row.data_type.clone(),
            is_test: set.slot == Slot::Test,
            row,
            set: Some(set),
        }
    }
}

impl From<ConfigVar> for CustomerConfigVariable {
    fn from(v: ConfigVar) -> Self {
        CustomerConfigVariable {
            id: ID(plumb_core::id::encode(CUSTOMER_TYPE, v.id)),
            key: v.key.clone(),
            value: v.value.clone(),
            data_type: v.data_type.clone(),
            is_test: false,
            row: v,
            set: None,
        }
    }
}

connection_type!(
    OrganizationConfigVariable,
    OrganizationConfigVariableConnection,
    OrganizationConfigVariableEdge
);
connection_type!(
    CustomerConfigVariable,
    CustomerConfigVariableConnection,
    CustomerConfigVariableEdge
);
