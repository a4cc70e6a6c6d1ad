//! Periodic evaluation: evaluation periods opened and closed by the agency's admin (closing locks
//! the period's daily logs), and evaluations in which the direct supervisor rates results and
//! work behaviour; the predicate is computed by `ekinerja_domain::evaluation`, never typed in.
//! A final evaluation never changes: a correction is a new revision that supersedes it.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area, Reach, Standing, Subject};
use ekinerja_domain::agreement::AgreementStatus;
use ekinerja_domain::evaluation::{
    counts_over, finalise as judge, Cadence, CoreValue, EvaluationStatus, EvaluationStep, PeriodKind, PeriodStatus,
    Predicate, Rating, Ratings,
};
use ekinerja_domain::field::Field;
use ekinerja_domain::id::{
    AccountId, AgencyId, AgreementId, EmployeeId, EvaluationId, EvaluationPeriodId, IndicatorId, PerformancePeriodId,
    PlannedResultId, PositionId,
};
use ekinerja_domain::{Caller, Description, Scope};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{
    agencies, agreements, evaluation_behaviours, evaluation_feedback, evaluation_periods, evaluations, planned_results,
};
use crate::{access, audit, chart, db::Backend, Change, DbConnection, FieldError, Page, PageRequest, StoreError};

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
            "create",
            "evaluation_period",
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
            "close",
            "evaluation_period",
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
        audit::record(conn, change, Some(row.agency_id), "create", "evaluation", row.id, None::<&()>, Some(&row))?;
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

/// Reads an evaluation for a change by its evaluator, checking the version and that it is a draft.
fn for_change(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    version: i32,
    now: DateTime<Utc>,
) -> Result<Evaluation, StoreError> {
    let e: Evaluation = evaluations::table
        .find(crate::key::bind(EvaluationId::from(id)))
        .select(Evaluation::as_select())
        .first(conn)?;
    let s = standing(conn, &change.caller, e.agency_id.uuid(), e.employee_id.uuid(), now)?;
    access::decision_to_result(s.decide(Area::Evaluation, Access::Write))?;
    if e.version != version {
        return Err(StoreError::Stale);
    }
    Ok(e)
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
        let before = for_change(conn, change, id, version, now)?;
        before
            .status
            .apply(EvaluationStep::Rate, before.superseded)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
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
            "rate",
            "evaluation",
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
        let before = for_change(conn, change, id, version, now)?;
        let finalised = before
            .status
            .apply(EvaluationStep::Finalise, before.superseded)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
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
            "finalise",
            "evaluation",
            after.id,
            Some(&before),
            Some(&after),
        )?;
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
        let before = for_change(conn, change, id, version, now)?;
        let revision_status = before
            .status
            .apply(EvaluationStep::Revise, before.superseded)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
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
        audit::record(conn, change, Some(row.agency_id), "revise", "evaluation", row.id, Some(&before), Some(&row))?;
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

/// One employee's standing in a period's evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressRow {
    pub employee: crate::employee::Employee,
    /// The evaluation that counts, if opened.
    pub evaluation: Option<Evaluation>,
    /// Who the evaluation waits for: the direct supervisor now (`None`: the agency's admin, for
    /// the top official, or a post with no one above it).
    pub evaluator: Option<crate::employee::Employee>,
}

/// A unit's agency, active employees (by name) and positions, its sub-units' included.
struct UnitPeople {
    agency: Uuid,
    people: Vec<crate::employee::Employee>,
    posts: Vec<crate::position::Position>,
}

/// The employees of a unit and its sub-units, for those who read the unit's views.
fn unit_people(
    conn: &mut DbConnection,
    caller: &Caller,
    unit_id: Uuid,
    now: DateTime<Utc>,
) -> Result<UnitPeople, StoreError> {
    let (unit, agency) = crate::org_unit::read_view(conn, caller, unit_id, now)?;
    let (posts, people) = crate::org_unit::staff(conn, unit.agency_id, unit.id)?;
    Ok(UnitPeople { agency, people, posts })
}

fn period_rows(conn: &mut DbConnection, period: &EvaluationPeriod) -> Result<Vec<Evaluation>, StoreError> {
    Ok(evaluations::table
        .filter(evaluations::evaluation_period_id.eq(crate::key::bind(period.id)))
        .select(Evaluation::as_select())
        .load(conn)?)
}

/// Tiered progress of a period in a unit (whoever reads the unit's views): every active employee of the unit
/// and its sub-units, their evaluation's state, and whom it waits for.
pub fn unit_progress(
    conn: &mut DbConnection,
    caller: &Caller,
    period_id: Uuid,
    unit_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(EvaluationPeriod, Vec<ProgressRow>), StoreError> {
    use crate::schema::employees;
    let period = get_period(conn, caller, period_id)?;
    let UnitPeople { agency, people, .. } = unit_people(conn, caller, unit_id, now)?;
    if period.agency_id != agency {
        return Err(StoreError::NotFound);
    }
    let mut current = current_of(period_rows(conn, &period)?);
    let chart = chart::load(conn, agency, now)?;
    let supervisors: Vec<(EmployeeId, Option<Uuid>)> =
        people.iter().map(|e| (e.id, chart.supervisor_of(e.id.uuid()).map(|o| o.employee_id))).collect();
    let wanted: Vec<EmployeeId> = supervisors.iter().filter_map(|(_, s)| s.map(EmployeeId::from)).collect();
    let bosses: std::collections::HashMap<EmployeeId, crate::employee::Employee> = employees::table
        .filter(employees::id.eq_any(crate::key::binds(wanted)))
        .select(crate::employee::Employee::as_select())
        .load::<crate::employee::Employee>(conn)?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let rows = people
        .into_iter()
        .zip(supervisors)
        .map(|(employee, (_, boss))| ProgressRow {
            evaluation: current.remove(&employee.id),
            evaluator: boss.and_then(|b| bosses.get(&EmployeeId::from(b)).cloned()),
            employee,
        })
        .collect();
    Ok((period, rows))
}

/// A unit's spread of final predicates in a period against the pattern for its rating.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub period: EvaluationPeriod,
    /// The unit's head (not counted in the spread: their predicate belongs to the level above).
    pub head: Option<crate::employee::Employee>,
    pub unit_rating: Option<ekinerja_domain::evaluation::UnitRating>,
    /// Employees of the unit below its head whose unit is rolled out by the period's last month.
    pub employees: i64,
    /// Employees below the head whose unit is not rolled out by then: left out of the spread.
    pub not_rolled_out: i64,
    /// Of `employees`, with a final predicate.
    pub finalised: i64,
    /// Count per predicate, in the order of `Predicate::ALL`.
    pub counts: Vec<(ekinerja_domain::evaluation::Predicate, i64)>,
    /// Each rule of the pattern and whether the spread keeps it; empty without a unit rating.
    pub checks: Vec<ekinerja_domain::evaluation::RuleCheck>,
}

/// The spread of a unit's final predicates in a period, against the distribution pattern of the
/// unit's rating: the one given, or the one following from its head's final results rating
/// (whoever reads the unit's views).
pub fn unit_distribution(
    conn: &mut DbConnection,
    caller: &Caller,
    period_id: Uuid,
    unit_id: Uuid,
    unit_rating: Option<ekinerja_domain::evaluation::UnitRating>,
    now: DateTime<Utc>,
) -> Result<Distribution, StoreError> {
    use ekinerja_domain::evaluation::{check_distribution, default_pattern, Predicate, UnitRating};
    let period = get_period(conn, caller, period_id)?;
    let UnitPeople { agency, people, posts } = unit_people(conn, caller, unit_id, now)?;
    if period.agency_id != agency {
        return Err(StoreError::NotFound);
    }
    // The head: the holder of the unit's post whose supervisor sits outside the unit.
    let in_unit: std::collections::HashSet<PositionId> = posts.iter().map(|p| p.id).collect();
    let head_posts: Vec<PositionId> = posts
        .iter()
        .filter(|p| p.org_unit_id == unit_id)
        .filter(|p| p.supervisor_position_id.is_none_or(|s| !in_unit.contains(&s)))
        .map(|p| p.id)
        .collect();
    let head = people.iter().find(|e| e.position_id.is_some_and(|p| head_posts.contains(&p))).cloned();
    let current = current_of(period_rows(conn, &period)?);
    let final_of = |id: EmployeeId| current.get(&id).filter(|e| e.status == EvaluationStatus::Final);
    let unit_rating = unit_rating.or_else(|| {
        head.as_ref().and_then(|h| final_of(h.id)).and_then(|e| e.results_rating).map(UnitRating::from_head)
    });
    let below_head: Vec<&crate::employee::Employee> =
        people.iter().filter(|e| head.as_ref().is_none_or(|h| h.id != e.id)).collect();
    // The spread counts those rolled out by the period's last month (roles.md, Rollout).
    let rollout = crate::rollout::load(conn, period.agency_id)?;
    let (staff, not_rolled_out): (Vec<&crate::employee::Employee>, Vec<&crate::employee::Employee>) =
        below_head.into_iter().partition(|e| rollout.employee_rolled_out(e.id, period.ends_on));
    let predicates: Vec<Predicate> = staff.iter().filter_map(|e| final_of(e.id)).filter_map(|e| e.predicate).collect();
    let counts = Predicate::ALL
        .iter()
        .map(|p| (*p, i64::try_from(predicates.iter().filter(|x| *x == p).count()).unwrap_or(0)))
        .collect();
    let checks = unit_rating.map_or_else(Vec::new, |r| check_distribution(&predicates, &default_pattern(r)));
    Ok(Distribution {
        period,
        head,
        unit_rating,
        employees: i64::try_from(staff.len()).unwrap_or(0),
        not_rolled_out: i64::try_from(not_rolled_out.len()).unwrap_or(0),
        finalised: i64::try_from(predicates.len()).unwrap_or(0),
        counts,
        checks,
    })
}

/// One employee's year for the national civil-service system (BKN's SIASN).
#[derive(Debug, Clone, Serialize)]
pub struct SiasnRow {
    pub nip: String,
    pub name: String,
    pub year: i32,
    pub results_rating: Rating,
    pub behaviour_rating: Rating,
    pub predicate: Predicate,
    pub assessor_nip: Option<String>,
    pub assessor_name: Option<String>,
}

/// The final results of a performance year, per employee with a final annual evaluation, for
/// the HR office to upload to SIASN (a leader, the agency admin).
pub fn siasn_export(
    conn: &mut DbConnection,
    caller: &Caller,
    performance_period_id: Uuid,
) -> Result<Vec<SiasnRow>, StoreError> {
    use crate::schema::employees;
    let year = crate::period::get(conn, caller, performance_period_id)?;
    access::require_agency(conn, caller, year.agency_id.uuid(), Area::AgencyViews, Access::Read)?;
    let annual: Vec<EvaluationPeriodId> = evaluation_periods::table
        .filter(evaluation_periods::performance_period_id.eq(crate::key::bind(year.id)))
        .filter(evaluation_periods::kind.eq(crate::word::bind(PeriodKind::Annual)))
        .select(evaluation_periods::id)
        .load(conn)?;
    let rows: Vec<Evaluation> = evaluations::table
        .filter(evaluations::evaluation_period_id.eq_any(crate::key::binds(annual)))
        .select(Evaluation::as_select())
        .load(conn)?;
    let finals: Vec<Evaluation> =
        current_of(rows).into_values().filter(|e| e.status == EvaluationStatus::Final).collect();
    let mut ids: Vec<EmployeeId> = finals.iter().map(|e| e.employee_id).collect();
    ids.extend(finals.iter().filter_map(|e| e.evaluator_employee_id));
    let people: std::collections::HashMap<EmployeeId, (String, String)> = employees::table
        .filter(employees::id.eq_any(crate::key::binds(ids)))
        .select((employees::id, employees::nip, employees::name))
        .load::<(EmployeeId, String, String)>(conn)?
        .into_iter()
        .map(|(id, nip, name)| (id, (nip, name)))
        .collect();
    let mut out: Vec<SiasnRow> = Vec::with_capacity(finals.len());
    for e in finals {
        let Some((nip, name)) = people.get(&e.employee_id).cloned() else { continue };
        // Finalising requires both ratings and sets the predicate: a final one without is corrupt.
        let (Some(results_rating), Some(behaviour_rating), Some(predicate)) =
            (e.results_rating, e.behaviour_rating, e.predicate)
        else {
            return Err(StoreError::Corrupt(format!("final evaluation {} without its ratings", e.id)));
        };
        let assessor = e.evaluator_employee_id.as_ref().and_then(|a| people.get(a)).cloned();
        out.push(SiasnRow {
            nip,
            name,
            year: year.year,
            results_rating,
            behaviour_rating,
            predicate,
            assessor_nip: assessor.as_ref().map(|a| a.0.clone()),
            assessor_name: assessor.map(|a| a.1),
        });
    }
    out.sort_by(|a, b| a.nip.cmp(&b.nip));
    Ok(out)
}

/// The employee's own figure for an indicator.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = crate::schema::realisations, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct SelfAssessment {
    #[diesel(serialize_as = crate::key::Bind<EvaluationId>)]
    pub evaluation_id: EvaluationId,
    #[diesel(serialize_as = crate::key::Bind<IndicatorId>)]
    pub indicator_id: IndicatorId,
    pub quantity: i64,
    pub evidence_url: Option<String>,
    pub note: Option<String>,
    pub updated_at: NaiveDateTime,
}

/// An indicator's realisation in the period.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorRealisation {
    pub indicator: crate::agreement::Indicator,
    /// The part of the target falling in the period, where the breakdown gives it.
    pub period_target: Option<i64>,
    /// The output of the planned result's accepted logs in the period, offered where the result
    /// has this one indicator.
    pub prefilled: Option<i64>,
    /// What the employee stated, with evidence.
    pub self_assessment: Option<SelfAssessment>,
    /// The self-assessment, or else the pre-filled figure.
    pub realised: Option<i64>,
    /// `realised` against `period_target`, in basis points.
    pub achievement_bp: Option<i64>,
}

/// A planned result's work in the period, from accepted daily logs.
#[derive(Debug, Clone, Serialize)]
pub struct ResultRealisation {
    pub result: crate::agreement::PlannedResult,
    pub accepted_logs: i64,
    pub minutes: i64,
    pub output_quantity: i64,
    pub indicators: Vec<IndicatorRealisation>,
}

/// An evaluation's realisation, result by result.
#[derive(Debug, Clone, Serialize)]
pub struct Realisation {
    pub evaluation: Evaluation,
    pub period: EvaluationPeriod,
    pub results: Vec<ResultRealisation>,
}

#[derive(QueryableByName)]
struct LogTotals {
    #[diesel(sql_type = crate::key::Key<PlannedResultId>)]
    lineage_id: PlannedResultId,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    logs: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    minutes: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    output: i64,
}

/// Accepted logs per planned result lineage (so logs written against an earlier revision of the
/// agreement count for the same result).
const LOG_TOTALS_SQL: &str = "
SELECT pr.lineage_id AS lineage_id, COUNT(*) AS logs,
       CAST(SUM(dl.duration_minutes) AS BIGINT) AS minutes, CAST(SUM(dl.output_quantity) AS BIGINT) AS output
FROM daily_logs dl JOIN planned_results pr ON pr.id = dl.planned_result_id
WHERE dl.employee_id = $1 AND dl.log_date >= $2 AND dl.log_date <= $3 AND dl.status = $4
GROUP BY pr.lineage_id";

/// The realisation of an evaluation (whoever may read it): per planned result the accepted logs
/// of the period, per indicator the period's target, the pre-filled and the self-assessed figure.
pub fn realisation(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Realisation, StoreError> {
    use crate::schema::realisations;
    use diesel::sql_types::Date;
    use ekinerja_domain::evaluation::{achievement_bp, period_target};
    let d = get(conn, caller, id, now)?;
    let agreement: crate::agreement::Agreement = agreements::table
        .find(crate::key::bind(d.evaluation.agreement_id))
        .select(crate::agreement::Agreement::as_select())
        .first(conn)?;
    let detail = crate::agreement::detail(conn, agreement)?;
    let totals: std::collections::HashMap<PlannedResultId, LogTotals> = diesel::sql_query(LOG_TOTALS_SQL)
        .bind::<crate::key::Key<EmployeeId>, _>(crate::key::bind(d.evaluation.employee_id))
        .bind::<Date, _>(d.period.starts_on)
        .bind::<Date, _>(d.period.ends_on)
        .bind::<crate::word::Word, _>(crate::word::bind(ekinerja_domain::daily_log::LogStatus::Accepted))
        .load::<LogTotals>(conn)?
        .into_iter()
        .map(|t| (t.lineage_id, t))
        .collect();
    let mut stated: std::collections::HashMap<IndicatorId, SelfAssessment> = realisations::table
        .filter(realisations::evaluation_id.eq(crate::key::bind(d.evaluation.id)))
        .select(SelfAssessment::as_select())
        .load::<SelfAssessment>(conn)?
        .into_iter()
        .map(|s| (s.indicator_id, s))
        .collect();
    let kind = d.period.kind;
    let number = u32::try_from(d.period.number).unwrap_or(0);
    let results = detail
        .results
        .into_iter()
        .map(|r| {
            let t = totals.get(&r.result.lineage_id);
            let (logs, minutes, output) = t.map_or((0, 0, 0), |t| (t.logs, t.minutes, t.output));
            let single = r.indicators.len() == 1;
            let indicators = r
                .indicators
                .into_iter()
                .map(|i| {
                    let target =
                        period_target(i.indicator.target_quantity, i.indicator.breakdown, &i.targets, kind, number);
                    let prefilled = single.then_some(output);
                    let self_assessment = stated.remove(&i.indicator.id);
                    let realised = self_assessment.as_ref().map(|s| s.quantity).or(prefilled);
                    IndicatorRealisation {
                        achievement_bp: realised.and_then(|q| achievement_bp(q, target)),
                        indicator: i.indicator,
                        period_target: target,
                        prefilled,
                        self_assessment,
                        realised,
                    }
                })
                .collect();
            ResultRealisation { result: r.result, accepted_logs: logs, minutes, output_quantity: output, indicators }
        })
        .collect();
    Ok(Realisation { evaluation: d.evaluation, period: d.period, results })
}

/// What the employee states for an indicator.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub quantity: i64,
    pub evidence_url: Option<ekinerja_domain::daily_log::EvidenceUrl>,
    pub note: Option<Description>,
}

/// Records the employee's own realisation of an indicator in a draft evaluation (the employee).
pub fn assess(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    indicator_id: Uuid,
    a: Assessment,
    now: DateTime<Utc>,
) -> Result<SelfAssessment, StoreError> {
    use crate::schema::{indicators, realisations};
    crate::db::write(conn, |conn| {
        let d = get(conn, &change.caller, id, now)?;
        let s = standing(conn, &change.caller, d.evaluation.agency_id.uuid(), d.evaluation.employee_id.uuid(), now)?;
        access::decision_to_result(s.decide(Area::SelfAssessment, Access::Write))?;
        if d.evaluation.status != EvaluationStatus::Draft {
            return Err(StoreError::Conflict("the evaluation is final; its realisation no longer changes".into()));
        }
        let owned: i64 = indicators::table
            .filter(indicators::id.eq(crate::key::bind(IndicatorId::from(indicator_id))))
            .filter(indicators::agreement_id.eq(crate::key::bind(d.evaluation.agreement_id)))
            .count()
            .get_result(conn)?;
        if owned == 0 {
            return Err(StoreError::NotFound);
        }
        if a.quantity < 0 {
            return Err(StoreError::invalid("quantity", "must not be negative"));
        }
        let before: Option<SelfAssessment> = realisations::table
            .filter(realisations::evaluation_id.eq(crate::key::bind(d.evaluation.id)))
            .filter(realisations::indicator_id.eq(crate::key::bind(IndicatorId::from(indicator_id))))
            .select(SelfAssessment::as_select())
            .first(conn)
            .optional()?;
        let row = SelfAssessment {
            evaluation_id: d.evaluation.id,
            indicator_id: IndicatorId::from(indicator_id),
            quantity: a.quantity,
            evidence_url: a.evidence_url.map(|u| u.as_str().to_owned()),
            note: a.note.map(Description::into_inner),
            updated_at: change.at,
        };
        if before.is_some() {
            diesel::delete(
                realisations::table
                    .filter(realisations::evaluation_id.eq(crate::key::bind(row.evaluation_id)))
                    .filter(realisations::indicator_id.eq(crate::key::bind(row.indicator_id))),
            )
            .execute(conn)?;
        }
        diesel::insert_into(realisations::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(d.evaluation.agency_id),
            "assess",
            "evaluation",
            row.evaluation_id,
            before.as_ref(),
            Some(&row),
        )?;
        Ok(row)
    })
}
