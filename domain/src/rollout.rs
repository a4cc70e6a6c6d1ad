//! Rollout by month (roles.md, Rollout): a unit is rolled out from a month on; a sub-unit
//! inherits the month of the nearest unit above it that sets one, unless it sets its own. For a
//! month before a unit's rollout its people are shown as not rolled out: allowance lines carry no
//! amount, and rates, grades and levels leave the unit out.

use std::collections::HashMap;
use std::hash::Hash;

use chrono::{Datelike, NaiveDate};

/// The first day of the month of `d`.
pub fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The last day of the month of `d`: the last day there is, for the last month there is.
pub fn month_end(d: NaiveDate) -> NaiveDate {
    month_of(d).checked_add_months(chrono::Months::new(1)).and_then(|n| n.pred_opt()).unwrap_or(NaiveDate::MAX)
}

/// Whether a unit rolled out from `from` (the effective month, inherited or its own) is rolled out
/// in the month of `month`.
pub fn rolled_out(from: Option<NaiveDate>, month: NaiveDate) -> bool {
    from.is_some_and(|f| month_of(f) <= month_of(month))
}

/// The unit tree with each unit's own rollout month, answering each unit's effective month.
#[derive(Debug, Clone)]
pub struct RolloutTree<K> {
    units: HashMap<K, (Option<K>, Option<NaiveDate>)>,
}

impl<K: Clone + Eq + Hash> RolloutTree<K> {
    /// From each unit's parent and own month.
    pub fn new(units: impl IntoIterator<Item = (K, Option<K>, Option<NaiveDate>)>) -> Self {
        RolloutTree { units: units.into_iter().map(|(id, parent, own)| (id, (parent, own.map(month_of)))).collect() }
    }

    /// The month a unit is rolled out from: its own, or the nearest set above it; none when no
    /// unit on the way up sets one (or the unit is unknown). A cycle in the data ends the walk.
    pub fn effective(&self, unit: &K) -> Option<NaiveDate> {
        let mut at = unit.clone();
        for _ in 0..=self.units.len() {
            let (parent, own) = self.units.get(&at)?;
            if own.is_some() {
                return *own;
            }
            at = parent.clone()?;
        }
        None
    }

    /// Whether a unit is rolled out in the month of `month`.
    pub fn rolled_out(&self, unit: &K, month: NaiveDate) -> bool {
        rolled_out(self.effective(unit), month)
    }

    /// The same tree with one unit's own month changed.
    pub fn with(&self, unit: &K, own: Option<NaiveDate>) -> Self {
        let mut next = self.clone();
        if let Some(entry) = next.units.get_mut(unit) {
            entry.1 = own.map(month_of);
        }
        next
    }

    /// The months whose rolled-out state some unit changes between `self` and `other`: for each
    /// unit whose effective month differs, the months from the earlier to the one before the
    /// later (a unit that loses its rollout altogether changes every month from its old one on,
    /// up to `until`).
    pub fn changed_months(&self, other: &Self, until: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
        let mut spans = Vec::new();
        for unit in self.units.keys() {
            let (a, b) = (self.effective(unit), other.effective(unit));
            if a == b {
                continue;
            }
            let (from, to) = match (a, b) {
                (Some(a), Some(b)) => (a.min(b), a.max(b).pred_opt().map(month_of).unwrap_or(a.max(b))),
                (Some(x), None) | (None, Some(x)) => (x, month_of(until)),
                (None, None) => continue,
            };
            if from <= to {
                spans.push((from, to));
            }
        }
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(y: i32, mo: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, mo, 1).unwrap()
    }

    fn tree() -> RolloutTree<&'static str> {
        // OPD (October) > Bidang (inherits) > Seksi (own: December); Other OPD: none.
        RolloutTree::new([
            ("opd", None, Some(NaiveDate::from_ymd_opt(2026, 10, 15).unwrap())),
            ("bidang", Some("opd"), None),
            ("seksi", Some("bidang"), Some(m(2026, 12))),
            ("other", None, None),
            ("under_other", Some("other"), None),
        ])
    }

    #[test]
    fn a_months_end_is_its_last_day_whichever_day_names_it() {
        let d = |y, mo, day| NaiveDate::from_ymd_opt(y, mo, day).unwrap();
        assert_eq!(month_end(d(2028, 2, 1)), d(2028, 2, 29), "a leap year's February");
        assert_eq!(month_end(d(2027, 2, 14)), d(2027, 2, 28));
        assert_eq!(month_end(d(2026, 12, 31)), d(2026, 12, 31), "the year's last day");
        assert_eq!(month_end(d(2026, 4, 30)), d(2026, 4, 30));
        assert_eq!(month_of(d(2026, 4, 30)), m(2026, 4));
        assert_eq!(month_end(NaiveDate::MAX), NaiveDate::MAX, "the last month there is");
    }

    #[test]
    fn sub_units_inherit_unless_they_set_their_own() {
        let t = tree();
        assert_eq!(t.effective(&"opd"), Some(m(2026, 10)), "any day names its month");
        assert_eq!(t.effective(&"bidang"), Some(m(2026, 10)));
        assert_eq!(t.effective(&"seksi"), Some(m(2026, 12)));
        assert_eq!(t.effective(&"under_other"), None);
        assert_eq!(t.effective(&"unknown"), None);
    }

    #[test]
    fn rolled_out_from_the_month_on() {
        let t = tree();
        assert!(!t.rolled_out(&"bidang", m(2026, 9)));
        assert!(t.rolled_out(&"bidang", NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()));
        assert!(t.rolled_out(&"bidang", m(2027, 1)));
        assert!(!t.rolled_out(&"seksi", m(2026, 11)));
        assert!(t.rolled_out(&"seksi", m(2026, 12)));
        assert!(!t.rolled_out(&"other", m(2030, 1)));
    }

    #[test]
    fn a_cycle_in_the_data_ends_the_walk() {
        let t = RolloutTree::new([("a", Some("b"), None), ("b", Some("a"), None)]);
        assert_eq!(t.effective(&"a"), None);
    }

    #[test]
    fn changed_months_are_those_between_the_old_and_the_new_month() {
        let t = tree();
        // Moving the OPD from October to November changes October for the OPD and the Bidang.
        let later = t.with(&"opd", Some(m(2026, 11)));
        let spans = later.changed_months(&t, m(2027, 6));
        assert_eq!(spans.len(), 2);
        assert!(spans.iter().all(|s| *s == (m(2026, 10), m(2026, 10))));
        // Earlier (from October to August) changes August and September.
        let earlier = t.with(&"opd", Some(m(2026, 8)));
        assert!(earlier.changed_months(&t, m(2027, 6)).iter().all(|s| *s == (m(2026, 8), m(2026, 9))));
        // Clearing it changes every month from October on, up to the bound.
        let cleared = t.with(&"opd", None);
        assert!(cleared.changed_months(&t, m(2027, 6)).iter().all(|s| *s == (m(2026, 10), m(2027, 6))));
        // The Seksi's own month shields it from the OPD's change.
        assert!(!t.with(&"opd", Some(m(2026, 11))).changed_months(&t, m(2027, 6)).is_empty());
        assert!(t.with(&"seksi", Some(m(2026, 12))).changed_months(&t, m(2027, 6)).is_empty());
    }
}
