//! Capability URLs: addresses that work without a bearer token, for Prismatic's clients.
//!
//! - A step result's `resultsUrl` (`/step-results/{token}`): `prism` downloads a step's result
//!   from it with a plain GET. The token names the organization and the step result and expires
//!   after [`RESULTS_URL_TTL_MS`]; it is handed only to callers who may read that execution.
//! - A draft flow's `testUrl` (`/trigger/test/{token}`): `prism integrations:flows:test` posts
//!   the trigger payload there. The token names the organization, the draft and the flow; it is
//!   handed only to callers who may run tests (designers), and it runs the flow exactly as
//!   `testIntegrationFlow` does, with the draft's test values, as a test execution.
//!
//! Tokens are `part.part...signature`, signed with a key derived from the master key for each
//! purpose (`plumb_vault::CapabilityKey`): a token cannot be forged, altered or used for the
//! other purpose; replacing the master key voids them all. Without a vault (no master key) no
//! URL is made. A token that does not check out is "not found" (nothing says why).

use std::collections::BTreeMap;

use plumb_store::executions::{Execution, StepResult};
use plumb_store::tokens::Role;
use plumb_store::StoreError;
use uuid::Uuid;

use crate::integrations::{may_design, FlowChoice, TestRun};
use crate::{Caller, ServiceError, Services};

/// How long a `resultsUrl` works (ms).
pub const RESULTS_URL_TTL_MS: i64 = 60 * 60 * 1000;

const STEP_RESULT: &str = "step-result";
const TEST_TRIGGER: &str = "test-trigger";

/// A test trigger call: the request as it came.
#[derive(Debug, Clone, Default)]
pub struct TestTriggerCall {
    /// The body.
    pub payload: Option<String>,
    /// Its content type.
    pub content_type: Option<String>,
    /// The request headers.
    pub headers: BTreeMap<String, String>,
}

impl Services {
    /// A token of `parts` signed for `purpose` (`None` without a vault).
    fn sign(&self, purpose: &str, parts: &[String]) -> Option<String> {
        let vault = self.vault.as_ref()?;
        let message = parts.join(".");
        let signature = vault.capability_key(purpose).sign(&message);
        Some(format!("{message}.{signature}"))
    }

    /// The `count` parts of a token signed for `purpose`, when its signature checks out.
    fn open(&self, purpose: &str, token: &str, count: usize) -> Option<Vec<String>> {
        let vault = self.vault.as_ref()?;
        let (message, signature) = token.rsplit_once('.')?;
        if !vault.capability_key(purpose).verify(message, signature) {
            return None;
        }
        let parts: Vec<String> = message.split('.').map(str::to_string).collect();
        (parts.len() == count).then_some(parts)
    }

    /// The `resultsUrl` of step result `step` of the organization, valid from `now_ms` for
    /// [`RESULTS_URL_TTL_MS`]; `None` without a vault.
    pub fn step_result_url(&self, org_id: Uuid, step: Uuid, now_ms: i64) -> Option<String> {
        let expires = now_ms.saturating_add(RESULTS_URL_TTL_MS);
        let token = self.sign(
            STEP_RESULT,
            &[org_id.to_string(), step.to_string(), expires.to_string()],
        )?;
        Some(format!("{}/step-results/{token}", self.runtime.public_url))
    }

    /// The step result a `resultsUrl` token names, if the token checks out and has not
    /// expired at `now_ms`.
    pub async fn step_result_by_token(
        &self,
        token: &str,
        now_ms: i64,
    ) -> Result<StepResult, ServiceError> {
        let not_found = ServiceError::NotFound("StepResult");
        let parts = self.open(STEP_RESULT, token, 3).ok_or(not_found)?;
        let (Ok(org), Ok(step), Ok(expires)) = (
            Uuid::parse_str(&parts[0]),
            Uuid::parse_str(&parts[1]),
            parts[2].parse::<i64>(),
        ) else {
            return Err(ServiceError::NotFound("StepResult"));
        };
        if expires < now_ms {
            return Err(ServiceError::NotFound("StepResult"));
        }
        match self.store.get_step_result(org, step).await {
            Ok(s) => Ok(s),
            Err(StoreError::NotFound) => Err(ServiceError::NotFound("StepResult")),
            Err(e) => Err(e.into()),
        }
    }

    /// The `testUrl` of flow `flow` of the draft `draft`, for a caller who may run tests
    /// (`None` for others, and without a vault).
    pub fn flow_test_url(&self, caller: &Caller, draft: Uuid, flow: Uuid) -> Option<String> {
        if !may_design(caller) {
            return None;
        }
        let token = self.sign(
            TEST_TRIGGER,
            &[
                caller.org_id.to_string(),
                draft.to_string(),
                flow.to_string(),
            ],
        )?;
        Some(format!("{}/trigger/test/{token}", self.runtime.public_url))
    }

    /// Runs the flow a `testUrl` token names, as `testIntegrationFlow` would for a designer of
    /// its organization, with the request as the trigger payload.
    pub async fn run_test_trigger(
        &self,
        token: &str,
        call: TestTriggerCall,
    ) -> Result<Execution, ServiceError> {
        let parts = self
            .open(TEST_TRIGGER, token, 3)
            .ok_or(ServiceError::NotFound("IntegrationFlow"))?;
        let (Ok(org), Ok(draft), Ok(flow)) = (
            Uuid::parse_str(&parts[0]),
            Uuid::parse_str(&parts[1]),
            Uuid::parse_str(&parts[2]),
        ) else {
            return Err(ServiceError::NotFound("IntegrationFlow"));
        };
        // The token stands for the designer it was handed to.
        let caller = Caller {
            token_id: Uuid::nil(),
            org_id: org,
            roles: vec![Role::Designer],
            customer_id: None,
        };
        let headers = serde_json::to_string(&call.headers).ok();
        let run = TestRun {
            flow: FlowChoice::Id(Some(flow)),
            payload: call.payload,
            content_type: call.content_type,
            headers,
            watch: false,
        };
        self.test_integration_flow(&caller, Some(Some(draft)), run)
            .await
    }
}
