//! The stored form of the ids this system issues: one SQL type, [`Key`], parameterised by the
//! domain's id type (`Key<EmployeeId>`), that a table's id and every column referring to it are
//! declared with. A row field is the id type itself; a join or filter can only compare an
//! employee's id with an employee's id; and the storage of every id is decided here, once.
//!
//! Today a key is the UUID's hyphenated text on both engines (`TEXT`; PostgreSQL's `text` by its
//! fixed OID, so nothing is looked up per connection). A stored value that is not a UUID is a load
//! error.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::pg::Pg;
use diesel::query_builder::QueryId;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{HasSqlType, Nullable, Text};
use diesel::sqlite::Sqlite;
use uuid::Uuid;

use crate::db::MultiBackend;

/// The SQL type of a column holding an id of type `T`.
#[derive(diesel::sql_types::SqlType)]
#[diesel(postgres_type(oid = 25, array_oid = 1009))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Key<T: 'static>(PhantomData<fn() -> T>);

impl<T> std::fmt::Debug for Key<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key")
    }
}

impl<T> Clone for Key<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Key<T> {}

impl<T> Default for Key<T> {
    fn default() -> Self {
        Key(PhantomData)
    }
}

impl<T: 'static> QueryId for Key<T> {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<T> HasSqlType<Key<T>> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<Key<T>>(lookup)
    }
}

/// A domain id type with a stored key.
pub trait StoredId: Sized + Copy + std::fmt::Debug + Send + Sync + From<Uuid> + Into<Uuid> + 'static {}

/// A fresh id (UUID version 7: ordered by time, so new rows go to the end of an index).
pub fn new<T: StoredId>() -> T {
    T::from(Uuid::now_v7())
}

/// Reads a stored key.
fn read<T: StoredId>(s: &str) -> deserialize::Result<T> {
    Uuid::parse_str(s).map(T::from).map_err(|_| format!("{s:?} in the database is not an id").into())
}

fn text<T: StoredId>(id: T) -> String {
    Into::<Uuid>::into(id).hyphenated().to_string()
}

/// An id bound in a query or written in a row: `employees::id.eq(bind(id))`, and
/// `#[diesel(serialize_as = crate::key::Bind<EmployeeId>)]` on a row's field. (Diesel's traits
/// cannot be implemented for the domain's own types here, so an id goes in wrapped.)
#[derive(Debug, Clone, Copy)]
pub struct Bind<T>(pub T);

/// Wraps an id for a query.
pub fn bind<T: StoredId>(id: T) -> Bind<T> {
    Bind(id)
}

/// Wraps ids for `eq_any`.
pub fn binds<T: StoredId>(ids: impl IntoIterator<Item = T>) -> Vec<Bind<T>> {
    ids.into_iter().map(Bind).collect()
}

impl<T: StoredId> From<T> for Bind<T> {
    fn from(id: T) -> Self {
        Bind(id)
    }
}

/// An optional id in a nullable column, for `#[diesel(serialize_as = BindOption<EmployeeId>)]`.
#[derive(Debug, Clone, Copy)]
pub struct BindOption<T>(pub Option<Bind<T>>);

impl<T: StoredId> From<Option<T>> for BindOption<T> {
    fn from(id: Option<T>) -> Self {
        BindOption(id.map(Bind))
    }
}

impl<T: StoredId> AsExpression<Key<T>> for Bind<T> {
    type Expression = Bound<Key<T>, Self>;
    fn as_expression(self) -> Self::Expression {
        Bound::new(self)
    }
}

impl<T: StoredId> AsExpression<Nullable<Key<T>>> for Bind<T> {
    type Expression = Bound<Nullable<Key<T>>, Self>;
    fn as_expression(self) -> Self::Expression {
        Bound::new(self)
    }
}

impl<T: StoredId> AsExpression<Nullable<Key<T>>> for BindOption<T> {
    type Expression = Bound<Nullable<Key<T>>, Self>;
    fn as_expression(self) -> Self::Expression {
        Bound::new(self)
    }
}

impl<T: StoredId> ToSql<Key<T>, Pg> for Bind<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        use std::io::Write;
        out.write_all(text(self.0).as_bytes())?;
        Ok(IsNull::No)
    }
}

impl<T: StoredId> ToSql<Key<T>, Sqlite> for Bind<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(text(self.0));
        Ok(IsNull::No)
    }
}

impl<T: StoredId> ToSql<Key<T>, MultiBackend> for Bind<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Key::<T>::default(), self));
        Ok(IsNull::No)
    }
}

impl<T: StoredId> ToSql<Nullable<Key<T>>, Pg> for Bind<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <Self as ToSql<Key<T>, Pg>>::to_sql(self, out)
    }
}

impl<T: StoredId> ToSql<Nullable<Key<T>>, Sqlite> for Bind<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        <Self as ToSql<Key<T>, Sqlite>>::to_sql(self, out)
    }
}

impl<T: StoredId> ToSql<Nullable<Key<T>>, MultiBackend> for Bind<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        <Self as ToSql<Key<T>, MultiBackend>>::to_sql(self, out)
    }
}

impl<T: StoredId> ToSql<Nullable<Key<T>>, Pg> for BindOption<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        match &self.0 {
            Some(id) => <Bind<T> as ToSql<Key<T>, Pg>>::to_sql(id, out),
            None => Ok(IsNull::Yes),
        }
    }
}

impl<T: StoredId> ToSql<Nullable<Key<T>>, Sqlite> for BindOption<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        match &self.0 {
            Some(id) => <Bind<T> as ToSql<Key<T>, Sqlite>>::to_sql(id, out),
            None => Ok(IsNull::Yes),
        }
    }
}

impl<T: StoredId> ToSql<Nullable<Key<T>>, MultiBackend> for BindOption<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        match &self.0 {
            Some(id) => {
                out.set_value((Key::<T>::default(), id));
                Ok(IsNull::No)
            }
            None => Ok(IsNull::Yes),
        }
    }
}

/// Declares each listed domain id type a [`StoredId`]: read on both engines and through the
/// connection of either, written through [`Bind`].
macro_rules! stored_ids {
    (@queryable $ty:ty, $($db:ty),+) => {$(
        impl diesel::deserialize::Queryable<Key<$ty>, $db> for $ty {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )+};
    ($($ty:ty),+ $(,)?) => {$(
        impl StoredId for $ty {}

        impl FromSql<Key<$ty>, Pg> for $ty {
            fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                read(std::str::from_utf8(bytes.as_bytes())?)
            }
        }

        impl FromSql<Key<$ty>, Sqlite> for $ty {
            fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                read(&<String as FromSql<Text, Sqlite>>::from_sql(bytes)?)
            }
        }

        impl FromSql<Key<$ty>, MultiBackend> for $ty {
            fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<$ty, Key<$ty>>()
            }
        }

        stored_ids!(@queryable $ty, MultiBackend, Pg, Sqlite);
    )+};
}

use ekinerja_domain::id::{
    AbsenceId, AccountId, ActingAssignmentId, AgencyId, AgreementId, AllowancePolicyId, AllowanceRunId,
    AttendanceDeviceId, AttendanceEventId, AuditEventId, DailyLogId, DistributionPatternId, EmployeeId, EvaluationId,
    EvaluationPeriodId, EvidenceFileId, GoalId, HolidayId, IndicatorId, IntegrationKeyId, JobId, LeaveRequestId,
    LoginFailureId, OrgUnitId, PerformancePeriodId, PlannedResultId, PositionActivityId, PositionId, RefreshFamilyId,
    RefreshTokenId, RoleGrantId, ShiftId, WebhookAttemptId, WebhookDeliveryId, WebhookSubscriptionId, WorkScheduleId,
};

stored_ids!(
    AbsenceId,
    JobId,
    DistributionPatternId,
    PositionActivityId,
    EvidenceFileId,
    ShiftId,
    LeaveRequestId,
    WebhookSubscriptionId,
    WebhookDeliveryId,
    WebhookAttemptId,
    AccountId,
    ActingAssignmentId,
    AgencyId,
    AgreementId,
    AllowancePolicyId,
    AllowanceRunId,
    AttendanceDeviceId,
    AttendanceEventId,
    AuditEventId,
    DailyLogId,
    EmployeeId,
    EvaluationId,
    EvaluationPeriodId,
    GoalId,
    HolidayId,
    IndicatorId,
    IntegrationKeyId,
    LoginFailureId,
    OrgUnitId,
    PerformancePeriodId,
    PlannedResultId,
    PositionId,
    RefreshFamilyId,
    RefreshTokenId,
    RoleGrantId,
    WorkScheduleId,
);
