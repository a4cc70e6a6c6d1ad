//! The roster a system enrolls (integration scope `employees_read`): each employee's NIP, name,
//! unit and whether they are active, in the order those facts last changed. Every write that
//! changes one of them takes the agency's next roster number inside its transaction; the lock on
//! the agency's row orders the numbers as the transactions commit, so a system that has read up
//! to N and asks for what changed since N never misses a change.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ekinerja_domain::id::{AgencyId, EmployeeId, OrgUnitId, PositionId};
use ekinerja_domain::{Integration, IntegrationScope};

use crate::schema::{agencies, employees, org_units, positions};
use crate::{DbConnection, StoreError};

/// Gives `employee_ids` (of `agency_id`) the agency's next roster number. Call inside the write
/// transaction that changed them.
pub(crate) fn touch(
    conn: &mut DbConnection,
    agency_id: AgencyId,
    employee_ids: &[EmployeeId],
) -> Result<(), StoreError> {
    if employee_ids.is_empty() {
        return Ok(());
    }
    // The employees' rows before the agency's, in id order: the order of every writer that holds
    // an employee and then touches the roster (a move, a load), so none waits on another in a
    // cycle.
    crate::db::lock_rows(conn, crate::db::LockTable::Employees, employee_ids)?;
    let seq: i64 = diesel::update(agencies::table.find(crate::key::bind(agency_id)))
        .set(agencies::roster_seq.eq(agencies::roster_seq + 1))
        .returning(agencies::roster_seq)
        .get_result(conn)?;
    for chunk in employee_ids.chunks(500) {
        diesel::update(
            employees::table
                .filter(employees::agency_id.eq(crate::key::bind(agency_id)))
                .filter(employees::id.eq_any(crate::key::binds(chunk.iter().copied()))),
        )
        .set(employees::roster_seq.eq(seq))
        .execute(conn)?;
    }
    Ok(())
}

/// As [`touch`], for everyone holding a post in `unit_id` (its code or name changed) or holding
/// `position_id` (it moved to another unit).
pub(crate) fn touch_holders(
    conn: &mut DbConnection,
    agency_id: AgencyId,
    unit_id: Option<OrgUnitId>,
    position_id: Option<PositionId>,
) -> Result<(), StoreError> {
    let mut q = employees::table
        .inner_join(positions::table)
        .filter(employees::agency_id.eq(crate::key::bind(agency_id)))
        .select(employees::id)
        .into_boxed::<crate::db::Backend>();
    if let Some(u) = unit_id {
        q = q.filter(positions::org_unit_id.eq(crate::key::bind(u)));
    }
    if let Some(p) = position_id {
        q = q.filter(positions::id.eq(crate::key::bind(p)));
    }
    let ids: Vec<EmployeeId> = q.load(conn)?;
    touch(conn, agency_id, &ids)
}

/// One employee as the roster shows them.
#[derive(Debug, Clone, Queryable)]
pub struct RosterEntry {
    pub employee_id: EmployeeId,
    pub nip: String,
    pub name: String,
    pub active: bool,
    pub org_unit_id: Option<OrgUnitId>,
    pub org_unit_code: Option<String>,
    pub org_unit_name: Option<String>,
    pub updated_at: NaiveDateTime,
    /// The roster number of the last change.
    pub seq: i64,
}

/// Where a read of the roster resumes: after the entry with this number and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Since {
    pub seq: i64,
    pub employee_id: EmployeeId,
}

/// A page of the roster, in change order, and where the next read resumes (the last entry's
/// place, or where this read started when nothing changed).
#[derive(Debug, Clone)]
pub struct RosterPage {
    pub items: Vec<RosterEntry>,
    pub next: Option<Since>,
    /// Whether more changes wait beyond this page.
    pub more: bool,
}

/// What changed in the key's agency since `since` (everything when absent), `limit` entries at
/// most. Refused for a key without the `employees_read` scope.
pub fn changes(
    conn: &mut DbConnection,
    key: &Integration,
    since: Option<Since>,
    limit: i64,
) -> Result<RosterPage, StoreError> {
    crate::access::require_scope(key, IntegrationScope::EmployeesRead)?;
    let mut q = employees::table
        .left_join(positions::table.left_join(org_units::table))
        .filter(employees::agency_id.eq(crate::key::bind(AgencyId::from(key.agency_id))))
        .select((
            employees::id,
            employees::nip,
            employees::name,
            employees::active,
            positions::org_unit_id.nullable(),
            org_units::code.nullable(),
            org_units::name.nullable(),
            employees::updated_at,
            employees::roster_seq,
        ))
        .into_boxed::<crate::db::Backend>();
    if let Some(s) = &since {
        q = q.filter(
            employees::roster_seq
                .gt(s.seq)
                .or(employees::roster_seq.eq(s.seq).and(employees::id.gt(crate::key::bind(s.employee_id)))),
        );
    }
    let mut items: Vec<RosterEntry> =
        q.order((employees::roster_seq.asc(), employees::id.asc())).limit(limit + 1).load(conn)?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next = items.last().map(|e| Since { seq: e.seq, employee_id: e.employee_id }).or(since);
    Ok(RosterPage { items, next, more })
}
