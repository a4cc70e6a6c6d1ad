//! Acting assignments (Plt/Plh): for a date range, another employee fills a structural post and
//! is the supervisor of the people below it.

use chrono::NaiveDate;
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{ActingAssignmentId, AgencyId, EmployeeId, PositionId};
use ekinerja_domain::{ActingKind, Caller, PositionType, Scope};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{acting_assignments, employees, positions};
use crate::{access, audit, db::Backend, Change, DbConnection, Page, PageRequest, StoreError};

/// A stored acting assignment.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = acting_assignments, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ActingAssignment {
    #[diesel(serialize_as = crate::key::Bind<ActingAssignmentId>)]
    pub id: ActingAssignmentId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<PositionId>)]
    pub position_id: PositionId,
    #[diesel(serialize_as = crate::key::Bind<EmployeeId>)]
    pub employee_id: EmployeeId,
    #[diesel(serialize_as = crate::word::Bind<ActingKind>)]
    pub kind: ActingKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_at: chrono::NaiveDateTime,
}

/// A new assignment, already validated (`starts_on <= ends_on`).
#[derive(Debug, Clone)]
pub struct NewActingAssignment {
    pub position_id: Uuid,
    pub employee_id: Uuid,
    pub kind: ActingKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct ActingFilter {
    pub agency_id: Option<Uuid>,
    pub position_id: Option<Uuid>,
    pub employee_id: Option<Uuid>,
    /// Only assignments covering this day.
    pub on: Option<NaiveDate>,
}

/// Lists assignments in the caller's agency (the structure is visible to its whole agency).
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &ActingFilter,
    page: &PageRequest,
) -> Result<Page<ActingAssignment>, StoreError> {
    let mut q = acting_assignments::table.select(ActingAssignment::as_select()).into_boxed::<Backend>();
    match caller.list_scope(filter.agency_id) {
        Scope::All => {}
        Scope::Agency(a) => q = q.filter(acting_assignments::agency_id.eq(crate::key::bind(AgencyId::from(a)))),
        Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(p) = filter.position_id {
        q = q.filter(acting_assignments::position_id.eq(crate::key::bind(PositionId::from(p))));
    }
    if let Some(e) = filter.employee_id {
        q = q.filter(acting_assignments::employee_id.eq(crate::key::bind(EmployeeId::from(e))));
    }
    if let Some(d) = filter.on {
        q = q.filter(acting_assignments::starts_on.le(d)).filter(acting_assignments::ends_on.ge(d));
    }
    if let Some(after) = &page.after {
        q = q.filter(acting_assignments::id.gt(crate::key::bind(ActingAssignmentId::from(*after))));
    }
    let rows = q.order(acting_assignments::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// Reads one assignment the caller may see.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<ActingAssignment, StoreError> {
    let a: ActingAssignment = acting_assignments::table
        .find(crate::key::bind(ActingAssignmentId::from(id)))
        .select(ActingAssignment::as_select())
        .first(conn)?;
    crate::access::in_sight(caller, a.agency_id, a)
}

/// Assigns an acting official (the agency's admin). The post must be structural, the employee
/// active in the same agency and not its holder, and the range must not overlap another
/// assignment to the same post.
pub fn create(
    conn: &mut DbConnection,
    change: &Change,
    new: NewActingAssignment,
) -> Result<ActingAssignment, StoreError> {
    crate::db::write(conn, |conn| {
        let pos: Option<(AgencyId, PositionType)> = positions::table
            .find(crate::key::bind(PositionId::from(new.position_id)))
            .select((positions::agency_id, positions::position_type))
            .first(conn)
            .optional()?;
        let Some((agency_id, ptype)) = pos.filter(|(a, _)| change.caller.can_see_agency(a.uuid())) else {
            return Err(StoreError::invalid("position_id", "no such position"));
        };
        let agency = agency_id.uuid();
        access::require_agency(conn, &change.caller, agency, Area::Structure, Access::Write)?;
        if !ptype.is_structural() {
            return Err(StoreError::invalid(
                "position_id",
                "only a structural post (jpt, administrator, pengawas) has an acting official",
            ));
        }
        let emp: Option<(AgencyId, bool, Option<PositionId>)> = employees::table
            .find(crate::key::bind(EmployeeId::from(new.employee_id)))
            .select((employees::agency_id, employees::active, employees::position_id))
            .first(conn)
            .optional()?;
        let Some((_, active, own_position)) = emp.filter(|(a, _, _)| *a == agency_id) else {
            return Err(StoreError::invalid("employee_id", "no such employee in this agency"));
        };
        if !active {
            return Err(StoreError::invalid("employee_id", "the employee is no longer active"));
        }
        if own_position == Some(PositionId::from(new.position_id)) {
            return Err(StoreError::invalid("employee_id", "the employee already holds this post"));
        }
        crate::db::lock_row(conn, crate::db::LockTable::Positions, new.position_id.to_string())?;
        let overlapping: i64 = acting_assignments::table
            .filter(acting_assignments::position_id.eq(crate::key::bind(PositionId::from(new.position_id))))
            .filter(acting_assignments::starts_on.le(new.ends_on))
            .filter(acting_assignments::ends_on.ge(new.starts_on))
            .count()
            .get_result(conn)?;
        if overlapping > 0 {
            return Err(StoreError::Conflict("another acting assignment to this post overlaps these dates".into()));
        }
        let row = ActingAssignment {
            id: crate::key::new(),
            agency_id,
            position_id: PositionId::from(new.position_id),
            employee_id: EmployeeId::from(new.employee_id),
            kind: new.kind,
            starts_on: new.starts_on,
            ends_on: new.ends_on,
            created_at: change.at,
        };
        diesel::insert_into(acting_assignments::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::ActingAssignment,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row)
    })
}

/// Removes an assignment entered by mistake (the agency's admin); the audit trail keeps it.
pub fn delete(conn: &mut DbConnection, change: &Change, id: Uuid) -> Result<(), StoreError> {
    crate::db::write(conn, |conn| {
        let before = get(conn, &change.caller, id)?;
        let agency = before.agency_id.uuid();
        access::require_agency(conn, &change.caller, agency, Area::Structure, Access::Write)?;
        diesel::delete(acting_assignments::table.find(crate::key::bind(before.id))).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(before.agency_id),
            AuditAction::Delete,
            AuditEntity::ActingAssignment,
            before.id,
            Some(&before),
            None::<&()>,
        )?;
        Ok(())
    })
}
