//! Attendance discipline per working day and per month, exactly as `allowance.md` defines the
//! default computation: late arrival (TL), early departure (PSW), missing records, absence
//! without notice (TK), excused days, the monthly tolerance of late minutes, and the cap.
//! Percentages are integer basis points (10,000 = 100%).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde::Serialize;

/// Working hours of one weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Hours {
    /// Start of the working day.
    pub start: NaiveTime,
    /// End of the working day.
    pub end: NaiveTime,
}

/// An agency's (or unit's) weekly schedule *(policy)*: working hours per weekday, `None` for a
/// day off; or, for a unit that works in shifts, the roster (workforce.md): each employee's day
/// is the shift rostered on it, and a date without one is a day off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// Monday first; all `None` when `rostered`.
    pub days: [Option<Hours>; 7],
    /// The unit works by roster: the weekdays say nothing.
    pub rostered: bool,
}

impl Default for Schedule {
    /// The domain guide's default: Monday to Thursday 07:30–16:00, Friday 07:30–16:30.
    fn default() -> Self {
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
        let long = Some(Hours { start: at(7, 30), end: at(16, 0) });
        let friday = Some(Hours { start: at(7, 30), end: at(16, 30) });
        Schedule { days: [long, long, long, long, friday, None, None], rostered: false }
    }
}

impl Hours {
    /// The hours on `date`, as local date-times.
    pub fn on(self, date: NaiveDate) -> Period {
        Period { start: date.and_time(self.start), end: date.and_time(self.end) }
    }

    /// As [`Period::excusing`], over times of one day.
    pub fn excusing(self, windows: &[(NaiveTime, NaiveTime)]) -> Option<Hours> {
        let day = NaiveDate::MIN;
        let windows: Vec<_> = windows.iter().map(|(a, b)| (day.and_time(*a), day.and_time(*b))).collect();
        self.on(day).excusing(&windows).map(|p| Hours { start: p.start.time(), end: p.end.time() })
    }
}

/// When one working day (fixed hours, or a shift that may end on the next date) starts and ends,
/// in the agency's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

impl Period {
    /// The period to judge a day on once approved permissions (izin) excuse `windows` of it: a
    /// window holding the start moves the start to the window's end (arriving by then is on
    /// time), one holding the end moves the end to the window's start (leaving from then is not
    /// early); a window inside the day changes neither. `None` when the windows leave nothing of
    /// the day: it is excused whole.
    pub fn excusing(self, windows: &[(NaiveDateTime, NaiveDateTime)]) -> Option<Period> {
        let mut h = self;
        // Windows may chain (08:00–09:00 then 09:00–10:00): apply until nothing moves.
        loop {
            let before = h;
            for (from, until) in windows {
                if *from <= h.start && h.start < *until {
                    h.start = *until;
                }
                if *from < h.end && h.end <= *until {
                    h.end = *from;
                }
            }
            if h.start >= h.end {
                return None;
            }
            if h == before {
                return Some(h);
            }
        }
    }
}

impl Schedule {
    /// The hours of a weekday, if it is a working weekday (never by roster: the roster says).
    pub fn hours(&self, day: Weekday) -> Option<Hours> {
        self.days[day.num_days_from_monday() as usize]
    }

    /// Work by roster (a shift unit): the stored word is `roster`.
    pub fn rostered() -> Self {
        Schedule { days: [None; 7], rostered: true }
    }
}

/// A schedule that cannot be stored or applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// A weekday's hours end at or before they start.
    #[error("{0}: the end must be after the start")]
    EndNotAfterStart(&'static str),
    /// No working day at all.
    #[error("at least one weekday must be a working day")]
    NoWorkingDay,
    /// The stored text is not seven `HH:MM-HH:MM` or empty entries.
    #[error("not a stored schedule: {0}")]
    Stored(String),
}

impl Schedule {
    /// The stored word of a schedule by roster.
    const ROSTER: &'static str = "roster";
}

/// Weekday names as the API writes them, Monday first.
pub const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

impl Schedule {
    /// A schedule from hours per weekday (Monday first), refusing hours that end before they
    /// start and a week with no working day.
    pub fn new(days: [Option<Hours>; 7]) -> Result<Self, ScheduleError> {
        for (i, day) in days.iter().enumerate() {
            if let Some(h) = day {
                if h.end <= h.start {
                    return Err(ScheduleError::EndNotAfterStart(WEEKDAYS[i]));
                }
            }
        }
        if days.iter().all(Option::is_none) {
            return Err(ScheduleError::NoWorkingDay);
        }
        Ok(Schedule { days, rostered: false })
    }

    /// The stored form: seven comma-separated entries, `HH:MM-HH:MM` or empty for a day off; or
    /// `roster`.
    pub fn to_stored(&self) -> String {
        if self.rostered {
            return Schedule::ROSTER.to_owned();
        }
        self.days
            .iter()
            .map(|d| d.map_or_else(String::new, |h| format!("{}-{}", h.start.format("%H:%M"), h.end.format("%H:%M"))))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the stored form back.
    pub fn from_stored(text: &str) -> Result<Self, ScheduleError> {
        if text == Schedule::ROSTER {
            return Ok(Schedule::rostered());
        }
        let bad = || ScheduleError::Stored(text.to_owned());
        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() != 7 {
            return Err(bad());
        }
        let mut days = [None; 7];
        for (slot, part) in days.iter_mut().zip(parts) {
            if part.is_empty() {
                continue;
            }
            let (start, end) = part.split_once('-').ok_or_else(bad)?;
            let time = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| bad());
            *slot = Some(Hours { start: time(start)?, end: time(end)? });
        }
        Schedule::new(days)
    }
}

/// The versions of a schedule that apply to one employee, each from a date on: the unit's own
/// where it has one, else its parent unit's, up to the agency's, else the default.
#[derive(Debug, Clone, Default)]
pub struct ScheduleVersions {
    /// `(effective from, schedule)` for the nearest level that has any version, per level from
    /// the employee's unit up to the agency (last). A date takes the first level with a version
    /// in force on it.
    pub levels: Vec<Vec<(NaiveDate, Schedule)>>,
}

impl ScheduleVersions {
    /// The schedule in force on `date`.
    pub fn on(&self, date: NaiveDate) -> Schedule {
        for level in &self.levels {
            if let Some((_, s)) = level.iter().filter(|(from, _)| *from <= date).max_by_key(|(from, _)| *from) {
                return s.clone();
            }
        }
        Schedule::default()
    }
}

/// Deduction bands and amounts *(policy)*; the defaults are the domain guide's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DisciplinePolicy {
    /// `(up to minutes, bp)`, ascending: 1–30 → 50, 31–60 → 100, 61–90 → 125.
    pub bands: Vec<(u32, i64)>,
    /// Beyond the last band: 150.
    pub over_bp: i64,
    /// No check-in, or no check-out: 150.
    pub no_record_bp: i64,
    /// No record at all on a working day: 500.
    pub absent_bp: i64,
    /// Monthly tolerance of late minutes: 15.
    pub tolerance_minutes: u32,
    /// The month's deduction never exceeds this: 10,000.
    pub cap_bp: i64,
}

impl Default for DisciplinePolicy {
    fn default() -> Self {
        DisciplinePolicy {
            bands: vec![(30, 50), (60, 100), (90, 125)],
            over_bp: 150,
            no_record_bp: 150,
            absent_bp: 500,
            tolerance_minutes: 15,
            cap_bp: 10_000,
        }
    }
}

impl DisciplinePolicy {
    /// The deduction for `minutes` late or early.
    pub fn band(&self, minutes: u32) -> i64 {
        if minutes == 0 {
            return 0;
        }
        self.bands.iter().find(|(upto, _)| minutes <= *upto).map_or(self.over_bp, |(_, bp)| *bp)
    }
}

/// What the attendance data says about one working day (a calendar day, or a shift that belongs
/// to the date it starts), in the agency's local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRecord {
    pub date: NaiveDate,
    /// When work starts and ends that day: `None` for a day off or a holiday.
    pub hours: Option<Period>,
    /// Approved leave (cuti) or official travel (dinas luar) covers the day.
    pub excused: bool,
    /// Local date-times of the day's check-in events.
    pub check_ins: Vec<NaiveDateTime>,
    /// Local date-times of the day's check-out events.
    pub check_outs: Vec<NaiveDateTime>,
}

/// Why a day deducts (or is forgiven).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Leave or official travel.
    Excused,
    /// No check-in and no check-out (TK).
    AbsentWithoutNotice,
    /// No check-in.
    LateNoRecord,
    /// Arrived late (TL).
    Late,
    /// Late, forgiven by the monthly tolerance.
    WithinTolerance,
    /// No check-out.
    EarlyNoRecord,
    /// Left early (PSW).
    Early,
}

impl Reason {
    /// The reason's word, as the API and the breakdown file give it.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Excused => "excused",
            Reason::AbsentWithoutNotice => "absent_without_notice",
            Reason::LateNoRecord => "late_no_record",
            Reason::Late => "late",
            Reason::WithinTolerance => "within_tolerance",
            Reason::EarlyNoRecord => "early_no_record",
            Reason::Early => "early",
        }
    }
}

/// One line of a day's discipline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Line {
    pub date: NaiveDate,
    pub reason: Reason,
    /// Minutes late or early, where that is the reason.
    pub minutes: u32,
    /// The day's deduction in basis points (0 when forgiven or excused); `bp` in breakdowns
    /// stored before the name was one.
    #[serde(alias = "bp")]
    pub deduction_bp: i64,
}

/// A month's discipline: every line that deducted or was forgiven, and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthDiscipline {
    pub lines: Vec<Line>,
    /// Working days counted.
    pub working_days: u32,
    /// Working days excused by leave or travel.
    pub excused_days: u32,
    /// The sum of the lines, capped.
    pub deduction_bp: i64,
    /// 10,000 − deduction.
    pub factor_bp: i64,
}

word_enum! {
    /// Why an employee is excused from attendance on a day.
    AbsenceKind {
        /// Approved leave (cuti).
        Leave => "leave",
        /// Official travel (dinas luar).
        OfficialTravel => "official_travel",
    }
}

word_enum! {
    /// What a calendar day was for one employee.
    DayStatus {
        /// Not a working weekday.
        DayOff => "day_off",
        /// A holiday on a working weekday.
        Holiday => "holiday",
        /// Leave or official travel.
        Excused => "excused",
        /// No record at all on a working day (TK).
        AbsentWithoutNotice => "absent_without_notice",
        /// At least one record: judged on arrival and departure.
        Present => "present",
    }
}

/// The facts of one day, before the month's tolerance: what the day's lines are judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayFacts {
    pub date: NaiveDate,
    pub status: DayStatus,
    /// The earliest check-in.
    pub check_in: Option<NaiveTime>,
    /// The latest check-out.
    pub check_out: Option<NaiveTime>,
    /// Minutes after the start, on a present day with a check-in.
    pub late_minutes: Option<u32>,
    /// Minutes before the end, on a present day with a check-out.
    pub early_minutes: Option<u32>,
}

/// The facts of a day; `holiday` tells a holiday from a weekday off where the day has no hours.
pub fn day_facts(day: &DayRecord, holiday: bool) -> DayFacts {
    let check_in = day.check_ins.iter().min().copied();
    let check_out = day.check_outs.iter().max().copied();
    let time = |t: Option<NaiveDateTime>| t.map(|t| t.time());
    let (status, late, early) = match day.hours {
        None if holiday => (DayStatus::Holiday, None, None),
        None => (DayStatus::DayOff, None, None),
        Some(_) if day.excused => (DayStatus::Excused, None, None),
        Some(_) if check_in.is_none() && check_out.is_none() => (DayStatus::AbsentWithoutNotice, None, None),
        Some(h) => (
            DayStatus::Present,
            check_in.map(|t| minutes_after(t, h.start)),
            check_out.map(|t| minutes_after(h.end, t)),
        ),
    };
    DayFacts {
        date: day.date,
        status,
        check_in: time(check_in),
        check_out: time(check_out),
        late_minutes: late,
        early_minutes: early,
    }
}

/// Whole minutes between two moments, seconds dropped, never below zero.
fn minutes_after(later: NaiveDateTime, earlier: NaiveDateTime) -> u32 {
    let diff = (later - earlier).num_seconds();
    u32::try_from(diff.max(0) / 60).unwrap_or(u32::MAX)
}

/// A month's discipline from its days (in any order), per `allowance.md`: each working day in
/// date order is excused, absent, or judged on its earliest check-in and latest check-out; then
/// the monthly tolerance forgives late days while their running sum stays within it.
pub fn month(days: &[DayRecord], policy: &DisciplinePolicy) -> MonthDiscipline {
    let mut days: Vec<&DayRecord> = days.iter().collect();
    days.sort_by_key(|d| d.date);
    let mut lines = Vec::new();
    let mut working_days = 0;
    let mut excused_days = 0;
    let mut late_sum: u32 = 0;
    let mut tolerance_spent = false;
    for day in days {
        let Some(hours) = day.hours else { continue };
        working_days += 1;
        if day.excused {
            excused_days += 1;
            lines.push(Line { date: day.date, reason: Reason::Excused, minutes: 0, deduction_bp: 0 });
            continue;
        }
        if day.check_ins.is_empty() && day.check_outs.is_empty() {
            lines.push(Line {
                date: day.date,
                reason: Reason::AbsentWithoutNotice,
                minutes: 0,
                deduction_bp: policy.absent_bp,
            });
            continue;
        }
        match day.check_ins.iter().min() {
            None => lines.push(Line {
                date: day.date,
                reason: Reason::LateNoRecord,
                minutes: 0,
                deduction_bp: policy.no_record_bp,
            }),
            Some(arrival) => {
                let late = minutes_after(*arrival, hours.start);
                if late > 0 {
                    late_sum = late_sum.saturating_add(late);
                    if !tolerance_spent && late_sum <= policy.tolerance_minutes {
                        lines.push(Line {
                            date: day.date,
                            reason: Reason::WithinTolerance,
                            minutes: late,
                            deduction_bp: 0,
                        });
                    } else {
                        tolerance_spent = true;
                        lines.push(Line {
                            date: day.date,
                            reason: Reason::Late,
                            minutes: late,
                            deduction_bp: policy.band(late),
                        });
                    }
                }
            }
        }
        match day.check_outs.iter().max() {
            None => lines.push(Line {
                date: day.date,
                reason: Reason::EarlyNoRecord,
                minutes: 0,
                deduction_bp: policy.no_record_bp,
            }),
            Some(departure) => {
                let early = minutes_after(hours.end, *departure);
                if early > 0 {
                    lines.push(Line {
                        date: day.date,
                        reason: Reason::Early,
                        minutes: early,
                        deduction_bp: policy.band(early),
                    });
                }
            }
        }
    }
    let deduction_bp = lines.iter().map(|l| l.deduction_bp).sum::<i64>().min(policy.cap_bp);
    MonthDiscipline { lines, working_days, excused_days, deduction_bp, factor_bp: 10_000 - deduction_bp }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn a_permission_moves_the_start_or_the_end_and_nothing_else() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let day = Hours { start: t(7, 30), end: t(16, 0) };
        assert_eq!(day.excusing(&[]), Some(day));
        // Arriving by 10:00 is on time; leaving from 14:00 is not early.
        assert_eq!(day.excusing(&[(t(7, 30), t(10, 0))]), Some(Hours { start: t(10, 0), end: t(16, 0) }));
        assert_eq!(day.excusing(&[(t(6, 0), t(10, 0))]), Some(Hours { start: t(10, 0), end: t(16, 0) }));
        assert_eq!(day.excusing(&[(t(14, 0), t(16, 0))]), Some(Hours { start: t(7, 30), end: t(14, 0) }));
        // A window inside the day excuses neither; one before the start neither.
        assert_eq!(day.excusing(&[(t(10, 0), t(12, 0))]), Some(day));
        assert_eq!(day.excusing(&[(t(6, 0), t(7, 0))]), Some(day));
        // Chained windows, and windows that leave nothing.
        assert_eq!(
            day.excusing(&[(t(8, 30), t(9, 30)), (t(7, 30), t(8, 30))]),
            Some(Hours { start: t(9, 30), end: t(16, 0) })
        );
        assert_eq!(day.excusing(&[(t(7, 0), t(17, 0))]), None);
        assert_eq!(day.excusing(&[(t(7, 30), t(12, 0)), (t(12, 0), t(16, 0))]), None);
    }

    #[test]
    fn a_reasons_word_is_its_json_and_a_stored_bp_still_reads() {
        use Reason::*;
        for r in [Excused, AbsentWithoutNotice, LateNoRecord, Late, WithinTolerance, EarlyNoRecord, Early] {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        let old: Line = serde_json::from_str(r#"{"date":"2026-11-03","reason":"late","minutes":8,"bp":50}"#).unwrap();
        assert_eq!(old.deduction_bp, 50);
        assert_eq!(serde_json::to_value(old).unwrap()["deduction_bp"], 50);
    }

    pub(crate) fn t(h: u32, m: u32, s: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, s).unwrap()
    }

    /// November 2026 with the default schedule: every working day in 07:20, out five minutes
    /// after the end, unless `special` says otherwise.
    pub(crate) fn november(special: &[(u32, Vec<NaiveTime>, Vec<NaiveTime>, bool)]) -> Vec<DayRecord> {
        let schedule = Schedule::default();
        (1..=30)
            .map(|d| {
                let date = NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
                let hours = schedule.hours(date.weekday());
                let at = |times: &Vec<NaiveTime>| times.iter().map(|t| date.and_time(*t)).collect::<Vec<_>>();
                let default_out = hours.map(|h| date.and_time(h.end) + chrono::Duration::minutes(5));
                match special.iter().find(|(day, ..)| *day == d) {
                    Some((_, ins, outs, excused)) => DayRecord {
                        date,
                        hours: hours.map(|h| h.on(date)),
                        excused: *excused,
                        check_ins: at(ins),
                        check_outs: at(outs),
                    },
                    None => DayRecord {
                        date,
                        hours: hours.map(|h| h.on(date)),
                        excused: false,
                        check_ins: if hours.is_some() { vec![date.and_time(t(7, 20, 0))] } else { vec![] },
                        check_outs: default_out.into_iter().collect(),
                    },
                }
            })
            .collect()
    }

    /// Worked example A of allowance.md, day by day.
    pub(crate) fn example_a() -> Vec<DayRecord> {
        november(&[
            (3, vec![t(7, 40, 0)], vec![t(16, 5, 0)], false),
            (4, vec![t(7, 38, 59)], vec![t(16, 5, 0)], false),
            (6, vec![t(8, 15, 0)], vec![t(16, 35, 0)], false),
            (9, vec![t(7, 25, 0)], vec![], false),
            (12, vec![], vec![], false),
            (13, vec![t(7, 29, 0)], vec![t(14, 55, 0)], false),
            (16, vec![], vec![], true),
            (17, vec![], vec![], true),
            (18, vec![t(7, 31, 0)], vec![t(15, 45, 0)], false),
            (21, vec![t(8, 0, 0)], vec![], false),
        ])
    }

    #[test]
    fn worked_example_a_day_by_day() {
        let m = month(&example_a(), &DisciplinePolicy::default());
        assert_eq!(m.working_days, 21);
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        let expected = vec![
            Line { date: d(3), reason: Reason::WithinTolerance, minutes: 10, deduction_bp: 0 },
            Line { date: d(4), reason: Reason::Late, minutes: 8, deduction_bp: 50 },
            Line { date: d(6), reason: Reason::Late, minutes: 45, deduction_bp: 100 },
            Line { date: d(9), reason: Reason::EarlyNoRecord, minutes: 0, deduction_bp: 150 },
            Line { date: d(12), reason: Reason::AbsentWithoutNotice, minutes: 0, deduction_bp: 500 },
            Line { date: d(13), reason: Reason::Early, minutes: 95, deduction_bp: 150 },
            Line { date: d(16), reason: Reason::Excused, minutes: 0, deduction_bp: 0 },
            Line { date: d(17), reason: Reason::Excused, minutes: 0, deduction_bp: 0 },
            Line { date: d(18), reason: Reason::Late, minutes: 1, deduction_bp: 50 },
            Line { date: d(18), reason: Reason::Early, minutes: 15, deduction_bp: 50 },
        ];
        assert_eq!(m.lines, expected);
        assert_eq!(m.deduction_bp, 1_050);
        assert_eq!(m.factor_bp, 8_950);
    }

    #[test]
    fn each_band_and_the_seconds_rule() {
        let p = DisciplinePolicy::default();
        let table = [(0, 0), (1, 50), (30, 50), (31, 100), (60, 100), (61, 125), (90, 125), (91, 150), (400, 150)];
        for (minutes, bp) in table {
            assert_eq!(p.band(minutes), bp, "{minutes} minutes");
        }
        let at = |h, m, s| NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_time(t(h, m, s));
        assert_eq!(minutes_after(at(7, 30, 59), at(7, 30, 0)), 0);
        assert_eq!(minutes_after(at(7, 31, 0), at(7, 30, 0)), 1);
        assert_eq!(minutes_after(at(7, 0, 0), at(7, 30, 0)), 0);
    }

    #[test]
    fn tolerance_stops_at_the_first_day_past_it() {
        // 5 + 10 = 15 is within; the next 1 minute takes the sum past 15 and is deducted, and so
        // is every later late day.
        let days = november(&[
            (2, vec![t(7, 35, 0)], vec![t(16, 5, 0)], false),
            (3, vec![t(7, 40, 0)], vec![t(16, 5, 0)], false),
            (4, vec![t(7, 31, 0)], vec![t(16, 5, 0)], false),
            (5, vec![t(7, 31, 0)], vec![t(16, 5, 0)], false),
        ]);
        let m = month(&days, &DisciplinePolicy::default());
        let reasons: Vec<(Reason, i64)> = m.lines.iter().map(|l| (l.reason, l.deduction_bp)).collect();
        assert_eq!(
            reasons,
            [(Reason::WithinTolerance, 0), (Reason::WithinTolerance, 0), (Reason::Late, 50), (Reason::Late, 50)]
        );
    }

    #[test]
    fn the_earliest_check_in_and_latest_check_out_count_and_the_cap_holds() {
        let days = november(&[(2, vec![t(9, 0, 0), t(7, 25, 0)], vec![t(12, 0, 0), t(16, 1, 0)], false)]);
        assert_eq!(month(&days, &DisciplinePolicy::default()).lines, vec![]);
        // Absent every working day: 21 × 500 = 10,500, capped at 10,000.
        let absent: Vec<DayRecord> =
            november(&[]).into_iter().map(|d| DayRecord { check_ins: vec![], check_outs: vec![], ..d }).collect();
        let m = month(&absent, &DisciplinePolicy::default());
        assert_eq!(m.deduction_bp, 10_000);
        assert_eq!(m.factor_bp, 0);
    }

    #[test]
    fn a_friday_ends_later() {
        // Friday 6 November: out at 16:05 is 25 minutes early on a Friday.
        let days = november(&[(6, vec![t(7, 20, 0)], vec![t(16, 5, 0)], false)]);
        let m = month(&days, &DisciplinePolicy::default());
        assert_eq!(
            m.lines,
            vec![Line {
                date: NaiveDate::from_ymd_opt(2026, 11, 6).unwrap(),
                reason: Reason::Early,
                minutes: 25,
                deduction_bp: 50
            }]
        );
    }
    #[test]
    fn schedules_round_trip_and_refuse_nonsense() {
        let s = Schedule::default();
        assert_eq!(s.to_stored(), "07:30-16:00,07:30-16:00,07:30-16:00,07:30-16:00,07:30-16:30,,");
        assert_eq!(Schedule::from_stored("roster").unwrap(), Schedule::rostered());
        assert_eq!(Schedule::rostered().to_stored(), "roster");
        assert_eq!(Schedule::rostered().hours(chrono::Weekday::Mon), None);
        assert_eq!(Schedule::from_stored(&s.to_stored()).unwrap(), s);
        let backwards = Some(Hours { start: t(16, 0, 0), end: t(7, 30, 0) });
        assert_eq!(
            Schedule::new([backwards, None, None, None, None, None, None]),
            Err(ScheduleError::EndNotAfterStart("monday"))
        );
        assert_eq!(Schedule::new([None; 7]), Err(ScheduleError::NoWorkingDay));
        assert!(Schedule::from_stored("07:30-16:00").is_err());
        assert!(Schedule::from_stored("7-16,,,,,,").is_err());
    }

    #[test]
    fn the_nearest_level_in_force_wins() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let six =
            Schedule::from_stored("07:00-14:00,07:00-14:00,07:00-14:00,07:00-14:00,07:00-11:00,07:00-12:30,").unwrap();
        let agency = Schedule::from_stored("08:00-16:00,08:00-16:00,08:00-16:00,08:00-16:00,08:00-16:00,,").unwrap();
        let versions =
            ScheduleVersions { levels: vec![vec![(d(12, 1), six.clone())], vec![(d(1, 1), agency.clone())]] };
        assert_eq!(versions.on(d(11, 30)), agency);
        assert_eq!(versions.on(d(12, 1)), six);
        assert_eq!(ScheduleVersions::default().on(d(12, 1)), Schedule::default());
    }
    #[test]
    fn day_facts_tell_each_kind_of_day() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let hours = Schedule::default().hours(chrono::Weekday::Mon).map(|h| h.on(d));
        let day = |ins: Vec<NaiveTime>, outs: Vec<NaiveTime>, excused| DayRecord {
            date: d,
            hours,
            excused,
            check_ins: ins.into_iter().map(|t| d.and_time(t)).collect(),
            check_outs: outs.into_iter().map(|t| d.and_time(t)).collect(),
        };
        assert_eq!(
            day_facts(&DayRecord { hours: None, ..day(vec![], vec![], false) }, false).status,
            DayStatus::DayOff
        );
        assert_eq!(
            day_facts(&DayRecord { hours: None, ..day(vec![], vec![], false) }, true).status,
            DayStatus::Holiday
        );
        assert_eq!(day_facts(&day(vec![t(9, 0, 0)], vec![], true), false).status, DayStatus::Excused);
        assert_eq!(day_facts(&day(vec![], vec![], false), false).status, DayStatus::AbsentWithoutNotice);
        let f = day_facts(&day(vec![t(7, 45, 30), t(7, 50, 0)], vec![t(15, 0, 0)], false), false);
        assert_eq!((f.status, f.late_minutes, f.early_minutes), (DayStatus::Present, Some(15), Some(60)));
        assert_eq!(f.check_in, Some(t(7, 45, 30)));
        let f = day_facts(&day(vec![], vec![t(16, 0, 0)], false), false);
        assert_eq!((f.late_minutes, f.early_minutes), (None, Some(0)));
    }
}
