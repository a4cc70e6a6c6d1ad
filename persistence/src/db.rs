//! Connections, the pool, migrations and transactions, for SQLite and PostgreSQL behind one
//! connection type.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::StoreError;

/// One connection to either engine. The PostgreSQL variant is listed first: diesel's derived
/// `establish` tries variants in order and SQLite accepts any string as a file name. We never
/// use that fallthrough anyway (see [`Manager`]), so a mistyped PostgreSQL URL is an error,
/// not a new SQLite file.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// Production engine.
    Pg(diesel::PgConnection),
    /// Embedded default.
    Sqlite(diesel::SqliteConnection),
}

/// The backend of [`DbConnection`], for queries written once for both engines.
pub type Backend = MultiBackend;

/// Which engine a `DATABASE_URL` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// Anything else: a file path, optionally prefixed `sqlite://` or `sqlite:`.
    Sqlite,
}

impl Engine {
    /// Reads the engine off a database URL.
    pub fn of_url(url: &str) -> Engine {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
    }
}

/// The file path of an SQLite URL.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url)
}

// A migration the same on both engines is one file: `sqlite/` links to it under `postgres/`.
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Establishes connections for the pool, choosing the engine from the URL explicitly, and
/// sets SQLite up for concurrent use: WAL so readers never block the writer, foreign keys on,
/// and a busy timeout so a writer waits for the lock instead of failing.
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    engine: Engine,
    health: Arc<Health>,
}

/// Whether the last attempt to open a connection failed: the database is gone (PostgreSQL
/// restarting, the network down), so that work waiting for a connection is answered at once
/// instead of after the whole wait.
#[derive(Debug, Default)]
struct Health {
    down: AtomicBool,
}

/// How long an SQLite writer waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 15_000;

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        let made = self.open();
        self.health.down.store(made.is_err(), Ordering::Relaxed);
        made
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // A PostgreSQL connection whose server went away is dropped when it comes back to the
        // pool, not handed out again.
        match conn {
            DbConnection::Pg(pg) => diesel::r2d2::R2D2Connection::is_broken(pg),
            DbConnection::Sqlite(_) => false,
        }
    }
}

impl Manager {
    fn open(&self) -> Result<DbConnection, r2d2::Error> {
        match self.engine {
            Engine::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
                // Statements are prepared once per connection and run again with other values. After
                // five runs PostgreSQL may keep a generic plan made without the values, and one that
                // guesses a few rows for "this agency, these dates" reads a year of an agency's logs
                // by nested loops: the 100,000-employee maturity report went from 4 s to 13 s on its
                // second call (BENCHMARKS.md, issue 19). Every statement is planned for its values.
                conn.batch_execute("SET plan_cache_mode = force_custom_plan").map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Pg(conn))
            }
            Engine::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(sqlite_path(&self.url))
                    .map_err(r2d2::Error::ConnectionError)?;
                // WAL is a property of the file, set once in `connect`; these are per connection.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA cache_size = -32768;
                     PRAGMA mmap_size = 268435456;
                     PRAGMA temp_store = MEMORY;"
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// How long the pool waits to open a connection; half of it is the longest pause between two
/// attempts to reconnect to a database that went away.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(4);
/// How long work waits for a pooled connection while the database is up (all of them busy).
pub const CHECKOUT_WAIT: Duration = Duration::from_secs(30);

/// The connection pool shared by all requests: r2d2's pool (through `Deref`), knowing whether
/// the database is reachable.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<Manager>,
    health: Arc<Health>,
}

impl std::ops::Deref for Pool {
    type Target = r2d2::Pool<Manager>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl Pool {
    /// Whether the last attempt to open a connection failed.
    pub fn database_down(&self) -> bool {
        self.health.down.load(Ordering::Relaxed)
    }

    /// A connection, waiting up to `wait` while every connection is busy; but when the database
    /// cannot be reached, [`StoreError::Unavailable`] within a fraction of a second, so that
    /// callers hear "try again shortly" (503) rather than hang. The pool reconnects by itself
    /// once the database is back (attempts at most [`CONNECT_TIMEOUT`]/2 apart).
    pub fn checkout(&self, wait: Duration) -> Result<PooledConnection, StoreError> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            let now = std::time::Instant::now();
            let step = deadline.saturating_duration_since(now).min(Duration::from_millis(250));
            match self.inner.get_timeout(step) {
                Ok(conn) => return Ok(conn),
                Err(e) if self.database_down() || std::time::Instant::now() >= deadline => {
                    return Err(StoreError::Unavailable(e.to_string()))
                }
                Err(_) => continue,
            }
        }
    }
}
/// A connection borrowed from the pool.
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Opens a pool for `url` with at most `size` connections.
pub fn connect(url: &str, size: u32) -> Result<Pool, StoreError> {
    let health = Arc::new(Health::default());
    let manager = Manager { url: url.to_owned(), engine: Engine::of_url(url), health: health.clone() };
    if manager.engine == Engine::Sqlite {
        // Switching to WAL takes an exclusive lock, so do it once, before the pool opens its
        // connections side by side.
        let mut conn = diesel::SqliteConnection::establish(sqlite_path(url))
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        conn.batch_execute(&format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL;"))
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    }
    let inner = r2d2::Pool::builder()
        .max_size(size.max(1))
        .connection_timeout(CONNECT_TIMEOUT)
        .build(manager)
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    Ok(Pool { inner, health })
}

/// Opens a pool on a PostgreSQL streaming replica (`EKINERJA_READ_DATABASE_URL`) without
/// waiting for it: the server starts while the replica is down, and reports go to the primary
/// until it is back (see [`replica_has`]).
pub fn connect_replica(url: &str, size: u32) -> Result<Pool, StoreError> {
    if Engine::of_url(url) != Engine::Postgres {
        return Err(StoreError::Unavailable("a read replica is a PostgreSQL database".into()));
    }
    let health = Arc::new(Health::default());
    let manager = Manager { url: url.to_owned(), engine: Engine::Postgres, health: health.clone() };
    let inner = r2d2::Pool::builder()
        .max_size(size.max(1))
        .min_idle(Some(0))
        .connection_timeout(CONNECT_TIMEOUT)
        .build_unchecked(manager);
    Ok(Pool { inner, health })
}

/// Where the primary's write-ahead log ends now: every transaction committed before this call,
/// acknowledged or not yet flushed (`synchronous_commit = off`), lies before it. `None` on
/// SQLite, which has no replicas.
pub fn wal_end(conn: &mut DbConnection) -> Result<Option<String>, StoreError> {
    #[derive(QueryableByName)]
    struct Lsn {
        #[diesel(sql_type = diesel::sql_types::Text)]
        lsn: String,
    }
    match conn {
        DbConnection::Pg(pg) => {
            let row: Lsn = diesel::sql_query("SELECT pg_current_wal_insert_lsn()::text AS lsn").get_result(pg)?;
            Ok(Some(row.lsn))
        }
        DbConnection::Sqlite(_) => Ok(None),
    }
}

/// Whether a replica has replayed the primary's log up to `lsn` (from [`wal_end`]), so that a
/// read on it sees every transaction the primary had committed then. A database that is not
/// replaying (not a standby) answers `false`: it is never taken for an up-to-date replica.
pub fn replica_has(conn: &mut DbConnection, lsn: &str) -> Result<bool, StoreError> {
    #[derive(QueryableByName)]
    struct Replayed {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        replayed: bool,
    }
    match conn {
        DbConnection::Pg(pg) => {
            let row: Replayed = diesel::sql_query(
                "SELECT coalesce(pg_is_in_recovery() AND pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS replayed",
            )
            .bind::<diesel::sql_types::Text, _>(lsn)
            .get_result(pg)?;
            Ok(row.replayed)
        }
        DbConnection::Sqlite(_) => Ok(false),
    }
}

/// Why a backup was not made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The server's database is PostgreSQL, whose own tools make its backups.
    #[error("the database is PostgreSQL: back it up with pg_dump (see the README); this copies SQLite databases")]
    Postgres,
    /// The target exists: a backup never overwrites a file.
    #[error("{0} already exists; name a new file")]
    Exists(String),
    /// SQLite could not write or check the copy.
    #[error("the backup failed: {0}")]
    Failed(String),
}

/// Copies an SQLite database to a new file at `to`, consistently, while the server runs and
/// writes: `VACUUM INTO` reads one snapshot (a read transaction, which in WAL mode never blocks
/// the writer nor waits for it), so the copy holds every transaction committed before it began
/// and none after. The copy is written beside `to`, checked with `PRAGMA integrity_check`, and
/// only then renamed to `to`, so a file at `to` is always a whole backup. To restore, stop the
/// server and put the copy in place of the database file (removing its `-wal` and `-shm`).
pub fn backup(conn: &mut DbConnection, to: &std::path::Path) -> Result<(), BackupError> {
    let DbConnection::Sqlite(conn) = conn else {
        return Err(BackupError::Postgres);
    };
    let shown = to.display().to_string();
    if to.exists() {
        return Err(BackupError::Exists(shown));
    }
    let partial = to.with_file_name(format!(
        ".{}.partial",
        to.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "backup".into())
    ));
    let _ = std::fs::remove_file(&partial);
    let failed = |e: &dyn std::fmt::Display| BackupError::Failed(e.to_string());
    let partial_text = partial.to_str().ok_or_else(|| failed(&"the path is not valid UTF-8"))?.to_owned();
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(&partial_text)
        .execute(conn)
        .map_err(|e| failed(&e))?;
    let checked = (|| -> Result<String, String> {
        let mut copy = diesel::SqliteConnection::establish(&partial_text).map_err(|e| e.to_string())?;
        #[derive(QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let rows: Vec<Check> =
            diesel::sql_query("PRAGMA integrity_check").load(&mut copy).map_err(|e| e.to_string())?;
        Ok(rows.into_iter().map(|r| r.integrity_check).collect::<Vec<_>>().join("; "))
    })();
    match checked {
        Ok(verdict) if verdict == "ok" => {
            // A link, not a rename: it fails rather than replace a file made at `to` meanwhile.
            let linked = std::fs::hard_link(&partial, to).map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => BackupError::Exists(shown.clone()),
                _ => failed(&e),
            });
            let _ = std::fs::remove_file(&partial);
            linked
        }
        Ok(verdict) => {
            let _ = std::fs::remove_file(&partial);
            Err(failed(&format!("the copy is not whole: {verdict}")))
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(failed(&e))
        }
    }
}

/// Applies every migration not yet applied; returns how many ran.
pub fn migrate(conn: &mut DbConnection) -> Result<usize, StoreError> {
    let applied = match conn {
        DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(|e| StoreError::Migration(e.to_string()))
}

/// One SQLite writer at a time within this process.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    /// The state of [`bulk_load`] on this thread, if one is running.
    static OUTER_WRITE: std::cell::Cell<Outer> = const { std::cell::Cell::new(Outer::None) };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outer {
    None,
    Running,
    /// A [`write`] inside failed: the whole is rolled back, whatever `f` made of the error.
    Failed,
}

/// Runs `f`, a bulk load that calls [`write`] many times (the demo regency).
///
/// On SQLite the whole is one transaction, the inner writes running in it without savepoints:
/// one commit instead of tens of thousands (each of which appends its pages to the WAL), and
/// when any inner write fails the whole is rolled back, whatever `f` made of the error.
///
/// On PostgreSQL each write commits on its own, as always. One long transaction is slower
/// there, not faster: the rows it updates again and again (an employee's change counter, once
/// per log) pile up versions that no one may prune until it ends, and every read walks them.
pub fn bulk_load<T, E>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    if let DbConnection::Pg(_) = conn {
        return f(conn);
    }
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            OUTER_WRITE.with(|state| state.set(Outer::None));
        }
    }
    if OUTER_WRITE.with(std::cell::Cell::get) != Outer::None {
        return f(conn);
    }
    let _turn = SQLITE_WRITER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    OUTER_WRITE.with(|state| state.set(Outer::Running));
    let _reset = Reset;
    // This begins DEFERRED: the first write takes the write lock, and this process's other
    // writers wait on the mutex held above.
    conn.transaction(|conn| {
        let value = f(conn)?;
        match OUTER_WRITE.with(std::cell::Cell::get) {
            Outer::Failed => Err(diesel::result::Error::RollbackTransaction.into()),
            _ => Ok(value),
        }
    })
}

/// Runs a report's reads `f` in one read-only transaction, so that its statements see one
/// snapshot of the database: a reader that takes a stored month and then the logs after its span
/// (`log_day::totals`, `maturity::guided`, `workload::served`) never takes off a log that was
/// written between the two, and the parts of a report agree with each other. PostgreSQL's
/// transaction is `REPEATABLE READ` (its default, `READ COMMITTED`, takes a snapshot a
/// statement), and refuses writes; SQLite's deferred transaction reads one snapshot of the WAL
/// from its first read.
pub fn snapshot<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.transaction(|conn| {
        if matches!(conn, DbConnection::Pg(_)) {
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        f(conn)
    })
}

/// Runs `f` in one write transaction. On SQLite the transaction starts `IMMEDIATE`, taking the
/// write lock up front: a deferred transaction that reads and then writes can fail at once with
/// "database is locked" when another writer got in between, which the busy timeout cannot help.
/// `f` must not open transactions of its own.
pub fn write<T, E>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    if OUTER_WRITE.with(std::cell::Cell::get) != Outer::None {
        // Inside `bulk_load` on SQLite: part of the transaction already open.
        let result = f(conn);
        if result.is_err() {
            OUTER_WRITE.with(|state| state.set(Outer::Failed));
        }
        return result;
    }
    match conn {
        DbConnection::Pg(_) => conn.transaction(f),
        DbConnection::Sqlite(_) => {
            // Writers of this process queue here rather than in SQLite's busy handler, which
            // sleeps in steps of milliseconds while the database sits idle. Other processes
            // on the same file still meet the busy timeout.
            let _turn = SQLITE_WRITER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            conn.batch_execute("BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => match conn.batch_execute("COMMIT") {
                    Ok(()) => Ok(value),
                    Err(e) => {
                        let _ = conn.batch_execute("ROLLBACK");
                        Err(e.into())
                    }
                },
                Err(e) => {
                    if let Err(rollback) = conn.batch_execute("ROLLBACK") {
                        log::error!("rollback failed: {rollback}");
                    }
                    Err(e)
                }
            }
        }
    }
}

/// Whether the database answers.
pub fn ping(conn: &mut DbConnection) -> Result<(), StoreError> {
    conn.batch_execute("SELECT 1").map_err(|e| StoreError::Unavailable(e.to_string()))
}

/// The `VALUES` list of a multi-row statement: `rows` rows of `columns` placeholders, numbered
/// `$1`, `$2`, … on PostgreSQL and `?` on SQLite. SQLite takes `$n` as a named parameter and
/// looks each up in a list of the names before it, so a statement of thousands of values spent
/// most of a demo load comparing names; `?` is taken by position.
pub fn values_list(conn: &DbConnection, rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 6);
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&placeholder(conn, r * columns + c + 1));
        }
        out.push(')');
    }
    out
}

/// A statement's placeholder for its `n`th value (from 1): `$n` on PostgreSQL, `?` on SQLite, for
/// text built per call whose values are bound in the order they appear (see [`values_list`]).
pub(crate) fn placeholder(conn: &DbConnection, n: usize) -> std::borrow::Cow<'static, str> {
    match conn {
        DbConnection::Sqlite(_) => "?".into(),
        DbConnection::Pg(_) => format!("${n}").into(),
    }
}

/// Locks one row for the rest of the write transaction, so that a check-then-write (one holder
/// per structural post, no overlapping acting assignments, no overlapping logs) cannot race
/// another transaction on PostgreSQL's READ COMMITTED. On SQLite the IMMEDIATE transaction
/// already holds the database's write lock, so there is nothing to do.
pub fn lock_row(
    conn: &mut DbConnection,
    table: LockTable,
    id: impl std::fmt::Display,
) -> Result<(), diesel::result::Error> {
    use diesel::sql_types::Text;
    if let DbConnection::Pg(_) = conn {
        let sql = match table {
            LockTable::Positions => "SELECT id FROM positions WHERE id = $1 FOR UPDATE",
            LockTable::Employees => "SELECT id FROM employees WHERE id = $1 FOR UPDATE",
        };
        crate::prepared::sql(sql).bind::<Text, _>(id.to_string()).execute(conn)?;
    }
    Ok(())
}

/// As [`lock_row`] for many rows at once, a few hundred a statement, in id order, so that two
/// writers that each take several rows of a table this way never wait on each other in a cycle
/// (the roster's numbering and the loads do; a writer of one employee takes the employee's row
/// before its post's or agency's).
pub fn lock_rows(
    conn: &mut DbConnection,
    table: LockTable,
    ids: impl IntoIterator<Item = impl std::fmt::Display>,
) -> Result<(), diesel::result::Error> {
    use diesel::sql_types::Text;
    if let DbConnection::Pg(c) = conn {
        let mut sorted: Vec<String> = ids.into_iter().map(|i| i.to_string()).collect();
        sorted.sort();
        sorted.dedup();
        let name = match table {
            LockTable::Positions => "positions",
            LockTable::Employees => "employees",
        };
        for chunk in sorted.chunks(500) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT id FROM {name} WHERE id IN ({}) ORDER BY id FOR UPDATE", list.join(", "));
            let mut q = diesel::sql_query(sql).into_boxed::<diesel::pg::Pg>();
            for id in chunk {
                q = q.bind::<Text, _>(id.clone());
            }
            q.execute(c)?;
        }
    }
    Ok(())
}

/// The tables [`lock_row`] locks rows of.
#[derive(Debug, Clone, Copy)]
pub enum LockTable {
    /// A position: its holders and acting officials.
    Positions,
    /// An employee: their agreements and daily logs.
    Employees,
}

/// Inserts `rows` into `table`: on PostgreSQL in multi-row statements of `per_statement` rows,
/// one round trip each instead of one a row (issue 19); on SQLite, whose statements cost no
/// round trip, a row a statement. Diesel's batch insert is not offered through a
/// MultiConnection, so PostgreSQL's statements go through its own connection, inside the
/// caller's transaction (diesel's SQLite batch insert would open a transaction of its own).
/// `per_statement` times the row's columns must stay under PostgreSQL's 65,535 bound values.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr, $per_statement:expr) => {{
        let mut stored = 0usize;
        match &mut *$conn {
            $crate::DbConnection::Pg(c) => {
                for chunk in $rows.chunks($per_statement) {
                    stored += diesel::insert_into($table).values(chunk.to_vec()).execute(c)?;
                }
            }
            $crate::DbConnection::Sqlite(c) => {
                for row in $rows.iter() {
                    stored += diesel::insert_into($table).values(row.clone()).execute(c)?;
                }
            }
        }
        stored
    }};
}
pub(crate) use insert_all;

/// Inserts `rows` into `table` as [`insert_all`] does, but on PostgreSQL in one
/// `COPY … FROM STDIN (FORMAT binary)`: no statement to parse and no bound-value limit, for the
/// largest writes (an agency's allowance lines). The row type must be `Insertable` with
/// `treat_none_as_default_value = false`, so every row names every column.
macro_rules! copy_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        match &mut *$conn {
            $crate::DbConnection::Pg(c) => diesel::copy_from($table).from_insertable($rows.to_vec()).execute(c)?,
            $crate::DbConnection::Sqlite(c) => {
                let mut stored = 0usize;
                for row in $rows.iter() {
                    stored += diesel::insert_into($table).values(row.clone()).execute(c)?;
                }
                stored
            }
        }
    }};
}
pub(crate) use copy_all;
