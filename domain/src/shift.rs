//! Shifts and rosters (workforce.md). A unit that works in shifts (a hospital ward, a health
//! centre, the fire brigade, the municipal police) defines its shifts; each of its employees
//! follows a roster of one shift, or a day off, per date. A shift belongs to the date it starts
//! and may end on the next; attendance events belong to the rostered shift whose window holds
//! them, and lateness and early departure are judged against that shift with the bands and the
//! tolerance of fixed hours.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use crate::attendance::EventKind;
use crate::discipline::Period;

/// How long before a shift's start and after its end an event still belongs to it *(policy:
/// workforce.md's default, 3 hours)*.
pub const WINDOW: Duration = Duration::hours(3);

/// When a shift starts and ends, as times of day: an end at or before the start falls on the
/// next date (a night shift, 21:00–07:00); an end equal to the start is a 24-hour shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ShiftHours {
    start: NaiveTime,
    end: NaiveTime,
}

/// Why shift hours cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShiftError {
    /// Times are whole minutes, as a roster writes them.
    #[error("must be a whole minute, HH:MM")]
    NotWholeMinute,
}

impl ShiftHours {
    /// Shift hours from a start and an end (whole minutes).
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, ShiftError> {
        use chrono::Timelike;
        if start.second() != 0 || end.second() != 0 || start.nanosecond() != 0 || end.nanosecond() != 0 {
            return Err(ShiftError::NotWholeMinute);
        }
        Ok(ShiftHours { start, end })
    }

    /// The start, a time of day.
    pub fn start(self) -> NaiveTime {
        self.start
    }

    /// The end, a time of day (on the next date where [`ShiftHours::crosses_midnight`]).
    pub fn end(self) -> NaiveTime {
        self.end
    }

    /// Whether the shift ends on the date after it starts.
    pub fn crosses_midnight(self) -> bool {
        self.end <= self.start
    }

    /// The shift that starts on `date`, as local date-times.
    pub fn on(self, date: NaiveDate) -> Period {
        let start = date.and_time(self.start);
        let mut end = date.and_time(self.end);
        if self.crosses_midnight() {
            end += Duration::days(1);
        }
        Period { start, end }
    }

    /// Its length in minutes.
    pub fn minutes(self) -> i64 {
        let p = self.on(NaiveDate::MIN);
        (p.end - p.start).num_minutes()
    }
}

/// The check-ins and check-outs that belong to each rostered shift.
pub type Assigned = std::collections::HashMap<NaiveDate, (Vec<NaiveDateTime>, Vec<NaiveDateTime>)>;

/// Gives each event to the rostered shift (by the date it starts) whose window, from `window`
/// before its start to `window` after its end, holds it. Where two windows hold an event (a
/// night shift followed by a morning one), a check-in goes to the shift whose start is nearer and
/// a check-out to the one whose end is nearer; an event no window holds belongs to no shift.
pub fn assign(shifts: &[(NaiveDate, Period)], events: &[(EventKind, NaiveDateTime)], window: Duration) -> Assigned {
    let mut out = Assigned::new();
    for (kind, at) in events {
        let anchor = |p: &Period| match kind {
            EventKind::CheckIn => p.start,
            EventKind::CheckOut => p.end,
        };
        let best = shifts
            .iter()
            .filter(|(_, p)| p.start - window <= *at && *at <= p.end + window)
            .min_by_key(|(date, p)| ((*at - anchor(p)).num_seconds().abs(), *date));
        if let Some((date, _)) = best {
            let entry = out.entry(*date).or_default();
            match kind {
                EventKind::CheckIn => entry.0.push(*at),
                EventKind::CheckOut => entry.1.push(*at),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, day).unwrap()
    }

    #[test]
    fn a_night_shift_ends_on_the_next_date() {
        let night = ShiftHours::new(t(21, 0), t(7, 0)).unwrap();
        assert!(night.crosses_midnight());
        assert_eq!(night.on(d(3)), Period { start: d(3).and_time(t(21, 0)), end: d(4).and_time(t(7, 0)) });
        assert_eq!(night.minutes(), 600);
        let day = ShiftHours::new(t(7, 0), t(14, 0)).unwrap();
        assert!(!day.crosses_midnight());
        assert_eq!(day.minutes(), 420);
        let full = ShiftHours::new(t(8, 0), t(8, 0)).unwrap();
        assert_eq!(full.minutes(), 24 * 60);
        assert_eq!(
            ShiftHours::new(NaiveTime::from_hms_opt(8, 0, 30).unwrap(), t(9, 0)),
            Err(ShiftError::NotWholeMinute)
        );
    }

    #[test]
    fn events_go_to_the_shift_whose_window_holds_them() {
        let night = ShiftHours::new(t(21, 0), t(7, 0)).unwrap();
        let morning = ShiftHours::new(t(7, 0), t(14, 0)).unwrap();
        // Night on the 3rd, morning on the 4th (back to back), nothing on the 5th.
        let shifts = [(d(3), night.on(d(3))), (d(4), morning.on(d(4)))];
        let events = [
            (EventKind::CheckIn, d(3).and_time(t(20, 50))),
            // 07:02 on the 4th: a check-out nearest the night's end, a check-in nearest the
            // morning's start, though both windows hold them.
            (EventKind::CheckOut, d(4).and_time(t(7, 2))),
            (EventKind::CheckIn, d(4).and_time(t(7, 3))),
            (EventKind::CheckOut, d(4).and_time(t(14, 10))),
            // Far from any shift.
            (EventKind::CheckIn, d(5).and_time(t(12, 0))),
            // 3 hours before the night's start is still its window; a minute more is not.
            (EventKind::CheckIn, d(3).and_time(t(18, 0))),
            (EventKind::CheckIn, d(3).and_time(t(17, 59))),
        ];
        let got = assign(&shifts, &events, WINDOW);
        assert_eq!(got[&d(3)], (vec![d(3).and_time(t(20, 50)), d(3).and_time(t(18, 0))], vec![d(4).and_time(t(7, 2))]));
        assert_eq!(got[&d(4)], (vec![d(4).and_time(t(7, 3))], vec![d(4).and_time(t(14, 10))]));
        assert_eq!(got.len(), 2);
    }
}
