//! The `salesforce` component's manifest.

use plumb_core::component::{ActionManifest, ComponentManifest, InputKind, InputManifest};

const fn input(
    key: &'static str,
    label: &'static str,
    kind: InputKind,
    required: bool,
    default: Option<&'static str>,
) -> InputManifest {
    InputManifest {
        key,
        label,
        kind,
        required,
        default,
    }
}

/// The REST API version used when a step does not give one.
pub(crate) const DEFAULT_VERSION: &str = "63.0";

const CONNECTION: InputManifest = input(
    "connection",
    "Connection",
    InputKind::Connection,
    true,
    None,
);
const VERSION: InputManifest = input(
    "version",
    "API Version",
    InputKind::String,
    false,
    Some(DEFAULT_VERSION),
);
const BASE_URL: InputManifest = input(
    "baseUrl",
    "Base URL Override",
    InputKind::String,
    false,
    None,
);
const RECORD_TYPE: InputManifest =
    input("recordType", "Record Type", InputKind::String, true, None);
const RECORD_ID: InputManifest = input("recordId", "Record ID", InputKind::String, true, None);
const FIELD_VALUES: InputManifest =
    input("fieldValues", "Field Values", InputKind::List, false, None);
/// Prismatic's `dynamicValues`: a JSON object of field values merged over `fieldValues`.
const DYNAMIC_VALUES: InputManifest = input(
    "dynamicValues",
    "Dynamic Values",
    InputKind::Data,
    false,
    None,
);

const CREATE: &[InputManifest] = &[
    CONNECTION,
    RECORD_TYPE,
    FIELD_VALUES,
    DYNAMIC_VALUES,
    VERSION,
    BASE_URL,
];
const UPDATE: &[InputManifest] = &[
    CONNECTION,
    RECORD_TYPE,
    RECORD_ID,
    FIELD_VALUES,
    DYNAMIC_VALUES,
    VERSION,
    BASE_URL,
];
const UPSERT: &[InputManifest] = &[
    CONNECTION,
    RECORD_TYPE,
    input(
        "externalIdField",
        "External ID Field",
        InputKind::String,
        true,
        None,
    ),
    input("externalId", "External ID", InputKind::String, true, None),
    FIELD_VALUES,
    DYNAMIC_VALUES,
    VERSION,
    BASE_URL,
];
const GET: &[InputManifest] = &[
    CONNECTION,
    RECORD_TYPE,
    RECORD_ID,
    input("fields", "Fields", InputKind::String, false, None),
    VERSION,
    BASE_URL,
];
const QUERY: &[InputManifest] = &[
    CONNECTION,
    // Prismatic's name is `queryString`; `query` is accepted too. One of them is required.
    input("queryString", "SOQL Query", InputKind::Text, false, None),
    input("query", "SOQL Query (alias)", InputKind::Text, false, None),
    input(
        "fetchAll",
        "Fetch All Pages",
        InputKind::Boolean,
        false,
        Some("false"),
    ),
    VERSION,
    BASE_URL,
];
const COMPOSITE: &[InputManifest] = &[
    CONNECTION,
    input(
        "compositeRequest",
        "Composite Request",
        InputKind::Data,
        true,
        None,
    ),
    input(
        "allOrNone",
        "All Or None",
        InputKind::Boolean,
        false,
        Some("false"),
    ),
    VERSION,
    BASE_URL,
];

const fn action(
    key: &'static str,
    label: &'static str,
    description: &'static str,
    inputs: &'static [InputManifest],
) -> ActionManifest {
    ActionManifest {
        key,
        label,
        description,
        inputs,
        is_trigger: false,
    }
}

const ACTIONS: &[ActionManifest] = &[
    action(
        "createRecord",
        "Create Record",
        "Create a record of a type.",
        CREATE,
    ),
    action(
        "updateRecord",
        "Update Record",
        "Update fields of a record by ID.",
        UPDATE,
    ),
    action(
        "upsertRecord",
        "Upsert Record",
        "Create or update a record by external ID.",
        UPSERT,
    ),
    action("getRecord", "Get Record", "Read a record by ID.", GET),
    action("query", "Query", "Run a SOQL query.", QUERY),
    action(
        "composite",
        "Composite",
        "Run several REST subrequests in one call.",
        COMPOSITE,
    ),
];

/// The `salesforce` component's manifest.
pub fn manifest() -> ComponentManifest {
    ComponentManifest {
        key: super::KEY,
        label: "Salesforce",
        description: "Create, read, update and query Salesforce records over the REST API.",
        actions: ACTIONS,
        connections: &["clientCredentials", "oauth2", "jwtBearer", "basic"],
    }
}
