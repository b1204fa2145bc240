//! API tokens: `apiTokens`, `createApiToken` (answers the secret once), `revokeApiToken`.
//! Admins only.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use plumb_service::tokens::NewToken;
use plumb_service::Services;
use plumb_store::tokens::ApiToken as Row;
use plumb_store::Page;

use super::customers;
use super::errors::{present, service_error, FieldError, Result};
use super::relay::{connection, connection_type};
use super::{caller, decode_id};

pub(crate) const TYPE: &str = "ApiToken";

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

/// Token queries.
#[derive(Default)]
pub struct TokenQuery;

#[Object]
impl TokenQuery {
    /// The organization's API tokens, revoked ones included.
    async fn api_tokens(&self, ctx: &Context<'_>) -> Result<ApiTokenConnection> {
        let caller = caller(ctx)?;
        let rows = ctx
            .data::<Services>()?
            .tokens(caller)
            .await
            .map_err(service_error)?;
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
        let caller = caller(ctx)?;
        let new = NewToken {
            name: input.name,
            roles: input.roles,
            customer: input
                .customer
                .as_ref()
                .map(|id| decode_id(customers::TYPE, id)),
        };
        present(
            ctx.data::<Services>()?.create_token(caller, new).await,
            |(record, secret)| ApiTokenPayload {
                api_token: Some(record.into()),
                token: Some(secret),
                errors: vec![],
            },
            failed,
        )
    }

    /// Revokes a token: it stops working at once.
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiTokenInput,
    ) -> Result<ApiTokenPayload> {
        let caller = caller(ctx)?;
        present(
            ctx.data::<Services>()?
                .revoke_token(caller, decode_id(TYPE, &input.id))
                .await,
            |t| ApiTokenPayload {
                api_token: Some(t.into()),
                token: None,
                errors: vec![],
            },
            failed,
        )
    }
}
