//! Customers: `customers`, `customer`, `createCustomer`, `updateCustomer`, `deleteCustomer`.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_store::customers::{Customer as Row, CustomerFields, CustomerFilter};
use plumb_store::tokens::Role;
use plumb_store::{Store, StoreError};

use super::errors::{forbidden, internal, not_found, FieldError, PayloadErrors, Result};
use super::relay::{connection, connection_type, page_request};
use super::{caller, decode_id};
use crate::http::auth::Caller;

/// The global ID type name of customers.
pub const TYPE: &str = "Customer";

/// A customer of the organization.
#[derive(SimpleObject, Clone)]
pub struct Customer {
    /// Global ID (`Customer:<uuid>`, base64).
    pub id: ID,
    /// Display name.
    pub name: String,
    /// The organization's own ID for the customer, unique in the organization.
    pub external_id: Option<String>,
    /// Free text.
    pub description: String,
    /// Labels.
    pub labels: Vec<String>,
    /// Creation time.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Last update.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<Row> for Customer {
    fn from(r: Row) -> Self {
        Customer {
            id: ID(plumb_core::id::encode(TYPE, r.id)),
            name: r.name,
            external_id: r.external_id,
            description: r.description,
            labels: r.labels,
            created_at: plumb_store::to_datetime(r.created_at),
            updated_at: plumb_store::to_datetime(r.updated_at),
        }
    }
}

connection_type!(Customer, CustomerConnection, CustomerEdge);

/// Customer queries.
#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// Lists customers, filtered by external ID, exact name, name fragment or labels.
    #[allow(clippy::too_many_arguments)]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        external_id: Option<String>,
        name: Option<String>,
        #[graphql(name = "name_Icontains")] name_icontains: Option<String>,
        labels: Option<Vec<String>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<CustomerConnection> {
        let caller = caller(ctx)?;
        let filter = CustomerFilter {
            id: caller.customer_id,
            external_id,
            name,
            name_contains: name_icontains,
            labels: labels.unwrap_or_default(),
        };
        let page = page_request(first, after, last, before)?;
        let rows = ctx
            .data::<Store>()?
            .list_customers(caller.org_id, &filter, &page)
            .await
            .map_err(internal)?;
        Ok(connection(rows, |r| r.id, Customer::from).into())
    }

    /// One customer by global ID.
    async fn customer(&self, ctx: &Context<'_>, id: ID) -> Result<Customer> {
        let caller = caller(ctx)?;
        let id = decode_id(TYPE, &id)
            .filter(|id| caller.sees_customer(*id))
            .ok_or_else(|| not_found(TYPE))?;
        match ctx.data::<Store>()?.get_customer(caller.org_id, id).await {
            Ok(c) => Ok(c.into()),
            Err(StoreError::NotFound) => Err(not_found(TYPE)),
            Err(e) => Err(internal(e)),
        }
    }
}

/// Input of `createCustomer`.
#[derive(InputObject)]
pub struct CreateCustomerInput {
    /// Display name (required).
    pub name: String,
    /// The organization's own ID for the customer.
    pub external_id: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Labels.
    pub labels: Option<Vec<String>>,
}

/// Input of `updateCustomer`: omitted fields keep their value.
#[derive(InputObject)]
pub struct UpdateCustomerInput {
    /// The customer's global ID.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New external ID (empty string clears it).
    pub external_id: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New labels (replace the set).
    pub labels: Option<Vec<String>>,
}

/// Input of `deleteCustomer`.
#[derive(InputObject)]
pub struct DeleteCustomerInput {
    /// The customer's global ID.
    pub id: ID,
}

/// The answer of a customer mutation.
#[derive(SimpleObject, Default)]
pub struct CustomerPayload {
    /// The customer, when the mutation succeeded.
    pub customer: Option<Customer>,
    /// What was wrong with the input.
    pub errors: Vec<FieldError>,
}

impl CustomerPayload {
    fn failed(errors: Vec<FieldError>) -> Self {
        CustomerPayload {
            customer: None,
            errors,
        }
    }
}

fn check_fields(
    errors: &mut PayloadErrors,
    name: Option<&str>,
    external_id: Option<&str>,
    labels: Option<&[String]>,
) {
    if let Some(n) = name {
        if n.trim().is_empty() {
            errors.add("name", "must not be empty");
        } else if n.chars().count() > 255 {
            errors.add("name", "must be at most 255 characters");
        }
    }
    if let Some(e) = external_id {
        if e.chars().count() > 255 {
            errors.add("externalId", "must be at most 255 characters");
        }
    }
    for l in labels.unwrap_or_default() {
        if l.chars().count() > 100 {
            errors.add("labels", "each label must be at most 100 characters");
        }
    }
}

fn store_failure(e: StoreError) -> Result<CustomerPayload> {
    match e {
        StoreError::Conflict(field) => Ok(CustomerPayload::failed(PayloadErrors::one(
            field,
            "is already used by another customer",
        ))),
        StoreError::NotFound => Ok(CustomerPayload::failed(PayloadErrors::one(
            "id",
            "customer not found",
        ))),
        other => Err(internal(other)),
    }
}

fn require_manager(caller: &Caller) -> Result<()> {
    if caller.customer_id.is_some() || !caller.has(Role::Deployer) {
        return Err(forbidden());
    }
    Ok(())
}

/// Customer mutations.
#[derive(Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Creates a customer.
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomerInput,
    ) -> Result<CustomerPayload> {
        let caller = caller(ctx)?;
        require_manager(caller)?;
        let external_id = input.external_id.filter(|e| !e.is_empty());
        let mut errors = PayloadErrors::default();
        check_fields(
            &mut errors,
            Some(&input.name),
            external_id.as_deref(),
            input.labels.as_deref(),
        );
        if !errors.is_empty() {
            return Ok(CustomerPayload::failed(errors.0));
        }
        let fields = CustomerFields {
            name: None,
            external_id: Some(external_id),
            description: input.description,
            labels: input.labels,
        };
        match ctx
            .data::<Store>()?
            .create_customer(caller.org_id, input.name.trim(), fields)
            .await
        {
            Ok(c) => Ok(CustomerPayload {
                customer: Some(c.into()),
                errors: vec![],
            }),
            Err(e) => store_failure(e),
        }
    }

    /// Changes a customer's fields.
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        input: UpdateCustomerInput,
    ) -> Result<CustomerPayload> {
        let caller = caller(ctx)?;
        require_manager(caller)?;
        let Some(id) = decode_id(TYPE, &input.id) else {
            return Ok(CustomerPayload::failed(PayloadErrors::one(
                "id",
                "customer not found",
            )));
        };
        let mut errors = PayloadErrors::default();
        check_fields(
            &mut errors,
            input.name.as_deref(),
            input.external_id.as_deref(),
            input.labels.as_deref(),
        );
        if !errors.is_empty() {
            return Ok(CustomerPayload::failed(errors.0));
        }
        let fields = CustomerFields {
            name: input.name.map(|n| n.trim().to_string()),
            external_id: input.external_id.map(|e| Some(e).filter(|e| !e.is_empty())),
            description: input.description,
            labels: input.labels,
        };
        match ctx
            .data::<Store>()?
            .update_customer(caller.org_id, id, fields)
            .await
        {
            Ok(c) => Ok(CustomerPayload {
                customer: Some(c.into()),
                errors: vec![],
            }),
            Err(e) => store_failure(e),
        }
    }

    /// Deletes a customer with its config variables and everything deployed to it.
    async fn delete_customer(
        &self,
        ctx: &Context<'_>,
        input: DeleteCustomerInput,
    ) -> Result<CustomerPayload> {
        let caller = caller(ctx)?;
        require_manager(caller)?;
        let Some(id) = decode_id(TYPE, &input.id) else {
            return Ok(CustomerPayload::failed(PayloadErrors::one(
                "id",
                "customer not found",
            )));
        };
        match ctx
            .data::<Store>()?
            .delete_customer(caller.org_id, id)
            .await
        {
            Ok(c) => Ok(CustomerPayload {
                customer: Some(c.into()),
                errors: vec![],
            }),
            Err(e) => store_failure(e),
        }
    }
}
