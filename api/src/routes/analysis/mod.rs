//! What the regency's leaders ask of the data: maturity levels (1 to 6) of the agency, a unit and
//! an employee, month by month, and the workload analysis (ABK) that shows which units are under-
//! or over-staffed. Every table is also a CSV file for the HR office: ask with
//! `Accept: text/csv`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use ekinerja_domain::id::OrgUnitId;
use ekinerja_persistence::org_unit::OrgUnit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::csv_out;
use crate::error::ApiError;

mod maturity;
mod workload;

pub use maturity::*;
pub use workload::*;

/// Whether the caller asked for the CSV file rather than JSON.
pub fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.split(',').any(|m| m.trim().starts_with("text/csv")))
}

/// A CSV file response.
pub fn csv(name: &str, head: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<HttpResponse, ApiError> {
    let body = csv_out::file(head, rows).map_err(ApiError::Internal)?;
    Ok(csv_out::respond(name, body))
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// A unit, as the analysis tables name it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRef {
    #[schema(value_type = String, format = Uuid)]
    pub id: OrgUnitId,
    #[schema(example = "DINKES")]
    pub code: String,
    #[schema(example = "Dinas Kesehatan")]
    pub name: String,
}

impl From<&OrgUnit> for UnitRef {
    fn from(u: &OrgUnit) -> Self {
        UnitRef { id: u.id, code: u.code.clone(), name: u.name.clone() }
    }
}

/// `YYYY-MM-DD` spans.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SpanQuery {
    /// First day, inclusive (default: 1 January of `to`'s year).
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default: yesterday in the agency's time zone; not after today); at most
    /// 366 days after `from`.
    pub to: Option<NaiveDate>,
}

/// The month to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// `YYYY-MM` (default: the month of yesterday in the agency's time zone, the last day over).
    #[param(example = "2026-10", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
}

/// The months to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthsQuery {
    /// First month, `YYYY-MM` (default: eleven months before `to`).
    #[param(example = "2026-01", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub from: Option<String>,
    /// Last month, `YYYY-MM` (default: the month of yesterday); at most 24 months from `from`.
    #[param(example = "2026-11", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub to: Option<String>,
}

fn month(text: Option<&str>, field: &str) -> Result<Option<NaiveDate>, ApiError> {
    match text {
        None => Ok(None),
        Some(m) => super::month_of(m)
            .map(Some)
            .ok_or_else(|| ApiError::BadParameter(format!("{field} must be YYYY-MM, from 2000 to 2100"))),
    }
}
