//! What systems read with an integration key: the roster an attendance system enrolls
//! (`employees_read`) and the approved allowance runs a payroll system pays from
//! (`allowance_read`). A key reads its own agency only and never reaches a person's endpoint; a key
//! issued with a signing secret signs every request, reads included (over an empty body).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::id::{EmployeeId, OrgUnitId};
use ekinerja_persistence::{allowance_run, roster};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::allowance::{run_answer, RunList, RunSummaryView, RunView};
use super::{page_request, utc};
use crate::error::ApiError;
use crate::integration::IntegrationCaller;
use crate::state::{db, AppState};

/// The most roster entries a read returns.
const MAX_ROSTER: i64 = 1000;

/// Where to resume.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RosterQuery {
    /// `next_since` of the previous read; absent for the whole roster.
    pub since: Option<String>,
    /// Entries per read, 1 to 1000 (default 500).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// An employee as an attendance system enrolls them.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterEntryView {
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    #[schema(example = "198503152010011001")]
    pub nip: String,
    pub name: String,
    /// Whether the employee is in service; an inactive one is kept on the roster so a system
    /// un-enrolls them.
    pub active: bool,
    /// The unit of the employee's post, if they hold one.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub org_unit_id: Option<OrgUnitId>,
    pub org_unit_code: Option<String>,
    pub org_unit_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A read of the roster's changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterChanges {
    /// Employees whose NIP, name, unit or service changed, oldest change first; each appears
    /// once, as they are now.
    pub items: Vec<RosterEntryView>,
    /// Pass as `since` next time; `null` only when the roster is empty.
    pub next_since: Option<String>,
    /// Whether more changes wait: read again at once with `next_since`.
    pub more: bool,
}

fn since_of(text: &str) -> Option<roster::Since> {
    let (seq, id) = text.split_once('.')?;
    let seq: i64 = seq.parse().ok().filter(|s| *s >= 0)?;
    let id = Uuid::parse_str(id).ok()?;
    Some(roster::Since { seq, employee_id: id.into() })
}

/// The roster's changes.
#[utoipa::path(get, path = "/api/v1/integration/employees", tag = "integration", operation_id = "list_roster_changes",
    summary = "The roster an attendance system enrolls, changed since the last read (integration key with employees_read)",
    description = "Without `since`, the whole roster of the key's agency; with the `next_since` of the last read, \
        only the employees whose NIP, name, unit or service changed since, each as it is now. Changes are \
        numbered in the order they were committed, so reading until `more` is false never misses one.",
    params(RosterQuery),
    responses(
        (status = 200, description = "Changes, oldest first", body = RosterChanges),
        (status = 403, description = "The key lacks the employees_read scope", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("integration_key" = [])))]
pub async fn roster(
    state: web::Data<AppState>,
    key: IntegrationCaller,
    req: HttpRequest,
    q: web::Query<RosterQuery>,
) -> Result<HttpResponse, ApiError> {
    key.verify_signature(&req, b"", state.now().timestamp())?;
    let q = q.into_inner();
    let limit = q.limit.unwrap_or(500);
    if !(1..=MAX_ROSTER).contains(&limit) {
        return Err(ApiError::BadParameter(format!("limit must be from 1 to {MAX_ROSTER}")));
    }
    let since = match q.since.as_deref() {
        None => None,
        Some(s) => Some(
            since_of(s).ok_or_else(|| ApiError::BadParameter("since is not a next_since this API issued".into()))?,
        ),
    };
    let integration = key.integration;
    let page = db(&state, move |conn| roster::changes(conn, &integration, since, limit)).await?;
    Ok(HttpResponse::Ok().json(RosterChanges {
        next_since: page.next.map(|s| format!("{}.{}", s.seq, s.employee_id)),
        more: page.more,
        items: page
            .items
            .into_iter()
            .map(|e| RosterEntryView {
                employee_id: e.employee_id,
                nip: e.nip,
                name: e.name,
                active: e.active,
                org_unit_id: e.org_unit_id,
                org_unit_code: e.org_unit_code,
                org_unit_name: e.org_unit_name,
                updated_at: utc(e.updated_at),
            })
            .collect(),
    }))
}

/// Which approved runs.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ApprovedRunQuery {
    /// `YYYY-MM`.
    #[param(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Approved runs.
#[utoipa::path(get, path = "/api/v1/integration/allowance-runs", tag = "integration", operation_id = "list_approved_allowance_runs",
    summary = "The approved allowance runs of the key's agency, by month (integration key with allowance_read)",
    description = "Drafts are never shown. A month corrected after approval has a later run whose \
        `previous_run_id` names the one it corrects.",
    params(ApprovedRunQuery),
    responses(
        (status = 200, description = "A page of approved runs, without their lines", body = RunList),
        (status = 403, description = "The key lacks the allowance_read scope", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("integration_key" = [])))]
pub async fn approved_runs(
    state: web::Data<AppState>,
    key: IntegrationCaller,
    req: HttpRequest,
    q: web::Query<ApprovedRunQuery>,
) -> Result<HttpResponse, ApiError> {
    key.verify_signature(&req, b"", state.now().timestamp())?;
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let month = match q.month.as_deref() {
        Some(m) => Some(super::query_month(m)?),
        None => None,
    };
    let integration = key.integration;
    let rows = db(&state, move |conn| allowance_run::approved_for_key(conn, &integration, month, &page)).await?;
    let next_cursor = rows.next_cursor.clone();
    let items = rows.items.into_iter().map(RunSummaryView::try_from).collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(RunList { items, next_cursor }))
}

/// One approved run with its payroll lines.
#[utoipa::path(get, path = "/api/v1/integration/allowance-runs/{id}", tag = "integration", operation_id = "get_approved_allowance_run",
    summary = "An approved run with every employee's payroll line (integration key with allowance_read)",
    params(("id" = Uuid, Path, description = "Run id")),
    responses(
        (status = 200, description = "The run and its lines", body = RunView),
        (status = 403, description = "The key lacks the allowance_read scope", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No approved run of the key's agency with this id", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("integration_key" = [])))]
pub async fn approved_run(
    state: web::Data<AppState>,
    key: IntegrationCaller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    key.verify_signature(&req, b"", state.now().timestamp())?;
    let id = id.into_inner();
    let integration = key.integration;
    let d = db(&state, move |conn| allowance_run::approved_run_for_key(conn, &integration, id)).await?;
    run_answer(&state, HttpResponse::Ok(), d).await
}
