//! Long work started by a request and run later (issue 19): what kind it is, where it stands,
//! and who may follow it.

use uuid::Uuid;

use crate::access::Caller;

word_enum! {
    /// What a job does.
    JobKind {
        /// A month's allowance computed (`POST /allowance-runs` with `Prefer: respond-async`).
        AllowanceRun => "allowance_run",
        /// A performance year's results for SIASN, as a CSV file
        /// (`GET /performance-periods/{id}/siasn-export` with `Prefer: respond-async`).
        SiasnExport => "siasn_export",
        /// Employees and positions imported from an HR export (`POST /imports/employees` with
        /// `Prefer: respond-async`); its result is the import's report.
        EmployeeImport => "employee_import",
    }
}

word_enum! {
    /// Where a job stands.
    JobStatus {
        /// Stored, waiting for a worker.
        Queued => "queued",
        /// A worker is running it.
        Running => "running",
        /// Done: its result is at `result_location`.
        Succeeded => "succeeded",
        /// Stopped by a problem, which it keeps; nothing of it was stored.
        Failed => "failed",
    }
}

word_enum! {
    /// The step a running job is at; `done` of `total` counts that step's items (employees).
    JobStage {
        /// Not started.
        Waiting => "waiting",
        /// Reading what the work needs.
        Loading => "loading",
        /// Computing, item by item.
        Computing => "computing",
        /// Storing the result.
        Storing => "storing",
        /// Finished, with a result or a problem.
        Finished => "finished",
    }
}

impl JobStatus {
    /// Whether the job has ended, with a result or a problem.
    pub fn ended(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed)
    }
}

/// Whether `caller` may follow a job started by the account `started_by`: only the account
/// that started it, or a platform admin (operations). A job only says how the work goes; its
/// result is read through its own resource, under that resource's rule.
pub fn may_follow(caller: &Caller, started_by: Uuid) -> bool {
    caller.account_id == started_by || caller.is_platform_admin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::organisation::AccountRole;

    fn caller(role: AccountRole) -> Caller {
        Caller { account_id: Uuid::now_v7(), agency_id: Some(Uuid::now_v7()), role, employee_id: None }
    }

    #[test]
    fn only_the_starter_or_a_platform_admin_follows_a_job() {
        let starter = caller(AccountRole::AgencyAdmin);
        assert!(may_follow(&starter, starter.account_id));
        let same_agency = Caller { account_id: Uuid::now_v7(), ..starter.clone() };
        assert!(!may_follow(&same_agency, starter.account_id), "another admin of the agency");
        assert!(!may_follow(&caller(AccountRole::Employee), starter.account_id));
        let platform = Caller { agency_id: None, ..caller(AccountRole::PlatformAdmin) };
        assert!(may_follow(&platform, starter.account_id));
    }

    #[test]
    fn only_success_and_failure_end_a_job() {
        assert!(JobStatus::Succeeded.ended() && JobStatus::Failed.ended());
        assert!(!JobStatus::Queued.ended() && !JobStatus::Running.ended());
    }
}
