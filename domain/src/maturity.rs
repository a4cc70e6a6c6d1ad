//! Maturity levels (BKN's e-Kinerja levels 1 to 6), computed from the data.
//!
//! Each level is a rule an employee meets or not over a month, a share against a threshold
//! (policy):
//! 1. `daily_logging`: working days with a log, of the working days so far;
//! 2. `linked_to_agreement`: logged minutes serving a planned result, of all minutes logged;
//! 3. `targets_guide_work`: logged minutes serving a planned result with a target in the
//!    month's part of the year (its quarter or month of the breakdown), of the minutes serving
//!    planned results (an approved agreement is always broken down; this asks whether the parts
//!    guide the work);
//! 4. `goals_aligned`: main results cascading from the supervisor's result or an organisational
//!    goal, of the main results;
//! 5. `structure_followed`: the agreement is for the post the employee holds, and its main results
//!    hang from the agreement of the supervisor the structure gives (or from goals, at the top);
//! 6. `performance_used`: the last evaluation period ended is finally evaluated, and an approved
//!    allowance run paid the employee for the month or the one before.
//!
//! A unit or the agency reaches levels 1 to 3 when the share of its employees who reached that
//! level (or a higher one) reaches the coverage threshold. Levels 4 to 6 of a unit or the agency
//! are the conditions of workforce.md, read from the whole group ([`GroupFacts`]):
//! 4. every organisational goal of the period is supported by an approved result, and
//!    `group_aligned_bp` of the group's approved main results hang from an approved result of the
//!    supervisor or from a goal;
//! 5. every post held has a workload figure for the last twelve months (either method), the staff
//!    is within `staffing_range_bp` of the required staff, and every approved agreement is for the
//!    post its employee holds now, under today's supervisor;
//! 6. the last closed evaluation period's predicates fit the distribution pattern, the month's
//!    allowance run is approved with fewer than `pending_bp` of the employees pending, and the SIASN
//!    export of the last performance year ended has been produced.
//!
//! The level reached is the last of an unbroken run of rules met from level 1 (0: not even level 1).

use serde::{Deserialize, Serialize};

word_enum! {
    /// The rule of a level.
    MaturityRule {
        /// Level 1: employees record their daily official activities.
        DailyLogging => "daily_logging",
        /// Level 2: daily activities are linked to the items of the annual SKP.
        LinkedToAgreement => "linked_to_agreement",
        /// Level 3: quarterly or monthly targets guide daily work.
        TargetsGuideWork => "targets_guide_work",
        /// Level 4: individual goals are aligned with organisational goals.
        GoalsAligned => "goals_aligned",
        /// Level 5: SKPs follow the structure and the strategic plan.
        StructureFollowed => "structure_followed",
        /// Level 6: performance is assessed and used for decisions (allowance).
        PerformanceUsed => "performance_used",
    }
}

word_enum! {
    /// What a rule counts.
    MaturityUnit {
        WorkingDays => "working_days",
        Minutes => "minutes",
        MainResults => "main_results",
        Conditions => "conditions",
        Employees => "employees",
        Goals => "goals",
        Posts => "posts",
        /// Hundredths of a person.
        StaffHundredths => "staff_hundredths",
        Agreements => "agreements",
        /// The rules of a distribution pattern (of every OPD's, for the agency).
        PatternRules => "pattern_rules",
        /// SIASN exports produced.
        Exports => "exports",
    }
}

word_enum! {
    /// One condition of a group's level 4, 5 or 6 (workforce.md).
    MaturityCondition {
        /// Level 4: every organisational goal of the period is supported by an approved result.
        GoalsSupported => "goals_supported",
        /// Level 4: the group's approved main results hang from an approved result of the
        /// supervisor or from a goal.
        ResultsCascade => "results_cascade",
        /// Level 5: every post held has a workload figure for the last twelve months.
        WorkloadMeasured => "workload_measured",
        /// Level 5: the staff is within the range of the required staff.
        StaffingInRange => "staffing_in_range",
        /// Level 5: every approved agreement is for the post held now, under today's supervisor.
        AgreementsFollowStructure => "agreements_follow_structure",
        /// Level 6: the last closed evaluation period's predicates fit the distribution pattern.
        DistributionFits => "distribution_fits",
        /// Level 6: the month's allowance run is approved with few employees pending.
        AllowanceRunApproved => "allowance_run_approved",
        /// Level 6: the SIASN export of the last performance year ended has been produced.
        SiasnExported => "siasn_exported",
    }
}

impl MaturityRule {
    /// The level the rule stands for, 1 to 6.
    pub fn level(self) -> u8 {
        match self {
            MaturityRule::DailyLogging => 1,
            MaturityRule::LinkedToAgreement => 2,
            MaturityRule::TargetsGuideWork => 3,
            MaturityRule::GoalsAligned => 4,
            MaturityRule::StructureFollowed => 5,
            MaturityRule::PerformanceUsed => 6,
        }
    }

    /// BKN's words for the level.
    pub fn description(self) -> &'static str {
        match self {
            MaturityRule::DailyLogging => "employees record their daily official activities",
            MaturityRule::LinkedToAgreement => "daily activities are linked to the items of the annual SKP",
            MaturityRule::TargetsGuideWork => {
                "annual targets are split into quarterly or monthly targets that guide daily work"
            }
            MaturityRule::GoalsAligned => "organisational goals and individual goals are aligned",
            MaturityRule::StructureFollowed => "SKPs follow the strategic plan and the structure",
            MaturityRule::PerformanceUsed => {
                "performance is recorded and assessed correctly and used for decisions (allowance)"
            }
        }
    }
}

/// The thresholds, in basis points (policy; defaults below).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MaturityPolicy {
    /// Level 1: share of working days with a log (default 8,000).
    #[serde(default = "default_8000")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub daily_logging_bp: i64,
    /// Level 2: share of logged minutes serving a planned result (default 8,000).
    #[serde(default = "default_8000")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub linked_minutes_bp: i64,
    /// Level 3: share of the minutes serving a planned result that serve one with a target for
    /// the month's part of the year (default 8,000).
    #[serde(default = "default_8000")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub guided_minutes_bp: i64,
    /// Level 4: share of an employee's main results that cascade (default 10,000).
    #[serde(default = "default_10000")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub aligned_bp: i64,
    /// Level 4 of a group: share of its employees' approved main results that cascade (default
    /// 9,500).
    #[serde(default = "default_9500")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub group_aligned_bp: i64,
    /// Level 5: share of an employee's main results that follow the structure (default 10,000).
    #[serde(default = "default_10000")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub structure_bp: i64,
    /// A unit or agency reaches levels 1 to 3 when this share of its employees reached them
    /// (default 8,000).
    #[serde(default = "default_8000")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub coverage_bp: i64,
    /// Level 5 of a group: how far its staff may lie above or below the required staff, as a share
    /// of the required staff (default 2,000: ±20%).
    #[serde(default = "default_2000")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub staffing_range_bp: i64,
    /// Level 6 of a group: the month's approved run has fewer than this share of the employees
    /// pending (default 500: under 5%).
    #[serde(default = "default_500")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub pending_bp: i64,
}

fn default_9500() -> i64 {
    9_500
}

fn default_2000() -> i64 {
    2_000
}

fn default_500() -> i64 {
    500
}

fn default_8000() -> i64 {
    8_000
}

fn default_10000() -> i64 {
    10_000
}

impl Default for MaturityPolicy {
    fn default() -> Self {
        MaturityPolicy {
            daily_logging_bp: 8_000,
            linked_minutes_bp: 8_000,
            guided_minutes_bp: 8_000,
            aligned_bp: 10_000,
            group_aligned_bp: 9_500,
            structure_bp: 10_000,
            coverage_bp: 8_000,
            staffing_range_bp: 2_000,
            pending_bp: 500,
        }
    }
}

impl MaturityPolicy {
    /// Every threshold out of range, as `(field, reason)`: each from 1 to 10,000 basis points.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        [
            ("daily_logging_bp", self.daily_logging_bp),
            ("linked_minutes_bp", self.linked_minutes_bp),
            ("guided_minutes_bp", self.guided_minutes_bp),
            ("aligned_bp", self.aligned_bp),
            ("group_aligned_bp", self.group_aligned_bp),
            ("structure_bp", self.structure_bp),
            ("coverage_bp", self.coverage_bp),
            ("staffing_range_bp", self.staffing_range_bp),
            ("pending_bp", self.pending_bp),
        ]
        .into_iter()
        .filter(|(_, v)| !(1..=10_000).contains(v))
        .map(|(f, _)| (f, "must be from 1 to 10000 basis points".to_owned()))
        .collect()
    }
}

/// A change to the thresholds: only the fields given change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MaturityPolicyPatch {
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub daily_logging_bp: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub linked_minutes_bp: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub guided_minutes_bp: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub aligned_bp: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub group_aligned_bp: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub structure_bp: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub coverage_bp: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub staffing_range_bp: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub pending_bp: Option<i64>,
}

impl MaturityPolicyPatch {
    /// The policy with the given fields changed.
    pub fn apply(&self, p: MaturityPolicy) -> MaturityPolicy {
        MaturityPolicy {
            daily_logging_bp: self.daily_logging_bp.unwrap_or(p.daily_logging_bp),
            linked_minutes_bp: self.linked_minutes_bp.unwrap_or(p.linked_minutes_bp),
            guided_minutes_bp: self.guided_minutes_bp.unwrap_or(p.guided_minutes_bp),
            aligned_bp: self.aligned_bp.unwrap_or(p.aligned_bp),
            group_aligned_bp: self.group_aligned_bp.unwrap_or(p.group_aligned_bp),
            structure_bp: self.structure_bp.unwrap_or(p.structure_bp),
            coverage_bp: self.coverage_bp.unwrap_or(p.coverage_bp),
            staffing_range_bp: self.staffing_range_bp.unwrap_or(p.staffing_range_bp),
            pending_bp: self.pending_bp.unwrap_or(p.pending_bp),
        }
    }

    /// Every given threshold out of range, as `(field, reason)`.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        // Out-of-range values survive `apply` onto the defaults, which are all in range.
        self.apply(MaturityPolicy::default()).problems()
    }
}

/// How one main result of an agreement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultLink {
    /// It supports an organisational goal (only the posts the cascade rules let link to goals do).
    pub to_goal: bool,
    /// It supports a result that is in force: an approved agreement still holds its lineage.
    pub parent_in_force: bool,
    /// That result belongs to the supervisor the structure gives the employee today.
    pub parent_is_supervisors: bool,
}

impl ResultLink {
    /// Level 4: the result cascades from something in force.
    pub fn cascades(self) -> bool {
        self.to_goal || self.parent_in_force
    }

    /// Level 5: it follows the strategic plan (a goal) or the structure (today's supervisor).
    pub fn follows_structure(self) -> bool {
        self.to_goal || (self.parent_in_force && self.parent_is_supervisors)
    }
}

/// Which of an employee's approved agreements covering a span counts, given for each its post and
/// revision: the one for the post the employee holds now (`current_post`), then the latest
/// revision.
pub fn agreement_that_counts(
    current_post: Option<crate::id::PositionId>,
    candidates: &[(crate::id::PositionId, i32)],
) -> Option<usize> {
    candidates
        .iter()
        .enumerate()
        .max_by_key(|(_, (post, revision))| (Some(*post) == current_post, *revision))
        .map(|(i, _)| i)
}

/// What an employee's approved agreement for the month shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgreementFacts {
    pub main_results: i64,
    /// Main results supporting a result in force of the supervisor, or an organisational goal.
    pub cascaded: i64,
    /// Main results hanging from the agreement of the supervisor the structure gives today (or
    /// from a goal, for a post with no supervisor).
    pub follow_structure: i64,
    /// The agreement is for the post the employee holds.
    pub on_current_post: bool,
}

impl AgreementFacts {
    /// Level 5 for one agreement: for the post held now, with its main results hanging from
    /// today's supervisor's agreement (or from goals).
    pub fn follows_structure(&self, p: &MaturityPolicy) -> bool {
        self.on_current_post
            && self.main_results > 0
            && self.follow_structure * 10_000 >= p.structure_bp * self.main_results
    }
}

/// What the data shows of one employee over a month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmployeeFacts {
    /// Working days of the month so far (schedule, holidays and leave applied).
    pub working_days: i64,
    /// Of them, days with a log that was not rejected.
    pub days_logged: i64,
    /// Minutes logged in the month (not rejected).
    pub minutes: i64,
    /// Of them, minutes serving a planned result.
    pub linked_minutes: i64,
    /// Of those, minutes serving a planned result with a target for the month's part of the year.
    pub guided_minutes: i64,
    /// The approved agreement covering the month.
    pub agreement: Option<AgreementFacts>,
    /// The last evaluation period ended by the month's end has the employee's final evaluation.
    pub evaluated: bool,
    /// An approved allowance run for the month or the one before pays the employee.
    pub allowance_paid: bool,
}

/// One rule checked: `part` of `whole` against the threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCheck {
    pub rule: MaturityRule,
    pub level: u8,
    pub unit: MaturityUnit,
    pub part: i64,
    pub whole: i64,
    /// `part / whole` in basis points, rounded down (0 when `whole` is 0).
    pub value_bp: i64,
    pub threshold_bp: i64,
    pub met: bool,
    /// How many more of `unit` it takes to meet the rule (0 when met).
    pub shortfall: i64,
    /// What is missing, in words; none when met.
    pub missing: Option<String>,
    /// For a group's levels 4 to 6: each condition with its evidence (empty otherwise).
    pub conditions: Vec<ConditionCheck>,
}

/// One condition of a unit's or the agency's level 4, 5 or 6, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConditionCheck {
    pub condition: MaturityCondition,
    /// What `part` and `whole` count (`staff_hundredths`: the staff and the staff required, in
    /// hundredths of a person).
    pub unit: MaturityUnit,
    /// The evidence: `part` of `whole`.
    pub part: i64,
    pub whole: i64,
    pub met: bool,
    /// What is missing, in words; `null` when met.
    pub missing: Option<String>,
}

fn check(rule: MaturityRule, unit: MaturityUnit, part: i64, whole: i64, threshold_bp: i64) -> RuleCheck {
    let part = part.clamp(0, whole.max(0));
    let met = whole > 0 && part * 10_000 >= threshold_bp * whole;
    let value_bp = if whole > 0 { part * 10_000 / whole } else { 0 };
    // The least p with p × 10,000 ≥ threshold × whole.
    let needed = (threshold_bp * whole + 9_999) / 10_000;
    let shortfall = if met { 0 } else { (needed - part).max(0) };
    RuleCheck {
        rule,
        level: rule.level(),
        unit,
        part,
        whole,
        value_bp,
        threshold_bp,
        met,
        shortfall,
        missing: None,
        conditions: vec![],
    }
}

fn with_missing(mut c: RuleCheck, empty: &str, short: impl FnOnce(i64) -> String) -> RuleCheck {
    if !c.met {
        c.missing = Some(if c.whole == 0 { empty.to_owned() } else { short(c.shortfall) });
    }
    c
}

/// The six rules for one employee.
pub fn employee_rules(f: &EmployeeFacts, p: &MaturityPolicy) -> Vec<RuleCheck> {
    use MaturityRule as R;
    use MaturityUnit as U;
    let a = f.agreement.unwrap_or_default();
    let no_agreement = "no approved agreement covers the month";
    let structure = if a.on_current_post { a.follow_structure } else { 0 };
    let conditions = i64::from(f.evaluated) + i64::from(f.allowance_paid);
    vec![
        with_missing(
            check(R::DailyLogging, U::WorkingDays, f.days_logged, f.working_days, p.daily_logging_bp),
            "no working day in the month so far",
            |n| format!("a log on {n} more working days"),
        ),
        with_missing(
            check(R::LinkedToAgreement, U::Minutes, f.linked_minutes, f.minutes, p.linked_minutes_bp),
            "no minutes logged in the month",
            |n| format!("{n} more logged minutes serving a planned result"),
        ),
        with_missing(
            check(R::TargetsGuideWork, U::Minutes, f.guided_minutes, f.linked_minutes, p.guided_minutes_bp),
            "no minutes serving a planned result in the month",
            |n| format!("{n} more logged minutes on planned results with a target for this part of the year"),
        ),
        with_missing(
            check(R::GoalsAligned, U::MainResults, a.cascaded, a.main_results, p.aligned_bp),
            if f.agreement.is_some() { "the approved agreement has no main results" } else { no_agreement },
            |n| format!("{n} more main results cascading from the supervisor's result or a goal"),
        ),
        with_missing(
            check(R::StructureFollowed, U::MainResults, structure, a.main_results, p.structure_bp),
            if f.agreement.is_some() { "the approved agreement has no main results" } else { no_agreement },
            |n| {
                if a.on_current_post {
                    format!("{n} more main results hanging from the current supervisor's agreement")
                } else {
                    "an approved agreement for the post the employee holds now".to_owned()
                }
            },
        ),
        with_missing(check(R::PerformanceUsed, U::Conditions, conditions, 2, 10_000), "", |_| {
            match (f.evaluated, f.allowance_paid) {
                (false, false) => {
                    "a final evaluation of the last period ended, and an approved allowance run".to_owned()
                }
                (false, true) => "a final evaluation of the last evaluation period ended".to_owned(),
                _ => "an approved allowance run for the month or the one before".to_owned(),
            }
        }),
    ]
}

/// What a group's (a unit's, with its sub-units, or the agency's) data shows for levels 4 to 6.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupFacts {
    /// Whether a day of the month is over: the twelve months of workload end on the last one.
    pub days_over: bool,
    /// Organisational goals of the period assigned to the group's units rolled out in the month
    /// (every goal, for the agency) …
    pub goals: i64,
    /// … of them, supported by a result of an approved agreement covering the month.
    pub goals_supported: i64,
    /// Whether goals must exist: the agency sets its goals; a unit may have none of its own.
    pub goals_required: bool,
    /// Main results of its employees' approved agreements covering the month …
    pub main_results: i64,
    /// … of them, hanging from an approved result of the supervisor or from a goal.
    pub cascaded: i64,
    /// Posts held (now, or by a log's author over the twelve months) …
    pub posts: i64,
    /// … of them, with a workload over the twelve months by either method.
    pub posts_measured: i64,
    /// Employees holding those posts now, in hundredths.
    pub staff_hundredths: i64,
    /// The staff the workload needs, in hundredths (by standard time where a post has it, else
    /// by logged minutes).
    pub required_hundredths: i64,
    /// Employees with an approved agreement covering the month …
    pub agreements: i64,
    /// … of them, for the post they hold now under today's supervisor.
    pub agreements_following: i64,
    /// The last closed evaluation period ended by the month's end: its distribution.
    pub distribution: Option<DistributionFacts>,
    /// The month's allowance run.
    pub run: Option<RunFacts>,
    /// The last performance year ended by the month's last day read, and whether its SIASN export
    /// was produced (after the year ended, with its employees).
    pub siasn: Option<(i32, bool)>,
}

/// A closed period's spread against the pattern (for the agency, over its OPDs rolled out by the
/// period's end).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DistributionFacts {
    /// The period's span for the text, e.g. `2026-04-01 to 2026-06-30`.
    pub period: String,
    /// Units judged.
    pub units: i64,
    /// Units not rolled out by the period's end, so not judged (their names).
    pub not_rolled_out: Vec<String>,
    /// Employees below the heads judged who have no final predicate.
    pub without_predicate: i64,
    /// Pattern rules kept and checked (summed over OPDs for the agency).
    pub kept: i64,
    pub rules: i64,
    /// Units whose head has no final predicate, so no pattern applies (their names).
    pub unrated: Vec<String>,
    /// Units whose spread breaks the pattern (their names).
    pub breaking: Vec<String>,
}

/// The month's allowance runs as they touch the group: each employee's line in the latest
/// approved run of the month that holds one (present when the month has any run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunFacts {
    /// The group's employees counted (rolled out) …
    pub employees: i64,
    /// … of them, with their line in an approved run …
    pub approved: i64,
    /// … and of those, with a pending line.
    pub pending: i64,
}

/// A count in hundredths with its two decimals (`513` → `5.13`); basis points read so are a
/// percentage (`2000` → `20.00`).
fn hundredths(n: i64) -> String {
    format!("{}.{:02}", n / 100, n % 100)
}

fn condition(
    c: MaturityCondition,
    unit: MaturityUnit,
    part: i64,
    whole: i64,
    missing: Option<String>,
) -> ConditionCheck {
    ConditionCheck { condition: c, unit, part, whole, met: missing.is_none(), missing }
}

/// The conditions of a group's levels 4, 5 and 6, in that order.
pub fn group_conditions(f: &GroupFacts, p: &MaturityPolicy) -> [Vec<ConditionCheck>; 3] {
    use MaturityCondition as C;
    use MaturityUnit as U;
    let goals = condition(
        C::GoalsSupported,
        U::Goals,
        f.goals_supported,
        f.goals,
        match (f.goals, f.goals_required) {
            (0, true) => Some("no organisational goal is set for the period".to_owned()),
            (n, _) if f.goals_supported < n => Some(format!(
                "{} organisational goals without an approved result supporting them",
                n - f.goals_supported
            )),
            _ => None,
        },
    );
    let cascade = {
        let c = check(MaturityRule::GoalsAligned, U::MainResults, f.cascaded, f.main_results, p.group_aligned_bp);
        condition(
            C::ResultsCascade,
            U::MainResults,
            c.part,
            c.whole,
            (!c.met).then(|| match c.whole {
                0 => "no approved main result covers the month".to_owned(),
                _ => {
                    format!("{} more main results hanging from the supervisor's approved result or a goal", c.shortfall)
                }
            }),
        )
    };
    let measured = condition(
        C::WorkloadMeasured,
        U::Posts,
        f.posts_measured,
        f.posts,
        match f.posts {
            _ if !f.days_over => Some("no day of the month is over".to_owned()),
            0 => Some("no post is held".to_owned()),
            n if f.posts_measured < n => {
                Some(format!("a workload figure for the last twelve months for {} more posts", n - f.posts_measured))
            }
            _ => None,
        },
    );
    let staffing = {
        let (staff, required) = (f.staff_hundredths, f.required_hundredths);
        let within = required > 0 && (staff - required).abs() * 10_000 <= p.staffing_range_bp * required;
        condition(
            C::StaffingInRange,
            U::StaffHundredths,
            staff,
            required,
            (!within).then(|| match required {
                0 => "no workload to set the required staff by".to_owned(),
                _ => format!(
                    "a staff of {} against {} required, outside ±{}%",
                    hundredths(staff),
                    hundredths(required),
                    hundredths(p.staffing_range_bp)
                ),
            }),
        )
    };
    let structure = condition(
        C::AgreementsFollowStructure,
        U::Agreements,
        f.agreements_following,
        f.agreements,
        match f.agreements {
            0 => Some("no approved agreement covers the month".to_owned()),
            n if f.agreements_following < n => Some(format!(
                "{} approved agreements not for the post held now, or not hanging from today's supervisor's agreement",
                n - f.agreements_following
            )),
            _ => None,
        },
    );
    let distribution = match &f.distribution {
        None => condition(
            C::DistributionFits,
            U::PatternRules,
            0,
            0,
            Some("no evaluation period closed by the month's end".to_owned()),
        ),
        Some(d) => {
            let mut why = vec![];
            if !d.not_rolled_out.is_empty() {
                why.push(format!(
                    "{} not rolled out by the end of the period {}",
                    d.not_rolled_out.join(", "),
                    d.period
                ));
            } else if d.units == 0 {
                why.push(format!("no unit rolled out by the end of the period {}", d.period));
            }
            if d.without_predicate > 0 {
                why.push(format!(
                    "{} employees without a final predicate in the period {}",
                    d.without_predicate, d.period
                ));
            }
            if !d.unrated.is_empty() {
                why.push(format!(
                    "no final predicate of the head of {} in the period {}",
                    d.unrated.join(", "),
                    d.period
                ));
            }
            if !d.breaking.is_empty() {
                why.push(format!(
                    "the predicates of {} in the period {} break the distribution pattern",
                    d.breaking.join(", "),
                    d.period
                ));
            }
            condition(C::DistributionFits, U::PatternRules, d.kept, d.rules, (!why.is_empty()).then(|| why.join("; ")))
        }
    };
    let run = match f.run {
        None => {
            condition(C::AllowanceRunApproved, U::Employees, 0, 0, Some("no allowance run for the month".to_owned()))
        }
        // The evidence: employees paid by an approved run (their line computed) of those counted.
        Some(r) => condition(
            C::AllowanceRunApproved,
            U::Employees,
            r.approved - r.pending,
            r.employees,
            if r.approved < r.employees {
                Some(format!("{} employees not in an approved allowance run for the month", r.employees - r.approved))
            } else if r.pending * 10_000 >= p.pending_bp * r.employees && r.pending > 0 {
                Some(format!(
                    "{} of {} employees pending in the month's allowance run, not fewer than {}%",
                    r.pending,
                    r.employees,
                    hundredths(p.pending_bp)
                ))
            } else {
                None
            },
        ),
    };
    let siasn = match f.siasn {
        None => condition(C::SiasnExported, U::Exports, 0, 1, Some("no performance year has ended".to_owned())),
        Some((year, produced)) => condition(
            C::SiasnExported,
            U::Exports,
            i64::from(produced),
            1,
            (!produced).then(|| format!("the SIASN export of {year}")),
        ),
    };
    [vec![goals, cascade], vec![measured, staffing, structure], vec![distribution, run, siasn]]
}

/// The six levels for a unit or agency: levels 1 to 3 from how many of its `employees` reached
/// each (`meeting[0]`: level 1 or higher), levels 4 to 6 from the group's own conditions.
pub fn group_rules(meeting: [i64; 3], employees: i64, p: &MaturityPolicy, facts: &GroupFacts) -> Vec<RuleCheck> {
    let [l4, l5, l6] = group_conditions(facts, p);
    let mut out: Vec<RuleCheck> = MaturityRule::ALL
        .iter()
        .zip(meeting)
        .map(|(rule, n)| {
            with_missing(
                check(*rule, MaturityUnit::Employees, n, employees, p.coverage_bp),
                "no active employees",
                |k| format!("{k} more employees at this level"),
            )
        })
        .collect();
    for (rule, conditions) in MaturityRule::ALL.iter().skip(3).zip([l4, l5, l6]) {
        let met = conditions.iter().filter(|c| c.met).count() as i64;
        let mut c = check(*rule, MaturityUnit::Conditions, met, conditions.len() as i64, 10_000);
        c.missing =
            (!c.met).then(|| conditions.iter().filter_map(|c| c.missing.clone()).collect::<Vec<_>>().join("; "));
        c.conditions = conditions;
        out.push(c);
    }
    out
}

/// A unit's or the agency's standing from its employees' levels and its own facts:
/// `(employees, rules, level)`.
pub fn group(
    levels: impl IntoIterator<Item = u8>,
    p: &MaturityPolicy,
    facts: &GroupFacts,
) -> (i64, Vec<RuleCheck>, u8) {
    let mut meeting = [0i64; 3];
    let mut employees = 0;
    for l in levels {
        employees += 1;
        // An employee counts towards each of levels 1 to 3 up to the one they reached.
        for n in meeting.iter_mut().take(usize::from(l)) {
            *n += 1;
        }
    }
    let rules = group_rules(meeting, employees, p, facts);
    let reached = level(&rules);
    (employees, rules, reached)
}

/// The level reached: the last rule of the unbroken run met from level 1.
pub fn level(rules: &[RuleCheck]) -> u8 {
    rules.iter().take_while(|r| r.met).count() as u8
}

/// The rule to meet for the next level, if any is left.
pub fn next(rules: &[RuleCheck]) -> Option<&RuleCheck> {
    rules.iter().find(|r| !r.met)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> EmployeeFacts {
        EmployeeFacts {
            working_days: 20,
            days_logged: 20,
            minutes: 6_000,
            linked_minutes: 6_000,
            guided_minutes: 6_000,
            agreement: Some(AgreementFacts {
                main_results: 2,
                cascaded: 2,
                follow_structure: 2,
                on_current_post: true,
            }),
            evaluated: true,
            allowance_paid: true,
        }
    }

    fn level_of(f: &EmployeeFacts) -> u8 {
        level(&employee_rules(f, &MaturityPolicy::default()))
    }

    #[test]
    fn each_level_falls_when_its_rule_fails() {
        assert_eq!(level_of(&full()), 6);
        let mut f = full();
        f.allowance_paid = false;
        assert_eq!(level_of(&f), 5);
        let mut f = full();
        f.agreement.as_mut().unwrap().on_current_post = false;
        assert_eq!(level_of(&f), 4);
        let mut f = full();
        f.agreement.as_mut().unwrap().cascaded = 1;
        assert_eq!(level_of(&f), 3);
        let mut f = full();
        f.guided_minutes = 4_799;
        assert_eq!(level_of(&f), 2);
        let mut f = full();
        f.linked_minutes = 4_799;
        assert_eq!(level_of(&f), 1);
        let mut f = full();
        f.days_logged = 15;
        assert_eq!(level_of(&f), 0);
    }

    #[test]
    fn thresholds_are_inclusive_and_the_shortfall_counts_what_is_missing() {
        let mut f = full();
        f.days_logged = 16; // 16/20 = 8,000 bp: met
        let r = employee_rules(&f, &MaturityPolicy::default());
        assert!(r[0].met);
        assert_eq!(r[0].value_bp, 8_000);
        f.days_logged = 13;
        let r = employee_rules(&f, &MaturityPolicy::default());
        assert!(!r[0].met);
        assert_eq!(r[0].shortfall, 3);
        assert_eq!(r[0].missing.as_deref(), Some("a log on 3 more working days"));
        assert_eq!(next(&r).map(|r| r.rule), Some(MaturityRule::DailyLogging));
    }

    #[test]
    fn nothing_to_count_is_not_met() {
        let f = EmployeeFacts::default();
        let r = employee_rules(&f, &MaturityPolicy::default());
        assert!(r.iter().all(|r| !r.met));
        assert_eq!(r[3].missing.as_deref(), Some("no approved agreement covers the month"));
        assert_eq!(level(&r), 0);
    }

    #[test]
    fn a_group_needs_coverage_on_every_level_below() {
        let p = MaturityPolicy::default();
        // 10 employees: 9 at level 1 or above, 8 at level 2 or above, 7 at 3 or above.
        let r = group_rules([9, 8, 7], 10, &p, &met_facts());
        assert_eq!(level(&r), 2);
        assert_eq!(r[2].shortfall, 1);
        assert_eq!(r[2].missing.as_deref(), Some("1 more employees at this level"));
    }

    #[test]
    fn group_counts_each_employee_up_to_their_level() {
        let p = MaturityPolicy { coverage_bp: 5_000, ..MaturityPolicy::default() };
        let (n, rules, reached) = group([0, 0, 1, 2, 3, 4, 5, 6], &p, &GroupFacts::default());
        assert_eq!(n, 8);
        assert_eq!(rules.iter().take(3).map(|r| r.part).collect::<Vec<_>>(), [6, 5, 4]);
        assert_eq!(reached, 3);
        // Levels 4 to 6 are the group's own conditions, whatever its employees reached.
        assert_eq!(group([0, 0, 1, 2, 3, 4, 5, 6], &p, &met_facts()).2, 6);
        assert_eq!(group([6, 6, 6, 6, 6, 6, 6, 6], &p, &GroupFacts::default()).2, 3);
    }

    fn met_facts() -> GroupFacts {
        GroupFacts {
            goals: 1,
            goals_supported: 1,
            goals_required: true,
            main_results: 20,
            cascaded: 19,
            posts: 3,
            posts_measured: 3,
            staff_hundredths: 500,
            required_hundredths: 417,
            agreements: 5,
            agreements_following: 5,
            days_over: true,
            distribution: Some(DistributionFacts {
                period: "2026-04-01 to 2026-06-30".into(),
                units: 1,
                kept: 3,
                rules: 3,
                ..Default::default()
            }),
            run: Some(RunFacts { approved: 21, employees: 21, pending: 1 }),
            siasn: Some((2025, true)),
        }
    }

    fn missing_of(f: &GroupFacts, level: usize) -> Option<String> {
        let rules = group_rules([1, 1, 1], 1, &MaturityPolicy::default(), f);
        rules[level - 1].missing.clone()
    }

    #[test]
    fn each_group_condition_falls_on_its_own_evidence() {
        let p = MaturityPolicy::default();
        assert_eq!(level(&group_rules([1, 1, 1], 1, &p, &met_facts())), 6);
        type Case = (fn(&mut GroupFacts), usize, &'static str);
        let cases: Vec<Case> = vec![
            (|f| f.goals_supported = 0, 4, "1 organisational goals without an approved result supporting them"),
            (|f| f.goals = 0, 4, "no organisational goal is set for the period"),
            // 18 of 20 is 90%: one more reaches 95%.
            (|f| f.cascaded = 18, 4, "1 more main results hanging from the supervisor's approved result or a goal"),
            (|f| f.posts_measured = 2, 5, "a workload figure for the last twelve months for 1 more posts"),
            // 5.00 against 4.16 is 20.19% above.
            (|f| f.required_hundredths = 416, 5, "a staff of 5.00 against 4.16 required, outside ±20.00%"),
            (
                |f| f.agreements_following = 3,
                5,
                "2 approved agreements not for the post held now, or not hanging from today's supervisor's agreement",
            ),
            (|f| f.distribution = None, 6, "no evaluation period closed by the month's end"),
            (
                |f| f.distribution.as_mut().unwrap().breaking = vec!["Dinas Kesehatan".into()],
                6,
                "the predicates of Dinas Kesehatan in the period 2026-04-01 to 2026-06-30 break the distribution pattern",
            ),
            (
                |f| f.run.as_mut().unwrap().approved = 20,
                6,
                "1 employees not in an approved allowance run for the month",
            ),
            // 2 of 21 is 9.5%; 1 of 21 (4.8%) passes above.
            (
                |f| f.run.as_mut().unwrap().pending = 2,
                6,
                "2 of 21 employees pending in the month's allowance run, not fewer than 5.00%",
            ),
            (|f| f.siasn = Some((2025, false)), 6, "the SIASN export of 2025"),
            (
                |f| f.distribution.as_mut().unwrap().without_predicate = 2,
                6,
                "2 employees without a final predicate in the period 2026-04-01 to 2026-06-30",
            ),
            (
                |f| f.distribution.as_mut().unwrap().units = 0,
                6,
                "no unit rolled out by the end of the period 2026-04-01 to 2026-06-30",
            ),
            (|f| f.days_over = false, 5, "no day of the month is over"),
        ];
        for (change, at, why) in cases {
            let mut f = met_facts();
            change(&mut f);
            let rules = group_rules([1, 1, 1], 1, &p, &f);
            assert_eq!(level(&rules), (at - 1) as u8, "{why}");
            assert_eq!(missing_of(&f, at).as_deref(), Some(why));
            let c = rules[at - 1].conditions.iter().find(|c| !c.met).unwrap();
            assert_eq!(c.missing.as_deref(), Some(why));
        }
        // A unit with no goals of its own has none to support; the agency must set them.
        let mut f = met_facts();
        (f.goals, f.goals_supported, f.goals_required) = (0, 0, false);
        assert_eq!(level(&group_rules([1, 1, 1], 1, &p, &f)), 6);
        // At the edges: exactly ±20% is within; 95% exactly cascades.
        let mut f = met_facts();
        (f.staff_hundredths, f.required_hundredths, f.cascaded) = (600, 500, 19);
        assert_eq!(level(&group_rules([1, 1, 1], 1, &p, &f)), 6);
        f.staff_hundredths = 400;
        assert_eq!(level(&group_rules([1, 1, 1], 1, &p, &f)), 6);
    }

    #[test]
    fn links_and_the_agreement_that_counts() {
        let l = |to_goal, parent_in_force, parent_is_supervisors| ResultLink {
            to_goal,
            parent_in_force,
            parent_is_supervisors,
        };
        assert!(l(true, false, false).cascades() && l(true, false, false).follows_structure());
        assert!(l(false, true, false).cascades() && !l(false, true, false).follows_structure());
        assert!(l(false, true, true).follows_structure());
        assert!(!l(false, false, true).cascades() && !l(false, false, true).follows_structure());
        let (old, now) = (
            crate::id::PositionId::from(uuid::Uuid::from_u128(1)),
            crate::id::PositionId::from(uuid::Uuid::from_u128(2)),
        );
        assert_eq!(agreement_that_counts(Some(now), &[(old, 2), (now, 1)]), Some(1));
        assert_eq!(agreement_that_counts(Some(now), &[(old, 1), (old, 3)]), Some(1));
        assert_eq!(agreement_that_counts(None, &[]), None);
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let stored = MaturityPolicy { coverage_bp: 5_000, ..MaturityPolicy::default() };
        let patch = MaturityPolicyPatch { aligned_bp: Some(9_000), ..MaturityPolicyPatch::default() };
        assert_eq!(
            patch.apply(stored),
            MaturityPolicy { coverage_bp: 5_000, aligned_bp: 9_000, ..MaturityPolicy::default() }
        );
        let bad = MaturityPolicyPatch { coverage_bp: Some(0), ..MaturityPolicyPatch::default() };
        assert_eq!(bad.problems().len(), 1);
    }

    #[test]
    fn policy_ranges() {
        let p = MaturityPolicy { coverage_bp: 0, aligned_bp: 10_001, ..MaturityPolicy::default() };
        assert_eq!(p.problems().iter().map(|(f, _)| *f).collect::<Vec<_>>(), ["aligned_bp", "coverage_bp"]);
        let parsed: MaturityPolicy = serde_json::from_str(r#"{"coverage_bp": 9000}"#).unwrap();
        assert_eq!(parsed, MaturityPolicy { coverage_bp: 9_000, ..MaturityPolicy::default() });
    }
}
