//! The agency's allowance and discipline policy, versioned by the month it takes effect. A month
//! is governed by the latest version taking effect in or before it; with none, the domain
//! guide's defaults apply.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::allowance::AgencyPolicy;
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AccountId, AgencyId, AllowancePolicyId};
use ekinerja_domain::Caller;
use serde::Serialize;
use uuid::Uuid;

use crate::schema::allowance_policies;
use crate::{audit, Change, DbConnection, FieldError, StoreError};

/// A stored version.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = allowance_policies, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct PolicyVersion {
    #[diesel(serialize_as = crate::key::Bind<AllowancePolicyId>)]
    pub id: AllowancePolicyId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    pub effective_month: NaiveDate,
    pub policy: crate::document::Stored<AgencyPolicy>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub created_by_account_id: Option<AccountId>,
    pub created_at: NaiveDateTime,
}

impl PolicyVersion {
    /// The policy itself (a stored one that does not read failed the load).
    pub fn policy(&self) -> &AgencyPolicy {
        self.policy.get()
    }
}

/// Sets the policy from the month of `effective_month` on (the agency's admin), replacing the
/// rules of a version taking effect the same month; the replaced rules stay in the audit trail.
pub fn set(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    effective_month: NaiveDate,
    policy: &AgencyPolicy,
) -> Result<PolicyVersion, StoreError> {
    crate::agency::writable(conn, &change.caller, agency_id, ekinerja_domain::access::Area::AllowancePolicy)?;
    let problems = policy.problems(daily_cap(conn, agency_id)?);
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems.into_iter().map(|(p, d)| FieldError::new(p, d)).collect()));
    }
    let agency = AgencyId::from(agency_id);
    crate::db::write(conn, |conn| {
        let before: Option<PolicyVersion> = allowance_policies::table
            .filter(allowance_policies::agency_id.eq(crate::key::bind(agency)))
            .filter(allowance_policies::effective_month.eq(effective_month))
            .select(PolicyVersion::as_select())
            .first(conn)
            .optional()?;
        // A version replaced in place keeps its id: runs computed with it point at it, and keep
        // the rules they applied in their own snapshot.
        let row = PolicyVersion {
            id: before.as_ref().map_or_else(crate::key::new, |b| b.id),
            agency_id: agency,
            effective_month,
            policy: policy.clone().into(),
            created_by_account_id: Some(AccountId::from(change.caller.account_id)),
            created_at: change.at,
        };
        if before.is_some() {
            diesel::update(allowance_policies::table.find(crate::key::bind(row.id)))
                .set((
                    allowance_policies::policy.eq(&row.policy),
                    allowance_policies::created_by_account_id
                        .eq(crate::key::BindOption::from(row.created_by_account_id)),
                    allowance_policies::created_at.eq(row.created_at),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(allowance_policies::table).values(row.clone()).execute(conn)?;
        }
        audit::record(
            conn,
            change,
            Some(agency),
            AuditAction::Set,
            AuditEntity::AllowancePolicy,
            row.id,
            before.as_ref(),
            Some(&row),
        )?;
        Ok(row)
    })
}

/// The agency's daily log cap: one setting for log entry and the productive minutes of a day.
pub fn daily_cap(conn: &mut DbConnection, agency_id: Uuid) -> Result<i64, StoreError> {
    use crate::schema::agencies;
    let cap: i32 = agencies::table
        .find(crate::key::bind(AgencyId::from(agency_id)))
        .select(agencies::daily_log_cap_minutes)
        .first(conn)?;
    Ok(i64::from(cap))
}

/// The productivity targets of the version in force on `day` and of every later version, each
/// with its first month: those on the productivity basis, where a day counts up to the cap.
pub fn targets_from(
    conn: &mut DbConnection,
    agency_id: Uuid,
    day: NaiveDate,
) -> Result<Vec<(NaiveDate, i64)>, StoreError> {
    use chrono::Datelike;
    use ekinerja_domain::allowance::PerformanceBasis;
    let first = day.with_day(1).unwrap_or(day);
    let mut versions: Vec<PolicyVersion> = in_force(conn, agency_id, first)?.into_iter().collect();
    versions.extend(
        allowance_policies::table
            .filter(allowance_policies::agency_id.eq(crate::key::bind(AgencyId::from(agency_id))))
            .filter(allowance_policies::effective_month.gt(first))
            .select(PolicyVersion::as_select())
            .load(conn)?,
    );
    Ok(versions
        .iter()
        .map(|v| (v.effective_month, v.policy().allowance.clone()))
        .filter(|(_, a)| a.basis == PerformanceBasis::Productivity)
        .map(|(month, a)| (month, a.target_minutes_per_day))
        .collect())
}

/// Every version of the agency's policy, by month (a leader, finance, the agency admin); nothing
/// of another agency.
pub fn list(conn: &mut DbConnection, caller: &Caller, agency_id: Uuid) -> Result<Vec<PolicyVersion>, StoreError> {
    if !caller.can_see_agency(agency_id) {
        return Ok(Vec::new());
    }
    crate::access::require_agency(conn, caller, agency_id, Area::AllowancePolicy, Access::Read)?;
    Ok(allowance_policies::table
        .filter(allowance_policies::agency_id.eq(crate::key::bind(AgencyId::from(agency_id))))
        .order(allowance_policies::effective_month.asc())
        .select(PolicyVersion::as_select())
        .load(conn)?)
}

/// As [`in_force`], for a caller who asks (a leader, finance, the agency admin).
pub fn in_force_for(
    conn: &mut DbConnection,
    caller: &Caller,
    agency_id: Uuid,
    first: NaiveDate,
) -> Result<Option<PolicyVersion>, StoreError> {
    crate::access::require_agency(conn, caller, agency_id, Area::AllowancePolicy, Access::Read)?;
    in_force(conn, agency_id, first)
}

/// The version in force in the month of `first` (its first day), if any: the rules apply the
/// defaults where this is `None`.
pub fn in_force(
    conn: &mut DbConnection,
    agency_id: Uuid,
    first: NaiveDate,
) -> Result<Option<PolicyVersion>, StoreError> {
    Ok(allowance_policies::table
        .filter(allowance_policies::agency_id.eq(crate::key::bind(AgencyId::from(agency_id))))
        .filter(allowance_policies::effective_month.le(first))
        .order(allowance_policies::effective_month.desc())
        .select(PolicyVersion::as_select())
        .first(conn)
        .optional()?)
}
