//! References to earlier results: `stepName.results.a.0.b`, and inside a loop
//! `loopStep.currentItem.x` / `loopStep.index`.

use std::fmt;

/// What part of a step a reference reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefTarget {
    /// `step.results...`: the step's result.
    Results,
    /// `loop.currentItem...`: the item of the current iteration of an enclosing loop.
    CurrentItem,
    /// `loop.index`: the index of the current iteration of an enclosing loop.
    Index,
}

/// A parsed reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The camelCased step name.
    pub step: String,
    /// What it reads.
    pub target: RefTarget,
    /// Path segments below the target (object keys or list indexes).
    pub path: Vec<String>,
}

/// A reference that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid reference `{text}`: {reason}")]
pub struct ReferenceError {
    /// The reference as written.
    pub text: String,
    /// Why it is invalid.
    pub reason: String,
}

impl Reference {
    /// Parses `step.results.path...`, `step.currentItem.path...` or `step.index`.
    pub fn parse(text: &str) -> Result<Reference, ReferenceError> {
        let err = |reason: &str| ReferenceError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = text.trim();
        let mut parts = trimmed.split('.');
        let step = parts.next().unwrap_or_default();
        if step.is_empty() || step.chars().any(char::is_whitespace) {
            return Err(err("it must start with a camelCased step name"));
        }
        let target = match parts.next() {
            Some("results") => RefTarget::Results,
            Some("currentItem") => RefTarget::CurrentItem,
            Some("index") => RefTarget::Index,
            Some(other) => {
                return Err(err(&format!(
                "expected `results`, `currentItem` or `index` after the step name, found `{other}`"
            )))
            }
            None => return Err(err("expected `.results` after the step name")),
        };
        // `items[0].id` is accepted as `items.0.id`.
        let mut path = Vec::new();
        for part in parts {
            let (head, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !head.is_empty() || rest.is_empty() {
                path.push(head.to_string());
            }
            while let Some(inner) = rest.strip_prefix('[') {
                let Some(close) = inner.find(']') else {
                    return Err(err("`[` without `]`"));
                };
                let index = &inner[..close];
                if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err("a list index in brackets must be a number"));
                }
                path.push(index.to_string());
                rest = &inner[close + 1..];
            }
            if !rest.is_empty() {
                return Err(err("unexpected text after `]`"));
            }
        }
        if path.iter().any(String::is_empty) {
            return Err(err("empty path segment"));
        }
        if target == RefTarget::Index && !path.is_empty() {
            return Err(err("`index` has no fields"));
        }
        Ok(Reference {
            step: step.to_string(),
            target,
            path,
        })
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = match self.target {
            RefTarget::Results => "results",
            RefTarget::CurrentItem => "currentItem",
            RefTarget::Index => "index",
        };
        write!(f, "{}.{target}", self.step)?;
        for p in &self.path {
            write!(f, ".{p}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let ok: &[(&str, &str, RefTarget, &[&str])] = &[
            (
                "getPokemonData.results.sprites.front_default",
                "getPokemonData",
                RefTarget::Results,
                &["sprites", "front_default"],
            ),
            (
                "listItems.results.0.id",
                "listItems",
                RefTarget::Results,
                &["0", "id"],
            ),
            ("pathHelper.results", "pathHelper", RefTarget::Results, &[]),
            (
                "loopOverItems.currentItem.title",
                "loopOverItems",
                RefTarget::CurrentItem,
                &["title"],
            ),
            (
                "loopOverItems.index",
                "loopOverItems",
                RefTarget::Index,
                &[],
            ),
            (
                "trigger.results.webhookUrls.Capitalize Titles",
                "trigger",
                RefTarget::Results,
                &["webhookUrls", "Capitalize Titles"],
            ),
        ];
        for (text, step, target, path) in ok {
            let r = Reference::parse(text).unwrap();
            assert_eq!(&r.step, step);
            assert_eq!(&r.target, target);
            assert_eq!(
                r.path,
                path.iter().map(|s| s.to_string()).collect::<Vec<_>>()
            );
            assert_eq!(r.to_string(), text.trim());
        }
        let r = Reference::parse("listItems.results.items[0].tags[2]").unwrap();
        assert_eq!(r.path, ["items", "0", "tags", "2"]);
        for bad in [
            "s.results.a[x]",
            "s.results.a[0",
            "s.results.a[0]b",
            "",
            "step",
            "step.foo",
            "step.results..a",
            "Get Data.results",
            "l.index.x",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }
}
