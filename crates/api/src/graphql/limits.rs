//! Bounds on one GraphQL request, checked on the parsed document before it is validated or
//! executed: nesting depth, aliases, fields, and a cost that multiplies the page sizes of
//! nested lists (so `first: 1000` under `first: 1000` costs a million), plus a cap on the size
//! of the serialized answer (enforced by the `/api` route, see [`ResponseCap`]).
//!
//! Every refusal is a GraphQL error whose message names the limit and its value, with
//! `extensions.code = "LIMIT_EXCEEDED"`, `extensions.limit` (its name) and `extensions.max`.
//!
//! **Cost.** Each selected field costs the product of the page sizes of the paginated fields
//! around it. A paginated field is one whose schema arguments include `first` or `last`; its
//! page size is the larger of its `first` / `last` (literal or variable), or the store's default
//! page ([`plumb_store::DEFAULT_PAGE`]) when neither is given, and never more than the store
//! serves ([`plumb_store::MAX_PAGE`]). Lists without paging arguments (the component catalogue,
//! an integration's flows, an instance's config variables and flow configs, an API token list)
//! count once per occurrence: their length is bounded by the catalogue, the definition's own
//! limits, or the organization, not by the query. Fragments are expanded where they are spread,
//! `@skip` / `@include` are ignored (everything counts), and each operation of a document is
//! checked on its own (only one runs).

use std::io;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{
    ErrorExtensions, Name, Pos, Positioned, ServerError, ServerResult, Value as ConstValue,
    Variables,
};
use plumb_store::{DEFAULT_PAGE, MAX_PAGE};

/// The `extensions.code` of every limit error.
pub const LIMIT_EXCEEDED: &str = "LIMIT_EXCEEDED";

/// The bounds on one GraphQL request (flags of `plumb serve`, see docs/operations.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphqlLimits {
    /// Deepest nesting of fields (fragments expanded): `{ a { b } }` is 2.
    pub depth: usize,
    /// Most aliased fields in one operation (fragments expanded).
    pub aliases: usize,
    /// Most fields in one operation (fragments expanded).
    pub fields: usize,
    /// Highest cost of one operation: fields weighted by the page sizes of the lists around
    /// them.
    pub cost: u64,
    /// Largest serialized answer, in bytes.
    pub response_bytes: usize,
}

impl Default for GraphqlLimits {
    fn default() -> Self {
        GraphqlLimits {
            depth: 16,
            aliases: 100,
            fields: 5_000,
            cost: 1_000_000,
            response_bytes: 32 * 1024 * 1024,
        }
    }
}

/// A GraphQL error for exceeding `limit` (its name) of value `max`.
pub fn limit_error(
    message: String,
    limit: &'static str,
    max: u64,
    pos: Option<Pos>,
) -> ServerError {
    let error = async_graphql::Error::new(message).extend_with(|_, e| {
        e.set("code", LIMIT_EXCEEDED);
        e.set("limit", limit);
        e.set("max", max);
    });
    match pos {
        Some(pos) => error.into_server_error(pos),
        None => {
            let mut server = ServerError::new(error.message, None);
            server.extensions = error.extensions;
            server
        }
    }
}

/// The schema extension that checks every parsed document against [`GraphqlLimits`].
pub struct LimitsExtension(pub GraphqlLimits);

impl ExtensionFactory for LimitsExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsCheck(self.0))
    }
}

struct LimitsCheck(GraphqlLimits);

#[async_graphql::async_trait::async_trait]
impl Extension for LimitsCheck {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        check(&document, &ctx.schema_env.registry, variables, &self.0)?;
        Ok(document)
    }
}

/// Checks every operation of `document`.
pub fn check(
    document: &ExecutableDocument,
    registry: &Registry,
    variables: &Variables,
    limits: &GraphqlLimits,
) -> ServerResult<()> {
    for (_, operation) in document.operations.iter() {
        let root = match operation.node.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => registry.subscription_type.as_deref(),
        };
        let mut walk = Walk {
            document,
            registry,
            variables,
            operation: &operation.node,
            limits,
            fields: 0,
            aliases: 0,
            cost: 0,
            fragments: Vec::new(),
        };
        walk.selection_set(&operation.node.selection_set.node, root, 0, 1)?;
    }
    Ok(())
}

/// The walk of one operation.
struct Walk<'a> {
    document: &'a ExecutableDocument,
    registry: &'a Registry,
    variables: &'a Variables,
    operation: &'a OperationDefinition,
    limits: &'a GraphqlLimits,
    fields: usize,
    aliases: usize,
    cost: u64,
    /// The fragments being expanded (a cycle is left to validation, which refuses it).
    fragments: Vec<&'a str>,
}

impl<'a> Walk<'a> {
    /// Walks a selection set on type `ty` (`None` when unknown: validation will say why) at
    /// field depth `depth`, each field there costing `weight`.
    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        ty: Option<&'a str>,
        depth: usize,
        weight: u64,
    ) -> ServerResult<()> {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => self.field(field, ty, depth + 1, weight)?,
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if self.fragments.contains(&name) {
                        continue;
                    }
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    self.fragments.push(name);
                    let result = self.selection_set(
                        &fragment.node.selection_set.node,
                        Some(on),
                        depth,
                        weight,
                    );
                    self.fragments.pop();
                    result?;
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map(|c| c.node.on.node.as_str())
                        .or(ty);
                    self.selection_set(&inline.node.selection_set.node, on, depth, weight)?;
                }
            }
        }
        Ok(())
    }

    fn field(
        &mut self,
        field: &'a Positioned<Field>,
        ty: Option<&'a str>,
        depth: usize,
        weight: u64,
    ) -> ServerResult<()> {
        let pos = Some(field.pos);
        let limits = self.limits;
        if depth > limits.depth {
            return Err(limit_error(
                format!(
                    "the query nests fields deeper than the depth limit of {} levels",
                    limits.depth
                ),
                "depth",
                limits.depth as u64,
                pos,
            ));
        }
        self.fields += 1;
        if self.fields > limits.fields {
            return Err(limit_error(
                format!(
                    "the query selects more than the field limit of {} fields (fragments expanded)",
                    limits.fields
                ),
                "fields",
                limits.fields as u64,
                pos,
            ));
        }
        if field.node.alias.is_some() {
            self.aliases += 1;
            if self.aliases > limits.aliases {
                return Err(limit_error(
                    format!(
                        "the query uses more than the alias limit of {} aliases",
                        limits.aliases
                    ),
                    "aliases",
                    limits.aliases as u64,
                    pos,
                ));
            }
        }
        self.cost = self.cost.saturating_add(weight);
        if self.cost > limits.cost {
            return Err(limit_error(
                format!(
                    "the query could return more than the cost limit of {} nodes (each field \
                     counts once per row of the lists around it: ask for smaller pages with \
                     `first` / `last`, or fewer nested lists)",
                    limits.cost
                ),
                "cost",
                limits.cost,
                pos,
            ));
        }
        let meta = ty
            .and_then(|t| self.registry.types.get(t))
            .and_then(|t| t.field_by_name(field.node.name.node.as_str()));
        let child_ty = meta.map(|m| MetaTypeName::concrete_typename(&m.ty));
        let paginated =
            meta.is_some_and(|m| m.args.contains_key("first") || m.args.contains_key("last"));
        let page = if paginated {
            self.page_size(&field.node)
        } else {
            1
        };
        self.selection_set(
            &field.node.selection_set.node,
            child_ty,
            depth,
            weight.saturating_mul(page),
        )
    }

    /// The rows a paginated field can answer: the larger of `first` and `last`, the default
    /// page when neither is given, at most the largest page.
    fn page_size(&self, field: &Field) -> u64 {
        let asked = ["first", "last"]
            .iter()
            .filter_map(|arg| field.get_argument(arg))
            .filter_map(|value| {
                // Variables resolve to the request's value, or the operation's default.
                let value = value
                    .node
                    .clone()
                    .into_const_with(|name| self.variable(&name).ok_or(()))
                    .ok()?;
                match value {
                    ConstValue::Number(n) => n.as_i64(),
                    _ => None,
                }
            })
            .max();
        match asked {
            Some(n) => n.clamp(0, i64::from(MAX_PAGE)) as u64,
            None => u64::from(DEFAULT_PAGE),
        }
    }

    /// A variable's value: the request's, or the operation's default.
    fn variable(&self, name: &Name) -> Option<ConstValue> {
        self.variables.get(name.as_str()).cloned().or_else(|| {
            self.operation
                .variable_definitions
                .iter()
                .find(|d| d.node.name.node == *name)
                .and_then(|d| d.node.default_value.as_ref())
                .map(|v| v.node.clone())
        })
    }
}

/// A writer that refuses to grow past a cap: the serialized answer stops at the cap instead of
/// being built whole.
pub struct ResponseCap {
    buf: Vec<u8>,
    cap: usize,
}

impl ResponseCap {
    /// An empty buffer that holds at most `cap` bytes.
    pub fn new(cap: usize) -> ResponseCap {
        ResponseCap {
            buf: Vec::new(),
            cap,
        }
    }

    /// The bytes written.
    pub fn into_inner(self) -> Vec<u8> {
        self.buf
    }
}

impl io::Write for ResponseCap {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.buf.len().saturating_add(bytes.len()) > self.cap {
            return Err(io::Error::other("the response size limit was reached"));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The error answered instead of a response larger than `cap` bytes.
pub fn response_too_large(cap: usize) -> ServerError {
    limit_error(
        format!(
            "the response is larger than the response size limit of {cap} bytes: ask for fewer \
             rows or fields"
        ),
        "responseBytes",
        cap as u64,
        None,
    )
}
