//! Agencies (instansi / pemda): the top of everything, each invisible to the others.

use chrono::Datelike;
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::evaluation::Cadence;
use ekinerja_domain::id::AgencyId;
use ekinerja_domain::leave::LeaveApproval;
use ekinerja_domain::{Caller, Code, Name, TimeZone};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::agencies;
use crate::{access, audit, db::Backend, Change, DbConnection, Page, PageRequest, StoreError};

/// A stored agency.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = agencies, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Agency {
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub id: AgencyId,
    pub code: String,
    pub name: String,
    #[diesel(serialize_as = crate::word::Bind<TimeZone>)]
    pub time_zone: TimeZone,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// Policy: the most minutes an employee may log in a day.
    pub daily_log_cap_minutes: i32,
    /// Policy: `monthly` or `quarterly` evaluation during the year.
    #[diesel(serialize_as = crate::word::Bind<Cadence>)]
    pub evaluation_cadence: Cadence,
    /// Policy: one person's effective working hours a year, for workload analysis.
    pub effective_working_hours: i32,
    /// Policy: the maturity thresholds (JSON), none for the defaults.
    pub maturity_policy: Option<crate::document::Stored<ekinerja_domain::maturity::MaturityPolicy>>,
    /// Policy: the account that computed an allowance run cannot approve it.
    pub allowance_separation_of_duties: bool,
    /// Policy: the top official's logs are accepted on submission (else the agency admin reviews them).
    pub top_official_logs_accepted: bool,
    /// Policy: working days a log may wait for review before it is escalated (0: never).
    pub review_escalation_working_days: i32,
    /// Policy: who approves leave (`two_step`: the head of the OPD after the direct supervisor's
    /// recommendation; `one_step`: the direct supervisor alone).
    #[diesel(serialize_as = crate::word::Bind<LeaveApproval>)]
    pub leave_approval: LeaveApproval,
    /// Policy: the bytes of evidence files the agency may store.
    pub evidence_quota_bytes: i64,
}

impl Agency {
    /// The maturity thresholds in force: the agency's, or the defaults.
    pub fn maturity_policy(&self) -> ekinerja_domain::maturity::MaturityPolicy {
        self.maturity_policy.as_ref().map(|p| *p.get()).unwrap_or_default()
    }
}

/// The evidence an agency may store where it set no quota: 5 GiB.
pub const DEFAULT_EVIDENCE_QUOTA_BYTES: i64 = 5 * 1024 * 1024 * 1024;

/// A new agency, already validated.
#[derive(Debug, Clone)]
pub struct NewAgency {
    pub code: Code,
    pub name: Name,
    pub time_zone: TimeZone,
}

/// The fields of an agency that change.
#[derive(Debug, Clone, Default)]
pub struct AgencyPatch {
    pub name: Option<Name>,
    pub time_zone: Option<TimeZone>,
    pub daily_log_cap_minutes: Option<i32>,
    pub evaluation_cadence: Option<ekinerja_domain::evaluation::Cadence>,
    pub effective_working_hours: Option<i32>,
    pub maturity_policy: Option<ekinerja_domain::maturity::MaturityPolicyPatch>,
    pub allowance_separation_of_duties: Option<bool>,
    pub top_official_logs_accepted: Option<bool>,
    pub review_escalation_working_days: Option<i32>,
    pub leave_approval: Option<LeaveApproval>,
    pub evidence_quota_bytes: Option<i64>,
}

/// Creates an agency (platform admins only).
pub fn create(conn: &mut DbConnection, change: &Change, new: NewAgency) -> Result<Agency, StoreError> {
    if !change.caller.is_platform_admin() {
        return Err(StoreError::Forbidden("only a platform admin creates agencies".into()));
    }
    crate::db::write(conn, |conn| {
        let taken: i64 = agencies::table.filter(agencies::code.eq(new.code.as_str())).count().get_result(conn)?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("an agency with code {} exists", new.code.as_str())));
        }
        let row = Agency {
            id: crate::key::new(),
            code: new.code.into_inner(),
            name: new.name.into_inner(),
            time_zone: new.time_zone,
            created_at: change.at,
            updated_at: change.at,
            daily_log_cap_minutes: ekinerja_domain::daily_log::DEFAULT_DAILY_CAP_MINUTES as i32,
            evaluation_cadence: ekinerja_domain::evaluation::Cadence::Quarterly,
            effective_working_hours: ekinerja_domain::workload::DEFAULT_EFFECTIVE_HOURS_PER_YEAR,
            maturity_policy: None,
            allowance_separation_of_duties: true,
            top_official_logs_accepted: false,
            review_escalation_working_days: ekinerja_domain::daily_log::DEFAULT_REVIEW_ESCALATION_WORKING_DAYS,
            leave_approval: LeaveApproval::TwoStep,
            evidence_quota_bytes: DEFAULT_EVIDENCE_QUOTA_BYTES,
        };
        diesel::insert_into(agencies::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.id),
            AuditAction::Create,
            AuditEntity::Agency,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row)
    })
}

/// An agency named in a path, for one of its agency-wide views (`row`): 404 when the caller may
/// not see it, 403 when they see it but the access rule gives them no read of the view.
pub fn read_view(conn: &mut DbConnection, caller: &Caller, id: Uuid, row: Area) -> Result<Agency, StoreError> {
    let agency = get(conn, caller, id)?;
    access::require_agency(conn, caller, id, row, Access::Read)?;
    Ok(agency)
}

/// Checks that the caller may write `row` in an existing agency named in a request: one they
/// may not see, or that does not exist (a platform admin's typo), is a field error on
/// `#/agency_id`; one they see but may not write is forbidden by the access rule. A caller the
/// rule forbids `row` in their own agency is forbidden whichever agency they name: their role
/// does not do this, and the answer says so rather than judge a name they could never use (nor
/// tell one agency's existence from another's).
pub fn writable(conn: &mut DbConnection, caller: &Caller, agency_id: Uuid, row: Area) -> Result<(), StoreError> {
    let exists: i64 = agencies::table
        .filter(agencies::id.eq(crate::key::bind(AgencyId::from(agency_id))))
        .count()
        .get_result(conn)?;
    if !caller.can_see_agency(agency_id) || exists == 0 {
        if let Some(own) = caller.agency_id.filter(|own| *own != agency_id) {
            access::require_agency(conn, caller, own, row, Access::Write)?;
        }
        return Err(StoreError::invalid("agency_id", "no such agency"));
    }
    access::require_agency(conn, caller, agency_id, row, Access::Write)
}

/// Reads an agency the caller may see.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Agency, StoreError> {
    if !caller.can_see_agency(id) {
        return Err(StoreError::NotFound);
    }
    Ok(agencies::table.find(crate::key::bind(AgencyId::from(id))).select(Agency::as_select()).first(conn)?)
}

/// Lists the agencies the caller may see: all for a platform admin, their own for others.
pub fn list(conn: &mut DbConnection, caller: &Caller, page: &PageRequest) -> Result<Page<Agency>, StoreError> {
    let mut q = agencies::table.select(Agency::as_select()).into_boxed::<Backend>();
    if !caller.is_platform_admin() {
        match caller.agency_id {
            Some(a) => q = q.filter(agencies::id.eq(crate::key::bind(AgencyId::from(a)))),
            None => return Ok(Page::empty()),
        }
    }
    if let Some(after) = &page.after {
        q = q.filter(agencies::id.gt(crate::key::bind(AgencyId::from(*after))));
    }
    let rows = q.order(agencies::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// Changes an agency's name or time zone (its platform admin or its own agency admin).
pub fn update(conn: &mut DbConnection, change: &Change, id: Uuid, patch: AgencyPatch) -> Result<Agency, StoreError> {
    crate::db::write(conn, |conn| {
        let before = get(conn, &change.caller, id)?;
        access::require_agency(conn, &change.caller, id, Area::Policies, Access::Write)?;
        let mut after = before.clone();
        if let Some(n) = patch.name {
            after.name = n.into_inner();
        }
        if let Some(tz) = patch.time_zone {
            after.time_zone = tz;
        }
        if let Some(cap) = patch.daily_log_cap_minutes {
            // One setting caps log entry and the allowance's productive minutes: it may not fall
            // below a target the allowance policy sets from last month on (last month's run is
            // computed after it ends, with the cap of that day).
            let today = crate::chart::agency_today(conn, id, change.at.and_utc())?;
            let last_month = today.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(today);
            if let Some((month, target)) = crate::allowance_policy::targets_from(conn, id, last_month)?
                .into_iter()
                .find(|(_, target)| i64::from(cap) < *target)
            {
                return Err(StoreError::invalid(
                    "daily_log_cap_minutes",
                    format!(
                        "below the allowance policy's target_minutes_per_day ({target}) from {}: lower that first",
                        month.format("%Y-%m")
                    ),
                ));
            }
            after.daily_log_cap_minutes = cap;
        }
        if let Some(c) = patch.evaluation_cadence {
            after.evaluation_cadence = c;
        }
        if let Some(h) = patch.effective_working_hours {
            after.effective_working_hours = h;
        }
        if let Some(p) = patch.maturity_policy {
            let p = p.apply(before.maturity_policy());
            after.maturity_policy = Some(p.into());
        }
        if let Some(on) = patch.allowance_separation_of_duties {
            after.allowance_separation_of_duties = on;
        }
        if let Some(on) = patch.top_official_logs_accepted {
            after.top_official_logs_accepted = on;
        }
        if let Some(days) = patch.review_escalation_working_days {
            after.review_escalation_working_days = days;
        }
        if let Some(a) = patch.leave_approval {
            after.leave_approval = a;
        }
        if let Some(q) = patch.evidence_quota_bytes {
            after.evidence_quota_bytes = q;
        }
        after.updated_at = change.at;
        diesel::update(agencies::table.find(crate::key::bind(after.id))).set(after.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(after.id),
            AuditAction::Update,
            AuditEntity::Agency,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}
