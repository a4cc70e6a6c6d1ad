//! The attendance calendar: work schedules, holidays, and employees' leave and official travel.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use ekinerja_domain::discipline::{AbsenceKind, Hours, Schedule, WEEKDAYS};
use ekinerja_domain::field::Field;
use ekinerja_domain::id::{AbsenceId, AgencyId, EmployeeId, HolidayId, OrgUnitId, WorkScheduleId};
use ekinerja_domain::{Description, Name};
use ekinerja_persistence::calendar::{self, Absence, Holiday, WorkSchedule};
use ekinerja_persistence::Change;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, utc};
use crate::call::Call;
use crate::error::{ApiError, Fields};
use crate::extract::Json;
use crate::request_id;
use crate::state::db;

/// Working hours of one weekday, in the agency's time zone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursBody {
    /// `HH:MM`.
    #[schema(example = "07:30", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub start: String,
    /// `HH:MM`, after `start`.
    #[schema(example = "16:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub end: String,
}

/// Hours per weekday; `null` or absent for a day off.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeekBody {
    pub monday: Option<HoursBody>,
    pub tuesday: Option<HoursBody>,
    pub wednesday: Option<HoursBody>,
    pub thursday: Option<HoursBody>,
    pub friday: Option<HoursBody>,
    pub saturday: Option<HoursBody>,
    pub sunday: Option<HoursBody>,
}

impl WeekBody {
    fn days(&self) -> [&Option<HoursBody>; 7] {
        [&self.monday, &self.tuesday, &self.wednesday, &self.thursday, &self.friday, &self.saturday, &self.sunday]
    }

    fn of(s: &Schedule) -> Self {
        let h = |i: usize| {
            s.days[i].map(|h| HoursBody {
                start: h.start.format("%H:%M").to_string(),
                end: h.end.format("%H:%M").to_string(),
            })
        };
        WeekBody {
            monday: h(0),
            tuesday: h(1),
            wednesday: h(2),
            thursday: h(3),
            friday: h(4),
            saturday: h(5),
            sunday: h(6),
        }
    }

    fn schedule(&self, f: &mut Fields) -> Option<Schedule> {
        let mut days = [None; 7];
        let mut ok = true;
        for (i, day) in self.days().into_iter().enumerate() {
            let Some(h) = day else { continue };
            let time = super::daily_log::time;
            let start = f.check(Field::named("days").then(WEEKDAYS[i]).then("start"), time(&h.start));
            let end = f.check(Field::named("days").then(WEEKDAYS[i]).then("end"), time(&h.end));
            match (start, end) {
                (Some(start), Some(end)) => days[i] = Some(Hours { start, end }),
                _ => ok = false,
            }
        }
        if !ok {
            return None;
        }
        match Schedule::new(days) {
            Ok(s) => Some(s),
            Err(e) => {
                f.refuse("days", e.to_string());
                None
            }
        }
    }
}

/// A schedule version.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkScheduleView {
    #[schema(value_type = String, format = Uuid)]
    pub id: WorkScheduleId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    /// The unit (and its sub-units) it applies to; `null` for the whole agency.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub org_unit_id: Option<OrgUnitId>,
    /// The first day it applies to.
    pub effective_from: NaiveDate,
    /// Hours per weekday; all `null` where the unit works by roster.
    pub days: WeekBody,
    /// The unit works in shifts: each employee's day is the shift rostered on it
    /// (`GET /api/v1/employees/{id}/roster`), holidays included, and a date without one is a day off.
    pub rostered: bool,
    pub created_at: DateTime<Utc>,
}

impl From<WorkSchedule> for WorkScheduleView {
    fn from(w: WorkSchedule) -> Self {
        let schedule = w.schedule();
        WorkScheduleView {
            days: WeekBody::of(&schedule),
            rostered: schedule.rostered,
            id: w.id,
            agency_id: w.agency_id,
            org_unit_id: w.org_unit_id,
            effective_from: w.effective_from,
            created_at: utc(w.created_at),
        }
    }
}

/// Every schedule version of an agency. Without any, the default applies: Monday to Thursday
/// 07:30–16:00, Friday 07:30–16:30.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkScheduleList {
    pub items: Vec<WorkScheduleView>,
    /// The schedule that applies where no version does.
    pub default: WeekBody,
}

/// A schedule to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSchedule {
    /// Required for a platform admin; the admin's own agency otherwise.
    pub agency_id: Option<Uuid>,
    /// A unit (and its sub-units) whose hours differ; absent for the whole agency.
    pub org_unit_id: Option<Uuid>,
    /// The first day the hours apply to; earlier days keep theirs. A version starting the same
    /// day is replaced.
    pub effective_from: NaiveDate,
    /// Hours per weekday; required unless `rostered`, and then absent.
    #[serde(default)]
    pub days: Option<WeekBody>,
    /// The unit works in shifts from `effective_from` on (workforce.md): its employees follow
    /// their rosters. Default `false`.
    #[serde(default)]
    pub rostered: bool,
}

/// The agency to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgencyQuery {
    /// Platform admins only: the agency.
    pub agency_id: Option<Uuid>,
}

/// Sets a work schedule.
#[utoipa::path(post, path = "/api/v1/work-schedules", tag = "calendar", operation_id = "set_work_schedule",
    summary = "Set the working hours of the agency or of a unit from a date on",
    request_body = SetSchedule,
    responses(
        (status = 201, description = "Set", body = WorkScheduleView, headers(("location" = String, description = "The agency's schedules"))),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn set_schedule(call: Call, body: Json<SetSchedule>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency = call.agency_to_write(b.agency_id, ekinerja_domain::access::Area::Structure).await?;
    let schedule = match (&b.days, b.rostered) {
        (None, true) => Schedule::rostered(),
        (Some(_), true) => return Err(ApiError::field("days", "a schedule by roster has no weekday hours")),
        (None, false) => return Err(ApiError::field("days", "required unless the schedule is by roster")),
        (Some(days), false) => {
            let mut f = Fields::new();
            let schedule = days.schedule(&mut f);
            f.finish()?;
            schedule.ok_or_else(|| ApiError::field("days", "not a valid schedule"))?
        }
    };
    let change = call.change();
    let row = db(&call.state, move |conn| {
        calendar::set_schedule(conn, &change, agency, b.org_unit_id, b.effective_from, &schedule)
    })
    .await?;
    Ok(created("/api/v1/work-schedules".into(), &WorkScheduleView::from(row)))
}

/// Lists work schedules.
#[utoipa::path(get, path = "/api/v1/work-schedules", tag = "calendar", operation_id = "list_work_schedules",
    summary = "Every working-hours version of the agency, and the default", params(AgencyQuery),
    responses((status = 200, description = "The agency's versions, agency-wide first, each by date", body = WorkScheduleList)),
    security(("bearer" = [])))]
pub async fn list_schedules(call: Call, q: web::Query<AgencyQuery>) -> Result<HttpResponse, ApiError> {
    let agency = call.agency(q.into_inner().agency_id)?;
    let rows = call.read(move |conn, caller| calendar::schedules(conn, caller, agency)).await?;
    Ok(HttpResponse::Ok().json(WorkScheduleList {
        items: rows.into_iter().map(WorkScheduleView::from).collect(),
        default: WeekBody::of(&Schedule::default()),
    }))
}

/// A holiday.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayView {
    #[schema(value_type = String, format = Uuid)]
    pub id: HolidayId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    pub date: NaiveDate,
    #[schema(example = "Hari Raya Natal")]
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<Holiday> for HolidayView {
    fn from(h: Holiday) -> Self {
        HolidayView {
            id: h.id,
            agency_id: h.agency_id,
            date: h.holiday_date,
            name: h.name,
            created_at: utc(h.created_at),
        }
    }
}

/// Holidays of a span.
#[derive(Debug, Serialize, ToSchema)]
pub struct HolidayList {
    pub items: Vec<HolidayView>,
}

/// A holiday to declare.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddHoliday {
    /// Required for a platform admin; the admin's own agency otherwise.
    pub agency_id: Option<Uuid>,
    pub date: NaiveDate,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        example = "Hari Raya Natal",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
}

/// Which holidays.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HolidayQuery {
    /// 2000 to 2100, as every date the agency keeps; when left out, the year it is now in the
    /// agency's time zone.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// Platform admins only: the agency.
    pub agency_id: Option<Uuid>,
}

/// Declares a holiday.
#[utoipa::path(post, path = "/api/v1/holidays", tag = "calendar", operation_id = "add_holiday",
    summary = "Declare a holiday: no one is expected at work that day", request_body = AddHoliday,
    responses(
        (status = 201, description = "Declared", body = HolidayView, headers(("location" = String, description = "URL of the holiday"))),
        crate::openapi::AdminOnly,
        (status = 409, description = "The date is a holiday already", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn add_holiday(call: Call, body: Json<AddHoliday>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency = call.agency_to_write(b.agency_id, ekinerja_domain::access::Area::Structure).await?;
    let name = Name::parse(&b.name).map_err(|e| ApiError::field("name", e.to_string()))?;
    let row = call.write(move |conn, change| calendar::add_holiday(conn, change, agency, b.date, &name)).await?;
    Ok(created(format!("/api/v1/holidays/{}", row.id), &HolidayView::from(row)))
}

/// Lists holidays.
#[utoipa::path(get, path = "/api/v1/holidays", tag = "calendar", operation_id = "list_holidays",
    summary = "The agency's holidays of a year", params(HolidayQuery),
    responses((status = 200, description = "The holidays, by date", body = HolidayList)),
    security(("bearer" = [])))]
pub async fn list_holidays(call: Call, q: web::Query<HolidayQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let agency = call.agency(q.agency_id)?;
    if q.year.is_some_and(|y| !super::YEARS.contains(&y)) {
        return Err(ApiError::field("year", "must be from 2000 to 2100"));
    }
    let now = call.state.now();
    let rows = call.read(move |conn, caller| calendar::holidays_of_year(conn, caller, agency, q.year, now)).await?;
    Ok(HttpResponse::Ok().json(HolidayList { items: rows.into_iter().map(HolidayView::from).collect() }))
}

/// Removes a holiday.
#[utoipa::path(delete, path = "/api/v1/holidays/{id}", tag = "calendar", operation_id = "delete_holiday",
    summary = "Remove a holiday: the day is a working day again",
    params(("id" = Uuid, Path, description = "Holiday id")),
    responses(
        (status = 204, description = "Removed"),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn delete_holiday(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    call.write(move |conn, change| calendar::delete_holiday(conn, change, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Leave or official travel.
#[derive(Debug, Serialize, ToSchema)]
pub struct AbsenceView {
    #[schema(value_type = String, format = Uuid)]
    pub id: AbsenceId,
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    pub kind: AbsenceKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Set when cancelled: its days are judged on the events again.
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl From<Absence> for AbsenceView {
    fn from(a: Absence) -> Self {
        AbsenceView {
            id: a.id,
            employee_id: a.employee_id,
            kind: a.kind,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            note: a.note,
            created_at: utc(a.created_at),
            cancelled_at: a.cancelled_at.map(utc),
        }
    }
}

/// An employee's leave and travel.
#[derive(Debug, Serialize, ToSchema)]
pub struct AbsenceList {
    pub items: Vec<AbsenceView>,
}

/// Approved leave or official travel to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordAbsence {
    #[schema(format = Uuid)]
    pub employee_id: Uuid,
    pub kind: AbsenceKind,
    #[schema(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub starts_on: NaiveDate,
    /// The last day, inclusive; at most a year after `starts_on`.
    #[schema(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub ends_on: NaiveDate,
    /// E.g. the number of the leave letter.
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 2000
    )]
    pub note: Option<String>,
}

/// Records leave or official travel.
#[utoipa::path(post, path = "/api/v1/absences", tag = "calendar", operation_id = "record_absence",
    summary = "Record approved leave (cuti) or official travel (dinas luar): its working days are excused",
    request_body = RecordAbsence,
    responses(
        (status = 201, description = "Recorded", body = AbsenceView, headers(("location" = String, description = "URL of the record"))),
        (status = 409, description = "The span overlaps a leave request of the employee, or leave or travel already recorded", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn record_absence(call: Call, body: Json<RecordAbsence>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    call.may_write_in_own_agency(ekinerja_domain::access::Area::Discipline).await?;
    for (field, day) in [("starts_on", b.starts_on), ("ends_on", b.ends_on)] {
        if !super::YEARS.contains(&chrono::Datelike::year(&day)) {
            return Err(ApiError::field(field, "must be a date from 2000 to 2100"));
        }
    }
    let note = match b.note.as_deref() {
        None => None,
        Some(n) => Some(Description::parse(n).map_err(|e| ApiError::field("note", e.to_string()))?),
    };
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let row = db(&call.state, move |conn| {
        let new = calendar::NewAbsence {
            employee_id: b.employee_id,
            kind: b.kind,
            starts_on: b.starts_on,
            ends_on: b.ends_on,
            note,
        };
        calendar::record_absence(conn, &change, new, now)
    })
    .await?;
    Ok(created(format!("/api/v1/absences/{}", row.id), &AbsenceView::from(row)))
}

/// Cancels leave or travel.
#[utoipa::path(post, path = "/api/v1/absences/{id}/cancel", tag = "calendar", operation_id = "cancel_absence",
    summary = "Cancel recorded leave or travel", params(("id" = Uuid, Path, description = "Record id")),
    responses(
        (status = 200, description = "Cancelled (again, if it already was)", body = AbsenceView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn cancel_absence(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let row = db(&call.state, move |conn| calendar::cancel_absence(conn, &change, id, now)).await?;
    Ok(HttpResponse::Ok().json(AbsenceView::from(row)))
}

/// An employee's leave and travel.
#[utoipa::path(get, path = "/api/v1/employees/{id}/absences", tag = "calendar", operation_id = "list_employee_absences",
    summary = "An employee's leave and official travel",
    params(("id" = Uuid, Path, description = "Employee id")),
    responses((status = 200, description = "Every record, by start date", body = AbsenceList)),
    security(("bearer" = [])))]
pub async fn list_absences(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = call.state.now();
    let rows = call.read(move |conn, caller| calendar::absences_of(conn, caller, id, now)).await?;
    Ok(HttpResponse::Ok().json(AbsenceList { items: rows.into_iter().map(AbsenceView::from).collect() }))
}
