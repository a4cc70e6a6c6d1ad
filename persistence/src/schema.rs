// @generated-equivalent: the tables of migrations/postgres, as `diesel print-schema` prints them.
// Column types are the ones both engines share (Text, Integer, Bool, Date, Timestamp), which is
// what `#[derive(MultiConnection)]` can bind, and `Word` (crate::word): text holding a domain word
// (a status, kind or role), read and written as the domain enum.

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    acting_assignments (id) {
        id -> Key<ActingAssignmentId>,
        agency_id -> Key<AgencyId>,
        position_id -> Key<PositionId>,
        employee_id -> Key<EmployeeId>,
        kind -> Word,
        starts_on -> Date,
        ends_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    accounts (id) {
        id -> Key<AccountId>,
        agency_id -> Nullable<Key<AgencyId>>,
        employee_id -> Nullable<Key<EmployeeId>>,
        username -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        role -> Word,
        active -> Bool,
        password_changed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        session_generation -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    agencies (id) {
        id -> Key<AgencyId>,
        code -> Text,
        name -> Text,
        time_zone -> Word,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        daily_log_cap_minutes -> Integer,
        evaluation_cadence -> Word,
        effective_working_hours -> Integer,
        maturity_policy -> Nullable<Text>,
        allowance_separation_of_duties -> Bool,
        roster_seq -> BigInt,
        top_official_logs_accepted -> Bool,
        review_escalation_working_days -> Integer,
        leave_approval -> Word,
        evidence_quota_bytes -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use crate::word::Word;
    use ekinerja_domain::id::*;
    audit_events (id) {
        id -> Key<AuditEventId>,
        agency_id -> Nullable<Key<AgencyId>>,
        actor_account_id -> Nullable<Key<AccountId>>,
        action -> Word,
        entity_type -> Word,
        entity_id -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
        chain_key -> Nullable<Text>,
        chain_seq -> Nullable<BigInt>,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    employees (id) {
        id -> Key<EmployeeId>,
        agency_id -> Key<AgencyId>,
        nip -> Text,
        name -> Text,
        employment_type -> Word,
        rank -> Nullable<Text>,
        position_id -> Nullable<Key<PositionId>>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        log_change_seq -> BigInt,
        roster_seq -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    org_units (id) {
        id -> Key<OrgUnitId>,
        agency_id -> Key<AgencyId>,
        parent_id -> Nullable<Key<OrgUnitId>>,
        code -> Text,
        name -> Text,
        rollout_from -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    positions (id) {
        id -> Key<PositionId>,
        agency_id -> Key<AgencyId>,
        org_unit_id -> Key<OrgUnitId>,
        name -> Text,
        position_type -> Word,
        class -> Integer,
        supervisor_position_id -> Nullable<Key<PositionId>>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    role_grants (id) {
        id -> Key<RoleGrantId>,
        agency_id -> Key<AgencyId>,
        account_id -> Key<AccountId>,
        role -> Word,
        granted_by_account_id -> Nullable<Key<AccountId>>,
        granted_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_by_account_id -> Nullable<Key<AccountId>>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    refresh_tokens (id) {
        id -> Key<RefreshTokenId>,
        account_id -> Key<AccountId>,
        family_id -> Key<RefreshFamilyId>,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    performance_periods (id) {
        id -> Key<PerformancePeriodId>,
        agency_id -> Key<AgencyId>,
        year -> Integer,
        starts_on -> Date,
        ends_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    organisational_goals (id) {
        id -> Key<GoalId>,
        agency_id -> Key<AgencyId>,
        period_id -> Key<PerformancePeriodId>,
        org_unit_id -> Nullable<Key<OrgUnitId>>,
        name -> Text,
        indicator -> Text,
        target_quantity -> BigInt,
        target_unit -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    agreements (id) {
        id -> Key<AgreementId>,
        agency_id -> Key<AgencyId>,
        period_id -> Key<PerformancePeriodId>,
        employee_id -> Key<EmployeeId>,
        position_id -> Key<PositionId>,
        org_unit_id -> Key<OrgUnitId>,
        starts_on -> Date,
        ends_on -> Date,
        status -> Word,
        revision -> Integer,
        previous_revision_id -> Nullable<Key<AgreementId>>,
        return_comment -> Nullable<Text>,
        version -> Integer,
        submitted_at -> Nullable<Timestamp>,
        approved_at -> Nullable<Timestamp>,
        approved_by_employee_id -> Nullable<Key<EmployeeId>>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    planned_results (id) {
        id -> Key<PlannedResultId>,
        agreement_id -> Key<AgreementId>,
        agency_id -> Key<AgencyId>,
        kind -> Word,
        lineage_id -> Key<PlannedResultId>,
        description -> Text,
        parent_result_id -> Nullable<Key<PlannedResultId>>,
        goal_id -> Nullable<Key<GoalId>>,
        ordinal -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    indicators (id) {
        id -> Key<IndicatorId>,
        planned_result_id -> Key<PlannedResultId>,
        agreement_id -> Key<AgreementId>,
        description -> Text,
        target_quantity -> BigInt,
        target_unit -> Text,
        quality_target_bp -> Nullable<Integer>,
        time_target_months -> Nullable<Integer>,
        cost_target -> Nullable<BigInt>,
        breakdown -> Nullable<Word>,
        ordinal -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    indicator_targets (indicator_id, part) {
        indicator_id -> Key<IndicatorId>,
        part -> Integer,
        quantity -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::word::Word;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    daily_logs (id) {
        id -> Key<DailyLogId>,
        agency_id -> Key<AgencyId>,
        employee_id -> Key<EmployeeId>,
        client_id -> Nullable<Text>,
        client_hash -> Nullable<Text>,
        log_date -> Date,
        start_time -> Nullable<Text>,
        end_time -> Nullable<Text>,
        duration_minutes -> Integer,
        description -> Text,
        output_quantity -> BigInt,
        output_unit -> Nullable<Text>,
        evidence_url -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        planned_result_id -> Nullable<Key<PlannedResultId>>,
        additional_duty -> Bool,
        status -> Word,
        review_reason -> Nullable<Text>,
        reviewed_by_employee_id -> Nullable<Key<EmployeeId>>,
        reviewed_at -> Nullable<Timestamp>,
        change_seq -> BigInt,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        activity_id -> Nullable<Key<PositionActivityId>>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    idempotency_keys (account_id, idempotency_key) {
        account_id -> Key<AccountId>,
        idempotency_key -> Text,
        request_hash -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        response_location -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    integration_keys (id) {
        id -> Key<IntegrationKeyId>,
        agency_id -> Key<AgencyId>,
        name -> Text,
        key_prefix -> Text,
        key_hash -> Text,
        scopes -> Text,
        signing_secret -> Nullable<Text>,
        created_by_account_id -> Nullable<Key<AccountId>>,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        version -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    attendance_devices (id) {
        id -> Key<AttendanceDeviceId>,
        agency_id -> Key<AgencyId>,
        serial_number -> Text,
        name -> Text,
        created_at -> Timestamp,
        last_seen_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        allowed_sources -> Text,
        allow_any_source -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use crate::word::Word;
    use ekinerja_domain::id::*;
    log_days (employee_id, log_date, status) {
        employee_id -> Key<EmployeeId>,
        log_date -> Date,
        status -> Word,
        agency_id -> Key<AgencyId>,
        logs -> BigInt,
        minutes -> BigInt,
        linked_minutes -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use crate::word::Word;
    use ekinerja_domain::id::*;
    log_months (employee_id, month, status, agency_id) {
        employee_id -> Key<EmployeeId>,
        month -> Date,
        status -> Word,
        agency_id -> Key<AgencyId>,
        logs -> BigInt,
        minutes -> BigInt,
        linked_minutes -> BigInt,
        days -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use crate::word::Word;
    use ekinerja_domain::id::*;
    log_result_months (employee_id, month, status, planned_result_id, agency_id) {
        employee_id -> Key<EmployeeId>,
        month -> Date,
        status -> Word,
        planned_result_id -> Key<PlannedResultId>,
        agency_id -> Key<AgencyId>,
        logs -> BigInt,
        minutes -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    attendance_days (employee_id, local_date) {
        employee_id -> Key<EmployeeId>,
        local_date -> Date,
        agency_id -> Key<AgencyId>,
        first_check_in -> Nullable<Text>,
        last_check_out -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    attendance_events (id) {
        id -> Key<AttendanceEventId>,
        agency_id -> Key<AgencyId>,
        employee_id -> Key<EmployeeId>,
        source_event_id -> Text,
        source -> Word,
        kind -> Word,
        occurred_at -> Timestamp,
        local_date -> Date,
        local_time -> Text,
        device_id -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        integration_key_id -> Nullable<Key<IntegrationKeyId>>,
        received_at -> Timestamp,
        voided_at -> Nullable<Timestamp>,
        voided_by_account_id -> Nullable<Key<AccountId>>,
        void_reason -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    work_schedules (id) {
        id -> Key<WorkScheduleId>,
        agency_id -> Key<AgencyId>,
        org_unit_id -> Nullable<Key<OrgUnitId>>,
        effective_from -> Date,
        days -> Text,
        created_by_account_id -> Nullable<Key<AccountId>>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    holidays (id) {
        id -> Key<HolidayId>,
        agency_id -> Key<AgencyId>,
        holiday_date -> Date,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    webhook_subscriptions (id) {
        id -> Key<WebhookSubscriptionId>,
        agency_id -> Key<AgencyId>,
        url -> Text,
        secret -> Text,
        event_types -> Text,
        description -> Nullable<Text>,
        paused -> Bool,
        created_by_account_id -> Nullable<Key<AccountId>>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    evidence_files (id) {
        id -> Key<EvidenceFileId>,
        agency_id -> Key<AgencyId>,
        employee_id -> Key<EmployeeId>,
        daily_log_id -> Nullable<Key<DailyLogId>>,
        leave_request_id -> Nullable<Key<LeaveRequestId>>,
        evaluation_id -> Nullable<Key<EvaluationId>>,
        indicator_id -> Nullable<Key<IndicatorId>>,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    overdue_notices (subject_id, waiting_since) {
        subject_id -> Text,
        waiting_since -> Timestamp,
        agency_id -> Key<AgencyId>,
        notified_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    shifts (id) {
        id -> Key<ShiftId>,
        agency_id -> Key<AgencyId>,
        org_unit_id -> Key<OrgUnitId>,
        code -> Text,
        name -> Text,
        starts_at -> Text,
        ends_at -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    roster_days (employee_id, roster_date) {
        employee_id -> Key<EmployeeId>,
        roster_date -> Date,
        agency_id -> Key<AgencyId>,
        shift_id -> Nullable<Key<ShiftId>>,
        set_by_account_id -> Nullable<Key<AccountId>>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    webhook_deliveries (id) {
        id -> Key<WebhookDeliveryId>,
        agency_id -> Key<AgencyId>,
        subscription_id -> Key<WebhookSubscriptionId>,
        event_type -> Word,
        payload -> Text,
        status -> Word,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    webhook_attempts (id) {
        id -> Key<WebhookAttemptId>,
        delivery_id -> Key<WebhookDeliveryId>,
        attempted_at -> Timestamp,
        url -> Text,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    leave_requests (id) {
        id -> Key<LeaveRequestId>,
        agency_id -> Key<AgencyId>,
        employee_id -> Key<EmployeeId>,
        kind -> Word,
        starts_on -> Date,
        ends_on -> Date,
        window_start -> Nullable<Text>,
        window_end -> Nullable<Text>,
        working_days -> Integer,
        reason -> Text,
        status -> Word,
        requested_by_account_id -> Key<AccountId>,
        recommended_by_account_id -> Nullable<Key<AccountId>>,
        recommended_at -> Nullable<Timestamp>,
        decided_by_account_id -> Nullable<Key<AccountId>>,
        decided_at -> Nullable<Timestamp>,
        refusal_reason -> Nullable<Text>,
        absence_id -> Nullable<Key<AbsenceId>>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    absences (id) {
        id -> Key<AbsenceId>,
        agency_id -> Key<AgencyId>,
        employee_id -> Key<EmployeeId>,
        kind -> Word,
        starts_on -> Date,
        ends_on -> Date,
        note -> Nullable<Text>,
        created_by_account_id -> Nullable<Key<AccountId>>,
        created_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    evaluation_periods (id) {
        id -> Key<EvaluationPeriodId>,
        agency_id -> Key<AgencyId>,
        performance_period_id -> Key<PerformancePeriodId>,
        kind -> Word,
        number -> Integer,
        starts_on -> Date,
        ends_on -> Date,
        status -> Word,
        closed_at -> Nullable<Timestamp>,
        closed_by_account_id -> Nullable<Key<AccountId>>,
        version -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    evaluations (id) {
        id -> Key<EvaluationId>,
        agency_id -> Key<AgencyId>,
        evaluation_period_id -> Key<EvaluationPeriodId>,
        employee_id -> Key<EmployeeId>,
        agreement_id -> Key<AgreementId>,
        evaluator_employee_id -> Nullable<Key<EmployeeId>>,
        status -> Word,
        results_rating -> Nullable<Word>,
        behaviour_rating -> Nullable<Word>,
        predicate -> Nullable<Word>,
        feedback -> Nullable<Text>,
        revision -> Integer,
        previous_evaluation_id -> Nullable<Key<EvaluationId>>,
        superseded -> Bool,
        finalised_at -> Nullable<Timestamp>,
        finalised_by_account_id -> Nullable<Key<AccountId>>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    evaluation_behaviours (evaluation_id, core_value) {
        evaluation_id -> Key<EvaluationId>,
        core_value -> Word,
        rating -> Word,
        feedback -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    evaluation_feedback (evaluation_id, planned_result_id) {
        evaluation_id -> Key<EvaluationId>,
        planned_result_id -> Key<PlannedResultId>,
        feedback -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    realisations (evaluation_id, indicator_id) {
        evaluation_id -> Key<EvaluationId>,
        indicator_id -> Key<IndicatorId>,
        quantity -> BigInt,
        evidence_url -> Nullable<Text>,
        note -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    login_failures (id) {
        id -> Key<LoginFailureId>,
        throttle_key -> Text,
        failed_at -> Timestamp,
    }
}
diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    position_activities (id) {
        id -> Key<PositionActivityId>,
        agency_id -> Key<AgencyId>,
        position_id -> Key<PositionId>,
        name -> Text,
        output_unit -> Text,
        standard_minutes -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    distribution_patterns (id) {
        id -> Key<DistributionPatternId>,
        agency_id -> Key<AgencyId>,
        unit_rating -> Word,
        effective_month -> Date,
        rules -> Text,
        created_by_account_id -> Nullable<Key<AccountId>>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    allowance_policies (id) {
        id -> Key<AllowancePolicyId>,
        agency_id -> Key<AgencyId>,
        effective_month -> Date,
        policy -> Text,
        created_by_account_id -> Nullable<Key<AccountId>>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    allowance_runs (id) {
        id -> Key<AllowanceRunId>,
        agency_id -> Key<AgencyId>,
        org_unit_id -> Nullable<Key<OrgUnitId>>,
        month -> Date,
        status -> Word,
        previous_run_id -> Nullable<Key<AllowanceRunId>>,
        policy_id -> Nullable<Key<AllowancePolicyId>>,
        employees -> Integer,
        computed -> Integer,
        pending -> Integer,
        total -> BigInt,
        computed_at -> Timestamp,
        approved_at -> Nullable<Timestamp>,
        approved_by_account_id -> Nullable<Key<AccountId>>,
        version -> Integer,
        created_at -> Timestamp,
        policy -> Nullable<Text>,
        computed_by_account_id -> Nullable<Key<AccountId>>,
        not_rolled_out -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    use crate::word::Word;
    allowance_lines (run_id, employee_id) {
        run_id -> Key<AllowanceRunId>,
        employee_id -> Key<EmployeeId>,
        nip -> Text,
        name -> Text,
        unit_name -> Nullable<Text>,
        class -> Nullable<Integer>,
        status -> Word,
        base -> BigInt,
        performance_factor_bp -> BigInt,
        discipline_factor_bp -> BigInt,
        deduction_bp -> BigInt,
        performance_part -> BigInt,
        discipline_part -> BigInt,
        amount -> BigInt,
        previous_amount -> Nullable<BigInt>,
        breakdown -> Nullable<Text>,
        pending_reason -> Nullable<Word>,
        opd_name -> Nullable<Text>,
        unreviewed_minutes -> BigInt,
    }
}

diesel::joinable!(acting_assignments -> agencies (agency_id));
diesel::joinable!(acting_assignments -> employees (employee_id));
diesel::joinable!(acting_assignments -> positions (position_id));
diesel::joinable!(accounts -> agencies (agency_id));
diesel::joinable!(accounts -> employees (employee_id));
diesel::joinable!(audit_events -> accounts (actor_account_id));
diesel::joinable!(audit_events -> agencies (agency_id));
diesel::joinable!(employees -> agencies (agency_id));
diesel::joinable!(employees -> positions (position_id));
diesel::joinable!(org_units -> agencies (agency_id));
diesel::joinable!(positions -> agencies (agency_id));
diesel::joinable!(positions -> org_units (org_unit_id));
diesel::joinable!(refresh_tokens -> accounts (account_id));
diesel::joinable!(performance_periods -> agencies (agency_id));
diesel::joinable!(organisational_goals -> performance_periods (period_id));
diesel::joinable!(agreements -> performance_periods (period_id));
diesel::joinable!(planned_results -> agreements (agreement_id));
diesel::joinable!(indicators -> planned_results (planned_result_id));
diesel::joinable!(indicator_targets -> indicators (indicator_id));
diesel::joinable!(daily_logs -> planned_results (planned_result_id));
diesel::joinable!(attendance_events -> employees (employee_id));
diesel::joinable!(attendance_days -> employees (employee_id));
diesel::joinable!(log_days -> employees (employee_id));
diesel::joinable!(log_months -> employees (employee_id));
diesel::joinable!(log_result_months -> employees (employee_id));
diesel::joinable!(absences -> employees (employee_id));
diesel::joinable!(leave_requests -> employees (employee_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(roster_days -> shifts (shift_id));
diesel::joinable!(evidence_files -> daily_logs (daily_log_id));
diesel::joinable!(roster_days -> employees (employee_id));
diesel::joinable!(shifts -> org_units (org_unit_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(allowance_lines -> allowance_runs (run_id));
diesel::joinable!(evaluations -> evaluation_periods (evaluation_period_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use ekinerja_domain::id::*;
    siasn_exports (performance_period_id) {
        performance_period_id -> Key<PerformancePeriodId>,
        agency_id -> Key<AgencyId>,
        first_produced_at -> Timestamp,
        last_produced_at -> Timestamp,
        last_produced_by_account_id -> Nullable<Key<AccountId>>,
        last_rows -> Integer,
        times -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::key::Key;
    use crate::word::Word;
    use ekinerja_domain::id::*;
    jobs (id) {
        id -> Key<JobId>,
        agency_id -> Key<AgencyId>,
        kind -> Word,
        status -> Word,
        request -> Text,
        started_by_account_id -> Key<AccountId>,
        request_id -> Nullable<Text>,
        stage -> Word,
        done -> Integer,
        total -> Integer,
        attempts -> Integer,
        lease_until -> Nullable<Timestamp>,
        result_location -> Nullable<Text>,
        problem -> Nullable<Text>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        result_file_name -> Nullable<Text>,
        result_file_type -> Nullable<Text>,
        result_file -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    jobs,
    siasn_exports,
    absences,
    position_activities,
    distribution_patterns,
    overdue_notices,
    evidence_files,
    shifts,
    roster_days,
    leave_requests,
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
    acting_assignments,
    accounts,
    agencies,
    agreements,
    allowance_lines,
    allowance_policies,
    allowance_runs,
    attendance_devices,
    attendance_days,
    attendance_events,
    log_days,
    log_months,
    log_result_months,
    audit_events,
    daily_logs,
    employees,
    evaluation_behaviours,
    evaluation_feedback,
    evaluation_periods,
    evaluations,
    holidays,
    idempotency_keys,
    indicator_targets,
    indicators,
    integration_keys,
    org_units,
    organisational_goals,
    performance_periods,
    planned_results,
    positions,
    realisations,
    refresh_tokens,
    role_grants,
    work_schedules,
);
