//! Running the server: the Prometheus metrics on their own address after real traffic, and an
//! SQLite backup taken while daily logs are being written.

use actix_web::http::Method;
use actix_web::test;
use chrono::{Duration, Utc};
use ekinerja_persistence::db;
use ekinerja_tests::builders::{log, past_day, setup};
use ekinerja_tests::{TestApp, PASSWORD};
use serde_json::json;

/// The exposition text served on the metrics address.
async fn scrape(app: &TestApp) -> (u16, Option<String>, String) {
    let service = test::init_service(ekinerja_api::metrics::metrics_app(app.state.clone())).await;
    let res = test::call_service(&service, test::TestRequest::get().uri("/metrics").to_request()).await;
    let status = res.status().as_u16();
    let kind = res.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = test::read_body(res).await;
    (status, kind, String::from_utf8_lossy(&body).into_owned())
}

/// The value of the sample `name` whose labels include every one of `labels` (summed when
/// several match), or `None` when none does.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else { continue };
        let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
        if metric != name || !labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\""))) {
            continue;
        }
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number in {line}"));
        found = Some(found.unwrap_or(0.0) + value);
    }
    found
}

#[actix_web::test]
async fn after_traffic_the_metrics_address_shows_every_series_and_the_api_address_does_not() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "OPS-M", 960).await;
    let staff = &s.org.staff1.token;
    // A daily log through the writer, and a read of it.
    let logged = app.post("/api/v1/daily-logs", staff, log(&s.staff_rhk, past_day(), "08:00", "09:00")).await;
    logged.assert_status(201);
    app.get(&format!("/api/v1/daily-logs/{}", logged.id()), staff).await.assert_status(200);
    // Five wrong passwords from one address, then the right one from it: slowed.
    for _ in 0..5 {
        app.req(Method::POST, "/api/v1/auth/login")
            .peer("10.9.9.9:4000")
            .json(json!({"login": s.org.staff2.nip, "password": "not-the-password"}))
            .send()
            .await
            .assert_problem(401, "unauthenticated");
    }
    app.req(Method::POST, "/api/v1/auth/login")
        .peer("10.9.9.9:4000")
        .json(json!({"login": s.org.staff2.nip, "password": PASSWORD}))
        .send()
        .await
        .assert_problem(429, "too-many-requests");
    // Two attendance events pushed by e-Presensi, one of them twice.
    let key = app
        .post(
            "/api/v1/integration-keys",
            &s.org.admin,
            json!({"name": "e-Presensi", "scopes": ["attendance_write"], "signed": false}),
        )
        .await;
    key.assert_status(201);
    let key = key.body["key"].as_str().unwrap().to_owned();
    let at = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let event = |id: &str, kind: &str| json!({"source_event_id": id, "nip": s.org.staff1.nip, "occurred_at": at, "kind": kind, "device_id": "FP-1"});
    for events in [vec![event("M-1", "check_in")], vec![event("M-1", "check_in"), event("M-2", "check_out")]] {
        app.post("/api/v1/attendance-events/batch", &key, json!({ "events": events })).await.assert_status(200);
    }
    // A scanned path.
    app.get("/wp-login.php", staff).await.assert_status(404);

    let (status, kind, text) = scrape(&app).await;
    assert_eq!(status, 200, "{text}");
    assert!(kind.is_some_and(|k| k.starts_with("text/plain; version=0.0.4")));
    let requests = |route: &str, method: &str, status: &str| {
        sample(&text, "ekinerja_http_requests_total", &[("route", route), ("method", method), ("status", status)])
    };
    assert_eq!(requests("/api/v1/daily-logs", "POST", "201"), Some(1.0), "{text}");
    assert_eq!(requests("/api/v1/daily-logs/{id}", "GET", "200"), Some(1.0), "by route template, not by path");
    assert_eq!(requests("/api/v1/auth/login", "POST", "401"), Some(5.0));
    assert_eq!(requests("/api/v1/auth/login", "POST", "429"), Some(1.0));
    assert_eq!(requests("unmatched", "GET", "404"), Some(1.0), "a scanned path makes no series of its own");
    assert!(!text.contains("wp-login"));
    let timed = |suffix: &str| {
        sample(
            &text,
            &format!("ekinerja_http_request_duration_seconds_{suffix}"),
            &[("route", "/api/v1/daily-logs"), ("method", "POST"), ("status", "201")],
        )
    };
    assert_eq!(timed("count"), Some(1.0));
    assert!(timed("sum").is_some_and(|s| s > 0.0));
    assert_eq!(sample(&text, "ekinerja_attendance_events_stored_total", &[("source", "push")]), Some(2.0));
    assert_eq!(sample(&text, "ekinerja_logins_failed_total", &[("check", "login")]), Some(5.0));
    assert_eq!(
        sample(&text, "ekinerja_logins_slowed_total", &[("check", "login"), ("reason", "throttle")]),
        Some(1.0),
        "{text}"
    );
    // Known label sets are there before anything happened to them.
    assert_eq!(sample(&text, "ekinerja_logins_slowed_total", &[("reason", "flood")]), Some(0.0));
    assert_eq!(sample(&text, "ekinerja_logins_failed_total", &[("check", "password_change")]), Some(0.0));
    assert_eq!(sample(&text, "ekinerja_attendance_events_stored_total", &[("source", "machine")]), Some(0.0));
    assert_eq!(sample(&text, "ekinerja_daily_log_group_size_count", &[]), Some(1.0), "{text}");
    assert_eq!(sample(&text, "ekinerja_daily_log_queue", &[]), Some(0.0), "the queue is empty again");
    assert_eq!(sample(&text, "ekinerja_db_pool_waiting", &[]), Some(0.0));
    let idle = sample(&text, "ekinerja_db_pool_connections", &[("state", "idle")]);
    let in_use = sample(&text, "ekinerja_db_pool_connections", &[("state", "in_use")]);
    assert!(idle.is_some_and(|n| n >= 1.0) && in_use.is_some(), "{text}");
    // Never a password, token or key in the metrics.
    assert!(!text.contains(PASSWORD) && !text.contains(&key) && !text.contains(staff.as_str()));

    // The API address does not serve them, signed in or not.
    app.req(Method::GET, "/metrics").send().await.assert_problem(404, "not-found");
    app.get("/metrics", &app.root).await.assert_problem(404, "not-found");
    // The metrics address serves nothing else.
    let service = test::init_service(ekinerja_api::metrics::metrics_app(app.state.clone())).await;
    for path in ["/api/v1/daily-logs", "/readyz", "/metrics/x"] {
        let res = test::call_service(&service, test::TestRequest::get().uri(path).to_request()).await;
        assert_eq!(res.status().as_u16(), 404, "{path}");
    }
}

#[actix_web::test]
async fn a_backup_taken_while_logs_are_written_restores_with_every_acknowledged_log() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "OPS-B", 970).await;
    let staff = s.org.staff1.token.clone();
    let day = past_day();
    let slot =
        |i: u32| (format!("{:02}:{:02}", 7 + i / 6, i % 6 * 10), format!("{:02}:{:02}", 7 + i / 6, i % 6 * 10 + 9));
    let mut acknowledged = Vec::new();
    for i in 0..12 {
        let (from, to) = slot(i);
        let res = app.post("/api/v1/daily-logs", &staff, log(&s.staff_rhk, day, &from, &to)).await;
        res.assert_status(201);
        acknowledged.push(res.id());
    }
    let dir = std::env::temp_dir().join(format!("ekinerja-backup-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("ekinerja.db");
    let pool = app.state.pool.clone();
    let target = copy.clone();
    // The backup runs on its own thread while more logs are written.
    let backup = actix_web::rt::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("a connection");
        db::backup(&mut conn, &target)
    });
    for i in 12..24 {
        let (from, to) = slot(i);
        app.post("/api/v1/daily-logs", &staff, log(&s.staff_rhk, day, &from, &to)).await.assert_status(201);
    }
    let made = backup.await.unwrap();
    if app.db.engine() == db::Engine::Postgres {
        assert!(matches!(made, Err(db::BackupError::Postgres)), "{made:?}");
        return;
    }
    made.unwrap();
    assert!(!dir.join(".ekinerja.db.partial").exists(), "no partial copy is left");
    // A backup never replaces a file.
    let mut conn = app.state.pool.get().unwrap();
    assert!(matches!(db::backup(&mut conn, &copy), Err(db::BackupError::Exists(_))));
    drop(conn);

    let restored = app.over_file(&copy);
    for id in &acknowledged {
        restored.get(&format!("/api/v1/daily-logs/{id}"), &staff).await.assert_status(200);
    }
    // The restored server takes writes of its own.
    let (from, to) = slot(30);
    restored.post("/api/v1/daily-logs", &staff, log(&s.staff_rhk, day, &from, &to)).await.assert_status(201);
    drop(restored);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sets SQLite's page limit on every connection of the pool: `None` to the current size of the
/// file, so that the next write needing a new page finds the "disk" full; `Some(n)` to `n`.
fn limit_pages(app: &TestApp, pages: Option<u64>) -> u64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        page_count: i64,
    }
    let size = app.state.pool.max_size();
    let mut conns: Vec<_> = (0..size).map(|_| app.state.pool.get().unwrap()).collect();
    let mut limit = 0;
    for conn in &mut conns {
        let db::DbConnection::Sqlite(c) = &mut **conn else { unreachable!("SQLite only") };
        let now: Vec<Count> = diesel::sql_query("PRAGMA page_count").load(c).unwrap();
        limit = pages.unwrap_or(u64::try_from(now[0].page_count).unwrap());
        diesel::sql_query(format!("PRAGMA max_page_count = {limit}")).execute(c).unwrap();
    }
    limit
}

#[actix_web::test]
async fn when_the_sqlite_disk_fills_writes_get_507_and_the_database_stays_whole() {
    let app = TestApp::spawn_with(|s| s.pool_size = 2).await;
    if app.db.engine() == db::Engine::Postgres {
        return; // a PostgreSQL server's disk is its own operators' concern
    }
    let s = setup(&app, "OPS-F", 980).await;
    let staff = s.org.staff1.token.clone();
    let day = past_day();
    let limit = limit_pages(&app, None);
    let mut stored = Vec::new();
    let mut full = None;
    for i in 0..200u32 {
        let body = json!({"duration_minutes": 1, "description": format!("log {i} {}", "x".repeat(400)),
                          "date": day, "output_quantity": 1, "output_unit": "dokumen", "planned_result_id": s.staff_rhk});
        let res = app.post("/api/v1/daily-logs", &staff, body).await;
        if res.status == 201 {
            stored.push(res.id());
        } else {
            full = Some(res);
            break;
        }
    }
    let res = full.unwrap_or_else(|| panic!("{} logs fit in {limit} pages", stored.len()));
    res.assert_problem(507, "insufficient-storage");
    assert!(res.body["detail"].as_str().unwrap().contains("nothing was saved"), "{}", res.text);
    // Another kind of write gets the same answer.
    let leave = json!({"employee_id": s.org.staff2.id, "kind": "leave", "starts_on": day, "ends_on": day});
    app.post("/api/v1/absences", &s.org.admin, leave.clone()).await.assert_problem(507, "insufficient-storage");
    // Everything acknowledged reads back, and the file is whole.
    for id in &stored {
        app.get(&format!("/api/v1/daily-logs/{id}"), &staff).await.assert_status(200);
    }
    {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let mut conn = app.state.pool.get().unwrap();
        let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(&mut *conn).unwrap();
        assert_eq!(rows.iter().map(|r| r.integrity_check.as_str()).collect::<Vec<_>>(), ["ok"]);
    }
    // Space freed: writes go through again.
    limit_pages(&app, Some(limit + 10_000));
    let body = json!({"duration_minutes": 1, "description": "after the disk was freed",
                      "date": day, "output_quantity": 1, "output_unit": "dokumen", "planned_result_id": s.staff_rhk});
    app.post("/api/v1/daily-logs", &staff, body).await.assert_status(201);
    app.post("/api/v1/absences", &s.org.admin, leave).await.assert_status(201);
}
