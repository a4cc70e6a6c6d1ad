//! Periodic evaluation: the three-step rating scale and the performance predicate that follows
//! from the results and work-behaviour ratings (PermenPANRB 6/2022).

use chrono::NaiveDate;

word_enum! {
    /// The three-step scale used for both results (hasil kerja) and work behaviour (perilaku
    /// kerja).
    Rating {
        /// Di atas ekspektasi.
        AboveExpectation => "above_expectation",
        /// Sesuai ekspektasi.
        AsExpected => "as_expected",
        /// Di bawah ekspektasi.
        BelowExpectation => "below_expectation",
    }
}

impl Rating {
    /// The regulation's own words (PermenPANRB 6/2022), as BKN's SIASN reads them.
    pub fn label(self) -> &'static str {
        match self {
            Rating::AboveExpectation => "Di Atas Ekspektasi",
            Rating::AsExpected => "Sesuai Ekspektasi",
            Rating::BelowExpectation => "Di Bawah Ekspektasi",
        }
    }
}

word_enum! {
    /// The performance predicate (predikat kinerja pegawai).
    Predicate {
        /// Sangat Baik.
        VeryGood => "very_good",
        /// Baik.
        Good => "good",
        /// Butuh Perbaikan.
        NeedsImprovement => "needs_improvement",
        /// Kurang (or misconduct).
        Poor => "poor",
        /// Sangat Kurang.
        VeryPoor => "very_poor",
    }
}

impl Predicate {
    /// The regulation's own words (PermenPANRB 6/2022), as BKN's SIASN reads them.
    pub fn label(self) -> &'static str {
        match self {
            Predicate::VeryGood => "Sangat Baik",
            Predicate::Good => "Baik",
            Predicate::NeedsImprovement => "Butuh Perbaikan",
            Predicate::Poor => "Kurang",
            Predicate::VeryPoor => "Sangat Kurang",
        }
    }
}

word_enum! {
    /// The seven BerAKHLAK core values of work behaviour.
    CoreValue {
        /// Berorientasi Pelayanan (service-oriented).
        ServiceOriented => "service_oriented",
        /// Akuntabel (accountable).
        Accountable => "accountable",
        /// Kompeten (competent).
        Competent => "competent",
        /// Harmonis (harmonious).
        Harmonious => "harmonious",
        /// Loyal.
        Loyal => "loyal",
        /// Adaptif (adaptive).
        Adaptive => "adaptive",
        /// Kolaboratif (collaborative).
        Collaborative => "collaborative",
    }
}

word_enum! {
    /// How often an agency evaluates during the year *(policy)*; the year-end evaluation comes
    /// on top.
    Cadence {
        /// Every month.
        Monthly => "monthly",
        /// Every quarter (the minimum).
        Quarterly => "quarterly",
    }
}

word_enum! {
    /// The span an evaluation period covers.
    PeriodKind {
        /// One month (`number` 1–12).
        Monthly => "monthly",
        /// One quarter (`number` 1–4).
        Quarterly => "quarterly",
        /// The whole year (`number` 1).
        Annual => "annual",
    }
}

word_enum! {
    /// Whether an evaluation period still takes logs and corrections in place.
    PeriodStatus {
        /// Logs of its days may be written and reviewed.
        Open => "open",
        /// Its logs are locked; corrections of evaluations are new revisions.
        Closed => "closed",
    }
}

word_enum! {
    /// Where an evaluation is in its workflow.
    EvaluationStatus {
        /// Being rated by the evaluator: nothing counts yet, ratings may change.
        Draft => "draft",
        /// Finalised with its predicate: changes only through a revision.
        Final => "final",
    }
}

/// Something done to an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationStep {
    /// The evaluator sets ratings or feedback.
    Rate,
    /// The evaluator finalises it; the predicate follows from the ratings.
    Finalise,
    /// The evaluator opens a correction of it: a new draft revision.
    Revise,
}

/// Why a step is refused in an evaluation's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationStepError {
    /// Rating a final evaluation.
    #[error("a final evaluation does not change; revise it to correct it")]
    FinalUnchanged,
    /// Finalising twice.
    #[error("the evaluation is final already")]
    FinalAlready,
    /// Revising a draft, or a final one a later revision superseded.
    #[error("only the current final evaluation is revised")]
    NotCurrentFinal,
}

impl EvaluationStatus {
    /// The state `step` leads to: the evaluation's own for rating and finalising, the new
    /// revision's for a revision. `superseded`: a later revision was finalised over this one.
    pub fn apply(self, step: EvaluationStep, superseded: bool) -> Result<EvaluationStatus, EvaluationStepError> {
        use EvaluationStatus::*;
        match (step, self) {
            (EvaluationStep::Rate, Draft) => Ok(Draft),
            (EvaluationStep::Rate, Final) => Err(EvaluationStepError::FinalUnchanged),
            (EvaluationStep::Finalise, Draft) => Ok(Final),
            (EvaluationStep::Finalise, Final) => Err(EvaluationStepError::FinalAlready),
            (EvaluationStep::Revise, Final) if !superseded => Ok(Draft),
            (EvaluationStep::Revise, _) => Err(EvaluationStepError::NotCurrentFinal),
        }
    }
}

/// Whether `candidate` rather than `current` is the revision that counts for an employee in a
/// period (neither superseded), each given as status and revision number: a finished correction
/// takes over, and until then the final one counts.
pub fn counts_over(current: (EvaluationStatus, i32), candidate: (EvaluationStatus, i32)) -> bool {
    (current.0 == EvaluationStatus::Draft && candidate.0 == EvaluationStatus::Final)
        || (current.0 == candidate.0 && candidate.1 > current.1)
}

/// An evaluation period that cannot exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// The number does not fit the kind.
    #[error("{0} periods are numbered 1 to {1}")]
    Number(&'static str, u32),
    /// The agency evaluates quarterly, so no monthly periods.
    #[error("the agency evaluates {0}; open {0} or annual periods")]
    Cadence(&'static str),
}

impl PeriodKind {
    /// The first and last day of period `number` of `year`, checked against the agency's cadence.
    pub fn span(self, year: i32, number: u32, cadence: Cadence) -> Result<(NaiveDate, NaiveDate), PeriodError> {
        let (months, count) = match self {
            PeriodKind::Monthly => (1, 12),
            PeriodKind::Quarterly => (3, 4),
            PeriodKind::Annual => (12, 1),
        };
        if self == PeriodKind::Monthly && cadence == Cadence::Quarterly {
            return Err(PeriodError::Cadence(cadence.as_str()));
        }
        if number < 1 || number > count {
            return Err(PeriodError::Number(self.as_str(), count));
        }
        let first_month = (number - 1) * months + 1;
        let start = NaiveDate::from_ymd_opt(year, first_month, 1).ok_or(PeriodError::Number(self.as_str(), count))?;
        let end = start
            .checked_add_months(chrono::Months::new(months))
            .and_then(|d| d.pred_opt())
            .ok_or(PeriodError::Number(self.as_str(), count))?;
        Ok((start, end))
    }
}

/// What an evaluation still lacks before it can be finalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.join("; "))]
pub struct Missing(pub Vec<String>);

/// The ratings of an evaluation as they stand.
#[derive(Debug, Clone, Default)]
pub struct Ratings {
    /// Results (hasil kerja).
    pub results: Option<Rating>,
    /// Work behaviour overall.
    pub behaviour: Option<Rating>,
    /// Each core value rated so far.
    pub values: Vec<(CoreValue, Rating)>,
}

/// The predicate of a complete evaluation, or every rating still missing: the results rating,
/// the overall behaviour rating and a rating for each of the seven core values are required.
pub fn finalise(r: &Ratings) -> Result<Predicate, Missing> {
    let mut missing = Vec::new();
    if r.results.is_none() {
        missing.push("results_rating is required".to_owned());
    }
    if r.behaviour.is_none() {
        missing.push("behaviour_rating is required".to_owned());
    }
    for value in CoreValue::ALL {
        if !r.values.iter().any(|(v, _)| v == value) {
            missing.push(format!("core value {value} is not rated"));
        }
    }
    match (r.results, r.behaviour) {
        (Some(results), Some(behaviour)) if missing.is_empty() => Ok(predicate(results, behaviour)),
        _ => Err(Missing(missing)),
    }
}

word_enum! {
    /// A unit's organisational rating, which sets the pattern its employees' predicates must fit.
    UnitRating {
        /// Istimewa.
        Outstanding => "outstanding",
        /// Baik.
        Good => "good",
        /// Butuh Perbaikan.
        NeedsImprovement => "needs_improvement",
        /// Kurang.
        Poor => "poor",
        /// Sangat Kurang.
        VeryPoor => "very_poor",
    }
}

impl UnitRating {
    /// The organisational rating that follows from the unit head's final predicate where no other
    /// is given, one for one over all five values: Sangat Baik is Istimewa, Baik is Baik, Butuh
    /// Perbaikan, Kurang and Sangat Kurang are themselves.
    pub fn from_head(predicate: Predicate) -> Self {
        match predicate {
            Predicate::VeryGood => UnitRating::Outstanding,
            Predicate::Good => UnitRating::Good,
            Predicate::NeedsImprovement => UnitRating::NeedsImprovement,
            Predicate::Poor => UnitRating::Poor,
            Predicate::VeryPoor => UnitRating::VeryPoor,
        }
    }
}

/// A bound on the share (or number) of a unit's employees with some predicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "kind", content = "value", deny_unknown_fields)]
pub enum Bound {
    /// At most this share, in basis points.
    AtMostBp(i64),
    /// At least this share, in basis points.
    AtLeastBp(i64),
    /// At least this many employees.
    AtLeastCount(i64),
}

/// One rule of a distribution pattern: the employees whose predicate is one of `predicates`
/// must respect `bound`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DistributionRule {
    pub predicates: Vec<Predicate>,
    pub bound: Bound,
}

/// The pattern a unit's spread of predicates must fit for its rating *(policy)*; the defaults
/// are those of SE MenPANRB 3/2023 as the domain guide gives them.
pub fn default_pattern(rating: UnitRating) -> Vec<DistributionRule> {
    use Predicate::*;
    let rule = |predicates: &[Predicate], bound| DistributionRule { predicates: predicates.to_vec(), bound };
    match rating {
        UnitRating::Outstanding => vec![rule(&[VeryGood], Bound::AtMostBp(7_000))],
        UnitRating::Good => {
            vec![rule(&[Good], Bound::AtMostBp(7_000)), rule(&[NeedsImprovement, Poor], Bound::AtLeastCount(1))]
        }
        UnitRating::NeedsImprovement => {
            vec![rule(&[NeedsImprovement], Bound::AtLeastBp(6_000)), rule(&[VeryGood], Bound::AtMostBp(1_000))]
        }
        UnitRating::Poor => vec![
            rule(&[Poor], Bound::AtLeastBp(6_000)),
            rule(&[NeedsImprovement], Bound::AtLeastBp(1_000)),
            rule(&[VeryGood], Bound::AtMostBp(1_000)),
        ],
        UnitRating::VeryPoor => vec![
            rule(&[VeryPoor], Bound::AtLeastBp(6_000)),
            rule(&[Poor, NeedsImprovement], Bound::AtLeastBp(1_000)),
            rule(&[VeryGood], Bound::AtMostBp(0)),
        ],
    }
}

/// The most rules a pattern holds.
pub const MAX_PATTERN_RULES: usize = 10;

/// Every reason a pattern an agency sets cannot be kept or read, as `(field, reason)` with the
/// field under the pattern's `rules`: at most ten rules, each over one or more distinct
/// predicates with a share of 0 to 10,000 bp or a count of 0 to 1,000; and no two rules that no
/// spread could keep together (shares "at least" of disjoint predicates adding up past 100%, or
/// "at least" a share of predicates that another rule allows "at most" less of).
pub fn pattern_problems(rules: &[DistributionRule]) -> Vec<(crate::field::Field, String)> {
    use crate::field::Field;
    let mut out = Vec::new();
    let at = |i: usize| Field::named("rules").at(i);
    if rules.len() > MAX_PATTERN_RULES {
        out.push((Field::named("rules"), format!("at most {MAX_PATTERN_RULES} rules")));
    }
    for (i, r) in rules.iter().enumerate() {
        let distinct: std::collections::HashSet<&Predicate> = r.predicates.iter().collect();
        if r.predicates.is_empty() || distinct.len() != r.predicates.len() {
            out.push((at(i).then("predicates"), "one or more predicates, each once".into()));
        }
        let fine = match r.bound {
            Bound::AtMostBp(v) | Bound::AtLeastBp(v) => (0..=10_000).contains(&v),
            Bound::AtLeastCount(n) => (0..=1_000).contains(&n),
        };
        if !fine {
            out.push((at(i).then("bound").then("value"), "a share is 0 to 10,000 bp, a count 0 to 1,000".into()));
        }
    }
    if !out.is_empty() {
        return out;
    }
    // Rules no spread could keep together, each named once at the last rule of the clash.
    let mut clashing = std::collections::BTreeSet::new();
    let within = |a: &DistributionRule, b: &DistributionRule| a.predicates.iter().all(|p| b.predicates.contains(p));
    for (i, r) in rules.iter().enumerate() {
        for other in &rules[..i] {
            let clash = match (r.bound, other.bound) {
                (Bound::AtLeastBp(least), Bound::AtMostBp(most)) => within(r, other) && least > most,
                (Bound::AtMostBp(most), Bound::AtLeastBp(least)) => within(other, r) && least > most,
                // Someone with one of these predicates, where none may be.
                (Bound::AtLeastCount(n), Bound::AtMostBp(0)) => n > 0 && within(r, other),
                (Bound::AtMostBp(0), Bound::AtLeastCount(n)) => n > 0 && within(other, r),
                _ => false,
            };
            if clash {
                clashing.insert(i);
            }
        }
    }
    // Groups of rules over disjoint predicates: "at least" shares adding up past 100%, or "at
    // most" shares covering every predicate yet adding up to less than 100%.
    let n = rules.len().min(MAX_PATTERN_RULES);
    for mask in 1u32..(1u32 << n) {
        let members: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
        let disjoint = members.iter().enumerate().all(|(k, a)| {
            members[..k].iter().all(|b| rules[*a].predicates.iter().all(|p| !rules[*b].predicates.contains(p)))
        });
        if !disjoint {
            continue;
        }
        let shares = |at_least: bool| -> Option<i64> {
            members
                .iter()
                .map(|m| match (rules[*m].bound, at_least) {
                    (Bound::AtLeastBp(v), true) | (Bound::AtMostBp(v), false) => Some(v),
                    _ => None,
                })
                .sum()
        };
        let covered = Predicate::ALL.iter().all(|p| members.iter().any(|m| rules[*m].predicates.contains(p)));
        let too_much = members.len() > 1 && shares(true).is_some_and(|sum| sum > 10_000);
        let too_little = covered && shares(false).is_some_and(|sum| sum < 10_000);
        if too_much || too_little {
            if let Some(last) = members.last() {
                clashing.insert(*last);
            }
        }
    }
    for i in clashing {
        out.push((at(i).then("bound"), "no spread of predicates could keep this rule and the ones before it".into()));
    }
    out
}

/// How a unit's spread stands against one rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleCheck {
    pub rule: DistributionRule,
    /// Employees with one of the rule's predicates.
    pub count: i64,
    /// Their share of the unit's predicates, in basis points (rounded down).
    pub share_bp: i64,
    /// Whether the spread keeps the rule.
    pub met: bool,
}

/// Checks a unit's predicates against a pattern; an empty unit breaks no share rule but does
/// break an "at least N employees" rule.
pub fn check_distribution(predicates: &[Predicate], pattern: &[DistributionRule]) -> Vec<RuleCheck> {
    let total = i64::try_from(predicates.len()).unwrap_or(i64::MAX);
    pattern
        .iter()
        .map(|rule| {
            let count = i64::try_from(predicates.iter().filter(|p| rule.predicates.contains(p)).count()).unwrap_or(0);
            let share_bp = if total == 0 { 0 } else { count * 10_000 / total };
            // Exact comparisons on counts, so a share of exactly 70% meets "at most 70%".
            let met = match rule.bound {
                Bound::AtMostBp(bp) => count * 10_000 <= bp * total,
                Bound::AtLeastBp(bp) => count * 10_000 >= bp * total,
                Bound::AtLeastCount(n) => count >= n,
            };
            RuleCheck { rule: rule.clone(), count, share_bp, met }
        })
        .collect()
}

/// An indicator's target for an evaluation period: the annual target for the year, the matching
/// part of its breakdown for a quarter or a month (three monthly parts for a quarter); `None`
/// where the breakdown does not split that finely (a quarterly breakdown and a month) or the
/// indicator is not broken down yet.
pub fn period_target(
    annual: i64,
    breakdown: Option<crate::agreement::BreakdownKind>,
    parts: &[i64],
    kind: PeriodKind,
    number: u32,
) -> Option<i64> {
    use crate::agreement::BreakdownKind;
    let part = |i: u32| parts.get(usize::try_from(i).ok()?.checked_sub(1)?).copied();
    match (kind, breakdown) {
        (PeriodKind::Annual, _) => Some(annual),
        (PeriodKind::Quarterly, Some(BreakdownKind::Quarterly)) => part(number),
        (PeriodKind::Quarterly, Some(BreakdownKind::Monthly)) => {
            (3 * number - 2..=3 * number).map(part).sum::<Option<i64>>()
        }
        (PeriodKind::Monthly, Some(BreakdownKind::Monthly)) => part(number),
        _ => None,
    }
}

/// Realised against target in basis points (10,000 = met; more when exceeded); `None` without
/// a target above zero.
pub fn achievement_bp(realised: i64, target: Option<i64>) -> Option<i64> {
    target.filter(|t| *t > 0).map(|t| realised.max(0).saturating_mul(10_000) / t)
}

/// The predicate for a results rating and a behaviour rating: the matrix of PermenPANRB 6/2022.
/// It is computed, never typed in.
pub fn predicate(results: Rating, behaviour: Rating) -> Predicate {
    use Rating::*;
    match (results, behaviour) {
        (BelowExpectation, BelowExpectation) => Predicate::VeryPoor,
        (BelowExpectation, _) => Predicate::NeedsImprovement,
        (_, BelowExpectation) => Predicate::Poor,
        (AboveExpectation, AboveExpectation) => Predicate::VeryGood,
        _ => Predicate::Good,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_evaluation_workflow_allows_each_step_only_in_its_state() {
        use EvaluationStatus::{Draft, Final};
        use EvaluationStep::{Finalise, Rate, Revise};
        let table = [
            (Draft, Rate, false, Ok(Draft)),
            (Final, Rate, false, Err(EvaluationStepError::FinalUnchanged)),
            (Draft, Finalise, false, Ok(Final)),
            (Final, Finalise, false, Err(EvaluationStepError::FinalAlready)),
            (Final, Revise, false, Ok(Draft)),
            (Final, Revise, true, Err(EvaluationStepError::NotCurrentFinal)),
            (Draft, Revise, false, Err(EvaluationStepError::NotCurrentFinal)),
        ];
        for (from, step, superseded, expected) in table {
            assert_eq!(from.apply(step, superseded), expected, "{from} {step:?} superseded={superseded}");
        }
    }

    #[test]
    fn a_finished_correction_counts_over_the_final_it_corrects() {
        use EvaluationStatus::{Draft, Final};
        assert!(counts_over((Draft, 1), (Final, 1)), "a final one over a draft");
        assert!(!counts_over((Final, 1), (Draft, 2)), "an open correction does not count yet");
        assert!(counts_over((Final, 1), (Final, 2)), "the later of two finals");
        assert!(!counts_over((Final, 2), (Final, 1)));
        assert!(counts_over((Draft, 1), (Draft, 2)));
    }

    #[test]
    fn ratings_and_predicates_have_the_regulation_s_words() {
        assert_eq!(Rating::AboveExpectation.label(), "Di Atas Ekspektasi");
        assert_eq!(Rating::BelowExpectation.label(), "Di Bawah Ekspektasi");
        assert_eq!(Predicate::NeedsImprovement.label(), "Butuh Perbaikan");
        assert_eq!(Predicate::VeryPoor.label(), "Sangat Kurang");
    }
    use Rating::*;

    /// One row per cell of the matrix in the domain guide (results, behaviour, predicate).
    #[test]
    fn the_nine_cells_of_the_predicate_matrix() {
        let table = [
            (AboveExpectation, BelowExpectation, Predicate::Poor),
            (AboveExpectation, AsExpected, Predicate::Good),
            (AboveExpectation, AboveExpectation, Predicate::VeryGood),
            (AsExpected, BelowExpectation, Predicate::Poor),
            (AsExpected, AsExpected, Predicate::Good),
            (AsExpected, AboveExpectation, Predicate::Good),
            (BelowExpectation, BelowExpectation, Predicate::VeryPoor),
            (BelowExpectation, AsExpected, Predicate::NeedsImprovement),
            (BelowExpectation, AboveExpectation, Predicate::NeedsImprovement),
        ];
        for (results, behaviour, want) in table {
            assert_eq!(predicate(results, behaviour), want, "{results} / {behaviour}");
        }
    }
    #[test]
    fn periods_cover_their_months_and_follow_the_cadence() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert_eq!(PeriodKind::Quarterly.span(2026, 4, Cadence::Quarterly), Ok((d(10, 1), d(12, 31))));
        assert_eq!(PeriodKind::Monthly.span(2026, 2, Cadence::Monthly), Ok((d(2, 1), d(2, 28))));
        assert_eq!(PeriodKind::Annual.span(2026, 1, Cadence::Quarterly), Ok((d(1, 1), d(12, 31))));
        assert!(PeriodKind::Monthly.span(2026, 2, Cadence::Quarterly).is_err());
        assert!(PeriodKind::Quarterly.span(2026, 5, Cadence::Quarterly).is_err());
        assert!(PeriodKind::Monthly.span(2026, 0, Cadence::Monthly).is_err());
    }

    #[test]
    fn finalising_needs_every_rating() {
        let mut r = Ratings { results: Some(AsExpected), behaviour: None, values: vec![] };
        let missing = finalise(&r).unwrap_err();
        assert_eq!(missing.0.len(), 1 + 7, "{missing}");
        r.behaviour = Some(AboveExpectation);
        r.values = CoreValue::ALL.iter().map(|v| (*v, AsExpected)).collect();
        r.values.pop();
        assert_eq!(finalise(&r).unwrap_err().0, vec!["core value collaborative is not rated".to_owned()]);
        r.values.push((CoreValue::Collaborative, AboveExpectation));
        assert_eq!(finalise(&r), Ok(Predicate::Good));
    }
    #[test]
    fn a_pattern_no_spread_could_keep_is_refused_with_its_rule_named() {
        use Predicate::*;
        // Every default pattern can be set as it is.
        for r in UnitRating::ALL {
            assert_eq!(pattern_problems(&default_pattern(*r)), vec![], "{r}");
        }
        let rule = |predicates: &[Predicate], bound| DistributionRule { predicates: predicates.to_vec(), bound };
        let fields = |rules: &[DistributionRule]| -> Vec<String> {
            pattern_problems(rules).into_iter().map(|(f, _)| format!("{f:?}")).collect()
        };
        assert_eq!(fields(&[rule(&[], Bound::AtMostBp(1))]).len(), 1);
        assert_eq!(fields(&[rule(&[Good, Good], Bound::AtMostBp(1))]).len(), 1);
        assert_eq!(fields(&[rule(&[Good], Bound::AtMostBp(10_001))]).len(), 1);
        assert_eq!(fields(&[rule(&[Good], Bound::AtLeastCount(-1))]).len(), 1);
        assert_eq!(fields(&vec![rule(&[Good], Bound::AtMostBp(1)); 11]).len(), 1);
        // 60% very poor and 50% poor cannot both hold; 60% and 40% can.
        let clash = [rule(&[VeryPoor], Bound::AtLeastBp(6_000)), rule(&[Poor], Bound::AtLeastBp(5_000))];
        assert_eq!(pattern_problems(&clash)[0].0, crate::field::Field::named("rules").at(1).then("bound"));
        assert!(pattern_problems(&[clash[0].clone(), rule(&[Poor], Bound::AtLeastBp(4_000))]).is_empty());
        // At least 20% good and at most 10% of good or very good cannot both hold.
        let clash = [rule(&[Good, VeryGood], Bound::AtMostBp(1_000)), rule(&[Good], Bound::AtLeastBp(2_000))];
        assert_eq!(pattern_problems(&clash).len(), 1);
        let fine = [rule(&[Good], Bound::AtMostBp(1_000)), rule(&[Good, VeryGood], Bound::AtLeastBp(2_000))];
        assert!(pattern_problems(&fine).is_empty());
        // Three disjoint 40% floors are 120%.
        let three = [
            rule(&[VeryPoor], Bound::AtLeastBp(4_000)),
            rule(&[Poor], Bound::AtLeastBp(4_000)),
            rule(&[Good], Bound::AtLeastBp(4_000)),
        ];
        assert_eq!(pattern_problems(&three)[0].0, crate::field::Field::named("rules").at(2).then("bound"));
        // Someone poor, where no one poor or very poor may be.
        let none = [rule(&[Poor], Bound::AtLeastCount(1)), rule(&[Poor, VeryPoor], Bound::AtMostBp(0))];
        assert_eq!(pattern_problems(&none).len(), 1);
        // Ceilings over every predicate adding up to 80%.
        let ceilings = [
            rule(&[VeryGood, Good], Bound::AtMostBp(4_000)),
            rule(&[NeedsImprovement, Poor, VeryPoor], Bound::AtMostBp(4_000)),
        ];
        assert_eq!(pattern_problems(&ceilings).len(), 1);
        let full = [
            rule(&[VeryGood, Good], Bound::AtMostBp(6_000)),
            rule(&[NeedsImprovement, Poor, VeryPoor], Bound::AtMostBp(4_000)),
        ];
        assert!(pattern_problems(&full).is_empty());
    }

    fn spread(counts: &[(Predicate, usize)]) -> Vec<Predicate> {
        counts.iter().flat_map(|(p, n)| std::iter::repeat_n(*p, *n)).collect()
    }

    fn broken(rating: UnitRating, counts: &[(Predicate, usize)]) -> Vec<DistributionRule> {
        check_distribution(&spread(counts), &default_pattern(rating))
            .into_iter()
            .filter(|c| !c.met)
            .map(|c| c.rule)
            .collect()
    }

    /// Each pattern of the domain guide met, and broken rule by rule.
    #[test]
    fn each_distribution_pattern_met_and_broken() {
        use Predicate::*;
        use UnitRating as U;
        // Istimewa: at most 70% Sangat Baik.
        assert!(broken(U::Outstanding, &[(VeryGood, 7), (Good, 3)]).is_empty());
        assert_eq!(broken(U::Outstanding, &[(VeryGood, 8), (Good, 2)]).len(), 1);
        // Baik: at most 70% Baik; at least one Butuh Perbaikan or Kurang.
        assert!(broken(U::Good, &[(Good, 7), (VeryGood, 2), (Poor, 1)]).is_empty());
        assert_eq!(broken(U::Good, &[(Good, 8), (NeedsImprovement, 2)])[0].bound, Bound::AtMostBp(7_000));
        assert_eq!(broken(U::Good, &[(Good, 7), (VeryGood, 3)])[0].bound, Bound::AtLeastCount(1));
        // Butuh Perbaikan: at least 60% Butuh Perbaikan; at most 10% Sangat Baik.
        assert!(broken(U::NeedsImprovement, &[(NeedsImprovement, 6), (VeryGood, 1), (Good, 3)]).is_empty());
        assert_eq!(broken(U::NeedsImprovement, &[(NeedsImprovement, 5), (Good, 5)]).len(), 1);
        assert_eq!(broken(U::NeedsImprovement, &[(NeedsImprovement, 6), (VeryGood, 2), (Good, 2)]).len(), 1);
        // Kurang: at least 60% Kurang; at least 10% Butuh Perbaikan; at most 10% Sangat Baik.
        assert!(broken(U::Poor, &[(Poor, 6), (NeedsImprovement, 1), (VeryGood, 1), (Good, 2)]).is_empty());
        assert_eq!(broken(U::Poor, &[(Poor, 6), (Good, 4)]).len(), 1);
        assert_eq!(broken(U::Poor, &[(Poor, 5), (NeedsImprovement, 3), (VeryGood, 2)]).len(), 2);
        // Sangat Kurang: at least 60% Sangat Kurang; at least 10% Kurang or Butuh Perbaikan; no
        // Sangat Baik.
        assert!(broken(U::VeryPoor, &[(VeryPoor, 6), (Poor, 1), (Good, 3)]).is_empty());
        assert_eq!(broken(U::VeryPoor, &[(VeryPoor, 6), (Poor, 1), (VeryGood, 1), (Good, 2)]).len(), 1);
        assert_eq!(broken(U::VeryPoor, &[(VeryPoor, 9), (Good, 1)]).len(), 1);
    }

    #[test]
    fn a_unit_heads_results_rating_gives_the_units_rating() {
        // The head's predicate gives all five ratings, one for one.
        let ratings: Vec<UnitRating> = Predicate::ALL.iter().map(|p| UnitRating::from_head(*p)).collect();
        assert_eq!(ratings, UnitRating::ALL);
    }
    #[test]
    fn a_periods_target_comes_from_the_breakdown() {
        use crate::agreement::BreakdownKind::{Monthly, Quarterly};
        let months: Vec<i64> = (1..=12).collect();
        assert_eq!(period_target(78, Some(Monthly), &months, PeriodKind::Quarterly, 4), Some(10 + 11 + 12));
        assert_eq!(period_target(78, Some(Monthly), &months, PeriodKind::Monthly, 2), Some(2));
        assert_eq!(period_target(12, Some(Quarterly), &[3, 3, 3, 3], PeriodKind::Quarterly, 2), Some(3));
        assert_eq!(period_target(12, Some(Quarterly), &[3, 3, 3, 3], PeriodKind::Monthly, 2), None);
        assert_eq!(period_target(12, None, &[], PeriodKind::Quarterly, 1), None);
        assert_eq!(period_target(12, None, &[], PeriodKind::Annual, 1), Some(12));
        assert_eq!(achievement_bp(9, Some(12)), Some(7_500));
        assert_eq!(achievement_bp(15, Some(12)), Some(12_500));
        assert_eq!(achievement_bp(3, Some(0)), None);
    }
}
