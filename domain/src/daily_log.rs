//! Daily logs (catatan harian, the Daily Evaluation System): what an employee did on a working
//! day, for how long, towards which planned result; checked against the day's other logs and the
//! agency's daily cap, then reviewed by the direct supervisor.

use chrono::{NaiveDate, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

/// Default daily cap on logged minutes (*policy*: an agency changes it).
pub const DEFAULT_DAILY_CAP_MINUTES: u32 = 450;

/// When, within a day, the work was done: a start and end time, or only a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Start time, where given.
    pub start: Option<NaiveTime>,
    /// End time, where given.
    pub end: Option<NaiveTime>,
    /// Minutes worked: end − start, or the duration given.
    pub minutes: u32,
}

/// Why a log is refused; each names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// Neither a time range nor a duration, or both that disagree.
    #[error("give a start and end time, or a duration in minutes")]
    NoSpan,
    /// Only one end of the range.
    #[error("a time range needs both a start and an end")]
    HalfRange,
    /// End not after start.
    #[error("the end time must be after the start time")]
    EndBeforeStart,
    /// A duration out of range.
    #[error("a duration is from 1 to 1440 minutes")]
    Duration,
    /// The duration disagrees with the range.
    #[error("the duration does not match the time range ({0} minutes)")]
    DurationMismatch(u32),
    /// A day that has not come yet.
    #[error("the date is in the future")]
    FutureDate,
    /// Outside the agreement the log serves.
    #[error("the date is outside the agreement's period ({0} to {1})")]
    OutsideAgreement(NaiveDate, NaiveDate),
    /// Overlaps another log of the same day.
    #[error("overlaps another log of the same day ({0}–{1})")]
    Overlap(String, String),
    /// More minutes than the agency allows in a day.
    #[error("the day would hold {total} minutes, more than the {cap} the agency allows")]
    OverCap { total: u32, cap: u32 },
}

impl Span {
    /// Builds a span from a range, a duration, or both (which must agree). Times are whole
    /// minutes: seconds are refused rather than dropped.
    pub fn new(start: Option<NaiveTime>, end: Option<NaiveTime>, duration: Option<i64>) -> Result<Span, LogError> {
        match (start, end) {
            (Some(s), Some(e)) => {
                if e <= s {
                    return Err(LogError::EndBeforeStart);
                }
                let minutes = (e.num_seconds_from_midnight() - s.num_seconds_from_midnight()) / 60;
                if let Some(d) = duration {
                    if d != i64::from(minutes) {
                        return Err(LogError::DurationMismatch(minutes));
                    }
                }
                Ok(Span { start: Some(s), end: Some(e), minutes })
            }
            (None, None) => match duration {
                None => Err(LogError::NoSpan),
                Some(d) if !(1..=1440).contains(&d) => Err(LogError::Duration),
                Some(d) => Ok(Span { start: None, end: None, minutes: d as u32 }),
            },
            _ => Err(LogError::HalfRange),
        }
    }

    fn overlaps(&self, other: &Span) -> bool {
        match (self.start, self.end, other.start, other.end) {
            (Some(a), Some(b), Some(c), Some(d)) => a < d && c < b,
            _ => false,
        }
    }
}

/// Checks a log's date: not in the future, and within the agreement it serves, if any.
pub fn check_date(
    date: NaiveDate,
    today: NaiveDate,
    agreement: Option<(NaiveDate, NaiveDate)>,
) -> Result<(), LogError> {
    if date > today {
        return Err(LogError::FutureDate);
    }
    if let Some((from, to)) = agreement {
        if date < from || date > to {
            return Err(LogError::OutsideAgreement(from, to));
        }
    }
    Ok(())
}

/// Checks a log against the other logs of the same day: no overlapping time ranges, and the
/// day's minutes within the agency's cap.
pub fn check_day(new: &Span, others: &[Span], cap_minutes: u32) -> Result<(), LogError> {
    if let Some(o) = others.iter().find(|o| new.overlaps(o)) {
        let fmt = |t: Option<NaiveTime>| t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default();
        return Err(LogError::Overlap(fmt(o.start), fmt(o.end)));
    }
    let total = others.iter().map(|o| o.minutes).sum::<u32>() + new.minutes;
    if total > cap_minutes {
        return Err(LogError::OverCap { total, cap: cap_minutes });
    }
    Ok(())
}

/// A link to evidence of the work (a document, a photo): `http` or `https`, at most 2,000
/// characters that a URI holds as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct EvidenceUrl(String);

/// Why an evidence link is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be an http or https link of at most 2000 characters that a URI holds as written (percent-encode the rest), with brackets only around an IPv6 address")]
pub struct EvidenceUrlError;

impl EvidenceUrl {
    /// The longest link, in characters.
    pub const MAX_CHARS: usize = 2000;

    /// The API schema's pattern for a link (with [`Self::MAX_CHARS`] as its maximum length), which
    /// is exactly what [`Self::parse`] accepts: `http://` or `https://`; a host (with a user and
    /// a port if need be) of the characters a URI holds as written ([`crate::network::uri_char`]),
    /// or an IPv6 address in brackets; then any of them after `/`, `?` or `#`. Any other
    /// character is percent-encoded, a host written in its `xn--` form, as in any URI.
    pub const PATTERN: &'static str = "^https?://(?:\\[(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:))\\](?::[0-9]+)?|[!$-.0-;=@-Z_a-z~]+)(?:[/?#][!#-;=?-\\[\\]_a-z~]*)?$";

    /// Accepts `http://…` and `https://…` links as [`Self::PATTERN`] describes them.
    pub fn parse(s: &str) -> Result<Self, EvidenceUrlError> {
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).ok_or(EvidenceUrlError)?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let bracketed = authority.contains(['[', ']']);
        if s.chars().count() > Self::MAX_CHARS
            || authority.is_empty()
            || (bracketed && !crate::network::bracketed_host(authority))
            || !s.chars().all(crate::network::uri_char)
        {
            return Err(EvidenceUrlError);
        }
        Ok(EvidenceUrl(s.to_owned()))
    }

    /// A link as stored, when an earlier rule accepted it, carried through a correction that
    /// leaves it alone: a rule tightened since must not make the rest of the log uncorrectable,
    /// nor change the link behind its owner's back. Never for a link a request gives.
    pub fn kept(stored: String) -> Self {
        EvidenceUrl(stored)
    }

    /// The link.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where the work was done: WGS 84 latitude and longitude in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Location {
    /// −90 to 90.
    pub latitude: f64,
    /// −180 to 180.
    pub longitude: f64,
}

/// A location out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("latitude is from -90 to 90 and longitude from -180 to 180, both given")]
pub struct LocationError;

impl Location {
    /// Both coordinates, finite and in range.
    pub fn new(latitude: Option<f64>, longitude: Option<f64>) -> Result<Option<Self>, LocationError> {
        match (latitude, longitude) {
            (None, None) => Ok(None),
            (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0 => {
                Ok(Some(Location { latitude: lat, longitude: lon }))
            }
            _ => Err(LocationError),
        }
    }
}

/// `part` as a share of `whole` in basis points (10,000 = 100%), rounded down; 0 when
/// `whole` is 0.
pub fn share_bp(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        part.clamp(0, whole).saturating_mul(10_000) / whole
    }
}

/// A unit's logging over a span, summed from its employees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ActivitySummary {
    /// Employees counted.
    pub employees: i64,
    /// Of them, those with at least one log in the span.
    pub logged: i64,
    /// Those with none.
    pub not_logged: i64,
    /// Minutes logged.
    pub minutes: i64,
    /// Minutes serving planned results.
    pub linked_minutes: i64,
    /// `linked_minutes` as a share of `minutes`, in basis points.
    pub linked_share_bp: i64,
}

/// Sums employees' `(logs, minutes, linked_minutes)` into a summary.
pub fn summarise(rows: impl IntoIterator<Item = (i64, i64, i64)>) -> ActivitySummary {
    let mut s = ActivitySummary::default();
    for (logs, minutes, linked) in rows {
        s.employees += 1;
        if logs > 0 {
            s.logged += 1;
        }
        s.minutes += minutes;
        s.linked_minutes += linked;
    }
    s.not_logged = s.employees - s.logged;
    s.linked_share_bp = share_bp(s.linked_minutes, s.minutes);
    s
}

/// The longest span a monitoring view covers, in days (a month).
pub const MAX_MONITORING_DAYS: i64 = 31;

/// Why a monitoring span is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    /// `to` before `from`.
    #[error("to must not be before from")]
    Reversed,
    /// More than a month.
    #[error("a span covers at most 31 days")]
    TooLong,
}

/// The days a monitoring view covers: `from` defaults to the agency's today, `to` to `from`.
pub fn monitoring_span(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), SpanError> {
    let from = from.unwrap_or(today);
    let to = to.unwrap_or(from);
    if to < from {
        Err(SpanError::Reversed)
    } else if (to - from).num_days() >= MAX_MONITORING_DAYS {
        Err(SpanError::TooLong)
    } else {
        Ok((from, to))
    }
}

word_enum! {
    /// Where a log is in review.
    LogStatus {
        /// Waiting for the supervisor.
        Submitted => "submitted",
        /// Accepted by the supervisor: read-only to the employee.
        Accepted => "accepted",
        /// Rejected with a reason: the employee may correct it, which submits it again.
        Rejected => "rejected",
    }
}

word_enum! {
    /// A supervisor's decision on a log.
    Decision {
        /// Accept.
        Accept => "accept",
        /// Reject, with a reason.
        Reject => "reject",
    }
}

/// Why a review or an edit is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// Only logs waiting for review are reviewed.
    #[error("only a log waiting for review can be reviewed; this one is {0}")]
    NotSubmitted(LogStatus),
    /// A rejection needs a reason.
    #[error("a rejection needs a reason")]
    ReasonRequired,
    /// Accepted logs are read-only.
    #[error("an accepted log is read-only")]
    Accepted,
}

impl LogStatus {
    /// The status after a supervisor's decision.
    pub fn review(self, decision: Decision, reason: Option<&str>) -> Result<LogStatus, ReviewError> {
        if self != LogStatus::Submitted {
            return Err(ReviewError::NotSubmitted(self));
        }
        match decision {
            Decision::Accept => Ok(LogStatus::Accepted),
            Decision::Reject if reason.is_some_and(|r| !r.trim().is_empty()) => Ok(LogStatus::Rejected),
            Decision::Reject => Err(ReviewError::ReasonRequired),
        }
    }

    /// The status after the employee edits the log: a rejected log goes back to review; an
    /// accepted one cannot change.
    pub fn after_edit(self) -> Result<LogStatus, ReviewError> {
        match self {
            LogStatus::Accepted => Err(ReviewError::Accepted),
            LogStatus::Submitted | LogStatus::Rejected => Ok(LogStatus::Submitted),
        }
    }
}

/// Policy default: working days a log may wait for review before it is escalated.
pub const DEFAULT_REVIEW_ESCALATION_WORKING_DAYS: i32 = 5;
/// The range an agency may set it in (0: never escalated).
pub const REVIEW_ESCALATION_RANGE: std::ops::RangeInclusive<i32> = 0..=60;

/// Whether a log still waiting for review is escalated: `waited` working days have passed after
/// the day it was submitted (not counting today), at least the policy's (0: never). Then those
/// above the direct supervisor may decide it too, and it shows in the next supervisor up's tasks.
pub fn review_escalated(status: LogStatus, waited_working_days: i64, policy_days: i32) -> bool {
    status == LogStatus::Submitted && waited_past(waited_working_days, policy_days)
}

/// Whether a decision has waited `waited_working_days` (after the day it was asked for, not
/// counting today) past the agency's escalation policy (0: never): a log's review, a leave
/// request's step. Such a task is overdue, and subscribers are told (`task_overdue`).
pub fn waited_past(waited_working_days: i64, policy_days: i32) -> bool {
    policy_days > 0 && waited_working_days >= i64::from(policy_days)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_review_escalates_after_the_policys_working_days() {
        use super::{review_escalated, LogStatus::*};
        assert!(!review_escalated(Submitted, 4, 5));
        assert!(review_escalated(Submitted, 5, 5));
        assert!(!review_escalated(Accepted, 9, 5), "only a log still waiting");
        assert!(!review_escalated(Rejected, 9, 5));
        assert!(!review_escalated(Submitted, 400, 0), "0: never");
    }

    use super::*;

    fn t(h: u32, m: u32) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(h, m, 0)
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn spans() {
        assert_eq!(Span::new(t(8, 0), t(9, 30), None).unwrap().minutes, 90);
        assert_eq!(Span::new(t(8, 0), t(9, 30), Some(90)).unwrap().minutes, 90);
        assert_eq!(Span::new(None, None, Some(45)).unwrap().minutes, 45);
        assert_eq!(Span::new(t(9, 0), t(8, 0), None), Err(LogError::EndBeforeStart));
        assert_eq!(Span::new(t(9, 0), t(9, 0), None), Err(LogError::EndBeforeStart));
        assert_eq!(Span::new(t(9, 0), None, None), Err(LogError::HalfRange));
        assert_eq!(Span::new(None, None, None), Err(LogError::NoSpan));
        assert_eq!(Span::new(None, None, Some(0)), Err(LogError::Duration));
        assert_eq!(Span::new(None, None, Some(1441)), Err(LogError::Duration));
        assert_eq!(Span::new(t(8, 0), t(9, 0), Some(30)), Err(LogError::DurationMismatch(60)));
    }

    #[test]
    fn dates() {
        let today = d(2026, 11, 23);
        assert_eq!(check_date(today, today, None), Ok(()));
        assert_eq!(check_date(d(2026, 11, 24), today, None), Err(LogError::FutureDate));
        let range = (d(2026, 7, 1), d(2026, 12, 31));
        assert_eq!(check_date(d(2026, 6, 30), today, Some(range)), Err(LogError::OutsideAgreement(range.0, range.1)));
        assert_eq!(check_date(d(2026, 7, 1), today, Some(range)), Ok(()));
    }

    #[test]
    fn days() {
        let morning = Span::new(t(8, 0), t(10, 0), None).unwrap();
        let noon = Span::new(t(10, 0), t(12, 0), None).unwrap();
        let overlapping = Span::new(t(9, 30), t(10, 30), None).unwrap();
        let loose = Span::new(None, None, Some(300)).unwrap();
        assert_eq!(check_day(&noon, &[morning], 450), Ok(()), "touching ranges do not overlap");
        assert_eq!(check_day(&overlapping, &[morning], 450), Err(LogError::Overlap("08:00".into(), "10:00".into())));
        assert_eq!(check_day(&loose, &[morning], 450), Ok(()), "120 + 300 = 420 minutes");
        assert_eq!(check_day(&loose, &[morning, noon], 450), Err(LogError::OverCap { total: 540, cap: 450 }));
        assert_eq!(check_day(&Span::new(None, None, Some(210)).unwrap(), &[morning, noon], 450), Ok(()));
        assert_eq!(
            check_day(&Span::new(None, None, Some(211)).unwrap(), &[morning, noon], 450),
            Err(LogError::OverCap { total: 451, cap: 450 })
        );
    }

    #[test]
    fn evidence_and_location() {
        assert!(EvidenceUrl::parse("https://drive.example.go.id/d/abc?x=1").is_ok());
        assert!(EvidenceUrl::parse("http://10.0.0.1/file.pdf").is_ok());
        for bad in ["ftp://x/y", "https://", "javascript:alert(1)", "https://a b", "//x"] {
            assert!(EvidenceUrl::parse(bad).is_err(), "{bad}");
        }
        assert!(EvidenceUrl::parse(&format!("https://x/{}", "a".repeat(2000))).is_err());
        assert_eq!(Location::new(None, None), Ok(None));
        assert!(Location::new(Some(-8.05), Some(111.7)).unwrap().is_some());
        assert!(Location::new(Some(91.0), Some(0.0)).is_err());
        assert!(Location::new(Some(1.0), None).is_err());
        assert!(Location::new(Some(f64::NAN), Some(0.0)).is_err());
    }

    #[test]
    fn summaries() {
        let s = summarise([(3, 300, 240), (0, 0, 0), (1, 60, 0)]);
        assert_eq!(
            s,
            ActivitySummary {
                employees: 3,
                logged: 2,
                not_logged: 1,
                minutes: 360,
                linked_minutes: 240,
                linked_share_bp: 6_666
            }
        );
        assert_eq!(summarise([]), ActivitySummary::default());
    }

    #[test]
    fn shares() {
        assert_eq!(share_bp(0, 0), 0);
        assert_eq!(share_bp(1, 3), 3_333);
        assert_eq!(share_bp(450, 450), 10_000);
        assert_eq!(share_bp(500, 450), 10_000);
    }

    #[test]
    fn review() {
        use LogStatus::*;
        assert_eq!(Submitted.review(Decision::Accept, None), Ok(Accepted));
        assert_eq!(Submitted.review(Decision::Reject, Some("bukti kurang")), Ok(Rejected));
        assert_eq!(Submitted.review(Decision::Reject, Some(" ")), Err(ReviewError::ReasonRequired));
        assert_eq!(Accepted.review(Decision::Reject, Some("x")), Err(ReviewError::NotSubmitted(Accepted)));
        assert_eq!(Rejected.after_edit(), Ok(Submitted));
        assert_eq!(Submitted.after_edit(), Ok(Submitted));
        assert_eq!(Accepted.after_edit(), Err(ReviewError::Accepted));
    }
}
