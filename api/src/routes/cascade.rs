//! Read views over the agreements of a period: cascade trees, the alignment report, the
//! printable SKP form.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use ekinerja_domain::agreement::{AgreementStatus, ResultKind};
use ekinerja_domain::id::{AgreementId, EmployeeId, GoalId, PlannedResultId};
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
#[derive(Serialize, ToSchema)]
pub struct CascadeNodeView<'a> {
    #[schema(value_type = String, format = Uuid)]
    pub result_id: PlannedResultId,
    #[schema(value_type = String, format = Uuid)]
    pub lineage_id: PlannedResultId,
    pub kind: ResultKind,
    pub description: &'a str,
    #[schema(value_type = String, format = Uuid)]
    pub agreement_id: AgreementId,
    pub agreement_status: AgreementStatus,
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    pub employee_nip: &'a str,
    pub employee_name: &'a str,
    #[schema(no_recursion, value_type = Vec<CascadeNodeView>)]
    pub children: Nodes<'a>,
}

impl<'a> CascadeNodeView<'a> {
    fn of(n: cascade::CascadeNode<'a>) -> Self {
        CascadeNodeView {
            result_id: n.result_id(),
            lineage_id: n.lineage_id(),
            kind: n.kind(),
            description: n.description(),
            agreement_id: n.agreement_id(),
            agreement_status: n.agreement_status(),
            employee_id: n.employee_id(),
            employee_nip: n.employee_nip(),
            employee_name: n.employee_name(),
            children: Nodes::Below(n),
        }
    }
}

/// Results of a loaded cascade, written out as an array of [`CascadeNodeView`] a node at a time:
/// no second tree is built to be written.
pub enum Nodes<'a> {
    /// The results at the top.
    Roots(&'a cascade::Cascade),
    /// The results at the top that support a goal.
    Supporting(&'a cascade::Cascade, GoalId),
    /// The results that cascade from one.
    Below(cascade::CascadeNode<'a>),
}

impl Serialize for Nodes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Nodes::Roots(c) => s.collect_seq(c.roots().map(CascadeNodeView::of)),
            Nodes::Supporting(c, goal) => s.collect_seq(c.roots_under(goal).map(CascadeNodeView::of)),
            Nodes::Below(n) => s.collect_seq(n.children().map(CascadeNodeView::of)),
        }
    }
}

/// A cascade tree: the results at its top, each with everything below.
#[derive(Serialize, ToSchema)]
pub struct CascadeView<'a> {
    #[schema(value_type = Vec<CascadeNodeView>)]
    pub items: Nodes<'a>,
}

/// A goal with the tree under it.
#[derive(Serialize, ToSchema)]
pub struct GoalCascadeView<'a> {
    pub goal: GoalView,
    #[schema(value_type = Vec<CascadeNodeView>)]
    pub items: Nodes<'a>,
}

/// The whole cascade of a period.
#[derive(Serialize, ToSchema)]
pub struct PeriodCascadeView<'a> {
    pub goals: Vec<GoalCascadeView<'a>>,
}

/// A tree as [`CascadeView`], written out as it is serialised: the tree of an agency of a
/// hundred thousand employees is never held twice, nor its JSON whole.
async fn tree_answer(tree: cascade::Cascade) -> Result<HttpResponse, ApiError> {
    crate::streamed::json(HttpResponse::Ok(), "a cascade tree", move |w| {
        serde_json::to_writer(w, &CascadeView { items: Nodes::Roots(&tree) })
    })
    .await
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
    let (goals, tree) = call.read(move |conn, caller| cascade::under_period(conn, caller, id)).await?;
    let goals: Vec<(GoalId, GoalView)> = goals.into_iter().map(|g| (g.id, g.into())).collect();
    crate::streamed::json(HttpResponse::Ok(), "a period's cascade", move |w| {
        let goals =
            goals.into_iter().map(|(id, goal)| GoalCascadeView { goal, items: Nodes::Supporting(&tree, id) }).collect();
        serde_json::to_writer(w, &PeriodCascadeView { goals })
    })
    .await
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
    tree_answer(call.read(move |conn, caller| cascade::under_goal(conn, caller, id, now)).await?).await
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
    tree_answer(call.read(move |conn, caller| cascade::under_result(conn, caller, id, result_id, now)).await?).await
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
