//! Workload analysis (Analisis Beban Kerja) over a span: minutes logged per position, rolled up
//! the unit tree, against the agency's effective working time (`ekinerja_domain::workload`).
//!
//! Minutes are those of accepted logs, counted on the post their author held on the log's date
//! (workforce.md): the post of the agreement the log serves, or for an additional duty the post of
//! the author's approved agreement covering the date, or else the post held now. Staff present are
//! the active employees holding a post now. One person's effective time is the yearly hours spread
//! over the agency's working days (its schedule and holidays). A post counts only over the days of
//! the span its unit is rolled out (roles.md, Rollout): from its rollout month on, and not at all
//! (no minutes, no staff, so no grade) when the unit is not rolled out in the span.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Text};
use ekinerja_domain::id::{AgencyId, EmployeeId, OrgUnitId, PositionId};
use ekinerja_domain::rollout::{month_end, month_of};
use ekinerja_domain::workload::{analyse, check_span, effective_minutes, ranking_order, standard_workload, Workload};
use ekinerja_domain::Caller;
use serde::Serialize;
use uuid::Uuid;

use crate::org_unit::OrgUnit;
use crate::position::Position;
use crate::schema::{agencies, employees, org_units, positions};
use crate::{chart, DbConnection, StoreError};

/// One post's analysis.
#[derive(Debug, Clone, Serialize)]
pub struct PositionLoad {
    pub position: Position,
    pub unit: OrgUnit,
    /// The month the post's unit is rolled out from.
    pub rolled_out_from: Option<NaiveDate>,
    pub workload: Workload,
    /// The same by standard time: accepted output of the post's catalogue × standard minutes.
    pub standard: Workload,
}

/// One unit's analysis, its sub-units included.
#[derive(Debug, Clone, Serialize)]
pub struct UnitLoad {
    pub unit: OrgUnit,
    /// The month the unit is rolled out from (a sub-unit may set a later one).
    pub rolled_out_from: Option<NaiveDate>,
    pub workload: Workload,
    pub standard: Workload,
}

/// The analysis of a unit (or of the whole agency, `unit: None`).
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The policy applied: one person's effective working hours a year.
    pub effective_hours_per_year: i32,
    pub unit: Option<OrgUnit>,
    /// The whole unit (or agency).
    pub total: Workload,
    /// The whole unit (or agency) by standard time.
    pub total_standard: Workload,
    /// The units directly below (the agency's OPDs, for the agency), each with its own sub-units,
    /// from the most under-staffed to the most over-staffed.
    pub units: Vec<UnitLoad>,
    /// Every post in the unit and its sub-units (none for the agency), in the same order.
    pub positions: Vec<PositionLoad>,
}

#[derive(QueryableByName)]
struct PostMinutes {
    #[diesel(sql_type = crate::key::Key<PositionId>)]
    position_id: PositionId,
    #[diesel(sql_type = BigInt)]
    minutes: i64,
}

/// Accepted minutes on planned results per post of the agreement they serve, `$2` to `$3`: one
/// row per post, whatever the number of logs (the logs' days matter only where a post starts to
/// count: [`post_minutes`] asks once for each run of days from such a day that [`ByMonth`] does
/// not hold). [`served`] reads it for the days of a month it does not read from
/// [`SERVED_MONTHS_SQL`], and for the later days it takes off a stored month.
const SERVED_SQL: &str = "
SELECT a.position_id AS position_id, CAST(SUM(l.duration_minutes) AS BIGINT) AS minutes
FROM daily_logs l
JOIN planned_results pr ON pr.id = l.planned_result_id
JOIN agreements a ON a.id = pr.agreement_id
WHERE l.agency_id = $1 AND l.log_date >= $2 AND l.log_date <= $3 AND l.status = $4
GROUP BY a.position_id";

#[derive(QueryableByName)]
struct DutyMinutes {
    #[diesel(sql_type = crate::key::Key<EmployeeId>)]
    employee_id: EmployeeId,
    #[diesel(sql_type = Date)]
    log_date: NaiveDate,
    #[diesel(sql_type = BigInt)]
    minutes: i64,
}

/// Accepted minutes of additional duties (no planned result) per author and day: they count on
/// the post the author held that day, so the day is kept. Read through
/// `daily_logs_additional_duty_idx`, which holds these logs alone.
const DUTY_SQL: &str = "
SELECT employee_id, log_date, CAST(SUM(duration_minutes) AS BIGINT) AS minutes
FROM daily_logs
WHERE agency_id = $1 AND log_date >= $2 AND log_date <= $3 AND status = $4 AND planned_result_id IS NULL
GROUP BY employee_id, log_date";

#[derive(QueryableByName)]
struct ActivityOutput {
    #[diesel(sql_type = crate::key::Key<PositionId>)]
    position_id: PositionId,
    #[diesel(sql_type = Integer)]
    standard_minutes: i32,
    #[diesel(sql_type = BigInt)]
    output: i64,
}

/// Accepted output per activity, `$2` to `$3`, with the activity's post and standard time.
const STANDARD_SQL: &str = "
SELECT pa.position_id AS position_id, pa.standard_minutes AS standard_minutes,
       CAST(SUM(l.output_quantity) AS BIGINT) AS output
FROM daily_logs l JOIN position_activities pa ON pa.id = l.activity_id
WHERE l.agency_id = $1 AND l.log_date >= $2 AND l.log_date <= $3 AND l.status = $4
GROUP BY pa.id, pa.position_id, pa.standard_minutes";

/// [`SERVED_SQL`] of the months from `$2` to `$3` (their first days), month by month, from each
/// employee's stored months of logs per planned result ([`crate::log_day::ResultMonth`]): a row
/// per employee and result instead of every log of the months (1.4 s of PostgreSQL's time, the
/// year of a 100,000-employee agency's logs, in each month report).
const SERVED_MONTHS_SQL: &str = "
SELECT a.position_id AS position_id, m.month AS month, CAST(SUM(m.minutes) AS BIGINT) AS minutes
FROM log_result_months m
JOIN planned_results pr ON pr.id = m.planned_result_id
JOIN agreements a ON a.id = pr.agreement_id
WHERE m.agency_id = $1 AND m.month >= $2 AND m.month <= $3 AND m.status = $4
GROUP BY a.position_id, m.month";

/// The month a log's date lies in (its first day), on each engine.
macro_rules! by_month {
    ($month:literal) => {
        concat!(
            "SELECT pa.position_id AS position_id, pa.standard_minutes AS standard_minutes, ",
            $month,
            " AS month, CAST(SUM(l.output_quantity) AS BIGINT) AS output
FROM daily_logs l JOIN position_activities pa ON pa.id = l.activity_id
WHERE l.agency_id = $1 AND l.log_date >= $2 AND l.log_date <= $3 AND l.status = $4
GROUP BY pa.id, pa.position_id, pa.standard_minutes, 3"
        )
    };
}

/// [`STANDARD_SQL`] month by month, on PostgreSQL and on SQLite.
const BY_MONTH_PG: &str = by_month!("CAST(date_trunc('month', CAST(l.log_date AS TIMESTAMP)) AS DATE)");
const BY_MONTH_SQLITE: &str = by_month!("date(l.log_date, 'start of month')");

/// Accepted minutes on planned results per post of the agreement they serve, month by month
/// (each month's first day), from `from` to `to`: a month the span holds whole is read from the
/// stored months per result; a month the span cuts is read from its logs in the span, or, when
/// the span holds it from its first day and fewer of its later days can hold logs (to `today`,
/// [`crate::log_day::month_less_later`]: a month to yesterday), from its stored month less its
/// logs after the span.
fn served(
    conn: &mut DbConnection,
    agency: AgencyId,
    (from, to): (NaiveDate, NaiveDate),
    today: NaiveDate,
) -> Result<HashMap<NaiveDate, HashMap<PositionId, i64>>, StoreError> {
    let accepted = crate::word::bind(ekinerja_domain::daily_log::LogStatus::Accepted);
    let logs = |conn: &mut DbConnection, from: NaiveDate, to: NaiveDate| -> Result<Vec<PostMinutes>, StoreError> {
        Ok(crate::prepared::sql(SERVED_SQL)
            .bind::<Text, _>(agency.to_string())
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .bind::<crate::word::Word, _>(accepted)
            .load::<PostMinutes>(conn)?)
    };
    let mut out: HashMap<NaiveDate, HashMap<PositionId, i64>> = HashMap::new();
    if to < from {
        return Ok(out);
    }
    // The months read from the stored months (whole, or less their later days), in order: all
    // but perhaps the first and the last.
    let mut stored: Vec<(NaiveDate, NaiveDate)> = vec![];
    let mut at = month_of(from);
    while at <= to {
        let end = month_end(at);
        let (first, last) = (from.max(at), to.min(end));
        if crate::log_day::month_less_later(first, last, today) {
            stored.push((at, last));
        } else {
            let month = out.entry(at).or_default();
            for r in logs(conn, first, last)? {
                *month.entry(r.position_id).or_default() += r.minutes;
            }
        }
        match end.succ_opt() {
            Some(next) => at = next,
            None => break,
        }
    }
    let (Some((head, _)), Some((tail, last))) = (stored.first().copied(), stored.last().copied()) else {
        return Ok(out);
    };
    for r in crate::prepared::sql(SERVED_MONTHS_SQL)
        .bind::<Text, _>(agency.to_string())
        .bind::<Date, _>(head)
        .bind::<Date, _>(tail)
        .bind::<crate::word::Word, _>(accepted)
        .load::<MonthMinutes>(conn)?
    {
        *out.entry(r.month).or_default().entry(r.position_id).or_default() += r.minutes;
    }
    // Only the last of them can end before its month does. Two statements, which must see one
    // snapshot (a report's `db::snapshot`): otherwise, on PostgreSQL, a log of a later day
    // accepted between them would be taken off without having been counted (never below nothing).
    let after = last.succ_opt().filter(|d| *d <= month_end(tail));
    if let Some(after) = after {
        let month = out.entry(tail).or_default();
        for r in logs(conn, after, month_end(tail))? {
            // Never below nothing, even were the stored months out of step with the logs.
            if let Some(m) = month.get_mut(&r.position_id) {
                *m = (*m - r.minutes).max(0);
            }
        }
    }
    Ok(out)
}

#[derive(QueryableByName)]
struct MonthMinutes {
    #[diesel(sql_type = crate::key::Key<PositionId>)]
    position_id: PositionId,
    #[diesel(sql_type = Date)]
    month: NaiveDate,
    #[diesel(sql_type = BigInt)]
    minutes: i64,
}

#[derive(QueryableByName)]
struct MonthOutput {
    #[diesel(sql_type = crate::key::Key<PositionId>)]
    position_id: PositionId,
    #[diesel(sql_type = Integer)]
    standard_minutes: i32,
    #[diesel(sql_type = Date)]
    month: NaiveDate,
    #[diesel(sql_type = BigInt)]
    output: i64,
}

/// Accepted minutes per post and accepted output per activity, month by month, and the staff
/// present per post, read once for a run of spans that overlap (a maturity history's twelve-month
/// windows, one a month): a span then sums the months it holds as read from here, and reads only
/// its other days from the logs.
pub(crate) struct ByMonth {
    /// The first days of the months read.
    months: std::ops::RangeInclusive<NaiveDate>,
    /// The last day read: the last month is held up to it (a month not over, to yesterday).
    until: NaiveDate,
    served: HashMap<NaiveDate, Vec<(PositionId, i64)>>,
    standard: HashMap<NaiveDate, Vec<(PositionId, i64, i32)>>,
    /// The staff present per post, counted once for every span of the run rather than once a
    /// span (a 100,000-employee agency's history counted them twelve times, 0.5 s in all).
    staff: Vec<(PositionId, i64)>,
}

impl ByMonth {
    /// The months from the one `from` lies in to `to`.
    pub(crate) fn load(
        conn: &mut DbConnection,
        agency: AgencyId,
        (from, to): (NaiveDate, NaiveDate),
        today: NaiveDate,
    ) -> Result<ByMonth, StoreError> {
        let (first, last) = (month_of(from), month_of(to));
        let standard_sql = if matches!(conn, DbConnection::Pg(_)) { BY_MONTH_PG } else { BY_MONTH_SQLITE };
        let accepted = crate::word::bind(ekinerja_domain::daily_log::LogStatus::Accepted);
        let served = served(conn, agency, (first, to), today)?
            .into_iter()
            .map(|(month, posts)| (month, posts.into_iter().collect()))
            .collect();
        let mut standard: HashMap<NaiveDate, Vec<(PositionId, i64, i32)>> = HashMap::new();
        for r in crate::prepared::sql(standard_sql)
            .bind::<Text, _>(agency.to_string())
            .bind::<Date, _>(first)
            .bind::<Date, _>(to)
            .bind::<crate::word::Word, _>(accepted)
            .load::<MonthOutput>(conn)?
        {
            standard.entry(r.month).or_default().push((r.position_id, r.output, r.standard_minutes));
        }
        let staff = staff_per_post(conn, agency)?;
        Ok(ByMonth { months: first..=last, until: to, served, standard, staff })
    }

    /// Whether the month beginning `first` is held exactly from `first` to `last`.
    fn holds(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.months.contains(&first) && month_end(first).min(self.until) == last
    }
}

/// Where a span's minutes are read: a whole month held in `by_month`, or days read from the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Month(NaiveDate),
    Days(NaiveDate, NaiveDate),
}

/// `first..=last` cut into the months `by_month` holds as they are in it (whole, or the last one
/// up to its last day) and runs of other days between them.
fn pieces(first: NaiveDate, last: NaiveDate, by_month: Option<&ByMonth>) -> Vec<Piece> {
    let mut out: Vec<Piece> = vec![];
    let mut at = first;
    while at <= last {
        let end = month_end(at);
        let whole = at.day() == 1 && by_month.is_some_and(|m| m.holds(at, end.min(last)));
        let piece = match (whole, out.last_mut()) {
            (true, _) => Some(Piece::Month(at)),
            (false, Some(Piece::Days(_, until))) => {
                *until = end.min(last);
                None
            }
            (false, _) => Some(Piece::Days(at, end.min(last))),
        };
        out.extend(piece);
        match end.succ_opt() {
            Some(next) => at = next,
            None => break,
        }
    }
    out
}

/// The rows of `first..=last`, piece by piece: a month `by_month` holds as `held` keeps it, other
/// days as `read` reads them from the logs.
fn rows_of<T: Copy>(
    conn: &mut DbConnection,
    (first, last): (NaiveDate, NaiveDate),
    by_month: Option<&ByMonth>,
    held: fn(&ByMonth) -> &HashMap<NaiveDate, Vec<T>>,
    read: impl Fn(&mut DbConnection, NaiveDate, NaiveDate) -> Result<Vec<T>, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut rows = vec![];
    for piece in pieces(first, last, by_month) {
        match piece {
            Piece::Month(m) => rows.extend(by_month.and_then(|b| held(b).get(&m)).into_iter().flatten().copied()),
            Piece::Days(from, until) => rows.extend(read(conn, from, until)?),
        }
    }
    Ok(rows)
}

/// The parts of a span that begin on a day some post starts to count, each with its first and
/// last day: within one part every post either counts on every day or on none.
fn parts(starts: &HashMap<PositionId, NaiveDate>, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut firsts: Vec<NaiveDate> = starts.values().copied().filter(|d| *d <= to).collect();
    firsts.sort_unstable();
    firsts.dedup();
    firsts
        .iter()
        .enumerate()
        .map(|(i, first)| (*first, firsts.get(i + 1).and_then(|next| next.pred_opt()).unwrap_or(to)))
        .collect()
}

/// The span asked for: by default the year so far, 1 January to yesterday (the last day that is
/// over) in the agency's time zone. A span may not reach past today: days to come would add
/// working time with no work logged yet.
/// With the agency's today, after which no log is dated.
fn span(
    conn: &mut DbConnection,
    agency: Uuid,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<(NaiveDate, NaiveDate, NaiveDate), StoreError> {
    let today = chart::agency_today(conn, agency, now)?;
    let to = to.unwrap_or_else(|| today.pred_opt().unwrap_or(today));
    if to > today {
        return Err(StoreError::invalid("to", "must not be after today"));
    }
    let from = from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    check_span(from, to).map_err(|e| StoreError::invalid("to", e.to_string()))?;
    Ok((from, to, today))
}

/// The active employees holding each post now: the staff present, whatever the span.
fn staff_per_post(conn: &mut DbConnection, agency: AgencyId) -> Result<Vec<(PositionId, i64)>, StoreError> {
    Ok(employees::table
        .filter(employees::agency_id.eq(crate::key::bind(agency)))
        .filter(employees::active.eq(true))
        .filter(employees::position_id.is_not_null())
        .group_by(employees::position_id)
        .select((employees::position_id, diesel::dsl::count_star()))
        .load::<(Option<PositionId>, i64)>(conn)?
        .into_iter()
        .filter_map(|(p, n)| p.map(|p| (p, n)))
        .collect())
}

/// What one load of the agency gives: units, posts, minutes and staff per post, and the day each
/// post starts to count (the later of the span's start and its unit's rollout month).
struct Data {
    units: Vec<OrgUnit>,
    posts: Vec<Position>,
    minutes: HashMap<PositionId, i64>,
    /// Standard-time minutes per post.
    standard: HashMap<PositionId, i64>,
    staff: HashMap<PositionId, i64>,
    starts: HashMap<PositionId, NaiveDate>,
    rollout: ekinerja_domain::rollout::RolloutTree<OrgUnitId>,
    from: NaiveDate,
    to: NaiveDate,
    hours: i32,
    calendar: WorkingDays,
}

fn load(
    conn: &mut DbConnection,
    agency: AgencyId,
    (from, to): (NaiveDate, NaiveDate),
    today: NaiveDate,
    by_month: Option<&ByMonth>,
) -> Result<Data, StoreError> {
    let hours: i32 =
        agencies::table.find(crate::key::bind(agency)).select(agencies::effective_working_hours).first(conn)?;
    let units: Vec<OrgUnit> = org_units::table
        .filter(org_units::agency_id.eq(crate::key::bind(agency)))
        .select(OrgUnit::as_select())
        .load(conn)?;
    let posts: Vec<Position> = positions::table
        .filter(positions::agency_id.eq(crate::key::bind(agency)))
        .select(Position::as_select())
        .load(conn)?;
    let rollout = crate::rollout::tree(conn, agency)?;
    let starts: HashMap<PositionId, NaiveDate> = posts
        .iter()
        .filter_map(|p| {
            let start = rollout.effective(&p.org_unit_id)?.max(from);
            (start <= to).then_some((p.id, start))
        })
        .collect();
    let minutes = post_minutes(conn, agency, (to, today), &starts, by_month)?;
    // By standard time: the output of the accepted logs naming an activity of a post's catalogue,
    // on that post, from the day it starts to count.
    let mut standard: HashMap<PositionId, Vec<(i64, i32)>> = HashMap::new();
    for (first, last) in parts(&starts, to) {
        let rows = rows_of(
            conn,
            (first, last),
            by_month,
            |held| &held.standard,
            |conn, from, until| {
                Ok(crate::prepared::sql(STANDARD_SQL)
                    .bind::<Text, _>(agency.to_string())
                    .bind::<Date, _>(from)
                    .bind::<Date, _>(until)
                    .bind::<crate::word::Word, _>(crate::word::bind(ekinerja_domain::daily_log::LogStatus::Accepted))
                    .load::<ActivityOutput>(conn)?
                    .into_iter()
                    .map(|r| (r.position_id, r.output, r.standard_minutes))
                    .collect())
            },
        )?;
        for (post, output, minutes) in rows {
            if starts.get(&post).is_some_and(|start| *start <= first) {
                standard.entry(post).or_default().push((output, minutes));
            }
        }
    }
    let standard: HashMap<PositionId, i64> =
        standard.into_iter().map(|(p, outputs)| (p, standard_workload(outputs))).collect();
    let staff = match by_month {
        Some(held) => held.staff.clone(),
        None => staff_per_post(conn, agency)?,
    };
    let staff = staff.into_iter().filter(|(p, _)| starts.contains_key(p)).collect();
    let calendar = WorkingDays::load(conn, agency, from, to)?;
    Ok(Data { units, posts, minutes, standard, staff, starts, rollout, from, to, hours, calendar })
}

/// Accepted minutes per post, each log on the post its author held on its date, counted from the
/// day the post starts to count: a log serving a planned result on the post of that result's
/// agreement; an additional duty on the post of the author's approved agreement covering the
/// date, or else the post held now.
fn post_minutes(
    conn: &mut DbConnection,
    agency: AgencyId,
    (to, today): (NaiveDate, NaiveDate),
    starts: &HashMap<PositionId, NaiveDate>,
    by_month: Option<&ByMonth>,
) -> Result<HashMap<PositionId, i64>, StoreError> {
    let accepted = crate::word::bind(ekinerja_domain::daily_log::LogStatus::Accepted);
    let mut out: HashMap<PositionId, i64> = HashMap::new();
    let parts = parts(starts, to);
    for (first, last) in &parts {
        let rows = rows_of(
            conn,
            (*first, *last),
            by_month,
            |held| &held.served,
            |conn, from, until| Ok(served(conn, agency, (from, until), today)?.into_values().flatten().collect()),
        )?;
        for (post, minutes) in rows {
            if starts.get(&post).is_some_and(|start| start <= first) {
                *out.entry(post).or_default() += minutes;
            }
        }
    }
    let Some(from) = parts.first().map(|(first, _)| *first) else { return Ok(out) };
    let duties: Vec<DutyMinutes> = crate::prepared::sql(DUTY_SQL)
        .bind::<Text, _>(agency.to_string())
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .bind::<crate::word::Word, _>(accepted)
        .load(conn)?;
    if duties.is_empty() {
        return Ok(out);
    }
    // The authors' approved agreements covering the span, and the posts they hold now.
    let mut authors: Vec<EmployeeId> = duties.iter().map(|d| d.employee_id).collect();
    authors.sort_unstable();
    authors.dedup();
    let mut covering: HashMap<EmployeeId, Vec<crate::agreement::Approved>> = HashMap::new();
    for a in crate::agreement::approved_covering(conn, agency, Some(&authors), from, to)? {
        covering.entry(a.employee).or_default().push(a);
    }
    let held = crate::summary::per_statement(&authors, |chunk| {
        employees::table
            .filter(employees::agency_id.eq(crate::key::bind(agency)))
            .filter(employees::id.eq_any(crate::key::binds(chunk.iter().copied())))
            .filter(employees::position_id.is_not_null())
            .select((employees::id, employees::position_id))
            .load::<(EmployeeId, Option<PositionId>)>(conn)
    })?;
    let held_now: HashMap<EmployeeId, PositionId> = held.into_iter().filter_map(|(e, p)| p.map(|p| (e, p))).collect();
    for r in duties {
        let held_then = || {
            covering
                .get(&r.employee_id)?
                .iter()
                .filter(|a| a.starts_on <= r.log_date && r.log_date <= a.ends_on)
                .max_by_key(|a| (a.starts_on, a.revision))
                .map(|a| a.post)
        };
        let Some(post) = held_then().or_else(|| held_now.get(&r.employee_id).copied()) else {
            continue;
        };
        if starts.get(&post).is_some_and(|start| *start <= r.log_date) {
            *out.entry(post).or_default() += r.minutes;
        }
    }
    Ok(out)
}

/// The agency's working days (its own schedule and holidays, no unit's) over the years a span
/// touches: what one person's effective time is spread over.
struct WorkingDays {
    days: std::collections::BTreeSet<NaiveDate>,
    /// The working days of each whole year, counted once.
    per_year: HashMap<i32, i64>,
}

impl WorkingDays {
    fn load(conn: &mut DbConnection, agency: AgencyId, from: NaiveDate, to: NaiveDate) -> Result<Self, StoreError> {
        let first = NaiveDate::from_ymd_opt(from.year(), 1, 1).unwrap_or(from);
        let last = NaiveDate::from_ymd_opt(to.year(), 12, 31).unwrap_or(to);
        let mut calendar = crate::discipline::UnitCalendar::load(conn, agency.uuid(), first, last)?;
        let days: std::collections::BTreeSet<NaiveDate> =
            first.iter_days().take_while(|d| *d <= last).filter(|d| calendar.works(None, *d)).collect();
        let mut per_year: HashMap<i32, i64> = HashMap::new();
        for d in &days {
            *per_year.entry(d.year()).or_default() += 1;
        }
        Ok(WorkingDays { days, per_year })
    }

    /// Per year `start..=to` touches: its working days in the span, and in the whole year.
    fn parts(&self, start: NaiveDate, to: NaiveDate) -> Vec<(i64, i64)> {
        (start.year()..=to.year())
            .map(|y| {
                let span = self.days.range(start..=to).filter(|d| d.year() == y).count();
                (span as i64, self.per_year.get(&y).copied().unwrap_or(0))
            })
            .collect()
    }
}

/// Logged minutes, staff, the earliest day a post counts from (none while no post counts), and
/// standard-time minutes.
type Sums = (i64, i64, Option<NaiveDate>, i64);

fn add(into: &mut Sums, (m, s, start, standard): Sums) {
    into.0 += m;
    into.1 += s;
    into.2 = match (into.2, start) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    into.3 = into.3.saturating_add(standard);
}

impl Data {
    /// The analysis of sums: one person's effective time runs over the working days from the
    /// earliest day a post of them counts (a sub-unit rolled out later adds its staff and minutes
    /// from its own month).
    fn analyse(&self, (m, s, start, _): Sums) -> Workload {
        analyse(m, effective_minutes(self.hours, &self.calendar.parts(start.unwrap_or(self.from), self.to)), s)
    }

    /// The same sums by standard time.
    fn analyse_standard(&self, (_, s, start, standard): Sums) -> Workload {
        self.analyse((standard, s, start, 0))
    }

    /// A post's sums.
    fn post(&self, p: &Position) -> Sums {
        (
            self.minutes.get(&p.id).copied().unwrap_or(0),
            self.staff.get(&p.id).copied().unwrap_or(0),
            self.starts.get(&p.id).copied(),
            self.standard.get(&p.id).copied().unwrap_or(0),
        )
    }

    /// Sums of each unit on its own posts.
    fn own(&self) -> HashMap<OrgUnitId, Sums> {
        let mut own: HashMap<OrgUnitId, Sums> = HashMap::new();
        for p in &self.posts {
            add(own.entry(p.org_unit_id).or_default(), self.post(p));
        }
        own
    }

    /// Sums of each unit with all its sub-units.
    fn rolled_up(&self) -> HashMap<OrgUnitId, Sums> {
        let own = self.own();
        let parent: HashMap<OrgUnitId, Option<OrgUnitId>> = self.units.iter().map(|u| (u.id, u.parent_id)).collect();
        let mut total: HashMap<OrgUnitId, Sums> = HashMap::new();
        for u in &self.units {
            let sums = own.get(&u.id).copied().unwrap_or_default();
            // Add the unit's own figures to it and every unit above it (a tree of bounded depth;
            // the walk stops on a repeat should the data ever hold a cycle).
            let mut at = Some(u.id);
            let mut steps = 0;
            while let Some(id) = at {
                add(total.entry(id).or_default(), sums);
                steps += 1;
                if steps > self.units.len() {
                    break;
                }
                at = parent.get(&id).copied().flatten();
            }
        }
        total
    }
}

fn children_loads(data: &Data, parent: Option<OrgUnitId>) -> Vec<UnitLoad> {
    let total = data.rolled_up();
    let mut units: Vec<UnitLoad> = data
        .units
        .iter()
        .filter(|u| u.parent_id == parent)
        .map(|u| UnitLoad {
            unit: u.clone(),
            rolled_out_from: data.rollout.effective(&u.id),
            workload: data.analyse(total.get(&u.id).copied().unwrap_or_default()),
            standard: data.analyse_standard(total.get(&u.id).copied().unwrap_or_default()),
        })
        .collect();
    units.sort_by(|a, b| ranking_order(&a.workload, &b.workload).then_with(|| a.unit.name.cmp(&b.unit.name)));
    units
}

/// Every post of the agency with its workload over a span, by logged minutes and by standard
/// time (maturity level 5 reads whether each has a figure, and the staff it needs); whole months
/// held in `by_month` are read from there.
pub(crate) fn post_loads(
    conn: &mut DbConnection,
    agency: AgencyId,
    (from, to): (NaiveDate, NaiveDate),
    today: NaiveDate,
    by_month: Option<&ByMonth>,
) -> Result<Vec<(Position, Workload, Workload)>, StoreError> {
    let data = load(conn, agency, (from, to), today, by_month)?;
    Ok(data
        .posts
        .iter()
        .map(|p| (p.clone(), data.analyse(data.post(p)), data.analyse_standard(data.post(p))))
        .collect())
}

/// The analysis of a unit, its sub-units and every post in them (whoever reads the unit's views).
pub fn unit(
    conn: &mut DbConnection,
    caller: &Caller,
    unit_id: Uuid,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Analysis, StoreError> {
    let (unit, agency) = crate::org_unit::read_view(conn, caller, unit_id, now)?;
    let (from, to, today) = span(conn, agency, from, to, now)?;
    let data = load(conn, unit.agency_id, (from, to), today, None)?;
    let inside = crate::org_unit::subtree(conn, unit.agency_id, unit.id)?;
    let by_id: HashMap<OrgUnitId, &OrgUnit> = data.units.iter().map(|u| (u.id, u)).collect();
    let mut posts: Vec<PositionLoad> = data
        .posts
        .iter()
        .filter(|p| inside.contains(&p.org_unit_id))
        .filter_map(|p| {
            let u = by_id.get(&p.org_unit_id)?;
            Some(PositionLoad {
                position: p.clone(),
                unit: (*u).clone(),
                rolled_out_from: data.rollout.effective(&p.org_unit_id),
                workload: data.analyse(data.post(p)),
                standard: data.analyse_standard(data.post(p)),
            })
        })
        .collect();
    posts.sort_by(|a, b| ranking_order(&a.workload, &b.workload).then_with(|| a.position.name.cmp(&b.position.name)));
    let sums = data.rolled_up().get(&unit.id).copied().unwrap_or_default();
    Ok(Analysis {
        from,
        to,
        effective_hours_per_year: data.hours,
        total: data.analyse(sums),
        total_standard: data.analyse_standard(sums),
        units: children_loads(&data, Some(unit.id)),
        positions: posts,
        unit: Some(unit),
    })
}

/// The analysis of the agency: its OPDs ranked (a leader, the agency admin).
pub fn agency(
    conn: &mut DbConnection,
    caller: &Caller,
    agency_id: Uuid,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Analysis, StoreError> {
    crate::agency::read_view(conn, caller, agency_id, ekinerja_domain::access::Area::AgencyViews)?;
    let (from, to, today) = span(conn, agency_id, from, to, now)?;
    let data = load(conn, AgencyId::from(agency_id), (from, to), today, None)?;
    let mut sums = Sums::default();
    for p in &data.posts {
        add(&mut sums, data.post(p));
    }
    Ok(Analysis {
        from,
        to,
        effective_hours_per_year: data.hours,
        total: data.analyse(sums),
        total_standard: data.analyse_standard(sums),
        units: children_loads(&data, None),
        positions: vec![],
        unit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn held(first: NaiveDate, until: NaiveDate) -> ByMonth {
        ByMonth {
            months: first..=month_of(until),
            until,
            served: HashMap::new(),
            standard: HashMap::new(),
            staff: vec![],
        }
    }

    #[test]
    fn a_span_reads_the_months_held_and_the_days_around_them_from_the_logs() {
        let months = held(day(2025, 12, 1), day(2026, 12, 5));
        // A window of a month not over: from 6 December to 5 December, the last month as held.
        let got = pieces(day(2025, 12, 6), day(2026, 12, 5), Some(&months));
        let mut want = vec![Piece::Days(day(2025, 12, 6), day(2025, 12, 31))];
        want.extend((1..=12).map(|m| Piece::Month(day(2026, m, 1))));
        assert_eq!(got, want);
        // The last month to another day than held, or past it, is read from the logs.
        assert_eq!(
            pieces(day(2026, 11, 1), day(2026, 12, 4), Some(&months)),
            [Piece::Month(day(2026, 11, 1)), Piece::Days(day(2026, 12, 1), day(2026, 12, 4))]
        );
        assert_eq!(
            pieces(day(2026, 12, 1), day(2026, 12, 31), Some(&months)),
            [Piece::Days(day(2026, 12, 1), day(2026, 12, 31))]
        );
        // Whole months outside those held, and a span with none held, are read as one run of days.
        assert_eq!(
            pieces(day(2025, 10, 1), day(2026, 1, 31), Some(&months)),
            [
                Piece::Days(day(2025, 10, 1), day(2025, 11, 30)),
                Piece::Month(day(2025, 12, 1)),
                Piece::Month(day(2026, 1, 1))
            ]
        );
        assert_eq!(pieces(day(2026, 1, 1), day(2026, 3, 31), None), [Piece::Days(day(2026, 1, 1), day(2026, 3, 31))]);
        // Within one month, and one day.
        assert_eq!(
            pieces(day(2026, 2, 1), day(2026, 2, 27), Some(&months)),
            [Piece::Days(day(2026, 2, 1), day(2026, 2, 27))]
        );
        assert_eq!(
            pieces(day(2026, 2, 28), day(2026, 2, 28), Some(&months)),
            [Piece::Days(day(2026, 2, 28), day(2026, 2, 28))]
        );
        assert_eq!(pieces(day(2026, 2, 1), day(2026, 2, 28), Some(&months)), [Piece::Month(day(2026, 2, 1))]);
        assert!(pieces(day(2026, 3, 1), day(2026, 2, 28), Some(&months)).is_empty());
    }
}
