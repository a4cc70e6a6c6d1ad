//! Daily logs: single and batch creates from web and mobile, corrections, supervisor review,
//! and the change feed a phone pulls after being offline.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use ekinerja_domain::access::Area;
use ekinerja_domain::daily_log::{Decision, EvidenceUrl, Location, LogStatus, Span};
use ekinerja_domain::field::Field;
use ekinerja_domain::id::{DailyLogId, EmployeeId, PlannedResultId, PositionActivityId};
use ekinerja_domain::{Description, Name};
use ekinerja_persistence::daily_log::{self as store, Created, LogInput, NewLog, Serves};
use ekinerja_persistence::{Change, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{list_of, page_request, utc};
use crate::call::Call;
use crate::error::{ApiError, Fields, ProblemField};
use crate::extract::{parse_json, with_etag, HashedJson, IfMatch, Json};
use crate::idempotency::{claim, settle, Claim, Key, Stored};
use crate::request_id;
use crate::state::db;

/// A daily log.
#[derive(Debug, Serialize, ToSchema)]
pub struct DailyLogView {
    #[schema(value_type = String, format = Uuid)]
    pub id: DailyLogId,
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    /// The id the mobile app gave it.
    #[schema(format = Uuid)]
    pub client_id: Option<String>,
    pub date: NaiveDate,
    /// `HH:MM`.
    #[schema(example = "08:00")]
    pub start_time: Option<String>,
    /// `HH:MM`.
    #[schema(example = "10:30")]
    pub end_time: Option<String>,
    pub duration_minutes: i32,
    pub description: String,
    pub output_quantity: i64,
    pub output_unit: Option<String>,
    pub evidence_url: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The planned result it serves (tugas jabatan); `null` for an additional duty.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub planned_result_id: Option<PlannedResultId>,
    pub additional_duty: bool,
    /// The activity of the post's catalogue it performed (`/api/v1/positions/{id}/activities`),
    /// whose standard time weighs its output in workload analysis.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub activity_id: Option<PositionActivityId>,
    pub status: LogStatus,
    /// Why it was rejected.
    pub review_reason: Option<String>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub reviewed_by_employee_id: Option<EmployeeId>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Position in the employee's change feed.
    pub change_seq: i64,
    /// The version the `ETag` names.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<store::DailyLog> for DailyLogView {
    fn from(l: store::DailyLog) -> Self {
        DailyLogView {
            status: l.status,
            id: l.id,
            employee_id: l.employee_id,
            client_id: l.client_id,
            date: l.log_date,
            start_time: l.start_time,
            end_time: l.end_time,
            duration_minutes: l.duration_minutes,
            description: l.description,
            output_quantity: l.output_quantity,
            output_unit: l.output_unit,
            evidence_url: l.evidence_url,
            latitude: l.latitude,
            longitude: l.longitude,
            planned_result_id: l.planned_result_id,
            additional_duty: l.additional_duty,
            activity_id: l.activity_id,
            review_reason: l.review_reason,
            reviewed_by_employee_id: l.reviewed_by_employee_id,
            reviewed_at: l.reviewed_at.map(utc),
            change_seq: l.change_seq,
            version: l.version,
            created_at: utc(l.created_at),
            updated_at: utc(l.updated_at),
        }
    }
}

list_of!(DailyLogList, DailyLogView, "daily logs");

/// A log as written on the web or a phone. Give `start_time` and `end_time`, or
/// `duration_minutes`; and either `planned_result_id` or `additional_duty: true`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogBody {
    /// The app's own id for the log (UUID), so a retry creates nothing twice. Required in a
    /// batch.
    pub client_id: Option<Uuid>,
    /// The working day, in the agency's time zone.
    pub date: NaiveDate,
    /// `HH:MM`.
    #[schema(example = "08:00")]
    pub start_time: Option<String>,
    /// `HH:MM`, after `start_time`.
    #[schema(example = "10:30")]
    pub end_time: Option<String>,
    /// 1 to 1440; must match the time range when both are given.
    #[schema(example = 150)]
    pub duration_minutes: Option<i64>,
    /// What was done. (No pattern here: a log is also a batch item, whose text is judged per
    /// item, so an empty or unprintable one is that item's refusal, never the whole batch's.)
    #[schema(example = "Menyusun draf laporan kinerja triwulan")]
    pub description: String,
    /// Output produced, 0 or more.
    #[schema(example = 1)]
    pub output_quantity: i64,
    #[schema(example = "dokumen")]
    pub output_unit: Option<String>,
    /// An http(s) link to evidence.
    pub evidence_url: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// A planned result of the employee's own approved agreement.
    pub planned_result_id: Option<Uuid>,
    /// `true` for an additional duty (tugas tambahan) instead of a planned result.
    pub additional_duty: Option<bool>,
    /// The activity of the catalogue of the post held on the log's date that it performed
    /// (`/api/v1/positions/{id}/activities`); its output then counts by standard time.
    pub activity_id: Option<Uuid>,
    /// Evidence files uploaded before (`POST /api/v1/files`), at most 10: each one's own and
    /// proving no other log. A photo's position fills `latitude` and `longitude` when they are
    /// not given. (No `maxItems` here: a log is also a batch item, and an item with more files is
    /// that item's refusal, never the whole batch's.)
    #[serde(default)]
    pub evidence_file_ids: Vec<Uuid>,
}

/// Changes to a log; the rest stays as it is. Send `null` to clear an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogPatch {
    pub date: Option<NaiveDate>,
    /// `HH:MM`.
    #[serde(default, deserialize_with = "crate::extract::double_option")]
    #[schema(value_type = Option<String>, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "08:00")]
    pub start_time: Option<Option<String>>,
    /// `HH:MM`, after `start_time`.
    #[serde(default, deserialize_with = "crate::extract::double_option")]
    #[schema(value_type = Option<String>, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "10:30")]
    pub end_time: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::extract::double_option")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1440, example = 150)]
    pub duration_minutes: Option<Option<i64>>,
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 2000
    )]
    pub description: Option<String>,
    #[schema(minimum = 0, maximum = 1000000000)]
    pub output_quantity: Option<i64>,
    #[serde(default, deserialize_with = "crate::extract::double_option")]
    #[schema(pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$", value_type = Option<String>, min_length = 1, max_length = 200)]
    pub output_unit: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::extract::double_option")]
    #[schema(
        value_type = Option<String>,
        pattern = "^https?://(?:\\[(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:))\\](?::[0-9]+)?|[!$-.0-;=@-Z_a-z~]+)(?:[/?#][!#-;=?-\\[\\]_a-z~]*)?$",
        max_length = 2000
    )]
    pub evidence_url: Option<Option<String>>,
    /// With `longitude`: a position is corrected whole.
    #[serde(default, deserialize_with = "crate::extract::double_option")]
    #[schema(value_type = Option<f64>, minimum = -90, maximum = 90)]
    pub latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "crate::extract::double_option")]
    #[schema(value_type = Option<f64>, minimum = -180, maximum = 180)]
    pub longitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "crate::extract::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub planned_result_id: Option<Option<Uuid>>,
    pub additional_duty: Option<bool>,
    #[serde(default, deserialize_with = "crate::extract::double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub activity_id: Option<Option<Uuid>>,
}

/// A time of day, exactly `HH:MM` (two digits each, as the contract's pattern says: chrono alone
/// would also take `7:30` or ` 7:30`).
pub(crate) fn time(s: &str) -> Result<NaiveTime, &'static str> {
    let b = s.as_bytes();
    let shaped = b.len() == 5 && b[2] == b':' && [0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit());
    NaiveTime::parse_from_str(s, "%H:%M").ok().filter(|_| shaped).ok_or("must be a time of day HH:MM")
}

/// Parses a log body into domain values, every bad field named (a batch puts the item's place
/// in front).
pub fn parse_log(b: &LogBody) -> Result<LogInput, ApiError> {
    let mut f = Fields::new();
    let start = f.check_opt("start_time", b.start_time.as_deref(), time);
    let end = f.check_opt("end_time", b.end_time.as_deref(), time);
    let span = match (start, end) {
        (Some(s), Some(e)) => match Span::new(s, e, b.duration_minutes) {
            Ok(span) => Some(span),
            Err(err) => {
                use ekinerja_domain::daily_log::LogError;
                let field = match err {
                    LogError::EndBeforeStart => "end_time",
                    LogError::HalfRange if b.start_time.is_some() => "end_time",
                    LogError::HalfRange => "start_time",
                    _ => "duration_minutes",
                };
                f.refuse(field, err.to_string());
                None
            }
        },
        _ => None,
    };
    let description = f.check("description", Description::parse(&b.description));
    if !(0..=1_000_000_000).contains(&b.output_quantity) {
        f.refuse("output_quantity", "must be from 0 to 1000000000");
    }
    let unit = f.check_opt("output_unit", b.output_unit.as_deref(), Name::parse);
    let url = f.check_opt("evidence_url", b.evidence_url.as_deref(), EvidenceUrl::parse);
    let location = f.check("latitude", Location::new(b.latitude, b.longitude));
    let serves = match (b.planned_result_id, b.additional_duty) {
        (Some(r), None | Some(false)) => Some(Serves::Result(r)),
        (None, Some(true)) => Some(Serves::AdditionalDuty),
        (Some(_), Some(true)) => {
            f.refuse("additional_duty", "a log serves either a planned result or an additional duty, not both");
            None
        }
        (None, _) => {
            f.refuse("planned_result_id", "name the planned result the work served, or set additional_duty to true");
            None
        }
    };
    let (Some(span), Some(description), Some(output_unit), Some(evidence_url), Some(location), Some(serves)) =
        (span, description, unit, url, location, serves)
    else {
        return Err(f.into_error());
    };
    f.finish()?;
    Ok(LogInput {
        date: b.date,
        span,
        description,
        output_quantity: b.output_quantity,
        output_unit,
        evidence_url,
        location,
        serves,
        activity: b.activity_id,
    })
}

/// Records a log.
#[utoipa::path(post, path = "/api/v1/daily-logs", tag = "daily_logs", operation_id = "create_daily_log",
    summary = "Record a daily log of one's own work",
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "Makes a retry safe: the same key and body replay the first answer")),
    request_body = LogBody,
    responses(
        (status = 201, description = "Recorded", body = DailyLogView, headers(("location" = String, description = "URL of the log"))),
        (status = 200, description = "Recorded before under the same client_id with the same content; nothing new was created", body = DailyLogView),
        (status = 403, description = "Not an employee account", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The log overlaps another log of the same day, the client_id was used for a different log, or the same Idempotency-Key is still being processed", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(call: Call, key: Key, body: HashedJson<LogBody>) -> Result<HttpResponse, ApiError> {
    call.own_record(Area::DailyLogWrite)?;
    if let Claim::Respond(r) = claim(&call.state, &call.caller, &key, &body.hash).await? {
        return Ok(r);
    }
    let outcome = create_one(&call, body.value, body.hash).await;
    settle(&call.state, &call.caller, &key, &outcome).await;
    outcome.map(|s| s.respond(false))
}

async fn create_one(call: &Call, b: LogBody, hash: String) -> Result<Stored, ApiError> {
    let input = parse_log(&b)?;
    let now = call.state.now();
    let change = Change::new(call.caller.clone(), now, request_id::current());
    let new = NewLog {
        client_id: b.client_id,
        client_hash: b.client_id.map(|_| hash),
        input,
        evidence_file_ids: b.evidence_file_ids.clone(),
    };
    match call.state.logs.create(store::Job { change, new, now }).await? {
        Created::New(l) => {
            let location = format!("/api/v1/daily-logs/{}", l.id);
            Stored::json(StatusCode::CREATED, &DailyLogView::from(l), Some(location))
        }
        Created::Existing(l) => {
            let location = format!("/api/v1/daily-logs/{}", l.id);
            Stored::json(StatusCode::OK, &DailyLogView::from(l), Some(location))
        }
    }
}

/// Many logs at once, as a phone sends them after being offline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogBatch {
    /// 1 to 500 logs, each with its `client_id`.
    #[schema(value_type = Vec<LogBody>, min_items = 1, max_items = 500)]
    pub items: Vec<serde_json::Value>,
}

/// What became of a batch item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchOutcome {
    /// Stored now.
    Created,
    /// Stored by an earlier try under the same `client_id`; nothing new was created.
    Existing,
    /// Not stored; `errors` says why.
    Refused,
}

/// What became of one item of a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItemResult {
    /// Position of the item in the batch, from 0.
    pub index: usize,
    #[schema(format = Uuid)]
    pub client_id: Option<String>,
    pub outcome: BatchOutcome,
    /// The stored log (created or existing).
    pub log: Option<DailyLogView>,
    /// Why it was refused, one entry per field (`#/items/{index}/...`).
    pub errors: Vec<crate::error::ProblemField>,
}

/// The answer to a batch: one result per item, in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResult {
    pub items: Vec<BatchItemResult>,
}

/// Largest batch.
pub const MAX_BATCH: usize = 500;

/// A refused item, its reasons named under the item's place in the batch.
fn refused(index: usize, client_id: Option<String>, e: ApiError, item: &Field) -> BatchItemResult {
    let errors = match e.within(item) {
        ApiError::Validation(fields) => fields.iter().map(ProblemField::from).collect(),
        other => vec![ProblemField::from(&FieldError::new(item.clone(), other.to_string()))],
    };
    BatchItemResult { index, client_id, outcome: BatchOutcome::Refused, log: None, errors }
}

/// A batch item: answered already (refused while parsing) or waiting for the writer.
enum Slot {
    Done(Box<BatchItemResult>),
    Waiting { index: usize, client_id: Option<String>, item: Field, pending: crate::log_writer::Pending },
}

/// Records a batch of logs.
#[utoipa::path(post, path = "/api/v1/daily-logs/batch", tag = "daily_logs", operation_id = "create_daily_log_batch",
    summary = "Record many logs at once (mobile sync): each item answered on its own",
    description = "Each item needs a `client_id`. Retrying a batch creates nothing twice: items stored before \\
        come back as `existing` with the stored log. An item that is well-formed but breaks a rule (no \\
        `client_id`, times that do not add up, an overlap, the daily cap, a planned result that is not the \\
        caller's, a day outside the agreement, the same `client_id` with other content, more than 10 evidence \\
        files) is answered on its \\
        own as `refused`, its reasons under `#/items/{index}/...` (a conflict with a stored log, such as an \
        overlap, at `#/items/{index}`), and never sinks the others. An item that \\
        does not match the item schema (a wrong type, a missing required or an unknown field) makes the \\
        whole batch a 422 naming every such item, and nothing is stored. With an `Idempotency-Key`, a \\
        retry replays the first answer exactly.",
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "Replays the first answer to the same batch")),
    request_body = LogBatch,
    responses((status = 200, description = "One result per item, in order", body = BatchResult)),
    security(("bearer" = [])))]
pub async fn batch(call: Call, key: Key, body: HashedJson<LogBatch>) -> Result<HttpResponse, ApiError> {
    call.own_record(Area::DailyLogWrite)?;
    let items = body.value.items;
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(ApiError::field("items", format!("a batch holds 1 to {MAX_BATCH} logs")));
    }
    if let Claim::Respond(r) = claim(&call.state, &call.caller, &key, &body.hash).await? {
        return Ok(r);
    }
    let caller = call.caller.clone();
    // An item that does not match the item schema (a wrong type, a missing or unknown field) is
    // a broken client, not a log to refuse: the whole batch is a 422 naming every such item,
    // and nothing is stored. Rules are answered per item below.
    let mut parsed = Vec::with_capacity(items.len());
    let mut malformed = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let bytes = serde_json::to_vec(&item).unwrap_or_default();
        match parse_json::<LogBody>(&bytes) {
            Ok(body) => parsed.push((item, bytes, body)),
            Err(e) => match e.within(&Field::named("items").at(index)) {
                ApiError::Validation(fields) => malformed.extend(fields),
                other => return Err(other),
            },
        }
    }
    if !malformed.is_empty() {
        let outcome: Result<Stored, ApiError> = Err(ApiError::Validation(malformed));
        settle(&call.state, &caller, &key, &outcome).await;
        return outcome.map(|s| s.respond(false));
    }
    // Then every item is checked and the good ones queued for the writer, so that they are
    // recorded together; then the answers are collected in order.
    let mut slots: Vec<Slot> = Vec::with_capacity(parsed.len());
    for (index, (item, bytes, body)) in parsed.into_iter().enumerate() {
        let item_field = Field::named("items").at(index);
        let client_id = item.get("client_id").and_then(|c| c.as_str()).map(str::to_owned);
        let parsed = match body.client_id {
            None => Err(ApiError::field("client_id", "required in a batch")),
            Some(_) => Ok(body),
        };
        let body = match parsed {
            Ok(b) => b,
            Err(e) => {
                slots.push(Slot::Done(Box::new(refused(index, client_id, e, &item_field))));
                continue;
            }
        };
        let input = match parse_log(&body) {
            Ok(i) => i,
            Err(e) => {
                slots.push(Slot::Done(Box::new(refused(index, client_id, e, &item_field))));
                continue;
            }
        };
        let now = call.state.now();
        let change = Change::new(caller.clone(), now, request_id::current());
        let new = NewLog {
            client_id: body.client_id,
            client_hash: Some(crate::auth::token_hash_bytes(&bytes)),
            input,
            evidence_file_ids: body.evidence_file_ids.clone(),
        };
        match call.state.logs.submit(store::Job { change, new, now }) {
            Ok(pending) => slots.push(Slot::Waiting { index, client_id, item: item_field, pending }),
            Err(e) => slots.push(Slot::Done(Box::new(refused(index, client_id, e, &item_field)))),
        }
    }
    let mut results = Vec::with_capacity(slots.len());
    let mut failure = None;
    for slot in slots {
        let (index, client_id, item_field, pending) = match slot {
            Slot::Done(r) => {
                results.push(*r);
                continue;
            }
            Slot::Waiting { index, client_id, item, pending } => (index, client_id, item, pending),
        };
        let item = |outcome, log: store::DailyLog| BatchItemResult {
            index,
            client_id: client_id.clone(),
            outcome,
            log: Some(log.into()),
            errors: Vec::new(),
        };
        match crate::log_writer::settle(pending).await {
            Ok(Created::New(l)) => results.push(item(BatchOutcome::Created, l)),
            Ok(Created::Existing(l)) => results.push(item(BatchOutcome::Existing, l)),
            Err(e) if actix_web::ResponseError::status_code(&e).is_client_error() => {
                results.push(refused(index, client_id, e, &item_field))
            }
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    if let Some(e) = failure {
        settle(&call.state, &caller, &key, &Err(ApiError::Internal(e.to_string()))).await;
        return Err(e);
    }
    let outcome = Stored::json(StatusCode::OK, &BatchResult { items: results }, None);
    settle(&call.state, &caller, &key, &outcome).await;
    outcome.map(|s| s.respond(false))
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// One employee's logs: oneself, someone below, or anyone for the agency admin.
    pub employee_id: Option<Uuid>,
    /// `true`: the logs of one's direct subordinates (the review queue, with `status=submitted`).
    pub subordinates: Option<bool>,
    /// `true`: only the logs waiting for one's review (direct subordinates', the top official's for
    /// the agency admin, and those escalated to one as the next supervisor up), as `/me/tasks`
    /// counts them.
    pub awaiting_me: Option<bool>,
    pub status: Option<LogStatus>,
    /// From this date, inclusive.
    pub from: Option<NaiveDate>,
    /// To this date, inclusive.
    pub to: Option<NaiveDate>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Lists daily logs.
#[utoipa::path(get, path = "/api/v1/daily-logs", tag = "daily_logs", operation_id = "list_daily_logs",
    summary = "List daily logs: one's own by default; subordinates' for review; one employee's", params(LogQuery),
    responses((status = 200, description = "A page of logs", body = DailyLogList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<LogQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let filter = store::LogFilter {
        employee_id: q.employee_id,
        subordinates: q.subordinates.unwrap_or(false),
        awaiting_me: q.awaiting_me.unwrap_or(false),
        status: q.status,
        from: q.from,
        to: q.to,
    };
    let now = call.state.now();
    let rows = call.read(move |conn, caller| store::list(conn, caller, &filter, &page, now)).await?;
    Ok(HttpResponse::Ok().json(DailyLogList::from_page(rows, DailyLogView::from)))
}

/// Reads a daily log.
#[utoipa::path(get, path = "/api/v1/daily-logs/{id}", tag = "daily_logs", operation_id = "get_daily_log",
    summary = "Read a daily log", params(("id" = Uuid, Path, description = "Log id")),
    responses((status = 200, description = "The log", body = DailyLogView, headers(("etag" = String, description = "Version to send in If-Match")))),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = DailyLogId::from(id.into_inner());
    let now = call.state.now();
    let l = call.read(move |conn, caller| store::get(conn, caller, id, now)).await?;
    Ok(with_etag(HttpResponse::Ok(), l.version).json(DailyLogView::from(l)))
}

/// Merges a patch into a stored log, as the body it would have been.
fn merged(l: &store::DailyLog, p: LogPatch) -> LogBody {
    let serves_result = match (p.planned_result_id, p.additional_duty) {
        (Some(r), _) => r,
        (None, Some(true)) => None,
        (None, _) => l.planned_result_id.map(PlannedResultId::uuid),
    };
    let range_given = p.start_time.is_some() || p.end_time.is_some();
    LogBody {
        client_id: None,
        date: p.date.unwrap_or(l.log_date),
        start_time: p.start_time.unwrap_or_else(|| l.start_time.clone()),
        end_time: p.end_time.unwrap_or_else(|| l.end_time.clone()),
        // A new time range sets the duration; otherwise keep the stored one.
        duration_minutes: match p.duration_minutes {
            Some(d) => d,
            None if range_given => None,
            None if l.start_time.is_some() => None,
            None => Some(i64::from(l.duration_minutes)),
        },
        description: p.description.unwrap_or_else(|| l.description.clone()),
        output_quantity: p.output_quantity.unwrap_or(l.output_quantity),
        output_unit: p.output_unit.unwrap_or_else(|| l.output_unit.clone()),
        evidence_url: p.evidence_url.unwrap_or_else(|| l.evidence_url.clone()),
        latitude: p.latitude.unwrap_or(l.latitude),
        longitude: p.longitude.unwrap_or(l.longitude),
        planned_result_id: serves_result,
        additional_duty: if serves_result.is_some() { None } else { Some(true) },
        activity_id: p.activity_id.unwrap_or_else(|| l.activity_id.map(PositionActivityId::uuid)),
        // A correction keeps the files the log has.
        evidence_file_ids: Vec::new(),
    }
}

/// Corrects a daily log.
#[utoipa::path(patch, path = "/api/v1/daily-logs/{id}", tag = "daily_logs", operation_id = "update_daily_log",
    summary = "Correct one's own daily log; a rejected log goes back to review, an accepted one is read-only",
    params(("id" = Uuid, Path, description = "Log id"), ("If-Match" = String, Header, description = "ETag of the log")),
    request_body = LogPatch,
    responses(
        (status = 200, description = "The corrected log", body = DailyLogView, headers(("etag" = String, description = "New version"))),
        (status = 403, description = "Not one's own log, or accepted", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The log's day is in a closed evaluation period: its logs no longer change (moving a log into one is a 422 on `date`); or the change makes it overlap another log of the same day", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn update(
    call: Call,
    id: web::Path<Uuid>,
    body: Json<LogPatch>,
    version: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = DailyLogId::from(id.into_inner());
    let now = call.state.now();
    let caller = call.caller.clone();
    let current = db(&call.state, move |conn| store::get(conn, &caller, id, now)).await?;
    // A position is corrected whole: both coordinates (or both `null`), never one over the other's
    // stored value.
    if body.0.latitude.is_some() != body.0.longitude.is_some() {
        let missing = if body.0.latitude.is_some() { "longitude" } else { "latitude" };
        return Err(ApiError::field(missing, "send latitude and longitude together: a position is corrected whole"));
    }
    // A correction that leaves the link alone keeps it as stored, under whatever rule took it.
    let keeps_link = body.0.evidence_url.is_none();
    let mut whole = merged(&current, body.0);
    let kept = if keeps_link { whole.evidence_url.take() } else { None };
    let mut input = parse_log(&whole)?;
    if let Some(link) = kept {
        input.evidence_url = Some(EvidenceUrl::kept(link));
    }
    // A body the server refuses is refused before the precondition is judged (RFC 9110, 13.2.1).
    let version = version.version()?;
    let change = Change::new(call.caller, now, request_id::current());
    let l = db(&call.state, move |conn| store::update(conn, &change, id, version, input, now)).await?;
    Ok(with_etag(HttpResponse::Ok(), l.version).json(DailyLogView::from(l)))
}

/// A rejection's reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Why: what to correct.
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 2000
    )]
    pub reason: String,
}

/// Records a decision on the version `seen`, judged after the reason: a body the server refuses
/// is refused before the precondition (RFC 9110, 13.2.1).
async fn decide(
    call: Call,
    id: DailyLogId,
    seen: Result<i32, ApiError>,
    decision: Decision,
    reason: Option<String>,
) -> Result<store::DailyLog, ApiError> {
    if let Some(r) = &reason {
        Description::parse(r).map_err(|e| ApiError::field("reason", e.to_string()))?;
    }
    let seen = seen?;
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    db(&call.state, move |conn| store::review(conn, &change, id, seen, decision, reason, now)).await
}

/// Accepts a daily log.
#[utoipa::path(post, path = "/api/v1/daily-logs/{id}/accept", tag = "daily_logs", operation_id = "accept_daily_log",
    summary = "Accept a subordinate's daily log as it was seen (If-Match)",
    description = "The decision binds to the version the reviewer saw: a log corrected since (for instance widened \
        from 60 to 450 minutes) is refused with 412 and stays unreviewed; read it again and decide on what it says now.",
    params(("id" = Uuid, Path, description = "Log id"), ("If-Match" = String, Header, description = "The log's ETag (`\"v{version}\"`) as seen")),
    responses(
        (status = 200, description = "Accepted", body = DailyLogView),
        crate::openapi::DirectSupervisorOnly,
        (status = 409, description = "Not waiting for review, or its day is in a closed evaluation period", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The log changed since it was seen", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatchRequired,
    ),
    security(("bearer" = [])))]
pub async fn accept(
    call: Call,
    id: web::Path<Uuid>,
    if_match: crate::extract::IfMatch,
) -> Result<HttpResponse, ApiError> {
    let l = decide(call, id.into_inner().into(), if_match.version(), Decision::Accept, None).await?;
    Ok(HttpResponse::Ok().json(DailyLogView::from(l)))
}

/// Rejects a daily log with a reason.
#[utoipa::path(post, path = "/api/v1/daily-logs/{id}/reject", tag = "daily_logs", operation_id = "reject_daily_log",
    summary = "Reject a subordinate's daily log with a reason, as it was seen (If-Match)",
    description = "As accepting: a log changed since it was seen is refused with 412.",
    params(("id" = Uuid, Path, description = "Log id"), ("If-Match" = String, Header, description = "The log's ETag (`\"v{version}\"`) as seen")),
    request_body = RejectBody,
    responses(
        (status = 200, description = "Rejected", body = DailyLogView),
        crate::openapi::DirectSupervisorOnly,
        (status = 409, description = "Not waiting for review, or its day is in a closed evaluation period", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The log changed since it was seen", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatchRequired,
    ),
    security(("bearer" = [])))]
pub async fn reject(
    call: Call,
    id: web::Path<Uuid>,
    if_match: crate::extract::IfMatch,
    body: Json<RejectBody>,
) -> Result<HttpResponse, ApiError> {
    let l = decide(call, id.into_inner().into(), if_match.version(), Decision::Reject, Some(body.0.reason)).await?;
    Ok(HttpResponse::Ok().json(DailyLogView::from(l)))
}

/// One decision of a bulk review.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewItem {
    pub id: Uuid,
    /// The log's `version` as the reviewer saw it: a log changed since is refused for this item (412).
    pub version: i32,
    pub decision: Decision,
    /// Required to reject; judged per decision, as the batch's items are.
    pub reason: Option<String>,
}

/// Many decisions at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBatch {
    /// 1 to 500 decisions.
    #[schema(min_items = 1, max_items = 500)]
    pub items: Vec<ReviewItem>,
}

/// What became of one decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItemResult {
    #[schema(value_type = String, format = Uuid)]
    pub id: DailyLogId,
    /// `true` when the decision was recorded.
    pub ok: bool,
    pub log: Option<DailyLogView>,
    /// The problem, when not recorded.
    pub error: Option<crate::error::Problem>,
}

/// The answer to a bulk review, one result per decision in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewBatchResult {
    pub items: Vec<ReviewItemResult>,
}

/// Reviews many logs at once.
#[utoipa::path(post, path = "/api/v1/daily-logs/reviews", tag = "daily_logs", operation_id = "review_daily_logs",
    summary = "Accept or reject many subordinates' logs at once, each as seen (its version); each decision answered on its own",
    description = "The decisions are recorded in one transaction: a decision refused (not the caller's to make, the \
        log changed since its version, not waiting for review, a reason missing) is answered with its problem in its \
        item and the others stand; when the server fails, none is recorded and the whole request is answered with \
        the error.",
    request_body = ReviewBatch,
    responses((status = 200, description = "One result per decision, in order", body = ReviewBatchResult)),
    security(("bearer" = [])))]
pub async fn review_batch(call: Call, body: Json<ReviewBatch>) -> Result<HttpResponse, ApiError> {
    let items = body.0.items;
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(ApiError::field("items", format!("a review holds 1 to {MAX_BATCH} decisions")));
    }
    let refused = |id: DailyLogId, e: ApiError| {
        let mut p = crate::error::Problem::of(&e, actix_web::ResponseError::status_code(&e));
        p.request_id = request_id::current();
        ReviewItemResult { id, ok: false, log: None, error: Some(p) }
    };
    // A reason that is no description is refused on its own; the other decisions are recorded
    // in one transaction, each answered on its own.
    let now = call.state.now();
    let change = Change::new(call.caller.clone(), now, request_id::current());
    let mut results: Vec<(DailyLogId, Option<ReviewItemResult>)> = Vec::with_capacity(items.len());
    let mut decisions = Vec::new();
    for item in items {
        let id = DailyLogId::from(item.id);
        match item.reason.as_deref().map(Description::parse).transpose() {
            Err(e) => results.push((id, Some(refused(id, ApiError::field("reason", e.to_string()))))),
            Ok(_) => {
                results.push((id, None));
                let review = store::Review { id, seen: item.version, decision: item.decision, reason: item.reason };
                decisions.push((change.clone(), review));
            }
        }
    }
    let mut decided = db(&call.state, move |conn| store::review_many(conn, decisions, now)).await?.into_iter();
    let results = results
        .into_iter()
        .map(|(id, slot)| match slot {
            Some(r) => Ok(r),
            None => match decided.next() {
                Some(Ok(l)) => Ok(ReviewItemResult { id, ok: true, log: Some(l.into()), error: None }),
                Some(Err(e)) => Ok(refused(id, ApiError::from(e))),
                None => Err(ApiError::Internal("a decision of the batch went unanswered".into())),
            },
        })
        .collect::<Result<Vec<_>, _>>();
    Ok(HttpResponse::Ok().json(ReviewBatchResult { items: results? }))
}

/// Paging of the change feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    /// The `next_cursor` of the last pull; absent for everything.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// What changed since the last pull.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogChanges {
    /// Logs created, corrected or reviewed since the cursor, in the order they changed, each
    /// in its current state.
    pub items: Vec<DailyLogView>,
    /// Pass back as `cursor` next time (also when `items` is empty).
    pub next_cursor: String,
}

/// The caller's log change feed.
#[utoipa::path(get, path = "/api/v1/me/daily-logs/changes", tag = "daily_logs", operation_id = "list_my_daily_log_changes",
    summary = "My daily logs changed since a cursor (edits and review results made elsewhere)", params(ChangesQuery),
    responses((status = 200, description = "The changes, oldest first", body = LogChanges)),
    security(("bearer" = [])))]
pub async fn changes(call: Call, q: web::Query<ChangesQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let after = match q.cursor.as_deref() {
        None => 0,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::BadParameter("cursor is not one this API issued".into()))?,
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::BadParameter("limit must be from 1 to 200".into()));
    }
    let (rows, next) = call.read(move |conn, caller| store::changes(conn, caller, after, limit)).await?;
    Ok(HttpResponse::Ok()
        .json(LogChanges { items: rows.into_iter().map(DailyLogView::from).collect(), next_cursor: next.to_string() }))
}
