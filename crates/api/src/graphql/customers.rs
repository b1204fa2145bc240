//! Customers: `customers`, `customer`, `createCustomer`, `updateCustomer`, `deleteCustomer`.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_service::customers::{CustomerChanges, CustomerQuery as Query, NewCustomer};
use plumb_service::Services;
use plumb_store::customers::Customer as Row;

use super::errors::{present, service_error, FieldError, Result};
use super::relay::{connection, connection_type, page_request, present_items, Connection};
use super::{caller, decode_id};

/// The global ID type name of customers.
pub const TYPE: &str = "Customer";

/// A customer of the organization.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
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
    /// Whether the customer's users may build their own integrations in an embedded designer
    /// (Prismatic's embedded workflow builder): plumb has none, so false. Prismatic's SDK asks
    /// for it right after embedded sign-in.
    pub allow_embedded_designer: bool,
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
            allow_embedded_designer: false,
            created_at: plumb_store::to_datetime(r.created_at),
            updated_at: plumb_store::to_datetime(r.updated_at),
        }
    }
}

#[async_graphql::ComplexObject]
impl Customer {
    /// The customer's users (people who sign in through the organization's app).
    async fn users(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<super::customer_users::UserConnection> {
        let Some(id) = decode_id(TYPE, &self.id) else {
            return Ok(super::customer_users::no_users());
        };
        super::customer_users::users_of(ctx, id, first, after, last, before).await
    }
}

connection_type!(Customer, CustomerConnection, CustomerEdge);

/// Customer queries.
#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// Lists customers, filtered by external ID, exact name, name fragment or labels.
    /// `isSystem: true` lists Prismatic's system customers, which plumb does not have (none).
    #[allow(clippy::too_many_arguments)]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        external_id: Option<String>,
        name: Option<String>,
        #[graphql(name = "name_Icontains")] name_icontains: Option<String>,
        labels: Option<Vec<String>>,
        is_system: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<CustomerConnection> {
        let caller = caller(ctx)?;
        if is_system == Some(true) {
            return Ok(Connection::empty().into());
        }
        let query = Query {
            external_id,
            name,
            name_contains: name_icontains,
            labels: labels.unwrap_or_default(),
        };
        let page = page_request(first, after, last, before)?;
        let rows = ctx
            .data::<Services>()?
            .customers(caller, query, &page)
            .await
            .map_err(service_error)?;
        Ok(connection(rows, |r| r.id, Customer::from).into())
    }

    /// One customer by global ID.
    async fn customer(&self, ctx: &Context<'_>, id: ID) -> Result<Customer> {
        let caller = caller(ctx)?;
        ctx.data::<Services>()?
            .customer(caller, decode_id(TYPE, &id))
            .await
            .map(Customer::from)
            .map_err(service_error)
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
    /// Labels (null items are left out).
    pub labels: Option<Vec<Option<String>>>,
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
    /// New labels (replace the set; null items are left out).
    pub labels: Option<Vec<Option<String>>>,
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

fn payload(
    answer: std::result::Result<Row, plumb_service::ServiceError>,
) -> Result<CustomerPayload> {
    present(
        answer,
        |c| CustomerPayload {
            customer: Some(c.into()),
            errors: vec![],
        },
        |errors| CustomerPayload {
            customer: None,
            errors,
        },
    )
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
        let new = NewCustomer {
            name: input.name,
            external_id: input.external_id,
            description: input.description,
            labels: present_items(input.labels),
        };
        payload(ctx.data::<Services>()?.create_customer(caller, new).await)
    }

    /// Changes a customer's fields.
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        input: UpdateCustomerInput,
    ) -> Result<CustomerPayload> {
        let caller = caller(ctx)?;
        let changes = CustomerChanges {
            name: input.name,
            external_id: input.external_id,
            description: input.description,
            labels: present_items(input.labels),
        };
        let id = decode_id(TYPE, &input.id);
        payload(
            ctx.data::<Services>()?
                .update_customer(caller, id, changes)
                .await,
        )
    }

    /// Deletes a customer with its config variables and everything deployed to it.
    async fn delete_customer(
        &self,
        ctx: &Context<'_>,
        input: DeleteCustomerInput,
    ) -> Result<CustomerPayload> {
        let caller = caller(ctx)?;
        let id = decode_id(TYPE, &input.id);
        payload(ctx.data::<Services>()?.delete_customer(caller, id).await)
    }
}
