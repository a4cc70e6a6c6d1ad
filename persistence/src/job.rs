//! Jobs (issue 19): long work stored by the request that starts it, which is answered 202, and
//! run later by a worker. Everything a job needs is in its row, so a server killed at any point
//! loses nothing: a job waiting is run after the restart, and one claimed by a server that died
//! is claimed again once its lease runs out. Its work is written to be run again safely (an
//! allowance run recomputes its open draft in place).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use ekinerja_domain::access::Caller;
use ekinerja_domain::id::{AccountId, AgencyId, JobId};
use ekinerja_domain::job::{self as rule, JobKind, JobStage, JobStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::document::Stored;
use crate::schema::jobs;
use crate::{Change, DbConnection, StoreError};

/// A job claimed this many times without an end is failed rather than claimed again: its work
/// kills the server that runs it, or outlasts every lease.
pub const MAX_ATTEMPTS: i32 = 3;

/// What a job does, with what it needs; stored as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobRequest {
    /// A month's allowance, computed as `allowance_run::compute_run` computes it.
    AllowanceRun {
        /// The agency.
        agency_id: Uuid,
        /// A unit and its sub-units; `None` for the whole agency.
        org_unit_id: Option<Uuid>,
        /// The month's first day.
        month: NaiveDate,
    },
    /// A performance year's SIASN export, as `evaluation::siasn_export` makes it.
    SiasnExport {
        /// The agency.
        agency_id: Uuid,
        /// The performance year.
        performance_period_id: Uuid,
    },
    /// An HR export imported as `import::employees` imports it.
    EmployeeImport {
        /// The agency.
        agency_id: Uuid,
        /// The CSV file as sent (UTF-8, checked when the job was stored).
        csv: String,
        /// Only report what would be imported.
        dry_run: bool,
    },
}

impl JobRequest {
    /// The kind of job.
    pub fn kind(&self) -> JobKind {
        match self {
            JobRequest::AllowanceRun { .. } => JobKind::AllowanceRun,
            JobRequest::SiasnExport { .. } => JobKind::SiasnExport,
            JobRequest::EmployeeImport { .. } => JobKind::EmployeeImport,
        }
    }

    /// The agency the work is for.
    pub fn agency(&self) -> Uuid {
        match self {
            JobRequest::AllowanceRun { agency_id, .. }
            | JobRequest::SiasnExport { agency_id, .. }
            | JobRequest::EmployeeImport { agency_id, .. } => *agency_id,
        }
    }
}

/// A stored job.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = jobs, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Job {
    #[diesel(serialize_as = crate::key::Bind<JobId>)]
    pub id: JobId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::word::Bind<JobKind>)]
    pub kind: JobKind,
    #[diesel(serialize_as = crate::word::Bind<JobStatus>)]
    pub status: JobStatus,
    pub request: Stored<JobRequest>,
    #[diesel(serialize_as = crate::key::Bind<AccountId>)]
    pub started_by_account_id: AccountId,
    pub request_id: Option<String>,
    #[diesel(serialize_as = crate::word::Bind<JobStage>)]
    pub stage: JobStage,
    pub done: i32,
    pub total: i32,
    pub attempts: i32,
    pub lease_until: Option<NaiveDateTime>,
    /// Where the result is, once it succeeded.
    pub result_location: Option<String>,
    /// The problem document (RFC 9457, as the API writes it) that stopped it.
    pub problem: Option<String>,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    /// The name of the file it made, once it succeeded with one (the file itself is read by
    /// [`file`] alone, so following a job never loads it).
    pub result_file_name: Option<String>,
}

/// Stores a job to be run as `change`'s caller; the caller's right to start the work is checked
/// before (by the work's own check), so a job is only stored for work its starter may do.
pub fn enqueue(conn: &mut DbConnection, change: &Change, request: JobRequest) -> Result<Job, StoreError> {
    let job = Job {
        id: crate::key::new(),
        agency_id: AgencyId::from(request.agency()),
        kind: request.kind(),
        status: JobStatus::Queued,
        request: Stored(request),
        started_by_account_id: AccountId::from(change.caller.account_id),
        request_id: change.request_id.clone(),
        stage: JobStage::Waiting,
        done: 0,
        total: 0,
        attempts: 0,
        lease_until: None,
        result_location: None,
        problem: None,
        created_at: change.at,
        started_at: None,
        finished_at: None,
        result_file_name: None,
    };
    crate::db::write(conn, |conn| diesel::insert_into(jobs::table).values(job.clone()).execute(conn))?;
    Ok(job)
}

/// A job, for a caller who may follow it ([`rule::may_follow`]); any other is told it does not
/// exist.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Job, StoreError> {
    let job = jobs::table
        .find(crate::key::bind(JobId::from(id)))
        .select(Job::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    if !rule::may_follow(caller, job.started_by_account_id.uuid()) {
        return Err(StoreError::NotFound);
    }
    Ok(job)
}

/// The file a job made: its name, media type and content, for a caller who may follow the job
/// and may still do the work that made it: the work's own rule is asked again (an export's
/// reader must still be allowed to make it, an import's to import), so following a job never
/// widens who reads its result. A job with no file is not found.
pub fn file(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<JobFile, StoreError> {
    let job = get(conn, caller, id)?;
    match job.request.get() {
        JobRequest::SiasnExport { performance_period_id, .. } => {
            crate::evaluation::siasn_export_allowed(conn, caller, *performance_period_id)?;
        }
        JobRequest::EmployeeImport { agency_id, .. } => crate::import::allowed(conn, caller, *agency_id)?,
        JobRequest::AllowanceRun { .. } => return Err(StoreError::NotFound),
    }
    let (content_type, body): (Option<String>, Option<String>) =
        jobs::table.find(crate::key::bind(job.id)).select((jobs::result_file_type, jobs::result_file)).first(conn)?;
    match (job.result_file_name, content_type, body) {
        (Some(name), Some(content_type), Some(body)) => Ok(JobFile { name, content_type, body }),
        _ => Err(StoreError::NotFound),
    }
}

/// A file a job made.
#[derive(Debug, Clone)]
pub struct JobFile {
    pub name: String,
    /// Its media type (`text/csv; charset=utf-8`, `application/json`).
    pub content_type: String,
    pub body: String,
}

/// Claims the oldest job waiting at `now` (real time), or running past its lease (its worker
/// died), for `lease`; `None` when there is none. A job already claimed [`MAX_ATTEMPTS`] times
/// is failed instead, with `gave_up` as its problem, and its id added to `given_up` (for the
/// caller to report).
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: Duration,
    gave_up: &str,
    given_up: &mut Vec<JobId>,
) -> Result<Option<Job>, StoreError> {
    loop {
        let waiting: Option<Job> = jobs::table
            .filter(
                jobs::status
                    .eq(crate::word::bind(JobStatus::Queued))
                    .or(jobs::status.eq(crate::word::bind(JobStatus::Running)).and(jobs::lease_until.lt(now))),
            )
            .order(jobs::created_at.asc())
            .select(Job::as_select())
            .first(conn)
            .optional()?;
        let Some(mut job) = waiting else { return Ok(None) };
        let lease_until = now.checked_add_signed(lease).unwrap_or(now);
        // The claim holds only if no one moved the job since it was read.
        let target = jobs::table
            .find(crate::key::bind(job.id))
            .filter(jobs::status.eq(crate::word::bind(job.status)))
            .filter(jobs::attempts.eq(job.attempts));
        if job.attempts >= MAX_ATTEMPTS {
            diesel::update(target)
                .set((
                    jobs::status.eq(crate::word::bind(JobStatus::Failed)),
                    jobs::stage.eq(crate::word::bind(JobStage::Finished)),
                    jobs::lease_until.eq(None::<NaiveDateTime>),
                    jobs::problem.eq(Some(gave_up)),
                    jobs::finished_at.eq(Some(now)),
                ))
                .execute(conn)?;
            given_up.push(job.id);
            continue;
        }
        let n = diesel::update(target)
            .set((
                jobs::status.eq(crate::word::bind(JobStatus::Running)),
                jobs::stage.eq(crate::word::bind(JobStage::Loading)),
                jobs::done.eq(0),
                jobs::attempts.eq(job.attempts + 1),
                jobs::lease_until.eq(Some(lease_until)),
                jobs::started_at.eq(Some(now)),
            ))
            .execute(conn)?;
        if n == 1 {
            job.status = JobStatus::Running;
            job.stage = JobStage::Loading;
            job.done = 0;
            job.attempts += 1;
            job.lease_until = Some(lease_until);
            job.started_at = Some(now);
            return Ok(Some(job));
        }
    }
}

/// Records how far a claimed job has come, while its claim holds.
pub fn progress(conn: &mut DbConnection, job: &Job, stage: JobStage, done: i32, total: i32) -> Result<(), StoreError> {
    diesel::update(held(job))
        .set((jobs::stage.eq(crate::word::bind(stage)), jobs::done.eq(done), jobs::total.eq(total)))
        .execute(conn)?;
    Ok(())
}

/// How a claimed job ended.
#[derive(Debug, Clone)]
pub enum Ending {
    /// Done: the result is at this location.
    Succeeded(String),
    /// Done, with a file as its result (named `name`, of the media type `content_type`), served
    /// at `/api/v1/jobs/{id}/file`.
    Produced { name: String, content_type: String, body: String },
    /// Stopped by this problem document.
    Failed(String),
    /// Not run, for a passing reason (the database went away): waiting again for a worker.
    Again,
    /// Ended and recorded already, in the transaction of the work itself (an import).
    Recorded,
}

/// Records how a claimed job ended at `now` (real time), with how far it came (`job.done` of
/// `job.total`); `false` when its claim ran out before and another worker holds it, when nothing
/// is recorded.
pub fn finish(conn: &mut DbConnection, job: &Job, ending: Ending, now: NaiveDateTime) -> Result<bool, StoreError> {
    let n = match ending {
        Ending::Recorded => return Ok(true),
        // Not counted as an attempt: the work did not run.
        Ending::Again => diesel::update(held(job))
            .set((
                jobs::status.eq(crate::word::bind(JobStatus::Queued)),
                jobs::stage.eq(crate::word::bind(JobStage::Waiting)),
                jobs::attempts.eq(job.attempts - 1),
                jobs::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
        Ending::Succeeded(location) => finished(conn, job, JobStatus::Succeeded, Some(location), None, None, now)?,
        Ending::Produced { name, content_type, body } => {
            let location = format!("/api/v1/jobs/{}/file", job.id);
            finished(conn, job, JobStatus::Succeeded, Some(location), Some((name, content_type, body)), None, now)?
        }
        Ending::Failed(problem) => finished(conn, job, JobStatus::Failed, None, None, Some(problem), now)?,
    };
    Ok(n == 1)
}

/// A job's file: its name, media type and content.
type File = (String, String, String);

/// Ends a held job as `status`, with what it made: a location, a file, or a problem document.
fn finished(
    conn: &mut DbConnection,
    job: &Job,
    status: JobStatus,
    location: Option<String>,
    file: Option<File>,
    problem: Option<String>,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let (name, content_type, body) = match file {
        Some((name, content_type, body)) => (Some(name), Some(content_type), Some(body)),
        None => (None, None, None),
    };
    Ok(diesel::update(held(job))
        .set((
            jobs::status.eq(crate::word::bind(status)),
            jobs::stage.eq(crate::word::bind(JobStage::Finished)),
            jobs::done.eq(job.done),
            jobs::total.eq(job.total),
            jobs::lease_until.eq(None::<NaiveDateTime>),
            jobs::result_location.eq(location),
            jobs::result_file_name.eq(name),
            jobs::result_file_type.eq(content_type),
            jobs::result_file.eq(body),
            jobs::problem.eq(problem),
            jobs::finished_at.eq(Some(now)),
        ))
        .execute(conn)?)
}

/// A job's row found by id, running.
type Running = diesel::dsl::Filter<
    diesel::dsl::Find<jobs::table, crate::key::Bind<JobId>>,
    diesel::dsl::Eq<jobs::status, crate::word::Bind<JobStatus>>,
>;

/// The job's row while this claim of it holds.
fn held(job: &Job) -> diesel::dsl::Filter<Running, diesel::dsl::Eq<jobs::attempts, i32>> {
    jobs::table
        .find(crate::key::bind(job.id))
        .filter(jobs::status.eq(crate::word::bind(JobStatus::Running)))
        .filter(jobs::attempts.eq(job.attempts))
}

/// Sends every job claimed but not ended back to the queue: on SQLite, whose one server process
/// is starting, no other worker can be running them.
pub fn requeue_orphans(conn: &mut DbConnection) -> Result<usize, StoreError> {
    if let DbConnection::Pg(_) = conn {
        return Ok(0);
    }
    Ok(crate::db::write(conn, |conn| {
        diesel::update(jobs::table.filter(jobs::status.eq(crate::word::bind(JobStatus::Running))))
            .set((
                jobs::status.eq(crate::word::bind(JobStatus::Queued)),
                jobs::stage.eq(crate::word::bind(JobStage::Waiting)),
                jobs::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)
    })?)
}
