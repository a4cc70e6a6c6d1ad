//! Leave requests (issue 21, workforce.md): the employee asks, the direct supervisor recommends,
//! the head of the OPD approves; approval excuses the days in discipline and in the month's draft
//! allowance run, and cancelling brings them back. Denials are tested as carefully as the steps.

use actix_web::http::Method;
use chrono::{TimeZone, Utc};
use ekinerja_tests::builders::rules;
use ekinerja_tests::{Response, TestApp};
use serde_json::{json, Value};

const LEAVE: &str = "/api/v1/leave-requests";

/// Takes `verb` on a request as `token`, with the version the request has now.
async fn act(app: &TestApp, token: &str, id: &str, verb: &str, body: Option<Value>) -> Response {
    let version = app.get(&format!("{LEAVE}/{id}"), &app.root).await.body["version"].as_i64().unwrap();
    let mut req = app
        .req(Method::POST, &format!("{LEAVE}/{id}/{verb}"))
        .token(token)
        .header("if-match", &format!("\"v{version}\""));
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await
}

/// The count of one kind of task of `token`.
async fn task(app: &TestApp, token: &str, kind: &str) -> i64 {
    let res = app.get("/api/v1/me/tasks", token).await;
    res.assert_status(200);
    let t = res.body["items"].as_array().unwrap().iter().find(|t| t["kind"] == kind).cloned().unwrap();
    if t["count"].as_i64().unwrap() > 0 {
        assert_eq!(t["list"], "/api/v1/leave-requests?awaiting_me=true");
    }
    t["count"].as_i64().unwrap()
}

async fn awaiting(app: &TestApp, token: &str) -> Vec<String> {
    let res = app.get(&format!("{LEAVE}?awaiting_me=true"), token).await;
    res.assert_status(200);
    res.body["items"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

fn ask(kind: &str, from: &str, to: &str) -> Value {
    json!({"kind": kind, "starts_on": from, "ends_on": to, "reason": "Pernikahan adik di Makassar"})
}

async fn day_status(app: &TestApp, token: &str, employee: &str, date: &str) -> String {
    let m = app.get(&format!("/api/v1/employees/{employee}/discipline?month=2026-11"), token).await;
    m.assert_status(200);
    let d = m.body["days"].as_array().unwrap().iter().find(|d| d["date"] == date).cloned().unwrap();
    d["status"].as_str().unwrap().to_owned()
}

/// The deduction of `employee`'s line in the November draft run, computed again now.
async fn draft_deduction(app: &TestApp, admin: &str, employee: &str) -> i64 {
    let run = app.post("/api/v1/allowance-runs", admin, json!({"month": "2026-11"})).await;
    assert!(run.status.is_success(), "{}", run.text);
    let run = app.get(&format!("/api/v1/allowance-runs/{}", run.id()), admin).await;
    assert_eq!(run.body["status"], "draft");
    let line = run.body["lines"].as_array().unwrap().iter().find(|l| l["employee_id"] == employee).cloned().unwrap();
    line["deduction_bp"].as_i64().unwrap_or_else(|| panic!("no deduction: {line}"))
}

#[actix_web::test]
async fn a_request_recommended_and_approved_excuses_its_days_and_changes_the_draft_run() {
    let mut app = TestApp::spawn().await;
    // Tuesday 1 December 2026, 03:00 WIB (still 30 November in UTC): November is over, with no
    // attendance events at all.
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap());
    let org = app.org("LV-A", 5100).await;
    let mut policy = rules(15);
    // Performance from logged minutes, so a line is computed without a final evaluation.
    policy["performance_basis"] = json!("productivity");
    policy["base_amounts"] = json!([{"class": 5, "amount": 2500000}, {"class": 9, "amount": 4000000},
                                    {"class": 11, "amount": 6000000}, {"class": 14, "amount": 9000000}]);
    app.post("/api/v1/allowance-policies", &org.admin, json!({"effective_month": "2020-01", "rules": policy}))
        .await
        .assert_status(201);
    // 21 working days without a record, 500 bp each, capped at 10,000.
    assert_eq!(draft_deduction(&app, &org.admin, &org.staff1.id).await, 10_000);

    // Monday 16 and Tuesday 17 November, asked for by the staff member from their phone.
    let req = app.post(LEAVE, &org.staff1.token, ask("annual", "2026-11-16", "2026-11-17")).await;
    req.assert_status(201);
    assert_eq!(req.header("location"), Some(format!("{LEAVE}/{}", req.id())));
    assert_eq!((req.body["status"].as_str(), req.body["working_days"].as_i64()), (Some("requested"), Some(2)));
    let id = req.id();

    // Who sees it: the author, the supervisor, those above; a colleague does not.
    for reader in [&org.staff1.token, &org.section.token, &org.division.token, &org.head.token, &org.admin] {
        app.get(&format!("{LEAVE}/{id}"), reader).await.assert_status(200);
    }
    app.get(&format!("{LEAVE}/{id}"), &org.staff2.token).await.assert_problem(404, "not-found");
    act(&app, &org.staff2.token, &id, "recommend", None).await.assert_problem(404, "not-found");
    let listed = app.get(LEAVE, &org.staff2.token).await;
    assert_eq!(listed.body["items"], json!([]), "a colleague's list holds none of it");
    assert_eq!(app.get(LEAVE, &org.staff1.token).await.body["items"][0]["id"], id.as_str());

    // An overlapping request conflicts with the one stored; weekend-only and over-long requests are
    // refused, with the field named.
    app.post(LEAVE, &org.staff1.token, ask("important_reason", "2026-11-17", "2026-11-18"))
        .await
        .assert_problem(409, "conflict");
    app.post(LEAVE, &org.staff1.token, ask("annual", "2026-11-21", "2026-11-22")).await.assert_invalid("#/starts_on");
    app.post(LEAVE, &org.staff1.token, ask("sick", "2026-11-23", "2026-11-24")).await.assert_invalid("#/ends_on");
    app.post(LEAVE, &org.staff1.token, ask("annual", "2026-11-24", "2026-11-23")).await.assert_invalid("#/ends_on");
    app.post(
        LEAVE,
        &org.staff1.token,
        json!({"kind": "annual", "starts_on": "2026-11-23", "ends_on": "2026-11-23", "reason": ""}),
    )
    .await
    .assert_invalid("#/reason");
    app.post(LEAVE, &org.staff1.token, ask("holiday", "2026-11-23", "2026-11-23"))
        .await
        .assert_problem(422, "validation");
    // Nobody asks for someone else's leave but the admin.
    app.post(
        LEAVE,
        &org.section.token,
        json!({"employee_id": org.staff2.id, "kind": "annual", "starts_on": "2026-11-23",
            "ends_on": "2026-11-23", "reason": "x"}),
    )
    .await
    .assert_problem(403, "forbidden");

    // It waits for the section head's recommendation, and for no one else yet, since the day it
    // was asked for in the agency's time zone.
    assert_eq!(task(&app, &org.section.token, "recommend_leave").await, 1);
    let tasks = app.get("/api/v1/me/tasks", &org.section.token).await;
    let waiting = tasks.body["items"].as_array().unwrap().iter().find(|t| t["kind"] == "recommend_leave").cloned();
    assert_eq!(waiting.unwrap()["oldest"], "2026-12-01");
    assert_eq!(awaiting(&app, &org.section.token).await, std::slice::from_ref(&id));
    for other in [&org.head.token, &org.division.token, &org.staff1.token] {
        assert_eq!(task(&app, other, "recommend_leave").await + task(&app, other, "approve_leave").await, 0);
        assert!(awaiting(&app, other).await.is_empty());
    }
    // The head of the OPD approves only after the recommendation; the author and the division
    // head decide nothing; the section head does not approve.
    act(&app, &org.head.token, &id, "approve", None).await.assert_problem(409, "conflict");
    act(&app, &org.staff1.token, &id, "recommend", None).await.assert_problem(403, "forbidden");
    act(&app, &org.division.token, &id, "recommend", None).await.assert_problem(403, "forbidden");
    act(&app, &org.section.token, &id, "approve", None).await.assert_problem(403, "forbidden");
    // A stale version is refused, and the request stays as it was.
    app.req(Method::POST, &format!("{LEAVE}/{id}/recommend"))
        .token(&org.section.token)
        .header("if-match", "\"v7\"")
        .send()
        .await
        .assert_problem(412, "precondition-failed");
    app.req(Method::POST, &format!("{LEAVE}/{id}/recommend")).token(&org.section.token).send().await.assert_status(428);

    let recommended = act(&app, &org.section.token, &id, "recommend", None).await;
    recommended.assert_status(200);
    assert_eq!(recommended.body["status"], "recommended");
    assert_eq!(recommended.header("etag"), Some("\"v2\"".into()));
    assert_eq!(task(&app, &org.section.token, "recommend_leave").await, 0);
    assert_eq!(task(&app, &org.head.token, "approve_leave").await, 1);
    assert_eq!(awaiting(&app, &org.head.token).await, std::slice::from_ref(&id));
    assert_eq!(day_status(&app, &org.admin, &org.staff1.id, "2026-11-16").await, "absent_without_notice");

    let approved = act(&app, &org.head.token, &id, "approve", None).await;
    approved.assert_status(200);
    assert_eq!(approved.body["status"], "approved");
    assert!(approved.body["absence_id"].is_string(), "{}", approved.text);
    assert_eq!(task(&app, &org.head.token, "approve_leave").await, 0);
    act(&app, &org.head.token, &id, "approve", None).await.assert_problem(409, "conflict");
    // The days are excused: in discipline, among the employee's absences, and in the draft run.
    assert_eq!(day_status(&app, &org.staff1.token, &org.staff1.id, "2026-11-16").await, "excused");
    assert_eq!(day_status(&app, &org.staff1.token, &org.staff1.id, "2026-11-17").await, "excused");
    let absences = app.get(&format!("/api/v1/employees/{}/absences", org.staff1.id), &org.staff1.token).await;
    assert_eq!(absences.body["items"][0]["id"], approved.body["absence_id"]);
    assert_eq!(draft_deduction(&app, &org.admin, &org.staff1.id).await, 19 * 500);

    // Withdrawn by the employee: the days are judged on the (missing) events again.
    let cancelled = act(&app, &org.staff1.token, &id, "cancel", None).await;
    cancelled.assert_status(200);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(day_status(&app, &org.admin, &org.staff1.id, "2026-11-16").await, "absent_without_notice");
    assert_eq!(draft_deduction(&app, &org.admin, &org.staff1.id).await, 10_000);
    act(&app, &org.staff1.token, &id, "cancel", None).await.assert_problem(409, "conflict");
    // The days are free again for a new request.
    app.post(LEAVE, &org.staff1.token, ask("annual", "2026-11-16", "2026-11-16")).await.assert_status(201);
}

#[actix_web::test]
async fn refusals_the_top_official_the_one_step_policy_and_the_admin_cancelling_the_leave() {
    let mut app = TestApp::spawn().await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap());
    let org = app.org("LV-B", 5200).await;

    // Refused by the supervisor, with a reason; then nothing more happens to it.
    let id = app.post(LEAVE, &org.staff2.token, ask("important_reason", "2026-12-07", "2026-12-09")).await.id();
    act(&app, &org.section.token, &id, "refuse", Some(json!({"reason": "  "}))).await.assert_invalid("#/reason");
    act(&app, &org.section.token, &id, "refuse", Some(json!({}))).await.assert_problem(422, "validation");
    let refused = act(&app, &org.section.token, &id, "refuse", Some(json!({"reason": "Akhir tahun anggaran"}))).await;
    refused.assert_status(200);
    assert_eq!(
        (refused.body["status"].as_str(), refused.body["refusal_reason"].as_str()),
        (Some("refused"), Some("Akhir tahun anggaran"))
    );
    act(&app, &org.staff2.token, &id, "cancel", None).await.assert_problem(409, "conflict");
    act(&app, &org.head.token, &id, "approve", None).await.assert_problem(409, "conflict");

    // The division head's supervisor heads the OPD: one step approves it.
    let id = app.post(LEAVE, &org.division.token, ask("annual", "2026-12-07", "2026-12-07")).await.id();
    assert_eq!(task(&app, &org.head.token, "approve_leave").await, 1);
    assert_eq!(task(&app, &org.head.token, "recommend_leave").await, 0);
    let r = act(&app, &org.head.token, &id, "approve", None).await;
    assert_eq!(r.body["status"], "approved", "{}", r.text);

    // The top official has no supervisor: the agency admin decides for them; no one else does.
    let id = app.post(LEAVE, &org.head.token, ask("official_travel", "2026-12-08", "2026-12-10")).await.id();
    app.get(&format!("{LEAVE}/{id}"), &org.section.token).await.assert_problem(404, "not-found");
    assert_eq!(task(&app, &org.admin, "approve_leave").await, 1);
    act(&app, &org.division.token, &id, "approve", None).await.assert_problem(404, "not-found");
    let r = act(&app, &org.admin, &id, "approve", None).await;
    assert_eq!(r.body["status"], "approved", "{}", r.text);
    let absences = app.get(&format!("/api/v1/employees/{}/absences", org.head.id), &org.admin).await;
    assert_eq!(absences.body["items"][0]["kind"], "official_travel");
    // The admin cancels the recorded travel: the request is cancelled with it.
    let absence = r.body["absence_id"].as_str().unwrap();
    app.post(&format!("/api/v1/absences/{absence}/cancel"), &org.admin, json!({})).await.assert_status(200);
    assert_eq!(app.get(&format!("{LEAVE}/{id}"), &org.head.token).await.body["status"], "cancelled");
    // Leave recorded by the admin blocks a request for the same days, and the reverse.
    app.post(
        "/api/v1/absences",
        &org.admin,
        json!({"employee_id": org.staff1.id, "kind": "leave",
            "starts_on": "2026-12-14", "ends_on": "2026-12-14"}),
    )
    .await
    .assert_status(201);
    app.post(LEAVE, &org.staff1.token, ask("annual", "2026-12-14", "2026-12-15")).await.assert_problem(409, "conflict");
    app.post(LEAVE, &org.staff1.token, ask("annual", "2026-12-16", "2026-12-16")).await.assert_status(201);
    app.post(
        "/api/v1/absences",
        &org.admin,
        json!({"employee_id": org.staff1.id, "kind": "leave",
            "starts_on": "2026-12-16", "ends_on": "2026-12-16"}),
    )
    .await
    .assert_problem(409, "conflict");

    // One step by policy: the section head approves alone; the OPD's head no longer does.
    app.patch(&format!("/api/v1/agencies/{}", org.agency), &org.admin, json!({"leave_approval": "one_step"}))
        .await
        .assert_status(200);
    app.patch(&format!("/api/v1/agencies/{}", org.agency), &org.admin, json!({"leave_approval": "three_step"}))
        .await
        .assert_problem(422, "validation");
    let id = app.post(LEAVE, &org.staff2.token, ask("annual", "2026-12-21", "2026-12-22")).await.id();
    // Staff member 1's request of the 16th waits for the section head too, now to approve.
    assert_eq!(task(&app, &org.section.token, "approve_leave").await, 2);
    assert_eq!(task(&app, &org.head.token, "approve_leave").await, 0);
    act(&app, &org.head.token, &id, "approve", None).await.assert_problem(403, "forbidden");
    let r = act(&app, &org.section.token, &id, "approve", None).await;
    assert_eq!(r.body["status"], "approved", "{}", r.text);

    // Another agency's admin does not know the request exists.
    let other = app.org("LV-C", 5300).await;
    app.get(&format!("{LEAVE}/{id}"), &other.admin).await.assert_problem(404, "not-found");
    act(&app, &other.admin, &id, "cancel", None).await.assert_problem(404, "not-found");
    assert_eq!(app.get(LEAVE, &other.admin).await.body["items"], json!([]));
}

async fn balance(app: &TestApp, token: &str, query: &str) -> Value {
    let res = app.get(&format!("/api/v1/me/leave-balance{query}"), token).await;
    res.assert_status(200);
    res.body
}

#[actix_web::test]
async fn annual_leave_carries_over_to_its_cap_and_is_refused_past_it() {
    let mut app = TestApp::spawn().await;
    // Monday 3 March 2025: the staff member takes three days of annual leave that month.
    app.set_clock(Utc.with_ymd_and_hms(2025, 3, 3, 2, 0, 0).unwrap());
    let mut org = app.org("LV-D", 5400).await;
    let id = app.post(LEAVE, &org.staff1.token, ask("annual", "2025-03-10", "2025-03-12")).await.id();
    act(&app, &org.section.token, &id, "recommend", None).await.assert_status(200);
    act(&app, &org.head.token, &id, "approve", None).await.assert_status(200);
    // Appointed in 2010 with no annual leave in 2023 and 2024: 24 days in 2025, 3 taken.
    let b = balance(&app, &org.staff1.token, "").await;
    assert_eq!(
        (b["year"].as_i64(), b["available_days"].as_i64(), b["remaining_days"].as_i64()),
        (Some(2025), Some(24), Some(21)),
        "{b}"
    );

    // Monday 2 February 2026: 9 days of 2025 went unused, 6 of them carry over: 18 in all.
    app.set_clock(Utc.with_ymd_and_hms(2026, 2, 2, 2, 0, 0).unwrap());
    for p in [&mut org.staff1, &mut org.staff2] {
        p.token = app.login(&p.nip, ekinerja_tests::PASSWORD).await;
    }
    org.admin = app.login("admin.lv-d", ekinerja_tests::PASSWORD).await;
    let b = balance(&app, &org.staff1.token, "").await;
    assert_eq!(
        [&b["entitlement_days"], &b["carried_over_days"], &b["available_days"], &b["remaining_days"]],
        [12, 6, 18, 18],
        "{b}"
    );
    assert_eq!(b["eligible_from"], "2011-01-01");
    assert_eq!(balance(&app, &org.staff1.token, "?year=2025").await["approved_days"], 3);
    // Staff member 2 took none in 2024 and 2025: 24.
    assert_eq!(balance(&app, &org.staff2.token, "").await["available_days"], 24);

    // Two weeks (10 working days) and then 8 more reach the cap; waiting requests count.
    app.post(LEAVE, &org.staff1.token, ask("annual", "2026-02-09", "2026-02-20")).await.assert_status(201);
    let eight = app.post(LEAVE, &org.staff1.token, ask("annual", "2026-03-02", "2026-03-11")).await;
    eight.assert_status(201);
    assert_eq!(eight.body["working_days"], 8);
    let b = balance(&app, &org.staff1.token, "").await;
    assert_eq!((b["pending_days"].as_i64(), b["remaining_days"].as_i64()), (Some(18), Some(0)), "{b}");
    // One day past the cap is refused, naming what remains.
    let refused = app.post(LEAVE, &org.staff1.token, ask("annual", "2026-03-16", "2026-03-16")).await;
    refused.assert_invalid("#/ends_on");
    assert!(refused.text.contains("0 remain of 18"), "{}", refused.text);
    // Other kinds do not draw on it.
    app.post(LEAVE, &org.staff1.token, ask("important_reason", "2026-03-16", "2026-03-16")).await.assert_status(201);
    // Withdrawing the eight days frees them.
    act(&app, &org.staff1.token, &eight.id(), "cancel", None).await.assert_status(200);
    app.post(LEAVE, &org.staff1.token, ask("annual", "2026-03-17", "2026-03-17")).await.assert_status(201);
    assert_eq!(balance(&app, &org.staff1.token, "").await["remaining_days"], 7);
    // Annual leave across the new year is asked for per year.
    app.post(LEAVE, &org.staff2.token, ask("annual", "2026-12-30", "2027-01-04")).await.assert_invalid("#/ends_on");
    // The admin has no balance of their own; a year out of range is refused.
    app.get("/api/v1/me/leave-balance", &org.admin).await.assert_problem(403, "forbidden");
    app.get("/api/v1/me/leave-balance?year=1999", &org.staff1.token).await.assert_invalid("#/year");
}

/// Pushes `(time, kind)` events of one day for `nip` through an attendance key.
async fn attend(app: &TestApp, key: &str, nip: &str, day: &str, events: &[(&str, &str)]) {
    let events: Vec<Value> = events
        .iter()
        .map(|(local, kind)| {
            // WIB is UTC+7.
            let at = chrono::NaiveDateTime::parse_from_str(&format!("{day} {local}"), "%Y-%m-%d %H:%M").unwrap()
                - chrono::Duration::hours(7);
            json!({"source_event_id": format!("{nip}-{day}-{local}"), "nip": nip,
                   "occurred_at": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(), "kind": kind})
        })
        .collect();
    let res = app
        .req(Method::POST, "/api/v1/attendance-events/batch")
        .token(key)
        .json(json!({"events": events}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.body["created"].as_u64(), Some(events.len() as u64), "{}", res.text);
}

async fn day_of(app: &TestApp, token: &str, employee: &str, date: &str) -> Value {
    let m = app.get(&format!("/api/v1/employees/{employee}/discipline?month=2026-11"), token).await;
    m.assert_status(200);
    m.body["days"].as_array().unwrap().iter().find(|d| d["date"] == date).cloned().unwrap()
}

#[actix_web::test]
async fn a_permission_excuses_late_arrival_or_early_departure_in_its_window_only() {
    let mut app = TestApp::spawn().await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap());
    let org = app.org("LV-E", 5700).await;
    let key = app
        .post("/api/v1/integration-keys", &org.admin, json!({"name": "e-Presensi", "scopes": ["attendance_write"]}))
        .await;
    let key = key.body["key"].as_str().unwrap().to_owned();
    let nip = org.staff2.nip.clone();
    // Wednesday 18: in at 09:40; Thursday 19: out at 14:10; Friday 20: in at 09:00.
    attend(&app, &key, &nip, "2026-11-18", &[("09:40", "check_in"), ("16:05", "check_out")]).await;
    attend(&app, &key, &nip, "2026-11-19", &[("07:20", "check_in"), ("14:10", "check_out")]).await;
    attend(&app, &key, &nip, "2026-11-20", &[("09:00", "check_in"), ("16:40", "check_out")]).await;
    let staff2 = org.staff2.id.clone();
    assert_eq!(day_of(&app, &org.admin, &staff2, "2026-11-18").await["late_minutes"], 130);
    assert_eq!(day_of(&app, &org.admin, &staff2, "2026-11-19").await["early_minutes"], 110);

    let permission = |day: &str, from: &str, to: &str| {
        json!({"kind": "permission", "starts_on": day, "ends_on": day, "starts_at": from, "ends_at": to,
               "reason": "Mengantar anak berobat"})
    };
    // A permission is one day with a window; nothing else has a window.
    app.post(
        LEAVE,
        &org.staff2.token,
        json!({"kind": "permission", "starts_on": "2026-11-18", "ends_on": "2026-11-18",
            "reason": "x"}),
    )
    .await
    .assert_invalid("#/starts_at");
    app.post(
        LEAVE,
        &org.staff2.token,
        json!({"kind": "annual", "starts_on": "2026-11-23", "ends_on": "2026-11-23",
            "starts_at": "08:00", "ends_at": "09:00", "reason": "x"}),
    )
    .await
    .assert_invalid("#/starts_at");
    app.post(LEAVE, &org.staff2.token, permission("2026-11-18", "10:00", "07:30")).await.assert_invalid("#/ends_at");
    app.post(LEAVE, &org.staff2.token, permission("2026-11-18", "7:30", "10:00")).await.assert_invalid("#/starts_at");
    app.post(
        LEAVE,
        &org.staff2.token,
        json!({"kind": "permission", "starts_on": "2026-11-18", "ends_on": "2026-11-19",
            "starts_at": "07:30", "ends_at": "10:00", "reason": "x"}),
    )
    .await
    .assert_invalid("#/ends_on");

    let mut ids = Vec::new();
    for (day, from, to) in
        [("2026-11-18", "07:30", "10:00"), ("2026-11-19", "14:00", "16:00"), ("2026-11-20", "10:00", "12:00")]
    {
        let r = app.post(LEAVE, &org.staff2.token, permission(day, from, to)).await;
        r.assert_status(201);
        assert_eq!((r.body["starts_at"].as_str(), r.body["ends_at"].as_str()), (Some(from), Some(to)));
        ids.push(r.id());
    }
    // Asked for, not approved: nothing is excused yet.
    assert_eq!(day_of(&app, &org.admin, &staff2, "2026-11-18").await["late_minutes"], 130);
    for id in &ids {
        act(&app, &org.section.token, id, "recommend", None).await.assert_status(200);
        let approved = act(&app, &org.head.token, id, "approve", None).await;
        approved.assert_status(200);
        assert!(approved.body["absence_id"].is_null(), "a permission records no whole-day absence");
    }
    // Arriving by 10:00 is on time; leaving from 14:00 is not early; a window inside the day
    // (10:00 to 12:00) excuses neither the late arrival at 09:00 nor anything else.
    let wednesday = day_of(&app, &org.admin, &staff2, "2026-11-18").await;
    assert_eq!(
        (wednesday["status"].as_str(), wednesday["late_minutes"].as_i64()),
        (Some("present"), Some(0)),
        "{wednesday}"
    );
    assert_eq!(wednesday["lines"], json!([]));
    assert_eq!(day_of(&app, &org.admin, &staff2, "2026-11-19").await["early_minutes"], 0);
    assert_eq!(day_of(&app, &org.admin, &staff2, "2026-11-20").await["late_minutes"], 90);
    // Withdrawn, the window no longer excuses.
    act(&app, &org.staff2.token, &ids[0], "cancel", None).await.assert_status(200);
    assert_eq!(day_of(&app, &org.admin, &staff2, "2026-11-18").await["late_minutes"], 130);
}
