//! Bounded inputs on the real server: YAML definition bombs and oversized definitions, GraphQL
//! depth / aliases / fields / cost / response size, and webhooks that answer 404 for an unknown
//! flow whatever the body's size.

use plumb_api::graphql::GraphqlLimits;
use plumb_api::ApiConfig;
use plumb_store::testing::TestDb;
use serde_json::{json, Value};

use crate::{error_code, Server};

const IMPORT: &str =
    "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
    integration { id } errors { field messages } } }";

/// A definition whose unknown field `lols` is a "billion laughs" in seven levels: about 4.8
/// million strings once its aliases are expanded, from 600 bytes of text.
fn yaml_bomb() -> String {
    let mut text = String::from(
        "name: Bomb\ndefinitionVersion: 7\nflows: []\nlols:\n  a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g"];
    for pair in names.windows(2) {
        let (prev, this) = (pair[0], pair[1]);
        let items = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("  {this}: &{this} [{items}]\n"));
    }
    text
}

async fn stored_integrations(s: &Server) -> i64 {
    let r = s
        .gql(
            "{ integrations(allVersions: true) { totalCount } }",
            json!({}),
        )
        .await;
    r["data"]["integrations"]["totalCount"].as_i64().unwrap()
}

fn definition_errors(r: &Value) -> Vec<String> {
    let p = &r["data"]["importIntegration"];
    assert!(p["integration"].is_null(), "{r}");
    assert_eq!(p["errors"][0]["field"], "definition", "{r}");
    p["errors"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn yaml_bomb_is_refused_and_nothing_is_stored() {
    let bomb = yaml_bomb();
    assert!(bomb.len() < 700, "{}", bomb.len());
    for s in Server::all().await {
        let started = std::time::Instant::now();
        let r = s.gql(IMPORT, json!({"input": {"definition": bomb}})).await;
        // Reported, not asserted (timings belong to benchmarks).
        eprintln!(
            "{}: YAML bomb refused in {:?}",
            s.db.label,
            started.elapsed()
        );
        let messages = definition_errors(&r);
        assert_eq!(messages.len(), 1, "{r}");
        assert!(
            messages[0].contains("200000") && messages[0].contains("node limit"),
            "{r}"
        );
        assert_eq!(stored_integrations(&s).await, 0, "{}", s.db.label);
    }
}

#[tokio::test]
async fn oversized_definition_and_too_many_aliases_are_refused() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let big = format!(
        "name: Big\ndefinitionVersion: 7\nflows: []\nnotes: \"{}\"\n",
        "x".repeat(1024 * 1024)
    );
    let r = s.gql(IMPORT, json!({"input": {"definition": big}})).await;
    let messages = definition_errors(&r);
    assert!(
        messages[0].contains("definition size limit"),
        "{messages:?}"
    );
    assert!(messages[0].contains("1048576"), "{messages:?}");

    let mut aliases = String::from("name: A\ndefinitionVersion: 7\nflows: []\nx: &x 1\nl:\n");
    for _ in 0..1001 {
        aliases.push_str("  - *x\n");
    }
    let r = s
        .gql(IMPORT, json!({"input": {"definition": aliases}}))
        .await;
    let messages = definition_errors(&r);
    assert!(messages[0].contains("alias limit"), "{messages:?}");
    assert_eq!(stored_integrations(&s).await, 0);
}

/// The first error, which must be a limit error naming `limit`.
fn limit_message<'a>(r: &'a Value, limit: &str) -> &'a str {
    assert_eq!(error_code(r), "LIMIT_EXCEEDED", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["limit"], limit, "{r}");
    assert!(r["data"].is_null(), "{r}");
    r["errors"][0]["message"].as_str().unwrap()
}

#[tokio::test]
async fn graphql_bomb_of_nested_pages_is_refused() {
    for s in Server::all().await {
        // 40 aliases of `first: 1000` under `first: 1000`.
        let one = "executionResults(first: 1000) { nodes { id stepResults(first: 1000) { nodes { id stepName status } } } }";
        let query = format!(
            "{{ {} }}",
            (0..40)
                .map(|i| format!("a{i}: {one}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let started = std::time::Instant::now();
        let r = s.gql(&query, json!({})).await;
        eprintln!(
            "{}: GraphQL bomb refused in {:?}",
            s.db.label,
            started.elapsed()
        );
        let message = limit_message(&r, "cost");
        assert!(message.contains("cost limit of 1000000"), "{message}");
        assert_eq!(r["errors"][0]["extensions"]["max"], 1_000_000);

        // One of them alone is still too much; page sizes given by variables count too.
        let r = s.gql(&format!("{{ {one} }}"), json!({})).await;
        limit_message(&r, "cost");
        let q = "query($n: Int = 1000) { executionResults(first: $n) { nodes { stepResults(last: $n) { nodes { id } } } } }";
        let r = s.gql(q, json!({})).await;
        limit_message(&r, "cost");
        let r = s.gql(q, json!({"n": 50})).await;
        assert!(r["errors"].is_null(), "{r}");
        assert!(r["data"]["executionResults"]["nodes"].is_array(), "{r}");
        // Default pages (100 × 100) are fine.
        let r = s
            .gql(
                "{ executionResults { nodes { id stepResults { nodes { id stepName } } } } }",
                json!({}),
            )
            .await;
        assert!(r["errors"].is_null(), "{r}");
    }
}

#[tokio::test]
async fn depth_aliases_and_fields_are_capped_with_named_limits() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    // 17 levels: __schema, queryType, fields, type, 12 × ofType, name.
    let deep = format!(
        "{{ __schema {{ queryType {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(12),
        "} ".repeat(12)
    );
    let r = s.gql(&deep, json!({})).await;
    assert!(
        limit_message(&r, "depth").contains("depth limit of 16"),
        "{r}"
    );
    // 16 levels pass.
    let ok = format!(
        "{{ __schema {{ queryType {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(11),
        "} ".repeat(11)
    );
    let r = s.gql(&ok, json!({})).await;
    assert!(r["errors"].is_null(), "{r}");

    // Depth through fragments counts the same.
    let r = s
        .gql(
            &format!(
                "fragment T on __Type {{ {} name {} }} {{ __schema {{ queryType {{ fields {{ type {{ ...T }} }} }} }} }}",
                "ofType { ".repeat(12),
                "} ".repeat(12)
            ),
            json!({}),
        )
        .await;
    limit_message(&r, "depth");

    let aliases = (0..101)
        .map(|i| format!("o{i}: organization {{ name }}"))
        .collect::<Vec<_>>()
        .join(" ");
    let r = s.gql(&format!("{{ {aliases} }}"), json!({})).await;
    assert!(
        limit_message(&r, "aliases").contains("alias limit of 100"),
        "{r}"
    );
    let aliases = (0..100)
        .map(|i| format!("o{i}: organization {{ name }}"))
        .collect::<Vec<_>>()
        .join(" ");
    let r = s.gql(&format!("{{ {aliases} }}"), json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(r["data"]["o99"]["name"], "Acme");

    let fields = "name ".repeat(5_000);
    let r = s
        .gql(&format!("{{ organization {{ {fields} }} }}"), json!({}))
        .await;
    assert!(
        limit_message(&r, "fields").contains("field limit of 5000"),
        "{r}"
    );

    // A fragment that spreads itself is refused by validation, not looped over.
    let r = s
        .gql(
            "fragment A on Query { organization { name } ...A } { ...A }",
            json!({}),
        )
        .await;
    assert!(r["errors"].is_array(), "{r}");
    assert!(r["data"].is_null(), "{r}");
}

#[tokio::test]
async fn response_size_is_capped() {
    let db = TestDb::sqlite().await.unwrap();
    let s = Server::start_with(
        db,
        ApiConfig {
            graphql_limits: GraphqlLimits {
                response_bytes: 4096,
                ..GraphqlLimits::default()
            },
            ..ApiConfig::default()
        },
    )
    .await;
    let r = s
        .gql("{ __schema { types { name description } } }", json!({}))
        .await;
    let message = limit_message(&r, "responseBytes");
    assert!(message.contains("response size limit of 4096 bytes"), "{r}");
    // A small answer passes.
    let r = s.gql("{ organization { name } }", json!({})).await;
    assert_eq!(r["data"]["organization"]["name"], "Acme");
}

/// The introspection query GraphiQL and graphql-js send, every option on.
const INTROSPECTION: &str = r#"query IntrospectionQuery {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) {
    name description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name
      ofType { kind name } } } } } } } } }
}"#;

#[tokio::test]
async fn introspection_passes_the_default_limits() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let r = s.gql(INTROSPECTION, json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    let types = r["data"]["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Instance"), "{r}");
}

#[tokio::test]
async fn unknown_webhook_is_404_whatever_the_body_size() {
    let s = Server::start(TestDb::sqlite().await.unwrap()).await;
    let limit = ApiConfig::default().webhook_body_limit;
    let unknown = "SW5zdGFuY2VGbG93Q29uZmlnOjAxOTAwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA==";
    for id in [unknown, "garbage"] {
        let r = s
            .http
            .post(format!("{}/trigger/{id}", s.url))
            .body(vec![b'x'; limit + 1024 * 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{id}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "unknown webhook");
    }
}
