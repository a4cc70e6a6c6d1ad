//! Bulk import of employees and positions from an HR export (CSV).

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use ekinerja_domain::field::Field;
use ekinerja_domain::{EmploymentType, Gender, Name, Nip, PositionClass, PositionType};
use ekinerja_persistence::import::{self, ImportRow, RowError};
use ekinerja_persistence::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::call::Call;
use crate::error::ApiError;
use crate::state::db;

/// Largest accepted import file.
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;

/// Options.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check everything and store nothing.
    pub dry_run: Option<bool>,
    /// Platform admins only: the agency to import into.
    pub agency_id: Option<Uuid>,
}

/// A refused line.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportLineError {
    /// Line number in the file; the header is line 1.
    pub line: u64,
    /// The column at fault.
    pub column: String,
    pub detail: String,
}

/// What the import did, or (dry run) would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportView {
    pub dry_run: bool,
    /// Data lines read.
    pub rows: usize,
    pub employees_created: usize,
    pub positions_created: usize,
    /// Positions whose supervisor was set to their unit's head because the file has no
    /// `nip_atasan`: check these and correct any with one change to the position.
    pub supervisors_inferred: usize,
    /// Every refused line; when not empty, nothing was stored.
    pub errors: Vec<ImportLineError>,
}

const REQUIRED: &[&str] = &["nip", "nama", "status", "jabatan", "jenis_jabatan", "kelas_jabatan", "kode_unit"];

fn employment_type(s: &str) -> Result<EmploymentType, String> {
    EmploymentType::parse(&s.trim().to_lowercase()).ok_or_else(|| "must be PNS or PPPK".to_owned())
}

fn gender(s: &str) -> Result<Option<Gender>, String> {
    match s.trim().to_uppercase().as_str() {
        "" => Ok(None),
        "L" => Ok(Some(Gender::Male)),
        "P" => Ok(Some(Gender::Female)),
        _ => Err("must be L or P".to_owned()),
    }
}

/// A CSV file read line by line: the lower-cased header and each non-empty record with the line
/// it starts on (the header is line 1), or why that line could not be read.
pub struct CsvLines {
    /// Column names, lower case.
    pub headers: Vec<String>,
    /// `(line, record)` in file order.
    pub records: Vec<(u64, Result<csv::StringRecord, String>)>,
}

impl CsvLines {
    /// The index of a column.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }
}

/// Why a file that is not UTF-8 text is refused.
const NOT_TEXT: &str = "the file is not UTF-8 text";

/// A file's text: UTF-8, without its byte-order mark if it has one.
fn text_of(bytes: &[u8]) -> Result<&str, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ApiError::field(Field::whole(), NOT_TEXT))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// A reader of `text` that has read its header row, and that row's names in lower case; a
/// header that cannot be read, or lacks a `required` column, is one error for the whole request.
fn header<'t>(text: &'t str, required: &[&str]) -> Result<(csv::Reader<&'t [u8]>, Vec<String>), ApiError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ApiError::field(Field::whole(), format!("the header line cannot be read: {e}")))?
        .iter()
        .map(|h| h.to_lowercase())
        .collect();
    let missing: Vec<FieldError> = required
        .iter()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .map(|c| FieldError::new(Field::named("columns").key(c), "required column is missing"))
        .collect();
    if missing.is_empty() {
        Ok((reader, headers))
    } else {
        Err(ApiError::Validation(missing))
    }
}

/// Reads a CSV file (UTF-8, an optional byte-order mark, a header row). A file that is not text,
/// has no readable header, or lacks a `required` column is one error for the whole request.
pub fn read_csv(bytes: &[u8], required: &[&str]) -> Result<CsvLines, ApiError> {
    let text = text_of(bytes)?;
    let (mut reader, headers) = header(text, required)?;
    // The line a record starts on (1-based, the header is line 1). The reader's byte position
    // can sit on the terminator before the record, so line breaks there are skipped first.
    // Positions only grow, so line breaks are counted once, from where the last count stopped.
    let bytes = text.as_bytes();
    let (mut counted_to, mut breaks) = (0usize, 0u64);
    let mut line_at = |pos: &csv::Position| {
        let mut end = usize::try_from(pos.byte()).unwrap_or(0).min(bytes.len());
        while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
            end += 1;
        }
        if end > counted_to {
            breaks += bytes[counted_to..end].iter().filter(|b| **b == b'\n').count() as u64;
            counted_to = end;
        }
        breaks + 1
    };
    let mut records = Vec::new();
    loop {
        // Where the next record starts: the reader's position before it reads it.
        let line = line_at(reader.position());
        let mut record = csv::StringRecord::new();
        match reader.read_record(&mut record) {
            Ok(true) if record.iter().all(str::is_empty) => {}
            Ok(true) => records.push((line, Ok(record))),
            Ok(false) => break,
            Err(e) => records.push((line, Err(format!("unreadable line: {e}")))),
        }
    }
    Ok(CsvLines { headers, records })
}

/// A file's refused cells as one 422, each named `#/lines/{line}/{column}`.
pub fn line_errors<'a>(errors: impl Iterator<Item = (u64, &'a str, &'a str)>) -> ApiError {
    ApiError::Validation(
        errors
            .map(|(line, column, detail)| {
                FieldError::new(Field::named("lines").key(line).key(column), format!("line {line}: {detail}"))
            })
            .collect(),
    )
}

/// An import's refused cells: on a dry run, listed in the report; otherwise, if any, one 422
/// naming each (nothing was stored).
pub fn refused_lines(dry_run: bool, errors: Vec<RowError>) -> Result<Vec<ImportLineError>, ApiError> {
    if !dry_run && !errors.is_empty() {
        return Err(line_errors(errors.iter().map(|e| (e.line, e.column.as_str(), e.detail.as_str()))));
    }
    Ok(errors.into_iter().map(|e| ImportLineError { line: e.line, column: e.column, detail: e.detail }).collect())
}

/// Refuses a body that is not `text/csv`.
pub fn require_csv(req: &HttpRequest) -> Result<(), ApiError> {
    let is_csv = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"));
    if is_csv {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType("text/csv"))
    }
}

/// Parses the file into rows and per-line errors. A file that is not CSV at all, or lacks a
/// required column, is one error for the whole request.
pub fn parse_csv(bytes: &[u8]) -> Result<(Vec<ImportRow>, Vec<RowError>), ApiError> {
    let file = read_csv(bytes, REQUIRED)?;
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
        let col = |name: &str| file.col(name);
        let get = |name: &str| col(name).and_then(|i| record.get(i)).unwrap_or("");
        let mut bad = |column: &str, detail: String| errors.push(RowError { line, column: column.to_owned(), detail });
        let nip = Nip::parse(get("nip")).map_err(|e| bad("nip", e.to_string())).ok();
        let name = Name::parse(get("nama")).map_err(|e| bad("nama", e.to_string())).ok();
        let gender = gender(get("jenis_kelamin")).map_err(|e| bad("jenis_kelamin", e)).ok();
        let employment = employment_type(get("status")).map_err(|e| bad("status", e)).ok();
        let rank = match get("golongan") {
            "" => Some(None),
            r => Name::parse(r).map(Some).map_err(|e| bad("golongan", e.to_string())).ok(),
        };
        let position_name = Name::parse(get("jabatan")).map_err(|e| bad("jabatan", e.to_string())).ok();
        let position_type = PositionType::parse(&get("jenis_jabatan").to_lowercase())
            .ok_or(())
            .map_err(|()| bad("jenis_jabatan", "must be jpt, administrator, pengawas, pelaksana or fungsional".into()))
            .ok();
        let class = get("kelas_jabatan")
            .parse::<i64>()
            .map_err(|_| ())
            .and_then(|n| PositionClass::new(n).map_err(|_| ()))
            .map_err(|()| bad("kelas_jabatan", "must be a whole number from 1 to 17".into()))
            .ok();
        let unit_code = match get("kode_unit") {
            "" => {
                bad("kode_unit", "must not be empty".into());
                None
            }
            u => Some(u.to_owned()),
        };
        let supervisor_nip = match get("nip_atasan") {
            "" => Some(None),
            s => Nip::parse(s).map(Some).map_err(|e| bad("nip_atasan", e.to_string())).ok(),
        };
        if let (
            Some(nip),
            Some(name),
            Some(gender),
            Some(employment_type),
            Some(rank),
            Some(position_name),
            Some(position_type),
            Some(class),
            Some(unit_code),
            Some(supervisor_nip),
        ) = (nip, name, gender, employment, rank, position_name, position_type, class, unit_code, supervisor_nip)
        {
            rows.push(ImportRow {
                line,
                nip,
                name,
                gender,
                employment_type,
                rank,
                position_name,
                position_type,
                class,
                unit_code,
                supervisor_nip,
            });
        }
    }
    Ok((rows, errors))
}

/// Imports employees and positions from an HR export.
#[utoipa::path(post, path = "/api/v1/imports/employees", tag = "imports", operation_id = "import_employees",
    summary = "Import employees and positions from an HR export (CSV), all or nothing",
    description = "Columns (header names as in a BKPSDM export): `nip`, `nama`, `status` (PNS/PPPK), \
        `jabatan`, `jenis_jabatan`, `kelas_jabatan`, `kode_unit` (an existing org unit's code) are \
        required; `jenis_kelamin` (L/P, checked against the NIP), `golongan`, `nip_atasan` (the \
        supervisor's NIP) and `unit_kerja` are optional. Structural posts get one position per row; \
        staff posts with the same name, type and class in a unit share one. Without `nip_atasan` a \
        position's supervisor is its unit's head. With `Prefer: respond-async` the caller's right and the \
        file's form (UTF-8, the required columns) are checked and the import stored as a job, answered `202` \
        at once: follow it at its `Location` (`GET /api/v1/jobs/{id}`); it ends with the report as its file \
        (`GET /api/v1/jobs/{id}/file`, JSON), or failed with the problem the request would have answered \
        (refused lines: the 422 naming each).",
    params(ImportQuery, ("prefer" = Option<String>, Header, description = "`respond-async`: answer 202 with a job at once")),
    request_body(content = String, content_type = "text/csv", description = "The CSV file, UTF-8, header row first",
        example = json!("nip,nama,status,jabatan,jenis_jabatan,kelas_jabatan,kode_unit\n199003152015031002,Budi Santoso,PNS,Pengadministrasi Umum,pelaksana,7,DINKES-BID2\n")),
    responses(
        (status = 200, description = "Imported, or (dry run) what would be imported with every refused line", body = ImportReportView),
        (status = 202, description = "Stored as a job (`Prefer: respond-async`); its file is the import's report", body = crate::routes::job::JobView,
            headers(("location" = String, description = "URL of the job"),
                ("preference-applied" = String, description = "`respond-async`"),
                ("retry-after" = String, description = "Seconds to wait before following the job"))),
        crate::openapi::AdminOnly,
        (status = 422, description = "Some lines are refused (`errors` names each as `#/lines/{line}/{column}`); nothing was stored", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn import_employees(
    call: Call,
    req: HttpRequest,
    q: web::Query<ImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_csv(&req)?;
    let q = q.into_inner();
    let agency_id = call.agency_to_write(q.agency_id, ekinerja_domain::access::Area::EmployeeRecord).await?;
    let dry_run = q.dry_run.unwrap_or(false);
    let change = call.change();
    if crate::routes::job::wants_async(&req) {
        // Checked at once as the request would be: UTF-8 text with the required columns (the
        // header alone is read). Its lines are checked by the job, which refuses them as the
        // request would.
        let text = text_of(&body)?;
        header(text, REQUIRED)?;
        let csv = text.to_owned();
        let job = db(&call.state, move |conn| import::enqueue(conn, &change, agency_id, csv, dry_run)).await?;
        return crate::routes::job::accepted(&call.state, job);
    }
    let (rows, parse_errors) = parse_csv(&body)?;
    let report =
        db(&call.state, move |conn| import::employees(conn, &change, agency_id, rows, parse_errors, dry_run)).await?;
    Ok(HttpResponse::Ok().json(report_view(report)?))
}

/// What an import answers: its report, or (not a dry run) the refused lines as a 422.
pub fn report_view(report: import::ImportReport) -> Result<ImportReportView, ApiError> {
    let errors = refused_lines(report.dry_run, report.errors)?;
    Ok(ImportReportView {
        dry_run: report.dry_run,
        rows: report.rows,
        employees_created: report.employees_created,
        positions_created: report.positions_created,
        supervisors_inferred: report.supervisors_inferred,
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_count_the_header_as_line_one() {
        let csv = "nip,nama,status,jabatan,jenis_jabatan,kelas_jabatan,kode_unit\n\
                   198204032004011644,Wahyu,PNS,Kepala,jpt,11,SETDA\n\
                   123,Bad,PNS,Staf,pelaksana,5,SETDA\n";
        let (rows, errors) = parse_csv(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].column.as_str()), (3, "nip"));
        let sample = include_str!("../../../tests/fixtures/sample-employees.csv");
        let (rows, errors) = parse_csv(sample.as_bytes()).unwrap();
        assert_eq!(rows[0].line, 2);
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [42, 43]);
    }
}
