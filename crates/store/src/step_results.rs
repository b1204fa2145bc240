//! Reads of step results: one step result by ID (the signed `resultsUrl` of the API), and the
//! pages of an execution's results, all of them or one step's (`Store::list_step_results_of`).

use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::executions::{step_from_row, StepResult, STEP_COLUMNS};
use crate::page::{Arg, Where};
use crate::{Page, PageRequest, Store, StoreError};

impl Store {
    /// One step result of an execution of the organization.
    pub async fn get_step_result(&self, org_id: Uuid, id: Uuid) -> Result<StepResult, StoreError> {
        let sql = format!(
            "SELECT {STEP_COLUMNS} FROM step_results s
             WHERE s.id = $1 AND EXISTS (
                 SELECT 1 FROM executions e WHERE e.id = s.execution_id AND e.org_id = $2)"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .bind(org_id.to_string())
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        step_from_row(&row)
    }

    /// A page of an execution's step results in the order they ended; with `step_name`, only
    /// that step's (every iteration of a step in a loop).
    pub async fn list_step_results_of(
        &self,
        org_id: Uuid,
        execution_id: Uuid,
        step_name: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<StepResult>, StoreError> {
        let mut w = Where::default()
            .and("s.execution_id = ?", [Arg::Text(execution_id.to_string())])
            .and(
                "EXISTS (SELECT 1 FROM executions e WHERE e.id = s.execution_id AND e.org_id = ?)",
                [Arg::Text(org_id.to_string())],
            );
        if let Some(name) = step_name {
            w = w.and("s.step_name = ?", [Arg::Text(name.to_string())]);
        }
        self.paginate(
            STEP_COLUMNS,
            "step_results s",
            "s.id",
            w,
            page,
            step_from_row,
        )
        .await
    }
}
