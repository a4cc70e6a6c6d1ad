//! Attendance (e-Presensi) events: their kind and source, the ids that make a retried push
//! idempotent, the ZKTeco ADMS ("iclock") `ATTLOG` line format that fingerprint machines push,
//! and the conversion between an instant and the agency's wall-clock time.
//!
//! Everything here is pure: the web layer hands in the raw text and the agency's offset, and
//! stores what comes out.

use chrono::{DateTime, FixedOffset, NaiveDateTime, Timelike, Utc};
use serde::Serialize;
use std::fmt;

word_enum! {
    /// Whether an attendance event is an arrival or a departure.
    EventKind {
        /// Arrival: the start of work, or the return from a break or the start of overtime.
        CheckIn => "check_in",
        /// Departure: the end of work, or the start of a break or the end of overtime.
        CheckOut => "check_out",
    }
}

word_enum! {
    /// Where an event came from.
    EventSource {
        /// Pushed by an attendance system through the integration API.
        Push => "push",
        /// Pushed by a fingerprint machine itself (ADMS / iclock).
        Machine => "machine",
        /// Imported from a file by an administrator.
        Import => "import",
    }
}

/// True when `t` is 1 to `max` characters, each a printable ASCII character other than space.
fn is_printable_token(t: &str, max: usize) -> bool {
    !t.is_empty() && t.len() <= max && t.bytes().all(|b| b.is_ascii_graphic())
}

/// The attendance system's own id of an event: a retry or a re-import carries the same id, so
/// the event is stored once. Trimmed, 1 to [`SourceEventId::MAX_CHARS`] printable ASCII
/// characters without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SourceEventId(String);

/// Why a string is not an acceptable source event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 100 printable ASCII characters without spaces")]
pub struct SourceEventIdError;

impl SourceEventId {
    /// Longest accepted id, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Trims surrounding whitespace and checks the rest.
    pub fn parse(s: &str) -> Result<Self, SourceEventIdError> {
        let t = s.trim();
        if is_printable_token(t, Self::MAX_CHARS) {
            Ok(SourceEventId(t.to_owned()))
        } else {
            Err(SourceEventIdError)
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceEventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of an attendance device, such as a fingerprint machine's serial number (the `SN` an
/// ADMS machine sends). Trimmed, 1 to [`DeviceId::MAX_CHARS`] printable ASCII characters without
/// spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DeviceId(String);

/// Why a string is not an acceptable device id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 64 printable ASCII characters without spaces")]
pub struct DeviceIdError;

impl DeviceId {
    /// Longest accepted id, in characters.
    pub const MAX_CHARS: usize = 64;

    /// Trims surrounding whitespace and checks the rest.
    pub fn parse(s: &str) -> Result<Self, DeviceIdError> {
        let t = s.trim();
        if is_printable_token(t, Self::MAX_CHARS) {
            Ok(DeviceId(t.to_owned()))
        } else {
            Err(DeviceIdError)
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One punch from a ZKTeco ADMS `ATTLOG` upload, as the machine recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttlogLine {
    /// The user's PIN on the machine (its enrolment number): 1 to
    /// [`AttlogLine::MAX_PIN_DIGITS`] ASCII digits.
    pub pin: String,
    /// The machine's clock at the punch: the agency's wall-clock time, without an offset.
    pub local_time: NaiveDateTime,
    /// Arrival or departure, from the status code (0, 3, 4 arrive; 1, 2, 5 leave).
    pub kind: EventKind,
    /// How the user was verified (the machine's code, e.g. 1 fingerprint, 15 face), when sent
    /// as a number; informational only.
    pub verify_mode: Option<u32>,
    /// The work code typed at the punch, when the field is present and not empty.
    pub work_code: Option<String>,
}

/// Why an `ATTLOG` line was refused; the message names the field and the text at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttlogError {
    /// The line holds nothing but whitespace.
    #[error("the line is empty")]
    Empty,
    /// Only a PIN: the time field is absent or empty.
    #[error("the line has no time after the PIN")]
    MissingTime,
    /// The time field is not `YYYY-MM-DD HH:MM:SS`, or not a real date and time.
    #[error("time {0:?} is not a valid YYYY-MM-DD HH:MM:SS")]
    BadTime(String),
    /// The status field is not one of the codes 0 to 5.
    #[error("status {0:?} is not one of 0 (check-in) to 5 (overtime-out)")]
    BadStatus(String),
    /// The PIN is not 1 to 24 ASCII digits.
    #[error("PIN {0:?} must be 1 to 24 ASCII digits")]
    BadPin(String),
}

impl AttlogLine {
    /// Longest accepted PIN, in digits.
    pub const MAX_PIN_DIGITS: usize = 24;

    /// A deterministic id for this punch on the machine `serial`, so that a machine re-sending
    /// its log does not store the punch twice: `{serial}:{pin}:{YYYYmmddHHMMSS}:{kind}`.
    ///
    /// The result always satisfies [`SourceEventId`]'s rules. With a valid PIN it is at most 50
    /// characters besides the serial, so a serial longer than 50 characters could overflow the
    /// 100-character limit; only then the serial part is shortened to its first 33 characters,
    /// `~` and a 16-hex-digit digest of the whole serial (still deterministic and distinct per
    /// serial). A PIN that is not 1 to 24 digits (only possible when the struct was built by hand
    /// rather than by [`parse_attlog`]) is likewise replaced by `x` and a digest of it.
    pub fn source_event_id(&self, serial: &DeviceId) -> SourceEventId {
        let pin =
            if is_valid_pin(&self.pin) { self.pin.clone() } else { format!("x{:016x}", fnv1a64(self.pin.as_bytes())) };
        let tail = format!(":{}:{}:{}", pin, self.local_time.format("%Y%m%d%H%M%S"), self.kind.as_str());
        let serial = serial.as_str();
        if serial.len() + tail.len() <= SourceEventId::MAX_CHARS {
            return SourceEventId(format!("{serial}{tail}"));
        }
        // 17 = "~" + 16 hex digits. The tail is at most 53 characters (a 24-digit PIN, a 7-character
        // year in chrono's extreme range, "check_out"), so `keep` is at least 30 and at most 63.
        let keep = SourceEventId::MAX_CHARS.saturating_sub(tail.len() + 17).min(serial.len());
        // A DeviceId is ASCII, so every byte index is a character boundary.
        let prefix = serial.get(..keep).unwrap_or_default();
        SourceEventId(format!("{prefix}~{:016x}{tail}", fnv1a64(serial.as_bytes())))
    }
}

/// FNV-1a, 64-bit: a small deterministic digest (not a security measure), to shorten ids.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// True for 1 to [`AttlogLine::MAX_PIN_DIGITS`] ASCII digits.
fn is_valid_pin(pin: &str) -> bool {
    !pin.is_empty() && pin.len() <= AttlogLine::MAX_PIN_DIGITS && pin.bytes().all(|b| b.is_ascii_digit())
}

/// Parses one `ATTLOG` line: `PIN \t YYYY-MM-DD HH:MM:SS \t status \t verify \t workcode \t …`.
///
/// Only the PIN and the time are required; a missing or empty status means 0 (check-in). Fields
/// are split on tabs; a line without a tab (some firmwares pad with spaces instead) is split on
/// runs of whitespace as PIN, date, time, status, verify, work code. Surrounding whitespace of
/// each field, a trailing `\r` and fields past the work code are ignored. A verify mode that is
/// not a number is dropped (`None`) rather than refused, since nothing depends on it.
pub fn parse_attlog(line: &str) -> Result<AttlogLine, AttlogError> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() {
        return Err(AttlogError::Empty);
    }
    let tab_fields: Vec<&str> = line.split('\t').map(str::trim).collect();
    let (pin, time, rest): (&str, String, Vec<&str>) = if tab_fields.len() >= 2 {
        (tab_fields[0], tab_fields[1].split_whitespace().collect::<Vec<_>>().join(" "), tab_fields[2..].to_vec())
    } else {
        let words: Vec<&str> = line.split_whitespace().collect();
        let time = words.get(1..3.min(words.len())).unwrap_or_default().join(" ");
        (words.first().copied().unwrap_or_default(), time, words.get(3..).unwrap_or_default().to_vec())
    };

    if !is_valid_pin(pin) {
        return Err(AttlogError::BadPin(pin.to_owned()));
    }
    if time.is_empty() {
        return Err(AttlogError::MissingTime);
    }
    let local_time = NaiveDateTime::parse_from_str(&time, "%Y-%m-%d %H:%M:%S")
        .ok()
        // chrono reads second 60 as a leap second; no machine clock means that.
        .filter(|t| t.nanosecond() == 0)
        .ok_or_else(|| AttlogError::BadTime(time.clone()))?;

    let status = rest.first().copied().unwrap_or_default();
    let kind = match status {
        "" | "0" | "3" | "4" => EventKind::CheckIn,
        "1" | "2" | "5" => EventKind::CheckOut,
        other => return Err(AttlogError::BadStatus(other.to_owned())),
    };
    let verify_mode = rest.get(1).and_then(|v| v.parse::<u32>().ok());
    let work_code = rest.get(2).filter(|w| !w.is_empty()).map(|w| (*w).to_owned());

    Ok(AttlogLine { pin: pin.to_owned(), local_time, kind, verify_mode, work_code })
}

/// Parses a whole `ATTLOG` upload body, one result per non-blank line, each with its 1-based
/// line number in the body (blank lines are skipped but still counted). Accepts `\n` and `\r\n`
/// line ends. A bad line does not stop the others.
pub fn parse_attlog_body(body: &str) -> Vec<(usize, Result<AttlogLine, AttlogError>)> {
    body.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| (i + 1, parse_attlog(line)))
        .collect()
}

/// The wall-clock date and time at `instant` in a zone `offset` from UTC.
pub fn local_date_time(instant: DateTime<Utc>, offset: FixedOffset) -> NaiveDateTime {
    instant.with_timezone(&offset).naive_local()
}

/// The instant at which the wall clock of a zone `offset` from UTC shows `local`; the inverse of
/// [`local_date_time`]. Within a day of chrono's earliest or latest representable time, where
/// the instant itself is out of range, it saturates to that earliest or latest instant.
pub fn instant_from_local(local: NaiveDateTime, offset: FixedOffset) -> DateTime<Utc> {
    match local.checked_sub_offset(offset) {
        Some(utc) => utc.and_utc(),
        None if offset.local_minus_utc() > 0 => DateTime::<Utc>::MIN_UTC,
        None => DateTime::<Utc>::MAX_UTC,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, s).unwrap()
    }

    fn offset_hours(h: i32) -> FixedOffset {
        FixedOffset::east_opt(h * 3600).unwrap()
    }

    #[test]
    fn words_round_trip() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(*k));
        }
        for s in EventSource::ALL {
            assert_eq!(EventSource::parse(s.as_str()), Some(*s));
        }
        assert_eq!(EventKind::CheckOut.to_string(), "check_out");
        assert_eq!(serde_json::to_string(&EventSource::Machine).unwrap(), "\"machine\"");
        assert_eq!(EventSource::parse("manual"), None);
    }

    #[test]
    fn source_event_id_rules() {
        assert_eq!(SourceEventId::parse("  evt-123:abc  ").unwrap().as_str(), "evt-123:abc");
        assert_eq!(SourceEventId::parse(&"a".repeat(100)).unwrap().as_str().len(), 100);
        assert_eq!(SourceEventId::parse(&"a".repeat(101)), Err(SourceEventIdError));
        assert_eq!(SourceEventId::parse(""), Err(SourceEventIdError));
        assert_eq!(SourceEventId::parse("   "), Err(SourceEventIdError));
        assert_eq!(SourceEventId::parse("a b"), Err(SourceEventIdError));
        assert_eq!(SourceEventId::parse("a\tb"), Err(SourceEventIdError));
        assert_eq!(SourceEventId::parse("a\u{7f}"), Err(SourceEventIdError));
        assert_eq!(SourceEventId::parse("é"), Err(SourceEventIdError));
        assert_eq!(SourceEventIdError.to_string(), "must be 1 to 100 printable ASCII characters without spaces");
        assert_eq!(serde_json::to_string(&SourceEventId::parse("x1").unwrap()).unwrap(), "\"x1\"");
    }

    #[test]
    fn device_id_rules() {
        assert_eq!(DeviceId::parse(" CQZ7224460246 ").unwrap().to_string(), "CQZ7224460246");
        assert!(DeviceId::parse(&"S".repeat(64)).is_ok());
        assert_eq!(DeviceId::parse(&"S".repeat(65)), Err(DeviceIdError));
        assert_eq!(DeviceId::parse(""), Err(DeviceIdError));
        assert_eq!(DeviceId::parse("SN 1"), Err(DeviceIdError));
        assert_eq!(DeviceIdError.to_string(), "must be 1 to 64 printable ASCII characters without spaces");
    }

    #[test]
    fn every_status_code_maps_to_a_kind() {
        let cases = [
            ("0", EventKind::CheckIn),
            ("1", EventKind::CheckOut),
            ("2", EventKind::CheckOut),
            ("3", EventKind::CheckIn),
            ("4", EventKind::CheckIn),
            ("5", EventKind::CheckOut),
        ];
        for (status, kind) in cases {
            let line = format!("1001\t2026-11-04 07:25:13\t{status}\t1\t0\t0\t0");
            assert_eq!(parse_attlog(&line).unwrap().kind, kind, "status {status}");
        }
    }

    #[test]
    fn full_tab_separated_line() {
        let line = parse_attlog("1001\t2026-11-04 07:25:13\t0\t15\t7\t0\t0").unwrap();
        assert_eq!(
            line,
            AttlogLine {
                pin: "1001".into(),
                local_time: at(2026, 11, 4, 7, 25, 13),
                kind: EventKind::CheckIn,
                verify_mode: Some(15),
                work_code: Some("7".into()),
            }
        );
    }

    #[test]
    fn only_pin_and_time_default_to_check_in() {
        let line = parse_attlog("42\t2026-11-04 16:01:00").unwrap();
        assert_eq!(line.kind, EventKind::CheckIn);
        assert_eq!(line.verify_mode, None);
        assert_eq!(line.work_code, None);
        // An empty status field also means 0, and a trailing tab changes nothing.
        assert_eq!(parse_attlog("42\t2026-11-04 16:01:00\t\t").unwrap().kind, EventKind::CheckIn);
    }

    #[test]
    fn padded_tab_fields_are_trimmed() {
        let line = parse_attlog(" 42 \t 2026-11-04  16:01:00 \t 1 \t x \t").unwrap();
        assert_eq!(line.pin, "42");
        assert_eq!(line.local_time, at(2026, 11, 4, 16, 1, 0));
        assert_eq!(line.kind, EventKind::CheckOut);
        assert_eq!(line.verify_mode, None, "a verify mode that is not a number is dropped");
    }

    #[test]
    fn multiple_spaces_fallback() {
        let line = parse_attlog("1001   2026-11-04 16:30:59    1   1   5").unwrap();
        assert_eq!(line.pin, "1001");
        assert_eq!(line.local_time, at(2026, 11, 4, 16, 30, 59));
        assert_eq!(line.kind, EventKind::CheckOut);
        assert_eq!(line.verify_mode, Some(1));
        assert_eq!(line.work_code, Some("5".into()));

        let bare = parse_attlog("7  2026-11-04   06:59:00").unwrap();
        assert_eq!((bare.pin.as_str(), bare.kind), ("7", EventKind::CheckIn));
        assert_eq!(bare.local_time, at(2026, 11, 4, 6, 59, 0));
    }

    #[test]
    fn crlf_is_accepted() {
        let line = parse_attlog("1001\t2026-11-04 07:25:13\t0\t1\r\n").unwrap();
        assert_eq!(line.verify_mode, Some(1));
        assert_eq!(parse_attlog("1001 2026-11-04 07:25:13 5\r").unwrap().kind, EventKind::CheckOut);
    }

    #[test]
    fn empty_line() {
        assert_eq!(parse_attlog(""), Err(AttlogError::Empty));
        assert_eq!(parse_attlog("  \t \r\n"), Err(AttlogError::Empty));
        assert_eq!(AttlogError::Empty.to_string(), "the line is empty");
    }

    #[test]
    fn missing_time() {
        assert_eq!(parse_attlog("1001"), Err(AttlogError::MissingTime));
        assert_eq!(parse_attlog("1001\t"), Err(AttlogError::MissingTime));
        assert_eq!(parse_attlog("1001\t  \t0"), Err(AttlogError::MissingTime));
    }

    #[test]
    fn bad_time() {
        let err = parse_attlog("1001\t2026-11-04 25:10:00\t0").unwrap_err();
        assert_eq!(err, AttlogError::BadTime("2026-11-04 25:10:00".into()));
        assert_eq!(err.to_string(), "time \"2026-11-04 25:10:00\" is not a valid YYYY-MM-DD HH:MM:SS");
        assert_eq!(parse_attlog("1001\t2026-02-30 07:00:00"), Err(AttlogError::BadTime("2026-02-30 07:00:00".into())));
        assert_eq!(parse_attlog("1001\t2026-11-04"), Err(AttlogError::BadTime("2026-11-04".into())));
        assert_eq!(parse_attlog("1001 2026-11-04"), Err(AttlogError::BadTime("2026-11-04".into())));
        assert_eq!(parse_attlog("1001\t2026-11-04 23:59:60"), Err(AttlogError::BadTime("2026-11-04 23:59:60".into())));
        assert_eq!(parse_attlog("1001\tyesterday"), Err(AttlogError::BadTime("yesterday".into())));
    }

    #[test]
    fn bad_status() {
        let err = parse_attlog("1001\t2026-11-04 07:25:13\t9\t1").unwrap_err();
        assert_eq!(err, AttlogError::BadStatus("9".into()));
        assert!(err.to_string().contains("\"9\""));
        assert_eq!(parse_attlog("1001 2026-11-04 07:25:13 in"), Err(AttlogError::BadStatus("in".into())));
        assert_eq!(parse_attlog("1001\t2026-11-04 07:25:13\t-1"), Err(AttlogError::BadStatus("-1".into())));
        assert_eq!(parse_attlog("1001\t2026-11-04 07:25:13\t00"), Err(AttlogError::BadStatus("00".into())));
    }

    #[test]
    fn bad_pin() {
        let err = parse_attlog("10A1\t2026-11-04 07:25:13\t0").unwrap_err();
        assert_eq!(err, AttlogError::BadPin("10A1".into()));
        assert_eq!(err.to_string(), "PIN \"10A1\" must be 1 to 24 ASCII digits");
        assert_eq!(parse_attlog("\t2026-11-04 07:25:13"), Err(AttlogError::BadPin(String::new())));
        assert!(parse_attlog(&format!("{}\t2026-11-04 07:25:13", "9".repeat(24))).is_ok());
        assert_eq!(
            parse_attlog(&format!("{}\t2026-11-04 07:25:13", "9".repeat(25))),
            Err(AttlogError::BadPin("9".repeat(25)))
        );
        assert_eq!(parse_attlog("١٢\t2026-11-04 07:25:13"), Err(AttlogError::BadPin("١٢".into())));
    }

    #[test]
    fn body_skips_blank_lines_and_numbers_from_one() {
        let body = "1001\t2026-11-04 07:25:13\t0\t1\r\n\r\n  \r\n1002\t2026-11-04 25:10:00\t0\r\n1003\t2026-11-04 16:00:00\t1\n";
        let parsed = parse_attlog_body(body);
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[0].0, 1);
        assert_eq!(parsed[0].1.as_ref().unwrap().pin, "1001");
        assert_eq!(parsed[1], (4, Err(AttlogError::BadTime("2026-11-04 25:10:00".into()))));
        assert_eq!(parsed[2].0, 5);
        assert_eq!(parsed[2].1.as_ref().unwrap().kind, EventKind::CheckOut);
        assert!(parse_attlog_body("").is_empty());
        assert!(parse_attlog_body("\r\n\n").is_empty());
    }

    #[test]
    fn source_event_id_is_deterministic() {
        let serial = DeviceId::parse("CQZ7224460246").unwrap();
        let a = parse_attlog("1001\t2026-11-04 07:25:13\t0\t1").unwrap();
        let b = parse_attlog("1001   2026-11-04 07:25:13   4   15").unwrap();
        assert_eq!(a.source_event_id(&serial).as_str(), "CQZ7224460246:1001:20261104072513:check_in");
        // Same punch sent again (even in another layout, with another arrival code): same id.
        assert_eq!(a.source_event_id(&serial), b.source_event_id(&serial));
        let out = parse_attlog("1001\t2026-11-04 07:25:13\t1").unwrap();
        assert_ne!(a.source_event_id(&serial), out.source_event_id(&serial));
        let other = DeviceId::parse("CQZ7224460247").unwrap();
        assert_ne!(a.source_event_id(&serial), a.source_event_id(&other));
    }

    #[test]
    fn source_event_id_always_fits_the_rules() {
        let long_pin = parse_attlog(&format!("{}\t2026-11-04 07:25:13\t5", "9".repeat(24))).unwrap();
        let short = DeviceId::parse("S").unwrap();
        let id = long_pin.source_event_id(&short);
        assert_eq!(SourceEventId::parse(id.as_str()), Ok(id.clone()));

        // Longest serial and PIN: the full form would be 114 characters, so the serial is shortened.
        let serial_a = DeviceId::parse(&"A".repeat(64)).unwrap();
        let serial_b = DeviceId::parse(&format!("{}B", "A".repeat(63))).unwrap();
        let ida = long_pin.source_event_id(&serial_a);
        let idb = long_pin.source_event_id(&serial_b);
        for id in [&ida, &idb] {
            assert!(id.as_str().len() <= SourceEventId::MAX_CHARS, "{id}");
            assert_eq!(SourceEventId::parse(id.as_str()).as_ref(), Ok(id));
            assert!(id.as_str().ends_with(&format!(":{}:20261104072513:check_out", "9".repeat(24))));
        }
        assert_ne!(ida, idb);
        assert_eq!(ida, long_pin.source_event_id(&serial_a));

        // A serial that just fits is kept whole.
        let fits = DeviceId::parse(&"F".repeat(50)).unwrap();
        assert_eq!(long_pin.source_event_id(&fits).as_str().len(), 100);
        assert!(long_pin.source_event_id(&fits).as_str().starts_with(&"F".repeat(50)));

        // A hand-built line with a PIN that parse_attlog would refuse still gives a valid id.
        let odd = AttlogLine { pin: format!("{} {}", "x".repeat(200), "é"), ..long_pin.clone() };
        let id = odd.source_event_id(&serial_a);
        assert_eq!(SourceEventId::parse(id.as_str()), Ok(id));
        let far = AttlogLine { local_time: at(200_000, 1, 1, 0, 0, 0), ..odd };
        let id = far.source_event_id(&serial_a);
        assert_eq!(SourceEventId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn local_and_instant_round_trip_across_midnight() {
        // 2026-11-04 17:30 UTC is 00:30 the next day in WIB (+07:00) and 01:30 in WITA (+08:00).
        let instant = at(2026, 11, 4, 17, 30, 0).and_utc();
        let wib = offset_hours(7);
        let wita = offset_hours(8);
        assert_eq!(local_date_time(instant, wib), at(2026, 11, 5, 0, 30, 0));
        assert_eq!(local_date_time(instant, wita), at(2026, 11, 5, 1, 30, 0));
        assert_eq!(instant_from_local(at(2026, 11, 5, 0, 30, 0), wib), instant);
        assert_eq!(instant_from_local(at(2026, 11, 5, 1, 30, 0), wita), instant);

        // Local 06:00 on Jan 1 is the previous day (and year) in UTC.
        let new_year = at(2027, 1, 1, 6, 0, 0);
        for offset in [wib, wita] {
            let i = instant_from_local(new_year, offset);
            assert_eq!(i.date_naive(), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
            assert_eq!(local_date_time(i, offset), new_year);
        }
        // Every quarter hour of a day round-trips both ways.
        for minutes in (0..24 * 60).step_by(15) {
            let local = at(2026, 11, 4, 0, 0, 0) + chrono::TimeDelta::minutes(minutes);
            for offset in [wib, wita] {
                assert_eq!(local_date_time(instant_from_local(local, offset), offset), local);
            }
        }
    }

    #[test]
    fn instant_from_local_saturates_at_the_edges() {
        assert_eq!(instant_from_local(NaiveDateTime::MIN, offset_hours(7)), DateTime::<Utc>::MIN_UTC);
        assert_eq!(instant_from_local(NaiveDateTime::MAX, offset_hours(-7)), DateTime::<Utc>::MAX_UTC);
    }
}
