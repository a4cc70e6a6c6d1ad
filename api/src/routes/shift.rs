//! Shifts and rosters (issue 21, workforce.md): a unit's shifts, and each employee's roster of
//! one shift (or a day off) per date, set one by one or from a month's roster file.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use ekinerja_domain::field::Field;
use ekinerja_domain::id::{AgencyId, EmployeeId, OrgUnitId, ShiftId};
use ekinerja_domain::shift::ShiftHours;
use ekinerja_domain::{Code, Name, Nip};
use ekinerja_persistence::shift::{self as store, RosterDay, RosterLine, RosterOf, Shift};
use ekinerja_persistence::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::import::{line_errors, read_csv, require_csv};
use super::{created, query_month, utc};
use crate::call::Call;
use crate::error::{ApiError, Fields};
use crate::extract::Json;
use crate::state::db;

/// A unit's shift.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftView {
    #[schema(value_type = String, format = Uuid)]
    pub id: ShiftId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    /// The unit; its sub-units roster the shift too.
    #[schema(value_type = String, format = Uuid)]
    pub org_unit_id: OrgUnitId,
    /// What a roster cell says.
    #[schema(example = "M")]
    pub code: String,
    #[schema(example = "Dinas malam")]
    pub name: String,
    /// `HH:MM`, in the agency's time zone.
    #[schema(example = "21:00")]
    pub starts_at: String,
    /// `HH:MM`; at or before `starts_at` it falls on the next date (equal: 24 hours).
    #[schema(example = "07:00")]
    pub ends_at: String,
    /// Whether the shift ends on the date after it starts.
    pub crosses_midnight: bool,
    /// Its length.
    #[schema(example = 600)]
    pub minutes: i64,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<Shift> for ShiftView {
    type Error = ApiError;

    fn try_from(s: Shift) -> Result<Self, ApiError> {
        let hours = s.hours()?;
        Ok(ShiftView {
            id: s.id,
            agency_id: s.agency_id,
            org_unit_id: s.org_unit_id,
            code: s.code,
            name: s.name,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            crosses_midnight: hours.crosses_midnight(),
            minutes: hours.minutes(),
            created_at: utc(s.created_at),
        })
    }
}

/// The agency's shifts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftList {
    /// By unit, then code.
    pub items: Vec<ShiftView>,
}

/// A shift to define.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShiftBody {
    /// Required for a platform admin; the admin's own agency otherwise.
    pub agency_id: Option<Uuid>,
    /// The unit whose shift it is (its sub-units roster it too).
    pub org_unit_id: Uuid,
    /// Letters, digits, `-`, `_`, `.`; unique in the unit.
    #[schema(example = "M", min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    #[schema(pattern = "^[A-Za-z0-9._-]+$")]
    pub code: String,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        example = "Dinas malam",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    /// `HH:MM`.
    #[schema(example = "21:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub starts_at: String,
    /// `HH:MM`; at or before `starts_at` it falls on the next date (equal: a 24-hour shift).
    #[schema(example = "07:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub ends_at: String,
}

/// Which shifts to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ShiftQuery {
    /// Platform admins only: the agency.
    pub agency_id: Option<Uuid>,
    /// One unit's shifts only.
    pub org_unit_id: Option<Uuid>,
}

fn time_of(f: &mut Fields, field: &'static str, text: &str) -> Option<NaiveTime> {
    f.check(field, super::daily_log::time(text))
}

/// Defines a shift.
#[utoipa::path(post, path = "/api/v1/shifts", tag = "rosters", operation_id = "create_shift",
    summary = "Define a shift of a unit",
    description = "A shift belongs to the date it starts and may end on the next (a night shift 21:00–07:00). \
        Its hours are fixed once defined: a roster already judged against it keeps its meaning; define another \
        shift for other hours.",
    request_body = NewShiftBody,
    responses(
        (status = 201, description = "Defined", body = ShiftView, headers(("location" = String, description = "URL of the shift"))),
        crate::openapi::AdminOnly,
        (status = 409, description = "The unit already has a shift with this code", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(call: Call, body: Json<NewShiftBody>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency = call.agency_to_write(b.agency_id, ekinerja_domain::access::Area::Structure).await?;
    let mut f = Fields::new();
    let code = f.check("code", Code::parse(&b.code));
    let name = f.check("name", Name::parse(&b.name));
    let start = time_of(&mut f, "starts_at", &b.starts_at);
    let end = time_of(&mut f, "ends_at", &b.ends_at);
    f.finish()?;
    let (Some(code), Some(name), Some(start), Some(end)) = (code, name, start, end) else {
        return Err(ApiError::field(Field::whole(), "not a valid shift"));
    };
    let hours = ShiftHours::new(start, end).map_err(|e| ApiError::field("starts_at", e.to_string()))?;
    let new = store::NewShift { org_unit_id: b.org_unit_id, code, name, hours };
    let row = call.write(move |conn, change| store::create(conn, change, agency, new)).await?;
    let id = row.id;
    Ok(created(format!("/api/v1/shifts/{id}"), &ShiftView::try_from(row)?))
}

/// Lists shifts.
#[utoipa::path(get, path = "/api/v1/shifts", tag = "rosters", operation_id = "list_shifts",
    summary = "The agency's shifts (or one unit's)", params(ShiftQuery),
    responses((status = 200, description = "By unit, then code", body = ShiftList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<ShiftQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let agency = call.agency(q.agency_id)?;
    let rows = call.read(move |conn, caller| store::list(conn, caller, agency, q.org_unit_id)).await?;
    let items = rows.into_iter().map(ShiftView::try_from).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(ShiftList { items }))
}

/// Reads a shift.
#[utoipa::path(get, path = "/api/v1/shifts/{id}", tag = "rosters", operation_id = "get_shift",
    summary = "Read a shift", params(("id" = Uuid, Path, description = "Shift id")),
    responses(
        (status = 200, description = "The shift", body = ShiftView),
        (status = 404, description = "No such shift in the caller's agency", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.read(move |conn, caller| store::get(conn, caller, id)).await?;
    Ok(HttpResponse::Ok().json(ShiftView::try_from(row)?))
}

/// One date of one employee's roster.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterDayView {
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    pub date: NaiveDate,
    /// `null`: a day off.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub shift_id: Option<ShiftId>,
    pub updated_at: DateTime<Utc>,
}

impl From<RosterDay> for RosterDayView {
    fn from(d: RosterDay) -> Self {
        RosterDayView {
            employee_id: d.employee_id,
            date: d.roster_date,
            shift_id: d.shift_id,
            updated_at: utc(d.updated_at),
        }
    }
}

/// Roster entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterList {
    /// By employee, then date. A date without an entry is a day off where the unit works by roster.
    pub items: Vec<RosterDayView>,
}

/// One date to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterEntryBody {
    pub employee_id: Uuid,
    pub date: NaiveDate,
    /// A shift of the employee's unit or of a unit above it; `null` for a day off.
    pub shift_id: Option<Uuid>,
}

/// Dates of rosters to set, all or nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRoster {
    /// Required for a platform admin; the caller's own agency otherwise.
    pub agency_id: Option<Uuid>,
    /// 1 to 2,000 dates.
    #[schema(min_items = 1, max_items = 2000)]
    pub entries: Vec<RosterEntryBody>,
}

/// The most dates one request sets.
const MAX_ENTRIES: usize = 2000;

/// The month of a roster to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RosterMonth {
    /// The month, `YYYY-MM`.
    #[param(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$", example = "2026-12")]
    pub month: String,
}

/// Sets roster dates.
#[utoipa::path(put, path = "/api/v1/rosters", tag = "rosters", operation_id = "set_roster",
    summary = "Set employees' rosters date by date, all or nothing",
    description = "Each entry sets one employee's date to a shift or a day off, replacing what was there. The \
        employee's unit must work by roster on the date (its schedule is `rostered`). A change to a date already \
        begun is kept in the audit trail. Discipline judges the new roster on its next read.",
    request_body = SetRoster,
    responses(
        (status = 200, description = "Set: the entries as stored", body = RosterList),
        (status = 403, description = "The caller may not set one of these rosters (the head of the employee's unit or the agency admin sets it)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An entry is refused (`errors` names it as `#/entries/{i}/{field}`); nothing was stored", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn set(call: Call, body: Json<SetRoster>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    call.may_write_some(ekinerja_domain::access::Area::Roster).await?;
    if b.entries.is_empty() || b.entries.len() > MAX_ENTRIES {
        return Err(ApiError::field("entries", format!("give 1 to {MAX_ENTRIES} entries")));
    }
    let agency = call.agency(b.agency_id)?;
    let entries: Vec<store::RosterSet> = b
        .entries
        .into_iter()
        .map(|e| store::RosterSet { employee_id: e.employee_id, date: e.date, shift_id: e.shift_id })
        .collect();
    let now = call.state.now();
    let days = call.write(move |conn, change| store::set(conn, change, agency, &entries, now)).await?;
    Ok(HttpResponse::Ok().json(RosterList { items: days.into_iter().map(RosterDayView::from).collect() }))
}

/// Reads an employee's roster for a month.
#[utoipa::path(get, path = "/api/v1/employees/{id}/roster", tag = "rosters", operation_id = "get_employee_roster",
    summary = "An employee's roster of a month",
    params(("id" = Uuid, Path, description = "Employee id"), RosterMonth),
    responses(
        (status = 200, description = "The entries of the month", body = RosterList),
        (status = 404, description = "No such employee, or one the caller may not read", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn of_employee(
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<RosterMonth>,
) -> Result<HttpResponse, ApiError> {
    read(call, RosterOf::Employee(id.into_inner()), &q.month).await
}

/// Reads a unit's roster for a month.
#[utoipa::path(get, path = "/api/v1/org-units/{id}/roster", tag = "rosters", operation_id = "get_org_unit_roster",
    summary = "The roster of everyone of a unit and its sub-units, for a month",
    params(("id" = Uuid, Path, description = "Org unit id"), RosterMonth),
    responses(
        (status = 200, description = "The entries of the month", body = RosterList),
        (status = 404, description = "No such unit, or one the caller may not read", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn of_unit(call: Call, id: web::Path<Uuid>, q: web::Query<RosterMonth>) -> Result<HttpResponse, ApiError> {
    read(call, RosterOf::Unit(id.into_inner()), &q.month).await
}

async fn read(call: Call, of: RosterOf, month: &str) -> Result<HttpResponse, ApiError> {
    let first = query_month(month)?;
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let (from, to) = (first, next.pred_opt().unwrap_or(first));
    let now = call.state.now();
    let days = call.read(move |conn, caller| store::read(conn, caller, of, from, to, now)).await?;
    Ok(HttpResponse::Ok().json(RosterList { items: days.into_iter().map(RosterDayView::from).collect() }))
}

/// The month a roster file is for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RosterImportQuery {
    /// `YYYY-MM`: the day columns are its days.
    #[param(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$", example = "2026-12")]
    pub month: String,
    /// Check everything and store nothing.
    pub dry_run: Option<bool>,
    /// Platform admins only: the agency.
    pub agency_id: Option<Uuid>,
}

/// A refused cell or line of a roster file.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterLineError {
    /// Line number in the file; the header is line 1.
    pub line: u64,
    /// `nip`, or the day of the month.
    pub column: String,
    pub detail: String,
}

/// What a roster import did, or (dry run) would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterImportView {
    pub dry_run: bool,
    /// Employees in the file.
    pub employees: usize,
    /// Dates set to something new (a dry run: dates the file sets).
    pub days_changed: usize,
    /// Every refused cell; when not empty, nothing was stored.
    pub errors: Vec<RosterLineError>,
}

/// The lines a roster file holds at most (an OPD's staff, with room to spare).
const MAX_LINES: usize = 5000;

/// Splits a roster file into lines and per-line errors.
fn parse_roster(bytes: &[u8], first: NaiveDate) -> Result<(Vec<RosterLine>, Vec<store::LineError>), ApiError> {
    let file = read_csv(bytes, &["nip"])?;
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let days_in_month = next.pred_opt().map_or(31, |d| d.day());
    // The day columns: 1 to the month's last day; `nama`/`name` and other text columns are
    // ignored, but a number that is no day of the month is refused whole.
    let mut days: Vec<(usize, NaiveDate)> = Vec::new();
    let mut bad_columns = Vec::new();
    for (i, h) in file.headers.iter().enumerate() {
        let column = Field::named("columns").key(h);
        match h.parse::<u32>() {
            _ if matches!(h.as_str(), "nip" | "nama" | "name") => {}
            Ok(n) => match first.with_day(n).filter(|_| n <= days_in_month) {
                Some(date) if days.iter().any(|(_, d)| *d == date) => {
                    bad_columns.push(FieldError::new(column, format!("day {n} has two columns")))
                }
                Some(date) => days.push((i, date)),
                None => bad_columns.push(FieldError::new(column, format!("{} has no day {n}", first.format("%Y-%m")))),
            },
            Err(_) => bad_columns.push(FieldError::new(
                column,
                "not a column of a roster file: nip, nama, then one per day named 1 to 31",
            )),
        }
    }
    if !bad_columns.is_empty() {
        return Err(ApiError::Validation(bad_columns));
    }
    if days.is_empty() {
        return Err(ApiError::field(Field::named("columns"), "no day columns: name them 1, 2, … 31"));
    }
    if file.records.len() > MAX_LINES {
        return Err(ApiError::field("lines", format!("at most {MAX_LINES} lines a file")));
    }
    let nip_col = file.col("nip").unwrap_or(0);
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (line, record) in &file.records {
        let line = *line;
        let bad = |column: &str, detail: String| store::LineError { line, column: column.to_owned(), detail };
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(bad("nip", e.clone()));
                continue;
            }
        };
        // A line cut short would set its last days to days off: refused instead.
        if record.len() < file.headers.len() {
            errors.push(bad(
                "nip",
                format!("the line has {} cells where the header has {}", record.len(), file.headers.len()),
            ));
            continue;
        }
        let nip = match Nip::parse(record.get(nip_col).unwrap_or("")) {
            Ok(n) => n,
            Err(e) => {
                errors.push(bad("nip", e.to_string()));
                continue;
            }
        };
        let mut cells = Vec::with_capacity(days.len());
        for (i, date) in &days {
            let cell = record.get(*i).unwrap_or("");
            match cell {
                "" | "-" => cells.push((*date, None)),
                code => match Code::parse(code) {
                    Ok(c) => cells.push((*date, Some(c.into_inner()))),
                    Err(e) => errors.push(bad(&date.day().to_string(), format!("not a shift code: {e}"))),
                },
            }
        }
        lines.push(RosterLine { line, nip, cells });
    }
    Ok((lines, errors))
}

/// Imports a month's roster file.
#[utoipa::path(post, path = "/api/v1/rosters/import", tag = "rosters", operation_id = "import_roster",
    summary = "Import a month's roster (CSV), all or nothing",
    description = "One line per employee: `nip`, then a column per day of the month named by its number (`1` … `31`); \
        other columns (such as `nama`) are ignored. A cell holds a shift code of the employee's unit (or of a unit \
        above it), or is empty or `-` for a day off. Each day column given replaces the employee's entry for that \
        date; days without a column keep theirs. One bad cell stores nothing, and every bad cell is named.",
    params(RosterImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file, UTF-8, header row first",
        example = json!("nip,nama,1,2,3\n199003152015031002,Budi Santoso,P,S,-\n")),
    responses(
        (status = 200, description = "Imported, or (dry run) what would be imported with every refused cell", body = RosterImportView),
        (status = 422, description = "Some cells are refused (`errors` names each as `#/lines/{line}/{column}`); nothing was stored", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn import(
    call: Call,
    req: HttpRequest,
    q: web::Query<RosterImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_csv(&req)?;
    call.may_write_some(ekinerja_domain::access::Area::Roster).await?;
    let q = q.into_inner();
    let first = query_month(&q.month)?;
    let agency = call.agency(q.agency_id)?;
    let dry_run = q.dry_run.unwrap_or(false);
    let (lines, errors) = parse_roster(&body, first)?;
    let now = call.state.now();
    let report = db(&call.state, {
        let change = call.change();
        move |conn| store::import(conn, &change, agency, lines, errors, dry_run, now)
    })
    .await?;
    if !dry_run && !report.errors.is_empty() {
        return Err(line_errors(report.errors.iter().map(|e| (e.line, e.column.as_str(), e.detail.as_str()))));
    }
    Ok(HttpResponse::Ok().json(RosterImportView {
        dry_run: report.dry_run,
        employees: report.employees,
        days_changed: report.days_changed,
        errors: report
            .errors
            .into_iter()
            .map(|e| RosterLineError { line: e.line, column: e.column, detail: e.detail })
            .collect(),
    }))
}
