//! Customer-bound tokens are confined to their customer: the role × operation matrix of
//! docs/api.md run cell by cell against a real server (every backend), and the two ways a
//! customer-bound token could reach the organization's values (binding an organization
//! credential or config variable into its instance, reading definitions), refused, while the
//! organization's own bindings on the customer's behalf keep working.

use std::collections::BTreeMap;

use plumb_store::tokens::Role;
use serde_json::{json, Value};

use crate::connections::connection_id;
use crate::instance_values::{echo_server, publish, run_and_wait};
use crate::instances::{gql_ok, start};
use crate::Server;

/// Token kinds, in the order of the expectation strings of [`MATRIX`]: the four roles
/// organization-wide, then the same four bound to customer A.
const KINDS: [(Role, bool); 8] = [
    (Role::Admin, false),
    (Role::Designer, false),
    (Role::Deployer, false),
    (Role::Viewer, false),
    (Role::Admin, true),
    (Role::Designer, true),
    (Role::Deployer, true),
    (Role::Viewer, true),
];

/// (what, operation text, expected per token kind: `Y` allowed, `n` refused; the first four are
/// organization-wide admin, designer, deployer, viewer, the last four the same bound to customer
/// A). `%name%` is replaced by the fixture's ID (quoted). A = the bound customer, B = another
/// customer, C = a customer without instances. Destructive operations come last.
const MATRIX: &[(&str, &str, &str)] = &[
    // Reads.
    ("list integrations", "{ integrations { totalCount } }", "YYYY nnnn"),
    ("read an integration", "{ integration(id: %version%) { name } }", "YYYY nnnn"),
    ("definition through an instance", "{ instance(id: %inst_a%) { integration { definition } } }", "YYYY nnnn"),
    ("definition through an execution", "{ executionResult(id: %exec_a%) { integration { definition } } }", "YYYY nnnn"),
    ("own instance's integration, flows, required vars", "{ instance(id: %inst_a%) { integration { name flows { nodes { name } } requiredConfigVars { key orgOnly } } } }", "YYYY YYYY"),
    ("own instance", "{ instance(id: %inst_a%) { id configVariables { totalCount } } }", "YYYY YYYY"),
    ("another customer's instance", "{ instance(id: %inst_b%) { id } }", "YYYY nnnn"),
    ("instances of another customer", "{ instances(customer: %cust_b%) { totalCount } }", "YYYY nnnn"),
    ("own execution", "{ executionResult(id: %exec_a%) { id stepResults { totalCount } } }", "YYYY YYYY"),
    ("another customer's execution", "{ executionResult(id: %exec_b%) { id } }", "YYYY nnnn"),
    ("another customer's logs", "{ logs(executionResult: %exec_b%) { totalCount } }", "YYYY nnnn"),
    ("executions of another customer", "{ executionResults(customer: %cust_b%) { totalCount } }", "YYYY nnnn"),
    ("executions by integration", "{ executionResults(integration: %version%) { totalCount } }", "YYYY nnnn"),
    ("another customer", "{ customer(id: %cust_b%) { id } }", "YYYY nnnn"),
    ("another customer's config vars", "{ customerConfigVariables(customer: %cust_b%) { totalCount } }", "YYYY nnnn"),
    ("organization config vars", "{ organizationConfigVariables { totalCount } }", "YYYY nnnn"),
    ("organization-managed connections", "{ scopedConfigVariables(managedBy: \"org\") { totalCount } }", "YYYY nnnn"),
    ("an organization credential", "{ scopedConfigVariable(id: %org_cred%) { id } }", "YYYY nnnn"),
    ("API tokens", "{ apiTokens { totalCount } }", "Ynnn nnnn"),
    // Organization-level writes.
    ("create a customer", "mutation { createCustomer(input: {name: \"N%tag%\"}) { errors { field } } }", "YnYn nnnn"),
    ("update own customer", "mutation { updateCustomer(input: {id: %cust_a%, description: \"d\"}) { errors { field } } }", "YnYn nnnn"),
    ("set an organization config var", "mutation { setOrganizationConfigVariable(input: {key: \"k%tag%\", value: \"v\"}) { errors { field } } }", "YYnn nnnn"),
    ("import an integration", "mutation { importIntegration(input: {definition: %definition%}) { errors { field } } }", "YYnn nnnn"),
    ("publish", "mutation { publishIntegration(input: {id: %draft%}) { errors { field } } }", "YYnn nnnn"),
    ("set test config", "mutation { setTestConfigVariables(input: {integration: %draft%, configVariables: [{key: \"greeting\", value: \"t\"}]}) { errors { field } } }", "YYnn nnnn"),
    ("test a flow", "mutation { testIntegrationFlow(input: {id: %draft%}) { errors { field } } }", "YYnn nnnn"),
    ("create a scoped connection", "mutation { createScopedConfigVariable(input: {key: \"s\", stableKey: \"s-%tag%\", connection: %conn%}) { errors { field } } }", "YYnn nnnn"),
    ("create an API token", "mutation { createApiToken(input: {name: \"t\", roles: [\"viewer\"]}) { errors { field } } }", "Ynnn nnnn"),
    // Instances of the own customer, with the customer's own values.
    ("create an instance, own values", "mutation { createInstance(input: {name: \"x\", customer: %cust_a%, integration: %version%, configVariables: [{key: \"greeting\", customerConfigVariableId: %cust_var_a%}, {key: \"api\", values: \"{\\\"apiKey\\\": \\\"mine\\\"}\"}]}) { errors { field } } }", "YnYn YnYn"),
    ("create an instance, customer-activated connection", "mutation { createInstance(input: {name: \"x\", customer: %cust_a%, integration: %version%, configVariables: [{key: \"api\", scopedConfigVariableId: %cust_act%}]}) { errors { field } } }", "YnYn YnYn"),
    ("create an instance for another customer", "mutation { createInstance(input: {name: \"x\", customer: %cust_b%, integration: %version%}) { errors { field } } }", "YnYn nnnn"),
    ("create an instance, another customer's var", "mutation { createInstance(input: {name: \"x\", customer: %cust_a%, integration: %version%, configVariables: [{key: \"greeting\", customerConfigVariableId: %cust_var_b%}]}) { errors { field } } }", "nnnn nnnn"),
    // Organization-level values chosen by the caller.
    ("create an instance, organization config var", "mutation { createInstance(input: {name: \"x\", customer: %cust_a%, integration: %version%, configVariables: [{key: \"greeting\", organizationConfigVariableId: %org_var%}]}) { errors { field } } }", "YnYn nnnn"),
    ("create an instance, organization credential", "mutation { createInstance(input: {name: \"x\", customer: %cust_a%, integration: %version%, configVariables: [{key: \"api\", scopedConfigVariableId: %org_cred%}]}) { errors { field } } }", "YnYn nnnn"),
    ("create an instance, organization-activated connection", "mutation { createInstance(input: {name: \"x\", customer: %cust_a%, integration: %version%, configVariables: [{key: \"api\", scopedConfigVariableId: %org_act%}]}) { errors { field } } }", "YnYn nnnn"),
    ("create an instance, orgOnly var", "mutation { createInstance(input: {name: \"x\", customer: %cust_a%, integration: %version%, configVariables: [{key: \"endpoint\", value: \"http://127.0.0.1:1/\"}]}) { errors { field } } }", "YnYn nnnn"),
    ("bind an organization config var", "mutation { updateInstanceConfigVariables(input: {id: %inst_a%, configVariables: [{key: \"greeting\", organizationConfigVariableId: %org_var%}]}) { errors { field } } }", "YnYn nnnn"),
    ("bind an organization credential", "mutation { updateInstanceConfigVariables(input: {id: %inst_a%, configVariables: [{key: \"api\", scopedConfigVariableId: %org_cred%}]}) { errors { field } } }", "YnYn nnnn"),
    ("bind an organization-activated connection", "mutation { updateInstanceConfigVariables(input: {id: %inst_a%, configVariables: [{key: \"api\", scopedConfigVariableId: %org_act%}]}) { errors { field } } }", "YnYn nnnn"),
    ("set an orgOnly var", "mutation { updateInstanceConfigVariables(input: {id: %inst_a%, configVariables: [{key: \"endpoint\", value: \"http://127.0.0.1:1/\"}]}) { errors { field } } }", "YnYn nnnn"),
    ("remove an orgOnly var", "mutation { updateInstanceConfigVariables(input: {id: %inst_a%, remove: [\"endpoint\"]}) { errors { field } } }", "YnYn nnnn"),
    ("bind own values", "mutation { updateInstanceConfigVariables(input: {id: %inst_a%, configVariables: [{key: \"greeting\", value: \"hey\"}, {key: \"api\", values: \"{\\\"apiKey\\\": \\\"mine\\\"}\"}]}) { errors { field } } }", "YnYn YnYn"),
    ("configure another customer's instance", "mutation { updateInstanceConfigVariables(input: {id: %inst_b%, configVariables: [{key: \"greeting\", value: \"hey\"}]}) { errors { field } } }", "YnYn nnnn"),
    // Other instance operations.
    ("rename own instance", "mutation { updateInstance(input: {id: %inst_a%, name: \"renamed\"}) { errors { field } } }", "YnYn YnYn"),
    ("rename another customer's instance", "mutation { updateInstance(input: {id: %inst_b%, name: \"renamed\"}) { errors { field } } }", "YnYn nnnn"),
    ("move an instance to another customer", "mutation { updateInstance(input: {id: %inst_a%, customer: %cust_b%}) { errors { field } } }", "nnnn nnnn"),
    ("deploy own instance", "mutation { deployInstance(input: {id: %inst_a%}) { errors { field } } }", "YnYn YnYn"),
    ("deploy another customer's instance", "mutation { deployInstance(input: {id: %inst_b%}) { errors { field } } }", "YnYn nnnn"),
    ("run own flow", "mutation { runInstanceFlow(input: {id: %flow_a%}) { errors { field } } }", "YnYn YnYn"),
    ("run another customer's flow", "mutation { runInstanceFlow(input: {id: %flow_b%}) { errors { field } } }", "YnYn nnnn"),
    ("run another customer's instance", "mutation { runInstanceFlow(input: {id: %inst_b%, flowName: \"Echo\"}) { errors { field } } }", "YnYn nnnn"),
    ("rotate another customer's webhook key", "mutation { rotateInstanceFlowApiKey(input: {id: %flow_b%}) { errors { field } } }", "YnYn nnnn"),
    ("replay own execution", "mutation { replayExecution(input: {id: %exec_a%}) { errors { field } } }", "YnYn YnYn"),
    ("replay another customer's execution", "mutation { replayExecution(input: {id: %exec_b%}) { errors { field } } }", "YnYn nnnn"),
    // Customer values.
    ("own customer config var", "mutation { createCustomerConfigVariable(input: {customer: %cust_a%, key: \"note\", value: \"v\"}) { errors { field } } }", "YnYn YnYn"),
    ("another customer's config var", "mutation { createCustomerConfigVariable(input: {customer: %cust_b%, key: \"note\", value: \"v\"}) { errors { field } } }", "YnYn nnnn"),
    ("update another customer's config var", "mutation { updateCustomerConfigVariable(input: {id: %cust_var_b%, value: \"v\"}) { errors { field } } }", "YnYn nnnn"),
    ("own values of a customer-activated connection", "mutation { createCustomerConfigVariable(input: {scopedConfigVariable: %cust_act%, customer: %cust_a%, inputs: [{name: \"apiKey\", value: \"mine\"}]}) { errors { field } } }", "YnYn YnYn"),
    ("values of an organization-activated connection", "mutation { createCustomerConfigVariable(input: {scopedConfigVariable: %org_act%, customer: %cust_a%, inputs: [{name: \"apiKey\", value: \"k\"}]}) { errors { field } } }", "YnYn nnnn"),
    ("test credentials", "mutation { createCustomerConfigVariable(input: {scopedConfigVariable: %cust_act%, isTest: true, inputs: [{name: \"apiKey\", value: \"t\"}]}) { errors { field } } }", "YnYn nnnn"),
    // Destructive, last.
    ("delete another customer's config var", "mutation { deleteCustomerConfigVariable(input: {id: %cust_var_b%}) { errors { field } } }", "YnYn nnnn"),
    ("delete another customer's instance", "mutation { deleteInstance(input: {id: %inst_b%}) { errors { field } } }", "YnYn nnnn"),
    ("delete a customer", "mutation { deleteCustomer(input: {id: %cust_c%}) { errors { field } } }", "YnYn nnnn"),
    ("delete own instance", "mutation { deleteInstance(input: {id: %inst_a%}) { errors { field } } }", "YnYn YnYn"),
];

const ORG_SECRET: &str = "org-secret-41b7e2c9";

const DEFINITION: &str = r#"name: Matrix
definitionVersion: 7
requiredConfigVars:
  - key: greeting
    dataType: string
    defaultValue: hi
  - key: endpoint
    dataType: string
    defaultValue: "http://127.0.0.1:9/"
    orgOnly: true
  - key: api
    dataType: connection
    connection: {key: apiKey, component: {key: http}}
    useScopedConfigVar: org-act
flows:
  - name: Echo
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Answer
        action: {key: runCode, component: {key: code}}
        inputs:
          code: {type: value, value: "module.exports = async () => ({ data: 1 });"}
"#;

/// Whether the operation was allowed: no GraphQL error, every answered field set, no payload
/// errors.
fn allowed(status: u16, body: &Value) -> bool {
    if status != 200 || body.get("errors").is_some_and(|e| !e.is_null()) {
        return false;
    }
    let Some(data) = body["data"].as_object() else {
        return false;
    };
    data.values().all(|v| {
        !v.is_null()
            && v.get("errors")
                .and_then(Value::as_array)
                .is_none_or(|e| e.is_empty())
    })
}

async fn post(s: &Server, token: &str, query: &str) -> (u16, Value) {
    let r = s
        .http
        .post(format!("{}/api", s.url))
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// `mutation`'s payload `path`, asserting it succeeded.
async fn ok(s: &Server, query: &str, vars: Value, path: &str) -> Value {
    gql_ok(s, query, vars, path).await
}

async fn scoped(s: &Server, conn: &str, stable: &str, scope: &str, managed: &str) -> String {
    let mut input = json!({"key": stable, "stableKey": stable, "variableScope": scope,
        "managedBy": managed, "connection": conn});
    if scope == "org" {
        input["inputs"] = json!([{"name": "apiKey", "value": ORG_SECRET}]);
    }
    ok(
        s,
        "mutation($input: CreateScopedConfigVariableInput!) { createScopedConfigVariable(input: $input) {
          scopedConfigVariable { id } errors { field messages } } }",
        json!({ "input": input }),
        "createScopedConfigVariable",
    )
    .await["scopedConfigVariable"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn customer(s: &Server, name: &str) -> String {
    ok(
        s,
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
          customer { id } errors { field messages } } }",
        json!({"input": {"name": name, "externalId": name}}),
        "createCustomer",
    )
    .await["customer"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn customer_var(s: &Server, customer: &str) -> String {
    ok(
        s,
        "mutation($input: CreateCustomerConfigVariableInput!) { createCustomerConfigVariable(input: $input) {
          customerConfigVariable { id } errors { field messages } } }",
        json!({"input": {"customer": customer, "key": "tier", "value": "gold"}}),
        "createCustomerConfigVariable",
    )
    .await["customerConfigVariable"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Creates and deploys an instance of `version` for `customer`; answers (instance, flow config).
async fn instance(s: &Server, customer: &str, version: &str, bindings: Value) -> (String, String) {
    let created = ok(
        s,
        "mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
          instance { id flowConfigs { nodes { id } } } errors { field messages } } }",
        json!({"input": {"name": "i", "customer": customer, "integration": version,
            "configVariables": bindings}}),
        "createInstance",
    )
    .await;
    let id = created["instance"]["id"].as_str().unwrap().to_string();
    let flow = created["instance"]["flowConfigs"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        s,
        "mutation($input: InstanceIdInput!) { deployInstance(input: $input) {
          instance { id } errors { field messages } } }",
        json!({"input": {"id": id}}),
        "deployInstance",
    )
    .await;
    (id, flow)
}

async fn run(s: &Server, instance: &str) -> String {
    ok(
        s,
        "mutation($input: RunInstanceFlowInput!) { runInstanceFlow(input: $input) {
          execution { id } errors { field messages } } }",
        json!({"input": {"id": instance}}),
        "runInstanceFlow",
    )
    .await["execution"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn customer_uuid(id: &str) -> uuid::Uuid {
    plumb_core::id::decode("Customer", id).unwrap()
}

#[tokio::test]
async fn role_matrix_every_cell() {
    for db in plumb_store::testing::TestDb::all().await.unwrap() {
        let running = start(db, 1 << 20).await;
        let s = &running.server;
        let conn = connection_id(s, "http", "apiKey").await;
        let mut shared = BTreeMap::new();
        shared.insert("conn", conn.clone());
        shared.insert("org_cred", scoped(s, &conn, "org-cred", "org", "org").await);
        shared.insert(
            "org_act",
            scoped(s, &conn, "org-act", "customer", "org").await,
        );
        let org_var = ok(
            s,
            "mutation { setOrganizationConfigVariable(input: {key: \"region\", value: \"eu\"}) {
              organizationConfigVariable { id } errors { field messages } } }",
            json!({}),
            "setOrganizationConfigVariable",
        )
        .await["organizationConfigVariable"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        shared.insert("org_var", org_var);
        let draft = ok(
            s,
            "mutation($input: ImportIntegrationInput!) { importIntegration(input: $input) {
              integration { id } errors { field messages } } }",
            json!({"input": {"definition": DEFINITION}}),
            "importIntegration",
        )
        .await["integration"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let version = ok(
            s,
            "mutation($input: PublishIntegrationInput!) { publishIntegration(input: $input) {
              integration { id } errors { field messages } } }",
            json!({"input": {"id": draft}}),
            "publishIntegration",
        )
        .await["integration"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        shared.insert("draft", draft);
        shared.insert("version", version.clone());

        let mut mismatches = Vec::new();
        let mut cells = 0;
        for (k, (role, bound)) in KINDS.iter().enumerate() {
            // Fresh objects per token kind, so each kind's writes meet the same state.
            let mut f = shared.clone();
            let tag = format!("{}{k}", s.db.label);
            let a = customer(s, &format!("a-{tag}")).await;
            let b = customer(s, &format!("b-{tag}")).await;
            let c = customer(s, &format!("c-{tag}")).await;
            // Its own customer-activated connection (a connection has one set of test
            // credentials, which one kind's row sets).
            let stable = format!("cust-act-{tag}");
            f.insert(
                "cust_act",
                scoped(s, &conn, &stable, "customer", "customer").await,
            );
            f.insert("cust_var_a", customer_var(s, &a).await);
            f.insert("cust_var_b", customer_var(s, &b).await);
            let greeting = json!([{"key": "greeting", "value": "hello"}]);
            let (inst_a, flow_a) = instance(s, &a, &version, greeting.clone()).await;
            let (inst_b, flow_b) = instance(s, &b, &version, greeting).await;
            f.insert("exec_a", run(s, &inst_a).await);
            f.insert("exec_b", run(s, &inst_b).await);
            for (key, v) in [
                ("cust_a", &a),
                ("cust_b", &b),
                ("cust_c", &c),
                ("inst_a", &inst_a),
                ("inst_b", &inst_b),
                ("flow_a", &flow_a),
                ("flow_b", &flow_b),
            ] {
                f.insert(key, v.clone());
            }
            let token = s.token(&[*role], bound.then(|| customer_uuid(&a))).await;
            for (what, text, expected) in MATRIX {
                let want = expected.replace(' ', "").as_bytes()[k] == b'Y';
                let mut query = text.replace("%tag%", &tag);
                for (key, v) in &f {
                    query = query.replace(&format!("%{key}%"), &format!("\"{v}\""));
                }
                query = query.replace("%definition%", &Value::from(DEFINITION).to_string());
                assert!(!query.contains('%'), "unfilled placeholder in {query}");
                let (status, body) = post(s, &token, &query).await;
                cells += 1;
                if allowed(status, &body) != want {
                    mismatches.push(format!(
                        "{} {role:?}{}: {what}: expected {}, got {body}",
                        s.db.label,
                        if *bound { " (customer-bound)" } else { "" },
                        if want { "allowed" } else { "refused" },
                    ));
                }
            }
        }
        assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
        assert_eq!(cells, KINDS.len() * MATRIX.len());
    }
}

/// The organization's values reach a customer's instance only when the organization binds
/// them: a customer-bound deployer cannot point the organization's credential (or config var) at
/// a server of its choosing, nor see those bindings; the organization's own bindings and the
/// definition's `useScopedConfigVar` auto-binding keep working.
#[tokio::test]
async fn organization_values_are_chosen_by_the_organization_only() {
    for db in plumb_store::testing::TestDb::all().await.unwrap() {
        let running = start(db, 1 << 20).await;
        let s = &running.server;
        let (base, seen) = echo_server().await;
        let conn = connection_id(s, "http", "apiKey").await;
        let org_cred = scoped(s, &conn, "org-cred", "org", "org").await;
        let org_act = scoped(s, &conn, "org-act", "customer", "org").await;
        let version = publish(s, &exfil_definition()).await;
        let a = customer(s, "a").await;
        // The organization fills in customer A's values of its organization-activated connection.
        ok(
            s,
            "mutation($input: CreateCustomerConfigVariableInput!) { createCustomerConfigVariable(input: $input) {
              customerConfigVariable { id } errors { field messages } } }",
            json!({"input": {"scopedConfigVariable": org_act, "customer": a,
                "inputs": [{"name": "apiKey", "value": "a-key-set-by-org"}]}}),
            "createCustomerConfigVariable",
        )
        .await;
        let region = ok(
            s,
            "mutation { setOrganizationConfigVariable(input: {key: \"path\", value: \"/echo\"}) {
              organizationConfigVariable { id } errors { field messages } } }",
            json!({}),
            "setOrganizationConfigVariable",
        )
        .await["organizationConfigVariable"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let bound = s.token(&[Role::Deployer], Some(customer_uuid(&a))).await;
        let create = "mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
            instance { id configVariables { nodes { key kind } } } errors { field messages } } }";

        // The customer-bound token tries to send the organization's key to its own server.
        for bindings in [
            json!([{"key": "base", "value": base}, {"key": "api", "scopedConfigVariableId": org_cred}]),
            json!([{"key": "base", "value": base}, {"key": "api", "scopedConfigVariableId": org_act}]),
            json!([{"key": "base", "value": base}, {"key": "path", "organizationConfigVariableId": region}]),
        ] {
            let r = s
                .gql_as(
                    &bound,
                    create,
                    json!({"input": {"name": "x", "customer": a, "integration": version,
                        "configVariables": bindings}}),
                )
                .await;
            let p = &r["data"]["createInstance"];
            assert_eq!(p["instance"], Value::Null, "{r}");
            assert_eq!(p["errors"][0]["field"], "configVariables", "{r}");
            let text = r.to_string();
            assert!(!text.contains(ORG_SECRET), "{text}");
        }
        let count = s.gql("{ instances { totalCount } }", json!({})).await;
        assert_eq!(count["data"]["instances"]["totalCount"], 0, "{count}");

        // With its own base URL and the definition's auto-binding (organization-activated, with
        // the values the organization set for A), the customer's instance works.
        let r = s
            .gql_as(
                &bound,
                create,
                json!({"input": {"name": "mine", "customer": a, "integration": version,
                    "configVariables": [{"key": "base", "value": base}]}}),
            )
            .await;
        let mine = r["data"]["createInstance"]["instance"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{r}"))
            .to_string();
        let done = run_and_wait(s, &mine).await;
        assert_eq!(done["status"], "SUCCESS", "{done}");
        assert_eq!(seen.lock().unwrap().as_slice(), ["a-key-set-by-org"]);

        // The organization binds its credential and config var for A: that works, and the
        // customer-bound token sees neither binding nor the definition.
        let r = gql_ok(
            s,
            create,
            json!({"input": {"name": "org-made", "customer": a, "integration": version,
                "configVariables": [{"key": "base", "value": base},
                    {"key": "api", "scopedConfigVariableId": org_cred},
                    {"key": "path", "organizationConfigVariableId": region}]}}),
            "createInstance",
        )
        .await;
        let org_made = r["instance"]["id"].as_str().unwrap().to_string();
        let done = run_and_wait(s, &org_made).await;
        assert_eq!(done["status"], "SUCCESS", "{done}");
        assert_eq!(seen.lock().unwrap().last().unwrap(), ORG_SECRET);
        let q = "query($id: ID!) { instance(id: $id) { configVariables { nodes { key kind
            organizationConfigVariableId scopedConfigVariableId } } } }";
        let seen_by_customer = s.gql_as(&bound, q, json!({"id": org_made})).await;
        assert_eq!(
            seen_by_customer["data"]["instance"]["configVariables"]["nodes"],
            json!([{"key": "base", "kind": "value", "organizationConfigVariableId": null,
                "scopedConfigVariableId": null}]),
            "{seen_by_customer}"
        );
        let seen_by_org = s.gql(q, json!({"id": org_made})).await;
        assert_eq!(
            seen_by_org["data"]["instance"]["configVariables"]["nodes"]
                .as_array()
                .map(Vec::len),
            Some(3),
            "{seen_by_org}"
        );
        // Re-pointing the organization's credential elsewhere is the customer's to do only with
        // its own values: rebinding `api` to the credential is refused and changes nothing.
        let r = s
            .gql_as(
                &bound,
                "mutation($input: UpdateInstanceConfigVariablesInput!) {
                  updateInstanceConfigVariables(input: $input) { errors { field messages } } }",
                json!({"input": {"id": mine, "configVariables": [
                    {"key": "api", "scopedConfigVariableId": org_cred}]}}),
            )
            .await;
        assert_eq!(
            r["data"]["updateInstanceConfigVariables"]["errors"][0]["field"], "configVariables",
            "{r}"
        );
        let done = run_and_wait(s, &mine).await;
        assert_eq!(done["status"], "SUCCESS", "{done}");
        assert_eq!(seen.lock().unwrap().last().unwrap(), "a-key-set-by-org");
        let q = "query($id: ID!) { instance(id: $id) { integration { definition } } }";
        let r = s.gql_as(&bound, q, json!({"id": org_made})).await;
        assert_eq!(crate::error_code(&r), "FORBIDDEN", "{r}");
        assert!(!r.to_string().contains("definitionVersion"), "{r}");
    }
}

/// A flow that calls `{base}{path}` with the `api` connection; `api` binds itself to the
/// organization-activated connection `org-act` unless bound otherwise.
fn exfil_definition() -> String {
    r#"name: Exfil
definitionVersion: 7
requiredConfigVars:
  - key: base
    dataType: string
  - key: path
    dataType: string
    defaultValue: /echo
  - key: api
    dataType: connection
    connection: {key: apiKey, component: {key: http}}
    useScopedConfigVar: org-act
flows:
  - name: Call
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Echo
        action: {key: httpGet, component: {key: http}}
        inputs:
          url: {type: template, value: "{{configVars.base}}{{configVars.path}}"}
          connection: {type: configVar, value: api}
"#
    .to_string()
}
