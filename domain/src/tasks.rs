//! What waits for someone's decision (issue 16, "nothing waits unseen"): the kinds of task a
//! caller's task list counts.

word_enum! {
    /// What kind of thing waits.
    TaskKind {
        /// Logs of the caller's direct subordinates (the top official's, for the agency admin)
        /// waiting for review.
        ReviewLogs => "review_logs",
        /// Logs of the subordinates of the caller's direct subordinates that waited past the
        /// agency's escalation policy: the caller, the next supervisor up, may decide them too.
        ReviewEscalatedLogs => "review_escalated_logs",
        /// Agreements submitted to the caller for approval.
        ApproveAgreements => "approve_agreements",
        /// Evaluations the caller is to open: periods that are over, for employees with an
        /// approved agreement of the year and no evaluation yet.
        OpenEvaluations => "open_evaluations",
        /// Draft evaluations the caller is to finalise.
        FinaliseEvaluations => "finalise_evaluations",
        /// The caller's own agreements returned to them to fix.
        FixAgreements => "fix_agreements",
        /// Leave requests of the caller's direct subordinates waiting for their recommendation.
        RecommendLeave => "recommend_leave",
        /// Leave requests waiting for the caller's approval (as the head of the employee's OPD,
        /// or as the one who holds both steps).
        ApproveLeave => "approve_leave",
    }
}
