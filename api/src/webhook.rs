//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>), which an integration key
//! with a signing secret must put on every request it pushes.
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{raw body}`; the signature is
//! base64(HMAC-SHA256(secret, content)), sent in `webhook-signature` as `v1,<base64>`, possibly
//! among other space-separated entries (other versions are ignored; any matching `v1` is enough,
//! which lets a sender sign with an old and a new secret while keys rotate). A timestamp more than
//! [`TOLERANCE_SECONDS`] from now is refused, so a captured request cannot be replayed later.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

/// How far, in seconds and in either direction, `webhook-timestamp` may be from now.
pub const TOLERANCE_SECONDS: i64 = 300;

/// The text every secret starts with.
pub const SECRET_PREFIX: &str = "whsec_";

/// The header holding the message's unique id, the same on every retry of it.
pub const ID_HEADER: &str = "webhook-id";
/// The header holding the Unix time of the signature, in seconds.
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// The header holding the space-separated `v1,<base64>` signatures.
pub const SIGNATURE_HEADER: &str = "webhook-signature";

/// Fewest and most key bytes a secret may decode to.
const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;
/// Bytes of random key in a generated secret.
const GENERATED_SECRET_BYTES: usize = 32;
/// Longest accepted `webhook-id`, in characters.
const MAX_ID_CHARS: usize = 256;
/// HMAC-SHA256's block size: keys up to this length are zero-padded to it (RFC 2104).
const HMAC_BLOCK_BYTES: usize = 64;

/// A signing secret's key bytes: 24 to 64 of them. Its `Debug` output does not show them.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

/// Why a request's signature, or a secret, was refused. The messages are safe to show the sender.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// One of the three headers is absent; carries its name.
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    /// `webhook-id` is empty, longer than 256 characters or not printable ASCII.
    #[error("the webhook-id header must be 1 to 256 printable ASCII characters")]
    BadId,
    /// `webhook-timestamp` is not a whole number of seconds since 1970-01-01 UTC.
    #[error("the webhook-timestamp header must be whole seconds since 1970-01-01 UTC")]
    BadTimestamp,
    /// `webhook-timestamp` is too far from now; `skew_seconds` is now minus the timestamp
    /// (positive when the timestamp is in the past).
    #[error("the webhook-timestamp header is {skew_seconds} s from the server's clock; at most 300 s is allowed")]
    Stale {
        /// Now minus the timestamp, in seconds.
        skew_seconds: i64,
    },
    /// `webhook-signature` holds no well-formed `v1,<base64 of 32 bytes>` entry.
    #[error("the webhook-signature header holds no well-formed v1,<base64> signature")]
    BadSignatureFormat,
    /// Well-formed `v1` signatures were sent but none matches the request.
    #[error("no signature in the webhook-signature header matches the request")]
    NoMatchingSignature,
    /// A secret is not `whsec_` followed by the base64 of 24 to 64 bytes.
    #[error("a signing secret must be whsec_ followed by the base64 of 24 to 64 bytes")]
    BadSecret,
}

impl Secret {
    /// A new random secret of 32 bytes, and its `whsec_…` text to hand to the sender once.
    pub fn generate() -> (Secret, String) {
        let mut bytes = vec![0u8; GENERATED_SECRET_BYTES];
        OsRng.fill_bytes(&mut bytes);
        let text = format!("{SECRET_PREFIX}{}", STANDARD.encode(&bytes));
        (Secret(bytes), text)
    }

    /// Reads a secret's text: `whsec_` followed by standard, padded base64 of 24 to 64 bytes.
    /// Like the spec's reference libraries, the bare base64 without the prefix is accepted too.
    pub fn parse(text: &str) -> Result<Secret, WebhookError> {
        let text = text.trim();
        let b64 = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        let bytes = STANDARD.decode(b64).map_err(|_| WebhookError::BadSecret)?;
        if SECRET_BYTES.contains(&bytes.len()) {
            Ok(Secret(bytes))
        } else {
            Err(WebhookError::BadSecret)
        }
    }

    /// The HMAC over `{id}.{timestamp}.{body}`, ready to finalise or verify.
    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        // HMAC zero-pads a key shorter than the block to the block's length (RFC 2104), and a
        // secret is at most 64 bytes, so padding it here gives the same MAC while the fixed-size
        // constructor cannot fail.
        let mut key = [0u8; HMAC_BLOCK_BYTES];
        let n = self.0.len().min(HMAC_BLOCK_BYTES);
        key[..n].copy_from_slice(&self.0[..n]);
        let mut mac = <HmacSha256 as hmac::digest::KeyInit>::new(&key.into());
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// The `webhook-signature` entry for a request: `v1,` and the base64 of HMAC-SHA256 over
/// `{id}.{timestamp}.{body}`.
pub fn sign(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = secret.mac(id, timestamp, body).finalize().into_bytes();
    format!("v1,{}", STANDARD.encode(tag))
}

/// Checks a request's three headers (as received, `None` when absent) and raw body against
/// `secret`, at Unix time `now` in seconds. Checks, in order: all headers present, the id's form,
/// the timestamp's form and its distance from `now` (at most [`TOLERANCE_SECONDS`]), then the
/// signatures. Signatures are compared in constant time.
pub fn verify(
    secret: &Secret,
    id: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), WebhookError> {
    let id = id.ok_or(WebhookError::MissingHeader(ID_HEADER))?;
    let timestamp = timestamp.ok_or(WebhookError::MissingHeader(TIMESTAMP_HEADER))?;
    let signature = signature.ok_or(WebhookError::MissingHeader(SIGNATURE_HEADER))?;

    if id.is_empty() || id.len() > MAX_ID_CHARS || !id.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        return Err(WebhookError::BadId);
    }
    let timestamp = timestamp.trim();
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::BadTimestamp);
    }
    let timestamp: i64 = timestamp.parse().map_err(|_| WebhookError::BadTimestamp)?;
    let skew_seconds = now.saturating_sub(timestamp);
    if skew_seconds.unsigned_abs() > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(WebhookError::Stale { skew_seconds });
    }

    let expected = secret.mac(id, timestamp, body);
    let mut well_formed = false;
    for entry in signature.split_whitespace() {
        let Some(("v1", b64)) = entry.split_once(',') else { continue };
        let Ok(candidate) = STANDARD.decode(b64) else { continue };
        if candidate.len() != 32 {
            continue;
        }
        well_formed = true;
        if expected.clone().verify_slice(&candidate).is_ok() {
            return Ok(());
        }
    }
    Err(if well_formed { WebhookError::NoMatchingSignature } else { WebhookError::BadSignatureFormat })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000;

    fn secret() -> Secret {
        Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
    }

    fn check(secret: &Secret, id: &str, ts: i64, sig: &str, body: &[u8], now: i64) -> Result<(), WebhookError> {
        verify(secret, Some(id), Some(&ts.to_string()), Some(sig), body, now)
    }

    #[test]
    fn known_answer_from_the_spec_example() {
        // Computed independently with Python:
        // hmac.new(b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        //          b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}', sha256)
        let body = br#"{"test": 2432232314}"#;
        let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        assert_eq!(sign(&secret(), "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body), expected);
        assert_eq!(
            check(&secret(), "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, expected, body, 1_614_265_330),
            Ok(())
        );
    }

    #[test]
    fn known_answer_with_a_64_byte_key_and_binary_body() {
        // Python: hmac.new(bytes(range(64)), b"evt_01.1700000000.hello \xff world", sha256)
        let secret = Secret::parse(
            "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==",
        )
        .unwrap();
        assert_eq!(secret, Secret((0..64).collect()));
        assert_eq!(
            sign(&secret, "evt_01", 1_700_000_000, b"hello \xff world"),
            "v1,JAFKTqc+OWOPuQK9ppuaoXpBAZKOmcQQr9ERF2uCYRU="
        );
    }

    #[test]
    fn round_trip_with_a_generated_secret() {
        let (secret, text) = Secret::generate();
        assert!(text.starts_with("whsec_"));
        assert_eq!(Secret::parse(&text).unwrap(), secret);
        assert_eq!(secret.0.len(), 32);
        let body = br#"{"events":[]}"#;
        let sig = sign(&secret, "evt_1", NOW, body);
        assert!(sig.starts_with("v1,"));
        assert_eq!(check(&secret, "evt_1", NOW, &sig, body, NOW), Ok(()));
        let (other, other_text) = Secret::generate();
        assert_ne!(other, secret);
        assert_ne!(other_text, text);
    }

    #[test]
    fn wrong_secret_is_refused() {
        let (other, _) = Secret::generate();
        let sig = sign(&other, "evt_1", NOW, b"{}");
        assert_eq!(check(&secret(), "evt_1", NOW, &sig, b"{}", NOW), Err(WebhookError::NoMatchingSignature));
    }

    #[test]
    fn tampered_body_id_or_timestamp_is_refused() {
        let sig = sign(&secret(), "evt_1", NOW, br#"{"kind":"check_in"}"#);
        let refused = Err(WebhookError::NoMatchingSignature);
        assert_eq!(check(&secret(), "evt_1", NOW, &sig, br#"{"kind":"check_out"}"#, NOW), refused);
        assert_eq!(check(&secret(), "evt_2", NOW, &sig, br#"{"kind":"check_in"}"#, NOW), refused);
        assert_eq!(check(&secret(), "evt_1", NOW + 1, &sig, br#"{"kind":"check_in"}"#, NOW), refused);
    }

    #[test]
    fn stale_by_301_seconds_either_way() {
        for ts in [NOW - 301, NOW + 301] {
            let sig = sign(&secret(), "evt_1", ts, b"{}");
            let err = check(&secret(), "evt_1", ts, &sig, b"{}", NOW).unwrap_err();
            assert_eq!(err, WebhookError::Stale { skew_seconds: NOW - ts });
        }
        assert_eq!(
            WebhookError::Stale { skew_seconds: -301 }.to_string(),
            "the webhook-timestamp header is -301 s from the server's clock; at most 300 s is allowed"
        );
        // Far-off values neither overflow nor pass.
        let sig = sign(&secret(), "evt_1", 0, b"{}");
        assert!(matches!(check(&secret(), "evt_1", 0, &sig, b"{}", i64::MAX), Err(WebhookError::Stale { .. })));
    }

    #[test]
    fn accepted_at_exactly_300_seconds_either_way() {
        for ts in [NOW - 300, NOW + 300] {
            let sig = sign(&secret(), "evt_1", ts, b"{}");
            assert_eq!(check(&secret(), "evt_1", ts, &sig, b"{}", NOW), Ok(()));
        }
    }

    #[test]
    fn any_matching_v1_among_several_is_accepted() {
        let (old, _) = Secret::generate();
        let stale_sig = sign(&old, "evt_1", NOW, b"{}");
        let good = sign(&secret(), "evt_1", NOW, b"{}");
        let header = format!("v1a,AAAA {stale_sig} v1,not*base64 {good}");
        assert_eq!(check(&secret(), "evt_1", NOW, &header, b"{}", NOW), Ok(()));
        // Other versions are ignored even when they carry the right bytes.
        let v2_only = good.replacen("v1,", "v2,", 1);
        assert_eq!(check(&secret(), "evt_1", NOW, &v2_only, b"{}", NOW), Err(WebhookError::BadSignatureFormat));
    }

    #[test]
    fn missing_headers_are_named() {
        let sig = sign(&secret(), "evt_1", NOW, b"{}");
        let ts = NOW.to_string();
        assert_eq!(
            verify(&secret(), None, Some(&ts), Some(&sig), b"{}", NOW),
            Err(WebhookError::MissingHeader("webhook-id"))
        );
        assert_eq!(
            verify(&secret(), Some("evt_1"), None, Some(&sig), b"{}", NOW),
            Err(WebhookError::MissingHeader("webhook-timestamp"))
        );
        assert_eq!(
            verify(&secret(), Some("evt_1"), Some(&ts), None, b"{}", NOW),
            Err(WebhookError::MissingHeader("webhook-signature"))
        );
        assert_eq!(WebhookError::MissingHeader("webhook-id").to_string(), "the webhook-id header is missing");
    }

    #[test]
    fn malformed_signatures_are_a_format_error() {
        for header in [
            "v1,not*base64",
            "",
            "   ",
            "v1",
            "v1,",
            "v1a,AAAA",
            "v1,AAAA",
            "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ] {
            assert_eq!(
                check(&secret(), "evt_1", NOW, header, b"{}", NOW),
                Err(WebhookError::BadSignatureFormat),
                "{header:?}"
            );
        }
    }

    #[test]
    fn bad_id_and_timestamp() {
        let sig = sign(&secret(), "evt_1", NOW, b"{}");
        let ts = NOW.to_string();
        for id in ["", "evt\n1", "évt", &"a".repeat(257)] {
            assert_eq!(
                verify(&secret(), Some(id), Some(&ts), Some(&sig), b"{}", NOW),
                Err(WebhookError::BadId),
                "{id:?}"
            );
        }
        let long_id = "a".repeat(256);
        let long_sig = sign(&secret(), &long_id, NOW, b"{}");
        assert_eq!(verify(&secret(), Some(&long_id), Some(&ts), Some(&long_sig), b"{}", NOW), Ok(()));
        for bad in ["", "soon", "-5", "+1790000000", "1790000000.5", "99999999999999999999"] {
            assert_eq!(
                verify(&secret(), Some("evt_1"), Some(bad), Some(&sig), b"{}", NOW),
                Err(WebhookError::BadTimestamp),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn secret_parsing() {
        assert!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok(), "the bare base64 is accepted");
        // 23 and 65 bytes are refused; 24 and 64 accepted.
        assert_eq!(Secret::parse(&format!("whsec_{}", STANDARD.encode([7u8; 23]))), Err(WebhookError::BadSecret));
        assert!(Secret::parse(&format!("whsec_{}", STANDARD.encode([7u8; 24]))).is_ok());
        assert!(Secret::parse(&format!("whsec_{}", STANDARD.encode([7u8; 64]))).is_ok());
        assert_eq!(Secret::parse(&format!("whsec_{}", STANDARD.encode([7u8; 65]))), Err(WebhookError::BadSecret));
        assert_eq!(Secret::parse("whsec_not base64!"), Err(WebhookError::BadSecret));
        assert_eq!(Secret::parse(""), Err(WebhookError::BadSecret));
        assert_eq!(format!("{:?}", secret()), "Secret(..)");
    }
}
