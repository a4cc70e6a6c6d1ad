//! Evidence files (issue 21): an employee uploads a photo or a PDF of a day's work, then names it
//! in the log (`evidence_file_ids`, on the web or in a phone's batch). Files are checked by their
//! content, a picture's metadata is removed but its position, and a file is served only to those
//! who may read its log.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::evidence::{self, EvidenceError, MediaType};
use ekinerja_domain::id::{DailyLogId, EmployeeId, EvaluationId, EvidenceFileId, IndicatorId, LeaveRequestId};
use ekinerja_persistence::evidence::{self as store, EvidenceFile};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, utc};
use crate::call::Call;
use crate::error::ApiError;

/// An evidence file.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileView {
    #[schema(value_type = String, format = Uuid)]
    pub id: EvidenceFileId,
    /// Whose work it proves.
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    /// The log it proves; `null` until a log names it.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub daily_log_id: Option<DailyLogId>,
    /// Or the leave request it supports (a doctor's letter)…
    #[schema(value_type = Option<String>, format = Uuid)]
    pub leave_request_id: Option<LeaveRequestId>,
    /// …or the evaluation whose self-assessed realisation it proves…
    #[schema(value_type = Option<String>, format = Uuid)]
    pub evaluation_id: Option<EvaluationId>,
    /// …for this indicator.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub indicator_id: Option<IndicatorId>,
    /// What the content is, whatever it was called.
    pub media_type: MediaType,
    /// Bytes stored (a picture without its metadata).
    pub size_bytes: i64,
    /// SHA-256 of the stored bytes, lower-case hex.
    pub sha256: String,
    /// A photo's GPS position, the only metadata kept.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Where to fetch the bytes.
    #[schema(example = "/api/v1/files/0193a9c2-7f51-7c3e-9a41-2f3b5d6e7a80/content")]
    pub content_url: String,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<EvidenceFile> for FileView {
    type Error = ApiError;

    fn try_from(f: EvidenceFile) -> Result<Self, ApiError> {
        Ok(FileView {
            media_type: f.media_type()?,
            content_url: format!("/api/v1/files/{}/content", f.id),
            id: f.id,
            employee_id: f.employee_id,
            daily_log_id: f.daily_log_id,
            leave_request_id: f.leave_request_id,
            evaluation_id: f.evaluation_id,
            indicator_id: f.indicator_id,
            size_bytes: f.size_bytes,
            sha256: f.sha256,
            latitude: f.latitude,
            longitude: f.longitude,
            created_at: utc(f.created_at),
        })
    }
}

/// A log's or a realisation's files.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileList {
    pub items: Vec<FileView>,
}

/// Which of a realisation's files to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RealisationFiles {
    /// One indicator's files only.
    pub indicator_id: Option<Uuid>,
}

/// What the client called the file, to refuse a name that contradicts the content.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The file's name on the phone, such as `IMG_0412.png`: an extension of another type than
    /// the content is refused.
    #[param(example = "IMG_0412.png", max_length = 255)]
    pub name: Option<String>,
}

/// The type a file name's extension claims, where it claims one of ours.
fn claimed_by_name(name: &str) -> Option<MediaType> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" | "jfif" => Some(MediaType::Jpeg),
        "png" => Some(MediaType::Png),
        "pdf" => Some(MediaType::Pdf),
        _ => None,
    }
}

fn refused(e: EvidenceError) -> ApiError {
    match e {
        EvidenceError::TooLarge => ApiError::PayloadTooLarge(evidence::MAX_BYTES),
        other => ApiError::field("content", other.to_string()),
    }
}

/// A file's bytes: a JPEG or PNG picture, or a PDF document.
// Only a schema, for the body of an upload and of a download: a binary string, so a generated
// client sends and receives the bytes themselves, not a JSON array of numbers.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct FileBytes(Vec<u8>);

/// Uploads an evidence file.
#[utoipa::path(post, path = "/api/v1/files", tag = "files", operation_id = "upload_file",
    summary = "Upload a photo or PDF proving one's own work",
    description = "The body is the file itself, with its type as `Content-Type` (`image/jpeg`, `image/png`, \
        `application/pdf`, or `application/octet-stream` to let the content say). The content decides: a body that is \
        not a whole JPEG, PNG or PDF is refused, and so is one whose declared type or file name (`name`) says otherwise. \
        A picture's metadata (camera, owner, time, thumbnails, comments) is removed; its GPS position is kept and fills \
        the location of the log that names the file, when the log gives none. At most 10 MiB; the agency's quota \
        (`evidence_quota_bytes`) bounds what it stores.",
    params(UploadQuery),
    request_body(description = "The file's bytes",
        content((FileBytes = "image/jpeg"), (FileBytes = "image/png"), (FileBytes = "application/pdf"), (FileBytes = "application/octet-stream"))),
    responses(
        (status = 201, description = "Stored", body = FileView, headers(("location" = String, description = "URL of the file"))),
        (status = 403, description = "Not an employee account", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The agency's evidence quota is used up", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 10 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a JPEG, PNG or PDF by its content, or not the type declared (`#/content`, `#/name`)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn upload(
    call: Call,
    req: HttpRequest,
    q: web::Query<UploadQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    call.own_record(ekinerja_domain::access::Area::DailyLogWrite)?;
    let declared = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let declared = match declared.as_deref() {
        None | Some("application/octet-stream") => None,
        Some(m) => Some(MediaType::parse(m).ok_or(ApiError::UnsupportedMediaType(
            "image/jpeg, image/png, application/pdf or application/octet-stream",
        ))?),
    };
    let name = q.into_inner().name;
    if name.as_ref().is_some_and(|n| n.chars().count() > 255) {
        return Err(ApiError::field("name", "at most 255 characters"));
    }
    let evidence = web::block(move || evidence::accept(body.to_vec(), declared))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(refused)?;
    if let Some(claimed) = name.as_deref().and_then(claimed_by_name).filter(|c| *c != evidence.media_type) {
        return Err(ApiError::field(
            "name",
            format!("the name says {claimed} but the content is {}", evidence.media_type),
        ));
    }
    let files = call.state.files.clone();
    let row = call.write(move |conn, change| store::upload(conn, change, &files, evidence)).await?;
    let id = row.id;
    Ok(created(format!("/api/v1/files/{id}"), &FileView::try_from(row)?))
}

/// Reads a file's description.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files", operation_id = "get_file",
    summary = "Read an evidence file's description", params(("id" = Uuid, Path, description = "File id")),
    responses(
        (status = 200, description = "The file", body = FileView),
        (status = 404, description = "No such file, or one the caller may not read", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = call.state.now();
    let row = call.read(move |conn, caller| store::get(conn, caller, id, now)).await?;
    Ok(HttpResponse::Ok().json(FileView::try_from(row)?))
}

/// Reads a file's bytes.
#[utoipa::path(get, path = "/api/v1/files/{id}/content", tag = "files", operation_id = "get_file_content",
    summary = "Download an evidence file", params(("id" = Uuid, Path, description = "File id")),
    responses(
        (status = 200, description = "The stored bytes, with their type",
            content((FileBytes = "image/jpeg"), (FileBytes = "image/png"), (FileBytes = "application/pdf"))),
        (status = 404, description = "No such file, or one the caller may not read", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn content(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = call.state.now();
    let files = call.state.files.clone();
    let (row, bytes) = call.read(move |conn, caller| store::content(conn, caller, &files, id, now)).await?;
    let media = row.media_type()?;
    Ok(HttpResponse::Ok()
        .content_type(media.as_str())
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // A picture shows in place; a document is a download, and neither runs anything from
        // the API's origin.
        .insert_header((
            header::CONTENT_DISPOSITION,
            match media {
                MediaType::Pdf => format!("attachment; filename=\"{}.pdf\"", row.id),
                _ => format!("inline; filename=\"{}\"", row.id),
            },
        ))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}

/// Lists a daily log's files.
#[utoipa::path(get, path = "/api/v1/daily-logs/{id}/files", tag = "files", operation_id = "list_daily_log_files",
    summary = "The evidence files of a daily log", params(("id" = Uuid, Path, description = "Daily log id")),
    responses(
        (status = 200, description = "The files, oldest first", body = FileList),
        (status = 404, description = "No such log, or one the caller may not read", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn of_log(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let (log, now) = (id.into_inner(), call.state.now());
    listed(call.read(move |conn, caller| store::of_log(conn, caller, log, now)).await?)
}

/// Lists a leave request's files.
#[utoipa::path(get, path = "/api/v1/leave-requests/{id}/files", tag = "files", operation_id = "list_leave_request_files",
    summary = "The evidence files of a leave request", params(("id" = Uuid, Path, description = "Leave request id")),
    responses(
        (status = 200, description = "The files, oldest first", body = FileList),
        (status = 404, description = "No such leave request, or one the caller may not read", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn of_leave(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let (leave, now) = (id.into_inner(), call.state.now());
    listed(call.read(move |conn, caller| store::of_leave(conn, caller, leave, now)).await?)
}

/// Lists the files of an evaluation's realisation.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}/files", tag = "files", operation_id = "list_evaluation_files",
    summary = "The evidence files of an evaluation's realisation, or of one of its indicators",
    params(("id" = Uuid, Path, description = "Evaluation id"), RealisationFiles),
    responses(
        (status = 200, description = "The files, oldest first", body = FileList),
        (status = 404, description = "No such evaluation, or one the caller may not read", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn of_realisation(
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<RealisationFiles>,
) -> Result<HttpResponse, ApiError> {
    let (evaluation, indicator, now) = (id.into_inner(), q.into_inner().indicator_id, call.state.now());
    listed(call.read(move |conn, caller| store::of_realisation(conn, caller, evaluation, indicator, now)).await?)
}

fn listed(rows: Vec<store::EvidenceFile>) -> Result<HttpResponse, ApiError> {
    let items = rows.into_iter().map(FileView::try_from).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(FileList { items }))
}
