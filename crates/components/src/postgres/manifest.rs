//! What the `postgres` component is: `query` with Prismatic's input keys, and its connection
//! type.

use plumb_core::action::Connection;
use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec};
use serde_json::json;

use crate::util::Encoded;

plumb_core::action_inputs! {
    /// Inputs of `query`.
    pub struct QueryInputs {
        /// The `postgres` connection (host, port, database, user name and password).
        postgresConnection: Connection = ("Connection", Connection),
        /// The SQL to run, in one transaction. Named variables (`${name}`) take the value of
        /// that parameter, index variables (`$1`) the parameters list's item; values go into
        /// the text as SQL literals, quoted and escaped.
        queryField: String = ("Query Field", Code),
        /// Named parameters: a list of `{key, value}` (or an object), merged under
        /// `paramsObject`'s properties.
        params: Option<serde_json::Value> = ("Named Parameters", List),
        /// Parameters as a JSON object (for named variables) or a list (for index variables
        /// `$1`, `$2`, ...); JSON text is parsed. A list cannot be combined with `params`.
        paramsObject: Encoded = ("Parameters Object or Array", Code),
    }
}

fn example(title: &str, pairs: &[(&str, serde_json::Value)]) -> ActionExample {
    let mut e = ActionExample::values(title, pairs);
    if let Some(map) = e.inputs.as_object_mut() {
        map.insert(
            "postgresConnection".into(),
            json!({"type": "configVar", "value": "Postgres Connection"}),
        );
    }
    e
}

/// The `postgres` component's spec.
pub fn spec() -> ComponentSpec {
    ComponentSpec::builtin(
        super::KEY,
        "PostgreSQL",
        "Query a PostgreSQL database.",
    )
    .action(
        ActionSpec::new(
            "query",
            "Query",
            "Runs SQL on a PostgreSQL database in one transaction and answers the rows it \
             returns (a list of objects, one property per column; `[]` for a statement that \
             returns none). Values are typed as Prismatic's component gives them: integers up \
             to `int4` and floats as numbers, `int8` and `numeric` as text, `json`/`jsonb` \
             parsed, timestamps as ISO 8601 UTC text.",
            QueryInputs::specs(),
        )
        .example(example(
            "Active users",
            &[(
                "queryField",
                json!("SELECT id, first_name, last_name FROM users WHERE is_active = ${active}"),
            ), ("paramsObject", json!({"active": true}))],
        ))
        .example(example(
            "Insert a user with named parameters",
            &[
                (
                    "queryField",
                    json!("INSERT INTO users(first_name, last_name, age) VALUES(${firstname}, ${lastname}, ${age}) RETURNING id"),
                ),
                (
                    "params",
                    json!([
                        {"key": "firstname", "value": "Jane"},
                        {"key": "lastname", "value": "Doe"},
                        {"key": "age", "value": 42}
                    ]),
                ),
            ],
        ))
        .example(example(
            "Look up by index variables",
            &[
                ("queryField", json!("SELECT * FROM orders WHERE customer_id = $1 AND status = $2")),
                ("paramsObject", json!([123, "open"])),
            ],
        )),
    )
    .with_registered_connections()
}
