//! Performance periods and organisational goals.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use ekinerja_domain::agreement::Quantity;
use ekinerja_domain::id::{AgencyId, GoalId, OrgUnitId, PerformancePeriodId};
use ekinerja_domain::Name;
use ekinerja_persistence::{goal, period};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, list_of, page_request, utc};
use crate::call::Call;
use crate::error::{ApiError, Fields};
use crate::extract::Json;

/// A performance year of an agency.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodView {
    #[schema(value_type = String, format = Uuid)]
    pub id: PerformancePeriodId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    #[schema(example = 2026)]
    pub year: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

impl From<period::Period> for PeriodView {
    fn from(p: period::Period) -> Self {
        PeriodView {
            id: p.id,
            agency_id: p.agency_id,
            year: p.year,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            created_at: utc(p.created_at),
        }
    }
}

list_of!(PeriodList, PeriodView, "performance periods");

/// A new performance year.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePeriod {
    /// Required for a platform admin; the admin's own agency otherwise.
    pub agency_id: Option<Uuid>,
    #[schema(example = 2026, minimum = 2000, maximum = 2100)]
    pub year: i32,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// Platform admins only: the agency to list.
    pub agency_id: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Lists performance periods.
#[utoipa::path(get, path = "/api/v1/performance-periods", tag = "agreements", operation_id = "list_performance_periods",
    summary = "List performance periods", params(PeriodQuery),
    responses((status = 200, description = "A page of periods", body = PeriodList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<PeriodQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let rows = call.read(move |conn, caller| period::list(conn, caller, q.agency_id, &page)).await?;
    Ok(HttpResponse::Ok().json(PeriodList::from_page(rows, PeriodView::from)))
}

/// Opens a performance year.
#[utoipa::path(post, path = "/api/v1/performance-periods", tag = "agreements", operation_id = "create_performance_period",
    summary = "Open a performance year", request_body = CreatePeriod,
    responses(
        (status = 201, description = "Created", body = PeriodView, headers(("location" = String, description = "URL of the new period"))),
        crate::openapi::AdminOnly,
        (status = 409, description = "The year is already open", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(call: Call, body: Json<CreatePeriod>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency = call.agency_to_write(b.agency_id, ekinerja_domain::access::Area::Structure).await?;
    if !super::YEARS.contains(&b.year) {
        return Err(ApiError::field("year", "must be from 2000 to 2100"));
    }
    let row = call.write(move |conn, change| period::create(conn, change, agency, b.year)).await?;
    Ok(created(format!("/api/v1/performance-periods/{}", row.id), &PeriodView::from(row)))
}

/// Reads a performance period.
#[utoipa::path(get, path = "/api/v1/performance-periods/{id}", tag = "agreements", operation_id = "get_performance_period",
    summary = "Read a performance period", params(("id" = Uuid, Path, description = "Period id")),
    responses((status = 200, description = "The period", body = PeriodView)),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.read(move |conn, caller| period::get(conn, caller, id)).await?;
    Ok(HttpResponse::Ok().json(PeriodView::from(row)))
}

/// An organisational goal.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoalView {
    #[schema(value_type = String, format = Uuid)]
    pub id: GoalId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    #[schema(value_type = String, format = Uuid)]
    pub period_id: PerformancePeriodId,
    /// The unit whose goal it is; `null` for the agency as a whole.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub org_unit_id: Option<OrgUnitId>,
    #[schema(example = "Meningkatnya derajat kesehatan masyarakat")]
    pub name: String,
    #[schema(example = "Angka harapan hidup")]
    pub indicator: String,
    pub target_quantity: i64,
    #[schema(example = "tahun")]
    pub target_unit: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<goal::Goal> for GoalView {
    fn from(g: goal::Goal) -> Self {
        GoalView {
            id: g.id,
            agency_id: g.agency_id,
            period_id: g.period_id,
            org_unit_id: g.org_unit_id,
            name: g.name,
            indicator: g.indicator,
            target_quantity: g.target_quantity,
            target_unit: g.target_unit,
            created_at: utc(g.created_at),
            updated_at: utc(g.updated_at),
        }
    }
}

list_of!(GoalList, GoalView, "organisational goals");

/// A new organisational goal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGoal {
    pub period_id: Uuid,
    pub org_unit_id: Option<Uuid>,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub indicator: String,
    /// 1 to 1,000,000,000.
    #[schema(minimum = 1, maximum = 1000000000)]
    pub target_quantity: i64,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub target_unit: String,
}

/// Changes to a goal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGoal {
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub name: Option<String>,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub indicator: Option<String>,
    #[schema(minimum = 1, maximum = 1000000000)]
    pub target_quantity: Option<i64>,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub target_unit: Option<String>,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GoalQuery {
    /// Platform admins only: the agency to list.
    pub agency_id: Option<Uuid>,
    pub period_id: Option<Uuid>,
    pub org_unit_id: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Lists organisational goals.
#[utoipa::path(get, path = "/api/v1/organisational-goals", tag = "agreements", operation_id = "list_organisational_goals",
    summary = "List organisational goals", params(GoalQuery),
    responses((status = 200, description = "A page of goals", body = GoalList)),
    security(("bearer" = [])))]
pub async fn list_goals(call: Call, q: web::Query<GoalQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let filter = goal::GoalFilter { agency_id: q.agency_id, period_id: q.period_id, org_unit_id: q.org_unit_id };
    let rows = call.read(move |conn, caller| goal::list(conn, caller, &filter, &page)).await?;
    Ok(HttpResponse::Ok().json(GoalList::from_page(rows, GoalView::from)))
}

/// Creates an organisational goal.
#[utoipa::path(post, path = "/api/v1/organisational-goals", tag = "agreements", operation_id = "create_organisational_goal",
    summary = "Create an organisational goal", request_body = CreateGoal,
    responses(
        (status = 201, description = "Created", body = GoalView, headers(("location" = String, description = "URL of the new goal"))),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn create_goal(call: Call, body: Json<CreateGoal>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    call.may_write_in_own_agency(ekinerja_domain::access::Area::Structure).await?;
    let mut f = Fields::new();
    let name = f.check("name", Name::parse(&b.name));
    let indicator = f.check("indicator", Name::parse(&b.indicator));
    let quantity = f.check("target_quantity", Quantity::new(b.target_quantity));
    let unit = f.check("target_unit", Name::parse(&b.target_unit));
    let (Some(name), Some(indicator), Some(target_quantity), Some(target_unit)) = (name, indicator, quantity, unit)
    else {
        return Err(f.into_error());
    };
    let new = goal::NewGoal {
        period_id: b.period_id,
        org_unit_id: b.org_unit_id,
        name,
        indicator,
        target_quantity,
        target_unit,
    };
    let row = call.write(move |conn, change| goal::create(conn, change, new)).await?;
    Ok(created(format!("/api/v1/organisational-goals/{}", row.id), &GoalView::from(row)))
}

/// Reads an organisational goal.
#[utoipa::path(get, path = "/api/v1/organisational-goals/{id}", tag = "agreements", operation_id = "get_organisational_goal",
    summary = "Read an organisational goal", params(("id" = Uuid, Path, description = "Goal id")),
    responses((status = 200, description = "The goal", body = GoalView)),
    security(("bearer" = [])))]
pub async fn get_goal(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.read(move |conn, caller| goal::get(conn, caller, id)).await?;
    Ok(HttpResponse::Ok().json(GoalView::from(row)))
}

/// Changes an organisational goal.
#[utoipa::path(patch, path = "/api/v1/organisational-goals/{id}", tag = "agreements", operation_id = "update_organisational_goal",
    summary = "Change an organisational goal", params(("id" = Uuid, Path, description = "Goal id")),
    request_body = UpdateGoal,
    responses(
        (status = 200, description = "The changed goal", body = GoalView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn update_goal(call: Call, id: web::Path<Uuid>, body: Json<UpdateGoal>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut f = Fields::new();
    let name = f.check_opt("name", b.name.as_deref(), Name::parse);
    let indicator = f.check_opt("indicator", b.indicator.as_deref(), Name::parse);
    let target_quantity = f.check_opt("target_quantity", b.target_quantity, Quantity::new);
    let target_unit = f.check_opt("target_unit", b.target_unit.as_deref(), Name::parse);
    let (Some(name), Some(indicator), Some(target_quantity), Some(target_unit)) =
        (name, indicator, target_quantity, target_unit)
    else {
        return Err(f.into_error());
    };
    let patch = goal::GoalPatch { name, indicator, target_quantity, target_unit };
    let id = id.into_inner();
    let row = call.write(move |conn, change| goal::update(conn, change, id, patch)).await?;
    Ok(HttpResponse::Ok().json(GoalView::from(row)))
}
