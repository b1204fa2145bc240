//! What the `salesforce` component is: its actions' inputs (Prismatic's Salesforce keys) and
//! its connection types.

use plumb_core::action::Connection;
use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec, InputSpec};
use serde_json::json;

use crate::util::Encoded;

/// The REST API version used when a step does not give one.
pub(crate) const DEFAULT_VERSION: &str = "63.0";

plumb_core::action_inputs! {
    /// The connection every action takes first.
    pub struct Account {
        /// A Salesforce connection (client credentials, OAuth 2.0, JWT bearer or basic).
        connection: Connection = ("Connection", Connection),
    }
}

plumb_core::action_inputs! {
    /// The API version and address every action takes last.
    pub struct Api {
        /// The REST API version (`63.0`).
        version: Option<String> = ("API Version", String, default "63.0"),
        /// An instance URL that replaces the one the connection gives.
        baseUrl: Option<String> = ("Base URL Override", String),
    }
}

plumb_core::action_inputs! {
    /// The record type of the record actions.
    pub struct RecordType {
        /// The sObject type (`Account`, `Contact`, ...).
        recordType: String = ("Record Type", String),
    }
}

plumb_core::action_inputs! {
    /// A record's ID.
    pub struct RecordId {
        /// The record's ID.
        recordId: String = ("Record ID", String),
    }
}

plumb_core::action_inputs! {
    /// Field values of the write actions.
    pub struct FieldValues {
        /// Field values: a list of `{key, value}`.
        fieldValues: Encoded = ("Field Values", List),
        /// Prismatic's `dynamicValues`: a JSON object of field values merged over `fieldValues`.
        dynamicValues: Encoded = ("Dynamic Values", Data),
    }
}

plumb_core::action_inputs! {
    /// The external ID of `upsertRecord`.
    pub struct ExternalId {
        /// The field that holds the external ID.
        externalIdField: String = ("External ID Field", String),
        /// The external ID's value.
        externalId: String = ("External ID", String),
    }
}

plumb_core::action_inputs! {
    /// The fields `getRecord` reads.
    pub struct Fields {
        /// Field names, comma-separated (every field when not given).
        fields: Option<String> = ("Fields", String),
    }
}

plumb_core::action_inputs! {
    /// The SOQL of `query`.
    pub struct Soql {
        /// The SOQL query (Prismatic's name; `query` is accepted too, one of them is required).
        queryString: Option<String> = ("SOQL Query", Text),
        /// The SOQL query (alias of `queryString`).
        query: Option<String> = ("SOQL Query (alias)", Text),
        /// Follow `nextRecordsUrl` and answer every page's records.
        fetchAll: bool = ("Fetch All Pages", Boolean, default "false"),
    }
}

plumb_core::action_inputs! {
    /// The subrequests of `composite`.
    pub struct CompositeRequest {
        /// The composite request's subrequests (`[{method, url, referenceId, body}]`).
        compositeRequest: Encoded = ("Composite Request", Data),
        /// Roll back every subrequest when one fails.
        allOrNone: bool = ("All Or None", Boolean, default "false"),
    }
}

fn with_api(parts: &[Vec<InputSpec>]) -> Vec<InputSpec> {
    let mut all = Account::specs();
    for p in parts {
        all.extend(p.iter().cloned());
    }
    all.extend(Api::specs());
    all
}

fn example(title: &str, pairs: &[(&str, serde_json::Value)]) -> ActionExample {
    let mut e = ActionExample::values(title, pairs);
    if let Some(map) = e.inputs.as_object_mut() {
        map.insert(
            "connection".into(),
            json!({"type": "configVar", "value": "Salesforce Connection"}),
        );
    }
    e
}

/// The `salesforce` component's spec.
pub fn spec() -> ComponentSpec {
    let fields = json!([{"key": "Name", "value": "Acme"}]);
    ComponentSpec::builtin(
        super::KEY,
        "Salesforce",
        "Create, read, update and query Salesforce records over the REST API.",
    )
    .action(
        ActionSpec::new(
            "createRecord",
            "Create Record",
            "Create a record of a type.",
            with_api(&[RecordType::specs(), FieldValues::specs()]),
        )
        .example(example(
            "Create an account",
            &[
                ("recordType", json!("Account")),
                ("fieldValues", fields.clone()),
            ],
        )),
    )
    .action(
        ActionSpec::new(
            "updateRecord",
            "Update Record",
            "Update fields of a record by ID.",
            with_api(&[RecordType::specs(), RecordId::specs(), FieldValues::specs()]),
        )
        .example(example(
            "Rename an account",
            &[
                ("recordType", json!("Account")),
                ("recordId", json!("001000000000001")),
                ("fieldValues", fields.clone()),
            ],
        )),
    )
    .action(
        ActionSpec::new(
            "upsertRecord",
            "Upsert Record",
            "Create or update a record by external ID.",
            with_api(&[
                RecordType::specs(),
                ExternalId::specs(),
                FieldValues::specs(),
            ]),
        )
        .example(example(
            "Upsert an account",
            &[
                ("recordType", json!("Account")),
                ("externalIdField", json!("Ext_Id__c")),
                ("externalId", json!("smith")),
                ("fieldValues", fields),
            ],
        )),
    )
    .action(
        ActionSpec::new(
            "getRecord",
            "Get Record",
            "Read a record by ID.",
            with_api(&[RecordType::specs(), RecordId::specs(), Fields::specs()]),
        )
        .example(example(
            "Read an account",
            &[
                ("recordType", json!("Account")),
                ("recordId", json!("001000000000001")),
            ],
        )),
    )
    .action(
        ActionSpec::new(
            "query",
            "Query",
            "Run a SOQL query.",
            with_api(&[Soql::specs()]),
        )
        .example(example(
            "Every account",
            &[("queryString", json!("SELECT Id, Name FROM Account"))],
        )),
    )
    .action(
        ActionSpec::new(
            "composite",
            "Composite",
            "Run several REST subrequests in one call.",
            with_api(&[CompositeRequest::specs()]),
        )
        .example(example(
            "Two reads",
            &[(
                "compositeRequest",
                json!([{"method": "GET", "url": "/services/data/v63.0/sobjects/Account/001",
                        "referenceId": "a"}]),
            )],
        )),
    )
    .with_registered_connections()
}
