//! API tokens: `apiTokens`, `createApiToken` (answers the secret once), `revokeApiToken`.
//! Admins only.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_store::tokens::{ApiToken as Row, Role};
use plumb_store::{Page, Store, StoreError};

use super::customers;
use super::errors::{forbidden, internal, FieldError, PayloadErrors, Result};
use super::relay::{connection, connection_type};
use super::{caller, decode_id};

const TYPE: &str = "ApiToken";

/// An API token's record (never its secret).
#[derive(SimpleObject, Clone)]
pub struct ApiToken {
    /// Global ID.
    pub id: ID,
    /// Name.
    pub name: String,
    /// Roles (`admin`, `designer`, `deployer`, `viewer`).
    pub roles: Vec<String>,
    /// The customer it is bound to, if any.
    pub customer: Option<ID>,
    /// Creation time.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Revocation time.
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<Row> for ApiToken {
    fn from(t: Row) -> Self {
        ApiToken {
            id: ID(plumb_core::id::encode(TYPE, t.id)),
            name: t.name,
            roles: t.roles.iter().map(|r| r.as_str().to_string()).collect(),
            customer: t
                .customer_id
                .map(|c| ID(plumb_core::id::encode(customers::TYPE, c))),
            created_at: plumb_store::to_datetime(t.created_at),
            revoked_at: t.revoked_at.map(plumb_store::to_datetime),
        }
    }
}

connection_type!(ApiToken, ApiTokenConnection, ApiTokenEdge);

fn require_admin(ctx: &Context<'_>) -> Result<uuid::Uuid> {
    let caller = caller(ctx)?;
    if caller.customer_id.is_some() || !caller.has(Role::Admin) {
        return Err(forbidden());
    }
    Ok(caller.org_id)
}

/// Token queries.
#[derive(Default)]
pub struct TokenQuery;

#[Object]
impl TokenQuery {
    /// The organization's API tokens, revoked ones included.
    async fn api_tokens(&self, ctx: &Context<'_>) -> Result<ApiTokenConnection> {
        let org = require_admin(ctx)?;
        let rows = ctx
            .data::<Store>()?
            .list_tokens(org)
            .await
            .map_err(internal)?;
        let page = Page {
            total: rows.len() as i64,
            items: rows,
            has_next: false,
            has_previous: false,
        };
        Ok(connection(page, |r| r.id, ApiToken::from).into())
    }
}

/// Input of `createApiToken`.
#[derive(InputObject)]
pub struct CreateApiTokenInput {
    /// A name to recognize the token by.
    pub name: String,
    /// Its roles (`admin`, `designer`, `deployer`, `viewer`).
    pub roles: Vec<String>,
    /// Bind it to this customer (global ID).
    pub customer: Option<ID>,
}

/// Input of `revokeApiToken`.
#[derive(InputObject)]
pub struct RevokeApiTokenInput {
    /// The token's global ID.
    pub id: ID,
}

/// The answer of a token mutation.
#[derive(SimpleObject, Default)]
pub struct ApiTokenPayload {
    /// The token's record.
    pub api_token: Option<ApiToken>,
    /// The secret, only in `createApiToken`'s answer: it is not stored and cannot be read again.
    pub token: Option<String>,
    /// What was wrong with the input.
    pub errors: Vec<FieldError>,
}

fn failed(errors: Vec<FieldError>) -> ApiTokenPayload {
    ApiTokenPayload {
        errors,
        ..Default::default()
    }
}

/// Token mutations.
#[derive(Default)]
pub struct TokenMutation;

#[Object]
impl TokenMutation {
    /// Creates a token and answers its secret once.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        input: CreateApiTokenInput,
    ) -> Result<ApiTokenPayload> {
        let org = require_admin(ctx)?;
        let mut errors = PayloadErrors::default();
        if input.name.trim().is_empty() {
            errors.add("name", "must not be empty");
        }
        let mut roles = vec![];
        for r in &input.roles {
            match r.parse::<Role>() {
                Ok(role) => roles.push(role),
                Err(e) => errors.add("roles", e),
            }
        }
        if input.roles.is_empty() {
            errors.add("roles", "at least one role is required");
        }
        let customer = match &input.customer {
            None => None,
            Some(id) => match decode_id(customers::TYPE, id) {
                Some(c) => Some(c),
                None => {
                    errors.add("customer", "customer not found");
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Ok(failed(errors.0));
        }
        match ctx
            .data::<Store>()?
            .create_token(org, input.name.trim(), &roles, customer)
            .await
        {
            Ok((record, secret)) => Ok(ApiTokenPayload {
                api_token: Some(record.into()),
                token: Some(secret),
                errors: vec![],
            }),
            Err(StoreError::NotFound) => {
                Ok(failed(PayloadErrors::one("customer", "customer not found")))
            }
            Err(e) => Err(internal(e)),
        }
    }

    /// Revokes a token: it stops working at once.
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiTokenInput,
    ) -> Result<ApiTokenPayload> {
        let org = require_admin(ctx)?;
        let missing = || failed(PayloadErrors::one("id", "API token not found"));
        let Some(id) = decode_id(TYPE, &input.id) else {
            return Ok(missing());
        };
        match ctx.data::<Store>()?.revoke_token(org, id).await {
            Ok(t) => Ok(ApiTokenPayload {
                api_token: Some(t.into()),
                token: None,
                errors: vec![],
            }),
            Err(StoreError::NotFound) => Ok(missing()),
            Err(e) => Err(internal(e)),
        }
    }
}
