//! The `ekinerja` binary: `serve` (the default), `migrate`, `seed-demo`, `create-admin`, `openapi`,
//! `audit-verify`, `check-summaries`, `backup`, `ready`.

use std::io::BufRead;
use std::process::ExitCode;

use actix_web::{web, HttpServer};
use clap::{Parser, Subcommand};
use ekinerja_api::logging::{self, say};
use ekinerja_api::settings::LogFormat;
use ekinerja_api::{app, auth, metrics, openapi, AppState, Settings};
use ekinerja_persistence::{account, db, timestamp};

#[derive(Parser)]
#[command(name = "ekinerja", version, about = "e-Kinerja: performance management for Indonesian civil servants")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the API (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Load the demo regency into an empty database and print the demo logins.
    SeedDemo,
    /// Create a platform admin. The password is read from EKINERJA_ADMIN_PASSWORD, or from the
    /// first line of standard input.
    CreateAdmin {
        /// Login name of the new admin.
        #[arg(long)]
        username: String,
    },
    /// Print the OpenAPI document (YAML).
    Openapi,
    /// Check the tamper-evident audit trail in the database: every chain, or one agency's. Names
    /// the first broken link of each chain; exits with status 1 when one is broken.
    AuditVerify {
        /// An agency id, or `platform` for the events of no agency.
        #[arg(long)]
        agency: Option<String>,
    },
    /// Ask the server whether it is ready (`GET /readyz` on EKINERJA_BIND, or on --address):
    /// exits 0 when it answers 200, 1 otherwise. The container's health check, without curl.
    Ready {
        /// host:port to ask instead of EKINERJA_BIND (a wildcard host is asked on loopback).
        #[arg(long)]
        address: Option<String>,
    },
    /// Check the days of logs and of attendance kept with the facts against the facts themselves
    /// (after a bulk write straight into the tables, or an upgrade with an older server still
    /// writing); exits with status 1 when a day differs, unless --repair counts it again.
    CheckSummaries {
        /// Count every day that differs again from its logs or events.
        #[arg(long)]
        repair: bool,
    },
    /// Copy the SQLite database to a new file, consistently, while the server runs and writes
    /// (PostgreSQL: use pg_dump, see the README).
    Backup {
        /// The new file; an existing file is never overwritten.
        path: std::path::PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", openapi::yaml());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let format = settings.log_format;
    logging::init(format);
    match run(cli.command.unwrap_or(Command::Serve), settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match format {
                LogFormat::Text => eprintln!("error: {e}"),
                LogFormat::Json => log::error!("{e}"),
            }
            ExitCode::FAILURE
        }
    }
}

fn open(settings: &Settings) -> Result<db::Pool, String> {
    let pool = db::connect(&settings.database_url, settings.pool_size).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| format!("cannot connect to the database: {e}"))?;
    let applied = db::migrate(&mut conn).map_err(|e| e.to_string())?;
    if applied > 0 {
        log::info!("applied {applied} migration(s)");
    }
    Ok(pool)
}

fn seed_if_empty(pool: &db::Pool) -> Result<Option<ekinerja_demo::DemoLogins>, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    if account::any(&mut conn).map_err(|e| e.to_string())? {
        return Ok(None);
    }
    let hash = auth::hash_password(ekinerja_demo::DEMO_PASSWORD).map_err(|e| e.to_string())?;
    let mut bars = ekinerja_api::progress_bar::Bars::default();
    let logins = ekinerja_demo::seed_demo(&mut conn, hash, chrono::Utc::now(), &mut |step| bars.step(step))
        .map_err(|e| e.to_string())?;
    let stages: Vec<String> = bars.stages().iter().map(|(s, d)| format!("{s} {:.1} s", d.as_secs_f64())).collect();
    log::info!("demo loaded; stages: {}", stages.join(", "));
    Ok(Some(logins))
}

fn run(command: Command, settings: Settings) -> Result<(), String> {
    match command {
        Command::Openapi => Ok(()),
        Command::AuditVerify { agency } => {
            let pool = open(&settings)?;
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let verdict = ekinerja_api::audit_verify::run(&mut conn, agency.as_deref())?;
            print!("{}", verdict.text);
            if verdict.whole {
                Ok(())
            } else {
                Err("the audit trail was changed behind the API's back".into())
            }
        }
        Command::CheckSummaries { repair } => {
            let pool = open(&settings)?;
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let checked = ekinerja_persistence::summary::check(&mut conn, repair).map_err(|e| e.to_string())?;
            let differ = checked.log_days + checked.log_months + checked.log_result_months + checked.attendance_days;
            let mended = if repair && differ > 0 { ", counted again from the facts" } else { "" };
            say(
                settings.log_format,
                &format!(
                    "days of logs that differed from the logs: {}; months of logs: {}; months of logs per planned result: {}; days of attendance that differed from the events: {}{mended}",
                    checked.log_days, checked.log_months, checked.log_result_months, checked.attendance_days
                ),
            );
            if differ == 0 || repair {
                Ok(())
            } else {
                Err("summaries differ from their facts; run again with --repair".into())
            }
        }
        Command::Migrate => open(&settings).map(|_| ()),
        Command::Ready { address } => ready(address.as_deref().unwrap_or(&settings.bind)),
        Command::Backup { path } => {
            // No migrations: a backup copies the database as the server left it.
            let pool = db::connect(&settings.database_url, 1).map_err(|e| e.to_string())?;
            let mut conn = pool.get().map_err(|e| format!("cannot connect to the database: {e}"))?;
            db::backup(&mut conn, &path).map_err(|e| e.to_string())?;
            say(settings.log_format, &format!("backed up to {}", path.display()));
            Ok(())
        }
        Command::SeedDemo => {
            let pool = open(&settings)?;
            match seed_if_empty(&pool)? {
                Some(logins) => say(settings.log_format, &logins.to_string()),
                None => {
                    return Err("the database already holds accounts; demo data loads only into an empty one".into())
                }
            }
            Ok(())
        }
        Command::CreateAdmin { username } => {
            let password = match std::env::var("EKINERJA_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("password for {username} (one line on standard input):");
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let username =
                ekinerja_domain::Code::parse(&username).map_err(|e| format!("username {e}"))?.as_str().to_lowercase();
            auth::check_new_password(&password, &[&username]).map_err(|e| format!("password {e}"))?;
            let pool = open(&settings)?;
            let hash = auth::hash_password(&password).map_err(|e| e.to_string())?;
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let acc =
                account::bootstrap_platform_admin(&mut conn, &username, hash, timestamp(chrono::Utc::now()), None)
                    .map_err(|e| e.to_string())?;
            say(settings.log_format, &format!("platform admin {username} created (account {})", acc.id));
            Ok(())
        }
        Command::Serve => {
            let pool = open(&settings)?;
            {
                // An SQLite database has one server: jobs it was running when it stopped run again now.
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                let requeued = ekinerja_persistence::job::requeue_orphans(&mut conn).map_err(|e| e.to_string())?;
                if requeued > 0 {
                    log::info!("{requeued} job(s) left running by the last start wait again");
                }
            }
            if settings.seed_demo_if_empty {
                let said = match seed_if_empty(&pool)? {
                    Some(logins) => format!("Loaded the demo regency.\n{logins}"),
                    None => format!(
                        "The database already holds data. Demo logins, if it holds the demo regency: `admin` \
                         (platform admin), `bkpsdm.sukamaju` (agency admin), password {}; `make clean-db` starts over.",
                        ekinerja_demo::DEMO_PASSWORD
                    ),
                };
                say(settings.log_format, &said);
            }
            serve(pool, settings).map_err(|e| e.to_string())
        }
    }
}

/// `GET /readyz` over plain HTTP/1.0 on `address`, answered 200 within five seconds.
fn ready(address: &str) -> Result<(), String> {
    use std::io::{Read, Write};
    use std::net::{TcpStream, ToSocketAddrs};
    use std::time::Duration;
    // A server bound to every interface is asked on loopback.
    let asked = match address.rsplit_once(':') {
        Some(("0.0.0.0", port)) => format!("127.0.0.1:{port}"),
        Some(("[::]", port)) => format!("[::1]:{port}"),
        _ => address.to_owned(),
    };
    let timeout = Duration::from_secs(5);
    let to = asked
        .to_socket_addrs()
        .map_err(|e| format!("{asked}: {e}"))?
        .next()
        .ok_or_else(|| format!("{asked}: no address"))?;
    let mut stream = TcpStream::connect_timeout(&to, timeout).map_err(|e| format!("{asked}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream
        .write_all(format!("GET /readyz HTTP/1.0\r\nHost: {asked}\r\n\r\n").as_bytes())
        .map_err(|e| format!("{asked}: {e}"))?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).map_err(|e| format!("{asked}: {e}"))?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    let status_line = status_line.lines().next().unwrap_or_default();
    if status_line.split_whitespace().nth(1) == Some("200") {
        Ok(())
    } else {
        Err(format!("{asked} is not ready: {status_line}"))
    }
}

#[actix_web::main]
async fn serve(pool: db::Pool, settings: Settings) -> std::io::Result<()> {
    let bind = settings.bind.clone();
    let (format, metrics_bind) = (settings.log_format, settings.metrics_bind.clone());
    let state = web::Data::new(AppState::new(pool, settings)?);
    // actix-web stops gracefully on SIGINT/SIGTERM: it stops accepting, lets requests in flight
    // finish (up to the shutdown timeout), then returns.
    let api_state = state.clone();
    let api = HttpServer::new(move || app(api_state.clone())).shutdown_timeout(30).bind(&bind)?.run();
    say(
        format,
        &format!(
            "e-Kinerja listening on http://{bind}\n  API docs:  http://{bind}/docs/\n  OpenAPI:   http://{bind}/openapi.json"
        ),
    );
    match metrics_bind {
        None => api.await,
        Some(address) => {
            // One worker: a scrape every few seconds needs no more.
            let scrapes = HttpServer::new(move || metrics::metrics_app(state.clone()))
                .workers(1)
                .shutdown_timeout(5)
                .bind(&address)?
                .run();
            say(format, &format!("  Metrics:   http://{address}/metrics"));
            tokio::try_join!(api, scrapes).map(|_| ())
        }
    }
}
