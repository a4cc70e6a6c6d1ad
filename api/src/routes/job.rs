//! Jobs: long work started by a request answered `202 Accepted` (with `Prefer: respond-async`),
//! followed here until it ends with its result's location or the problem that stopped it.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::job::{JobKind, JobStage, JobStatus};
use ekinerja_persistence::job::{self, Job};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::utc;
use crate::call::Call;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// How far a job has come.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobProgress {
    pub stage: JobStage,
    /// Items of the stage done (employees).
    pub done: i32,
    /// Items of the stage in all; 0 while not known.
    pub total: i32,
}

/// A job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: Uuid,
    pub kind: JobKind,
    pub status: JobStatus,
    pub progress: JobProgress,
    /// Where the result is, once the job succeeded: an allowance run at `/api/v1/allowance-runs/{id}`,
    /// a file (the SIASN export) at `/api/v1/jobs/{id}/file`.
    pub result_location: Option<String>,
    /// What stopped it, once it failed: the problem the request would have been answered with,
    /// had it waited. Nothing of a failed job was stored.
    pub problem: Option<Problem>,
    /// Times a worker started it (more than once when a server stopped while running it).
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The view of a job, with the progress this process knows of it if it runs it now.
pub fn view(state: &AppState, j: Job) -> Result<JobView, ApiError> {
    let live = (j.status == JobStatus::Running).then(|| state.jobs.progress(j.id)).flatten();
    let progress = match live {
        Some(p) => JobProgress { stage: p.stage, done: p.done, total: p.total },
        None => JobProgress { stage: j.stage, done: j.done, total: j.total },
    };
    let problem = match &j.problem {
        Some(text) => Some(
            serde_json::from_str(text)
                .map_err(|e| ApiError::Internal(format!("job {}: its stored problem does not read: {e}", j.id)))?,
        ),
        None => None,
    };
    Ok(JobView {
        id: j.id.uuid(),
        kind: j.kind,
        status: j.status,
        progress,
        result_location: j.result_location,
        problem,
        attempts: j.attempts,
        created_at: utc(j.created_at),
        started_at: j.started_at.map(utc),
        finished_at: j.finished_at.map(utc),
    })
}

/// Whether a request asks to be answered at once and have its work done as a job (RFC 7240).
pub fn wants_async(req: &HttpRequest) -> bool {
    req.headers()
        .get_all("prefer")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.split(';').next().is_some_and(|token| token.trim().eq_ignore_ascii_case("respond-async")))
}

/// The 202 answering a request whose work was stored as `job`.
pub fn accepted(state: &AppState, job: Job) -> Result<HttpResponse, ApiError> {
    let id = job.id;
    state.jobs.wake();
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/api/v1/jobs/{id}")))
        .insert_header(("preference-applied", "respond-async"))
        .insert_header((header::RETRY_AFTER, "1"))
        .json(view(state, job)?))
}

/// Follows a job.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", operation_id = "get_job",
    summary = "A job: where it stands, how far it has come, and at the end its result's location or its problem",
    description = "While the job is `queued` or `running` the answer carries `Retry-After` (seconds) to ask again.",
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, description = "The job", body = JobView,
            headers(("retry-after" = String, description = "Seconds to wait before asking again, while the job has not ended"))),
    ),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let j = call.read(move |conn, caller| job::get(conn, caller, id)).await?;
    let ended = j.status.ended();
    let mut res = HttpResponse::Ok();
    if !ended {
        res.insert_header((header::RETRY_AFTER, "1"));
    }
    Ok(res.json(view(&call.state, j)?))
}

/// The file a job made.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/file", tag = "jobs", operation_id = "get_job_file",
    summary = "The file a succeeded job made (the SIASN export's CSV, an import's JSON report), under the rule of the work that made it",
    description = "Served to whoever follows the job and may still do the work that made it: a caller who lost \
        the right since gets it no more. A job that has not ended, or made no file, has none (404).",
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, description = "The file", content(
                (String = "text/csv"),
                (crate::routes::import::ImportReportView = "application/json"),
            ),
            headers(("content-disposition" = String, description = "`attachment` with the file's name"))),
    ),
    security(("bearer" = [])))]
pub async fn file(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let f = call.read(move |conn, caller| job::file(conn, caller, id)).await?;
    Ok(HttpResponse::Ok()
        .content_type(f.content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", f.name)))
        .body(f.body))
}
