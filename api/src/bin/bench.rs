//! `make bench`: the figures the issues ask for, each next to a baseline measured in the same
//! run on the same database.
//!
//! The engine comes from `EKINERJA_TEST_DATABASE_URL` as in the tests: unset, a new SQLite
//! file; a `postgres://` maintenance URL, a new database on that server, dropped afterwards.
//!
//! Figures:
//! - cascade: the full cascade tree of a regency of `--employees` employees (the period's
//!   cascade, every goal's tree, through the HTTP application as the agency admin), against a
//!   raw load of the same planned results in one query.

use std::time::{Duration, Instant};

use actix_web::{test, web};
use chrono::Utc;
use clap::Parser;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use ekinerja_api::{app, auth, seed, AppState, Settings};
use ekinerja_persistence::{account, db, DbConnection};

#[derive(Parser)]
#[command(about = "e-Kinerja benchmarks")]
struct Args {
    /// Employees in the benchmark regency.
    #[arg(long, default_value_t = 10_000)]
    employees: usize,
    /// Timed repetitions of each measurement.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

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
}

impl Drop for Scratch {
    fn drop(&mut self) {
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
            Ok(Scratch { url: format!("{base}/{name}"), drop_pg: Some((admin, name)) })
        }
        None => {
            let path = std::env::temp_dir().join(format!("ekinerja-bench-{id}.db"));
            Ok(Scratch { url: format!("sqlite://{}", path.display()), drop_pg: None })
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
    let scratch = scratch()?;
    let engine = match db::Engine::of_url(&scratch.url) {
        db::Engine::Postgres => "postgresql",
        db::Engine::Sqlite => "sqlite",
    };
    let mut settings = Settings::from_lookup(|_| None).map_err(|e| e.to_string())?;
    settings.database_url = scratch.url.clone();
    let pool = db::connect(&scratch.url, 4).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    db::migrate(&mut conn).map_err(|e| e.to_string())?;

    eprintln!(
        "[{engine}] building a regency of about {} employees through the API's persistence code…",
        args.employees
    );
    let started = Instant::now();
    let hash = auth::hash_password(seed::DEMO_PASSWORD).map_err(|e| e.to_string())?;
    let logins = seed::seed_regency(&mut conn, hash, Utc::now(), seed::Shape::scaled(args.employees))
        .map_err(|e| e.to_string())?;
    let built = started.elapsed();

    let admin = account::find_for_login(&mut conn, &logins.agency_admin)
        .map_err(|e| e.to_string())?
        .and_then(|a| a.caller())
        .ok_or("the benchmark regency has no agency admin")?;
    let agency = admin.agency_id.ok_or("the agency admin has no agency")?.to_string();
    use ekinerja_persistence::schema::{organisational_goals, performance_periods};
    let goals: i64 = organisational_goals::table
        .filter(organisational_goals::agency_id.eq(&agency))
        .count()
        .get_result(&mut conn)
        .map_err(|e| e.to_string())?;
    let period: String = performance_periods::table
        .filter(performance_periods::agency_id.eq(&agency))
        .select(performance_periods::id)
        .first(&mut conn)
        .map_err(|e| e.to_string())?;
    let raw_sql = "SELECT id, lineage_id, description, parent_result_id FROM planned_results WHERE agency_id = $1";
    let load_raw = |conn: &mut DbConnection| -> Result<usize, String> {
        let rows: Vec<RawResult> =
            diesel::sql_query(raw_sql).bind::<Text, _>(&agency).load(conn).map_err(|e| e.to_string())?;
        Ok(rows.len())
    };
    let results = load_raw(&mut conn)?;
    drop(conn);

    let state = web::Data::new(AppState::new(pool.clone(), settings));
    let token = state.tokens.access_token(&admin, Utc::now()).map_err(|e| e.to_string())?;
    let service = test::init_service(app(state.clone())).await;
    let mut tree_samples = Vec::new();
    let mut nodes = 0usize;
    for run in 0..=args.runs {
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
    for run in 0..=args.runs {
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
    println!("cascade  engine={engine} full_tree_ms median={tm:.1} min={tmin:.1} max={tmax:.1} (GET /performance-periods/{{id}}/cascade through the app, {} runs)", args.runs);
    println!("cascade  engine={engine} baseline_raw_load_ms median={rm:.1} min={rmin:.1} max={rmax:.1} (one query, same rows)");
    drop(scratch);
    Ok(())
}
