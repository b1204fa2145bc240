//! `plumb customers list / get / create / update / delete`.

use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::ClientArgs;
use crate::output;
use crate::resolve;

/// Customer commands.
#[derive(Subcommand, Debug)]
pub enum CustomersCommand {
    /// List customers.
    List {
        /// Only the customer with this external ID.
        #[arg(long)]
        external_id: Option<String>,
        /// Only customers whose name contains this text.
        #[arg(long)]
        name: Option<String>,
        /// Only customers with this label (repeatable: all must match).
        #[arg(long = "label")]
        labels: Vec<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        first: i32,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Show one customer.
    Get {
        /// The customer: global ID, external ID or name.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Create a customer.
    Create {
        /// Its name.
        name: String,
        /// Your own ID for it (unique).
        #[arg(long)]
        external_id: Option<String>,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        /// A label (repeatable).
        #[arg(long = "label")]
        labels: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Change a customer.
    Update {
        /// The customer: global ID, external ID or name.
        id: String,
        /// New name.
        #[arg(long)]
        name: Option<String>,
        /// New external ID ("" clears it).
        #[arg(long)]
        external_id: Option<String>,
        /// New description.
        #[arg(long)]
        description: Option<String>,
        /// Replace the labels (repeatable).
        #[arg(long = "label")]
        labels: Option<Vec<String>>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Delete a customer with its config variables.
    Delete {
        /// The customer: global ID, external ID or name.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

const FIELDS: &str = "id name externalId description labels createdAt";
const HEADERS: [&str; 5] = ["ID", "NAME", "EXTERNAL ID", "LABELS", "DESCRIPTION"];

fn row(c: &Value) -> Vec<String> {
    ["id", "name", "externalId", "labels", "description"]
        .iter()
        .map(|k| output::text(c, k))
        .collect()
}

fn show(client: &ClientArgs, c: &Value) {
    if client.json {
        output::json(c);
    } else {
        output::table(&HEADERS, &[row(c)]);
    }
}

/// Runs a customer command.
pub async fn run(cmd: CustomersCommand) -> anyhow::Result<()> {
    match cmd {
        CustomersCommand::List {
            external_id,
            name,
            labels,
            first,
            client,
        } => {
            let q = format!(
                "query($e: String, $n: String, $l: [String!], $f: Int) {{
                   customers(externalId: $e, name_Icontains: $n, labels: $l, first: $f) {{
                     totalCount nodes {{ {FIELDS} }} }} }}"
            );
            let labels = (!labels.is_empty()).then_some(labels);
            let data = client
                .graphql(
                    &q,
                    json!({ "e": external_id, "n": name, "l": labels, "f": first }),
                )
                .await?;
            let conn = &data["customers"];
            if client.json {
                output::json(conn);
            } else {
                let rows: Vec<Vec<String>> = conn["nodes"]
                    .as_array()
                    .map(|a| a.iter().map(row).collect())
                    .unwrap_or_default();
                output::table(&HEADERS, &rows);
                println!("({} in all)", output::text(conn, "totalCount"));
            }
        }
        CustomersCommand::Get { id, client } => {
            let id = resolve::customer(&client, &id).await?;
            let q = format!("query($id: ID!) {{ customer(id: $id) {{ {FIELDS} }} }}");
            let data = client.graphql(&q, json!({ "id": id })).await?;
            show(&client, &data["customer"]);
        }
        CustomersCommand::Create {
            name,
            external_id,
            description,
            labels,
            client,
        } => {
            let selection = format!("customer {{ {FIELDS} }}");
            let input = json!({ "name": name, "externalId": external_id,
                                "description": description, "labels": labels });
            let p = client
                .mutate_input("createCustomer", "CreateCustomerInput", &selection, input)
                .await?;
            show(&client, &p["customer"]);
        }
        CustomersCommand::Update {
            id,
            name,
            external_id,
            description,
            labels,
            client,
        } => {
            let id = resolve::customer(&client, &id).await?;
            let selection = format!("customer {{ {FIELDS} }}");
            let input = json!({ "id": id, "name": name, "externalId": external_id,
                                "description": description, "labels": labels });
            let p = client
                .mutate_input("updateCustomer", "UpdateCustomerInput", &selection, input)
                .await?;
            show(&client, &p["customer"]);
        }
        CustomersCommand::Delete { id, client } => {
            let id = resolve::customer(&client, &id).await?;
            let selection = format!("customer {{ {FIELDS} }}");
            let p = client
                .mutate_input(
                    "deleteCustomer",
                    "DeleteCustomerInput",
                    &selection,
                    json!({ "id": id }),
                )
                .await?;
            if client.json {
                output::json(&p["customer"]);
            } else {
                println!("deleted {}", output::text(&p["customer"], "id"));
            }
        }
    }
    Ok(())
}
