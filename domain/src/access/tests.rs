//! The matrix of roles.md cell by cell, then the relations over a small chart, the decisions
//! (hidden, forbidden, allowed) and the reach of lists.

use super::*;
use crate::supervision::{ChartPosition, ChartUnit};
use crate::ActingKind;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// roles.md's matrix, as written there: columns self, direct supervisor, above, unit head,
/// leader, finance, agency admin. `W*`: W for the top official, R for anyone else. `W+`: W once
/// the review is escalated, R until then. `W1`: W where leave approval is one step, R otherwise.
/// The head of the employee's OPD (not a column of roles.md) approves leave and nothing else.
const MATRIX: &[(Area, [&str; 7])] = &[
    (Area::EmployeeRecord, ["R", "R", "R", "R", "R", "R", "W"]),
    (Area::Structure, ["R", "R", "R", "R", "R", "R", "W"]),
    (Area::OwnAgreement, ["W", "-", "-", "-", "-", "-", "W"]),
    (Area::AgreementDecision, ["-", "W", "R", "R", "R", "-", "W*"]),
    (Area::DailyLogWrite, ["W", "-", "-", "-", "-", "-", "-"]),
    (Area::DailyLogReview, ["-", "W", "W+", "R", "R", "-", "W*"]),
    (Area::Evaluation, ["R", "W", "R", "R", "R", "-", "W*"]),
    (Area::SelfAssessment, ["W", "R", "R", "R", "R", "-", "R"]),
    (Area::Discipline, ["R", "R", "R", "R", "R", "R", "W"]),
    (Area::AllowanceLines, ["R", "-", "-", "R", "R", "R", "R"]),
    (Area::AllowanceCompute, ["-", "-", "-", "-", "-", "-", "W"]),
    (Area::AllowanceApprove, ["-", "-", "-", "-", "-", "W", "W"]),
    (Area::PayrollExport, ["-", "-", "-", "-", "R", "R", "R"]),
    (Area::UnitViews, ["-", "-", "-", "R", "R", "-", "R"]),
    (Area::AgencyViews, ["-", "-", "-", "-", "R", "-", "R"]),
    (Area::Policies, ["-", "-", "-", "-", "R", "-", "W"]),
    (Area::AllowancePolicy, ["-", "-", "-", "-", "R", "R", "W"]),
    (Area::LeaveRequest, ["W", "R", "R", "R", "R", "-", "W"]),
    (Area::LeaveRecommend, ["R", "W", "R", "R", "R", "-", "W*"]),
    (Area::LeaveApprove, ["R", "W1", "R", "R", "R", "-", "W*"]),
    (Area::Roster, ["R", "R", "R", "W", "R", "-", "W"]),
    (Area::Administration, ["-", "-", "-", "-", "-", "-", "W"]),
    (Area::AuditTrail, ["-", "-", "-", "-", "R", "-", "W"]),
];

const COLUMNS: [Relation; 7] = [
    Relation::SelfRelation,
    Relation::DirectSupervisor,
    Relation::Above,
    Relation::UnitHead,
    Relation::Leader,
    Relation::Finance,
    Relation::AgencyAdmin,
];

fn level(word: &str, case: Case) -> Access {
    match word {
        "R" => Access::Read,
        "W" => Access::Write,
        "W*" if case.top_official => Access::Write,
        "W+" if case.review_escalated => Access::Write,
        "W1" if case.leave_one_step => Access::Write,
        "W*" | "W+" | "W1" => Access::Read,
        _ => Access::None,
    }
}

#[test]
fn every_cell_of_the_matrix() {
    assert_eq!(MATRIX.len(), Area::ALL.len(), "every row of the matrix is tested");
    for (row, cells) in MATRIX {
        for (relation, word) in COLUMNS.iter().zip(cells) {
            for case in Case::ALL {
                assert_eq!(cell(*row, *relation, case), level(word, case), "{row:?} × {relation:?} ({case:?})");
            }
        }
        let opd_head = match row {
            Area::LeaveApprove => Access::Write,
            Area::Structure => Access::Read,
            _ => Access::None,
        };
        for case in Case::ALL {
            assert_eq!(cell(*row, Relation::OpdHead, case), opd_head, "{row:?} × opd_head");
        }
        // Being of the agency alone reads its structure and nothing else.
        let member = if *row == Area::Structure { Access::Read } else { Access::None };
        assert_eq!(cell(*row, Relation::Member, Case::PLAIN), member, "{row:?} × member");
    }
}

#[test]
fn who_may_is_read_off_the_matrix() {
    assert_eq!(Area::Structure.who(Access::Read), "anyone of the agency");
    assert_eq!(Area::Structure.who(Access::Write), "the agency admin");
    assert_eq!(Area::AllowanceApprove.who(Access::Write), "finance or the agency admin");
    assert_eq!(
        Area::Evaluation.who(Access::Write),
        "their direct supervisor or the agency admin for the agency's top official"
    );
    assert_eq!(Area::DailyLogWrite.who(Access::Write), "the employee themself");
    assert_eq!(
        Area::DailyLogReview.who(Access::Write),
        "their direct supervisor, anyone above them once the review is escalated or the agency admin for the \
         agency's top official"
    );
}

// The chart of the tests: agency A (id 1). OPD U10 with its head post P1 (E101); its division
// U11 (below U10) headed from P2 (E102, supervised by P1); a section post P3 in U11 (E103,
// supervised by P2); staff P4 in U11 (E104, E105, supervised by P3). Another OPD U20 headed from
// P5 (E201, supervised by P1, the Sekda-like top); P6 staff in U20 (E202).
const AGENCY: u128 = 1;
const OTHER_AGENCY: u128 = 2;

fn post(
    n: u128,
    up: Option<u128>,
    unit: u128,
    up_unit: Option<u128>,
    holders: &[u128],
    structural: bool,
) -> ChartPosition {
    ChartPosition {
        position_id: id(n),
        supervisor_position_id: up.map(id),
        holders: holders.iter().copied().map(id).collect(),
        acting: None,
        org_unit_id: id(unit),
        structural,
        supervisor_unit_id: up_unit.map(id),
    }
}

fn chart(acting_in_p2: Option<u128>, p2_holder: &[u128]) -> OrgChart {
    let mut p2 = post(2, Some(1), 11, Some(10), p2_holder, true);
    p2.acting = acting_in_p2.map(|e| (id(e), ActingKind::Plt));
    OrgChart::new(
        [
            post(1, None, 10, None, &[101], true),
            p2,
            post(3, Some(2), 11, Some(11), &[103], true),
            post(4, Some(3), 11, Some(11), &[104, 105], false),
            post(5, Some(1), 20, Some(10), &[201], true),
            post(6, Some(5), 20, Some(20), &[202], false),
        ],
        [
            ChartUnit { unit_id: id(10), parent_id: None },
            ChartUnit { unit_id: id(11), parent_id: Some(id(10)) },
            ChartUnit { unit_id: id(20), parent_id: None },
        ],
    )
}

fn person(employee: u128) -> Actor {
    Actor::new(
        Caller {
            account_id: id(9000 + employee),
            agency_id: Some(id(AGENCY)),
            role: AccountRole::Employee,
            employee_id: Some(id(employee)),
        },
        vec![],
    )
}

fn granted(grants: &[GrantedRole]) -> Actor {
    Actor::new(
        Caller { account_id: id(8000), agency_id: Some(id(AGENCY)), role: AccountRole::Member, employee_id: None },
        grants.to_vec(),
    )
}

fn admin() -> Actor {
    Actor::new(
        Caller { account_id: id(7000), agency_id: Some(id(AGENCY)), role: AccountRole::AgencyAdmin, employee_id: None },
        vec![],
    )
}

/// An account with no employee record writes, through its agency-wide role, what some case of
/// the matrix gives that role: the admin agreements, the top official's evaluation, leave and
/// rosters; finance and a leader none of these. Anyone with an employee record of their own, and
/// the platform admin, are left to the record they name.
#[test]
fn agency_wide_roles_write_what_some_case_gives_them() {
    let agency = id(AGENCY);
    let rows = [Area::OwnAgreement, Area::Evaluation, Area::LeaveRequest, Area::Roster];
    for row in rows {
        assert_eq!(agency_wide_write(&admin(), agency, row), Decision::Allow, "{row:?}");
        for role in [GrantedRole::Finance, GrantedRole::Leader] {
            assert!(matches!(agency_wide_write(&granted(&[role]), agency, row), Decision::Forbid(_)), "{row:?}");
        }
    }
    assert!(matches!(agency_wide_write(&admin(), agency, Area::DailyLogWrite), Decision::Forbid(_)));
    assert_eq!(agency_wide_write(&granted(&[GrantedRole::Finance]), agency, Area::AllowanceApprove), Decision::Allow);
    assert_eq!(agency_wide_write(&admin(), id(999), Area::Roster), Decision::Hide);
    for row in rows {
        assert_eq!(may_write_some(&person(104), row), Decision::Allow, "{row:?}");
        assert!(matches!(may_write_some(&granted(&[GrantedRole::Finance]), row), Decision::Forbid(_)), "{row:?}");
    }
    let platform = Actor::new(
        Caller { account_id: id(6000), agency_id: None, role: AccountRole::PlatformAdmin, employee_id: None },
        vec![],
    );
    assert_eq!(may_write_some(&platform, Area::Roster), Decision::Allow);
}

/// `agency_wide_write` agrees with `decide`: for every row and every account with no employee
/// record (the admin, finance, a leader, a member with no grant), it allows exactly when `decide`
/// allows writing some record of the agency: the agency itself, a unit, the top official,
/// anyone else, a log escalated or not, a leave request approved in one step or two.
#[test]
fn agency_wide_write_agrees_with_decide_over_every_row() {
    let c = chart(None, &[102]);
    let subjects = [
        Subject::Agency(id(AGENCY)),
        unit(11),
        employee(101),
        employee(104),
        log(104, true),
        log(104, false),
        leave(104, true),
        leave(104, false),
    ];
    let actors = [admin(), granted(&[GrantedRole::Finance]), granted(&[GrantedRole::Leader]), granted(&[])];
    for actor in &actors {
        for row in Area::ALL.iter().copied() {
            let some = subjects.iter().any(|s| decide(actor, &c, *s, row, Access::Write) == Decision::Allow);
            let wide = agency_wide_write(actor, id(AGENCY), row) == Decision::Allow;
            assert_eq!(wide, some, "{row:?} as {:?} with {:?}", actor.caller.role, actor.grants);
        }
    }
}

fn employee(n: u128) -> Subject {
    Subject::Employee { agency: id(AGENCY), employee: id(n) }
}

fn leave(n: u128, one_step: bool) -> Subject {
    Subject::LeaveRequest { agency: id(AGENCY), employee: id(n), one_step }
}

#[test]
fn leave_is_recommended_by_the_supervisor_and_approved_by_the_head_of_the_opd() {
    let c = chart(None, &[102]);
    let may = |who: &Actor, subject, row| decide(who, &c, subject, row, Access::Write) == Decision::Allow;
    // Staff E104: the section head recommends; the head of OPD U10 (E101) approves; the division
    // head, above, only reads; a colleague and another OPD's head see nothing.
    assert!(may(&person(103), leave(104, false), Area::LeaveRecommend));
    assert!(!may(&person(103), leave(104, false), Area::LeaveApprove));
    assert!(may(&person(101), leave(104, false), Area::LeaveApprove));
    assert!(!may(&person(101), leave(104, false), Area::LeaveRecommend));
    assert_eq!(
        decide(&person(102), &c, leave(104, false), Area::LeaveApprove, Access::Write),
        Decision::Forbid("this is decided by their direct supervisor where approval is one step, the head of their OPD or the agency \
             admin for the agency's top official"
                .into())
    );
    assert_eq!(decide(&person(105), &c, leave(104, false), Area::LeaveRequest, Access::Read), Decision::Hide);
    assert_eq!(decide(&person(202), &c, leave(104, false), Area::LeaveApprove, Access::Read), Decision::Hide);
    assert!(may(&person(104), leave(104, false), Area::LeaveRequest));
    assert!(!may(&person(104), leave(104, false), Area::LeaveApprove));
    // One step by policy: the section head approves, the OPD's head no longer does.
    assert!(may(&person(103), leave(104, true), Area::LeaveApprove));
    assert!(!may(&person(101), leave(104, true), Area::LeaveApprove));
    // The head of OPD U20 (E201) heads their own OPD: their supervisor (E101) approves alone.
    assert!(may(&person(101), leave(201, false), Area::LeaveApprove));
    assert!(may(&person(101), leave(201, false), Area::LeaveRecommend));
    assert!(!may(&person(201), leave(201, false), Area::LeaveApprove));
    // The division head E102's supervisor heads the OPD: both steps are theirs.
    assert!(may(&person(101), leave(102, false), Area::LeaveRecommend));
    assert!(may(&person(101), leave(102, false), Area::LeaveApprove));
    // The top official's leave is decided by the agency admin; anyone else's is not.
    assert!(may(&admin(), leave(101, false), Area::LeaveApprove));
    assert!(may(&admin(), leave(101, false), Area::LeaveRecommend));
    assert!(!may(&admin(), leave(104, false), Area::LeaveApprove));
    assert!(may(&admin(), leave(104, false), Area::LeaveRequest));
    // A vacant OPD head post: the direct supervisor approves alone.
    // A vacant OPD head post passes the approval to the official above it (E900, the Sekda of
    // OPD U90); with no one above it, the direct supervisor approves alone.
    let vacant = OrgChart::new(
        [
            post(9, None, 90, None, &[900], true),
            post(1, Some(9), 10, Some(90), &[], true),
            post(3, Some(1), 10, Some(10), &[103], false),
            post(4, Some(3), 10, Some(10), &[104], false),
        ],
        [ChartUnit { unit_id: id(90), parent_id: None }, ChartUnit { unit_id: id(10), parent_id: None }],
    );
    assert_eq!(decide(&person(900), &vacant, leave(104, false), Area::LeaveApprove, Access::Write), Decision::Allow);
    assert!(decide(&person(103), &vacant, leave(104, false), Area::LeaveApprove, Access::Write) != Decision::Allow);
    let nobody_above = OrgChart::new(
        [
            post(1, None, 10, None, &[], true),
            post(3, Some(1), 10, Some(10), &[103], false),
            post(4, Some(3), 10, Some(10), &[104], false),
        ],
        [ChartUnit { unit_id: id(10), parent_id: None }],
    );
    assert_eq!(
        decide(&person(103), &nobody_above, leave(104, false), Area::LeaveApprove, Access::Write),
        Decision::Allow
    );
}

fn log(n: u128, review_escalated: bool) -> Subject {
    Subject::DailyLog { agency: id(AGENCY), employee: id(n), review_escalated }
}

#[test]
fn an_escalated_review_is_decided_from_above_as_well() {
    let c = chart(None, &[102]);
    // The section head reviews the staff member's log; the division head and the OPD's head
    // read it until the review is escalated, then decide it too; a colleague never sees it.
    assert_eq!(decide(&person(103), &c, log(104, false), Area::DailyLogReview, Access::Write), Decision::Allow);
    assert!(matches!(
        decide(&person(102), &c, log(104, false), Area::DailyLogReview, Access::Write),
        Decision::Forbid(_)
    ));
    assert_eq!(decide(&person(102), &c, log(104, true), Area::DailyLogReview, Access::Write), Decision::Allow);
    assert_eq!(decide(&person(101), &c, log(104, true), Area::DailyLogReview, Access::Write), Decision::Allow);
    assert_eq!(decide(&person(105), &c, log(104, true), Area::DailyLogReview, Access::Write), Decision::Hide);
    // The author, a leader and another OPD's head never decide it.
    assert!(matches!(
        decide(&person(104), &c, log(104, true), Area::DailyLogReview, Access::Write),
        Decision::Forbid(_)
    ));
    let leader = granted(&[GrantedRole::Leader]);
    assert!(matches!(decide(&leader, &c, log(104, true), Area::DailyLogReview, Access::Write), Decision::Forbid(_)));
    assert_eq!(decide(&person(201), &c, log(104, true), Area::DailyLogReview, Access::Write), Decision::Hide);
}

fn unit(n: u128) -> Subject {
    Subject::Unit { agency: id(AGENCY), unit: id(n) }
}

fn held(actor: &Actor, chart: &OrgChart, subject: Subject) -> Vec<Relation> {
    relations(actor, chart, subject).held.into_iter().filter(|r| *r != Relation::Member).collect()
}

#[test]
fn relations_follow_the_chart() {
    let c = chart(None, &[102]);
    use Relation::*;
    assert_eq!(held(&person(104), &c, employee(104)), [SelfRelation]);
    assert_eq!(held(&person(103), &c, employee(104)), [DirectSupervisor]);
    // The division head is above the staff and heads their unit.
    assert_eq!(held(&person(102), &c, employee(104)), [Above, UnitHead]);
    // The OPD's head is above, and heads U10, which U11 is under.
    assert_eq!(held(&person(101), &c, employee(105)), [Above, UnitHead]);
    // Colleagues, and another OPD's head: nothing but membership.
    assert!(held(&person(105), &c, employee(104)).is_empty());
    assert!(held(&person(201), &c, employee(104)).is_empty());
    assert!(relations(&person(105), &c, employee(104)).held.contains(&Member));
    // The head of a sub-unit sees the sub-unit only.
    assert_eq!(held(&person(102), &c, unit(11)), [UnitHead]);
    assert!(held(&person(102), &c, unit(10)).is_empty());
    assert_eq!(held(&person(101), &c, unit(11)), [UnitHead]);
    // The section head is structural but supervised from inside U11: not its head.
    assert!(held(&person(103), &c, unit(11)).is_empty());
    // Grants and the admin hold agency-wide.
    assert_eq!(held(&granted(&[GrantedRole::Leader]), &c, employee(104)), [Leader]);
    assert_eq!(held(&granted(&[GrantedRole::Finance, GrantedRole::Leader]), &c, unit(20)), [Leader, Finance]);
    assert_eq!(held(&admin(), &c, employee(104)), [AgencyAdmin]);
    // The top official has no supervisor.
    assert!(relations(&admin(), &c, employee(101)).top_official);
    assert!(!relations(&admin(), &c, employee(102)).top_official);
}

#[test]
fn an_acting_head_heads_while_the_assignment_runs() {
    // P2 vacant, E103 Plt in it: E103 heads U11 and supervises E103's own post's... not themself.
    let acting = chart(Some(103), &[]);
    assert_eq!(held(&person(103), &acting, unit(11)), [Relation::UnitHead]);
    assert_eq!(decide(&person(103), &acting, unit(11), Area::UnitViews, Access::Read), Decision::Allow);
    // The assignment ended: the chart of that day has no acting official in P2.
    let ended = chart(None, &[]);
    assert!(matches!(decide(&person(103), &ended, unit(11), Area::UnitViews, Access::Read), Decision::Forbid(_)));
}

#[test]
fn another_agency_sees_nothing() {
    let c = chart(None, &[102]);
    let outsider = Actor::new(
        Caller {
            account_id: id(6000),
            agency_id: Some(id(OTHER_AGENCY)),
            role: AccountRole::AgencyAdmin,
            employee_id: None,
        },
        vec![GrantedRole::Leader],
    );
    for row in Area::ALL {
        assert_eq!(decide(&outsider, &c, employee(104), *row, Access::Read), Decision::Hide, "{row:?}");
        assert_eq!(decide(&outsider, &c, Subject::Agency(id(AGENCY)), *row, Access::Read), Decision::Hide, "{row:?}");
    }
    // A grant counts in the account's own agency only.
    let platform = Actor::new(
        Caller { account_id: id(5000), agency_id: None, role: AccountRole::PlatformAdmin, employee_id: None },
        vec![],
    );
    assert_eq!(decide(&platform, &c, employee(104), Area::EmployeeRecord, Access::Write), Decision::Allow);
}

#[test]
fn hidden_or_forbidden() {
    let c = chart(None, &[102]);
    // A colleague's log: not readable at all, so not found.
    assert_eq!(decide(&person(105), &c, employee(104), Area::DailyLogReview, Access::Write), Decision::Hide);
    // Above reads the log but does not review it: forbidden, with who does.
    match decide(&person(102), &c, employee(104), Area::DailyLogReview, Access::Write) {
        Decision::Forbid(why) => assert!(why.contains("their direct supervisor"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(decide(&person(103), &c, employee(104), Area::DailyLogReview, Access::Write), Decision::Allow);
    // The leader reads and never writes.
    let leader = granted(&[GrantedRole::Leader]);
    for row in Area::ALL {
        assert_ne!(decide(&leader, &c, employee(104), *row, Access::Write), Decision::Allow, "{row:?}");
    }
    assert_eq!(decide(&leader, &c, Subject::Agency(id(AGENCY)), Area::AgencyViews, Access::Read), Decision::Allow);
    // Finance reads runs and approves them, but no policy but the allowance's, and no unit views.
    let finance = granted(&[GrantedRole::Finance]);
    let agency = Subject::Agency(id(AGENCY));
    assert_eq!(decide(&finance, &c, agency, Area::AllowanceApprove, Access::Write), Decision::Allow);
    assert_eq!(decide(&finance, &c, agency, Area::AllowancePolicy, Access::Read), Decision::Allow);
    assert!(matches!(decide(&finance, &c, agency, Area::AllowancePolicy, Access::Write), Decision::Forbid(_)));
    assert!(matches!(decide(&finance, &c, agency, Area::Policies, Access::Read), Decision::Forbid(_)));
    assert!(matches!(decide(&finance, &c, unit(11), Area::UnitViews, Access::Read), Decision::Forbid(_)));
    // A plain employee: the agency's structure, but not its runs or views, which every member
    // knows exist (forbidden, not hidden).
    assert_eq!(decide(&person(104), &c, agency, Area::Structure, Access::Read), Decision::Allow);
    assert!(matches!(decide(&person(104), &c, agency, Area::PayrollExport, Access::Read), Decision::Forbid(_)));
    assert!(matches!(decide(&person(104), &c, agency, Area::Administration, Access::Write), Decision::Forbid(_)));
    assert!(matches!(decide(&person(104), &c, agency, Area::AgencyViews, Access::Read), Decision::Forbid(_)));
}

#[test]
fn the_admin_decides_for_the_top_official_only() {
    let c = chart(None, &[102]);
    assert_eq!(decide(&admin(), &c, employee(101), Area::Evaluation, Access::Write), Decision::Allow);
    assert_eq!(decide(&admin(), &c, employee(101), Area::AgreementDecision, Access::Write), Decision::Allow);
    assert!(matches!(decide(&admin(), &c, employee(104), Area::Evaluation, Access::Write), Decision::Forbid(_)));
    assert_eq!(decide(&admin(), &c, employee(104), Area::Evaluation, Access::Read), Decision::Allow);
}

#[test]
fn separation_of_duties() {
    let c = chart(None, &[102]);
    let run = |computed_by, on| Subject::AllowanceRun { agency: id(AGENCY), computed_by, separation_of_duties: on };
    let a = admin();
    let me = a.caller.account_id;
    assert!(matches!(decide(&a, &c, run(me, true), Area::AllowanceApprove, Access::Write), Decision::Forbid(_)));
    assert_eq!(decide(&a, &c, run(me, false), Area::AllowanceApprove, Access::Write), Decision::Allow);
    assert_eq!(decide(&a, &c, run(id(1234), true), Area::AllowanceApprove, Access::Write), Decision::Allow);
    // Reading the run one computed is never refused by it.
    assert_eq!(decide(&a, &c, run(me, true), Area::PayrollExport, Access::Read), Decision::Allow);
}

#[test]
fn reach_of_lists() {
    let c = chart(None, &[102]);
    let agency = id(AGENCY);
    let set = |ns: &[u128]| Reach::Employees(ns.iter().copied().map(id).collect());
    // Staff: themself.
    assert_eq!(reach(&person(104), &c, agency, Area::Evaluation), set(&[104]));
    // Section head: themself and their staff.
    assert_eq!(reach(&person(103), &c, agency, Area::Evaluation), set(&[103, 104, 105]));
    // Division head: below, and all of the unit they head (themself included).
    assert_eq!(reach(&person(102), &c, agency, Area::Evaluation), set(&[102, 103, 104, 105]));
    // OPD head of U20: their people only, not U10's.
    assert_eq!(reach(&person(201), &c, agency, Area::Discipline), set(&[201, 202]));
    // Allowance lines: no supervisor reach, but the unit head's.
    assert_eq!(reach(&person(103), &c, agency, Area::AllowanceLines), set(&[103]));
    assert_eq!(reach(&person(201), &c, agency, Area::AllowanceLines), set(&[201, 202]));
    // Agency-wide roles.
    assert_eq!(reach(&granted(&[GrantedRole::Leader]), &c, agency, Area::Evaluation), Reach::Agency);
    assert_eq!(reach(&granted(&[GrantedRole::Finance]), &c, agency, Area::Discipline), Reach::Agency);
    assert_eq!(reach(&granted(&[GrantedRole::Finance]), &c, agency, Area::Evaluation), set(&[]));
    assert_eq!(reach(&admin(), &c, agency, Area::DailyLogReview), Reach::Agency);
    assert_eq!(reach(&person(104), &c, id(OTHER_AGENCY), Area::Structure), set(&[]));
    assert_eq!(headed_units(&person(101), &c), [id(10)]);
}

#[test]
fn own_records_need_no_chart() {
    assert_eq!(own_record(&person(104).caller, Area::DailyLogWrite), Ok(id(104)));
    assert!(own_record(&admin().caller, Area::DailyLogWrite).is_err());
    // The admin also writes agreements: not a self-only row.
    assert!(own_record(&person(104).caller, Area::OwnAgreement).is_err());
}

#[test]
fn resets_and_new_accounts_that_would_take_over_or_walk_around_duties_are_refused() {
    let agency = id(900);
    let admin =
        Caller { account_id: id(901), agency_id: Some(agency), role: AccountRole::AgencyAdmin, employee_id: None };
    let root = Caller { account_id: id(902), agency_id: None, role: AccountRole::PlatformAdmin, employee_id: None };
    // Their own, a co-admin's, a finance member's: not by the agency admin.
    assert!(reset_refusal(&admin, admin.account_id, AccountRole::AgencyAdmin, false).is_some());
    assert!(reset_refusal(&admin, id(903), AccountRole::AgencyAdmin, false).is_some());
    assert!(reset_refusal(&admin, id(904), AccountRole::Member, true).is_some());
    // An employee's or a plain member's: yes.
    assert_eq!(reset_refusal(&admin, id(905), AccountRole::Employee, false), None);
    assert_eq!(reset_refusal(&admin, id(906), AccountRole::Member, false), None);
    // The platform admin resets any but their own.
    assert_eq!(reset_refusal(&root, id(903), AccountRole::AgencyAdmin, false), None);
    assert_eq!(reset_refusal(&root, id(904), AccountRole::Member, true), None);
    assert!(reset_refusal(&root, root.account_id, AccountRole::PlatformAdmin, false).is_some());
    // Admin accounts are issued by the platform admin only.
    assert!(issue_refusal(&admin, AccountRole::AgencyAdmin).is_some());
    assert!(issue_refusal(&admin, AccountRole::PlatformAdmin).is_some());
    assert_eq!(issue_refusal(&admin, AccountRole::Member), None);
    assert_eq!(issue_refusal(&admin, AccountRole::Employee), None);
    assert_eq!(issue_refusal(&root, AccountRole::AgencyAdmin), None);
}

#[test]
fn a_unit_head_sets_the_staffs_roster_but_not_their_own() {
    let c = chart(None, &[102]);
    // E101 heads the OPD: they set the roster of those in it, not their own; the admin sets it.
    assert_eq!(decide(&person(101), &c, employee(104), Area::Roster, Access::Write), Decision::Allow);
    assert!(matches!(decide(&person(101), &c, employee(101), Area::Roster, Access::Write), Decision::Forbid(_)));
    assert_eq!(decide(&person(101), &c, employee(101), Area::Roster, Access::Read), Decision::Allow);
    assert_eq!(decide(&admin(), &c, employee(101), Area::Roster, Access::Write), Decision::Allow);
}
