//! The ids this system issues, one type per kind of record, so an employee's id cannot be passed
//! where an account's is meant. Each is a UUID (version 7 when issued here), written in the API
//! and the database as its hyphenated text.
//!
//! Ids of other systems (an attendance machine's event id, a phone's client id) are not these:
//! they are the source's own words and keep their own types.

use uuid::Uuid;

/// Declares id types: a UUID newtype, serialised as the UUID's text.
macro_rules! ids {
    ($($(#[$meta:meta])* $name:ident;)+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// The id of `uuid`.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                $name(uuid)
            }

            /// The UUID.
            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                $name(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }

        impl PartialEq<Uuid> for $name {
            fn eq(&self, other: &Uuid) -> bool {
                self.0 == *other
            }
        }
    )+};
}

ids! {
    /// An agency's id: a regional government (Pemkab or Pemkot) running the system.
    AgencyId;
    /// A daily log's id.
    DailyLogId;
    /// An evaluation's id (one revision of it).
    EvaluationId;
    /// An evaluation period's id.
    EvaluationPeriodId;
    /// A holiday's id.
    HolidayId;
    /// An absence's id (leave or duty recorded by the agency).
    AbsenceId;
    /// A leave request's id.
    LeaveRequestId;
    /// A webhook subscription's id.
    WebhookSubscriptionId;
    /// A webhook delivery's id: also the message's `webhook-id`.
    WebhookDeliveryId;
    /// One attempt to deliver a webhook.
    WebhookAttemptId;
    /// A work schedule's id.
    WorkScheduleId;
    /// A shift's id (a unit's shift, such as its night shift).
    ShiftId;
    /// An evidence file's id.
    EvidenceFileId;
    /// A stored attendance event's id.
    AttendanceEventId;
    /// An integration key's id.
    IntegrationKeyId;
    /// A role grant's id.
    RoleGrantId;
    /// An acting assignment's id (Plt or Plh).
    ActingAssignmentId;
    /// An allowance run's id.
    AllowanceRunId;
    /// A job's id: long work started by a request answered 202.
    JobId;
    /// An activity of a post's catalogue (uraian tugas), with its standard time.
    PositionActivityId;
    /// A version of an agency's distribution pattern for one unit rating.
    DistributionPatternId;
    /// An allowance policy's id.
    AllowancePolicyId;
    /// A performance period's id (the year an agreement plans).
    PerformancePeriodId;
    /// An organisational goal's id.
    GoalId;
    /// A performance agreement's id (one revision of it).
    AgreementId;
    /// A planned result's id (one revision of it; its lineage is the id of its first revision).
    PlannedResultId;
    /// A performance indicator's id.
    IndicatorId;
    /// An employee's id (an ASN's record in one agency).
    EmployeeId;
    /// An organisational unit's id.
    OrgUnitId;
    /// A position's id (a post in the structure, held by at most one employee at a time).
    PositionId;
    /// An account's id (a sign-in: a person's, or a platform admin's).
    AccountId;
    /// An audit event's id.
    AuditEventId;
    /// A refresh token's id.
    RefreshTokenId;
    /// A refresh-token family's id: the tokens rotated from one sign-in.
    RefreshFamilyId;
    /// A recorded failed sign-in's id.
    LoginFailureId;
    /// A registered attendance machine's id (not the machine's own serial or device id).
    AttendanceDeviceId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_uuid_text_both_ways() {
        let uuid = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_002a);
        let id = DailyLogId::from(uuid);
        assert_eq!(id.to_string(), "01920000-0000-7000-8000-00000000002a");
        assert_eq!(id.to_string().parse::<DailyLogId>().ok(), Some(id));
        assert_eq!(serde_json::to_value(id).ok(), Some(serde_json::json!("01920000-0000-7000-8000-00000000002a")));
        assert!("not-a-uuid".parse::<DailyLogId>().is_err());
        assert_eq!(Uuid::from(id), uuid);
    }
}
