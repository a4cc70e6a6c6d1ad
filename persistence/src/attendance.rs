//! Attendance events from e-Presensi, fingerprint machines and imported exports: stored once per
//! source event id, late and out of order alike, each on its local date in the agency's time zone.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::Subject;
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::attendance::{DeviceId, EventKind, EventSource, SourceEventId};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::daily_log::Location;
use ekinerja_domain::id::{AccountId, AgencyId, AttendanceDeviceId, AttendanceEventId, EmployeeId, IntegrationKeyId};
use ekinerja_domain::network::{MachineSources, Networks};
use ekinerja_domain::{Caller, Description, Name, Nip, TimeZone};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{agencies, attendance_devices, attendance_events, employees};
use crate::word::{Bind, Word};
use crate::{audit, db::Backend, Change, DbConnection, FieldError, Page, PageRequest, StoreError};

/// A stored event.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = attendance_events, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Event {
    #[diesel(serialize_as = crate::key::Bind<AttendanceEventId>)]
    pub id: AttendanceEventId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<EmployeeId>)]
    pub employee_id: EmployeeId,
    pub source_event_id: String,
    #[diesel(serialize_as = crate::word::Bind<EventSource>)]
    pub source: EventSource,
    #[diesel(serialize_as = crate::word::Bind<EventKind>)]
    pub kind: EventKind,
    pub occurred_at: NaiveDateTime,
    pub local_date: NaiveDate,
    pub local_time: String,
    pub device_id: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    #[diesel(serialize_as = crate::key::BindOption<IntegrationKeyId>)]
    pub integration_key_id: Option<IntegrationKeyId>,
    pub received_at: NaiveDateTime,
    /// When the agency's admin voided it: discipline leaves it out from then on.
    pub voided_at: Option<NaiveDateTime>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub voided_by_account_id: Option<AccountId>,
    pub void_reason: Option<String>,
}

/// One event as a source sent it, already checked field by field.
#[derive(Debug, Clone)]
pub struct EventInput {
    pub source_event_id: SourceEventId,
    pub nip: Nip,
    pub kind: EventKind,
    pub occurred_at: DateTime<Utc>,
    pub device_id: Option<DeviceId>,
    pub location: Option<Location>,
}

/// What happened to one event of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Stored now.
    Created(AttendanceEventId),
    /// Stored before with the same content: a retry, answered the same.
    Existing(AttendanceEventId),
    /// Refused, with the reasons.
    Refused(Vec<FieldError>),
}

/// Who sends a batch.
#[derive(Debug, Clone)]
pub struct Sender {
    pub agency_id: Uuid,
    pub source: EventSource,
    /// The integration key, for pushes.
    pub integration_key_id: Option<Uuid>,
    /// The admin's account, for imports.
    pub account_id: Option<Uuid>,
    pub request_id: Option<String>,
}

/// The agency's time zone.
pub fn time_zone(conn: &mut DbConnection, agency_id: Uuid) -> Result<TimeZone, StoreError> {
    Ok(agencies::table.find(crate::key::bind(AgencyId::from(agency_id))).select(agencies::time_zone).first(conn)?)
}

fn same(stored: &Event, new: &Event) -> bool {
    stored.employee_id == new.employee_id && stored.kind == new.kind && stored.occurred_at == new.occurred_at
}

/// Stores a batch of events in one transaction: each item is created, found to exist already (the
/// same source event id with the same employee, kind and instant), or refused on its own (an
/// unknown NIP, a source event id already used for a different event). `items` holds the items
/// that failed to parse as `Err` so that results keep the batch's order. With `dry_run` nothing
/// is stored and the outcomes say what would happen.
pub fn ingest(
    conn: &mut DbConnection,
    sender: &Sender,
    items: Vec<Result<EventInput, Vec<FieldError>>>,
    at: NaiveDateTime,
    dry_run: bool,
) -> Result<Vec<Outcome>, StoreError> {
    let agency = AgencyId::from(sender.agency_id);
    let run = |conn: &mut DbConnection| -> Result<Vec<Outcome>, StoreError> {
        let offset = time_zone(conn, sender.agency_id)?.offset();
        let mut nips: Vec<&str> = items.iter().filter_map(|i| i.as_ref().ok()).map(|e| e.nip.as_str()).collect();
        nips.sort_unstable();
        nips.dedup();
        let mut known: HashMap<String, EmployeeId> = HashMap::new();
        // In chunks: a big import names more NIPs than a statement may bind.
        for chunk in nips.chunks(500) {
            known.extend(
                employees::table
                    .filter(employees::agency_id.eq(crate::key::bind(agency)))
                    .filter(employees::nip.eq_any(chunk))
                    .select((employees::nip, employees::id))
                    .load::<(String, EmployeeId)>(conn)?,
            );
        }
        let ids: Vec<&str> = items.iter().filter_map(|i| i.as_ref().ok()).map(|e| e.source_event_id.as_str()).collect();
        let mut stored: HashMap<String, Event> = HashMap::new();
        for chunk in ids.chunks(500) {
            for e in attendance_events::table
                .filter(attendance_events::agency_id.eq(crate::key::bind(agency)))
                .filter(attendance_events::source_event_id.eq_any(chunk))
                .select(Event::as_select())
                .load::<Event>(conn)?
            {
                stored.insert(e.source_event_id.clone(), e);
            }
        }
        let mut outcomes = Vec::with_capacity(items.len());
        let mut fresh: Vec<(usize, Event)> = Vec::new();
        for item in items {
            let input = match item {
                Ok(input) => input,
                Err(errors) => {
                    outcomes.push(Outcome::Refused(errors));
                    continue;
                }
            };
            let Some(employee_id) = known.get(input.nip.as_str()) else {
                outcomes.push(Outcome::Refused(vec![FieldError::new("nip", "no employee of the agency has this NIP")]));
                continue;
            };
            if let Err(why) = plausible(input.occurred_at, at) {
                outcomes.push(Outcome::Refused(vec![FieldError::new("occurred_at", why)]));
                continue;
            }
            let local = input.occurred_at.with_timezone(&offset).naive_local();
            let event = Event {
                id: crate::key::new(),
                agency_id: agency,
                employee_id: *employee_id,
                source_event_id: input.source_event_id.as_str().to_owned(),
                source: sender.source,
                kind: input.kind,
                occurred_at: crate::timestamp(input.occurred_at),
                local_date: local.date(),
                local_time: local.time().format("%H:%M:%S").to_string(),
                device_id: input.device_id.map(|d| d.as_str().to_owned()),
                latitude: input.location.map(|l| l.latitude),
                longitude: input.location.map(|l| l.longitude),
                integration_key_id: sender.integration_key_id.map(IntegrationKeyId::from),
                received_at: at,
                voided_at: None,
                voided_by_account_id: None,
                void_reason: None,
            };
            match stored.get(&event.source_event_id) {
                Some(old) if same(old, &event) => outcomes.push(Outcome::Existing(old.id)),
                Some(_) => outcomes.push(Outcome::Refused(vec![FieldError::new(
                    "source_event_id",
                    "this source event id was already used for a different event",
                )])),
                None => {
                    outcomes.push(Outcome::Created(event.id));
                    stored.insert(event.source_event_id.clone(), event.clone());
                    fresh.push((outcomes.len() - 1, event));
                }
            }
        }
        if dry_run {
            return Ok(outcomes);
        }
        let inserted = insert_events(conn, &fresh)?;
        let mut stored_now = Vec::with_capacity(fresh.len());
        for (index, event) in &fresh {
            let index = *index;
            if inserted.contains(&event.id) {
                stored_now.push(event);
            } else {
                // Stored by a concurrent batch since it was looked up: tell this item apart.
                let now_stored: Event = attendance_events::table
                    .filter(attendance_events::agency_id.eq(crate::key::bind(agency)))
                    .filter(attendance_events::source_event_id.eq(&event.source_event_id))
                    .select(Event::as_select())
                    .first(conn)?;
                outcomes[index] = if same(&now_stored, event) {
                    Outcome::Existing(now_stored.id)
                } else {
                    Outcome::Refused(vec![FieldError::new(
                        "source_event_id",
                        "this source event id was already used for a different event",
                    )])
                };
            }
        }
        crate::attendance_day::add(conn, &stored_now)?;
        let created = outcomes.iter().filter(|o| matches!(o, Outcome::Created(_))).count();
        if created > 0 {
            #[derive(Serialize)]
            struct Batch<'a> {
                source: &'a str,
                integration_key_id: Option<String>,
                account_id: Option<String>,
                received: usize,
                created: usize,
            }
            let batch = Batch {
                source: sender.source.as_str(),
                integration_key_id: sender.integration_key_id.map(|k| k.to_string()),
                account_id: sender.account_id.map(|a| a.to_string()),
                received: outcomes.len(),
                created,
            };
            audit::record_system(
                conn,
                at,
                sender.request_id.as_deref(),
                agency,
                AuditAction::Ingest,
                AuditEntity::AttendanceEvents,
                Uuid::now_v7(),
                &batch,
            )?;
        }
        if let Some(key) = sender.integration_key_id {
            crate::integration_key::touch(conn, key, at)?;
        }
        Ok(outcomes)
    };
    if dry_run {
        run(conn)
    } else {
        crate::db::write(conn, run)
    }
}

/// Events in one statement on PostgreSQL: fourteen values each, well under its limit.
const EVENTS_PER_STATEMENT: usize = 500;

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = crate::key::Key<AttendanceEventId>)]
    id: AttendanceEventId,
}

/// Inserts new events in multi-row statements, leaving out any whose source event id is stored
/// already (a concurrent batch carrying the same event), so the rest of the batch goes on
/// instead of failing on the unique index. Answers the ids it stored.
fn insert_events(conn: &mut DbConnection, events: &[(usize, Event)]) -> Result<HashSet<AttendanceEventId>, StoreError> {
    use crate::key::Key;
    use diesel::sql_types::{Date, Double, Nullable, Text, Timestamp};
    let mut inserted = HashSet::with_capacity(events.len());
    if let DbConnection::Sqlite(_) = conn {
        // No round trips to save on SQLite, and a statement a row (prepared once) measured faster.
        for (_, e) in events {
            if insert_event(conn, e)? {
                inserted.insert(e.id);
            }
        }
        return Ok(inserted);
    }
    for chunk in events.chunks(EVENTS_PER_STATEMENT) {
        let values = crate::db::values_list(conn, chunk.len(), 14);
        let mut q = diesel::sql_query(format!(
            "INSERT INTO attendance_events (id, agency_id, employee_id, source_event_id, source, kind, occurred_at, \
             local_date, local_time, device_id, latitude, longitude, integration_key_id, received_at) \
             VALUES {} ON CONFLICT (agency_id, source_event_id) DO NOTHING RETURNING id",
            values
        ))
        .into_boxed::<Backend>();
        for (_, e) in chunk {
            q = q
                .bind::<Key<AttendanceEventId>, _>(crate::key::bind(e.id))
                .bind::<Key<AgencyId>, _>(crate::key::bind(e.agency_id))
                .bind::<Key<EmployeeId>, _>(crate::key::bind(e.employee_id))
                .bind::<Text, _>(e.source_event_id.clone())
                .bind::<Word, _>(Bind(e.source))
                .bind::<Word, _>(Bind(e.kind))
                .bind::<Timestamp, _>(e.occurred_at)
                .bind::<Date, _>(e.local_date)
                .bind::<Text, _>(e.local_time.clone())
                .bind::<Nullable<Text>, _>(e.device_id.clone())
                .bind::<Nullable<Double>, _>(e.latitude)
                .bind::<Nullable<Double>, _>(e.longitude)
                .bind::<Nullable<Key<IntegrationKeyId>>, _>(crate::key::BindOption::from(e.integration_key_id))
                .bind::<Timestamp, _>(e.received_at);
        }
        inserted.extend(q.load::<Inserted>(conn)?.into_iter().map(|r| r.id));
    }
    Ok(inserted)
}

/// Inserts one new event (SQLite) unless one with its source event id is stored already (a concurrent
/// batch carrying the same event): `false` then, and nothing happens, so the rest of the batch
/// goes on instead of failing on the unique index.
fn insert_event(conn: &mut DbConnection, e: &Event) -> Result<bool, StoreError> {
    use crate::key::Key;
    use diesel::sql_types::{Date, Double, Nullable, Text, Timestamp};
    let n = diesel::sql_query(
        "INSERT INTO attendance_events (id, agency_id, employee_id, source_event_id, source, kind, occurred_at, \
         local_date, local_time, device_id, latitude, longitude, integration_key_id, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (agency_id, source_event_id) DO NOTHING",
    )
    .bind::<Key<AttendanceEventId>, _>(crate::key::bind(e.id))
    .bind::<Key<AgencyId>, _>(crate::key::bind(e.agency_id))
    .bind::<Key<EmployeeId>, _>(crate::key::bind(e.employee_id))
    .bind::<Text, _>(&e.source_event_id)
    .bind::<Word, _>(Bind(e.source))
    .bind::<Word, _>(Bind(e.kind))
    .bind::<Timestamp, _>(e.occurred_at)
    .bind::<Date, _>(e.local_date)
    .bind::<Text, _>(&e.local_time)
    .bind::<Nullable<Text>, _>(&e.device_id)
    .bind::<Nullable<Double>, _>(e.latitude)
    .bind::<Nullable<Double>, _>(e.longitude)
    .bind::<Nullable<Key<IntegrationKeyId>>, _>(crate::key::BindOption::from(e.integration_key_id))
    .bind::<Timestamp, _>(e.received_at)
    .execute(conn)?;
    Ok(n == 1)
}

/// How far ahead of the server's clock an event may be (clocks of machines drift).
const MAX_AHEAD_MINUTES: i64 = 5;
/// How old an event may be: a machine whose clock was reset sends punches from years ago.
const MAX_AGE_DAYS: i64 = 400;

/// Refuses an event from the future or from long ago.
fn plausible(occurred_at: DateTime<Utc>, received: NaiveDateTime) -> Result<(), String> {
    let at = occurred_at.naive_utc();
    if at > received + chrono::Duration::minutes(MAX_AHEAD_MINUTES) {
        return Err(format!("lies in the future (more than {MAX_AHEAD_MINUTES} minutes ahead of the server's clock)"));
    }
    if at < received - chrono::Duration::days(MAX_AGE_DAYS) {
        return Err(format!("is more than {MAX_AGE_DAYS} days old; check the clock of the machine that recorded it"));
    }
    Ok(())
}

/// Filters for reading events.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// An employee's events (for whoever may read the employee), by local date and time.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    employee_id: Uuid,
    filter: &EventFilter,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<Event>, StoreError> {
    let employee = crate::employee::get_for(conn, caller, employee_id, ekinerja_domain::access::Area::Discipline, now)?;
    let mut q = attendance_events::table
        .filter(attendance_events::employee_id.eq(crate::key::bind(employee.id)))
        .select(Event::as_select())
        .into_boxed::<Backend>();
    if let Some(from) = filter.from {
        q = q.filter(attendance_events::local_date.ge(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(attendance_events::local_date.le(to));
    }
    if let Some(after) = &page.after {
        q = q.filter(attendance_events::id.gt(crate::key::bind(AttendanceEventId::from(*after))));
    }
    let rows = q.order(attendance_events::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// A registered fingerprint machine.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = attendance_devices, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Device {
    #[diesel(serialize_as = crate::key::Bind<AttendanceDeviceId>)]
    pub id: AttendanceDeviceId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    pub serial_number: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    /// Comma-separated networks the machine may push from; empty with `allow_any_source`.
    pub allowed_sources: String,
    pub allow_any_source: bool,
}

impl Device {
    /// Where the machine may push from. A stored list that does not parse is a load error,
    /// never "anywhere".
    pub fn sources(&self) -> Result<MachineSources, StoreError> {
        let nets = Networks::parse_joined(&self.allowed_sources)
            .map_err(|e| StoreError::Corrupt(format!("attendance device {}: allowed_sources {e}", self.id)))?;
        MachineSources::new(&nets.entries(), self.allow_any_source)
            .map_err(|e| StoreError::Corrupt(format!("attendance device {}: {e}", self.id)))
    }
}

fn stored_sources(sources: &MachineSources) -> (String, bool) {
    match sources {
        MachineSources::Any => (String::new(), true),
        MachineSources::Only(nets) => (nets.to_string(), false),
    }
}

/// Registers a machine by serial number (the agency's admin).
pub fn register_device(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    serial: &DeviceId,
    name: &Name,
    sources: &MachineSources,
) -> Result<Device, StoreError> {
    crate::agency::writable(conn, &change.caller, agency_id, ekinerja_domain::access::Area::Administration)?;
    let (allowed_sources, allow_any_source) = stored_sources(sources);
    let row = Device {
        id: crate::key::new(),
        agency_id: AgencyId::from(agency_id),
        serial_number: serial.as_str().to_owned(),
        name: name.as_str().to_owned(),
        created_at: change.at,
        last_seen_at: None,
        revoked_at: None,
        allowed_sources,
        allow_any_source,
    };
    crate::db::write(conn, |conn| {
        let taken: i64 = attendance_devices::table
            .filter(attendance_devices::serial_number.eq(&row.serial_number))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            // Said the same whichever agency holds it, and naming none.
            return Err(StoreError::Conflict(
                "this serial number cannot be registered: it is registered already; a machine moving between \
                 agencies is revoked by the agency that holds it and then released by the platform admin"
                    .into(),
            ));
        }
        diesel::insert_into(attendance_devices::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::AttendanceDevice,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row.clone())
    })
}

/// Lists the agency's machines (its admin).
pub fn list_devices(
    conn: &mut DbConnection,
    caller: &Caller,
    agency: Option<Uuid>,
    page: &PageRequest,
) -> Result<Page<Device>, StoreError> {
    let mut q = attendance_devices::table.select(Device::as_select()).into_boxed::<Backend>();
    match caller.list_scope(agency) {
        ekinerja_domain::Scope::All => {}
        ekinerja_domain::Scope::Agency(a) => {
            crate::access::require_agency(conn, caller, a, Area::Administration, Access::Read)?;
            q = q.filter(attendance_devices::agency_id.eq(crate::key::bind(AgencyId::from(a))));
        }
        ekinerja_domain::Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(after) = &page.after {
        q = q.filter(attendance_devices::id.gt(crate::key::bind(AttendanceDeviceId::from(*after))));
    }
    let rows = q.order(attendance_devices::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// Revokes a machine: its pushes are refused from then on.
pub fn revoke_device(conn: &mut DbConnection, change: &Change, id: Uuid) -> Result<Device, StoreError> {
    crate::db::write(conn, |conn| {
        let before: Device = attendance_devices::table
            .find(crate::key::bind(AttendanceDeviceId::from(id)))
            .select(Device::as_select())
            .first(conn)?;
        let agency = before.agency_id.uuid();
        crate::access::require_agency(conn, &change.caller, agency, Area::Administration, Access::Write)?;
        if before.revoked_at.is_some() {
            return Ok(before);
        }
        let after = Device { revoked_at: Some(change.at), ..before.clone() };
        diesel::update(attendance_devices::table.find(crate::key::bind(after.id)))
            .set(attendance_devices::revoked_at.eq(after.revoked_at))
            .execute(conn)?;
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Revoke,
            AuditEntity::AttendanceDevice,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// The live machine with this serial number.
pub fn device_by_serial(conn: &mut DbConnection, serial: &DeviceId) -> Result<Option<Device>, StoreError> {
    Ok(attendance_devices::table
        .filter(attendance_devices::serial_number.eq(serial.as_str()))
        .filter(attendance_devices::revoked_at.is_null())
        .select(Device::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a machine as seen at `at` (at most once a minute, so polling writes little).
pub fn touch_device(conn: &mut DbConnection, device: &Device, at: NaiveDateTime) -> Result<(), StoreError> {
    let stale = device.last_seen_at.is_none_or(|seen| at - seen > chrono::Duration::minutes(1));
    if stale {
        diesel::update(attendance_devices::table.find(crate::key::bind(device.id)))
            .set(attendance_devices::last_seen_at.eq(Some(at)))
            .execute(conn)?;
    }
    Ok(())
}

/// What an admin changes on a machine; `None` keeps the field.
#[derive(Debug, Clone, Default)]
pub struct DevicePatch {
    pub name: Option<Name>,
    pub sources: Option<MachineSources>,
}

/// Changes a machine's name or the sources it may push from (its agency's admin).
pub fn update_device(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    patch: DevicePatch,
) -> Result<Device, StoreError> {
    crate::db::write(conn, |conn| {
        let before: Device = attendance_devices::table
            .find(crate::key::bind(AttendanceDeviceId::from(id)))
            .select(Device::as_select())
            .first(conn)?;
        let agency = before.agency_id.uuid();
        crate::access::require_agency(conn, &change.caller, agency, Area::Administration, Access::Write)?;
        let mut after = before.clone();
        if let Some(name) = &patch.name {
            after.name = name.as_str().to_owned();
        }
        if let Some(sources) = &patch.sources {
            (after.allowed_sources, after.allow_any_source) = stored_sources(sources);
        }
        diesel::update(attendance_devices::table.find(crate::key::bind(after.id)))
            .set((
                attendance_devices::name.eq(&after.name),
                attendance_devices::allowed_sources.eq(&after.allowed_sources),
                attendance_devices::allow_any_source.eq(after.allow_any_source),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Update,
            AuditEntity::AttendanceDevice,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// Keeps a push a registered machine sent from an address it may not push from, in its agency's
/// audit trail: nothing of it was stored, and someone may be forging punches.
pub fn record_refused_push(
    conn: &mut DbConnection,
    device: &Device,
    address: Option<std::net::IpAddr>,
    bytes: usize,
    request_id: Option<&str>,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    #[derive(Serialize)]
    struct Refused<'a> {
        machine: &'a str,
        address: Option<String>,
        bytes: usize,
        reason: &'static str,
    }
    let row = Refused {
        machine: &device.serial_number,
        address: address.map(|a| a.to_string()),
        bytes,
        reason: "the push came from an address outside the machine's allowed sources",
    };
    crate::db::write(conn, |conn| {
        audit::record_system(
            conn,
            at,
            request_id,
            device.agency_id,
            AuditAction::Refuse,
            AuditEntity::AttendanceMachinePush,
            device.id,
            &row,
        )
    })
}

/// Voids an event (the agency's admin): it stays, with who voided it and why, and discipline
/// leaves it out. Voiding it again with the same reason changes nothing; with another, 409.
pub fn void_event(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    reason: &Description,
    now: DateTime<Utc>,
) -> Result<Event, StoreError> {
    crate::db::write(conn, |conn| {
        let before: Event = attendance_events::table
            .find(crate::key::bind(AttendanceEventId::from(id)))
            .select(Event::as_select())
            .first(conn)?;
        let agency = before.agency_id.uuid();
        let employee = before.employee_id.uuid();
        // Only a reader of the employee learns the event exists.
        crate::employee::get_for(conn, &change.caller, employee, Area::Discipline, now)?;
        crate::access::require(
            conn,
            &change.caller,
            Subject::Employee { agency, employee },
            Area::Discipline,
            Access::Write,
            now,
        )?;
        if before.voided_at.is_some() {
            return if before.void_reason.as_deref() == Some(reason.as_str()) {
                Ok(before)
            } else {
                Err(StoreError::Conflict("this event was voided already, for another reason".into()))
            };
        }
        let after = Event {
            voided_at: Some(change.at),
            voided_by_account_id: Some(AccountId::from(change.caller.account_id)),
            void_reason: Some(reason.as_str().to_owned()),
            ..before.clone()
        };
        diesel::update(attendance_events::table.find(crate::key::bind(after.id)))
            .set((
                attendance_events::voided_at.eq(after.voided_at),
                attendance_events::voided_by_account_id.eq(crate::key::BindOption::from(after.voided_by_account_id)),
                attendance_events::void_reason.eq(&after.void_reason),
            ))
            .execute(conn)?;
        crate::attendance_day::refresh(conn, after.employee_id, after.local_date)?;
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Void,
            AuditEntity::AttendanceEvent,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// Keeps the lines a machine sent that could not be stored, with the reasons, in the agency's
/// audit trail: the machine is told they arrived (or it would resend them forever), so an admin
/// must be able to find them.
pub fn record_refused_lines(
    conn: &mut DbConnection,
    sender: &Sender,
    serial: &str,
    lines: &[(usize, String, Vec<FieldError>)],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    #[derive(Serialize)]
    struct Refused<'a> {
        machine: &'a str,
        line: usize,
        text: &'a str,
        reasons: Vec<String>,
    }
    let rows: Vec<Refused<'_>> = lines
        .iter()
        .map(|(line, text, errors)| Refused {
            machine: serial,
            line: *line,
            text: text.as_str(),
            reasons: errors.iter().map(|e| format!("{}: {}", e.field, e.detail)).collect(),
        })
        .collect();
    crate::db::write(conn, |conn| {
        audit::record_system(
            conn,
            at,
            sender.request_id.as_deref(),
            AgencyId::from(sender.agency_id),
            AuditAction::Refuse,
            AuditEntity::AttendanceMachineLines,
            serial,
            &rows,
        )
    })
}
