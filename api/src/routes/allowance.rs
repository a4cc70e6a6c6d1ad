//! The agency's allowance and discipline policy, versioned by month.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use ekinerja_domain::allowance::{AgencyPolicy, AllowancePolicy, PerformanceBasis};
use ekinerja_domain::discipline::DisciplinePolicy;
use ekinerja_domain::evaluation::Predicate;
use ekinerja_persistence::allowance_policy::{self, PolicyVersion};
use ekinerja_persistence::Change;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, utc};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::Json;
use crate::request_id;
use crate::routes::org_unit::target_agency;
use crate::state::{db, AppState};

/// The performance factor per predicate, in basis points.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PredicateFactors {
    #[schema(example = 10_000)]
    pub very_good: i64,
    #[schema(example = 10_000)]
    pub good: i64,
    #[schema(example = 9_000)]
    pub needs_improvement: i64,
    #[schema(example = 8_500)]
    pub poor: i64,
    #[schema(example = 8_000)]
    pub very_poor: i64,
}

/// A deduction band: late or early by up to this many minutes deducts this much.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Band {
    #[schema(example = 30)]
    pub up_to_minutes: u32,
    #[schema(example = 50)]
    pub deduction_bp: i64,
}

/// A position class's monthly base amount.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BaseAmount {
    /// Position class (kelas jabatan), 1 to 17.
    #[schema(example = 9)]
    pub class: i32,
    /// Rupiah a month.
    #[schema(example = 4_000_000)]
    pub amount: i64,
}

/// The rules themselves (every field required: nothing changes silently).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// What the performance part rests on: the predicate, or approved daily-log minutes.
    pub performance_basis: PerformanceBasis,
    #[schema(example = 7_000)]
    pub performance_weight_bp: i64,
    #[schema(example = 3_000)]
    pub discipline_weight_bp: i64,
    pub predicate_factors_bp: PredicateFactors,
    /// Productivity basis: minutes of a day counted at most.
    #[schema(example = 450)]
    pub daily_cap_minutes: i64,
    /// Productivity basis: target minutes per working day not excused.
    #[schema(example = 300)]
    pub target_minutes_per_day: i64,
    /// Late-arrival and early-departure bands, ascending.
    pub deduction_bands: Vec<Band>,
    /// Beyond the last band.
    #[schema(example = 150)]
    pub over_deduction_bp: i64,
    /// No check-in, or no check-out.
    #[schema(example = 150)]
    pub no_record_deduction_bp: i64,
    /// A working day without any record (TK).
    #[schema(example = 500)]
    pub absent_deduction_bp: i64,
    /// Late minutes a month forgiven.
    #[schema(example = 15)]
    pub late_tolerance_minutes: u32,
    /// The month's deduction never exceeds this.
    #[schema(example = 10_000)]
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
            daily_cap_minutes: a.daily_cap_minutes,
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
                daily_cap_minutes: self.daily_cap_minutes,
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
    #[schema(format = Uuid)]
    pub id: Option<String>,
    /// The first month it applies to (`YYYY-MM`); `null` for the defaults.
    #[schema(example = "2026-12")]
    pub effective_month: Option<String>,
    pub rules: Rules,
    pub created_at: Option<DateTime<Utc>>,
}

impl From<PolicyVersion> for PolicyView {
    fn from(v: PolicyVersion) -> Self {
        PolicyView {
            rules: Rules::of(&v.policy()),
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
    #[schema(example = "2026-12")]
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
    pub month: Option<String>,
}

fn month_start(text: &str, pointer: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .ok()
        .filter(|d| text.len() == 7 && (2000..=2100).contains(&d.year()))
        .ok_or_else(|| ApiError::field(pointer, "must be YYYY-MM, from 2000 to 2100"))
}

/// Sets the allowance policy from a month on.
#[utoipa::path(post, path = "/api/v1/allowance-policies", tag = "allowance", operation_id = "set_allowance_policy",
    summary = "Set the allowance and discipline policy from a month on (agency admin)", request_body = SetPolicy,
    responses(
        (status = 201, description = "Set", body = PolicyView, headers(("location" = String, description = "The agency's versions"))),
        (status = 403, description = "Not the agency's admin", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn set(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: Json<SetPolicy>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let month = month_start(&b.effective_month, "#/effective_month")?;
    let agency = target_agency(&auth, b.agency_id)?;
    let policy = b.rules.policy();
    let change = Change::new(auth.0, state.now(), request_id::current());
    let row = db(&state, move |conn| allowance_policy::set(conn, &change, agency, month, &policy)).await.map_err(
        |e| match e {
            // The rules' field names sit under `rules` in the body.
            ApiError::Validation(fields) => ApiError::Validation(
                fields
                    .into_iter()
                    .map(|f| {
                        let pointer = if f.pointer == "#/agency_id" {
                            f.pointer
                        } else {
                            format!("#/rules/{}", f.pointer.trim_start_matches("#/"))
                        };
                        ekinerja_persistence::FieldError::new(pointer, f.detail)
                    })
                    .collect(),
            ),
            other => other,
        },
    )?;
    Ok(created("/api/v1/allowance-policies".into(), &PolicyView::from(row)))
}

/// Lists the policy's versions.
#[utoipa::path(get, path = "/api/v1/allowance-policies", tag = "allowance", operation_id = "list_allowance_policies",
    summary = "Every version of the agency's allowance policy, by month", params(PolicyQuery),
    responses((status = 200, description = "The versions", body = PolicyList)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    q: web::Query<PolicyQuery>,
) -> Result<HttpResponse, ApiError> {
    let agency = target_agency(&auth, q.into_inner().agency_id)?;
    let rows = db(&state, move |conn| allowance_policy::list(conn, &auth.0, agency)).await?;
    Ok(HttpResponse::Ok().json(PolicyList { items: rows.into_iter().map(PolicyView::from).collect() }))
}

/// The policy in force in a month.
#[utoipa::path(get, path = "/api/v1/allowance-policies/in-force", tag = "allowance", operation_id = "get_allowance_policy_in_force",
    summary = "The allowance policy in force in a month (the defaults where the agency set none)", params(PolicyQuery),
    responses((status = 200, description = "The policy in force", body = PolicyView)),
    security(("bearer" = [])))]
pub async fn in_force(
    state: web::Data<AppState>,
    auth: Authenticated,
    q: web::Query<PolicyQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let agency = target_agency(&auth, q.agency_id)?;
    if !auth.0.can_see_agency(agency) {
        return Err(ApiError::NotFound);
    }
    let month = match q.month {
        Some(m) => month_start(&m, "#/month").map_err(|_| ApiError::BadParameter("month must be YYYY-MM".into()))?,
        None => {
            let today = state.now().date_naive();
            today.with_day(1).unwrap_or(today)
        }
    };
    let row = db(&state, move |conn| allowance_policy::in_force(conn, agency, month)).await?;
    Ok(HttpResponse::Ok().json(row.map_or_else(
        || PolicyView { id: None, effective_month: None, rules: Rules::of(&AgencyPolicy::default()), created_at: None },
        PolicyView::from,
    )))
}
