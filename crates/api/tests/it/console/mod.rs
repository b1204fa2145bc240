//! The web console over real HTTP, as a browser without script would use it: sign-in with an
//! API token (session cookie, CSRF on every form), customers and their config variables,
//! organization config variables, roles and customer confinement, sign-out and revocation
//! (here); integrations, the deploy wizard and models (`flows`); credentials, tokens and
//! connections (`credentials`). Every backend of the environment (sessions live in the store).

mod credentials;
mod flows;
mod model_pages;

use std::collections::HashMap;

use plumb_api::ApiConfig;
use plumb_store::testing::TestDb;
use plumb_store::tokens::Role;
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use serde_json::json;

use crate::Server;

/// A cookie-keeping client that does not follow redirects.
pub(crate) struct Browser {
    pub(crate) http: reqwest::Client,
    url: String,
    pub(crate) cookies: HashMap<String, String>,
    /// The `Set-Cookie` headers of the last answer.
    last_set_cookies: Vec<String>,
}

/// An answer: status, `Location`, body.
pub(crate) struct Answer {
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
pub(crate) fn hidden_csrf(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let i = html
        .find(marker)
        .unwrap_or_else(|| panic!("no CSRF field in {html}"))
        + marker.len();
    html[i..i + html[i..].find('"').unwrap()].to_string()
}

/// The customer's global ID in a `/customers/{gid}?...` location.
pub(crate) fn gid_of(location: &str) -> String {
    location
        .trim_start_matches("/customers/")
        .split('?')
        .next()
        .unwrap()
        .to_string()
}

pub(crate) async fn customer_names(s: &Server) -> Vec<String> {
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
