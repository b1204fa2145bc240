//! `components(key)`: the built-in components (the engine's control components and the
//! components crate's), their actions with typed inputs, and their connection types with typed
//! inputs from [`plumb_core::connection_types`]. Static data: no database.

use async_graphql::{Context, Object, SimpleObject, ID};
use plumb_core::component::{ActionManifest, ComponentManifest, InputKind};
use plumb_core::connection_types::{self, ConnectionInput, ConnectionType as CoreType};
use uuid::Uuid;

use super::errors::Result;
use super::relay::{connection_type, Connection, PageInfo};

/// The global ID type of connection type inputs.
pub const INPUT_TYPE: &str = "ConnectionInput";

/// A built-in component.
#[derive(SimpleObject, Clone)]
pub struct Component {
    /// Its key (`http`, `aws-s3`, ...).
    pub key: String,
    /// A human label.
    pub label: String,
    /// What it is for.
    pub description: String,
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

fn kind_name(kind: InputKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn action(a: &ActionManifest) -> ComponentAction {
    let inputs: Vec<ComponentActionInput> = a
        .inputs
        .iter()
        .map(|i| ComponentActionInput {
            key: i.key.into(),
            label: i.label.into(),
            input_type: kind_name(i.kind),
            required: i.required,
            default: i.default.map(str::to_string),
        })
        .collect();
    ComponentAction {
        key: a.key.into(),
        label: a.label.into(),
        description: a.description.into(),
        is_trigger: a.is_trigger,
        inputs: inputs.into(),
    }
}

/// The global ID of input `input` of connection type `ty`.
pub fn input_id(ty: &CoreType, input: &str) -> ID {
    let uuid = Uuid::new_v5(
        &connection_types::ID_NAMESPACE,
        format!("{}/{}/{}", ty.component, ty.key, input).as_bytes(),
    );
    ID(plumb_core::id::encode(INPUT_TYPE, uuid))
}

fn input_def(ty: &CoreType, i: &ConnectionInput) -> ConnectionInputDef {
    ConnectionInputDef {
        id: input_id(ty, i.key),
        key: i.key.into(),
        label: i.label.into(),
        input_type: i.input_type.as_str().into(),
        required: i.required,
        default: i.default.map(str::to_string),
        secret: i.secret,
        options: i.options.iter().map(|o| o.to_string()).collect(),
    }
}

/// The API view of a connection type.
pub fn connection_type_view(ty: &CoreType) -> ConnectionType {
    let inputs: Vec<ConnectionInputDef> = ty.inputs().map(|i| input_def(ty, i)).collect();
    ConnectionType {
        id: ID(ty.global_id()),
        key: ty.key.into(),
        label: ty.label.into(),
        component: ty.component.into(),
        oauth2: ty.oauth2,
        inputs: inputs.into(),
    }
}

fn component(m: &ComponentManifest) -> Component {
    let actions: Vec<ComponentAction> = m.actions.iter().map(action).collect();
    let connections: Vec<ConnectionType> = connection_types::for_component(m.key)
        .map(connection_type_view)
        .collect();
    Component {
        key: m.key.into(),
        label: m.label.into(),
        description: m.description.into(),
        actions: actions.into(),
        connections: connections.into(),
    }
}

/// Every built-in component's manifest: the engine's, then the components crate's.
pub fn manifests() -> Vec<ComponentManifest> {
    let mut all = plumb_engine::builtin_manifests();
    all.extend(plumb_components::manifests());
    all
}

/// A connection type named by its global ID or by `component/key` (`http/apiKey`).
pub fn find_connection_type(reference: &str) -> Option<&'static CoreType> {
    connection_types::find_by_global_id(reference).or_else(|| {
        let (component, key) = reference.split_once('/')?;
        connection_types::find(component, key)
    })
}

/// Component queries.
#[derive(Default)]
pub struct ComponentQuery;

#[Object]
impl ComponentQuery {
    /// The built-in components (only the one with `key` when given).
    async fn components(
        &self,
        ctx: &Context<'_>,
        key: Option<String>,
    ) -> Result<ComponentConnection> {
        super::caller(ctx)?;
        let list: Vec<Component> = manifests()
            .iter()
            .filter(|m| key.as_deref().is_none_or(|k| k == m.key))
            .map(component)
            .collect();
        Ok(static_list(list, |c: &Component| c.key.clone()).into())
    }
}
