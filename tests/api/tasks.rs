//! Nothing waits unseen: `/me/tasks` counts what waits for each caller, each count the length of
//! its list; a log not reviewed within the agency's escalation policy (5 working days by default)
//! goes to the next supervisor up.

use chrono::{TimeZone, Utc};
use ekinerja_tests::builders::{log, open, plan, setup, step};
use ekinerja_tests::{Person, TestApp, PASSWORD};
use serde_json::{json, Value};

fn duty_log(date: &str, minutes: i64) -> Value {
    json!({"date": date, "duration_minutes": minutes, "description": "Rapat koordinasi", "output_quantity": 1,
           "additional_duty": true})
}

/// `(count, oldest)` of one kind of task.
async fn task(app: &TestApp, token: &str, kind: &str) -> (i64, Option<String>) {
    let res = app.get("/api/v1/me/tasks", token).await;
    res.assert_status(200);
    let t = res.body["items"].as_array().unwrap().iter().find(|t| t["kind"] == kind).unwrap().clone();
    (t["count"].as_i64().unwrap(), t["oldest"].as_str().map(str::to_owned))
}

async fn listed(app: &TestApp, path: &str, token: &str) -> usize {
    let res = app.get(path, token).await;
    res.assert_status(200);
    res.body["items"].as_array().unwrap().len()
}

/// Signs everyone in again after the clock moved past their tokens.
async fn relogin(app: &TestApp, people: &mut [&mut Person]) {
    for p in people.iter_mut() {
        p.token = app.login(&p.nip, PASSWORD).await;
    }
}

#[actix_web::test]
async fn tasks_count_what_waits_and_a_late_review_escalates() {
    let mut app = TestApp::spawn().await;
    // Monday 2 November 2026, 09:00 WIB.
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap());
    let mut s = setup(&app, "TASK-A", 4300).await;
    let org = &mut s.org;
    const LOGS: &str = "/api/v1/daily-logs?awaiting_me=true";

    // Two logs of the section's staff wait for the section head, none for anyone else.
    let first = app
        .post(
            "/api/v1/daily-logs",
            &org.staff1.token,
            log(&s.staff_rhk, chrono::NaiveDate::from_ymd_opt(2026, 10, 30).unwrap(), "08:00", "09:00"),
        )
        .await;
    first.assert_status(201);
    let second = app.post("/api/v1/daily-logs", &org.staff2.token, duty_log("2026-11-02", 60)).await;
    second.assert_status(201);
    assert_eq!(task(&app, &org.section.token, "review_logs").await, (2, Some("2026-10-30".into())));
    assert_eq!(listed(&app, LOGS, &org.section.token).await, 2);
    for who in [&org.division, &org.head, &org.staff1] {
        assert_eq!(task(&app, &who.token, "review_logs").await.0, 0);
        assert_eq!(task(&app, &who.token, "review_escalated_logs").await.0, 0);
        assert_eq!(listed(&app, LOGS, &who.token).await, 0);
    }
    app.review_log(&org.division.token, &first.id(), "accept", json!({})).await.assert_problem(403, "forbidden");

    // Monday 9 November: four working days have passed (3 to 6 November); not yet escalated.
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 9, 2, 0, 0).unwrap());
    relogin(&app, &mut [&mut org.section, &mut org.division, &mut org.head, &mut org.staff1, &mut org.staff2]).await;
    org.admin = app.login("admin.task-a", PASSWORD).await;
    assert_eq!(task(&app, &org.division.token, "review_escalated_logs").await.0, 0);
    app.review_log(&org.division.token, &first.id(), "accept", json!({})).await.assert_problem(403, "forbidden");

    // Tuesday 10 November: five working days have passed; the division head, the next supervisor
    // up, sees both logs and may decide them; the section head still may too.
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 10, 2, 0, 0).unwrap());
    relogin(&app, &mut [&mut org.section, &mut org.division, &mut org.head, &mut org.staff1, &mut org.staff2]).await;
    org.admin = app.login("admin.task-a", PASSWORD).await;
    assert_eq!(task(&app, &org.division.token, "review_escalated_logs").await, (2, Some("2026-10-30".into())));
    assert_eq!(listed(&app, LOGS, &org.division.token).await, 2);
    assert_eq!(task(&app, &org.head.token, "review_escalated_logs").await.0, 0, "only the next supervisor up is told");
    assert_eq!(task(&app, &org.section.token, "review_logs").await.0, 2);
    app.review_log(&org.division.token, &first.id(), "accept", json!({})).await.assert_status(200);
    assert_eq!(task(&app, &org.section.token, "review_logs").await, (1, Some("2026-11-02".into())));
    assert_eq!(listed(&app, LOGS, &org.section.token).await, 1);
    // The author never reviews their own log, escalated or not.
    app.review_log(&org.staff2.token, &second.id(), "accept", json!({})).await.assert_problem(403, "forbidden");

    // With the policy at 0 nothing escalates.
    app.patch(&format!("/api/v1/agencies/{}", org.agency), &org.admin, json!({"review_escalation_working_days": 0}))
        .await
        .assert_status(200);
    assert_eq!(task(&app, &org.division.token, "review_escalated_logs").await.0, 0);
    app.review_log(&org.division.token, &second.id(), "accept", json!({})).await.assert_problem(403, "forbidden");
    app.patch(&format!("/api/v1/agencies/{}", org.agency), &org.admin, json!({"review_escalation_working_days": 61}))
        .await
        .assert_invalid("#/review_escalation_working_days");

    // Agreements: staff member 2 submits one to the section head, who returns it to be fixed.
    const AGREEMENTS: &str = "/api/v1/agreements?awaiting_me=true";
    let mut skp = open(&app, &org.staff2, &s.period).await;
    plan(&app, &org.staff2, &mut skp, json!({"parent_result_id": s.section_rhk}), "Melayani pengaduan").await;
    step(&app, &org.staff2.token, &mut skp, "submit", None).await.assert_status(200);
    assert_eq!(task(&app, &org.section.token, "approve_agreements").await.0, 1);
    assert_eq!(listed(&app, AGREEMENTS, &org.section.token).await, 1);
    assert_eq!(task(&app, &org.division.token, "approve_agreements").await.0, 0);
    assert_eq!(listed(&app, AGREEMENTS, &org.division.token).await, 0);
    step(&app, &org.section.token, &mut skp, "return", Some(json!({"comment": "Lengkapi target"})))
        .await
        .assert_status(200);
    assert_eq!(task(&app, &org.section.token, "approve_agreements").await.0, 0);
    assert_eq!(task(&app, &org.staff2.token, "fix_agreements").await, (1, Some("2026-11-10".into())));
    assert_eq!(listed(&app, AGREEMENTS, &org.staff2.token).await, 1);

    // Evaluations: the third quarter is over; each supervisor is to open their direct
    // subordinate's, and the agency admin the top official's.
    const EVALUATIONS: &str = "/api/v1/evaluations?awaiting_me=true";
    let q3 = app
        .post(
            "/api/v1/evaluation-periods",
            &org.admin,
            json!({"performance_period_id": s.period, "kind": "quarterly", "number": 3}),
        )
        .await;
    q3.assert_status(201);
    for who in [&org.section.token, &org.division.token, &org.head.token, &org.admin] {
        assert_eq!(task(&app, who, "open_evaluations").await, (1, Some("2026-09-30".into())));
    }
    assert_eq!(task(&app, &org.staff1.token, "open_evaluations").await.0, 0);
    app.post(
        "/api/v1/evaluations",
        &org.section.token,
        json!({"evaluation_period_id": q3.id(), "employee_id": org.staff1.id}),
    )
    .await
    .assert_status(201);
    assert_eq!(task(&app, &org.section.token, "open_evaluations").await.0, 0);
    assert_eq!(task(&app, &org.section.token, "finalise_evaluations").await, (1, Some("2026-11-10".into())));
    assert_eq!(listed(&app, EVALUATIONS, &org.section.token).await, 1);
    assert_eq!(listed(&app, EVALUATIONS, &org.division.token).await, 0);

    // The total is the sum; a leader with nothing to decide has none.
    let all = app.get("/api/v1/me/tasks", &org.section.token).await;
    let sum: i64 = all.body["items"].as_array().unwrap().iter().map(|t| t["count"].as_i64().unwrap()).sum();
    assert_eq!(all.body["total"].as_i64(), Some(sum));
    assert_eq!(sum, 2, "one log and one evaluation: {}", all.text);
    let (_, leader) = app.granted_member(&org.admin, "bupati", "leader").await;
    assert_eq!(app.get("/api/v1/me/tasks", &leader).await.body["total"], 0);
}
