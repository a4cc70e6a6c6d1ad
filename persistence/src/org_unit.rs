//! The org-unit tree (OPD and their sub-units), each rolled out from a month on (pilot OPDs first;
//! sub-units inherit the month unless they set their own).

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AgencyId, OrgUnitId};
use ekinerja_domain::{supervision::would_create_cycle, Caller, Code, Name, Scope};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::org_units;
use crate::{audit, db::Backend, Change, DbConnection, Page, PageRequest, StoreError};

/// A stored org unit.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = org_units, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct OrgUnit {
    #[diesel(serialize_as = crate::key::Bind<OrgUnitId>)]
    pub id: OrgUnitId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::BindOption<OrgUnitId>)]
    pub parent_id: Option<OrgUnitId>,
    pub code: String,
    pub name: String,
    /// The first day of the month the unit is rolled out from; `None` inherits (roles.md).
    pub rollout_from: Option<chrono::NaiveDate>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// A new unit, already validated.
#[derive(Debug, Clone)]
pub struct NewOrgUnit {
    pub agency_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub code: Code,
    pub name: Name,
    pub rollout_from: Option<chrono::NaiveDate>,
}

/// The fields of a unit that change; `parent_id: Some(None)` makes it a top-level OPD.
#[derive(Debug, Clone, Default)]
pub struct OrgUnitPatch {
    pub parent_id: Option<Option<Uuid>>,
    pub code: Option<Code>,
    pub name: Option<Name>,
    /// `Some(None)` clears the unit's own month (it inherits again).
    pub rollout_from: Option<Option<chrono::NaiveDate>>,
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct OrgUnitFilter {
    pub agency_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
}

/// Reads a unit the caller may see.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<OrgUnit, StoreError> {
    let unit: OrgUnit =
        org_units::table.find(crate::key::bind(OrgUnitId::from(id))).select(OrgUnit::as_select()).first(conn)?;
    crate::access::in_sight(caller, unit.agency_id, unit)
}

/// A unit named in a path, for one of its unit views (dashboard, activity, discipline recap,
/// progress, distribution, maturity, workload, alignment), with its agency: 404 when the caller
/// may not see it, 403 when the access rule gives them no read of the unit's views (its head,
/// the head of a unit above it, a leader and the agency admin read them).
pub fn read_view(
    conn: &mut DbConnection,
    caller: &Caller,
    unit_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(OrgUnit, Uuid), StoreError> {
    let unit = get(conn, caller, unit_id)?;
    let agency = unit.agency_id.uuid();
    let subject = ekinerja_domain::access::Subject::Unit { agency, unit: unit_id };
    crate::access::require(conn, caller, subject, Area::UnitViews, Access::Read, now)?;
    Ok((unit, agency))
}
/// Lists units in the caller's scope.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &OrgUnitFilter,
    page: &PageRequest,
) -> Result<Page<OrgUnit>, StoreError> {
    let mut q = org_units::table.select(OrgUnit::as_select()).into_boxed::<Backend>();
    match caller.list_scope(filter.agency_id) {
        Scope::All => {}
        Scope::Agency(a) => q = q.filter(org_units::agency_id.eq(crate::key::bind(AgencyId::from(a)))),
        Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(p) = filter.parent_id {
        q = q.filter(org_units::parent_id.eq(crate::key::bind(OrgUnitId::from(p))));
    }
    if let Some(after) = &page.after {
        q = q.filter(org_units::id.gt(crate::key::bind(OrgUnitId::from(*after))));
    }
    let rows = q.order(org_units::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// The ids of a unit and all its sub-units, from one load of the agency's unit tree.
pub fn subtree(
    conn: &mut DbConnection,
    agency_id: AgencyId,
    unit_id: OrgUnitId,
) -> Result<HashSet<OrgUnitId>, StoreError> {
    let mut children: HashMap<OrgUnitId, Vec<OrgUnitId>> = HashMap::new();
    for (id, parent) in org_units::table
        .filter(org_units::agency_id.eq(crate::key::bind(agency_id)))
        .select((org_units::id, org_units::parent_id))
        .load::<(OrgUnitId, Option<OrgUnitId>)>(conn)?
    {
        if let Some(p) = parent {
            children.entry(p).or_default().push(id);
        }
    }
    let mut units = HashSet::from([unit_id]);
    let mut frontier = vec![unit_id];
    while let Some(u) = frontier.pop() {
        for c in children.remove(&u).unwrap_or_default() {
            if units.insert(c) {
                frontier.push(c);
            }
        }
    }
    Ok(units)
}

/// For every unit at or below a unit directly under `root` (an agency's top units under `None`),
/// that unit: the branch of `root` it lies in. Units outside `root` are left out.
pub(crate) fn branch_of(units: &[OrgUnit], root: Option<OrgUnitId>) -> HashMap<OrgUnitId, OrgUnitId> {
    let parent: HashMap<OrgUnitId, Option<OrgUnitId>> = units.iter().map(|u| (u.id, u.parent_id)).collect();
    let mut out = HashMap::with_capacity(units.len());
    for u in units {
        let mut at = u.id;
        // A chain is at most as long as the agency has units (stored units form a tree).
        for _ in 0..units.len() {
            match parent.get(&at) {
                Some(p) if *p == root => {
                    out.insert(u.id, at);
                    break;
                }
                Some(Some(p)) => at = *p,
                _ => break,
            }
        }
    }
    out
}

/// Checks that a unit named in a body (`#/org_unit_id`) is one of the agency's.
pub(crate) fn check_in_agency(
    conn: &mut DbConnection,
    agency_id: AgencyId,
    unit_id: OrgUnitId,
) -> Result<(), StoreError> {
    let found: i64 = org_units::table
        .filter(org_units::id.eq(crate::key::bind(unit_id)))
        .filter(org_units::agency_id.eq(crate::key::bind(agency_id)))
        .count()
        .get_result(conn)?;
    if found == 0 {
        return Err(StoreError::invalid("org_unit_id", "no such unit in the agency"));
    }
    Ok(())
}

fn check_parent(conn: &mut DbConnection, agency_id: AgencyId, parent: Uuid) -> Result<(), StoreError> {
    let parent_agency: Option<AgencyId> = org_units::table
        .find(crate::key::bind(OrgUnitId::from(parent)))
        .select(org_units::agency_id)
        .first(conn)
        .optional()?;
    if parent_agency != Some(agency_id) {
        return Err(StoreError::invalid("parent_id", "no such org unit in this agency"));
    }
    Ok(())
}

fn ensure_code_free(
    conn: &mut DbConnection,
    agency_id: AgencyId,
    code: &str,
    except: Option<OrgUnitId>,
) -> Result<(), StoreError> {
    let mut q = org_units::table
        .filter(org_units::agency_id.eq(crate::key::bind(agency_id)))
        .filter(org_units::code.eq(code))
        .into_boxed::<Backend>();
    if let Some(id) = except {
        q = q.filter(org_units::id.ne(crate::key::bind(id)));
    }
    let n: i64 = q.count().get_result(conn)?;
    if n > 0 {
        return Err(StoreError::Conflict(format!("an org unit with code {code} exists in this agency")));
    }
    Ok(())
}

/// Creates a unit (the agency's admin).
pub fn create(conn: &mut DbConnection, change: &Change, new: NewOrgUnit) -> Result<OrgUnit, StoreError> {
    // An agency the caller cannot see, or none (a platform admin's typo), is a field error.
    crate::agency::writable(conn, &change.caller, new.agency_id, ekinerja_domain::access::Area::Structure)?;
    crate::db::write(conn, |conn| {
        let agency_id = AgencyId::from(new.agency_id);
        if let Some(p) = new.parent_id {
            check_parent(conn, agency_id, p)?;
        }
        ensure_code_free(conn, agency_id, new.code.as_str(), None)?;
        let row = OrgUnit {
            id: crate::key::new(),
            agency_id,
            parent_id: new.parent_id.map(OrgUnitId::from),
            code: new.code.into_inner(),
            name: new.name.into_inner(),
            rollout_from: new.rollout_from.map(ekinerja_domain::rollout::month_of),
            created_at: change.at,
            updated_at: change.at,
        };
        diesel::insert_into(org_units::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::OrgUnit,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row)
    })
}

/// Changes a unit; moving it under one of its own descendants is refused.
pub fn update(conn: &mut DbConnection, change: &Change, id: Uuid, patch: OrgUnitPatch) -> Result<OrgUnit, StoreError> {
    crate::db::write(conn, |conn| {
        let before = get(conn, &change.caller, id)?;
        let agency = before.agency_id.uuid();
        crate::access::require_agency(conn, &change.caller, agency, Area::Structure, Access::Write)?;
        let mut after = before.clone();
        if let Some(parent) = patch.parent_id {
            if let Some(p) = parent {
                check_parent(conn, before.agency_id, p)?;
                let tree = crate::parent_map(
                    org_units::table
                        .filter(org_units::agency_id.eq(crate::key::bind(before.agency_id)))
                        .select((org_units::id, org_units::parent_id))
                        .load::<(OrgUnitId, Option<OrgUnitId>)>(conn)?,
                );
                if would_create_cycle(id, p, &tree) {
                    return Err(StoreError::invalid(
                        "parent_id",
                        "a unit cannot be moved under itself or one of its own sub-units",
                    ));
                }
            }
            after.parent_id = parent.map(OrgUnitId::from);
        }
        if let Some(code) = patch.code {
            ensure_code_free(conn, before.agency_id, code.as_str(), Some(before.id))?;
            after.code = code.into_inner();
        }
        if let Some(n) = patch.name {
            after.name = n.into_inner();
        }
        if let Some(from) = patch.rollout_from {
            let from = from.map(ekinerja_domain::rollout::month_of);
            if from != before.rollout_from {
                crate::rollout::check_change(conn, before.agency_id, before.id, from)?;
            }
            after.rollout_from = from;
        }
        after.updated_at = change.at;
        diesel::update(org_units::table.find(crate::key::bind(after.id))).set(after.clone()).execute(conn)?;
        if (&after.code, &after.name) != (&before.code, &before.name) {
            crate::roster::touch_holders(conn, after.agency_id, Some(after.id), None)?;
        }
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Update,
            AuditEntity::OrgUnit,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// A unit read for those who read its views: the unit, its agency, and the posts and employees of
/// it and its sub-units (as [`staff`] finds them).
pub(crate) struct ReadStaff {
    pub unit: OrgUnit,
    pub agency: Uuid,
    pub posts: Vec<crate::position::Position>,
    pub people: Vec<crate::employee::Employee>,
}

/// A unit's staff for a caller who reads the unit's views ([`read_view`] decides).
pub(crate) fn read_staff(
    conn: &mut DbConnection,
    caller: &Caller,
    unit_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ReadStaff, StoreError> {
    let (unit, agency) = read_view(conn, caller, unit_id, now)?;
    let (posts, people) = staff(conn, unit.agency_id, unit.id)?;
    Ok(ReadStaff { unit, agency, posts, people })
}

/// The positions of a unit and its sub-units, and the active employees holding them, by name
/// (then NIP): whom a unit's monitoring, discipline recap and evaluation views list.
pub fn staff(
    conn: &mut DbConnection,
    agency_id: AgencyId,
    unit_id: OrgUnitId,
) -> Result<(Vec<crate::position::Position>, Vec<crate::employee::Employee>), StoreError> {
    use crate::schema::{employees, positions};
    let units: Vec<OrgUnitId> = subtree(conn, agency_id, unit_id)?.into_iter().collect();
    let posts: Vec<crate::position::Position> = positions::table
        .filter(positions::org_unit_id.eq_any(crate::key::binds(units)))
        .select(crate::position::Position::as_select())
        .load(conn)?;
    let mut people: Vec<crate::employee::Employee> = employees::table
        .filter(employees::position_id.eq_any(crate::key::binds(posts.iter().map(|p| p.id))))
        .filter(employees::active.eq(true))
        .select(crate::employee::Employee::as_select())
        .load(conn)?;
    people.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.nip.cmp(&b.nip)));
    Ok((posts, people))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: u128, parent: Option<u128>) -> OrgUnit {
        OrgUnit {
            id: OrgUnitId::from(Uuid::from_u128(id)),
            agency_id: AgencyId::from(Uuid::from_u128(99)),
            parent_id: parent.map(|p| OrgUnitId::from(Uuid::from_u128(p))),
            code: format!("U{id}"),
            name: format!("Unit {id}"),
            rollout_from: None,
            created_at: chrono::NaiveDateTime::default(),
            updated_at: chrono::NaiveDateTime::default(),
        }
    }

    fn id(n: u128) -> OrgUnitId {
        OrgUnitId::from(Uuid::from_u128(n))
    }

    #[test]
    fn every_unit_falls_in_the_branch_of_the_root_it_lies_under() {
        // 1 ─┬─ 2 ── 4        5 ── 6
        //    └─ 3
        let units =
            [unit(4, Some(2)), unit(1, None), unit(2, Some(1)), unit(3, Some(1)), unit(5, None), unit(6, Some(5))];
        let tops = branch_of(&units, None);
        assert_eq!(tops.len(), 6);
        assert_eq!([1, 2, 3, 4, 5, 6].map(|u| tops[&id(u)]), [1, 1, 1, 1, 5, 5].map(id));
        let below_one = branch_of(&units, Some(id(1)));
        let mut found: Vec<(OrgUnitId, OrgUnitId)> = below_one.into_iter().collect();
        found.sort();
        let mut expected = vec![(id(2), id(2)), (id(3), id(3)), (id(4), id(2))];
        expected.sort();
        assert_eq!(found, expected, "units 1, 5 and 6 are not below unit 1");
        assert!(branch_of(&units, Some(id(4))).is_empty(), "unit 4 has nothing below it");
    }
}
