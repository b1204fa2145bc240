//! Form fields with their labels and errors, and the errors of a failed submission.

use maud::{html, Markup};
use plumb_service::FieldErrors;

/// The errors of a submitted form, by the service's field names.
#[derive(Debug, Default, Clone)]
pub struct Errors(pub FieldErrors);

impl Errors {
    /// The messages of `field`, joined.
    pub fn of(&self, field: &str) -> Option<String> {
        self.0
             .0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.join("; "))
    }

    /// Messages of fields not in `shown` and not starting with `prefix`, as (field, text).
    pub fn others_of(&self, shown: &[&str], prefix: &str) -> Vec<(String, String)> {
        self.0
             .0
            .iter()
            .filter(|(f, _)| !shown.contains(&f.as_str()) && !f.starts_with(prefix))
            .map(|(f, m)| (f.clone(), m.join("; ")))
            .collect()
    }

    /// Messages of fields no input of the form shows (`id`, ...), joined.
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.0
             .0
            .iter()
            .filter(|(f, _)| !shown.contains(&f.as_str()))
            .map(|(f, m)| format!("{f}: {}", m.join("; ")))
            .collect()
    }
}

/// A text input with its label, hint and error; `id` is unique on the page.
pub struct Text<'a> {
    /// The form field's name.
    pub name: &'a str,
    /// The element ID (label target).
    pub id: &'a str,
    /// The label.
    pub label: &'a str,
    /// The current value.
    pub value: &'a str,
    /// A hint under the input.
    pub hint: Option<&'a str>,
    /// Whether it must be filled.
    pub required: bool,
    /// The service's name of the field (errors).
    pub field: &'a str,
}

impl Text<'_> {
    /// Renders the field with `errors`.
    pub fn render(&self, errors: &Errors) -> Markup {
        let error = errors.of(self.field);
        let error_id = format!("{}-error", self.id);
        html! {
            div.field {
                label for=(self.id) { (self.label) }
                input type="text" id=(self.id) name=(self.name) value=(self.value)
                    required[self.required]
                    aria-invalid=[error.as_ref().map(|_| "true")]
                    aria-describedby=[error.as_ref().map(|_| error_id.as_str())];
                @if let Some(h) = self.hint { span.hint { (h) } }
                @if let Some(e) = &error { span.error id=(error_id) { (e) } }
            }
        }
    }
}

/// The errors no field shows, as a notice.
pub fn other_errors(errors: &Errors, shown: &[&str]) -> Markup {
    let others = errors.others(shown);
    html! {
        @if !others.is_empty() {
            div.notice.error role="alert" {
                @for o in &others { div { (o) } }
            }
        }
    }
}

/// Splits a comma-separated list, trimmed, blanks dropped.
pub fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The connection inputs of a form: its `in.<key>` fields with a value (a blank field is not
/// given, so a stored value is kept and a secret is never required to be typed again).
pub fn conn_inputs<'a>(
    fields: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Vec<plumb_service::connections::input::ConnInput> {
    fields
        .into_iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("in.")?;
            (!v.is_empty()).then(|| plumb_service::connections::input::ConnInput {
                name: name.to_string(),
                input_type: None,
                value: Some(v.clone()),
                meta: None,
            })
        })
        .collect()
}
