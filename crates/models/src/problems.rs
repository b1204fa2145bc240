//! What is wrong with a document: every problem at once, each with its JSON pointer (and its
//! line and column when the document is YAML).

use std::fmt;

use plumb_core::definition::yaml::Spans;
use serde::Serialize;

/// One problem of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where: a JSON pointer into the document (`/paths/~1pets/get/operationId`).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// Its line (1-based), when known.
    pub line: Option<usize>,
    /// Its column (1-based), when known.
    pub column: Option<usize>,
}

impl Problem {
    /// A problem at `pointer`, position unknown yet.
    pub fn at(pointer: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            pointer: pointer.into(),
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{at} (line {l}, column {c}): {}", self.message),
            _ => write!(f, "{at}: {}", self.message),
        }
    }
}

/// Every problem of a document, in document order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// One problem.
    pub fn one(problem: Problem) -> Problems {
        Problems(vec![problem])
    }

    /// The same problems with the positions `spans` knows, sorted by position.
    pub fn located(mut self, spans: &Spans) -> Problems {
        for p in &mut self.0 {
            if p.line.is_none() {
                if let Some(pos) = spans.get(&p.pointer) {
                    p.line = Some(pos.line);
                    p.column = Some(pos.column);
                }
            }
        }
        self.0
            .sort_by_key(|p| (p.line.unwrap_or(usize::MAX), p.column, p.pointer.clone()));
        self
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} problem{}", if n == 1 { "" } else { "s" })?;
        for p in &self.0 {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}
