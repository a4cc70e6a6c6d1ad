//! A planned result's realisation in a period: the output of accepted logs, pre-filled, and the
//! employee's own figures (self-assessment).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::evaluation::EvaluationStatus;
use ekinerja_domain::id::{EvaluationId, IndicatorId};
use ekinerja_domain::{Caller, Description};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::agreements;
use crate::{access, audit, Change, DbConnection, StoreError};

use super::{get, standing, Evaluation, EvaluationPeriod};

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
    /// The output of the planned result's accepted logs in the period that counts for this
    /// indicator: all of it for a result's only indicator, else the logs stating its unit.
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

/// The realisation of an evaluation (whoever may read it): per planned result the accepted logs
/// of the period, per indicator the period's target, the pre-filled and the self-assessed figure.
pub fn realisation(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Realisation, StoreError> {
    use crate::schema::realisations;
    use ekinerja_domain::evaluation::{achievement_bp, period_target};
    let d = get(conn, caller, id, now)?;
    let agreement: crate::agreement::Agreement = agreements::table
        .find(crate::key::bind(d.evaluation.agreement_id))
        .select(crate::agreement::Agreement::as_select())
        .first(conn)?;
    let detail = crate::agreement::detail(conn, agreement)?;
    let outputs =
        crate::progress::accepted_output(conn, d.evaluation.employee_id, d.period.starts_on, d.period.ends_on)?;
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
            let o = outputs.get(&r.result.lineage_id).cloned().unwrap_or_default();
            let (per, _) = o.attributed(&r);
            let indicators = r
                .indicators
                .into_iter()
                .zip(per)
                .map(|(i, attributed)| {
                    let target =
                        period_target(i.indicator.target_quantity, i.indicator.breakdown, &i.targets, kind, number);
                    let prefilled = Some(attributed);
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
            ResultRealisation {
                result: r.result,
                accepted_logs: o.logs,
                minutes: o.minutes,
                output_quantity: o.output,
                indicators,
            }
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
    /// Evidence files uploaded before (`/api/v1/files`), the employee's own and proving no other
    /// record; added to those the realisation has.
    pub evidence_file_ids: Vec<Uuid>,
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
        let files = crate::evidence::claim(conn, d.evaluation.employee_id, &a.evidence_file_ids, "evidence_file_ids")?;
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
        crate::evidence::attach(
            conn,
            crate::evidence::Proves::Realisation(row.evaluation_id, row.indicator_id),
            &files,
        )?;
        audit::record(
            conn,
            change,
            Some(d.evaluation.agency_id),
            AuditAction::Assess,
            AuditEntity::Evaluation,
            row.evaluation_id,
            before.as_ref(),
            Some(&row),
        )?;
        Ok(row)
    })
}
