//! A set of days within a span, one bit a day: an employee's working days in a month take a
//! word, where a hash set of dates took a table of its own (at a hundred thousand employees, the
//! difference between a few megabytes and a few tens).

use chrono::{Days, NaiveDate};

/// The days of a span kept in a set: a day outside the span is never in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySet {
    from: NaiveDate,
    /// Days `from` to `from + 63`.
    first: u64,
    /// Days after those, 64 a word; empty (no allocation) for a span of 64 days or fewer.
    more: Vec<u64>,
    span: u32,
}

impl DaySet {
    /// An empty set of the days `from` to `to` (none when `to` is before `from`).
    pub fn new(from: NaiveDate, to: NaiveDate) -> DaySet {
        let span = u32::try_from((to - from).num_days() + 1).unwrap_or(0);
        let words = (span as usize).saturating_sub(64).div_ceil(64);
        DaySet { from, first: 0, more: vec![0; words], span }
    }

    /// The bit of `day`, if it is in the span.
    fn place(&self, day: NaiveDate) -> Option<(usize, u64)> {
        let offset = u32::try_from((day - self.from).num_days()).ok().filter(|o| *o < self.span)?;
        Some((offset as usize / 64, 1u64 << (offset % 64)))
    }

    fn word(&mut self, i: usize) -> Option<&mut u64> {
        match i {
            0 => Some(&mut self.first),
            _ => self.more.get_mut(i - 1),
        }
    }

    /// Adds `day`; `false` (and nothing kept) for a day outside the span.
    pub fn insert(&mut self, day: NaiveDate) -> bool {
        let Some((i, bit)) = self.place(day) else { return false };
        self.word(i).map(|w| *w |= bit).is_some()
    }

    pub fn contains(&self, day: &NaiveDate) -> bool {
        self.place(*day).is_some_and(|(i, bit)| match i {
            0 => self.first & bit != 0,
            _ => self.more.get(i - 1).is_some_and(|w| w & bit != 0),
        })
    }

    pub fn len(&self) -> usize {
        (self.first.count_ones() + self.more.iter().map(|w| w.count_ones()).sum::<u32>()) as usize
    }

    /// How many of `days` are in the set, where bit `n` of `days` is `first` plus `n` days.
    pub fn count_of(&self, first: NaiveDate, days: u64) -> usize {
        if first == self.from {
            return (self.first & days).count_ones() as usize;
        }
        (0..64u64)
            .filter(|n| days >> n & 1 == 1)
            .filter(|n| first.checked_add_days(Days::new(*n)).is_some_and(|d| self.contains(&d)))
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The days in the set, in order.
    pub fn iter(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        (0..self.span).filter_map(move |offset| {
            let day = self.from.checked_add_days(Days::new(u64::from(offset)))?;
            self.contains(&day).then_some(day)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn days_named_by_bits_are_counted_when_in_the_set() {
        let mut set = DaySet::new(d("2026-11-01"), d("2026-11-30"));
        for day in ["2026-11-02", "2026-11-03", "2026-11-30"] {
            set.insert(d(day));
        }
        // The 1st, 2nd, 4th and 30th: the 2nd and the 30th are in the set.
        let from_first = 1 | 1 << 1 | 1 << 3 | 1 << 29;
        assert_eq!(set.count_of(d("2026-11-01"), from_first), 2);
        assert_eq!(set.count_of(d("2026-11-01"), 0), 0);
        assert_eq!(set.count_of(d("2026-11-01"), u64::MAX), 3);
        // The same days named from another first day; days outside the span are in no set.
        assert_eq!(set.count_of(d("2026-10-31"), from_first << 1), 2);
        assert_eq!(set.count_of(d("2026-11-02"), 1 | 1 << 28), 2);
        assert_eq!(set.count_of(d("2026-10-01"), u64::MAX), 3);
        assert_eq!(set.count_of(d("2026-12-01"), u64::MAX), 0);
    }

    #[test]
    fn a_month_of_days_in_and_out() {
        let mut set = DaySet::new(d("2026-11-01"), d("2026-11-30"));
        assert!(set.is_empty());
        assert!(set.insert(d("2026-11-02")) && set.insert(d("2026-11-30")) && set.insert(d("2026-11-02")));
        assert!(!set.insert(d("2026-10-31")) && !set.insert(d("2026-12-01")), "outside the span");
        assert_eq!(set.len(), 2);
        assert!(set.contains(&d("2026-11-02")) && set.contains(&d("2026-11-30")));
        assert!(!set.contains(&d("2026-11-03")) && !set.contains(&d("2026-12-01")) && !set.contains(&d("2026-10-31")));
        assert_eq!(set.iter().collect::<Vec<_>>(), [d("2026-11-02"), d("2026-11-30")]);
        assert!(set.more.capacity() == 0, "a month needs no more than its word");
    }

    #[test]
    fn a_long_span_and_an_empty_one() {
        let mut year = DaySet::new(d("2026-01-01"), d("2026-12-31"));
        for day in ["2026-01-01", "2026-03-05", "2026-03-06", "2026-07-04", "2026-12-31"] {
            assert!(year.insert(d(day)));
        }
        assert!(!year.insert(d("2027-01-01")));
        assert_eq!(year.len(), 5);
        assert!(year.contains(&d("2026-03-06")) && !year.contains(&d("2026-03-07")));
        assert_eq!(year.iter().last(), Some(d("2026-12-31")));
        let mut none = DaySet::new(d("2026-02-01"), d("2026-01-31"));
        assert!(!none.insert(d("2026-02-01")) && none.is_empty() && none.iter().next().is_none());
    }
}
