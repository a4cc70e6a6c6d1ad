//! The distribution pattern of each unit rating as agency policy (domain.md): the rules a unit's
//! spread of predicates must fit, versioned by the month they take effect, rating by rating.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use ekinerja_domain::evaluation::{DistributionRule, UnitRating};
use ekinerja_persistence::distribution_pattern::{self, PatternInForce};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::utc;
use crate::call::Call;
use crate::error::ApiError;
use crate::extract::Json;

/// One rating's pattern in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistributionPatternView {
    pub unit_rating: UnitRating,
    /// Every rule the unit's spread must keep; an empty list allows any spread.
    pub rules: Vec<DistributionRule>,
    /// The month the agency's version took effect (`YYYY-MM`); `null` for the default of SE
    /// MenPANRB 3/2023, in force where the agency set nothing.
    #[schema(example = "2026-12", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub effective_month: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

impl From<PatternInForce> for DistributionPatternView {
    fn from(p: PatternInForce) -> Self {
        DistributionPatternView {
            unit_rating: p.unit_rating,
            rules: p.rules,
            effective_month: p.effective_month.map(|m| m.format("%Y-%m").to_string()),
            created_at: p.created_at.map(utc),
        }
    }
}

/// The five patterns in force in a month, one per rating, in the order of the ratings.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistributionPatternList {
    pub items: Vec<DistributionPatternView>,
    /// Always `null`: the five ratings fit one page.
    pub next_cursor: Option<String>,
}

fn patterns_list(rows: Vec<PatternInForce>) -> DistributionPatternList {
    DistributionPatternList { items: rows.into_iter().map(DistributionPatternView::from).collect(), next_cursor: None }
}

/// Which agency, and which month.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PatternQuery {
    /// Platform admins only: the agency.
    pub agency_id: Option<Uuid>,
    /// `YYYY-MM` (default: the current month in the agency's time zone).
    #[param(example = "2026-12", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
}

/// The patterns in force.
#[utoipa::path(get, path = "/api/v1/distribution-patterns", tag = "evaluations", operation_id = "list_distribution_patterns",
    summary = "The distribution pattern of each unit rating in force in a month: the agency's, or the default",
    params(PatternQuery),
    responses((status = 200, description = "The five patterns", body = DistributionPatternList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<PatternQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let month = q.month.as_deref().map(super::query_month).transpose()?;
    let agency = call.agency(q.agency_id)?;
    let now = call.state.now();
    let rows = call
        .read(move |conn, caller| {
            let month = match month {
                Some(m) => m,
                None => ekinerja_persistence::chart::agency_today(conn, agency, now)?,
            };
            distribution_pattern::in_force_for(conn, caller, agency, month)
        })
        .await?;
    Ok(HttpResponse::Ok().json(patterns_list(rows)))
}

/// One rating's rules to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatternBody {
    pub unit_rating: UnitRating,
    /// At most 10 rules, each over one or more distinct predicates, with a share of 0 to 10,000 bp
    /// (`at_most_bp`, `at_least_bp`) or a count of 0 to 1,000 (`at_least_count`). Rules that no
    /// spread could keep together are refused.
    #[schema(max_items = 10)]
    pub rules: Vec<DistributionRule>,
}

/// Patterns to set from a month on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPatterns {
    /// Required for a platform admin; the admin's own agency otherwise.
    pub agency_id: Option<Uuid>,
    /// The first month they apply to, `YYYY-MM`; a version of the same rating for the same month
    /// is replaced. A unit's spread in an evaluation period is judged by the patterns in force in
    /// the period's last month.
    #[schema(example = "2027-01", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub effective_month: String,
    /// One to five ratings, each once; the ratings not given keep their patterns.
    #[schema(min_items = 1, max_items = 5)]
    pub patterns: Vec<PatternBody>,
}

/// Sets distribution patterns from a month on.
#[utoipa::path(post, path = "/api/v1/distribution-patterns", tag = "evaluations", operation_id = "set_distribution_patterns",
    summary = "Set the distribution pattern of one or more unit ratings from a month on",
    request_body = SetPatterns,
    responses(
        (status = 201, description = "Set: the five patterns in force in that month", body = DistributionPatternList,
            headers(("location" = String, description = "The patterns in force in that month"))),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn set(call: Call, body: Json<SetPatterns>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency = call.agency_to_write(b.agency_id, ekinerja_domain::access::Area::Policies).await?;
    let month: NaiveDate = super::month_of(&b.effective_month)
        .ok_or_else(|| ApiError::field("effective_month", "must be YYYY-MM, from 2000 to 2100"))?;
    if b.patterns.is_empty() || b.patterns.len() > UnitRating::ALL.len() {
        return Err(ApiError::field("patterns", "one to five ratings"));
    }
    let patterns: Vec<(UnitRating, Vec<DistributionRule>)> =
        b.patterns.into_iter().map(|p| (p.unit_rating, p.rules)).collect();
    let rows = call.write(move |conn, change| distribution_pattern::set(conn, change, agency, month, patterns)).await?;
    Ok(super::created(format!("/api/v1/distribution-patterns?month={}", month.format("%Y-%m")), &patterns_list(rows)))
}
