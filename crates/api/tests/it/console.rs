//! The web console over real HTTP, as a browser without script would use it: sign-in with an
//! API token (session cookie, CSRF on every form), customers and their config variables,
//! organization config variables, roles and customer confinement, sign-out and revocation.
//! Every backend of the environment (sessions live in the store).

use std::collections::HashMap;

use plumb_api::ApiConfig;
use plumb_store::testing::TestDb;
use plumb_store::tokens::Role;
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use serde_json::json;

use crate::Server;

/// A cookie-keeping client that does not follow redirects.
struct Browser {
    http: reqwest::Client,
    url: String,
    cookies: HashMap<String, String>,
    /// The `Set-Cookie` headers of the last answer.
    last_set_cookies: Vec<String>,
}

/// An answer: status, `Location`, body.
struct Answer {
    status: StatusCode,
    location: String,
    body: String,
}

impl Browser {
    fn new(url: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            url: url.to_string(),
            cookies: HashMap::new(),
            last_set_cookies: vec![],
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn answer(&mut self, r: reqwest::Response) -> Answer {
        self.last_set_cookies = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        for c in &self.last_set_cookies {
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        Answer {
            status: r.status(),
            location: r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default(),
            body: r.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.answer(r).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.answer(r).await
    }

    /// Signs in with `token`; answers the session's CSRF token (read from the next page).
    async fn sign_in(&mut self, token: &str) -> String {
        let login = self.get("/login").await;
        assert_eq!(login.status, 200);
        let csrf = hidden_csrf(&login.body);
        let a = self
            .post("/login", &[("token", token), ("_csrf", &csrf)])
            .await;
        assert_eq!(a.status, 303, "{}", a.body);
        assert_eq!(a.location, "/customers");
        let page = self.get("/customers").await;
        assert_eq!(page.status, 200, "{}", page.body);
        hidden_csrf(&page.body)
    }
}

/// The value of the first hidden `_csrf` field of a page.
fn hidden_csrf(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let i = html
        .find(marker)
        .unwrap_or_else(|| panic!("no CSRF field in {html}"))
        + marker.len();
    html[i..i + html[i..].find('"').unwrap()].to_string()
}

/// The customer's global ID in a `/customers/{gid}?...` location.
fn gid_of(location: &str) -> String {
    location
        .trim_start_matches("/customers/")
        .split('?')
        .next()
        .unwrap()
        .to_string()
}

async fn customer_names(s: &Server) -> Vec<String> {
    let r = s.gql("{ customers { nodes { name } } }", json!({})).await;
    r["data"]["customers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn sign_in_manage_customers_and_config_vars_sign_out() {
    for s in Server::all().await {
        let mut b = Browser::new(&s.url);

        // Not signed in: the console sends you to sign in.
        let home = b.get("/").await;
        assert_eq!(home.status, 303);
        assert_eq!(home.location, "/login");
        let login = b.get("/login").await;
        assert_eq!(login.status, 200);
        assert!(login.body.contains("Sign in to plumb"));
        let login_csrf = hidden_csrf(&login.body);

        // The sign-in form is refused without its CSRF token, and a wrong token is refused
        // without a session.
        let forged = b.post("/login", &[("token", &s.token)]).await;
        assert_eq!(forged.status, 403);
        assert!(!b.cookies.contains_key("plumb_session"));
        let wrong = b
            .post("/login", &[("token", "plumb_nope"), ("_csrf", &login_csrf)])
            .await;
        assert_eq!(wrong.status, 401);
        assert!(
            wrong.body.contains("unknown or revoked token"),
            "{}",
            wrong.body
        );
        assert!(!b.cookies.contains_key("plumb_session"));

        // Signing in opens the console.
        let csrf = b.sign_in(&s.token).await;
        let page = b.get("/customers").await;
        assert!(page.body.contains("No customers yet."), "{}", page.body);
        assert!(page.body.contains("Create customer"));

        // A form without its CSRF token changes nothing.
        let forged = b.post("/customers", &[("name", "Forged")]).await;
        assert_eq!(forged.status, 403);
        let stale = b
            .post("/customers", &[("name", "Forged"), ("_csrf", "stale")])
            .await;
        assert_eq!(stale.status, 403);
        assert!(customer_names(&s).await.is_empty());

        // Invalid input names its field and changes nothing.
        let empty = b
            .post("/customers", &[("name", " "), ("_csrf", &csrf)])
            .await;
        assert_eq!(empty.status, 422);
        assert!(empty.body.contains("must not be empty"), "{}", empty.body);
        assert!(customer_names(&s).await.is_empty());

        // Create; a name with markup is shown as text everywhere.
        let xss = "<script>alert(1)</script>";
        let created = b
            .post(
                "/customers",
                &[
                    ("name", xss),
                    ("externalId", "acme-1"),
                    ("labels", "gold, eu"),
                    ("_csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(created.status, 303, "{}", created.body);
        let gid = gid_of(&created.location);
        let show = b.get(&created.location).await;
        assert_eq!(show.status, 200);
        assert!(!show.body.contains(xss));
        assert!(show.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(show.body.contains("Created."));
        let list = b.get("/customers").await;
        assert!(!list.body.contains(xss));
        assert!(list.body.contains("gold"));
        assert_eq!(customer_names(&s).await, [xss]);

        // A taken external ID is refused on the form.
        let dup = b
            .post(
                "/customers",
                &[
                    ("name", "Other"),
                    ("externalId", "acme-1"),
                    ("_csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(dup.status, 422);
        assert!(dup.body.contains("is already used by another customer"));

        // Search.
        b.post("/customers", &[("name", "Globex"), ("_csrf", &csrf)])
            .await;
        let found = b.get("/customers?q=glob").await;
        assert!(found.body.contains("Globex"));
        assert!(!found.body.contains("&lt;script&gt;"));
        let none = b.get("/customers?q=zzz").await;
        assert!(none.body.contains("No customer matches your search."));

        // Edit.
        let saved = b
            .post(
                &format!("/customers/{gid}"),
                &[
                    ("name", "Acme Corp"),
                    ("externalId", "acme-1"),
                    ("labels", ""),
                    ("_csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        assert!(b.get(&saved.location).await.body.contains("Acme Corp"));

        // The customer's config variables: a bad number is refused, a good one listed.
        let base = format!("/customers/{gid}/config-vars");
        let bad = b
            .post(
                &base,
                &[
                    ("key", "limit"),
                    ("value", "ten"),
                    ("dataType", "number"),
                    ("_csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.body.contains("for data type number"), "{}", bad.body);
        let good = b
            .post(
                &base,
                &[
                    ("key", "Pokemon Name"),
                    ("value", "pikachu"),
                    ("dataType", "string"),
                    ("_csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(good.status, 303, "{}", good.body);
        let page = b.get(&format!("/customers/{gid}")).await;
        assert!(page.body.contains("Pokemon Name"));
        assert!(page.body.contains("pikachu"));
        let vars = s
            .gql(
                "query($c: ID!) { customerConfigVariables(customer: $c) { nodes { id key value } } }",
                json!({ "c": gid }),
            )
            .await;
        let var = &vars["data"]["customerConfigVariables"]["nodes"][0];
        assert_eq!(var["value"], "pikachu");
        let var_id = var["id"].as_str().unwrap();
        let changed = b
            .post(
                &format!("{base}/{var_id}"),
                &[("value", "onix"), ("_csrf", &csrf)],
            )
            .await;
        assert_eq!(changed.status, 303);
        assert!(b
            .get(&format!("/customers/{gid}"))
            .await
            .body
            .contains("onix"));
        let deleted = b
            .post(&format!("{base}/{var_id}/delete"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(deleted.status, 303);
        assert!(b
            .get(&format!("/customers/{gid}"))
            .await
            .body
            .contains("No config variables for this customer."));

        // Settings: organization config variables.
        let settings = b.get("/settings").await;
        assert!(settings
            .body
            .contains("No organization config variables yet."));
        let set = b
            .post(
                "/settings/config-vars",
                &[
                    ("key", "S3 Bucket Name"),
                    ("value", "pokemon-avatars"),
                    ("dataType", "string"),
                    ("_csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(set.status, 303);
        let settings = b.get("/settings").await;
        assert!(settings.body.contains("pokemon-avatars"));
        let org_vars = s
            .gql(
                "{ organizationConfigVariables { nodes { key value } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            org_vars["data"]["organizationConfigVariables"]["nodes"][0]["value"],
            "pokemon-avatars"
        );

        // Delete the customer.
        let gone = b
            .post(&format!("/customers/{gid}/delete"), &[("_csrf", &csrf)])
            .await;
        assert_eq!(gone.status, 303);
        assert_eq!(b.get(&format!("/customers/{gid}")).await.status, 404);

        // Sign out: the session is over, its cookie no longer opens a page.
        let old_cookie = b.cookies.get("plumb_session").cloned().unwrap();
        let out = b.post("/logout", &[("_csrf", &csrf)]).await;
        assert_eq!(out.status, 303);
        assert_eq!(out.location, "/login");
        b.cookies.insert("plumb_session".into(), old_cookie);
        let after = b.get("/customers").await;
        assert_eq!(after.status, 303);
        assert_eq!(after.location, "/login");
    }
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_secure_behind_https() {
    for (public_url, secure) in [
        ("http://127.0.0.1:8080", false),
        ("https://plumb.example.com", true),
    ] {
        let s = Server::start_with(
            TestDb::sqlite().await.unwrap(),
            ApiConfig {
                public_url: public_url.into(),
                ..ApiConfig::default()
            },
        )
        .await;
        let mut b = Browser::new(&s.url);
        let login = b.get("/login").await;
        let csrf = hidden_csrf(&login.body);
        b.post("/login", &[("token", &s.token), ("_csrf", &csrf)])
            .await;
        let session = b
            .last_set_cookies
            .iter()
            .find(|c| c.starts_with("plumb_session="))
            .unwrap()
            .clone();
        assert!(session.contains("HttpOnly"), "{session}");
        assert!(session.contains("SameSite=Strict"), "{session}");
        assert_eq!(session.contains("Secure"), secure, "{session}");
        // The secret is random and only its hash is stored.
        let secret = b.cookies["plumb_session"].clone();
        assert!(secret.len() >= 43, "{secret}");
    }
}

#[tokio::test]
async fn a_viewer_sees_no_edit_buttons_and_its_posts_are_refused() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let c = s
        .gql(
            r#"mutation { createCustomer(input: {name: "Acme"}) { customer { id } } }"#,
            json!({}),
        )
        .await;
    let gid = c["data"]["createCustomer"]["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let viewer = s.token(&[Role::Viewer], None).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&viewer).await;
    let list = b.get("/customers").await;
    assert!(list.body.contains("Acme"));
    assert!(!list.body.contains("Create customer"), "{}", list.body);
    let show = b.get(&format!("/customers/{gid}")).await;
    assert_eq!(show.status, 200);
    for label in ["Save", "Delete customer", "Add variable"] {
        assert!(
            !show.body.contains(&format!(">{label}<")),
            "{label} shown to a viewer"
        );
    }
    let settings = b.get("/settings").await;
    assert!(!settings.body.contains("Save variable"));

    // With a valid CSRF token, every write is still refused by the services.
    for (path, form) in [
        ("/customers".to_string(), vec![("name", "Sneaky")]),
        (format!("/customers/{gid}"), vec![("name", "Renamed")]),
        (format!("/customers/{gid}/delete"), vec![]),
        (
            format!("/customers/{gid}/config-vars"),
            vec![("key", "k"), ("value", "v")],
        ),
        (
            "/settings/config-vars".to_string(),
            vec![("key", "k"), ("value", "v")],
        ),
    ] {
        let mut form = form;
        form.push(("_csrf", &csrf));
        let a = b.post(&path, &form).await;
        assert_eq!(a.status, 403, "{path}: {}", a.body);
        assert!(a.body.contains("Not allowed"));
    }
    assert_eq!(customer_names(&s).await, ["Acme"]);
}

#[tokio::test]
async fn a_customer_bound_session_sees_only_its_customer() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let mut ids = vec![];
    for name in ["Mine", "Theirs"] {
        let c = s
            .gql(
                "mutation($n: String!) { createCustomer(input: {name: $n}) { customer { id } } }",
                json!({ "n": name }),
            )
            .await;
        ids.push(
            c["data"]["createCustomer"]["customer"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mine = plumb_core::id::decode("Customer", &ids[0]).unwrap();
    let bound = s.token(&[Role::Deployer], Some(mine)).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&bound).await;
    let list = b.get("/customers").await;
    assert!(list.body.contains("Mine"));
    assert!(!list.body.contains("Theirs"));
    assert_eq!(b.get(&format!("/customers/{}", ids[1])).await.status, 404);
    let a = b
        .post(
            &format!("/customers/{}/config-vars", ids[1]),
            &[("key", "k"), ("value", "v"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(a.status, 404, "{}", a.body);
    assert!(a.body.contains("Not found"));
    // Its own customer's variables it may set.
    let ok = b
        .post(
            &format!("/customers/{}/config-vars", ids[0]),
            &[("key", "k"), ("value", "v"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
}

#[tokio::test]
async fn revoking_the_token_ends_its_sessions() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let (token, secret) =
        s.db.store
            .create_token(s.org, "laptop", &[Role::Admin], None)
            .await
            .unwrap();
    let mut b = Browser::new(&s.url);
    b.sign_in(&secret).await;
    assert_eq!(b.get("/customers").await.status, 200);
    s.db.store.revoke_token(s.org, token.id).await.unwrap();
    let a = b.get("/customers").await;
    assert_eq!(a.status, 303);
    assert_eq!(a.location, "/login");
}

#[tokio::test]
async fn console_pages_set_the_strict_policy_and_same_origin_assets() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let mut b = Browser::new(&s.url);
    b.sign_in(&s.token).await;
    let r = b
        .http
        .get(format!("{}/customers", s.url))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let html = r.text().await.unwrap();
    assert!(!html.contains("https://") && !html.contains("http://"));
    assert!(!html.contains("style=\""));
    for asset in ["console.css", "console.js"] {
        let i = html.find(asset).unwrap();
        let start = html[..i].rfind('"').unwrap() + 1;
        let url = &html[start..i + asset.len()];
        assert!(url.starts_with("/console/assets/"), "{url}");
        let a = b.get(url).await;
        assert_eq!(a.status, 200, "{url}");
        assert!(!a.body.is_empty());
    }
    assert_eq!(
        b.get("/console/assets/x/other.js").await.status,
        StatusCode::NOT_FOUND
    );
}

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
    let exec = b.get(&a.location).await;
    assert!(exec.body.contains("SUCCESS"), "{}", exec.body);
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

/// A Salesforce token endpoint stand-in: client credentials `cid` / `s3cret` get a token.
async fn token_endpoint() -> String {
    use axum::routing::post;
    async fn token(axum::Form(f): axum::Form<HashMap<String, String>>) -> axum::response::Response {
        use axum::response::IntoResponse;
        let ok = f.get("grant_type").map(String::as_str) == Some("client_credentials")
            && f.get("client_id").map(String::as_str) == Some("cid")
            && f.get("client_secret").map(String::as_str) == Some("s3cret");
        if ok {
            axum::Json(json!({
                "access_token": "00Dtoken",
                "instance_url": "https://acme.my.salesforce.com",
                "token_type": "Bearer"
            }))
            .into_response()
        } else {
            (
                axum::http::StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": "invalid_client", "error_description": "invalid client credentials"})),
            )
                .into_response()
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/services/oauth2/token",
        listener.local_addr().unwrap()
    );
    let router = axum::Router::new().route("/services/oauth2/token", post(token));
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    url
}

#[tokio::test]
async fn the_staged_salesforce_credential_wizard() {
    let token_url = token_endpoint().await;
    // Secrets need the master key.
    let (s, _key) = crate::connections::start(TestDb::sqlite().await.unwrap()).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&s.token).await;
    let settings = b.get("/settings").await;
    assert!(settings.body.contains("No credentials yet."));
    let start = b.get("/settings/credentials/new").await;
    assert_eq!(start.status, 200);
    assert!(start.body.contains("Name the credential"));
    let step = |stage: &str, go: &str, extra: Vec<(&'static str, String)>| {
        let mut f: Vec<(String, String)> = vec![
            ("stage".into(), stage.into()),
            ("go".into(), go.into()),
            ("_csrf".into(), csrf.clone()),
        ];
        for (k, v) in extra {
            f.push((k.into(), v));
        }
        f
    };
    async fn send(b: &mut Browser, f: Vec<(String, String)>) -> Answer {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        b.post("/settings/credentials/new", &pairs).await
    }
    // Stage 1 is validated before moving on.
    let a = send(&mut b, step("0", "next", vec![("name", " ".into())])).await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("must not be empty"));
    assert!(a.body.contains("Name the credential"));
    let a = send(
        &mut b,
        step("0", "next", vec![("name", "Acme Salesforce".into())]),
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(a.body.contains("✓ 1. Name"), "{}", a.body);
    assert!(a.body.contains("Entity type settings"));
    let a = send(
        &mut b,
        step(
            "1",
            "next",
            vec![
                ("name", "Acme Salesforce".into()),
                ("entity", "Bill".into()),
            ],
        ),
    )
    .await;
    assert!(a.body.contains("✓ 2. Entity type"));
    assert!(a.body.contains("Destination settings"));
    let base = vec![
        ("name", "Acme Salesforce".to_string()),
        ("entity", "Bill".to_string()),
        ("destination", "salesforce/clientCredentials".to_string()),
    ];
    let a = send(&mut b, step("2", "next", base.clone())).await;
    assert!(a.body.contains("✓ 3. Destination"));
    for label in ["External Customer Id", "Client Id", "Client Secret"] {
        assert!(a.body.contains(label), "{label}");
    }
    // Back keeps what was chosen.
    let back = send(&mut b, step("3", "back", base.clone())).await;
    assert!(back.body.contains("Destination settings"));
    assert!(back
        .body
        .contains("value=\"salesforce/clientCredentials\" selected"));

    // A wrong secret: the token request fails, nothing is kept, the secret is not shown.
    let mut wrong = base.clone();
    wrong.extend([
        ("in.externalCustomerId", "acme".to_string()),
        ("in.clientId", "cid".to_string()),
        ("in.clientSecret", "not-the-secret".to_string()),
        ("in.tokenUrl", token_url.clone()),
    ]);
    let a = send(&mut b, step("3", "create", wrong)).await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(a.body.contains("its test failed"), "{}", a.body);
    assert!(!a.body.contains("not-the-secret"));
    assert!(b
        .get("/settings")
        .await
        .body
        .contains("No credentials yet."));

    let mut right = base.clone();
    right.extend([
        ("in.externalCustomerId", "acme".to_string()),
        ("in.clientId", "cid".to_string()),
        ("in.clientSecret", "s3cret".to_string()),
        ("in.tokenUrl", token_url.clone()),
    ]);
    let a = send(&mut b, step("3", "create", right)).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.location, "/settings?done=credential");
    let settings = b.get(&a.location).await;
    assert!(settings.body.contains("Credential created and tested."));
    assert!(settings.body.contains("Acme Salesforce"));
    assert!(settings.body.contains("salesforce/clientCredentials"));
    assert!(!settings.body.contains("s3cret"));
    // Listed over GraphQL as an organization credential, usable by the salesforce component.
    let vars = s
        .gql(
            "{ scopedConfigVariables { nodes { id key stableKey variableScope } } }",
            json!({}),
        )
        .await;
    let node = &vars["data"]["scopedConfigVariables"]["nodes"][0];
    assert_eq!(node["key"], "Acme Salesforce", "{vars}");
    assert_eq!(node["stableKey"], "acme-salesforce");
    // The same name again is refused at the Name stage.
    let mut again = base.clone();
    again.extend([
        ("in.externalCustomerId", "acme".to_string()),
        ("in.clientId", "cid".to_string()),
        ("in.clientSecret", "s3cret".to_string()),
    ]);
    let a = send(&mut b, step("3", "create", again)).await;
    assert_eq!(a.status, 422);
    assert!(a.body.contains("already exists"));
    // The Test button of the listed credential.
    let id = node["id"].as_str().unwrap();
    let t = b
        .post(
            &format!("/settings/credentials/{id}/test"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(t.status, 303, "{}", t.body);
    assert_eq!(t.location, "/settings?done=test-passed");
}

#[tokio::test]
async fn api_tokens_created_shown_once_and_revoked() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&s.token).await;
    let settings = b.get("/settings").await;
    assert!(settings.body.contains("API tokens"));
    assert!(settings.body.contains("this session"));
    let bad = b
        .post("/settings/tokens", &[("name", "ci"), ("_csrf", &csrf)])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("at least one role is required"));
    let made = b
        .post(
            "/settings/tokens",
            &[
                ("name", "ci <bot>"),
                ("roles", "designer"),
                ("roles", "deployer"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    assert!(made.body.contains("ci &lt;bot&gt;"));
    let marker = "id=\"secret\" readonly value=\"";
    let i = made.body.find(marker).unwrap() + marker.len();
    let secret = made.body[i..i + made.body[i..].find('"').unwrap()].to_string();
    assert!(secret.starts_with("plumb_"));
    // Not shown again.
    assert!(!b.get("/settings").await.body.contains(&secret));
    // It works, with its roles: a designer-deployer sees no token section.
    let mut other = Browser::new(&s.url);
    other.sign_in(&secret).await;
    assert!(!other.get("/settings").await.body.contains("API tokens"));
    // Revoked: its session ends and it signs in no more.
    let tokens = s
        .gql("{ apiTokens { nodes { id name } } }", json!({}))
        .await;
    let id = tokens["data"]["apiTokens"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "ci <bot>")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = b
        .post(
            &format!("/settings/tokens/{id}/revoke"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(b
        .get("/settings?done=revoked")
        .await
        .body
        .contains("revoked"));
    assert_eq!(other.get("/settings").await.location, "/login");
    let login = other.get("/login").await;
    let lcsrf = hidden_csrf(&login.body);
    let again = other
        .post("/login", &[("token", &secret), ("_csrf", &lcsrf)])
        .await;
    assert_eq!(again.status, 401);
}

#[tokio::test]
async fn integration_models_import_list_operations_delete() {
    let petstore = include_str!("../../../models/tests/data/openapi/petstore-3.0.yaml");
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

#[tokio::test]
async fn a_customers_organization_activated_connection_values() {
    let (s, _key) = crate::connections::start(TestDb::sqlite().await.unwrap()).await;
    let (_scoped, customer) = crate::connections::seed_objects(&s).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&s.token).await;
    let page = b.get(&format!("/customers/{customer}")).await;
    assert!(page.body.contains("Connections"), "{}", page.body);
    assert!(page.body.contains("Acme API Key"));
    assert!(page.body.contains("(shared by every customer)"));
    assert!(page.body.contains("X-Acme-Key"));
    // A required per-customer input left out is refused, naming it.
    let marker = "action=\"/customers/";
    let i = page
        .body
        .find(&format!("{marker}{customer}/connections/"))
        .unwrap()
        + 1;
    let action = page.body[i + "action=\"".len() - 1..]
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let missing = b.post(&action, &[("_csrf", &csrf)]).await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert!(missing.body.contains("inputs.apiKey"), "{}", missing.body);
    let ok = b
        .post(&action, &[("in.apiKey", "sekrit-123"), ("_csrf", &csrf)])
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = b.get(&format!("/customers/{customer}")).await;
    assert!(page.body.contains("Acme API Key ✓"));
    assert!(page.body.contains("set — leave blank to keep"));
    assert!(!page.body.contains("sekrit-123"));
    // A blank secret keeps it.
    let again = b
        .post(&action, &[("in.apiKey", ""), ("_csrf", &csrf)])
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
}

#[tokio::test]
async fn defining_an_organization_activated_connection() {
    let (s, _key) = crate::connections::start(TestDb::sqlite().await.unwrap()).await;
    let mut b = Browser::new(&s.url);
    let csrf = b.sign_in(&s.token).await;
    assert!(b
        .get("/settings")
        .await
        .body
        .contains("No organization-activated connections."));
    let form = b
        .get("/settings/connections/new?connection=http/apiKey")
        .await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Scope of"));
    // A blank key is refused at its field; nothing is created.
    let bad = b
        .post(
            "/settings/connections",
            &[
                ("connection", "http/apiKey"),
                ("key", " "),
                ("stableKey", "acme-api-key"),
                ("managedBy", "org"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("key: must not be empty"), "{}", bad.body);
    let ok = b
        .post(
            "/settings/connections",
            &[
                ("connection", "http/apiKey"),
                ("key", "Acme API Key"),
                ("stableKey", "acme-api-key"),
                ("managedBy", "org"),
                ("scope.name", "global"),
                ("value.name", "X-Acme-Key"),
                ("scope.location", "global"),
                ("value.location", "header"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let settings = b.get("/settings").await;
    assert!(settings.body.contains("acme-api-key"));
    let vars = s
        .gql(
            "{ scopedConfigVariables { nodes { stableKey variableScope inputs { name inputScope isSet value } } } }",
            json!({}),
        )
        .await;
    let node = &vars["data"]["scopedConfigVariables"]["nodes"][0];
    assert_eq!(node["variableScope"], "customer", "{vars}");
    let name = node["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "name")
        .unwrap();
    assert_eq!(name["inputScope"], "global");
    assert_eq!(name["value"], "X-Acme-Key");
}
