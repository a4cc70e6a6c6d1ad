//! The words of the audit trail: what was done to a record, and what kind of record it was.
//! Every word ever written to the trail stays here, so an old event always reads back.

word_enum! {
    /// What a change did.
    AuditAction {
        /// A record was made.
        Create => "create",
        /// A record was changed.
        Update => "update",
        /// A record was removed.
        Delete => "delete",
        /// A setting was set (a schedule, a policy, a pattern, a roster day).
        Set => "set",
        /// Records were imported from a file.
        Import => "import",
        /// A file was uploaded.
        Upload => "upload",
        /// A role was granted.
        Grant => "grant",
        /// A grant, key or machine was revoked.
        Revoke => "revoke",
        /// A key's secret was rotated.
        Rotate => "rotate",
        /// An account's owner changed its password.
        ChangePassword => "change_password",
        /// An admin reset an account's password.
        ResetPassword => "reset_password",
        /// An agreement was submitted for approval.
        Submit => "submit",
        /// An agreement, run or leave request was approved.
        Approve => "approve",
        /// An agreement was returned to its owner.
        Return => "return",
        /// A leave request was recommended to its approver.
        Recommend => "recommend",
        /// A leave request, or a machine's push, was refused.
        Refuse => "refuse",
        /// A leave request or an absence was cancelled.
        Cancel => "cancel",
        /// A supervisor accepted a daily log.
        Accept => "accept",
        /// A supervisor rejected a daily log.
        Reject => "reject",
        /// An attendance event was voided.
        Void => "void",
        /// Attendance events were received.
        Ingest => "ingest",
        /// An agreement, or a revision of an evaluation, was started anew.
        Revise => "revise",
        /// An agreement's earlier revision was superseded by the approved one.
        Supersede => "supersede",
        /// An agreement ended (the holder left the post).
        End => "end",
        /// A planned result was added to an agreement.
        AddPlannedResult => "add_planned_result",
        /// A planned result was removed from an agreement.
        RemovePlannedResult => "remove_planned_result",
        /// An indicator was added to a planned result.
        AddIndicator => "add_indicator",
        /// An indicator's targets were broken down into parts.
        SetBreakdown => "set_breakdown",
        /// Work behaviour was rated.
        Rate => "rate",
        /// Results were assessed against their realisation.
        Assess => "assess",
        /// An evaluation was finalised.
        Finalise => "finalise",
        /// An evaluation period was closed.
        Close => "close",
        /// An allowance run was computed for the first time.
        Compute => "compute",
        /// A draft allowance run was computed again.
        Recompute => "recompute",
    }
}

word_enum! {
    /// The kind of record a change was made to.
    AuditEntity {
        /// An agency.
        Agency => "agency",
        /// An account.
        Account => "account",
        /// A role granted to an account.
        RoleGrant => "role_grant",
        /// An organisational unit.
        OrgUnit => "org_unit",
        /// A position (post).
        Position => "position",
        /// An activity of a post's catalogue.
        PositionActivity => "position_activity",
        /// An employee.
        Employee => "employee",
        /// An acting assignment (Plt/Plh).
        ActingAssignment => "acting_assignment",
        /// A performance period.
        PerformancePeriod => "performance_period",
        /// An organisational goal.
        OrganisationalGoal => "organisational_goal",
        /// A performance agreement (SKP).
        Agreement => "agreement",
        /// A daily log.
        DailyLog => "daily_log",
        /// An evidence file.
        EvidenceFile => "evidence_file",
        /// An evaluation period.
        EvaluationPeriod => "evaluation_period",
        /// An evaluation.
        Evaluation => "evaluation",
        /// An agency's distribution pattern of predicates.
        DistributionPattern => "distribution_pattern",
        /// An agency's allowance policy.
        AllowancePolicy => "allowance_policy",
        /// An allowance run.
        AllowanceRun => "allowance_run",
        /// A work schedule.
        WorkSchedule => "work_schedule",
        /// A holiday.
        Holiday => "holiday",
        /// Recorded leave or official travel.
        Absence => "absence",
        /// A leave request.
        LeaveRequest => "leave_request",
        /// A shift.
        Shift => "shift",
        /// A day of an employee's roster (its id is `employee id/date`).
        RosterDay => "roster_day",
        /// An integration key.
        IntegrationKey => "integration_key",
        /// A webhook subscription.
        WebhookSubscription => "webhook_subscription",
        /// A fingerprint machine.
        AttendanceDevice => "attendance_device",
        /// One attendance event.
        AttendanceEvent => "attendance_event",
        /// A batch of attendance events received.
        AttendanceEvents => "attendance_events",
        /// A machine's push refused as a whole (its id is the machine's).
        AttendanceMachinePush => "attendance_machine_push",
        /// Lines of a machine's push refused (its id is the machine's serial number).
        AttendanceMachineLines => "attendance_machine_lines",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_and_is_its_serde_name() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(*a));
            assert_eq!(serde_json::to_value(a).unwrap(), serde_json::json!(a.as_str()));
        }
        for e in AuditEntity::ALL {
            assert_eq!(AuditEntity::parse(e.as_str()), Some(*e));
            assert_eq!(serde_json::to_value(e).unwrap(), serde_json::json!(e.as_str()));
        }
    }
}
