//! The `security` log target, captured: tests read the structured events a request wrote. The
//! capture is process-wide (a logger is global), so a test picks its own lines by request id.

use std::sync::{Mutex, OnceLock};

use serde_json::Value;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == "security"
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            LINES.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(record.args().to_string());
        }
    }

    fn flush(&self) {}
}

/// Starts capturing (once per process).
pub fn capture() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        if log::set_boxed_logger(Box::new(Capture)).is_ok() {
            log::set_max_level(log::LevelFilter::Info);
        }
    });
}

/// The security events written while handling the request with this id, each a JSON object
/// with at least `event` and `request_id`.
pub fn events_of(request_id: &str) -> Vec<Value> {
    LINES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["request_id"] == request_id)
        .collect()
}

/// The names of the security events of a request.
pub fn event_names(request_id: &str) -> Vec<String> {
    events_of(request_id).iter().filter_map(|v| v["event"].as_str().map(str::to_owned)).collect()
}
