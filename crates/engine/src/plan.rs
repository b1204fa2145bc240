//! A flow compiled for running: each step's implementation looked up and its inputs parsed once.

use std::sync::Arc;
use std::time::Duration;

use plumb_core::action::Action;
use plumb_core::component::InputKind;
use plumb_core::definition::{ErrorType, Flow, Step};
use plumb_core::expr::{camel_case, Expr};
use serde_json::Value;

use crate::builtins::is_engine_step;
use crate::catalog::CatalogView;

/// What running a step means.
#[derive(Clone)]
pub(crate) enum Kind {
    /// The flow's trigger: its result is built from the payload.
    Trigger,
    /// `recursive-flow`'s `recursiveTrigger`: the payload plus its cursor.
    RecursiveTrigger,
    /// `loop` `loopOverItems`.
    LoopItems,
    /// `loop` `loopNTimes`.
    LoopN,
    /// `loop` `breakLoop`.
    Break,
    /// `branch` `branchOnExpression`.
    BranchExpr,
    /// `branch` `branchOnValue`.
    BranchValue,
    /// `stop-execution` `stopExecution`.
    Stop,
    /// A component action.
    Action(Arc<dyn Action>),
    /// A step that cannot run (no implementation, malformed input): it fails with this message.
    Broken(String),
}

/// One input of a step, parsed.
pub(crate) struct PlanInput {
    pub key: String,
    pub expr: Expr,
    /// The manifest's kind of the input, when known.
    pub kind: Option<InputKind>,
}

/// A step's error handling, with defaults applied.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorPolicy {
    pub kind: ErrorType,
    pub max_attempts: u32,
    pub delay: Duration,
    pub backoff: bool,
}

/// A compiled step.
pub(crate) struct PlanStep {
    pub name: String,
    pub camel: String,
    pub kind: Kind,
    pub inputs: Vec<PlanInput>,
    pub error: ErrorPolicy,
    pub children: Vec<PlanStep>,
    pub branches: Vec<(String, Vec<PlanStep>)>,
}

impl PlanStep {
    /// An input's expression by key.
    pub fn input(&self, key: &str) -> Option<&Expr> {
        self.inputs.iter().find(|i| i.key == key).map(|i| &i.expr)
    }
}

fn compile_step(step: &Step, is_first: bool, registry: &CatalogView) -> PlanStep {
    let component = step.action.component.key.as_str();
    let action = step.action.key.as_str();
    let manifest = registry
        .get(component)
        .and_then(|m| m.spec().find_action(action));
    let is_trigger = step.is_trigger == Some(true)
        || (is_first && manifest.is_some_and(|a| a.is_trigger))
        || matches!(
            component,
            "webhook-triggers" | "schedule-triggers" | "management-triggers"
        );
    let mut broken = None;
    let mut inputs = Vec::with_capacity(step.inputs.len());
    for (key, input) in &step.inputs {
        match Expr::parse(input) {
            Ok(expr) => inputs.push(PlanInput {
                key: key.clone(),
                expr,
                kind: manifest.and_then(|a| a.input(key)).map(|i| i.kind),
            }),
            Err(e) => broken = Some(format!("input `{key}`: {e}")),
        }
    }
    // Manifest defaults for inputs the step does not give.
    for m in manifest.map(|a| a.inputs.as_slice()).unwrap_or_default() {
        if let Some(default) = &m.default {
            if !step.inputs.contains_key(m.key.as_str()) {
                inputs.push(PlanInput {
                    key: m.key.clone(),
                    expr: Expr::Value(Value::String(default.clone())),
                    kind: Some(m.kind),
                });
            }
        }
    }
    let kind = if let Some(message) = broken {
        Kind::Broken(message)
    } else if is_trigger && component == crate::builtins::recursive_flow::KEY {
        Kind::RecursiveTrigger
    } else if is_trigger {
        Kind::Trigger
    } else if is_engine_step(component) {
        match (component, action) {
            ("loop", "loopOverItems") => Kind::LoopItems,
            ("loop", "loopNTimes") => Kind::LoopN,
            ("loop", "breakLoop") => Kind::Break,
            ("branch", "branchOnExpression") => Kind::BranchExpr,
            ("branch", "branchOnValue") => Kind::BranchValue,
            ("stop-execution", "stopExecution") => Kind::Stop,
            _ => Kind::Broken(format!("component `{component}` has no action `{action}`")),
        }
    } else {
        match registry.action(component, action) {
            Some(a) => Kind::Action(a),
            None => Kind::Broken(format!(
                "no implementation of `{component}` action `{action}`"
            )),
        }
    };
    let ec = step.error_config.as_ref();
    let error = ErrorPolicy {
        kind: ec.map(|e| e.error_type).unwrap_or_default(),
        max_attempts: ec.and_then(|e| e.max_attempts).unwrap_or(3).max(1),
        delay: Duration::from_secs(u64::from(
            ec.and_then(|e| e.retry_delay_seconds).unwrap_or(0),
        )),
        backoff: ec.and_then(|e| e.uses_exponential_backoff).unwrap_or(false),
    };
    PlanStep {
        name: step.name.clone(),
        camel: camel_case(&step.name),
        kind,
        inputs,
        error,
        children: compile_steps(step.steps.as_deref().unwrap_or_default(), false, registry),
        branches: step
            .branches
            .iter()
            .flatten()
            .map(|b| (b.name.clone(), compile_steps(&b.steps, false, registry)))
            .collect(),
    }
}

fn compile_steps(steps: &[Step], top: bool, registry: &CatalogView) -> Vec<PlanStep> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| compile_step(s, top && i == 0, registry))
        .collect()
}

/// Compiles a flow.
pub(crate) fn compile(flow: &Flow, registry: &CatalogView) -> Vec<PlanStep> {
    compile_steps(&flow.steps, true, registry)
}
