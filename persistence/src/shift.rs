//! Shifts and rosters (issue 21, workforce.md). A unit works in shifts from the date its schedule
//! is `roster`; it defines its shifts (its sub-units roster them too), and each of its employees
//! has one shift, or a day off, per date. The agency admin defines shifts (the agency's
//! structure); the head of the employee's unit or the agency admin sets rosters, one by one or
//! from a month's roster file. A change to a date already begun is audited.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area, Decision, Subject};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::field::Field;
use ekinerja_domain::id::{AccountId, AgencyId, EmployeeId, OrgUnitId, ShiftId};
use ekinerja_domain::shift::ShiftHours;
use ekinerja_domain::{Caller, Code, Name, Nip};
use serde::Serialize;
use uuid::Uuid;

use crate::discipline::UnitSchedules;
use crate::employee::Employee;
use crate::schema::{employees, org_units, roster_days, shifts};
use crate::{access, audit, chart, Change, DbConnection, FieldError, StoreError};

/// The refused cells a roster import names at most; a file with more stops being checked there.
pub const MAX_ERRORS: usize = 1000;

/// A stored shift.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = shifts, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Shift {
    #[diesel(serialize_as = crate::key::Bind<ShiftId>)]
    pub id: ShiftId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<OrgUnitId>)]
    pub org_unit_id: OrgUnitId,
    pub code: String,
    pub name: String,
    /// `HH:MM`.
    pub starts_at: String,
    /// `HH:MM`; at or before the start: on the next date.
    pub ends_at: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Shift {
    /// The shift's hours; stored ones were checked when stored.
    pub fn hours(&self) -> Result<ShiftHours, StoreError> {
        let time = |s: &str| {
            NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| StoreError::Corrupt(format!("shift time {s:?}")))
        };
        ShiftHours::new(time(&self.starts_at)?, time(&self.ends_at)?).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

/// A new shift, already validated.
#[derive(Debug, Clone)]
pub struct NewShift {
    pub org_unit_id: Uuid,
    pub code: Code,
    pub name: Name,
    pub hours: ShiftHours,
}

/// Defines a shift of a unit (the agency admin: the agency's structure). A unit's codes are
/// unique.
pub fn create(conn: &mut DbConnection, change: &Change, agency_id: Uuid, new: NewShift) -> Result<Shift, StoreError> {
    crate::agency::writable(conn, &change.caller, agency_id, Area::Structure)?;
    let agency = AgencyId::from(agency_id);
    let unit = OrgUnitId::from(new.org_unit_id);
    crate::db::write(conn, |conn| {
        crate::org_unit::check_in_agency(conn, agency, unit)?;
        let taken: i64 = shifts::table
            .filter(shifts::org_unit_id.eq(crate::key::bind(unit)))
            .filter(shifts::code.eq(new.code.as_str()))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!(
                "the unit already has a shift with the code {}",
                new.code.as_str()
            )));
        }
        let row = Shift {
            id: crate::key::new(),
            agency_id: agency,
            org_unit_id: unit,
            code: new.code.as_str().to_owned(),
            name: new.name.as_str().to_owned(),
            starts_at: new.hours.start().format("%H:%M").to_string(),
            ends_at: new.hours.end().format("%H:%M").to_string(),
            created_at: change.at,
            updated_at: change.at,
        };
        diesel::insert_into(shifts::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(agency),
            AuditAction::Create,
            AuditEntity::Shift,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row)
    })
}

/// A shift, to anyone of its agency.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Shift, StoreError> {
    let row: Shift = shifts::table.find(crate::key::bind(ShiftId::from(id))).select(Shift::as_select()).first(conn)?;
    access::in_sight(caller, row.agency_id, row)
}

/// The agency's shifts (of one unit where `org_unit_id` is given), to anyone of the agency, by
/// unit and code.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    agency_id: Uuid,
    org_unit_id: Option<Uuid>,
) -> Result<Vec<Shift>, StoreError> {
    if !caller.can_see_agency(agency_id) {
        return Ok(Vec::new());
    }
    let mut q = shifts::table
        .filter(shifts::agency_id.eq(crate::key::bind(AgencyId::from(agency_id))))
        .select(Shift::as_select())
        .into_boxed::<crate::db::Backend>();
    if let Some(u) = org_unit_id {
        q = q.filter(shifts::org_unit_id.eq(crate::key::bind(OrgUnitId::from(u))));
    }
    Ok(q.order((shifts::org_unit_id.asc(), shifts::code.asc())).load(conn)?)
}

/// One employee's rostered date.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = roster_days, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct RosterDay {
    #[diesel(serialize_as = crate::key::Bind<EmployeeId>)]
    pub employee_id: EmployeeId,
    pub roster_date: NaiveDate,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    /// `None`: a day off.
    #[diesel(serialize_as = crate::key::BindOption<ShiftId>)]
    pub shift_id: Option<ShiftId>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub set_by_account_id: Option<AccountId>,
    pub updated_at: NaiveDateTime,
}

/// One date of one employee's roster to set.
#[derive(Debug, Clone)]
pub struct RosterSet {
    pub employee_id: Uuid,
    pub date: NaiveDate,
    /// `None`: a day off.
    pub shift_id: Option<Uuid>,
}

/// What the roster rules need of an agency: its units' parents, which units work by roster on a
/// date, and its shifts.
struct Rules {
    parents: HashMap<OrgUnitId, Option<OrgUnitId>>,
    schedules: UnitSchedules,
    shifts: Vec<Shift>,
}

impl Rules {
    fn load(conn: &mut DbConnection, agency: AgencyId) -> Result<Self, StoreError> {
        let parents = org_units::table
            .filter(org_units::agency_id.eq(crate::key::bind(agency)))
            .select((org_units::id, org_units::parent_id))
            .load::<(OrgUnitId, Option<OrgUnitId>)>(conn)?
            .into_iter()
            .collect();
        let shifts = shifts::table
            .filter(shifts::agency_id.eq(crate::key::bind(agency)))
            .select(Shift::as_select())
            .load(conn)?;
        Ok(Rules { parents, schedules: UnitSchedules::load(conn, agency.uuid())?, shifts })
    }

    /// The unit and those above it, nearest first.
    fn up(&self, unit: OrgUnitId) -> Vec<OrgUnitId> {
        let mut out = vec![unit];
        let mut current = unit;
        while let Some(Some(p)) = self.parents.get(&current) {
            if out.contains(p) {
                break;
            }
            out.push(*p);
            current = *p;
        }
        out
    }

    /// Why `unit` cannot be rostered on `date`: it does not work by roster then.
    fn refuse_date(&mut self, unit: Option<OrgUnitId>, date: NaiveDate) -> Option<String> {
        match unit {
            None => Some("the employee holds no post in a unit".into()),
            Some(u) if !self.schedules.of(Some(u)).on(date).rostered => {
                Some(format!("the employee's unit does not work by roster on {date}: set its schedule to roster first"))
            }
            Some(_) => None,
        }
    }

    /// The shift `id`, where the employee's unit may roster it (its own or a unit's above).
    fn shift_by_id(&self, unit: OrgUnitId, id: ShiftId) -> Result<&Shift, String> {
        let s = self.shifts.iter().find(|s| s.id == id).ok_or("no such shift")?;
        if self.up(unit).contains(&s.org_unit_id) {
            Ok(s)
        } else {
            Err("the shift belongs to a unit that is not the employee's nor above it".into())
        }
    }

    /// The shift a roster cell names by code: the nearest unit's, from the employee's up.
    fn shift_by_code(&self, unit: OrgUnitId, code: &str) -> Option<&Shift> {
        self.up(unit).into_iter().find_map(|u| self.shifts.iter().find(|s| s.org_unit_id == u && s.code == code))
    }
}

/// The employees of `agency` by id with the unit each sits in now.
fn people(
    conn: &mut DbConnection,
    agency: AgencyId,
    ids: &[EmployeeId],
) -> Result<HashMap<EmployeeId, (Employee, Option<OrgUnitId>)>, StoreError> {
    let mut found = Vec::new();
    for chunk in ids.chunks(500) {
        found.extend(
            employees::table
                .filter(employees::agency_id.eq(crate::key::bind(agency)))
                .filter(employees::id.eq_any(crate::key::binds(chunk.iter().copied())))
                .select(Employee::as_select())
                .load::<Employee>(conn)?,
        );
    }
    Ok(crate::discipline::units_of(conn, found)?.into_iter().map(|(e, u)| (e.id, (e, u))).collect())
}

/// Whether the caller may set `employee`'s roster: `Ok(None)` yes, else why not in words (a
/// record they may not know of reads as no such employee).
fn may_set(
    conn: &mut DbConnection,
    caller: &Caller,
    agency: AgencyId,
    employee: EmployeeId,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let subject = Subject::Employee { agency: agency.uuid(), employee: employee.uuid() };
    Ok(match access::decide(conn, caller, subject, Area::Roster, Access::Write, now)? {
        Decision::Allow => None,
        Decision::Forbid(why) => Some(why),
        Decision::Hide => Some("no such employee".into()),
    })
}

/// Writes `days` (already checked), replacing what each employee had on those dates, and audits
/// every change to a date already begun in the agency's time zone.
fn store(
    conn: &mut DbConnection,
    change: &Change,
    agency: AgencyId,
    today: NaiveDate,
    days: &[RosterDay],
) -> Result<usize, StoreError> {
    let mut changed = 0;
    for day in days {
        let before: Option<RosterDay> = roster_days::table
            .find((crate::key::bind(day.employee_id), day.roster_date))
            .select(RosterDay::as_select())
            .first(conn)
            .optional()?;
        // The same as stored, or a day off where nothing is stored (a day off already): no change.
        if before.as_ref().map_or(day.shift_id.is_none(), |b| b.shift_id == day.shift_id) {
            continue;
        }
        if before.is_some() {
            diesel::delete(roster_days::table.find((crate::key::bind(day.employee_id), day.roster_date)))
                .execute(conn)?;
        }
        diesel::insert_into(roster_days::table).values(day.clone()).execute(conn)?;
        changed += 1;
        if day.roster_date <= today {
            let id = format!("{}/{}", day.employee_id, day.roster_date);
            audit::record(
                conn,
                change,
                Some(agency),
                AuditAction::Set,
                AuditEntity::RosterDay,
                id,
                before.as_ref(),
                Some(day),
            )?;
        }
    }
    Ok(changed)
}

/// Sets dates of employees' rosters, all or nothing: each employee must be one whose roster the
/// caller sets (the head of their unit, the agency admin), in a unit that works by roster on the
/// date, and each shift one of their unit's or of a unit above it. Returns the days as stored.
pub fn set(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    entries: &[RosterSet],
    now: DateTime<Utc>,
) -> Result<Vec<RosterDay>, StoreError> {
    let caller = &change.caller;
    if !caller.can_see_agency(agency_id) {
        return Err(StoreError::NotFound);
    }
    let agency = AgencyId::from(agency_id);
    let today = chart::agency_today(conn, agency_id, now)?;
    let ids: Vec<EmployeeId> = entries.iter().map(|e| EmployeeId::from(e.employee_id)).collect();
    let people = people(conn, agency, &ids)?;
    let mut rules = Rules::load(conn, agency)?;
    let mut allowed: HashMap<EmployeeId, Option<String>> = HashMap::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut days = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let at = |name: &'static str| Field::named("entries").at(i).then(name);
        let employee = EmployeeId::from(e.employee_id);
        let Some((_, unit)) = people.get(&employee) else {
            errors.push(FieldError::new(at("employee_id"), "no such employee"));
            continue;
        };
        let why = match allowed.get(&employee) {
            Some(w) => w.clone(),
            None => {
                let w = may_set(conn, caller, agency, employee, now)?;
                allowed.insert(employee, w.clone());
                w
            }
        };
        if let Some(why) = why {
            if why == "no such employee" {
                errors.push(FieldError::new(at("employee_id"), why));
                continue;
            }
            return Err(StoreError::Forbidden(format!("entries/{i}: {why}")));
        }
        if !seen.insert((employee, e.date)) {
            errors.push(FieldError::new(at("date"), "the same employee and date appear twice"));
            continue;
        }
        if let Some(why) = rules.refuse_date(*unit, e.date) {
            errors.push(FieldError::new(at("date"), why));
            continue;
        }
        let shift_id = match (e.shift_id, unit) {
            (None, _) => None,
            (Some(id), Some(u)) => match rules.shift_by_id(*u, ShiftId::from(id)) {
                Ok(s) => Some(s.id),
                Err(why) => {
                    errors.push(FieldError::new(at("shift_id"), why));
                    continue;
                }
            },
            (Some(_), None) => None,
        };
        days.push(RosterDay {
            employee_id: employee,
            roster_date: e.date,
            agency_id: agency,
            shift_id,
            set_by_account_id: Some(AccountId::from(caller.account_id)),
            updated_at: change.at,
        });
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    crate::db::write(conn, |conn| store(conn, change, agency, today, &days))?;
    Ok(days)
}

/// One line of a month's roster file, already split: the NIP and each day's cell.
#[derive(Debug, Clone)]
pub struct RosterLine {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    pub nip: Nip,
    /// `(date, cell)`: a shift code, or `None` for a day off (an empty cell or `-`).
    pub cells: Vec<(NaiveDate, Option<String>)>,
}

/// A refused line of a roster file.
#[derive(Debug, Clone, Serialize)]
pub struct LineError {
    pub line: u64,
    /// The column at fault: `nip`, or the day of the month.
    pub column: String,
    pub detail: String,
}

/// What a roster import did, or would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RosterImport {
    pub dry_run: bool,
    /// Employees in the file.
    pub employees: usize,
    /// Dates whose entry the import sets (or would set) to something new.
    pub days_changed: usize,
    pub errors: Vec<LineError>,
}

/// Imports a month's roster file, all or nothing: every line names an employee of the agency
/// whose roster the caller sets, in a unit that works by roster on each date given, and each
/// cell a shift code of their unit (or of a unit above it) or a day off. One bad line stores
/// nothing, and the report names every bad cell by line and column.
pub fn import(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    lines: Vec<RosterLine>,
    mut errors: Vec<LineError>,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<RosterImport, StoreError> {
    let caller = &change.caller;
    if !caller.can_see_agency(agency_id) {
        return Err(StoreError::NotFound);
    }
    let agency = AgencyId::from(agency_id);
    let today = chart::agency_today(conn, agency_id, now)?;
    let mut rules = Rules::load(conn, agency)?;
    let mut days = Vec::new();
    let mut seen = HashMap::new();
    for l in &lines {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        let bad = |column: &str, detail: String| LineError { line: l.line, column: column.to_owned(), detail };
        let found: Option<Employee> = employees::table
            .filter(employees::agency_id.eq(crate::key::bind(agency)))
            .filter(employees::nip.eq(l.nip.as_str()))
            .select(Employee::as_select())
            .first(conn)
            .optional()?;
        let why = match &found {
            None => Some("no such employee in this agency".to_owned()),
            Some(e) => may_set(conn, caller, agency, e.id, now)?.map(|w| {
                if w == "no such employee" {
                    "no such employee in this agency".to_owned()
                } else {
                    format!("you may not set this employee's roster: {w}")
                }
            }),
        };
        let Some(employee) = found.filter(|_| why.is_none()) else {
            errors.push(bad("nip", why.unwrap_or_default()));
            continue;
        };
        if let Some(first) = seen.insert(employee.id, l.line) {
            errors.push(bad("nip", format!("the employee's roster is already on line {first}")));
            continue;
        }
        let unit = crate::discipline::units_of(conn, vec![employee.clone()])?.pop().and_then(|(_, u)| u);
        for (date, cell) in &l.cells {
            let column = date.format("%-d").to_string();
            if let Some(why) = rules.refuse_date(unit, *date) {
                errors.push(bad(&column, why));
                continue;
            }
            let shift_id = match (cell, unit) {
                (None, _) | (_, None) => None,
                (Some(code), Some(u)) => match rules.shift_by_code(u, code) {
                    Some(s) => Some(s.id),
                    None => {
                        errors.push(bad(&column, format!("no shift {code:?} in the employee's unit or above it")));
                        continue;
                    }
                },
            };
            days.push(RosterDay {
                employee_id: employee.id,
                roster_date: *date,
                agency_id: agency,
                shift_id,
                set_by_account_id: Some(AccountId::from(caller.account_id)),
                updated_at: change.at,
            });
        }
    }
    errors.sort_by_key(|e| e.line);
    errors.truncate(MAX_ERRORS);
    let mut report = RosterImport { dry_run, employees: lines.len(), days_changed: 0, errors };
    if !report.errors.is_empty() {
        return Ok(report);
    }
    if dry_run {
        report.days_changed = days.len();
        return Ok(report);
    }
    report.days_changed = crate::db::write(conn, |conn| store(conn, change, agency, today, &days))?;
    Ok(report)
}

/// Whose roster to read.
#[derive(Debug, Clone, Copy)]
pub enum RosterOf {
    /// One employee (they, those above them, the head of their unit, a leader, the agency admin).
    Employee(Uuid),
    /// Everyone of a unit and its sub-units (the unit's head, a leader, the agency admin).
    Unit(Uuid),
}

/// The roster entries of `of` from `from` to `to` (dates without one are days off where the unit
/// works by roster), by employee and date.
pub fn read(
    conn: &mut DbConnection,
    caller: &Caller,
    of: RosterOf,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<RosterDay>, StoreError> {
    let ids: Vec<EmployeeId> = match of {
        RosterOf::Employee(id) => {
            let e = crate::employee::get_for(conn, caller, id, Area::Roster, now)?;
            vec![e.id]
        }
        RosterOf::Unit(id) => {
            let unit = crate::org_unit::get(conn, caller, id)?;
            let subject = Subject::Unit { agency: unit.agency_id.uuid(), unit: id };
            access::require(conn, caller, subject, Area::Roster, Access::Read, now)?;
            let (_, people) = crate::org_unit::staff(conn, unit.agency_id, unit.id)?;
            people.into_iter().map(|e| e.id).collect()
        }
    };
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            roster_days::table
                .filter(roster_days::employee_id.eq_any(crate::key::binds(chunk.iter().copied())))
                .filter(roster_days::roster_date.ge(from))
                .filter(roster_days::roster_date.le(to))
                .select(RosterDay::as_select())
                .load::<RosterDay>(conn)?,
        );
    }
    out.sort_by_key(|d| (d.employee_id, d.roster_date));
    Ok(out)
}

/// `(employee, date) → (shift, its hours)`: the shifts rostered, days off left out.
pub(crate) type Rostered = HashMap<(EmployeeId, NaiveDate), (ShiftId, ShiftHours)>;

/// The shifts rostered for `only` (every one of the agency when `None`) from `from` to `to`,
/// as `(employee, date) → shift hours`; a day off has no entry.
pub(crate) fn rostered(
    conn: &mut DbConnection,
    agency: AgencyId,
    only: Option<&[EmployeeId]>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Rostered, StoreError> {
    let shifts: HashMap<ShiftId, ShiftHours> = shifts::table
        .filter(shifts::agency_id.eq(crate::key::bind(agency)))
        .select(Shift::as_select())
        .load::<Shift>(conn)?
        .into_iter()
        .map(|s| Ok((s.id, s.hours()?)))
        .collect::<Result<_, StoreError>>()?;
    if shifts.is_empty() {
        return Ok(HashMap::new());
    }
    let query = || {
        roster_days::table
            .filter(roster_days::agency_id.eq(crate::key::bind(agency)))
            .filter(roster_days::roster_date.ge(from))
            .filter(roster_days::roster_date.le(to))
            .filter(roster_days::shift_id.is_not_null())
            .select((roster_days::employee_id, roster_days::roster_date, roster_days::shift_id))
            .into_boxed::<crate::db::Backend>()
    };
    let mut rows: Vec<(EmployeeId, NaiveDate, Option<ShiftId>)> = Vec::new();
    match only {
        None => rows = query().load(conn)?,
        Some(ids) => {
            for chunk in ids.chunks(500) {
                rows.extend(
                    query().filter(roster_days::employee_id.eq_any(crate::key::binds(chunk.iter().copied()))).load::<(
                        EmployeeId,
                        NaiveDate,
                        Option<ShiftId>,
                    )>(
                        conn
                    )?,
                );
            }
        }
    }
    Ok(rows
        .into_iter()
        .filter_map(|(e, d, s)| {
            let s = s?;
            shifts.get(&s).map(|h| ((e, d), (s, *h)))
        })
        .collect())
}
