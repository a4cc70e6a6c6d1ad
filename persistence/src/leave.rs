//! Leave requests (issue 21, workforce.md): asked for by the employee, recommended by the direct
//! supervisor, approved by the head of the employee's OPD (or by the supervisor alone where the
//! agency's policy says one step). Approval records the absence that excuses the days, in the
//! same transaction; cancelling an approved request cancels that absence, so its days are judged
//! on the attendance events again. Who holds each step is the access rule's answer.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area, Reach, Standing, Subject};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AbsenceId, AccountId, AgencyId, EmployeeId, LeaveRequestId, OrgUnitId};
pub use ekinerja_domain::leave::AnnualBalance;
use ekinerja_domain::leave::{
    AnnualLeavePolicy, LeaveApproval, LeaveError, LeaveKind, LeaveRights, LeaveStatus, LeaveStep, YearOfLeave,
};
use ekinerja_domain::{Caller, Description};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{agencies, leave_requests};
use crate::{access, audit, Change, DbConnection, Page, PageRequest, StoreError};

/// A stored leave request.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = leave_requests, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct LeaveRequest {
    #[diesel(serialize_as = crate::key::Bind<LeaveRequestId>)]
    pub id: LeaveRequestId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<EmployeeId>)]
    pub employee_id: EmployeeId,
    #[diesel(serialize_as = crate::word::Bind<LeaveKind>)]
    pub kind: LeaveKind,
    pub starts_on: NaiveDate,
    /// The last day, inclusive.
    pub ends_on: NaiveDate,
    /// A permission's window of its day, local `HH:MM`.
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    /// Working days of the employee's schedule in the span, holidays left out, when asked for.
    pub working_days: i32,
    pub reason: String,
    #[diesel(serialize_as = crate::word::Bind<LeaveStatus>)]
    pub status: LeaveStatus,
    #[diesel(serialize_as = crate::key::Bind<AccountId>)]
    pub requested_by_account_id: AccountId,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub recommended_by_account_id: Option<AccountId>,
    pub recommended_at: Option<NaiveDateTime>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub decided_by_account_id: Option<AccountId>,
    pub decided_at: Option<NaiveDateTime>,
    pub refusal_reason: Option<String>,
    /// The absence that excuses the days, while approved (and after, cancelled with it).
    #[diesel(serialize_as = crate::key::BindOption<AbsenceId>)]
    pub absence_id: Option<AbsenceId>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Leave to ask for, already validated in shape.
#[derive(Debug, Clone)]
pub struct NewLeaveRequest {
    /// Whose leave: the caller's own when `None`.
    pub employee_id: Option<Uuid>,
    pub kind: LeaveKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// A permission's window of its day (local times), and nothing else's.
    pub window: Option<(NaiveTime, NaiveTime)>,
    pub reason: Description,
    /// Files uploaded before (`/api/v1/files`) by the employee: a doctor's letter for sick leave
    /// of 2 to 14 days.
    pub attachment_file_ids: Vec<Uuid>,
}

/// A request with what the caller may do to it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub request: LeaveRequest,
    pub rights: LeaveRights,
}

/// The statuses that hold their days.
const LIVE: [LeaveStatus; 3] = [LeaveStatus::Requested, LeaveStatus::Recommended, LeaveStatus::Approved];

/// The subject of the access rule for `employee`'s request, with the agency's approval policy.
pub(crate) fn subject(conn: &mut DbConnection, agency: AgencyId, employee: EmployeeId) -> Result<Subject, StoreError> {
    Ok(Subject::LeaveRequest { agency: agency.uuid(), employee: employee.uuid(), one_step: one_step(conn, agency)? })
}

/// Whether the agency's policy lets the direct supervisor approve leave alone.
pub(crate) fn one_step(conn: &mut DbConnection, agency: AgencyId) -> Result<bool, StoreError> {
    let policy: LeaveApproval =
        agencies::table.find(crate::key::bind(agency)).select(agencies::leave_approval).first(conn)?;
    Ok(policy == LeaveApproval::OneStep)
}

/// Tells the agency's subscribers that a request was decided (recommended, approved, refused or
/// cancelled). Call inside the transaction of the decision.
fn notify_decided(conn: &mut DbConnection, change: &Change, r: &LeaveRequest) -> Result<(), StoreError> {
    let note = serde_json::json!({
        "leave_request_id": r.id, "employee_id": r.employee_id, "kind": r.kind,
        "starts_on": r.starts_on, "ends_on": r.ends_on, "status": r.status, "reason": r.refusal_reason,
    });
    crate::webhook::enqueue(conn, change, r.agency_id, crate::webhook::EventType::LeaveDecided, &note)
}

/// What the rule gives the caller on a request, from how they stand to it.
pub(crate) fn rights(s: &Standing) -> LeaveRights {
    LeaveRights {
        own: s.allows(Area::LeaveRequest, Access::Write),
        recommend: s.allows(Area::LeaveRecommend, Access::Write),
        approve: s.allows(Area::LeaveApprove, Access::Write),
    }
}

/// Whether `employee` has a live leave request on any day of `starts_on..=ends_on`.
pub(crate) fn overlaps_live_request(
    conn: &mut DbConnection,
    employee: EmployeeId,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> Result<bool, StoreError> {
    let n: i64 = leave_requests::table
        .filter(leave_requests::employee_id.eq(crate::key::bind(employee)))
        .filter(leave_requests::status.eq_any(LIVE.map(crate::word::bind)))
        .filter(leave_requests::starts_on.le(ends_on))
        .filter(leave_requests::ends_on.ge(starts_on))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Asks for leave: the employee for themself (or the agency admin on their behalf). Refused when
/// the span is too long for the kind, holds no working day of the employee's schedule, or
/// overlaps a live request or recorded leave or travel.
pub fn request(
    conn: &mut DbConnection,
    change: &Change,
    new: NewLeaveRequest,
    now: DateTime<Utc>,
) -> Result<LeaveRequest, StoreError> {
    let NewLeaveRequest { employee_id, kind, starts_on, ends_on, window, reason, attachment_file_ids } = new;
    if let Some(why) = kind.span_refusal(starts_on, ends_on, !attachment_file_ids.is_empty()) {
        return Err(StoreError::invalid("ends_on", why));
    }
    match window {
        None if kind.has_window() => {
            return Err(StoreError::invalid("starts_at", "a permission names its window: starts_at and ends_at"))
        }
        Some(_) if !kind.has_window() => {
            return Err(StoreError::invalid("starts_at", "only a permission has a window; other leave is whole days"))
        }
        Some((from, until)) if from >= until => {
            return Err(StoreError::invalid("ends_at", "must be after starts_at, on the same day"))
        }
        _ => {}
    }
    let Some(employee_id) = employee_id.or(change.caller.employee_id) else {
        return Err(StoreError::invalid("employee_id", "name the employee: this account has no employee record"));
    };
    crate::db::write(conn, |conn| {
        let employee = crate::employee::get(conn, &change.caller, employee_id, now).map_err(|e| match e {
            StoreError::NotFound => StoreError::invalid("employee_id", "no such employee"),
            other => other,
        })?;
        let subject = subject(conn, employee.agency_id, employee.id)?;
        let (standing, chart) = access::standing(conn, &change.caller, subject, now)?;
        access::decision_to_result(standing.decide(Area::LeaveRequest, Access::Write))?;
        if chart.unit_of(employee.id.uuid()).is_none() {
            return Err(StoreError::invalid(
                "employee_id",
                "the employee holds no post, so no supervisor can decide their leave: appoint them first",
            ));
        }
        crate::db::lock_row(conn, crate::db::LockTable::Employees, employee.id)?;
        if overlaps_live_request(conn, employee.id, starts_on, ends_on)? {
            return Err(StoreError::Conflict("the span overlaps another leave request of the employee".into()));
        }
        if crate::calendar::overlaps_absence(conn, employee.id, starts_on, ends_on)? {
            return Err(StoreError::Conflict("the span overlaps leave or travel already recorded".into()));
        }
        let unit = chart.unit_of(employee.id.uuid()).map(OrgUnitId::from);
        let mut calendar = crate::discipline::UnitCalendar::load(conn, employee.agency_id.uuid(), starts_on, ends_on)?;
        let before = starts_on.checked_sub_days(Days::new(1)).unwrap_or(starts_on);
        let after = ends_on.checked_add_days(Days::new(1)).unwrap_or(ends_on);
        let shifts: HashSet<NaiveDate> =
            crate::shift::rostered(conn, employee.agency_id, Some(&[employee.id]), starts_on, ends_on)?
                .into_keys()
                .map(|(_, d)| d)
                .collect();
        let working_days = calendar.working_days_of(unit, &shifts, before, after);
        if working_days == 0 {
            return Err(StoreError::invalid(
                "starts_on",
                "the span holds no working day of the employee's schedule (days off and holidays are not leave)",
            ));
        }
        let working_days = i32::try_from(working_days).unwrap_or(i32::MAX);
        if kind == LeaveKind::Annual {
            check_annual(conn, &employee, starts_on, ends_on, working_days)?;
        }
        if kind == LeaveKind::LongService {
            let nip = ekinerja_domain::Nip::parse(&employee.nip).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let from = ekinerja_domain::leave::long_service_from(nip.appointed_on());
            if starts_on < from {
                return Err(StoreError::invalid(
                    "starts_on",
                    format!("long-service leave may be taken after five years of service, from {from}"),
                ));
            }
        }
        let row = LeaveRequest {
            id: crate::key::new(),
            agency_id: employee.agency_id,
            employee_id: employee.id,
            kind,
            starts_on,
            ends_on,
            window_start: window.map(|(s, _)| s.format("%H:%M").to_string()),
            window_end: window.map(|(_, e)| e.format("%H:%M").to_string()),
            working_days,
            reason: reason.as_str().to_owned(),
            status: LeaveStatus::Requested,
            requested_by_account_id: AccountId::from(change.caller.account_id),
            recommended_by_account_id: None,
            recommended_at: None,
            decided_by_account_id: None,
            decided_at: None,
            refusal_reason: None,
            absence_id: None,
            version: 1,
            created_at: change.at,
            updated_at: change.at,
        };
        let files = crate::evidence::claim(conn, employee.id, &attachment_file_ids, "attachment_file_ids")?;
        diesel::insert_into(leave_requests::table).values(row.clone()).execute(conn)?;
        crate::evidence::attach(conn, crate::evidence::Proves::Leave(row.id), &files)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::LeaveRequest,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row)
    })
}

/// Refuses annual leave before a year of service, across two years, or beyond what remains of
/// the year's balance (pending requests counted).
fn check_annual(
    conn: &mut DbConnection,
    employee: &crate::employee::Employee,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    working_days: i32,
) -> Result<(), StoreError> {
    if starts_on.year() != ends_on.year() {
        return Err(StoreError::invalid(
            "ends_on",
            "annual leave is asked for within one year: ask for each year's days",
        ));
    }
    let b = annual_balance(conn, employee, starts_on.year())?;
    if starts_on < b.eligible_from {
        return Err(StoreError::invalid(
            "starts_on",
            format!("annual leave may be taken after a year of service, from {}", b.eligible_from),
        ));
    }
    if working_days > b.remaining_days {
        return Err(StoreError::invalid(
            "ends_on",
            format!(
                "{working_days} working days of annual leave asked for, {} remain of {} for {} ({} approved, {} waiting)",
                b.remaining_days, b.available_days, b.year, b.approved_days, b.pending_days
            ),
        ));
    }
    Ok(())
}

/// An employee's annual-leave balance of `year`, from their requests of that year and the two
/// before (approved and waiting), and their appointment in the NIP.
fn annual_balance(
    conn: &mut DbConnection,
    employee: &crate::employee::Employee,
    year: i32,
) -> Result<AnnualBalance, StoreError> {
    let nip = ekinerja_domain::Nip::parse(&employee.nip).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let from = NaiveDate::from_ymd_opt(year - 2, 1, 1).ok_or_else(|| StoreError::invalid("year", "out of range"))?;
    let to = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| StoreError::invalid("year", "out of range"))?;
    let rows: Vec<(LeaveKind, LeaveStatus, NaiveDate, i32)> = leave_requests::table
        .filter(leave_requests::employee_id.eq(crate::key::bind(employee.id)))
        .filter(leave_requests::kind.eq_any([LeaveKind::Annual, LeaveKind::LongService].map(crate::word::bind)))
        .filter(leave_requests::status.eq_any(LIVE.map(crate::word::bind)))
        .filter(leave_requests::starts_on.between(from, to))
        .select((leave_requests::kind, leave_requests::status, leave_requests::starts_on, leave_requests::working_days))
        .load(conn)?;
    let mut history = [YearOfLeave::default(); 3];
    for (kind, status, starts_on, days) in rows {
        let Some(y) = usize::try_from(starts_on.year() - (year - 2)).ok().and_then(|i| history.get_mut(i)) else {
            continue;
        };
        match (kind, status) {
            (LeaveKind::LongService, LeaveStatus::Approved) => y.long_service = true,
            (LeaveKind::Annual, LeaveStatus::Approved) => y.approved_days += days,
            (LeaveKind::Annual, _) => y.pending_days += days,
            _ => {}
        }
    }
    Ok(AnnualLeavePolicy::default().balance(nip.appointed_on(), year, history))
}

/// The caller's own annual-leave balance of `year` (this year in the agency's time zone when
/// `None`).
pub fn my_balance(
    conn: &mut DbConnection,
    caller: &Caller,
    year: Option<i32>,
    now: DateTime<Utc>,
) -> Result<AnnualBalance, StoreError> {
    let (Some(me), Some(agency)) = (caller.employee_id, caller.agency_id) else {
        return Err(StoreError::Forbidden(
            "a leave balance is an employee's: this account has no employee record".into(),
        ));
    };
    let employee = crate::employee::get(conn, caller, me, now)?;
    let year = match year {
        Some(y) => y,
        None => crate::chart::agency_today(conn, agency, now)?.year(),
    };
    annual_balance(conn, &employee, year)
}

/// Reads a request the caller may see (404 otherwise), with what they may do to it.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid, now: DateTime<Utc>) -> Result<Seen, StoreError> {
    let request: LeaveRequest = leave_requests::table
        .find(crate::key::bind(LeaveRequestId::from(id)))
        .select(LeaveRequest::as_select())
        .first(conn)?;
    let subject = subject(conn, request.agency_id, request.employee_id)?;
    let (standing, _) = access::standing(conn, caller, subject, now)?;
    access::decision_to_result(standing.decide(Area::LeaveRequest, Access::Read))?;
    Ok(Seen { rights: rights(&standing), request })
}

/// Takes `step` on a request the caller saw at `seen` (its version). Approval records the
/// absence that excuses the days; cancelling an approved request cancels it.
pub fn step(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    seen: i32,
    step: LeaveStep,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<LeaveRequest, StoreError> {
    crate::db::write(conn, |conn| {
        let Seen { request: before, rights } = get(conn, &change.caller, id, now)?;
        let next = before.status.apply(step, rights, reason.as_deref()).map_err(|e| match e {
            LeaveError::NotYours(_) => StoreError::Forbidden(e.to_string()),
            LeaveError::ReasonRequired => StoreError::invalid("reason", e.to_string()),
            LeaveError::WrongState(..) => StoreError::Conflict(e.to_string()),
        })?;
        if before.version != seen {
            return Err(StoreError::Stale);
        }
        crate::db::lock_row(conn, crate::db::LockTable::Employees, before.employee_id)?;
        let mut after = before.clone();
        after.status = next;
        after.version += 1;
        after.updated_at = change.at;
        let by = Some(AccountId::from(change.caller.account_id));
        match next {
            LeaveStatus::Recommended => {
                after.recommended_by_account_id = by;
                after.recommended_at = Some(change.at);
            }
            LeaveStatus::Approved => {
                if before.status == LeaveStatus::Requested {
                    // Whoever holds both steps took them at once.
                    after.recommended_by_account_id = by;
                    after.recommended_at = Some(change.at);
                }
                after.decided_by_account_id = by;
                after.decided_at = Some(change.at);
                // Whole days are recorded as leave or travel; a permission's window is read by
                // discipline from the approved request itself.
                if let Some(kind) = before.kind.absence() {
                    let employee = crate::employee::row(conn, before.employee_id)?;
                    let note = format!("leave request {} ({})", before.id, before.kind);
                    let absence = crate::calendar::insert_absence(
                        conn,
                        change,
                        &employee,
                        kind,
                        (before.starts_on, before.ends_on),
                        Some(note),
                    )?;
                    after.absence_id = Some(absence.id);
                }
            }
            LeaveStatus::Refused => {
                after.decided_by_account_id = by;
                after.decided_at = Some(change.at);
                after.refusal_reason = reason.map(|r| r.trim().to_owned());
            }
            LeaveStatus::Cancelled => {
                if let Some(absence) = before.absence_id {
                    let row = crate::calendar::load_absence(conn, absence)?;
                    crate::calendar::cancel_row(conn, change, row)?;
                }
            }
            LeaveStatus::Requested => {}
        }
        let n = diesel::update(leave_requests::table.find(crate::key::bind(after.id)))
            .filter(leave_requests::version.eq(before.version))
            .set(after.clone())
            .execute(conn)?;
        if n != 1 {
            return Err(StoreError::Stale);
        }
        let action = match step {
            LeaveStep::Recommend if next == LeaveStatus::Approved => AuditAction::Approve,
            LeaveStep::Recommend => AuditAction::Recommend,
            LeaveStep::Approve => AuditAction::Approve,
            LeaveStep::Refuse => AuditAction::Refuse,
            LeaveStep::Cancel => AuditAction::Cancel,
        };
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            action,
            AuditEntity::LeaveRequest,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        notify_decided(conn, change, &after)?;
        Ok(after)
    })
}

/// When the agency admin cancels an absence that an approved request recorded, the request is
/// cancelled with it (inside the admin's transaction).
pub(crate) fn cancel_for_absence(
    conn: &mut DbConnection,
    change: &Change,
    absence: AbsenceId,
) -> Result<(), StoreError> {
    let rows: Vec<LeaveRequest> = leave_requests::table
        .filter(leave_requests::absence_id.eq(crate::key::bind(absence)))
        .filter(leave_requests::status.eq(crate::word::bind(LeaveStatus::Approved)))
        .select(LeaveRequest::as_select())
        .load(conn)?;
    for before in rows {
        let after = LeaveRequest {
            status: LeaveStatus::Cancelled,
            version: before.version + 1,
            updated_at: change.at,
            ..before.clone()
        };
        diesel::update(leave_requests::table.find(crate::key::bind(after.id))).set(after.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Cancel,
            AuditEntity::LeaveRequest,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        notify_decided(conn, change, &after)?;
    }
    Ok(())
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct LeaveFilter {
    /// One employee's requests.
    pub employee_id: Option<Uuid>,
    pub status: Option<LeaveStatus>,
    /// Only those waiting for the caller's recommendation or approval (what `/me/tasks` counts).
    pub awaiting_me: bool,
}

/// The requests the caller may read (their own, their people's, or the agency's for those who
/// read it whole), by id.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &LeaveFilter,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<LeaveRequest>, StoreError> {
    let Some(agency) = caller.agency_id else { return Ok(Page::empty()) };
    if filter.awaiting_me {
        let mut rows: Vec<LeaveRequest> = crate::tasks::leave_awaiting(conn, caller, now)?
            .into_iter()
            .map(|(r, _)| r)
            .filter(|r| filter.employee_id.is_none_or(|e| r.employee_id == e))
            .filter(|r| filter.status.is_none_or(|s| r.status == s))
            .filter(|r| page.after.is_none_or(|a| r.id.uuid() > a))
            .collect();
        rows.sort_by_key(|r| r.id);
        rows.truncate(usize::try_from(page.limit + 1).unwrap_or(usize::MAX));
        return Ok(Page::from_rows(rows, page.limit, |r| &r.id));
    }
    let mut q = leave_requests::table
        .select(LeaveRequest::as_select())
        .filter(leave_requests::agency_id.eq(crate::key::bind(AgencyId::from(agency))))
        .into_boxed::<crate::db::Backend>();
    match access::reach(conn, caller, agency, &[Area::LeaveRequest], now)? {
        Reach::Agency => {}
        Reach::Employees(set) => {
            let ids: Vec<EmployeeId> = set.into_iter().map(EmployeeId::from).collect();
            q = q.filter(leave_requests::employee_id.eq_any(crate::key::binds(ids)));
        }
    }
    if let Some(e) = filter.employee_id {
        q = q.filter(leave_requests::employee_id.eq(crate::key::bind(EmployeeId::from(e))));
    }
    if let Some(s) = filter.status {
        q = q.filter(leave_requests::status.eq(crate::word::bind(s)));
    }
    if let Some(after) = &page.after {
        q = q.filter(leave_requests::id.gt(crate::key::bind(LeaveRequestId::from(*after))));
    }
    let rows = q.order(leave_requests::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// The agency's requests waiting for someone's decision (requested or recommended).
pub(crate) fn waiting(conn: &mut DbConnection, agency: Uuid) -> Result<Vec<LeaveRequest>, StoreError> {
    Ok(leave_requests::table
        .filter(leave_requests::agency_id.eq(crate::key::bind(AgencyId::from(agency))))
        .filter(
            leave_requests::status.eq_any([LeaveStatus::Requested, LeaveStatus::Recommended].map(crate::word::bind)),
        )
        .order((leave_requests::starts_on.asc(), leave_requests::id.asc()))
        .select(LeaveRequest::as_select())
        .load(conn)?)
}

/// Approved permissions' windows (from, until) by employee and day.
pub(crate) type PermissionWindows = std::collections::HashMap<(EmployeeId, NaiveDate), Vec<(NaiveTime, NaiveTime)>>;

/// The windows of approved permissions of an agency's employees (or of `employees`) from `from`
/// to `to`, by employee and day: what discipline excuses of those days.
pub(crate) fn permission_windows(
    conn: &mut DbConnection,
    agency: Uuid,
    employees: Option<&[EmployeeId]>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PermissionWindows, StoreError> {
    let mut q = leave_requests::table
        .filter(leave_requests::agency_id.eq(crate::key::bind(AgencyId::from(agency))))
        .filter(leave_requests::kind.eq(crate::word::bind(LeaveKind::Permission)))
        .filter(leave_requests::status.eq(crate::word::bind(LeaveStatus::Approved)))
        .filter(leave_requests::starts_on.between(from, to))
        .select((
            leave_requests::employee_id,
            leave_requests::starts_on,
            leave_requests::window_start,
            leave_requests::window_end,
        ))
        .into_boxed::<crate::db::Backend>();
    if let Some(ids) = employees {
        q = q.filter(leave_requests::employee_id.eq_any(crate::key::binds(ids.to_vec())));
    }
    let rows: Vec<(EmployeeId, NaiveDate, Option<String>, Option<String>)> = q.load(conn)?;
    let mut out = PermissionWindows::new();
    for (employee, day, start, end) in rows {
        let time = |t: Option<String>| {
            t.as_deref()
                .and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok())
                .ok_or_else(|| StoreError::Corrupt(format!("a permission's window on {day}: {t:?}")))
        };
        out.entry((employee, day)).or_default().push((time(start)?, time(end)?));
    }
    Ok(out)
}
