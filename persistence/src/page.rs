//! Cursor pagination: lists are ordered by id (UUIDv7, so by creation time) and continue after
//! the last id of the previous page.

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 50;
/// Largest page size.
pub const MAX_LIMIT: i64 = 200;

/// A validated page request.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Items per page, 1 to [`MAX_LIMIT`].
    pub limit: i64,
    /// Continue after this id.
    pub after: Option<uuid::Uuid>,
}

impl PageRequest {
    /// The first page of the default size.
    pub fn first() -> Self {
        PageRequest { limit: DEFAULT_LIMIT, after: None }
    }
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items, in id order.
    pub items: Vec<T>,
    /// Where the next page starts, if there is one.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// An empty page.
    pub fn empty() -> Self {
        Page { items: Vec::new(), next_cursor: None }
    }

    /// Builds a page from `limit + 1` loaded rows: the extra row only says there is more.
    pub fn from_rows<K: std::fmt::Display + ?Sized>(mut rows: Vec<T>, limit: i64, id_of: impl Fn(&T) -> &K) -> Self {
        let limit = usize::try_from(limit).unwrap_or(0);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| id_of(r).to_string())
        } else {
            None
        };
        Page { items: rows, next_cursor }
    }

    /// Maps the items.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}
