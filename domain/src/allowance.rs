//! The performance allowance (TPP): the monthly amount from the performance factor and the
//! discipline factor, exactly as `allowance.md` defines it. Money is integer rupiah, percentages
//! integer basis points; rounding happens only in the two floors, so a payroll export adds up.

use chrono::NaiveDate;
use serde::Serialize;

use crate::evaluation::Predicate;

/// What the performance factor rests on *(policy)*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PerformanceBasis {
    /// The predicate of the final evaluation covering the month (the default).
    Predicate,
    /// Approved daily-log minutes against a target (Purbalingga's "70% is productivity").
    Productivity,
}

/// The allowance policy in force for a month *(policy; defaults from the domain guide)*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllowancePolicy {
    pub basis: PerformanceBasis,
    /// Weight of performance, bp (default 7,000).
    pub performance_weight_bp: i64,
    /// Weight of discipline, bp (default 3,000); the two add up to 10,000.
    pub discipline_weight_bp: i64,
    /// Performance factor per predicate, bp: 10,000 / 10,000 / 9,000 / 8,500 / 8,000.
    pub predicate_factors: [(Predicate, i64); 5],
    /// Productivity basis: minutes of a day counted at most (default 450).
    pub daily_cap_minutes: i64,
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
            daily_cap_minutes: 450,
            target_minutes_per_day: 300,
        }
    }
}

impl AllowancePolicy {
    /// The performance factor of a predicate.
    pub fn predicate_factor(&self, p: Predicate) -> i64 {
        self.predicate_factors.iter().find(|(q, _)| *q == p).map_or(0, |(_, f)| *f)
    }

    /// The productivity factor: approved log minutes per day (each capped at the daily cap)
    /// against the target for `working_days_not_excused`; 10,000 when there is no target.
    pub fn productivity_factor(&self, minutes_per_day: &[(NaiveDate, i64)], working_days_not_excused: i64) -> i64 {
        let target = self.target_minutes_per_day.saturating_mul(working_days_not_excused.max(0));
        if target == 0 {
            return 10_000;
        }
        let minutes: i64 = minutes_per_day.iter().map(|(_, m)| (*m).clamp(0, self.daily_cap_minutes)).sum();
        (minutes.saturating_mul(10_000) / target).min(10_000)
    }
}

/// A month's amount, in its two parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
        let pf = policy.productivity_factor(&minutes, 19);
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
        assert_eq!(policy.productivity_factor(&[], 0), 10_000, "no target: full factor");
        assert_eq!(policy.productivity_factor(&[(NaiveDate::MIN, 9_000)], 1), 10_000, "capped at 100%");
    }
}
