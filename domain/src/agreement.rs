//! Performance agreements (SKP, Sasaran Kinerja Pegawai): their workflow, how their planned
//! results (RHK) cascade, and how annual targets break down (PermenPANRB 6/2022).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::PositionType;

word_enum! {
    /// Where an agreement is in its workflow.
    AgreementStatus {
        /// Being written by the employee.
        Draft => "draft",
        /// Waiting for the direct supervisor.
        Submitted => "submitted",
        /// Agreed by the direct supervisor: the agreement in force.
        Approved => "approved",
        /// Sent back by the supervisor with a comment, to be corrected and resubmitted.
        Returned => "returned",
        /// An approved revision replaced by a later approved one; kept for reading.
        Superseded => "superseded",
    }
}

/// Something done to an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The employee sends the draft (or the returned agreement) to the supervisor.
    Submit,
    /// The direct supervisor agrees.
    Approve,
    /// The direct supervisor sends it back with a comment.
    Return,
}

/// Who acts on an agreement, as far as the workflow cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The employee the agreement belongs to.
    Owner,
    /// Their direct supervisor today (an acting one where set).
    DirectSupervisor,
    /// Anyone else.
    Other,
}

/// Why a transition or an edit is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// The agreement is not in a state that allows it.
    #[error("an agreement that is {0} cannot be {1}")]
    WrongState(AgreementStatus, &'static str),
    /// Only the owner submits and edits.
    #[error("only the employee whose agreement it is may do this")]
    NotOwner,
    /// Only the direct supervisor approves or returns.
    #[error("only the employee's direct supervisor may approve or return the agreement")]
    NotDirectSupervisor,
    /// A return needs a reason.
    #[error("a returned agreement needs a comment saying what to correct")]
    CommentRequired,
    /// Nothing to submit.
    #[error("an agreement needs at least one main planned result with an indicator before it is submitted")]
    Empty,
}

impl AgreementStatus {
    /// Whether the owner may still change the content.
    pub fn is_editable(self) -> bool {
        matches!(self, AgreementStatus::Draft | AgreementStatus::Returned)
    }

    /// The state after `t` by `actor`; `comment` is the supervisor's note on a return, and
    /// `complete` whether the agreement holds a main result with an indicator.
    pub fn apply(
        self,
        t: Transition,
        actor: Actor,
        comment: Option<&str>,
        complete: bool,
    ) -> Result<Self, WorkflowError> {
        use AgreementStatus::*;
        match t {
            Transition::Submit => {
                if actor != Actor::Owner {
                    return Err(WorkflowError::NotOwner);
                }
                if !self.is_editable() {
                    return Err(WorkflowError::WrongState(self, "submitted"));
                }
                if !complete {
                    return Err(WorkflowError::Empty);
                }
                Ok(Submitted)
            }
            Transition::Approve | Transition::Return => {
                if actor != Actor::DirectSupervisor {
                    return Err(WorkflowError::NotDirectSupervisor);
                }
                if self != Submitted {
                    return Err(WorkflowError::WrongState(
                        self,
                        if t == Transition::Approve { "approved" } else { "returned" },
                    ));
                }
                if t == Transition::Approve {
                    Ok(Approved)
                } else if comment.is_some_and(|c| !c.trim().is_empty()) {
                    Ok(Returned)
                } else {
                    Err(WorkflowError::CommentRequired)
                }
            }
        }
    }

    /// Whether a new revision may be started from an agreement in this state: only an approved
    /// agreement changes, and only through a revision approved again.
    pub fn can_revise(self) -> bool {
        self == AgreementStatus::Approved
    }
}

/// Where an employee stands with their agreements of a year, given each revision's status and
/// number: approved when an approved revision is in force, otherwise the state of the latest
/// revision (superseded ones ignored); none without any.
pub fn standing(revisions: &[(AgreementStatus, i32)]) -> Option<AgreementStatus> {
    let live = revisions.iter().filter(|(s, _)| *s != AgreementStatus::Superseded);
    if revisions.iter().any(|(s, _)| *s == AgreementStatus::Approved) {
        return Some(AgreementStatus::Approved);
    }
    live.max_by_key(|(_, r)| *r).map(|(s, _)| *s)
}

word_enum! {
    /// Main (utama) or additional (tambahan) planned result.
    ResultKind {
        /// RHK utama: cascaded from the supervisor.
        Main => "main",
        /// RHK tambahan: extra work agreed for the year.
        Additional => "additional",
    }
}

/// What a planned result links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkTarget {
    /// An organisational goal of an agency.
    Goal {
        /// The goal's agency.
        agency_id: Uuid,
        /// The goal's performance period.
        period_id: Uuid,
    },
    /// A planned result of another agreement.
    Result {
        /// Its agency.
        agency_id: Uuid,
        /// Its performance period.
        period_id: Uuid,
        /// The employee whose agreement holds it.
        owner_id: Uuid,
    },
}

/// The agreement a planned result belongs to, as the link rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkSource {
    pub agency_id: Uuid,
    pub period_id: Uuid,
    /// The employee's position type: heads of OPD (JPT) link to organisational goals.
    pub position_type: PositionType,
    /// The direct supervisor today, if any.
    pub supervisor_id: Option<Uuid>,
}

/// Why a link is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The target is in another agency.
    #[error("a planned result can only link within its own agency")]
    CrossAgency,
    /// The target is in another performance period.
    #[error("a planned result can only link within the same performance period")]
    OtherPeriod,
    /// A unit head links to a goal, not to a result.
    #[error("the head of a unit links planned results to an organisational goal")]
    HeadNeedsGoal,
    /// Everyone else links to their supervisor's results.
    #[error("a planned result links to a planned result of the employee's direct supervisor")]
    NeedsSupervisorResult,
    /// The target belongs to someone who is not the direct supervisor.
    #[error("the linked planned result belongs to someone who is not the employee's direct supervisor")]
    NotSupervisor,
    /// Following the links upward comes back to this agreement.
    #[error("this link would make the cascade go round in a circle")]
    Cycle,
    /// A main result must link upward.
    #[error("a main planned result must link to the supervisor's planned result (or, for a unit head, an organisational goal)")]
    Missing,
}

/// Whether an employee in this position links their main results to organisational goals
/// (heads of OPD, and anyone at the top with no supervisor) rather than to a supervisor's result.
pub fn links_to_goals(position_type: PositionType, has_supervisor: bool) -> bool {
    position_type == PositionType::Jpt || !has_supervisor
}

/// Checks a link of a planned result of `source` to `target` (`None`: no link). Additional
/// results may stand alone; main results must cascade. Cycles are checked separately with
/// [`closes_cycle`], which needs the links above the target.
pub fn check_link(source: &LinkSource, kind: ResultKind, target: Option<LinkTarget>) -> Result<(), LinkError> {
    let to_goal = links_to_goals(source.position_type, source.supervisor_id.is_some());
    match target {
        None if kind == ResultKind::Main => Err(LinkError::Missing),
        None => Ok(()),
        Some(LinkTarget::Goal { agency_id, period_id }) => {
            if agency_id != source.agency_id {
                Err(LinkError::CrossAgency)
            } else if period_id != source.period_id {
                Err(LinkError::OtherPeriod)
            } else if !to_goal {
                Err(LinkError::NeedsSupervisorResult)
            } else {
                Ok(())
            }
        }
        Some(LinkTarget::Result { agency_id, period_id, owner_id }) => {
            if agency_id != source.agency_id {
                Err(LinkError::CrossAgency)
            } else if period_id != source.period_id {
                Err(LinkError::OtherPeriod)
            } else if to_goal {
                Err(LinkError::HeadNeedsGoal)
            } else if source.supervisor_id != Some(owner_id) {
                Err(LinkError::NotSupervisor)
            } else {
                Ok(())
            }
        }
    }
}

/// Whether linking a result of agreement `agreement_id` to `target` closes a cycle, given the
/// chain of agreements above the target (the target's agreement first, then the agreement its
/// link points into, and so on up to a goal).
pub fn closes_cycle(agreement_id: Uuid, chain_above_target: &[Uuid]) -> bool {
    chain_above_target.contains(&agreement_id)
}

word_enum! {
    /// How an annual target is split over the year (rencana aksi).
    BreakdownKind {
        /// Twelve monthly targets.
        Monthly => "monthly",
        /// Four quarterly targets.
        Quarterly => "quarterly",
    }
}

impl BreakdownKind {
    /// How many parts the year has.
    pub fn parts(self) -> usize {
        match self {
            BreakdownKind::Monthly => 12,
            BreakdownKind::Quarterly => 4,
        }
    }
}

/// Why a breakdown is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakdownError {
    /// Not 12 (monthly) or 4 (quarterly) parts.
    #[error("a {kind} breakdown has {expected} parts, not {given}")]
    PartCount { kind: BreakdownKind, expected: usize, given: usize },
    /// A part below zero.
    #[error("part {part} is negative")]
    Negative { part: usize },
    /// The parts do not add up.
    #[error("the parts add up to {sum}, not the annual target {annual} (difference {difference:+})")]
    Sum { sum: i64, annual: i64, difference: i64 },
}

/// Checks that `parts` split `annual` the `kind` way: the right number of parts, none
/// negative, adding up exactly (the difference is reported, so the user sees what to fix).
pub fn check_breakdown(annual: i64, kind: BreakdownKind, parts: &[i64]) -> Result<(), BreakdownError> {
    if parts.len() != kind.parts() {
        return Err(BreakdownError::PartCount { kind, expected: kind.parts(), given: parts.len() });
    }
    if let Some(i) = parts.iter().position(|p| *p < 0) {
        return Err(BreakdownError::Negative { part: i + 1 });
    }
    let sum = parts.iter().try_fold(0i64, |acc, p| acc.checked_add(*p)).unwrap_or(i64::MAX);
    if sum != annual {
        return Err(BreakdownError::Sum { sum, annual, difference: sum.saturating_sub(annual) });
    }
    Ok(())
}

/// An annual target quantity: a whole number from 1 to [`Quantity::MAX`] in its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Quantity(i64);

/// A quantity out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a target quantity is a whole number from 1 to 1000000000")]
pub struct QuantityError;

impl Quantity {
    /// Largest accepted target (no yearly output is counted in billions).
    pub const MAX: i64 = 1_000_000_000;

    /// Accepts 1 to [`Quantity::MAX`].
    pub fn new(n: i64) -> Result<Self, QuantityError> {
        if (1..=Self::MAX).contains(&n) {
            Ok(Quantity(n))
        } else {
            Err(QuantityError)
        }
    }

    /// The number.
    pub fn get(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AgreementStatus::*;

    /// (from, transition, actor, comment, complete, expected)
    type Case =
        (AgreementStatus, Transition, Actor, Option<&'static str>, bool, Result<AgreementStatus, WorkflowError>);

    #[test]
    fn standing_prefers_the_approved_revision_in_force() {
        assert_eq!(standing(&[(Approved, 1), (Draft, 2)]), Some(Approved));
        assert_eq!(standing(&[(Superseded, 1), (Submitted, 2), (Returned, 3)]), Some(Returned));
        assert_eq!(standing(&[(Superseded, 1)]), None);
        assert_eq!(standing(&[]), None);
    }

    #[test]
    fn workflow_transitions() {
        // (from, transition, actor, comment, complete) -> result
        let cases: &[Case] = &[
            (Draft, Transition::Submit, Actor::Owner, None, true, Ok(Submitted)),
            (Returned, Transition::Submit, Actor::Owner, None, true, Ok(Submitted)),
            (Draft, Transition::Submit, Actor::Owner, None, false, Err(WorkflowError::Empty)),
            (Draft, Transition::Submit, Actor::DirectSupervisor, None, true, Err(WorkflowError::NotOwner)),
            (
                Submitted,
                Transition::Submit,
                Actor::Owner,
                None,
                true,
                Err(WorkflowError::WrongState(Submitted, "submitted")),
            ),
            (Submitted, Transition::Approve, Actor::DirectSupervisor, None, true, Ok(Approved)),
            (Submitted, Transition::Approve, Actor::Owner, None, true, Err(WorkflowError::NotDirectSupervisor)),
            (Submitted, Transition::Approve, Actor::Other, None, true, Err(WorkflowError::NotDirectSupervisor)),
            (
                Draft,
                Transition::Approve,
                Actor::DirectSupervisor,
                None,
                true,
                Err(WorkflowError::WrongState(Draft, "approved")),
            ),
            (
                Approved,
                Transition::Approve,
                Actor::DirectSupervisor,
                None,
                true,
                Err(WorkflowError::WrongState(Approved, "approved")),
            ),
            (Submitted, Transition::Return, Actor::DirectSupervisor, Some("fix RHK 2"), true, Ok(Returned)),
            (
                Submitted,
                Transition::Return,
                Actor::DirectSupervisor,
                Some("  "),
                true,
                Err(WorkflowError::CommentRequired),
            ),
            (Submitted, Transition::Return, Actor::DirectSupervisor, None, true, Err(WorkflowError::CommentRequired)),
        ];
        for (from, t, actor, comment, complete, want) in cases {
            assert_eq!(from.apply(*t, *actor, *comment, *complete), *want, "{from:?} {t:?} by {actor:?}");
        }
        assert!(Draft.is_editable() && Returned.is_editable());
        assert!(!Submitted.is_editable() && !Approved.is_editable() && !Superseded.is_editable());
        assert!(Approved.can_revise() && !Draft.can_revise());
    }

    fn ids() -> (Uuid, Uuid, Uuid, Uuid) {
        (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(4))
    }

    #[test]
    fn link_rules() {
        let (agency, period, boss, other) = ids();
        let staff = LinkSource {
            agency_id: agency,
            period_id: period,
            position_type: PositionType::Pelaksana,
            supervisor_id: Some(boss),
        };
        let head = LinkSource {
            agency_id: agency,
            period_id: period,
            position_type: PositionType::Jpt,
            supervisor_id: Some(other),
        };
        let goal = LinkTarget::Goal { agency_id: agency, period_id: period };
        let bosses = LinkTarget::Result { agency_id: agency, period_id: period, owner_id: boss };
        assert_eq!(check_link(&staff, ResultKind::Main, Some(bosses)), Ok(()));
        assert_eq!(check_link(&head, ResultKind::Main, Some(goal)), Ok(()));
        assert_eq!(check_link(&staff, ResultKind::Main, None), Err(LinkError::Missing));
        assert_eq!(check_link(&staff, ResultKind::Additional, None), Ok(()));
        assert_eq!(check_link(&staff, ResultKind::Main, Some(goal)), Err(LinkError::NeedsSupervisorResult));
        assert_eq!(check_link(&head, ResultKind::Main, Some(bosses)), Err(LinkError::HeadNeedsGoal));
        let peer = LinkTarget::Result { agency_id: agency, period_id: period, owner_id: other };
        assert_eq!(check_link(&staff, ResultKind::Main, Some(peer)), Err(LinkError::NotSupervisor));
        let foreign = LinkTarget::Result { agency_id: other, period_id: period, owner_id: boss };
        assert_eq!(check_link(&staff, ResultKind::Main, Some(foreign)), Err(LinkError::CrossAgency));
        let foreign_goal = LinkTarget::Goal { agency_id: other, period_id: period };
        assert_eq!(check_link(&head, ResultKind::Main, Some(foreign_goal)), Err(LinkError::CrossAgency));
        let last_year = LinkTarget::Result { agency_id: agency, period_id: other, owner_id: boss };
        assert_eq!(check_link(&staff, ResultKind::Main, Some(last_year)), Err(LinkError::OtherPeriod));
        // Nobody above: the top of the agency links to goals whatever the position.
        let top = LinkSource { supervisor_id: None, ..staff };
        assert_eq!(check_link(&top, ResultKind::Main, Some(goal)), Ok(()));
        assert!(closes_cycle(boss, &[other, boss]));
        assert!(!closes_cycle(boss, &[other]));
    }

    #[test]
    fn breakdowns_must_add_up() {
        assert_eq!(check_breakdown(12, BreakdownKind::Monthly, &[1; 12]), Ok(()));
        assert_eq!(check_breakdown(12, BreakdownKind::Quarterly, &[3, 3, 3, 3]), Ok(()));
        assert_eq!(check_breakdown(12, BreakdownKind::Quarterly, &[0, 0, 0, 12]), Ok(()));
        assert_eq!(
            check_breakdown(12, BreakdownKind::Quarterly, &[3, 3, 3, 2]),
            Err(BreakdownError::Sum { sum: 11, annual: 12, difference: -1 })
        );
        assert_eq!(
            check_breakdown(12, BreakdownKind::Monthly, &[3, 3, 3, 3]),
            Err(BreakdownError::PartCount { kind: BreakdownKind::Monthly, expected: 12, given: 4 })
        );
        assert_eq!(
            check_breakdown(12, BreakdownKind::Quarterly, &[13, -1, 0, 0]),
            Err(BreakdownError::Negative { part: 2 })
        );
        assert!(check_breakdown(1, BreakdownKind::Quarterly, &[i64::MAX, 1, 0, 0]).is_err());
        let e = check_breakdown(12, BreakdownKind::Quarterly, &[3, 3, 3, 5]).unwrap_err();
        assert_eq!(e.to_string(), "the parts add up to 14, not the annual target 12 (difference +2)");
    }

    #[test]
    fn quantities() {
        assert!(Quantity::new(0).is_err());
        assert_eq!(Quantity::new(12).unwrap().get(), 12);
        assert!(Quantity::new(Quantity::MAX + 1).is_err());
    }
}
