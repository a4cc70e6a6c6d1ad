//! Bulk import of employees and their positions from an HR export, all or nothing.
//!
//! Every row is checked against the file and the database; a single bad row stores nothing and
//! the report names every bad row by line. A dry run checks everything and stores nothing.

use std::collections::HashMap;

use diesel::prelude::*;
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AgencyId, OrgUnitId, PositionId};
use ekinerja_domain::supervision::would_create_cycle;
use ekinerja_domain::{EmploymentType, Gender, Name, Nip, PositionClass, PositionType};
use serde::Serialize;
use uuid::Uuid;

use crate::employee::{self, NewEmployee};
use crate::position::Position;
use crate::schema::{employees, org_units, positions};
use crate::{audit, Change, DbConnection, StoreError};

/// One row of the file, already parsed field by field.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    pub nip: Nip,
    pub name: Name,
    pub gender: Option<Gender>,
    pub employment_type: EmploymentType,
    pub rank: Option<Name>,
    pub position_name: Name,
    pub position_type: PositionType,
    pub class: PositionClass,
    pub unit_code: String,
    /// The supervisor's NIP, where the export has the column.
    pub supervisor_nip: Option<Nip>,
}

/// A refused row.
#[derive(Debug, Clone, Serialize)]
pub struct RowError {
    pub line: u64,
    /// The column at fault.
    pub column: String,
    pub detail: String,
}

/// What an import did, or would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: usize,
    pub employees_created: usize,
    pub positions_created: usize,
    /// Positions whose supervisor was inferred (the unit's head) because the file names none:
    /// check them and correct any with one change to the position.
    pub supervisors_inferred: usize,
    pub errors: Vec<RowError>,
}

enum Abort {
    Store(StoreError),
    Rollback(ImportReport),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Store(e.into())
    }
}

impl From<StoreError> for Abort {
    fn from(e: StoreError) -> Self {
        Abort::Store(e)
    }
}

/// Whether `caller` may import employees into an agency (its admin): the check [`employees`]
/// makes first, for a job stored to import later.
pub fn allowed(conn: &mut DbConnection, caller: &ekinerja_domain::Caller, agency_id: Uuid) -> Result<(), StoreError> {
    crate::agency::writable(conn, caller, agency_id, ekinerja_domain::access::Area::EmployeeRecord)?;
    Ok(())
}

/// Stores an import as a job (`Prefer: respond-async`), once the caller may import into the
/// agency; the worker imports it as [`employees`] would.
pub fn enqueue(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    csv: String,
    dry_run: bool,
) -> Result<crate::job::Job, StoreError> {
    allowed(conn, &change.caller, agency_id)?;
    crate::job::enqueue(conn, change, crate::job::JobRequest::EmployeeImport { agency_id, csv, dry_run })
}

/// Imports `rows` (and the earlier parse errors of the file) into `agency_id`. Nothing is stored
/// when any row is refused or when `dry_run` is set.
pub fn employees(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    rows: Vec<ImportRow>,
    parse_errors: Vec<RowError>,
    dry_run: bool,
) -> Result<ImportReport, StoreError> {
    employees_then(conn, change, agency_id, rows, parse_errors, dry_run, |_, _| Ok(()))
}

/// [`employees`], running `on_commit` in the import's own transaction when it is about to commit
/// (nothing refused, not a dry run): a job records its end there, so that an import is never
/// stored without its job knowing. An error from `on_commit` rolls the import back.
pub fn employees_then(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    rows: Vec<ImportRow>,
    parse_errors: Vec<RowError>,
    dry_run: bool,
    on_commit: impl FnOnce(&mut DbConnection, &ImportReport) -> Result<(), StoreError>,
) -> Result<ImportReport, StoreError> {
    allowed(conn, &change.caller, agency_id)?;
    let total = rows.len() + parse_errors.len();
    let result = crate::db::write(conn, |conn| {
        let mut report = ImportReport { dry_run, rows: total, errors: parse_errors, ..ImportReport::default() };
        run(conn, change, agency_id, rows, &mut report)?;
        if dry_run || !report.errors.is_empty() {
            return Err(Abort::Rollback(report));
        }
        on_commit(conn, &report)?;
        Ok(report)
    });
    match result {
        Ok(r) => Ok(r),
        Err(Abort::Rollback(mut r)) => {
            if !r.errors.is_empty() {
                r.employees_created = 0;
                r.positions_created = 0;
                r.supervisors_inferred = 0;
            }
            r.errors.sort_by_key(|e| e.line);
            Ok(r)
        }
        Err(Abort::Store(e)) => Err(e),
    }
}

fn run(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    rows: Vec<ImportRow>,
    report: &mut ImportReport,
) -> Result<(), Abort> {
    let agency = AgencyId::from(agency_id);
    let today = crate::chart::agency_today(conn, agency_id, change.at.and_utc())?;
    let units: HashMap<String, OrgUnitId> = org_units::table
        .filter(org_units::agency_id.eq(crate::key::bind(agency)))
        .select((org_units::code, org_units::id))
        .load::<(String, OrgUnitId)>(conn)?
        .into_iter()
        .collect();
    let registered: std::collections::HashSet<String> = {
        let nips: Vec<String> = rows.iter().map(|r| r.nip.as_str().to_owned()).collect();
        employees::table
            .filter(employees::nip.eq_any(nips))
            .select(employees::nip)
            .load::<String>(conn)?
            .into_iter()
            .collect()
    };
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    let fail = |report: &mut ImportReport, line: u64, column: &str, detail: String| {
        report.errors.push(RowError { line, column: column.to_owned(), detail });
    };
    // Checks that need the whole file or the database.
    let mut good = Vec::new();
    for row in rows {
        let mut ok = true;
        if let Some(first) = first_line_of.get(row.nip.as_str()) {
            fail(report, row.line, "nip", format!("NIP {} already appears on line {first}", row.nip));
            ok = false;
        } else {
            first_line_of.insert(row.nip.as_str().to_owned(), row.line);
        }
        if registered.contains(row.nip.as_str()) {
            fail(report, row.line, "nip", format!("NIP {} is already registered", row.nip));
            ok = false;
        }
        if let Err(e) = row.nip.check_appointed_by(today) {
            fail(report, row.line, "nip", e.to_string());
            ok = false;
        }
        if row.gender.is_some_and(|g| g != row.nip.gender()) {
            fail(report, row.line, "jenis_kelamin", "does not match the gender digit of the NIP".into());
            ok = false;
        }
        if !units.contains_key(&row.unit_code) {
            fail(report, row.line, "kode_unit", format!("no org unit with code {} in this agency", row.unit_code));
            ok = false;
        }
        if ok {
            good.push(row);
        }
    }
    if !report.errors.is_empty() {
        return Ok(());
    }
    // Positions: a structural post per row (one holder each); staff posts shared by name, type and
    // class within a unit, reusing existing ones.
    let mut existing: HashMap<(OrgUnitId, String, PositionType, i32), PositionId> = positions::table
        .filter(positions::agency_id.eq(crate::key::bind(agency)))
        .select(Position::as_select())
        .load::<Position>(conn)?
        .into_iter()
        .map(|p| ((p.org_unit_id, p.name, p.position_type, p.class), p.id))
        .collect();
    let mut position_of_line: HashMap<u64, (PositionId, OrgUnitId)> = HashMap::new();
    for row in &good {
        // Every good row's unit was found above.
        let Some(unit_id) = units.get(&row.unit_code).copied() else { continue };
        let key = (unit_id, row.position_name.as_str().to_owned(), row.position_type, row.class.get());
        let reuse = if row.position_type.is_structural() { None } else { existing.get(&key).copied() };
        let id = match reuse {
            Some(id) => id,
            None => {
                let p = Position {
                    id: crate::key::new(),
                    agency_id: agency,
                    org_unit_id: unit_id,
                    name: key.1.clone(),
                    position_type: key.2,
                    class: key.3,
                    supervisor_position_id: None,
                    created_at: change.at,
                    updated_at: change.at,
                };
                diesel::insert_into(positions::table).values(p.clone()).execute(conn)?;
                audit::record(
                    conn,
                    change,
                    Some(agency),
                    AuditAction::Import,
                    AuditEntity::Position,
                    p.id,
                    None::<&()>,
                    Some(&p),
                )?;
                report.positions_created += 1;
                if !row.position_type.is_structural() {
                    existing.insert(key, p.id);
                }
                p.id
            }
        };
        position_of_line.insert(row.line, (id, unit_id));
    }
    // Employees.
    let mut position_of_nip: HashMap<String, PositionId> = HashMap::new();
    for row in &good {
        let Some((position_id, _)) = position_of_line.get(&row.line) else { continue };
        let new = NewEmployee {
            agency_id,
            nip: row.nip.clone(),
            name: row.name.clone(),
            employment_type: row.employment_type,
            rank: row.rank.clone(),
            position_id: Some(position_id.uuid()),
        };
        match employee::insert(conn, change, new) {
            Ok(_) => report.employees_created += 1,
            Err(StoreError::Invalid(fields)) => {
                for f in fields {
                    fail(report, row.line, f.field.last_name().unwrap_or_default(), f.detail);
                }
            }
            Err(StoreError::Conflict(m)) => fail(report, row.line, "nip", m),
            Err(e) => return Err(e.into()),
        }
        position_of_nip.insert(row.nip.as_str().to_owned(), *position_id);
    }
    // Supervisors: the named supervisor's position, else the head (JPT) of the row's unit.
    let heads: HashMap<OrgUnitId, PositionId> = positions::table
        .filter(positions::agency_id.eq(crate::key::bind(agency)))
        .filter(positions::position_type.eq(crate::word::bind(PositionType::Jpt)))
        .select((positions::org_unit_id, positions::id))
        .load::<(OrgUnitId, PositionId)>(conn)?
        .into_iter()
        .collect();
    for row in &good {
        let Some((position_id, unit_id)) = position_of_line.get(&row.line) else { continue };
        let named = match &row.supervisor_nip {
            Some(s) => {
                let pos = match position_of_nip.get(s.as_str()) {
                    Some(p) => Some(*p),
                    None => employees::table
                        .filter(employees::nip.eq(s.as_str()))
                        .filter(employees::agency_id.eq(crate::key::bind(agency)))
                        .select(employees::position_id)
                        .first::<Option<PositionId>>(conn)
                        .optional()?
                        .flatten(),
                };
                let structural = match pos {
                    Some(p) => positions::table
                        .find(crate::key::bind(p))
                        .select(positions::position_type)
                        .first::<PositionType>(conn)
                        .optional()?
                        .is_some_and(PositionType::is_structural),
                    None => false,
                };
                if pos.is_none() {
                    fail(
                        report,
                        row.line,
                        "nip_atasan",
                        format!("no employee with NIP {s} and a position in this agency"),
                    );
                    continue;
                }
                if !structural {
                    fail(
                        report,
                        row.line,
                        "nip_atasan",
                        format!("the employee with NIP {s} holds no structural position, so cannot supervise"),
                    );
                    continue;
                }
                pos
            }
            None => None,
        };
        let inferred = named.is_none();
        let supervisor = named.or_else(|| heads.get(unit_id).copied()).filter(|s| s != position_id);
        if let Some(s) = supervisor {
            let current: Option<PositionId> = positions::table
                .find(crate::key::bind(*position_id))
                .select(positions::supervisor_position_id)
                .first(conn)?;
            if current.is_none() {
                diesel::update(positions::table.find(crate::key::bind(*position_id)))
                    .set(positions::supervisor_position_id.eq(crate::key::bind(s)))
                    .execute(conn)?;
                if inferred {
                    report.supervisors_inferred += 1;
                }
            }
        }
    }
    // Named supervisors must not close a loop.
    let tree = crate::parent_map(
        positions::table
            .filter(positions::agency_id.eq(crate::key::bind(agency)))
            .select((positions::id, positions::supervisor_position_id))
            .load::<(PositionId, Option<PositionId>)>(conn)?,
    );
    for row in &good {
        let Some(pos) = position_of_line.get(&row.line).map(|(p, _)| p.uuid()) else { continue };
        if let Some(Some(up)) = tree.get(&pos) {
            if would_create_cycle(pos, *up, &tree) {
                fail(report, row.line, "nip_atasan", "the named supervisors form a loop".into());
            }
        }
    }
    Ok(())
}
