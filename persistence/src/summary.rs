//! What the summaries kept with the facts share: the days of attendance
//! ([`crate::attendance_day`]) and the days and months of logs ([`crate::log_day`]) are checked
//! against the facts they sum the same way, and an operator's check mends them.

use std::collections::BTreeMap;

use ekinerja_domain::id::{AgencyId, EmployeeId};

use crate::db::{Backend, LockTable};
use crate::key::Key;
use crate::{DbConnection, StoreError};

/// One statement's share of a hand-built read of [`Whose`] rows: its condition on a table with
/// `agency_id` and `employee_id` columns (the agency's rows, one employee's, or up to
/// [`PER_STATEMENT`] employees'), with
/// placeholders numbered from the statement's own values on, and the values to bind after them.
pub(crate) struct Who {
    pub(crate) condition: String,
    agency: Option<AgencyId>,
    employees: Vec<EmployeeId>,
}

impl Who {
    /// The statements a read of `whose` takes; `table` prefixes the columns (`"l."`, or `""`),
    /// and `first` is the number of the first placeholder of the condition.
    pub(crate) fn statements(conn: &DbConnection, whose: Whose<'_>, table: &str, first: usize) -> Vec<Who> {
        let list = |ids: &[EmployeeId]| Who {
            condition: match ids {
                [_] => format!("{table}employee_id = {}", crate::db::placeholder(conn, first)),
                _ => format!(
                    "{table}employee_id IN ({})",
                    (0..ids.len()).map(|i| crate::db::placeholder(conn, first + i)).collect::<Vec<_>>().join(", ")
                ),
            },
            agency: None,
            employees: ids.to_vec(),
        };
        match whose {
            Whose::Agency(a) => vec![Who {
                condition: format!("{table}agency_id = {}", crate::db::placeholder(conn, first)),
                agency: Some(a),
                employees: vec![],
            }],
            Whose::Employee(e) => vec![list(&[e])],
            Whose::Employees(ids) => ids.chunks(PER_STATEMENT).map(list).collect(),
        }
    }

    /// Binds the condition's values, after the statement's own.
    pub(crate) fn bind<'f>(
        &self,
        mut q: diesel::query_builder::BoxedSqlQuery<'f, Backend, diesel::query_builder::SqlQuery>,
    ) -> diesel::query_builder::BoxedSqlQuery<'f, Backend, diesel::query_builder::SqlQuery> {
        if let Some(a) = self.agency {
            q = q.bind::<Key<AgencyId>, _>(crate::key::bind(a));
        }
        for id in &self.employees {
            q = q.bind::<Key<EmployeeId>, _>(crate::key::bind(*id));
        }
        q
    }
}

/// Whose days a summary read covers.
#[derive(Debug, Clone, Copy)]
pub enum Whose<'a> {
    /// Everyone of the agency.
    Agency(AgencyId),
    /// One employee.
    Employee(EmployeeId),
    /// These employees (read [`PER_STATEMENT`] at a time).
    Employees(&'a [EmployeeId]),
}

/// Employees named in one statement of a [`Whose::Employees`] read.
pub(crate) const PER_STATEMENT: usize = 500;

/// The rows `read` gives for `ids`, named [`PER_STATEMENT`] of them a statement, in order.
pub(crate) fn per_statement<I, T>(
    ids: &[I],
    mut read: impl FnMut(&[I]) -> diesel::QueryResult<Vec<T>>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(PER_STATEMENT) {
        out.extend(read(chunk)?);
    }
    Ok(out)
}

/// People read by employee, up to this many: a unit's or a supervisor's people read their own
/// rows, a statement per [`PER_STATEMENT`] of them; more than this read the agency's rows in one
/// statement and keep their own.
pub(crate) const FEW: usize = 2_000;

impl<'a> Whose<'a> {
    /// The read of the days of `ids`, employees of `agency`: by employee for a few, by the agency
    /// for many (the reader keeps its people's rows).
    pub(crate) fn people(agency: AgencyId, ids: &'a [EmployeeId]) -> Self {
        match ids {
            [one] => Whose::Employee(*one),
            few if few.len() <= FEW => Whose::Employees(few),
            _ => Whose::Agency(agency),
        }
    }
}

/// A stored summary row beside the row its facts make; `None` where there is no such row.
#[derive(Debug)]
pub struct Disagreement<T> {
    pub stored: Option<T>,
    pub computed: Option<T>,
}

/// Every row on which `stored` and `computed` differ, both ways, matched by `key`.
pub(crate) fn compare<T: PartialEq, K: Ord>(
    stored: Vec<T>,
    computed: Vec<T>,
    key: impl Fn(&T) -> K,
) -> Vec<Disagreement<T>> {
    let mut stored: BTreeMap<K, T> = stored.into_iter().map(|d| (key(&d), d)).collect();
    let mut out = Vec::new();
    for c in computed {
        match stored.remove(&key(&c)) {
            Some(s) if s == c => {}
            s => out.push(Disagreement { stored: s, computed: Some(c) }),
        }
    }
    out.extend(stored.into_values().map(|s| Disagreement { stored: Some(s), computed: None }));
    out
}

/// Counts each differing row of a summary again from its facts (`count`), each in a write
/// transaction of its own that holds its employee's row.
fn mend<T>(
    conn: &mut DbConnection,
    found: Vec<Disagreement<T>>,
    employee: impl Fn(&T) -> EmployeeId,
    count: impl Fn(&mut DbConnection, &T) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    for d in found {
        let Some(row) = d.computed.or(d.stored) else { continue };
        crate::db::write(conn, |conn| {
            crate::db::lock_row(conn, LockTable::Employees, employee(&row))?;
            count(conn, &row)
        })?;
    }
    Ok(())
}

/// How many stored days of each summary differed from their facts when checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// Days of logs ([`crate::log_day`]).
    pub log_days: usize,
    /// Months of logs ([`crate::log_day::Month`]).
    pub log_months: usize,
    /// Months of logs per planned result ([`crate::log_day::ResultMonth`]).
    pub log_result_months: usize,
    /// Days of attendance ([`crate::attendance_day`]).
    pub attendance_days: usize,
}

/// Checks the summaries (days, months and months per result of logs; days of attendance) against
/// their facts, for an operator (`ekinerja check-summaries`): the
/// API keeps them with the facts, but a bulk write straight into the tables, or an older binary
/// writing during an upgrade, can leave them out of step. With `repair`, every day that differs
/// is counted again from its facts, each in a write transaction of its own that holds the
/// employee's row. The writers of logs hold that row too, so days of logs can be mended while the
/// server runs; the writers of attendance do not, so a repair of a day of attendance racing an
/// event stored or voided for that day can fail (run it again). The stored and the computed days
/// are read one after the other: on a running server, a write between the two reads shows as a
/// difference that a second check no longer finds.
pub fn check(conn: &mut DbConnection, repair: bool) -> Result<Checked, StoreError> {
    let logs = crate::log_day::disagreements(conn)?;
    let months = crate::log_day::month_disagreements(conn)?;
    let result_months = crate::log_day::result_month_disagreements(conn)?;
    let attendance = crate::attendance_day::disagreements(conn)?;
    let checked = Checked {
        log_days: logs.len(),
        log_months: months.len(),
        log_result_months: result_months.len(),
        attendance_days: attendance.len(),
    };
    if repair {
        use crate::{attendance_day, log_day};
        mend(conn, logs, |d| d.employee_id, |c, d| log_day::count_again(c, d.employee_id, d.log_date, d.status))?;
        // Each month from its logs.
        mend(conn, months, |m| m.employee_id, |c, m| log_day::count_month_again(c, m.employee_id, m.month, m.status))?;
        mend(
            conn,
            result_months,
            |m| m.employee_id,
            |c, m| log_day::count_results_again(c, m.employee_id, m.month, m.status, m.planned_result_id),
        )?;
        mend(conn, attendance, |d| d.employee_id, |c, d| attendance_day::refresh(c, d.employee_id, d.local_date))?;
    }
    Ok(checked)
}
