//! Organisational goals (sasaran strategis, from the Renstra / Perjanjian Kinerja / SAKIP): what
//! the agency, or one of its units, aims at in a year. Heads of OPD cascade from them.

use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::agreement::Quantity;
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AgencyId, GoalId, OrgUnitId, PerformancePeriodId};
use ekinerja_domain::{Caller, Name, Scope};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{org_units, organisational_goals, performance_periods};
use crate::{access, audit, db::Backend, Change, DbConnection, Page, PageRequest, StoreError};

/// A stored goal.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = organisational_goals, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct Goal {
    #[diesel(serialize_as = crate::key::Bind<GoalId>)]
    pub id: GoalId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<PerformancePeriodId>)]
    pub period_id: PerformancePeriodId,
    #[diesel(serialize_as = crate::key::BindOption<OrgUnitId>)]
    pub org_unit_id: Option<OrgUnitId>,
    pub name: String,
    pub indicator: String,
    pub target_quantity: i64,
    pub target_unit: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// A new goal, already validated.
#[derive(Debug, Clone)]
pub struct NewGoal {
    pub period_id: Uuid,
    pub org_unit_id: Option<Uuid>,
    pub name: Name,
    pub indicator: Name,
    pub target_quantity: Quantity,
    pub target_unit: Name,
}

/// The fields of a goal that change.
#[derive(Debug, Clone, Default)]
pub struct GoalPatch {
    pub name: Option<Name>,
    pub indicator: Option<Name>,
    pub target_quantity: Option<Quantity>,
    pub target_unit: Option<Name>,
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct GoalFilter {
    pub agency_id: Option<Uuid>,
    pub period_id: Option<Uuid>,
    pub org_unit_id: Option<Uuid>,
}

/// Reads a goal the caller may see (goals are public within the agency).
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Goal, StoreError> {
    let g: Goal =
        organisational_goals::table.find(crate::key::bind(GoalId::from(id))).select(Goal::as_select()).first(conn)?;
    crate::access::in_sight(caller, g.agency_id, g)
}

/// Lists goals of the caller's agency.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &GoalFilter,
    page: &PageRequest,
) -> Result<Page<Goal>, StoreError> {
    let mut q = organisational_goals::table.select(Goal::as_select()).into_boxed::<Backend>();
    match caller.list_scope(filter.agency_id) {
        Scope::All => {}
        Scope::Agency(a) => q = q.filter(organisational_goals::agency_id.eq(crate::key::bind(AgencyId::from(a)))),
        Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(p) = filter.period_id {
        q = q.filter(organisational_goals::period_id.eq(crate::key::bind(PerformancePeriodId::from(p))));
    }
    if let Some(u) = filter.org_unit_id {
        q = q.filter(organisational_goals::org_unit_id.eq(crate::key::bind(OrgUnitId::from(u))));
    }
    if let Some(after) = &page.after {
        q = q.filter(organisational_goals::id.gt(crate::key::bind(GoalId::from(*after))));
    }
    let rows = q.order(organisational_goals::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// Creates a goal in the period's agency (its admin).
pub fn create(conn: &mut DbConnection, change: &Change, new: NewGoal) -> Result<Goal, StoreError> {
    crate::db::write(conn, |conn| {
        let agency: Option<AgencyId> = performance_periods::table
            .find(crate::key::bind(PerformancePeriodId::from(new.period_id)))
            .select(performance_periods::agency_id)
            .first(conn)
            .optional()?;
        let Some(agency) = agency.filter(|a| change.caller.can_see_agency(a.uuid())) else {
            return Err(StoreError::invalid("period_id", "no such performance period"));
        };
        let agency_uuid = agency.uuid();
        access::require_agency(conn, &change.caller, agency_uuid, Area::Structure, Access::Write)?;
        if let Some(u) = new.org_unit_id {
            let unit_agency: Option<AgencyId> = org_units::table
                .find(crate::key::bind(OrgUnitId::from(u)))
                .select(org_units::agency_id)
                .first(conn)
                .optional()?;
            if unit_agency != Some(agency) {
                return Err(StoreError::invalid("org_unit_id", "no such org unit in this agency"));
            }
        }
        let row = Goal {
            id: crate::key::new(),
            agency_id: agency,
            period_id: PerformancePeriodId::from(new.period_id),
            org_unit_id: new.org_unit_id.map(OrgUnitId::from),
            name: new.name.into_inner(),
            indicator: new.indicator.into_inner(),
            target_quantity: new.target_quantity.get(),
            target_unit: new.target_unit.into_inner(),
            created_at: change.at,
            updated_at: change.at,
        };
        diesel::insert_into(organisational_goals::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::OrganisationalGoal,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row)
    })
}

/// Changes a goal (its agency's admin).
pub fn update(conn: &mut DbConnection, change: &Change, id: Uuid, patch: GoalPatch) -> Result<Goal, StoreError> {
    crate::db::write(conn, |conn| {
        let before = get(conn, &change.caller, id)?;
        let agency = before.agency_id.uuid();
        access::require_agency(conn, &change.caller, agency, Area::Structure, Access::Write)?;
        let mut after = before.clone();
        if let Some(n) = patch.name {
            after.name = n.into_inner();
        }
        if let Some(i) = patch.indicator {
            after.indicator = i.into_inner();
        }
        if let Some(q) = patch.target_quantity {
            after.target_quantity = q.get();
        }
        if let Some(u) = patch.target_unit {
            after.target_unit = u.into_inner();
        }
        after.updated_at = change.at;
        diesel::update(organisational_goals::table.find(crate::key::bind(after.id)))
            .set(after.clone())
            .execute(conn)?;
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Update,
            AuditEntity::OrganisationalGoal,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}
