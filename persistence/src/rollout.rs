//! Rollout by month, loaded: each unit's effective month (its own, or inherited from above), and
//! which of an agency's employees are rolled out in a month (by the unit of the post they hold).

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use ekinerja_domain::id::{AgencyId, EmployeeId, OrgUnitId};
use ekinerja_domain::rollout::RolloutTree;

use crate::schema::{allowance_runs, employees, org_units, positions};
use crate::{DbConnection, StoreError};

/// An agency's rollout: the unit tree with its months, and the unit of each employee's post.
#[derive(Debug, Clone)]
pub struct Rollout {
    pub tree: RolloutTree<OrgUnitId>,
    unit_of: HashMap<EmployeeId, OrgUnitId>,
}

impl Rollout {
    /// The month a unit is rolled out from (its own, or inherited).
    pub fn unit_from(&self, unit: OrgUnitId) -> Option<NaiveDate> {
        self.tree.effective(&unit)
    }

    /// Whether a unit is rolled out in the month of `month`.
    pub fn unit_rolled_out(&self, unit: OrgUnitId, month: NaiveDate) -> bool {
        ekinerja_domain::rollout::rolled_out(self.unit_from(unit), month)
    }

    /// The month an employee is rolled out from: that of the unit of their post; none without one.
    pub fn employee_from(&self, employee: EmployeeId) -> Option<NaiveDate> {
        self.unit_of.get(&employee).and_then(|u| self.unit_from(*u))
    }

    /// Whether an employee is rolled out in the month of `month`.
    pub fn employee_rolled_out(&self, employee: EmployeeId, month: NaiveDate) -> bool {
        ekinerja_domain::rollout::rolled_out(self.employee_from(employee), month)
    }
}

/// The agency's unit tree with each unit's own month.
pub fn tree(conn: &mut DbConnection, agency: AgencyId) -> Result<RolloutTree<OrgUnitId>, StoreError> {
    let units: Vec<(OrgUnitId, Option<OrgUnitId>, Option<NaiveDate>)> = org_units::table
        .filter(org_units::agency_id.eq(crate::key::bind(agency)))
        .select((org_units::id, org_units::parent_id, org_units::rollout_from))
        .load(conn)?;
    Ok(RolloutTree::new(units))
}

/// The agency's rollout, with the unit of every employee who holds a post.
pub fn load(conn: &mut DbConnection, agency: AgencyId) -> Result<Rollout, StoreError> {
    let tree = tree(conn, agency)?;
    let unit_of = employees::table
        .inner_join(positions::table)
        .filter(employees::agency_id.eq(crate::key::bind(agency)))
        .select((employees::id, positions::org_unit_id))
        .load::<(EmployeeId, OrgUnitId)>(conn)?
        .into_iter()
        .collect();
    Ok(Rollout { tree, unit_of })
}

/// Each of `units`' effective months, loading the tree of each agency once.
pub fn effective(
    conn: &mut DbConnection,
    units: &[crate::org_unit::OrgUnit],
) -> Result<HashMap<OrgUnitId, Option<NaiveDate>>, StoreError> {
    let mut trees: HashMap<AgencyId, RolloutTree<OrgUnitId>> = HashMap::new();
    let mut out = HashMap::new();
    for u in units {
        if let std::collections::hash_map::Entry::Vacant(e) = trees.entry(u.agency_id) {
            let t = tree(conn, u.agency_id)?;
            e.insert(t);
        }
        out.insert(u.id, trees.get(&u.agency_id).and_then(|t| t.effective(&u.id)));
    }
    Ok(out)
}

/// Checks that setting `unit`'s own month to `own` leaves every paid month as it was: a change
/// that would turn a unit (or a sub-unit inheriting from it) rolled out or not in a month an
/// approved run of the agency covers is refused, since that month's pay was decided on the
/// rollout as it stood ("earlier months stay right").
pub fn check_change(
    conn: &mut DbConnection,
    agency: AgencyId,
    unit: OrgUnitId,
    own: Option<NaiveDate>,
) -> Result<(), StoreError> {
    let before = tree(conn, agency)?;
    let after = before.with(&unit, own);
    let spans = after.changed_months(&before, NaiveDate::MAX);
    if spans.is_empty() {
        return Ok(());
    }
    let paid: Vec<NaiveDate> = allowance_runs::table
        .filter(allowance_runs::agency_id.eq(crate::key::bind(agency)))
        .filter(allowance_runs::status.eq(crate::word::bind(ekinerja_domain::allowance::RunStatus::Approved)))
        .select(allowance_runs::month)
        .distinct()
        .load(conn)?;
    let mut hit: Vec<NaiveDate> =
        paid.into_iter().filter(|m| spans.iter().any(|(from, to)| from <= m && m <= to)).collect();
    hit.sort();
    if let Some(m) = hit.first() {
        return Err(StoreError::Conflict(format!(
            "the rollout of {} is decided: an approved allowance run pays that month as the rollout stood; \
             choose a month after the last approved one",
            m.format("%Y-%m")
        )));
    }
    Ok(())
}
