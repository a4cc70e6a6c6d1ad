//! Each employee's day of daily logs by status: how many logs, their minutes, and the minutes of
//! those serving a planned result (not an additional duty), written in the transaction that
//! creates, edits or reviews a log (issue 19). The month-end readers (the allowance run, maturity,
//! monitoring, the dashboards, the OPD comparison, the logging curve) read these rows through
//! [`each`], a part at a time, or [`of`], gathered, instead of grouping every log of the month;
//! maturity and the dashboards read them summed per employee by the database ([`totals`]).
//! Each employee's month by status is kept beside them (`log_months`, in the same transaction),
//! so a month's [`totals`] read a row per employee rather than a row per employee and day; and
//! each employee's month of logs serving each planned result (`log_result_months`), so a month's
//! minutes on results with a target (`maturity::guided`) and a post's accepted minutes on its
//! results (`workload::served`) read a row per employee and result.
//! Because the API changes them only with the logs, its own writes never leave them stale; rows
//! written around it (a bulk load, an older binary during an upgrade) are mended by the next
//! change of the same day or month, by [`rebuild`] or by `ekinerja check-summaries --repair`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};
use ekinerja_domain::daily_log::LogStatus;
use ekinerja_domain::id::{AgencyId, EmployeeId, PlannedResultId};
use ekinerja_domain::rollout::{month_end, month_of};

use crate::daily_log::DailyLog;
use crate::key::Key;
use crate::schema::{log_days, log_months, log_result_months};
use crate::summary::Disagreement;
use crate::word::Word;
use crate::{db::Backend, DbConnection, StoreError};

/// One employee's logs of one day in one status.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = log_days, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Day {
    #[diesel(sql_type = Key<EmployeeId>)]
    pub employee_id: EmployeeId,
    #[diesel(sql_type = Date)]
    pub log_date: NaiveDate,
    #[diesel(sql_type = Word)]
    pub status: LogStatus,
    #[diesel(sql_type = BigInt)]
    pub logs: i64,
    #[diesel(sql_type = BigInt)]
    pub minutes: i64,
    /// Minutes of the logs that serve a planned result (not an additional duty).
    #[diesel(sql_type = BigInt)]
    pub linked_minutes: i64,
}

/// One employee's logs of one month in one status, in one agency: the sums of its days, and the
/// days with a log (bit `n - 1` for day `n`).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Month {
    #[diesel(sql_type = Key<EmployeeId>)]
    pub employee_id: EmployeeId,
    /// The month's first day.
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = Word)]
    pub status: LogStatus,
    #[diesel(sql_type = Key<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(sql_type = BigInt)]
    pub logs: i64,
    #[diesel(sql_type = BigInt)]
    pub minutes: i64,
    #[diesel(sql_type = BigInt)]
    pub linked_minutes: i64,
    #[diesel(sql_type = BigInt)]
    pub days: i64,
}

/// One employee's logs of one month in one status serving one planned result, in one agency.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ResultMonth {
    #[diesel(sql_type = Key<EmployeeId>)]
    pub employee_id: EmployeeId,
    /// The month's first day.
    #[diesel(sql_type = Date)]
    pub month: NaiveDate,
    #[diesel(sql_type = Word)]
    pub status: LogStatus,
    #[diesel(sql_type = Key<PlannedResultId>)]
    pub planned_result_id: PlannedResultId,
    #[diesel(sql_type = Key<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(sql_type = BigInt)]
    pub logs: i64,
    #[diesel(sql_type = BigInt)]
    pub minutes: i64,
}

/// The bit of `day` in its month's [`Month::days`].
fn bit_of(day: NaiveDate) -> i64 {
    1 << day.day0()
}

/// What one log adds to its day, or takes away (negative) when it leaves that day or status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Delta {
    logs: i64,
    minutes: i64,
    linked: i64,
}

type DayKey = (EmployeeId, NaiveDate, LogStatus);
type ResultMonthKey = (EmployeeId, NaiveDate, LogStatus, PlannedResultId, AgencyId);
/// A day's net change, with the agency it belongs to.
type DayChange = (DayKey, (AgencyId, Delta));

/// Rows in one statement: seven values each, well under either engine's limit of bound values.
const DAYS_PER_STATEMENT: usize = 150;

/// Brings the days up to date with logs written in the running transaction: each pair is a log
/// before the change (`None` for a new log) and after it. The net change of every day touched is
/// added by one upsert for days that gain logs; every other day touched is counted again from its
/// logs, and a day left with no log is deleted.
pub(crate) fn record(conn: &mut DbConnection, changes: &[(Option<&DailyLog>, &DailyLog)]) -> Result<(), StoreError> {
    let mut days: BTreeMap<DayKey, (AgencyId, Delta)> = BTreeMap::new();
    let mut add = |log: &DailyLog, sign: i64| {
        let minutes = i64::from(log.duration_minutes);
        let linked = if log.additional_duty { 0 } else { minutes };
        let (_, d) =
            days.entry((log.employee_id, log.log_date, log.status)).or_insert((log.agency_id, Delta::default()));
        d.logs += sign;
        d.minutes += sign * minutes;
        d.linked += sign * linked;
    };
    for (before, after) in changes {
        if let Some(b) = before {
            add(b, -1);
        }
        add(after, 1);
    }
    // A change that could stand as a day of its own (at least one log, minutes not negative,
    // linked minutes within them) is inserted or added to. Any other change took something from
    // its day, and that day is computed again from its logs (the engines check the constraints of
    // the row proposed for insertion before they see it conflict, so a change such as a log
    // turning from an additional duty to a planned result, `(0, 0, +m)`, cannot go through the
    // upsert). Computing it again, rather than subtracting from the stored row, also mends a day
    // that was out of step with its logs (a bulk write without a rebuild, an older binary during
    // an upgrade) instead of failing the edit or review that finds it. Every writer of an
    // employee's logs holds that employee's row (`daily_log::next_seq`) before it comes here, so
    // on PostgreSQL no other transaction changes these logs between the count and the write.
    let (gains, recount): (Vec<DayChange>, Vec<DayChange>) = days
        .into_iter()
        .filter(|(_, (_, d))| *d != Delta::default())
        .partition(|(_, (_, d))| d.logs > 0 && d.minutes >= 0 && (0..=d.minutes).contains(&d.linked));
    for ((employee, date, status), _) in &recount {
        count_again(conn, *employee, *date, *status)?;
    }
    for chunk in gains.chunks(DAYS_PER_STATEMENT) {
        let values = crate::db::values_list(conn, chunk.len(), 7);
        let mut q = diesel::sql_query(format!(
            "INSERT INTO log_days (employee_id, log_date, status, agency_id, logs, minutes, linked_minutes) \
             VALUES {values} \
             ON CONFLICT (employee_id, log_date, status) DO UPDATE SET \
             logs = log_days.logs + excluded.logs, \
             minutes = log_days.minutes + excluded.minutes, \
             linked_minutes = log_days.linked_minutes + excluded.linked_minutes"
        ))
        .into_boxed::<Backend>();
        for ((employee, date, status), (agency, d)) in chunk {
            q = q
                .bind::<Key<EmployeeId>, _>(crate::key::bind(*employee))
                .bind::<Date, _>(*date)
                .bind::<Word, _>(crate::word::bind(*status))
                .bind::<Key<AgencyId>, _>(crate::key::bind(*agency))
                .bind::<BigInt, _>(d.logs)
                .bind::<BigInt, _>(d.minutes)
                .bind::<BigInt, _>(d.linked);
        }
        q.execute(conn)?;
    }
    // The months, once their days are written: a month with a day counted again is counted again
    // from its logs; the others add what their days gained, and have those days.
    let recounted: BTreeSet<(EmployeeId, NaiveDate, LogStatus)> =
        recount.iter().map(|((employee, date, status), _)| (*employee, month_of(*date), *status)).collect();
    let mut months: BTreeMap<(EmployeeId, NaiveDate, LogStatus, AgencyId), (Delta, i64)> = BTreeMap::new();
    for ((employee, date, status), (agency, d)) in &gains {
        if recounted.contains(&(*employee, month_of(*date), *status)) {
            continue;
        }
        // The agency of the logs that make the change, as the day's own (an employee's logs are all
        // of their agency: nothing moves an employee to another).
        let (m, days) = months.entry((*employee, month_of(*date), *status, *agency)).or_default();
        m.logs += d.logs;
        m.minutes += d.minutes;
        m.linked += d.linked;
        *days |= bit_of(*date);
    }
    let months: Vec<_> = months.into_iter().collect();
    for chunk in months.chunks(DAYS_PER_STATEMENT) {
        let values = crate::db::values_list(conn, chunk.len(), 8);
        let mut q = diesel::sql_query(format!(
            "INSERT INTO log_months (employee_id, month, status, agency_id, logs, minutes, linked_minutes, days) \
             VALUES {values} \
             ON CONFLICT (employee_id, month, status, agency_id) DO UPDATE SET \
             logs = log_months.logs + excluded.logs, \
             minutes = log_months.minutes + excluded.minutes, \
             linked_minutes = log_months.linked_minutes + excluded.linked_minutes, \
             days = log_months.days | excluded.days"
        ))
        .into_boxed::<Backend>();
        for ((employee, month, status, agency), (d, days)) in chunk {
            q = q
                .bind::<Key<EmployeeId>, _>(crate::key::bind(*employee))
                .bind::<Date, _>(*month)
                .bind::<Word, _>(crate::word::bind(*status))
                .bind::<Key<AgencyId>, _>(crate::key::bind(*agency))
                .bind::<BigInt, _>(d.logs)
                .bind::<BigInt, _>(d.minutes)
                .bind::<BigInt, _>(d.linked)
                .bind::<BigInt, _>(*days);
        }
        q.execute(conn)?;
    }
    for (employee, month, status) in recounted {
        count_month_again(conn, employee, month, status)?;
    }
    record_results(conn, changes)
}

/// Brings the months of logs per planned result up to date, as [`record`] does the days: a month
/// that gains logs is added to by an upsert, any other month touched is counted again from its
/// logs.
fn record_results(conn: &mut DbConnection, changes: &[(Option<&DailyLog>, &DailyLog)]) -> Result<(), StoreError> {
    let mut months: BTreeMap<ResultMonthKey, (i64, i64)> = BTreeMap::new();
    let mut add = |log: &DailyLog, sign: i64| {
        if let Some(result) = log.planned_result_id {
            let key = (log.employee_id, month_of(log.log_date), log.status, result, log.agency_id);
            let (logs, minutes) = months.entry(key).or_default();
            *logs += sign;
            *minutes += sign * i64::from(log.duration_minutes);
        }
    };
    for (before, after) in changes {
        if let Some(b) = before {
            add(b, -1);
        }
        add(after, 1);
    }
    let (gains, recount): (Vec<_>, Vec<_>) =
        months.into_iter().filter(|(_, d)| *d != (0, 0)).partition(|(_, (logs, minutes))| *logs > 0 && *minutes >= 0);
    // A month counted again is counted whole, in every agency of its logs: what any agency's row
    // of it gained is in that count already.
    let recounted: BTreeSet<(EmployeeId, NaiveDate, LogStatus, PlannedResultId)> =
        recount.iter().map(|((employee, month, status, result, _), _)| (*employee, *month, *status, *result)).collect();
    for (employee, month, status, result) in &recounted {
        count_results_again(conn, *employee, *month, *status, *result)?;
    }
    let gains: Vec<_> = gains
        .into_iter()
        .filter(|((employee, month, status, result, _), _)| !recounted.contains(&(*employee, *month, *status, *result)))
        .collect();
    for chunk in gains.chunks(DAYS_PER_STATEMENT) {
        let values = crate::db::values_list(conn, chunk.len(), 7);
        let mut q = diesel::sql_query(format!(
            "INSERT INTO log_result_months (employee_id, month, status, planned_result_id, agency_id, logs, minutes) \
             VALUES {values} \
             ON CONFLICT (employee_id, month, status, planned_result_id, agency_id) DO UPDATE SET \
             logs = log_result_months.logs + excluded.logs, \
             minutes = log_result_months.minutes + excluded.minutes"
        ))
        .into_boxed::<Backend>();
        for ((employee, month, status, result, agency), (logs, minutes)) in chunk {
            q = q
                .bind::<Key<EmployeeId>, _>(crate::key::bind(*employee))
                .bind::<Date, _>(*month)
                .bind::<Word, _>(crate::word::bind(*status))
                .bind::<Key<PlannedResultId>, _>(crate::key::bind(*result))
                .bind::<Key<AgencyId>, _>(crate::key::bind(*agency))
                .bind::<BigInt, _>(*logs)
                .bind::<BigInt, _>(*minutes);
        }
        q.execute(conn)?;
    }
    Ok(())
}

/// Replaces one employee's stored month of logs serving one planned result in one status by what
/// its logs make now: no row when it has no log.
pub(crate) fn count_results_again(
    conn: &mut DbConnection,
    employee: EmployeeId,
    month: NaiveDate,
    status: LogStatus,
    result: PlannedResultId,
) -> Result<(), StoreError> {
    crate::prepared::sql(
        "DELETE FROM log_result_months \
         WHERE employee_id = $1 AND month = $2 AND status = $3 AND planned_result_id = $4",
    )
    .bind::<Key<EmployeeId>, _>(crate::key::bind(employee))
    .bind::<Date, _>(month)
    .bind::<Word, _>(crate::word::bind(status))
    .bind::<Key<PlannedResultId>, _>(crate::key::bind(result))
    .execute(conn)?;
    crate::prepared::sql(
        "INSERT INTO log_result_months (employee_id, month, status, planned_result_id, agency_id, logs, minutes) \
         SELECT employee_id, $2, status, planned_result_id, agency_id, COUNT(*), SUM(duration_minutes) \
         FROM daily_logs \
         WHERE employee_id = $1 AND status = $3 AND planned_result_id = $4 AND log_date >= $2 AND log_date <= $5 \
         GROUP BY employee_id, status, planned_result_id, agency_id",
    )
    .bind::<Key<EmployeeId>, _>(crate::key::bind(employee))
    .bind::<Date, _>(month)
    .bind::<Word, _>(crate::word::bind(status))
    .bind::<Key<PlannedResultId>, _>(crate::key::bind(result))
    .bind::<Date, _>(month_end(month))
    .execute(conn)?;
    Ok(())
}

/// Replaces one stored day by what its logs make now: no row when it has no log left.
pub(crate) fn count_again(
    conn: &mut DbConnection,
    employee: EmployeeId,
    date: NaiveDate,
    status: LogStatus,
) -> Result<(), StoreError> {
    crate::prepared::sql("DELETE FROM log_days WHERE employee_id = $1 AND log_date = $2 AND status = $3")
        .bind::<Key<EmployeeId>, _>(crate::key::bind(employee))
        .bind::<Date, _>(date)
        .bind::<Word, _>(crate::word::bind(status))
        .execute(conn)?;
    crate::prepared::sql(
        "INSERT INTO log_days (employee_id, log_date, status, agency_id, logs, minutes, linked_minutes) \
         SELECT employee_id, log_date, status, agency_id, COUNT(*), SUM(duration_minutes), \
                SUM(CASE WHEN additional_duty THEN 0 ELSE duration_minutes END) \
         FROM daily_logs WHERE employee_id = $1 AND log_date = $2 AND status = $3 \
         GROUP BY employee_id, log_date, status, agency_id",
    )
    .bind::<Key<EmployeeId>, _>(crate::key::bind(employee))
    .bind::<Date, _>(date)
    .bind::<Word, _>(crate::word::bind(status))
    .execute(conn)?;
    Ok(())
}

/// The statement of [`count_month_again`] with the engine's `days`.
macro_rules! month_again {
    ($days:expr) => {
        concat!(
            "INSERT INTO log_months (employee_id, month, status, agency_id, logs, minutes, linked_minutes, days) \
             SELECT employee_id, $2, status, agency_id, COUNT(*), SUM(duration_minutes), \
                    SUM(CASE WHEN additional_duty THEN 0 ELSE duration_minutes END), ",
            $days,
            " FROM daily_logs WHERE employee_id = $1 AND status = $3 AND log_date >= $2 AND log_date <= $4 \
             GROUP BY employee_id, status, agency_id"
        )
    };
}

/// The days of a group of logs as bits, on SQLite and on PostgreSQL: bit `n - 1` for day `n`,
/// set once however many logs the day has.
macro_rules! days_sqlite {
    () => {
        "SUM(DISTINCT 1 << (CAST(strftime('%d', log_date) AS INTEGER) - 1))"
    };
}
macro_rules! days_pg {
    () => {
        "BIT_OR(CAST(1 AS BIGINT) << (CAST(EXTRACT(DAY FROM log_date) AS INTEGER) - 1))"
    };
}

/// Replaces one employee's stored month in one status by what its logs make now: no row when it
/// has no log. Counted from the logs rather than from the stored days, so that a month mends
/// itself as a day does, whatever its days hold.
pub(crate) fn count_month_again(
    conn: &mut DbConnection,
    employee: EmployeeId,
    month: NaiveDate,
    status: LogStatus,
) -> Result<(), StoreError> {
    crate::prepared::sql("DELETE FROM log_months WHERE employee_id = $1 AND month = $2 AND status = $3")
        .bind::<Key<EmployeeId>, _>(crate::key::bind(employee))
        .bind::<Date, _>(month)
        .bind::<Word, _>(crate::word::bind(status))
        .execute(conn)?;
    let sql = match conn {
        DbConnection::Sqlite(_) => month_again!(days_sqlite!()),
        DbConnection::Pg(_) => month_again!(days_pg!()),
    };
    crate::prepared::sql(sql)
        .bind::<Key<EmployeeId>, _>(crate::key::bind(employee))
        .bind::<Date, _>(month)
        .bind::<Word, _>(crate::word::bind(status))
        .bind::<Date, _>(month_end(month))
        .execute(conn)?;
    Ok(())
}

pub use crate::summary::Whose;

/// Which statuses [`each`] and [`of`] read.
#[derive(Debug, Clone, Copy)]
pub enum Statuses {
    /// Logs of this status alone.
    Only(LogStatus),
    /// Every log that still counts for something: accepted or waiting for review.
    NotRejected,
}

/// The stored days between two dates (both included), handed to `part` a part at a time: an
/// agency's a date at a time (a statement each), an employee's at once, a list of employees'
/// [`crate::summary::PER_STATEMENT`] of them at a time. Each part is in employee, day and status
/// order and has every status of each employee's day it has; an employee's days come in date
/// order across the parts.
///
/// A month of a 100,000-employee agency's days is two million rows: read at once with the
/// database's copy of them, they took 430 MB at the peak of a maturity report (issue 19). A day
/// of them is put in order here rather than by the database, which reads it by the agency and
/// date index.
pub fn each(
    conn: &mut DbConnection,
    whose: Whose<'_>,
    statuses: Statuses,
    from: NaiveDate,
    to: NaiveDate,
    mut part: impl FnMut(Vec<Day>),
) -> Result<(), StoreError> {
    let query = || {
        let q = log_days::table.select(Day::as_select()).into_boxed();
        match statuses {
            Statuses::Only(s) => q.filter(log_days::status.eq(crate::word::bind(s))),
            Statuses::NotRejected => q.filter(log_days::status.ne(crate::word::bind(LogStatus::Rejected))),
        }
    };
    let ordered = || {
        query().filter(log_days::log_date.ge(from)).filter(log_days::log_date.le(to)).order((
            log_days::employee_id.asc(),
            log_days::log_date.asc(),
            log_days::status.asc(),
        ))
    };
    match whose {
        Whose::Agency(a) => {
            for day in from.iter_days().take_while(|d| *d <= to) {
                let mut days = query()
                    .filter(log_days::agency_id.eq(crate::key::bind(a)))
                    .filter(log_days::log_date.eq(day))
                    .load::<Day>(conn)?;
                days.sort_unstable_by_key(|d| (d.employee_id, d.status));
                part(days);
            }
        }
        Whose::Employee(e) => part(ordered().filter(log_days::employee_id.eq(crate::key::bind(e))).load(conn)?),
        Whose::Employees(ids) => {
            for chunk in ids.chunks(crate::summary::PER_STATEMENT) {
                part(
                    ordered()
                        .filter(log_days::employee_id.eq_any(crate::key::binds(chunk.iter().copied())))
                        .load(conn)?,
                );
            }
        }
    }
    Ok(())
}

/// One employee's logs over a span of at most [`TOTALS_SPAN`] days, in the statuses read.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Totals {
    #[diesel(sql_type = Key<EmployeeId>)]
    pub employee_id: EmployeeId,
    #[diesel(sql_type = BigInt)]
    pub minutes: i64,
    #[diesel(sql_type = BigInt)]
    pub linked_minutes: i64,
    /// The days with a log: bit `n` is the span's first day plus `n` days.
    #[diesel(sql_type = BigInt)]
    pub days: i64,
}

/// The longest span [`totals`] sums: its days are bits of one 64-bit word, the sign bit unused.
pub const TOTALS_SPAN: i64 = 63;

/// Whether a span from `from` to `to` is better read as a stored month less the month's logs
/// after the span than from its own days: it begins on the month's first day and ends in that
/// month, and the month's days after it that can hold logs are no more than its own. No log is
/// dated after `today` (the agency's), so a month report to yesterday takes off a day at most.
pub(crate) fn month_less_later(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> bool {
    let end = month_end(from);
    from.day() == 1 && from <= to && to <= end && (today.min(end) - to).num_days() <= i64::from(to.day())
}

/// Each employee's logs from `from` to `to` (both included, at most [`TOTALS_SPAN`] days), summed
/// by the database: a row an employee with a log in the span, where [`each`] hands over a row an
/// employee, day and status (a 100,000-employee agency's month is two million of those, and a
/// maturity report needs only each employee's minutes and which days they logged). A span from a
/// month's first day is read from the stored months, less the month's days after the span, when
/// those that can hold logs (to `today`) are fewer ([`month_less_later`]).
pub fn totals(
    conn: &mut DbConnection,
    whose: Whose<'_>,
    statuses: Statuses,
    (from, to): (NaiveDate, NaiveDate),
    today: NaiveDate,
) -> Result<Vec<Totals>, StoreError> {
    if to < from {
        return Ok(vec![]);
    }
    if month_less_later(from, to, today) {
        return month_totals(conn, whose, statuses, (from, month_end(from)), to);
    }
    day_totals(conn, whose, statuses, from, to)
}

/// [`totals`] of the month from `first` to `end`, to `to`: the stored months, less the days after
/// `to`. Two statements, which must see one snapshot (a report's `db::snapshot`): otherwise, on
/// PostgreSQL, a log written between them on a later day would be taken off without having been
/// counted.
fn month_totals(
    conn: &mut DbConnection,
    whose: Whose<'_>,
    statuses: Statuses,
    (first, end): (NaiveDate, NaiveDate),
    to: NaiveDate,
) -> Result<Vec<Totals>, StoreError> {
    let (status_test, status) = match statuses {
        Statuses::Only(s) => ("=", s),
        Statuses::NotRejected => ("<>", LogStatus::Rejected),
    };
    let p = |n| crate::db::placeholder(conn, n);
    let condition = format!("month = {} AND status {status_test} {}", p(1), p(2));
    let mut sums: HashMap<EmployeeId, Totals> = HashMap::new();
    for who in crate::summary::Who::statements(conn, whose, "", 3) {
        let q = diesel::sql_query(format!(
            "SELECT employee_id, minutes, linked_minutes, days FROM log_months WHERE {condition} AND {}",
            who.condition
        ))
        .into_boxed::<Backend>()
        .bind::<Date, _>(first)
        .bind::<Word, _>(crate::word::bind(status));
        // An employee has a row per status and agency: their sum, and the days of any.
        for part in who.bind(q).load::<Totals>(conn)? {
            let t = sums.entry(part.employee_id).or_insert(Totals { minutes: 0, linked_minutes: 0, days: 0, ..part });
            t.minutes += part.minutes;
            t.linked_minutes += part.linked_minutes;
            t.days |= part.days;
        }
    }
    if to < end {
        let after = to.succ_opt().unwrap_or(end);
        for later in day_totals(conn, whose, statuses, after, end)? {
            // Never below nothing, even were the stored months out of step with the logs.
            if let Some(t) = sums.get_mut(&later.employee_id) {
                t.minutes = (t.minutes - later.minutes).max(0);
                t.linked_minutes = (t.linked_minutes - later.linked_minutes).max(0);
            }
        }
        let kept = (1_i64 << to.day()) - 1;
        for t in sums.values_mut() {
            t.days &= kept;
        }
    }
    Ok(sums.into_values().filter(|t| t.days != 0).collect())
}

/// [`totals`] summed from the stored days.
fn day_totals(
    conn: &mut DbConnection,
    whose: Whose<'_>,
    statuses: Statuses,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Totals>, StoreError> {
    if to < from {
        return Ok(vec![]);
    }
    if (to - from).num_days() >= TOTALS_SPAN {
        // A caller's mistake, never a client's: the reports ask for a month at most.
        return Err(StoreError::Database(diesel::result::Error::QueryBuilderError(
            format!("totals cover at most {TOTALS_SPAN} days, asked {from} to {to}").into(),
        )));
    }
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    // The day's bit, from the same bound first day (`$1`): whole days apart on both engines.
    let day = if sqlite { "CAST(julianday(log_date) - julianday(?) AS INTEGER)" } else { "(log_date - $1)" };
    let mask = if sqlite { format!("SUM(DISTINCT 1 << {day})") } else { format!("BIT_OR(CAST(1 AS BIGINT) << {day})") };
    let (status_test, status) = match statuses {
        Statuses::Only(s) => ("=", s),
        Statuses::NotRejected => ("<>", LogStatus::Rejected),
    };
    let p = |n| crate::db::placeholder(conn, n);
    let range = format!("log_date >= {} AND log_date <= {} AND status {status_test} {}", p(2), p(3), p(4));
    let mut out = Vec::new();
    for who in crate::summary::Who::statements(conn, whose, "", 5) {
        let q = diesel::sql_query(format!(
            "SELECT employee_id, CAST(SUM(minutes) AS BIGINT) AS minutes, \
                    CAST(SUM(linked_minutes) AS BIGINT) AS linked_minutes, CAST({mask} AS BIGINT) AS days \
             FROM log_days WHERE {range} AND {} GROUP BY employee_id",
            who.condition
        ))
        .into_boxed::<Backend>()
        .bind::<Date, _>(from)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .bind::<Word, _>(crate::word::bind(status));
        out.extend(who.bind(q).load::<Totals>(conn)?);
    }
    Ok(out)
}

/// The days of [`each`], gathered, in the order of its parts: for a reader of a few employees or
/// of a short span. A report over a large agency's month takes them a part at a time.
pub fn of(
    conn: &mut DbConnection,
    whose: Whose<'_>,
    statuses: Statuses,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Day>, StoreError> {
    let mut out = Vec::new();
    each(conn, whose, statuses, from, to, |part| out.extend(part))?;
    Ok(out)
}

/// Every stored day that differs from what the logs make, both ways; empty when the table agrees
/// with the logs. For tests and an operator's check.
pub fn disagreements(conn: &mut DbConnection) -> Result<Vec<Disagreement<Day>>, StoreError> {
    const COLUMNS: &str = "employee_id, log_date, status, logs, minutes, linked_minutes";
    let stored: Vec<Day> = diesel::sql_query(format!("SELECT {COLUMNS} FROM log_days")).load(conn)?;
    let computed: Vec<Day> = diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM ( \
         SELECT employee_id, log_date, status, CAST(COUNT(*) AS BIGINT) AS logs, \
                CAST(SUM(duration_minutes) AS BIGINT) AS minutes, \
                CAST(SUM(CASE WHEN additional_duty THEN 0 ELSE duration_minutes END) AS BIGINT) AS linked_minutes \
         FROM daily_logs GROUP BY employee_id, log_date, status) AS d"
    ))
    .load(conn)?;
    Ok(crate::summary::compare(stored, computed, |d: &Day| (d.employee_id, d.log_date, d.status)))
}

/// Every stored month that differs from what the logs make, both ways; empty when the table
/// agrees with the logs. For tests and an operator's check.
pub fn month_disagreements(conn: &mut DbConnection) -> Result<Vec<Disagreement<Month>>, StoreError> {
    const COLUMNS: &str = "employee_id, month, status, agency_id, logs, minutes, linked_minutes, days";
    let stored: Vec<Month> = diesel::sql_query(format!("SELECT {COLUMNS} FROM log_months")).load(conn)?;
    let computed: Vec<Month> = diesel::sql_query(months_sql(conn, "")).load(conn)?;
    Ok(crate::summary::compare(stored, computed, |m: &Month| (m.employee_id, m.month, m.status, m.agency_id)))
}

/// Every stored month of logs per planned result that differs from what the logs make, both ways;
/// empty when the table agrees with the logs. For tests and an operator's check.
pub fn result_month_disagreements(conn: &mut DbConnection) -> Result<Vec<Disagreement<ResultMonth>>, StoreError> {
    const COLUMNS: &str = "employee_id, month, status, planned_result_id, agency_id, logs, minutes";
    let stored: Vec<ResultMonth> = diesel::sql_query(format!("SELECT {COLUMNS} FROM log_result_months")).load(conn)?;
    let computed: Vec<ResultMonth> =
        diesel::sql_query(result_months_sql(conn, "WHERE planned_result_id IS NOT NULL")).load(conn)?;
    Ok(crate::summary::compare(stored, computed, |m: &ResultMonth| {
        (m.employee_id, m.month, m.status, m.planned_result_id, m.agency_id)
    }))
}

/// Each employee's months per planned result as their logs (`filter`ed, of results alone) make
/// them, in `log_result_months`' columns.
fn result_months_sql(conn: &DbConnection, filter: &str) -> String {
    let (month, _) = month_sql(conn);
    format!(
        "SELECT employee_id, {month} AS month, status, planned_result_id, agency_id, \
                CAST(COUNT(*) AS BIGINT) AS logs, CAST(SUM(duration_minutes) AS BIGINT) AS minutes \
         FROM daily_logs {filter} GROUP BY employee_id, {month}, status, planned_result_id, agency_id"
    )
}

/// Each employee's months as their logs (`filter`ed) make them, in `log_months`' columns.
fn months_sql(conn: &DbConnection, filter: &str) -> String {
    let (month, days) = month_sql(conn);
    format!(
        "SELECT employee_id, {month} AS month, status, agency_id, CAST(COUNT(*) AS BIGINT) AS logs, \
                CAST(SUM(duration_minutes) AS BIGINT) AS minutes, \
                CAST(SUM(CASE WHEN additional_duty THEN 0 ELSE duration_minutes END) AS BIGINT) AS linked_minutes, \
                CAST({days} AS BIGINT) AS days \
         FROM daily_logs {filter} GROUP BY employee_id, {month}, status, agency_id"
    )
}

/// The engine's month of `log_date` (its first day), and the days of a group of logs as bits.
fn month_sql(conn: &DbConnection) -> (&'static str, &'static str) {
    match conn {
        DbConnection::Sqlite(_) => ("date(log_date, 'start of month')", days_sqlite!()),
        DbConnection::Pg(_) => ("CAST(date_trunc('month', CAST(log_date AS TIMESTAMP)) AS DATE)", days_pg!()),
    }
}

/// Computes an agency's days, months and months per result again from its logs, for a bulk load that wrote
/// `daily_logs` rows directly (the benchmark's agency); the API's own writes keep them as they go.
pub fn rebuild(conn: &mut DbConnection, agency: AgencyId) -> Result<(), StoreError> {
    let months = months_sql(conn, "WHERE agency_id = $1");
    let result_months = result_months_sql(conn, "WHERE agency_id = $1 AND planned_result_id IS NOT NULL");
    crate::db::write(conn, |conn| {
        diesel::delete(log_days::table.filter(log_days::agency_id.eq(crate::key::bind(agency)))).execute(conn)?;
        diesel::sql_query(
            "INSERT INTO log_days (employee_id, log_date, status, agency_id, logs, minutes, linked_minutes) \
             SELECT employee_id, log_date, status, agency_id, COUNT(*), SUM(duration_minutes), \
                    SUM(CASE WHEN additional_duty THEN 0 ELSE duration_minutes END) \
             FROM daily_logs WHERE agency_id = $1 GROUP BY employee_id, log_date, status, agency_id",
        )
        .bind::<Key<AgencyId>, _>(crate::key::bind(agency))
        .execute(conn)?;
        diesel::delete(log_months::table.filter(log_months::agency_id.eq(crate::key::bind(agency)))).execute(conn)?;
        diesel::sql_query(format!(
            "INSERT INTO log_months (employee_id, month, status, agency_id, logs, minutes, linked_minutes, days) {months}"
        ))
        .bind::<Key<AgencyId>, _>(crate::key::bind(agency))
        .execute(conn)?;
        diesel::delete(log_result_months::table.filter(log_result_months::agency_id.eq(crate::key::bind(agency))))
            .execute(conn)?;
        diesel::sql_query(format!(
            "INSERT INTO log_result_months (employee_id, month, status, planned_result_id, agency_id, logs, minutes) \
             {result_months}"
        ))
        .bind::<Key<AgencyId>, _>(crate::key::bind(agency))
        .execute(conn)?;
        Ok(())
    })
}
