//! HTTP handlers, one module per resource. A handler extracts (caller, path, query, body), calls
//! one persistence function and maps the result to a response: no SQL and no rules here.

pub mod acting;
pub mod activity;
pub mod agency;
pub mod agreement;
pub mod allowance;
pub mod analysis;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cascade;
pub mod comparison;
pub mod daily_log;
pub mod dashboard;
pub mod discipline;
pub mod distribution_pattern;
pub mod employee;
pub mod evaluation;
pub mod evidence;
pub mod health;
pub mod iclock;
pub mod import;
pub mod integration;
pub mod integration_key;
pub mod job;
pub mod leave;
pub mod me;
pub mod monitoring;
pub mod org_unit;
pub mod period;
pub mod position;
pub mod progress;
pub mod role_grant;
pub mod shift;
pub mod webhook_subscription;

use chrono::{DateTime, NaiveDateTime, Utc};
use ekinerja_persistence::{page, PageRequest};
use uuid::Uuid;

use crate::error::ApiError;

/// Stored UTC timestamp to an instant.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// The years a date, month or year in a request may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The first day of a `YYYY-MM` month from 2000 to 2100; `None` for anything else.
pub fn month_of(text: &str) -> Option<chrono::NaiveDate> {
    use chrono::Datelike;
    // Exactly the documented pattern (four digits, a dash, two digits), which chrono alone does
    // not hold to: it reads `02026-1` as January 2026.
    let b = text.as_bytes();
    let shaped = b.len() == 7 && b[4] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit());
    chrono::NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .ok()
        .filter(|d| shaped && YEARS.contains(&d.year()))
}

/// A `month` query parameter, `YYYY-MM` from 2000 to 2100; a bad parameter otherwise.
pub fn query_month(text: &str) -> Result<chrono::NaiveDate, ApiError> {
    month_of(text).ok_or_else(|| ApiError::BadParameter("month must be YYYY-MM, from 2000 to 2100".into()))
}

/// Checks `limit` and `cursor` of a list request.
pub fn page_request(limit: Option<i64>, cursor: Option<String>) -> Result<PageRequest, ApiError> {
    let limit = limit.unwrap_or(page::DEFAULT_LIMIT);
    if !(1..=page::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadParameter(format!("limit must be from 1 to {}", page::MAX_LIMIT)));
    }
    let after = match cursor {
        None => None,
        Some(c) => {
            Some(Uuid::parse_str(&c).map_err(|_| ApiError::BadParameter("cursor is not one this API issued".into()))?)
        }
    };
    Ok(PageRequest { limit, after })
}

/// Declares a list response type `{items, next_cursor}` for one item type.
macro_rules! list_of {
    ($name:ident, $item:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, ".")]
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            /// The items of this page, in a stable order.
            pub items: Vec<$item>,
            /// Pass as `cursor` to read the next page; `null` on the last page.
            pub next_cursor: Option<String>,
        }

        impl $name {
            /// Wraps a page of stored rows.
            pub fn from_page<T>(page: ekinerja_persistence::Page<T>, f: impl FnMut(T) -> $item) -> Self {
                let page = page.map(f);
                $name { items: page.items, next_cursor: page.next_cursor }
            }
        }
    };
}
pub(crate) use list_of;

/// A `201 Created` with `Location`.
pub fn created<T: serde::Serialize>(location: String, body: &T) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Created().insert_header((actix_web::http::header::LOCATION, location)).json(body)
}
