//! Periodic evaluation: evaluation periods opened and closed by the agency's admin (closing locks
//! the period's daily logs), and evaluations in which the direct supervisor rates results and
//! work behaviour; the predicate is computed by `ekinerja_domain::evaluation`, never typed in.
//! A final evaluation never changes: a correction is a new revision that supersedes it.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area, Reach, Standing, Subject};
use ekinerja_domain::agreement::AgreementStatus;
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::evaluation::{
    counts_over, finalise as judge, Cadence, CoreValue, EvaluationStatus, EvaluationStep, PeriodKind, PeriodStatus,
    Predicate, Rating, Ratings,
};
use ekinerja_domain::field::Field;
use ekinerja_domain::id::{
    AccountId, AgencyId, AgreementId, EmployeeId, EvaluationId, EvaluationPeriodId, PerformancePeriodId,
    PlannedResultId,
};
use ekinerja_domain::{Caller, Description, Scope};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{
    agencies, agreements, evaluation_behaviours, evaluation_feedback, evaluation_periods, evaluations, planned_results,
};
use crate::{access, audit, db::Backend, Change, DbConnection, FieldError, Page, PageRequest, StoreError};

mod realisation;
mod report;

pub use realisation::*;
pub use report::*;

/// A stored evaluation period.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = evaluation_periods, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct EvaluationPeriod {
    #[diesel(serialize_as = crate::key::Bind<EvaluationPeriodId>)]
    pub id: EvaluationPeriodId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<PerformancePeriodId>)]
    pub performance_period_id: PerformancePeriodId,
    #[diesel(serialize_as = crate::word::Bind<PeriodKind>)]
    pub kind: PeriodKind,
    pub number: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[diesel(serialize_as = crate::word::Bind<PeriodStatus>)]
    pub status: PeriodStatus,
    pub closed_at: Option<NaiveDateTime>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub closed_by_account_id: Option<AccountId>,
    pub version: i32,
    pub created_at: NaiveDateTime,
}

/// Opens evaluation period `number` of `kind` in a performance year (the agency's admin). A
/// monthly period needs the agency's cadence to be monthly.
pub fn open_period(
    conn: &mut DbConnection,
    change: &Change,
    performance_period_id: Uuid,
    kind: PeriodKind,
    number: u32,
) -> Result<EvaluationPeriod, StoreError> {
    crate::db::write(conn, |conn| {
        let year = crate::period::get(conn, &change.caller, performance_period_id)
            .map_err(|_| StoreError::invalid("performance_period_id", "no such performance period"))?;
        let agency = year.agency_id.uuid();
        access::require_agency(conn, &change.caller, agency, Area::Structure, Access::Write)?;
        let cadence: Cadence =
            agencies::table.find(crate::key::bind(year.agency_id)).select(agencies::evaluation_cadence).first(conn)?;
        let (starts_on, ends_on) = kind.span(year.year, number, cadence).map_err(|e| {
            let pointer =
                if matches!(e, ekinerja_domain::evaluation::PeriodError::Cadence(_)) { "kind" } else { "number" };
            StoreError::invalid(pointer, e.to_string())
        })?;
        let taken: i64 = evaluation_periods::table
            .filter(evaluation_periods::performance_period_id.eq(crate::key::bind(year.id)))
            .filter(evaluation_periods::kind.eq(crate::word::bind(kind)))
            .filter(evaluation_periods::number.eq(i32::try_from(number).unwrap_or(0)))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("{kind} period {number} of {} is already open", year.year)));
        }
        let row = EvaluationPeriod {
            id: crate::key::new(),
            agency_id: year.agency_id,
            performance_period_id: year.id,
            kind,
            number: i32::try_from(number).unwrap_or(0),
            starts_on,
            ends_on,
            status: PeriodStatus::Open,
            closed_at: None,
            closed_by_account_id: None,
            version: 1,
            created_at: change.at,
        };
        diesel::insert_into(evaluation_periods::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::EvaluationPeriod,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row)
    })
}

/// Reads an evaluation period of the caller's agency.
pub fn get_period(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<EvaluationPeriod, StoreError> {
    let p: EvaluationPeriod = evaluation_periods::table
        .find(crate::key::bind(EvaluationPeriodId::from(id)))
        .select(EvaluationPeriod::as_select())
        .first(conn)?;
    crate::access::in_sight(caller, p.agency_id, p)
}

/// Lists the evaluation periods of the caller's agency, optionally of one performance year, by
/// start date.
pub fn list_periods(
    conn: &mut DbConnection,
    caller: &Caller,
    agency: Option<Uuid>,
    performance_period_id: Option<Uuid>,
    page: &PageRequest,
) -> Result<Page<EvaluationPeriod>, StoreError> {
    let mut q = evaluation_periods::table.select(EvaluationPeriod::as_select()).into_boxed::<Backend>();
    match caller.list_scope(agency) {
        Scope::All => {}
        Scope::Agency(a) => q = q.filter(evaluation_periods::agency_id.eq(crate::key::bind(AgencyId::from(a)))),
        Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(p) = performance_period_id {
        q = q.filter(evaluation_periods::performance_period_id.eq(crate::key::bind(PerformancePeriodId::from(p))));
    }
    if let Some(after) = &page.after {
        q = q.filter(evaluation_periods::id.gt(crate::key::bind(EvaluationPeriodId::from(*after))));
    }
    let rows = q.order(evaluation_periods::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// Closes an evaluation period (the agency's admin): its daily logs are locked from now on.
pub fn close_period(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    version: i32,
) -> Result<EvaluationPeriod, StoreError> {
    crate::db::write(conn, |conn| {
        let before = get_period(conn, &change.caller, id)?;
        access::require_agency(conn, &change.caller, before.agency_id.uuid(), Area::Structure, Access::Write)?;
        if before.status == PeriodStatus::Closed {
            return Err(StoreError::Conflict("the evaluation period is already closed".into()));
        }
        if before.version != version {
            return Err(StoreError::Stale);
        }
        let after = EvaluationPeriod {
            status: PeriodStatus::Closed,
            closed_at: Some(change.at),
            closed_by_account_id: Some(AccountId::from(change.caller.account_id)),
            version: before.version + 1,
            ..before.clone()
        };
        let updated = diesel::update(
            evaluation_periods::table
                .filter(evaluation_periods::id.eq(crate::key::bind(after.id)))
                .filter(evaluation_periods::version.eq(before.version)),
        )
        .set((
            evaluation_periods::status.eq(crate::word::bind(after.status)),
            evaluation_periods::closed_at.eq(after.closed_at),
            evaluation_periods::closed_by_account_id.eq(crate::key::BindOption::from(after.closed_by_account_id)),
            evaluation_periods::version.eq(after.version),
        ))
        .execute(conn)?;
        if updated != 1 {
            return Err(StoreError::Stale);
        }
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Close,
            AuditEntity::EvaluationPeriod,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// The spans of the agency's closed evaluation periods.
pub fn closed_spans(conn: &mut DbConnection, agency_id: AgencyId) -> Result<Vec<(NaiveDate, NaiveDate)>, StoreError> {
    Ok(evaluation_periods::table
        .filter(evaluation_periods::agency_id.eq(crate::key::bind(agency_id)))
        .filter(evaluation_periods::status.eq(crate::word::bind(PeriodStatus::Closed)))
        .select((evaluation_periods::starts_on, evaluation_periods::ends_on))
        .load(conn)?)
}

/// A stored evaluation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = evaluations, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Evaluation {
    #[diesel(serialize_as = crate::key::Bind<EvaluationId>)]
    pub id: EvaluationId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<EvaluationPeriodId>)]
    pub evaluation_period_id: EvaluationPeriodId,
    #[diesel(serialize_as = crate::key::Bind<EmployeeId>)]
    pub employee_id: EmployeeId,
    #[diesel(serialize_as = crate::key::Bind<AgreementId>)]
    pub agreement_id: AgreementId,
    #[diesel(serialize_as = crate::key::BindOption<EmployeeId>)]
    pub evaluator_employee_id: Option<EmployeeId>,
    #[diesel(serialize_as = crate::word::Bind<EvaluationStatus>)]
    pub status: EvaluationStatus,
    #[diesel(serialize_as = crate::word::BindOption<Rating>)]
    pub results_rating: Option<Rating>,
    #[diesel(serialize_as = crate::word::BindOption<Rating>)]
    pub behaviour_rating: Option<Rating>,
    #[diesel(serialize_as = crate::word::BindOption<Predicate>)]
    pub predicate: Option<Predicate>,
    pub feedback: Option<String>,
    pub revision: i32,
    #[diesel(serialize_as = crate::key::BindOption<EvaluationId>)]
    pub previous_evaluation_id: Option<EvaluationId>,
    pub superseded: bool,
    pub finalised_at: Option<NaiveDateTime>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub finalised_by_account_id: Option<AccountId>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A core value's rating.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = evaluation_behaviours, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Behaviour {
    #[diesel(serialize_as = crate::key::Bind<EvaluationId>)]
    pub evaluation_id: EvaluationId,
    #[diesel(serialize_as = crate::word::Bind<CoreValue>)]
    pub core_value: CoreValue,
    #[diesel(serialize_as = crate::word::Bind<Rating>)]
    pub rating: Rating,
    pub feedback: Option<String>,
}

/// Feedback on a planned result.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = evaluation_feedback, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct ResultFeedback {
    #[diesel(serialize_as = crate::key::Bind<EvaluationId>)]
    pub evaluation_id: EvaluationId,
    #[diesel(serialize_as = crate::key::Bind<PlannedResultId>)]
    pub planned_result_id: PlannedResultId,
    pub feedback: String,
}

/// An evaluation with its ratings per core value and its feedback per planned result.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationDetail {
    pub evaluation: Evaluation,
    pub period: EvaluationPeriod,
    pub behaviours: Vec<Behaviour>,
    pub result_feedback: Vec<ResultFeedback>,
}

/// How the caller stands to an evaluation's employee, by the access rule.
fn standing(
    conn: &mut DbConnection,
    caller: &Caller,
    agency: Uuid,
    employee: Uuid,
    now: DateTime<Utc>,
) -> Result<Standing, StoreError> {
    Ok(access::standing(conn, caller, Subject::Employee { agency, employee }, now)?.0)
}

fn detail(conn: &mut DbConnection, evaluation: Evaluation) -> Result<EvaluationDetail, StoreError> {
    let period: EvaluationPeriod = evaluation_periods::table
        .find(crate::key::bind(evaluation.evaluation_period_id))
        .select(EvaluationPeriod::as_select())
        .first(conn)?;
    let mut behaviours: Vec<Behaviour> = evaluation_behaviours::table
        .filter(evaluation_behaviours::evaluation_id.eq(crate::key::bind(evaluation.id)))
        .select(Behaviour::as_select())
        .load(conn)?;
    behaviours.sort_by_key(|b| CoreValue::ALL.iter().position(|v| *v == b.core_value));
    let result_feedback: Vec<ResultFeedback> = evaluation_feedback::table
        .filter(evaluation_feedback::evaluation_id.eq(crate::key::bind(evaluation.id)))
        .order(evaluation_feedback::planned_result_id.asc())
        .select(ResultFeedback::as_select())
        .load(conn)?;
    Ok(EvaluationDetail { evaluation, period, behaviours, result_feedback })
}

/// Opens the evaluation of an employee for a period (their direct supervisor; for the top of the
/// agency, its admin), on the employee's approved agreement covering the period.
pub fn open(
    conn: &mut DbConnection,
    change: &Change,
    period_id: Uuid,
    employee_id: Uuid,
    now: DateTime<Utc>,
) -> Result<EvaluationDetail, StoreError> {
    crate::db::write(conn, |conn| {
        let period = get_period(conn, &change.caller, period_id)
            .map_err(|_| StoreError::invalid("evaluation_period_id", "no such evaluation period"))?;
        let agency = period.agency_id.uuid();
        let employee = crate::employee::get(conn, &change.caller, employee_id, now)
            .ok()
            .filter(|e| e.agency_id == period.agency_id)
            .ok_or_else(|| StoreError::invalid("employee_id", "no such employee in the period's agency"))?;
        let s = standing(conn, &change.caller, agency, employee_id, now)?;
        access::decision_to_result(s.decide(Area::Evaluation, Access::Write))?;
        crate::db::lock_row(conn, crate::db::LockTable::Employees, employee.id)?;
        let existing: i64 = evaluations::table
            .filter(evaluations::evaluation_period_id.eq(crate::key::bind(period.id)))
            .filter(evaluations::employee_id.eq(crate::key::bind(employee.id)))
            .count()
            .get_result(conn)?;
        if existing > 0 {
            return Err(StoreError::Conflict("the employee's evaluation for this period is already open".into()));
        }
        let agreement: Option<AgreementId> = agreements::table
            .filter(agreements::employee_id.eq(crate::key::bind(employee.id)))
            .filter(agreements::period_id.eq(crate::key::bind(period.performance_period_id)))
            .filter(agreements::status.eq(crate::word::bind(AgreementStatus::Approved)))
            .filter(agreements::starts_on.le(period.ends_on))
            .filter(agreements::ends_on.ge(period.starts_on))
            .order(agreements::starts_on.desc())
            .select(agreements::id)
            .first(conn)
            .optional()?;
        let Some(agreement_id) = agreement else {
            return Err(StoreError::invalid(
                "employee_id",
                "the employee has no approved performance agreement covering the period",
            ));
        };
        let row = Evaluation {
            id: crate::key::new(),
            agency_id: period.agency_id,
            evaluation_period_id: period.id,
            employee_id: employee.id,
            agreement_id,
            // None when the agency's admin records the top official's evaluation for the
            // official set for the agency.
            evaluator_employee_id: change.caller.employee_id.map(EmployeeId::from),
            status: EvaluationStatus::Draft,
            results_rating: None,
            behaviour_rating: None,
            predicate: None,
            feedback: None,
            revision: 1,
            previous_evaluation_id: None,
            superseded: false,
            finalised_at: None,
            finalised_by_account_id: None,
            version: 1,
            created_at: change.at,
            updated_at: change.at,
        };
        diesel::insert_into(evaluations::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::Evaluation,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        detail(conn, row)
    })
}

/// Reads an evaluation the caller may see.
pub fn get(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<EvaluationDetail, StoreError> {
    let e: Evaluation = evaluations::table
        .find(crate::key::bind(EvaluationId::from(id)))
        .select(Evaluation::as_select())
        .first(conn)?;
    if standing(conn, caller, e.agency_id.uuid(), e.employee_id.uuid(), now)?.sees(Area::Evaluation) {
        detail(conn, e)
    } else {
        Err(StoreError::NotFound)
    }
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct EvaluationFilter {
    pub evaluation_period_id: Option<Uuid>,
    pub employee_id: Option<Uuid>,
    /// Only the drafts the caller is to finalise (what `/me/tasks` counts).
    pub awaiting_me: bool,
}

/// The evaluations the caller may see (the access rule's reach: a leader and the agency admin all
/// of the agency's, a unit head their unit's, others their own and those below them); oldest first.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &EvaluationFilter,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<Evaluation>, StoreError> {
    let Some(agency) = caller.agency_id else {
        return Ok(Page::empty());
    };
    let mut q = evaluations::table
        .filter(evaluations::agency_id.eq(crate::key::bind(AgencyId::from(agency))))
        .select(Evaluation::as_select())
        .into_boxed::<Backend>();
    if let Reach::Employees(visible) = access::reach(conn, caller, agency, &[Area::Evaluation], now)? {
        q = q.filter(evaluations::employee_id.eq_any(crate::key::binds(visible.iter().map(|e| EmployeeId::from(*e)))));
    }
    if filter.awaiting_me {
        q = q.filter(evaluations::id.eq_any(crate::key::binds(crate::tasks::evaluations_awaiting(conn, caller, now)?)));
    }
    if let Some(p) = filter.evaluation_period_id {
        q = q.filter(evaluations::evaluation_period_id.eq(crate::key::bind(EvaluationPeriodId::from(p))));
    }
    if let Some(e) = filter.employee_id {
        q = q.filter(evaluations::employee_id.eq(crate::key::bind(EmployeeId::from(e))));
    }
    if let Some(after) = &page.after {
        q = q.filter(evaluations::id.gt(crate::key::bind(EvaluationId::from(*after))));
    }
    let rows = q.order(evaluations::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// A core value's rating to set.
#[derive(Debug, Clone)]
pub struct ValueRating {
    pub core_value: CoreValue,
    pub rating: Rating,
    pub feedback: Option<Description>,
}

/// What the evaluator changes in a draft; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct RatingPatch {
    pub results_rating: Option<Rating>,
    pub behaviour_rating: Option<Rating>,
    pub feedback: Option<Description>,
    /// Replaces the rating of each value listed.
    pub behaviours: Vec<ValueRating>,
    /// Replaces the feedback on each planned result listed.
    pub result_feedback: Vec<(Uuid, Description)>,
}

/// Reads an evaluation for `step` by its evaluator, checking the version and that the workflow
/// allows the step; with the status the step leads to.
fn for_step(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    version: i32,
    step: EvaluationStep,
    now: DateTime<Utc>,
) -> Result<(Evaluation, EvaluationStatus), StoreError> {
    let e: Evaluation = evaluations::table
        .find(crate::key::bind(EvaluationId::from(id)))
        .select(Evaluation::as_select())
        .first(conn)?;
    let s = standing(conn, &change.caller, e.agency_id.uuid(), e.employee_id.uuid(), now)?;
    access::decision_to_result(s.decide(Area::Evaluation, Access::Write))?;
    if e.version != version {
        return Err(StoreError::Stale);
    }
    let next = e.status.apply(step, e.superseded).map_err(|err| StoreError::Conflict(err.to_string()))?;
    Ok((e, next))
}

fn bump(conn: &mut DbConnection, e: &Evaluation) -> Result<(), StoreError> {
    let n = diesel::update(
        evaluations::table
            .filter(evaluations::id.eq(crate::key::bind(e.id)))
            .filter(evaluations::version.eq(e.version - 1)),
    )
    .set((
        evaluations::status.eq(crate::word::bind(e.status)),
        evaluations::results_rating.eq(crate::word::BindOption::from(e.results_rating)),
        evaluations::behaviour_rating.eq(crate::word::BindOption::from(e.behaviour_rating)),
        evaluations::predicate.eq(crate::word::BindOption::from(e.predicate)),
        evaluations::feedback.eq(&e.feedback),
        evaluations::superseded.eq(e.superseded),
        evaluations::finalised_at.eq(e.finalised_at),
        evaluations::finalised_by_account_id.eq(crate::key::BindOption::from(e.finalised_by_account_id)),
        evaluations::version.eq(e.version),
        evaluations::updated_at.eq(e.updated_at),
    ))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale)
    }
}

/// Sets ratings and feedback of a draft evaluation (its evaluator).
pub fn rate(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    version: i32,
    patch: RatingPatch,
    now: DateTime<Utc>,
) -> Result<EvaluationDetail, StoreError> {
    crate::db::write(conn, |conn| {
        let (before, _) = for_step(conn, change, id, version, EvaluationStep::Rate, now)?;
        let mut errors = Vec::new();
        for (i, (result, _)) in patch.result_feedback.iter().enumerate() {
            let owned: i64 = planned_results::table
                .filter(planned_results::id.eq(crate::key::bind(PlannedResultId::from(*result))))
                .filter(planned_results::agreement_id.eq(crate::key::bind(before.agreement_id)))
                .count()
                .get_result(conn)?;
            if owned == 0 {
                errors.push(FieldError::new(
                    Field::named("result_feedback").at(i).then("planned_result_id"),
                    "not a planned result of the evaluated agreement",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let mut after = before.clone();
        if let Some(r) = patch.results_rating {
            after.results_rating = Some(r);
        }
        if let Some(r) = patch.behaviour_rating {
            after.behaviour_rating = Some(r);
        }
        if let Some(f) = patch.feedback {
            after.feedback = Some(f.into_inner());
        }
        after.version += 1;
        after.updated_at = change.at;
        bump(conn, &after)?;
        for v in patch.behaviours {
            diesel::delete(
                evaluation_behaviours::table
                    .filter(evaluation_behaviours::evaluation_id.eq(crate::key::bind(after.id)))
                    .filter(evaluation_behaviours::core_value.eq(crate::word::bind(v.core_value))),
            )
            .execute(conn)?;
            let row = Behaviour {
                evaluation_id: after.id,
                core_value: v.core_value,
                rating: v.rating,
                feedback: v.feedback.map(Description::into_inner),
            };
            diesel::insert_into(evaluation_behaviours::table).values(row.clone()).execute(conn)?;
        }
        for (result, text) in patch.result_feedback {
            diesel::delete(
                evaluation_feedback::table
                    .filter(evaluation_feedback::evaluation_id.eq(crate::key::bind(after.id)))
                    .filter(evaluation_feedback::planned_result_id.eq(crate::key::bind(PlannedResultId::from(result)))),
            )
            .execute(conn)?;
            let row = ResultFeedback {
                evaluation_id: after.id,
                planned_result_id: PlannedResultId::from(result),
                feedback: text.into_inner(),
            };
            diesel::insert_into(evaluation_feedback::table).values(row.clone()).execute(conn)?;
        }
        let d = detail(conn, after)?;
        audit::record(
            conn,
            change,
            Some(d.evaluation.agency_id),
            AuditAction::Rate,
            AuditEntity::Evaluation,
            d.evaluation.id,
            Some(&before),
            Some(&d),
        )?;
        Ok(d)
    })
}

/// Finalises a draft (its evaluator): every rating is required, and the predicate follows from
/// the two ratings. A finalised revision supersedes the one it corrects.
pub fn finalise(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    version: i32,
    now: DateTime<Utc>,
) -> Result<EvaluationDetail, StoreError> {
    crate::db::write(conn, |conn| {
        let (before, finalised) = for_step(conn, change, id, version, EvaluationStep::Finalise, now)?;
        let d = detail(conn, before.clone())?;
        let ratings = Ratings {
            results: before.results_rating,
            behaviour: before.behaviour_rating,
            values: d.behaviours.iter().map(|b| (b.core_value, b.rating)).collect(),
        };
        let predicate = judge(&ratings).map_err(|m| {
            StoreError::Invalid(m.0.into_iter().map(|reason| FieldError::new(Field::whole(), reason)).collect())
        })?;
        let mut after = before.clone();
        after.status = finalised;
        after.predicate = Some(predicate);
        after.finalised_at = Some(change.at);
        after.finalised_by_account_id = Some(AccountId::from(change.caller.account_id));
        after.version += 1;
        after.updated_at = change.at;
        bump(conn, &after)?;
        if let Some(prev) = &after.previous_evaluation_id {
            diesel::update(evaluations::table.find(crate::key::bind(*prev)))
                .set((evaluations::superseded.eq(true), evaluations::updated_at.eq(change.at)))
                .execute(conn)?;
        }
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Finalise,
            AuditEntity::Evaluation,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        let note = serde_json::json!({
            "evaluation_id": after.id, "employee_id": after.employee_id,
            "evaluation_period_id": after.evaluation_period_id, "predicate": after.predicate,
        });
        crate::webhook::enqueue(conn, change, after.agency_id, crate::webhook::EventType::EvaluationFinalised, &note)?;
        detail(conn, after)
    })
}

/// Starts a correction of a final evaluation (its evaluator): a new draft revision with the same
/// ratings and feedback. The final one counts until the revision is finalised.
pub fn revise(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    version: i32,
    now: DateTime<Utc>,
) -> Result<EvaluationDetail, StoreError> {
    crate::db::write(conn, |conn| {
        let (before, revision_status) = for_step(conn, change, id, version, EvaluationStep::Revise, now)?;
        let newer: i64 = evaluations::table
            .filter(evaluations::previous_evaluation_id.eq(crate::key::bind(before.id)))
            .count()
            .get_result(conn)?;
        if newer > 0 {
            return Err(StoreError::Conflict("a revision of this evaluation is already open".into()));
        }
        let old = detail(conn, before.clone())?;
        let row = Evaluation {
            id: crate::key::new(),
            status: revision_status,
            predicate: None,
            revision: before.revision + 1,
            previous_evaluation_id: Some(before.id),
            superseded: false,
            finalised_at: None,
            finalised_by_account_id: None,
            version: 1,
            created_at: change.at,
            updated_at: change.at,
            ..before.clone()
        };
        diesel::insert_into(evaluations::table).values(row.clone()).execute(conn)?;
        for b in old.behaviours {
            diesel::insert_into(evaluation_behaviours::table)
                .values(Behaviour { evaluation_id: row.id, ..b })
                .execute(conn)?;
        }
        for f in old.result_feedback {
            diesel::insert_into(evaluation_feedback::table)
                .values(ResultFeedback { evaluation_id: row.id, ..f })
                .execute(conn)?;
        }
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Revise,
            AuditEntity::Evaluation,
            row.id,
            Some(&before),
            Some(&row),
        )?;
        detail(conn, row)
    })
}

/// The evaluation that counts for each employee in a period: the latest revision that is not
/// superseded (a final one, or the draft being worked on).
pub(crate) fn current_of(rows: Vec<Evaluation>) -> std::collections::HashMap<EmployeeId, Evaluation> {
    let mut current: std::collections::HashMap<EmployeeId, Evaluation> = std::collections::HashMap::new();
    for e in rows.into_iter().filter(|e| !e.superseded) {
        let keep = current.get(&e.employee_id).is_none_or(|c| {
            // A finished correction supersedes; until then the final one counts.
            counts_over((c.status, c.revision), (e.status, e.revision))
        });
        if keep {
            current.insert(e.employee_id, e);
        }
    }
    current
}
