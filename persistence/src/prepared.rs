//! Hand-written SQL that the engines prepare once per connection and keep.
//!
//! diesel never keeps a statement made by `sql_query`: its text could be built from anything,
//! so each run is parsed and planned again. That is right for SQL assembled per call, and costly
//! for the fixed queries run on every request: the recursive walks up the organisation chart
//! behind every access decision took about 1.5 ms of PostgreSQL's time per run, almost all of it
//! parsing and planning (issue 19), where a kept statement is only executed. [`Prepared`] takes
//! fixed text (`&'static str`) whose placeholders are `$1`, `$2`, …, so each distinct statement
//! is kept once and the cache cannot grow with the data.

use std::marker::PhantomData;

use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};
use diesel::{QueryResult, RunQueryDsl};

use crate::db::Backend;

/// Fixed SQL and its bound values, kept prepared by the connection that runs it.
#[must_use = "a query runs only when loaded or executed"]
pub struct Prepared<'f> {
    sql: &'static str,
    binds: Vec<Box<dyn QueryFragment<Backend> + Send + 'f>>,
}

/// A statement of fixed text (see the module's documentation): `$n` stands for the `n`th value
/// given to [`Prepared::bind`], and may appear more than once.
pub fn sql<'f>(sql: &'static str) -> Prepared<'f> {
    Prepared { sql, binds: Vec::new() }
}

impl<'f> Prepared<'f> {
    /// Binds the next value (`$1` first) as SQL type `ST`.
    pub fn bind<ST, V>(mut self, value: V) -> Prepared<'f>
    where
        Backend: HasSqlType<ST>,
        V: ToSql<ST, Backend> + Send + 'f,
        ST: Send + 'f,
    {
        self.binds.push(Box::new(Bind { value, sql_type: PhantomData::<ST> }));
        self
    }
}

struct Bind<ST, V> {
    value: V,
    sql_type: PhantomData<ST>,
}

impl<ST, V> QueryFragment<Backend> for Bind<ST, V>
where
    Backend: HasSqlType<ST>,
    V: ToSql<ST, Backend>,
{
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        pass.push_bind_param::<ST, V>(&self.value)
    }
}

impl QueryFragment<Backend> for Prepared<'_> {
    /// The text, with each `$n` handed to the engine's own placeholder (numbered again in order on
    /// PostgreSQL, `?` on SQLite) and its value pushed there, so a value used twice is bound twice.
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        let mut rest = self.sql;
        let mut highest = 0;
        while let Some((at, digits)) = placeholder(rest) {
            out.push_sql(&rest[..at]);
            let n: usize = rest[at + 1..at + 1 + digits].parse().unwrap_or(0);
            let bind = n.checked_sub(1).and_then(|i| self.binds.get(i)).ok_or_else(|| {
                diesel::result::Error::QueryBuilderError(format!("${n} has no bound value in: {}", self.sql).into())
            })?;
            bind.walk_ast(out.reborrow())?;
            highest = highest.max(n);
            rest = &rest[at + 1 + digits..];
        }
        out.push_sql(rest);
        // A value no `$n` names is a mistake in the call, never silently dropped.
        if self.binds.len() > highest {
            return Err(diesel::result::Error::QueryBuilderError(
                format!("{} values bound, ${} is the highest number in: {}", self.binds.len(), highest, self.sql)
                    .into(),
            ));
        }
        Ok(())
    }
}

/// Where the first `$n` of `sql` stands outside string literals, quoted names and comments: its
/// byte offset and how many digits follow the `$`.
fn placeholder(sql: &str) -> Option<(usize, usize)> {
    let b = sql.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            // To the closing quote. A doubled quote inside closes and at once opens another
            // literal, which comes to the same.
            q @ (b'\'' | b'"') => {
                i += 1 + b[i + 1..].iter().position(|c| *c == q).map_or(b.len(), |end| end + 1);
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i += b[i..].iter().position(|c| *c == b'\n').unwrap_or(b.len());
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2 + sql[i + 2..].find("*/").map_or(b.len(), |end| end + 2);
            }
            b'$' => {
                let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits > 0 {
                    return Some((i, digits));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

impl QueryId for Prepared<'_> {
    type QueryId = ();
    // Kept by its text (and the types of its values), not by a Rust type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Prepared<'_> {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for Prepared<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::sql_types::{BigInt, Text};

    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        n: i64,
        #[diesel(sql_type = Text)]
        t: String,
    }

    fn sqlite() -> crate::DbConnection {
        crate::DbConnection::Sqlite(diesel::Connection::establish(":memory:").unwrap())
    }

    #[test]
    fn values_go_where_their_numbers_stand_however_often_and_in_whatever_order() {
        let mut conn = sqlite();
        let rows: Vec<Row> = sql("SELECT $2 + $2 AS n, $1 || '$' || $1 AS t")
            .bind::<Text, _>("a")
            .bind::<BigInt, _>(20_i64)
            .load(&mut conn)
            .unwrap();
        assert_eq!(rows, [Row { n: 40, t: "a$a".into() }]);
    }

    #[test]
    fn a_dollar_number_in_a_literal_a_quoted_name_or_a_comment_is_text() {
        let mut conn = sqlite();
        let rows: Vec<Row> = sql(
            "SELECT $1 /* not $2 */ AS n, -- nor $3\n '$2 it''s $3' || \"$4\".t AS t FROM (SELECT 'x' AS t) AS \"$4\"",
        )
        .bind::<BigInt, _>(7_i64)
        .load(&mut conn)
        .unwrap();
        assert_eq!(rows, [Row { n: 7, t: "$2 it's $3x".into() }]);
    }

    #[test]
    fn a_number_with_no_value_is_an_error_not_a_null() {
        let mut conn = sqlite();
        let err = sql("SELECT $1 AS n, $3 AS t").bind::<BigInt, _>(1_i64).load::<Row>(&mut conn).unwrap_err();
        assert!(err.to_string().contains("$3 has no bound value"), "{err}");
    }

    #[test]
    fn a_value_no_number_names_is_an_error_not_dropped() {
        let mut conn = sqlite();
        let err = sql("SELECT $1 AS n, 'x' AS t")
            .bind::<BigInt, _>(1_i64)
            .bind::<Text, _>("unused")
            .load::<Row>(&mut conn)
            .unwrap_err();
        assert!(err.to_string().contains("2 values bound, $1 is the highest"), "{err}");
    }
}
