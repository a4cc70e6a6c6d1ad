//! Attendance discipline per day and per month: late arrival (TL), early departure (PSW), missing
//! records, absence without notice (TK) and excused days, with the deduction each day carries.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use ekinerja_domain::discipline::{DayStatus, Line, Reason};
use ekinerja_persistence::discipline::{self, DayView, EmployeeMonth, UnitMonth};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::employee::EmployeeView;
use crate::call::Call;
use crate::error::ApiError;

/// The month to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// `YYYY-MM` (default: the current month).
    #[param(example = "2026-11", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
}

/// The first day of the month asked for; `None` for the current month in the agency's time zone.
fn first_day(q: &MonthQuery) -> Result<Option<NaiveDate>, ApiError> {
    q.month.as_deref().map(super::query_month).transpose()
}

/// A deduction (or a forgiven lateness) of a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    pub date: NaiveDate,
    pub reason: Reason,
    /// Minutes late or early, where that is the reason.
    pub minutes: u32,
    /// The deduction in basis points (0 when forgiven or excused).
    pub deduction_bp: i64,
}

impl From<Line> for LineView {
    fn from(l: Line) -> Self {
        LineView { date: l.date, reason: l.reason, minutes: l.minutes, deduction_bp: l.deduction_bp }
    }
}

/// One day of an employee.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayViewBody {
    pub date: NaiveDate,
    pub status: DayStatus,
    /// Start of the working hours (or of the rostered shift) that applied (`HH:MM`), on a working
    /// day.
    pub work_start: Option<String>,
    /// End of the working hours that applied: for a shift that crosses midnight, on the next date,
    /// as its `check_out` may be.
    pub work_end: Option<String>,
    /// The shift rostered on the day, where the employee's unit works by roster.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub shift_id: Option<ekinerja_domain::id::ShiftId>,
    /// The earliest check-in (`HH:MM:SS`, the agency's time zone).
    pub check_in: Option<String>,
    /// The latest check-out.
    pub check_out: Option<String>,
    /// Minutes after the start, seconds dropped (a present day with a check-in).
    pub late_minutes: Option<u32>,
    /// Minutes before the end (a present day with a check-out).
    pub early_minutes: Option<u32>,
    /// The holiday, on a holiday.
    pub holiday: Option<String>,
    /// `leave` or `official_travel`, when either covers the day.
    pub absence: Option<ekinerja_domain::discipline::AbsenceKind>,
    /// What the day deducts, after the month's tolerance.
    pub lines: Vec<LineView>,
}

impl From<DayView> for DayViewBody {
    fn from(d: DayView) -> Self {
        let f = d.facts;
        DayViewBody {
            date: f.date,
            status: f.status,
            work_start: d.hours.map(|(s, _)| s.format("%H:%M").to_string()),
            work_end: d.hours.map(|(_, e)| e.format("%H:%M").to_string()),
            shift_id: d.shift_id,
            check_in: f.check_in.map(|t| t.format("%H:%M:%S").to_string()),
            check_out: f.check_out.map(|t| t.format("%H:%M:%S").to_string()),
            late_minutes: f.late_minutes,
            early_minutes: f.early_minutes,
            holiday: d.holiday,
            absence: d.absence,
            lines: d.lines.into_iter().map(LineView::from).collect(),
        }
    }
}

/// One employee's month.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeMonthView {
    pub employee: EmployeeView,
    /// The first day of the month.
    pub from: NaiveDate,
    /// The last day judged: the month's end, or yesterday in the agency's time zone (a day is
    /// judged once it is over); `null` when no day is yet.
    pub to: Option<NaiveDate>,
    /// Working days judged (not holidays).
    pub working_days: u32,
    /// Working days covered by leave or official travel.
    pub excused_days: u32,
    /// Working days without any record.
    pub absent_days: u32,
    /// Days deducted for lateness or a missing check-in (after the tolerance).
    pub late_days: u32,
    /// Days deducted for an early departure or a missing check-out.
    pub early_days: u32,
    /// The month's deduction, capped at 10,000.
    pub deduction_bp: i64,
    /// 10,000 − the deduction: the discipline factor of the allowance.
    pub factor_bp: i64,
    /// Every day of the month up to `to`.
    pub days: Vec<DayViewBody>,
}

fn count(m: &EmployeeMonth, reasons: &[Reason]) -> u32 {
    let mut dates: Vec<NaiveDate> =
        m.month.lines.iter().filter(|l| l.deduction_bp > 0 && reasons.contains(&l.reason)).map(|l| l.date).collect();
    dates.dedup();
    u32::try_from(dates.len()).unwrap_or(u32::MAX)
}

impl From<EmployeeMonth> for EmployeeMonthView {
    fn from(m: EmployeeMonth) -> Self {
        EmployeeMonthView {
            absent_days: count(&m, &[Reason::AbsentWithoutNotice]),
            late_days: count(&m, &[Reason::Late, Reason::LateNoRecord]),
            early_days: count(&m, &[Reason::Early, Reason::EarlyNoRecord]),
            working_days: m.month.working_days,
            excused_days: m.month.excused_days,
            deduction_bp: m.month.deduction_bp,
            factor_bp: m.month.factor_bp,
            from: m.from,
            to: m.to,
            days: m.days.into_iter().map(DayViewBody::from).collect(),
            employee: m.employee.into(),
        }
    }
}

/// One employee's line in a unit's recap.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecapRow {
    pub employee: EmployeeView,
    pub working_days: u32,
    pub excused_days: u32,
    pub absent_days: u32,
    pub late_days: u32,
    pub early_days: u32,
    pub deduction_bp: i64,
    pub factor_bp: i64,
}

/// A unit's month.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitMonthView {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    /// Every active employee of the unit and its sub-units, by name.
    pub employees: Vec<RecapRow>,
}

impl From<UnitMonth> for UnitMonthView {
    fn from(u: UnitMonth) -> Self {
        UnitMonthView {
            from: u.from,
            to: u.to,
            employees: u
                .employees
                .into_iter()
                .map(|m| {
                    let v = EmployeeMonthView::from(m);
                    RecapRow {
                        employee: v.employee,
                        working_days: v.working_days,
                        excused_days: v.excused_days,
                        absent_days: v.absent_days,
                        late_days: v.late_days,
                        early_days: v.early_days,
                        deduction_bp: v.deduction_bp,
                        factor_bp: v.factor_bp,
                    }
                })
                .collect(),
        }
    }
}

/// An employee's discipline for a month.
#[utoipa::path(get, path = "/api/v1/employees/{id}/discipline", tag = "attendance", operation_id = "get_employee_discipline",
    summary = "An employee's attendance discipline for a month, day by day",
    params(("id" = Uuid, Path, description = "Employee id"), MonthQuery),
    responses((status = 200, description = "The month", body = EmployeeMonthView)),
    security(("bearer" = [])))]
pub async fn employee(call: Call, id: web::Path<Uuid>, q: web::Query<MonthQuery>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = call.state.now();
    let first = first_day(&q)?;
    let m = call.read(move |conn, caller| discipline::employee_month(conn, caller, id, first, now)).await?;
    Ok(HttpResponse::Ok().json(EmployeeMonthView::from(m)))
}

/// The caller's discipline for a month.
#[utoipa::path(get, path = "/api/v1/me/discipline", tag = "attendance", operation_id = "get_my_discipline",
    summary = "My attendance discipline for a month, day by day", params(MonthQuery),
    responses(
        (status = 200, description = "The month", body = EmployeeMonthView),
        (status = 403, description = "The account has no employee record", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn me(call: Call, q: web::Query<MonthQuery>) -> Result<HttpResponse, ApiError> {
    let Some(id) = call.caller.employee_id else {
        return Err(ApiError::Forbidden("the account has no employee record".into()));
    };
    let now = call.state.now();
    let first = first_day(&q)?;
    let m = call.read(move |conn, caller| discipline::employee_month(conn, caller, id, first, now)).await?;
    Ok(HttpResponse::Ok().json(EmployeeMonthView::from(m)))
}

/// A unit's discipline recap for a month.
#[utoipa::path(get, path = "/api/v1/org-units/{id}/discipline", tag = "attendance", operation_id = "get_unit_discipline",
    summary = "A unit's (and its sub-units') attendance discipline for a month, per employee",
    params(("id" = Uuid, Path, description = "Org unit id"), MonthQuery),
    responses(
        (status = 200, description = "The recap", body = UnitMonthView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn unit(call: Call, id: web::Path<Uuid>, q: web::Query<MonthQuery>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = call.state.now();
    let first = first_day(&q)?;
    let m = call.read(move |conn, caller| discipline::unit_month(conn, caller, id, first, now)).await?;
    Ok(HttpResponse::Ok().json(UnitMonthView::from(m)))
}
