//! Attendance events: pushed by the attendance system with an integration key, imported from a
//! CSV export by an admin, and read per employee; and the registry of fingerprint machines.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use ekinerja_domain::attendance::{instant_from_local, DeviceId, EventKind, EventSource, SourceEventId};
use ekinerja_domain::daily_log::Location;
use ekinerja_domain::field::Field;
use ekinerja_domain::id::{AccountId, AgencyId, AttendanceDeviceId, AttendanceEventId, EmployeeId};
use ekinerja_domain::network::{MachineSources, SourcesError};
use ekinerja_domain::{Description, IntegrationScope, Name, Nip};
use ekinerja_persistence::attendance::{self, Device, Event, EventFilter, EventInput, Outcome, Sender};
use ekinerja_persistence::{Change, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, list_of, page_request, utc};
use crate::call::Call;
use crate::error::{problem_fields, ApiError, Fields, ProblemField};
use crate::extract::{is_json, parse_json, Json};
use crate::integration::IntegrationCaller;
use crate::request_id;
use crate::routes::import::{read_csv, require_csv};
use crate::state::{db, AppState};

/// A stored attendance event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    #[schema(value_type = String, format = Uuid)]
    pub id: AttendanceEventId,
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    /// The attendance system's own id of the event.
    #[schema(example = "EP-100001")]
    pub source_event_id: String,
    pub source: EventSource,
    pub kind: EventKind,
    pub occurred_at: DateTime<Utc>,
    /// The date in the agency's time zone: the day the event counts for.
    pub local_date: NaiveDate,
    /// The time of day in the agency's time zone.
    #[schema(example = "07:23:00")]
    pub local_time: String,
    #[schema(example = "FP-SETDA-02")]
    pub device_id: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub received_at: DateTime<Utc>,
    /// Set when the agency's admin voided the event: it stays listed, and discipline leaves it
    /// out.
    pub voided_at: Option<DateTime<Utc>>,
    /// Who voided it.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub voided_by_account_id: Option<AccountId>,
    /// Why.
    #[schema(example = "Punch by a colleague's finger: the employee was on leave (laporan 12/XI)")]
    pub void_reason: Option<String>,
}

impl From<Event> for EventView {
    fn from(e: Event) -> Self {
        EventView {
            id: e.id,
            employee_id: e.employee_id,
            source_event_id: e.source_event_id,
            source: e.source,
            kind: e.kind,
            occurred_at: utc(e.occurred_at),
            local_date: e.local_date,
            local_time: e.local_time,
            device_id: e.device_id,
            latitude: e.latitude,
            longitude: e.longitude,
            received_at: utc(e.received_at),
            voided_at: e.voided_at.map(utc),
            voided_by_account_id: e.voided_by_account_id,
            void_reason: e.void_reason,
        }
    }
}

list_of!(EventList, EventView, "attendance events");

/// One event as the attendance system sends it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushEvent {
    /// The attendance system's own id of the event: a retry carries it again and is not stored
    /// twice.
    #[schema(example = "EP-100001")]
    pub source_event_id: String,
    #[schema(example = "198204032004011644")]
    pub nip: String,
    /// When it happened, RFC 3339 with an offset (`2026-11-02T07:23:00+07:00`).
    pub occurred_at: DateTime<FixedOffset>,
    pub kind: EventKind,
    /// The machine or app that recorded it.
    #[schema(example = "FP-SETDA-02")]
    pub device_id: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// A batch of events.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushBatch {
    /// 1 to 1,000 events, in any order.
    #[schema(value_type = Vec<PushEvent>, min_items = 1, max_items = 1000)]
    pub events: Vec<serde_json::Value>,
}

/// What became of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventOutcome {
    /// Stored now.
    Created,
    /// Stored before (the same source event id, employee, kind and instant); nothing new.
    Existing,
    /// Not stored; `errors` says why.
    Refused,
}

/// The result of one event of a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventResult {
    /// Position in the batch, from 0.
    pub index: usize,
    pub source_event_id: Option<String>,
    pub outcome: EventOutcome,
    /// The stored event's id (created or existing).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub event_id: Option<AttendanceEventId>,
    /// Why it was refused, one entry per field (`#/events/{index}/...`).
    pub errors: Vec<ProblemField>,
}

/// The answer to a batch: one result per event, in order, and the counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushResult {
    pub created: usize,
    pub existing: usize,
    pub refused: usize,
    pub items: Vec<EventResult>,
}

/// Largest batch.
pub const MAX_EVENTS: usize = 1_000;

fn results(outcomes: Vec<Outcome>, ids: Vec<Option<String>>, item: impl Fn(usize) -> Field) -> PushResult {
    let mut r = PushResult { created: 0, existing: 0, refused: 0, items: Vec::with_capacity(outcomes.len()) };
    for (index, (outcome, source_event_id)) in outcomes.into_iter().zip(ids).enumerate() {
        let (outcome, event_id, errors) = match outcome {
            Outcome::Created(id) => {
                r.created += 1;
                (EventOutcome::Created, Some(id), vec![])
            }
            Outcome::Existing(id) => {
                r.existing += 1;
                (EventOutcome::Existing, Some(id), vec![])
            }
            Outcome::Refused(errors) => {
                r.refused += 1;
                (EventOutcome::Refused, None, problem_fields(errors, &item(index)))
            }
        };
        r.items.push(EventResult { index, source_event_id, outcome, event_id, errors });
    }
    r
}

/// Checks one pushed event.
fn check_event(value: serde_json::Value) -> Result<EventInput, Vec<FieldError>> {
    let bytes = serde_json::to_vec(&value).unwrap_or_default();
    let e: PushEvent = parse_json(&bytes).map_err(|e| match e {
        ApiError::Validation(fields) => fields,
        other => vec![FieldError::new(Field::whole(), other.to_string())],
    })?;
    let mut f = Fields::new();
    let source_event_id = f.check("source_event_id", SourceEventId::parse(&e.source_event_id));
    let nip = f.check("nip", Nip::parse(&e.nip));
    let device_id = f.check_opt("device_id", e.device_id.as_deref(), DeviceId::parse);
    let location = f.check("latitude", Location::new(e.latitude, e.longitude));
    match (f.finish(), source_event_id, nip, device_id, location) {
        (Ok(()), Some(source_event_id), Some(nip), Some(device_id), Some(location)) => Ok(EventInput {
            source_event_id,
            nip,
            kind: e.kind,
            occurred_at: e.occurred_at.with_timezone(&Utc),
            device_id,
            location,
        }),
        (Err(ApiError::Validation(errors)), ..) => Err(errors),
        _ => Err(vec![FieldError::new(Field::whole(), "the event is not valid")]),
    }
}

/// Receives attendance events from the attendance system.
#[utoipa::path(post, path = "/api/v1/attendance-events/batch", tag = "attendance", operation_id = "push_attendance_events",
    summary = "Push attendance events (integration key with attendance_write): each event answered on its own",
    description = "Idempotent on `source_event_id`: an event sent again is `existing`, never stored twice, and the \
        same id with a different employee, kind or instant is refused. Events may come late and in any order; \
        each counts on its date in the agency's time zone. An unknown NIP or a malformed event is refused \
        on its own without sinking the batch. A key issued with a signing secret must sign every request \
        the Standard Webhooks way: `webhook-id`, `webhook-timestamp` (within five minutes) and \
        `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{raw body}`).",
    request_body = PushBatch,
    responses(
        (status = 200, description = "One result per event", body = PushResult),
        (status = 403, description = "The key lacks the attendance_write scope", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("integration_key" = [])))]
pub async fn push(
    state: web::Data<AppState>,
    key: IntegrationCaller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    key.require(IntegrationScope::AttendanceWrite)?;
    let now = state.now();
    key.verify_signature(&req, &body, now.timestamp())?;
    if !is_json(&req) {
        return Err(ApiError::UnsupportedMediaType("application/json"));
    }
    let batch: PushBatch = parse_json(&body)?;
    if batch.events.is_empty() || batch.events.len() > MAX_EVENTS {
        return Err(ApiError::field("events", format!("a batch holds 1 to {MAX_EVENTS} events")));
    }
    let ids: Vec<Option<String>> =
        batch.events.iter().map(|v| v.get("source_event_id").and_then(|s| s.as_str()).map(str::to_owned)).collect();
    let items: Vec<_> = batch.events.into_iter().map(check_event).collect();
    let sender = Sender {
        agency_id: key.integration.agency_id,
        source: EventSource::Push,
        integration_key_id: Some(key.integration.key_id),
        account_id: None,
        request_id: request_id::current(),
    };
    let at = ekinerja_persistence::timestamp(now);
    let outcomes = db(&state, move |conn| attendance::ingest(conn, &sender, items, at, false)).await?;
    state.metrics.stored(EventSource::Push, &outcomes);
    Ok(HttpResponse::Ok().json(results(outcomes, ids, |i| Field::named("events").at(i))))
}

/// Which events to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// First local date, inclusive.
    pub from: Option<NaiveDate>,
    /// Last local date, inclusive.
    pub to: Option<NaiveDate>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// An employee's attendance events.
#[utoipa::path(get, path = "/api/v1/employees/{id}/attendance-events", tag = "attendance", operation_id = "list_employee_attendance_events",
    summary = "An employee's attendance events",
    params(("id" = Uuid, Path, description = "Employee id"), EventQuery),
    responses((status = 200, description = "A page of events, in the order they were stored", body = EventList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, id: web::Path<Uuid>, q: web::Query<EventQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let id = id.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let filter = EventFilter { from: q.from, to: q.to };
    let now = call.state.now();
    let rows = call.read(move |conn, caller| attendance::list(conn, caller, id, &filter, &page, now)).await?;
    Ok(HttpResponse::Ok().json(EventList::from_page(rows, EventView::from)))
}

/// Options of an attendance import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AttendanceImportQuery {
    /// Check every line and store nothing.
    pub dry_run: Option<bool>,
    /// Platform admins only: the agency to import into.
    pub agency_id: Option<Uuid>,
}

/// A line of the file that was refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceLineError {
    /// Line number in the file; the header is line 1.
    pub line: u64,
    /// The column at fault, or empty for the whole line.
    pub column: String,
    pub detail: String,
}

/// What an attendance import did, or (dry run) would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceImportReport {
    pub dry_run: bool,
    /// Data lines read.
    pub rows: usize,
    pub created: usize,
    /// Lines whose event was stored before (by an earlier import or a push).
    pub existing: usize,
    pub refused: usize,
    /// Every refused line; the other lines are stored (unless a dry run).
    pub errors: Vec<AttendanceLineError>,
}

const ATTENDANCE_COLUMNS: &[&str] = &["nip", "tanggal", "jam", "jenis", "id_event"];

fn event_kind(s: &str) -> Result<EventKind, String> {
    match s.trim().to_uppercase().as_str() {
        "MASUK" | "IN" | "CHECK_IN" => Ok(EventKind::CheckIn),
        "PULANG" | "KELUAR" | "OUT" | "CHECK_OUT" => Ok(EventKind::CheckOut),
        _ => Err("must be MASUK (check-in) or PULANG (check-out)".into()),
    }
}

fn coordinate(s: &str) -> Result<Option<f64>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<f64>().map(Some).map_err(|_| "must be a decimal number".into())
}

/// An event ready to store, or why it cannot be.
type Item = Result<EventInput, Vec<FieldError>>;

/// Reads an e-Presensi export: one line per check-in or check-out, with the date and time in the
/// agency's time zone. Returns `(line, item)` per data line.
fn parse_attendance_csv(bytes: &[u8], offset: FixedOffset) -> Result<Vec<(u64, Item)>, ApiError> {
    let file = read_csv(bytes, ATTENDANCE_COLUMNS)?;
    let mut out = Vec::with_capacity(file.records.len());
    for (line, record) in &file.records {
        let record = match record {
            Ok(r) => r,
            Err(detail) => {
                out.push((*line, Err(vec![FieldError::new(Field::whole(), detail.clone())])));
                continue;
            }
        };
        let get = |name: &str| file.col(name).and_then(|i| record.get(i)).unwrap_or("");
        let mut f = Fields::new();
        let nip = f.check("nip", Nip::parse(get("nip")));
        let date = f.check(
            "tanggal",
            NaiveDate::parse_from_str(get("tanggal"), "%Y-%m-%d").map_err(|_| "must be a real date, YYYY-MM-DD"),
        );
        let time = f.check(
            "jam",
            NaiveTime::parse_from_str(get("jam"), "%H:%M:%S").map_err(|_| "must be a real time of day, HH:MM:SS"),
        );
        let kind = f.check("jenis", event_kind(get("jenis")));
        let source_event_id = f.check("id_event", SourceEventId::parse(get("id_event")));
        let device_id = f.check_opt("id_mesin", Some(get("id_mesin")).filter(|s| !s.is_empty()), DeviceId::parse);
        let lat = f.check("lintang", coordinate(get("lintang")));
        let lon = f.check("bujur", coordinate(get("bujur")));
        let location = match (lat, lon) {
            (Some(lat), Some(lon)) => f.check("lintang", Location::new(lat, lon)),
            _ => None,
        };
        let item = match (f.finish(), nip, date, time, kind, source_event_id, device_id, location) {
            (
                Ok(()),
                Some(nip),
                Some(date),
                Some(time),
                Some(kind),
                Some(source_event_id),
                Some(device_id),
                Some(location),
            ) => Ok(EventInput {
                source_event_id,
                nip,
                kind,
                occurred_at: instant_from_local(NaiveDateTime::new(date, time), offset),
                device_id,
                location,
            }),
            (Err(ApiError::Validation(errors)), ..) => Err(errors),
            _ => Err(vec![FieldError::new(Field::whole(), "the line is not valid")]),
        };
        out.push((*line, item));
    }
    Ok(out)
}

/// Imports an attendance export.
#[utoipa::path(post, path = "/api/v1/imports/attendance", tag = "imports", operation_id = "import_attendance",
    summary = "Import an e-Presensi attendance export (CSV): good lines are stored, bad ones reported",
    description = "Columns: `nip`, `tanggal` (YYYY-MM-DD), `jam` (HH:MM:SS, the agency's time zone), `jenis` \
        (MASUK or PULANG) and `id_event` (the attendance system's event id) are required; `id_mesin`, `lintang` \
        and `bujur` are optional. Idempotent like a push: a line whose `id_event` is stored already is \
        `existing`, so a corrected file can be uploaded again.",
    params(AttendanceImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file, UTF-8, header row first",
        example = json!("nip,tanggal,jam,jenis,id_event,id_mesin\n199003152015031002,2026-11-02,07:28:41,MASUK,EVT-20261102-0001,CKJH194560123\n199003152015031002,2026-11-02,16:05:12,PULANG,EVT-20261102-0002,CKJH194560123\n")),
    responses(
        (status = 200, description = "Imported (or, dry run, checked), with every refused line", body = AttendanceImportReport),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn import(
    call: Call,
    req: HttpRequest,
    q: web::Query<AttendanceImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_csv(&req)?;
    let q = q.into_inner();
    let agency_id = call.agency_to_write(q.agency_id, ekinerja_domain::access::Area::Discipline).await?;
    let dry_run = q.dry_run.unwrap_or(false);
    let offset = db(&call.state, move |conn| attendance::time_zone(conn, agency_id)).await?.offset();
    // Parsing a large file is CPU work: off the executor threads.
    let parsed = web::block(move || parse_attendance_csv(&body, offset))
        .await
        .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))??;
    let lines: Vec<u64> = parsed.iter().map(|(l, _)| *l).collect();
    let items: Vec<_> = parsed.into_iter().map(|(_, i)| i).collect();
    let sender = Sender {
        agency_id,
        source: EventSource::Import,
        integration_key_id: None,
        account_id: Some(call.caller.account_id),
        request_id: request_id::current(),
    };
    let at = ekinerja_persistence::timestamp(call.state.now());
    let outcomes = db(&call.state, move |conn| attendance::ingest(conn, &sender, items, at, dry_run)).await?;
    if !dry_run {
        call.state.metrics.stored(EventSource::Import, &outcomes);
    }
    let mut report =
        AttendanceImportReport { dry_run, rows: outcomes.len(), created: 0, existing: 0, refused: 0, errors: vec![] };
    for (line, outcome) in lines.into_iter().zip(outcomes) {
        match outcome {
            Outcome::Created(_) => report.created += 1,
            Outcome::Existing(_) => report.existing += 1,
            Outcome::Refused(errors) => {
                report.refused += 1;
                report.errors.extend(errors.into_iter().map(|e| AttendanceLineError {
                    line,
                    column: e.field.last_name().unwrap_or_default().to_owned(),
                    detail: e.detail,
                }));
            }
        }
    }
    Ok(HttpResponse::Ok().json(report))
}

/// A registered fingerprint machine.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceView {
    #[schema(value_type = String, format = Uuid)]
    pub id: AttendanceDeviceId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    /// The serial number the machine sends as `SN`.
    #[schema(example = "CKJH194560123")]
    pub serial_number: String,
    #[schema(example = "Mesin lobi Setda")]
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The networks the machine may push from.
    #[schema(example = json!(["203.0.113.7/32"]))]
    pub allowed_sources: Vec<String>,
    /// `true`: pushes are accepted from any address. A serial number is no secret, so such a
    /// machine lets anyone who reads it post punches: name its sources.
    pub allow_any_source: bool,
}

impl From<Device> for DeviceView {
    fn from(d: Device) -> Self {
        // Stored in the canonical comma-separated form the domain wrote.
        let allowed_sources = d.allowed_sources.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        DeviceView {
            allowed_sources,
            allow_any_source: d.allow_any_source,
            id: d.id,
            agency_id: d.agency_id,
            serial_number: d.serial_number,
            name: d.name,
            created_at: utc(d.created_at),
            last_seen_at: d.last_seen_at.map(utc),
            revoked_at: d.revoked_at.map(utc),
        }
    }
}

list_of!(DeviceList, DeviceView, "attendance machines");

/// A machine to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterDevice {
    /// Required for a platform admin; the admin's own agency otherwise.
    pub agency_id: Option<Uuid>,
    #[schema(example = "CKJH194560123")]
    pub serial_number: String,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        example = "Mesin lobi Setda",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    /// Addresses or CIDR networks the machine pushes from, such as the office's gateway
    /// (`203.0.113.7`, `10.20.0.0/24`); at most 32. A bare address is a network of one; a network
    /// with host bits set is refused. Required unless `allow_any_source` is `true`.
    #[serde(default)]
    #[schema(example = json!(["203.0.113.7"]), max_items = 32)]
    pub allowed_sources: Vec<String>,
    /// Accept pushes from any address (said explicitly; listings flag it). Not with
    /// `allowed_sources`.
    #[serde(default)]
    pub allow_any_source: bool,
}

/// Changes to a machine; a field left out is kept. Sources are replaced whole: send
/// `allowed_sources`, or `allow_any_source: true`, or both fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchDevice {
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        example = "Mesin lobi Setda",
        min_length = 1,
        max_length = 200
    )]
    pub name: Option<String>,
    #[schema(example = json!(["203.0.113.7", "10.20.0.0/24"]), max_items = 32)]
    pub allowed_sources: Option<Vec<String>>,
    pub allow_any_source: Option<bool>,
}

/// Why an event is voided.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidEvent {
    /// Kept with the event and in the audit trail.
    #[schema(
        example = "Punch by a colleague's finger: the employee was on leave (laporan 12/XI)",
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub reason: String,
}

/// The two fields of a machine's sources, checked together; errors point at the field at
/// fault (an entry of `allowed_sources` by its index).
fn check_sources(f: &mut Fields, allowed: &[String], any: bool) -> Option<MachineSources> {
    match MachineSources::new(allowed, any) {
        Ok(s) => Some(s),
        Err(e) => {
            let field = match &e {
                SourcesError::Network(n) => match n.item() {
                    Some(i) => Field::named("allowed_sources").at(i),
                    None => "allowed_sources".into(),
                },
                SourcesError::Missing => "allowed_sources".into(),
                SourcesError::Both => "allow_any_source".into(),
            };
            f.refuse(field, e.to_string());
            None
        }
    }
}

/// Paging of machines.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeviceQuery {
    /// Platform admins only: the agency to list.
    pub agency_id: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Registers a fingerprint machine.
#[utoipa::path(post, path = "/api/v1/attendance-devices", tag = "attendance", operation_id = "register_attendance_device",
    summary = "Register a fingerprint machine that pushes its log itself (ADMS/iclock)",
    description = "The machine's users are matched by PIN = the employee's NIP. Only registered, unrevoked serial \
        numbers may push, and only from `allowed_sources` (or from anywhere with `allow_any_source: true`). \
        A serial number registered already, by this agency or another, is refused with 409, naming no agency.",
    request_body = RegisterDevice,
    responses(
        (status = 201, description = "Registered", body = DeviceView, headers(("location" = String, description = "URL of the machine"))),
        crate::openapi::AdminOnly,
        (status = 409, description = "The serial number is registered already", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn register_device(call: Call, body: Json<RegisterDevice>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency = call.agency_to_write(b.agency_id, ekinerja_domain::access::Area::Administration).await?;
    let mut f = Fields::new();
    let serial = f.check("serial_number", DeviceId::parse(&b.serial_number));
    let name = f.check("name", Name::parse(&b.name));
    let sources = check_sources(&mut f, &b.allowed_sources, b.allow_any_source);
    f.finish()?;
    let (Some(serial), Some(name), Some(sources)) = (serial, name, sources) else {
        return Err(ApiError::field(Field::whole(), "invalid"));
    };
    let row = call
        .write(move |conn, change| attendance::register_device(conn, change, agency, &serial, &name, &sources))
        .await?;
    Ok(created(format!("/api/v1/attendance-devices/{}", row.id), &DeviceView::from(row)))
}

/// Lists fingerprint machines.
#[utoipa::path(get, path = "/api/v1/attendance-devices", tag = "attendance", operation_id = "list_attendance_devices",
    summary = "List the agency's fingerprint machines", params(DeviceQuery),
    responses(
        (status = 200, description = "A page of machines", body = DeviceList),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn list_devices(call: Call, q: web::Query<DeviceQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let rows = call.read(move |conn, caller| attendance::list_devices(conn, caller, q.agency_id, &page)).await?;
    Ok(HttpResponse::Ok().json(DeviceList::from_page(rows, DeviceView::from)))
}

/// Revokes a fingerprint machine.
#[utoipa::path(post, path = "/api/v1/attendance-devices/{id}/revoke", tag = "attendance", operation_id = "revoke_attendance_device",
    summary = "Stop accepting a machine's pushes", params(("id" = Uuid, Path, description = "Machine id")),
    responses((status = 200, description = "Revoked", body = DeviceView)),
    security(("bearer" = [])))]
pub async fn revoke_device(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.write(move |conn, change| attendance::revoke_device(conn, change, id)).await?;
    Ok(HttpResponse::Ok().json(DeviceView::from(row)))
}

/// Changes a fingerprint machine's name or sources.
#[utoipa::path(patch, path = "/api/v1/attendance-devices/{id}", tag = "attendance", operation_id = "update_attendance_device",
    summary = "Rename a machine or change the addresses it may push from",
    params(("id" = Uuid, Path, description = "Machine id")),
    request_body = PatchDevice,
    responses(
        (status = 200, description = "Changed", body = DeviceView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn update_device(call: Call, id: web::Path<Uuid>, body: Json<PatchDevice>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    call.may_write_in_own_agency(ekinerja_domain::access::Area::Administration).await?;
    let mut f = Fields::new();
    let name = f.check_opt("name", b.name.as_deref(), Name::parse);
    let sources = match (&b.allowed_sources, b.allow_any_source) {
        (None, None) => Some(None),
        (allowed, any) => check_sources(&mut f, allowed.as_deref().unwrap_or_default(), any.unwrap_or(false)).map(Some),
    };
    f.finish()?;
    let (Some(name), Some(sources)) = (name, sources) else { return Err(ApiError::field(Field::whole(), "invalid")) };
    let id = id.into_inner();
    let change = call.change();
    let patch = attendance::DevicePatch { name, sources };
    let row = db(&call.state, move |conn| attendance::update_device(conn, &change, id, patch)).await?;
    Ok(HttpResponse::Ok().json(DeviceView::from(row)))
}

/// Voids an attendance event.
#[utoipa::path(post, path = "/api/v1/attendance-events/{id}/void", tag = "attendance", operation_id = "void_attendance_event",
    summary = "Void an attendance event (a forged or mistaken punch), with a reason",
    description = "The event stays in the employee's events with who voided it and why; the day's discipline and \
        allowance runs computed from now on leave it out. The void is in the audit trail. Voiding again with the \
        same reason changes nothing; with another reason, 409. A source that sends the event again does not \
        bring it back.",
    params(("id" = Uuid, Path, description = "Event id")),
    request_body = VoidEvent,
    responses(
        (status = 200, description = "Voided", body = EventView),
        crate::openapi::AdminOnly,
        (status = 409, description = "Voided already, for another reason", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn void_event(call: Call, id: web::Path<Uuid>, body: Json<VoidEvent>) -> Result<HttpResponse, ApiError> {
    let reason = Description::parse(&body.0.reason).map_err(|e| ApiError::field("reason", e.to_string()))?;
    let id = id.into_inner();
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let row = db(&call.state, move |conn| attendance::void_event(conn, &change, id, &reason, now)).await?;
    Ok(HttpResponse::Ok().json(EventView::from(row)))
}
