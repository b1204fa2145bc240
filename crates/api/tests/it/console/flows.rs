//! Integrations (import, test values, test runs, publish), the deploy wizard, models.

use plumb_store::testing::TestDb;
use plumb_store::tokens::Role;

use super::{gid_of, Browser};
use crate::Server;

const GOOD: &str = r#"name: Greeter
description: Says hello
definitionVersion: 7
requiredConfigVars:
  - key: greeting
    dataType: string
flows:
  - name: Hello
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Greet
        action: {key: runCode, component: {key: code}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ configVars }) => ({ data: { said: configVars.greeting + " <b>world</b>" } });
"#;

#[tokio::test]
async fn integrations_import_errors_at_lines_test_runs_and_publish() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&s.token).await;
    let list = b.get("/integrations").await;
    assert!(list.body.contains("No integrations yet."), "{}", list.body);

    // A broken definition: its problem is shown with its line, nothing is saved.
    let broken = GOOD.replace("component: {key: code}", "component: {key: nope}");
    let a = b
        .post(
            "/integrations",
            &[("definition", &broken), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(a.status, 422);
    let line = broken
        .lines()
        .position(|l| l.contains("key: nope"))
        .unwrap()
        + 1;
    assert!(a.body.contains(&format!("line {line}")), "{}", a.body);
    assert!(
        a.body
            .contains(&format!("<li class=\"problem\" id=\"line-{line}\">")),
        "{}",
        a.body
    );
    assert!(b
        .get("/integrations")
        .await
        .body
        .contains("No integrations yet."));

    // The good one.
    let a = b
        .post("/integrations", &[("definition", GOOD), ("_csrf", &csrf)])
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let page_url = a.location.split('?').next().unwrap().to_string();
    let page = b.get(&a.location).await;
    assert!(page.body.contains("Greeter"));
    assert!(page.body.contains("Hello"));
    assert!(page.body.contains("greeting"));

    // Test values, then a test run whose execution page shows the step result as text.
    let a = b
        .post(
            &format!("{page_url}/test-values"),
            &[("key0", "greeting"), ("value0", "hi"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(b.get(&page_url).await.body.contains("value=\"hi\""));
    let a = b
        .post(
            &format!("{page_url}/test"),
            &[("flow", "Hello"), ("payload", "{}"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(a.location.starts_with("/executions/"));
    // The page opens as soon as the run is recorded and refreshes itself until it ends.
    let mut exec = b.get(&a.location).await;
    for _ in 0..200 {
        if !exec.body.contains("http-equiv=\"refresh\"") {
            break; // ended
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        exec = b.get(&a.location).await;
    }
    assert!(exec.body.contains("SUCCESS"), "{}", exec.body);
    assert!(
        !exec.body.contains("http-equiv=\"refresh\""),
        "{}",
        exec.body
    );
    assert!(exec.body.contains("Greet"));
    assert!(
        exec.body.contains("hi &lt;b&gt;world&lt;/b&gt;"),
        "{}",
        exec.body
    );
    assert!(!exec.body.contains("<b>world</b>"));
    let execs = b.get("/executions?kind=test").await;
    assert!(execs.body.contains("Hello"));
    assert!(b
        .get("/executions?status=ERROR")
        .await
        .body
        .contains("No executions match."));

    // Replay queues a new execution.
    let exec_path = a.location.clone();
    let r = b
        .post(&format!("{exec_path}/replay"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_ne!(r.location.split('?').next().unwrap(), exec_path);

    // A bad edit keeps the draft; a publish makes version 1.
    let a = b
        .post(
            &format!("{page_url}/definition"),
            &[("definition", "name: [unclosed"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(a.status, 422);
    let a = b
        .post(
            &format!("{page_url}/publish"),
            &[("comment", "first <release>"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let page = b.get(&page_url).await;
    assert!(page.body.contains(">v1<"), "{}", page.body);
    assert!(page.body.contains("first &lt;release&gt;"));

    // A viewer reads, cannot import.
    let viewer = s.token(&[Role::Viewer], None).await;
    let mut v = Browser::new(&s.url);
    let vcsrf = v.sign_in(&viewer).await;
    let list = v.get("/integrations").await;
    assert!(list.body.contains("Greeter"));
    assert!(!list.body.contains(">Import<"));
    let a = v
        .post("/integrations", &[("definition", GOOD), ("_csrf", &vcsrf)])
        .await;
    assert_eq!(a.status, 403);
    let a = v
        .post(&format!("{page_url}/test"), &[("_csrf", &vcsrf)])
        .await;
    assert_eq!(a.status, 403);
}

#[tokio::test]
async fn the_deploy_wizard_binds_config_vars_and_deploys() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&s.token).await;
    assert!(b.get("/instances").await.body.contains("No instances yet."));
    // A customer with a `greeting` variable, a published integration requiring it.
    let created = b
        .post(
            "/customers",
            &[("name", "Smith Rocket Company"), ("_csrf", &csrf)],
        )
        .await;
    let customer = gid_of(&created.location);
    b.post(
        &format!("/customers/{customer}/config-vars"),
        &[("key", "greeting"), ("value", "howdy"), ("_csrf", &csrf)],
    )
    .await;
    let a = b
        .post("/integrations", &[("definition", GOOD), ("_csrf", &csrf)])
        .await;
    let draft = a.location.split('?').next().unwrap().to_string();
    b.post(
        &format!("{draft}/publish"),
        &[("comment", ""), ("_csrf", &csrf)],
    )
    .await;
    // Stage 1 offers the customer and the version; stage 2 the variable, preselecting the
    // customer's variable of the same key.
    let one = b.get("/instances/new").await;
    assert!(one.body.contains("Smith Rocket Company"), "{}", one.body);
    assert!(one.body.contains("Greeter v1"));
    let version = {
        let i = one.body.find("id=\"integration\"").unwrap();
        let marker = "<option value=\"";
        let j = one.body[i..].find(marker).unwrap() + i + marker.len();
        one.body[j..j + one.body[j..].find('"').unwrap()].to_string()
    };
    let two = b
        .get(&format!(
            "/instances/new?customer={customer}&integration={version}"
        ))
        .await;
    assert_eq!(two.status, 200, "{}", two.body);
    assert!(two.body.contains("Customer config variable: greeting"));
    let var_id = {
        let marker = "value=\"customer:";
        let i = two.body.find(marker).unwrap() + marker.len();
        two.body[i..i + 36].to_string()
    };
    assert!(two
        .body
        .contains(&format!("value=\"customer:{var_id}\" selected")));

    // A value typed here but left empty is refused, naming the variable; nothing is created.
    let bad = b
        .post(
            "/instances",
            &[
                ("customer", &customer),
                ("integration", &version),
                ("name", "Greeter for Smith"),
                ("key0", "greeting"),
                ("bind0", "org:00000000-0000-0000-0000-000000000000"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("greeting"));
    assert!(b.get("/instances").await.body.contains("No instances yet."));

    let bind = format!("customer:{var_id}");
    let ok = b
        .post(
            "/instances",
            &[
                ("customer", &customer),
                ("integration", &version),
                ("name", "Greeter for Smith"),
                ("key0", "greeting"),
                ("bind0", &bind),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(ok.location.ends_with("?done=deployed"), "{}", ok.location);
    let page = b.get(&ok.location).await;
    assert!(page.body.contains("Deployed."));
    assert!(page.body.contains("/trigger/"), "{}", page.body);
    assert!(page.body.contains("customer config variable greeting"));
    let instance_path = ok.location.split('?').next().unwrap().to_string();

    // Disable, then delete.
    let off = b
        .post(
            &format!("{instance_path}/enabled"),
            &[("enabled", "false"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(off.status, 303);
    assert!(b.get(&instance_path).await.body.contains(">Enable<"));
    let gone = b
        .post(&format!("{instance_path}/delete"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(gone.status, 303, "{}", gone.body);
    assert_eq!(b.get(&instance_path).await.status, 404);
}

#[tokio::test]
async fn integration_models_import_list_operations_delete() {
    let petstore = include_str!("../../../../models/tests/data/openapi/petstore-3.0.yaml");
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&s.token).await;
    assert!(b
        .get("/models")
        .await
        .body
        .contains("No integration models yet."));
    // A broken document: its problems listed, nothing stored.
    let broken = petstore.replace("openapi: \"3.0.0\"", "openapi: \"9.9\"");
    let a = b
        .post("/models", &[("document", &broken), ("_csrf", &csrf)])
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(a.body.contains("The document was not imported"));
    assert!(b
        .get("/models")
        .await
        .body
        .contains("No integration models yet."));
    let a = b
        .post("/models", &[("document", petstore), ("_csrf", &csrf)])
        .await;
    assert_eq!(a.status, 303, "{}", a.body);
    let page = b.get(&a.location).await;
    for key in ["listPets", "createPets", "showPetById"] {
        assert!(page.body.contains(key), "{key}");
    }
    assert!(page.body.contains("Swagger Petstore:1.0.0"));
    // The same name again without Replace is refused; with it, accepted.
    let again = b
        .post("/models", &[("document", petstore), ("_csrf", &csrf)])
        .await;
    assert_eq!(again.status, 422);
    let replaced = b
        .post(
            "/models",
            &[
                ("document", petstore),
                ("replace", "true"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(replaced.status, 303, "{}", replaced.body);
    let path = replaced.location.split('?').next().unwrap().to_string();
    let gone = b.post(&format!("{path}/delete"), &[("_csrf", &csrf)]).await;
    assert_eq!(gone.status, 303);
    assert_eq!(b.get(&path).await.status, 404);
}
