//! Employees, and who supervises whom.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::id::{AgencyId, EmployeeId, PositionId};
use ekinerja_domain::{supervision::Official, ActingKind, EmploymentType, Name, Nip};
use ekinerja_persistence::{employee, Change};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, list_of, page_request, utc};
use crate::call::Call;
use crate::error::{ApiError, Fields};
use crate::extract::{double_option, Json};
use crate::request_id;
use crate::state::db;

/// An employee (ASN).
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeView {
    #[schema(value_type = String, format = Uuid)]
    pub id: EmployeeId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    /// 18-digit NIP.
    #[schema(example = "198204032004011644")]
    pub nip: String,
    #[schema(example = "Wahyu Setiawan")]
    pub name: String,
    pub employment_type: EmploymentType,
    /// Golongan/ruang, e.g. `III/a`.
    #[schema(example = "III/a")]
    pub rank: Option<String>,
    /// Current position; `null` while without a post.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub position_id: Option<PositionId>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<employee::Employee> for EmployeeView {
    fn from(e: employee::Employee) -> Self {
        EmployeeView {
            employment_type: e.employment_type,
            id: e.id,
            agency_id: e.agency_id,
            nip: e.nip,
            name: e.name,
            rank: e.rank,
            position_id: e.position_id,
            active: e.active,
            created_at: utc(e.created_at),
            updated_at: utc(e.updated_at),
        }
    }
}

list_of!(EmployeeList, EmployeeView, "employees");

/// A supervising official: the employee, the post they supervise from, and whether they act in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficialView {
    pub employee: EmployeeView,
    #[schema(value_type = String, format = Uuid)]
    pub position_id: PositionId,
    /// `plt` or `plh` when acting in the post; `null` when holding it.
    pub acting: Option<ActingKind>,
}

impl OfficialView {
    fn new(record: employee::OfficialRecord) -> Self {
        let Official { position_id, acting, .. } = record.official;
        OfficialView { employee: record.employee.into(), position_id: PositionId::from(position_id), acting }
    }
}

/// The chain of supervisors, direct supervisor first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisorChain {
    pub items: Vec<OfficialView>,
}

/// Direct subordinates, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct Subordinates {
    pub items: Vec<EmployeeView>,
}

/// A new employee.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEmployee {
    /// Required for a platform admin; an agency admin's own agency otherwise.
    pub agency_id: Option<Uuid>,
    /// 18 digits: the birth date (`YYYYMMDD`), the appointment month (`YYYYMM`, after the birth
    /// and not in the future), `1` or `2`, and a sequence number from `001`.
    #[schema(
        example = "198204032004011644",
        pattern = "^[0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{4}(0[1-9]|1[0-2])[12]([1-9][0-9]{2}|0[1-9][0-9]|00[1-9])$"
    )]
    pub nip: String,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    pub employment_type: EmploymentType,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub rank: Option<String>,
    pub position_id: Option<Uuid>,
}

/// Changes to an employee; `position_id: null` leaves them without a post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEmployee {
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub name: Option<String>,
    pub employment_type: Option<EmploymentType>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$", value_type = Option<String>, min_length = 1, max_length = 200)]
    pub rank: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub position_id: Option<Option<Uuid>>,
    /// `false` when the employee leaves service.
    pub active: Option<bool>,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EmployeeQuery {
    /// Platform admins only: the agency to list.
    pub agency_id: Option<Uuid>,
    /// Employees whose position is in this unit.
    pub org_unit_id: Option<Uuid>,
    pub position_id: Option<Uuid>,
    pub active: Option<bool>,
    /// Exact NIP.
    pub nip: Option<String>,
    /// Part of the name, case-insensitive.
    pub name: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Lists employees: all of the agency for its admin; oneself and one's subordinates otherwise.
#[utoipa::path(get, path = "/api/v1/employees", tag = "employees", operation_id = "list_employees",
    summary = "List the employees the caller may see", params(EmployeeQuery),
    responses((status = 200, description = "A page of employees", body = EmployeeList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<EmployeeQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let filter = employee::EmployeeFilter {
        agency_id: q.agency_id,
        org_unit_id: q.org_unit_id,
        position_id: q.position_id,
        active: q.active,
        nip: q.nip,
        name: q.name,
    };
    let now = call.state.now();
    let rows = call.read(move |conn, caller| employee::list(conn, caller, &filter, &page, now)).await?;
    Ok(HttpResponse::Ok().json(EmployeeList::from_page(rows, EmployeeView::from)))
}

/// Parses a new employee's fields.
pub fn parse_new(agency_id: Uuid, b: CreateEmployee) -> Result<employee::NewEmployee, ApiError> {
    let mut f = Fields::new();
    let nip = f.check("nip", Nip::parse(&b.nip));
    let name = f.check("name", Name::parse(&b.name));
    let rank = f.check_opt("rank", b.rank.as_deref(), Name::parse);
    let (Some(nip), Some(name), Some(rank)) = (nip, name, rank) else { return Err(f.into_error()) };
    Ok(employee::NewEmployee {
        agency_id,
        nip,
        name,
        employment_type: b.employment_type,
        rank,
        position_id: b.position_id,
    })
}

/// Registers an employee.
#[utoipa::path(post, path = "/api/v1/employees", tag = "employees", operation_id = "create_employee",
    summary = "Register an employee", request_body = CreateEmployee,
    responses(
        (status = 201, description = "Created", body = EmployeeView, headers(("location" = String, description = "URL of the new employee"))),
        crate::openapi::AdminOnly,
        (status = 409, description = "The NIP is already registered", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(call: Call, body: Json<CreateEmployee>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency_id = call.agency_to_write(b.agency_id, ekinerja_domain::access::Area::EmployeeRecord).await?;
    let new = parse_new(agency_id, b)?;
    let row = call.write(move |conn, change| employee::create(conn, change, new)).await?;
    Ok(created(format!("/api/v1/employees/{}", row.id), &EmployeeView::from(row)))
}

/// Reads an employee, named by their id or by their NIP (api-conventions: an employee is also
/// reachable by NIP, as a person or an HR export names them).
#[utoipa::path(get, path = "/api/v1/employees/{id}", tag = "employees", operation_id = "get_employee",
    summary = "Read an employee, by id or by NIP",
    params(("id" = String, Path, description = "The employee's id (a UUID), or their 18-digit NIP",
        pattern = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9]{18})$",
        example = "198204032004011644")),
    responses((status = 200, description = "The employee", body = EmployeeView)),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let now = call.state.now();
    let row = match EmployeeKey::parse(&id.into_inner())? {
        EmployeeKey::Id(id) => call.read(move |conn, caller| employee::get(conn, caller, id, now)).await?,
        EmployeeKey::Nip(nip) => call.read(move |conn, caller| employee::get_by_nip(conn, caller, &nip, now)).await?,
    };
    Ok(HttpResponse::Ok().json(EmployeeView::from(row)))
}

/// How a path names an employee: digits are a NIP, anything else must be their id.
enum EmployeeKey {
    Id(Uuid),
    Nip(Nip),
}

impl EmployeeKey {
    fn parse(segment: &str) -> Result<EmployeeKey, ApiError> {
        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            return Nip::parse(segment).map(EmployeeKey::Nip).map_err(|e| ApiError::BadParameter(format!("id: {e}")));
        }
        Uuid::parse_str(segment)
            .map(EmployeeKey::Id)
            .map_err(|_| ApiError::BadParameter("id: neither an employee id (a UUID) nor an 18-digit NIP".to_owned()))
    }
}

/// Changes an employee: a new position, name, rank, or leaving service.
#[utoipa::path(patch, path = "/api/v1/employees/{id}", tag = "employees", operation_id = "update_employee",
    summary = "Change an employee record", params(("id" = Uuid, Path, description = "Employee id")),
    request_body = UpdateEmployee,
    responses(
        (status = 200, description = "The changed employee", body = EmployeeView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn update(call: Call, id: web::Path<Uuid>, body: Json<UpdateEmployee>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut f = Fields::new();
    let name = f.check_opt("name", b.name.as_deref(), Name::parse);
    let rank = match b.rank {
        None => Some(None),
        Some(r) => f.check_opt("rank", r.as_deref(), Name::parse).map(Some),
    };
    let (Some(name), Some(rank)) = (name, rank) else { return Err(f.into_error()) };
    let patch = employee::EmployeePatch {
        name,
        employment_type: b.employment_type,
        rank,
        position_id: b.position_id,
        active: b.active,
    };
    let id = id.into_inner();
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let leaving = patch.active == Some(false);
    let row = db(&call.state, move |conn| employee::update(conn, &change, id, patch, now)).await?;
    if leaving {
        // Their sign-ins ended in the database; this process stops believing its cache now.
        call.state.sessions.forget_all();
    }
    Ok(HttpResponse::Ok().json(EmployeeView::from(row)))
}

/// The chain of supervisors of an employee.
#[utoipa::path(get, path = "/api/v1/employees/{id}/supervisors", tag = "employees", operation_id = "list_employee_supervisors",
    summary = "An employee's chain of supervisors, direct supervisor first", params(("id" = Uuid, Path, description = "Employee id")),
    responses((status = 200, description = "The chain, in one round trip whatever its depth", body = SupervisorChain)),
    security(("bearer" = [])))]
pub async fn supervisors(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    chain(call, id.into_inner()).await
}

/// The direct subordinates of an employee.
#[utoipa::path(get, path = "/api/v1/employees/{id}/subordinates", tag = "employees", operation_id = "list_employee_subordinates",
    summary = "An employee's direct subordinates", params(("id" = Uuid, Path, description = "Employee id")),
    responses((status = 200, description = "The direct subordinates, by name", body = Subordinates)),
    security(("bearer" = [])))]
pub async fn subordinates(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    below(call, id.into_inner()).await
}

/// Shared by `/employees/{id}/supervisors` and `/me/supervisors`.
pub async fn chain(call: Call, id: Uuid) -> Result<HttpResponse, ApiError> {
    let now = call.state.now();
    let rows = call.read(move |conn, caller| employee::supervisors(conn, caller, id, now)).await?;
    Ok(HttpResponse::Ok().json(SupervisorChain { items: rows.into_iter().map(OfficialView::new).collect() }))
}

/// Shared by `/employees/{id}/subordinates` and `/me/subordinates`.
pub async fn below(call: Call, id: Uuid) -> Result<HttpResponse, ApiError> {
    let now = call.state.now();
    let rows = call.read(move |conn, caller| employee::subordinates(conn, caller, id, now)).await?;
    Ok(HttpResponse::Ok().json(Subordinates { items: rows.into_iter().map(EmployeeView::from).collect() }))
}
