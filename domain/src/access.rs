//! Who may see and change what: the one rule of `roles.md`, which every endpoint asks.
//!
//! The rule is [`decide`]: given the caller (their account, the roles granted to it and their
//! employee record), the agency's chart on the day (the position tree with its acting officials,
//! and the unit tree) and the subject (the agency, a unit or an employee), it finds how the caller
//! stands to the subject ([`relations`]) and reads the matrix of `roles.md` ([`cell`]) for each
//! of those relations. Lists ask [`reach`] instead: which employees' records of a kind the caller
//! may read. Persistence loads the facts and translates the answer into queries; handlers never
//! decide access themselves.

use std::collections::HashSet;

use uuid::Uuid;

use crate::supervision::OrgChart;
use crate::AccountRole;

/// The authenticated person behind a request, as their access token states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Their account.
    pub account_id: Uuid,
    /// Their agency; `None` only for a platform admin.
    pub agency_id: Option<Uuid>,
    /// What the account was granted.
    pub role: AccountRole,
    /// The employee record behind the account, if it has one.
    pub employee_id: Option<Uuid>,
}

impl Caller {
    /// Operator of the installation.
    pub fn is_platform_admin(&self) -> bool {
        self.role == AccountRole::PlatformAdmin
    }

    /// May read records of `agency_id` at all. An agency's data is invisible to every other
    /// agency: this is the first test of every read.
    pub fn can_see_agency(&self, agency_id: Uuid) -> bool {
        self.is_platform_admin() || self.agency_id == Some(agency_id)
    }

    /// Runs `agency_id` for its HR office: the agency's admin (BKPSDM), or the platform admin,
    /// who stands in for a new agency's admin until it has one.
    fn administers(&self, agency_id: Uuid) -> bool {
        self.is_platform_admin() || (self.role == AccountRole::AgencyAdmin && self.agency_id == Some(agency_id))
    }

    /// The agency a list is scoped to: the caller's own, or for a platform admin the one they ask
    /// for (`None`: every agency).
    pub fn list_scope(&self, requested: Option<Uuid>) -> Scope {
        if self.is_platform_admin() {
            requested.map_or(Scope::All, Scope::Agency)
        } else {
            match self.agency_id {
                Some(own) if requested.is_none_or(|r| r == own) => Scope::Agency(own),
                _ => Scope::Nothing,
            }
        }
    }
}

word_enum! {
    /// A role the agency admin grants to an account of the agency (roles.md, "granted").
    GrantedRole {
        /// Read-only, the whole agency: the region head's office, the Sekda, the Inspectorate.
        Leader => "leader",
        /// Allowance runs (read, export, approve): the payroll office (BPKAD).
        Finance => "finance",
    }
}

/// The caller as the rule sees them: the token's identity and the roles granted to the account,
/// read when the decision is made, so that a revoked grant stops at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Who the token says they are.
    pub caller: Caller,
    /// The account's grants in force.
    pub grants: Vec<GrantedRole>,
}

impl Actor {
    /// An actor with the given grants.
    pub fn new(caller: Caller, grants: Vec<GrantedRole>) -> Self {
        Actor { caller, grants }
    }

    fn granted(&self, role: GrantedRole, agency: Uuid) -> bool {
        self.caller.agency_id == Some(agency) && self.grants.contains(&role)
    }
}

word_enum! {
    /// How a caller stands to a subject: the columns of roles.md's matrix.
    Relation {
        /// Anyone whose account belongs to the subject's agency.
        Member => "member",
        /// The employee themself.
        SelfRelation => "self",
        /// The employee's direct supervisor (an acting official while the assignment runs).
        DirectSupervisor => "direct_supervisor",
        /// Higher on the employee's reporting line than the direct supervisor.
        Above => "above",
        /// Holds or acts in the top structural post of the subject's unit or a unit above it.
        UnitHead => "unit_head",
        /// Holds or acts in the top structural post of the employee's OPD (the unit at the top
        /// of the agency that holds their unit), not being that employee: approves their leave.
        OpdHead => "opd_head",
        /// Granted `leader`.
        Leader => "leader",
        /// Granted `finance`.
        Finance => "finance",
        /// The agency's admin (or the platform admin).
        AgencyAdmin => "agency_admin",
    }
}

/// The relations a caller can have to an employee.
pub const EMPLOYEE_RELATIONS: &[Relation] = Relation::ALL;
/// The relations a caller can have to a unit (none of them personal).
pub const UNIT_RELATIONS: &[Relation] =
    &[Relation::Member, Relation::UnitHead, Relation::Leader, Relation::Finance, Relation::AgencyAdmin];
/// The relations a caller can have to the agency as a whole.
pub const AGENCY_RELATIONS: &[Relation] =
    &[Relation::Member, Relation::Leader, Relation::Finance, Relation::AgencyAdmin];

/// What a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The agency as a whole (its structure, policies, agency views, runs, accounts).
    Agency(Uuid),
    /// A unit of the agency (unit views).
    Unit {
        /// The unit's agency.
        agency: Uuid,
        /// The unit.
        unit: Uuid,
    },
    /// An employee (their record, agreements, logs, evaluations, discipline, allowance lines).
    Employee {
        /// The employee's agency.
        agency: Uuid,
        /// The employee.
        employee: Uuid,
    },
    /// An employee's daily log, for its review: `review_escalated` when it has waited for review
    /// longer than the agency's escalation policy, which lets those above the direct supervisor
    /// decide it too (roles.md: "W after escalation").
    DailyLog {
        /// The employee's agency.
        agency: Uuid,
        /// The log's author.
        employee: Uuid,
        /// Whether the log's review is escalated.
        review_escalated: bool,
    },
    /// An employee's leave request, for its recommendation and approval (workforce.md): the
    /// direct supervisor approves alone where the agency's policy makes approval one step, or
    /// where no one but the employee heads their OPD.
    LeaveRequest {
        /// The employee's agency.
        agency: Uuid,
        /// Who asked for the leave.
        employee: Uuid,
        /// The agency's policy: the direct supervisor approves alone.
        one_step: bool,
    },
    /// An allowance run, for its approval: separation of duties (roles.md, policy on by
    /// default) keeps the account that computed it from approving it.
    AllowanceRun {
        /// The run's agency.
        agency: Uuid,
        /// The account that computed the run.
        computed_by: Uuid,
        /// Whether the agency's policy separates computing from approving.
        separation_of_duties: bool,
    },
}

impl Subject {
    /// The agency the subject belongs to.
    pub fn agency(self) -> Uuid {
        match self {
            Subject::Agency(a)
            | Subject::Unit { agency: a, .. }
            | Subject::Employee { agency: a, .. }
            | Subject::DailyLog { agency: a, .. }
            | Subject::LeaveRequest { agency: a, .. }
            | Subject::AllowanceRun { agency: a, .. } => a,
        }
    }

    /// The relations a caller can have to such a subject.
    pub fn possible_relations(self) -> &'static [Relation] {
        match self {
            Subject::Employee { .. } | Subject::DailyLog { .. } | Subject::LeaveRequest { .. } => EMPLOYEE_RELATIONS,
            Subject::Unit { .. } => UNIT_RELATIONS,
            Subject::Agency(_) | Subject::AllowanceRun { .. } => AGENCY_RELATIONS,
        }
    }
}

/// A row of roles.md's matrix: a kind of record or decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    /// Employee record, supervisors, subordinates.
    EmployeeRecord,
    /// Org units, positions, goals, periods, schedules, holidays: the agency's structure.
    Structure,
    /// The employee's own agreement: draft, submit, revise.
    OwnAgreement,
    /// An agreement: approve or return.
    AgreementDecision,
    /// Daily logs: write and correct.
    DailyLogWrite,
    /// Daily logs: accept or reject.
    DailyLogReview,
    /// Evaluation: open, rate, finalise.
    Evaluation,
    /// Realisation self-assessment (while the evaluation is a draft: the workflow's rule).
    SelfAssessment,
    /// Discipline, attendance events, absences.
    Discipline,
    /// An employee's lines of approved allowance runs.
    AllowanceLines,
    /// Allowance runs: compute.
    AllowanceCompute,
    /// Allowance runs: approve.
    AllowanceApprove,
    /// Allowance runs whole: read, list, the payroll and breakdown CSV.
    PayrollExport,
    /// Unit views: dashboard, activity, discipline recap, progress, distribution, maturity,
    /// workload, alignment, cascade.
    UnitViews,
    /// Agency views and the per-OPD comparison.
    AgencyViews,
    /// Policies: discipline, evaluation cadence, log cap.
    Policies,
    /// The allowance policy.
    AllowancePolicy,
    /// Leave requests: ask for one's own leave and withdraw it (the agency admin too).
    LeaveRequest,
    /// Leave requests: recommend or refuse.
    LeaveRecommend,
    /// Leave requests: approve or refuse.
    LeaveApprove,
    /// An employee's roster in a unit that works in shifts (workforce.md): set by the head of
    /// their unit or the agency admin.
    Roster,
    /// Accounts, role grants, integration keys, machines.
    Administration,
    /// The audit trail.
    AuditTrail,
}

/// How much of a row a relation gives: nothing, reading, or writing (which includes reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// —
    None,
    /// R
    Read,
    /// W
    Write,
}

/// The circumstances of a subject that change a cell: its being the agency's top official (no
/// supervisor in the chart), for whom the agency admin decides what a supervisor decides for
/// anyone else, on behalf of the region head; and a log's review being escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Case {
    /// The subject is the agency's top official.
    pub top_official: bool,
    /// The subject is a log that waited for review past the agency's escalation policy.
    pub review_escalated: bool,
    /// The subject is a leave request the direct supervisor approves alone (the agency's policy,
    /// or no one but the employee heads their OPD).
    pub leave_one_step: bool,
}

impl Case {
    /// Anyone's record, in the ordinary course.
    pub const PLAIN: Case = Case { top_official: false, review_escalated: false, leave_one_step: false };
    /// The top official's record.
    pub const TOP: Case = Case { top_official: true, review_escalated: false, leave_one_step: false };
    /// A log whose review is escalated.
    pub const ESCALATED: Case = Case { top_official: false, review_escalated: true, leave_one_step: false };
    /// A leave request the direct supervisor approves alone.
    pub const ONE_STEP: Case = Case { top_official: false, review_escalated: false, leave_one_step: true };
    /// Every case, for questions over all of them.
    pub const ALL: [Case; 4] = [Case::PLAIN, Case::TOP, Case::ESCALATED, Case::ONE_STEP];
}

/// One cell of roles.md's matrix: what `relation` gives on `row` in the `case` of the subject.
pub fn cell(row: Area, relation: Relation, case: Case) -> Access {
    use Access::{None as N, Read as R, Write as W};
    use Relation::*;
    let admin_for_top = if case.top_official { W } else { R };
    let above_once_escalated = if case.review_escalated { W } else { R };
    let supervisor_when_one_step = if case.leave_one_step { W } else { R };
    match (row, relation) {
        (Area::EmployeeRecord, AgencyAdmin) => W,
        (Area::EmployeeRecord, SelfRelation | DirectSupervisor | Above | UnitHead | Leader | Finance) => R,
        (Area::Structure, AgencyAdmin) => W,
        (Area::Structure, _) => R,
        (Area::OwnAgreement, SelfRelation | AgencyAdmin) => W,
        (Area::AgreementDecision, DirectSupervisor) => W,
        (Area::AgreementDecision, Above | UnitHead | Leader) => R,
        (Area::AgreementDecision, AgencyAdmin) => admin_for_top,
        (Area::DailyLogWrite, SelfRelation) => W,
        (Area::DailyLogReview, DirectSupervisor) => W,
        (Area::DailyLogReview, Above) => above_once_escalated,
        (Area::DailyLogReview, UnitHead | Leader) => R,
        (Area::DailyLogReview, AgencyAdmin) => admin_for_top,
        (Area::Evaluation, DirectSupervisor) => W,
        (Area::Evaluation, SelfRelation | Above | UnitHead | Leader) => R,
        (Area::Evaluation, AgencyAdmin) => admin_for_top,
        (Area::SelfAssessment, SelfRelation) => W,
        (Area::SelfAssessment, DirectSupervisor | Above | UnitHead | Leader | AgencyAdmin) => R,
        (Area::Discipline, AgencyAdmin) => W,
        (Area::Discipline, SelfRelation | DirectSupervisor | Above | UnitHead | Leader | Finance) => R,
        (Area::AllowanceLines, SelfRelation | UnitHead | Leader | Finance | AgencyAdmin) => R,
        (Area::AllowanceCompute, AgencyAdmin) => W,
        (Area::AllowanceApprove, Finance | AgencyAdmin) => W,
        (Area::PayrollExport, Leader | Finance | AgencyAdmin) => R,
        (Area::UnitViews, UnitHead | Leader | AgencyAdmin) => R,
        (Area::AgencyViews, Leader | AgencyAdmin) => R,
        (Area::Policies, Leader) => R,
        (Area::Policies, AgencyAdmin) => W,
        (Area::AllowancePolicy, Leader | Finance) => R,
        (Area::AllowancePolicy, AgencyAdmin) => W,
        (Area::LeaveRequest, SelfRelation | AgencyAdmin) => W,
        (Area::LeaveRequest, DirectSupervisor | Above | UnitHead | Leader) => R,
        (Area::LeaveRecommend, DirectSupervisor) => W,
        (Area::LeaveRecommend, SelfRelation | Above | UnitHead | Leader) => R,
        (Area::LeaveRecommend, AgencyAdmin) => admin_for_top,
        (Area::LeaveApprove, OpdHead) => W,
        (Area::LeaveApprove, DirectSupervisor) => supervisor_when_one_step,
        (Area::LeaveApprove, SelfRelation | Above | UnitHead | Leader) => R,
        (Area::LeaveApprove, AgencyAdmin) => admin_for_top,
        (Area::Roster, UnitHead | AgencyAdmin) => W,
        (Area::Roster, SelfRelation | DirectSupervisor | Above | Leader) => R,
        (Area::Administration, AgencyAdmin) => W,
        (Area::AuditTrail, Leader) => R,
        (Area::AuditTrail, AgencyAdmin) => W,
        _ => N,
    }
}

impl Area {
    /// Every row, in the matrix's order.
    pub const ALL: &'static [Area] = &[
        Area::EmployeeRecord,
        Area::Structure,
        Area::OwnAgreement,
        Area::AgreementDecision,
        Area::DailyLogWrite,
        Area::DailyLogReview,
        Area::Evaluation,
        Area::SelfAssessment,
        Area::Discipline,
        Area::AllowanceLines,
        Area::AllowanceCompute,
        Area::AllowanceApprove,
        Area::PayrollExport,
        Area::UnitViews,
        Area::AgencyViews,
        Area::Policies,
        Area::AllowancePolicy,
        Area::LeaveRequest,
        Area::LeaveRecommend,
        Area::LeaveApprove,
        Area::Roster,
        Area::Administration,
        Area::AuditTrail,
    ];

    /// The rows about the same records: a caller who can read none of them is not told the
    /// record exists (404); one who reads it but may not take the action is refused (403). The
    /// views and policies of a unit or the agency are about a record every member reads.
    fn same_record(self) -> &'static [Area] {
        use Area::*;
        match self {
            EmployeeRecord => &[EmployeeRecord],
            Structure | UnitViews | AgencyViews | Policies | AllowancePolicy => &[Structure],
            OwnAgreement | AgreementDecision => &[OwnAgreement, AgreementDecision],
            DailyLogWrite | DailyLogReview => &[DailyLogWrite, DailyLogReview],
            Evaluation | SelfAssessment => &[Evaluation, SelfAssessment],
            Discipline => &[Discipline],
            AllowanceLines | AllowanceCompute | AllowanceApprove | PayrollExport => {
                &[AllowanceLines, AllowanceCompute, AllowanceApprove, PayrollExport]
            }
            LeaveRequest | LeaveRecommend | LeaveApprove => &[LeaveRequest, LeaveRecommend, LeaveApprove],
            Roster => &[Roster, Discipline],
            Administration | AuditTrail => &[Administration, AuditTrail],
        }
    }

    /// Who has `need` on this row, in words, from the matrix itself: for refusals and for the
    /// OpenAPI document's "who may call" lines.
    pub fn who(self, need: Access) -> String {
        who(&[(self, need)], Relation::ALL)
    }
}

/// Who has any of `rows`, in words, from the matrix itself, among the relations `over` (those a
/// kind of subject can have: a unit has no "self"): for the OpenAPI document's "who may call".
pub fn who(rows: &[(Area, Access)], over: &[Relation]) -> String {
    let mut who: Vec<&str> = Vec::new();
    for r in over {
        let gives = |case| rows.iter().any(|(row, need)| cell(*row, *r, case) >= *need);
        let plain = gives(Case::PLAIN);
        if !plain && gives(Case::TOP) {
            who.push(match r {
                Relation::AgencyAdmin => "the agency admin for the agency's top official",
                _ => r.as_str(),
            });
        } else if !plain && gives(Case::ESCALATED) {
            who.push(match r {
                Relation::Above => "anyone above them once the review is escalated",
                _ => r.as_str(),
            });
        } else if !plain && gives(Case::ONE_STEP) {
            who.push(match r {
                Relation::DirectSupervisor => "their direct supervisor where approval is one step",
                _ => r.as_str(),
            });
        } else if plain {
            who.push(match r {
                Relation::Member => "anyone of the agency",
                Relation::SelfRelation => "the employee themself",
                Relation::DirectSupervisor => "their direct supervisor",
                Relation::Above => "anyone above them",
                Relation::UnitHead if over.contains(&Relation::SelfRelation) => {
                    "the head of their unit or a unit above it"
                }
                Relation::UnitHead => "the head of the unit or a unit above it",
                Relation::OpdHead => "the head of their OPD",
                Relation::Leader => "a leader",
                Relation::Finance => "finance",
                Relation::AgencyAdmin => "the agency admin",
            });
        }
    }
    if who.contains(&"anyone of the agency") {
        return "anyone of the agency".into();
    }
    match who.split_last() {
        None => "nobody".into(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// How a caller stands to a subject.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Relations {
    /// Every relation that holds; empty outside the caller's agency.
    pub held: Vec<Relation>,
    /// The subject is an employee with no supervisor in the chart: the top official.
    pub top_official: bool,
    /// The subject is a log whose review is escalated.
    pub review_escalated: bool,
    /// The subject is a leave request the direct supervisor approves alone.
    pub leave_one_step: bool,
}

impl Relations {
    /// What these relations give on `row`: the best of their cells.
    pub fn access(&self, row: Area) -> Access {
        let case = Case {
            top_official: self.top_official,
            review_escalated: self.review_escalated,
            leave_one_step: self.leave_one_step,
        };
        self.held.iter().map(|r| cell(row, *r, case)).max().unwrap_or(Access::None)
    }
}

/// How `actor` stands to `subject` on the day of `chart`. The chart must hold the subject
/// employee's posts up to the top and the structural posts of their unit's ancestry (or, for a
/// unit, of the unit's ancestry); more does no harm.
pub fn relations(actor: &Actor, chart: &OrgChart, subject: Subject) -> Relations {
    let caller = &actor.caller;
    let agency = subject.agency();
    let mut held = Vec::new();
    if !caller.can_see_agency(agency) {
        return Relations::default();
    }
    held.push(Relation::Member);
    if caller.administers(agency) {
        held.push(Relation::AgencyAdmin);
    }
    if actor.granted(GrantedRole::Leader, agency) {
        held.push(Relation::Leader);
    }
    if actor.granted(GrantedRole::Finance, agency) {
        held.push(Relation::Finance);
    }
    let me = caller.employee_id;
    let heads = |unit: Uuid| {
        me.is_some_and(|m| chart.units_up(unit).iter().any(|u| chart.heads_of(*u).iter().any(|h| h.employee_id == m)))
    };
    let mut top_official = false;
    let mut review_escalated = false;
    let mut leave_one_step = false;
    match subject {
        Subject::Agency(_) | Subject::AllowanceRun { .. } => {}
        Subject::Unit { unit, .. } => {
            if heads(unit) {
                held.push(Relation::UnitHead);
            }
        }
        Subject::Employee { employee, .. }
        | Subject::DailyLog { employee, .. }
        | Subject::LeaveRequest { employee, .. } => {
            if let Subject::DailyLog { review_escalated: e, .. } = subject {
                review_escalated = e;
            }
            if let Subject::LeaveRequest { one_step, .. } = subject {
                let approvers = leave_approvers(chart, employee);
                leave_one_step = one_step || approvers.is_empty();
                if !leave_one_step && me.is_some_and(|m| approvers.contains(&m)) {
                    held.push(Relation::OpdHead);
                }
            }
            let chain = chart.chain_of(employee);
            // Only someone holding a post with no one above it; an employee without a post (or
            // out of service) has no chain either, and is no one's to decide for.
            top_official = top_of_chain(chart, employee);
            if let Some(m) = me {
                if m == employee {
                    held.push(Relation::SelfRelation);
                } else if chain.first().is_some_and(|o| o.employee_id == m) {
                    held.push(Relation::DirectSupervisor);
                } else if chain.iter().any(|o| o.employee_id == m) {
                    held.push(Relation::Above);
                }
            }
            if chart.unit_of(employee).is_some_and(heads) {
                held.push(Relation::UnitHead);
            }
        }
    }
    Relations { held, top_official, review_escalated, leave_one_step }
}

/// Who approves `employee`'s leave as the head of their OPD (the unit at the top of the agency
/// holding their unit): whoever holds or acts in its head post; while the post is vacant, the
/// first official above the employee from outside the OPD (vacant posts pass upward, as for
/// supervision). Nobody when the employee heads the OPD themself, or when no one is above a
/// vacant post: then the direct supervisor approves alone.
fn leave_approvers(chart: &OrgChart, employee: Uuid) -> Vec<Uuid> {
    let Some(opd) = chart.unit_of(employee).and_then(|u| chart.units_up(u).last().copied()) else {
        return Vec::new();
    };
    let heads: Vec<Uuid> = chart.heads_of(opd).iter().map(|h| h.employee_id).collect();
    if heads.contains(&employee) {
        return Vec::new();
    }
    if !heads.is_empty() {
        return heads;
    }
    let outside = |o: &&crate::supervision::Official| {
        chart.unit_of(o.employee_id).is_none_or(|u| !chart.units_up(u).contains(&opd))
    };
    chart.chain_of(employee).iter().find(outside).map(|o| vec![o.employee_id]).unwrap_or_default()
}

/// The answer to "may the caller do this".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// The caller reads the record but may not do this (403), and why.
    Forbid(String),
    /// The caller may not know the record exists (404).
    Hide,
}

/// How one caller stands to one subject, to ask several rows of the rule at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    relations: Relations,
    subject: Subject,
    account_id: Uuid,
}

/// Whether `actor` may write `row` for anyone at all, asked before a body that names whose record
/// it is has been judged. A caller with an employee record of its own may (its own records, or its
/// people's: the record named decides), and so may a platform admin (judged with the record);
/// anyone else only through what it holds towards its agency as a whole ([`agency_wide_write`]).
pub fn may_write_some(actor: &Actor, row: Area) -> Decision {
    match (actor.caller.employee_id, actor.caller.agency_id) {
        (None, Some(own)) => agency_wide_write(actor, own, row),
        _ => Decision::Allow,
    }
}

/// Whether `actor` may write `row` of some record of `agency`, in some case, through what it
/// holds towards the agency as a whole (its admin, a grant). For a caller with no employee record
/// of its own every relation is one of those: the agency admin writes anyone's agreement and the
/// top official's evaluation, finance writes no agreement at all.
pub fn agency_wide_write(actor: &Actor, agency: Uuid, row: Area) -> Decision {
    let rel = relations(actor, &OrgChart::default(), Subject::Agency(agency));
    if rel.held.is_empty() {
        return Decision::Hide;
    }
    if rel.held.iter().any(|r| Case::ALL.iter().any(|c| cell(row, *r, *c) >= Access::Write)) {
        return Decision::Allow;
    }
    Decision::Forbid(format!("this is decided by {}", row.who(Access::Write)))
}

/// How `actor` stands to `subject` over the chart: [`relations`], kept for [`Standing::decide`].
pub fn standing(actor: &Actor, chart: &OrgChart, subject: Subject) -> Standing {
    Standing { relations: relations(actor, chart, subject), subject, account_id: actor.caller.account_id }
}

impl Standing {
    /// The rule: may the caller have `need` on `row` of the subject.
    pub fn decide(&self, row: Area, need: Access) -> Decision {
        let rel = &self.relations;
        if rel.held.is_empty() {
            return Decision::Hide;
        }
        if rel.access(row) >= need {
            // A unit's head sets the roster of the unit's staff, never their own: whoever judges
            // their attendance against it (the head above, the agency admin) sets it.
            if row == Area::Roster
                && need == Access::Write
                && rel.held.contains(&Relation::SelfRelation)
                && !rel.held.contains(&Relation::AgencyAdmin)
            {
                return Decision::Forbid(
                    "one's own roster is set by the head of the unit above or the agency admin".into(),
                );
            }
            if let Subject::AllowanceRun { computed_by, separation_of_duties: true, .. } = self.subject {
                if row == Area::AllowanceApprove && computed_by == self.account_id {
                    return Decision::Forbid(
                        "separation of duties: the account that computed a run does not approve it".into(),
                    );
                }
            }
            return Decision::Allow;
        }
        if !self.sees(row) {
            return Decision::Hide;
        }
        let verb = if need == Access::Write { "decided" } else { "read" };
        let who = who(&[(row, need)], self.subject.possible_relations());
        Decision::Forbid(format!("this is {verb} by {who}"))
    }

    /// Whether `decide(row, need)` allows.
    pub fn allows(&self, row: Area, need: Access) -> bool {
        self.decide(row, need) == Decision::Allow
    }

    /// Whether the caller may know the record of `row` exists: they read it through some row
    /// about the same record. What belongs to the agency as a whole (its runs, keys, policies)
    /// is known to every member, so a refusal there is a 403, never a 404.
    pub fn sees(&self, row: Area) -> bool {
        // Every member reads the agency and its units; only an employee's records can be hidden.
        let agency_wide =
            !matches!(self.subject, Subject::Employee { .. } | Subject::DailyLog { .. } | Subject::LeaveRequest { .. });
        (agency_wide && !self.relations.held.is_empty())
            || row.same_record().iter().any(|r| self.relations.access(*r) >= Access::Read)
    }

    /// The relations that hold.
    pub fn relations(&self) -> &Relations {
        &self.relations
    }
}

/// Whether `employee` is at the top of the chain: holding a post, with no one above them. What a
/// supervisor decides for anyone else, the agency admin decides for them (policy may accept their
/// logs on submission).
pub fn top_of_chain(chart: &OrgChart, employee: Uuid) -> bool {
    chart.unit_of(employee).is_some() && chart.chain_of(employee).is_empty()
}

/// The rule: may `actor` have `need` on `row` of `subject`, over the agency's chart on the day.
pub fn decide(actor: &Actor, chart: &OrgChart, subject: Subject, row: Area, need: Access) -> Decision {
    standing(actor, chart, subject).decide(row, need)
}

/// Whether `caller` may reset an account's password, that is set a new one without the current
/// one (issue 17, resets that cannot take an account over), besides the agency admin's right over
/// the agency's accounts (the matrix's administration row): never their own account, whose
/// password changes only with the current one; an admin's account (agency or platform) only by
/// the platform admin, so that a stolen admin token cannot become an admin account for good; and
/// an account holding the finance grant only by the platform admin too, since the agency admin
/// computes the runs finance approves (separation of duties).
pub fn reset_refusal(caller: &Caller, account: Uuid, role: AccountRole, holds_finance: bool) -> Option<&'static str> {
    if account == caller.account_id {
        return Some("one's own password changes with the current one (POST /api/v1/me/password)");
    }
    if caller.is_platform_admin() {
        return None;
    }
    if matches!(role, AccountRole::AgencyAdmin | AccountRole::PlatformAdmin) {
        return Some("an admin's account is reset by the platform admin");
    }
    if holds_finance {
        return Some(
            "an account holding the finance grant is reset by the platform admin: the agency admin computes the \
             runs it approves",
        );
    }
    None
}

/// Whether `caller` may issue an account of `role`, besides the administration row of the
/// matrix: admins (an agency's and the platform's) are issued by the platform admin only
/// (roles.md: the platform admin keeps "agencies and their admins"), so an agency admin cannot
/// make themselves a second admin account to approve the runs they computed.
pub fn issue_refusal(caller: &Caller, role: AccountRole) -> Option<&'static str> {
    match role {
        AccountRole::PlatformAdmin | AccountRole::AgencyAdmin if !caller.is_platform_admin() => {
            Some("admin accounts are issued by the platform admin")
        }
        _ => None,
    }
}

/// The caller's own employee record, for a row that only the employee themself writes (their
/// daily logs): no grant, unit or supervisor gives it, so the answer needs no chart. For any
/// other row this refuses: ask [`decide`].
pub fn own_record(caller: &Caller, row: Area) -> Result<Uuid, Decision> {
    let self_only = Relation::ALL
        .iter()
        .filter(|r| **r != Relation::SelfRelation)
        .all(|r| Case::ALL.iter().all(|c| cell(row, *r, *c) < Access::Write));
    match caller.employee_id {
        Some(me) if self_only && cell(row, Relation::SelfRelation, Case::PLAIN) == Access::Write => Ok(me),
        _ => Err(Decision::Forbid(format!("this is decided by {}", row.who(Access::Write)))),
    }
}

/// Which employees' records of one row a caller may read across an agency, for a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Every employee of the agency.
    Agency,
    /// These employees only (possibly none).
    Employees(HashSet<Uuid>),
}

impl Reach {
    /// Everyone either reach covers.
    pub fn union(self, other: Reach) -> Reach {
        match (self, other) {
            (Reach::Employees(mut a), Reach::Employees(b)) => {
                a.extend(b);
                Reach::Employees(a)
            }
            _ => Reach::Agency,
        }
    }

    /// Whether `employee` is within reach.
    pub fn covers(&self, employee: Uuid) -> bool {
        match self {
            Reach::Agency => true,
            Reach::Employees(set) => set.contains(&employee),
        }
    }
}

/// Which employees of `agency` the actor may read `row` of, over the agency's whole chart: the
/// same cells as [`decide`], gathered over everyone at once.
pub fn reach(actor: &Actor, chart: &OrgChart, agency: Uuid, row: Area) -> Reach {
    let agency_wide = relations(actor, chart, Subject::Agency(agency));
    if agency_wide.held.is_empty() {
        return Reach::Employees(HashSet::new());
    }
    // Relations that do not depend on which employee: the admin's cell may depend on the top
    // official, so it counts for the whole agency only when it reads both ways.
    let everyone = agency_wide.held.iter().any(|r| cell(row, *r, Case::PLAIN) >= Access::Read);
    if everyone {
        return Reach::Agency;
    }
    let mut set = HashSet::new();
    let Some(me) = actor.caller.employee_id else { return Reach::Employees(set) };
    if cell(row, Relation::SelfRelation, Case::PLAIN) >= Access::Read {
        set.insert(me);
    }
    let direct = cell(row, Relation::DirectSupervisor, Case::PLAIN) >= Access::Read;
    let above = cell(row, Relation::Above, Case::PLAIN) >= Access::Read;
    if direct || above {
        let subordinates = chart.direct_subordinates_of(me);
        if above {
            set.extend(chart.everyone_below(me));
        } else {
            set.extend(subordinates);
        }
    }
    if cell(row, Relation::UnitHead, Case::PLAIN) >= Access::Read {
        let mut units = HashSet::new();
        for u in chart.units_headed_by(me) {
            units.extend(chart.units_below(u));
        }
        set.extend(chart.employees_in(&units));
    }
    Reach::Employees(set)
}

/// The units whose unit views the actor reads as their head (with everything below them).
pub fn headed_units(actor: &Actor, chart: &OrgChart) -> Vec<Uuid> {
    let mut units = match actor.caller.employee_id {
        Some(me) => chart.units_headed_by(me),
        None => Vec::new(),
    };
    units.sort();
    units
}

word_enum! {
    /// What an integration key may do. A key carries only the scopes it was issued with, and
    /// reads and writes its own agency only (roles.md, integration key scopes).
    IntegrationScope {
        /// Push attendance events (e-Presensi).
        AttendanceWrite => "attendance_write",
        /// Read the roster an attendance system enrolls (NIP, name, unit, active), with a
        /// changed-since cursor.
        EmployeesRead => "employees_read",
        /// Read approved allowance runs and their payroll lines, for a payroll system.
        AllowanceRead => "allowance_read",
    }
}

/// A system calling with an integration key: limited to one agency and to its scopes, and never
/// a person (it has no account, no employee record and no role).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    /// The key.
    pub key_id: Uuid,
    /// The one agency the key was issued for.
    pub agency_id: Uuid,
    /// What it may do.
    pub scopes: Vec<IntegrationScope>,
}

impl Integration {
    /// Whether the key was issued with `scope`.
    pub fn has(&self, scope: IntegrationScope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// Which agencies a list may draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every agency (platform admin only).
    All,
    /// One agency.
    Agency(Uuid),
    /// None: the caller asked for an agency that is not theirs.
    Nothing,
}

#[cfg(test)]
mod tests;
