//! Evidence files (issue 21): a photo or a PDF proving a day's work, uploaded by the employee
//! (already checked and cleaned by `ekinerja_domain::evidence`), stored on the filesystem under
//! the agency, and attached to one of the employee's logs when the log is written (on the web or
//! in a phone's batch). A file attached to a log is served to whoever may read the log; one not
//! yet attached, to its uploader only. An agency stores at most its quota *(policy)*.
//!
//! The bytes are written and flushed to disk before the row commits, so an acknowledged upload
//! is never lost; a row that fails to commit takes its file away again.

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::Area;
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::daily_log::Location;
use ekinerja_domain::evidence::{Evidence, MediaType};
use ekinerja_domain::field::Field;
use ekinerja_domain::id::{
    AgencyId, DailyLogId, EmployeeId, EvaluationId, EvidenceFileId, IndicatorId, LeaveRequestId,
};
use ekinerja_domain::Caller;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::schema::{agencies, evidence_files};
use crate::{access, audit, Change, DbConnection, StoreError};

/// The most files one log carries.
pub const MAX_PER_LOG: usize = 10;

/// The bytes of files one employee may hold that no log or realisation names yet *(policy)*.
pub const UNNAMED_BYTES_PER_EMPLOYEE: i64 = 100 * 1024 * 1024;

/// Where evidence bytes live, under `<agency>/<file id>`: a directory of the server's own (the
/// default), or a bucket of S3-compatible object storage.
#[derive(Debug, Clone)]
pub struct FileStore {
    place: Place,
}

#[derive(Debug, Clone)]
enum Place {
    Local(PathBuf),
    Bucket { store: std::sync::Arc<object_store::aws::AmazonS3>, runtime: std::sync::Arc<Runtime> },
}

/// The store's runtime, shut down without waiting when the last handle goes: the server drops it
/// from inside its own runtime, where dropping a runtime the usual way panics.
#[derive(Debug)]
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Why the file store cannot be opened or used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FileStoreError(String);

impl FileStore {
    /// A store in the directory `root` (created on the first write).
    pub fn local(root: impl Into<PathBuf>) -> Self {
        FileStore { place: Place::Local(root.into()) }
    }

    /// A store in the S3 bucket `bucket`, reached as the standard `AWS_*` variables say
    /// (`AWS_ENDPOINT` for MinIO or another S3-compatible service, `AWS_REGION`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP`).
    pub fn bucket(bucket: &str) -> Result<Self, FileStoreError> {
        use std::time::Duration;
        // An upload waits for its object: a storage that is gone fails it within seconds (503),
        // instead of object_store's default of retrying for three minutes.
        let retry = object_store::RetryConfig {
            backoff: object_store::BackoffConfig::default(),
            max_retries: 2,
            retry_timeout: Duration::from_secs(10),
        };
        use object_store::aws::AmazonS3ConfigKey::Client;
        use object_store::ClientConfigKey::{ConnectTimeout, Timeout};
        // Timeouts as settings, not as new client options: those would drop what the AWS_*
        // variables set (AWS_ALLOW_HTTP, a proxy).
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_retry(retry)
            .with_config(Client(Timeout), "30s")
            .with_config(Client(ConnectTimeout), "5s")
            .build()
            .map_err(|e| FileStoreError(format!("the evidence bucket {bucket}: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("evidence-store")
            .enable_all()
            .build()
            .map_err(|e| FileStoreError(format!("the evidence store's runtime: {e}")))?;
        Ok(FileStore {
            place: Place::Bucket {
                store: std::sync::Arc::new(store),
                runtime: std::sync::Arc::new(Runtime(Some(runtime))),
            },
        })
    }

    fn key(agency: AgencyId, id: EvidenceFileId) -> String {
        format!("{agency}/{id}")
    }

    /// Runs an object-store call on the store's runtime and waits for it (from any thread, the
    /// blocking pool's included).
    fn wait<T: Send + 'static>(
        runtime: &Runtime,
        call: impl std::future::Future<Output = object_store::Result<T>> + Send + 'static,
    ) -> std::io::Result<T> {
        let Some(runtime) = &runtime.0 else { return Err(std::io::Error::other("the file store is shut down")) };
        let (tx, rx) = std::sync::mpsc::channel();
        runtime.spawn(async move {
            let _ = tx.send(call.await);
        });
        rx.recv().map_err(std::io::Error::other)?.map_err(std::io::Error::other)
    }

    /// Writes the bytes durably. A directory: a temporary file, flushed, renamed into place, the
    /// directory flushed. A bucket: one PUT, which S3 acknowledges once stored.
    fn put(&self, agency: AgencyId, id: EvidenceFileId, bytes: &[u8]) -> std::io::Result<()> {
        match &self.place {
            Place::Local(root) => {
                let dir = root.join(agency.to_string());
                std::fs::create_dir_all(&dir)?;
                let tmp = dir.join(format!("{id}.part"));
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(bytes)?;
                f.sync_all()?;
                std::fs::rename(&tmp, dir.join(id.to_string()))?;
                std::fs::File::open(&dir)?.sync_all()
            }
            Place::Bucket { store, runtime } => {
                use object_store::ObjectStoreExt;
                let (store, path, payload) =
                    (store.clone(), object_store::path::Path::from(Self::key(agency, id)), bytes.to_vec());
                Self::wait(runtime, async move { store.put(&path, payload.into()).await.map(|_| ()) })
            }
        }
    }

    fn get(&self, agency: AgencyId, id: EvidenceFileId) -> std::io::Result<Vec<u8>> {
        match &self.place {
            Place::Local(root) => std::fs::read(root.join(agency.to_string()).join(id.to_string())),
            Place::Bucket { store, runtime } => {
                use object_store::ObjectStoreExt;
                let (store, path) = (store.clone(), object_store::path::Path::from(Self::key(agency, id)));
                Self::wait(runtime, async move { store.get(&path).await?.bytes().await.map(|b| b.to_vec()) })
            }
        }
    }

    fn remove(&self, agency: AgencyId, id: EvidenceFileId) {
        let done = match &self.place {
            Place::Local(root) => std::fs::remove_file(root.join(agency.to_string()).join(id.to_string())),
            Place::Bucket { store, runtime } => {
                use object_store::ObjectStoreExt;
                let (store, path) = (store.clone(), object_store::path::Path::from(Self::key(agency, id)));
                Self::wait(runtime, async move { store.delete(&path).await })
            }
        };
        if let Err(e) = done {
            log::warn!("evidence file {id} of a rolled-back upload stays stored: {e}");
        }
    }
}

/// A stored evidence file.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = evidence_files, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct EvidenceFile {
    #[diesel(serialize_as = crate::key::Bind<EvidenceFileId>)]
    pub id: EvidenceFileId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    /// Whose work it proves.
    #[diesel(serialize_as = crate::key::Bind<EmployeeId>)]
    pub employee_id: EmployeeId,
    /// The log it proves, once attached.
    #[diesel(serialize_as = crate::key::BindOption<DailyLogId>)]
    pub daily_log_id: Option<DailyLogId>,
    /// Or the leave request it supports (a doctor's letter)…
    #[diesel(serialize_as = crate::key::BindOption<LeaveRequestId>)]
    pub leave_request_id: Option<LeaveRequestId>,
    /// …or the evaluation whose self-assessed realisation it proves…
    #[diesel(serialize_as = crate::key::BindOption<EvaluationId>)]
    pub evaluation_id: Option<EvaluationId>,
    /// …for this indicator.
    #[diesel(serialize_as = crate::key::BindOption<IndicatorId>)]
    pub indicator_id: Option<IndicatorId>,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub created_at: chrono::NaiveDateTime,
}

impl EvidenceFile {
    /// What the file is; a stored one always reads back.
    pub fn media_type(&self) -> Result<MediaType, StoreError> {
        MediaType::parse(&self.media_type).ok_or_else(|| StoreError::Corrupt(format!("media type {}", self.media_type)))
    }

    /// The photo's position, where it had one.
    pub fn location(&self) -> Option<Location> {
        Location::new(self.latitude, self.longitude).ok().flatten()
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Stores an evidence file of the caller's own work (an employee, as for their logs), within
/// the agency's quota.
pub fn upload(
    conn: &mut DbConnection,
    change: &Change,
    store: &FileStore,
    evidence: Evidence,
) -> Result<EvidenceFile, StoreError> {
    let me = access::own_record(&change.caller, Area::DailyLogWrite)?;
    let me = EmployeeId::from(me);
    let Some(agency) = change.caller.agency_id.map(AgencyId::from) else {
        return Err(StoreError::Forbidden("an evidence file belongs to an agency's employee".into()));
    };
    let size = i64::try_from(evidence.content.len()).unwrap_or(i64::MAX);
    let row = EvidenceFile {
        id: crate::key::new(),
        agency_id: agency,
        employee_id: me,
        daily_log_id: None,
        leave_request_id: None,
        evaluation_id: None,
        indicator_id: None,
        media_type: evidence.media_type.as_str().to_owned(),
        size_bytes: size,
        sha256: sha256_hex(&evidence.content),
        latitude: evidence.location.map(|l| l.latitude),
        longitude: evidence.location.map(|l| l.longitude),
        created_at: change.at,
    };
    // The bytes first, outside any transaction (a slow disk or bucket holds no lock and no
    // writer); then the row, checked against the quotas in a short transaction. A refused or
    // failed row takes its bytes away again.
    store.put(agency, row.id, &evidence.content).map_err(|e| match e.kind() {
        std::io::ErrorKind::StorageFull => StoreError::StorageFull(format!("file store: {e}")),
        _ => StoreError::Unavailable(format!("file store: {e}")),
    })?;
    let stored = crate::db::write(conn, |conn| {
        // The agency's row orders uploads against the quota: two at once cannot both squeeze in.
        let quota: i64 = diesel::update(agencies::table.find(crate::key::bind(agency)))
            .set(agencies::evidence_quota_bytes.eq(agencies::evidence_quota_bytes))
            .returning(agencies::evidence_quota_bytes)
            .get_result(conn)?;
        let used = bytes_of(conn, "agency_id = $1", agency.to_string())?;
        if used.saturating_add(size) > quota {
            return Err(StoreError::Conflict(format!(
                "the agency's evidence quota is used up: {used} of {quota} bytes stored, this file needs {size}"
            )));
        }
        // Files no record names yet are the uploader's to use: a cap keeps one account from
        // filling the agency's quota with them.
        let unnamed =
            bytes_of(conn, "employee_id = $1 AND daily_log_id IS NULL AND evaluation_id IS NULL", me.to_string())?;
        if unnamed.saturating_add(size) > UNNAMED_BYTES_PER_EMPLOYEE {
            return Err(StoreError::Conflict(format!(
                "{unnamed} bytes of your files are named by no log or realisation yet: name them before uploading more \
                 (at most {UNNAMED_BYTES_PER_EMPLOYEE})"
            )));
        }
        diesel::insert_into(evidence_files::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(agency),
            AuditAction::Upload,
            AuditEntity::EvidenceFile,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row.clone())
    });
    if stored.is_err() {
        store.remove(agency, row.id);
    }
    stored
}

/// Bytes stored by the files matching `filter` (one bound text parameter).
fn bytes_of(conn: &mut DbConnection, filter: &str, value: String) -> Result<i64, StoreError> {
    Ok(diesel::sql_query(format!(
        "SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) AS used FROM evidence_files WHERE {filter}"
    ))
    .bind::<diesel::sql_types::Text, _>(value)
    .get_result::<Used>(conn)?
    .used)
}

/// The bytes an agency stores.
#[derive(QueryableByName)]
struct Used {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    used: i64,
}

/// A file the caller may read: attached, whoever reads its log (or its evaluation); not yet
/// attached, its uploader.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid, now: DateTime<Utc>) -> Result<EvidenceFile, StoreError> {
    let row: EvidenceFile = evidence_files::table
        .find(crate::key::bind(EvidenceFileId::from(id)))
        .select(EvidenceFile::as_select())
        .first(conn)?;
    if !caller.can_see_agency(row.agency_id.uuid()) {
        return Err(StoreError::NotFound);
    }
    // An attached file is read by whoever reads what it proves (the access rule, through that
    // record); one not yet attached by its uploader alone: their own record in the rule's words
    // (the row only the employee writes, their daily logs).
    match (row.daily_log_id, row.leave_request_id, row.evaluation_id) {
        (Some(log), _, _) => {
            crate::daily_log::get(conn, caller, log, now)?;
        }
        (None, Some(leave), _) => {
            crate::leave::get(conn, caller, leave.uuid(), now)?;
        }
        (None, None, Some(evaluation)) => {
            crate::evaluation::get(conn, caller, evaluation.uuid(), now)?;
        }
        (None, None, None) => {
            let mine = ekinerja_domain::access::own_record(caller, Area::DailyLogWrite)
                .is_ok_and(|me| me == row.employee_id.uuid());
            if !mine {
                return Err(StoreError::NotFound);
            }
        }
    }
    Ok(row)
}

/// A file's bytes, checked against the digest taken when it was stored.
pub fn content(
    conn: &mut DbConnection,
    caller: &Caller,
    store: &FileStore,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(EvidenceFile, Vec<u8>), StoreError> {
    let row = get(conn, caller, id, now)?;
    // A file gone is damage; a store that does not answer is an outage (503), to be tried again.
    let bytes = store.get(row.agency_id, row.id).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => StoreError::Corrupt(format!("evidence file {} is missing: {e}", row.id)),
        _ => StoreError::Unavailable(format!("file store: {e}")),
    })?;
    if sha256_hex(&bytes) != row.sha256 {
        return Err(StoreError::Corrupt(format!("evidence file {} does not match its digest", row.id)));
    }
    Ok((row, bytes))
}

/// The files of a log, to whoever may read the log.
pub fn of_log(
    conn: &mut DbConnection,
    caller: &Caller,
    log: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<EvidenceFile>, StoreError> {
    let log = crate::daily_log::get(conn, caller, DailyLogId::from(log), now)?;
    Ok(evidence_files::table
        .filter(evidence_files::daily_log_id.eq(crate::key::bind(log.id)))
        .select(EvidenceFile::as_select())
        .order(evidence_files::id.asc())
        .load(conn)?)
}

/// The files `ids` a new log (or a self-assessment) of `me` names, checked: each the employee's
/// own and not yet proving another record. Returns them in order (the first with a position
/// fills a log without one).
pub(crate) fn claim(
    conn: &mut DbConnection,
    me: EmployeeId,
    ids: &[Uuid],
    field: &'static str,
) -> Result<Vec<EvidenceFile>, StoreError> {
    if ids.len() > MAX_PER_LOG {
        return Err(StoreError::invalid(field, format!("at most {MAX_PER_LOG} files a record")));
    }
    let mut out: Vec<EvidenceFile> = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let at = Field::named(field).at(i);
        let row: Option<EvidenceFile> = evidence_files::table
            .find(crate::key::bind(EvidenceFileId::from(*id)))
            .filter(evidence_files::employee_id.eq(crate::key::bind(me)))
            .select(EvidenceFile::as_select())
            .first(conn)
            .optional()?;
        let Some(row) = row else {
            return Err(StoreError::invalid(at, "no such evidence file of yours (upload it first)"));
        };
        if row.daily_log_id.is_some() || row.leave_request_id.is_some() || row.evaluation_id.is_some() {
            return Err(StoreError::invalid(at, "the file already proves another log or realisation"));
        }
        if out.iter().any(|f| f.id == row.id) {
            return Err(StoreError::invalid(at, "the same file is named twice"));
        }
        out.push(row);
    }
    Ok(out)
}

/// The record a file proves.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Proves {
    /// A daily log.
    Log(DailyLogId),
    /// A leave request (a doctor's letter).
    Leave(LeaveRequestId),
    /// An indicator's self-assessed realisation in an evaluation.
    Realisation(EvaluationId, IndicatorId),
}

/// Attaches claimed files to the record just stored; only files still named by no record change.
pub(crate) fn attach(conn: &mut DbConnection, to: Proves, files: &[EvidenceFile]) -> Result<(), StoreError> {
    use evidence_files::{daily_log_id, evaluation_id, id, indicator_id, leave_request_id};
    if files.is_empty() {
        return Ok(());
    }
    let unnamed = evidence_files::table
        .filter(id.eq_any(crate::key::binds(files.iter().map(|f| f.id))))
        .filter(daily_log_id.is_null())
        .filter(leave_request_id.is_null())
        .filter(evaluation_id.is_null());
    let update = diesel::update(unnamed);
    match to {
        Proves::Log(log) => update.set(daily_log_id.eq(crate::key::bind(log))).execute(conn)?,
        Proves::Leave(leave) => update.set(leave_request_id.eq(crate::key::bind(leave))).execute(conn)?,
        Proves::Realisation(e, i) => {
            update.set((evaluation_id.eq(crate::key::bind(e)), indicator_id.eq(crate::key::bind(i)))).execute(conn)?
        }
    };
    Ok(())
}

/// The files of an indicator's realisation in an evaluation (all of its indicators where none is
/// named), to whoever may read the evaluation.
pub fn of_realisation(
    conn: &mut DbConnection,
    caller: &Caller,
    evaluation: Uuid,
    indicator: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Vec<EvidenceFile>, StoreError> {
    let d = crate::evaluation::get(conn, caller, evaluation, now)?;
    let mut q = evidence_files::table
        .filter(evidence_files::evaluation_id.eq(crate::key::bind(d.evaluation.id)))
        .select(EvidenceFile::as_select())
        .into_boxed::<crate::db::Backend>();
    if let Some(i) = indicator {
        q = q.filter(evidence_files::indicator_id.eq(crate::key::bind(IndicatorId::from(i))));
    }
    Ok(q.order(evidence_files::id.asc()).load(conn)?)
}

/// The files of a leave request, to whoever may read it.
pub fn of_leave(
    conn: &mut DbConnection,
    caller: &Caller,
    leave: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<EvidenceFile>, StoreError> {
    crate::leave::get(conn, caller, leave, now)?;
    Ok(evidence_files::table
        .filter(evidence_files::leave_request_id.eq(crate::key::bind(LeaveRequestId::from(leave))))
        .select(EvidenceFile::as_select())
        .order(evidence_files::id.asc())
        .load(conn)?)
}
