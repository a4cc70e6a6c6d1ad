//! Employees (ASN): NIP, name, employment type, current position. An agency admin sees all of
//! the agency's employees; anyone else sees themselves and the people below them in the
//! position tree.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area, Decision, Reach, Subject};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AgencyId, EmployeeId, OrgUnitId, PositionId};
use ekinerja_domain::supervision::Official;
use ekinerja_domain::{Caller, EmploymentType, Name, Nip, PositionType, Scope};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{employees, positions};
use crate::{access, audit, chart, db::Backend, Change, DbConnection, Page, PageRequest, StoreError};

mod load;
pub use load::{hire, Hire};

diesel::define_sql_function! {
    /// SQL `lower`, the same on both engines (unlike `LIKE`'s case rules).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A stored employee.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = employees, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct Employee {
    #[diesel(serialize_as = crate::key::Bind<EmployeeId>)]
    pub id: EmployeeId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    pub nip: String,
    pub name: String,
    #[diesel(serialize_as = crate::word::Bind<EmploymentType>)]
    pub employment_type: EmploymentType,
    pub rank: Option<String>,
    #[diesel(serialize_as = crate::key::BindOption<PositionId>)]
    pub position_id: Option<PositionId>,
    pub active: bool,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// A new employee, already validated.
#[derive(Debug, Clone)]
pub struct NewEmployee {
    pub agency_id: Uuid,
    pub nip: Nip,
    pub name: Name,
    pub employment_type: EmploymentType,
    pub rank: Option<Name>,
    pub position_id: Option<Uuid>,
}

/// The fields of an employee that change; `position_id: Some(None)` leaves them without a post.
#[derive(Debug, Clone, Default)]
pub struct EmployeePatch {
    pub name: Option<Name>,
    pub employment_type: Option<EmploymentType>,
    pub rank: Option<Option<Name>>,
    pub position_id: Option<Option<Uuid>>,
    pub active: Option<bool>,
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct EmployeeFilter {
    pub agency_id: Option<Uuid>,
    pub org_unit_id: Option<Uuid>,
    pub position_id: Option<Uuid>,
    pub active: Option<bool>,
    pub nip: Option<String>,
    /// Case-insensitive part of the name.
    pub name: Option<String>,
}

fn agency_of(e: &Employee) -> Option<Uuid> {
    Some(e.agency_id.uuid())
}

/// The access rule's subject for an employee record.
fn subject(e: &Employee) -> Result<Subject, StoreError> {
    let agency = agency_of(e).ok_or(StoreError::NotFound)?;
    Ok(Subject::Employee { agency, employee: e.id.uuid() })
}

fn may_read(conn: &mut DbConnection, caller: &Caller, e: &Employee, now: DateTime<Utc>) -> Result<bool, StoreError> {
    Ok(access::decide(conn, caller, subject(e)?, Area::EmployeeRecord, Access::Read, now)? == Decision::Allow)
}

/// Reads an employee the caller may see.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid, now: DateTime<Utc>) -> Result<Employee, StoreError> {
    let e: Employee =
        employees::table.find(crate::key::bind(EmployeeId::from(id))).select(Employee::as_select()).first(conn)?;
    if may_read(conn, caller, &e, now)? {
        Ok(e)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Reads an employee for one area of the access rule (their discipline, say): 404 when the caller
/// may not know of the record, 403 when they may but not read that area.
pub fn get_for(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    area: Area,
    now: DateTime<Utc>,
) -> Result<Employee, StoreError> {
    get_for_any(conn, caller, id, &[area], now)
}

/// As [`get_for`], for a view drawn from several rows (an employee's maturity, from their logs):
/// read when any of `areas` may be read, refused as the first of them is otherwise.
pub fn get_for_any(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    areas: &[Area],
    now: DateTime<Utc>,
) -> Result<Employee, StoreError> {
    let e: Employee =
        employees::table.find(crate::key::bind(EmployeeId::from(id))).select(Employee::as_select()).first(conn)?;
    let (standing, _) = access::standing(conn, caller, subject(&e)?, now)?;
    if areas.iter().any(|a| standing.allows(*a, Access::Read)) {
        return Ok(e);
    }
    let first = areas.first().copied().unwrap_or(Area::EmployeeRecord);
    access::decision_to_result(standing.decide(first, Access::Read))?;
    Err(StoreError::NotFound)
}

/// Reads an employee by NIP, if the caller may see them.
pub fn get_by_nip(
    conn: &mut DbConnection,
    caller: &Caller,
    nip: &Nip,
    now: DateTime<Utc>,
) -> Result<Employee, StoreError> {
    let e: Employee =
        employees::table.filter(employees::nip.eq(nip.as_str())).select(Employee::as_select()).first(conn)?;
    if may_read(conn, caller, &e, now)? {
        Ok(e)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Lists the employees the caller may see, filtered.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &EmployeeFilter,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<Employee>, StoreError> {
    let mut q = employees::table.select(Employee::as_select()).into_boxed::<Backend>();
    let agency = match caller.list_scope(filter.agency_id) {
        Scope::All => None,
        Scope::Agency(a) => {
            q = q.filter(employees::agency_id.eq(crate::key::bind(AgencyId::from(a))));
            Some(a)
        }
        Scope::Nothing => return Ok(Page::empty()),
    };
    if let Some(a) = agency {
        if let Reach::Employees(visible) = access::reach(conn, caller, a, &[Area::EmployeeRecord], now)? {
            q = q.filter(employees::id.eq_any(crate::key::binds(visible.iter().map(|e| EmployeeId::from(*e)))));
        }
    }
    if let Some(unit) = filter.org_unit_id {
        let in_unit = positions::table
            .filter(positions::org_unit_id.eq(crate::key::bind(OrgUnitId::from(unit))))
            .select(positions::id);
        q = q.filter(employees::position_id.eq_any(crate::key::binds(in_unit.load::<PositionId>(conn)?)));
    }
    if let Some(p) = filter.position_id {
        q = q.filter(employees::position_id.eq(crate::key::bind(PositionId::from(p))));
    }
    if let Some(a) = filter.active {
        q = q.filter(employees::active.eq(a));
    }
    if let Some(n) = &filter.nip {
        q = q.filter(employees::nip.eq(n.clone()));
    }
    if let Some(n) = &filter.name {
        let pattern = format!("%{}%", n.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        q = q.filter(lower(employees::name).like(pattern).escape('\\'));
    }
    if let Some(after) = &page.after {
        q = q.filter(employees::id.gt(crate::key::bind(EmployeeId::from(*after))));
    }
    let rows = q.order(employees::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// Every employee of an agency, in service or not, by NIP, whatever any caller may see: for work
/// done for the agency as a whole (loading its attendance in bulk, an agency-wide job), never
/// to answer one caller, whose list is [`list`].
pub fn of_agency(conn: &mut DbConnection, agency_id: Uuid) -> Result<Vec<Employee>, StoreError> {
    Ok(employees::table
        .filter(employees::agency_id.eq(crate::key::bind(AgencyId::from(agency_id))))
        .select(Employee::as_select())
        .order(employees::nip.asc())
        .load(conn)?)
}

/// An official with their employee record.
#[derive(Debug, Clone)]
pub struct OfficialRecord {
    pub employee: Employee,
    pub official: Official,
}

/// One stored employee, for a step whose access was decided already.
pub(crate) fn row(conn: &mut DbConnection, id: EmployeeId) -> Result<Employee, StoreError> {
    Ok(employees::table.find(crate::key::bind(id)).select(Employee::as_select()).first(conn)?)
}

fn load_many(conn: &mut DbConnection, ids: &[Uuid]) -> Result<Vec<Employee>, StoreError> {
    Ok(employees::table
        .filter(employees::id.eq_any(crate::key::binds(ids.iter().map(|e| EmployeeId::from(*e)))))
        .select(Employee::as_select())
        .load(conn)?)
}

/// The chain of supervisors of an employee the caller may see, direct supervisor first.
pub fn supervisors(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<OfficialRecord>, StoreError> {
    let e = get(conn, caller, id, now)?;
    let agency = agency_of(&e).ok_or(StoreError::NotFound)?;
    let chain = chart::load_upward(conn, agency, id, now)?.chain_of(id);
    let ids: Vec<Uuid> = chain.iter().map(|o| o.employee_id).collect();
    let mut records = load_many(conn, &ids)?;
    Ok(chain
        .into_iter()
        .filter_map(|official| {
            let pos = records.iter().position(|r| r.id == official.employee_id)?;
            Some(OfficialRecord { employee: records.swap_remove(pos), official })
        })
        .collect())
}

/// The direct subordinates of an employee the caller may see, by name.
pub fn subordinates(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Employee>, StoreError> {
    let e = get(conn, caller, id, now)?;
    let agency = agency_of(&e).ok_or(StoreError::NotFound)?;
    let ids = chart::load(conn, agency, now)?.direct_subordinates_of(id);
    let mut rows = load_many(conn, &ids)?;
    rows.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.nip.cmp(&b.nip)));
    Ok(rows)
}

/// Whether `id` is anyone's direct supervisor on `today`: the derived supervisor role.
pub fn is_supervisor(conn: &mut DbConnection, agency: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
    Ok(!chart::load(conn, agency, now)?.direct_subordinates_of(id).is_empty())
}

/// Checks that an employee may take `position` in `agency_id`: the post exists in the agency and,
/// if structural, is not held by someone else.
pub(crate) fn check_position(
    conn: &mut DbConnection,
    agency_id: AgencyId,
    employee_id: Option<EmployeeId>,
    position: Uuid,
) -> Result<(), StoreError> {
    crate::db::lock_row(conn, crate::db::LockTable::Positions, position.to_string())?;
    let pos: Option<(AgencyId, PositionType)> = positions::table
        .find(crate::key::bind(PositionId::from(position)))
        .select((positions::agency_id, positions::position_type))
        .first(conn)
        .optional()?;
    let structural = post_in(pos, agency_id)?;
    if structural {
        let mut q = employees::table
            .filter(employees::position_id.eq(crate::key::bind(PositionId::from(position))))
            .filter(employees::active.eq(true))
            .into_boxed::<Backend>();
        if let Some(me) = employee_id {
            q = q.filter(employees::id.ne(crate::key::bind(me)));
        }
        let holder: Option<String> = q.select(employees::nip).first(conn).optional()?;
        post_free(holder.as_deref())?;
    }
    Ok(())
}

/// A post (`found`: its agency and type) an employee of `agency_id` may take; whether it is
/// structural (one holder).
fn post_in(found: Option<(AgencyId, PositionType)>, agency_id: AgencyId) -> Result<bool, StoreError> {
    let Some((_, ptype)) = found.filter(|(a, _)| *a == agency_id) else {
        return Err(StoreError::invalid("position_id", "no such position in this agency"));
    };
    Ok(ptype.is_structural())
}

/// A structural post is free unless someone active (`holder`, by NIP) holds it.
fn post_free(holder: Option<&str>) -> Result<(), StoreError> {
    match holder {
        Some(nip) => Err(StoreError::invalid(
            "position_id",
            format!("this structural position is already held by NIP {nip}; move them first"),
        )),
        None => Ok(()),
    }
}

/// The NIP is free unless `taken`.
fn nip_free(nip: &Nip, taken: bool) -> Result<(), StoreError> {
    if taken {
        return Err(StoreError::Conflict(format!("an employee with NIP {nip} is already registered")));
    }
    Ok(())
}

/// A new employee's row, as `change` registers them.
fn new_row(change: &Change, new: NewEmployee) -> Employee {
    Employee {
        id: crate::key::new(),
        agency_id: AgencyId::from(new.agency_id),
        nip: new.nip.as_str().to_owned(),
        name: new.name.into_inner(),
        employment_type: new.employment_type,
        rank: new.rank.map(Name::into_inner),
        position_id: new.position_id.map(PositionId::from),
        active: true,
        created_at: change.at,
        updated_at: change.at,
    }
}

/// Inserts an employee inside a running transaction (shared by create and the CSV import).
pub(crate) fn insert(conn: &mut DbConnection, change: &Change, new: NewEmployee) -> Result<Employee, StoreError> {
    let agency_id = AgencyId::from(new.agency_id);
    let taken: i64 = employees::table.filter(employees::nip.eq(new.nip.as_str())).count().get_result(conn)?;
    nip_free(&new.nip, taken > 0)?;
    if let Some(p) = new.position_id {
        check_position(conn, agency_id, None, p)?;
    }
    let row = new_row(change, new);
    diesel::insert_into(employees::table).values(row.clone()).execute(conn)?;
    crate::roster::touch(conn, row.agency_id, std::slice::from_ref(&row.id))?;
    audit::record(
        conn,
        change,
        Some(row.agency_id),
        AuditAction::Create,
        AuditEntity::Employee,
        row.id,
        None::<&()>,
        Some(&row),
    )?;
    Ok(row)
}

/// Registers an employee (the agency's admin).
pub fn create(conn: &mut DbConnection, change: &Change, new: NewEmployee) -> Result<Employee, StoreError> {
    // An agency the caller cannot see, or none (a platform admin's typo), is a field error.
    crate::agency::writable(conn, &change.caller, new.agency_id, ekinerja_domain::access::Area::EmployeeRecord)?;
    crate::db::write(conn, |conn| insert(conn, change, new))
}

/// Changes an employee (the agency's admin): a new position, name, rank, or leaving service.
pub fn update(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    patch: EmployeePatch,
    now: DateTime<Utc>,
) -> Result<Employee, StoreError> {
    crate::db::write(conn, |conn| {
        // The employee's row before their post's, as an agreement's opening takes them.
        crate::db::lock_row(conn, crate::db::LockTable::Employees, id)?;
        let before = get(conn, &change.caller, id, now)?;
        access::require(conn, &change.caller, subject(&before)?, Area::EmployeeRecord, Access::Write, now)?;
        let mut after = before.clone();
        if let Some(n) = patch.name {
            after.name = n.into_inner();
        }
        if let Some(t) = patch.employment_type {
            after.employment_type = t;
        }
        if let Some(r) = patch.rank {
            after.rank = r.map(Name::into_inner);
        }
        if let Some(a) = patch.active {
            after.active = a;
        }
        if let Some(p) = patch.position_id {
            after.position_id = p.map(PositionId::from);
        }
        if let Some(p) = after.position_id.map(PositionId::uuid) {
            let moved = after.position_id != before.position_id;
            if after.active && (moved || !before.active) {
                check_position(conn, before.agency_id, Some(before.id), p)?;
            } else if moved {
                // Leaving service into a post still names a post of this agency: a body-supplied
                // id never reaches the database unchecked.
                let agency: Option<AgencyId> = positions::table
                    .find(crate::key::bind(PositionId::from(p)))
                    .select(positions::agency_id)
                    .first(conn)
                    .optional()?;
                if agency != Some(before.agency_id) {
                    return Err(StoreError::invalid("position_id", "no such position in this agency"));
                }
            }
        }
        after.updated_at = change.at;
        diesel::update(employees::table.find(crate::key::bind(after.id))).set(after.clone()).execute(conn)?;
        if before.active && !after.active {
            // Leaving service ends the employee's sign-ins at once.
            crate::account::end_sessions_of_employee(conn, after.id, change.at)?;
        }
        if (&after.nip, &after.name, after.active, &after.position_id)
            != (&before.nip, &before.name, before.active, &before.position_id)
        {
            crate::roster::touch(conn, after.agency_id, std::slice::from_ref(&after.id))?;
        }
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Update,
            AuditEntity::Employee,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}
