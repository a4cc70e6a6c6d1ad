//! The agency's allowance and discipline policy, versioned by month.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use ekinerja_domain::access::Area;
use ekinerja_domain::allowance::{
    AgencyPolicy, AllowancePolicy, Breakdown, LineStatus, PendingReason, PerformanceBasis, RunStatus,
};
use ekinerja_domain::discipline::DisciplinePolicy;
use ekinerja_domain::evaluation::Predicate;
use ekinerja_domain::field::Field;
use ekinerja_domain::id::{AccountId, AgencyId, AllowancePolicyId, AllowanceRunId, EmployeeId, OrgUnitId};
use ekinerja_persistence::allowance_policy::{self, PolicyVersion};
use ekinerja_persistence::allowance_run;
use ekinerja_persistence::Change;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, list_of, page_request, utc};
use crate::call::Call;
use crate::error::ApiError;
use crate::extract::{with_etag, Json};
use crate::request_id;
use crate::state::{db, AppState};

/// The performance factor per predicate, in basis points.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PredicateFactors {
    #[schema(example = 10_000, minimum = 0, maximum = 10_000)]
    pub very_good: i64,
    #[schema(example = 10_000, minimum = 0, maximum = 10_000)]
    pub good: i64,
    #[schema(example = 9_000, minimum = 0, maximum = 10_000)]
    pub needs_improvement: i64,
    #[schema(example = 8_500, minimum = 0, maximum = 10_000)]
    pub poor: i64,
    #[schema(example = 8_000, minimum = 0, maximum = 10_000)]
    pub very_poor: i64,
}

/// A deduction band: late or early by up to this many minutes deducts this much.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// 1 to 1,440 (a day), each band above the one before.
    #[schema(example = 30, minimum = 1, maximum = 1440)]
    pub up_to_minutes: u32,
    #[schema(example = 50, minimum = 0, maximum = 10_000)]
    pub deduction_bp: i64,
}

/// A position class's monthly base amount.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BaseAmount {
    /// Position class (kelas jabatan), 1 to 17.
    #[schema(example = 9, minimum = 1, maximum = 17)]
    pub class: i32,
    /// Rupiah a month, 0 to 1,000,000,000.
    #[schema(example = 4_000_000, minimum = 0, maximum = 1_000_000_000)]
    pub amount: i64,
}

/// The rules themselves (every field required: nothing changes silently).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// What the performance part rests on: the predicate, or approved daily-log minutes.
    pub performance_basis: PerformanceBasis,
    #[schema(example = 7_000, minimum = 0, maximum = 10_000)]
    pub performance_weight_bp: i64,
    #[schema(example = 3_000, minimum = 0, maximum = 10_000)]
    pub discipline_weight_bp: i64,
    pub predicate_factors_bp: PredicateFactors,
    /// Productivity basis: target minutes per working day not excused, at most the agency's
    /// `daily_log_cap_minutes`. A day's minutes count up to that cap: one setting for log entry
    /// and the allowance, set on the agency (`PATCH /api/v1/agencies/{id}`).
    #[schema(example = 300, minimum = 1, maximum = 1440)]
    pub target_minutes_per_day: i64,
    /// Late-arrival and early-departure bands, ascending.
    pub deduction_bands: Vec<Band>,
    /// Beyond the last band.
    #[schema(example = 150, minimum = 0, maximum = 10_000)]
    pub over_deduction_bp: i64,
    /// No check-in, or no check-out.
    #[schema(example = 150, minimum = 0, maximum = 10_000)]
    pub no_record_deduction_bp: i64,
    /// A working day without any record (TK).
    #[schema(example = 500, minimum = 0, maximum = 10_000)]
    pub absent_deduction_bp: i64,
    /// Late minutes a month forgiven, at most 600.
    #[schema(example = 15, maximum = 600)]
    pub late_tolerance_minutes: u32,
    /// The month's deduction never exceeds this.
    #[schema(example = 10_000, minimum = 0, maximum = 10_000)]
    pub deduction_cap_bp: i64,
    pub base_amounts: Vec<BaseAmount>,
}

impl Rules {
    fn of(p: &AgencyPolicy) -> Self {
        let a = &p.allowance;
        let d = &p.discipline;
        Rules {
            performance_basis: a.basis,
            performance_weight_bp: a.performance_weight_bp,
            discipline_weight_bp: a.discipline_weight_bp,
            predicate_factors_bp: PredicateFactors {
                very_good: a.predicate_factor(Predicate::VeryGood),
                good: a.predicate_factor(Predicate::Good),
                needs_improvement: a.predicate_factor(Predicate::NeedsImprovement),
                poor: a.predicate_factor(Predicate::Poor),
                very_poor: a.predicate_factor(Predicate::VeryPoor),
            },
            target_minutes_per_day: a.target_minutes_per_day,
            deduction_bands: d.bands.iter().map(|(m, bp)| Band { up_to_minutes: *m, deduction_bp: *bp }).collect(),
            over_deduction_bp: d.over_bp,
            no_record_deduction_bp: d.no_record_bp,
            absent_deduction_bp: d.absent_bp,
            late_tolerance_minutes: d.tolerance_minutes,
            deduction_cap_bp: d.cap_bp,
            base_amounts: p
                .base_amounts
                .iter()
                .map(|(class, amount)| BaseAmount { class: *class, amount: *amount })
                .collect(),
        }
    }

    fn policy(&self) -> AgencyPolicy {
        let f = &self.predicate_factors_bp;
        AgencyPolicy {
            allowance: AllowancePolicy {
                basis: self.performance_basis,
                performance_weight_bp: self.performance_weight_bp,
                discipline_weight_bp: self.discipline_weight_bp,
                predicate_factors: [
                    (Predicate::VeryGood, f.very_good),
                    (Predicate::Good, f.good),
                    (Predicate::NeedsImprovement, f.needs_improvement),
                    (Predicate::Poor, f.poor),
                    (Predicate::VeryPoor, f.very_poor),
                ],
                target_minutes_per_day: self.target_minutes_per_day,
            },
            discipline: DisciplinePolicy {
                bands: self.deduction_bands.iter().map(|b| (b.up_to_minutes, b.deduction_bp)).collect(),
                over_bp: self.over_deduction_bp,
                no_record_bp: self.no_record_deduction_bp,
                absent_bp: self.absent_deduction_bp,
                tolerance_minutes: self.late_tolerance_minutes,
                cap_bp: self.deduction_cap_bp,
            },
            base_amounts: self.base_amounts.iter().map(|b| (b.class, b.amount)).collect(),
        }
    }
}

/// A version of the policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyView {
    /// `null` for the defaults, in force where the agency set nothing.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub id: Option<AllowancePolicyId>,
    /// The first month it applies to (`YYYY-MM`); `null` for the defaults.
    #[schema(example = "2026-12", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub effective_month: Option<String>,
    pub rules: Rules,
    pub created_at: Option<DateTime<Utc>>,
}

impl From<PolicyVersion> for PolicyView {
    fn from(v: PolicyVersion) -> Self {
        PolicyView {
            rules: Rules::of(v.policy()),
            id: Some(v.id),
            effective_month: Some(v.effective_month.format("%Y-%m").to_string()),
            created_at: Some(utc(v.created_at)),
        }
    }
}

/// Every version.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyList {
    pub items: Vec<PolicyView>,
}

/// A version to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPolicy {
    /// Required for a platform admin; the admin's own agency otherwise.
    pub agency_id: Option<Uuid>,
    /// The first month it applies to, `YYYY-MM`; a version for the same month is replaced.
    #[schema(example = "2026-12", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub effective_month: String,
    pub rules: Rules,
}

/// Which agency, and which month.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PolicyQuery {
    /// Platform admins only: the agency.
    pub agency_id: Option<Uuid>,
    /// `YYYY-MM` (in-force only; default: the current month).
    #[param(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
}

fn month_start(text: &str, field: &'static str) -> Result<NaiveDate, ApiError> {
    super::month_of(text).ok_or_else(|| ApiError::field(field, "must be YYYY-MM, from 2000 to 2100"))
}

/// Sets the allowance policy from a month on.
#[utoipa::path(post, path = "/api/v1/allowance-policies", tag = "allowance", operation_id = "set_allowance_policy",
    summary = "Set the allowance and discipline policy from a month on", request_body = SetPolicy,
    responses(
        (status = 201, description = "Set", body = PolicyView, headers(("location" = String, description = "The agency's versions"))),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn set(call: Call, body: Json<SetPolicy>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency = call.agency_to_write(b.agency_id, Area::AllowancePolicy).await?;
    let month = month_start(&b.effective_month, "effective_month")?;
    let policy = b.rules.policy();
    let row = call
        .write(move |conn, change| allowance_policy::set(conn, change, agency, month, &policy))
        .await
        .map_err(under_rules)?;
    Ok(created("/api/v1/allowance-policies".into(), &PolicyView::from(row)))
}

/// A refusal of a policy's rules, its field names put under `rules` as the body has them (the
/// body's own fields, `agency_id`, `effective_month` and `month`, stay where they are).
fn under_rules(e: ApiError) -> ApiError {
    match e {
        ApiError::Validation(fields) => ApiError::Validation(
            fields
                .into_iter()
                .map(|f| {
                    let own = ["agency_id", "effective_month", "month"].iter().any(|n| f.field == Field::from(*n));
                    let field = if own { f.field } else { f.field.within(Field::named("rules")) };
                    ekinerja_persistence::FieldError::new(field, f.detail)
                })
                .collect(),
        ),
        other => other,
    }
}

/// Lists the policy's versions.
#[utoipa::path(get, path = "/api/v1/allowance-policies", tag = "allowance", operation_id = "list_allowance_policies",
    summary = "Every version of the agency's allowance policy, by month", params(PolicyQuery),
    responses((status = 200, description = "The versions", body = PolicyList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<PolicyQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    // The list holds every version whatever the month, but a month that is not one is refused.
    if let Some(m) = q.month.as_deref() {
        super::query_month(m)?;
    }
    let agency = call.agency(q.agency_id)?;
    let rows = call.read(move |conn, caller| allowance_policy::list(conn, caller, agency)).await?;
    Ok(HttpResponse::Ok().json(PolicyList { items: rows.into_iter().map(PolicyView::from).collect() }))
}

/// The policy in force in a month.
#[utoipa::path(get, path = "/api/v1/allowance-policies/in-force", tag = "allowance", operation_id = "get_allowance_policy_in_force",
    summary = "The allowance policy in force in a month (the defaults where the agency set none)", params(PolicyQuery),
    responses((status = 200, description = "The policy in force", body = PolicyView)),
    security(("bearer" = [])))]
pub async fn in_force(call: Call, q: web::Query<PolicyQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let agency = call.agency(q.agency_id)?;
    let month = match q.month {
        Some(m) => super::query_month(&m)?,
        None => {
            let today = call.state.now().date_naive();
            today.with_day(1).unwrap_or(today)
        }
    };
    let row = call.read(move |conn, caller| allowance_policy::in_force_for(conn, caller, agency, month)).await?;
    Ok(HttpResponse::Ok().json(row.map_or_else(
        || PolicyView { id: None, effective_month: None, rules: Rules::of(&AgencyPolicy::default()), created_at: None },
        PolicyView::from,
    )))
}

/// One employee's line of a run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunLineView {
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    pub nip: String,
    pub name: String,
    /// The unit of the employee's post.
    pub unit_name: Option<String>,
    /// The OPD that unit belongs to (the unit itself for an OPD's own posts).
    pub opd_name: Option<String>,
    /// Position class (kelas jabatan).
    pub class: Option<i32>,
    /// `computed`; `pending` (no amount yet, see `pending_reason`; paid by a later run); or
    /// `not_rolled_out` (the unit is not rolled out in the month: no amount, not in the totals).
    pub status: LineStatus,
    /// Why a `pending` line has no amount; `null` otherwise.
    pub pending_reason: Option<PendingReason>,
    /// Rupiah; `null` unless computed.
    pub base: Option<i64>,
    /// Basis points; `null` unless computed.
    pub performance_factor_bp: Option<i64>,
    /// Basis points; `null` unless computed.
    pub discipline_factor_bp: Option<i64>,
    /// The month's discipline deduction, basis points (capped at 10,000); `null` unless computed.
    pub deduction_bp: Option<i64>,
    /// Rupiah; `null` unless computed.
    pub performance_part: Option<i64>,
    /// Rupiah; `null` unless computed.
    pub discipline_part: Option<i64>,
    /// Rupiah: the two parts; `null` unless computed (never 0 for "not known").
    pub amount: Option<i64>,
    /// For a correction: the amount of the run it corrects.
    pub previous_amount: Option<i64>,
    /// `amount - previous_amount`, for a computed line of a correction.
    pub difference: Option<i64>,
    /// Minutes of the employee's logs of the month still waiting for review when the run was
    /// computed: they count for nothing until accepted.
    pub unreviewed_minutes: i64,
    /// How a computed line was reached: the basis, the predicate or the productive and target
    /// minutes, both factors, every discipline line (day, reason, minutes, `deduction_bp`) and
    /// the amount in its two parts; `null` unless computed.
    pub breakdown: Option<Breakdown>,
}

impl TryFrom<allowance_run::RunLine> for RunLineView {
    type Error = ApiError;
    fn try_from(l: allowance_run::RunLine) -> Result<Self, ApiError> {
        let (status, pending_reason) = (l.status, l.pending_reason);
        let computed = status == LineStatus::Computed;
        let money = |v: i64| computed.then_some(v);
        let breakdown = l.breakdown()?;
        Ok(RunLineView {
            difference: l.previous_amount.filter(|_| computed).map(|p| l.amount - p),
            breakdown,
            employee_id: l.employee_id,
            nip: l.nip,
            name: l.name,
            unit_name: l.unit_name,
            opd_name: l.opd_name,
            class: l.class,
            status,
            pending_reason,
            base: money(l.base),
            performance_factor_bp: money(l.performance_factor_bp),
            discipline_factor_bp: money(l.discipline_factor_bp),
            deduction_bp: money(l.deduction_bp),
            performance_part: money(l.performance_part),
            discipline_part: money(l.discipline_part),
            amount: money(l.amount),
            previous_amount: l.previous_amount,
            unreviewed_minutes: l.unreviewed_minutes,
        })
    }
}

/// A run without its lines, as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunSummaryView {
    #[schema(value_type = String, format = Uuid)]
    pub id: AllowanceRunId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub org_unit_id: Option<OrgUnitId>,
    #[schema(example = "2026-11", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// `draft` (recomputed on demand) or `approved` (frozen).
    pub status: RunStatus,
    /// The approved run this one corrects.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub previous_run_id: Option<AllowanceRunId>,
    /// The policy version used; `null` for the defaults.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub policy_id: Option<AllowancePolicyId>,
    pub employees: i32,
    pub computed: i32,
    pub pending: i32,
    /// Lines of people whose unit is not rolled out in the month.
    pub not_rolled_out: i32,
    /// Rupiah: the sum of the computed lines.
    pub total: i64,
    pub computed_at: DateTime<Utc>,
    /// The account that computed it last (unknown for runs older than this record); with
    /// separation of duties on, that account does not approve it.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub computed_by_account_id: Option<AccountId>,
    pub approved_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub approved_by_account_id: Option<AccountId>,
    pub version: i32,
}

impl TryFrom<allowance_run::Run> for RunSummaryView {
    type Error = ApiError;
    fn try_from(r: allowance_run::Run) -> Result<Self, ApiError> {
        let status = r.status;
        Ok(RunSummaryView {
            id: r.id,
            agency_id: r.agency_id,
            org_unit_id: r.org_unit_id,
            month: r.month.format("%Y-%m").to_string(),
            status,
            previous_run_id: r.previous_run_id,
            policy_id: r.policy_id,
            employees: r.employees,
            computed: r.computed,
            pending: r.pending,
            not_rolled_out: r.not_rolled_out,
            total: r.total,
            computed_at: utc(r.computed_at),
            computed_by_account_id: r.computed_by_account_id,
            approved_at: r.approved_at.map(utc),
            approved_by_account_id: r.approved_by_account_id,
            version: r.version,
        })
    }
}

/// A run. A run of a thousand lines or more is sent as it is read, in chunks, after its status;
/// if the run is recomputed or approved meanwhile, the body stops before its end (it is not valid
/// JSON): read the run again. Its lines never mix two computations.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    #[serde(flatten)]
    pub run: RunSummaryView,
    /// The rules applied, as they were when the run was computed.
    pub rules: Option<Rules>,
    pub lines: Vec<RunLineView>,
}

/// Where a streamed run's answer is: its lines from where the last step ended, or its end.
enum Step {
    Lines(allowance_run::LinesAfter),
    Done,
}

/// A run as [`RunView`], written out as it is read: the run and its rules, then its lines a
/// step of `run_lines_per_step` at a time. A large agency's answer (every line with its
/// breakdown) is never held in memory whole.
///
/// The first step is read before the status is sent, so a run of one step is an ordinary answer
/// with its length, and a run recomputed or approved since it was read is a problem answer. Each
/// later step is read from the database when the client has taken the one before; a run
/// recomputed part way leaves that answer unfinished (the contract says: read it again), so it
/// never mixes lines of two computations.
pub(crate) async fn run_answer(
    state: &web::Data<AppState>,
    mut answer: actix_web::HttpResponseBuilder,
    d: allowance_run::RunDetail,
) -> Result<HttpResponse, ApiError> {
    let rules = d.run.policy.as_ref().map(|p| Rules::of(p.get()));
    let empty = RunView { run: RunSummaryView::try_from(d.run)?, rules, lines: Vec::new() };
    let mut head = serde_json::to_vec(&empty).map_err(|e| ApiError::Internal(format!("a run does not write: {e}")))?;
    // `lines` is the last field: `…,"lines":[]}` loses its `]}` and the lines follow.
    if !head.ends_with(b"[]}") {
        return Err(ApiError::Internal("a run's answer does not end with its lines".into()));
    }
    head.truncate(head.len() - 2);
    let (lines, per_step) = (d.lines, state.settings.run_lines_per_step);
    let (page, next) = db(state, move |conn| lines.page(conn, None, per_step)).await?;
    head.extend_from_slice(&lines_json(page, true, next.is_none())?);
    answer.content_type("application/json");
    let Some(next) = next else {
        return Ok(answer.body(head));
    };
    let state = state.clone();
    let rest = futures_util::stream::unfold(Step::Lines(next), move |step| {
        let state = state.clone();
        async move {
            let Step::Lines(after) = step else { return None };
            let read = db(&state, move |conn| lines.page(conn, Some(&after), per_step)).await;
            match read.and_then(|(page, next)| Ok((lines_json(page, false, next.is_none())?, next))) {
                Ok((bytes, Some(next))) => Some((Ok(bytes), Step::Lines(next))),
                Ok((bytes, None)) => Some((Ok(bytes), Step::Done)),
                Err(e) => {
                    log::warn!(target: "ekinerja::allowance", "a run's answer stopped part way: {e}");
                    Some((Err(e), Step::Done))
                }
            }
        }
    });
    let first = futures_util::stream::once(std::future::ready(Ok::<_, ApiError>(web::Bytes::from(head))));
    Ok(answer.streaming(futures_util::StreamExt::chain(first, rest)))
}

/// A step of a run's lines as JSON array elements: a comma before each but the answer's first,
/// and the end of the array and the run after the `last` step.
fn lines_json(page: Vec<allowance_run::RunLine>, first: bool, last: bool) -> Result<web::Bytes, ApiError> {
    let mut out = Vec::new();
    for (i, line) in page.into_iter().enumerate() {
        if !(first && i == 0) {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &RunLineView::try_from(line)?)
            .map_err(|e| ApiError::Internal(format!("a run line does not write: {e}")))?;
    }
    if last {
        out.extend_from_slice(b"]}");
    }
    Ok(web::Bytes::from(out))
}

list_of!(RunList, RunSummaryView, "allowance runs");

/// Filters and paging of runs.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunQuery {
    /// Platform admins only: the agency to list.
    pub agency_id: Option<Uuid>,
    /// `YYYY-MM`.
    #[param(example = "2026-11", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
    /// Runs of one unit (absent: runs of any scope, the agency's included).
    pub org_unit_id: Option<Uuid>,
    pub status: Option<RunStatus>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Lists runs.
#[utoipa::path(get, path = "/api/v1/allowance-runs", tag = "allowance", operation_id = "list_allowance_runs",
    summary = "List allowance runs by month, unit and status, without their lines",
    params(RunQuery),
    responses(
        (status = 200, description = "A page of runs, in the order they were first computed", body = RunList),
        (status = 403, description = "Not a leader, finance or the agency's admin", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn list_runs(call: Call, q: web::Query<RunQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let month = match q.month.as_deref() {
        Some(m) => Some(super::query_month(m)?),
        None => None,
    };
    let filter =
        allowance_run::RunFilter { agency_id: q.agency_id, month, org_unit_id: q.org_unit_id, status: q.status };
    let rows = call.read(move |conn, caller| allowance_run::list(conn, caller, &filter, &page)).await?;
    let next_cursor = rows.next_cursor.clone();
    let items = rows.items.into_iter().map(RunSummaryView::try_from).collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(RunList { items, next_cursor }))
}

/// A month to compute.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComputeRun {
    /// Required for a platform admin; the admin's own agency otherwise.
    pub agency_id: Option<Uuid>,
    /// A unit and its sub-units; absent for the whole agency.
    pub org_unit_id: Option<Uuid>,
    /// `YYYY-MM`, a month that is over.
    #[schema(example = "2026-11", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: String,
}

/// Computes (or recomputes) a month.
#[utoipa::path(post, path = "/api/v1/allowance-runs", tag = "allowance", operation_id = "compute_allowance_run",
    summary = "Compute a month's allowance for the agency or a unit: a new draft, the open draft recomputed, or a correction of the approved run",
    description = "With `Prefer: respond-async` the month is checked (the caller's right, a month that is over, \
        a unit of the agency) and the computation stored as a job, answered `202` at once: follow it at its \
        `Location` (`GET /api/v1/jobs/{id}`), which ends with the run's location. Without it the answer waits \
        for the run.",
    request_body = ComputeRun,
    params(("prefer" = Option<String>, Header, description = "`respond-async`: answer 202 with a job at once")),
    responses(
        (status = 200, description = "The open draft, recomputed", body = RunView),
        (status = 201, description = "A new draft (a correction when the month's run is approved)", body = RunView,
            headers(("location" = String, description = "URL of the run"))),
        (status = 202, description = "Stored as a job (`Prefer: respond-async`)", body = crate::routes::job::JobView,
            headers(("location" = String, description = "URL of the job"),
                ("preference-applied" = String, description = "`respond-async`"),
                ("retry-after" = String, description = "Seconds to wait before following the job"))),
        crate::openapi::AdminOnly,
        (status = 409, description = "The run was recomputed or approved meanwhile: read it again", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn compute_run(req: HttpRequest, call: Call, body: Json<ComputeRun>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency = call.agency_to_write(b.agency_id, Area::AllowanceCompute).await?;
    let month = month_start(&b.month, "month")?;
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    if crate::routes::job::wants_async(&req) {
        let unit = b.org_unit_id;
        let job = db(&call.state, move |conn| allowance_run::enqueue_compute(conn, &change, agency, unit, month, now))
            .await?;
        return crate::routes::job::accepted(&call.state, job);
    }
    let (d, is_new) =
        db(&call.state, move |conn| allowance_run::compute_run(conn, &change, agency, b.org_unit_id, month, now))
            .await?;
    let version = d.run.version;
    let id = d.run.id;
    if is_new {
        let mut answer = with_etag(HttpResponse::Created(), version);
        answer.insert_header((actix_web::http::header::LOCATION, format!("/api/v1/allowance-runs/{id}")));
        run_answer(&call.state, answer, d).await
    } else {
        run_answer(&call.state, with_etag(HttpResponse::Ok(), version), d).await
    }
}

/// Reads a run.
#[utoipa::path(get, path = "/api/v1/allowance-runs/{id}", tag = "allowance", operation_id = "get_allowance_run",
    summary = "A run with every employee's line and breakdown", params(("id" = Uuid, Path, description = "Run id")),
    responses(
        (status = 200, description = "The run, with its ETag", body = RunView),
        crate::openapi::AdminOnly,
        (status = 409, description = "The run was recomputed or approved while it was read: read it again", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn get_run(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let d = call.read(move |conn, caller| allowance_run::get(conn, caller, id)).await?;
    let version = d.run.version;
    run_answer(&call.state, with_etag(HttpResponse::Ok(), version), d).await
}

/// Approves a run.
#[utoipa::path(post, path = "/api/v1/allowance-runs/{id}/approve", tag = "allowance", operation_id = "approve_allowance_run",
    summary = "Approve a draft run: frozen from then on",
    params(("id" = Uuid, Path, description = "Run id"), ("If-Match" = String, Header, description = "The run's ETag")),
    responses(
        (status = 200, description = "Approved", body = RunView),
        crate::openapi::AdminOnly,
        (status = 409, description = "Approved already", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Recomputed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatchRequired,
    ),
    security(("bearer" = [])))]
pub async fn approve_run(
    call: Call,
    id: web::Path<Uuid>,
    if_match: crate::extract::IfMatch,
) -> Result<HttpResponse, ApiError> {
    let if_match = if_match.version()?;
    let id = id.into_inner();
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let d = db(&call.state, move |conn| allowance_run::approve(conn, &change, id, if_match, now)).await?;
    let version = d.run.version;
    run_answer(&call.state, with_etag(HttpResponse::Ok(), version), d).await
}

/// The payroll export of a run.
#[utoipa::path(get, path = "/api/v1/allowance-runs/{id}/payroll", tag = "allowance", operation_id = "export_allowance_payroll",
    summary = "An approved run as CSV for payroll: one line per employee",
    description = "Columns: `nip` (as `=\"…\"`, so spreadsheets keep all 18 digits), `nama`, `opd`, `unit_kerja`, \
        `kelas_jabatan`, `status` (`computed`, `pending`, `not_rolled_out`), `tpp_dasar` (base), `potongan_bp` \
        (the deduction), `bagian_kinerja`, `bagian_disiplin`, `jumlah` (amount, rupiah), for a correction \
        `jumlah_sebelumnya` and `selisih`, `menit_belum_diperiksa` (log minutes still unreviewed) and `keterangan`. A \
        pending or not rolled out line has empty money cells, never 0, and says why in `keterangan`. The `jumlah` \
        column adds up to the run's total.",
    params(("id" = Uuid, Path, description = "Run id")),
    responses(
        (status = 200, description = "The CSV file", body = String, content_type = "text/csv"),
        (status = 409, description = "The run is a draft", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn payroll(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    use crate::csv_out::{cell, file, nip, respond};
    let id = id.into_inner();
    let (run, lines) = call.report(move |conn, caller| allowance_run::approved_with_lines(conn, caller, id)).await?;
    let month = run.month.format("%Y-%m").to_string();
    let body = file(
        &[
            "nip",
            "nama",
            "opd",
            "unit_kerja",
            "kelas_jabatan",
            "status",
            "tpp_dasar",
            "potongan_bp",
            "bagian_kinerja",
            "bagian_disiplin",
            "jumlah",
            "jumlah_sebelumnya",
            "selisih",
            "menit_belum_diperiksa",
            "keterangan",
        ],
        lines.iter().map(|l| {
            // A line without an amount has empty money cells, never 0: a payroll office reads 0
            // as "pay nothing". The reason is said in words.
            let computed = l.status == LineStatus::Computed;
            let money = |v: i64| if computed { v.to_string() } else { String::new() };
            vec![
                nip(&l.nip),
                cell(&l.name),
                cell(l.opd_name.as_deref().unwrap_or_default()),
                cell(l.unit_name.as_deref().unwrap_or_default()),
                l.class.map(|c| c.to_string()).unwrap_or_default(),
                l.status.as_str().to_owned(),
                money(l.base),
                money(l.deduction_bp),
                money(l.performance_part),
                money(l.discipline_part),
                money(l.amount),
                l.previous_amount.map(|p| p.to_string()).unwrap_or_default(),
                if computed {
                    l.previous_amount.map(|p| (l.amount - p).to_string()).unwrap_or_default()
                } else {
                    String::new()
                },
                l.unreviewed_minutes.to_string(),
                why_no_amount(l),
            ]
        }),
    )
    .map_err(ApiError::Internal)?;
    Ok(respond(&format!("tpp-{month}.csv"), body))
}

/// Why a line has no amount, in words for a payroll office; empty for a computed line.
fn why_no_amount(l: &allowance_run::RunLine) -> String {
    match (l.status, l.pending_reason) {
        (LineStatus::NotRolledOut, _) => {
            "belum diterapkan: unit kerja belum menerapkan e-Kinerja pada bulan ini; tanpa TPP dari perhitungan ini"
                .into()
        }
        (LineStatus::Pending, Some(PendingReason::NoFinalPredicate)) => {
            "tertunda: belum ada predikat kinerja akhir untuk bulan ini; dibayar pada perhitungan berikutnya".into()
        }
        (LineStatus::Pending, _) => format!(
            "tertunda: belum ada TPP dasar untuk kelas jabatan {}",
            l.class.map(|c| c.to_string()).unwrap_or_else(|| "-".into())
        ),
        (LineStatus::Computed, _) => String::new(),
    }
}

/// My allowance for a month.
#[utoipa::path(get, path = "/api/v1/me/allowance", tag = "allowance", operation_id = "get_my_allowance",
    summary = "My allowance for a month with its breakdown, from the approved runs (newest first)",
    params(("month" = String, Query, description = "`YYYY-MM`", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")),
    responses((status = 200, description = "My lines of the month's approved runs", body = MyAllowance)),
    security(("bearer" = [])))]
pub async fn mine(call: Call, q: web::Query<MonthOnly>) -> Result<HttpResponse, ApiError> {
    let month = super::query_month(&q.month)?;
    let rows = call.read(move |conn, caller| allowance_run::mine(conn, caller, month)).await?;
    let items = rows.into_iter().map(ApprovedLine::try_from).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(MyAllowance { items }))
}

/// The allowance lines of a unit's people for a month.
#[utoipa::path(get, path = "/api/v1/org-units/{id}/allowance", tag = "allowance", operation_id = "get_unit_allowance",
    summary = "The lines of a month's approved runs for the people of a unit and its sub-units",
    description = "Each employee's line comes from the run approved last, so a correction replaces what it corrects. \
        Employees are those whose post is in the unit or below it today; drafts are never shown.",
    params(("id" = Uuid, Path, description = "Org unit id"), MonthOnly),
    responses(
        (status = 200, description = "The lines, by name", body = UnitAllowance),
        (status = 403, description = "Not the unit's head (or a head above it), a leader, finance or the agency admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit in the caller's agency", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn unit_lines(call: Call, id: web::Path<Uuid>, q: web::Query<MonthOnly>) -> Result<HttpResponse, ApiError> {
    let month = super::query_month(&q.month)?;
    let id = id.into_inner();
    let now = call.state.now();
    let rows = call.read(move |conn, caller| allowance_run::unit_lines(conn, caller, id, month, now)).await?;
    Ok(HttpResponse::Ok().json(UnitAllowance {
        org_unit_id: id,
        month: month.format("%Y-%m").to_string(),
        items: rows.into_iter().map(ApprovedLine::try_from).collect::<Result<_, _>>()?,
    }))
}

/// The allowance lines of a unit's people for a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitAllowance {
    pub org_unit_id: Uuid,
    #[schema(example = "2026-10", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: String,
    pub items: Vec<ApprovedLine>,
}

/// The month asked for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthOnly {
    /// `YYYY-MM`.
    #[param(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: String,
}

/// An employee's line of one approved run.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovedLine {
    #[schema(value_type = String, format = Uuid)]
    pub run_id: AllowanceRunId,
    pub approved_at: Option<DateTime<Utc>>,
    /// Whether the run corrects an earlier approved one.
    pub correction: bool,
    pub line: RunLineView,
}

/// My lines of a month's approved runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyAllowance {
    pub items: Vec<ApprovedLine>,
}

impl TryFrom<(allowance_run::Run, allowance_run::RunLine)> for ApprovedLine {
    type Error = ApiError;
    fn try_from((run, line): (allowance_run::Run, allowance_run::RunLine)) -> Result<Self, ApiError> {
        Ok(ApprovedLine {
            run_id: run.id,
            approved_at: run.approved_at.map(utc),
            correction: run.previous_run_id.is_some(),
            line: line.try_into()?,
        })
    }
}

/// The breakdown export of a run.
#[utoipa::path(get, path = "/api/v1/allowance-runs/{id}/breakdown", tag = "allowance", operation_id = "export_allowance_breakdown",
    summary = "An approved run's discipline lines as CSV: one line per day that deducted or was forgiven",
    description = "Columns: `nip` (as `=\"…\"`), `nama`, `tanggal`, `alasan` (the reason code: `late`, `within_tolerance`, \
        `early`, `late_no_record`, `early_no_record`, `absent_without_notice`, `excused`), `menit` and `potongan_bp`. \
        With the payroll file it explains every rupiah: each employee's `potongan_bp` there is the sum of \
        their lines here, capped.",
    params(("id" = Uuid, Path, description = "Run id")),
    responses(
        (status = 200, description = "The CSV file", body = String, content_type = "text/csv"),
        (status = 409, description = "The run is a draft", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn breakdown(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    use crate::csv_out::{cell, file, nip, respond};
    let id = id.into_inner();
    let (run, lines) = call.read(move |conn, caller| allowance_run::approved_with_lines(conn, caller, id)).await?;
    let month = run.month.format("%Y-%m").to_string();
    let mut rows = Vec::new();
    for l in &lines {
        let Some(b) = l.breakdown()? else { continue };
        for line in &b.discipline.lines {
            rows.push(vec![
                nip(&l.nip),
                cell(&l.name),
                line.date.to_string(),
                line.reason.as_str().to_owned(),
                line.minutes.to_string(),
                line.deduction_bp.to_string(),
            ]);
        }
    }
    let body = file(&["nip", "nama", "tanggal", "alasan", "menit", "potongan_bp"], rows).map_err(ApiError::Internal)?;
    Ok(respond(&format!("tpp-{month}-rincian.csv"), body))
}

/// Whose review a month's logs still wait for.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingReviewsRow {
    /// The direct supervisor; `null` for the top official's logs, which the agency admin reviews.
    pub supervisor: Option<super::employee::EmployeeView>,
    /// Employees whose logs wait.
    pub employees: i64,
    pub logs: i64,
    pub minutes: i64,
    /// The oldest waiting log's date.
    pub oldest: NaiveDate,
}

/// The check before computing a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingReviewsView {
    #[schema(example = "2026-10", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: String,
    #[schema(format = Uuid)]
    pub org_unit_id: Option<Uuid>,
    /// Most minutes first.
    pub items: Vec<WaitingReviewsRow>,
    /// Logs waiting in all.
    pub logs: i64,
    /// Their minutes, which count for nothing in the run until accepted.
    pub minutes: i64,
}

/// The month and, optionally, a unit.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WaitingQuery {
    /// `YYYY-MM`.
    #[param(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// A unit and its sub-units instead of the whole agency.
    pub org_unit_id: Option<Uuid>,
}

/// Who still has logs of the month to review, before a run is computed.
#[utoipa::path(get, path = "/api/v1/agencies/{id}/waiting-reviews", tag = "allowance", operation_id = "list_waiting_reviews",
    summary = "Before computing a month: which supervisors still have its logs waiting for review",
    description = "Submitted logs of the month of the people rolled out in it (of a unit and its sub-units with \
        `org_unit_id`), grouped by who reviews them: the direct supervisor, or the agency admin for the top official. \
        Unreviewed minutes count for nothing in a run until accepted; each run line shows its employee's.",
    params(("id" = Uuid, Path, description = "Agency id"), WaitingQuery),
    responses(
        (status = 200, description = "Who has logs waiting, most minutes first", body = WaitingReviewsView),
        (status = 403, description = "Not a leader, finance or the agency admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agency", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn waiting_reviews(
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<WaitingQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let month = super::query_month(&q.month)?;
    let (id, unit, now) = (id.into_inner(), q.org_unit_id, call.state.now());
    let rows =
        call.read(move |conn, caller| allowance_run::waiting_reviews(conn, caller, id, unit, month, now)).await?;
    Ok(HttpResponse::Ok().json(WaitingReviewsView {
        month: month.format("%Y-%m").to_string(),
        org_unit_id: unit,
        logs: rows.iter().map(|r| r.logs).sum(),
        minutes: rows.iter().map(|r| r.minutes).sum(),
        items: rows
            .into_iter()
            .map(|r| WaitingReviewsRow {
                supervisor: r.supervisor.map(super::employee::EmployeeView::from),
                employees: r.employees,
                logs: r.logs,
                minutes: r.minutes,
                oldest: r.oldest,
            })
            .collect(),
    }))
}

/// A month to compute under a draft policy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateBody {
    /// Required for a platform admin; the caller's own agency otherwise.
    pub agency_id: Option<Uuid>,
    /// `YYYY-MM`, a month that is over.
    #[schema(example = "2026-11", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// The draft policy, held to the rules a policy is set by.
    pub rules: Rules,
}

/// An OPD's lines under one policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimulationTotals {
    /// Lines with an amount.
    pub computed: i64,
    /// Lines waiting for a final predicate or a base amount.
    pub pending: i64,
    /// Rupiah: the sum of the computed lines.
    pub total: i64,
    /// Rupiah: `total` over `computed`, rounded down; 0 without a computed line.
    pub average: i64,
}

impl From<allowance_run::Totals> for SimulationTotals {
    fn from(t: allowance_run::Totals) -> Self {
        SimulationTotals { computed: t.computed, pending: t.pending, total: t.total, average: t.average() }
    }
}

/// One OPD of a simulation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpdSimulationView {
    /// `null` for people who hold no post.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub org_unit_id: Option<OrgUnitId>,
    pub name: Option<String>,
    /// Active employees, rolled out or not.
    pub employees: i64,
    /// Employees of units not rolled out in the month: no amount under either policy.
    pub not_rolled_out: i64,
    pub in_force: SimulationTotals,
    pub simulated: SimulationTotals,
    /// Rupiah: `simulated.total − in_force.total`. Each total is over the lines computed under its
    /// own policy: where the draft computes lines the policy in force leaves pending (another
    /// basis, a new base amount), or the reverse, the two totals cover different people.
    pub difference: i64,
}

/// A month under a draft policy beside the policy in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimulationView {
    /// `YYYY-MM`.
    #[schema(example = "2026-11")]
    pub month: String,
    /// The version in force in the month; `null` for the defaults.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub policy_in_force_id: Option<AllowancePolicyId>,
    /// Every OPD of the agency with staff, by name; people without a post last.
    pub opds: Vec<OpdSimulationView>,
    pub in_force: SimulationTotals,
    pub simulated: SimulationTotals,
    /// Rupiah: `simulated.total − in_force.total`.
    pub difference: i64,
}

/// Computes a month under a draft policy.
#[utoipa::path(post, path = "/api/v1/allowance-simulations", tag = "allowance", operation_id = "simulate_allowance_policy",
    summary = "Compute a month under a draft allowance policy, per OPD beside the policy in force, storing nothing",
    description = "For the finance office and the regional budget, before a policy is adopted: each OPD's total and \
        average under the draft and under the policy in force for the month, from the same attendance, logs and \
        evaluations a run reads. Under the policy in force the figures equal those of a run computed now. With \
        `Accept: text/csv`, the OPD table as a CSV file.",
    request_body = SimulateBody,
    responses(
        (status = 200, description = "The simulation", content((SimulationView = "application/json"), (String = "text/csv"))),
        crate::openapi::RoleOnly,
    ),
    security(("bearer" = [])))]
pub async fn simulate(
    req: actix_web::HttpRequest,
    call: Call,
    body: Json<SimulateBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let month = month_start(&b.month, "month")?;
    let agency = call.agency(b.agency_id)?;
    let draft = b.rules.policy();
    let now = call.state.now();
    let s = call
        .report(move |conn, caller| allowance_run::simulate(conn, caller, agency, month, &draft, now))
        .await
        .map_err(under_rules)?;
    let opds: Vec<OpdSimulationView> = s
        .opds
        .into_iter()
        .map(|o| OpdSimulationView {
            org_unit_id: o.org_unit_id,
            name: o.name,
            employees: o.employees,
            not_rolled_out: o.not_rolled_out,
            difference: o.simulated.total - o.in_force.total,
            in_force: o.in_force.into(),
            simulated: o.simulated.into(),
        })
        .collect();
    let month_text = s.month.format("%Y-%m").to_string();
    if super::analysis::wants_csv(&req) {
        let rows = opds.iter().map(|o| {
            vec![
                crate::csv_out::cell(o.name.as_deref().unwrap_or("")),
                o.employees.to_string(),
                o.in_force.total.to_string(),
                o.in_force.average.to_string(),
                o.simulated.total.to_string(),
                o.simulated.average.to_string(),
                o.difference.to_string(),
            ]
        });
        return super::analysis::csv(
            &format!("simulasi-tpp-{month_text}.csv"),
            &[
                "opd",
                "pegawai",
                "total_berlaku",
                "rata_rata_berlaku",
                "total_simulasi",
                "rata_rata_simulasi",
                "selisih",
            ],
            rows,
        );
    }
    Ok(HttpResponse::Ok().json(SimulationView {
        month: month_text,
        policy_in_force_id: s.policy_in_force.map(|v| v.id),
        opds,
        difference: s.simulated.total - s.in_force.total,
        in_force: s.in_force.into(),
        simulated: s.simulated.into(),
    }))
}
