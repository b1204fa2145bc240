//! HTML pages and HTTP hygiene: GraphiQL served from the binary (same-origin scripts and styles
//! only, no inline script), security headers, and bounded metrics labels.

use std::collections::BTreeSet;

use plumb_store::testing::TestDb;
use reqwest::Method;
use serde_json::json;

use crate::Server;

/// Every `src="..."` and `href="..."` of an HTML text.
fn references(html: &str) -> Vec<String> {
    let mut out = vec![];
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn graphiql_is_served_from_the_binary() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let r = s.http.get(format!("{}/api", s.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(header(&r, "content-type").starts_with("text/html"));
    let csp = header(&r, "content-security-policy").to_string();
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap_or_else(|| panic!("no script-src in {csp}"));
    assert_eq!(script_src, "script-src 'self'", "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    assert_eq!(header(&r, "referrer-policy"), "no-referrer");
    assert_eq!(header(&r, "x-frame-options"), "DENY");
    let html = r.text().await.unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    // Every script is a file (no inline script), every reference same-origin.
    let scripts = html.matches("<script").count();
    assert_eq!(
        scripts,
        html.matches("<script src=\"/api/assets/").count(),
        "{html}"
    );
    let refs = references(&html);
    assert!(refs.len() >= 6, "{refs:?}");
    let mut types = BTreeSet::new();
    for path in &refs {
        assert!(path.starts_with("/api/assets/"), "{path}");
        let a = s.http.get(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(a.status(), 200, "{path}");
        let ty = header(&a, "content-type").to_string();
        let expected = if path.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(ty, expected, "{path}");
        assert!(header(&a, "cache-control").contains("max-age=31536000"));
        assert_eq!(header(&a, "x-content-type-options"), "nosniff");
        types.insert(ty);
        let body = a.bytes().await.unwrap();
        assert!(body.len() > 100, "{path}");
        if path.ends_with("graphiql.min.js") {
            assert!(
                std::str::from_utf8(&body)
                    .unwrap()
                    .contains("window.GraphiQL"),
                "{path}"
            );
        }
    }
    assert_eq!(types.len(), 2);
    // The page's own script sends the token typed in its field.
    let own = refs
        .iter()
        .find(|p| p.ends_with("plumb-graphiql.js"))
        .unwrap();
    let js = s
        .http
        .get(format!("{}{own}", s.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        js.contains("sessionStorage") && js.contains("'Bearer '"),
        "{js}"
    );
    // Another build's tag, or a file that is not an asset: 404.
    let tag_dir = own.trim_end_matches("plumb-graphiql.js");
    for path in [
        "/api/assets/0000000000000000/graphiql.min.js".to_string(),
        format!("{tag_dir}Cargo.toml"),
        format!("{tag_dir}..%2Fsrc%2Flib.rs"),
    ] {
        let r = s.http.get(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn api_answers_are_nosniff() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let ok = s
        .http
        .post(format!("{}/api", s.url))
        .bearer_auth(&s.token)
        .json(&json!({"query": "{ organization { name } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(header(&ok, "x-content-type-options"), "nosniff");
    // JSON is not a page: no page policy needed, but never sniffed.
    assert!(ok.headers().get("x-frame-options").is_none());
    let denied = s
        .http
        .post(format!("{}/api", s.url))
        .json(&json!({"query": "{ organization { name } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 401);
    assert_eq!(header(&denied, "x-content-type-options"), "nosniff");
    let hook = s
        .http
        .post(format!("{}/trigger/garbage", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 404);
    assert_eq!(header(&hook, "x-content-type-options"), "nosniff");

    // A path no route serves: JSON for a client, a page for a browser.
    let missing = s
        .http
        .get(format!("{}/no/such/route", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "not found", "path": "/no/such/route"})
    );
    let page = s
        .http
        .get(format!("{}/no/such/<b>page</b>", s.url))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(header(&page, "content-security-policy").contains("frame-ancestors"));
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Not found") && !html.contains("<b>page"),
        "{html}"
    );
}

/// The label sets of `plumb_http_requests_total`.
async fn request_series(s: &Server) -> BTreeSet<String> {
    let text = s
        .http
        .get(format!("{}/metrics", s.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("plumb_http_requests_total{"))
        .map(|l| l.split('}').next().unwrap().to_string())
        .filter(|l| !l.contains("route=\"/metrics\""))
        .collect()
}

#[tokio::test]
async fn metrics_labels_stay_bounded() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let made_up = |i: usize| Method::from_bytes(format!("BREW{i}").as_bytes()).unwrap();
    // One of each kind first, so their series exist.
    let r = s
        .http
        .request(made_up(0), format!("{}/healthz", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    s.http
        .get(format!("{}/no/such/path/0", s.url))
        .send()
        .await
        .unwrap();
    s.http
        .request(made_up(0), format!("{}/no/such/path/0", s.url))
        .send()
        .await
        .unwrap();
    let before = request_series(&s).await;
    assert!(
        before
            .iter()
            .any(|l| l.contains("method=\"OTHER\"") && l.contains("route=\"/healthz\"")),
        "{before:?}"
    );
    assert!(
        before.iter().any(|l| l.contains("route=\"unmatched\"")),
        "{before:?}"
    );
    for i in 1..=2000 {
        s.http
            .request(made_up(i), format!("{}/healthz", s.url))
            .send()
            .await
            .unwrap();
        s.http
            .get(format!("{}/no/such/path/{i}", s.url))
            .send()
            .await
            .unwrap();
    }
    let after = request_series(&s).await;
    assert_eq!(before, after, "new series appeared");
    assert!(after.iter().all(|l| !l.contains("BREW")), "{after:?}");
}
