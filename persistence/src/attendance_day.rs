//! Each employee's day of attendance: the earliest check-in and the latest check-out, written in
//! the transaction that stores or voids an event (issue 19). Discipline reads a month of them,
//! one row per employee and day, rather than grouping every event of the month; because they
//! change only with the events, they are never stale.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text};
use ekinerja_domain::attendance::EventKind;
use ekinerja_domain::id::{AgencyId, EmployeeId};

use crate::attendance::Event;
use crate::key::Key;
use crate::summary::{Disagreement, Whose};
use crate::{db::Backend, DbConnection, StoreError};

/// One stored day.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, Queryable, Selectable)]
#[diesel(table_name = crate::schema::attendance_days, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Day {
    #[diesel(sql_type = Key<EmployeeId>)]
    pub employee_id: EmployeeId,
    #[diesel(sql_type = Date)]
    pub local_date: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    pub first_check_in: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_check_out: Option<String>,
}

impl Day {
    /// The day's earliest check-in and latest check-out; a stored time that does not read is a
    /// load error, never a day without a check-in.
    pub fn times(&self) -> Result<(Option<NaiveTime>, Option<NaiveTime>), StoreError> {
        let parse = |s: &Option<String>| {
            s.as_deref()
                .map(|t| {
                    clock(t).ok_or_else(|| {
                        StoreError::Corrupt(format!(
                            "an attendance time {t:?} on {} of {}",
                            self.local_date, self.employee_id
                        ))
                    })
                })
                .transpose()
        };
        Ok((parse(&self.first_check_in)?, parse(&self.last_check_out)?))
    }
}

/// A stored wall-clock time, `HH:MM:SS` exactly (how events and days store them); `None` for
/// anything else. Read for every stored day of a month, so by hand rather than through a format
/// string. A leap second (`..:..:60`, which chrono writes for one and an import or a push may
/// carry) reads as chrono reads it: the 59th second, plus one.
pub(crate) fn clock(t: &str) -> Option<NaiveTime> {
    let b = t.as_bytes();
    let two = |i: usize| -> Option<u32> {
        let (h, l) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
        (h < 10 && l < 10).then(|| u32::from(h) * 10 + u32::from(l))
    };
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    match two(6)? {
        60 => NaiveTime::from_hms_nano_opt(two(0)?, two(3)?, 59, 1_000_000_000),
        second => NaiveTime::from_hms_opt(two(0)?, two(3)?, second),
    }
}

/// A stored clock read straight from PostgreSQL's bytes with [`clock`], no `String` between: a
/// large agency's month read whole is two million days of two clocks. A value that does not read
/// is a load error.
#[derive(Debug, Clone, Copy, diesel::deserialize::FromSqlRow)]
pub(crate) struct Clock(pub(crate) NaiveTime);

impl diesel::deserialize::FromSql<Text, diesel::pg::Pg> for Clock {
    fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        let t = std::str::from_utf8(bytes.as_bytes())?;
        clock(t).map(Clock).ok_or_else(|| format!("an attendance time {t:?} in the database").into())
    }
}

/// Days in one statement: five values each, well under either engine's limit of bound values.
/// (Also on SQLite, where a batch's days in one statement measured faster than a day each.)
const DAYS_PER_STATEMENT: usize = 200;

/// Adds newly stored events to their days. A day's earliest check-in and latest check-out only
/// move outward as events arrive, so one upsert per day keeps them exact.
pub(crate) fn add(conn: &mut DbConnection, events: &[&Event]) -> Result<(), StoreError> {
    type Times = (AgencyId, Option<String>, Option<String>);
    let mut days: BTreeMap<(EmployeeId, NaiveDate), Times> = BTreeMap::new();
    for e in events {
        let day = days.entry((e.employee_id, e.local_date)).or_insert((e.agency_id, None, None));
        let time = Some(e.local_time.clone());
        match e.kind {
            EventKind::CheckIn if day.1.is_none() || time < day.1 => day.1 = time,
            EventKind::CheckOut if time > day.2 => day.2 = time,
            _ => {}
        }
    }
    let days: Vec<_> = days.into_iter().collect();
    for chunk in days.chunks(DAYS_PER_STATEMENT) {
        let values = crate::db::values_list(conn, chunk.len(), 5);
        let mut q = diesel::sql_query(format!(
            "INSERT INTO attendance_days (employee_id, local_date, agency_id, first_check_in, last_check_out) \
             VALUES {} \
             ON CONFLICT (employee_id, local_date) DO UPDATE SET \
             first_check_in = CASE \
               WHEN excluded.first_check_in IS NULL THEN attendance_days.first_check_in \
               WHEN attendance_days.first_check_in IS NULL OR excluded.first_check_in < attendance_days.first_check_in \
                 THEN excluded.first_check_in \
               ELSE attendance_days.first_check_in END, \
             last_check_out = CASE \
               WHEN excluded.last_check_out IS NULL THEN attendance_days.last_check_out \
               WHEN attendance_days.last_check_out IS NULL OR excluded.last_check_out > attendance_days.last_check_out \
                 THEN excluded.last_check_out \
               ELSE attendance_days.last_check_out END",
            values
        ))
        .into_boxed::<Backend>();
        for ((employee, date), (agency, first_in, last_out)) in chunk {
            q = q
                .bind::<Key<EmployeeId>, _>(crate::key::bind(*employee))
                .bind::<Date, _>(*date)
                .bind::<Key<AgencyId>, _>(crate::key::bind(*agency))
                .bind::<Nullable<Text>, _>(first_in.clone())
                .bind::<Nullable<Text>, _>(last_out.clone());
        }
        q.execute(conn)?;
    }
    Ok(())
}

/// Computes one employee's day again from its events that are not voided (after a void, which
/// may take away the earliest check-in or the latest check-out); no row when none is left.
pub(crate) fn refresh(conn: &mut DbConnection, employee: EmployeeId, date: NaiveDate) -> Result<(), StoreError> {
    diesel::sql_query("DELETE FROM attendance_days WHERE employee_id = $1 AND local_date = $2")
        .bind::<Key<EmployeeId>, _>(crate::key::bind(employee))
        .bind::<Date, _>(date)
        .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO attendance_days {FROM_EVENTS} AND employee_id = $1 AND local_date = $2 {GROUP}"
    ))
    .bind::<Key<EmployeeId>, _>(crate::key::bind(employee))
    .bind::<Date, _>(date)
    .execute(conn)?;
    Ok(())
}

/// The days as the events make them (the same statement that filled the table when it was
/// made), for a check that the stored days agree.
const FROM_EVENTS: &str = "(employee_id, local_date, agency_id, first_check_in, last_check_out) \
     SELECT employee_id, local_date, agency_id, \
            MIN(CASE WHEN kind = 'check_in' THEN local_time END), \
            MAX(CASE WHEN kind = 'check_out' THEN local_time END) \
     FROM attendance_events WHERE voided_at IS NULL";
const GROUP: &str = "GROUP BY employee_id, local_date, agency_id";

/// The stored days of an agency, of one employee or of some employees, between two dates (both
/// included).
pub fn of(conn: &mut DbConnection, whose: Whose<'_>, from: NaiveDate, to: NaiveDate) -> Result<Vec<Day>, StoreError> {
    use crate::schema::attendance_days as d;
    let query =
        || d::table.filter(d::local_date.ge(from)).filter(d::local_date.le(to)).select(Day::as_select()).into_boxed();
    Ok(match whose {
        Whose::Agency(a) => query().filter(d::agency_id.eq(crate::key::bind(a))).load(conn)?,
        Whose::Employee(e) => query().filter(d::employee_id.eq(crate::key::bind(e))).load(conn)?,
        Whose::Employees(ids) => crate::summary::per_statement(ids, |chunk| {
            query().filter(d::employee_id.eq_any(crate::key::binds(chunk.iter().copied()))).load(conn)
        })?,
    })
}

/// Every stored day that differs from what the events make, both ways; empty when the table
/// agrees with the events. For tests and an operator's check.
pub fn disagreements(conn: &mut DbConnection) -> Result<Vec<Disagreement<Day>>, StoreError> {
    let stored: Vec<Day> = diesel::sql_query(
        "SELECT employee_id, local_date, first_check_in, last_check_out FROM attendance_days \
         ORDER BY employee_id, local_date",
    )
    .load(conn)?;
    let computed: Vec<Day> = diesel::sql_query(format!(
        "SELECT employee_id, local_date, first_check_in, last_check_out FROM ( \
         SELECT employee_id, local_date, agency_id, \
                MIN(CASE WHEN kind = 'check_in' THEN local_time END) AS first_check_in, \
                MAX(CASE WHEN kind = 'check_out' THEN local_time END) AS last_check_out \
         FROM attendance_events WHERE voided_at IS NULL {GROUP}) AS d ORDER BY employee_id, local_date"
    ))
    .load(conn)?;
    Ok(crate::summary::compare(stored, computed, |d: &Day| (d.employee_id, d.local_date)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_clock_reads_only_as_stored() {
        let at = |h, m, s| NaiveTime::from_hms_opt(h, m, s);
        assert_eq!(clock("07:05:09"), at(7, 5, 9));
        assert_eq!(clock("00:00:00"), at(0, 0, 0));
        assert_eq!(clock("23:59:59"), at(23, 59, 59));
        let leap = NaiveTime::parse_from_str("07:00:60", "%H:%M:%S").ok();
        assert!(leap.is_some());
        assert_eq!(clock("07:00:60"), leap, "a leap second, as chrono writes and reads it");
        assert_eq!(leap.map(|t| t.format("%H:%M:%S").to_string()).as_deref(), Some("07:00:60"));
        for bad in
            ["24:00:00", "07:60:00", "07:00:61", "7:05:09", "07:05", "07:05:09 ", "0a:00:00", "07-05-09", "", "ab"]
        {
            assert_eq!(clock(bad), None, "{bad:?}");
        }
    }
}
