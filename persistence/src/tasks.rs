//! What waits for the caller (issue 16, "nothing waits unseen"): logs to review (and those
//! escalated to them), agreements to approve, evaluations to open or finalise, and their own
//! returned agreements to fix. Whether the caller decides each item is the access rule's answer
//! for it; the candidates loaded are only those the rule could possibly give them.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Actor, Area, Decision, Subject};
use ekinerja_domain::id::{
    AgencyId, AgreementId, EmployeeId, EvaluationId, EvaluationPeriodId, OrgUnitId, PerformancePeriodId,
};
use ekinerja_domain::supervision::OrgChart;
pub use ekinerja_domain::tasks::TaskKind;
use ekinerja_domain::Caller;
use serde::Serialize;
use uuid::Uuid;

use crate::daily_log::{DailyLog, Escalation};
use crate::leave::LeaveRequest;
use crate::schema::{agreements, daily_logs, evaluation_periods, evaluations};
use crate::{access, chart, DbConnection, StoreError};
use ekinerja_domain::leave::LeaveStep;

/// One kind of task: how many, and since when the oldest has waited.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub kind: TaskKind,
    pub count: i64,
    /// The oldest item's date: a log's date, an agreement's submission or return, a period's end,
    /// a draft evaluation's opening.
    pub oldest: Option<NaiveDate>,
}

/// Who the caller is to the rule, with the agency's chart on the day.
struct Ctx {
    agency: Uuid,
    actor: Actor,
    chart: OrgChart,
    me: Option<Uuid>,
    /// The employees whose records the caller could decide anything for: `None` (everyone) for
    /// the agency admin, whom the rule leaves the top official; else everyone below them.
    candidates: Option<Vec<EmployeeId>>,
}

impl Ctx {
    fn load(conn: &mut DbConnection, caller: &Caller, now: DateTime<Utc>) -> Result<Option<Self>, StoreError> {
        let Some(agency) = caller.agency_id else { return Ok(None) };
        let actor = access::actor(conn, caller)?;
        let chart = chart::load(conn, agency, now)?;
        let admin = ekinerja_domain::access::relations(&actor, &chart, Subject::Agency(agency))
            .held
            .contains(&ekinerja_domain::access::Relation::AgencyAdmin);
        let me = caller.employee_id;
        let candidates = (!admin).then(|| {
            me.map(|m| chart.everyone_below(m).iter().map(|e| EmployeeId::from(*e)).collect()).unwrap_or_default()
        });
        Ok(Some(Ctx { agency, me, actor, chart, candidates }))
    }

    /// Whether the caller could decide nothing for anyone (no one below them, not the admin).
    fn nobody(&self) -> bool {
        self.candidates.as_ref().is_some_and(Vec::is_empty)
    }

    fn decides(&self, subject: Subject, row: Area) -> bool {
        ekinerja_domain::access::decide(&self.actor, &self.chart, subject, row, Access::Write) == Decision::Allow
    }

    fn employee(&self, e: EmployeeId) -> Option<Subject> {
        Some(Subject::Employee { agency: self.agency, employee: e.uuid() })
    }

    /// Whether the caller is the next supervisor up from `employee` (their direct supervisor's).
    fn next_up(&self, employee: Uuid) -> bool {
        self.me.is_some_and(|m| self.chart.chain_of(employee).get(1).is_some_and(|o| o.employee_id == m))
    }
}

/// The logs waiting for the caller's review: those they decide in the ordinary course (direct
/// subordinates; the top official for the agency admin), and those escalated to them as the next
/// supervisor up; each oldest log date first.
pub fn logs_to_review(
    conn: &mut DbConnection,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<(Vec<DailyLog>, Vec<DailyLog>), StoreError> {
    let Some(ctx) = Ctx::load(conn, caller, now)? else { return Ok((vec![], vec![])) };
    logs_for(conn, &ctx, now)
}

fn logs_for(
    conn: &mut DbConnection,
    ctx: &Ctx,
    now: DateTime<Utc>,
) -> Result<(Vec<DailyLog>, Vec<DailyLog>), StoreError> {
    if ctx.nobody() {
        return Ok((vec![], vec![]));
    }
    let mut q = daily_logs::table
        .filter(daily_logs::agency_id.eq(crate::key::bind(AgencyId::from(ctx.agency))))
        .filter(daily_logs::status.eq(crate::word::bind(ekinerja_domain::daily_log::LogStatus::Submitted)))
        .select(DailyLog::as_select())
        .into_boxed::<crate::db::Backend>();
    if let Some(c) = ctx.candidates.clone() {
        q = q.filter(daily_logs::employee_id.eq_any(crate::key::binds(c)));
    }
    let mut waiting: Vec<DailyLog> = q.order((daily_logs::log_date.asc(), daily_logs::id.asc())).load(conn)?;
    let since = waiting.iter().map(|l| l.updated_at.date()).min().unwrap_or(now.date_naive());
    let mut escalation = Escalation::load(conn, ctx.agency, since.pred_opt().unwrap_or(since), now)?;
    let (mut direct, mut escalated) = (Vec::new(), Vec::new());
    for log in waiting.drain(..) {
        let author = log.employee_id.uuid();
        let plain = Subject::DailyLog { agency: ctx.agency, employee: author, review_escalated: false };
        if ctx.decides(plain, Area::DailyLogReview) {
            direct.push(log);
            continue;
        }
        if !ctx.next_up(author) {
            continue;
        }
        if escalation.escalated(&log, ctx.chart.unit_of(author).map(OrgUnitId::from)) {
            let subject = Subject::DailyLog { agency: ctx.agency, employee: author, review_escalated: true };
            if ctx.decides(subject, Area::DailyLogReview) {
                escalated.push(log);
            }
        }
    }
    Ok((direct, escalated))
}

/// The ids of the agreements submitted to the caller for approval, with their submission dates.
fn agreements_to_approve(conn: &mut DbConnection, ctx: &Ctx) -> Result<Vec<(AgreementId, NaiveDate)>, StoreError> {
    if ctx.nobody() {
        return Ok(vec![]);
    }
    let mut q = agreements::table
        .filter(agreements::agency_id.eq(crate::key::bind(AgencyId::from(ctx.agency))))
        .filter(agreements::status.eq(crate::word::bind(ekinerja_domain::agreement::AgreementStatus::Submitted)))
        .select((agreements::id, agreements::employee_id, agreements::submitted_at, agreements::updated_at))
        .into_boxed::<crate::db::Backend>();
    if let Some(c) = ctx.candidates.clone() {
        q = q.filter(agreements::employee_id.eq_any(crate::key::binds(c)));
    }
    let rows: Vec<(AgreementId, EmployeeId, Option<chrono::NaiveDateTime>, chrono::NaiveDateTime)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, e, _, _)| ctx.employee(*e).is_some_and(|s| ctx.decides(s, Area::AgreementDecision)))
        .map(|(id, _, submitted, updated)| (id, submitted.unwrap_or(updated).date()))
        .collect())
}

/// The ids of the agreements the agreement list shows the caller as waiting for them: submitted
/// to them for approval, or their own returned to them.
pub fn agreements_awaiting(
    conn: &mut DbConnection,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<Vec<AgreementId>, StoreError> {
    let Some(ctx) = Ctx::load(conn, caller, now)? else { return Ok(vec![]) };
    let mut out: Vec<AgreementId> = agreements_to_approve(conn, &ctx)?.into_iter().map(|(id, _)| id).collect();
    out.extend(returned(conn, &ctx)?.into_iter().map(|(id, _)| id));
    Ok(out)
}

/// The caller's own returned agreements.
fn returned(conn: &mut DbConnection, ctx: &Ctx) -> Result<Vec<(AgreementId, NaiveDate)>, StoreError> {
    let Some(me) = ctx.me else { return Ok(vec![]) };
    let own = Subject::Employee { agency: ctx.agency, employee: me };
    if !ctx.decides(own, Area::OwnAgreement) {
        return Ok(vec![]);
    }
    let rows: Vec<(AgreementId, chrono::NaiveDateTime)> = agreements::table
        .filter(agreements::employee_id.eq(crate::key::bind(EmployeeId::from(me))))
        .filter(agreements::status.eq(crate::word::bind(ekinerja_domain::agreement::AgreementStatus::Returned)))
        .select((agreements::id, agreements::updated_at))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, at)| (id, at.date())).collect())
}

/// The ids of the draft evaluations the caller is to finalise, with their opening dates.
fn drafts(conn: &mut DbConnection, ctx: &Ctx) -> Result<Vec<(EvaluationId, NaiveDate)>, StoreError> {
    if ctx.nobody() {
        return Ok(vec![]);
    }
    let mut q = evaluations::table
        .filter(evaluations::agency_id.eq(crate::key::bind(AgencyId::from(ctx.agency))))
        .filter(evaluations::status.eq(crate::word::bind(ekinerja_domain::evaluation::EvaluationStatus::Draft)))
        .filter(evaluations::superseded.eq(false))
        .select((evaluations::id, evaluations::employee_id, evaluations::created_at))
        .into_boxed::<crate::db::Backend>();
    if let Some(c) = ctx.candidates.clone() {
        q = q.filter(evaluations::employee_id.eq_any(crate::key::binds(c)));
    }
    let rows: Vec<(EvaluationId, EmployeeId, chrono::NaiveDateTime)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, e, _)| ctx.employee(*e).is_some_and(|s| ctx.decides(s, Area::Evaluation)))
        .map(|(id, _, at)| (id, at.date()))
        .collect())
}

/// The ids of the evaluations the evaluation list shows the caller as waiting for them: drafts
/// they are to finalise.
pub fn evaluations_awaiting(
    conn: &mut DbConnection,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<Vec<EvaluationId>, StoreError> {
    let Some(ctx) = Ctx::load(conn, caller, now)? else { return Ok(vec![]) };
    Ok(drafts(conn, &ctx)?.into_iter().map(|(id, _)| id).collect())
}

/// The evaluations the caller is to open: for each open period that is over, the employees they
/// evaluate who hold an approved agreement of its year covering it and have no evaluation in it
/// yet; with the period's last day.
fn to_open(conn: &mut DbConnection, ctx: &Ctx, today: NaiveDate) -> Result<Vec<NaiveDate>, StoreError> {
    if ctx.nobody() {
        return Ok(vec![]);
    }
    let periods: Vec<(EvaluationPeriodId, PerformancePeriodId, NaiveDate, NaiveDate)> = evaluation_periods::table
        .filter(evaluation_periods::agency_id.eq(crate::key::bind(AgencyId::from(ctx.agency))))
        .filter(evaluation_periods::status.eq(crate::word::bind(ekinerja_domain::evaluation::PeriodStatus::Open)))
        .filter(evaluation_periods::ends_on.lt(today))
        .select((
            evaluation_periods::id,
            evaluation_periods::performance_period_id,
            evaluation_periods::starts_on,
            evaluation_periods::ends_on,
        ))
        .load(conn)?;
    let mut out = Vec::new();
    for (period, year, starts_on, ends_on) in periods {
        // As opening requires: an approved agreement of the year covering part of the period.
        let mut q = agreements::table
            .filter(agreements::period_id.eq(crate::key::bind(year)))
            .filter(agreements::status.eq(crate::word::bind(ekinerja_domain::agreement::AgreementStatus::Approved)))
            .filter(agreements::starts_on.le(ends_on))
            .filter(agreements::ends_on.ge(starts_on))
            .select(agreements::employee_id)
            .distinct()
            .into_boxed::<crate::db::Backend>();
        if let Some(c) = ctx.candidates.clone() {
            q = q.filter(agreements::employee_id.eq_any(crate::key::binds(c)));
        }
        let holders: Vec<EmployeeId> = q.load(conn)?;
        let opened: HashSet<EmployeeId> = evaluations::table
            .filter(evaluations::evaluation_period_id.eq(crate::key::bind(period)))
            .select(evaluations::employee_id)
            .load::<EmployeeId>(conn)?
            .into_iter()
            .collect();
        for e in holders {
            if !opened.contains(&e) && ctx.employee(e).is_some_and(|s| ctx.decides(s, Area::Evaluation)) {
                out.push(ends_on);
            }
        }
    }
    Ok(out)
}

/// The leave requests waiting for the caller, each with the step it waits for from them: those
/// they recommend (their direct subordinates'), and those they approve (as the head of the
/// employee's OPD, or holding both steps); the earliest leave first.
pub fn leave_awaiting(
    conn: &mut DbConnection,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<Vec<(LeaveRequest, LeaveStep)>, StoreError> {
    let Some(ctx) = Ctx::load(conn, caller, now)? else { return Ok(vec![]) };
    leave_for(conn, &ctx)
}

fn leave_for(conn: &mut DbConnection, ctx: &Ctx) -> Result<Vec<(LeaveRequest, LeaveStep)>, StoreError> {
    let mut out = Vec::new();
    let waiting = crate::leave::waiting(conn, ctx.agency)?;
    if waiting.is_empty() {
        return Ok(out);
    }
    // One agency, one policy: read it once.
    let one_step = crate::leave::one_step(conn, AgencyId::from(ctx.agency))?;
    for request in waiting {
        let subject = Subject::LeaveRequest { agency: ctx.agency, employee: request.employee_id.uuid(), one_step };
        let rights = crate::leave::rights(&ekinerja_domain::access::standing(&ctx.actor, &ctx.chart, subject));
        if let Some(step) = request.status.awaits(rights) {
            out.push((request, step));
        }
    }
    Ok(out)
}

fn task(kind: TaskKind, dates: impl IntoIterator<Item = NaiveDate>) -> Task {
    let dates: Vec<NaiveDate> = dates.into_iter().collect();
    Task { kind, count: dates.len() as i64, oldest: dates.iter().min().copied() }
}

/// Everything that waits for the caller, every kind listed (a count of 0 included).
pub fn mine(conn: &mut DbConnection, caller: &Caller, now: DateTime<Utc>) -> Result<Vec<Task>, StoreError> {
    let Some(ctx) = Ctx::load(conn, caller, now)? else {
        return Ok(TaskKind::ALL.iter().map(|k| task(*k, [])).collect());
    };
    let offset = chart::agency_offset(conn, ctx.agency)?;
    let today = now.with_timezone(&offset).date_naive();
    let (direct, escalated) = logs_for(conn, &ctx, now)?;
    let mut by_kind: HashMap<TaskKind, Vec<NaiveDate>> = HashMap::new();
    by_kind.insert(TaskKind::ReviewLogs, direct.iter().map(|l| l.log_date).collect());
    by_kind.insert(TaskKind::ReviewEscalatedLogs, escalated.iter().map(|l| l.log_date).collect());
    by_kind
        .insert(TaskKind::ApproveAgreements, agreements_to_approve(conn, &ctx)?.into_iter().map(|(_, d)| d).collect());
    by_kind.insert(TaskKind::OpenEvaluations, to_open(conn, &ctx, today)?);
    by_kind.insert(TaskKind::FinaliseEvaluations, drafts(conn, &ctx)?.into_iter().map(|(_, d)| d).collect());
    by_kind.insert(TaskKind::FixAgreements, returned(conn, &ctx)?.into_iter().map(|(_, d)| d).collect());
    for (request, step) in leave_for(conn, &ctx)? {
        let kind = if step == LeaveStep::Recommend { TaskKind::RecommendLeave } else { TaskKind::ApproveLeave };
        // The day it was asked for, in the agency's time zone.
        by_kind.entry(kind).or_default().push(request.created_at.and_utc().with_timezone(&offset).date_naive());
    }
    Ok(TaskKind::ALL.iter().map(|k| task(*k, by_kind.remove(k).unwrap_or_default())).collect())
}
