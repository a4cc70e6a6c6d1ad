//! Structured values of the domain kept as text in one column: an agency's allowance and maturity
//! policies, a run's snapshot of its policy, a work schedule, a distribution pattern's rules. A
//! row's field is [`Stored<T>`]: written in the value's stored form and read back through it, so
//! a stored value that does not read is a load error ([`crate::StoreError::Corrupt`]), never a
//! default. (The words of the domain have their own column type, [`crate::word::Word`].)

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;
use ekinerja_domain::allowance::AgencyPolicy;
use ekinerja_domain::discipline::Schedule;
use ekinerja_domain::evaluation::DistributionRule;
use ekinerja_domain::maturity::MaturityPolicy;

use crate::db::MultiBackend;

/// A domain value with a text form to be stored in.
pub trait StoredText: Sized + std::fmt::Debug + Clone + Send + Sync + 'static {
    /// What the value is, for the load error.
    const NAME: &'static str;
    /// The stored form, or why the value has none.
    fn to_text(&self) -> Result<String, String>;
    /// The value of a stored form, or why it is none.
    fn from_text(text: &str) -> Result<Self, String>;
}

/// A domain value in a text column; an unreadable stored form fails the load.
#[derive(Debug, Clone, PartialEq, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Stored<T>(pub T);

impl<T: StoredText> Stored<T> {
    /// The value.
    pub fn get(&self) -> &T {
        &self.0
    }

    /// The value, taken out.
    pub fn into_inner(self) -> T {
        self.0
    }

    fn read(text: &str) -> deserialize::Result<Self> {
        T::from_text(text).map(Stored).map_err(|e| format!("{} {text:?} in the database: {e}", T::NAME).into())
    }
}

impl<T> From<T> for Stored<T> {
    fn from(value: T) -> Self {
        Stored(value)
    }
}

/// An audit record keeps the stored form, as the column does.
impl<T: StoredText> serde::Serialize for Stored<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_text().map_err(serde::ser::Error::custom)?)
    }
}

impl<T: StoredText> ToSql<Text, Pg> for Stored<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        use std::io::Write;
        out.write_all(self.0.to_text()?.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl<T: StoredText> ToSql<Text, Sqlite> for Stored<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.to_text()?);
        Ok(IsNull::No)
    }
}

impl<T: StoredText> ToSql<Text, MultiBackend> for Stored<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Text, self));
        Ok(IsNull::No)
    }
}

impl<T: StoredText> FromSql<Text, Pg> for Stored<T> {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Self::read(std::str::from_utf8(bytes.as_bytes())?)
    }
}

impl<T: StoredText> FromSql<Text, Sqlite> for Stored<T> {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Self::read(&<String as FromSql<Text, Sqlite>>::from_sql(bytes)?)
    }
}

impl<T: StoredText> FromSql<Text, MultiBackend> for Stored<T> {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<Self, Text>()
    }
}

/// Values stored as their JSON.
macro_rules! stored_as_json {
    ($($ty:ty),+ $(,)?) => {$(
        impl StoredText for $ty {
            const NAME: &'static str = stringify!($ty);
            fn to_text(&self) -> Result<String, String> {
                serde_json::to_string(self).map_err(|e| e.to_string())
            }
            fn from_text(text: &str) -> Result<Self, String> {
                serde_json::from_str(text).map_err(|e| e.to_string())
            }
        }
    )+};
}

stored_as_json!(AgencyPolicy, MaturityPolicy, Vec<DistributionRule>, crate::job::JobRequest);

impl StoredText for Schedule {
    const NAME: &'static str = "Schedule";
    fn to_text(&self) -> Result<String, String> {
        Ok(self.to_stored())
    }
    fn from_text(text: &str) -> Result<Self, String> {
        Schedule::from_stored(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_form_that_does_not_read_is_refused_and_a_good_one_reads_back() {
        let policy = AgencyPolicy::default();
        let text = policy.to_text().unwrap();
        assert_eq!(Stored::<AgencyPolicy>::read(&text).unwrap().into_inner().to_text().unwrap(), text);
        let err = Stored::<MaturityPolicy>::read("{\"coverage_bp\": \"lots\"}").unwrap_err().to_string();
        assert!(err.starts_with("MaturityPolicy \"{"), "{err}");
        assert!(Stored::<Schedule>::read("08:00-16:00").is_err());
        let week = "08:00-16:00,08:00-16:00,08:00-16:00,08:00-16:00,08:00-16:00,,";
        assert_eq!(Stored::<Schedule>::read(week).unwrap().0.to_stored(), week);
    }
}
