//! The stored form of the domain's words (statuses, kinds, roles): one SQL type, [`Word`], that
//! columns holding such a word are declared with in the schema, mapped to each domain enum on
//! both engines. A row field is the domain enum itself, so a query can only bind and read valid
//! words, and a stored word the enum does not know is a load error, never a default.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{HasSqlType, Nullable, Text};
use diesel::sqlite::Sqlite;

use crate::db::MultiBackend;

/// A domain word stored as text (`TEXT` on both engines; PostgreSQL's `text` by its fixed OID, so
/// nothing is looked up per connection).
#[derive(Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 25, array_oid = 1009))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Word;

impl HasSqlType<Word> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<Word>(lookup)
    }
}

/// A domain enum with a stored word per value.
pub trait StoredWord: Sized + Copy + std::fmt::Debug + Send + Sync + 'static {
    /// The enum's name, for the load error.
    const NAME: &'static str;
    /// The stored word.
    fn word(self) -> &'static str;
    /// The value of a stored word, if it is one.
    fn from_word(s: &str) -> Option<Self>;
}

/// Reads a stored word, refusing one the enum does not know.
pub fn read<T: StoredWord>(s: &str) -> deserialize::Result<T> {
    T::from_word(s).ok_or_else(|| format!("unknown {} {s:?} in the database", T::NAME).into())
}

/// A domain word bound in a query or written in a row: `agreements::status.eq(bind(Approved))`,
/// and `#[diesel(serialize_as = Bind<AgreementStatus>)]` on a row's field. (Diesel's traits cannot
/// be implemented for the domain's own types here, so a word goes in wrapped.)
#[derive(Debug, Clone, Copy)]
pub struct Bind<T>(pub T);

/// Wraps a word for a query.
pub fn bind<T: StoredWord>(word: T) -> Bind<T> {
    Bind(word)
}

impl<T: StoredWord> From<T> for Bind<T> {
    fn from(word: T) -> Self {
        Bind(word)
    }
}

/// An optional word in a nullable column, for `#[diesel(serialize_as = BindOption<Rating>)]`.
#[derive(Debug, Clone, Copy)]
pub struct BindOption<T>(pub Option<Bind<T>>);

impl<T: StoredWord> From<Option<T>> for BindOption<T> {
    fn from(word: Option<T>) -> Self {
        BindOption(word.map(Bind))
    }
}

impl<T: StoredWord> AsExpression<Word> for Bind<T> {
    type Expression = Bound<Word, Self>;
    fn as_expression(self) -> Self::Expression {
        Bound::new(self)
    }
}

impl<T: StoredWord> AsExpression<Nullable<Word>> for Bind<T> {
    type Expression = Bound<Nullable<Word>, Self>;
    fn as_expression(self) -> Self::Expression {
        Bound::new(self)
    }
}

impl<T: StoredWord> AsExpression<Nullable<Word>> for BindOption<T> {
    type Expression = Bound<Nullable<Word>, Self>;
    fn as_expression(self) -> Self::Expression {
        Bound::new(self)
    }
}

impl<T: StoredWord> ToSql<Word, Pg> for Bind<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.0.word(), out)
    }
}

impl<T: StoredWord> ToSql<Word, Sqlite> for Bind<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.word());
        Ok(IsNull::No)
    }
}

impl<T: StoredWord> ToSql<Word, MultiBackend> for Bind<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Word, self));
        Ok(IsNull::No)
    }
}

impl<T: StoredWord> ToSql<Nullable<Word>, MultiBackend> for Bind<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        <Self as ToSql<Word, MultiBackend>>::to_sql(self, out)
    }
}

impl<T: StoredWord> ToSql<Nullable<Word>, Pg> for BindOption<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        match &self.0 {
            Some(word) => <Bind<T> as ToSql<Word, Pg>>::to_sql(word, out),
            None => Ok(IsNull::Yes),
        }
    }
}

impl<T: StoredWord> ToSql<Nullable<Word>, Sqlite> for BindOption<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        match &self.0 {
            Some(word) => <Bind<T> as ToSql<Word, Sqlite>>::to_sql(word, out),
            None => Ok(IsNull::Yes),
        }
    }
}

impl<T: StoredWord> ToSql<Nullable<Word>, MultiBackend> for BindOption<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        match &self.0 {
            Some(word) => {
                out.set_value((Word, word));
                Ok(IsNull::No)
            }
            None => Ok(IsNull::Yes),
        }
    }
}

/// A set of words in one text column, space-separated and sorted by word (an integration key's
/// scopes, a webhook's event types); an unknown word in it is a load error, as in a [`Word`]
/// column. Stored through [`crate::document::Stored`], as other structured values are.
pub type Words<T> = crate::document::Stored<WordList<T>>;

/// The words of a [`Words`] column, sorted, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordList<T>(Vec<T>);

impl<T: StoredWord> Words<T> {
    /// The set of `words`, sorted by word, each once.
    pub fn new(words: &[T]) -> Self {
        let mut words = words.to_vec();
        words.sort_unstable_by_key(|w| w.word());
        words.dedup_by_key(|w| w.word());
        crate::document::Stored(WordList(words))
    }

    /// The words, sorted.
    pub fn as_slice(&self) -> &[T] {
        &self.get().0
    }
}

impl<T: StoredWord> crate::document::StoredText for WordList<T> {
    const NAME: &'static str = "word list";
    fn to_text(&self) -> Result<String, String> {
        Ok(self.0.iter().map(|w| w.word()).collect::<Vec<_>>().join(" "))
    }
    fn from_text(text: &str) -> Result<Self, String> {
        text.split_whitespace()
            .map(|w| T::from_word(w).ok_or_else(|| format!("unknown {} {w:?}", T::NAME)))
            .collect::<Result<Vec<T>, String>>()
            .map(WordList)
    }
}

/// Declares each listed domain enum a stored [`Word`]: read on both engines and through the
/// connection of either, written through [`Bind`].
macro_rules! stored_words {
    (@queryable $ty:ty, $($db:ty),+) => {$(
        impl Queryable<Word, $db> for $ty {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )+};
    ($($ty:ty),+ $(,)?) => {$(
        impl StoredWord for $ty {
            const NAME: &'static str = stringify!($ty);
            fn word(self) -> &'static str {
                self.as_str()
            }
            fn from_word(s: &str) -> Option<Self> {
                <$ty>::parse(s)
            }
        }

        impl FromSql<Word, Pg> for $ty {
            fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                read(std::str::from_utf8(bytes.as_bytes())?)
            }
        }

        impl FromSql<Word, Sqlite> for $ty {
            fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
                read(&text)
            }
        }

        impl FromSql<Word, MultiBackend> for $ty {
            fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<$ty, Word>()
            }
        }

        stored_words!(@queryable $ty, MultiBackend, Pg, Sqlite);
    )+};
}

use ekinerja_domain::{
    agreement::{AgreementStatus, BreakdownKind, ResultKind},
    allowance::{LineStatus, PendingReason, RunStatus},
    attendance::{EventKind, EventSource},
    audit::{AuditAction, AuditEntity},
    daily_log::LogStatus,
    discipline::AbsenceKind,
    evaluation::{Cadence, CoreValue, EvaluationStatus, PeriodKind, PeriodStatus, Predicate, Rating, UnitRating},
    job::{JobKind, JobStage, JobStatus},
    leave::{LeaveApproval, LeaveKind, LeaveStatus},
    notification::{DeliveryStatus, EventType},
    AccountRole, ActingKind, EmploymentType, GrantedRole, IntegrationScope, PositionType, TimeZone,
};

stored_words!(
    AgreementStatus,
    JobKind,
    JobStage,
    JobStatus,
    AuditAction,
    AuditEntity,
    BreakdownKind,
    ResultKind,
    LineStatus,
    PendingReason,
    RunStatus,
    EventKind,
    EventSource,
    LogStatus,
    AbsenceKind,
    LeaveApproval,
    LeaveKind,
    LeaveStatus,
    DeliveryStatus,
    EventType,
    Cadence,
    CoreValue,
    EvaluationStatus,
    PeriodKind,
    PeriodStatus,
    Predicate,
    Rating,
    UnitRating,
    AccountRole,
    ActingKind,
    EmploymentType,
    GrantedRole,
    IntegrationScope,
    PositionType,
    TimeZone,
);
