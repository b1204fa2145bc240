//! `components(key)`: the components the caller's organization sees, read from the process's
//! one catalog (the engine's): the built-ins and the organization's own (integration models).
//! Their actions with typed inputs (and each action's inputs as a JSON Schema), and their
//! connection types with typed inputs.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject, ID};
use plumb_core::component::{ActionSpec, ComponentSpec, ConnectionSpec, Scope};
use plumb_core::connection_types::{self, ConnectionType as CoreType};
use plumb_runtime::Runtime;
use uuid::Uuid;

use super::errors::Result;
use super::relay::{connection_type, Connection, PageInfo};

/// The global ID type of connection type inputs.
pub const INPUT_TYPE: &str = "ConnectionInput";

/// A component: a built-in, or one of the organization's own.
#[derive(SimpleObject, Clone)]
pub struct Component {
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
    /// Its actions.
    pub actions: ComponentActionConnection,
    /// Its connection types.
    pub connections: ConnectionTypeConnection,
}

/// An action of a component.
#[derive(SimpleObject, Clone)]
pub struct ComponentAction {
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

list_type!(ComponentAction, ComponentActionConnection);
list_type!(ComponentActionInput, ComponentActionInputConnection);
list_type!(ConnectionType, ConnectionTypeConnection);
list_type!(ConnectionInputDef, ConnectionInputDefConnection);

/// A whole, unpaged list as a connection (cursors are the items' keys).
fn static_list<T>(items: Vec<T>, key: impl Fn(&T) -> String) -> Connection<T> {
    use base64::Engine;
    let edges: Vec<(T, String)> = items
        .into_iter()
        .map(|i| {
            let c = base64::engine::general_purpose::STANDARD.encode(format!("key:{}", key(&i)));
            (i, c)
        })
        .collect();
    Connection {
        page_info: PageInfo {
            has_next_page: false,
            has_previous_page: false,
            start_cursor: edges.first().map(|e| e.1.clone()),
            end_cursor: edges.last().map(|e| e.1.clone()),
        },
        total_count: edges.len() as i64,
        edges,
    }
}

fn action(a: &ActionSpec) -> ComponentAction {
    let inputs: Vec<ComponentActionInput> = a
        .inputs
        .iter()
        .map(|i| ComponentActionInput {
            key: i.key.clone(),
            label: i.label.clone(),
            input_type: i.kind.as_str().into(),
            required: i.required,
            default: i.default.clone(),
            description: i.description.clone(),
        })
        .collect();
    ComponentAction {
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

fn component(c: &ComponentSpec) -> Component {
    Component {
        key: c.key.clone(),
        label: c.label.clone(),
        description: c.description.clone(),
        version: c.version.clone(),
        is_builtin: c.scope == Scope::Builtin,
        actions: c.actions.iter().map(action).collect::<Vec<_>>().into(),
        connections: c
            .connections
            .iter()
            .map(|conn| connection_spec_view(&c.key, conn))
            .collect::<Vec<_>>()
            .into(),
    }
}

/// Component queries.
#[derive(Default)]
pub struct ComponentQuery;

#[Object]
impl ComponentQuery {
    /// The components the organization sees: the built-ins and its own (only the one with
    /// `key` when given).
    async fn components(
        &self,
        ctx: &Context<'_>,
        key: Option<String>,
    ) -> Result<ComponentConnection> {
        let caller = super::caller(ctx)?;
        let runtime = ctx.data::<Arc<Runtime>>()?;
        plumb_runtime::models::sync_models(&runtime.engine, &runtime.store, caller.org_id)
            .await
            .map_err(super::errors::internal)?;
        let view = runtime.engine.catalog().view(Some(caller.org_id));
        let list: Vec<Component> = view
            .specs()
            .into_iter()
            .filter(|c| key.as_deref().is_none_or(|k| k == c.key))
            .map(component)
            .collect();
        Ok(static_list(list, |c: &Component| c.key.clone()).into())
    }
}
