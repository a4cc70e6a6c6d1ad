//! Daily-log monitoring: who has logged and who has not.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use ekinerja_domain::daily_log::{summarise, ActivitySummary};
use ekinerja_persistence::monitoring;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::employee::EmployeeView;
use crate::call::Call;
use crate::error::ApiError;

/// The span to look at.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SpanQuery {
    /// First day, inclusive (default: today in the agency's time zone).
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default: `from`); at most 31 days after `from`.
    pub to: Option<NaiveDate>,
}

/// One employee's logging over the span.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeActivityView {
    pub employee: EmployeeView,
    /// Logs that were not rejected.
    pub logs: i64,
    pub days_logged: i64,
    pub minutes: i64,
    /// Minutes serving a planned result of the agreement.
    pub linked_minutes: i64,
    /// Share of the minutes linked to the agreement, in basis points.
    pub linked_share_bp: i64,
    pub last_log_date: Option<NaiveDate>,
}

/// The totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivitySummaryView {
    pub employees: i64,
    /// Employees with at least one log.
    pub logged: i64,
    /// Employees without any.
    pub not_logged: i64,
    pub minutes: i64,
    pub linked_minutes: i64,
    pub linked_share_bp: i64,
}

impl From<ActivitySummary> for ActivitySummaryView {
    fn from(s: ActivitySummary) -> Self {
        ActivitySummaryView {
            employees: s.employees,
            logged: s.logged,
            not_logged: s.not_logged,
            minutes: s.minutes,
            linked_minutes: s.linked_minutes,
            linked_share_bp: s.linked_share_bp,
        }
    }
}

/// Who logged what over a span.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub summary: ActivitySummaryView,
    /// Every employee, by name; those with `logs: 0` have not logged.
    pub employees: Vec<EmployeeActivityView>,
}

fn view(a: monitoring::Activity) -> ActivityView {
    let summary = summarise(a.employees.iter().map(|e| (e.logs, e.minutes, e.linked_minutes))).into();
    ActivityView {
        from: a.from,
        to: a.to,
        summary,
        employees: a
            .employees
            .into_iter()
            .map(|e| EmployeeActivityView {
                employee: e.employee.into(),
                logs: e.logs,
                days_logged: e.days_logged,
                minutes: e.minutes,
                linked_minutes: e.linked_minutes,
                linked_share_bp: e.linked_share_bp,
                last_log_date: e.last_log_date,
            })
            .collect(),
    }
}

/// A unit's daily-log activity.
#[utoipa::path(get, path = "/api/v1/org-units/{id}/daily-log-activity", tag = "daily_logs", operation_id = "get_unit_daily_log_activity",
    summary = "Who in a unit (and its sub-units) has logged, for a day or up to a month",
    params(("id" = Uuid, Path, description = "Org unit id"), SpanQuery),
    responses(
        (status = 200, description = "Every active employee of the unit with their logging", body = ActivityView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn unit(call: Call, id: web::Path<Uuid>, q: web::Query<SpanQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let id = id.into_inner();
    let now = call.state.now();
    let a = call.report(move |conn, caller| monitoring::unit(conn, caller, id, q.from, q.to, now)).await?;
    Ok(HttpResponse::Ok().json(view(a)))
}

/// The caller's subordinates' daily-log activity.
#[utoipa::path(get, path = "/api/v1/me/subordinates/daily-log-activity", tag = "daily_logs", operation_id = "get_my_subordinates_daily_log_activity",
    summary = "My direct subordinates at a glance: who has logged, for a day or up to a month",
    params(SpanQuery),
    responses((status = 200, description = "Each direct subordinate with their logging", body = ActivityView)),
    security(("bearer" = [])))]
pub async fn subordinates(call: Call, q: web::Query<SpanQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let now = call.state.now();
    let a = call.report(move |conn, caller| monitoring::subordinates(conn, caller, q.from, q.to, now)).await?;
    Ok(HttpResponse::Ok().json(view(a)))
}
