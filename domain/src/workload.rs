//! Workload analysis (Analisis Beban Kerja): the minutes actually logged in a position or a unit
//! over a span, against the effective working time of one person over the same span, give the
//! staff the work needs; set against the staff present, the job-efficiency index and its grade.

use chrono::NaiveDate;

/// Effective working time of one person in a year when the agency sets none (policy).
pub const DEFAULT_EFFECTIVE_HOURS_PER_YEAR: i32 = 1_250;

/// The range an agency may set its effective working hours in.
pub const EFFECTIVE_HOURS_RANGE: std::ops::RangeInclusive<i32> = 500..=2_500;

/// The standard times an activity may carry, in minutes per output.
pub const STANDARD_MINUTES: std::ops::RangeInclusive<i32> = 1..=100_000;

/// The standard-time workload of accepted output: Σ output × standard minutes, never below 0
/// and saturating rather than overflowing.
pub fn standard_workload(outputs: impl IntoIterator<Item = (i64, i32)>) -> i64 {
    outputs.into_iter().fold(0i64, |sum, (output, minutes)| {
        sum.saturating_add(output.max(0).saturating_mul(i64::from(minutes.max(0))))
    })
}

/// The longest span one analysis covers.
pub const MAX_SPAN_DAYS: i64 = 366;

/// The job-efficiency grade (> 1.00 A, 0.90–1.00 B, 0.70–0.89 C, 0.50–0.69 D, < 0.50 E).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Grade {
    /// Over 1.00: more work than the staff present can do (under-staffed).
    A,
    /// 0.90 to 1.00.
    B,
    /// 0.70 to 0.89.
    C,
    /// 0.50 to 0.69.
    D,
    /// Under 0.50: far fewer hours logged than the staff present have (over-staffed).
    E,
}

impl Grade {
    /// The grade of an index given in hundredths (the two decimals the ABK form prints).
    pub fn of(index_hundredths: i64) -> Grade {
        match index_hundredths {
            i if i > 100 => Grade::A,
            90..=100 => Grade::B,
            70..=89 => Grade::C,
            50..=69 => Grade::D,
            _ => Grade::E,
        }
    }

    /// The letter.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
            Grade::E => "E",
        }
    }
}

/// Why a span cannot be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    #[error("must not be before `from`")]
    Reversed,
    #[error("a span covers at most {MAX_SPAN_DAYS} days")]
    TooLong,
}

/// Checks a span: `from` ≤ `to`, at most [`MAX_SPAN_DAYS`] days.
pub fn check_span(from: NaiveDate, to: NaiveDate) -> Result<(), SpanError> {
    if to < from {
        return Err(SpanError::Reversed);
    }
    if (to - from).num_days() + 1 > MAX_SPAN_DAYS {
        return Err(SpanError::TooLong);
    }
    Ok(())
}

/// `a / b` rounded half up, for `a ≥ 0` and `b > 0`.
fn div_round(a: i64, b: i64) -> i64 {
    (2 * a + b) / (2 * b)
}

/// One person's effective working minutes over a span: the yearly hours spread evenly over the
/// working days of each year the span touches (workforce.md), so a day off or a holiday adds
/// none. `parts` holds, per year the span touches, the working days of the span in that year and
/// the working days of the whole year; the sum is exact and rounded half up once. A year without
/// a working day adds nothing.
pub fn effective_minutes(hours_per_year: i32, parts: &[(i64, i64)]) -> i64 {
    let yearly = i64::from(hours_per_year) * 60;
    // Exact sum of yearly × days / year_days over the parts, as one fraction.
    let (mut num, mut den) = (0i64, 1i64);
    for (days, year_days) in parts.iter().copied().filter(|(_, y)| *y > 0) {
        num = num * year_days + yearly * days.max(0) * den;
        den *= year_days;
    }
    div_round(num, den)
}

/// The analysis of one position, unit or agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Workload {
    /// Minutes logged.
    pub minutes: i64,
    /// One person's effective working minutes over the span.
    pub effective_minutes: i64,
    /// Active employees holding the posts.
    pub staff_present: i64,
    /// `minutes / effective_minutes`, in hundredths of a person, rounded half up.
    pub staff_needed_hundredths: i64,
    /// `staff_needed − staff_present`, in hundredths: above zero under-staffed, below over-staffed.
    pub staff_gap_hundredths: i64,
    /// `minutes / (effective_minutes × staff_present)`, in hundredths, rounded half up; none
    /// without staff.
    pub efficiency_index_hundredths: Option<i64>,
    /// The grade of the index; none without staff.
    pub grade: Option<Grade>,
}

/// Analyses `minutes` logged by `staff_present` people over a span worth `effective_minutes`
/// each. A span without working time (days off and holidays only) needs no one and has no index:
/// there is no time to judge the work against.
pub fn analyse(minutes: i64, effective_minutes: i64, staff_present: i64) -> Workload {
    let minutes = minutes.max(0);
    let effective = effective_minutes.max(0);
    let staff_present = staff_present.max(0);
    let needed = if effective == 0 { 0 } else { div_round(minutes * 100, effective) };
    let index = (staff_present > 0 && effective > 0).then(|| div_round(minutes * 100, effective * staff_present));
    Workload {
        minutes,
        effective_minutes: effective,
        staff_present,
        staff_needed_hundredths: needed,
        staff_gap_hundredths: needed - staff_present * 100,
        efficiency_index_hundredths: index,
        grade: index.map(Grade::of),
    }
}

/// Orders analyses from the most under-staffed to the most over-staffed: by index, highest
/// first (work logged with no staff at all counts as the highest), then by the gap; a post or
/// unit with neither staff nor work last.
pub fn ranking_order(a: &Workload, b: &Workload) -> std::cmp::Ordering {
    let key = |w: &Workload| match w.efficiency_index_hundredths {
        Some(i) => i,
        None if w.minutes > 0 => i64::MAX,
        None => i64::MIN,
    };
    key(b).cmp(&key(a)).then_with(|| b.staff_gap_hundredths.cmp(&a.staff_gap_hundredths))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_whole_year_is_the_yearly_hours() {
        assert_eq!(effective_minutes(1250, &[(261, 261)]), 75_000);
        assert_eq!(effective_minutes(1250, &[(248, 248)]), 75_000);
    }

    #[test]
    fn a_part_of_a_year_is_pro_rata_by_working_day() {
        // 75,000 × 20 / 250 = 6,000: a month of 20 working days in a year of 250.
        assert_eq!(effective_minutes(1250, &[(20, 250)]), 6_000);
        // 75,000 × 19 / 248 = 5,745.96…: two holidays less in the month and the year.
        assert_eq!(effective_minutes(1250, &[(19, 248)]), 5_746);
        // A span over new year: 75,000 × (2/261 + 3/260) = 1,440.11…
        assert_eq!(effective_minutes(1250, &[(2, 261), (3, 260)]), 1_440);
        // Days off only: nothing.
        assert_eq!(effective_minutes(1250, &[(0, 261)]), 0);
        assert_eq!(effective_minutes(1250, &[(3, 0)]), 0);
    }

    #[test]
    fn grade_boundaries_follow_the_guide() {
        for (index, grade) in [
            (250, Grade::A),
            (101, Grade::A),
            (100, Grade::B),
            (90, Grade::B),
            (89, Grade::C),
            (70, Grade::C),
            (69, Grade::D),
            (50, Grade::D),
            (49, Grade::E),
            (0, Grade::E),
        ] {
            assert_eq!(Grade::of(index), grade, "index {index}");
        }
    }

    #[test]
    fn staff_needed_and_index() {
        // 3 people's worth of a year logged by 2 people: needs 3.00, index 1.50, A.
        let w = analyse(225_000, 75_000, 2);
        assert_eq!(w.staff_needed_hundredths, 300);
        assert_eq!(w.staff_gap_hundredths, 100);
        assert_eq!(w.efficiency_index_hundredths, Some(150));
        assert_eq!(w.grade, Some(Grade::A));
        // 0.895 rounds to 0.90: B.
        let w = analyse(67_125, 75_000, 1);
        assert_eq!(w.efficiency_index_hundredths, Some(90));
        assert_eq!(w.grade, Some(Grade::B));
        // Nobody there: no index.
        let w = analyse(1_000, 75_000, 0);
        assert_eq!(w.efficiency_index_hundredths, None);
        assert_eq!(w.grade, None);
        assert_eq!(w.staff_needed_hundredths, 1);
        // No working time in the span: nothing needed, no index.
        let w = analyse(120, 0, 2);
        assert_eq!((w.staff_needed_hundredths, w.efficiency_index_hundredths, w.grade), (0, None, None));
    }

    #[test]
    fn ranking_puts_the_most_under_staffed_first() {
        let mut v = [analyse(0, 100, 0), analyse(10, 100, 1), analyse(500, 100, 0), analyse(300, 100, 2)];
        v.sort_by(ranking_order);
        assert_eq!(
            v.iter().map(|w| (w.minutes, w.efficiency_index_hundredths)).collect::<Vec<_>>(),
            [(500, None), (300, Some(150)), (10, Some(10)), (0, None)]
        );
    }

    #[test]
    fn standard_workload_weighs_output_by_its_standard_time() {
        assert_eq!(standard_workload([(3, 45), (2, 120), (0, 30)]), 375);
        assert_eq!(standard_workload([(-4, 45)]), 0);
        assert_eq!(standard_workload([(i64::MAX, 100_000), (1, 1)]), i64::MAX);
    }

    #[test]
    fn spans_are_checked() {
        assert_eq!(check_span(d(2026, 2, 1), d(2026, 1, 1)), Err(SpanError::Reversed));
        assert_eq!(check_span(d(2026, 1, 1), d(2027, 1, 1)), Ok(()));
        assert_eq!(check_span(d(2026, 1, 1), d(2027, 1, 2)), Err(SpanError::TooLong));
    }
}
