//! Read views over the agreements of a period: cascade trees, the alignment report, the
//! printable SKP form.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use ekinerja_domain::agreement::{AgreementStatus, ResultKind};
use ekinerja_domain::id::{AgreementId, EmployeeId, PlannedResultId};
use ekinerja_persistence::cascade;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::agreement::{detail_view, AgreementDetailView};
use super::employee::EmployeeView;
use super::period::GoalView;
use crate::call::Call;
use crate::error::ApiError;

/// A planned result in a cascade, with what cascades from it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CascadeNodeView {
    #[schema(value_type = String, format = Uuid)]
    pub result_id: PlannedResultId,
    #[schema(value_type = String, format = Uuid)]
    pub lineage_id: PlannedResultId,
    pub kind: ResultKind,
    pub description: String,
    #[schema(value_type = String, format = Uuid)]
    pub agreement_id: AgreementId,
    pub agreement_status: AgreementStatus,
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    pub employee_nip: String,
    pub employee_name: String,
    #[schema(no_recursion)]
    pub children: Vec<CascadeNodeView>,
}

impl From<cascade::CascadeNode> for CascadeNodeView {
    fn from(n: cascade::CascadeNode) -> Self {
        CascadeNodeView {
            kind: n.kind,
            agreement_status: n.agreement_status,
            result_id: n.result_id,
            lineage_id: n.lineage_id,
            description: n.description,
            agreement_id: n.agreement_id,
            employee_id: n.employee_id,
            employee_nip: n.employee_nip,
            employee_name: n.employee_name,
            children: n.children.into_iter().map(CascadeNodeView::from).collect(),
        }
    }
}

/// A cascade tree: the results at its top, each with everything below.
#[derive(Debug, Serialize, ToSchema)]
pub struct CascadeView {
    pub items: Vec<CascadeNodeView>,
}

/// A goal with the tree under it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoalCascadeView {
    pub goal: GoalView,
    pub items: Vec<CascadeNodeView>,
}

/// The whole cascade of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodCascadeView {
    pub goals: Vec<GoalCascadeView>,
}

/// The whole cascade of a performance period.
#[utoipa::path(get, path = "/api/v1/performance-periods/{id}/cascade", tag = "agreements", operation_id = "get_period_cascade",
    summary = "The whole cascade of a period: every organisational goal with its tree down to every employee",
    params(("id" = Uuid, Path, description = "Period id")),
    responses(
        (status = 200, description = "Every goal's tree, in a fixed number of queries", body = PeriodCascadeView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn period_cascade(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let goals = call.read(move |conn, caller| cascade::under_period(conn, caller, id)).await?;
    Ok(HttpResponse::Ok().json(PeriodCascadeView {
        goals: goals
            .into_iter()
            .map(|(g, nodes)| GoalCascadeView {
                goal: g.into(),
                items: nodes.into_iter().map(CascadeNodeView::from).collect(),
            })
            .collect(),
    }))
}

/// The cascade under an organisational goal.
#[utoipa::path(get, path = "/api/v1/organisational-goals/{id}/cascade", tag = "agreements", operation_id = "get_goal_cascade",
    summary = "The whole cascade under an organisational goal, down to every employee",
    params(("id" = Uuid, Path, description = "Goal id")),
    responses(
        (status = 200, description = "The tree of planned results in force, in a fixed number of queries", body = CascadeView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn goal_cascade(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = call.state.now();
    let nodes = call.read(move |conn, caller| cascade::under_goal(conn, caller, id, now)).await?;
    Ok(HttpResponse::Ok().json(CascadeView { items: nodes.into_iter().map(CascadeNodeView::from).collect() }))
}

/// The cascade under a planned result.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/planned-results/{result_id}/cascade", tag = "agreements", operation_id = "get_result_cascade",
    summary = "The whole cascade under a planned result, down to every employee",
    params(("id" = Uuid, Path, description = "Agreement id"), ("result_id" = Uuid, Path, description = "Planned result id")),
    responses((status = 200, description = "The result and the tree below it, in a fixed number of queries", body = CascadeView)),
    security(("bearer" = [])))]
pub async fn result_cascade(call: Call, path: web::Path<(Uuid, Uuid)>) -> Result<HttpResponse, ApiError> {
    let (id, result_id) = path.into_inner();
    let now = call.state.now();
    let nodes = call.read(move |conn, caller| cascade::under_result(conn, caller, id, result_id, now)).await?;
    Ok(HttpResponse::Ok().json(CascadeView { items: nodes.into_iter().map(CascadeNodeView::from).collect() }))
}

/// A main result that cascades from nothing in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnlinkedResultView {
    #[schema(value_type = String, format = Uuid)]
    pub result_id: PlannedResultId,
    pub description: String,
    #[schema(value_type = String, format = Uuid)]
    pub agreement_id: AgreementId,
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
}

/// What a unit still has to align.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlignmentView {
    pub unlinked_results: Vec<UnlinkedResultView>,
    pub unsupported_goals: Vec<GoalView>,
    pub employees_without_approved_agreement: Vec<EmployeeView>,
}

/// The period to report on.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlignmentQuery {
    pub period_id: Uuid,
}

/// The alignment report of a unit.
#[utoipa::path(get, path = "/api/v1/org-units/{id}/alignment", tag = "agreements", operation_id = "get_unit_alignment",
    summary = "Alignment report of a unit and its sub-units: unlinked results, unsupported goals, employees without an approved agreement",
    params(("id" = Uuid, Path, description = "Org unit id"), AlignmentQuery),
    responses(
        (status = 200, description = "The report", body = AlignmentView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn alignment(
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<AlignmentQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let period = q.into_inner().period_id;
    let now = call.state.now();
    let a = call.read(move |conn, caller| cascade::alignment(conn, caller, id, period, now)).await?;
    Ok(HttpResponse::Ok().json(AlignmentView {
        unlinked_results: a
            .unlinked_results
            .into_iter()
            .map(|u| UnlinkedResultView {
                result_id: u.result_id,
                description: u.description,
                agreement_id: u.agreement_id,
                employee_id: u.employee_id,
            })
            .collect(),
        unsupported_goals: a.unsupported_goals.into_iter().map(GoalView::from).collect(),
        employees_without_approved_agreement: a
            .employees_without_approved_agreement
            .into_iter()
            .map(EmployeeView::from)
            .collect(),
    }))
}

/// A person as printed on the SKP form.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatoryView {
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    pub nip: String,
    pub name: String,
    /// Golongan/ruang.
    pub rank: Option<String>,
    /// Jabatan.
    pub position: String,
    /// Unit kerja.
    pub org_unit: String,
    /// Plt or Plh when signing as an acting official.
    pub acting: Option<ekinerja_domain::ActingKind>,
}

impl From<cascade::Signatory> for SignatoryView {
    fn from(s: cascade::Signatory) -> Self {
        SignatoryView {
            employee_id: s.employee_id,
            nip: s.nip,
            name: s.name,
            rank: s.rank,
            position: s.position,
            org_unit: s.org_unit,
            acting: s.acting,
        }
    }
}

/// Everything the official SKP form prints.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementDocumentView {
    pub agency_name: String,
    pub year: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Pegawai yang dinilai.
    pub employee: SignatoryView,
    /// Pejabat penilai kinerja: the direct supervisor.
    pub supervisor: Option<SignatoryView>,
    /// Atasan pejabat penilai kinerja.
    pub supervisors_supervisor: Option<SignatoryView>,
    pub agreement: AgreementDetailView,
}

/// The printable SKP form of an agreement.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/document", tag = "agreements", operation_id = "get_agreement_document",
    summary = "Everything needed to print the official SKP form of an agreement",
    params(("id" = Uuid, Path, description = "Agreement id")),
    responses((status = 200, description = "The form's content", body = AgreementDocumentView)),
    security(("bearer" = [])))]
pub async fn document(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = call.state.now();
    let d = call.read(move |conn, caller| cascade::document(conn, caller, id, now)).await?;
    Ok(HttpResponse::Ok().json(AgreementDocumentView {
        agency_name: d.agency_name,
        year: d.year,
        starts_on: d.starts_on,
        ends_on: d.ends_on,
        employee: d.employee.into(),
        supervisor: d.supervisor.map(SignatoryView::from),
        supervisors_supervisor: d.supervisors_supervisor.map(SignatoryView::from),
        agreement: detail_view(d.agreement),
    }))
}
