//! Steps the engine runs itself: the trigger, loops, branches and `stopExecution`.

use plumb_core::action::Data;
use plumb_core::expr::{resolve_json, Expr, LoopFrame};
use serde_json::{json, Value};

use super::exec::{Exec, Halt};
use crate::builtins::recursive_flow::with_cursor;
use crate::conditions::{evaluate, loose_eq};
use crate::plan::{Kind, PlanStep};
use crate::record::StepError;
use crate::trigger::{trigger_result, TriggerContext};

impl Exec {
    /// The trigger step: its result is the payload.
    pub fn trigger(&mut self, step: &PlanStep) {
        let started_at = self.started(step);
        let result = self.trigger_payload();
        self.succeed(step, started_at, 1, Data::Json(result));
    }

    /// `recursiveTrigger`: the payload plus its cursor (the body's, or `defaultCursor`).
    pub fn recursive_trigger(&mut self, step: &PlanStep) -> Result<(), Halt> {
        let started_at = self.started(step);
        match self.json_input(step, "defaultCursor") {
            Ok(default) => {
                let result = with_cursor(self.trigger_payload(), &default);
                self.succeed(step, started_at, 1, Data::Json(result));
                Ok(())
            }
            Err(e) => self.fail(step, started_at, 1, e),
        }
    }

    fn trigger_payload(&self) -> Value {
        trigger_result(
            &self.req.trigger,
            &TriggerContext {
                execution_id: &self.req.execution_id,
                flow: &self.req.flow,
                customer: &self.req.customer,
                instance: &self.req.instance,
                webhook_urls: &self.req.webhook_urls,
                started_at: &self.started_at,
            },
        )
    }

    fn json_input(&self, step: &PlanStep, key: &str) -> Result<Value, StepError> {
        match step.input(key) {
            Some(expr) => resolve_json(expr, &self.scope())
                .map_err(|e| StepError::new(format!("input `{key}`: {e}"))),
            None => Ok(Value::Null),
        }
    }

    fn loop_items(&self, step: &PlanStep) -> Result<Vec<Value>, StepError> {
        let items = if matches!(step.kind, Kind::LoopItems) {
            match self.json_input(step, "items")? {
                Value::Array(items) => items,
                Value::Null => Vec::new(),
                other => {
                    return Err(StepError::new(format!(
                        "input `items` must be a list, got {}",
                        kind_of(&other)
                    )))
                }
            }
        } else {
            let count = self.json_input(step, "iterationCount")?;
            let n = match &count {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|n| *n >= 0.0 && n.fract() == 0.0)
            .ok_or_else(|| {
                StepError::new(format!(
                    "input `iterationCount` must be a whole number, got {count}"
                ))
            })?;
            if n > self.limits.max_loop_iterations as f64 {
                return Err(StepError::new(format!(
                    "iterationCount {n} is over the limit of {} iterations",
                    self.limits.max_loop_iterations
                )));
            }
            (0..n as usize).map(Value::from).collect()
        };
        if items.len() > self.limits.max_loop_iterations {
            return Err(StepError::new(format!(
                "{} items are over the limit of {} iterations",
                items.len(),
                self.limits.max_loop_iterations
            )));
        }
        Ok(items)
    }

    /// A loop step: its `steps` once per item; its result is the list of each iteration's last
    /// step result.
    pub async fn run_loop(&mut self, step: &PlanStep) -> Result<(), Halt> {
        let started_at = self.started(step);
        let items = match self.loop_items(step) {
            Ok(items) => items,
            Err(e) => return self.fail(step, started_at, 1, e),
        };
        let mut outputs = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            if let Err(halt) = self.check() {
                return Err(self.interrupted(step, started_at, 1, halt));
            }
            self.loops.push(LoopFrame {
                step: step.camel.clone(),
                item,
                index,
            });
            let outcome = self.run_steps(&step.children).await;
            self.loops.pop();
            let last = step
                .children
                .last()
                .and_then(|c| self.results.get(&c.camel))
                .map(|d| match d {
                    Data::Json(v) => v.clone(),
                    Data::Binary { .. } => Value::Null,
                })
                .unwrap_or(Value::Null);
            match outcome {
                Ok(()) => outputs.push(last),
                Err(Halt::Break) => {
                    outputs.push(last);
                    break;
                }
                Err(Halt::Stop(data)) => {
                    self.succeed_redacted(step, started_at, 1, Data::Json(Value::Array(outputs)));
                    return Err(Halt::Stop(data));
                }
                Err(Halt::Failed(message)) => {
                    self.fail(
                        step,
                        started_at,
                        1,
                        StepError::new(format!("iteration {index}: {message}")),
                    )?;
                    // An ignored loop failure: the loop ends, the flow goes on.
                    return Ok(());
                }
                Err(halt) => return Err(self.interrupted(step, started_at, 1, halt)),
            }
        }
        self.succeed_redacted(step, started_at, 1, Data::Json(Value::Array(outputs)));
        Ok(())
    }

    fn choose_branch(&self, step: &PlanStep) -> Result<Option<String>, StepError> {
        let scope = self.scope();
        let name_of = |name: &Option<Expr>| -> Result<String, StepError> {
            let v = match name {
                Some(n) => resolve_json(n, &scope).map_err(|e| StepError::new(e.to_string()))?,
                None => Value::Null,
            };
            Ok(match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
        };
        if matches!(step.kind, Kind::BranchExpr) {
            match step.input("conditions") {
                Some(Expr::Complex(items)) => {
                    for item in items {
                        let name = name_of(&item.name)?;
                        let cond = resolve_json(&item.value, &scope).map_err(|e| {
                            StepError::new(format!("condition of branch `{name}`: {e}"))
                        })?;
                        if evaluate(&cond).map_err(|e| {
                            StepError::new(format!("condition of branch `{name}`: {e}"))
                        })? {
                            return Ok(Some(name));
                        }
                    }
                }
                Some(_) => {
                    return Err(StepError::new(
                        "input `conditions` must be a complex list of named conditions",
                    ))
                }
                None => {}
            }
        } else {
            let value = self.json_input(step, "inputValue")?;
            match step.input("branchValueMappings") {
                Some(Expr::Complex(items)) => {
                    for item in items {
                        let name = name_of(&item.name)?;
                        let candidate = resolve_json(&item.value, &scope).map_err(|e| {
                            StepError::new(format!("value of branch `{name}`: {e}"))
                        })?;
                        if loose_eq(&value, &candidate) {
                            return Ok(Some(name));
                        }
                    }
                }
                Some(_) => {
                    return Err(StepError::new(
                        "input `branchValueMappings` must be a complex list",
                    ))
                }
                None => {}
            }
        }
        Ok(step
            .branches
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("else"))
            .map(|(name, _)| name.clone()))
    }

    /// A branch step: chooses a branch, records `{branch}` and runs the branch's steps.
    pub async fn branch(&mut self, step: &PlanStep) -> Result<(), Halt> {
        let started_at = self.started(step);
        let chosen = match self.choose_branch(step) {
            Ok(c) => c,
            Err(e) => return self.fail(step, started_at, 1, e),
        };
        self.succeed(step, started_at, 1, Data::Json(json!({ "branch": chosen })));
        let Some(name) = chosen else {
            return Ok(());
        };
        match step.branches.iter().find(|(n, _)| *n == name) {
            Some((_, steps)) => self.run_steps(steps).await,
            None => Ok(()),
        }
    }

    /// `stopExecution`: the execution ends successfully with `{statusCode, contentType, headers,
    /// body}`.
    pub fn stop(&mut self, step: &PlanStep) -> Result<(), Halt> {
        let started_at = self.started(step);
        let response = (|| -> Result<Value, StepError> {
            Ok(json!({
                "statusCode": self.json_input(step, "statusCode")?,
                "contentType": self.json_input(step, "contentType")?,
                "headers": self.json_input(step, "headers")?,
                "body": self.json_input(step, "jsonBody")?,
            }))
        })();
        match response {
            Ok(response) => {
                self.succeed(step, started_at, 1, Data::Json(response));
                // The response as recorded: redacted.
                let data = self.last.clone().unwrap_or(Data::Json(Value::Null));
                Err(Halt::Stop(data))
            }
            Err(e) => self.fail(step, started_at, 1, e),
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
