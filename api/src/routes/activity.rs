//! A post's catalogue of activities (uraian tugas) with their standard times (norma waktu), for
//! workload analysis by standard time (workforce.md; ABK by PermenPANRB 1/2020).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::id::{PositionActivityId, PositionId};
use ekinerja_domain::Name;
use ekinerja_persistence::activity::{self, Activity, NewActivity};
use ekinerja_persistence::import::RowError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{created, utc};
use crate::call::Call;
use crate::error::ApiError;
use crate::extract::Json;
use crate::routes::import::{read_csv, refused_lines, require_csv, ImportLineError};

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
    call.may_write_in_own_agency(ekinerja_domain::access::Area::Structure).await?;
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

/// Options of a catalogue import.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CatalogueImportQuery {
    /// Check everything and store nothing.
    pub dry_run: Option<bool>,
}

/// What a catalogue import did, or (dry run) would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueImportView {
    pub dry_run: bool,
    /// Data lines read.
    pub rows: usize,
    /// Activities added (0 on a dry run).
    pub activities_created: usize,
    /// Every refused cell; when not empty, nothing was stored.
    pub errors: Vec<ImportLineError>,
}

/// The columns of a catalogue file: the activity (uraian tugas), its output unit and its standard
/// time in minutes per output (norma waktu), as an ABK form names them.
const CATALOGUE_COLUMNS: &[&str] = &["uraian_tugas", "satuan_output", "norma_waktu"];

/// The most activities one file adds to a post (a post's job description lists tens).
pub const MAX_CATALOGUE_LINES: usize = 1_000;

/// A catalogue file read: each good line with its number, and every refused cell.
type Catalogue = (Vec<(u64, NewActivity)>, Vec<RowError>);

/// Reads a catalogue file into activities and refused cells. A file that is not CSV text, or
/// lacks a column, is one error for the whole request.
pub fn parse_catalogue(bytes: &[u8]) -> Result<Catalogue, ApiError> {
    let file = read_csv(bytes, CATALOGUE_COLUMNS)?;
    if file.records.len() > MAX_CATALOGUE_LINES {
        return Err(ApiError::field(
            ekinerja_domain::field::Field::whole(),
            format!("a catalogue file holds at most {MAX_CATALOGUE_LINES} activities"),
        ));
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (line, record) in &file.records {
        let line = *line;
        let record = match record {
            Ok(r) => r,
            Err(detail) => {
                errors.push(RowError { line, column: String::new(), detail: detail.clone() });
                continue;
            }
        };
        let get = |name: &str| file.col(name).and_then(|i| record.get(i)).unwrap_or("");
        let mut bad = |column: &str, detail: String| errors.push(RowError { line, column: column.to_owned(), detail });
        let name = Name::parse(get("uraian_tugas")).map_err(|e| bad("uraian_tugas", e.to_string())).ok();
        let output_unit = Name::parse(get("satuan_output")).map_err(|e| bad("satuan_output", e.to_string())).ok();
        let minutes = get("norma_waktu")
            .parse::<i32>()
            .ok()
            .filter(|m| ekinerja_domain::workload::STANDARD_MINUTES.contains(m))
            .ok_or(())
            .map_err(|()| bad("norma_waktu", "must be a whole number of minutes per output from 1 to 100,000".into()))
            .ok();
        if let (Some(name), Some(output_unit), Some(standard_minutes)) = (name, output_unit, minutes) {
            rows.push((line, NewActivity { name, output_unit, standard_minutes }));
        }
    }
    Ok((rows, errors))
}

/// Imports a post's catalogue of activities from a file.
#[utoipa::path(post, path = "/api/v1/positions/{id}/activities/import", tag = "positions", operation_id = "import_position_activities",
    summary = "Import activities with their standard times into a post's catalogue (CSV), all or nothing",
    description = "Columns: `uraian_tugas` (the activity, unique within the post), `satuan_output` (what one output is) \
        and `norma_waktu` (standard minutes per output, 1 to 100,000); other columns are ignored. At most 1,000 lines. An activity the post \
        already has, or one named twice in the file, is refused on its line. One refused cell stores nothing, and every \
        refused cell is named.",
    params(("id" = Uuid, Path, description = "Position id"), CatalogueImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file, UTF-8, header row first",
        example = json!("uraian_tugas,satuan_output,norma_waktu\nMenyusun laporan bulanan,laporan,120\nMemverifikasi berkas usulan,berkas,30\n")),
    responses(
        (status = 200, description = "Imported, or (dry run) what would be imported with every refused cell", body = CatalogueImportView),
        crate::openapi::AdminOnly,
        (status = 422, description = "Some cells are refused (`errors` names each as `#/lines/{line}/{column}`); nothing was stored", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn import(
    call: Call,
    req: HttpRequest,
    id: web::Path<Uuid>,
    q: web::Query<CatalogueImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_csv(&req)?;
    call.may_write_in_own_agency(ekinerja_domain::access::Area::Structure).await?;
    let id = id.into_inner();
    let dry_run = q.into_inner().dry_run.unwrap_or(false);
    let (rows, errors) = parse_catalogue(&body)?;
    let report = call.write(move |conn, change| activity::import(conn, change, id, rows, errors, dry_run)).await?;
    let errors = refused_lines(dry_run, report.errors)?;
    Ok(HttpResponse::Ok().json(CatalogueImportView {
        dry_run: report.dry_run,
        rows: report.rows,
        activities_created: report.created,
        errors,
    }))
}
