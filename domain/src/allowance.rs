//! The performance allowance (TPP): the monthly amount from the performance factor and the
//! discipline factor, exactly as `allowance.md` defines it. Money is integer rupiah, percentages
//! integer basis points; rounding happens only in the two floors, so a payroll export adds up.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::evaluation::Predicate;
use crate::field::Field;

/// What the performance factor rests on *(policy)*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PerformanceBasis {
    /// The predicate of the final evaluation covering the month (the default).
    Predicate,
    /// Approved daily-log minutes against a target (Purbalingga's "70% is productivity").
    Productivity,
}

/// The allowance policy in force for a month *(policy; defaults from the domain guide)*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowancePolicy {
    pub basis: PerformanceBasis,
    /// Weight of performance, bp (default 7,000).
    pub performance_weight_bp: i64,
    /// Weight of discipline, bp (default 3,000); the two add up to 10,000.
    pub discipline_weight_bp: i64,
    /// Performance factor per predicate, bp: 10,000 / 10,000 / 9,000 / 8,500 / 8,000.
    pub predicate_factors: [(Predicate, i64); 5],
    /// Productivity basis: target minutes per working day not excused (default 300).
    pub target_minutes_per_day: i64,
}

impl Default for AllowancePolicy {
    fn default() -> Self {
        AllowancePolicy {
            basis: PerformanceBasis::Predicate,
            performance_weight_bp: 7_000,
            discipline_weight_bp: 3_000,
            predicate_factors: [
                (Predicate::VeryGood, 10_000),
                (Predicate::Good, 10_000),
                (Predicate::NeedsImprovement, 9_000),
                (Predicate::Poor, 8_500),
                (Predicate::VeryPoor, 8_000),
            ],
            target_minutes_per_day: 300,
        }
    }
}

impl AllowancePolicy {
    /// The performance factor of a predicate.
    pub fn predicate_factor(&self, p: Predicate) -> i64 {
        self.predicate_factors.iter().find(|(q, _)| *q == p).map_or(0, |(_, f)| *f)
    }

    /// The productivity factor: approved log minutes per day (each capped at the agency's daily
    /// cap, the one setting that also caps log entry) against the target for
    /// `working_days_not_excused`; 10,000 when there is no target.
    pub fn productivity_factor(
        &self,
        daily_cap_minutes: i64,
        minutes_per_day: &[(NaiveDate, i64)],
        working_days_not_excused: i64,
    ) -> i64 {
        let target = self.target_minutes_per_day.saturating_mul(working_days_not_excused.max(0));
        if target == 0 {
            return 10_000;
        }
        (capped_minutes(daily_cap_minutes, minutes_per_day).saturating_mul(10_000) / target).min(10_000)
    }
}

/// Log minutes of each day counted at most up to the daily cap.
fn capped_minutes(daily_cap_minutes: i64, minutes_per_day: &[(NaiveDate, i64)]) -> i64 {
    minutes_per_day.iter().map(|(_, m)| (*m).clamp(0, daily_cap_minutes.max(0))).sum()
}

/// Everything an agency sets for its allowance and its attendance discipline *(policy)*,
/// versioned by the month it takes effect; the defaults are the domain guide's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AgencyPolicy {
    pub allowance: AllowancePolicy,
    pub discipline: crate::discipline::DisciplinePolicy,
    /// The monthly base amount per position class (kelas jabatan), rupiah; a class missing here
    /// is paid nothing until the agency sets it.
    pub base_amounts: Vec<(i32, i64)>,
}

/// The largest base amount accepted, rupiah (a sanity bound against a mistyped zero).
pub const MAX_BASE_AMOUNT: i64 = 1_000_000_000;

/// The most minutes a deduction band may reach: a day's (lateness and leaving early are counted
/// per day, so a band past it means no more than one of 1,440).
pub const MAX_BAND_MINUTES: u32 = 1_440;

impl AgencyPolicy {
    /// Every rule the policy breaks, as `(field, reason)` in the API's field names, for an agency
    /// whose daily log cap is `daily_cap_minutes` (a target above it could never be met).
    pub fn problems(&self, daily_cap_minutes: i64) -> Vec<(Field, String)> {
        let mut out = Vec::new();
        let mut bad = |p: Field, why: String| out.push((p, why));
        let a = &self.allowance;
        let bp = |v: i64| (0..=10_000).contains(&v);
        if !bp(a.performance_weight_bp) || !bp(a.discipline_weight_bp) {
            bad("performance_weight_bp".into(), "weights are 0 to 10,000 bp".into());
        } else if a.performance_weight_bp + a.discipline_weight_bp != 10_000 {
            bad("discipline_weight_bp".into(), "the two weights add up to 10,000 bp".into());
        }
        for (p, f) in &a.predicate_factors {
            if !bp(*f) {
                bad(Field::named("predicate_factors_bp").key(p), "must be 0 to 10,000 bp".into());
            }
        }
        // The target matters on the productivity basis only, where a day counts up to the cap.
        let most = if a.basis == PerformanceBasis::Productivity { daily_cap_minutes } else { 1_440 };
        if a.target_minutes_per_day < 1 || a.target_minutes_per_day > most {
            bad(
                "target_minutes_per_day".into(),
                format!("must be 1 to {most}: on the productivity basis, the agency's daily log cap (daily_log_cap_minutes)"),
            );
        }
        let d = &self.discipline;
        let mut last = 0u32;
        for (i, (upto, deduction)) in d.bands.iter().enumerate() {
            if *upto <= last {
                bad(
                    Field::named("deduction_bands").at(i).then("up_to_minutes"),
                    "bands go up in minutes, from 1".into(),
                );
            } else if *upto > MAX_BAND_MINUTES {
                bad(
                    Field::named("deduction_bands").at(i).then("up_to_minutes"),
                    format!("at most {MAX_BAND_MINUTES}: a band counts the minutes late or early of one day"),
                );
            }
            if !bp(*deduction) {
                bad(Field::named("deduction_bands").at(i).then("deduction_bp"), "must be 0 to 10,000 bp".into());
            }
            last = *upto;
        }
        for (p, v) in [
            ("over_deduction_bp", d.over_bp),
            ("no_record_deduction_bp", d.no_record_bp),
            ("absent_deduction_bp", d.absent_bp),
            ("deduction_cap_bp", d.cap_bp),
        ] {
            if !bp(v) {
                bad(p.into(), "must be 0 to 10,000 bp".into());
            }
        }
        if d.tolerance_minutes > 600 {
            bad("late_tolerance_minutes".into(), "at most 600 minutes a month".into());
        }
        let mut seen = Vec::new();
        for (i, (class, base)) in self.base_amounts.iter().enumerate() {
            if !(1..=17).contains(class) || seen.contains(class) {
                bad(Field::named("base_amounts").at(i).then("class"), "a position class 1 to 17, each once".into());
            }
            if !(0..=MAX_BASE_AMOUNT).contains(base) {
                bad(
                    Field::named("base_amounts").at(i).then("amount"),
                    format!("must be 0 to {MAX_BASE_AMOUNT} rupiah"),
                );
            }
            seen.push(*class);
        }
        out
    }

    /// The base amount of a position class, if the agency set one.
    pub fn base(&self, class: i32) -> Option<i64> {
        self.base_amounts.iter().find(|(c, _)| *c == class).map(|(_, b)| *b)
    }
}

/// Why an employee gets no amount in a month's run yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Pending {
    /// The predicate basis, and no final evaluation covers the month: paid by a later run.
    NoFinalPredicate,
    /// The agency set no base amount for the employee's position class.
    NoBaseAmount { class: i32 },
}

impl Pending {
    /// The reason, as run lines give it (`pending_reason`).
    pub fn reason(self) -> PendingReason {
        match self {
            Pending::NoFinalPredicate => PendingReason::NoFinalPredicate,
            Pending::NoBaseAmount { .. } => PendingReason::NoBaseAmount,
        }
    }
}

word_enum! {
    /// A run's status.
    RunStatus {
        /// Recomputed on demand until approved.
        Draft => "draft",
        /// Frozen; a correction is a new run.
        Approved => "approved",
    }
}

/// Why a run cannot be approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RunStepError {
    /// Approving twice.
    #[error("the run is approved already; compute the month again to correct it")]
    ApprovedAlready,
}

impl RunStatus {
    /// The state after approval: only a draft is approved.
    pub fn approve(self) -> Result<RunStatus, RunStepError> {
        match self {
            RunStatus::Draft => Ok(RunStatus::Approved),
            RunStatus::Approved => Err(RunStepError::ApprovedAlready),
        }
    }
}

word_enum! {
    /// What a run line holds (allowance.md; roles.md, Rollout).
    LineStatus {
        /// An amount, with its breakdown.
        Computed => "computed",
        /// No amount yet (see the reason): paid by a later run.
        Pending => "pending",
        /// The employee's unit is not rolled out in the month: no amount, not in the totals.
        NotRolledOut => "not_rolled_out",
    }
}

word_enum! {
    /// Why a line is pending.
    PendingReason {
        /// The predicate basis, and no final evaluation covers the month.
        NoFinalPredicate => "no_final_predicate",
        /// The agency set no base amount for the employee's position class.
        NoBaseAmount => "no_base_amount",
    }
}

/// One employee's month, explainable line by line: the base, both factors, every discipline
/// line (day, reason, deduction) and the amount in its two parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = AllowanceBreakdown))]
pub struct Breakdown {
    pub class: i32,
    /// Rupiah a month for the class.
    pub base: i64,
    pub basis: PerformanceBasis,
    /// The final predicate covering the month (predicate basis).
    pub predicate: Option<Predicate>,
    /// Approved log minutes counted, after the daily cap (productivity basis).
    pub productive_minutes: Option<i64>,
    /// The agency's daily log cap the minutes were counted up to (productivity basis).
    pub daily_cap_minutes: Option<i64>,
    /// Target minutes (productivity basis).
    pub target_minutes: Option<i64>,
    pub performance_factor_bp: i64,
    pub discipline: crate::discipline::MonthDiscipline,
    pub amount: Amount,
}

/// An employee's allowance for a month under `policy`, per `allowance.md`: the discipline of the
/// month's days, the performance factor from the final predicate (or from approved log minutes
/// on the productivity basis), and the two floored parts.
pub fn compute(
    policy: &AgencyPolicy,
    daily_cap_minutes: i64,
    class: i32,
    predicate: Option<Predicate>,
    days: &[crate::discipline::DayRecord],
    approved_minutes: &[(NaiveDate, i64)],
) -> Result<Breakdown, Pending> {
    let base = policy.base(class).ok_or(Pending::NoBaseAmount { class })?;
    let discipline = crate::discipline::month(days, &policy.discipline);
    let a = &policy.allowance;
    let (performance_factor_bp, productive_minutes, target_minutes) = match a.basis {
        PerformanceBasis::Predicate => {
            let p = predicate.ok_or(Pending::NoFinalPredicate)?;
            (a.predicate_factor(p), None, None)
        }
        PerformanceBasis::Productivity => {
            let days_to_work = i64::from(discipline.working_days) - i64::from(discipline.excused_days);
            let minutes = capped_minutes(daily_cap_minutes, approved_minutes);
            let target = a.target_minutes_per_day.saturating_mul(days_to_work.max(0));
            (a.productivity_factor(daily_cap_minutes, approved_minutes, days_to_work), Some(minutes), Some(target))
        }
    };
    let amount = amount(base, a, performance_factor_bp, discipline.factor_bp);
    Ok(Breakdown {
        class,
        base,
        basis: a.basis,
        predicate,
        productive_minutes,
        daily_cap_minutes: productive_minutes.map(|_| daily_cap_minutes),
        target_minutes,
        performance_factor_bp,
        discipline,
        amount,
    })
}

/// A month's amount, in its two parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Amount {
    /// floor(base × w_perf × pf / 100,000,000).
    pub performance_part: i64,
    /// floor(base × w_disc × df / 100,000,000).
    pub discipline_part: i64,
    /// The sum of the two parts.
    pub total: i64,
}

/// The amount for a base (rupiah, by position class), a performance factor and a discipline
/// factor (bp). Computed in 128-bit integers, so no base an agency pays can overflow.
pub fn amount(base: i64, policy: &AllowancePolicy, performance_factor_bp: i64, discipline_factor_bp: i64) -> Amount {
    let part = |weight: i64, factor: i64| -> i64 {
        let v = i128::from(base) * i128::from(weight) * i128::from(factor) / 100_000_000;
        i64::try_from(v).unwrap_or(i64::MAX)
    };
    let performance_part = part(policy.performance_weight_bp, performance_factor_bp);
    let discipline_part = part(policy.discipline_weight_bp, discipline_factor_bp);
    Amount { performance_part, discipline_part, total: performance_part + discipline_part }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_draft_run_is_approved() {
        assert_eq!(RunStatus::Draft.approve(), Ok(RunStatus::Approved));
        assert_eq!(RunStatus::Approved.approve(), Err(RunStepError::ApprovedAlready));
    }
    use crate::discipline::{month, DisciplinePolicy};

    #[test]
    fn worked_example_a() {
        // Predicate basis, 70/30, base 4,000,000, predicate good, November as in allowance.md.
        let days = crate::discipline::tests::example_a();
        let discipline = month(&days, &DisciplinePolicy::default());
        let policy = AllowancePolicy::default();
        let pf = policy.predicate_factor(Predicate::Good);
        let a = amount(4_000_000, &policy, pf, discipline.factor_bp);
        assert_eq!(a, Amount { performance_part: 2_800_000, discipline_part: 1_074_000, total: 3_874_000 });
    }

    #[test]
    fn worked_example_b() {
        // Productivity basis, 60/40, base 3,250,000: two days of leave, so 19 × 300 = 5,700
        // target minutes; 5,251 approved minutes after the daily cap; D = 1,100.
        let policy = AllowancePolicy {
            basis: PerformanceBasis::Productivity,
            performance_weight_bp: 6_000,
            discipline_weight_bp: 4_000,
            ..AllowancePolicy::default()
        };
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        // 11 days of 450 (one logged 500, capped) + 1 day of 301 = 5,251.
        let mut minutes: Vec<(NaiveDate, i64)> = (2..=12).map(|d| (day(d), 450)).collect();
        minutes[0].1 = 500;
        minutes.push((day(13), 301));
        let pf = policy.productivity_factor(450, &minutes, 19);
        assert_eq!(pf, 9_212);
        let a = amount(3_250_000, &policy, pf, 10_000 - 1_100);
        assert_eq!(a, Amount { performance_part: 1_796_340, discipline_part: 1_157_000, total: 2_953_340 });
    }

    #[test]
    fn each_predicate_factor_and_the_rounding_rule() {
        let policy = AllowancePolicy::default();
        let table = [
            (Predicate::VeryGood, 10_000),
            (Predicate::Good, 10_000),
            (Predicate::NeedsImprovement, 9_000),
            (Predicate::Poor, 8_500),
            (Predicate::VeryPoor, 8_000),
        ];
        for (p, f) in table {
            assert_eq!(policy.predicate_factor(p), f, "{p}");
        }
        // 1,234,567 × 7,000 × 8,500 / 10^8 = 734,567.365 → 734,567 (floor, never rounded up);
        // 1,234,567 × 3,000 × 9,999 / 10^8 = 370,333.07… → 370,333.
        let a = amount(1_234_567, &policy, 8_500, 9_999);
        assert_eq!(a, Amount { performance_part: 734_567, discipline_part: 370_333, total: 1_104_900 });
        assert_eq!(policy.productivity_factor(450, &[], 0), 10_000, "no target: full factor");
        assert_eq!(policy.productivity_factor(450, &[(NaiveDate::MIN, 9_000)], 1), 10_000, "capped at 100%");
    }
    #[test]
    fn a_policy_names_every_rule_it_breaks() {
        assert!(AgencyPolicy::default().problems(450).is_empty());
        // The target is measured against the agency's daily log cap, the one setting, but only
        // on the productivity basis.
        let mut productive = AgencyPolicy::default();
        assert!(productive.problems(240).is_empty(), "the predicate basis has no use for the target");
        productive.allowance.basis = PerformanceBasis::Productivity;
        let over: Vec<String> = productive.problems(240).into_iter().map(|(field, _)| field.to_string()).collect();
        assert_eq!(over, ["target_minutes_per_day"]);
        let mut p = AgencyPolicy::default();
        p.allowance.performance_weight_bp = 6_000;
        p.discipline.bands = vec![(30, 50), (20, 100), (1_440, 150), (1_441, 200)];
        p.discipline.tolerance_minutes = 900;
        p.base_amounts = vec![(5, 2_000_000), (5, 1), (18, -1)];
        let fields: Vec<String> = p.problems(450).into_iter().map(|(field, _)| field.to_string()).collect();
        assert_eq!(
            fields,
            [
                "discipline_weight_bp",
                "deduction_bands/1/up_to_minutes",
                "deduction_bands/3/up_to_minutes",
                "late_tolerance_minutes",
                "base_amounts/1/class",
                "base_amounts/2/class",
                "base_amounts/2/amount",
            ]
        );
        assert_eq!(
            AgencyPolicy { base_amounts: vec![(9, 5_000_000)], ..AgencyPolicy::default() }.base(9),
            Some(5_000_000)
        );
    }
    #[test]
    fn both_worked_examples_through_compute_and_what_stays_pending() {
        use crate::discipline::tests::{example_a, november, t};
        let a_policy = AgencyPolicy { base_amounts: vec![(9, 4_000_000)], ..AgencyPolicy::default() };
        let a = compute(&a_policy, 450, 9, Some(Predicate::Good), &example_a(), &[]).unwrap();
        assert_eq!((a.amount.total, a.discipline.deduction_bp, a.performance_factor_bp), (3_874_000, 1_050, 10_000));
        assert_eq!(a.discipline.lines.len(), 10, "every line that deducted or was forgiven");

        // B: productivity 60/40, base 3,250,000; leave on the 16th and 17th, no record on the
        // 19th and 20th, 08:10 on the 3rd (40 minutes late).
        let b_policy = AgencyPolicy {
            allowance: AllowancePolicy {
                basis: PerformanceBasis::Productivity,
                performance_weight_bp: 6_000,
                discipline_weight_bp: 4_000,
                ..AllowancePolicy::default()
            },
            base_amounts: vec![(7, 3_250_000)],
            ..AgencyPolicy::default()
        };
        let days = november(&[
            (3, vec![t(8, 10, 0)], vec![t(16, 5, 0)], false),
            (16, vec![], vec![], true),
            (17, vec![], vec![], true),
            (19, vec![], vec![], false),
            (20, vec![], vec![], false),
        ]);
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        let mut minutes: Vec<(NaiveDate, i64)> = (2..=12).map(|d| (day(d), 450)).collect();
        minutes[0].1 = 500;
        minutes.push((day(13), 301));
        let b = compute(&b_policy, 450, 7, None, &days, &minutes).unwrap();
        assert_eq!((b.productive_minutes, b.target_minutes), (Some(5_251), Some(5_700)));
        assert_eq!((b.performance_factor_bp, b.discipline.deduction_bp), (9_212, 1_100));
        assert_eq!(b.amount.total, 2_953_340);

        assert_eq!(compute(&a_policy, 450, 9, None, &example_a(), &[]), Err(Pending::NoFinalPredicate));
        assert_eq!(
            compute(&a_policy, 450, 5, Some(Predicate::Good), &example_a(), &[]),
            Err(Pending::NoBaseAmount { class: 5 })
        );
    }
}
