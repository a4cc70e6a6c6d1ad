//! Free-text values people type: names of agencies, units, positions and employees.

use serde::Serialize;
use std::fmt;

/// A display name: trimmed, not empty, at most [`Name::MAX_CHARS`] characters, no control
/// characters. Names end up on printed SKP forms and in payroll exports, so a stray newline or
/// an empty name is refused instead of stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Name(String);

/// Why a string is not an acceptable name or code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Empty after trimming.
    #[error("must not be empty")]
    Empty,
    /// Longer than allowed.
    #[error("must be at most {0} characters")]
    TooLong(usize),
    /// Contains a control character such as a newline.
    #[error("must not contain control characters")]
    ControlCharacter,
    /// A code holds something other than letters, digits, `-`, `_` or `.`.
    #[error("may contain only letters, digits, '-', '_' and '.'")]
    CodeCharacter,
}

/// `s` trimmed, if the rest is not empty, at most `max` characters, and holds no control
/// character but those `allowed`.
fn trimmed(s: &str, max: usize, allowed: impl Fn(char) -> bool) -> Result<String, TextError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(TextError::Empty);
    }
    // The limit holds for the text as sent, as the API's schema states it (`maxLength`).
    if s.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    // Judged on the text as sent, edges included, as the schema's pattern judges it: a trailing
    // form feed is refused, not trimmed away.
    if s.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(TextError::ControlCharacter);
    }
    Ok(t.to_owned())
}

impl Name {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 200;
    /// The API schema's pattern for a name: no control character anywhere, and something besides
    /// white space, as [`Name::parse`] judges it.
    pub const PATTERN: &'static str =
        "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$";

    /// Trims surrounding whitespace and checks the rest.
    pub fn parse(s: &str) -> Result<Self, TextError> {
        trimmed(s, Self::MAX_CHARS, |_| false).map(Name)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Takes the inner string.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A longer text people write (what was done today, a review comment): trimmed, not empty, at
/// most [`Description::MAX_CHARS`] characters; line breaks and tabs allowed, other control
/// characters not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Description(String);

impl Description {
    /// Longest accepted description.
    pub const MAX_CHARS: usize = 2000;
    /// The API schema's pattern for a description: as [`Name::PATTERN`], with line breaks and
    /// tabs.
    pub const PATTERN: &'static str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

    /// Trims surrounding whitespace and checks the rest.
    pub fn parse(s: &str) -> Result<Self, TextError> {
        trimmed(s, Self::MAX_CHARS, |c| matches!(c, '\n' | '\t' | '\r')).map(Description)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Takes the inner string.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A short identifier chosen by people (an agency code such as `KAB-KDR`, a unit code such as
/// `DINKES`, an admin username): 1 to [`Code::MAX_CHARS`] ASCII letters, digits, `-`, `_`, `.`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Code(String);

impl Code {
    /// Longest accepted code.
    pub const MAX_CHARS: usize = 64;
    /// The API schema's pattern for a code.
    pub const PATTERN: &'static str = "^[A-Za-z0-9._-]+$";

    /// Trims surrounding whitespace and checks the rest. Case is kept as typed.
    pub fn parse(s: &str) -> Result<Self, TextError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(TextError::Empty);
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(TextError::TooLong(Self::MAX_CHARS));
        }
        if !t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
            return Err(TextError::CodeCharacter);
        }
        Ok(Code(t.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Takes the inner string.
    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(Name::parse("  Dinas Kesehatan ").unwrap().as_str(), "Dinas Kesehatan");
        assert_eq!(Name::parse("   "), Err(TextError::Empty));
        assert_eq!(Name::parse("a\nb"), Err(TextError::ControlCharacter));
        assert_eq!(Name::parse(&"x".repeat(201)), Err(TextError::TooLong(200)));
        assert!(Name::parse(&"é".repeat(200)).is_ok());
        // The limit counts the text as sent, surrounding spaces included.
        assert_eq!(Name::parse(&format!(" {} ", "x".repeat(199))), Err(TextError::TooLong(200)));
        assert!(Name::parse(&format!(" {}", "x".repeat(199))).is_ok());
        // A control character at an edge is refused as one inside is, as the schema's pattern
        // refuses it; a description's line breaks and tabs are trimmed there.
        assert_eq!(Name::parse("dokumen\t"), Err(TextError::ControlCharacter));
        assert_eq!(Name::parse("\u{85}dokumen"), Err(TextError::ControlCharacter));
        assert_eq!(Description::parse("Rapat\u{b}"), Err(TextError::ControlCharacter));
        assert_eq!(Description::parse("\tRapat\r\n").unwrap().as_str(), "Rapat");
    }

    #[test]
    fn codes_allow_a_small_alphabet() {
        assert_eq!(Code::parse("KAB-KDR_1.a").unwrap().as_str(), "KAB-KDR_1.a");
        assert_eq!(Code::parse("a b"), Err(TextError::CodeCharacter));
        assert_eq!(Code::parse("'; drop"), Err(TextError::CodeCharacter));
        assert_eq!(Code::parse(""), Err(TextError::Empty));
        assert_eq!(Code::parse(&format!("{} ", "A".repeat(64))), Err(TextError::TooLong(64)));
        assert!(Code::parse(&"A".repeat(64)).is_ok());
    }
}
