//! The job worker (issue 19): a thread of its own that claims the jobs waiting in the database
//! (`ekinerja_persistence::job`), runs each as the account that started it, and records its
//! result's location or the problem that stopped it, in the same problem+json the request would
//! have been answered with.
//!
//! How far a running job has come is kept in memory for the jobs this process runs, and on
//! PostgreSQL also written to the job's row about twice a second, so another server process
//! reports it too. (On SQLite the work's one write transaction holds the database's write lock
//! until it ends, so the row says only that the job runs.)

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use ekinerja_domain::id::JobId;
use ekinerja_domain::job::JobStage;
use ekinerja_persistence::db::Pool;
use ekinerja_persistence::job::{self, Ending, Job, JobRequest};
use ekinerja_persistence::{account, allowance_run, evaluation, import, Change, DbConnection, StoreError};

use crate::error::{ApiError, Problem};

/// How long a claimed job is held before another worker may take it: far longer than any job
/// takes, so that only a dead worker's claim runs out.
const LEASE_MINUTES: i64 = 15;
/// How often a running job's progress is written to its row (PostgreSQL).
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

/// How far a running job has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub stage: JobStage,
    pub done: i32,
    pub total: i32,
}

type Live = Arc<Mutex<HashMap<JobId, Progress>>>;

/// The running worker; dropping the last handle stops its thread.
pub struct Jobs {
    signal: Arc<(AtomicBool, Mutex<bool>, Condvar)>,
    live: Live,
}

impl Jobs {
    /// Starts the thread over `pool`, looking for jobs every `poll` and whenever [`Jobs::wake`]
    /// says one was stored.
    pub fn start(pool: Pool, poll: Duration) -> std::io::Result<Jobs> {
        let signal = Arc::new((AtomicBool::new(false), Mutex::new(false), Condvar::new()));
        let live: Live = Arc::default();
        let (thread_signal, thread_live) = (signal.clone(), live.clone());
        std::thread::Builder::new().name("job-worker".into()).spawn(move || {
            let (stopped, lock, wake) = &*thread_signal;
            while !stopped.load(Ordering::Acquire) {
                // A bug in one job must not end the worker for good.
                let round = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_waiting(&pool, &thread_live)));
                if round.is_err() {
                    log::error!(target: "ekinerja::jobs", "a round of jobs panicked");
                }
                let woken = lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let (mut woken, _) = wake
                    .wait_timeout_while(woken, poll, |w| !*w && !stopped.load(Ordering::Acquire))
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                *woken = false;
            }
        })?;
        Ok(Jobs { signal, live })
    }

    /// Tells the worker a job was stored, so it starts without waiting for its next look.
    pub fn wake(&self) {
        let (_, lock, wake) = &*self.signal;
        *lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        wake.notify_one();
    }

    /// How far a job this process is running has come, if it is running one.
    pub fn progress(&self, id: JobId) -> Option<Progress> {
        self.live.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&id).copied()
    }
}

impl Drop for Jobs {
    fn drop(&mut self) {
        let (stopped, lock, wake) = &*self.signal;
        stopped.store(true, Ordering::Release);
        drop(lock.lock());
        wake.notify_one();
    }
}

/// Runs every job waiting now, one after another.
fn run_waiting(pool: &Pool, live: &Live) {
    // Stored with a job given up; logged only when one is (below), not at every look.
    let mut gave_up = Problem::of(
        &ApiError::Internal("a job never ended".into()),
        actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
    );
    gave_up.detail =
        format!("the job was started {} times and never ended; nothing of it was stored", job::MAX_ATTEMPTS);
    let gave_up = problem_text(&gave_up);
    loop {
        let mut given_up = Vec::new();
        let claimed = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            let lease = chrono::Duration::minutes(LEASE_MINUTES);
            job::claim(&mut conn, Utc::now().naive_utc(), lease, &gave_up, &mut given_up).map_err(|e| e.to_string())
        });
        for id in given_up {
            log::error!(target: "ekinerja::jobs", "job {id} was started {} times and never ended; it failed", job::MAX_ATTEMPTS);
        }
        let job = match claimed {
            Ok(Some(job)) => job,
            Ok(None) => return,
            Err(e) => {
                log::warn!(target: "ekinerja::jobs", "could not look for jobs: {e}");
                return;
            }
        };
        let started = Instant::now();
        let ending = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(pool, &job, live)))
            .unwrap_or_else(|_| Ending::Failed(problem_text(&internal("a job panicked"))));
        let mut job = job;
        if let Some(last) = live.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&job.id) {
            (job.done, job.total) = (last.done, last.total);
        }
        let what = match &ending {
            Ending::Succeeded(_) | Ending::Produced { .. } => "succeeded",
            Ending::Failed(_) => "failed",
            Ending::Recorded => "succeeded (recorded with its work)",
            Ending::Again => "is waiting again",
        };
        log::info!(target: "ekinerja::jobs", "job {} ({}) {what} after {:?}", job.id, job.kind.as_str(), started.elapsed());
        // A job waiting again for a passing reason waits for the next look, not a moment.
        let again = matches!(ending, Ending::Again);
        let recorded = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            job::finish(&mut conn, &job, ending, Utc::now().naive_utc()).map_err(|e| e.to_string())
        });
        match recorded {
            Ok(true) if again => return,
            Ok(true) => {}
            Ok(false) => {
                log::warn!(target: "ekinerja::jobs", "job {}: its claim ran out; another worker has it", job.id)
            }
            Err(e) => {
                // Its lease runs out and it is run again: the work is written to be run twice.
                log::error!(target: "ekinerja::jobs", "job {}: its end was not recorded: {e}", job.id);
                return;
            }
        }
    }
}

/// Runs one claimed job to its end.
fn run(pool: &Pool, job: &Job, live: &Live) -> Ending {
    let mut conn = match pool.get() {
        Ok(conn) => conn,
        Err(_) => return Ending::Again,
    };
    let outcome = (|| -> Result<Ending, StoreError> {
        // As its starter, as they are now: an account closed since, or a right lost since, stops it.
        let account = account::find(&mut conn, job.started_by_account_id.uuid())?
            .filter(|a| a.active)
            .ok_or_else(|| StoreError::Forbidden("the account that started the job is no longer active".into()))?;
        let caller = account
            .caller()
            .ok_or_else(|| StoreError::Forbidden("the account that started the job acts as no one".into()))?;
        // The work is done as of the request that started it.
        let now = Utc.from_utc_datetime(&job.created_at);
        let change = Change::new(caller, now, job.request_id.clone());
        let postgres = matches!(*conn, DbConnection::Pg(_));
        let mut written = Instant::now();
        let mut report = |stage: JobStage, done: usize, total: usize| {
            let p = Progress {
                stage,
                done: i32::try_from(done).unwrap_or(i32::MAX),
                total: i32::try_from(total).unwrap_or(i32::MAX),
            };
            live.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(job.id, p);
            if postgres && written.elapsed() >= PROGRESS_EVERY {
                written = Instant::now();
                if let Ok(mut other) = pool.get() {
                    if let Err(e) = job::progress(&mut other, job, p.stage, p.done, p.total) {
                        log::warn!(target: "ekinerja::jobs", "job {}: progress not written: {e}", job.id);
                    }
                }
            }
        };
        match job.request.get() {
            JobRequest::AllowanceRun { agency_id, org_unit_id, month } => {
                let (d, _) = allowance_run::compute_run_reporting(
                    &mut conn,
                    &change,
                    *agency_id,
                    *org_unit_id,
                    *month,
                    now,
                    &mut report,
                )?;
                Ok(Ending::Succeeded(format!("/api/v1/allowance-runs/{}", d.run.id)))
            }
            JobRequest::SiasnExport { performance_period_id, .. } => {
                report(JobStage::Loading, 0, 0);
                let rows = evaluation::siasn_export(&mut conn, &change, *performance_period_id)?;
                let n = rows.len();
                report(JobStage::Storing, n, n);
                let (name, body) = crate::routes::evaluation::siasn_file(rows)
                    .map_err(|e| StoreError::Corrupt(format!("the SIASN file was not made: {e}")))?;
                let body = String::from_utf8(body)
                    .map_err(|e| StoreError::Corrupt(format!("the SIASN file is not UTF-8: {e}")))?;
                Ok(Ending::Produced { name, content_type: "text/csv; charset=utf-8".into(), body })
            }
            JobRequest::EmployeeImport { agency_id, csv, dry_run } => {
                report(JobStage::Loading, 0, 0);
                let (rows, parse_errors) = match crate::routes::import::parse_csv(csv.as_bytes()) {
                    Ok(parsed) => parsed,
                    Err(e) => return Ok(failed(&e, job)),
                };
                let n = rows.len() + parse_errors.len();
                report(JobStage::Storing, 0, n);
                // A stored import ends its job in its own transaction: run again after a crash
                // past the commit, the job is found ended, not its lines found registered.
                let mut ended = job.clone();
                (ended.done, ended.total) =
                    (i32::try_from(n).unwrap_or(i32::MAX), i32::try_from(n).unwrap_or(i32::MAX));
                let done =
                    import::employees_then(&mut conn, &change, *agency_id, rows, parse_errors, *dry_run, |c, r| {
                        let ending = import_ending(r.clone(), job)?;
                        if job::finish(c, &ended, ending, Utc::now().naive_utc())? {
                            Ok(())
                        } else {
                            Err(StoreError::Conflict("the job's claim ran out; another worker runs it".into()))
                        }
                    })?;
                report(JobStage::Storing, n, n);
                if !done.dry_run && done.errors.is_empty() {
                    return Ok(Ending::Recorded);
                }
                import_ending(done, job)
            }
        }
    })();
    match outcome {
        Ok(ending) => ending,
        Err(StoreError::Unavailable(e)) => {
            log::warn!(target: "ekinerja::jobs", "job {}: the database is unavailable, it waits again: {e}", job.id);
            Ending::Again
        }
        Err(e) => failed(&ApiError::from(e), job),
    }
}

/// How an import's job ends: with its report as the job's file, or (lines refused) failed with
/// the 422 the request would have answered.
fn import_ending(done: import::ImportReport, job: &Job) -> Result<Ending, StoreError> {
    match crate::routes::import::report_view(done) {
        Ok(view) => Ok(Ending::Produced {
            name: "import-report.json".into(),
            content_type: "application/json".into(),
            body: serde_json::to_string(&view)
                .map_err(|e| StoreError::Corrupt(format!("the import's report was not written: {e}")))?,
        }),
        Err(e) => Ok(failed(&e, job)),
    }
}

/// A job stopped by `error`, with the problem the request would have been answered with.
fn failed(error: &ApiError, job: &Job) -> Ending {
    let status = actix_web::ResponseError::status_code(error);
    let mut problem = Problem::of(error, status);
    problem.request_id = job.request_id.clone();
    Ending::Failed(problem_text(&problem))
}

/// The problem of an internal error, `why` going to the log only.
fn internal(why: &str) -> Problem {
    log::error!(target: "ekinerja::jobs", "{why}");
    Problem::of(&ApiError::Internal(why.into()), actix_web::http::StatusCode::INTERNAL_SERVER_ERROR)
}

/// A problem document as stored with a failed job.
fn problem_text(problem: &Problem) -> String {
    serde_json::to_string(problem).unwrap_or_else(|_| {
        r#"{"type":"/problems/internal","title":"Internal server error","status":500,"detail":"internal error"}"#.into()
    })
}
