//! Daily logs: created one by one or in batches from phones that were offline, reviewed by the
//! direct supervisor, and fed back to the phone as a stream of changes.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area, Standing, Subject};
use ekinerja_domain::agreement::AgreementStatus;
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::daily_log::{check_date, check_day, Decision, EvidenceUrl, Location, LogError, LogStatus, Span};
use ekinerja_domain::id::{
    AgencyId, DailyLogId, EmployeeId, OrgUnitId, PlannedResultId, PositionActivityId, PositionId,
};
use ekinerja_domain::{Caller, Description, Name, TimeZone};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{agencies, agreements, daily_logs, employees, planned_results};
use crate::{access, audit, chart, Change, DbConnection, Page, PageRequest, StoreError};

mod load;
pub use load::{load, Load};

/// A stored daily log.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = daily_logs, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct DailyLog {
    #[diesel(serialize_as = crate::key::Bind<DailyLogId>)]
    pub id: DailyLogId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<EmployeeId>)]
    pub employee_id: EmployeeId,
    pub client_id: Option<String>,
    #[serde(skip)]
    pub client_hash: Option<String>,
    pub log_date: NaiveDate,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub duration_minutes: i32,
    pub description: String,
    pub output_quantity: i64,
    pub output_unit: Option<String>,
    pub evidence_url: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    #[diesel(serialize_as = crate::key::BindOption<PlannedResultId>)]
    pub planned_result_id: Option<PlannedResultId>,
    pub additional_duty: bool,
    #[diesel(serialize_as = crate::word::Bind<LogStatus>)]
    pub status: LogStatus,
    pub review_reason: Option<String>,
    #[diesel(serialize_as = crate::key::BindOption<EmployeeId>)]
    pub reviewed_by_employee_id: Option<EmployeeId>,
    pub reviewed_at: Option<chrono::NaiveDateTime>,
    pub change_seq: i64,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// The activity of the post's catalogue it performed, with its standard time (workforce.md).
    #[diesel(serialize_as = crate::key::BindOption<PositionActivityId>)]
    pub activity_id: Option<PositionActivityId>,
}

/// The span of a stored log.
/// A stored time or duration that does not read is a load error, never a day with less in it.
fn span_of(start: Option<&str>, end: Option<&str>, minutes: i32) -> Result<Span, StoreError> {
    let t = |s: Option<&str>| {
        s.map(|s| NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| StoreError::Corrupt(format!("a log's time {s:?}"))))
            .transpose()
    };
    let minutes = u32::try_from(minutes).map_err(|_| StoreError::Corrupt(format!("a log of {minutes} minutes")))?;
    Ok(Span { start: t(start)?, end: t(end)?, minutes })
}

/// What the log served: a planned result of the employee's own approved agreement, or an
/// additional duty (tugas tambahan).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serves {
    /// A planned result (tugas jabatan).
    Result(Uuid),
    /// An additional duty.
    AdditionalDuty,
}

/// A log as entered, already parsed.
#[derive(Debug, Clone)]
pub struct LogInput {
    pub date: NaiveDate,
    pub span: Span,
    pub description: Description,
    pub output_quantity: i64,
    pub output_unit: Option<Name>,
    pub evidence_url: Option<EvidenceUrl>,
    pub location: Option<Location>,
    pub serves: Serves,
    /// The activity of the post's catalogue it performed, where the employee names one: an
    /// activity of the post they held on the log's date.
    pub activity: Option<Uuid>,
}

/// A new log, with the mobile client's id where it has one.
#[derive(Debug, Clone)]
pub struct NewLog {
    /// The id the client gave it; a retry with the same id and content returns the stored log.
    pub client_id: Option<Uuid>,
    /// SHA-256 of the client's item, to tell a retry from a different log under the same id.
    pub client_hash: Option<String>,
    pub input: LogInput,
    /// Evidence files uploaded before (`/api/v1/files`), each the employee's own and proving no
    /// other log; the first with a position fills the log's location when it has none.
    pub evidence_file_ids: Vec<Uuid>,
}

/// A create's outcome.
#[derive(Debug, Clone)]
pub enum Created {
    /// Stored now.
    New(DailyLog),
    /// Stored before under the same client id, with the same content.
    Existing(DailyLog),
}

/// A rule of the log itself names its field; an overlap is a conflict with a log stored before.
fn log_error(e: LogError) -> StoreError {
    let pointer = match e {
        LogError::Overlap(..) => return StoreError::Conflict(e.to_string()),
        LogError::FutureDate | LogError::OutsideAgreement(..) => "date",
        LogError::OverCap { .. } => "duration_minutes",
        LogError::EndBeforeStart | LogError::HalfRange => "end_time",
        LogError::NoSpan | LogError::Duration | LogError::DurationMismatch(_) => "duration_minutes",
    };
    StoreError::invalid(pointer, e.to_string())
}

/// Hands out the employee's next change number. The row lock it takes orders the numbers as
/// the transactions commit, so a phone that read up to N never misses a later change below N.
fn next_seq(conn: &mut DbConnection, employee_id: EmployeeId) -> Result<i64, StoreError> {
    Ok(diesel::update(employees::table.find(crate::key::bind(employee_id)))
        .set(employees::log_change_seq.eq(employees::log_change_seq + 1))
        .returning(employees::log_change_seq)
        .get_result(conn)?)
}

/// Writes `after` over the stored log, provided it is still the version `before` was read at. The
/// read takes no lock: of two transactions that read the same version (two reviewers, or a review
/// and an edit), the second to write waits for the first and then finds no row of that version,
/// so it is [`StoreError::Stale`] instead of deciding a log it never saw, and the log's day is
/// never counted twice.
fn store_over(conn: &mut DbConnection, before: &DailyLog, after: &DailyLog) -> Result<(), StoreError> {
    let written = diesel::update(
        daily_logs::table.find(crate::key::bind(before.id)).filter(daily_logs::version.eq(before.version)),
    )
    .set(after.clone())
    .execute(conn)?;
    if written == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale)
    }
}

/// Agencies' time zone, daily cap, closed evaluation periods and whether the top official's logs
/// are accepted on submission, read once per transaction.
type Policies = std::collections::HashMap<AgencyId, Policy>;
/// An agency's time zone, daily cap, closed evaluation periods and whether the top official's
/// logs are accepted on submission.
type Policy = (TimeZone, i32, Vec<(NaiveDate, NaiveDate)>, bool);

/// The status a log takes when submitted (created or corrected): accepted at once for the top
/// official where the agency's policy says so (no one else could review it but the agency admin),
/// submitted for review otherwise. Call after [`check`], which reads the policy.
fn on_submission(
    conn: &mut DbConnection,
    policies: &Policies,
    agency_id: AgencyId,
    employee_id: EmployeeId,
    now: DateTime<Utc>,
) -> Result<LogStatus, StoreError> {
    if !policies.get(&agency_id).is_some_and(|p| p.3) {
        return Ok(LogStatus::Submitted);
    }
    let (agency, employee) = (agency_id.uuid(), employee_id.uuid());
    let chart = chart::load_upward(conn, agency, employee, now)?;
    Ok(if ekinerja_domain::access::top_of_chain(&chart, employee) { LogStatus::Accepted } else { LogStatus::Submitted })
}

/// The closed evaluation period covering `date`, if any: its logs are locked.
fn closed_on(date: NaiveDate, closed: &[(NaiveDate, NaiveDate)]) -> Option<String> {
    closed
        .iter()
        .find(|(from, to)| *from <= date && date <= *to)
        .map(|(from, to)| format!("the evaluation period {from} to {to} is closed: its logs can no longer change"))
}

/// Refuses a new or moved log on a date of a closed evaluation period.
fn check_open(date: NaiveDate, closed: &[(NaiveDate, NaiveDate)]) -> Result<(), StoreError> {
    closed_on(date, closed).map_or(Ok(()), |why| Err(StoreError::invalid("date", why)))
}

/// Refuses changing a stored log of a closed evaluation period.
fn check_unlocked(conn: &mut DbConnection, log: &DailyLog) -> Result<(), StoreError> {
    closed_on(log.log_date, &closed_spans(conn, log.agency_id)?).map_or(Ok(()), |why| Err(StoreError::Conflict(why)))
}

fn closed_spans(conn: &mut DbConnection, agency_id: AgencyId) -> Result<Vec<(NaiveDate, NaiveDate)>, StoreError> {
    crate::evaluation::closed_spans(conn, agency_id)
}

/// An agency's policies for logs, read once per transaction into `policies`.
fn policy(conn: &mut DbConnection, policies: &mut Policies, agency_id: AgencyId) -> Result<Policy, StoreError> {
    if let Some(p) = policies.get(&agency_id) {
        return Ok(p.clone());
    }
    let (tz, cap, top): (TimeZone, i32, bool) = agencies::table
        .find(crate::key::bind(agency_id))
        .select((agencies::time_zone, agencies::daily_log_cap_minutes, agencies::top_official_logs_accepted))
        .first(conn)?;
    let p = (tz, cap, closed_spans(conn, agency_id)?, top);
    policies.insert(agency_id, p.clone());
    Ok(p)
}

/// The agreement a planned result belongs to: its employee, status, dates and post.
type ServedAgreement = (EmployeeId, AgreementStatus, NaiveDate, NaiveDate, PositionId);

/// The dates of the agreement a log serves and its post (none for an additional duty).
type Served = (Option<(NaiveDate, NaiveDate)>, Option<PositionId>);

/// The dates and post of the agreement whose planned result a log of `employee_id` serves
/// (`found`); refused unless it is their own approved agreement.
fn served(found: Option<ServedAgreement>, employee_id: EmployeeId) -> Result<Served, StoreError> {
    let Some((_, status, from, to, post)) = found.filter(|(o, _, _, _, _)| *o == employee_id) else {
        return Err(StoreError::invalid("planned_result_id", "not a planned result of your own agreement"));
    };
    if status != AgreementStatus::Approved {
        return Err(StoreError::invalid("planned_result_id", "the planned result's agreement is not approved"));
    }
    Ok((Some((from, to)), Some(post)))
}

/// Checks a log's content against the data: the date, the planned result, the day's other logs.
fn check(
    conn: &mut DbConnection,
    employee_id: EmployeeId,
    agency_id: AgencyId,
    policies: &mut Policies,
    input: &LogInput,
    except: Option<DailyLogId>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (tz, cap, closed, _) = policy(conn, policies, agency_id)?;
    check_open(input.date, &closed)?;
    let today = now.with_timezone(&tz.offset()).date_naive();
    let (range, served_post) = match input.serves {
        Serves::AdditionalDuty => (None, None),
        Serves::Result(r) => {
            let found: Option<ServedAgreement> = planned_results::table
                .inner_join(agreements::table)
                .filter(planned_results::id.eq(crate::key::bind(PlannedResultId::from(r))))
                .select((
                    agreements::employee_id,
                    agreements::status,
                    agreements::starts_on,
                    agreements::ends_on,
                    agreements::position_id,
                ))
                .first(conn)
                .optional()?;
            served(found, employee_id)?
        }
    };
    if let Some(a) = input.activity {
        check_activity(conn, employee_id, agency_id, input.date, served_post, PositionActivityId::from(a))?;
    }
    check_date(input.date, today, range).map_err(log_error)?;
    // A fixed query (no boxing), so diesel keeps it prepared between logs.
    let others: Vec<Span> = daily_logs::table
        .filter(daily_logs::employee_id.eq(crate::key::bind(employee_id)))
        .filter(daily_logs::log_date.eq(input.date))
        .filter(daily_logs::status.ne(crate::word::bind(LogStatus::Rejected)))
        .filter(daily_logs::id.ne(crate::key::bind(except.unwrap_or(DailyLogId::from_uuid(Uuid::nil())))))
        .select((daily_logs::start_time, daily_logs::end_time, daily_logs::duration_minutes))
        .load::<(Option<String>, Option<String>, i32)>(conn)?
        .iter()
        .map(|(start, end, minutes)| span_of(start.as_deref(), end.as_deref(), *minutes))
        .collect::<Result<_, _>>()?;
    check_day(&input.span, &others, u32::try_from(cap).unwrap_or(0)).map_err(log_error)
}

/// Refuses an activity that is not of the post the author held on the log's date: the post of the
/// agreement the log serves, or of an approved agreement of theirs covering the date, or the post
/// they hold now.
fn check_activity(
    conn: &mut DbConnection,
    employee_id: EmployeeId,
    agency_id: AgencyId,
    date: NaiveDate,
    served_post: Option<PositionId>,
    activity: PositionActivityId,
) -> Result<(), StoreError> {
    use crate::schema::position_activities;
    let found: Option<(AgencyId, PositionId)> = position_activities::table
        .find(crate::key::bind(activity))
        .select((position_activities::agency_id, position_activities::position_id))
        .first(conn)
        .optional()?;
    activity_held(found, agency_id, served_post, || {
        // The posts of the author's approved agreements covering the date, and the post held now.
        let covering: Vec<PositionId> = agreements::table
            .filter(agreements::employee_id.eq(crate::key::bind(employee_id)))
            .filter(agreements::status.eq(crate::word::bind(AgreementStatus::Approved)))
            .filter(agreements::starts_on.le(date))
            .filter(agreements::ends_on.ge(date))
            .select(agreements::position_id)
            .load(conn)?;
        let now: Option<PositionId> = if covering.is_empty() {
            employees::table.find(crate::key::bind(employee_id)).select(employees::position_id).first(conn)?
        } else {
            None
        };
        Ok((covering, now))
    })
}

/// Refuses an activity (`found`: its agency and post) that is not of the post the author held on
/// the log's date: the post of the agreement the log serves (`served_post`), or of an approved
/// agreement of theirs covering the date, or, without one, the post they hold now (`held`
/// answers those two, asked only for a log serving no agreement).
fn activity_held(
    found: Option<(AgencyId, PositionId)>,
    agency_id: AgencyId,
    served_post: Option<PositionId>,
    held: impl FnOnce() -> Result<(Vec<PositionId>, Option<PositionId>), StoreError>,
) -> Result<(), StoreError> {
    let Some((_, post)) = found.filter(|(a, _)| *a == agency_id) else {
        return Err(StoreError::invalid("activity_id", "no such activity in your agency's catalogues"));
    };
    let held = match served_post {
        Some(p) => p == post,
        None => {
            let (covering, now) = held()?;
            if covering.is_empty() {
                now == Some(post)
            } else {
                covering.contains(&post)
            }
        }
    };
    if held {
        Ok(())
    } else {
        Err(StoreError::invalid("activity_id", "not an activity of the post you held on the log's date"))
    }
}

fn apply(row: &mut DailyLog, input: LogInput) {
    let t = |t: Option<NaiveTime>| t.map(|t| t.format("%H:%M").to_string());
    row.log_date = input.date;
    row.start_time = t(input.span.start);
    row.end_time = t(input.span.end);
    row.duration_minutes = i32::try_from(input.span.minutes).unwrap_or(i32::MAX);
    row.description = input.description.into_inner();
    row.output_quantity = input.output_quantity;
    row.output_unit = input.output_unit.map(Name::into_inner);
    row.evidence_url = input.evidence_url.map(|u| u.as_str().to_owned());
    row.latitude = input.location.map(|l| l.latitude);
    row.longitude = input.location.map(|l| l.longitude);
    row.planned_result_id = match input.serves {
        Serves::Result(r) => Some(PlannedResultId::from(r)),
        Serves::AdditionalDuty => None,
    };
    row.additional_duty = input.serves == Serves::AdditionalDuty;
    row.activity_id = input.activity.map(PositionActivityId::from);
}

/// Records a log of the caller's own work. With a client id, a retry of the same log returns
/// the stored one and creates nothing; the same id with different content is a conflict.
pub fn create(
    conn: &mut DbConnection,
    change: &Change,
    new: NewLog,
    now: DateTime<Utc>,
) -> Result<Created, StoreError> {
    crate::db::write(conn, |conn| {
        let created = create_in(conn, &mut Policies::new(), change, new, now)?;
        if let Created::New(row) = &created {
            crate::log_day::record(conn, &[(None, row)])?;
            audit::record_all(conn, vec![created_event(change, row)])?;
        }
        Ok(created)
    })
}

/// The audit event of a new log. It is appended after every row lock the transaction takes: the
/// agency's audit chain is locked until the commit, so taking it between two employees' rows
/// would let two groups wait on each other (one holding the chain, the other the next employee).
fn created_event(change: &Change, row: &DailyLog) -> audit::AuditEvent {
    audit::event(
        change,
        Some(row.agency_id),
        AuditAction::Create,
        AuditEntity::DailyLog,
        row.id,
        None::<&()>,
        Some(row),
    )
}

/// One log to record, for [`create_many`].
#[derive(Debug, Clone)]
pub struct Job {
    pub change: Change,
    pub new: NewLog,
    pub now: DateTime<Utc>,
}

/// Records many logs (of any employees) in one write transaction, each under a savepoint: a
/// refused log is rolled back alone and the others commit together. This is the group commit
/// behind single creates: logs arriving at the same moment share one transaction instead of
/// queueing for the write lock one by one. When the transaction itself fails, every log gets
/// that error and none is stored.
///
/// Each log locks its employee's row (for the change number). The logs are recorded in employee
/// order, so that groups committing side by side (PostgreSQL runs several writers) take those
/// locks in the same order and never wait on each other in a cycle; should the database still
/// abort the group as a deadlock or a serialization failure, the group is tried again (3 times).
/// Answers come back in the order of `jobs`.
pub fn create_many(conn: &mut DbConnection, jobs: Vec<Job>) -> Vec<Result<Created, StoreError>> {
    let n = jobs.len();
    let mut indexed: Vec<(usize, Job)> = jobs.into_iter().enumerate().collect();
    indexed.sort_by_key(|(_, j)| j.change.caller.employee_id);
    let (order, jobs): (Vec<usize>, Vec<Job>) = indexed.into_iter().unzip();
    let mut attempt = 0;
    let results = loop {
        attempt += 1;
        match create_group(conn, jobs.clone()) {
            Err(e) if attempt < 3 && is_transient(&e) => continue,
            Err(e) => {
                let full = matches!(e, StoreError::StorageFull(_));
                let message = e.to_string();
                break (0..n)
                    .map(|_| {
                        Err(if full {
                            StoreError::StorageFull(message.clone())
                        } else {
                            StoreError::Unavailable(message.clone())
                        })
                    })
                    .collect::<Vec<_>>();
            }
            Ok(results) => break results,
        }
    };
    let mut answers: Vec<Option<Result<Created, StoreError>>> = (0..n).map(|_| None).collect();
    for (i, r) in order.into_iter().zip(results) {
        if let Some(slot) = answers.get_mut(i) {
            *slot = Some(r);
        }
    }
    answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Err(StoreError::Unavailable("the group lost an answer".into()))))
        .collect()
}

/// A deadlock or serialization failure: the database aborted the transaction, and the same work
/// may well succeed when tried again.
fn is_transient(e: &StoreError) -> bool {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    match e {
        StoreError::Database(DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _)) => true,
        StoreError::Database(DieselError::DatabaseError(_, info)) => info.message().contains("deadlock detected"),
        _ => false,
    }
}

/// One try at a group, in the order given.
fn create_group(conn: &mut DbConnection, jobs: Vec<Job>) -> Result<Vec<Result<Created, StoreError>>, StoreError> {
    use diesel::connection::SimpleConnection;
    let n = jobs.len();
    crate::db::write(conn, |conn| {
        let mut results = Vec::with_capacity(n);
        let mut policies = Policies::new();
        let mut changes = Vec::with_capacity(n);
        for job in jobs {
            conn.batch_execute("SAVEPOINT daily_log")?;
            match create_in(conn, &mut policies, &job.change, job.new, job.now) {
                Ok(created) => {
                    conn.batch_execute("RELEASE SAVEPOINT daily_log")?;
                    changes.push(job.change);
                    results.push(Ok(created));
                }
                // The transaction itself failed (SQLite rolls a full disk's transaction back
                // whole): no savepoint to return to.
                Err(e @ (StoreError::Database(_) | StoreError::Unavailable(_) | StoreError::StorageFull(_))) => {
                    return Err(e)
                }
                Err(e) => {
                    conn.batch_execute("ROLLBACK TO SAVEPOINT daily_log; RELEASE SAVEPOINT daily_log")?;
                    results.push(Err(e));
                }
            }
        }
        // The days of the new logs, in one statement for the group.
        let stored: Vec<(Option<&DailyLog>, &DailyLog)> = results
            .iter()
            .flatten()
            .filter_map(|c| match c {
                Created::New(row) => Some((None, row)),
                Created::Existing(_) => None,
            })
            .collect();
        crate::log_day::record(conn, &stored)?;
        // Every employee's row is locked now; the audit chain comes last (see `created_event`).
        let mut changes = changes.iter();
        let mut events = Vec::with_capacity(stored.len());
        for created in results.iter().flatten() {
            if let (Created::New(row), Some(change)) = (created, changes.next()) {
                events.push(created_event(change, row));
            }
        }
        audit::record_all(conn, events)?;
        Ok::<_, StoreError>(results)
    })
}

/// The body of [`create`], inside a running transaction; the caller records the audit event of a
/// new log ([`created_event`]) once every row lock of its transaction is taken.
fn create_in(
    conn: &mut DbConnection,
    policies: &mut Policies,
    change: &Change,
    new: NewLog,
    now: DateTime<Utc>,
) -> Result<Created, StoreError> {
    let me = access::own_record(&change.caller, Area::DailyLogWrite)?;
    {
        let me_str = EmployeeId::from(me);
        if let Some(cid) = new.client_id {
            let existing: Option<DailyLog> = daily_logs::table
                .filter(daily_logs::employee_id.eq(crate::key::bind(me_str)))
                .filter(daily_logs::client_id.eq(cid.to_string()))
                .select(DailyLog::as_select())
                .first(conn)
                .optional()?;
            if let Some(e) = existing {
                return if e.client_hash == new.client_hash {
                    Ok(Created::Existing(e))
                } else {
                    Err(StoreError::Conflict(format!("client_id {cid} was already used for a different log")))
                };
            }
        }
        // Taking the change number locks the employee's row first, so two logs of the same day
        // arriving at once are checked against each other, not both against the day before. (A
        // refusal below rolls the number back with the rest.)
        let (agency_id, active, change_seq): (AgencyId, bool, i64) =
            diesel::update(employees::table.find(crate::key::bind(me_str)))
                .set(employees::log_change_seq.eq(employees::log_change_seq + 1))
                .returning((employees::agency_id, employees::active, employees::log_change_seq))
                .get_result(conn)?;
        if !active {
            return Err(StoreError::Forbidden("the employee is no longer active".into()));
        }
        check(conn, me_str, agency_id, policies, &new.input, None, now)?;
        let status = on_submission(conn, policies, agency_id, me_str, now)?;
        let mut row = new_row(change, agency_id, me_str, status, change_seq);
        row.client_id = new.client_id.map(|c| c.to_string());
        row.client_hash = new.client_hash.clone();
        let files = crate::evidence::claim(conn, me_str, &new.evidence_file_ids, "evidence_file_ids")?;
        apply(&mut row, new.input);
        if row.latitude.is_none() {
            if let Some(at) = files.iter().find_map(crate::evidence::EvidenceFile::location) {
                row.latitude = Some(at.latitude);
                row.longitude = Some(at.longitude);
            }
        }
        diesel::insert_into(daily_logs::table).values(row.clone()).execute(conn)?;
        crate::evidence::attach(conn, crate::evidence::Proves::Log(row.id), &files)?;
        Ok(Created::New(row))
    }
}

/// A new log's row before its content is applied ([`apply`]): version 1, created now.
fn new_row(
    change: &Change,
    agency_id: AgencyId,
    employee_id: EmployeeId,
    status: LogStatus,
    change_seq: i64,
) -> DailyLog {
    DailyLog {
        id: crate::key::new(),
        agency_id,
        employee_id,
        client_id: None,
        client_hash: None,
        log_date: NaiveDate::MIN,
        start_time: None,
        end_time: None,
        duration_minutes: 0,
        description: String::new(),
        output_quantity: 0,
        output_unit: None,
        evidence_url: None,
        latitude: None,
        longitude: None,
        planned_result_id: None,
        additional_duty: false,
        activity_id: None,
        status,
        review_reason: None,
        reviewed_by_employee_id: None,
        reviewed_at: (status == LogStatus::Accepted).then_some(change.at),
        change_seq,
        version: 1,
        created_at: change.at,
        updated_at: change.at,
    }
}

/// How the caller stands to a log, by the access rule; `review_escalated` as [`escalated`] says.
fn standing(
    conn: &mut DbConnection,
    caller: &Caller,
    log: &DailyLog,
    review_escalated: bool,
    now: DateTime<Utc>,
) -> Result<Standing, StoreError> {
    let subject =
        Subject::DailyLog { agency: log.agency_id.uuid(), employee: log.employee_id.uuid(), review_escalated };
    Ok(access::standing(conn, caller, subject, now)?.0)
}

/// The escalation policy and calendar of an agency at `now`, to tell which waiting logs are
/// escalated.
pub struct Escalation {
    policy_days: i32,
    today: NaiveDate,
    calendar: Option<crate::discipline::UnitCalendar>,
    time_zone: chrono::FixedOffset,
}

impl Escalation {
    /// Loads what the escalation of `agency`'s logs submitted from `since` on needs.
    pub fn load(
        conn: &mut DbConnection,
        agency: Uuid,
        since: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Self, StoreError> {
        let (policy_days, tz): (i32, ekinerja_domain::TimeZone) = agencies::table
            .find(crate::key::bind(AgencyId::from(agency)))
            .select((agencies::review_escalation_working_days, agencies::time_zone))
            .first(conn)?;
        let time_zone = tz.offset();
        let today = now.with_timezone(&time_zone).date_naive();
        let calendar = if policy_days > 0 {
            Some(crate::discipline::UnitCalendar::load(conn, agency, since.min(today), today)?)
        } else {
            None
        };
        Ok(Escalation { policy_days, today, calendar, time_zone })
    }

    /// The day a waiting log was submitted (its last change), in the agency's time zone.
    pub fn submitted_on(&self, log: &DailyLog) -> NaiveDate {
        log.updated_at.and_utc().with_timezone(&self.time_zone).date_naive()
    }

    /// Whether `log` waits past the policy: the working days of its author's unit (`unit`, that
    /// of their post) after the day it was submitted and before today.
    pub fn escalated(&mut self, log: &DailyLog, unit: Option<OrgUnitId>) -> bool {
        let submitted = self.submitted_on(log);
        let Some(calendar) = self.calendar.as_mut() else { return false };
        let waited = calendar.working_days_between(unit, submitted, self.today);
        ekinerja_domain::daily_log::review_escalated(log.status, waited, self.policy_days)
    }
}

/// Each agency's escalation policy and calendar, loaded once for a group of reviews, with the
/// first date its calendar covers.
type Escalations = std::collections::HashMap<Uuid, (NaiveDate, Escalation)>;

/// Whether `log`'s review is escalated at `now`. An agency's policy and calendar already in
/// `loaded` serve again when the calendar reaches back to the log's submission.
fn escalated(
    conn: &mut DbConnection,
    loaded: &mut Escalations,
    log: &DailyLog,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if log.status != LogStatus::Submitted {
        return Ok(false);
    }
    let agency = log.agency_id.uuid();
    let since = log.updated_at.date().pred_opt().unwrap_or(log.updated_at.date());
    let unit: Option<OrgUnitId> = crate::schema::employees::table
        .inner_join(crate::schema::positions::table)
        .filter(crate::schema::employees::id.eq(crate::key::bind(log.employee_id)))
        .select(crate::schema::positions::org_unit_id)
        .first(conn)
        .optional()?;
    let (from, mut escalation) = match loaded.remove(&agency) {
        Some((from, e)) if from <= since => (from, e),
        _ => (since, Escalation::load(conn, agency, since, now)?),
    };
    let answer = escalation.escalated(log, unit);
    loaded.insert(agency, (from, escalation));
    Ok(answer)
}

/// Reads a log: its owner, their supervisors and unit heads, leaders, the agency's admin.
pub fn get(
    conn: &mut DbConnection,
    caller: &Caller,
    id: DailyLogId,
    now: DateTime<Utc>,
) -> Result<DailyLog, StoreError> {
    let log: DailyLog = daily_logs::table.find(crate::key::bind(id)).select(DailyLog::as_select()).first(conn)?;
    if standing(conn, caller, &log, false, now)?.sees(Area::DailyLogReview) {
        Ok(log)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Corrects a log (its owner). A rejected log goes back to review; an accepted one is read-only.
pub fn update(
    conn: &mut DbConnection,
    change: &Change,
    id: DailyLogId,
    expected_version: i32,
    input: LogInput,
    now: DateTime<Utc>,
) -> Result<DailyLog, StoreError> {
    crate::db::write(conn, |conn| {
        let before: DailyLog =
            daily_logs::table.find(crate::key::bind(id)).select(DailyLog::as_select()).first(conn)?;
        let s = standing(conn, &change.caller, &before, false, now)?;
        access::decision_to_result(s.decide(Area::DailyLogWrite, Access::Write))?;
        if before.version != expected_version {
            return Err(StoreError::Stale);
        }
        let status = before.status.after_edit().map_err(|e| StoreError::Forbidden(e.to_string()))?;
        check_unlocked(conn, &before)?;
        let change_seq = next_seq(conn, before.employee_id)?;
        let mut policies = Policies::new();
        check(conn, before.employee_id, before.agency_id, &mut policies, &input, Some(before.id), now)?;
        let status = match status {
            LogStatus::Submitted => on_submission(conn, &policies, before.agency_id, before.employee_id, now)?,
            other => other,
        };
        let mut after = before.clone();
        apply(&mut after, input);
        if status == LogStatus::Accepted {
            after.review_reason = None;
            after.reviewed_by_employee_id = None;
            after.reviewed_at = Some(change.at);
        }
        after.status = status;
        after.version += 1;
        after.change_seq = change_seq;
        after.updated_at = change.at;
        store_over(conn, &before, &after)?;
        crate::log_day::record(conn, &[(Some(&before), &after)])?;
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Update,
            AuditEntity::DailyLog,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// Accepts or rejects a log waiting for review (the owner's direct supervisor; the agency admin for
/// the top official), as it was at version `seen`: a log changed since is [`StoreError::Stale`].
pub fn review(
    conn: &mut DbConnection,
    change: &Change,
    id: DailyLogId,
    seen: i32,
    decision: Decision,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<DailyLog, StoreError> {
    let item = Review { id, seen, decision, reason };
    crate::db::write(conn, |conn| {
        let (before, after) = review_in(conn, &mut Escalations::new(), change, item, now)?;
        crate::log_day::record(conn, &[(Some(&before), &after)])?;
        record_reviewed(conn, &[(change.clone(), before, after.clone(), decision)])?;
        Ok(after)
    })
}

/// One decision of [`review_many`].
#[derive(Debug, Clone)]
pub struct Review {
    /// The log.
    pub id: DailyLogId,
    /// Its version as the reviewer saw it.
    pub seen: i32,
    pub decision: Decision,
    /// Why, for a rejection.
    pub reason: Option<String>,
}

/// Reviews many logs (each by its own reviewer's change) in one write transaction, each under a
/// savepoint, as [`review`] would one by one: a decision refused (not the reviewer's, changed
/// since, not waiting) is rolled back alone and answered with its error, the others commit
/// together. When the transaction itself fails, nothing is stored and that error is returned.
///
/// As [`create_many`], the logs are decided in the order of their employees (each locks its
/// employee's row for the change number) and the audit events come last, so that groups side by
/// side on PostgreSQL never wait on each other in a cycle; a group the database aborts as a
/// deadlock is tried again (3 times). Answers come back in the order of `items`.
pub fn review_many(
    conn: &mut DbConnection,
    items: Vec<(Change, Review)>,
    now: DateTime<Utc>,
) -> Result<Vec<Result<DailyLog, StoreError>>, StoreError> {
    let ids: Vec<DailyLogId> = items.iter().map(|(_, r)| r.id).collect();
    let owners: std::collections::HashMap<DailyLogId, EmployeeId> = daily_logs::table
        .filter(daily_logs::id.eq_any(crate::key::binds(ids)))
        .select((daily_logs::id, daily_logs::employee_id))
        .load::<(DailyLogId, EmployeeId)>(conn)?
        .into_iter()
        .collect();
    let mut indexed: Vec<(usize, (Change, Review))> = items.into_iter().enumerate().collect();
    indexed.sort_by_key(|(_, (_, r))| owners.get(&r.id).copied());
    let (order, items): (Vec<usize>, Vec<(Change, Review)>) = indexed.into_iter().unzip();
    let mut attempt = 0;
    let results = loop {
        attempt += 1;
        match review_group(conn, items.clone(), now) {
            Err(e) if attempt < 3 && is_transient(&e) => continue,
            Err(e) => return Err(e),
            Ok(results) => break results,
        }
    };
    let mut answers: Vec<Option<Result<DailyLog, StoreError>>> = (0..order.len()).map(|_| None).collect();
    for (i, r) in order.into_iter().zip(results) {
        if let Some(slot) = answers.get_mut(i) {
            *slot = Some(r);
        }
    }
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Err(StoreError::Unavailable("the group lost an answer".into()))))
        .collect())
}

/// One try at a group of decisions, in the order given.
fn review_group(
    conn: &mut DbConnection,
    items: Vec<(Change, Review)>,
    now: DateTime<Utc>,
) -> Result<Vec<Result<DailyLog, StoreError>>, StoreError> {
    use diesel::connection::SimpleConnection;
    crate::db::write(conn, |conn| {
        let mut results = Vec::with_capacity(items.len());
        let mut decided = Vec::with_capacity(items.len());
        // Agencies' escalation calendars, read once for the group (a review changes none).
        let mut escalations = Escalations::new();
        for (change, item) in items {
            let decision = item.decision;
            conn.batch_execute("SAVEPOINT daily_log_review")?;
            match review_in(conn, &mut escalations, &change, item, now) {
                Ok((before, after)) => {
                    conn.batch_execute("RELEASE SAVEPOINT daily_log_review")?;
                    results.push(Ok(after.clone()));
                    decided.push((change, before, after, decision));
                }
                Err(e @ (StoreError::Database(_) | StoreError::Unavailable(_) | StoreError::StorageFull(_))) => {
                    return Err(e)
                }
                Err(e) => {
                    conn.batch_execute("ROLLBACK TO SAVEPOINT daily_log_review; RELEASE SAVEPOINT daily_log_review")?;
                    results.push(Err(e));
                }
            }
        }
        // The days of the decided logs, together; then, every employee's row being locked, the
        // audit chain (see `created_event`).
        let days: Vec<(Option<&DailyLog>, &DailyLog)> = decided.iter().map(|(_, b, a, _)| (Some(b), a)).collect();
        crate::log_day::record(conn, &days)?;
        record_reviewed(conn, &decided)?;
        Ok::<_, StoreError>(results)
    })
}

/// The `log_reviewed` notifications and audit events of decisions: each the change that made
/// it, the log before and after, and the decision.
fn record_reviewed(
    conn: &mut DbConnection,
    decided: &[(Change, DailyLog, DailyLog, Decision)],
) -> Result<(), StoreError> {
    let events = reviewed_events(conn, decided)?;
    audit::record_all(conn, events)
}

/// Enqueues the `log_reviewed` notifications of decisions, and answers their audit events.
fn reviewed_events(
    conn: &mut DbConnection,
    decided: &[(Change, DailyLog, DailyLog, Decision)],
) -> Result<Vec<audit::AuditEvent>, StoreError> {
    let mut notes = Vec::with_capacity(decided.len());
    let mut events = Vec::with_capacity(decided.len());
    for (change, before, after, decision) in decided {
        let note = serde_json::json!({
            "daily_log_id": after.id, "employee_id": after.employee_id, "date": after.log_date,
            "status": after.status, "reason": after.review_reason,
        });
        notes.push((change.at, after.agency_id, note));
        let action = match decision {
            Decision::Accept => AuditAction::Accept,
            Decision::Reject => AuditAction::Reject,
        };
        events.push(audit::event(
            change,
            Some(after.agency_id),
            action,
            AuditEntity::DailyLog,
            after.id,
            Some(before),
            Some(after),
        ));
    }
    crate::webhook::enqueue_all(conn, crate::webhook::EventType::LogReviewed, &notes)?;
    Ok(events)
}

/// The body of [`review`], inside a running transaction: the log before and after the decision.
/// The caller brings the log's days up to date ([`crate::log_day::record`]) and records it.
fn review_in(
    conn: &mut DbConnection,
    loaded: &mut Escalations,
    change: &Change,
    item: Review,
    now: DateTime<Utc>,
) -> Result<(DailyLog, DailyLog), StoreError> {
    let Review { id, seen, decision, reason } = item;
    {
        let before: DailyLog =
            daily_logs::table.find(crate::key::bind(id)).select(DailyLog::as_select()).first(conn)?;
        let review_escalated = escalated(conn, loaded, &before, now)?;
        let s = standing(conn, &change.caller, &before, review_escalated, now)?;
        access::decision_to_result(s.decide(Area::DailyLogReview, Access::Write))?;
        // The decision is about the log as the reviewer saw it: one changed since is not decided.
        if before.version != seen {
            return Err(StoreError::Stale);
        }
        check_unlocked(conn, &before)?;
        let mut after = decided(&before, change, decision, reason)?;
        after.change_seq = next_seq(conn, before.employee_id)?;
        store_over(conn, &before, &after)?;
        Ok((before, after))
    }
}

/// A log as a decision leaves it (its change number still to be taken), or why the decision
/// cannot be made on it.
fn decided(
    before: &DailyLog,
    change: &Change,
    decision: Decision,
    reason: Option<String>,
) -> Result<DailyLog, StoreError> {
    let status = before.status.review(decision, reason.as_deref()).map_err(|e| match e {
        ekinerja_domain::daily_log::ReviewError::ReasonRequired => StoreError::invalid("reason", e.to_string()),
        other => StoreError::Conflict(other.to_string()),
    })?;
    let mut after = before.clone();
    after.status = status;
    after.review_reason = if decision == Decision::Reject { reason.map(|r| r.trim().to_owned()) } else { None };
    after.reviewed_by_employee_id = change.caller.employee_id.map(EmployeeId::from);
    after.reviewed_at = Some(change.at);
    after.version += 1;
    after.updated_at = change.at;
    Ok(after)
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// One employee's logs (themselves, someone below them, or anyone for the admin).
    pub employee_id: Option<Uuid>,
    /// The logs of the caller's direct subordinates (the review queue, with `status=submitted`).
    pub subordinates: bool,
    /// Only the logs waiting for the caller's review, escalated ones included (what `/me/tasks`
    /// counts).
    pub awaiting_me: bool,
    pub status: Option<LogStatus>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Lists logs the caller may read: by default their own; `subordinates` for a supervisor's
/// review queue; `employee_id` for one person.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &LogFilter,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<DailyLog>, StoreError> {
    let Some(agency) = caller.agency_id else { return Ok(Page::empty()) };
    if filter.awaiting_me {
        let (direct, escalated) = crate::tasks::logs_to_review(conn, caller, now)?;
        let mut rows: Vec<DailyLog> = direct
            .into_iter()
            .chain(escalated)
            .filter(|l| filter.employee_id.is_none_or(|e| l.employee_id == e))
            .filter(|l| filter.status.is_none_or(|s| l.status == s))
            .filter(|l| filter.from.is_none_or(|f| l.log_date >= f) && filter.to.is_none_or(|t| l.log_date <= t))
            .filter(|l| page.after.is_none_or(|a| l.id.uuid() > a))
            .collect();
        rows.sort_by_key(|a| a.id);
        rows.truncate(usize::try_from(page.limit + 1).unwrap_or(usize::MAX));
        return Ok(Page::from_rows(rows, page.limit, |r| &r.id));
    }
    let mut q = daily_logs::table
        .select(DailyLog::as_select())
        .filter(daily_logs::agency_id.eq(crate::key::bind(AgencyId::from(agency))))
        .into_boxed::<crate::db::Backend>();
    if filter.subordinates {
        // The review queue: the people the caller supervises directly.
        let Some(me) = caller.employee_id else { return Ok(Page::empty()) };
        let subs: Vec<EmployeeId> =
            chart::load(conn, agency, now)?.direct_subordinates_of(me).iter().map(|e| EmployeeId::from(*e)).collect();
        q = q.filter(daily_logs::employee_id.eq_any(crate::key::binds(subs)));
    } else if let Some(e) = filter.employee_id {
        let subject = Subject::Employee { agency, employee: e };
        if !access::standing(conn, caller, subject, now)?.0.sees(Area::DailyLogReview) {
            return Ok(Page::empty());
        }
        q = q.filter(daily_logs::employee_id.eq(crate::key::bind(EmployeeId::from(e))));
    } else if !access::reads_whole_agency(conn, caller, agency, Area::DailyLogReview)? {
        // Without a filter: the caller's own logs, or the whole agency's for those who read it.
        let Some(me) = caller.employee_id else { return Ok(Page::empty()) };
        q = q.filter(daily_logs::employee_id.eq(crate::key::bind(EmployeeId::from(me))));
    }
    if let Some(s) = filter.status {
        q = q.filter(daily_logs::status.eq(crate::word::bind(s)));
    }
    if let Some(f) = filter.from {
        q = q.filter(daily_logs::log_date.ge(f));
    }
    if let Some(t) = filter.to {
        q = q.filter(daily_logs::log_date.le(t));
    }
    if let Some(after) = &page.after {
        q = q.filter(daily_logs::id.gt(crate::key::bind(DailyLogId::from(*after))));
    }
    let rows = q.order(daily_logs::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// The caller's logs changed after change number `after` (created, corrected or reviewed
/// anywhere), oldest change first, and the cursor to continue from.
pub fn changes(
    conn: &mut DbConnection,
    caller: &Caller,
    after: i64,
    limit: i64,
) -> Result<(Vec<DailyLog>, i64), StoreError> {
    let me = access::own_record(caller, Area::DailyLogWrite)?;
    let rows: Vec<DailyLog> = daily_logs::table
        .filter(daily_logs::employee_id.eq(crate::key::bind(EmployeeId::from(me))))
        .filter(daily_logs::change_seq.gt(after))
        .order(daily_logs::change_seq.asc())
        .limit(limit)
        .select(DailyLog::as_select())
        .load(conn)?;
    let cursor = rows.last().map_or(after, |r| r.change_seq);
    Ok((rows, cursor))
}
