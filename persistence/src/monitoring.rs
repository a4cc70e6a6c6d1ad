//! Who has logged and who has not: per employee, over a day or a few weeks, for a unit (its
//! admin) or a supervisor's direct subordinates.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use ekinerja_domain::daily_log::{monitoring_span, share_bp};
use ekinerja_domain::id::{AgencyId, EmployeeId};
use ekinerja_domain::Caller;
use serde::Serialize;
use uuid::Uuid;

use crate::employee::Employee;
use crate::schema::employees;
use crate::{chart, DbConnection, StoreError};

/// One employee's logging over the span.
#[derive(Debug, Clone, Serialize)]
pub struct EmployeeActivity {
    pub employee: Employee,
    /// Logs not rejected.
    pub logs: i64,
    /// Distinct days with a log.
    pub days_logged: i64,
    pub minutes: i64,
    /// Minutes serving a planned result (not additional duties).
    pub linked_minutes: i64,
    /// `linked_minutes` as a share of `minutes`, in basis points.
    pub linked_share_bp: i64,
    pub last_log_date: Option<NaiveDate>,
}

/// The whole view.
#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub employees: Vec<EmployeeActivity>,
}

/// One employee's logs over the span, from their days.
#[derive(Default)]
struct Row {
    logs: i64,
    days_logged: i64,
    minutes: i64,
    linked_minutes: i64,
    last_log_date: Option<NaiveDate>,
}

/// The days asked for, defaulting to the agency's today.
fn days(
    conn: &mut DbConnection,
    agency: Uuid,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<(NaiveDate, NaiveDate), StoreError> {
    let today = chart::agency_today(conn, agency, now)?;
    monitoring_span(from, to, today).map_err(|e| StoreError::invalid("to", e.to_string()))
}

fn activity(
    conn: &mut DbConnection,
    agency: AgencyId,
    people: Vec<Employee>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Activity, StoreError> {
    let ids: Vec<EmployeeId> = people.iter().map(|e| e.id).collect();
    let whose = crate::log_day::Whose::people(agency, &ids);
    let mut by_employee: HashMap<EmployeeId, Row> = HashMap::new();
    crate::log_day::each(conn, whose, crate::log_day::Statuses::NotRejected, from, to, |days| {
        for d in days {
            let r = by_employee.entry(d.employee_id).or_default();
            r.logs += d.logs;
            r.minutes += d.minutes;
            r.linked_minutes += d.linked_minutes;
            // An employee's days come in date order: a day in two statuses counts once.
            if r.last_log_date != Some(d.log_date) {
                r.days_logged += 1;
            }
            r.last_log_date = r.last_log_date.max(Some(d.log_date));
        }
    })?;
    let mut employees: Vec<EmployeeActivity> = people
        .into_iter()
        .map(|e| {
            let r = by_employee.remove(&e.id);
            let (logs, days_logged, minutes, linked_minutes, last_log_date) =
                r.map_or((0, 0, 0, 0, None), |r| (r.logs, r.days_logged, r.minutes, r.linked_minutes, r.last_log_date));
            EmployeeActivity {
                employee: e,
                logs,
                days_logged,
                minutes,
                linked_minutes,
                linked_share_bp: share_bp(linked_minutes, minutes),
                last_log_date,
            }
        })
        .collect();
    employees.sort_by(|a, b| a.employee.name.cmp(&b.employee.name).then_with(|| a.employee.nip.cmp(&b.employee.nip)));
    Ok(Activity { from, to, employees })
}

/// The active employees of a unit and its sub-units, and their logging (whoever reads the unit's views).
pub fn unit(
    conn: &mut DbConnection,
    caller: &Caller,
    unit_id: Uuid,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Activity, StoreError> {
    let (unit, agency) = crate::org_unit::read_view(conn, caller, unit_id, now)?;
    let (_, people) = crate::org_unit::staff(conn, unit.agency_id, unit.id)?;
    let (from, to) = days(conn, agency, from, to, now)?;
    activity(conn, unit.agency_id, people, from, to)
}

/// The caller's direct subordinates and their logging (a supervisor at a glance).
pub fn subordinates(
    conn: &mut DbConnection,
    caller: &Caller,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Activity, StoreError> {
    let (Some(agency), Some(me)) = (caller.agency_id, caller.employee_id) else {
        return Err(StoreError::Forbidden("only an employee has subordinates".into()));
    };
    let ids: Vec<EmployeeId> =
        chart::load(conn, agency, now)?.direct_subordinates_of(me).iter().map(|e| EmployeeId::from(*e)).collect();
    let people: Vec<Employee> = employees::table
        .filter(employees::id.eq_any(crate::key::binds(ids)))
        .select(Employee::as_select())
        .load(conn)?;
    let (from, to) = days(conn, agency, from, to, now)?;
    activity(conn, AgencyId::from(agency), people, from, to)
}
