//! Discipline per day and per month, computed on every read from the stored events and calendar
//! with `ekinerja_domain::discipline`: a late event, new leave, a holiday or a schedule change
//! shows in the very next read of the days it touches, and nothing derived can go stale.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::attendance::EventKind;
use ekinerja_domain::discipline::AbsenceKind;
use ekinerja_domain::discipline::{
    day_facts, month, DayFacts, DayRecord, DisciplinePolicy, Line, MonthDiscipline, Period, Schedule, ScheduleVersions,
};
use ekinerja_domain::id::{AgencyId, EmployeeId, OrgUnitId, PositionId, ShiftId};
use ekinerja_domain::shift::{assign, WINDOW};
use ekinerja_domain::Caller;
use serde::Serialize;
use uuid::Uuid;

use crate::calendar::{load_absences, load_holidays, load_schedules};
use crate::employee::Employee;
use crate::schema::{employees, org_units, positions};
use crate::summary::Whose;
use crate::{chart, DbConnection, StoreError};

/// One day of one employee.
#[derive(Debug, Clone, Serialize)]
pub struct DayView {
    pub facts: DayFacts,
    /// The working hours that applied, on a working day.
    pub hours: Option<(NaiveTime, NaiveTime)>,
    /// The holiday's name.
    pub holiday: Option<String>,
    /// `leave` or `official_travel`.
    pub absence: Option<AbsenceKind>,
    /// The lines the day contributed to the month, after the tolerance.
    pub lines: Vec<Line>,
    /// The shift rostered on the day, where the employee's unit works by roster.
    pub shift_id: Option<ShiftId>,
}

/// One employee's month.
#[derive(Debug, Clone, Serialize)]
pub struct EmployeeMonth {
    pub employee: Employee,
    /// The days judged: the month up to yesterday in the agency's time zone.
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub month: MonthDiscipline,
    pub days: Vec<DayView>,
    /// The days as the rules read them (for the allowance, which judges them by its policy).
    #[serde(skip)]
    pub records: Vec<DayRecord>,
}

/// A unit's month: every active employee of the unit and its sub-units, each month without its
/// days (a recap).
#[derive(Debug, Clone, Serialize)]
pub struct UnitMonth {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub employees: Vec<EmployeeMonth>,
}

/// The first and last day of the month of `first`, and the last day judged: the day before the
/// agency's today (a day is judged once it is over), `None` when no day is.
pub(crate) fn judged_span(first: NaiveDate, today: NaiveDate) -> (NaiveDate, NaiveDate, Option<NaiveDate>) {
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let last = next.pred_opt().unwrap_or(first);
    let yesterday = today.pred_opt().unwrap_or(today);
    let to = if yesterday < first { None } else { Some(last.min(yesterday)) };
    (first, last, to)
}

/// Employees, each with the unit of their post.
pub(crate) type People = Vec<(Employee, Option<OrgUnitId>)>;

/// Each employee's stored days of the span judged, in no particular order.
type Firsts = HashMap<EmployeeId, Vec<Stamp>>;

/// A stored day, kept small (twelve bytes) because a large agency's month is held whole on
/// PostgreSQL ([`Judge::whole_agency`]): the day's place in the span, and its earliest check-in and
/// latest check-out, each packed by [`pack`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    day: u8,
    check_in: u32,
    check_out: u32,
}

impl Stamp {
    /// The stored day `d` of the span from `from` (at most a month, so its place fits a byte).
    fn of(from: NaiveDate, d: &crate::attendance_day::Day) -> Result<Self, StoreError> {
        let (check_in, check_out) = d.times()?;
        Stamp::new(from, d.local_date, check_in, check_out)
    }

    fn new(
        from: NaiveDate,
        date: NaiveDate,
        check_in: Option<NaiveTime>,
        check_out: Option<NaiveTime>,
    ) -> Result<Self, StoreError> {
        let day = u8::try_from((date - from).num_days())
            .map_err(|_| StoreError::Corrupt(format!("an attendance day {date} outside the month from {from}")))?;
        Ok(Stamp { day, check_in: pack(check_in), check_out: pack(check_out) })
    }
}

/// A stored clock as a number: 0 for none, else one more than twice its seconds from midnight,
/// plus one for a leap second (`..:..:60`, which reads as the 59th second plus one).
fn pack(t: Option<NaiveTime>) -> u32 {
    use chrono::Timelike;
    t.map_or(0, |t| 1 + 2 * t.num_seconds_from_midnight() + u32::from(t.nanosecond() >= 1_000_000_000))
}

/// The clock [`pack`] made.
fn unpack(n: u32) -> Option<NaiveTime> {
    let n = n.checked_sub(1)?;
    NaiveTime::from_num_seconds_from_midnight_opt(n / 2, if n % 2 == 1 { 1_000_000_000 } else { 0 })
}

/// Employees judged per round of reads: their stored days, leave, permissions and shifts are read
/// together, and whoever judges a large agency a round at a time (an allowance run) holds no more
/// than this many months at once.
pub(crate) const PEOPLE_PER_ROUND: usize = 250;

/// How much of each day [`Judge::months`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// The days as the rules read them and as the API shows them.
    Views,
    /// The days as the rules read them only (an allowance run judges them by its policy).
    Records,
    /// The month alone: its counts, deduction and lines (a unit's recap).
    Month,
}

/// What judging a month of an agency reads once: the span judged, the deduction rules, the
/// holidays and each unit's schedules. [`Judge::months`] then reads the people's own days, leave,
/// permissions and shifts, a round of them at a time.
pub(crate) struct Judge {
    agency_id: Uuid,
    from: NaiveDate,
    to: Option<NaiveDate>,
    policy: DisciplinePolicy,
    holidays: HashMap<NaiveDate, String>,
    schedules: UnitSchedules,
    /// The agency's wall clock now: a shift is judged once its window has closed.
    local_now: NaiveDateTime,
    /// The agency's stored days of the span, read whole ([`Judge::whole_agency`]); each round takes
    /// its people's days from here rather than reading them.
    whole: Option<Firsts>,
}

impl Judge {
    /// The month of `first` (the current month when `None`) of `agency_id`, judged up to yesterday.
    pub(crate) fn load(
        conn: &mut DbConnection,
        agency_id: Uuid,
        first: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> Result<Self, StoreError> {
        let today = chart::agency_today(conn, agency_id, now)?;
        let first = first.unwrap_or_else(|| today.with_day(1).unwrap_or(today));
        let policy = policy(conn, agency_id, first)?;
        let (from, _, to) = judged_span(first, today);
        let holidays = match to {
            Some(to) => {
                load_holidays(conn, agency_id, from, to)?.into_iter().map(|h| (h.holiday_date, h.name)).collect()
            }
            None => HashMap::new(),
        };
        let schedules = UnitSchedules::load(conn, agency_id)?;
        let local_now = now.with_timezone(&chart::agency_offset(conn, agency_id)?).naive_local();
        Ok(Judge { agency_id, from, to, policy, holidays, schedules, local_now, whole: None })
    }

    /// Tells the judge, before its rounds, that it will judge every employee of the agency. On
    /// PostgreSQL the agency's stored days of the span are then read at once, in one scan: at
    /// 100,000 employees, a statement a round (250 people's days through the primary key) cost
    /// the server about four times the one scan of the same rows. SQLite keeps reading by
    /// employee, in the order its rows are stored, which measured faster there than its index by
    /// agency and date (issue 19, session 44).
    ///
    /// The scan finds the days stored under the agency, the rounds' own reads an employee's days
    /// whatever their agency: the two agree because a day's agency is its employee's (events are
    /// taken only for employees of the sending agency, and an employee never changes agency).
    /// Each round takes its people's days out of the map, so a judge reads each person once.
    pub(crate) fn whole_agency(&mut self, conn: &mut DbConnection) -> Result<(), StoreError> {
        if let (Some(to), None, DbConnection::Pg(pg)) = (self.to, &self.whole, conn) {
            self.whole = Some(agency_days(pg, AgencyId::from(self.agency_id), self.from, to)?);
        }
        Ok(())
    }

    /// The months of `people` (with the unit each sits in), in their order, read and judged
    /// [`PEOPLE_PER_ROUND`] at a time.
    pub(crate) fn months(
        &mut self,
        conn: &mut DbConnection,
        people: People,
        keep: Keep,
    ) -> Result<Vec<EmployeeMonth>, StoreError> {
        let mut out = Vec::with_capacity(people.len());
        let mut people = people.into_iter().peekable();
        while people.peek().is_some() {
            let round: Vec<_> = people.by_ref().take(PEOPLE_PER_ROUND).collect();
            self.round(conn, round, keep, &mut out)?;
        }
        Ok(out)
    }

    /// Judges one round of people, reading their own data in a few statements.
    fn round(
        &mut self,
        conn: &mut DbConnection,
        people: People,
        keep: Keep,
        employees: &mut Vec<EmployeeMonth>,
    ) -> Result<(), StoreError> {
        let (from, policy, local_now) = (self.from, &self.policy, self.local_now);
        let Some(to) = self.to else {
            employees.extend(people.into_iter().map(|(e, _)| EmployeeMonth {
                employee: e,
                from,
                to: None,
                month: month(&[], policy),
                days: vec![],
                records: vec![],
            }));
            return Ok(());
        };
        let agency_id = self.agency_id;
        let ids: Vec<EmployeeId> = people.iter().map(|(e, _)| e.id).collect();
        let mut firsts = Firsts::with_capacity(ids.len());
        match &mut self.whole {
            Some(whole) => firsts.extend(ids.iter().filter_map(|id| whole.remove_entry(id))),
            None => {
                let whose = Whose::people(AgencyId::from(agency_id), &ids);
                for d in crate::attendance_day::of(conn, whose, from, to)? {
                    firsts.entry(d.employee_id).or_default().push(Stamp::of(from, &d)?);
                }
            }
        }
        let holidays = &self.holidays;
        let mut absences: HashMap<EmployeeId, Vec<(NaiveDate, NaiveDate, AbsenceKind)>> = HashMap::new();
        for a in load_absences(conn, agency_id, Some(ids.as_slice()), from, to)? {
            absences.entry(a.employee_id).or_default().push((a.starts_on, a.ends_on, a.kind));
        }
        let permissions = crate::leave::permission_windows(conn, agency_id, Some(ids.as_slice()), from, to)?;
        let versions_of_unit = &mut self.schedules;
        // Whoever works by roster on a day of the span has their shifts and their events read whole:
        // a shift may start the day before `from` and end on the day after `to`.
        let on_roster: Vec<EmployeeId> = people
            .iter()
            .filter(|(_, unit)| {
                let versions = versions_of_unit.of(*unit);
                span(from, to).any(|d| versions.on(d).rostered)
            })
            .map(|(e, _)| e.id)
            .collect();
        let (rostered, mut events) = if on_roster.is_empty() {
            (HashMap::new(), HashMap::new())
        } else {
            let before = from.pred_opt().unwrap_or(from);
            let after = to.succ_opt().unwrap_or(to);
            // The day after's shifts too: they claim the events of their own windows (a morning
            // shift's early check-in), though they are not judged here.
            let rostered = crate::shift::rostered(conn, AgencyId::from(agency_id), Some(&on_roster), before, after)?;
            (rostered, events_of(conn, &on_roster, before, after)?)
        };
        // A shift is judged once its window has closed (`local_now`): a night shift still running (or
        // just ended) waits for its check-out rather than count as leaving without one.
        for (employee, unit) in people {
            let versions = versions_of_unit.of(unit);
            let own_absences = absences.remove(&employee.id).unwrap_or_default();
            let mut own_days = firsts.remove(&employee.id).unwrap_or_default();
            own_days.sort_unstable_by_key(|s| s.day);
            // The employee's shifts (from the day before the span) and the events each holds.
            let shifts: Vec<(NaiveDate, Period)> = std::iter::once(from.pred_opt().unwrap_or(from))
                .chain(span(from, to.succ_opt().unwrap_or(to)))
                .filter(|d| versions.on(*d).rostered)
                .filter_map(|d| rostered.get(&(employee.id, d)).map(|(_, h)| (d, h.on(d))))
                .collect();
            let assigned = match events.remove(&employee.id) {
                Some(evs) => assign(&shifts, &evs, WINDOW),
                None => Default::default(),
            };
            let mut records = Vec::new();
            let mut extras = Vec::new();
            for day in span(from, to) {
                let schedule = versions.on(day);
                let absence = own_absences.iter().find(|(s, e, _)| *s <= day && day <= *e).map(|(_, _, k)| *k);
                let own_windows = if permissions.is_empty() { None } else { permissions.get(&(employee.id, day)) };
                let windows: Vec<(NaiveDateTime, NaiveDateTime)> = own_windows
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .map(|(a, b)| (day.and_time(*a), day.and_time(*b)))
                    .collect();
                let (holiday, hours, shift_id, check_ins, check_outs) = if schedule.rostered {
                    // The roster decides, holidays included (a ward works on them); a date without a
                    // shift is a day off.
                    let shift = rostered.get(&(employee.id, day));
                    if shift.is_some_and(|(_, h)| h.on(day).end + WINDOW > local_now) {
                        continue;
                    }
                    let (ins, outs) = assigned.get(&day).cloned().unwrap_or_default();
                    (None, shift.map(|(_, h)| h.on(day)), shift.map(|(id, _)| *id), ins, outs)
                } else {
                    let holiday = holidays.get(&day).cloned();
                    let hours = if holiday.is_some() { None } else { schedule.hours(day.weekday()).map(|h| h.on(day)) };
                    let place = u8::try_from((day - from).num_days()).unwrap_or(u8::MAX);
                    let (check_in, check_out) = own_days
                        .binary_search_by_key(&place, |s| s.day)
                        .map_or((None, None), |i| (unpack(own_days[i].check_in), unpack(own_days[i].check_out)));
                    let at = |t: Option<NaiveTime>| t.map(|t| day.and_time(t)).into_iter().collect::<Vec<_>>();
                    (holiday, hours, None, at(check_in), at(check_out))
                };
                // Approved permissions (izin) move the start or the end the day is judged on; one
                // that leaves nothing of the day excuses it.
                let judged = hours.and_then(|h| h.excusing(&windows));
                records.push(DayRecord {
                    date: day,
                    hours: if absence.is_some() { hours } else { judged.or(hours) },
                    excused: hours.is_some() && (absence.is_some() || judged.is_none()),
                    check_ins,
                    check_outs,
                });
                if keep == Keep::Views {
                    extras.push((hours.map(|h| (h.start.time(), h.end.time())), holiday, absence, shift_id));
                }
            }
            let m = month(&records, policy);
            let days = if keep != Keep::Views {
                vec![]
            } else {
                records
                    .iter()
                    .zip(extras)
                    .map(|(r, (hours, holiday, absence, shift_id))| DayView {
                        facts: day_facts(r, holiday.is_some()),
                        hours,
                        holiday,
                        absence,
                        lines: m.lines.iter().filter(|l| l.date == r.date).copied().collect(),
                        shift_id,
                    })
                    .collect()
            };
            let records = if keep == Keep::Month { vec![] } else { records };
            employees.push(EmployeeMonth { employee, from, to: Some(to), month: m, days, records });
        }
        Ok(())
    }
}

/// PostgreSQL: the agency's stored days from `from` to `to` (at most a month), by employee, in
/// one scan. The rows are taken one by one as the server sends them (libpq's single-row mode), so
/// the driver never holds the month's rows whole and the server reads while this process packs;
/// at 100,000 employees the month's discipline took 2.0 s so, against 2.8 s through a cursor a
/// slice at a time (and 1.8 s once the clocks were read without a `String`).
fn agency_days(
    pg: &mut diesel::PgConnection,
    agency: AgencyId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Firsts, StoreError> {
    use crate::attendance_day::Clock;
    use crate::schema::attendance_days as d;
    let days = usize::try_from((to - from).num_days() + 1).unwrap_or(31);
    let rows = d::table
        .filter(d::agency_id.eq(crate::key::bind(agency)))
        .filter(d::local_date.ge(from))
        .filter(d::local_date.le(to))
        .select((d::employee_id, d::local_date, d::first_check_in, d::last_check_out))
        .load_iter::<(EmployeeId, NaiveDate, Option<Clock>, Option<Clock>), diesel::pg::PgRowByRowLoadingMode>(pg)?;
    let mut out = Firsts::new();
    for row in rows {
        let (employee, date, check_in, check_out) = row?;
        let stamp = Stamp::new(from, date, check_in.map(|c| c.0), check_out.map(|c| c.0))?;
        out.entry(employee).or_insert_with(|| Vec::with_capacity(days)).push(stamp);
    }
    Ok(out)
}

/// Every date from `from` to `to`.
fn span(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |d| *d <= to)
}

/// Each of `people`'s events from `from` to `to`, as local date-times (for judging shifts).
fn events_of(
    conn: &mut DbConnection,
    people: &[EmployeeId],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<EmployeeId, Vec<(EventKind, NaiveDateTime)>>, StoreError> {
    use crate::schema::attendance_events as ev;
    let mut out: HashMap<EmployeeId, Vec<(EventKind, NaiveDateTime)>> = HashMap::new();
    for chunk in people.chunks(500) {
        let rows: Vec<(EmployeeId, EventKind, NaiveDate, String)> = ev::table
            .filter(ev::employee_id.eq_any(crate::key::binds(chunk.iter().copied())))
            .filter(ev::local_date.ge(from))
            .filter(ev::local_date.le(to))
            .filter(ev::voided_at.is_null())
            .select((ev::employee_id, ev::kind, ev::local_date, ev::local_time))
            .load(conn)?;
        for (employee, kind, date, time) in rows {
            let time = crate::attendance_day::clock(&time)
                .ok_or_else(|| StoreError::Corrupt(format!("attendance time {time:?}")))?;
            out.entry(employee).or_default().push((kind, date.and_time(time)));
        }
    }
    Ok(out)
}

/// The schedule versions that apply in each unit of an agency, resolved once per unit.
pub(crate) struct UnitSchedules {
    parents: HashMap<OrgUnitId, Option<OrgUnitId>>,
    by_level: HashMap<Option<OrgUnitId>, Vec<(NaiveDate, Schedule)>>,
    resolved: HashMap<Option<OrgUnitId>, ScheduleVersions>,
}

impl UnitSchedules {
    pub(crate) fn load(conn: &mut DbConnection, agency_id: Uuid) -> Result<Self, StoreError> {
        let mut by_level: HashMap<Option<OrgUnitId>, Vec<(NaiveDate, Schedule)>> = HashMap::new();
        for s in &load_schedules(conn, agency_id)? {
            by_level.entry(s.org_unit_id).or_default().push((s.effective_from, s.schedule()));
        }
        let parents: HashMap<OrgUnitId, Option<OrgUnitId>> = if by_level.keys().any(Option::is_some) {
            org_units::table
                .filter(org_units::agency_id.eq(crate::key::bind(AgencyId::from(agency_id))))
                .select((org_units::id, org_units::parent_id))
                .load::<(OrgUnitId, Option<OrgUnitId>)>(conn)?
                .into_iter()
                .collect()
        } else {
            HashMap::new()
        };
        Ok(UnitSchedules { parents, by_level, resolved: HashMap::new() })
    }

    pub(crate) fn of(&mut self, unit: Option<OrgUnitId>) -> &ScheduleVersions {
        let (parents, by_level) = (&self.parents, &self.by_level);
        self.resolved.entry(unit).or_insert_with(|| versions_for(unit, parents, by_level))
    }
}

/// The agency's working days by unit (schedule and holidays, no one's leave) over a span: how long
/// something has waited in working days, such as a log for its review.
pub struct UnitCalendar {
    schedules: UnitSchedules,
    holidays: HashSet<NaiveDate>,
}

impl UnitCalendar {
    /// The calendar of `agency_id` with its holidays from `from` to `to` (days outside count
    /// their schedule only).
    pub fn load(conn: &mut DbConnection, agency_id: Uuid, from: NaiveDate, to: NaiveDate) -> Result<Self, StoreError> {
        let holidays = load_holidays(conn, agency_id, from, to)?.into_iter().map(|h| h.holiday_date).collect();
        Ok(UnitCalendar { schedules: UnitSchedules::load(conn, agency_id)?, holidays })
    }

    /// The working days of `unit` strictly between `after` and `before`; where the unit works by
    /// roster, every day counts (someone of it is on shift).
    pub fn working_days_between(&mut self, unit: Option<OrgUnitId>, after: NaiveDate, before: NaiveDate) -> i64 {
        self.count(unit, None, after, before)
    }

    /// As [`UnitCalendar::working_days_between`] for one employee of `unit` whose rostered shifts
    /// start on `shifts`: where the unit works by roster, those days count and no others.
    pub fn working_days_of(
        &mut self,
        unit: Option<OrgUnitId>,
        shifts: &HashSet<NaiveDate>,
        after: NaiveDate,
        before: NaiveDate,
    ) -> i64 {
        self.count(unit, Some(shifts), after, before)
    }

    /// Whether `day` is a working day of `unit` by its schedule and the holidays (where the unit
    /// works by roster, every day is).
    pub fn works(&mut self, unit: Option<OrgUnitId>, day: NaiveDate) -> bool {
        let schedule = self.schedules.of(unit).on(day);
        schedule.rostered || (!self.holidays.contains(&day) && schedule.hours(day.weekday()).is_some())
    }

    fn count(
        &mut self,
        unit: Option<OrgUnitId>,
        shifts: Option<&HashSet<NaiveDate>>,
        after: NaiveDate,
        before: NaiveDate,
    ) -> i64 {
        let versions = self.schedules.of(unit);
        let mut n = 0;
        let mut day = after;
        while let Some(next) = day.checked_add_days(Days::new(1)) {
            if next >= before {
                break;
            }
            let schedule = versions.on(next);
            let works = if schedule.rostered {
                shifts.is_none_or(|s| s.contains(&next))
            } else {
                !self.holidays.contains(&next) && schedule.hours(next.weekday()).is_some()
            };
            if works {
                n += 1;
            }
            day = next;
        }
        n
    }
}

/// The working days of each of `people` (with the unit each sits in) from `from` to `to`: days
/// their schedule has hours, not holidays (or, by roster, days with a shift), not on leave or
/// official travel.
pub fn working_days(
    conn: &mut DbConnection,
    agency_id: Uuid,
    people: &[(Employee, Option<OrgUnitId>)],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<EmployeeId, ekinerja_domain::days::DaySet>, StoreError> {
    let holidays: HashSet<NaiveDate> =
        load_holidays(conn, agency_id, from, to)?.into_iter().map(|h| h.holiday_date).collect();
    let mut absences: HashMap<EmployeeId, Vec<(NaiveDate, NaiveDate)>> = HashMap::new();
    for a in load_absences(conn, agency_id, None, from, to)? {
        absences.entry(a.employee_id).or_default().push((a.starts_on, a.ends_on));
    }
    let mut schedules = UnitSchedules::load(conn, agency_id)?;
    let rostered = crate::shift::rostered(conn, AgencyId::from(agency_id), None, from, to)?;
    // Those of a unit that does not work by roster in the span, and away on no day of it, share
    // the unit's working days: found once a unit, not once an employee and day.
    let mut of_unit: HashMap<Option<OrgUnitId>, Option<ekinerja_domain::days::DaySet>> = HashMap::new();
    let mut out = HashMap::with_capacity(people.len());
    for (employee, unit) in people {
        let away = absences.remove(&employee.id).unwrap_or_default();
        if away.is_empty() {
            let shared = of_unit.entry(*unit).or_insert_with(|| unit_days(schedules.of(*unit), &holidays, from, to));
            if let Some(days) = shared {
                out.insert(employee.id, days.clone());
                continue;
            }
        }
        let versions = schedules.of(*unit);
        let mut days = ekinerja_domain::days::DaySet::new(from, to);
        let mut day = from;
        while day <= to {
            let schedule = versions.on(day);
            let works = if schedule.rostered {
                rostered.contains_key(&(employee.id, day))
            } else {
                !holidays.contains(&day) && schedule.hours(day.weekday()).is_some()
            };
            if works && !away.iter().any(|(s, e)| *s <= day && day <= *e) {
                days.insert(day);
            }
            let Some(next) = day.checked_add_days(Days::new(1)) else { break };
            day = next;
        }
        out.insert(employee.id, days);
    }
    Ok(out)
}

/// A unit's working days from `from` to `to` by its schedule and the holidays, or none when it
/// works by roster on some day of the span (each employee's days are then their shifts).
fn unit_days(
    versions: &ScheduleVersions,
    holidays: &HashSet<NaiveDate>,
    from: NaiveDate,
    to: NaiveDate,
) -> Option<ekinerja_domain::days::DaySet> {
    let mut days = ekinerja_domain::days::DaySet::new(from, to);
    let mut day = from;
    while day <= to {
        let schedule = versions.on(day);
        if schedule.rostered {
            return None;
        }
        if !holidays.contains(&day) && schedule.hours(day.weekday()).is_some() {
            days.insert(day);
        }
        let Some(next) = day.checked_add_days(Days::new(1)) else { break };
        day = next;
    }
    Some(days)
}

/// The deduction rules in force for the month: the agency's policy, or the domain guide's
/// defaults.
fn policy(conn: &mut DbConnection, agency_id: Uuid, first: NaiveDate) -> Result<DisciplinePolicy, StoreError> {
    let first = first.with_day(1).unwrap_or(first);
    Ok(crate::allowance_policy::in_force(conn, agency_id, first)?
        .map(|v| v.policy().discipline.clone())
        .unwrap_or_default())
}

fn versions_for(
    unit: Option<OrgUnitId>,
    parents: &HashMap<OrgUnitId, Option<OrgUnitId>>,
    by_level: &HashMap<Option<OrgUnitId>, Vec<(NaiveDate, Schedule)>>,
) -> ScheduleVersions {
    let mut levels = Vec::new();
    let mut seen = HashSet::new();
    let mut current = unit;
    while let Some(u) = current {
        if !seen.insert(u) {
            break;
        }
        if let Some(v) = by_level.get(&Some(u)) {
            levels.push(v.clone());
        }
        current = parents.get(&u).copied().flatten();
    }
    if let Some(v) = by_level.get(&None) {
        levels.push(v.clone());
    }
    ScheduleVersions { levels }
}

/// The unit of each employee's position: read by post for a few, and for many (of one agency, as
/// every caller passes) the agency's posts in one statement rather than a statement per 500.
pub(crate) fn units_of(conn: &mut DbConnection, people: Vec<Employee>) -> Result<People, StoreError> {
    let posts: Vec<PositionId> = people.iter().filter_map(|e| e.position_id).collect();
    let mut unit_of: HashMap<PositionId, OrgUnitId> = HashMap::with_capacity(posts.len());
    let query = || positions::table.select((positions::id, positions::org_unit_id)).into_boxed();
    if let Some(e) = people.first().filter(|_| posts.len() > crate::summary::FEW) {
        unit_of.extend(
            query()
                .filter(positions::agency_id.eq(crate::key::bind(e.agency_id)))
                .load::<(PositionId, OrgUnitId)>(conn)?,
        );
    }
    // A few, or any post the agency's read did not hold (someone of another agency).
    let missing: Vec<PositionId> = posts.into_iter().filter(|p| !unit_of.contains_key(p)).collect();
    for chunk in missing.chunks(500) {
        let found: Vec<(PositionId, OrgUnitId)> =
            query().filter(positions::id.eq_any(crate::key::binds(chunk.iter().copied()))).load(conn)?;
        unit_of.extend(found);
    }
    Ok(people
        .into_iter()
        .map(|e| {
            let unit = e.position_id.and_then(|p| unit_of.get(&p).copied());
            (e, unit)
        })
        .collect())
}

/// One employee's month (for whoever may read the employee's discipline: themselves, those above
/// them, their unit's head, a leader, finance, the agency admin).
pub fn employee_month(
    conn: &mut DbConnection,
    caller: &Caller,
    employee_id: Uuid,
    first: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<EmployeeMonth, StoreError> {
    let employee = crate::employee::get_for(conn, caller, employee_id, ekinerja_domain::access::Area::Discipline, now)?;
    let agency = employee.agency_id.uuid();
    let people = units_of(conn, vec![employee])?;
    Judge::load(conn, agency, first, now)?.months(conn, people, Keep::Views)?.pop().ok_or(StoreError::NotFound)
}

/// A unit's month recap: every active employee of the unit and its sub-units (whoever reads the unit's views).
pub fn unit_month(
    conn: &mut DbConnection,
    caller: &Caller,
    unit_id: Uuid,
    first: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<UnitMonth, StoreError> {
    let (_, agency, people) = unit_people(conn, caller, unit_id, now)?;
    let judge = Judge::load(conn, agency, first, now)?;
    month_of(conn, judge, people)
}

/// Every active employee's month in an agency, as a unit's recap holds them (what the benchmark
/// reads). `first` is the first day of the month.
pub fn agency_month(
    conn: &mut DbConnection,
    agency_id: Uuid,
    first: NaiveDate,
    now: DateTime<Utc>,
) -> Result<UnitMonth, StoreError> {
    let people = agency_people(conn, agency_id)?;
    let mut judge = Judge::load(conn, agency_id, Some(first), now)?;
    judge.whole_agency(conn)?;
    month_of(conn, judge, people)
}

/// The recap of `people` by `judge`.
fn month_of(conn: &mut DbConnection, mut judge: Judge, people: People) -> Result<UnitMonth, StoreError> {
    let (from, to) = (judge.from, judge.to);
    Ok(UnitMonth { from, to, employees: judge.months(conn, people, Keep::Month)? })
}

/// The active employees of a unit and its sub-units with the unit each sits in, and the agency,
/// for a caller who reads the unit's views.
pub(crate) fn unit_people(
    conn: &mut DbConnection,
    caller: &Caller,
    unit_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(crate::org_unit::OrgUnit, Uuid, People), StoreError> {
    let staff = crate::org_unit::read_staff(conn, caller, unit_id, now)?;
    Ok((staff.unit, staff.agency, units_of(conn, staff.people)?))
}

/// Every active employee of an agency, with the unit each sits in.
pub(crate) fn agency_people(conn: &mut DbConnection, agency_id: Uuid) -> Result<People, StoreError> {
    let people: Vec<Employee> = employees::table
        .filter(employees::agency_id.eq(crate::key::bind(AgencyId::from(agency_id))))
        .filter(employees::active.eq(true))
        .select(Employee::as_select())
        .load(conn)?;
    units_of(conn, people)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packed_clock_reads_back_as_stored_leap_second_included() {
        let clocks = ["00:00:00", "07:05:09", "23:59:59", "23:59:60", "16:40:60"];
        for t in clocks {
            let c = crate::attendance_day::clock(t);
            assert!(c.is_some(), "{t}");
            assert_eq!(unpack(pack(c)), c, "{t}");
        }
        assert_eq!(unpack(pack(None)), None);
        let packed: Vec<u32> = clocks.iter().map(|t| pack(crate::attendance_day::clock(t))).collect();
        assert!(packed.windows(2).all(|w| w[0] != w[1]) && !packed.contains(&0), "{packed:?}");
    }

    #[test]
    fn a_stamp_knows_its_place_in_a_month_and_nothing_beyond() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(Stamp::new(d(12, 1), d(12, 31), None, None).unwrap().day, 30);
        assert!(Stamp::new(d(12, 1), d(11, 30), None, None).is_err());
    }

    #[test]
    fn a_month_is_judged_up_to_yesterday() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(judged_span(d(11, 1), d(11, 23)), (d(11, 1), d(11, 30), Some(d(11, 22))));
        assert_eq!(judged_span(d(10, 1), d(11, 23)), (d(10, 1), d(10, 31), Some(d(10, 31))));
        assert_eq!(judged_span(d(11, 1), d(11, 1)), (d(11, 1), d(11, 30), None));
        assert_eq!(judged_span(d(12, 1), d(11, 23)), (d(12, 1), d(12, 31), None));
    }
}
