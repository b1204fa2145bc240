//! Template inputs: text with `{{...}}` placeholders.
//!
//! A placeholder is `{{$step.results.path}}` (a reference, see [`Reference`]),
//! `{{configVars.KEY}}` or Prismatic's `{{#KEY}}` (a config var; the key may contain spaces).

use super::reference::Reference;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    /// Literal text.
    Text(String),
    /// A config var by key.
    ConfigVar(String),
    /// A reference to a result.
    Reference(Reference),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(pub Vec<TemplatePart>);

/// A template syntax error, with the byte offset of the faulty placeholder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template syntax error at offset {offset}: {message}")]
pub struct TemplateError {
    /// Byte offset in the template text.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl Template {
    /// Parses a template.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(TemplatePart::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                return Err(TemplateError {
                    offset: offset + start,
                    message: "`{{` is not closed by `}}`".into(),
                });
            };
            let inner = after[..end].trim();
            let err = |message: String| TemplateError {
                offset: offset + start,
                message,
            };
            let part = if let Some(reference) = inner.strip_prefix('$') {
                TemplatePart::Reference(
                    Reference::parse(reference).map_err(|e| err(e.to_string()))?,
                )
            } else if let Some(key) = inner.strip_prefix("configVars.") {
                if key.is_empty() {
                    return Err(err("empty config var key".into()));
                }
                TemplatePart::ConfigVar(key.to_string())
            } else if let Some(key) = inner.strip_prefix('#') {
                if key.is_empty() {
                    return Err(err("empty config var key".into()));
                }
                TemplatePart::ConfigVar(key.to_string())
            } else if inner.is_empty() {
                return Err(err("empty placeholder `{{}}`".into()));
            } else {
                return Err(err(format!(
                    "unknown placeholder `{{{{{inner}}}}}`: use `{{{{$step.results...}}}}` or `{{{{configVars.KEY}}}}`"
                )));
            };
            parts.push(part);
            let consumed = start + 2 + end + 2;
            offset += consumed;
            rest = &rest[consumed..];
        }
        if !rest.is_empty() {
            parts.push(TemplatePart::Text(rest.to_string()));
        }
        Ok(Template(parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parts() {
        let t =
            Template::parse("{{configVars.base}}/api/{{$getData.results.id}}.png{{#Bucket Name}}")
                .unwrap();
        assert_eq!(t.0.len(), 5);
        assert_eq!(t.0[0], TemplatePart::ConfigVar("base".into()));
        assert_eq!(t.0[1], TemplatePart::Text("/api/".into()));
        assert!(matches!(&t.0[2], TemplatePart::Reference(r) if r.step == "getData"));
        assert_eq!(t.0[4], TemplatePart::ConfigVar("Bucket Name".into()));
        assert_eq!(
            Template::parse("plain").unwrap().0,
            vec![TemplatePart::Text("plain".into())]
        );
    }

    #[test]
    fn errors() {
        let cases = [
            ("a {{configVars.x", 2),
            ("{{}}", 0),
            ("ab{{foo}}", 2),
            ("{{$x.bad}}", 0),
            ("{{configVars.}}", 0),
        ];
        for (text, offset) in cases {
            let e = Template::parse(text).unwrap_err();
            assert_eq!(e.offset, offset, "{text}: {e}");
        }
    }
}
