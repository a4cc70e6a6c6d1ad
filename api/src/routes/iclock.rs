//! The ADMS ("iclock") push protocol of ZKTeco-style fingerprint machines, so an office's machine
//! sends its attendance log here directly with no middleware. A machine is known by its serial
//! number (`SN`), registered by the agency's admin; its users' PINs are the employees' NIPs and
//! its clock runs in the agency's time zone.
//!
//! The protocol: the machine asks `GET /iclock/cdata?SN=…&options=all` for its settings, posts
//! `ATTLOG` lines to `POST /iclock/cdata?SN=…&table=ATTLOG` and expects `OK: <count>`, and polls
//! `GET /iclock/getrequest?SN=…` for commands (there are none: `OK`).
//!
//! The protocol has no secret: a serial number is printed on the machine and travels in plain
//! HTTP. So a machine is accepted only from the networks its admin named (the office's
//! gateway), and an address that keeps presenting unknown serials is slowed down.

use actix_web::{http::header::ContentType, web, HttpRequest, HttpResponse};
use ekinerja_domain::attendance::{instant_from_local, parse_attlog_body, DeviceId, EventSource};
use ekinerja_domain::field::Field;
use ekinerja_domain::Nip;
use ekinerja_persistence::attendance::{self, EventInput, Outcome, Sender};
use ekinerja_persistence::FieldError;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::{db, AppState};
use crate::{request_id, security};

/// What a machine sends in the query string. Machines add more parameters (`pushver`,
/// `language`, …); those are ignored.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MachineQuery {
    /// The machine's serial number.
    #[serde(rename = "SN")]
    #[param(rename = "SN")]
    pub sn: String,
    /// The table a post carries: only `ATTLOG` is stored; others are acknowledged and dropped.
    pub table: Option<String>,
}

fn text(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::plaintext()).body(body)
}

/// The answer to every machine that may not push: an unknown serial, a revoked machine, and a
/// known machine at an address outside its allowed sources are told the same, so the answer
/// reveals nothing about which serials exist.
fn refused() -> ApiError {
    ApiError::Forbidden("this machine is not registered, or may not push from this address".into())
}

/// The registered machine and its agency, when it may push from where the request comes from.
/// `push` holds the size of an upload, which a refused known machine leaves in its agency's
/// audit trail.
async fn machine(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    sn: &str,
    push: Option<usize>,
) -> Result<(DeviceId, Uuid), ApiError> {
    let address = security::client_address(req);
    let now = state.now();
    if let Some(wait) = state.machines.blocked(address, now) {
        security::event("machine_rate_limited", json!({"address": address, "retry_after": wait}));
        return Err(ApiError::TooManyRequests(wait));
    }
    let Ok(serial) = DeviceId::parse(sn) else {
        state.machines.fail(address, now);
        security::event("machine_unknown_serial", json!({"address": address}));
        return Err(refused());
    };
    let lookup = serial.clone();
    let device = db(state, move |conn| attendance::device_by_serial(conn, &lookup)).await?;
    let Some(device) = device else {
        state.machines.fail(address, now);
        security::event("machine_unknown_serial", json!({"address": address, "serial": serial.as_str()}));
        return Err(refused());
    };
    let at = ekinerja_persistence::timestamp(now);
    if !device.sources()?.permits(address) {
        state.machines.fail(address, now);
        security::event(
            "machine_refused_source",
            json!({"address": address, "serial": serial.as_str(), "agency_id": device.agency_id, "push": push.is_some()}),
        );
        if let Some(bytes) = push {
            let rid = request_id::current();
            db(state, move |conn| attendance::record_refused_push(conn, &device, address, bytes, rid.as_deref(), at))
                .await?;
        }
        return Err(refused());
    }
    let agency = device.agency_id.uuid();
    db(state, move |conn| attendance::touch_device(conn, &device, at)).await?;
    Ok((serial, agency))
}

/// The machine's settings.
#[utoipa::path(get, path = "/iclock/cdata", tag = "attendance_machines", operation_id = "get_machine_options",
    summary = "A fingerprint machine asks for its push settings (ADMS handshake)", params(MachineQuery),
    responses(
        (status = 200, description = "The settings, as `key=value` lines", body = String, content_type = "text/plain"),
        crate::openapi::MachineRefused,
        crate::openapi::AddressThrottled,
    ))]
pub async fn options(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<MachineQuery>,
) -> Result<HttpResponse, ApiError> {
    let (serial, agency) = machine(&state, &req, &q.sn, None).await?;
    let tz = db(&state, move |conn| attendance::time_zone(conn, agency)).await?;
    let hours = tz.offset().local_minus_utc() / 3600;
    Ok(text(format!(
        "GET OPTION FROM: {serial}\nATTLOGStamp=None\nOPERLOGStamp=9999\nATTPHOTOStamp=None\nErrorDelay=30\n\
         Delay=10\nTransTimes=00:00;14:05\nTransInterval=1\nTransFlag=TransData AttLog\nTimeZone={hours}\n\
         Realtime=1\nEncrypt=None\n"
    )))
}

/// A machine's upload.
#[utoipa::path(post, path = "/iclock/cdata", tag = "attendance_machines", operation_id = "push_machine_log",
    summary = "A fingerprint machine uploads its attendance log (ATTLOG lines: PIN, time, status, verify mode, work code)",
    description = "Each line is stored once (a re-sent line is recognised by machine, PIN, time and status). \
        Status 0, 3 and 4 are check-ins; 1, 2 and 5 check-outs. Lines that cannot be stored (an unknown PIN, \
        a malformed line) are acknowledged so the machine moves on, and kept in the agency's audit trail with \
        the reason.",
    params(MachineQuery),
    request_body(content = String, content_type = "text/plain", description = "Tab-separated ATTLOG lines"),
    responses(
        (status = 200, description = "`OK: <lines received>`", body = String, content_type = "text/plain"),
        crate::openapi::MachineRefused,
        crate::openapi::AddressThrottled,
    ))]
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<MachineQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (serial, agency) = machine(&state, &req, &q.sn, Some(body.len())).await?;
    if !q.table.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("ATTLOG")) {
        // Operation logs, photos and user lists are not needed here.
        return Ok(text("OK".into()));
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let lines = parse_attlog_body(&body);
    let received = lines.len();
    let offset = db(&state, move |conn| attendance::time_zone(conn, agency)).await?.offset();
    let raw: Vec<&str> = body.lines().collect();
    let numbers: Vec<(usize, String)> =
        lines.iter().map(|(n, _)| (*n, raw.get(n.saturating_sub(1)).copied().unwrap_or_default().to_owned())).collect();
    let items: Vec<Result<EventInput, Vec<FieldError>>> = lines
        .into_iter()
        .map(|(_, line)| {
            let line = line.map_err(|e| vec![FieldError::new(Field::whole(), e.to_string())])?;
            let nip = Nip::parse(&line.pin)
                .map_err(|e| vec![FieldError::new("pin", format!("the PIN is not an employee's NIP: {e}"))])?;
            Ok(EventInput {
                source_event_id: line.source_event_id(&serial),
                nip,
                kind: line.kind,
                occurred_at: instant_from_local(line.local_time, offset),
                device_id: Some(serial.clone()),
                location: None,
            })
        })
        .collect();
    let sender = Sender {
        agency_id: agency,
        source: EventSource::Machine,
        integration_key_id: None,
        account_id: None,
        request_id: request_id::current(),
    };
    let now = ekinerja_persistence::timestamp(state.now());
    let serial_text = serial.as_str().to_owned();
    let metrics = state.metrics.clone();
    db(&state, move |conn| {
        let outcomes = attendance::ingest(conn, &sender, items, now, false)?;
        metrics.stored(EventSource::Machine, &outcomes);
        let refused: Vec<(usize, String, Vec<FieldError>)> = outcomes
            .into_iter()
            .zip(numbers)
            .filter_map(|(o, (n, raw))| match o {
                Outcome::Refused(e) => Some((n, raw, e)),
                _ => None,
            })
            .collect();
        if !refused.is_empty() {
            attendance::record_refused_lines(conn, &sender, &serial_text, &refused, now)?;
        }
        Ok(())
    })
    .await?;
    Ok(text(format!("OK: {received}")))
}

/// A machine polls for commands.
#[utoipa::path(get, path = "/iclock/getrequest", tag = "attendance_machines", operation_id = "get_machine_commands",
    summary = "A fingerprint machine polls for commands (there are none)", params(MachineQuery),
    responses(
        (status = 200, description = "`OK`", body = String, content_type = "text/plain"),
        crate::openapi::MachineRefused,
        crate::openapi::AddressThrottled,
    ))]
pub async fn commands(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<MachineQuery>,
) -> Result<HttpResponse, ApiError> {
    machine(&state, &req, &q.sn, None).await?;
    Ok(text("OK".into()))
}
