//! Storage for e-Kinerja: the diesel schema, rows, queries and transactions, on SQLite (the
//! embedded default) and PostgreSQL (production) through one connection type.
//!
//! Functions take a connection and the caller, apply the caller's agency scope in the query
//! itself, check the rules that need stored data (through `ekinerja_domain`), and write the
//! change and its audit event in one transaction.

pub mod access;
pub mod account;
pub mod acting;
pub mod activity;
pub mod agency;
pub mod agreement;
pub mod allowance_policy;
pub mod allowance_run;
pub mod attendance;
pub mod attendance_day;
pub mod audit;
pub mod calendar;
pub mod cascade;
pub mod chart;
pub mod comparison;
pub mod daily_log;
pub mod dashboard;
pub mod db;
pub mod discipline;
pub mod distribution_pattern;
pub mod document;
pub mod employee;
mod error;
pub mod evaluation;
pub mod evidence;
pub mod goal;
pub mod idempotency;
pub mod import;
pub mod integration_key;
pub mod job;
pub mod key;
pub mod leave;
pub mod log_day;
pub mod login_failure;
pub mod maturity;
pub mod monitoring;
pub mod org_unit;
pub mod overdue;
pub mod page;
pub mod period;
pub mod position;
pub mod prepared;
pub mod progress;
pub mod role_grant;
pub mod rollout;
pub mod roster;
pub mod shift;
pub mod summary;
// Generated from the migrations (`diesel print-schema`) and private: outside this crate the
// database is reached only through the functions of its modules.
mod schema;
pub mod tasks;
pub mod webhook;
pub mod word;
pub mod workload;

pub use db::{DbConnection, Engine, Pool};
pub use error::{FieldError, StoreError};
pub use page::{Page, PageRequest};

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use ekinerja_domain::Caller;
use uuid::Uuid;

/// Who makes a change, when, and under which request: written into the audit trail with it.
#[derive(Debug, Clone)]
pub struct Change {
    /// The caller making the change.
    pub caller: Caller,
    /// The instant of the change (the caller's clock, passed in: no hidden "now").
    pub at: NaiveDateTime,
    /// The request id, to find the change in the logs.
    pub request_id: Option<String>,
}

impl Change {
    /// A change by `caller` at `at`.
    pub fn new(caller: Caller, at: DateTime<Utc>, request_id: Option<String>) -> Self {
        Change { caller, at: timestamp(at), request_id }
    }
}

/// The stored form of an instant: UTC, truncated to microseconds. PostgreSQL keeps microseconds
/// and SQLite whatever it is given; truncating first makes both round-trip the same value.
pub fn timestamp(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc().trunc_subsecs(6)
}

/// Each node's parent, from stored `(id, parent id)` rows (a unit tree or a supervising-position
/// tree), for the cycle check of `ekinerja_domain::supervision::would_create_cycle`.
pub fn parent_map<T: Into<Uuid>>(rows: Vec<(T, Option<T>)>) -> std::collections::HashMap<Uuid, Option<Uuid>> {
    rows.into_iter().map(|(id, parent)| (id.into(), parent.map(Into::into))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_are_truncated_to_microseconds() {
        let at = Utc.timestamp_opt(1_795_000_000, 123_456_789).single().unwrap();
        assert_eq!(timestamp(at).and_utc().timestamp_subsec_nanos(), 123_456_000);
    }
}

#[cfg(test)]
mod sql_text {
    /// SQLite reads `$1`, `$2`… as named parameters numbered in the order they first appear, and
    /// diesel binds by position: every SQL text shared by both engines must name its parameters
    /// in order of first appearance, or SQLite binds the wrong values.
    #[test]
    fn parameters_first_appear_in_order() {
        let sources = [
            include_str!("attendance.rs"),
            include_str!("allowance_run.rs"),
            include_str!("chart.rs"),
            include_str!("dashboard.rs"),
            include_str!("daily_log.rs"),
            include_str!("db.rs"),
            include_str!("discipline.rs"),
            include_str!("evaluation/mod.rs"),
            include_str!("evaluation/realisation.rs"),
            include_str!("evaluation/report.rs"),
            include_str!("maturity.rs"),
            include_str!("monitoring.rs"),
            include_str!("workload.rs"),
        ];
        for source in sources {
            for literal in source.split('"').skip(1).step_by(2) {
                let mut seen: Vec<u32> = Vec::new();
                let mut rest = literal;
                while let Some(i) = rest.find('$') {
                    rest = &rest[i + 1..];
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    if let Ok(n) = digits.parse::<u32>() {
                        if !seen.contains(&n) {
                            seen.push(n);
                        }
                    }
                }
                let mut sorted = seen.clone();
                sorted.sort_unstable();
                assert_eq!(seen, sorted, "parameters out of order in: {literal}");
            }
        }
    }
}
