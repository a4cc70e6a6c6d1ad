//! Asks the access rule (`ekinerja_domain::access`) with the facts it needs: the caller's grants
//! in force and the part of the agency's chart around the subject, on the agency's date. Every
//! read and write check in this crate comes through here; nothing else decides who may do what.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{self, Access, Area, Decision, Reach, Standing, Subject};
use ekinerja_domain::id::AccountId;
use ekinerja_domain::supervision::OrgChart;
use ekinerja_domain::{Actor, Caller, GrantedRole, Integration, IntegrationScope};
use uuid::Uuid;

use crate::schema::role_grants;
use crate::{chart, DbConnection, StoreError};

/// Refuses an integration key issued without `scope` (a system reaches only what its key names).
pub fn require_scope(key: &Integration, scope: IntegrationScope) -> Result<(), StoreError> {
    if key.has(scope) {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!("the integration key was not issued with the scope {scope}")))
    }
}

/// The caller with the roles granted to their account, read now, so a revoked grant stops at
/// once (an access token lives for minutes; a grant is checked on every decision).
pub fn actor(conn: &mut DbConnection, caller: &Caller) -> Result<Actor, StoreError> {
    let grants: Vec<GrantedRole> = match caller.agency_id {
        Some(_) => role_grants::table
            .filter(role_grants::account_id.eq(crate::key::bind(AccountId::from(caller.account_id))))
            .filter(role_grants::revoked_at.is_null())
            .select(role_grants::role)
            .load(conn)?,
        None => Vec::new(),
    };
    Ok(Actor::new(caller.clone(), grants))
}

/// The part of the chart the rule walks for `subject`, on the agency's date at `now`. Nothing
/// is loaded for another agency's subject: the rule hides it without looking.
pub fn chart_for(
    conn: &mut DbConnection,
    caller: &Caller,
    subject: Subject,
    now: DateTime<Utc>,
) -> Result<OrgChart, StoreError> {
    if !caller.can_see_agency(subject.agency()) {
        return Ok(OrgChart::default());
    }
    match subject {
        Subject::Employee { agency, employee }
        | Subject::DailyLog { agency, employee, .. }
        | Subject::LeaveRequest { agency, employee, .. } => chart::load_upward(conn, agency, employee, now),
        Subject::Unit { agency, unit } => chart::load_around_unit(conn, agency, unit, now),
        Subject::Agency(_) | Subject::AllowanceRun { .. } => Ok(OrgChart::default()),
    }
}

/// How the caller stands to `subject` (to ask several rows), with the chart it was read from.
pub fn standing(
    conn: &mut DbConnection,
    caller: &Caller,
    subject: Subject,
    now: DateTime<Utc>,
) -> Result<(Standing, OrgChart), StoreError> {
    let actor = actor(conn, caller)?;
    let chart = chart_for(conn, caller, subject, now)?;
    Ok((access::standing(&actor, &chart, subject), chart))
}

/// The rule's answer for `caller` on `row` of `subject`.
pub fn decide(
    conn: &mut DbConnection,
    caller: &Caller,
    subject: Subject,
    row: Area,
    need: Access,
    now: DateTime<Utc>,
) -> Result<Decision, StoreError> {
    let actor = actor(conn, caller)?;
    let chart = chart_for(conn, caller, subject, now)?;
    Ok(access::decide(&actor, &chart, subject, row, need))
}

/// As [`decide`], as a result: a hidden record is [`StoreError::NotFound`], a refused action
/// [`StoreError::Forbidden`] with the rule's reason.
pub fn require(
    conn: &mut DbConnection,
    caller: &Caller,
    subject: Subject,
    row: Area,
    need: Access,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    decision_to_result(decide(conn, caller, subject, row, need, now)?)
}

/// As [`require`], for a decision already made.
pub fn decision_to_result(decision: Decision) -> Result<(), StoreError> {
    match decision {
        Decision::Allow => Ok(()),
        Decision::Forbid(why) => Err(StoreError::Forbidden(why)),
        Decision::Hide => Err(StoreError::NotFound),
    }
}

/// The caller's own employee record, for a row that only the employee themself writes (their
/// daily logs and evidence files): the domain's [`access::own_record`], its refusal as a
/// store error.
pub fn own_record(caller: &Caller, row: Area) -> Result<Uuid, StoreError> {
    access::own_record(caller, row).map_err(|d| decision_to_result(d).err().unwrap_or(StoreError::NotFound))
}

/// Whether the caller may write `row` for anyone at all, asked before a body that names whose
/// record it is has been judged: the domain's [`access::may_write_some`].
pub fn require_some_write(conn: &mut DbConnection, caller: &Caller, row: Area) -> Result<(), StoreError> {
    let actor = actor(conn, caller)?;
    decision_to_result(access::may_write_some(&actor, row))
}

/// A record of `agency`, to a caller who may know of that agency (everyone in it, a platform
/// admin); to anyone else it does not exist.
pub(crate) fn in_sight<T>(caller: &Caller, agency: ekinerja_domain::id::AgencyId, record: T) -> Result<T, StoreError> {
    if caller.can_see_agency(agency.uuid()) {
        Ok(record)
    } else {
        Err(StoreError::NotFound)
    }
}

/// As [`require`] for the agency as a whole (its structure, policies, views, accounts), which
/// needs no chart.
pub fn require_agency(
    conn: &mut DbConnection,
    caller: &Caller,
    agency: Uuid,
    row: Area,
    need: Access,
) -> Result<(), StoreError> {
    let actor = actor(conn, caller)?;
    decision_to_result(access::decide(&actor, &OrgChart::default(), Subject::Agency(agency), row, need))
}

/// Which employees of `agency` the caller may read any of `rows` of, for a list (loads the
/// agency's whole chart unless the caller reads the whole agency anyway).
pub fn reach(
    conn: &mut DbConnection,
    caller: &Caller,
    agency: Uuid,
    rows: &[Area],
    now: DateTime<Utc>,
) -> Result<Reach, StoreError> {
    let actor = actor(conn, caller)?;
    let empty = OrgChart::default();
    let over = |chart: &OrgChart| {
        rows.iter().fold(Reach::Employees(Default::default()), |all, row| {
            all.union(access::reach(&actor, chart, agency, *row))
        })
    };
    // Agency-wide relations need no chart; only a person's own reach does.
    if !caller.can_see_agency(agency) || over(&empty) == Reach::Agency {
        return Ok(over(&empty));
    }
    let chart = chart::load(conn, agency, now)?;
    Ok(over(&chart))
}

/// Whether the caller reads `row` of every employee of `agency` (a leader, the agency admin, and
/// finance for its rows), which needs no chart.
pub fn reads_whole_agency(
    conn: &mut DbConnection,
    caller: &Caller,
    agency: Uuid,
    row: Area,
) -> Result<bool, StoreError> {
    let actor = actor(conn, caller)?;
    Ok(access::reach(&actor, &OrgChart::default(), agency, row) == Reach::Agency)
}

/// What a caller is today, for `/me`: the grants in force, whether they supervise anyone, and the
/// units they head (each with the units below it).
#[derive(Debug, Clone, Default)]
pub struct Roles {
    pub grants: Vec<GrantedRole>,
    pub supervises: bool,
    pub headed_units: Vec<Uuid>,
}

/// The caller's roles today (one load of the chart for a person of an agency).
pub fn roles(conn: &mut DbConnection, caller: &Caller, now: DateTime<Utc>) -> Result<Roles, StoreError> {
    let actor = actor(conn, caller)?;
    let (Some(agency), Some(me)) = (caller.agency_id, caller.employee_id) else {
        return Ok(Roles { grants: actor.grants, ..Roles::default() });
    };
    let chart = chart::load(conn, agency, now)?;
    Ok(Roles {
        supervises: !chart.direct_subordinates_of(me).is_empty(),
        headed_units: access::headed_units(&actor, &chart),
        grants: actor.grants,
    })
}
