//! Positions (jabatan): type, class, unit, and the supervising position that makes the
//! supervisor tree. Correcting a wrong supervisor is one change here, for every holder at once.

use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AgencyId, OrgUnitId, PositionId};
use ekinerja_domain::{supervision::would_create_cycle, Caller, Name, PositionClass, PositionType, Scope};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{employees, org_units, positions};
use crate::{access, audit, db::Backend, Change, DbConnection, Page, PageRequest, StoreError};

/// A stored position.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = positions, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct Position {
    #[diesel(serialize_as = crate::key::Bind<PositionId>)]
    pub id: PositionId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<OrgUnitId>)]
    pub org_unit_id: OrgUnitId,
    pub name: String,
    #[diesel(serialize_as = crate::word::Bind<PositionType>)]
    pub position_type: PositionType,
    pub class: i32,
    #[diesel(serialize_as = crate::key::BindOption<PositionId>)]
    pub supervisor_position_id: Option<PositionId>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// A new position, already validated.
#[derive(Debug, Clone)]
pub struct NewPosition {
    pub org_unit_id: Uuid,
    pub name: Name,
    pub position_type: PositionType,
    pub class: PositionClass,
    pub supervisor_position_id: Option<Uuid>,
}

/// The fields of a position that change; `supervisor_position_id: Some(None)` makes it a top post.
#[derive(Debug, Clone, Default)]
pub struct PositionPatch {
    pub org_unit_id: Option<Uuid>,
    pub name: Option<Name>,
    pub position_type: Option<PositionType>,
    pub class: Option<PositionClass>,
    pub supervisor_position_id: Option<Option<Uuid>>,
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct PositionFilter {
    pub agency_id: Option<Uuid>,
    pub org_unit_id: Option<Uuid>,
    pub position_type: Option<PositionType>,
    pub supervisor_position_id: Option<Uuid>,
}

/// Reads a position the caller may see (everyone in the agency sees its structure).
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Position, StoreError> {
    let p: Position =
        positions::table.find(crate::key::bind(PositionId::from(id))).select(Position::as_select()).first(conn)?;
    crate::access::in_sight(caller, p.agency_id, p)
}

/// Lists positions in the caller's scope.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &PositionFilter,
    page: &PageRequest,
) -> Result<Page<Position>, StoreError> {
    let mut q = positions::table.select(Position::as_select()).into_boxed::<Backend>();
    match caller.list_scope(filter.agency_id) {
        Scope::All => {}
        Scope::Agency(a) => q = q.filter(positions::agency_id.eq(crate::key::bind(AgencyId::from(a)))),
        Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(u) = filter.org_unit_id {
        q = q.filter(positions::org_unit_id.eq(crate::key::bind(OrgUnitId::from(u))));
    }
    if let Some(t) = filter.position_type {
        q = q.filter(positions::position_type.eq(crate::word::bind(t)));
    }
    if let Some(s) = filter.supervisor_position_id {
        q = q.filter(positions::supervisor_position_id.eq(crate::key::bind(PositionId::from(s))));
    }
    if let Some(after) = &page.after {
        q = q.filter(positions::id.gt(crate::key::bind(PositionId::from(*after))));
    }
    let rows = q.order(positions::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// The agency of an org unit, if it exists.
fn unit_agency(conn: &mut DbConnection, unit: Uuid) -> Result<Option<AgencyId>, StoreError> {
    Ok(org_units::table
        .find(crate::key::bind(OrgUnitId::from(unit)))
        .select(org_units::agency_id)
        .first(conn)
        .optional()?)
}

/// Checks a supervising position: same agency, structural, not the position itself or below it.
fn check_supervisor(
    conn: &mut DbConnection,
    agency_id: AgencyId,
    position: Option<Uuid>,
    supervisor: Uuid,
) -> Result<(), StoreError> {
    let sup: Option<(AgencyId, PositionType)> = positions::table
        .find(crate::key::bind(PositionId::from(supervisor)))
        .select((positions::agency_id, positions::position_type))
        .first(conn)
        .optional()?;
    let Some((sup_agency, sup_type)) = sup.filter(|(a, _)| *a == agency_id) else {
        return Err(StoreError::invalid("supervisor_position_id", "no such position in this agency"));
    };
    let _ = sup_agency;
    if !sup_type.is_structural() {
        return Err(StoreError::invalid(
            "supervisor_position_id",
            "a supervising position must be structural (jpt, administrator or pengawas)",
        ));
    }
    if let Some(node) = position {
        let tree = crate::parent_map(
            positions::table
                .filter(positions::agency_id.eq(crate::key::bind(agency_id)))
                .select((positions::id, positions::supervisor_position_id))
                .load::<(PositionId, Option<PositionId>)>(conn)?,
        );
        if would_create_cycle(node, supervisor, &tree) {
            return Err(StoreError::invalid(
                "supervisor_position_id",
                "a position cannot be supervised by itself or by a position it supervises",
            ));
        }
    }
    Ok(())
}

/// Creates a position in the org unit's agency (its admin).
pub fn create(conn: &mut DbConnection, change: &Change, new: NewPosition) -> Result<Position, StoreError> {
    crate::db::write(conn, |conn| {
        let agency_id = unit_agency(conn, new.org_unit_id)?
            .filter(|a| change.caller.can_see_agency(a.uuid()))
            .ok_or_else(|| StoreError::invalid("org_unit_id", "no such org unit"))?;
        let agency = agency_id.uuid();
        access::require_agency(conn, &change.caller, agency, Area::Structure, Access::Write)?;
        if let Some(s) = new.supervisor_position_id {
            check_supervisor(conn, agency_id, None, s)?;
        }
        let row = Position {
            id: crate::key::new(),
            agency_id,
            org_unit_id: OrgUnitId::from(new.org_unit_id),
            name: new.name.into_inner(),
            position_type: new.position_type,
            class: new.class.get(),
            supervisor_position_id: new.supervisor_position_id.map(PositionId::from),
            created_at: change.at,
            updated_at: change.at,
        };
        diesel::insert_into(positions::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::Position,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row)
    })
}

/// Changes a position. Setting `supervisor_position_id` corrects the supervisor of every holder
/// in one step.
pub fn update(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    patch: PositionPatch,
) -> Result<Position, StoreError> {
    crate::db::write(conn, |conn| {
        let before = get(conn, &change.caller, id)?;
        let agency = before.agency_id.uuid();
        access::require_agency(conn, &change.caller, agency, Area::Structure, Access::Write)?;
        let mut after = before.clone();
        if let Some(unit) = patch.org_unit_id {
            if unit_agency(conn, unit)? != Some(before.agency_id) {
                return Err(StoreError::invalid("org_unit_id", "no such org unit in this agency"));
            }
            after.org_unit_id = OrgUnitId::from(unit);
        }
        if let Some(n) = patch.name {
            after.name = n.into_inner();
        }
        if let Some(c) = patch.class {
            after.class = c.get();
        }
        if let Some(t) = patch.position_type {
            if !t.is_structural() {
                let supervised: i64 = positions::table
                    .filter(positions::supervisor_position_id.eq(crate::key::bind(before.id)))
                    .count()
                    .get_result(conn)?;
                if supervised > 0 {
                    return Err(StoreError::invalid(
                        "position_type",
                        "this position supervises other positions, so it must stay structural",
                    ));
                }
            } else {
                let holders: i64 = employees::table
                    .filter(employees::position_id.eq(crate::key::bind(before.id)))
                    .filter(employees::active.eq(true))
                    .count()
                    .get_result(conn)?;
                if holders > 1 {
                    return Err(StoreError::invalid(
                        "position_type",
                        "a structural position has one holder, and this one has several",
                    ));
                }
            }
            after.position_type = t;
        }
        if let Some(sup) = patch.supervisor_position_id {
            if let Some(s) = sup {
                check_supervisor(conn, before.agency_id, Some(id), s)?;
            }
            after.supervisor_position_id = sup.map(PositionId::from);
        }
        after.updated_at = change.at;
        diesel::update(positions::table.find(crate::key::bind(after.id))).set(after.clone()).execute(conn)?;
        if after.org_unit_id != before.org_unit_id {
            crate::roster::touch_holders(conn, after.agency_id, None, Some(after.id))?;
        }
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Update,
            AuditEntity::Position,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}
