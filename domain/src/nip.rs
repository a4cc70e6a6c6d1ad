//! NIP (Nomor Induk Pegawai), the 18-digit national civil-servant number.
//!
//! Layout (BKN): birth date `YYYYMMDD`, appointment `YYYYMM`, gender digit (1 male, 2 female),
//! a 3-digit sequence. A NIP that does not follow it is refused, so a typo in an HR export is
//! caught at import instead of becoming an account nobody can log in to.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A validated NIP. Only [`Nip::parse`] builds one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Nip(String);

/// Gender encoded in the 15th digit of a NIP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Digit 1.
    Male,
    /// Digit 2.
    Female,
}

/// Why a string is not a NIP; the message is shown to the user as the field's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NipError {
    /// Not exactly 18 ASCII digits.
    #[error("a NIP is exactly 18 digits")]
    Format,
    /// Digits 1–8 are not a real calendar date.
    #[error("digits 1-8 of a NIP must be a valid birth date (YYYYMMDD)")]
    BirthDate,
    /// Digits 9–14 are not a real month, or precede the birth date.
    #[error("digits 9-14 of a NIP must be the appointment month (YYYYMM), after the birth date")]
    Appointment,
    /// The appointment month lies in the future.
    #[error("digits 9-14 of a NIP are the appointment month, which cannot be in the future")]
    FutureAppointment,
    /// Digit 15 is neither 1 nor 2.
    #[error("digit 15 of a NIP is the gender: 1 or 2")]
    Gender,
    /// The sequence 000 is never issued.
    #[error("digits 16-18 of a NIP are a sequence number from 001")]
    Sequence,
}

impl Nip {
    /// Parses an 18-digit NIP. Surrounding whitespace is not accepted: a NIP is an identifier and
    /// is compared byte for byte.
    pub fn parse(s: &str) -> Result<Self, NipError> {
        if s.len() != 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NipError::Format);
        }
        let num = |r: std::ops::Range<usize>| -> u32 { s[r].bytes().fold(0, |acc, b| acc * 10 + u32::from(b - b'0')) };
        let birth = NaiveDate::from_ymd_opt(num(0..4) as i32, num(4..6), num(6..8)).ok_or(NipError::BirthDate)?;
        let appointment = NaiveDate::from_ymd_opt(num(8..12) as i32, num(12..14), 1).ok_or(NipError::Appointment)?;
        if appointment <= birth {
            return Err(NipError::Appointment);
        }
        if !matches!(&s[14..15], "1" | "2") {
            return Err(NipError::Gender);
        }
        if num(15..18) == 0 {
            return Err(NipError::Sequence);
        }
        Ok(Nip(s.to_owned()))
    }

    /// The NIP as its 18 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date in digits 1–8.
    pub fn birth_date(&self) -> NaiveDate {
        let d = &self.0;
        // Checked in `parse`, so the fallback never applies.
        NaiveDate::parse_from_str(&d[0..8], "%Y%m%d").unwrap_or_default()
    }

    /// The first day of the appointment month in digits 9–14.
    pub fn appointed_on(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&format!("{}01", &self.0[8..14]), "%Y%m%d").unwrap_or_default()
    }

    /// Refuses a NIP whose appointment month is after `today`'s month: nobody has been appointed
    /// in the future, so such a NIP is a typo.
    pub fn check_appointed_by(&self, today: NaiveDate) -> Result<(), NipError> {
        if self.appointed_on() > today {
            Err(NipError::FutureAppointment)
        } else {
            Ok(())
        }
    }

    /// The gender in digit 15.
    pub fn gender(&self) -> Gender {
        if &self.0[14..15] == "1" {
            Gender::Male
        } else {
            Gender::Female
        }
    }
}

impl fmt::Display for Nip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Nip {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Nip::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_valid_nip_and_reads_its_parts() {
        let nip = Nip::parse("198204032004011644").unwrap();
        assert_eq!(nip.birth_date(), NaiveDate::from_ymd_opt(1982, 4, 3).unwrap());
        assert_eq!(nip.gender(), Gender::Male);
        let nip = Nip::parse("198701302012042307").unwrap();
        assert_eq!(nip.gender(), Gender::Female);
    }

    #[test]
    fn refuses_each_malformed_part() {
        let cases = [
            ("19820403200401164", NipError::Format),       // 17 digits
            ("1982040320040116441", NipError::Format),     // 19 digits
            ("19820403200401164a", NipError::Format),      // a letter
            (" 98204032004011644", NipError::Format),      // whitespace
            ("198202302004011644", NipError::BirthDate),   // 30 February
            ("198204032004131644", NipError::Appointment), // month 13
            ("198204031980011644", NipError::Appointment), // appointed before birth
            ("198204032004013644", NipError::Gender),
            ("198204032004011000", NipError::Sequence),
        ];
        for (input, want) in cases {
            assert_eq!(Nip::parse(input), Err(want), "{input}");
        }
    }

    #[test]
    fn appointment_cannot_be_in_the_future() {
        let nip = Nip::parse("199907162028032964").unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(nip.check_appointed_by(today), Err(NipError::FutureAppointment));
        assert_eq!(nip.check_appointed_by(NaiveDate::from_ymd_opt(2028, 3, 1).unwrap()), Ok(()));
    }

    #[test]
    fn deserialises_only_valid_nips() {
        assert!(serde_json::from_str::<Nip>("\"198204032004011644\"").is_ok());
        assert!(serde_json::from_str::<Nip>("\"123\"").is_err());
    }
}
