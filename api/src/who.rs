//! Who may call each operation, for its description in the OpenAPI document: read from the
//! access matrix of `ekinerja_domain::access` wherever an operation is about a row of it, so the
//! document cannot drift from the rule the server applies.

use ekinerja_domain::access::{who, Access, Area, AGENCY_RELATIONS, EMPLOYEE_RELATIONS, UNIT_RELATIONS};

use Access::{Read as R, Write as W};
use Area::*;

/// How an operation's callers are stated.
enum Who {
    /// Rows of the matrix about one employee's records.
    Employee(&'static [(Area, Access)]),
    /// Rows of the matrix about a unit.
    Unit(&'static [(Area, Access)]),
    /// Rows of the matrix about the agency as a whole.
    Agency(&'static [(Area, Access)]),
    /// Outside the matrix (sign-in, probes, the caller's own records, machines and systems).
    Text(&'static str),
}

/// The rule of an operation, by its `operation_id`; `None` for an operation not listed here,
/// which the document test refuses.
fn rule(operation_id: &str) -> Option<(Who, &'static str)> {
    use Who::*;
    let none = "";
    Some(match operation_id {
        // Sign-in, probes and the machines' protocol.
        "login" => (Text("anyone: this is the sign-in"), none),
        "refresh_token" | "logout" => (Text("the holder of the refresh token"), none),
        "get_liveness" | "get_readiness" => (Text("anyone (probes)"), none),
        "get_machine_options" | "push_machine_log" | "get_machine_commands" => {
            (Text("a fingerprint machine registered by its agency's admin, by its serial number"), none)
        }
        "push_attendance_events" => {
            (Text("an integration key with the `attendance_write` scope, for its own agency"), none)
        }
        "list_roster_changes" => (Text("an integration key with the `employees_read` scope, for its own agency"), none),
        "list_approved_allowance_runs" | "get_approved_allowance_run" => {
            (Text("an integration key with the `allowance_read` scope, for its own agency"), none)
        }
        // The caller's own records.
        "get_me" | "change_my_password" => (Text("any signed-in account"), none),
        "get_job" => (Text("the account that started the job, or a platform admin (operations)"), none),
        "get_job_file" => (
            Text("who may follow the job (as for the job) and, under that work's own rule, may still do the work that made the file: the SIASN export's readers of the agency's views, an import's agency admin; a platform admin following a job is refused where that rule refuses them"),
            none,
        ),
        "list_my_tasks" => (
            Text("any signed-in account, for what waits for their own decision (the access rule decides each item)"),
            none,
        ),
        "list_my_supervisors"
        | "list_my_subordinates"
        | "get_my_maturity"
        | "get_my_discipline"
        | "list_my_evaluations"
        | "get_my_allowance"
        | "list_my_daily_log_changes"
        | "get_my_leave_balance"
        | "get_my_progress" => (Text("an account with an employee record, for their own records"), none),
        "get_my_subordinates_daily_log_activity" => {
            (Text("an account with an employee record, for the employees who report to them directly"), none)
        }
        // Agencies and accounts.
        "list_agencies" | "get_agency" => {
            (Text("a platform admin (every agency); anyone of an agency, their own agency"), none)
        }
        "create_agency" => (Text("a platform admin"), none),
        "update_agency" => (Agency(&[(Policies, W)]), " (or a platform admin)"),
        "create_account" => {
            (Agency(&[(Administration, W)]), " (or a platform admin, who also issues agency admins' accounts)")
        }
        "reset_account_password" => (
            Agency(&[(Administration, W)]),
            " (or a platform admin), never for their own account (that changes with the current password), and an \
             admin's account only by the platform admin",
        ),
        "grant_role"
        | "revoke_role_grant"
        | "issue_integration_key"
        | "rotate_integration_key"
        | "revoke_integration_key"
        | "register_attendance_device"
        | "revoke_attendance_device"
        | "update_attendance_device" => (Agency(&[(Administration, W)]), none),
        "list_role_grants"
        | "get_role_grant"
        | "list_integration_keys"
        | "get_integration_key"
        | "list_attendance_devices" => (Agency(&[(Administration, R)]), none),
        "list_audit_events" => (Agency(&[(AuditTrail, R)]), none),
        // The agency's structure.
        "list_org_units"
        | "get_org_unit"
        | "list_positions"
        | "get_position"
        | "list_performance_periods"
        | "get_performance_period"
        | "list_organisational_goals"
        | "get_organisational_goal"
        | "list_work_schedules"
        | "list_holidays"
        | "list_evaluation_periods"
        | "get_evaluation_period"
        | "list_acting_assignments"
        | "get_acting_assignment"
        | "list_shifts"
        | "get_shift"
        | "list_position_activities" => (Agency(&[(Structure, R)]), none),
        "create_org_unit"
        | "update_org_unit"
        | "create_position"
        | "update_position"
        | "create_performance_period"
        | "create_organisational_goal"
        | "update_organisational_goal"
        | "set_work_schedule"
        | "add_holiday"
        | "delete_holiday"
        | "open_evaluation_period"
        | "close_evaluation_period"
        | "create_acting_assignment"
        | "delete_acting_assignment"
        | "create_shift"
        | "create_position_activity"
        | "import_position_activities" => (Agency(&[(Structure, W)]), none),
        // Evidence files.
        "upload_file" => (Employee(&[(DailyLogWrite, W)]), ", for their own work"),
        "get_file" | "get_file_content" => (
            Employee(&[(DailyLogWrite, R), (DailyLogReview, R)]),
            " (those who read the log, leave request or evaluation it proves; a file nothing names yet, its uploader only)",
        ),
        "list_daily_log_files" => (Employee(&[(DailyLogWrite, R), (DailyLogReview, R)]), none),
        "list_leave_request_files" => (Employee(&[(LeaveRequest, R)]), none),
        "list_evaluation_files" => (Employee(&[(Evaluation, R)]), none),
        // Rosters.
        "set_roster" | "import_roster" => (
            Employee(&[(Roster, W)]),
            ", for each employee named (the head of a unit for its and its sub-units' staff)",
        ),
        "get_employee_roster" => (Employee(&[(Roster, R)]), none),
        "get_org_unit_roster" => (Unit(&[(Roster, R)]), ", for everyone of the unit and its sub-units"),
        // Employees.
        "list_employees"
        | "get_employee"
        | "get_employee_by_nip"
        | "list_employee_supervisors"
        | "list_employee_subordinates" => {
            (Employee(&[(EmployeeRecord, R)]), "; a list holds the employees the caller may read")
        }
        // Figures drawn from the employee's logs.
        "get_employee_maturity" | "get_employee_maturity_history" => {
            (Employee(&[(DailyLogWrite, R), (DailyLogReview, R)]), none)
        }
        "create_employee" | "update_employee" | "import_employees" => (Agency(&[(EmployeeRecord, W)]), none),
        // Agreements.
        "list_agreements" | "get_agreement" | "get_agreement_document" | "get_result_cascade" => (
            Employee(&[(OwnAgreement, R), (AgreementDecision, R)]),
            "; a list holds the agreements the caller may read",
        ),
        "create_agreement"
        | "create_planned_result"
        | "delete_planned_result"
        | "create_indicator"
        | "set_indicator_breakdown"
        | "submit_agreement"
        | "revise_agreement" => (Employee(&[(OwnAgreement, W)]), none),
        "approve_agreement" | "return_agreement" => (Employee(&[(AgreementDecision, W)]), none),
        // Daily logs.
        "create_daily_log" | "create_daily_log_batch" | "update_daily_log" => (Employee(&[(DailyLogWrite, W)]), none),
        "list_daily_logs" | "get_daily_log" => {
            (Employee(&[(DailyLogWrite, R), (DailyLogReview, R)]), "; a list holds the logs the caller may read")
        }
        "accept_daily_log" | "reject_daily_log" | "review_daily_logs" => (Employee(&[(DailyLogReview, W)]), none),
        // Evaluations.
        "list_evaluations" | "get_evaluation" => {
            (Employee(&[(Evaluation, R)]), "; a list holds the evaluations the caller may read")
        }
        "open_evaluation" | "rate_evaluation" | "finalise_evaluation" | "revise_evaluation" => {
            (Employee(&[(Evaluation, W)]), none)
        }
        "get_employee_progress" => (Employee(&[(Evaluation, R)]), none),
        "get_evaluation_realisation" => (Employee(&[(SelfAssessment, R), (Evaluation, R)]), none),
        "assess_indicator" => (Employee(&[(SelfAssessment, W)]), ", while the evaluation is a draft"),
        // Discipline and absences.
        "list_employee_attendance_events" | "get_employee_discipline" | "list_employee_absences" => {
            (Employee(&[(Discipline, R)]), none)
        }
        "record_absence" | "cancel_absence" | "void_attendance_event" => (Employee(&[(Discipline, W)]), none),
        "import_attendance" => (Agency(&[(Discipline, W)]), none),
        // Notifications.
        "create_webhook_subscription"
        | "list_webhook_subscriptions"
        | "get_webhook_subscription"
        | "update_webhook_subscription"
        | "list_webhook_deliveries" => (Agency(&[(Administration, W)]), none),
        // Leave requests.
        "create_leave_request" | "cancel_leave_request" => (Employee(&[(LeaveRequest, W)]), none),
        "list_leave_requests" | "get_leave_request" => {
            (Employee(&[(LeaveRequest, R)]), "; a list holds the requests the caller may read")
        }
        "recommend_leave_request" => (Employee(&[(LeaveRecommend, W)]), none),
        "approve_leave_request" => (Employee(&[(LeaveApprove, W)]), none),
        "refuse_leave_request" => (Employee(&[(LeaveRecommend, W), (LeaveApprove, W)]), none),
        // Allowance.
        "list_allowance_policies" | "get_allowance_policy_in_force" => (Agency(&[(AllowancePolicy, R)]), none),
        "list_distribution_patterns" => (Agency(&[(Policies, R)]), none),
        "set_distribution_patterns" => (Agency(&[(Policies, W)]), none),
        "set_allowance_policy" => (Agency(&[(AllowancePolicy, W)]), none),
        "list_allowance_runs"
        | "get_allowance_run"
        | "export_allowance_payroll"
        | "export_allowance_breakdown"
        | "list_waiting_reviews"
        | "simulate_allowance_policy" => (Agency(&[(PayrollExport, R)]), none),
        "compute_allowance_run" => (Agency(&[(AllowanceCompute, W)]), none),
        "approve_allowance_run" => (
            Agency(&[(AllowanceApprove, W)]),
            "; while the agency's separation of duties is on (the default), never the account that computed the run",
        ),
        "get_unit_allowance" => (Unit(&[(AllowanceLines, R)]), none),
        // Unit and agency views.
        "get_unit_dashboard"
        | "get_unit_daily_log_activity"
        | "get_unit_discipline"
        | "get_unit_workload"
        | "get_unit_maturity"
        | "get_unit_maturity_history"
        | "get_unit_alignment"
        | "get_unit_logging_curve"
        | "get_evaluation_progress"
        | "get_predicate_distribution" => (Unit(&[(UnitViews, R)]), none),
        "get_goal_cascade" => {
            (Unit(&[(UnitViews, R)]), " (of the goal's unit; a goal of the whole agency: a leader or the agency admin)")
        }
        "get_agency_dashboard"
        | "get_agency_workload"
        | "get_agency_maturity"
        | "get_agency_maturity_history"
        | "get_period_cascade"
        | "export_siasn_results"
        | "get_opd_comparison" => (Agency(&[(AgencyViews, R)]), none),
        _ => return None,
    })
}

/// The "who may call" sentence of an operation, or `None` when the operation is not listed.
pub fn who_may_call(operation_id: &str) -> Option<String> {
    let (who_, note) = rule(operation_id)?;
    let whom = match who_ {
        Who::Employee(rows) => who(rows, EMPLOYEE_RELATIONS),
        Who::Unit(rows) => who(rows, UNIT_RELATIONS),
        Who::Agency(rows) => who(rows, AGENCY_RELATIONS),
        Who::Text(t) => t.to_owned(),
    };
    Some(format!("Who may call: {whom}{note}."))
}
