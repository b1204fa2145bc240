//! Relay connections: `nodes`, `edges {node cursor}`, `pageInfo`, `totalCount`, and the
//! `first/after/last/before` arguments. Cursors are opaque (base64 of `cursor:<uuid>`).

use async_graphql::SimpleObject;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use plumb_store::{Page, PageRequest};

use super::errors::gql_error;

/// Relay's page info.
#[derive(SimpleObject, Debug, Clone)]
pub struct PageInfo {
    /// Whether more rows follow.
    pub has_next_page: bool,
    /// Whether rows precede.
    pub has_previous_page: bool,
    /// The first row's cursor.
    pub start_cursor: Option<String>,
    /// The last row's cursor.
    pub end_cursor: Option<String>,
}

/// A page of a list before it becomes a concrete GraphQL connection type.
pub struct Connection<T> {
    /// The rows with their cursors.
    pub edges: Vec<(T, String)>,
    /// Paging state.
    pub page_info: PageInfo,
    /// How many rows match in all.
    pub total_count: i64,
}

/// Declares the GraphQL connection and edge types of one node type:
/// `nodes`, `edges {node cursor}`, `pageInfo`, `totalCount`.
macro_rules! connection_type {
    ($node:ty, $conn:ident, $edge:ident) => {
        #[doc = concat!("A page of ", stringify!($node), " rows.")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $conn {
            /// The rows.
            pub nodes: Vec<$node>,
            /// The rows with their cursors.
            pub edges: Vec<$edge>,
            /// Paging state.
            pub page_info: $crate::graphql::relay::PageInfo,
            /// How many rows match in all.
            pub total_count: i64,
        }

        #[doc = concat!("One ", stringify!($node), " with its cursor.")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// The row.
            pub node: $node,
            /// Its cursor.
            pub cursor: String,
        }

        impl From<$crate::graphql::relay::Connection<$node>> for $conn {
            fn from(c: $crate::graphql::relay::Connection<$node>) -> Self {
                $conn {
                    nodes: c.edges.iter().map(|(n, _)| n.clone()).collect(),
                    edges: c
                        .edges
                        .into_iter()
                        .map(|(node, cursor)| $edge { node, cursor })
                        .collect(),
                    page_info: c.page_info,
                    total_count: c.total_count,
                }
            }
        }
    };
}
pub(crate) use connection_type;

/// Encodes a row ID as a cursor.
pub fn cursor(id: &uuid::Uuid) -> String {
    STANDARD.encode(format!("cursor:{id}"))
}

fn decode_cursor(c: &str) -> async_graphql::Result<String> {
    STANDARD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("cursor:").map(str::to_string))
        .filter(|s| uuid::Uuid::parse_str(s).is_ok())
        .ok_or_else(|| gql_error("BAD_CURSOR", "malformed cursor"))
}

/// The paging arguments of a list field.
pub fn page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<PageRequest> {
    let count = |n: Option<i32>, name: &str| -> async_graphql::Result<Option<u32>> {
        match n {
            Some(n) if n < 0 => Err(gql_error(
                "BAD_ARGUMENT",
                &format!("{name} must not be negative"),
            )),
            Some(n) => Ok(Some(n as u32)),
            None => Ok(None),
        }
    };
    Ok(PageRequest {
        first: count(first, "first")?,
        last: count(last, "last")?,
        // An empty cursor is no cursor (Prismatic's clients start paging with `after: ""`).
        after: after
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(decode_cursor)
            .transpose()?,
        before: before
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(decode_cursor)
            .transpose()?,
    })
}

/// Builds a connection from a store page; `id` gives each node's row ID.
pub fn connection<T, R>(
    page: Page<R>,
    id: impl Fn(&R) -> uuid::Uuid,
    node: impl Fn(R) -> T,
) -> Connection<T> {
    let edges: Vec<(T, String)> = page
        .items
        .into_iter()
        .map(|r| {
            let c = cursor(&id(&r));
            (node(r), c)
        })
        .collect();
    Connection {
        page_info: PageInfo {
            has_next_page: page.has_next,
            has_previous_page: page.has_previous,
            start_cursor: edges.first().map(|e| e.1.clone()),
            end_cursor: edges.last().map(|e| e.1.clone()),
        },
        edges,
        total_count: page.total,
    }
}

impl<T> Connection<T> {
    /// A connection with no rows.
    pub fn empty() -> Self {
        Connection {
            edges: vec![],
            page_info: PageInfo {
                has_next_page: false,
                has_previous_page: false,
                start_cursor: None,
                end_cursor: None,
            },
            total_count: 0,
        }
    }
}

/// A whole, short list held in memory as one page (cursors are the rows' IDs).
pub fn whole_list<T>(rows: Vec<(uuid::Uuid, T)>) -> Connection<T> {
    let total_count = rows.len() as i64;
    let edges: Vec<(T, String)> = rows.into_iter().map(|(id, t)| (t, cursor(&id))).collect();
    Connection {
        page_info: PageInfo {
            has_next_page: false,
            has_previous_page: false,
            start_cursor: edges.first().map(|e| e.1.clone()),
            end_cursor: edges.last().map(|e| e.1.clone()),
        },
        edges,
        total_count,
    }
}

/// Pages a list held in memory (flows of a definition, components of the catalog) the way the
/// store pages rows: `after`/`before` are cursors of rows of the list, `first`/`last` take rows
/// from the start or the end of what remains (at most [`plumb_store::MAX_PAGE`]; without
/// either, the first [`plumb_store::DEFAULT_PAGE`]). A
/// cursor that names no row of the list leaves nothing.
pub fn page_in_memory<T>(rows: Vec<(uuid::Uuid, T)>, page: &PageRequest) -> Connection<T> {
    let total = rows.len() as i64;
    let position = |c: &Option<String>| {
        c.as_ref()
            .map(|c| rows.iter().position(|(id, _)| id.to_string() == *c))
    };
    let start = match position(&page.after) {
        None => 0,
        Some(Some(i)) => i + 1,
        Some(None) => rows.len(),
    };
    let end = match position(&page.before) {
        None => rows.len(),
        Some(Some(i)) => i,
        Some(None) => 0,
    };
    let (mut from, mut to) = (start, end.max(start));
    if let Some(n) = page.first {
        to = to.min(from + n.min(plumb_store::MAX_PAGE) as usize);
    }
    if let Some(n) = page.last {
        from = from.max(to.saturating_sub(n.min(plumb_store::MAX_PAGE) as usize));
    }
    if page.first.is_none() && page.last.is_none() {
        to = to.min(from + plumb_store::DEFAULT_PAGE as usize);
    }
    let has_next = to < end;
    let has_previous = from > start;
    let edges: Vec<(T, String)> = rows
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i >= from && *i < to)
        .map(|(_, (id, row))| (row, cursor(&id)))
        .collect();
    Connection {
        page_info: PageInfo {
            has_next_page: has_next,
            has_previous_page: has_previous,
            start_cursor: edges.first().map(|e| e.1.clone()),
            end_cursor: edges.last().map(|e| e.1.clone()),
        },
        edges,
        total_count: total,
    }
}

/// The items of a list argument whose items may be null (`[String]`, as Prismatic's clients
/// declare them), nulls left out.
pub fn present_items<T>(items: Option<Vec<Option<T>>>) -> Option<Vec<T>> {
    items.map(|v| v.into_iter().flatten().collect())
}

/// The store's (ascending) page request that reads a page of a list in `descending` order:
/// newest first, `first` taking the newest rows and `after` a cursor moving towards older ones.
pub fn oriented(req: PageRequest, descending: bool) -> PageRequest {
    if !descending {
        return req;
    }
    let (first, last) = match (req.first, req.last) {
        (None, None) => (None, Some(plumb_store::DEFAULT_PAGE)),
        (f, l) => (l, f),
    };
    PageRequest {
        first,
        last,
        after: req.before,
        before: req.after,
    }
}

/// A page read with [`oriented`] put back in the order asked for.
pub fn reoriented<T>(mut c: Connection<T>, descending: bool) -> Connection<T> {
    if descending {
        c.edges.reverse();
        let info = &mut c.page_info;
        std::mem::swap(&mut info.has_next_page, &mut info.has_previous_page);
        info.start_cursor = c.edges.first().map(|e| e.1.clone());
        info.end_cursor = c.edges.last().map(|e| e.1.clone());
    }
    c
}
