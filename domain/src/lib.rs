//! e-Kinerja's business rules and types, free of I/O.
//!
//! Everything here is a plain value or a pure function over plain values: the database and the
//! web layers load data, call these rules and store or show the result. Constructors refuse
//! invalid input, so a value of these types is always valid (parse, don't validate).

pub mod access;
pub mod nip;
pub mod organisation;
pub mod supervision;
pub mod text;

pub use access::{Caller, Scope};
pub use nip::{Gender, Nip, NipError};
pub use organisation::{AccountRole, ActingKind, EmploymentType, PositionClass, PositionType, Role, TimeZone};
pub use text::{Code, Name, TextError};
