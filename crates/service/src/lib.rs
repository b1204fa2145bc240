//! plumb's service layer: the rules of each resource (roles, customer confinement, validation,
//! the writes that belong together in one transaction), called by the GraphQL API (and later
//! the console and the CLI), which only parse input, call a service and present its answer.
//!
//! Every call takes the [`Caller`]; a failure is a [`ServiceError`]: invalid input naming its
//! field (nothing changed), not found, forbidden, or an internal store failure.
//!
//! Resources moved so far: `customers` (all), `config_vars` (organization and plain customer
//! config variables), `instances` and `instance_changes` (all but runs and webhook keys),
//! `integrations` (all), `executions` (all), `sessions` (console sign-in), `tokens`, `users` (who the caller is), `connections` (definitions, credentials), `models`.

mod caller;
pub mod capabilities;
pub mod config_vars;
pub mod connections;
pub mod customer_users;
pub mod customers;
pub mod embedded;
mod error;
pub mod executions;
pub mod instance_changes;
pub mod instance_runs;
pub mod instances;
pub mod integrations;
pub mod marketplace;
pub mod model_integrations;
pub mod models;
pub mod organization;
pub mod sessions;
pub mod signing_keys;
pub mod test_instances;
pub mod tokens;
pub mod users;
pub mod wizard;

pub use caller::Caller;
pub use error::{FieldErrors, ServiceError};

use std::sync::Arc;

use plumb_runtime::Runtime;
use plumb_store::secrets::Vault;
use plumb_store::Store;

/// What the services work with: the store, the vault that seals secrets, the runtime that
/// queues runs. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    /// The database.
    pub store: Store,
    /// Seals and opens secret values (`None` without a master key).
    pub vault: Option<Vault>,
    /// Queues executions and loads definitions.
    pub runtime: Arc<Runtime>,
}

impl Services {
    /// Services over `store`, `vault` and `runtime`.
    pub fn new(store: Store, vault: Option<Vault>, runtime: Arc<Runtime>) -> Services {
        Services {
            store,
            vault,
            runtime,
        }
    }
}
