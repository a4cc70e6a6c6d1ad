//! How an employee stands against this month's (or quarter's) targets before any evaluation
//! opens, and a unit's daily logging curve (what BKN's own system calls its monitoring curve).

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use chrono::{Datelike, NaiveDate};

use crate::days::DaySet;
use crate::evaluation::{Cadence, PeriodKind};

/// The period of `kind` that holds `day`: its number in the year (1–12, 1–4 or 1), its first
/// and its last day.
pub fn period_holding(kind: PeriodKind, day: NaiveDate) -> (u32, NaiveDate, NaiveDate) {
    let number = match kind {
        PeriodKind::Monthly => day.month(),
        PeriodKind::Quarterly => (day.month() - 1) / 3 + 1,
        PeriodKind::Annual => 1,
    };
    // A monthly cadence allows every kind, and `number` is in range by construction.
    let (from, to) = kind.span(day.year(), number, Cadence::Monthly).unwrap_or((day, day));
    (number, from, to)
}

/// Which of a planned result's indicators an accepted log's output counts for, given the unit
/// the log states and the unit each indicator is measured in: a result's only indicator takes
/// every log (as the evaluation's pre-filled realisation does); among several, the one measured
/// in the log's unit, compared without case or surrounding spaces. `None` when no indicator, or
/// more than one, fits: that output is shown as unattributed, never guessed.
pub fn indicator_for(output_unit: Option<&str>, indicator_units: &[&str]) -> Option<usize> {
    if let [_] = indicator_units {
        return Some(0);
    }
    let unit = output_unit.map(str::trim).filter(|u| !u.is_empty())?;
    let mut fitting = indicator_units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.trim().to_lowercase() == unit.to_lowercase())
        .map(|(i, _)| i);
    match (fitting.next(), fitting.next()) {
        (Some(i), None) => Some(i),
        _ => None,
    }
}

/// One working day of a unit's logging curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CurveDay {
    pub date: NaiveDate,
    /// Rolled-out staff for whom the day is a working day and who are not away on it.
    pub expected: i64,
    /// Those of them with a log on the day that was not rejected.
    pub logged: i64,
    /// `logged` of `expected`, in basis points.
    pub share_bp: i64,
}

/// The curve from `from` to `to`: for each day that is a working day of at least one person,
/// the share of those it is a working day for who logged on it. Holidays, days off and days on
/// leave are left out, because `working` holds only each person's own working days.
pub fn logging_curve<K: Eq + Hash + Clone>(
    working: &HashMap<K, DaySet>,
    logged: &HashSet<(K, NaiveDate)>,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<CurveDay> {
    let mut out = Vec::new();
    for date in from.iter_days().take_while(|d| *d <= to) {
        let mut expected = 0;
        let mut did = 0;
        for (who, days) in working {
            if days.contains(&date) {
                expected += 1;
                if logged.contains(&(who.clone(), date)) {
                    did += 1;
                }
            }
        }
        if expected > 0 {
            out.push(CurveDay { date, expected, logged: did, share_bp: crate::daily_log::share_bp(did, expected) });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_period_holding_a_day() {
        assert_eq!(period_holding(PeriodKind::Monthly, d("2026-11-17")), (11, d("2026-11-01"), d("2026-11-30")));
        assert_eq!(period_holding(PeriodKind::Quarterly, d("2026-11-17")), (4, d("2026-10-01"), d("2026-12-31")));
        assert_eq!(period_holding(PeriodKind::Quarterly, d("2026-03-31")), (1, d("2026-01-01"), d("2026-03-31")));
        assert_eq!(period_holding(PeriodKind::Annual, d("2026-02-28")), (1, d("2026-01-01"), d("2026-12-31")));
        assert_eq!(period_holding(PeriodKind::Monthly, d("2028-02-10")), (2, d("2028-02-01"), d("2028-02-29")));
    }

    #[test]
    fn a_log_counts_for_the_one_indicator_its_unit_names() {
        // One indicator takes everything, whatever the unit.
        assert_eq!(indicator_for(Some("dokumen"), &["laporan"]), Some(0));
        assert_eq!(indicator_for(None, &["laporan"]), Some(0));
        // Among several, the unit decides, without case or spaces.
        let two = ["laporan", "Kegiatan"];
        assert_eq!(indicator_for(Some("laporan"), &two), Some(0));
        assert_eq!(indicator_for(Some(" kegiatan "), &two), Some(1));
        // No unit, an unknown one, or one two indicators share: unattributed.
        assert_eq!(indicator_for(None, &two), None);
        assert_eq!(indicator_for(Some(""), &two), None);
        assert_eq!(indicator_for(Some("dokumen"), &two), None);
        assert_eq!(indicator_for(Some("laporan"), &["laporan", "LAPORAN"]), None);
        assert_eq!(indicator_for(Some("laporan"), &[]), None);
    }

    #[test]
    fn the_curve_counts_each_person_on_their_own_working_days() {
        let days = |list: &[&str]| {
            let mut set = DaySet::new(d("2026-11-01"), d("2026-11-04"));
            list.iter().for_each(|day| assert!(set.insert(d(day))));
            set
        };
        let working: HashMap<&str, DaySet> = [
            ("a", days(&["2026-11-02", "2026-11-03"])),
            // On leave on the 3rd: not expected that day.
            ("b", days(&["2026-11-02"])),
            ("c", days(&["2026-11-02", "2026-11-03"])),
        ]
        .into_iter()
        .collect();
        // A log on a day off (the 1st) or by someone not expected counts for nothing.
        let logged: HashSet<(&str, NaiveDate)> =
            [("a", d("2026-11-02")), ("b", d("2026-11-02")), ("a", d("2026-11-03")), ("a", d("2026-11-01"))]
                .into_iter()
                .collect();
        let curve = logging_curve(&working, &logged, d("2026-11-01"), d("2026-11-04"));
        assert_eq!(
            curve,
            vec![
                CurveDay { date: d("2026-11-02"), expected: 3, logged: 2, share_bp: 6_666 },
                CurveDay { date: d("2026-11-03"), expected: 2, logged: 1, share_bp: 5_000 },
            ]
        );
    }
}
