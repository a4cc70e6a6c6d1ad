//! Log lines, as text (the default) or one JSON object a line (`EKINERJA_LOG_FORMAT=json`) for
//! Loki or ELK. Every line written while a request is handled carries its request id. The access
//! line carries its route template, status, latency and account as fields; a security event's
//! fields become the line's own. Nothing logged here holds a token, password or key: the access
//! line names the path without its query, and security events never carry secrets.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use log::kv::{Key, Value as KvValue, VisitSource};
use serde_json::{json, Map, Value};

use crate::request_id;
use crate::settings::LogFormat;

/// Installs the process's logger (`RUST_LOG` filters, `info` by default).
pub fn init(format: LogFormat) {
    let mut builder = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    match format {
        LogFormat::Text => builder.format(|buf, record| {
            let rid = request_id::current().unwrap_or_else(|| "-".to_owned());
            writeln!(
                buf,
                "{} {:5} {} rid={} {}",
                buf.timestamp_micros(),
                record.level(),
                record.target(),
                rid,
                record.args()
            )
        }),
        LogFormat::Json => builder.format(|buf, record| writeln!(buf, "{}", json_line(record, Utc::now()))),
    };
    builder.init();
}

/// Says something to whoever runs the server: printed as it is in text, a log line in JSON (so
/// that every line of the output parses).
pub fn say(format: LogFormat, text: &str) {
    match format {
        LogFormat::Text => println!("{text}"),
        LogFormat::Json => log::info!(target: "ekinerja", "{text}"),
    }
}

/// One record as a JSON object: `time`, `level`, `target`, `request_id` (null outside a
/// request), `message`, then the record's key-values; a security event's own fields are merged in.
pub fn json_line(record: &log::Record<'_>, at: DateTime<Utc>) -> String {
    let mut line = Map::new();
    line.insert("time".into(), json!(at.to_rfc3339_opts(SecondsFormat::Micros, true)));
    line.insert("level".into(), json!(record.level().as_str()));
    line.insert("target".into(), json!(record.target()));
    line.insert("request_id".into(), json!(request_id::current()));
    let message = record.args().to_string();
    match serde_json::from_str::<Value>(&message) {
        Ok(Value::Object(event)) if record.target() == "security" => {
            line.insert("message".into(), event.get("event").cloned().unwrap_or(Value::Null));
            for (k, v) in event {
                // The request id stays the one of the request being handled.
                if k != "request_id" || line["request_id"].is_null() {
                    line.insert(k, v);
                }
            }
        }
        _ => {
            line.insert("message".into(), json!(message));
        }
    }
    let mut fields = Fields(&mut line);
    // A visitor that never fails: an error here would only come from it.
    let _ = record.key_values().visit(&mut fields);
    Value::Object(line).to_string()
}

struct Fields<'a>(&'a mut Map<String, Value>);

impl<'kvs> VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: KvValue<'kvs>) -> Result<(), log::kv::Error> {
        let value = if let Some(text) = value.to_borrowed_str() {
            json!(text)
        } else if let Some(n) = value.to_u64() {
            json!(n)
        } else if let Some(n) = value.to_i64() {
            json!(n)
        } else if let Some(f) = value.to_f64() {
            // Latencies to the microsecond are plenty.
            json!((f * 1000.0).round() / 1000.0)
        } else if let Some(b) = value.to_bool() {
            json!(b)
        } else if value.is_null_like() {
            Value::Null
        } else {
            json!(value.to_string())
        };
        self.0.insert(key.as_str().to_owned(), value);
        Ok(())
    }
}

/// Whether a key-value holds nothing: an absent `Option` (text was taken before, so a text
/// "None" never gets here).
trait NullLike {
    fn is_null_like(&self) -> bool;
}

impl NullLike for KvValue<'_> {
    fn is_null_like(&self) -> bool {
        self.to_string() == "None"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(record: &log::Record<'_>) -> Value {
        let text = json_line(record, DateTime::from_timestamp(1_800_000_000, 123_456_000).unwrap_or_default());
        assert!(!text.contains('\n'), "one line: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    #[test]
    fn an_access_line_carries_its_fields() {
        use log::kv::ToValue;
        let account: Option<&str> = Some("0190e2c4-0000-7000-8000-000000000001");
        let peer: Option<&str> = None;
        let kvs: [(&str, KvValue<'_>); 5] = [
            ("route", KvValue::from("/api/v1/daily-logs/{id}")),
            ("status", KvValue::from(404u16)),
            ("latency_ms", KvValue::from(1.23456f64)),
            ("account_id", account.to_value()),
            ("peer", peer.to_value()),
        ];
        let v = line(
            &log::Record::builder()
                .level(log::Level::Info)
                .target("access")
                .args(format_args!("127.0.0.1 \"GET /x\" 404 1.2ms"))
                .key_values(&kvs)
                .build(),
        );
        assert_eq!(v["time"], "2027-01-15T08:00:00.123456Z");
        assert_eq!(v["level"], "INFO");
        assert_eq!(v["target"], "access");
        assert_eq!(v["request_id"], Value::Null, "no request is being handled");
        assert_eq!(v["route"], "/api/v1/daily-logs/{id}");
        assert_eq!(v["status"], 404);
        assert_eq!(v["latency_ms"], 1.235);
        assert_eq!(v["account_id"], "0190e2c4-0000-7000-8000-000000000001");
        assert_eq!(v["peer"], Value::Null);
        assert_eq!(v["message"], "127.0.0.1 \"GET /x\" 404 1.2ms");
    }

    #[test]
    fn a_security_event_becomes_the_line_and_text_is_escaped() {
        let v = line(
            &log::Record::builder()
                .level(log::Level::Warn)
                .target("security")
                .args(format_args!("{}", json!({"event": "login_failed", "request_id": "r-1", "address": "10.0.0.1"})))
                .build(),
        );
        assert_eq!(v["message"], "login_failed");
        assert_eq!(v["event"], "login_failed");
        assert_eq!(v["address"], "10.0.0.1");
        assert_eq!(v["request_id"], "r-1");
        let v = line(
            &log::Record::builder()
                .level(log::Level::Info)
                .target("ekinerja")
                .args(format_args!("two\nlines with \"quotes\""))
                .build(),
        );
        assert_eq!(v["message"], "two\nlines with \"quotes\"");
    }
}
