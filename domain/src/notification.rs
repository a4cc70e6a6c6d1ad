//! Notifications (issue 21): an agency subscribes endpoints (Kominfo's push or messaging gateway)
//! to events, so that people are told what waits for them or what was decided. Each delivery is
//! a Standard Webhooks message, kept until it is acknowledged, retried with backoff.

use std::time::Duration;

word_enum! {
    /// What happened, as a subscriber names it.
    EventType {
        /// A daily log was accepted or rejected.
        LogReviewed => "log_reviewed",
        /// An agreement was returned to its owner to fix.
        AgreementReturned => "agreement_returned",
        /// An agreement was approved.
        AgreementApproved => "agreement_approved",
        /// An evaluation was finalised: the employee's predicate is known.
        EvaluationFinalised => "evaluation_finalised",
        /// An allowance run was approved for payment.
        RunApproved => "run_approved",
        /// A leave request was recommended, approved or refused.
        LeaveDecided => "leave_decided",
        /// A daily log or a leave request waited for its decision past the agency's escalation
        /// policy (working days); told once per wait.
        TaskOverdue => "task_overdue",
    }
}

word_enum! {
    /// Where a delivery stands.
    DeliveryStatus {
        /// Not yet acknowledged: waiting for its first attempt or its next retry.
        Pending => "pending",
        /// The subscriber answered 2xx.
        Delivered => "delivered",
        /// Every attempt failed: no more are made.
        Failed => "failed",
    }
}

/// How long after the attempt `attempts_made` (1 for the first) the next one is made, in units of
/// the installation's retry base (10 seconds by default: 10 s, 1 min, 5 min, 30 min, 2 h, 6 h,
/// 12 h); `None` once the last has failed.
pub fn retry_delay(attempts_made: u32, base: Duration) -> Option<Duration> {
    const STEPS: [u32; 7] = [1, 6, 30, 180, 720, 2_160, 4_320];
    let step = usize::try_from(attempts_made).ok()?.checked_sub(1)?;
    STEPS.get(step).map(|n| base.saturating_mul(*n))
}

/// Attempts made at most before a delivery fails.
pub const MAX_ATTEMPTS: u32 = 8;

/// The longest subscriber URL.
const MAX_URL_CHARS: usize = 2_000;

/// Where deliveries go: an absolute `http` or `https` URL with a host and neither credentials
/// nor a fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl(String);

/// Why a URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointUrlError {
    #[error("must start with https:// or http://")]
    Scheme,
    #[error("must name a host: letters, digits, '-' and '.' (write an international name in its xn-- form), or an [IPv6] address")]
    Host,
    #[error("must not carry a user name or password: the deliveries are signed instead")]
    Credentials,
    #[error("must hold only the characters a URI holds as written (percent-encode the rest), with no spaces and no #fragment")]
    Characters,
    #[error("must be at most {MAX_URL_CHARS} characters")]
    Length,
}

impl EndpointUrl {
    /// The API schema's pattern for a URL (at most 2,000 characters), which is exactly what
    /// [`Self::parse`] accepts: a scheme, a host name or a bracketed IPv6 address, an optional
    /// port, then the characters a URI holds as written ([`crate::network::uri_char`]) but for a
    /// fragment.
    pub const PATTERN: &'static str = "^https?://(?:\\[(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:))\\]|[A-Za-z0-9-][A-Za-z0-9.-]*)(?::[0-9]+)?(?:[/?][!$-;=?-\\[\\]_a-z~]*)?$";

    /// Checks a URL as given.
    pub fn parse(s: &str) -> Result<Self, EndpointUrlError> {
        if s.chars().count() > MAX_URL_CHARS {
            return Err(EndpointUrlError::Length);
        }
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).ok_or(EndpointUrlError::Scheme)?;
        if !s.chars().all(|c| crate::network::uri_char(c) && c != '#') {
            return Err(EndpointUrlError::Characters);
        }
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(EndpointUrlError::Credentials);
        }
        let named = |host: &str, port: Option<&str>| {
            let mut chars = host.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        };
        let host_ok = if authority.starts_with('[') {
            crate::network::bracketed_host(authority)
        } else {
            match authority.split_once(':') {
                Some((host, port)) => named(host, Some(port)),
                None => named(authority, None),
            }
        };
        if !host_ok {
            return Err(EndpointUrlError::Host);
        }
        Ok(EndpointUrl(s.to_owned()))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_then_stop() {
        let base = Duration::from_secs(10);
        assert_eq!(retry_delay(1, base), Some(Duration::from_secs(10)));
        assert_eq!(retry_delay(2, base), Some(Duration::from_secs(60)));
        assert_eq!(retry_delay(7, base), Some(Duration::from_secs(43_200)));
        assert_eq!(retry_delay(MAX_ATTEMPTS, base), None);
        assert_eq!(retry_delay(0, base), None);
    }

    #[test]
    fn endpoint_urls() {
        for ok in ["https://notif.kominfo.sukamaju.go.id/hooks/ekinerja", "http://10.0.0.7:8080/in", "https://h?x=1"] {
            assert!(EndpointUrl::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(EndpointUrl::parse("ftp://x"), Err(EndpointUrlError::Scheme));
        assert_eq!(EndpointUrl::parse("notif.go.id/x"), Err(EndpointUrlError::Scheme));
        assert_eq!(EndpointUrl::parse("https://"), Err(EndpointUrlError::Host));
        assert_eq!(EndpointUrl::parse("https://:80/x"), Err(EndpointUrlError::Host));
        assert_eq!(
            EndpointUrl::parse("https://dinas-kesehatan.go.id:8443/x"),
            Ok(EndpointUrl("https://dinas-kesehatan.go.id:8443/x".into()))
        );
        assert!(EndpointUrl::parse("https://[fd00::1]:8080/x").is_ok());
        // Beyond ASCII: an international name is written in its xn-- form, the rest percent-encoded.
        assert_eq!(EndpointUrl::parse("https://pemerintahé.id/x"), Err(EndpointUrlError::Characters));
        assert_eq!(EndpointUrl::parse("https://h/café"), Err(EndpointUrlError::Characters));
        // Brackets hold an IPv6 address and nothing else.
        assert_eq!(EndpointUrl::parse("https://[0]/x"), Err(EndpointUrlError::Host));
        assert_eq!(EndpointUrl::parse("https://[::1]x/"), Err(EndpointUrlError::Host));
        assert_eq!(EndpointUrl::parse("https://a_b/x"), Err(EndpointUrlError::Host));
        assert_eq!(EndpointUrl::parse("https://u:p@h/x"), Err(EndpointUrlError::Credentials));
        assert_eq!(EndpointUrl::parse("https://h/x#y"), Err(EndpointUrlError::Characters));
        assert_eq!(EndpointUrl::parse("https://h/a b"), Err(EndpointUrlError::Characters));
        assert_eq!(EndpointUrl::parse(&format!("https://h/{}", "a".repeat(2000))), Err(EndpointUrlError::Length));
    }
}
