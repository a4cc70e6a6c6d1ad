//! Reports served by a PostgreSQL streaming replica (`EKINERJA_READ_DATABASE_URL`): never
//! missing a write acknowledged before them, and on the primary whenever the replica lags, is
//! gone, gives a report up part way, or is no replica at all.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use ekinerja_persistence::db;
use ekinerja_tests::builders::{log, past_day, setup, Setup};
use ekinerja_tests::{replica_of, TestApp};

/// Staff member 1's log number `i` (ten minutes from 07:00 on), as a body.
fn tenth(s: &Setup, i: u32) -> serde_json::Value {
    let at = |m: u32| format!("{:02}:{:02}", 7 + m / 60, m % 60);
    log(&s.staff_rhk, past_day(), &at(10 * i), &at(10 * i + 10))
}

/// The minutes the unit's daily-log activity report counts on that day.
async fn reported_minutes(app: &TestApp, s: &Setup) -> i64 {
    let day = past_day();
    let res = app
        .get(&format!("/api/v1/org-units/{}/daily-log-activity?from={day}&to={day}", s.org.unit), &s.org.admin)
        .await;
    res.assert_status(200);
    res.body["summary"]["minutes"].as_i64().unwrap_or_else(|| panic!("no minutes in {}", res.text))
}

/// Reports served by each database so far.
fn served(app: &TestApp) -> (u64, u64) {
    (app.state.metrics.reports_served_by("replica"), app.state.metrics.reports_served_by("primary"))
}

#[actix_web::test]
async fn reports_go_to_the_primary_when_the_replica_is_gone_or_no_replica() {
    // Nothing listens on port 1: every report waits for nothing and goes to the primary.
    let gone = TestApp::spawn_with(|s| {
        s.read_database_url = Some("postgres://postgres@127.0.0.1:1/postgres".into());
        s.read_replica_wait = Duration::from_millis(300);
    })
    .await;
    if gone.db.engine() != db::Engine::Postgres {
        // Replicas are PostgreSQL's: the settings refuse one beside an SQLite primary
        // (`settings::tests`), so there is nothing to fall back from here.
        return;
    }
    // The primary itself under another name: it is not replaying a log, so it is never taken
    // for a replica, however long it is waited for.
    let not_a_replica = TestApp::spawn_with(|s| {
        s.read_database_url = Some(format!("{}?application_name=not-a-replica", s.database_url));
        s.read_replica_wait = Duration::from_millis(50);
    })
    .await;
    for app in [&gone, &not_a_replica] {
        let s = setup(app, "KAB-R", 710).await;
        for i in 0..3 {
            app.post("/api/v1/daily-logs", &s.org.staff1.token, tenth(&s, i)).await.assert_status(201);
            assert_eq!(reported_minutes(app, &s).await, 10 * i64::from(i + 1));
        }
        assert_eq!(served(app), (0, 3), "every report on the primary");
    }
}

#[actix_web::test]
#[ignore = "needs a streaming replica: make replica-check (EKINERJA_PG_REPLICA=1 scripts/with-postgres.sh)"]
async fn reports_on_the_replica_never_miss_an_acknowledged_write() {
    let app = TestApp::spawn_with(|s| {
        s.read_database_url = Some(replica_of(&s.database_url).expect(
            "EKINERJA_TEST_READ_DATABASE_URL is not set: run this through make replica-check, which starts a replica",
        ));
        // Long enough for a loaded 2-core machine's replica to replay a write after its replay
        // resumes (a clean-clone CI run once saw it take longer than 2 s).
        s.read_replica_wait = Duration::from_secs(5);
    })
    .await;
    let replica_url = app.state.settings.read_database_url.clone().unwrap();
    let s = setup(&app, "KAB-R", 720).await;

    // Each report follows a write acknowledged just before it, and counts it.
    for i in 0..10 {
        app.post("/api/v1/daily-logs", &s.org.staff1.token, tenth(&s, i)).await.assert_status(201);
        assert_eq!(reported_minutes(&app, &s).await, 10 * i64::from(i + 1), "report {i}");
    }
    let (on_replica, on_primary) = served(&app);
    assert!(on_replica >= 8, "the replica serves the reports once it has caught up: {on_replica} of 10");
    assert_eq!(on_replica + on_primary, 10);

    // With the replica's replay paused, a report waits for it, then the primary serves it: a
    // report never reads a replica that lacks an acknowledged write.
    let mut standby = diesel::PgConnection::establish(&replica_url).expect("connect to the replica");
    standby.batch_execute("SELECT pg_wal_replay_pause()").expect("pause replay");
    app.post("/api/v1/daily-logs", &s.org.staff1.token, tenth(&s, 10)).await.assert_status(201);
    let before = served(&app);
    assert_eq!(reported_minutes(&app, &s).await, 110);
    assert_eq!(served(&app), (before.0, before.1 + 1), "served by the primary while the replica stands still");

    // Replay resumed, the replica catches up and serves the next report, the write included.
    standby.batch_execute("SELECT pg_wal_replay_resume()").expect("resume replay");
    app.post("/api/v1/daily-logs", &s.org.staff1.token, tenth(&s, 11)).await.assert_status(201);
    let before = served(&app);
    assert_eq!(reported_minutes(&app, &s).await, 120);
    assert_eq!(served(&app), (before.0 + 1, before.1), "served by the replica again");

    // A report the standby cancels part way (a conflict with its recovery, SQLSTATE 40001, as
    // the standby raises it) is run again on the primary: the caller gets the report.
    #[derive(diesel::QueryableByName)]
    struct InRecovery {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        r: bool,
    }
    let before = served(&app);
    let tries = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = tries.clone();
    let answer = ekinerja_api::state::report(&app.state, move |conn| {
        use diesel::RunQueryDsl;
        let on_standby = diesel::sql_query("SELECT pg_is_in_recovery() AS r").get_result::<InRecovery>(conn)?.r;
        seen.lock().unwrap().push(on_standby);
        if on_standby {
            diesel::sql_query(
                "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001', \
                 MESSAGE = 'canceling statement due to conflict with recovery'; END $$",
            )
            .execute(conn)?;
        }
        Ok(on_standby)
    })
    .await;
    assert_eq!(*tries.lock().unwrap(), [true, false], "tried on the standby, then on the primary");
    assert_eq!(answer.ok(), Some(false), "answered by the primary");
    assert_eq!(served(&app), (before.0, before.1 + 1), "counted once, as served by the primary");

    // A replica refuses writes: the reports that run there only read.
    let refused = standby.batch_execute("CREATE TABLE written_on_the_replica (x int)");
    assert!(refused.is_err(), "a hot standby is read-only");
}
