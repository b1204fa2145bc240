//! The API's connection input values (`[InputExpression {name, type, value, meta}]`), checked and
//! stored by `plumb_service::connections::input`. Error messages never repeat a value.

use std::collections::BTreeMap;

use async_graphql::{Context, InputObject};
use plumb_core::connection_types::ConnectionType;
use plumb_service::connections::input::ConnInput;
use plumb_store::connection_values::StoredValue;
use plumb_store::secrets::Vault;
use uuid::Uuid;

use crate::graphql::errors::{gql_error, PayloadErrors, Result};

/// One connection input value, as Prismatic's API spells it.
#[derive(InputObject, Clone)]
pub struct InputExpression {
    /// The connection input's key (`username`, `apiKey`, ...).
    pub name: String,
    /// The expression type: only `value` is accepted for connection inputs.
    #[graphql(name = "type")]
    pub input_type: Option<String>,
    /// The value (empty clears it where allowed).
    pub value: Option<String>,
    /// A JSON string; `{"inputScope": "global" | "customer"}` on scoped config variables.
    pub meta: Option<String>,
}

impl std::fmt::Debug for InputExpression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value may be a secret.
        f.debug_struct("InputExpression")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

pub use plumb_service::connections::input::{check_complete, field, Parsed};

impl plumb_service::connections::input::Problems for PayloadErrors {
    fn problem(&mut self, field: String, message: String) {
        self.add(field, message);
    }
}

impl From<&InputExpression> for ConnInput {
    fn from(i: &InputExpression) -> ConnInput {
        ConnInput {
            name: i.name.clone(),
            input_type: i.input_type.clone(),
            value: i.value.clone(),
            meta: i.meta.clone(),
        }
    }
}

/// The service's form of API inputs.
pub fn conn_inputs(inputs: &[InputExpression]) -> Vec<ConnInput> {
    inputs.iter().map(ConnInput::from).collect()
}

/// Checks names, types, duplicates and `meta` of `inputs`; reports problems into `errors`.
pub fn parse(
    ty: &ConnectionType,
    inputs: &[InputExpression],
    errors: &mut PayloadErrors,
) -> Parsed {
    plumb_service::connections::input::parse(ty, &conn_inputs(inputs), errors)
}

/// The vault of the request, or an internal error when the server has no master key.
pub fn vault<'a>(ctx: &Context<'a>) -> Result<&'a Vault> {
    ctx.data_opt::<Vault>().ok_or_else(|| {
        tracing::error!("no master key configured: cannot seal connection secrets");
        gql_error("INTERNAL", "internal error")
    })
}

/// Turns values into stored values for set `set_id`: secrets sealed, empty values `None`.
pub async fn to_stored(
    vault: &Vault,
    ty: &ConnectionType,
    org_id: Uuid,
    set_id: Uuid,
    values: BTreeMap<String, String>,
) -> Result<BTreeMap<String, Option<StoredValue>>> {
    plumb_service::connections::input::to_stored(vault, ty, org_id, set_id, values)
        .await
        .map_err(crate::graphql::errors::service_error)
}
