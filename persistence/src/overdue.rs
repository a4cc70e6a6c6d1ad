//! Tasks overdue (issue 21): a daily log waiting for review, or a leave request waiting for its
//! recommendation or approval, past the agency's escalation policy in working days of the
//! employee's unit. The scan tells each agency's `task_overdue` subscribers once per wait, so a
//! messaging gateway can remind whoever decides; it runs periodically beside the deliverer and
//! is safe to run from several servers at once (the notice's key refuses a second telling).

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::daily_log::{waited_past, LogStatus};
use ekinerja_domain::id::{AgencyId, DailyLogId, EmployeeId, LeaveRequestId, OrgUnitId};
use ekinerja_domain::leave::LeaveStatus;
use ekinerja_domain::notification::EventType;
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{agencies, daily_logs, leave_requests, overdue_notices, webhook_subscriptions};
use crate::{chart, DbConnection, StoreError};

/// Waits told per agency and scan at most (oldest first); the rest are told at the next scan.
const PER_SCAN: usize = 500;

/// What a `task_overdue` message says.
#[derive(Debug, Serialize)]
struct Overdue {
    /// `review_log`, `recommend_leave` or `approve_leave`.
    task: &'static str,
    /// The log or the leave request.
    subject_id: String,
    /// Whose log or leave it is.
    employee_id: EmployeeId,
    /// The day it began waiting, in the agency's time zone.
    waiting_since: NaiveDate,
    /// Working days waited (not counting today).
    working_days: i64,
    /// Who decides it in the ordinary course (the direct supervisor); `null` without one.
    supervisor_employee_id: Option<Uuid>,
    /// The next one up, who may decide an escalated log too.
    escalated_to_employee_id: Option<Uuid>,
}

/// One wait to judge.
struct Wait {
    subject_id: String,
    employee_id: EmployeeId,
    since: NaiveDateTime,
    task: &'static str,
}

/// Tells every agency's `task_overdue` subscribers of each wait that has passed the policy at
/// `now` and was not told before. Returns how many waits were told.
pub fn scan(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let pattern = format!("%{}%", EventType::TaskOverdue.as_str());
    let mut subscribed: Vec<AgencyId> = webhook_subscriptions::table
        .filter(webhook_subscriptions::event_types.like(pattern))
        .select(webhook_subscriptions::agency_id)
        .load(conn)?;
    subscribed.sort();
    subscribed.dedup();
    let mut told = 0;
    for agency in subscribed {
        // One agency's trouble does not keep the others' reminders back.
        match scan_agency(conn, agency, now) {
            Ok(n) => told += n,
            Err(e) => log::warn!(target: "ekinerja::webhooks", "the overdue scan of agency {agency} failed: {e}"),
        }
    }
    Ok(told)
}

fn scan_agency(conn: &mut DbConnection, agency: AgencyId, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let (policy_days, tz): (i32, ekinerja_domain::TimeZone) = agencies::table
        .find(crate::key::bind(agency))
        .select((agencies::review_escalation_working_days, agencies::time_zone))
        .first(conn)?;
    if policy_days <= 0 {
        return Ok(0);
    }
    // Working days never outnumber calendar days: nothing changed since the cutoff can be due.
    let cutoff = now.naive_utc() - chrono::Duration::days(i64::from(policy_days));
    let mut waits: Vec<Wait> = daily_logs::table
        .filter(daily_logs::agency_id.eq(crate::key::bind(agency)))
        .filter(daily_logs::status.eq(crate::word::bind(LogStatus::Submitted)))
        .filter(daily_logs::updated_at.le(cutoff))
        .order(daily_logs::updated_at.asc())
        .select((daily_logs::id, daily_logs::employee_id, daily_logs::updated_at))
        .load::<(DailyLogId, EmployeeId, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(id, employee_id, since)| Wait { subject_id: id.to_string(), employee_id, since, task: "review_log" })
        .collect();
    let leave: Vec<(LeaveRequestId, EmployeeId, LeaveStatus, NaiveDateTime)> = leave_requests::table
        .filter(leave_requests::agency_id.eq(crate::key::bind(agency)))
        .filter(leave_requests::status.eq_any(
            [LeaveStatus::Requested, LeaveStatus::Recommended].into_iter().map(crate::word::bind).collect::<Vec<_>>(),
        ))
        .filter(leave_requests::updated_at.le(cutoff))
        .order(leave_requests::updated_at.asc())
        .select((leave_requests::id, leave_requests::employee_id, leave_requests::status, leave_requests::updated_at))
        .load(conn)?;
    waits.extend(leave.into_iter().map(|(id, employee_id, status, since)| Wait {
        subject_id: id.to_string(),
        employee_id,
        since,
        task: if status == LeaveStatus::Requested { "recommend_leave" } else { "approve_leave" },
    }));
    // The notices of the waits still open only (those began between the oldest and the cutoff),
    // so that waits told long ago neither crowd out new ones nor load every scan.
    let Some(oldest) = waits.iter().map(|w| w.since).min() else { return Ok(0) };
    let told: HashSet<(String, NaiveDateTime)> = overdue_notices::table
        .filter(overdue_notices::agency_id.eq(crate::key::bind(agency)))
        .filter(overdue_notices::waiting_since.ge(oldest))
        .filter(overdue_notices::waiting_since.le(cutoff))
        .select((overdue_notices::subject_id, overdue_notices::waiting_since))
        .load::<(String, NaiveDateTime)>(conn)?
        .into_iter()
        .collect();
    waits.retain(|w| !told.contains(&(w.subject_id.clone(), w.since)));
    waits.sort_by_key(|w| w.since);
    waits.truncate(PER_SCAN);
    if waits.is_empty() {
        return Ok(0);
    }
    let offset = tz.offset();
    let today = now.with_timezone(&offset).date_naive();
    let local = |t: NaiveDateTime| t.and_utc().with_timezone(&offset).date_naive();
    let earliest = waits.iter().map(|w| local(w.since)).min().unwrap_or(today);
    let chart = chart::load(conn, agency.uuid(), now)?;
    let mut calendar = crate::discipline::UnitCalendar::load(conn, agency.uuid(), earliest, today)?;
    let mut count = 0;
    for w in waits {
        let employee = w.employee_id.uuid();
        let unit = chart.unit_of(employee).map(OrgUnitId::from);
        let since = local(w.since);
        let waited = calendar.working_days_between(unit, since, today);
        if !waited_past(waited, policy_days) {
            continue;
        }
        let chain = chart.chain_of(employee);
        let message = Overdue {
            task: w.task,
            subject_id: w.subject_id.clone(),
            employee_id: w.employee_id,
            waiting_since: since,
            working_days: waited,
            supervisor_employee_id: chain.first().map(|o| o.employee_id),
            escalated_to_employee_id: chain.get(1).map(|o| o.employee_id),
        };
        let at = now.naive_utc();
        let fresh = crate::db::write(conn, |conn| {
            use diesel::sql_types::{Text, Timestamp};
            // A notice another server wrote first is left alone: it told this wait already.
            let inserted = diesel::sql_query(
                "INSERT INTO overdue_notices (subject_id, waiting_since, agency_id, notified_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind::<Text, _>(&w.subject_id)
            .bind::<Timestamp, _>(w.since)
            .bind::<Text, _>(agency.to_string())
            .bind::<Timestamp, _>(at)
            .execute(conn)?;
            if inserted == 1 {
                crate::webhook::enqueue_at(conn, at, agency, EventType::TaskOverdue, &message)?;
            }
            Ok::<_, StoreError>(inserted == 1)
        })?;
        if fresh {
            count += 1;
        }
    }
    Ok(count)
}
