//! e-Kinerja's business rules and types, free of I/O.
//!
//! Everything here is a plain value or a pure function over plain values: the database and the
//! web layers load data, call these rules and store or show the result. Constructors refuse
//! invalid input, so a value of these types is always valid (parse, don't validate).

/// Declares an enum of API words: serde in snake_case, `as_str`/`parse`, `ALL`, `Display`.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The API word, also stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// Parses the API word; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($word => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod access;
pub mod agreement;
pub mod allowance;
pub mod attendance;
pub mod audit;
pub mod daily_log;
pub mod days;
pub mod discipline;
pub mod evaluation;
pub mod evidence;
pub mod field;
pub mod id;
pub mod job;
pub mod leave;
pub mod maturity;
pub mod network;
pub mod nip;
pub mod notification;
pub mod organisation;
pub mod progress;
pub mod rollout;
pub mod shift;
pub mod supervision;
pub mod tasks;
pub mod text;
pub mod workload;

pub use access::{Actor, Caller, GrantedRole, Integration, IntegrationScope, Scope};
pub use nip::{Gender, Nip, NipError};
pub use organisation::{AccountRole, ActingKind, EmploymentType, PositionClass, PositionType, Role, TimeZone};
pub use text::{Code, Description, Name, TextError};
