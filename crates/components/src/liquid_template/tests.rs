//! Bounds, errors naming their input, data shapes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use plumb_core::action::{ActionError, Data};
use serde_json::{json, Value};

use crate::testing::{context, inputs};

async fn render(data: Value, template: &str) -> Result<Data, ActionError> {
    let t = context(json!({}), vec![]);
    super::Transform.run_for_test(&t.ctx, data, template).await
}

impl super::Transform {
    async fn run_for_test(
        &self,
        ctx: &plumb_core::action::ActionContext,
        data: Value,
        template: &str,
    ) -> Result<Data, ActionError> {
        use plumb_core::action::Action;
        self.run(
            ctx,
            inputs(vec![("data", data), ("liquidTemplate", json!(template))]),
        )
        .await
    }
}

fn input_of(e: ActionError) -> String {
    match e {
        ActionError::InvalidInput { input, .. } => input,
        other => panic!("not an input error: {other}"),
    }
}

#[tokio::test]
async fn data_shapes() {
    let out = render(json!("{\"a\":{\"b\":2}}"), "{{ a.b }}-{{ data.a.b }}")
        .await
        .unwrap();
    assert_eq!(out, Data::Json(json!("2-2")));
    let out = render(json!([1, 2]), "{{ data | join: '+' }}")
        .await
        .unwrap();
    assert_eq!(out, Data::Json(json!("1+2")));
    let out = render(json!("plain text"), "{{ data | upcase }}")
        .await
        .unwrap();
    assert_eq!(out, Data::Json(json!("PLAIN TEXT")));
    let out = render(Value::Null, "{% if missing %}x{% else %}none{% endif %}")
        .await
        .unwrap();
    assert_eq!(out, Data::Json(json!("none")));
}

#[tokio::test]
async fn bad_templates_name_the_input() {
    for template in [
        "{% if %}",
        "{{ x | nosuchfilter }}",
        "{% for i in (1..n) %}{% endfor %}",
        "{% for i in (1..1000000000) %}x{% endfor %}",
    ] {
        let e = render(json!({}), template).await.unwrap_err();
        assert_eq!(input_of(e), "liquidTemplate", "{template}");
    }
    let big = "x".repeat(super::MAX_TEMPLATE_BYTES + 1);
    let e = render(json!({}), &big).await.unwrap_err();
    assert_eq!(input_of(e), "liquidTemplate");
    let e = render(json!({}), "").await.unwrap_err();
    assert_eq!(input_of(e), "liquidTemplate");
}

#[tokio::test]
async fn growth_is_bounded() {
    // Doubling a string by `append` inside a loop stops at the value limit.
    let doubling = "{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}";
    let e = render(json!({}), doubling).await.unwrap_err();
    assert!(e.to_string().contains("16 MiB"), "{e}");
    // So does doubling by `capture`.
    let capture = "{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..40) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}";
    let e = render(json!({}), capture).await.unwrap_err();
    assert!(e.to_string().contains("16 MiB"), "{e}");
    // And output past the limit.
    let wide = format!(
        "{{% for i in (1..{}) %}}{}{{% endfor %}}",
        super::bounds::MAX_RANGE,
        "y".repeat(200)
    );
    let e = render(json!({}), &wide).await.unwrap_err();
    assert!(e.to_string().contains("16 MiB"), "{e}");
    // A literal range within bounds renders.
    let out = render(json!({}), "{% for i in (1..3) %}{{ i }}{% endfor %}")
        .await
        .unwrap();
    assert_eq!(out, Data::Json(json!("123")));
}

#[test]
fn range_check_reads_only_markup() {
    use super::bounds::check_ranges;
    assert!(check_ranges("text with .. dots {{ a }}").is_ok());
    assert!(check_ranges("{% for i in (0..10) %}{% endfor %}").is_ok());
    assert!(check_ranges("{% for i in (0..x) %}").is_err());
    assert!(check_ranges("{{ '..' }}").is_err());
}
