//! Keyset pagination (Relay connections) and a small builder for filtered queries.
//!
//! IDs are UUID v7, so ordering by ID is ordering by creation time, and a cursor is simply the
//! ID of the last row seen.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

use sqlx::AssertSqlSafe;

use crate::{Store, StoreError};

/// The page size when none is asked for.
pub const DEFAULT_PAGE: u32 = 100;
/// The largest page served.
pub const MAX_PAGE: u32 = 1000;

/// Which slice of a list to read (Relay's `first/after/last/before`). Cursors are row IDs.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Rows from the start (after `after`).
    pub first: Option<u32>,
    /// Only rows after this ID.
    pub after: Option<String>,
    /// Rows from the end (before `before`).
    pub last: Option<u32>,
    /// Only rows before this ID.
    pub before: Option<String>,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows, in ID order.
    pub items: Vec<T>,
    /// Whether rows follow this page.
    pub has_next: bool,
    /// Whether rows precede this page.
    pub has_previous: bool,
    /// How many rows match the filters in all.
    pub total: i64,
}

impl<T> Page<T> {
    /// Transforms the rows, keeping the page's shape.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
            total: self.total,
        }
    }
}

/// A bound value of a built query.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
}

/// `WHERE` conditions with their bound values; `?` in a condition becomes `$n`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Where {
    conds: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    /// Adds a condition with one `?` per value in `args`.
    pub(crate) fn and(mut self, cond: &str, args: impl IntoIterator<Item = Arg>) -> Self {
        let mut out = String::with_capacity(cond.len() + 8);
        let mut args = args.into_iter();
        for ch in cond.chars() {
            if ch == '?' {
                if let Some(a) = args.next() {
                    self.args.push(a);
                    out.push_str(&format!("${}", self.args.len()));
                    continue;
                }
            }
            out.push(ch);
        }
        self.conds.push(out);
        self
    }

    pub(crate) fn sql(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conds.join(" AND "))
        }
    }

    pub(crate) fn bind<'q>(
        &self,
        mut q: Query<'q, Any, AnyArguments>,
    ) -> Query<'q, Any, AnyArguments> {
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.clone()),
            };
        }
        q
    }
}

/// The `LIKE … ESCAPE '\'` pattern matching names that contain `text`, any case (compare with
/// `LOWER(column)`).
pub(crate) fn contains_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

impl Store {
    /// Reads one page of `select` `from` rows matching `filter`, keyed by `id_col`.
    pub(crate) async fn paginate<T>(
        &self,
        select: &str,
        from: &str,
        id_col: &str,
        filter: Where,
        req: &PageRequest,
        map: impl Fn(&AnyRow) -> Result<T, StoreError>,
    ) -> Result<Page<T>, StoreError> {
        let count_sql = format!("SELECT COUNT(*) AS n FROM {from}{}", filter.sql());
        let row = filter
            .bind(sqlx::query(AssertSqlSafe(count_sql)))
            .fetch_one(&self.read)
            .await?;
        let total: i64 = sqlx::Row::try_get(&row, "n")?;

        let backward = req.last.is_some() && req.first.is_none();
        let size = if backward { req.last } else { req.first }
            .unwrap_or(DEFAULT_PAGE)
            .min(MAX_PAGE);
        let mut filter = filter;
        if let Some(after) = &req.after {
            filter = filter.and(&format!("{id_col} > ?"), [Arg::Text(after.clone())]);
        }
        if let Some(before) = &req.before {
            filter = filter.and(&format!("{id_col} < ?"), [Arg::Text(before.clone())]);
        }
        let order = if backward { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {select} FROM {from}{} ORDER BY {id_col} {order} LIMIT {}",
            filter.sql(),
            size as i64 + 1
        );
        let rows = filter
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(&self.read)
            .await?;
        let more = rows.len() > size as usize;
        let mut items = rows
            .iter()
            .take(size as usize)
            .map(map)
            .collect::<Result<Vec<T>, StoreError>>()?;
        let (has_next, has_previous) = if backward {
            items.reverse();
            (req.before.is_some(), more)
        } else {
            (more, req.after.is_some())
        };
        Ok(Page {
            items,
            has_next,
            has_previous,
            total,
        })
    }
}

impl Store {
    /// Reads, on `pool`, the one row of an organization that `sql` selects with `$1` = the row's
    /// ID and `$2` = the organization's ID; no row is [`StoreError::NotFound`].
    pub(crate) async fn fetch_scoped<T>(
        &self,
        pool: &sqlx::AnyPool,
        sql: &str,
        id: uuid::Uuid,
        org_id: uuid::Uuid,
        map: impl Fn(&AnyRow) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let row = sqlx::query(AssertSqlSafe(sql.to_string()))
            .bind(id.to_string())
            .bind(org_id.to_string())
            .fetch_optional(pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        map(&row)
    }
}
