//! Leave requests (cuti, PP 11/2017; workforce.md): the employee asks, the direct supervisor
//! recommends or refuses, the head of the employee's OPD approves or refuses; an approved request
//! excuses its days as leave recorded by the agency admin does.
//!
//! Who holds each step is the access rule's answer (`access::Area::LeaveRecommend`,
//! `access::Area::LeaveApprove`); this module says what each step does to a request, and which
//! spans a kind allows.

use chrono::{Months, NaiveDate};

use crate::discipline::AbsenceKind;

word_enum! {
    /// What kind of leave is asked for.
    LeaveKind {
        /// Annual leave (cuti tahunan).
        Annual => "annual",
        /// Long-service leave (cuti besar): up to 3 months.
        LongService => "long_service",
        /// Sick leave (cuti sakit): one day on notice; longer needs a doctor's letter.
        Sick => "sick",
        /// Maternity leave (cuti melahirkan): up to 3 months.
        Maternity => "maternity",
        /// Leave for important reasons (cuti karena alasan penting): up to 1 month.
        ImportantReason => "important_reason",
        /// Official travel (dinas luar), as assigned.
        OfficialTravel => "official_travel",
        /// Permission (izin) for part of one day: excuses late arrival or early departure inside
        /// its window only.
        Permission => "permission",
    }
}

word_enum! {
    /// Where a leave request is in its flow.
    LeaveStatus {
        /// Asked for; waiting for the direct supervisor's recommendation.
        Requested => "requested",
        /// Recommended by the direct supervisor; waiting for the head of the OPD.
        Recommended => "recommended",
        /// Approved: its days are excused.
        Approved => "approved",
        /// Refused by the supervisor or the head of the OPD, with a reason.
        Refused => "refused",
        /// Withdrawn by the employee (or the agency admin); if it was approved, its days are
        /// judged on the attendance events again.
        Cancelled => "cancelled",
    }
}

/// The longest official travel or important-reason leave asked for at once, in calendar days.
const MAX_TRAVEL_DAYS: i64 = 366;

/// The longest sick leave asked for with a doctor's letter (workforce.md): 14 days.
pub const MAX_SICK_DAYS_WITH_LETTER: i64 = 14;

impl LeaveKind {
    /// How an approved request of this kind is recorded for discipline: as a whole-day absence,
    /// or (a permission) as a window of its day, `None`.
    pub fn absence(self) -> Option<AbsenceKind> {
        match self {
            LeaveKind::OfficialTravel => Some(AbsenceKind::OfficialTravel),
            LeaveKind::Permission => None,
            _ => Some(AbsenceKind::Leave),
        }
    }

    /// Whether the kind asks for a window of the day (`starts_at`, `ends_at`): a permission does,
    /// and nothing else may.
    pub fn has_window(self) -> bool {
        self == LeaveKind::Permission
    }

    /// Why the span `starts_on..=ends_on` is too long for this kind (workforce.md), if it is;
    /// `with_letter`: the request carries an attachment (a doctor's letter, for sick leave).
    pub fn span_refusal(self, starts_on: NaiveDate, ends_on: NaiveDate, with_letter: bool) -> Option<String> {
        if ends_on < starts_on {
            return Some("must not be before starts_on".into());
        }
        let months = |n: u32| starts_on.checked_add_months(Months::new(n)).and_then(|d| d.pred_opt());
        let within = |last: Option<NaiveDate>| last.is_some_and(|l| ends_on <= l);
        match self {
            LeaveKind::Sick if (ends_on - starts_on).num_days() >= MAX_SICK_DAYS_WITH_LETTER => Some(format!(
                "sick leave of more than {MAX_SICK_DAYS_WITH_LETTER} days needs a government doctor's letter, which the \
                 agency admin records as leave (POST /api/v1/absences)"
            )),
            LeaveKind::Sick if ends_on != starts_on && !with_letter => Some(
                "sick leave on notice is one day; 2 to 14 days need a doctor's letter: upload it (POST /api/v1/files) \
                 and name it in attachment_file_ids"
                    .into(),
            ),
            LeaveKind::LongService | LeaveKind::Maternity if !within(months(3)) => {
                Some(format!("{self} leave lasts at most 3 months"))
            }
            LeaveKind::ImportantReason if !within(months(1)) => {
                Some("important_reason leave lasts at most 1 month".into())
            }
            LeaveKind::Annual if !within(months(1)) => {
                Some("annual leave is asked for at most a month at a time (24 working days at most a year)".into())
            }
            LeaveKind::Permission if ends_on != starts_on => {
                Some("a permission is for part of one day: ends_on is starts_on".into())
            }
            LeaveKind::OfficialTravel if (ends_on - starts_on).num_days() >= MAX_TRAVEL_DAYS => {
                Some(format!("at most {MAX_TRAVEL_DAYS} days at once"))
            }
            _ => None,
        }
    }
}

/// A step taken on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveStep {
    /// The direct supervisor recommends it to the head of the OPD.
    Recommend,
    /// The head of the OPD (or whoever the rule gives the approval) approves it.
    Approve,
    /// The supervisor or the approver refuses it, with a reason.
    Refuse,
    /// The employee (or the agency admin) withdraws it.
    Cancel,
}

impl LeaveStep {
    /// The step's past tense, for refusals.
    fn done(self) -> &'static str {
        match self {
            LeaveStep::Recommend => "recommended",
            LeaveStep::Approve => "approved",
            LeaveStep::Refuse => "refused",
            LeaveStep::Cancel => "cancelled",
        }
    }
}

/// What the caller may do to one request, as the access rule answers for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LeaveRights {
    /// Writes the request (the employee themself, the agency admin): may cancel it.
    pub own: bool,
    /// Recommends or refuses it (the direct supervisor).
    pub recommend: bool,
    /// Approves or refuses it (the head of the OPD, or the direct supervisor where approval is
    /// one step).
    pub approve: bool,
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeaveError {
    /// The caller does not hold the step (403).
    #[error("{0}")]
    NotYours(&'static str),
    /// The request is not in a state that allows it (409).
    #[error("a request that is {0} cannot be {1}")]
    WrongState(LeaveStatus, &'static str),
    /// A refusal needs a reason (422).
    #[error("a refusal needs a reason")]
    ReasonRequired,
}

impl LeaveStatus {
    /// Whether the request still holds its days: asked for, on its way, or approved.
    pub fn is_live(self) -> bool {
        matches!(self, LeaveStatus::Requested | LeaveStatus::Recommended | LeaveStatus::Approved)
    }

    /// The state after `step` by a caller with `rights`; `reason` is a refusal's.
    ///
    /// Whoever holds both the recommendation and the approval (the direct supervisor who heads
    /// the OPD, the supervisor where approval is one step, the agency admin for the top official)
    /// approves a request straight from `requested`.
    pub fn apply(self, step: LeaveStep, rights: LeaveRights, reason: Option<&str>) -> Result<Self, LeaveError> {
        use LeaveStatus::*;
        let wrong = || Err(LeaveError::WrongState(self, step.done()));
        match step {
            LeaveStep::Recommend => {
                if !rights.recommend {
                    return Err(LeaveError::NotYours("a request is recommended by the employee's direct supervisor"));
                }
                if self != Requested {
                    return wrong();
                }
                Ok(if rights.approve { Approved } else { Recommended })
            }
            LeaveStep::Approve => match self {
                Requested if rights.approve && rights.recommend => Ok(Approved),
                Requested if rights.approve => {
                    Err(LeaveError::WrongState(self, "approved before the direct supervisor recommends it"))
                }
                Recommended if rights.approve => Ok(Approved),
                _ if !rights.approve => {
                    Err(LeaveError::NotYours("a request is approved by the head of the employee's OPD"))
                }
                _ => wrong(),
            },
            LeaveStep::Refuse => {
                // A request is refused by the step it waits for: the recommendation while
                // requested, the approval once recommended.
                let holds = match self {
                    Requested => rights.recommend,
                    Recommended => rights.approve,
                    _ => rights.recommend || rights.approve,
                };
                if !holds {
                    return Err(LeaveError::NotYours("a request is refused by the one it waits for"));
                }
                if !matches!(self, Requested | Recommended) {
                    return wrong();
                }
                if reason.is_none_or(|r| r.trim().is_empty()) {
                    return Err(LeaveError::ReasonRequired);
                }
                Ok(Refused)
            }
            LeaveStep::Cancel => {
                if !rights.own {
                    return Err(LeaveError::NotYours("a request is cancelled by the employee who asked for it"));
                }
                if !self.is_live() {
                    return wrong();
                }
                Ok(Cancelled)
            }
        }
    }

    /// The step a request in this state waits for from a caller with `rights`, if any: what their
    /// task list counts.
    pub fn awaits(self, rights: LeaveRights) -> Option<LeaveStep> {
        match self {
            LeaveStatus::Requested if rights.recommend && rights.approve => Some(LeaveStep::Approve),
            LeaveStatus::Requested if rights.recommend => Some(LeaveStep::Recommend),
            LeaveStatus::Recommended if rights.approve => Some(LeaveStep::Approve),
            _ => None,
        }
    }
}

word_enum! {
    /// Who approves leave in an agency *(policy)*.
    LeaveApproval {
        /// The direct supervisor recommends; the head of the employee's OPD approves.
        TwoStep => "two_step",
        /// The direct supervisor approves alone.
        OneStep => "one_step",
    }
}

/// The annual-leave entitlement *(policy; defaults of PP 11/2017, workforce.md)*.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnnualLeavePolicy {
    /// Working days a year, from one year of continuous service (12).
    pub days_per_year: i32,
    /// The most a year holds with days carried over from the year before (18).
    pub carry_cap: i32,
    /// The most a year holds after two or more consecutive years without annual leave (24).
    pub unused_years_cap: i32,
}

impl Default for AnnualLeavePolicy {
    fn default() -> Self {
        AnnualLeavePolicy { days_per_year: 12, carry_cap: 18, unused_years_cap: 24 }
    }
}

/// An employee's annual leave in one year, as the requests show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearOfLeave {
    /// Working days of approved annual leave starting in the year.
    pub approved_days: i32,
    /// Working days of annual leave asked for and still waiting.
    pub pending_days: i32,
    /// Approved long-service leave in the year: that year's annual leave lapses.
    pub long_service: bool,
}

/// Where an employee stands with annual leave in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnnualBalance {
    pub year: i32,
    /// From when annual leave may be taken: one year after appointment.
    pub eligible_from: NaiveDate,
    /// This year's own entitlement (0 before eligibility, or when long-service leave lapses it).
    pub entitlement_days: i32,
    /// Days carried over from earlier years.
    pub carried_over_days: i32,
    /// Entitlement and carry-over together.
    pub available_days: i32,
    pub approved_days: i32,
    pub pending_days: i32,
    /// What may still be asked for.
    pub remaining_days: i32,
}

impl AnnualLeavePolicy {
    /// The entitlement of `year` alone: the policy's days once the employee has a year of service
    /// by the year's end, none in a year of long-service leave.
    fn own(&self, appointed_on: NaiveDate, year: i32, taken: &YearOfLeave) -> i32 {
        let eligible_from = eligible_from(appointed_on);
        let eligible = NaiveDate::from_ymd_opt(year, 12, 31).is_some_and(|end| eligible_from <= end);
        if eligible && !taken.long_service {
            self.days_per_year
        } else {
            0
        }
    }

    /// The balance of `year`, given the employee's annual leave of that year and the two before
    /// (`history[0]` two years before, `history[1]` the year before, `history[2]` the year
    /// itself). Unused days of the year before carry over up to `carry_cap` in all; after two
    /// consecutive eligible years without annual leave, up to `unused_years_cap`.
    pub fn balance(&self, appointed_on: NaiveDate, year: i32, history: [YearOfLeave; 3]) -> AnnualBalance {
        let [two_before, before, this] = history;
        let entitlement = self.own(appointed_on, year, &this);
        let own_before = self.own(appointed_on, year - 1, &before);
        let own_two_before = self.own(appointed_on, year - 2, &two_before);
        let carried = if entitlement == 0 {
            0
        } else if own_before > 0 && own_two_before > 0 && before.approved_days == 0 && two_before.approved_days == 0 {
            (self.unused_years_cap - entitlement).max(0)
        } else {
            (own_before - before.approved_days).clamp(0, (self.carry_cap - entitlement).max(0))
        };
        let available = entitlement + carried;
        AnnualBalance {
            year,
            eligible_from: eligible_from(appointed_on),
            entitlement_days: entitlement,
            carried_over_days: carried,
            available_days: available,
            approved_days: this.approved_days,
            pending_days: this.pending_days,
            remaining_days: (available - this.approved_days - this.pending_days).max(0),
        }
    }
}

/// Five years after the appointment: when long-service leave may first be taken.
pub fn long_service_from(appointed_on: NaiveDate) -> NaiveDate {
    appointed_on.checked_add_months(Months::new(60)).unwrap_or(appointed_on)
}

/// One year after the appointment: when annual leave may first be taken.
pub fn eligible_from(appointed_on: NaiveDate) -> NaiveDate {
    appointed_on.checked_add_months(Months::new(12)).unwrap_or(appointed_on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use LeaveStatus::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    const SUPERVISOR: LeaveRights = LeaveRights { own: false, recommend: true, approve: false };
    const HEAD: LeaveRights = LeaveRights { own: false, recommend: false, approve: true };
    const BOTH: LeaveRights = LeaveRights { own: false, recommend: true, approve: true };
    const OWNER: LeaveRights = LeaveRights { own: true, recommend: false, approve: false };

    #[test]
    fn two_steps_in_order_or_one_for_whoever_holds_both() {
        assert_eq!(Requested.apply(LeaveStep::Recommend, SUPERVISOR, None), Ok(Recommended));
        assert_eq!(Recommended.apply(LeaveStep::Approve, HEAD, None), Ok(Approved));
        assert!(matches!(Requested.apply(LeaveStep::Approve, HEAD, None), Err(LeaveError::WrongState(..))));
        assert!(matches!(Requested.apply(LeaveStep::Approve, SUPERVISOR, None), Err(LeaveError::NotYours(_))));
        assert_eq!(Requested.apply(LeaveStep::Approve, BOTH, None), Ok(Approved));
        assert_eq!(Requested.apply(LeaveStep::Recommend, BOTH, None), Ok(Approved));
        assert!(matches!(Recommended.apply(LeaveStep::Recommend, SUPERVISOR, None), Err(LeaveError::WrongState(..))));
        assert!(matches!(Requested.apply(LeaveStep::Recommend, OWNER, None), Err(LeaveError::NotYours(_))));
    }

    #[test]
    fn refusals_need_the_step_and_a_reason() {
        assert_eq!(Requested.apply(LeaveStep::Refuse, SUPERVISOR, Some("rapat akhir tahun")), Ok(Refused));
        assert_eq!(Requested.apply(LeaveStep::Refuse, SUPERVISOR, Some("  ")), Err(LeaveError::ReasonRequired));
        assert!(matches!(Recommended.apply(LeaveStep::Refuse, SUPERVISOR, Some("x")), Err(LeaveError::NotYours(_))));
        assert_eq!(Recommended.apply(LeaveStep::Refuse, HEAD, Some("x")), Ok(Refused));
        assert!(matches!(Approved.apply(LeaveStep::Refuse, HEAD, Some("x")), Err(LeaveError::WrongState(..))));
        assert!(matches!(Refused.apply(LeaveStep::Refuse, OWNER, Some("x")), Err(LeaveError::NotYours(_))));
        // The head of the OPD does not refuse what the supervisor has not recommended yet.
        assert!(matches!(Requested.apply(LeaveStep::Refuse, HEAD, Some("x")), Err(LeaveError::NotYours(_))));
        assert_eq!(Requested.apply(LeaveStep::Refuse, BOTH, Some("x")), Ok(Refused));
    }

    #[test]
    fn the_employee_cancels_while_it_holds_its_days() {
        for s in [Requested, Recommended, Approved] {
            assert_eq!(s.apply(LeaveStep::Cancel, OWNER, None), Ok(Cancelled));
            assert!(matches!(s.apply(LeaveStep::Cancel, BOTH, None), Err(LeaveError::NotYours(_))));
        }
        for s in [Refused, Cancelled] {
            assert!(matches!(s.apply(LeaveStep::Cancel, OWNER, None), Err(LeaveError::WrongState(..))));
        }
    }

    #[test]
    fn what_waits_for_whom() {
        assert_eq!(Requested.awaits(SUPERVISOR), Some(LeaveStep::Recommend));
        assert_eq!(Requested.awaits(HEAD), None);
        assert_eq!(Requested.awaits(BOTH), Some(LeaveStep::Approve));
        assert_eq!(Recommended.awaits(HEAD), Some(LeaveStep::Approve));
        assert_eq!(Recommended.awaits(SUPERVISOR), None);
        assert_eq!(Approved.awaits(BOTH), None);
    }

    fn year(approved_days: i32) -> YearOfLeave {
        YearOfLeave { approved_days, ..Default::default() }
    }

    #[test]
    fn annual_leave_carries_over_to_its_cap() {
        let p = AnnualLeavePolicy::default();
        let appointed = d(1, 1).with_year(2010).unwrap();
        // 3 days used last year: 9 unused, 6 of them carried (18 in all).
        let b = p.balance(
            appointed,
            2026,
            [year(5), year(3), YearOfLeave { approved_days: 10, pending_days: 2, long_service: false }],
        );
        assert_eq!((b.entitlement_days, b.carried_over_days, b.available_days), (12, 6, 18));
        assert_eq!(b.remaining_days, 6);
        // 10 days used last year: 2 carried.
        assert_eq!(p.balance(appointed, 2026, [year(5), year(10), year(0)]).available_days, 14);
        // Two years without annual leave: 24.
        assert_eq!(p.balance(appointed, 2026, [year(0), year(0), year(0)]).available_days, 24);
        // One of them with some: 18 at most.
        assert_eq!(p.balance(appointed, 2026, [year(1), year(0), year(0)]).available_days, 18);
        // Long-service leave this year lapses the year's annual leave.
        let lapsed = YearOfLeave { long_service: true, ..Default::default() };
        assert_eq!(p.balance(appointed, 2026, [year(0), year(0), lapsed]).available_days, 0);
        // A year of long-service leave is no year of unused annual leave.
        assert_eq!(p.balance(appointed, 2026, [year(0), lapsed, year(0)]).available_days, 12);
        // Pending days count against what remains; nothing goes below zero.
        assert_eq!(
            p.balance(
                appointed,
                2026,
                [year(5), year(12), YearOfLeave { approved_days: 12, pending_days: 3, long_service: false }]
            )
            .remaining_days,
            0
        );
    }

    #[test]
    fn annual_leave_starts_after_a_year_of_service() {
        let p = AnnualLeavePolicy::default();
        let appointed = d(3, 1).with_year(2025).unwrap();
        assert_eq!(eligible_from(appointed), d(3, 1));
        // Appointed in March 2025: no annual leave in 2025, 12 days in 2026 with nothing carried.
        assert_eq!(p.balance(appointed, 2025, [year(0); 3]).available_days, 0);
        let b = p.balance(appointed, 2026, [year(0); 3]);
        assert_eq!((b.available_days, b.eligible_from), (12, d(3, 1)));
        // The second year carries the first's unused days (up to 18), never 24.
        assert_eq!(p.balance(appointed, 2027, [year(0); 3]).available_days, 18);
    }

    #[test]
    fn each_kind_holds_to_its_span() {
        assert_eq!(LeaveKind::Sick.span_refusal(d(3, 2), d(3, 2), false), None);
        assert!(LeaveKind::Sick.span_refusal(d(3, 2), d(3, 3), false).is_some());
        assert_eq!(LeaveKind::Sick.span_refusal(d(3, 2), d(3, 15), true), None);
        assert!(LeaveKind::Sick.span_refusal(d(3, 2), d(3, 16), true).is_some());
        assert_eq!(LeaveKind::Maternity.span_refusal(d(1, 15), d(4, 14), false), None);
        assert!(LeaveKind::Maternity.span_refusal(d(1, 15), d(4, 15), false).is_some());
        assert_eq!(LeaveKind::ImportantReason.span_refusal(d(1, 31), d(2, 27), false), None);
        assert!(LeaveKind::ImportantReason.span_refusal(d(1, 31), d(3, 1), false).is_some());
        assert!(LeaveKind::Annual.span_refusal(d(3, 5), d(3, 4), false).is_some());
        assert_eq!(LeaveKind::OfficialTravel.span_refusal(d(1, 1), d(12, 31), false), None);
        assert_eq!(LeaveKind::OfficialTravel.absence(), Some(AbsenceKind::OfficialTravel));
        assert_eq!(LeaveKind::Sick.absence(), Some(AbsenceKind::Leave));
        assert_eq!(LeaveKind::Permission.absence(), None);
        assert!(LeaveKind::Permission.span_refusal(d(3, 2), d(3, 3), false).is_some());
        assert_eq!(LeaveKind::Permission.span_refusal(d(3, 2), d(3, 2), false), None);
    }
}
