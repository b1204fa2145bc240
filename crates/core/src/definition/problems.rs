//! Validation problems: what is wrong, where in the flow, and where in the YAML text.

use std::fmt;

use serde::Serialize;

use super::yaml::Position;

/// The kind of a validation problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProblemKind {
    /// The text is not valid YAML.
    Yaml,
    /// A field has the wrong shape (a list where a string is expected, a missing `name`, ...).
    Structure,
    /// `definitionVersion` is not 7.
    Version,
    /// A step (or connection) names a component that does not exist.
    UnknownComponent,
    /// A step names an action its component does not have.
    UnknownAction,
    /// A connection config var names a connection type its component does not have.
    UnknownConnection,
    /// A step gives an input its action does not take.
    UnknownInput,
    /// A step lacks an input its action requires.
    MissingInput,
    /// An input expression is malformed (bad reference, unknown input type, ...).
    InvalidExpression,
    /// A template has a syntax error.
    TemplateSyntax,
    /// A reference names a step that does not exist.
    UnknownStep,
    /// A reference names a step that does not run before this one.
    StepNotEarlier,
    /// `currentItem` / `index` of a step that is not an enclosing loop, or `breakLoop` outside a loop.
    NotInLoop,
    /// A config var that `requiredConfigVars` does not declare.
    UndeclaredConfigVar,
    /// Two steps of a flow share a (camelCased) name.
    DuplicateStepName,
    /// Two flows share a name.
    DuplicateFlowName,
    /// Two config vars share a key.
    DuplicateConfigVar,
    /// A flow has no trigger, or a trigger that is not its first step.
    Trigger,
    /// A loop without steps, a branch step without branches, and the like.
    ControlFlow,
    /// A trigger's `schedule` is not a cron expression.
    Schedule,
    /// The definition exceeds a limit (text size, YAML aliases or nodes, nesting, steps); the
    /// message names the limit and its value.
    Limit,
}

/// One problem of a definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// Its kind.
    pub kind: ProblemKind,
    /// A human description.
    pub message: String,
    /// The flow's name, if the problem is inside a flow.
    pub flow: Option<String>,
    /// The step's name, if the problem is inside a step.
    pub step: Option<String>,
    /// The input's path (`url`, `headers/0/value`), if the problem is inside an input.
    pub input: Option<String>,
    /// JSON pointer of the faulty node (`/flows/0/steps/2/inputs/url`).
    pub pointer: String,
    /// Line of the faulty node in the YAML text, from 1.
    pub line: usize,
    /// Column of the faulty node in the YAML text, from 1.
    pub column: usize,
}

impl Problem {
    /// A problem at a position.
    pub fn new(
        kind: ProblemKind,
        message: impl Into<String>,
        pointer: impl Into<String>,
        at: Position,
    ) -> Self {
        Problem {
            kind,
            message: message.into(),
            flow: None,
            step: None,
            input: None,
            pointer: pointer.into(),
            line: at.line,
            column: at.column,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if let Some(flow) = &self.flow {
            write!(f, "flow \"{flow}\", ")?;
        }
        if let Some(step) = &self.step {
            write!(f, "step \"{step}\", ")?;
        }
        if let Some(input) = &self.input {
            write!(f, "input \"{input}\", ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// Every problem of a definition (never empty when returned as an error).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the definition has {} problem(s):", self.0.len())?;
        for p in &self.0 {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}
