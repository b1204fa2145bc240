//! `plumb config-vars org ...` and `plumb config-vars customer ...`.

use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::ClientArgs;
use crate::output;
use crate::resolve;

/// Config variable commands.
#[derive(Subcommand, Debug)]
pub enum ConfigVarsCommand {
    /// Organization config variables.
    #[command(subcommand)]
    Org(OrgVars),
    /// Customer config variables.
    #[command(subcommand)]
    Customer(CustomerVars),
}

/// Organization config variable commands.
#[derive(Subcommand, Debug)]
pub enum OrgVars {
    /// List them.
    List {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Create or replace one.
    Set {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// Data type: string, boolean, number, date, timestamp, picklist, code, schedule.
        #[arg(long = "type", default_value = "string")]
        data_type: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Delete one.
    Delete {
        /// Its global ID or key.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

/// Customer config variable commands.
#[derive(Subcommand, Debug)]
pub enum CustomerVars {
    /// List a customer's variables.
    List {
        /// The customer: global ID, external ID or name.
        customer: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Create a variable for a customer.
    Create {
        /// The customer: global ID, external ID or name.
        customer: String,
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// Data type.
        #[arg(long = "type", default_value = "string")]
        data_type: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Change a variable's value.
    Update {
        /// The variable: global ID, or key with `--customer`.
        id: String,
        /// The customer whose variable KEY is meant (global ID, external ID or name).
        #[arg(long)]
        customer: Option<String>,
        /// The new value.
        value: String,
        /// New data type.
        #[arg(long = "type")]
        data_type: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Delete a variable.
    Delete {
        /// The variable: global ID, or key with `--customer`.
        id: String,
        /// The customer whose variable KEY is meant (global ID, external ID or name).
        #[arg(long)]
        customer: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
}

const FIELDS: &str = "id key value dataType";
const HEADERS: [&str; 4] = ["ID", "KEY", "VALUE", "TYPE"];

fn row(v: &Value) -> Vec<String> {
    ["id", "key", "value", "dataType"]
        .iter()
        .map(|k| output::text(v, k))
        .collect()
}

fn show_one(client: &ClientArgs, v: &Value) {
    if client.json {
        output::json(v);
    } else {
        output::table(&HEADERS, &[row(v)]);
    }
}

fn show_list(client: &ClientArgs, conn: &Value) {
    if client.json {
        output::json(conn);
    } else {
        let rows: Vec<Vec<String>> = conn["nodes"]
            .as_array()
            .map(|a| a.iter().map(row).collect())
            .unwrap_or_default();
        output::table(&HEADERS, &rows);
    }
}

/// A customer variable's ID from its ID, or its key and `--customer`.
async fn customer_var_id(
    client: &ClientArgs,
    id: &str,
    customer: Option<&str>,
) -> anyhow::Result<String> {
    let customer = match customer {
        Some(c) => Some(resolve::customer(client, c).await?),
        None => None,
    };
    Ok(resolve::customer_var(client, id, customer.as_deref()).await?)
}

/// Runs a config variable command.
pub async fn run(cmd: ConfigVarsCommand) -> anyhow::Result<()> {
    match cmd {
        ConfigVarsCommand::Org(OrgVars::List { client }) => {
            let q =
                format!("{{ organizationConfigVariables {{ totalCount nodes {{ {FIELDS} }} }} }}");
            let data = client.graphql(&q, json!({})).await?;
            show_list(&client, &data["organizationConfigVariables"]);
        }
        ConfigVarsCommand::Org(OrgVars::Set {
            key,
            value,
            data_type,
            client,
        }) => {
            let selection = format!("organizationConfigVariable {{ {FIELDS} }}");
            let input = json!({ "key": key, "value": value, "dataType": data_type });
            let p = client
                .mutate_input(
                    "setOrganizationConfigVariable",
                    "SetOrganizationConfigVariableInput",
                    &selection,
                    input,
                )
                .await?;
            show_one(&client, &p["organizationConfigVariable"]);
        }
        ConfigVarsCommand::Org(OrgVars::Delete { id, client }) => {
            let id = resolve::org_var(&client, &id).await?;
            let selection = format!("organizationConfigVariable {{ {FIELDS} }}");
            let p = client
                .mutate_input(
                    "deleteOrganizationConfigVariable",
                    "DeleteConfigVariableInput",
                    &selection,
                    json!({ "id": id }),
                )
                .await?;
            show_one(&client, &p["organizationConfigVariable"]);
        }
        ConfigVarsCommand::Customer(CustomerVars::List { customer, client }) => {
            let customer = resolve::customer(&client, &customer).await?;
            let q = format!(
                "query($c: ID) {{ customerConfigVariables(customer: $c) {{ totalCount nodes {{ {FIELDS} }} }} }}"
            );
            let data = client.graphql(&q, json!({ "c": customer })).await?;
            show_list(&client, &data["customerConfigVariables"]);
        }
        ConfigVarsCommand::Customer(CustomerVars::Create {
            customer,
            key,
            value,
            data_type,
            client,
        }) => {
            let customer = resolve::customer(&client, &customer).await?;
            let selection = format!("customerConfigVariable {{ {FIELDS} }}");
            let input =
                json!({ "customer": customer, "key": key, "value": value, "dataType": data_type });
            let p = client
                .mutate_input(
                    "createCustomerConfigVariable",
                    "CreateCustomerConfigVariableInput",
                    &selection,
                    input,
                )
                .await?;
            show_one(&client, &p["customerConfigVariable"]);
        }
        ConfigVarsCommand::Customer(CustomerVars::Update {
            id,
            customer,
            value,
            data_type,
            client,
        }) => {
            let id = customer_var_id(&client, &id, customer.as_deref()).await?;
            let selection = format!("customerConfigVariable {{ {FIELDS} }}");
            let input = json!({ "id": id, "value": value, "dataType": data_type });
            let p = client
                .mutate_input(
                    "updateCustomerConfigVariable",
                    "UpdateCustomerConfigVariableInput",
                    &selection,
                    input,
                )
                .await?;
            show_one(&client, &p["customerConfigVariable"]);
        }
        ConfigVarsCommand::Customer(CustomerVars::Delete {
            id,
            customer,
            client,
        }) => {
            let id = customer_var_id(&client, &id, customer.as_deref()).await?;
            let selection = format!("customerConfigVariable {{ {FIELDS} }}");
            let p = client
                .mutate_input(
                    "deleteCustomerConfigVariable",
                    "DeleteConfigVariableInput",
                    &selection,
                    json!({ "id": id }),
                )
                .await?;
            show_one(&client, &p["customerConfigVariable"]);
        }
    }
    Ok(())
}
