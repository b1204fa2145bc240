//! `components(key)`: the components the caller's organization sees, read from the process's
//! one catalog (the engine's): the built-ins and the organization's own (integration models).
//! Their actions with typed inputs (and each action's inputs as a JSON Schema), and their
//! connection types with typed inputs.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};
use plumb_core::component::{ActionSpec, ComponentSpec, ConnectionSpec, DataSourceSpec, Scope};
use plumb_core::connection_types::{self, ConnectionType as CoreType};
use plumb_runtime::Runtime;
use uuid::Uuid;

use super::errors::{gql_error, Result};
use super::relay::{connection_type, page_in_memory, page_request};

/// The global ID type of connection type inputs.
pub const INPUT_TYPE: &str = "ConnectionInput";
/// The global ID type of components.
pub const COMPONENT_TYPE: &str = "Component";
/// The global ID type of component actions (and data sources).
pub const ACTION_TYPE: &str = "Action";

/// A component: a built-in, or one of the organization's own.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Component {
    /// Global ID (derived from its key and owner).
    pub id: ID,
    /// Its key (`http`, `aws-s3`, ...).
    pub key: String,
    /// A human label.
    pub label: String,
    /// What it is for.
    pub description: String,
    /// Its version.
    pub version: String,
    /// Whether it is part of plumb (false: the organization's own).
    pub is_builtin: bool,
    /// Prismatic's "public component": plumb's built-ins are.
    pub public: bool,
    /// Prismatic's version number: each plumb component has one version, numbered 1.
    pub version_number: i32,
    /// Prismatic's category ("" for plumb's components).
    pub category: String,
    /// When this version was published: plumb's components come with the binary or the
    /// organization's import (null).
    pub version_created_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The customer a private component belongs to: none in plumb (null).
    pub customer: Option<super::customers::Customer>,
    /// Prismatic's signature of a published bundle (null: plumb publishes no bundles yet).
    pub signature: Option<String>,
    /// Its connection types.
    pub connections: ConnectionTypeConnection,
    #[graphql(skip)]
    pub(crate) spec: ComponentSpec,
}

/// An action of a component.
#[derive(SimpleObject, Clone)]
pub struct ComponentAction {
    /// Global ID (derived from the component and the key).
    pub id: ID,
    /// Its key (`httpGet`, ...).
    pub key: String,
    /// A human label.
    pub label: String,
    /// What it does.
    pub description: String,
    /// Whether it starts a flow.
    pub is_trigger: bool,
    /// Its inputs.
    pub inputs: ComponentActionInputConnection,
    /// The JSON Schema of its inputs (a JSON object text).
    pub inputs_schema: String,
    /// Example steps: JSON texts of `{title, inputs, result}`.
    pub examples: Vec<String>,
    /// For a data source: the type of what it answers (`picklist`, `jsonForm`, ...).
    pub data_source_type: Option<String>,
    /// Prismatic's detail data source of a data source: none in plumb (null).
    pub detail_data_source: Option<DetailDataSource>,
}

/// A detail data source (Prismatic): never set by plumb.
#[derive(SimpleObject, Clone)]
pub struct DetailDataSource {
    /// Its label.
    pub label: String,
}

/// An input of an action.
#[derive(SimpleObject, Clone)]
pub struct ComponentActionInput {
    /// Its key.
    pub key: String,
    /// A human label.
    pub label: String,
    /// Its kind (`string`, `code`, `connection`, ...).
    #[graphql(name = "type")]
    pub input_type: String,
    /// Whether a step must give it.
    pub required: bool,
    /// Its default.
    pub default: Option<String>,
    /// What it is for.
    pub description: String,
}

/// A connection type: a kind of credentials a component accepts.
#[derive(SimpleObject, Clone)]
pub struct ConnectionType {
    /// Global ID (`Connection:<uuid>`), the same on every server.
    pub id: ID,
    /// Its key (`basic`, `apiKey`, ...).
    pub key: String,
    /// A human label.
    pub label: String,
    /// The component declaring it.
    pub component: String,
    /// Whether it needs the interactive OAuth 2.0 authorization-code flow.
    pub oauth2: bool,
    /// Its inputs.
    pub inputs: ConnectionInputDefConnection,
}

/// An input of a connection type.
#[derive(SimpleObject, Clone)]
#[graphql(name = "ConnectionInputDefinition")]
pub struct ConnectionInputDef {
    /// Global ID (`ConnectionInput:<uuid>`).
    pub id: ID,
    /// Its key (`username`, `apiKey`, ...).
    pub key: String,
    /// A human label.
    pub label: String,
    /// Its type: `string`, `password`, `text`, `boolean`, `data`.
    #[graphql(name = "type")]
    pub input_type: String,
    /// Whether a complete connection must give it.
    pub required: bool,
    /// Its default.
    pub default: Option<String>,
    /// Whether its value is write-only.
    pub secret: bool,
    /// Allowed values (empty: any).
    pub options: Vec<String>,
}

connection_type!(Component, ComponentConnection, ComponentEdge);
connection_type!(
    ComponentAction,
    ComponentActionConnection,
    ComponentActionEdge
);

/// Declares a whole, unpaged list type `{nodes totalCount}` of `$node`.
macro_rules! list_type {
    ($node:ty, $list:ident) => {
        #[doc = concat!("Every ", stringify!($node), ".")]
        #[derive(SimpleObject, Clone)]
        pub struct $list {
            /// The items.
            pub nodes: Vec<$node>,
            /// How many there are.
            pub total_count: i64,
        }

        impl From<Vec<$node>> for $list {
            fn from(nodes: Vec<$node>) -> Self {
                $list {
                    total_count: nodes.len() as i64,
                    nodes,
                }
            }
        }
    };
}

list_type!(ComponentActionInput, ComponentActionInputConnection);
list_type!(ConnectionType, ConnectionTypeConnection);
list_type!(ConnectionInputDef, ConnectionInputDefConnection);

/// The ID of action (or data source) `key` of component `component`.
fn action_id(component: &ComponentSpec, key: &str) -> Uuid {
    Uuid::new_v5(
        &component_uuid(component),
        format!("action/{key}").as_bytes(),
    )
}

/// The API view of an action.
fn action(c: &ComponentSpec, a: &ActionSpec) -> ComponentAction {
    let inputs: Vec<ComponentActionInput> = a.inputs.iter().map(input_view).collect();
    ComponentAction {
        id: ID(plumb_core::id::encode(ACTION_TYPE, action_id(c, &a.key))),
        key: a.key.clone(),
        label: a.label.clone(),
        description: a.description.clone(),
        is_trigger: a.is_trigger,
        inputs: inputs.into(),
        inputs_schema: a.inputs_schema().to_string(),
        examples: a
            .examples
            .iter()
            .filter_map(|e| serde_json::to_string(e).ok())
            .collect(),
        data_source_type: None,
        detail_data_source: None,
    }
}

/// The API view of a data source (Prismatic lists them as actions).
fn data_source(c: &ComponentSpec, d: &DataSourceSpec) -> ComponentAction {
    let inputs: Vec<ComponentActionInput> = d.inputs.iter().map(input_view).collect();
    ComponentAction {
        id: ID(plumb_core::id::encode(ACTION_TYPE, action_id(c, &d.key))),
        key: d.key.clone(),
        label: d.label.clone(),
        description: d.description.clone(),
        is_trigger: false,
        inputs: inputs.into(),
        inputs_schema: "{}".into(),
        examples: vec![],
        data_source_type: Some(d.result_type.clone()),
        detail_data_source: None,
    }
}

fn input_view(i: &plumb_core::component::InputSpec) -> ComponentActionInput {
    ComponentActionInput {
        key: i.key.clone(),
        label: i.label.clone(),
        input_type: i.kind.as_str().into(),
        required: i.required,
        default: i.default.clone(),
        description: i.description.clone(),
    }
}

/// The global ID of input `input` of connection type `key` of `component`.
fn input_id_of(component: &str, key: &str, input: &str) -> ID {
    let uuid = Uuid::new_v5(
        &connection_types::ID_NAMESPACE,
        format!("{component}/{key}/{input}").as_bytes(),
    );
    ID(plumb_core::id::encode(INPUT_TYPE, uuid))
}

/// The API view of a component's connection type.
fn connection_spec_view(component: &str, c: &ConnectionSpec) -> ConnectionType {
    let inputs: Vec<ConnectionInputDef> = c
        .inputs
        .iter()
        .map(|i| ConnectionInputDef {
            id: input_id_of(component, &c.key, &i.key),
            key: i.key.clone(),
            label: i.label.clone(),
            input_type: i.input_type.as_str().into(),
            required: i.required,
            default: i.default.clone(),
            secret: i.secret,
            options: i.options.clone(),
        })
        .collect();
    ConnectionType {
        id: ID(plumb_core::id::encode(
            connection_types::GLOBAL_ID_TYPE,
            c.id,
        )),
        key: c.key.clone(),
        label: c.label.clone(),
        component: component.into(),
        oauth2: c.oauth2,
        inputs: inputs.into(),
    }
}

/// The API view of a connection type of the registry.
pub fn connection_type_view(ty: &CoreType) -> ConnectionType {
    connection_spec_view(ty.component, &ConnectionSpec::from(ty))
}

/// The UUID of a component (its key within its owner).
fn component_uuid(c: &ComponentSpec) -> Uuid {
    let owner = match c.scope {
        Scope::Builtin => "builtin".to_string(),
        Scope::Organization(org) => org.to_string(),
    };
    Uuid::new_v5(
        &connection_types::ID_NAMESPACE,
        format!("component/{owner}/{}", c.key).as_bytes(),
    )
}

fn component(c: &ComponentSpec) -> Component {
    Component {
        id: ID(plumb_core::id::encode(COMPONENT_TYPE, component_uuid(c))),
        key: c.key.clone(),
        label: c.label.clone(),
        description: c.description.clone(),
        version: c.version.clone(),
        is_builtin: c.scope == Scope::Builtin,
        public: c.scope == Scope::Builtin,
        version_number: 1,
        category: String::new(),
        version_created_at: None,
        customer: None,
        signature: None,
        connections: c
            .connections
            .iter()
            .map(|conn| connection_spec_view(&c.key, conn))
            .collect::<Vec<_>>()
            .into(),
        spec: c.clone(),
    }
}

#[ComplexObject]
impl Component {
    /// Its actions (triggers have `isTrigger`); `isTrigger` keeps triggers or the others;
    /// `isDataSource: true` lists its data sources instead (with `dataSourceType`).
    #[allow(clippy::too_many_arguments)]
    async fn actions(
        &self,
        is_trigger: Option<bool>,
        is_data_source: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ComponentActionConnection> {
        let page = page_request(first, after, last, before)?;
        let c = &self.spec;
        let rows: Vec<(Uuid, ComponentAction)> = if is_data_source == Some(true) {
            if is_trigger == Some(true) {
                vec![]
            } else {
                c.data_sources
                    .iter()
                    .map(|d| (action_id(c, &d.key), data_source(c, d)))
                    .collect()
            }
        } else {
            c.actions
                .iter()
                .filter(|a| is_trigger.is_none_or(|t| t == a.is_trigger))
                .map(|a| (action_id(c, &a.key), action(c, a)))
                .collect()
        };
        Ok(page_in_memory(rows, &page).into())
    }
}

/// A JSON document as text (Prismatic's `JSONString` scalar).
#[derive(Clone, Debug)]
pub struct JsonString(pub String);

#[async_graphql::Scalar(name = "JSONString")]
impl async_graphql::ScalarType for JsonString {
    fn parse(value: async_graphql::Value) -> async_graphql::InputValueResult<Self> {
        match value {
            async_graphql::Value::String(s) => Ok(JsonString(s)),
            other => Err(async_graphql::InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> async_graphql::Value {
        async_graphql::Value::String(self.0.clone())
    }
}

/// Whether component `c` matches Prismatic's filter expression `filter` (a JSON array:
/// `["and" | "or", expr...]`, `["in", field, text]` (the field contains the text, any case),
/// `["eq", field, value]`; fields `key`, `label`, `description`, `public`).
fn matches(c: &Component, filter: &serde_json::Value) -> std::result::Result<bool, String> {
    let bad = || format!("filterQuery: unsupported expression {filter}");
    let items = filter.as_array().ok_or_else(bad)?;
    let op = items.first().and_then(|o| o.as_str()).ok_or_else(bad)?;
    let field = |i: usize| -> std::result::Result<serde_json::Value, String> {
        match items.get(i).and_then(|f| f.as_str()) {
            Some("key") => Ok(c.key.clone().into()),
            Some("label") => Ok(c.label.clone().into()),
            Some("description") => Ok(c.description.clone().into()),
            Some("public") => Ok(c.public.into()),
            Some(other) => Err(format!("filterQuery: unknown field `{other}`")),
            None => Err(bad()),
        }
    };
    match op {
        "and" | "or" => {
            let mut results = Vec::new();
            for e in &items[1..] {
                results.push(matches(c, e)?);
            }
            Ok(if op == "and" {
                results.iter().all(|r| *r)
            } else {
                results.iter().any(|r| *r)
            })
        }
        "in" => {
            let have = field(1)?;
            let want = items.get(2).ok_or_else(bad)?;
            let want = match want {
                serde_json::Value::String(s) => s.to_lowercase(),
                other => other.to_string().to_lowercase(),
            };
            Ok(have
                .as_str()
                .is_some_and(|h| h.to_lowercase().contains(&want)))
        }
        "eq" => Ok(Some(&field(1)?) == items.get(2)),
        _ => Err(bad()),
    }
}

/// Component queries.
#[derive(Default)]
pub struct ComponentQuery;

#[Object]
impl ComponentQuery {
    /// The components the organization sees: the built-ins and its own (only the one with
    /// `key` when given). Prismatic's arguments: `public: true` keeps the built-ins, `false`
    /// the organization's own; `filterQuery` is its filter expression (see `matches`);
    /// `allVersions`, `versionNumber` and `includeComponentsForCodeNativeIntegrations` change
    /// nothing (one version of each component, numbered 1; no code-native integrations).
    #[allow(clippy::too_many_arguments)]
    async fn components(
        &self,
        ctx: &Context<'_>,
        key: Option<String>,
        public: Option<bool>,
        filter_query: Option<JsonString>,
        #[graphql(name = "allVersions")] _all_versions: Option<bool>,
        #[graphql(name = "versionNumber")] _version_number: Option<i32>,
        #[graphql(name = "includeComponentsForCodeNativeIntegrations")] _include_cni: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ComponentConnection> {
        let caller = super::caller(ctx)?;
        let page = page_request(first, after, last, before)?;
        let filter = match filter_query {
            None => None,
            Some(JsonString(text)) => Some(
                serde_json::from_str::<serde_json::Value>(&text)
                    .map_err(|_| gql_error("BAD_ARGUMENT", "filterQuery: not a JSON document"))?,
            ),
        };
        let runtime = ctx.data::<Arc<Runtime>>()?;
        plumb_runtime::models::sync_models(runtime, caller.org_id)
            .await
            .map_err(super::errors::internal)?;
        let view = runtime.engine.catalog().view(Some(caller.org_id));
        let mut rows = Vec::new();
        for c in view.specs() {
            if key.as_deref().is_some_and(|k| k != c.key) {
                continue;
            }
            let item = component(c);
            if public.is_some_and(|p| p != item.public) {
                continue;
            }
            if let Some(f) = &filter {
                if !matches(&item, f).map_err(|m| gql_error("BAD_ARGUMENT", &m))? {
                    continue;
                }
            }
            rows.push((component_uuid(c), item));
        }
        Ok(page_in_memory(rows, &page).into())
    }
}
