//! Customer users: `customer { users }`, `customerRoles`, `createCustomerUser`, `deleteUser`
//! (`plumb_service::customer_users`).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_service::customer_users::{NewCustomerUser, CUSTOMER_ROLES};
use plumb_service::Services;
use plumb_store::customer_users::CustomerUser;

use super::errors::{present, service_error, FieldError, Result};
use super::relay::{connection_type, page_in_memory, page_request, Connection};
use super::{caller, customers, decode_id};

/// The global ID type name of users.
pub const TYPE: &str = "User";
/// The global ID type name of customer roles.
pub const ROLE_TYPE: &str = "CustomerRole";

/// A role of customer users.
#[derive(SimpleObject, Clone)]
pub struct CustomerRole {
    /// Global ID (`CustomerRole:admin` or `CustomerRole:user`, base64).
    pub id: ID,
    /// Its name.
    pub name: String,
    /// What it may do.
    pub description: String,
}

fn role_id(key: &str) -> ID {
    use base64::Engine as _;
    ID(base64::engine::general_purpose::STANDARD.encode(format!("{ROLE_TYPE}:{key}")))
}

fn role_key(id: &ID) -> Option<String> {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD
        .decode(id.as_str())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())?;
    text.strip_prefix(&format!("{ROLE_TYPE}:"))
        .map(str::to_string)
}

fn role(key: &str) -> CustomerRole {
    let (k, name, description) = CUSTOMER_ROLES
        .iter()
        .find(|(k, _, _)| *k == key)
        .copied()
        .unwrap_or((key, key, ""));
    CustomerRole {
        id: role_id(k),
        name: name.to_string(),
        description: description.to_string(),
    }
}

/// A user of a customer.
#[derive(SimpleObject, Clone)]
pub struct User {
    /// Global ID.
    pub id: ID,
    /// Its name.
    pub name: String,
    /// Its email ("" for a user known only by an embedded JWT).
    pub email: String,
    /// The organization's ID for it (an embedded JWT's `sub`; the email of an added user).
    pub external_id: String,
    /// Its role.
    pub role: CustomerRole,
}

impl From<CustomerUser> for User {
    fn from(u: CustomerUser) -> Self {
        User {
            id: ID(plumb_core::id::encode(TYPE, u.id)),
            name: u.name,
            email: u.email.unwrap_or_default(),
            external_id: u.external_id,
            role: role(&u.role),
        }
    }
}

connection_type!(User, UserConnection, UserEdge);

/// The users of customer `customer`, paged.
pub(crate) async fn users_of(
    ctx: &Context<'_>,
    customer: uuid::Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<UserConnection> {
    let page = page_request(first, after, last, before)?;
    let users = ctx
        .data::<Services>()?
        .customer_users(caller(ctx)?, customer)
        .await
        .map_err(service_error)?;
    let rows = users.into_iter().map(|u| (u.id, User::from(u))).collect();
    Ok(page_in_memory(rows, &page).into())
}

/// Customer user queries.
#[derive(Default)]
pub struct CustomerUserQuery;

#[Object]
impl CustomerUserQuery {
    /// The roles of customer users.
    async fn customer_roles(&self) -> Vec<CustomerRole> {
        CUSTOMER_ROLES.iter().map(|(k, _, _)| role(k)).collect()
    }
}

/// Input of `createCustomerUser`.
#[derive(InputObject)]
pub struct CreateCustomerUserInput {
    /// The customer.
    pub customer: ID,
    /// Its email (also its external ID).
    pub email: String,
    /// Its name (default: the email).
    pub name: Option<String>,
    /// A role's ID from `customerRoles`.
    pub role: ID,
}

/// Input of `deleteUser`.
#[derive(InputObject)]
pub struct DeleteUserInput {
    /// The user.
    pub id: ID,
}

/// The answer of a customer user mutation.
#[derive(SimpleObject, Default)]
pub struct UserPayload {
    /// The user.
    pub user: Option<User>,
    /// What was wrong with the input.
    pub errors: Vec<FieldError>,
}

fn payload(
    answer: std::result::Result<CustomerUser, plumb_service::ServiceError>,
) -> Result<UserPayload> {
    present(
        answer,
        |u| UserPayload {
            user: Some(u.into()),
            errors: vec![],
        },
        |errors| UserPayload { user: None, errors },
    )
}

/// Customer user mutations.
#[derive(Default)]
pub struct CustomerUserMutation;

#[Object]
impl CustomerUserMutation {
    /// Adds a user to a customer (no invitation is sent: it signs in through the
    /// organization's app with an embedded JWT whose `sub` is its email).
    async fn create_customer_user(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomerUserInput,
    ) -> Result<UserPayload> {
        let new = NewCustomerUser {
            customer: decode_id(customers::TYPE, &input.customer),
            email: input.email,
            name: input.name,
            role: role_key(&input.role),
        };
        payload(
            ctx.data::<Services>()?
                .create_customer_user(caller(ctx)?, new)
                .await,
        )
    }

    /// Removes a customer user.
    async fn delete_user(&self, ctx: &Context<'_>, input: DeleteUserInput) -> Result<UserPayload> {
        payload(
            ctx.data::<Services>()?
                .delete_customer_user(caller(ctx)?, decode_id(TYPE, &input.id))
                .await,
        )
    }
}

/// An empty page of users (a customer another caller cannot see never reaches here).
pub(crate) fn no_users() -> UserConnection {
    Connection::empty().into()
}
