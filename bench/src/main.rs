//! `make bench`: the figures the issues ask for, each next to a baseline measured in the same
//! run on the same database.
//!
//! The engine comes from `EKINERJA_TEST_DATABASE_URL` as in the tests: unset, a new SQLite
//! file; a `postgres://` maintenance URL, a new database on that server, dropped afterwards
//! (with `--keep`, kept, and its URL printed, to profile a server against).
//!
//! Figures:
//! - daily_log_create: authenticated single daily-log creates per second over 64 concurrent
//!   connections to the real server (p50/p99 latency, error responses), against two raw
//!   single-row insert rates of the same database: bare two-column rows, and the same log rows
//!   straight into `daily_logs`.
//! - cascade: the full cascade tree of a regency of `--employees` employees (the period's
//!   cascade, every goal's tree, through the HTTP application as the agency admin), against a
//!   raw load of the same planned results in one query.
//! - attendance_push: attendance events ingested per second through
//!   `POST /api/v1/attendance-events/batch` in batches of 500 (a month of check-ins and
//!   check-outs for every employee), against raw batched inserts of the same rows (one 500-row
//!   statement a transaction) and, beside it, the same rows a statement each.
//! - discipline_month: one month's discipline for every employee of the regency (as a unit's
//!   recap holds it: each month's counts, deduction and lines), computed from those events and the
//!   calendar, against the bare aggregate query it starts from.
//! - analysis: after loading the last 30 days of daily logs for every employee (one of four hours
//!   a working day), each dashboard, workload and maturity endpoint of the agency and of one
//!   OPD through the HTTP application, against the per-employee, per-day aggregate of
//!   those logs that they build on.
//! - memory: during the cascade tree, the month's discipline, the allowance run and each analysis
//!   endpoint, the peak resident memory of the process, split into its anonymous part (the heap,
//!   SQLite's page cache included) and its file-backed part (SQLite's memory-mapped pages).
//! - the build itself: `build_s`, and each stage's time on standard error.
//!
//! `--employees 100000` builds the largest agency's size through the same bulk paths.

use std::time::{Duration, Instant};

use actix_web::{test, web};
use chrono::Utc;
use clap::Parser;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use ekinerja_api::{app, auth, AppState, Settings};
use ekinerja_demo as demo;
use ekinerja_persistence::page::MAX_LIMIT;
use ekinerja_persistence::{account, db, DbConnection, Page, PageRequest, StoreError};

/// Every item of a paged list, page after page.
fn every<T>(mut page: impl FnMut(&PageRequest) -> Result<Page<T>, StoreError>) -> Result<Vec<T>, String> {
    let mut all = Vec::new();
    let mut request = PageRequest { limit: MAX_LIMIT, after: None };
    loop {
        let p = page(&request).map_err(|e| e.to_string())?;
        all.extend(p.items);
        match p.next_cursor {
            Some(cursor) => request.after = Some(cursor.parse().map_err(|e: uuid::Error| e.to_string())?),
            None => return Ok(all),
        }
    }
}

/// An access token for an account, in its current session generation.
fn token_for(state: &web::Data<AppState>, caller: &ekinerja_domain::Caller) -> Result<String, String> {
    let mut conn = state.pool.get().map_err(|e| e.to_string())?;
    let (generation, _) = account::session(&mut conn, caller.account_id)
        .map_err(|e| e.to_string())?
        .ok_or("the account of a bench caller does not exist")?;
    state.tokens.access_token(caller, generation, Utc::now()).map_err(|e| e.to_string())
}

#[derive(Parser)]
#[command(about = "e-Kinerja benchmarks")]
struct Args {
    /// Employees in the benchmark regency.
    #[arg(long, default_value_t = 10_000)]
    employees: usize,
    /// Timed repetitions of each measurement.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Concurrent connections for the daily-log create load.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Daily logs created in that load (spread over the connections).
    #[arg(long, default_value_t = 12_800)]
    requests: usize,
    /// Concurrent connections pushing attendance batches.
    #[arg(long, default_value_t = 4)]
    push_connections: usize,
    /// Run only these measurements (default: all).
    #[arg(long, value_delimiter = ',', value_parser = ["cascade", "daily-logs", "attendance", "analysis"])]
    only: Vec<String>,
    /// Of the analysis measurement, only these endpoints (default: all); the server's memory is
    /// then measured during these alone, without the allowance run.
    #[arg(long, value_delimiter = ',', value_parser = ANALYSIS_ENDPOINTS)]
    endpoints: Vec<String>,
    /// Keep the benchmark's database at the end and print its URL and the agency admin's login,
    /// to profile a server against it (`ekinerja serve` with that `DATABASE_URL`).
    #[arg(long)]
    keep: bool,
}

/// The endpoints the analysis measurement reads, by name.
const ANALYSIS_ENDPOINTS: [&str; 8] = [
    "cascade_tree",
    "agency_dashboard",
    "unit_dashboard",
    "agency_workload",
    "unit_workload",
    "agency_maturity",
    "unit_maturity",
    "agency_maturity_history_12m",
];

#[derive(QueryableByName)]
#[allow(dead_code)]
struct RawResult {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    lineage_id: String,
    #[diesel(sql_type = Text)]
    description: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    parent_result_id: Option<String>,
}

struct Scratch {
    url: String,
    drop_pg: Option<(String, String)>,
    keep: bool,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("kept the benchmark's database: DATABASE_URL={}", self.url);
            return;
        }
        match &self.drop_pg {
            Some((admin, name)) => {
                if let Ok(mut c) = diesel::PgConnection::establish(admin) {
                    let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
            None => {
                let path = db::sqlite_path(&self.url).to_owned();
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
        }
    }
}

fn scratch() -> Result<Scratch, String> {
    let id = uuid::Uuid::now_v7().simple().to_string();
    match std::env::var("EKINERJA_TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) {
        Some(admin) => {
            let name = format!("ekinerja_bench_{id}");
            let mut c = diesel::PgConnection::establish(&admin).map_err(|e| e.to_string())?;
            c.batch_execute(&format!("CREATE DATABASE {name}")).map_err(|e| e.to_string())?;
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_owned();
            Ok(Scratch { url: format!("{base}/{name}"), drop_pg: Some((admin, name)), keep: false })
        }
        None => {
            let path = std::env::temp_dir().join(format!("ekinerja-bench-{id}.db"));
            Ok(Scratch { url: format!("sqlite://{}", path.display()), drop_pg: None, keep: false })
        }
    }
}

fn stats(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let min = samples.first().copied().map_or(0.0, ms);
    let max = samples.last().copied().map_or(0.0, ms);
    let median = samples.get(samples.len() / 2).copied().map_or(0.0, ms);
    (median, min, max)
}

#[actix_web::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let mut scratch = scratch()?;
    scratch.keep = args.keep;
    let engine = match db::Engine::of_url(&scratch.url) {
        db::Engine::Postgres => "postgresql",
        db::Engine::Sqlite => "sqlite",
    };
    let mut settings = Settings::from_lookup(|_| None).map_err(|e| e.to_string())?;
    settings.database_url = scratch.url.clone();
    let pool = db::connect(&scratch.url, 8).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    db::migrate(&mut conn).map_err(|e| e.to_string())?;

    eprintln!(
        "[{engine}] building a regency of about {} employees through the API's persistence code…",
        args.employees
    );
    let started = Instant::now();
    let hash = auth::hash_password(demo::DEMO_PASSWORD).map_err(|e| e.to_string())?;
    let mut bars = ekinerja_api::progress_bar::Bars::default();
    let logins =
        demo::seed_regency(&mut conn, hash, Utc::now(), demo::Shape::scaled(args.employees), &mut |s| bars.step(s))
            .map_err(|e| e.to_string())?;
    let built = started.elapsed();
    let stages: Vec<String> = bars.stages().iter().map(|(s, d)| format!("{s}={:.1}", d.as_secs_f64())).collect();
    eprintln!("[{engine}] built in {:.1} s; stages (s): {}", built.as_secs_f64(), stages.join(" "));
    drop(bars);

    let admin = account::find_for_login(&mut conn, &logins.agency_admin)
        .map_err(|e| e.to_string())?
        .and_then(|a| a.caller())
        .ok_or("the benchmark regency has no agency admin")?;
    let agency = admin.agency_id.ok_or("the agency admin has no agency")?.to_string();
    let opds = roll_out_everything(&mut conn, &admin)?;
    eprintln!("[{engine}] every OPD ({opds}) rolled out from January");
    analyze(&mut conn)?;
    use ekinerja_persistence::{goal, period};
    let goals = every(|page| goal::list(&mut conn, &admin, &goal::GoalFilter::default(), page))?.len();
    let period = period::list(&mut conn, &admin, None, &PageRequest { limit: 1, after: None })
        .map_err(|e| e.to_string())?
        .items
        .into_iter()
        .next()
        .ok_or("the benchmark regency has no performance period")?
        .id;
    let raw_sql = "SELECT id, lineage_id, description, parent_result_id FROM planned_results WHERE agency_id = $1";
    let load_raw = |conn: &mut DbConnection| -> Result<usize, String> {
        let rows: Vec<RawResult> =
            diesel::sql_query(raw_sql).bind::<Text, _>(&agency).load(conn).map_err(|e| e.to_string())?;
        Ok(rows.len())
    };
    let results = load_raw(&mut conn)?;
    drop(conn);

    let state = web::Data::new(AppState::new(pool.clone(), settings).map_err(|e| e.to_string())?);
    let wanted = |m: &str| args.only.is_empty() || args.only.iter().any(|o| o == m);
    if wanted("cascade") {
        cascade(&pool, state.clone(), engine, &admin, period, args.runs, load_raw, results, goals, &logins, built)
            .await?;
    }
    if wanted("daily-logs") {
        daily_log_creates(&pool, state.clone(), engine, &agency, args.connections, args.requests).await?;
    }
    if wanted("attendance") {
        attendance(&pool, state.clone(), engine, &admin, args.push_connections, args.runs).await?;
    }
    if wanted("analysis") {
        analysis(&pool, state, engine, &admin, args.runs, &scratch.url, period, &args.endpoints).await?;
    }
    if args.keep {
        eprintln!("[{engine}] the agency admin signs in as {} with {}", logins.agency_admin, demo::DEMO_PASSWORD);
    }
    drop(scratch);
    Ok(())
}

/// On PostgreSQL, gathers the planner's statistics after a bulk load, as PostgreSQL's manual
/// advises ("Populating a Database: Run ANALYZE Afterwards") and as autovacuum does on a running
/// server within a minute or so: measured straight after a load, every statement would be planned
/// for tables the planner believes empty. SQLite is measured as the server runs it, without
/// `sqlite_stat1`.
fn analyze(conn: &mut DbConnection) -> Result<(), String> {
    if let DbConnection::Pg(_) = conn {
        conn.batch_execute("ANALYZE").map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Rolls out every OPD of the regency from January, through the API's own update. The demo rolls
/// out a few pilot OPDs and the rest from next month, so a newcomer sees both; a benchmark of the
/// largest agencies measures them in their steady state, where the month's figures count every
/// employee (the allowance run computes every line, dashboards and maturity count everyone).
fn roll_out_everything(conn: &mut DbConnection, admin: &ekinerja_domain::Caller) -> Result<usize, String> {
    use chrono::Datelike;
    use ekinerja_persistence::org_unit;
    let january = chrono::NaiveDate::from_ymd_opt(Utc::now().year(), 1, 1).ok_or("no January")?;
    let change = ekinerja_persistence::Change::new(admin.clone(), Utc::now(), None);
    let opds: Vec<_> = every(|page| org_unit::list(conn, admin, &org_unit::OrgUnitFilter::default(), page))?
        .into_iter()
        .filter(|u| u.parent_id.is_none())
        .collect();
    for u in &opds {
        let patch = org_unit::OrgUnitPatch { rollout_from: Some(Some(january)), ..Default::default() };
        org_unit::update(conn, &change, u.id.uuid(), patch).map_err(|e| e.to_string())?;
    }
    Ok(opds.len())
}

/// A process's resident memory while a measurement runs, sampled from `/proc/<pid>/status`
/// (Linux) every few milliseconds on a thread of its own: the largest anonymous part (the heap,
/// SQLite's page cache included) and the largest file-backed part (SQLite's memory-mapped
/// database pages and the binary's own pages, shared with the operating system's page cache and
/// given back under pressure), in KiB.
struct Memory {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    sampler: std::thread::JoinHandle<(u64, u64, u64)>,
}

impl Memory {
    /// RssAnon and RssFile of the process, KiB.
    fn now(pid: u32) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let kb = |key: &str| {
            status.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        };
        Some((kb("RssAnon:")?, kb("RssFile:")?))
    }

    fn watch(pid: u32) -> Memory {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let sampler = std::thread::spawn(move || {
            let (mut anon, mut file, mut total) = (0, 0, 0);
            loop {
                if let Some((a, f)) = Memory::now(pid) {
                    (anon, file, total) = (anon.max(a), file.max(f), total.max(a + f));
                }
                if flag.load(std::sync::atomic::Ordering::Relaxed) {
                    return (anon, file, total);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Memory { stop, sampler }
    }

    /// The peaks seen since [`Memory::watch`]: anonymous, file-backed, their sum.
    fn peaks(self) -> (u64, u64, u64) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.sampler.join().unwrap_or_default()
    }
}

/// The server's resident memory: the `ekinerja` binary beside this one serves the benchmark's
/// database in a process of its own (so the benchmark's own data is not counted), and answers
/// the month-end reads one after the other (`requests`: a name and a request line with its
/// headers); its memory is sampled throughout.
async fn server_memory(url: &str, engine: &str, requests: &[(&str, String)]) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("ekinerja");
    if !exe.exists() {
        return Err(format!(
            "{} is missing: `cargo build --release -p ekinerja-api` builds the server whose memory is measured",
            exe.display()
        ));
    }
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let addr = format!("127.0.0.1:{port}");
    // As the container image runs it (Dockerfile): two glibc heaps, not one per thread; another
    // value can be given to compare.
    let arenas = std::env::var("MALLOC_ARENA_MAX").unwrap_or_else(|_| "2".into());
    let mut child = std::process::Command::new(&exe)
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("EKINERJA_BIND", &addr)
        .env("RUST_LOG", "warn")
        .env("MALLOC_ARENA_MAX", &arenas)
        .env_remove("EKINERJA_SEED_DEMO")
        .env_remove("EKINERJA_READ_DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = child.id();
    let outcome = async {
        let mut buf = Vec::new();
        let started = Instant::now();
        let mut stream = loop {
            if let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await {
                let probe = format!("GET /readyz HTTP/1.1\r\nhost: {addr}\r\n\r\n");
                if roundtrip(&mut s, probe.as_bytes(), &mut buf).await == Ok(200) {
                    break s;
                }
            }
            if started.elapsed() > Duration::from_secs(120) {
                return Err("the server did not become ready in 120 s".to_owned());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let (idle_anon, idle_file) = Memory::now(pid).ok_or("no /proc/<pid>/status to read memory from")?;
        let mib = |kb: u64| kb as f64 / 1024.0;
        let (mut anon, mut file, mut total) = (0, 0, 0);
        for (name, request) in requests {
            let memory = Memory::watch(pid);
            let status = roundtrip(&mut stream, request.as_bytes(), &mut buf).await;
            let (a, f, t) = memory.peaks();
            let status = status?;
            if !(200..300).contains(&status) {
                return Err(format!("{name} answered {status}: {}", String::from_utf8_lossy(&buf[..buf.len().min(600)])));
            }
            println!(
                "memory  engine={engine} during={name} server_peak_rss_mib={:.0} anon_mib={:.0} file_mib={:.0}",
                mib(t),
                mib(a),
                mib(f)
            );
            (anon, file, total) = (anon.max(a), file.max(f), total.max(t));
        }
        println!(
            "memory  engine={engine} server_peak_rss_mib={:.0} anon_mib={:.0} file_mib={:.0} idle_rss_mib={:.0} malloc_arena_max={arenas} (the server process, all of the above)",
            mib(total),
            mib(anon),
            mib(file),
            mib(idle_anon + idle_file)
        );
        Ok(())
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    outcome
}

/// The period's whole cascade tree through the application, against a raw load of its rows.
#[allow(clippy::too_many_arguments)]
async fn cascade(
    pool: &db::Pool,
    state: web::Data<AppState>,
    engine: &str,
    admin: &ekinerja_domain::Caller,
    period: ekinerja_domain::id::PerformancePeriodId,
    runs: usize,
    load_raw: impl Fn(&mut DbConnection) -> Result<usize, String>,
    results: usize,
    goals: usize,
    logins: &demo::DemoLogins,
    built: Duration,
) -> Result<(), String> {
    let args_runs = runs;
    let token = token_for(&state, admin)?;
    let service = test::init_service(app(state.clone())).await;
    let mut tree_samples = Vec::new();
    let mut nodes = 0usize;
    for run in 0..=args_runs {
        let t = Instant::now();
        let req = test::TestRequest::get()
            .uri(&format!("/api/v1/performance-periods/{period}/cascade"))
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request();
        let res = test::call_service(&service, req).await;
        if !res.status().is_success() {
            return Err(format!("the period's cascade answered {}", res.status()));
        }
        let body = test::read_body(res).await;
        let n = body.windows(12).filter(|w| w == b"\"result_id\":").count();
        if run > 0 {
            tree_samples.push(t.elapsed());
        }
        nodes = n;
    }
    let mut raw_samples = Vec::new();
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    for run in 0..=args_runs {
        let t = Instant::now();
        load_raw(&mut conn)?;
        if run > 0 {
            raw_samples.push(t.elapsed());
        }
    }
    let (tm, tmin, tmax) = stats(tree_samples);
    let (rm, rmin, rmax) = stats(raw_samples);
    println!(
        "cascade  engine={engine} employees={} goals={} nodes={} results={results} build_s={:.1}",
        logins.employees + 3,
        goals,
        nodes,
        built.as_secs_f64()
    );
    println!("cascade  engine={engine} full_tree_ms median={tm:.1} min={tmin:.1} max={tmax:.1} (GET /performance-periods/{{id}}/cascade through the app, {} runs)", args_runs);
    println!("cascade  engine={engine} baseline_raw_load_ms median={rm:.1} min={rmin:.1} max={rmax:.1} (one query, same rows)");

    Ok(())
}

/// Sends one HTTP/1.1 request on a kept-alive connection and reads the whole response;
/// returns the status code.
async fn roundtrip(stream: &mut tokio::net::TcpStream, request: &[u8], buf: &mut Vec<u8>) -> Result<u16, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(request).await.map_err(|e| e.to_string())?;
    buf.clear();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let status = head.get(9..12).and_then(|s| s.parse::<u16>().ok()).ok_or("malformed status line")?;
        let chunked = head.lines().any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked"));
        if !chunked {
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
                if n == 0 {
                    return Err("connection closed mid-body".into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(status);
        }
        // A streamed answer: chunks, each its size in hex on a line, up to the one of size 0.
        let mut at = end + 4;
        loop {
            let line_end = loop {
                if let Some(i) = buf[at..].windows(2).position(|w| w == b"\r\n") {
                    break at + i;
                }
                let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
                if n == 0 {
                    return Err("connection closed mid-chunk".into());
                }
                buf.extend_from_slice(&chunk[..n]);
            };
            let size = String::from_utf8_lossy(&buf[at..line_end]);
            let size = usize::from_str_radix(size.split(';').next().unwrap_or_default().trim(), 16)
                .map_err(|e| format!("a malformed chunk size: {e}"))?;
            let next = line_end + 2 + size + 2;
            while buf.len() < next {
                let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
                if n == 0 {
                    return Err("connection closed mid-chunk".into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            if size == 0 {
                return Ok(status);
            }
            at = next;
        }
    }
}

/// Authenticated single daily-log creates over `connections` kept-alive connections to the
/// real server, each connection one employee; next to the raw single-row insert rate of the
/// same database.
async fn daily_log_creates(
    pool: &db::Pool,
    state: web::Data<AppState>,
    engine: &str,
    agency: &str,
    connections: usize,
    requests: usize,
) -> Result<(), String> {
    use chrono::Datelike;
    let agency_id = uuid::Uuid::parse_str(agency).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    // Staff with an approved agreement: their planned result, newest first.
    let staff: Vec<(uuid::Uuid, uuid::Uuid)> = ekinerja_persistence::agreement::approved_results(&mut conn, agency_id)
        .map_err(|e| e.to_string())?
        .into_iter()
        .take(connections)
        .map(|r| (r.employee_id, r.result_id.uuid()))
        .collect();
    if staff.len() < connections {
        return Err(format!("only {} employees with agreements", staff.len()));
    }
    let mut tokens = Vec::new();
    for (employee, result) in &staff {
        let caller = account::find_for_employee(&mut conn, *employee)
            .map_err(|e| e.to_string())?
            .and_then(|a| a.caller())
            .ok_or("no caller")?;
        tokens.push((token_for(&state, &caller)?, result.to_string()));
    }
    drop(conn);
    let server_state = state.clone();
    let server = actix_web::HttpServer::new(move || app(server_state.clone()))
        .workers(2)
        .bind(("127.0.0.1", 0))
        .map_err(|e| e.to_string())?;
    let addr = *server.addrs().first().ok_or("no address")?;
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let today = (Utc::now() + chrono::Duration::hours(7)).date_naive();
    let days = i64::from(today.ordinal0()).clamp(1, 300);
    let per_connection = requests / connections;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (token, result) in tokens {
        tasks.push(actix_web::rt::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let mut latencies = Vec::with_capacity(per_connection);
            let mut errors = 0usize;
            let mut buf = Vec::new();
            for i in 0..per_connection {
                let date = today - chrono::Duration::days(i64::try_from(i).unwrap_or(0) % days);
                let body = format!(
                    r#"{{"date":"{date}","duration_minutes":1,"description":"Benchmark log {i}","output_quantity":1,"planned_result_id":"{result}"}}"#
                );
                let request = format!(
                    "POST /api/v1/daily-logs HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let t = Instant::now();
                let status = roundtrip(&mut stream, request.as_bytes(), &mut buf).await?;
                latencies.push(t.elapsed());
                if status != 201 {
                    errors += 1;
                    if errors == 1 {
                        eprintln!("unexpected status {status}: {}", String::from_utf8_lossy(&buf));
                    }
                }
            }
            Ok::<_, String>((latencies, errors))
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.map_err(|e| e.to_string())??;
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    handle.stop(true).await;
    latencies.sort();
    let pct =
        |p: f64| latencies.get(((latencies.len() as f64 - 1.0) * p) as usize).map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();

    // The raw baseline: single-row inserts, each its own transaction, from as many threads as
    // the pool has connections.
    {
        let mut c = pool.get().map_err(|e| e.to_string())?;
        c.batch_execute("CREATE TABLE bench_raw (id TEXT PRIMARY KEY NOT NULL, payload TEXT NOT NULL)")
            .map_err(|e| e.to_string())?;
    }
    let threads = usize::try_from(pool.max_size()).unwrap_or(4);
    let raw_total = requests;
    let raw_rate = inserts_per_s(pool, threads, raw_total, |c, n| {
        diesel::sql_query("INSERT INTO bench_raw (id, payload) VALUES ($1, $2)")
            .bind::<Text, _>(n.to_string())
            .bind::<Text, _>("a daily log's worth of text")
            .execute(c)
    })?;

    // The second baseline: the same daily-log rows, inserted straight into daily_logs (with its
    // indexes), each its own transaction: what storing a log costs the database itself, without
    // the API (sign-in, parsing, checks, change number, audit trail). From one thread and from as
    // many as the pool has connections; the faster of the two is the baseline (on SQLite one
    // thread never waits for the write lock, on PostgreSQL several write side by side).
    let at = ekinerja_persistence::timestamp(Utc::now());
    let rows_per_s = |threads: usize| {
        let (agency, owners) = (agency.to_owned(), staff.clone());
        inserts_per_s(pool, threads, raw_total, move |c, n| {
            use diesel::sql_types::{BigInt, Bool, Date, Integer, Timestamp};
            let (employee, result) = &owners[n % owners.len()];
            // Every column of a stored log, as the application writes it.
            diesel::sql_query(
                "INSERT INTO daily_logs (id, agency_id, employee_id, client_id, client_hash, log_date, start_time, \
                 end_time, duration_minutes, description, output_quantity, output_unit, evidence_url, latitude, \
                 longitude, planned_result_id, additional_duty, status, review_reason, reviewed_by_employee_id, \
                 reviewed_at, change_seq, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, NULL, NULL, $4, NULL, NULL, $5, $6, $7, NULL, NULL, NULL, NULL, $8, $9, $10, \
                 NULL, NULL, NULL, $11, $12, $13, $14)",
            )
            .bind::<Text, _>(uuid::Uuid::now_v7().to_string())
            .bind::<Text, _>(&agency)
            .bind::<Text, _>(employee.to_string())
            .bind::<Date, _>(today - chrono::Duration::days(i64::try_from(n).unwrap_or(0) % days))
            .bind::<Integer, _>(1)
            .bind::<Text, _>(format!("Benchmark raw log {n}"))
            .bind::<BigInt, _>(1i64)
            .bind::<Text, _>(result.to_string())
            .bind::<Bool, _>(false)
            .bind::<Text, _>("submitted")
            .bind::<BigInt, _>(0i64)
            .bind::<Integer, _>(1)
            .bind::<Timestamp, _>(at)
            .bind::<Timestamp, _>(at)
            .execute(c)
        })
    };
    let (one, many) = (rows_per_s(1)?, rows_per_s(threads)?);
    let (row_rate, row_threads) = if one >= many { (one, 1) } else { (many, threads) };
    // The baseline's rows were written without their days; the later steps read the days.
    {
        let mut c = pool.get().map_err(|e| e.to_string())?;
        let agency_id: uuid::Uuid = agency.parse().map_err(|e| format!("agency id: {e}"))?;
        ekinerja_persistence::log_day::rebuild(&mut c, agency_id.into()).map_err(|e| e.to_string())?;
    }
    println!(
        "daily_log_create  engine={engine} connections={connections} requests={} errors={errors} rate_per_s={rate:.0} p50_ms={:.1} p99_ms={:.1}",
        latencies.len(),
        pct(0.50),
        pct(0.99)
    );
    println!(
        "daily_log_create  engine={engine} baseline_raw_insert_rate_per_s={raw_rate:.0} ({threads} threads, one row per transaction) ratio={:.2}",
        rate / raw_rate
    );
    println!(
        "daily_log_create  engine={engine} baseline_raw_daily_log_row_insert_rate_per_s={row_rate:.0} ({row_threads} thread(s), the same rows straight into daily_logs, one per transaction; {one:.0}/s from 1, {many:.0}/s from {threads}) ratio={:.2}",
        rate / row_rate
    );
    Ok(())
}

/// Rows per second when `threads` threads insert `total` rows between them, one `insert` (one
/// statement, its own transaction) each; `insert` gets the row's number, unique across threads.
fn inserts_per_s<F>(pool: &db::Pool, threads: usize, total: usize, insert: F) -> Result<f64, String>
where
    F: Fn(&mut DbConnection, usize) -> diesel::QueryResult<usize> + Send + Sync + 'static,
{
    let insert = std::sync::Arc::new(insert);
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (pool, insert) = (pool.clone(), insert.clone());
            std::thread::spawn(move || -> Result<(), String> {
                let mut c = pool.get().map_err(|e| e.to_string())?;
                for i in 0..total / threads {
                    insert(&mut c, t + i * threads).map_err(|e| e.to_string())?;
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.join().map_err(|_| "an insert thread panicked".to_owned())??;
    }
    Ok((total / threads * threads) as f64 / started.elapsed().as_secs_f64())
}

/// The last complete month before `today`: its first day and every weekday in it.
fn last_month(today: chrono::NaiveDate) -> (chrono::NaiveDate, Vec<chrono::NaiveDate>) {
    use chrono::Datelike;
    let this = today.with_day(1).unwrap_or(today);
    let first = this.checked_sub_months(chrono::Months::new(1)).unwrap_or(this);
    let days = first.iter_days().take_while(|d| *d < this).filter(|d| d.weekday().num_days_from_monday() < 5).collect();
    (first, days)
}

/// Attendance: a month of events for every employee pushed through the real server in batches
/// of 500, next to raw inserts of the same rows; then the month's discipline of the whole
/// regency, next to the aggregate query it reads.
async fn attendance(
    pool: &db::Pool,
    state: web::Data<AppState>,
    engine: &str,
    admin: &ekinerja_domain::Caller,
    connections: usize,
    runs: usize,
) -> Result<(), String> {
    use ekinerja_domain::{IntegrationScope, Name};
    use ekinerja_persistence::{discipline, employee, integration_key, Change};
    let agency_id = admin.agency_id.ok_or("the admin has no agency")?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let (key, _, secrets) = ekinerja_api::integration::new_key(false);
    let change = Change::new(admin.clone(), Utc::now(), None);
    let name = Name::parse("Benchmark e-Presensi").map_err(|e| e.to_string())?;
    integration_key::issue(&mut conn, &change, agency_id, &name, &[IntegrationScope::AttendanceWrite], secrets)
        .map_err(|e| e.to_string())?;
    let nips: Vec<String> = employee::of_agency(&mut conn, agency_id)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|e| e.active)
        .map(|e| e.nip)
        .collect();
    drop(conn);
    let (first, days) = last_month((Utc::now() + chrono::Duration::hours(7)).date_naive());
    // Every employee every weekday, but one day in twenty absent: in between 07:00 and 08:00,
    // out between 16:00 and 16:40, in a spread that hits every deduction band now and then.
    let mut events = Vec::new();
    for (e, nip) in nips.iter().enumerate() {
        for (d, day) in days.iter().enumerate() {
            let h = (e * 31 + d * 17) % 97;
            if h % 20 == 0 {
                continue;
            }
            let inn = format!("{day}T07:{:02}:00+07:00", (h * 7) % 60);
            let out = format!("{day}T16:{:02}:00+07:00", (h * 3) % 40);
            events.push(format!(
                r#"{{"source_event_id":"B-{e}-{d}-in","nip":"{nip}","occurred_at":"{inn}","kind":"check_in","device_id":"FP-{}"}}"#,
                e % 50
            ));
            events.push(format!(
                r#"{{"source_event_id":"B-{e}-{d}-out","nip":"{nip}","occurred_at":"{out}","kind":"check_out","device_id":"FP-{}"}}"#,
                e % 50
            ));
        }
    }
    let batches: Vec<String> = events.chunks(500).map(|c| format!(r#"{{"events":[{}]}}"#, c.join(","))).collect();
    let total_events = events.len();
    drop(events);

    let server_state = state.clone();
    let server = actix_web::HttpServer::new(move || app(server_state.clone()))
        .workers(2)
        .bind(("127.0.0.1", 0))
        .map_err(|e| e.to_string())?;
    let addr = *server.addrs().first().ok_or("no address")?;
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let batches = std::sync::Arc::new(batches);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections.max(1) {
        let (batches, next, key) = (batches.clone(), next.clone(), key.clone());
        tasks.push(actix_web::rt::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut buf = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(body) = batches.get(i) else { break };
                let request = format!(
                    "POST /api/v1/attendance-events/batch HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {key}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let t = Instant::now();
                let status = roundtrip(&mut stream, request.as_bytes(), &mut buf).await?;
                latencies.push(t.elapsed());
                let refused = !buf.windows(12).any(|w| w == b"\"refused\":0,");
                if status != 200 || refused {
                    errors += 1;
                    if errors == 1 {
                        eprintln!("unexpected answer {status}: {}", String::from_utf8_lossy(&buf[..buf.len().min(600)]));
                    }
                }
            }
            Ok::<_, String>((latencies, errors))
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.map_err(|e| e.to_string())??;
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    handle.stop(true).await;
    // The pushed batches are the client's, not the server's: gone before memory is watched.
    drop(batches);
    latencies.sort();
    let pct =
        |p: f64| latencies.get(((latencies.len() as f64 - 1.0) * p) as usize).map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let rate = total_events as f64 / elapsed.as_secs_f64();

    // Baselines: the same number of rows of the same width, inserted raw in transactions of 500
    // from as many threads as the push used connections: one multi-row statement a transaction
    // (raw batched inserts, issue 19's baseline), and one statement a row.
    {
        let mut c = pool.get().map_err(|e| e.to_string())?;
        for table in ["bench_raw_events", "bench_raw_events_rows"] {
            c.batch_execute(&format!(
                "CREATE TABLE {table} (id TEXT PRIMARY KEY NOT NULL, agency_id TEXT NOT NULL, \
                 employee_id TEXT NOT NULL, source_event_id TEXT NOT NULL, kind TEXT NOT NULL, local_date TEXT NOT NULL, \
                 local_time TEXT NOT NULL, device_id TEXT, UNIQUE (agency_id, source_event_id))"
            ))
            .map_err(|e| e.to_string())?;
        }
    }
    let threads = connections.max(1);
    let raw_insert = |batched: bool| -> Result<f64, String> {
        let started = Instant::now();
        let mut handles = Vec::new();
        for t in 0..threads {
            let pool = pool.clone();
            let agency = agency_id.to_string();
            handles.push(std::thread::spawn(move || -> Result<(), String> {
                let mut c = pool.get().map_err(|e| e.to_string())?;
                let rows: Vec<usize> = (t..total_events).step_by(threads).collect();
                let values = |n: usize| {
                    [
                        uuid::Uuid::now_v7().to_string(),
                        agency.clone(),
                        format!("employee-{}", n / 40),
                        format!("R-{n}"),
                        "check_in".to_owned(),
                        "2026-10-01".to_owned(),
                        "07:21:00".to_owned(),
                        "FP-1".to_owned(),
                    ]
                };
                const COLUMNS: &str = "(id, agency_id, employee_id, source_event_id, kind, local_date, local_time, device_id)";
                for chunk in rows.chunks(500) {
                    db::write(&mut c, |c| -> Result<(), diesel::result::Error> {
                        if batched {
                            let tuples = db::values_list(c, chunk.len(), 8);
                            let sql = format!("INSERT INTO bench_raw_events {COLUMNS} VALUES {tuples}");
                            let mut q = diesel::sql_query(sql).into_boxed::<db::Backend>();
                            for n in chunk {
                                for v in values(*n) {
                                    q = q.bind::<Text, _>(v);
                                }
                            }
                            q.execute(c)?;
                        } else {
                            for n in chunk {
                                let [a, b, e, f, g, h, i, j] = values(*n);
                                diesel::sql_query(format!(
                                    "INSERT INTO bench_raw_events_rows {COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                                ))
                                .bind::<Text, _>(a)
                                .bind::<Text, _>(b)
                                .bind::<Text, _>(e)
                                .bind::<Text, _>(f)
                                .bind::<Text, _>(g)
                                .bind::<Text, _>(h)
                                .bind::<Text, _>(i)
                                .bind::<Text, _>(j)
                                .execute(c)?;
                            }
                        }
                        Ok(())
                    })
                    .map_err(|e| e.to_string())?;
                }
                Ok(())
            }));
        }
        for h in handles {
            h.join().map_err(|_| "raw insert thread panicked".to_owned())??;
        }
        Ok(total_events as f64 / started.elapsed().as_secs_f64())
    };
    let batched_rate = raw_insert(true)?;
    let row_rate = raw_insert(false)?;
    println!(
        "attendance_push  engine={engine} events={total_events} batches={} connections={connections} errors={errors} rate_per_s={rate:.0} batch_p50_ms={:.1} batch_p99_ms={:.1}",
        latencies.len(),
        pct(0.50),
        pct(0.99)
    );
    println!(
        "attendance_push  engine={engine} baseline_raw_batched_insert_rate_per_s={batched_rate:.0} (same rows, one 500-row statement a transaction, {connections} threads) ratio={:.2}",
        rate / batched_rate
    );
    println!(
        "attendance_push  engine={engine} baseline_raw_row_insert_rate_per_s={row_rate:.0} (same rows, a statement a row, transactions of 500, {connections} threads) ratio={:.2}",
        rate / row_rate
    );

    // The month's discipline for every employee, against the aggregate query alone.
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let now = Utc::now();
    let mut samples = Vec::new();
    let mut employees_judged = 0;
    let mut deducted = 0;
    for run in 0..=runs {
        let t = Instant::now();
        let m = discipline::agency_month(&mut conn, agency_id, first, now).map_err(|e| e.to_string())?;
        if run > 0 {
            samples.push(t.elapsed());
        }
        employees_judged = m.employees.len();
        deducted = m.employees.iter().filter(|e| e.month.deduction_bp > 0).count();
    }
    let last = days.last().copied().unwrap_or(first);
    let mut raw = Vec::new();
    for run in 0..=runs {
        let t = Instant::now();
        let rows: Vec<RawDay> = diesel::sql_query(
            "SELECT employee_id, MIN(local_time) AS first_time FROM attendance_events \
             WHERE agency_id = $1 AND local_date >= $2 AND local_date <= $3 AND voided_at IS NULL \
             GROUP BY employee_id, local_date, kind",
        )
        .bind::<Text, _>(agency_id.to_string())
        .bind::<diesel::sql_types::Date, _>(first)
        .bind::<diesel::sql_types::Date, _>(last)
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
        if run > 0 {
            raw.push(t.elapsed());
        }
        std::hint::black_box(rows.len());
    }
    // What discipline reads instead since issue 19: the days kept with the events.
    let mut stored = Vec::new();
    for run in 0..=runs {
        let t = Instant::now();
        let days = ekinerja_persistence::attendance_day::of(
            &mut conn,
            ekinerja_persistence::summary::Whose::Agency(agency_id.into()),
            first,
            last,
        )
        .map_err(|e| e.to_string())?;
        if run > 0 {
            stored.push(t.elapsed());
        }
        std::hint::black_box(days.len());
    }
    let (m, min, max) = stats(samples);
    let (rm, rmin, rmax) = stats(raw);
    let (sm, smin, smax) = stats(stored);
    println!(
        "discipline_month  engine={engine} month={} employees={employees_judged} with_deductions={deducted} compute_ms median={m:.0} min={min:.0} max={max:.0} ({runs} runs)",
        first.format("%Y-%m")
    );
    println!(
        "discipline_month  engine={engine} baseline_aggregate_query_ms median={rm:.0} min={rmin:.0} max={rmax:.0} (the per-day GROUP BY of the events alone)"
    );
    println!(
        "discipline_month  engine={engine} stored_days_read_ms median={sm:.0} min={smin:.0} max={smax:.0} (the month's attendance_days rows alone)"
    );

    // The month's allowance run for the whole regency (productivity basis, so every employee is
    // computed without evaluations), recomputed in place each time.
    use ekinerja_domain::allowance::{AgencyPolicy, AllowancePolicy, PerformanceBasis};
    let policy = AgencyPolicy {
        allowance: AllowancePolicy { basis: PerformanceBasis::Productivity, ..AllowancePolicy::default() },
        base_amounts: (1..=17).map(|c| (c, 1_000_000 + i64::from(c) * 250_000)).collect(),
        ..AgencyPolicy::default()
    };
    ekinerja_persistence::allowance_policy::set(&mut conn, &change, agency_id, first, &policy)
        .map_err(|e| e.to_string())?;
    let mut run_samples = Vec::new();
    let mut lines = 0;
    let mut total = 0;
    for run in 0..=runs {
        let t = Instant::now();
        let (d, _) = ekinerja_persistence::allowance_run::compute_run(&mut conn, &change, agency_id, None, first, now)
            .map_err(|e| e.to_string())?;
        if run > 0 {
            run_samples.push(t.elapsed());
        }
        lines = d.run.computed;
        total = d.run.total;
    }
    let (am, amin, amax) = stats(run_samples);
    println!(
        "allowance_run  engine={engine} month={} employees_computed={lines} total_rp={total} compute_ms median={am:.0} min={amin:.0} max={amax:.0} (whole regency, stored, {runs} runs)",
        first.format("%Y-%m")
    );
    println!(
        "allowance_run  engine={engine} baseline_discipline_month_ms median={m:.0} (the discipline it builds on, above)"
    );
    Ok(())
}

#[derive(QueryableByName)]
#[allow(dead_code)]
struct RawDay {
    #[diesel(sql_type = Text)]
    employee_id: String,
    #[diesel(sql_type = Text)]
    first_time: String,
}

#[derive(QueryableByName)]
#[allow(dead_code)]
struct RawLogDay {
    #[diesel(sql_type = Text)]
    employee_id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    minutes: i64,
}

/// Loads the last 30 days' logs for every active employee (four hours each working day, on their
/// first planned result in force where they have one) with multi-row inserts.
fn load_logs(conn: &mut DbConnection, agency_id: uuid::Uuid, today: chrono::NaiveDate) -> Result<usize, String> {
    use chrono::Datelike;
    use ekinerja_persistence::{agreement, employee};
    let agency = agency_id.to_string();
    let people: Vec<String> = employee::of_agency(conn, agency_id)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|e| e.active)
        .map(|e| e.id.to_string())
        .collect();
    let mut rhk: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for r in agreement::approved_results(conn, agency_id).map_err(|e| e.to_string())? {
        rhk.entry(r.employee_id.to_string()).or_insert(r.result_id.to_string());
    }
    let days: Vec<chrono::NaiveDate> = (1..=30u64)
        .filter_map(|n| today.checked_sub_days(chrono::Days::new(n)))
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .collect();
    let stamp = Utc::now().naive_utc().format("%Y-%m-%d %H:%M:%S").to_string();
    let mut rows = Vec::with_capacity(people.len() * days.len());
    let mut seq = 0i64;
    for p in &people {
        for d in &days {
            seq += 1;
            // Every value is generated here (ids, dates, numbers), never user text.
            let (result, duty) = match rhk.get(p) {
                Some(r) => (format!("'{r}'"), "FALSE"),
                None => ("NULL".to_owned(), "TRUE"),
            };
            // Four days in five already accepted by the supervisor, the rest waiting: workload and
            // maturity count accepted work, so a benchmark of submitted logs alone measured views
            // with nothing to count.
            let (status, reviewed) =
                if seq % 5 == 0 { ("submitted", "NULL".to_owned()) } else { ("accepted", format!("'{stamp}'")) };
            rows.push(format!(
                "('{}', '{agency}', '{p}', '{d}', 240, 'Pekerjaan rutin', 1, {result}, {duty}, '{status}', {reviewed}, {seq}, 1, '{stamp}', '{stamp}')",
                uuid::Uuid::now_v7()
            ));
        }
    }
    conn.transaction(|conn| {
        for chunk in rows.chunks(500) {
            conn.batch_execute(&format!(
                "INSERT INTO daily_logs (id, agency_id, employee_id, log_date, duration_minutes, description, \
                 output_quantity, planned_result_id, additional_duty, status, reviewed_at, change_seq, version, created_at, \
                 updated_at) \
                 VALUES {}",
                chunk.join(", ")
            ))?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(|e| e.to_string())?;
    // The logs went in straight, so their days are made from them here.
    ekinerja_persistence::log_day::rebuild(conn, agency_id.into()).map_err(|e| e.to_string())?;
    Ok(rows.len())
}

/// Dashboards, workload and maturity of the agency and one OPD, each through the HTTP
/// application, against the per-employee, per-day aggregate of the month's logs.
#[allow(clippy::too_many_arguments)]
async fn analysis(
    pool: &db::Pool,
    state: web::Data<AppState>,
    engine: &str,
    admin: &ekinerja_domain::Caller,
    runs: usize,
    url: &str,
    period: ekinerja_domain::id::PerformancePeriodId,
    only: &[String],
) -> Result<(), String> {
    use chrono::Datelike;
    use ekinerja_persistence::{employee, org_unit};
    let agency_id = admin.agency_id.ok_or("the admin has no agency")?;
    let agency = agency_id.to_string();
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let today =
        ekinerja_persistence::chart::agency_today(&mut conn, agency_id, Utc::now()).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let loaded = load_logs(&mut conn, agency_id, today)?;
    eprintln!("[{engine}] loaded {loaded} daily logs in {:.1} s", started.elapsed().as_secs_f64());
    analyze(&mut conn)?;
    // An OPD (with its sections): the first one created.
    let (opd, opd_code) = every(|page| org_unit::list(&mut conn, admin, &org_unit::OrgUnitFilter::default(), page))?
        .into_iter()
        .find(|u| u.parent_id.is_none())
        .map(|u| (u.id, u.code))
        .ok_or("no OPD")?;
    let opd_staff = org_unit::staff(&mut conn, agency_id.into(), opd).map_err(|e| e.to_string())?.1.len();
    // Active employees holding a post.
    let staff = employee::of_agency(&mut conn, agency_id)
        .map_err(|e| e.to_string())?
        .iter()
        .filter(|e| e.active && e.position_id.is_some())
        .count();

    let first = today.with_day0(0).unwrap_or(today);
    let mut raw = Vec::new();
    for run in 0..=runs {
        let t = Instant::now();
        let rows: Vec<RawLogDay> = diesel::sql_query(
            "SELECT employee_id, CAST(SUM(duration_minutes) AS BIGINT) AS minutes FROM daily_logs \
             WHERE agency_id = $1 AND log_date >= $2 AND log_date <= $3 AND status <> 'rejected' GROUP BY employee_id, log_date",
        )
        .bind::<Text, _>(&agency)
        .bind::<diesel::sql_types::Date, _>(today - chrono::Days::new(30))
        .bind::<diesel::sql_types::Date, _>(today)
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
        if run > 0 {
            raw.push(t.elapsed());
        }
        std::hint::black_box(rows.len());
    }
    drop(conn);
    let (rm, rmin, rmax) = stats(raw);
    println!(
        "analysis  engine={engine} employees={staff} opd={opd_code} opd_employees={opd_staff} daily_logs_loaded={loaded} month={}",
        first.format("%Y-%m")
    );
    println!(
        "analysis  engine={engine} baseline_log_aggregate_ms median={rm:.1} min={rmin:.1} max={rmax:.1} (30 days of logs per employee and day, one query)"
    );

    let token = token_for(&state, admin)?;
    let service = test::init_service(app(state.clone())).await;
    let paths = [
        format!("/api/v1/performance-periods/{period}/cascade"),
        format!("/api/v1/agencies/{agency}/dashboard"),
        format!("/api/v1/org-units/{opd}/dashboard"),
        format!("/api/v1/agencies/{agency}/workload"),
        format!("/api/v1/org-units/{opd}/workload"),
        format!("/api/v1/agencies/{agency}/maturity"),
        format!("/api/v1/org-units/{opd}/maturity"),
        format!("/api/v1/agencies/{agency}/maturity/history"),
    ];
    let endpoints: Vec<(&str, String)> = ANALYSIS_ENDPOINTS
        .into_iter()
        .zip(paths)
        .filter(|(name, _)| only.is_empty() || only.iter().any(|o| o == name))
        .collect();
    for (name, path) in &endpoints {
        let mut samples = Vec::new();
        let mut bytes = 0;
        for run in 0..=runs {
            let t = Instant::now();
            let req = test::TestRequest::get()
                .uri(path)
                .insert_header(("authorization", format!("Bearer {token}")))
                .to_request();
            let res = test::call_service(&service, req).await;
            if !res.status().is_success() {
                let status = res.status();
                let body = test::read_body(res).await;
                return Err(format!("{path} answered {status}: {}", String::from_utf8_lossy(&body)));
            }
            bytes = test::read_body(res).await.len();
            if run > 0 {
                samples.push(t.elapsed());
            }
        }
        let (m, min, max) = stats(samples);
        println!(
            "analysis  engine={engine} {name}_ms median={m:.1} min={min:.1} max={max:.1} (GET {}, {bytes} bytes, {runs} runs)",
            path.replace(&agency, "{id}").replace(&opd.to_string(), "{id}").replace(&period.to_string(), "{id}")
        );
    }
    // The same reads, and the month's allowance run, from the server in a process of its own.
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {token}\r\n\r\n");
    let (month, _) = last_month(today);
    let run = format!(r#"{{"month":"{}"}}"#, month.format("%Y-%m"));
    let mut requests: Vec<(&str, String)> = endpoints.iter().map(|(name, path)| (*name, get(path))).collect();
    if only.is_empty() {
        // After the cascade tree, before the dashboards.
        requests.insert(
            1,
            (
                "allowance_run",
                format!(
                    "POST /api/v1/allowance-runs HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{run}",
                    run.len()
                ),
            ),
        );
    }
    server_memory(url, engine, &requests).await
}
