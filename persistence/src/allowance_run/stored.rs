//! The stored form of a run line's breakdown: one short line of text, read back into the same
//! [`Breakdown`] the API shows.
//!
//! A large agency's run stores a line per employee. As JSON a breakdown was about 1.3 kB, most of
//! it the same field names again on every discipline line, and storing 100,000 of them was most
//! of the run's time (BENCHMARKS.md, issue 19). Here a breakdown is its numbers in a fixed order,
//! `;` between them, and its discipline lines as a month's first day followed by each line's
//! day, reason, minutes and deduction:
//!
//! ```text
//! 1;7;4000000;p;good;;;;10000;21;0;150;9850;2800000;1182000;3982000;2026-11-01,2l31.50,9t5.0
//! ```
//!
//! The first field is the form's version. Lines stored as JSON before this form (from a `{`) still
//! read. A stored breakdown that reads as neither is a load error, never a default.

use chrono::{Duration, NaiveDate};
use ekinerja_domain::allowance::{Amount, Breakdown, PerformanceBasis};
use ekinerja_domain::discipline::{Line, MonthDiscipline, Reason};
use ekinerja_domain::evaluation::Predicate;

/// The version of the form [`write`] gives.
const VERSION: &str = "1";

/// The letter of a discipline line's reason.
fn letter(r: Reason) -> char {
    match r {
        Reason::Excused => 'x',
        Reason::AbsentWithoutNotice => 'a',
        Reason::LateNoRecord => 'n',
        Reason::Late => 'l',
        Reason::WithinTolerance => 't',
        Reason::EarlyNoRecord => 'o',
        Reason::Early => 'e',
    }
}

/// The reason of a letter, if it is one.
fn reason(c: char) -> Option<Reason> {
    Some(match c {
        'x' => Reason::Excused,
        'a' => Reason::AbsentWithoutNotice,
        'n' => Reason::LateNoRecord,
        'l' => Reason::Late,
        't' => Reason::WithinTolerance,
        'o' => Reason::EarlyNoRecord,
        'e' => Reason::Early,
        _ => return None,
    })
}

/// A breakdown in its stored form.
pub fn write(b: &Breakdown) -> String {
    use std::fmt::Write;
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let d = &b.discipline;
    let mut out = format!(
        "{VERSION};{};{};{};{};{};{};{};{};{};{};{};{};{};{};{};",
        b.class,
        b.base,
        match b.basis {
            PerformanceBasis::Predicate => 'p',
            PerformanceBasis::Productivity => 'm',
        },
        b.predicate.map(Predicate::as_str).unwrap_or_default(),
        opt(b.productive_minutes),
        opt(b.daily_cap_minutes),
        opt(b.target_minutes),
        b.performance_factor_bp,
        d.working_days,
        d.excused_days,
        d.deduction_bp,
        d.factor_bp,
        b.amount.performance_part,
        b.amount.discipline_part,
        b.amount.total,
    );
    // Each line's date as days from the first line's month's first day: a month's lines are
    // one or two digits each, and a date in any other month still reads back exactly.
    if let Some(first) = d.lines.first() {
        let from = first.date - Duration::days(i64::from(chrono::Datelike::day0(&first.date)));
        let _ = write!(out, "{from}");
        for l in &d.lines {
            let _ = write!(out, ",{}{}{}.{}", (l.date - from).num_days(), letter(l.reason), l.minutes, l.deduction_bp);
        }
    }
    out
}

/// Why a stored breakdown does not read.
#[derive(Debug, thiserror::Error)]
#[error("a stored breakdown does not read ({0}): {1:?}")]
pub struct Unreadable(&'static str, String);

/// A number as [`write`] writes it. `FromStr` takes a leading `+`; the form never writes one.
fn number<T: std::str::FromStr>(s: &str, what: &'static str, text: &str) -> Result<T, Unreadable> {
    if s.starts_with('+') {
        return Err(Unreadable(what, text.to_owned()));
    }
    s.parse().map_err(|_| Unreadable(what, text.to_owned()))
}

/// The `;`-separated fields of a stored breakdown, taken in order, each named for the error.
struct Fields<'a> {
    rest: std::str::Split<'a, char>,
    text: &'a str,
}

impl<'a> Fields<'a> {
    fn word(&mut self, what: &'static str) -> Result<&'a str, Unreadable> {
        self.rest.next().ok_or_else(|| Unreadable(what, self.text.to_owned()))
    }

    fn num<T: std::str::FromStr>(&mut self, what: &'static str) -> Result<T, Unreadable> {
        number(self.word(what)?, what, self.text)
    }

    /// A number, or nothing (`None`).
    fn opt(&mut self, what: &'static str) -> Result<Option<i64>, Unreadable> {
        match self.word(what)? {
            "" => Ok(None),
            s => number(s, what, self.text).map(Some),
        }
    }
}

/// A stored breakdown, in either form.
pub fn read(text: &str) -> Result<Breakdown, Unreadable> {
    if text.starts_with('{') {
        return serde_json::from_str(text).map_err(|_| Unreadable("JSON", text.to_owned()));
    }
    let bad = |what: &'static str| Unreadable(what, text.to_owned());
    let mut fields = Fields { rest: text.split(';'), text };
    if fields.word("version")? != VERSION {
        return Err(bad("version"));
    }
    let class = fields.num("class")?;
    let base = fields.num("base")?;
    let basis = match fields.word("basis")? {
        "p" => PerformanceBasis::Predicate,
        "m" => PerformanceBasis::Productivity,
        _ => return Err(bad("basis")),
    };
    let predicate = match fields.word("predicate")? {
        "" => None,
        w => Some(Predicate::parse(w).ok_or_else(|| bad("predicate"))?),
    };
    let productive_minutes = fields.opt("productive minutes")?;
    let daily_cap_minutes = fields.opt("daily cap")?;
    let target_minutes = fields.opt("target minutes")?;
    let performance_factor_bp = fields.num("performance factor")?;
    let working_days = fields.num("working days")?;
    let excused_days = fields.num("excused days")?;
    let deduction_bp = fields.num("deduction")?;
    let factor_bp = fields.num("discipline factor")?;
    let performance_part = fields.num("performance part")?;
    let discipline_part = fields.num("discipline part")?;
    let total = fields.num("total")?;
    let lines_field = fields.word("lines")?;
    if fields.rest.next().is_some() {
        return Err(bad("fields after the lines"));
    }
    let mut lines = Vec::new();
    if !lines_field.is_empty() {
        let mut parts = lines_field.split(',');
        let from: NaiveDate = parts.next().unwrap_or_default().parse().map_err(|_| bad("first day"))?;
        for part in parts {
            // [-]days, a reason's letter, minutes, `.`, deduction.
            let at = part.char_indices().find(|&(i, c)| c.is_ascii_alphabetic() && i > 0).ok_or_else(|| bad("line"))?.0;
            let (days, rest) = part.split_at(at);
            let mut rest = rest.chars();
            let reason = rest.next().and_then(reason).ok_or_else(|| bad("line's reason"))?;
            let (minutes, deduction) = rest.as_str().split_once('.').ok_or_else(|| bad("line"))?;
            let days: i64 = number(days, "line's day", text)?;
            // `Duration::days` panics out of its range: a corrupt day is refused, never a panic.
            let date =
                Duration::try_days(days).and_then(|d| from.checked_add_signed(d)).ok_or_else(|| bad("line's day"))?;
            lines.push(Line {
                date,
                reason,
                minutes: number(minutes, "line's minutes", text)?,
                deduction_bp: number(deduction, "line's deduction", text)?,
            });
        }
    }
    Ok(Breakdown {
        class,
        base,
        basis,
        predicate,
        productive_minutes,
        daily_cap_minutes,
        target_minutes,
        performance_factor_bp,
        discipline: MonthDiscipline { lines, working_days, excused_days, deduction_bp, factor_bp },
        amount: Amount { performance_part, discipline_part, total },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const REASONS: [Reason; 7] = [
        Reason::Excused,
        Reason::AbsentWithoutNotice,
        Reason::LateNoRecord,
        Reason::Late,
        Reason::WithinTolerance,
        Reason::EarlyNoRecord,
        Reason::Early,
    ];

    fn sample(lines: Vec<Line>) -> Breakdown {
        Breakdown {
            class: 7,
            base: 4_000_000,
            basis: PerformanceBasis::Predicate,
            predicate: Some(Predicate::Good),
            productive_minutes: None,
            daily_cap_minutes: None,
            target_minutes: None,
            performance_factor_bp: 10_000,
            discipline: MonthDiscipline {
                lines,
                working_days: 21,
                excused_days: 2,
                deduction_bp: 150,
                factor_bp: 9_850,
            },
            amount: Amount { performance_part: 2_800_000, discipline_part: 1_182_000, total: 3_982_000 },
        }
    }

    #[test]
    fn every_kind_of_breakdown_reads_back_as_it_was() {
        let mut cases = Vec::new();
        // Every reason, several lines a day, days out of order, a date before and after the
        // month, the month's last day, and no lines at all.
        let lines: Vec<Line> = REASONS
            .iter()
            .enumerate()
            .map(|(i, &reason)| Line {
                date: day(2026, 2, 28 - u32::try_from(i).unwrap() * 3),
                reason,
                minutes: u32::try_from(i).unwrap() * 17,
                deduction_bp: [0, 50, 100, 150, 300][i % 5],
            })
            .collect();
        cases.push(sample(lines.clone()));
        let mut odd = lines.clone();
        odd.push(Line { date: day(2026, 1, 31), reason: Reason::Late, minutes: 0, deduction_bp: 0 });
        odd.push(Line { date: day(2026, 3, 1), reason: Reason::Early, minutes: u32::MAX, deduction_bp: i64::MAX });
        odd.push(odd[0]);
        cases.push(sample(odd));
        cases.push(sample(Vec::new()));
        // Every predicate, none, and the productivity basis with its minutes.
        for p in
            [Predicate::VeryGood, Predicate::Good, Predicate::NeedsImprovement, Predicate::Poor, Predicate::VeryPoor]
        {
            let mut b = sample(lines[..2].to_vec());
            b.predicate = Some(p);
            cases.push(b);
        }
        let mut m = sample(lines[3..].to_vec());
        m.basis = PerformanceBasis::Productivity;
        m.predicate = None;
        m.productive_minutes = Some(5_251);
        m.daily_cap_minutes = Some(450);
        m.target_minutes = Some(0);
        m.class = -1;
        m.base = i64::MAX;
        m.amount.total = i64::MIN;
        m.discipline.deduction_bp = -5;
        cases.push(m);
        for b in cases {
            let text = write(&b);
            assert!(!text.contains('{') && !text.contains('"'), "{text}");
            assert_eq!(read(&text).unwrap(), b, "{text}");
        }
    }

    #[test]
    fn a_month_of_lines_is_a_tenth_of_its_json() {
        let lines: Vec<Line> = (1..=20)
            .map(|d| Line { date: day(2026, 11, d), reason: Reason::WithinTolerance, minutes: 12, deduction_bp: 0 })
            .collect();
        let b = sample(lines);
        let (stored, json) = (write(&b), serde_json::to_string(&b).unwrap());
        assert!(stored.len() * 8 < json.len(), "{} bytes against {}: {stored}", stored.len(), json.len());
    }

    #[test]
    fn a_breakdown_stored_as_json_still_reads() {
        let b = sample(vec![Line { date: day(2026, 11, 3), reason: Reason::Late, minutes: 31, deduction_bp: 50 }]);
        assert_eq!(read(&serde_json::to_string(&b).unwrap()).unwrap(), b);
        // The name a line's deduction had in breakdowns stored before it was `deduction_bp`.
        let old = serde_json::to_string(&b).unwrap().replace("\"deduction_bp\":50", "\"bp\":50");
        assert!(old.contains("\"bp\":50"));
        assert_eq!(read(&old).unwrap(), b);
    }

    #[test]
    fn what_is_not_a_breakdown_is_refused_never_read_as_another() {
        let good =
            write(&sample(vec![Line { date: day(2026, 11, 3), reason: Reason::Late, minutes: 31, deduction_bp: 50 }]));
        assert_eq!(good, "1;7;4000000;p;good;;;;10000;21;2;150;9850;2800000;1182000;3982000;2026-11-01,2l31.50");
        let bad = [
            String::new(),
            "{".to_owned(),
            "{\"class\":7}".to_owned(),
            good.replacen("1;", "2;", 1),
            good.replacen(";p;", ";q;", 1),
            good.replacen(";good;", ";fine;", 1),
            good.replacen(";4000000;", ";4000000x;", 1),
            good.replacen(";4000000;", ";+4000000;", 1),
            good.replacen(";10000;", ";;", 1),
            good.replace(",2l31.50", ",2z31.50"),
            good.replace(",2l31.50", ",2l31"),
            good.replace(",2l31.50", ",l31.50"),
            good.replace(",2l31.50", ",2l-31.50"),
            good.replace(",2l31.50", ",2l31.5x"),
            good.replace("2026-11-01", "2026-13-01"),
            format!("{good};"),
            good.rsplit_once(';').unwrap().0.to_owned(),
            // Days beyond any date, and beyond what a duration holds.
            good.replace(",2l31.50", ",200000000000l31.50"),
            good.replace(",2l31.50", ",-9223372036854775808l31.50"),
            good.replace(",2l31.50", ",99999999l31.50"),
        ];
        for text in bad {
            assert!(read(&text).is_err(), "{text:?} read");
        }
    }
}
