//! The calendar that judges attendance: work schedules per agency or unit from a date on,
//! holidays, and each employee's approved leave and official travel. Every change takes effect on
//! the next read of a day's discipline, which is computed from these and the events.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area, Subject};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::discipline::{AbsenceKind, Schedule};
use ekinerja_domain::id::{AbsenceId, AccountId, AgencyId, EmployeeId, HolidayId, OrgUnitId, WorkScheduleId};
use ekinerja_domain::{Caller, Description, Name};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{absences, holidays, work_schedules};
use crate::{audit, db::Backend, Change, DbConnection, StoreError};

/// A stored schedule version.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = work_schedules, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct WorkSchedule {
    #[diesel(serialize_as = crate::key::Bind<WorkScheduleId>)]
    pub id: WorkScheduleId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::BindOption<OrgUnitId>)]
    pub org_unit_id: Option<OrgUnitId>,
    pub effective_from: NaiveDate,
    pub days: crate::document::Stored<Schedule>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub created_by_account_id: Option<AccountId>,
    pub created_at: NaiveDateTime,
}

impl WorkSchedule {
    /// The schedule itself (a stored one that does not read failed the load).
    pub fn schedule(&self) -> Schedule {
        self.days.get().clone()
    }
}

/// Sets the working hours of the agency (no unit) or of a unit and its sub-units from
/// `effective_from` on, replacing a version that starts the same day (the replaced one stays in
/// the audit trail). Discipline is computed on read, so a date in the past re-judges the days
/// from it on; a paid month is kept by its allowance run.
pub fn set_schedule(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    org_unit_id: Option<Uuid>,
    effective_from: NaiveDate,
    schedule: &Schedule,
) -> Result<WorkSchedule, StoreError> {
    crate::agency::writable(conn, &change.caller, agency_id, ekinerja_domain::access::Area::Structure)?;
    let agency = AgencyId::from(agency_id);
    let unit = org_unit_id.map(OrgUnitId::from);
    crate::db::write(conn, |conn| {
        if let Some(u) = unit {
            crate::org_unit::check_in_agency(conn, agency, u)?;
        }
        let same_day = work_schedules::table
            .filter(work_schedules::agency_id.eq(crate::key::bind(agency)))
            .filter(work_schedules::effective_from.eq(effective_from))
            .into_boxed::<Backend>();
        let same_day = match unit {
            Some(u) => same_day.filter(work_schedules::org_unit_id.eq(crate::key::bind(u))),
            None => same_day.filter(work_schedules::org_unit_id.is_null()),
        };
        let before: Option<WorkSchedule> = same_day.select(WorkSchedule::as_select()).first(conn).optional()?;
        if let Some(b) = &before {
            diesel::delete(work_schedules::table.find(crate::key::bind(b.id))).execute(conn)?;
        }
        let row = WorkSchedule {
            id: crate::key::new(),
            agency_id: agency,
            org_unit_id: unit,
            effective_from,
            days: schedule.clone().into(),
            created_by_account_id: Some(AccountId::from(change.caller.account_id)),
            created_at: change.at,
        };
        diesel::insert_into(work_schedules::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(agency),
            AuditAction::Set,
            AuditEntity::WorkSchedule,
            row.id,
            before.as_ref(),
            Some(&row),
        )?;
        Ok(row)
    })
}

/// Every schedule version of the agency, for anyone of the agency: the agency's, then per unit,
/// each by date.
pub fn schedules(conn: &mut DbConnection, caller: &Caller, agency_id: Uuid) -> Result<Vec<WorkSchedule>, StoreError> {
    if !caller.can_see_agency(agency_id) {
        return Ok(Vec::new());
    }
    load_schedules(conn, agency_id)
}

pub(crate) fn load_schedules(conn: &mut DbConnection, agency_id: Uuid) -> Result<Vec<WorkSchedule>, StoreError> {
    let mut rows: Vec<WorkSchedule> = work_schedules::table
        .filter(work_schedules::agency_id.eq(crate::key::bind(AgencyId::from(agency_id))))
        .select(WorkSchedule::as_select())
        .load(conn)?;
    rows.sort_by(|a, b| a.org_unit_id.cmp(&b.org_unit_id).then(a.effective_from.cmp(&b.effective_from)));
    Ok(rows)
}

/// A stored holiday.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = holidays, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Holiday {
    #[diesel(serialize_as = crate::key::Bind<HolidayId>)]
    pub id: HolidayId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    pub holiday_date: NaiveDate,
    pub name: String,
    pub created_at: NaiveDateTime,
}

/// Declares a holiday for the agency (national holidays and collective leave days alike).
pub fn add_holiday(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    date: NaiveDate,
    name: &Name,
) -> Result<Holiday, StoreError> {
    crate::agency::writable(conn, &change.caller, agency_id, ekinerja_domain::access::Area::Structure)?;
    let row = Holiday {
        id: crate::key::new(),
        agency_id: AgencyId::from(agency_id),
        holiday_date: date,
        name: name.as_str().to_owned(),
        created_at: change.at,
    };
    crate::db::write(conn, |conn| {
        let taken: i64 = holidays::table
            .filter(holidays::agency_id.eq(crate::key::bind(row.agency_id)))
            .filter(holidays::holiday_date.eq(date))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("{date} is already a holiday")));
        }
        diesel::insert_into(holidays::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::Holiday,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row.clone())
    })
}

/// The agency's holidays of `year`, or of the year it is now in the agency's own time zone (on
/// the 1st of January at 06:00 in Jakarta it is still the 31st of December in UTC), by date.
/// `year` is one the agency keeps dates in; the caller checks it.
pub fn holidays_of_year(
    conn: &mut DbConnection,
    caller: &Caller,
    agency_id: Uuid,
    year: Option<i32>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Holiday>, StoreError> {
    if !caller.can_see_agency(agency_id) {
        return Ok(Vec::new());
    }
    let year = match year {
        Some(y) => y,
        None => chrono::Datelike::year(&crate::chart::agency_today(conn, agency_id, now)?),
    };
    match (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) {
        (Some(from), Some(to)) => load_holidays(conn, agency_id, from, to),
        _ => Err(StoreError::invalid("year", "must be from 2000 to 2100")),
    }
}

pub(crate) fn load_holidays(
    conn: &mut DbConnection,
    agency_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Holiday>, StoreError> {
    Ok(holidays::table
        .filter(holidays::agency_id.eq(crate::key::bind(AgencyId::from(agency_id))))
        .filter(holidays::holiday_date.ge(from))
        .filter(holidays::holiday_date.le(to))
        .order(holidays::holiday_date.asc())
        .select(Holiday::as_select())
        .load(conn)?)
}

/// Removes a holiday: the day is judged as a working day again.
pub fn delete_holiday(conn: &mut DbConnection, change: &Change, id: Uuid) -> Result<(), StoreError> {
    crate::db::write(conn, |conn| {
        let row: Holiday =
            holidays::table.find(crate::key::bind(HolidayId::from(id))).select(Holiday::as_select()).first(conn)?;
        let agency = row.agency_id.uuid();
        crate::access::require_agency(conn, &change.caller, agency, Area::Structure, Access::Write)?;
        diesel::delete(holidays::table.find(crate::key::bind(row.id))).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Delete,
            AuditEntity::Holiday,
            row.id,
            Some(&row),
            None::<&()>,
        )?;
        Ok(())
    })
}

/// Stored leave or official travel.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = absences, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Absence {
    #[diesel(serialize_as = crate::key::Bind<AbsenceId>)]
    pub id: AbsenceId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<EmployeeId>)]
    pub employee_id: EmployeeId,
    #[diesel(serialize_as = crate::word::Bind<AbsenceKind>)]
    pub kind: AbsenceKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub note: Option<String>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub created_by_account_id: Option<AccountId>,
    pub created_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
}

/// The longest leave or travel recorded at once.
pub const MAX_ABSENCE_DAYS: i64 = 366;

/// Leave or travel to record, as approved.
#[derive(Debug, Clone)]
pub struct NewAbsence {
    pub employee_id: Uuid,
    pub kind: AbsenceKind,
    pub starts_on: NaiveDate,
    /// The last day, inclusive.
    pub ends_on: NaiveDate,
    pub note: Option<Description>,
}

/// Records approved leave or official travel for an employee (the agency's HR admin, who records
/// what was approved). Overlapping a live absence of the same employee is refused.
pub fn record_absence(
    conn: &mut DbConnection,
    change: &Change,
    new: NewAbsence,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Absence, StoreError> {
    let NewAbsence { employee_id, kind, starts_on, ends_on, note } = new;
    if ends_on < starts_on {
        return Err(StoreError::invalid("ends_on", "must not be before starts_on"));
    }
    if (ends_on - starts_on).num_days() >= MAX_ABSENCE_DAYS {
        return Err(StoreError::invalid("ends_on", format!("at most {MAX_ABSENCE_DAYS} days at once")));
    }
    crate::db::write(conn, |conn| {
        let employee = crate::employee::get(conn, &change.caller, employee_id, now)
            .map_err(|_| StoreError::invalid("employee_id", "no such employee"))?;
        let agency = employee.agency_id.uuid();
        let subject = Subject::Employee { agency, employee: employee_id };
        crate::access::require(conn, &change.caller, subject, Area::Discipline, Access::Write, now)?;
        crate::db::lock_row(conn, crate::db::LockTable::Employees, employee.id)?;
        if crate::leave::overlaps_live_request(conn, employee.id, starts_on, ends_on)? {
            return Err(StoreError::Conflict("the span overlaps a leave request of the employee".into()));
        }
        insert_absence(conn, change, &employee, kind, (starts_on, ends_on), note.map(|n| n.as_str().to_owned()))
    })
}

/// Whether `employee` has live leave or travel recorded on any day of `starts_on..=ends_on`.
pub(crate) fn overlaps_absence(
    conn: &mut DbConnection,
    employee: EmployeeId,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> Result<bool, StoreError> {
    let overlapping: i64 = absences::table
        .filter(absences::employee_id.eq(crate::key::bind(employee)))
        .filter(absences::cancelled_at.is_null())
        .filter(absences::starts_on.le(ends_on))
        .filter(absences::ends_on.ge(starts_on))
        .count()
        .get_result(conn)?;
    Ok(overlapping > 0)
}

/// Records leave or travel whose approval the caller holds (checked before), inside the write
/// transaction that holds the employee's row lock; overlapping a live absence is refused.
pub(crate) fn insert_absence(
    conn: &mut DbConnection,
    change: &Change,
    employee: &crate::employee::Employee,
    kind: AbsenceKind,
    (starts_on, ends_on): (NaiveDate, NaiveDate),
    note: Option<String>,
) -> Result<Absence, StoreError> {
    if overlaps_absence(conn, employee.id, starts_on, ends_on)? {
        return Err(StoreError::Conflict("the span overlaps leave or travel already recorded".into()));
    }
    let row = Absence {
        id: crate::key::new(),
        agency_id: employee.agency_id,
        employee_id: employee.id,
        kind,
        starts_on,
        ends_on,
        note,
        created_by_account_id: Some(AccountId::from(change.caller.account_id)),
        created_at: change.at,
        cancelled_at: None,
    };
    diesel::insert_into(absences::table).values(row.clone()).execute(conn)?;
    audit::record(
        conn,
        change,
        Some(row.agency_id),
        AuditAction::Create,
        AuditEntity::Absence,
        row.id,
        None::<&()>,
        Some(&row),
    )?;
    Ok(row)
}

/// Cancels recorded leave or travel: its days are judged on the events again.
pub fn cancel_absence(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Absence, StoreError> {
    crate::db::write(conn, |conn| {
        let before: Absence =
            absences::table.find(crate::key::bind(AbsenceId::from(id))).select(Absence::as_select()).first(conn)?;
        let agency = before.agency_id.uuid();
        let employee = before.employee_id.uuid();
        let subject = Subject::Employee { agency, employee };
        crate::access::require(conn, &change.caller, subject, Area::Discipline, Access::Write, now)?;
        // Leave approved through a request is withdrawn with it: the request is cancelled too.
        crate::leave::cancel_for_absence(conn, change, before.id)?;
        cancel_row(conn, change, before)
    })
}

/// Cancels a live absence (access checked before); one already cancelled stays as it is.
pub(crate) fn cancel_row(conn: &mut DbConnection, change: &Change, before: Absence) -> Result<Absence, StoreError> {
    if before.cancelled_at.is_some() {
        return Ok(before);
    }
    let after = Absence { cancelled_at: Some(change.at), ..before.clone() };
    diesel::update(absences::table.find(crate::key::bind(after.id)))
        .set(absences::cancelled_at.eq(after.cancelled_at))
        .execute(conn)?;
    audit::record(
        conn,
        change,
        Some(after.agency_id),
        AuditAction::Cancel,
        AuditEntity::Absence,
        after.id,
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// One stored absence.
pub(crate) fn load_absence(conn: &mut DbConnection, id: AbsenceId) -> Result<Absence, StoreError> {
    Ok(absences::table.find(crate::key::bind(id)).select(Absence::as_select()).first(conn)?)
}

/// An employee's leave and travel (for whoever may read the employee), by start date.
pub fn absences_of(
    conn: &mut DbConnection,
    caller: &Caller,
    employee_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Absence>, StoreError> {
    let employee = crate::employee::get_for(conn, caller, employee_id, ekinerja_domain::access::Area::Discipline, now)?;
    Ok(absences::table
        .filter(absences::employee_id.eq(crate::key::bind(employee.id)))
        .order(absences::starts_on.asc())
        .select(Absence::as_select())
        .load(conn)?)
}

/// Live absences of some employees that touch a span of days.
pub(crate) fn load_absences(
    conn: &mut DbConnection,
    agency_id: Uuid,
    employee_ids: Option<&[EmployeeId]>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Absence>, StoreError> {
    let mut q = absences::table
        .filter(absences::agency_id.eq(crate::key::bind(AgencyId::from(agency_id))))
        .filter(absences::cancelled_at.is_null())
        .filter(absences::starts_on.le(to))
        .filter(absences::ends_on.ge(from))
        .select(Absence::as_select())
        .into_boxed::<Backend>();
    if let Some(ids) = employee_ids {
        q = q.filter(absences::employee_id.eq_any(crate::key::binds(ids.iter().copied())));
    }
    Ok(q.load(conn)?)
}
