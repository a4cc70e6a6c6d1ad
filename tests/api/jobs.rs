//! Jobs (issue 19): an allowance run started with `Prefer: respond-async` is answered 202 at once
//! and followed at `/api/v1/jobs/{id}` to the run it made; a job stored is never lost (another
//! server takes it, and one whose worker died is run again); only its starter follows it.

use std::time::Duration;

use actix_web::http::Method;
use chrono::{NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use ekinerja_persistence::job::{self, JobRequest};
use ekinerja_persistence::Change;
use ekinerja_tests::builders::job_ended as ended;
use ekinerja_tests::{Org, Response, TestApp};
use serde_json::{json, Value};
use uuid::Uuid;

const RUNS: &str = "/api/v1/allowance-runs";

/// An app whose clock stands after November 2026, with an org and an allowance policy.
async fn november_over(adjust: impl FnOnce(&mut ekinerja_api::Settings)) -> (TestApp, Org) {
    let mut app = TestApp::spawn_with(adjust).await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap());
    let org = app.org("JOB-A", 6300).await;
    app.post(
        "/api/v1/allowance-policies",
        &org.admin,
        json!({"effective_month": "2020-01", "rules": ekinerja_tests::builders::rules(15)}),
    )
    .await
    .assert_status(201);
    (app, org)
}

/// `POST /allowance-runs` for November, answered at once.
async fn compute_async(app: &TestApp, token: &str) -> Response {
    app.req(Method::POST, RUNS)
        .token(token)
        .header("prefer", "respond-async")
        .json(json!({"month": "2026-11"}))
        .send()
        .await
}

/// Jobs stored so far.
fn jobs_stored(app: &TestApp) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.state.pool.get().unwrap();
    diesel::sql_query("SELECT count(*) AS n FROM jobs").get_result::<Count>(&mut *conn).unwrap().n
}

/// Stores a job for November as `token`'s caller straight in the database: no worker is told.
fn store(app: &TestApp, org: &Org, token: &str) -> String {
    let (caller, _) = app.state.tokens.verify_session(token, app.state.now()).expect("a valid token");
    let change = Change::new(caller, app.state.now(), None);
    let mut conn = app.state.pool.get().unwrap();
    let request = JobRequest::AllowanceRun {
        agency_id: org.agency.parse().unwrap(),
        org_unit_id: None,
        month: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    };
    format!("/api/v1/jobs/{}", job::enqueue(&mut conn, &change, request).unwrap().id)
}

#[actix_web::test]
async fn a_run_started_as_a_job_ends_with_the_run_the_request_would_have_made() {
    let (app, org) = november_over(|_| {}).await;
    let res = compute_async(&app, &org.admin).await;
    res.assert_status(202);
    let location = res.header("location").unwrap();
    assert_eq!(location, format!("/api/v1/jobs/{}", res.id()));
    assert_eq!(res.header("preference-applied").as_deref(), Some("respond-async"));
    assert_eq!(res.header("retry-after").as_deref(), Some("1"));
    assert_eq!((res.body["kind"].as_str(), res.body["status"].as_str()), (Some("allowance_run"), Some("queued")));
    assert_eq!(res.body["progress"], json!({"stage": "waiting", "done": 0, "total": 0}));
    assert_eq!(res.body["result_location"], Value::Null);

    let job = ended(&app, &location, &org.admin).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["problem"], Value::Null);
    assert_eq!(job["attempts"], 1);
    assert!(job["started_at"].is_string() && job["finished_at"].is_string());
    let run_path = job["result_location"].as_str().unwrap().to_owned();
    // Its result is a run, not a file.
    app.get(&format!("{location}/file"), &org.admin).await.assert_problem(404, "not-found");
    let run = app.get(&run_path, &org.admin).await;
    run.assert_status(200);
    let employees = run.body["employees"].as_i64().unwrap();
    assert!(employees >= 5, "{}", run.text);
    assert_eq!(job["progress"], json!({"stage": "finished", "done": employees, "total": employees}));
    assert_eq!(run.body["computed_at"], job["created_at"], "computed as of the request that started it");

    // The same request waiting for its answer recomputes that draft in place, to the same figures.
    let now = app.post(RUNS, &org.admin, json!({"month": "2026-11"})).await;
    now.assert_status(200);
    assert_eq!(format!("{RUNS}/{}", now.id()), run_path);
    assert_eq!((&now.body["total"], &now.body["employees"]), (&run.body["total"], &run.body["employees"]));

    // Without the preference, or with another one only, the answer waits as before.
    let other = app
        .req(Method::POST, RUNS)
        .token(&org.admin)
        .header("prefer", "return=minimal")
        .json(json!({"month": "2026-11"}))
        .send()
        .await;
    other.assert_status(200);
    assert_eq!(other.header("preference-applied"), None);
}

#[actix_web::test]
async fn a_job_is_refused_as_the_request_would_be_and_followed_by_its_starter_only() {
    let (app, org) = november_over(|_| {}).await;
    // Refused at once, as the waiting request is, and nothing stored.
    compute_async(&app, &org.staff1.token).await.assert_problem(403, "forbidden");
    let this_month = app
        .req(Method::POST, RUNS)
        .token(&org.admin)
        .header("prefer", "respond-async")
        .json(json!({"month": "2026-12"}))
        .send()
        .await;
    this_month.assert_invalid("#/month");
    let foreign_unit = app
        .req(Method::POST, RUNS)
        .token(&org.admin)
        .header("prefer", "respond-async")
        .json(json!({"month": "2026-11", "org_unit_id": Uuid::now_v7()}))
        .send()
        .await;
    assert!(matches!(foreign_unit.status.as_u16(), 404 | 422), "{}", foreign_unit.text);
    assert_eq!(jobs_stored(&app), 0, "no job is stored for a refused request");

    let location = compute_async(&app, &org.admin).await.header("location").unwrap();
    ended(&app, &location, &org.admin).await;
    // Nobody else follows it: not a staff member of the agency, not another agency's admin.
    let other = app.org("JOB-B", 6400).await;
    for token in [&org.staff1.token, &org.head.token, &other.admin] {
        app.get(&location, token).await.assert_problem(404, "not-found");
    }
    app.req(Method::GET, &location).send().await.assert_problem(401, "unauthenticated");
    app.get(&format!("/api/v1/jobs/{}", Uuid::now_v7()), &org.admin).await.assert_problem(404, "not-found");
    app.get("/api/v1/jobs/not-a-uuid", &org.admin).await.assert_status(400);
    // The platform admin follows every job (operations).
    app.get(&location, &app.root).await.assert_status(200);
}

#[actix_web::test]
async fn a_job_that_cannot_be_done_keeps_the_problem_its_request_would_have_had() {
    let (app, org) = november_over(|_| {}).await;
    // A staff member's job, stored without the request's check: the work's own check stops it.
    let location = store(&app, &org, &org.staff1.token);
    app.state.jobs.wake();
    let job = ended(&app, &location, &org.staff1.token).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(
        (job["problem"]["status"].as_u64(), job["problem"]["type"].as_str()),
        (Some(403), Some("/problems/forbidden"))
    );
    assert_eq!(job["result_location"], Value::Null);
    // Nothing of it was stored.
    let runs = app.get("/api/v1/allowance-runs?month=2026-11", &org.admin).await;
    assert_eq!(runs.body["items"].as_array().map(Vec::len), Some(0), "{}", runs.text);
}

#[actix_web::test]
async fn a_stored_job_is_never_lost() {
    // This server only looks for jobs when it starts, and is told of none.
    let (app, org) = november_over(|s| s.job_poll = Duration::from_secs(3_600)).await;
    let waiting = store(&app, &org, &org.admin);
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let res = app.get(&waiting, &org.admin).await;
    assert_eq!(res.body["status"], "queued", "{}", res.text);

    // A job claimed by a worker that died: running, its lease run out.
    let orphan = store(&app, &org, &org.admin);
    let orphan_id = orphan.rsplit('/').next().unwrap().to_owned();
    // A job every worker died on, three times.
    let doomed = store(&app, &org, &org.admin);
    let doomed_id = doomed.rsplit('/').next().unwrap().to_owned();
    {
        let mut conn = app.state.pool.get().unwrap();
        let past = Utc::now().naive_utc() - chrono::Duration::minutes(1);
        for (id, attempts) in [(&orphan_id, 1), (&doomed_id, job::MAX_ATTEMPTS)] {
            // As a worker leaves it when it dies: claimed, its lease run out.
            let sql = format!(
                "UPDATE jobs SET status = 'running', stage = 'loading', attempts = {attempts}, lease_until = '{}' \
                 WHERE id = '{id}'",
                past.format("%Y-%m-%d %H:%M:%S")
            );
            assert_eq!(diesel::sql_query(sql).execute(&mut *conn).unwrap(), 1);
        }
    }

    // Another server over the same database takes all three when it starts.
    let other = app.twin();
    let done = ended(&other, &waiting, &org.admin).await;
    assert_eq!((done["status"].as_str(), done["attempts"].as_i64()), (Some("succeeded"), Some(1)), "{done}");
    let again = ended(&other, &orphan, &org.admin).await;
    assert_eq!((again["status"].as_str(), again["attempts"].as_i64()), (Some("succeeded"), Some(2)), "{again}");
    assert_eq!(again["result_location"], done["result_location"], "run again, the same draft recomputed in place");
    let gave_up = ended(&other, &doomed, &org.admin).await;
    assert_eq!(gave_up["status"], "failed", "{gave_up}");
    assert_eq!(gave_up["problem"]["status"], 500);
    assert!(gave_up["problem"]["detail"].as_str().unwrap().contains("never ended"), "{gave_up}");
}
