//! A post's catalogue of activities (uraian tugas) with their standard times (norma waktu), for
//! workload analysis by standard time (workforce.md; ABK by PermenPANRB 1/2020).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::id::{PositionActivityId, PositionId};
use ekinerja_domain::Name;
use ekinerja_persistence::activity::{self, Activity, NewActivity};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{created, utc};
use crate::call::Call;
use crate::error::ApiError;
use crate::extract::Json;

/// An activity of a post.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionActivityView {
    #[schema(value_type = String, format = Uuid)]
    pub id: PositionActivityId,
    #[schema(value_type = String, format = Uuid)]
    pub position_id: PositionId,
    #[schema(example = "Menyusun laporan pelayanan kesehatan")]
    pub name: String,
    /// What one output is.
    #[schema(example = "laporan")]
    pub output_unit: String,
    /// Minutes one output takes by standard (norma waktu).
    #[schema(example = 120)]
    pub standard_minutes: i32,
    pub created_at: DateTime<Utc>,
}

impl From<Activity> for PositionActivityView {
    fn from(a: Activity) -> Self {
        PositionActivityView {
            id: a.id,
            position_id: a.position_id,
            name: a.name,
            output_unit: a.output_unit,
            standard_minutes: a.standard_minutes,
            created_at: utc(a.created_at),
        }
    }
}

/// A post's catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionActivityList {
    /// By name.
    pub items: Vec<PositionActivityView>,
    /// Always `null`: a post's catalogue is one page.
    pub next_cursor: Option<String>,
}

/// An activity to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePositionActivity {
    /// Unique within the post.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(min_length = 1, max_length = 200)]
    pub output_unit: String,
    #[schema(minimum = 1, maximum = 100000)]
    pub standard_minutes: i32,
}

/// Lists a post's activities.
#[utoipa::path(get, path = "/api/v1/positions/{id}/activities", tag = "positions", operation_id = "list_position_activities",
    summary = "A post's catalogue of activities with their standard times",
    params(("id" = Uuid, Path, description = "Position id")),
    responses((status = 200, description = "The catalogue", body = PositionActivityList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rows = call.read(move |conn, caller| activity::list(conn, caller, id)).await?;
    Ok(HttpResponse::Ok().json(PositionActivityList {
        items: rows.into_iter().map(PositionActivityView::from).collect(),
        next_cursor: None,
    }))
}

/// Adds an activity to a post.
#[utoipa::path(post, path = "/api/v1/positions/{id}/activities", tag = "positions", operation_id = "create_position_activity",
    summary = "Add an activity with its standard time to a post's catalogue",
    description = "A daily log may then name it (`activity_id`): its accepted output × `standard_minutes` is the \
        post's workload by standard time, beside the minutes logged.",
    params(("id" = Uuid, Path, description = "Position id")),
    request_body = CreatePositionActivity,
    responses(
        (status = 201, description = "Added", body = PositionActivityView, headers(("location" = String, description = "The post's catalogue"))),
        crate::openapi::AdminOnly,
        (status = 409, description = "The post already has an activity of that name", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(
    call: Call,
    id: web::Path<Uuid>,
    body: Json<CreatePositionActivity>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let b = body.0;
    let mut f = crate::error::Fields::new();
    let name = f.check("name", Name::parse(&b.name));
    let output_unit = f.check("output_unit", Name::parse(&b.output_unit));
    if !ekinerja_domain::workload::STANDARD_MINUTES.contains(&b.standard_minutes) {
        f.refuse("standard_minutes", "must be from 1 to 100,000 minutes per output");
    }
    let (Some(name), Some(output_unit)) = (name, output_unit) else {
        return Err(f.into_error());
    };
    f.finish()?;
    let new = NewActivity { name, output_unit, standard_minutes: b.standard_minutes };
    let row = call.write(move |conn, change| activity::create(conn, change, id, new)).await?;
    Ok(created(format!("/api/v1/positions/{id}/activities"), &PositionActivityView::from(row)))
}
