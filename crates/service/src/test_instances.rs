//! The test instance of an integration draft, as Prismatic's clients see it (`systemInstance`,
//! `testConfigVariables`): plumb runs a draft's test executions from its test values rather
//! than from a hidden instance, so this is a view of those values.
//!
//! Rules: a required config variable is `ready` when a test run can resolve it: a connection
//! always (from its `useScopedConfigVar` organization connection, or from what the definition
//! carries; a missing one fails the run with a message naming it), any other variable when it
//! has a test value or a default. The draft is configured when every variable is ready and the
//! test values resolve (`plumb_runtime::resolve_test_config`), which is exactly when a test run
//! starts.

use plumb_store::integrations::Integration;
use uuid::Uuid;

use crate::integrations::{parsed, require_reader};
use crate::{Caller, ServiceError, Services};

/// One required config variable of a draft's test configuration.
#[derive(Debug, Clone)]
pub struct TestVariable {
    /// Its key.
    pub key: String,
    /// Whether a test run can resolve it.
    pub ready: bool,
}

/// A draft's test configuration.
#[derive(Debug, Clone)]
pub struct TestInstance {
    /// The draft.
    pub draft: Uuid,
    /// Whether a test run would start (every variable resolves).
    pub configured: bool,
    /// Its required config variables, in declaration order.
    pub variables: Vec<TestVariable>,
}

impl Services {
    /// The test configuration of `row` (a draft; `None` for a published version).
    pub async fn test_instance(
        &self,
        caller: &Caller,
        row: &Integration,
    ) -> Result<Option<TestInstance>, ServiceError> {
        require_reader(caller)?;
        if row.is_published || row.org_id != caller.org_id {
            return Ok(None);
        }
        let Some(def) = parsed(&row.definition) else {
            return Ok(None);
        };
        let tests = self
            .store
            .integration_test_config(caller.org_id, row.id)
            .await?;
        let variables: Vec<TestVariable> = def
            .required_config_vars
            .iter()
            .map(|d| TestVariable {
                key: d.key.clone(),
                ready: d.is_connection()
                    || d.default_value.is_some()
                    || tests.get(&d.key).is_some_and(|v| !v.is_empty()),
            })
            .collect();
        let configured = variables.iter().all(|v| v.ready)
            && plumb_runtime::resolve_test_config(&def, &tests).is_ok();
        Ok(Some(TestInstance {
            draft: row.id,
            configured,
            variables,
        }))
    }
}
