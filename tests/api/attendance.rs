//! Attendance: integration keys (scope, agency, revocation, rotation, signatures), pushed events
//! (late, out of order, duplicated), fingerprint machines, the e-Presensi CSV import, the calendar,
//! and discipline per day and month, down to allowance.md's worked example A.

use actix_web::http::Method;
use chrono::{TimeZone, Utc};
use ekinerja_api::webhook;
use ekinerja_tests::builders::{etag, log, rules};
use ekinerja_tests::{Response, TestApp};
use serde_json::{json, Value};

/// 1 December 2026, 09:00 WIB: every day of November is judged.
fn december() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap()
}

struct Key {
    id: String,
    key: String,
    secret: Option<String>,
}

async fn issue(app: &TestApp, admin: &str, signed: bool) -> Key {
    let res = app
        .post(
            "/api/v1/integration-keys",
            admin,
            json!({"name": "e-Presensi Diskominfo", "scopes": ["attendance_write"], "signed": signed}),
        )
        .await;
    res.assert_status(201);
    Key {
        id: res.id(),
        key: res.body["key"].as_str().unwrap().to_owned(),
        secret: res.body["signing_secret"].as_str().map(str::to_owned),
    }
}

async fn push(app: &TestApp, key: &str, events: Vec<Value>) -> Response {
    app.post("/api/v1/attendance-events/batch", key, json!({ "events": events })).await
}

/// An event at `HH:MM:SS` WIB on a November day.
fn ev(id: &str, nip: &str, day: u32, time: &str, kind: &str) -> Value {
    json!({"source_event_id": id, "nip": nip, "occurred_at": format!("2026-11-{day:02}T{time}+07:00"), "kind": kind,
           "device_id": "FP-DINKES-01", "latitude": -8.05, "longitude": 111.71})
}

fn outcomes(res: &Response) -> Vec<String> {
    res.body["items"].as_array().unwrap().iter().map(|i| i["outcome"].as_str().unwrap().to_owned()).collect()
}

async fn month(app: &TestApp, token: &str, employee: &str) -> Response {
    let res = app.get(&format!("/api/v1/employees/{employee}/discipline?month=2026-11"), token).await;
    res.assert_status(200);
    res
}

/// Every employee's stored day of attendance is what their events that are not voided make.
fn days_agree_with_events(app: &TestApp) {
    let mut conn = app.state.pool.get().unwrap();
    let differ = ekinerja_persistence::attendance_day::disagreements(&mut conn).unwrap();
    assert!(differ.is_empty(), "stored days that differ from the events: {differ:#?}");
}

fn day(m: &Response, d: u32) -> &Value {
    let date = format!("2026-11-{d:02}");
    m.body["days"].as_array().unwrap().iter().find(|x| x["date"] == date.as_str()).unwrap()
}

/// Worked example A's events for one employee: every working day in at 07:20 and out five
/// minutes after the end, but for the listed days; and one Saturday check-in.
fn example_a(nip: &str) -> Vec<Value> {
    let special: &[(u32, Option<&str>, Option<&str>)] = &[
        (3, Some("07:40:00"), Some("16:05:00")),
        (4, Some("07:38:59"), Some("16:05:00")),
        (6, Some("08:15:00"), Some("16:35:00")),
        (9, Some("07:25:00"), None),
        (12, None, None),
        (13, Some("07:29:00"), Some("14:55:00")),
        (16, None, None),
        (17, None, None),
        (18, Some("07:31:00"), Some("15:45:00")),
    ];
    let mut events = Vec::new();
    for d in 1..=30u32 {
        let weekday = chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap().format("%a").to_string();
        if weekday == "Sat" || weekday == "Sun" {
            continue;
        }
        let out = if weekday == "Fri" { "16:35:00" } else { "16:05:00" };
        let (inn, out) = match special.iter().find(|(x, ..)| *x == d) {
            Some((_, i, o)) => (*i, *o),
            None => (Some("07:20:00"), Some(out)),
        };
        if let Some(t) = inn {
            events.push(ev(&format!("A-{d}-in"), nip, d, t, "check_in"));
        }
        if let Some(t) = out {
            events.push(ev(&format!("A-{d}-out"), nip, d, t, "check_out"));
        }
    }
    events.push(ev("A-21-in", nip, 21, "08:00:00", "check_in"));
    events
}

#[actix_web::test]
async fn worked_example_a_through_the_api_with_late_duplicated_and_out_of_order_events() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let org = app.org("ATT-A", 700).await;
    let key = issue(&app, &org.admin, false).await;
    let mut events = example_a(&org.staff1.nip);
    events.reverse();
    let (first, second) = events.split_at(20);
    let res = push(&app, &key.key, first.to_vec()).await;
    res.assert_status(200);
    assert_eq!(res.body["created"], 20, "{}", res.text);
    // The second batch repeats five events of the first: they exist and are not stored twice.
    let mut again = first[..5].to_vec();
    again.extend_from_slice(second);
    let res = push(&app, &key.key, again).await;
    assert_eq!((res.body["existing"].as_u64(), res.body["refused"].as_u64()), (Some(5), Some(0)), "{}", res.text);
    // Approved leave on Monday 16 and Tuesday 17.
    app.post(
        "/api/v1/absences",
        &org.admin,
        json!({"employee_id": org.staff1.id, "kind": "leave", "starts_on": "2026-11-16", "ends_on": "2026-11-17"}),
    )
    .await
    .assert_status(201);

    let m = month(&app, &org.staff1.token, &org.staff1.id).await;
    assert_eq!(m.body["working_days"], 21, "{}", m.text);
    assert_eq!(m.body["excused_days"], 2);
    assert_eq!(m.body["deduction_bp"], 1_050, "{}", m.text);
    assert_eq!(m.body["factor_bp"], 8_950);
    let lines: Vec<(String, String, i64)> = m.body["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["lines"].as_array().unwrap().clone())
        .map(|l| {
            (
                l["date"].as_str().unwrap()[8..].to_owned(),
                l["reason"].as_str().unwrap().to_owned(),
                l["deduction_bp"].as_i64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("03", "within_tolerance", 0),
        ("04", "late", 50),
        ("06", "late", 100),
        ("09", "early_no_record", 150),
        ("12", "absent_without_notice", 500),
        ("13", "early", 150),
        ("16", "excused", 0),
        ("17", "excused", 0),
        ("18", "late", 50),
        ("18", "early", 50),
    ];
    assert_eq!(lines, want.map(|(d, r, bp)| (d.to_owned(), r.to_owned(), bp)).to_vec());
    assert_eq!(day(&m, 2)["status"], "present");
    assert_eq!(day(&m, 2)["late_minutes"], 0);
    assert_eq!(day(&m, 4)["late_minutes"], 8, "07:38:59 is 8 minutes late: seconds are dropped");
    assert_eq!(day(&m, 6)["work_end"], "16:30", "a Friday ends at 16:30");
    assert_eq!(day(&m, 12)["status"], "absent_without_notice");
    assert_eq!(day(&m, 16)["absence"], "leave");
    assert_eq!(day(&m, 21)["status"], "day_off");
    assert_eq!(day(&m, 21)["check_in"], "08:00:00", "stored, but deducts nothing");

    // A late event changes its day on the next read: the check-out of Monday 9 arrives.
    let res = push(&app, &key.key, vec![ev("A-9-out-late", &org.staff1.nip, 9, "16:10:00", "check_out")]).await;
    assert_eq!(outcomes(&res), ["created"]);
    let m = month(&app, &org.staff1.token, &org.staff1.id).await;
    assert_eq!(m.body["deduction_bp"], 900, "{}", m.text);
    assert_eq!(day(&m, 9)["lines"], json!([]));

    // The same source id for a different event is refused, alone.
    let res = push(
        &app,
        &key.key,
        vec![
            ev("A-9-out-late", &org.staff1.nip, 9, "17:00:00", "check_out"),
            ev("A-x", &org.staff1.nip, 19, "07:00:00", "check_in"),
        ],
    )
    .await;
    assert_eq!(outcomes(&res), ["refused", "created"]);
    assert_eq!(res.body["items"][0]["errors"][0]["pointer"], "#/events/0/source_event_id", "{}", res.text);
    days_agree_with_events(&app);
}

/// A day's earliest check-in and latest check-out are kept with the events: an earlier check-in
/// or a later check-out that arrives afterwards moves them, a later check-in or an earlier
/// check-out does not, a void takes its event away again, and a day whose events are all void
/// has nothing.
#[actix_web::test]
async fn the_stored_day_moves_with_every_event_and_void() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let org = app.org("ATT-D", 710).await;
    let key = issue(&app, &org.admin, false).await;
    let nip = &org.staff1.nip;
    let pushed = |events: Vec<Value>| push(&app, &key.key, events);
    let check = |in_at: Value, out_at: Value| {
        let (app, org) = (&app, &org);
        async move {
            let m = month(app, &org.admin, &org.staff1.id).await;
            assert_eq!((&day(&m, 10)["check_in"], &day(&m, 10)["check_out"]), (&in_at, &out_at), "{}", m.text);
            days_agree_with_events(app);
        }
    };
    // One batch holding two check-ins and two check-outs of the same day.
    let res = pushed(vec![
        ev("D-in-2", nip, 10, "07:40:00", "check_in"),
        ev("D-out-1", nip, 10, "16:00:00", "check_out"),
        ev("D-in-1", nip, 10, "07:30:00", "check_in"),
        ev("D-out-2", nip, 10, "15:00:00", "check_out"),
    ])
    .await;
    assert_eq!(res.body["created"], 4, "{}", res.text);
    check(json!("07:30:00"), json!("16:00:00")).await;
    // Later batches: only an earlier check-in and a later check-out move the day.
    pushed(vec![ev("D-in-3", nip, 10, "07:35:00", "check_in"), ev("D-out-3", nip, 10, "15:30:00", "check_out")]).await;
    check(json!("07:30:00"), json!("16:00:00")).await;
    pushed(vec![ev("D-in-0", nip, 10, "07:10:00", "check_in"), ev("D-out-4", nip, 10, "17:00:00", "check_out")]).await;
    check(json!("07:10:00"), json!("17:00:00")).await;
    // A retry of the whole first batch changes nothing.
    let res = pushed(vec![ev("D-in-1", nip, 10, "07:30:00", "check_in")]).await;
    assert_eq!(outcomes(&res), ["existing"]);
    check(json!("07:10:00"), json!("17:00:00")).await;

    // Voids: the next earliest and latest take over; with none left, the day has none.
    let events = app
        .get(
            &format!("/api/v1/employees/{}/attendance-events?from=2026-11-10&to=2026-11-10", org.staff1.id),
            &org.admin,
        )
        .await;
    let id_of = |source: &str| {
        events.body["items"].as_array().unwrap().iter().find(|e| e["source_event_id"] == source).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let void = |source: &str| {
        let path = format!("/api/v1/attendance-events/{}/void", id_of(source));
        let (app, org) = (&app, &org);
        async move {
            app.post(&path, &org.admin, json!({"reason": "Salah rekam"})).await.assert_status(200);
        }
    };
    void("D-in-0").await;
    void("D-out-4").await;
    check(json!("07:30:00"), json!("16:00:00")).await;
    for source in ["D-out-1", "D-out-2", "D-out-3"] {
        void(source).await;
    }
    check(json!("07:30:00"), Value::Null).await;
    for source in ["D-in-1", "D-in-2", "D-in-3"] {
        void(source).await;
    }
    check(Value::Null, Value::Null).await;
}

#[actix_web::test]
async fn each_band_a_holiday_a_schedule_change_and_cancelled_leave_recompute_their_days() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let org = app.org("ATT-B", 720).await;
    let key = issue(&app, &org.admin, false).await;
    let nip = &org.staff2.nip;
    // Lateness beyond the 15-minute tolerance from the first day: 20, 45, 75 and 120 minutes.
    let mut events = vec![
        ev("B-2-in", nip, 2, "07:50:00", "check_in"),
        ev("B-3-in", nip, 3, "08:15:00", "check_in"),
        ev("B-4-in", nip, 4, "08:45:00", "check_in"),
        ev("B-5-in", nip, 5, "09:30:00", "check_in"),
        // Early departures: 30 min on a Friday (16:00 against 16:30) and 61 minutes.
        ev("B-6-in", nip, 6, "07:00:00", "check_in"),
        ev("B-6-out", nip, 6, "16:00:00", "check_out"),
        ev("B-9-in", nip, 9, "07:00:00", "check_in"),
        ev("B-9-out", nip, 9, "14:59:00", "check_out"),
        // A check-out but no check-in.
        ev("B-10-out", nip, 10, "16:00:00", "check_out"),
    ];
    for d in [2, 3, 4, 5] {
        events.push(ev(&format!("B-{d}-out"), nip, d, "16:00:00", "check_out"));
    }
    let res = push(&app, &key.key, events).await;
    assert_eq!(res.body["created"], 13, "{}", res.text);
    let m = month(&app, &org.admin, &org.staff2.id).await;
    let bp = |d: u32| {
        day(&m, d)["lines"].as_array().unwrap().iter().map(|l| l["deduction_bp"].as_i64().unwrap()).sum::<i64>()
    };
    assert_eq!([bp(2), bp(3), bp(4), bp(5)], [50, 100, 125, 150], "{}", m.text);
    assert_eq!((bp(6), day(&m, 6)["early_minutes"].as_u64()), (50, Some(30)));
    assert_eq!((bp(9), day(&m, 9)["early_minutes"].as_u64()), (125, Some(61)));
    assert_eq!(day(&m, 10)["lines"][0]["reason"], "late_no_record");
    assert_eq!(day(&m, 11)["status"], "absent_without_notice");

    // Wednesday 11 becomes a holiday: no longer a working day; removing it restores the absence.
    let holiday = app.post("/api/v1/holidays", &org.admin, json!({"date": "2026-11-11", "name": "Cuti bersama"})).await;
    holiday.assert_status(201);
    app.post("/api/v1/holidays", &org.admin, json!({"date": "2026-11-11", "name": "Again"}))
        .await
        .assert_problem(409, "conflict");
    app.post("/api/v1/holidays", &org.staff2.token, json!({"date": "2026-11-12", "name": "Mine"}))
        .await
        .assert_problem(403, "forbidden");
    // The year read is one of the years the agency keeps dates in, as the contract states.
    let listed = app.get("/api/v1/holidays?year=2026", &org.staff2.token).await;
    assert_eq!(listed.body["items"][0]["name"], "Cuti bersama", "{}", listed.text);
    for year in ["1999", "2101", "-262145", "262143"] {
        let r = app.get(&format!("/api/v1/holidays?year={year}"), &org.admin).await;
        r.assert_problem(422, "validation");
        assert_eq!(r.body["errors"][0]["pointer"], "#/year", "{}", r.text);
    }
    let m2 = month(&app, &org.admin, &org.staff2.id).await;
    assert_eq!(day(&m2, 11)["status"], "holiday");
    assert_eq!(day(&m2, 11)["holiday"], "Cuti bersama");
    assert_eq!(m2.body["working_days"].as_u64().unwrap() + 1, m.body["working_days"].as_u64().unwrap());
    let path = format!("/api/v1/holidays/{}", holiday.id());
    app.req(Method::DELETE, &path).token(&org.admin).send().await.assert_status(204);
    assert_eq!(day(&month(&app, &org.admin, &org.staff2.id).await, 11)["status"], "absent_without_notice");

    // The unit starts at 08:00 from Wednesday 4 November: the 4th is 45 minutes late, not 75.
    let week = json!({"start": "08:00", "end": "16:00"});
    let res = app
        .post(
            "/api/v1/work-schedules",
            &org.admin,
            json!({"org_unit_id": org.unit, "effective_from": "2026-11-04",
                   "days": {"monday": week, "tuesday": week, "wednesday": week, "thursday": week, "friday": week}}),
        )
        .await;
    res.assert_status(201);
    let m3 = month(&app, &org.staff2.token, &org.staff2.id).await;
    assert_eq!(day(&m3, 3)["late_minutes"], 45, "before the change the old hours hold");
    assert_eq!(day(&m3, 4)["late_minutes"], 45);
    assert_eq!(day(&m3, 6)["work_end"], "16:00");
    // Bad schedules are refused field by field.
    app.post(
        "/api/v1/work-schedules",
        &org.admin,
        json!({"effective_from": "2026-11-04", "days": {"monday": {"start": "16:00", "end": "08:00"}}}),
    )
    .await
    .assert_invalid("#/days");
    app.post(
        "/api/v1/work-schedules",
        &org.admin,
        json!({"effective_from": "2026-11-04", "days": {"monday": {"start": "8am", "end": "16:00"}}}),
    )
    .await
    .assert_invalid("#/days/monday/start");
    // Exactly `HH:MM`, as the contract's pattern says: chrono alone would read these too.
    for (start, end) in [("7:30", "16:00"), (" 7:30", "16:00"), ("07:30", "16:0 ")] {
        let res = app
            .post(
                "/api/v1/work-schedules",
                &org.admin,
                json!({"effective_from": "2026-11-04", "days": {"monday": {"start": start, "end": end}}}),
            )
            .await;
        let field =
            if start.len() == 5 && start.starts_with('0') { "#/days/monday/end" } else { "#/days/monday/start" };
        res.assert_invalid(field);
    }

    // Official travel on the 11th excuses it; cancelling it brings the absence back.
    let travel = app
        .post(
            "/api/v1/absences",
            &org.admin,
            json!({"employee_id": org.staff2.id, "kind": "official_travel", "starts_on": "2026-11-11", "ends_on": "2026-11-11"}),
        )
        .await;
    travel.assert_status(201);
    app.post(
        "/api/v1/absences",
        &org.admin,
        json!({"employee_id": org.staff2.id, "kind": "leave", "starts_on": "2026-11-10", "ends_on": "2026-11-12"}),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(
        "/api/v1/absences",
        &org.admin,
        json!({"employee_id": org.staff2.id, "kind": "leave", "starts_on": "2026-11-12", "ends_on": "2026-11-10"}),
    )
    .await
    .assert_invalid("#/ends_on");
    app.post(
        "/api/v1/absences",
        &org.section.token,
        json!({"employee_id": org.staff2.id, "kind": "leave", "starts_on": "2026-11-20", "ends_on": "2026-11-20"}),
    )
    .await
    .assert_problem(403, "forbidden");
    assert_eq!(day(&month(&app, &org.admin, &org.staff2.id).await, 11)["status"], "excused");
    app.post(&format!("/api/v1/absences/{}/cancel", travel.id()), &org.admin, json!({})).await.assert_status(200);
    assert_eq!(day(&month(&app, &org.admin, &org.staff2.id).await, 11)["status"], "absent_without_notice");
    let list = app.get(&format!("/api/v1/employees/{}/absences", org.staff2.id), &org.staff2.token).await;
    assert!(list.body["items"][0]["cancelled_at"].is_string(), "{}", list.text);
}

#[actix_web::test]
async fn an_agency_in_wita_counts_events_on_its_own_local_date() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let org = app.org("ATT-W", 740).await;
    app.patch(&format!("/api/v1/agencies/{}", org.agency), &app.root, json!({"time_zone": "wita"}))
        .await
        .assert_status(200);
    let key = issue(&app, &org.admin, false).await;
    // 23:40 UTC on 1 November is 07:40 WITA on Monday 2 November: 10 minutes late there.
    let res = push(
        &app,
        &key.key,
        vec![
            json!({"source_event_id": "W-1", "nip": org.staff1.nip, "occurred_at": "2026-11-01T23:40:00Z", "kind": "check_in"}),
            json!({"source_event_id": "W-2", "nip": org.staff1.nip, "occurred_at": "2026-11-02T16:05:00+08:00", "kind": "check_out"}),
        ],
    )
    .await;
    assert_eq!(res.body["created"], 2, "{}", res.text);
    let events = app.get(&format!("/api/v1/employees/{}/attendance-events", org.staff1.id), &org.staff1.token).await;
    assert_eq!(events.body["items"][0]["local_date"], "2026-11-02", "{}", events.text);
    assert_eq!(events.body["items"][0]["local_time"], "07:40:00");
    let m = month(&app, &org.staff1.token, &org.staff1.id).await;
    assert_eq!(day(&m, 2)["late_minutes"], 10, "{}", m.text);
    assert_eq!(day(&m, 2)["lines"][0]["reason"], "within_tolerance");
    assert_eq!(day(&m, 1)["status"], "day_off");
}

#[actix_web::test]
async fn keys_are_bound_to_their_agency_and_scope_and_die_when_revoked_or_rotated() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let a = app.org("ATT-K1", 760).await;
    let b = app.org("ATT-K2", 780).await;
    let key = issue(&app, &a.admin, false).await;

    // Only the agency's admin issues, lists and reads keys; the key itself is never listed.
    app.post("/api/v1/integration-keys", &a.staff1.token, json!({"name": "x", "scopes": ["attendance_write"]}))
        .await
        .assert_problem(403, "forbidden");
    app.post("/api/v1/integration-keys", &a.admin, json!({"name": "x", "scopes": []})).await.assert_invalid("#/scopes");
    app.post("/api/v1/integration-keys", &a.admin, json!({"name": "x", "scopes": ["payroll_read"]}))
        .await
        .assert_invalid("#/scopes/0");
    app.get("/api/v1/integration-keys", &a.staff1.token).await.assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/integration-keys/{}", key.id), &b.admin).await.assert_problem(404, "not-found");
    let list = app.get("/api/v1/integration-keys", &a.admin).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert!(!list.text.contains(&key.key), "the key is shown once only");
    assert_eq!(list.body["items"][0]["key_prefix"], &key.key[..12]);
    assert_eq!(app.get("/api/v1/integration-keys", &b.admin).await.body["items"], json!([]));

    // A key is not a person's token, and the reverse.
    app.get("/api/v1/me", &key.key).await.assert_problem(401, "unauthenticated");
    push(&app, &a.admin, vec![ev("K-0", &a.staff1.nip, 2, "07:00:00", "check_in")])
        .await
        .assert_problem(401, "unauthenticated");
    push(&app, "eki_0000", vec![ev("K-0", &a.staff1.nip, 2, "07:00:00", "check_in")])
        .await
        .assert_problem(401, "unauthenticated");

    // Agency A's key cannot record for agency B's employees: refused one by one, nothing stored.
    let res = push(
        &app,
        &key.key,
        vec![ev("K-1", &b.staff1.nip, 2, "07:00:00", "check_in"), ev("K-2", &a.staff1.nip, 2, "07:00:00", "check_in")],
    )
    .await;
    assert_eq!(outcomes(&res), ["refused", "created"]);
    assert_eq!(res.body["items"][0]["errors"][0]["pointer"], "#/events/0/nip");
    let theirs = app.get(&format!("/api/v1/employees/{}/attendance-events", b.staff1.id), &b.admin).await;
    assert_eq!(theirs.body["items"], json!([]));
    // Nor can anyone of agency A read agency B's events, and staff read only their own.
    app.get(&format!("/api/v1/employees/{}/attendance-events", b.staff1.id), &a.admin)
        .await
        .assert_problem(404, "not-found");
    app.get(&format!("/api/v1/employees/{}/attendance-events", a.staff1.id), &a.staff2.token)
        .await
        .assert_problem(404, "not-found");
    app.get(&format!("/api/v1/employees/{}/discipline", a.staff1.id), &a.staff2.token)
        .await
        .assert_problem(404, "not-found");
    app.get(&format!("/api/v1/employees/{}/discipline", a.staff1.id), &a.section.token).await.assert_status(200);
    app.get(&format!("/api/v1/org-units/{}/discipline", a.unit), &a.section.token)
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/org-units/{}/discipline", a.unit), &b.admin).await.assert_problem(404, "not-found");

    // Malformed items are refused on their own.
    let res = push(
        &app,
        &key.key,
        vec![
            json!({"source_event_id": "K-3", "nip": "123", "occurred_at": "2026-11-02T07:00:00+07:00", "kind": "check_in"}),
            json!({"source_event_id": "K-4", "nip": a.staff1.nip, "occurred_at": "yesterday", "kind": "check_in"}),
            json!({"source_event_id": "K 5", "nip": a.staff1.nip, "occurred_at": "2026-11-02T07:00:00+07:00", "kind": "in"}),
            json!({"source_event_id": "K-6", "nip": a.staff1.nip, "occurred_at": "2026-11-02T07:00:00+07:00", "kind": "check_in", "latitude": 91.0, "longitude": 1.0}),
            ev("K-7", &a.staff1.nip, 3, "07:00:00", "check_in"),
        ],
    )
    .await;
    assert_eq!(outcomes(&res), ["refused", "refused", "refused", "refused", "created"], "{}", res.text);
    assert_eq!(res.body["items"][0]["errors"][0]["pointer"], "#/events/0/nip");
    assert_eq!(res.body["items"][1]["errors"][0]["pointer"], "#/events/1/occurred_at");
    assert_eq!(res.body["items"][3]["errors"][0]["pointer"], "#/events/3/latitude");
    push(&app, &key.key, vec![]).await.assert_invalid("#/events");

    // Rotation: the old key stops at once, the new one works; revocation ends it.
    let read = app.get(&format!("/api/v1/integration-keys/{}", key.id), &a.admin).await;
    let etag = read.header("etag").unwrap();
    app.req(Method::POST, &format!("/api/v1/integration-keys/{}/rotate", key.id))
        .token(&a.admin)
        .send()
        .await
        .assert_problem(428, "precondition-required");
    let rotated = app
        .req(Method::POST, &format!("/api/v1/integration-keys/{}/rotate", key.id))
        .token(&a.admin)
        .header("if-match", &etag)
        .send()
        .await;
    rotated.assert_status(200);
    let new_key = rotated.body["key"].as_str().unwrap().to_owned();
    push(&app, &key.key, vec![ev("K-8", &a.staff1.nip, 4, "07:00:00", "check_in")])
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(
        push(&app, &new_key, vec![ev("K-8", &a.staff1.nip, 4, "07:00:00", "check_in")]).await.body["created"],
        1
    );
    app.post(&format!("/api/v1/integration-keys/{}/revoke", key.id), &b.admin, json!({}))
        .await
        .assert_problem(404, "not-found");
    let revoked = app.post(&format!("/api/v1/integration-keys/{}/revoke", key.id), &a.admin, json!({})).await;
    assert!(revoked.body["revoked_at"].is_string(), "{}", revoked.text);
    assert!(revoked.body["last_used_at"].is_string(), "last use is recorded");
    push(&app, &new_key, vec![ev("K-9", &a.staff1.nip, 5, "07:00:00", "check_in")])
        .await
        .assert_problem(401, "unauthenticated");
}

fn signed<'a>(
    app: &'a TestApp,
    key: &Key,
    body: &Value,
    id: &str,
    at: i64,
    secret: Option<&str>,
) -> ekinerja_tests::Request<'a> {
    let raw = serde_json::to_vec(body).unwrap();
    let secret = webhook::Secret::parse(secret.unwrap_or(key.secret.as_deref().unwrap())).unwrap();
    let signature = webhook::sign(&secret, id, at, &raw);
    app.req(Method::POST, "/api/v1/attendance-events/batch")
        .token(&key.key)
        .header("webhook-id", id)
        .header("webhook-timestamp", &at.to_string())
        .header("webhook-signature", &signature)
        .raw("application/json", raw)
}

#[actix_web::test]
async fn a_signed_key_needs_a_fresh_valid_signature_over_the_raw_body() {
    // The application's clock stands still, so the five-minute window's edges are exact.
    let mut app = TestApp::spawn().await;
    let fixed = december();
    app.set_clock(fixed);
    let org = app.org("ATT-S", 800).await;
    let key = issue(&app, &org.admin, true).await;
    assert!(key.secret.as_deref().unwrap().starts_with("whsec_"));
    let body = json!({"events": [ev("S-1", &org.staff1.nip, 2, "07:00:00", "check_in")]});
    let now = fixed.timestamp();

    // Unsigned, stale, from the future, with another secret, and over another body: all refused.
    push(&app, &key.key, vec![ev("S-1", &org.staff1.nip, 2, "07:00:00", "check_in")])
        .await
        .assert_problem(401, "unauthenticated");
    signed(&app, &key, &body, "msg_1", now - 301, None).send().await.assert_problem(401, "unauthenticated");
    signed(&app, &key, &body, "msg_1", now + 301, None).send().await.assert_problem(401, "unauthenticated");
    let (_, other) = webhook::Secret::generate();
    let rid = format!("forged-signature-{}", uuid::Uuid::now_v7().simple());
    signed(&app, &key, &body, "msg_1", now, Some(&other))
        .header("x-request-id", &rid)
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    let logged = ekinerja_tests::security_log::events_of(&rid);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(
        (&logged[0]["event"], &logged[0]["integration_key_id"]),
        (&json!("webhook_signature_refused"), &json!(key.id))
    );
    let raw = serde_json::to_vec(&body).unwrap();
    let secret = webhook::Secret::parse(key.secret.as_deref().unwrap()).unwrap();
    let tampered = app
        .req(Method::POST, "/api/v1/attendance-events/batch")
        .token(&key.key)
        .header("webhook-id", "msg_1")
        .header("webhook-timestamp", &now.to_string())
        .header("webhook-signature", &webhook::sign(&secret, "msg_1", now, &raw))
        .raw(
            "application/json",
            serde_json::to_vec(&json!({"events": [ev("S-1", &org.staff1.nip, 2, "09:00:00", "check_in")]})).unwrap(),
        )
        .send()
        .await;
    tampered.assert_problem(401, "unauthenticated");
    let events = app.get(&format!("/api/v1/employees/{}/attendance-events", org.staff1.id), &org.admin).await;
    assert_eq!(events.body["items"], json!([]), "nothing refused was stored");

    let ok = signed(&app, &key, &body, "msg_2", now - 300, None).send().await;
    ok.assert_status(200);
    assert_eq!(ok.body["created"], 1, "{}", ok.text);
}

#[actix_web::test]
async fn a_fingerprint_machine_pushes_attlog_lines_itself() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let org = app.org("ATT-M", 820).await;
    let other = app.org("ATT-M2", 840).await;
    let sn = "CKJH194560123";
    app.post(
        "/api/v1/attendance-devices",
        &org.staff1.token,
        json!({"serial_number": sn, "name": "Lobi", "allowed_sources": ["203.0.113.0/24"]}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        "/api/v1/attendance-devices",
        &org.admin,
        json!({"serial_number": "bad serial", "name": "Lobi", "allow_any_source": true}),
    )
    .await
    .assert_invalid("#/serial_number");
    let device = app
        .post(
            "/api/v1/attendance-devices",
            &org.admin,
            json!({"serial_number": sn, "name": "Lobi Dinkes", "allowed_sources": ["203.0.113.0/24"]}),
        )
        .await;
    device.assert_status(201);
    // Another agency cannot claim it, and learns nothing of who holds it.
    let claim = app
        .post(
            "/api/v1/attendance-devices",
            &other.admin,
            json!({"serial_number": sn, "name": "Copy", "allow_any_source": true}),
        )
        .await;
    claim.assert_problem(409, "conflict");
    let holder = device.body["agency_id"].as_str().unwrap();
    assert!(
        !claim.text.contains(holder) && !claim.text.contains("ATT-M\"") && !claim.text.contains("Lobi"),
        "{}",
        claim.text
    );
    let office = "203.0.113.7:4370";

    let handshake =
        app.req(Method::GET, &format!("/iclock/cdata?SN={sn}&options=all&pushver=2.4.1")).peer(office).send().await;
    handshake.assert_status(200);
    assert!(handshake.text.starts_with(&format!("GET OPTION FROM: {sn}")), "{}", handshake.text);
    assert!(handshake.text.contains("TimeZone=7"));
    app.req(Method::GET, "/iclock/cdata?SN=UNKNOWN1&options=all")
        .peer(office)
        .send()
        .await
        .assert_problem(403, "forbidden");

    let nip = &org.staff1.nip;
    let body = format!(
        "{nip}\t2026-11-02 07:41:00\t0\t1\t\t0\t0\n{nip}\t2026-11-02 16:10:00\t1\t1\t\t0\t0\r\n\
         {}\t2026-11-02 07:30:00\t0\t1\n999\t2026-11-02 07:30:00\t0\t1\n{nip}\tnot a time\t0\n",
        other.staff1.nip
    );
    let upload = |body: String| {
        app.req(Method::POST, &format!("/iclock/cdata?SN={sn}&table=ATTLOG&Stamp=9999"))
            .peer(office)
            .raw("text/plain", body)
            .send()
    };
    let res = upload(body.clone()).await;
    res.assert_status(200);
    assert_eq!(res.text, "OK: 5");
    // Sent again (a machine resends until it hears OK): nothing is stored twice.
    assert_eq!(upload(body).await.text, "OK: 5");
    let events = app.get(&format!("/api/v1/employees/{}/attendance-events", org.staff1.id), &org.admin).await;
    let items = events.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", events.text);
    assert_eq!(items[0]["source"], "machine");
    assert_eq!(items[0]["device_id"], sn);
    let m = month(&app, &org.admin, &org.staff1.id).await;
    assert_eq!(day(&m, 2)["late_minutes"], 11);
    assert_eq!(day(&m, 2)["early_minutes"], 0);
    // The other agency's employee is not recorded through this machine; the refused lines are in
    // the agency's audit trail.
    let theirs = app.get(&format!("/api/v1/employees/{}/attendance-events", other.staff1.id), &other.admin).await;
    assert_eq!(theirs.body["items"], json!([]));
    let audit = app.get("/api/v1/audit-events?limit=200", &org.admin).await;
    assert!(audit.text.contains("attendance_machine_lines") && audit.text.contains("not a time"), "{}", audit.text);

    // Other tables are acknowledged; commands are none; a revoked machine is refused.
    let oplog = app
        .req(Method::POST, &format!("/iclock/cdata?SN={sn}&table=OPERLOG"))
        .peer(office)
        .raw("text/plain", "OPLOG 4\t0")
        .send()
        .await;
    assert_eq!(oplog.text, "OK");
    assert_eq!(app.req(Method::GET, &format!("/iclock/getrequest?SN={sn}")).peer(office).send().await.text, "OK");
    app.post(&format!("/api/v1/attendance-devices/{}/revoke", device.id()), &org.admin, json!({}))
        .await
        .assert_status(200);
    upload(format!("{nip}\t2026-11-03 07:00:00\t0\n")).await.assert_problem(403, "forbidden");
}

/// A fresh request id, to pick a request's security events from the captured log.
fn rid(tag: &str) -> String {
    format!("{tag}-{}", uuid::Uuid::now_v7().simple())
}

#[actix_web::test]
async fn a_machine_pushes_only_from_its_sources_and_the_refusal_tells_nothing() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let org = app.org("ATT-S", 860).await;
    let devices = "/api/v1/attendance-devices";
    // Sources are named, or "anywhere" is said; what would silently widen is refused.
    let register = |body: Value| app.post(devices, &org.admin, body);
    register(json!({"serial_number": "SRC1", "name": "Lobi"})).await.assert_invalid("#/allowed_sources");
    register(json!({"serial_number": "SRC1", "name": "Lobi", "allowed_sources": ["10.20.0.5/24"]}))
        .await
        .assert_invalid("#/allowed_sources/0");
    register(json!({"serial_number": "SRC1", "name": "Lobi", "allowed_sources": ["203.0.113.7", "gateway"]}))
        .await
        .assert_invalid("#/allowed_sources/1");
    register(json!({"serial_number": "SRC1", "name": "Lobi", "allowed_sources": ["0.0.0.0/0"]}))
        .await
        .assert_invalid("#/allowed_sources/0");
    register(
        json!({"serial_number": "SRC1", "name": "Lobi", "allowed_sources": ["203.0.113.7"], "allow_any_source": true}),
    )
    .await
    .assert_invalid("#/allow_any_source");
    let device = register(json!({"serial_number": "SRC1", "name": "Lobi", "allowed_sources": ["203.0.113.7"]})).await;
    device.assert_status(201);
    assert_eq!(device.body["allowed_sources"], json!(["203.0.113.7/32"]));
    assert_eq!(device.body["allow_any_source"], false);
    register(json!({"serial_number": "ANY1", "name": "Gudang", "allow_any_source": true})).await.assert_status(201);
    let listed = app.get(devices, &org.admin).await;
    let flagged: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["allow_any_source"] == true)
        .map(|d| d["serial_number"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, ["ANY1"]);

    // A forged push from elsewhere: refused, nothing stored, in the audit trail and the log.
    let nip = &org.staff1.nip;
    let punch = format!("{nip}\t2026-11-02 07:00:00\t0\t1\t\t0\t0\n");
    let forged_id = rid("forged");
    let forged = app
        .req(Method::POST, "/iclock/cdata?SN=SRC1&table=ATTLOG")
        .peer("198.51.100.9:5000")
        .header("x-request-id", &forged_id)
        .raw("text/plain", punch.clone())
        .send()
        .await;
    forged.assert_problem(403, "forbidden");
    // Claiming the office's address in a header changes nothing without a trusted proxy.
    app.req(Method::POST, "/iclock/cdata?SN=SRC1&table=ATTLOG")
        .peer("198.51.100.9:5000")
        .header("x-forwarded-for", "203.0.113.7")
        .raw("text/plain", punch.clone())
        .send()
        .await
        .assert_problem(403, "forbidden");
    let events = app.get(&format!("/api/v1/employees/{}/attendance-events", org.staff1.id), &org.admin).await;
    assert_eq!(events.body["items"], json!([]), "{}", events.text);
    let audit = app.get("/api/v1/audit-events?limit=200", &org.admin).await;
    assert!(audit.text.contains("attendance_machine_push") && audit.text.contains("198.51.100.9"), "{}", audit.text);
    let logged = ekinerja_tests::security_log::events_of(&forged_id);
    let names: Vec<&str> = logged.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(names, ["machine_refused_source", "forbidden"], "{logged:?}");
    assert_eq!(logged[0]["address"], "198.51.100.9");

    // No oracle: an unknown serial and a known one at the wrong address get the same answer.
    let ask = |sn: &str| {
        app.req(Method::GET, &format!("/iclock/cdata?SN={sn}&options=all")).peer("198.51.100.10:5000").send()
    };
    let (known, unknown) = (ask("SRC1").await, ask("NOSUCHSN").await);
    assert_eq!((known.status, &known.body["detail"]), (unknown.status, &unknown.body["detail"]));
    assert_eq!(known.body["type"], unknown.body["type"]);

    // From the office it is taken; moving the office's gateway is a change of the machine.
    let from_office = |body: String, peer: &'static str| {
        app.req(Method::POST, "/iclock/cdata?SN=SRC1&table=ATTLOG").peer(peer).raw("text/plain", body).send()
    };
    assert_eq!(from_office(punch.clone(), "203.0.113.7:4370").await.text, "OK: 1");
    let path = format!("{devices}/{}", device.id());
    app.patch(&path, &org.staff1.token, json!({"allowed_sources": ["198.51.100.0/24"]}))
        .await
        .assert_problem(403, "forbidden");
    app.patch(&path, &org.admin, json!({"allowed_sources": []})).await.assert_invalid("#/allowed_sources");
    let moved = app.patch(&path, &org.admin, json!({"allowed_sources": ["198.51.100.0/24"]})).await;
    moved.assert_status(200);
    assert_eq!(moved.body["allowed_sources"], json!(["198.51.100.0/24"]));
    let second = format!("{nip}\t2026-11-03 07:00:00\t0\t1\t\t0\t0\n");
    from_office(second.clone(), "203.0.113.7:4370").await.assert_problem(403, "forbidden");
    assert_eq!(from_office(second, "198.51.100.9:5000").await.text, "OK: 1");
    let events = app.get(&format!("/api/v1/employees/{}/attendance-events", org.staff1.id), &org.admin).await;
    assert_eq!(events.body["items"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn an_address_trying_serials_is_slowed_and_others_are_not() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let org = app.org("ATT-R", 880).await;
    app.post(
        "/api/v1/attendance-devices",
        &org.admin,
        json!({"serial_number": "REAL1", "name": "Lobi", "allow_any_source": true}),
    )
    .await
    .assert_status(201);
    let try_sn =
        |sn: String, peer: &'static str| app.req(Method::GET, &format!("/iclock/getrequest?SN={sn}")).peer(peer).send();
    for i in 0..20 {
        try_sn(format!("GUESS{i}"), "192.0.2.50:1000").await.assert_problem(403, "forbidden");
    }
    let id = rid("scan");
    let slowed = app
        .req(Method::GET, "/iclock/getrequest?SN=GUESS99")
        .peer("192.0.2.50:1000")
        .header("x-request-id", &id)
        .send()
        .await;
    slowed.assert_problem(429, "too-many-requests");
    assert!(slowed.header("retry-after").is_some_and(|s| s.parse::<u64>().unwrap() > 0));
    assert_eq!(ekinerja_tests::security_log::event_names(&id), ["machine_rate_limited"]);
    // The scanner cannot tell a real serial by a different answer; other addresses go on.
    try_sn("REAL1".into(), "192.0.2.50:1000").await.assert_problem(429, "too-many-requests");
    assert_eq!(try_sn("REAL1".into(), "192.0.2.51:1000").await.text, "OK");
    try_sn("GUESS100".into(), "192.0.2.51:1000").await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    let mut app = TestApp::spawn_with(|s| {
        s.trusted_proxies = ekinerja_domain::network::Networks::parse(&["10.0.0.0/8"]).unwrap();
    })
    .await;
    app.set_clock(december());
    let org = app.org("ATT-P", 890).await;
    app.post(
        "/api/v1/attendance-devices",
        &org.admin,
        json!({"serial_number": "PROXIED", "name": "Lobi", "allowed_sources": ["203.0.113.7"]}),
    )
    .await
    .assert_status(201);
    let handshake = |peer: &'static str, forwarded: &'static str| {
        app.req(Method::GET, "/iclock/cdata?SN=PROXIED&options=all")
            .peer(peer)
            .header("x-forwarded-for", forwarded)
            .send()
    };
    // Through the proxy, the address the proxy saw; a forged hop on the left is not believed.
    handshake("10.0.0.2:443", "203.0.113.7").await.assert_status(200);
    handshake("10.0.0.2:443", "203.0.113.7, 198.51.100.4").await.assert_problem(403, "forbidden");
    // A proxy that adds its own line leaves the client's forged line first: every line counts.
    app.req(Method::GET, "/iclock/cdata?SN=PROXIED&options=all")
        .peer("10.0.0.2:443")
        .append_header("x-forwarded-for", "203.0.113.7")
        .append_header("x-forwarded-for", "198.51.100.4")
        .send()
        .await
        .assert_problem(403, "forbidden");
    // A hop that cannot be read makes the client unknown, never the (trusted) proxy itself.
    handshake("10.0.0.2:443", "garbage, 203.0.113.7").await.assert_problem(403, "forbidden");
    // Straight from outside, the header is the caller's own claim.
    handshake("198.51.100.4:443", "203.0.113.7").await.assert_problem(403, "forbidden");
}

const EMPLOYEES: &str = include_str!("../fixtures/sample-employees.csv");
const PRESENSI: &str = include_str!("../fixtures/sample-presensi.csv");

async fn import_presensi(app: &TestApp, token: &str, query: &str) -> Response {
    app.req(Method::POST, &format!("/api/v1/imports/attendance{query}"))
        .token(token)
        .raw("text/csv; charset=utf-8", PRESENSI.to_owned())
        .send()
        .await
}

/// The sample agency with the good lines of the sample HR export.
async fn sample_agency(app: &TestApp) -> String {
    let agency = app.agency("KAB-PRESENSI").await;
    let admin = app.agency_admin(&agency, "bkpsdm.presensi").await;
    for (code, name) in [
        ("SETDA", "Sekretariat Daerah"),
        ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"),
        ("DINKES", "Dinas Kesehatan"),
        ("INSP", "Inspektorat"),
        ("DISKOMINFO", "Dinas Komunikasi dan Informatika"),
    ] {
        app.post("/api/v1/org-units", &admin, json!({"code": code, "name": name})).await.assert_status(201);
    }
    let good: String = EMPLOYEES
        .lines()
        .enumerate()
        .filter(|(i, _)| ![13, 26, 42, 43, 44, 45].contains(&(i + 1)))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    app.req(Method::POST, "/api/v1/imports/employees")
        .token(&admin)
        .raw("text/csv", good)
        .send()
        .await
        .assert_status(200);
    admin
}

#[actix_web::test]
async fn the_sample_presensi_export_imports_with_its_broken_lines_reported() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let admin = sample_agency(&app).await;

    let dry = import_presensi(&app, &admin, "?dry_run=true").await;
    dry.assert_status(200);
    assert_eq!(dry.body["rows"], 781, "{}", dry.text);
    let mut refused: Vec<(u64, String)> = dry.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["column"].as_str().unwrap().to_owned()))
        .collect();
    refused.sort();
    // Two employees appointed "in 2028" never made it into the HR import, so their 40 lines
    // name unknown NIPs; then an unknown NIP, 31 November, 25:10 and "MASUK?".
    let mut want: Vec<(u64, String)> = (213..=232).chain(464..=483).map(|l| (l, "nip".to_owned())).collect();
    want.extend([(779, "nip"), (780, "tanggal"), (781, "jam"), (782, "jenis")].map(|(l, c)| (l, c.to_owned())));
    assert_eq!(refused, want);
    // Line 777 repeats line 12 exactly: the same event, not a new one.
    assert_eq!((dry.body["created"].as_u64(), dry.body["existing"].as_u64()), (Some(736), Some(1)));
    let any = app.get("/api/v1/employees/198204032004011644", &admin).await;
    let events = app.get(&format!("/api/v1/employees/{}/attendance-events", any.id()), &admin).await;
    assert_eq!(events.body["items"], json!([]), "a dry run stores nothing");

    let real = import_presensi(&app, &admin, "").await;
    assert_eq!((real.body["created"].as_u64(), real.body["refused"].as_u64()), (Some(736), Some(44)), "{}", real.text);
    let again = import_presensi(&app, &admin, "").await;
    assert_eq!((again.body["created"].as_u64(), again.body["existing"].as_u64()), (Some(0), Some(737)));
    let events = app.get(&format!("/api/v1/employees/{}/attendance-events?limit=200", any.id()), &admin).await;
    assert_eq!(events.body["items"].as_array().unwrap().len(), 20, "ten working days, in and out");

    // Thursday 5 November: in at 09:30, out at 15:20.
    let m = month(&app, &admin, &any.id()).await;
    assert_eq!(day(&m, 5)["late_minutes"], 120, "{}", m.text);
    assert_eq!(day(&m, 5)["early_minutes"], 40);
    // A unit's recap lists every employee with their month.
    let unit = app.get("/api/v1/org-units?limit=200", &admin).await;
    let setda = unit.body["items"].as_array().unwrap().iter().find(|u| u["code"] == "SETDA").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let recap = app.get(&format!("/api/v1/org-units/{setda}/discipline?month=2026-11"), &admin).await;
    recap.assert_status(200);
    let rows = recap.body["employees"].as_array().unwrap();
    assert!(!rows.is_empty());
    let row = rows.iter().find(|r| r["employee"]["nip"] == "198204032004011644").unwrap();
    assert_eq!(row["deduction_bp"], m.body["deduction_bp"]);
    // From 14 November on, nobody of the sample has any record: absent without notice.
    assert!(row["absent_days"].as_u64().unwrap() >= 10, "{row}");
    app.req(Method::POST, "/api/v1/imports/attendance")
        .token(&admin)
        .raw("text/csv", "nama\nx\n")
        .send()
        .await
        .assert_invalid("#/columns/nip");
    app.req(Method::POST, "/api/v1/imports/attendance")
        .token(&admin)
        .json(json!({}))
        .send()
        .await
        .assert_problem(415, "unsupported-media-type");
}

#[actix_web::test]
async fn implausible_times_racing_duplicates_and_unknown_agencies_are_answered_item_by_item() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let org = app.org("ATT-R", 860).await;
    let key = issue(&app, &org.admin, false).await;
    let nip = &org.staff1.nip;
    // From the future (a day ahead of the server's clock) and from a reset machine clock.
    let res = push(
        &app,
        &key.key,
        vec![
            json!({"source_event_id": "R-1", "nip": nip, "occurred_at": "2026-12-02T07:00:00+07:00", "kind": "check_in"}),
            json!({"source_event_id": "R-2", "nip": nip, "occurred_at": "2000-01-01T00:00:00+07:00", "kind": "check_in"}),
            json!({"source_event_id": "R-3", "nip": nip, "occurred_at": "2026-12-01T09:01:00+07:00", "kind": "check_in"}),
        ],
    )
    .await;
    assert_eq!(outcomes(&res), ["refused", "refused", "created"], "{}", res.text);
    assert_eq!(res.body["items"][0]["errors"][0]["pointer"], "#/events/0/occurred_at");

    // Eight batches carrying the same new events at once: each answered 200, every event stored
    // once, and nothing else in the batches lost.
    let batch = |n: usize| {
        json!({"events": [ev("R-shared-in", nip, 2, "07:10:00", "check_in"), ev("R-shared-out", nip, 2, "16:10:00", "check_out"),
                          ev(&format!("R-own-{n}"), nip, 3 + n as u32, "07:10:00", "check_in")]})
    };
    let requests = (0..8)
        .map(|n| app.req(Method::POST, "/api/v1/attendance-events/batch").token(&key.key).json(batch(n)))
        .collect();
    let answers = app.concurrently(requests).await;
    let mut created = 0;
    for a in &answers {
        a.assert_status(200);
        assert_eq!(a.body["refused"], 0, "{}", a.text);
        created += a.body["created"].as_u64().unwrap();
    }
    assert_eq!(created, 2 + 8, "the shared events once each, every batch's own event");
    let events = app.get(&format!("/api/v1/employees/{}/attendance-events?limit=200", org.staff1.id), &org.admin).await;
    assert_eq!(events.body["items"].as_array().unwrap().len(), 1 + 2 + 8);
    days_agree_with_events(&app);

    // A platform admin naming an agency that does not exist gets a field error, not a failure.
    let ghost = uuid::Uuid::now_v7();
    app.post(
        "/api/v1/integration-keys",
        &app.root,
        json!({"agency_id": ghost, "name": "x", "scopes": ["attendance_write"]}),
    )
    .await
    .assert_invalid("#/agency_id");
    app.post("/api/v1/holidays", &app.root, json!({"agency_id": ghost, "date": "2026-12-25", "name": "Natal"}))
        .await
        .assert_invalid("#/agency_id");
    app.post(
        "/api/v1/attendance-devices",
        &app.root,
        json!({"agency_id": ghost, "serial_number": "SN1", "name": "x", "allow_any_source": true}),
    )
    .await
    .assert_invalid("#/agency_id");

    // Leave a colleague may not see is not found for them, not forbidden.
    let leave = app
        .post(
            "/api/v1/absences",
            &org.admin,
            json!({"employee_id": org.staff1.id, "kind": "leave", "starts_on": "2026-11-23", "ends_on": "2026-11-24"}),
        )
        .await;
    leave.assert_status(201);
    let cancel = format!("/api/v1/absences/{}/cancel", leave.id());
    app.post(&cancel, &org.staff2.token, json!({})).await.assert_problem(404, "not-found");
    app.post(&cancel, &org.section.token, json!({})).await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn the_agencys_policy_by_month_governs_discipline() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let org = app.org("ATT-P", 880).await;
    let other = app.org("ATT-P2", 890).await;
    let key = issue(&app, &org.admin, false).await;
    let nip = &org.staff1.nip;
    push(&app, &key.key, vec![ev("P-1", nip, 3, "07:40:00", "check_in"), ev("P-2", nip, 3, "16:05:00", "check_out")])
        .await
        .assert_status(200);
    let before = month(&app, &org.staff1.token, &org.staff1.id).await;
    assert_eq!(day(&before, 3)["lines"][0]["reason"], "within_tolerance");

    // The defaults are in force until the agency sets its own. Policies are read by a leader,
    // finance and the admin, not by an employee (roles.md).
    for path in ["/api/v1/allowance-policies/in-force?month=2026-11", "/api/v1/allowance-policies"] {
        app.get(path, &org.staff1.token).await.assert_problem(403, "forbidden");
    }
    let defaults = app.get("/api/v1/allowance-policies/in-force?month=2026-11", &org.admin).await;
    defaults.assert_status(200);
    assert!(defaults.body["id"].is_null());
    assert_eq!(defaults.body["rules"]["late_tolerance_minutes"], 15);

    let set = |token: String, body: Value| {
        let app = &app;
        async move { app.post("/api/v1/allowance-policies", &token, body).await }
    };
    set(org.staff1.token.clone(), json!({"effective_month": "2026-11", "rules": rules(0)}))
        .await
        .assert_problem(403, "forbidden");
    set(org.admin.clone(), json!({"effective_month": "2026-13", "rules": rules(0)}))
        .await
        .assert_invalid("#/effective_month");
    let mut broken = rules(0);
    broken["discipline_weight_bp"] = json!(2000);
    broken["deduction_bands"][1]["up_to_minutes"] = json!(10);
    broken["base_amounts"][1]["amount"] = json!(-5);
    let res = set(org.admin.clone(), json!({"effective_month": "2026-11", "rules": broken})).await;
    res.assert_invalid("#/rules/discipline_weight_bp")
        .assert_invalid("#/rules/deduction_bands/1/up_to_minutes")
        .assert_invalid("#/rules/base_amounts/1/amount");
    let mut partial = rules(0);
    partial.as_object_mut().unwrap().remove("deduction_cap_bp");
    set(org.admin.clone(), json!({"effective_month": "2026-11", "rules": partial}))
        .await
        .assert_problem(422, "validation");

    // No tolerance from November on: the 10 minutes of the 3rd are deducted at once.
    set(org.admin.clone(), json!({"effective_month": "2026-11", "rules": rules(0)})).await.assert_status(201);
    let after = month(&app, &org.staff1.token, &org.staff1.id).await;
    assert_eq!(day(&after, 3)["lines"][0]["reason"], "late", "{}", after.text);
    assert_eq!(day(&after, 3)["lines"][0]["deduction_bp"], 50);
    let in_force = app.get("/api/v1/allowance-policies/in-force?month=2026-12", &org.admin).await;
    assert_eq!(in_force.body["effective_month"], "2026-11");
    assert_eq!(in_force.body["rules"]["base_amounts"][1]["amount"], 4_000_000);
    let october = app.get("/api/v1/allowance-policies/in-force?month=2026-10", &org.admin).await;
    assert!(october.body["id"].is_null(), "before it took effect, the defaults");

    // Another agency sees none of it, and its own discipline keeps the defaults.
    assert_eq!(app.get("/api/v1/allowance-policies", &other.admin).await.body["items"], json!([]));
    app.get(&format!("/api/v1/allowance-policies/in-force?agency_id={}", org.agency), &other.admin)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.get("/api/v1/allowance-policies", &org.admin).await.body["items"].as_array().unwrap().len(), 1);
}

/// A month's allowance (issue 7) from pushed attendance and a final evaluation: computed,
/// recomputed after a late event, approved and frozen, exported, read by the employee, and
/// corrected by a new run that shows the difference.
#[actix_web::test]
async fn an_allowance_run_is_computed_recomputed_approved_exported_and_corrected() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let s = ekinerja_tests::builders::setup(&app, "TPP-A", 1200).await;
    let org = &s.org;
    let other = app.org("TPP-B", 1250).await;
    let mut policy = rules(15);
    policy["base_amounts"] = json!([{"class": 5, "amount": 2500000}, {"class": 9, "amount": 4000000}]);
    app.post("/api/v1/allowance-policies", &org.admin, json!({"effective_month": "2026-01", "rules": policy}))
        .await
        .assert_status(201);
    // Worked example A's attendance for staff member 1, and a final quarterly predicate "good".
    let key = issue(&app, &org.admin, false).await;
    let mut events = example_a(&org.staff1.nip);
    events.retain(|e| e["source_event_id"] != "A-21-in");
    assert_eq!(push(&app, &key.key, events).await.body["refused"], 0);
    app.post(
        "/api/v1/absences",
        &org.admin,
        json!({"employee_id": org.staff1.id, "kind": "leave", "starts_on": "2026-11-16", "ends_on": "2026-11-17"}),
    )
    .await
    .assert_status(201);
    let q4 = app
        .post(
            "/api/v1/evaluation-periods",
            &org.admin,
            json!({"performance_period_id": s.period, "kind": "quarterly", "number": 4}),
        )
        .await;
    let evaluation = app
        .post(
            "/api/v1/evaluations",
            &org.section.token,
            json!({"evaluation_period_id": q4.id(), "employee_id": org.staff1.id}),
        )
        .await;
    let values: Vec<Value> =
        ["service_oriented", "accountable", "competent", "harmonious", "loyal", "adaptive", "collaborative"]
            .iter()
            .map(|v| json!({"core_value": v, "rating": "as_expected"}))
            .collect();
    let rated = app
        .req(Method::PATCH, &format!("/api/v1/evaluations/{}", evaluation.id()))
        .token(&org.section.token)
        .header("if-match", &etag(&evaluation))
        .json(json!({"results_rating": "as_expected", "behaviour_rating": "as_expected", "behaviours": values}))
        .send()
        .await;
    app.req(Method::POST, &format!("/api/v1/evaluations/{}/finalise", evaluation.id()))
        .token(&org.section.token)
        .header("if-match", &etag(&rated))
        .send()
        .await
        .assert_status(200);

    let compute = json!({"month": "2026-11"});
    app.post("/api/v1/allowance-runs", &org.staff1.token, compute.clone()).await.assert_problem(403, "forbidden");
    app.post("/api/v1/allowance-runs", &org.admin, json!({"month": "2026-12"})).await.assert_invalid("#/month");
    let run = app.post("/api/v1/allowance-runs", &org.admin, compute.clone()).await;
    run.assert_status(201);
    let line = |r: &Response, who: &str| {
        r.body["lines"].as_array().unwrap().iter().find(|l| l["employee_id"] == who).unwrap().clone()
    };
    // 2,500,000 × 70% × 100% + floor(2,500,000 × 30% × 89.5%) = 1,750,000 + 671,250.
    let mine = line(&run, &org.staff1.id);
    assert_eq!(
        (mine["status"].as_str(), mine["deduction_bp"].as_i64()),
        (Some("computed"), Some(1_050)),
        "{}",
        run.text
    );
    assert_eq!(mine["amount"], 2_421_250);
    assert_eq!(mine["breakdown"]["discipline"]["lines"].as_array().unwrap().len(), 10);
    // One name for the deduction: the line's, the breakdown's and each day's.
    assert_eq!(mine["breakdown"]["discipline"]["deduction_bp"], mine["deduction_bp"]);
    assert!(mine["breakdown"]["discipline"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["deduction_bp"].is_i64() && l.get("bp").is_none()));
    let waiting = line(&run, &org.staff2.id);
    assert_eq!(
        (waiting["status"].as_str(), waiting["pending_reason"].as_str()),
        (Some("pending"), Some("no_final_predicate"))
    );
    assert!(waiting["amount"].is_null() && waiting["base"].is_null(), "no amount, never 0: {waiting}");
    assert_eq!(mine["opd_name"], "Dinas Kesehatan");

    // The check-out of Monday 9 arrives late; the draft is recomputed in place.
    push(&app, &key.key, vec![ev("A-9-out-late", &org.staff1.nip, 9, "16:10:00", "check_out")])
        .await
        .assert_status(200);
    let again = app.post("/api/v1/allowance-runs", &org.admin, compute.clone()).await;
    again.assert_status(200);
    assert_eq!(again.id(), run.id());
    assert_eq!(line(&again, &org.staff1.id)["amount"], 1_750_000 + 682_500, "D = 900 now");

    // That check-out was a colleague's finger: the admin voids it. It stays listed, with who and
    // why; the day and the draft run are as before it came.
    let events = app
        .get(
            &format!("/api/v1/employees/{}/attendance-events?from=2026-11-09&to=2026-11-09", org.staff1.id),
            &org.admin,
        )
        .await;
    let late =
        events.body["items"].as_array().unwrap().iter().find(|e| e["source_event_id"] == "A-9-out-late").unwrap();
    let void_path = format!("/api/v1/attendance-events/{}/void", late["id"].as_str().unwrap());
    let reason = json!({"reason": "Punched by a colleague: the employee left at 14:00 (laporan 12/XI)"});
    assert_eq!(day(&month(&app, &org.admin, &org.staff1.id).await, 9)["early_minutes"], 0);
    app.post(&void_path, &org.staff1.token, reason.clone()).await.assert_problem(403, "forbidden");
    app.post(&void_path, &org.section.token, reason.clone()).await.assert_problem(403, "forbidden");
    app.post(&void_path, &other.admin, reason.clone()).await.assert_problem(404, "not-found");
    app.post(&void_path, &org.admin, json!({"reason": "  "})).await.assert_invalid("#/reason");
    assert_eq!(
        line(&app.post("/api/v1/allowance-runs", &org.admin, compute.clone()).await, &org.staff1.id)["amount"],
        2_432_500
    );
    let voided = app.post(&void_path, &org.admin, reason.clone()).await;
    voided.assert_status(200);
    assert!(voided.body["voided_at"].is_string() && voided.body["voided_by_account_id"].is_string(), "{}", voided.text);
    assert_eq!(voided.body["void_reason"], reason["reason"]);
    app.post(&void_path, &org.admin, reason.clone()).await.assert_status(200);
    app.post(&void_path, &org.admin, json!({"reason": "another story"})).await.assert_problem(409, "conflict");
    // Sent again by the attendance system, it stays void.
    push(&app, &key.key, vec![ev("A-9-out-late", &org.staff1.nip, 9, "16:10:00", "check_out")])
        .await
        .assert_status(200);
    let listed = app
        .get(
            &format!("/api/v1/employees/{}/attendance-events?from=2026-11-09&to=2026-11-09", org.staff1.id),
            &org.admin,
        )
        .await;
    let kept =
        listed.body["items"].as_array().unwrap().iter().find(|e| e["source_event_id"] == "A-9-out-late").unwrap();
    assert_eq!(kept["void_reason"], reason["reason"], "{}", listed.text);
    let monday = month(&app, &org.admin, &org.staff1.id).await;
    assert!(day(&monday, 9)["check_out"].is_null(), "{}", monday.text);
    assert!(!day(&monday, 9)["lines"].as_array().unwrap().is_empty(), "{}", monday.text);
    let after_void = app.post("/api/v1/allowance-runs", &org.admin, compute.clone()).await;
    assert_eq!(line(&after_void, &org.staff1.id)["amount"], 2_421_250, "back to D = 1,050: {}", after_void.text);
    let audit = app.get("/api/v1/audit-events?limit=200", &org.admin).await;
    assert!(audit.text.contains("\"void\"") && audit.text.contains("laporan 12/XI"), "{}", audit.text);
    // Put back as it was for what follows: the late check-out counts again under a new id.
    push(&app, &key.key, vec![ev("A-9-out-late-2", &org.staff1.nip, 9, "16:10:00", "check_out")])
        .await
        .assert_status(200);
    let again = app.post("/api/v1/allowance-runs", &org.admin, compute.clone()).await;
    assert_eq!(line(&again, &org.staff1.id)["amount"], 1_750_000 + 682_500);
    days_agree_with_events(&app);
    let path = format!("/api/v1/allowance-runs/{}", run.id());
    // Separation of duties (on by default): the admin who computed it does not approve it.
    let refused = app.req(Method::POST, &format!("{path}/approve")).token(&org.admin).header("if-match", &etag(&again));
    refused.send().await.assert_problem(403, "forbidden");
    let finance = app.finance(&org.admin, "bpkad").await;
    app.req(Method::POST, &format!("{path}/approve"))
        .token(&finance)
        .header("if-match", &etag(&run))
        .send()
        .await
        .assert_problem(412, "precondition-failed");
    app.get(&format!("{path}/payroll"), &org.admin).await.assert_problem(409, "conflict");
    let approved = app
        .req(Method::POST, &format!("{path}/approve"))
        .token(&finance)
        .header("if-match", &etag(&again))
        .send()
        .await;
    approved.assert_status(200);
    assert!(approved.body["computed_by_account_id"].is_string(), "{}", approved.text);
    assert_ne!(approved.body["approved_by_account_id"], approved.body["computed_by_account_id"]);
    app.req(Method::POST, &format!("{path}/approve"))
        .token(&finance)
        .header("if-match", &etag(&approved))
        .send()
        .await
        .assert_problem(409, "conflict");

    // The payroll file adds up to the run's total.
    let csv = app.get(&format!("{path}/payroll"), &org.admin).await;
    csv.assert_status(200);
    let rows: Vec<Vec<String>> = csv.text.lines().skip(1).map(|l| l.split(',').map(str::to_owned).collect()).collect();
    assert!(csv.text.starts_with("nip,nama,opd,unit_kerja,kelas_jabatan,status,"), "{}", csv.text);
    let sum: i64 = rows.iter().filter(|r| r[5] == "computed").map(|r| r[10].parse::<i64>().unwrap()).sum();
    assert_eq!(sum, approved.body["total"].as_i64().unwrap(), "{}", csv.text);
    // A pending line has no amount (empty cells, not 0) and says why; a computed one no reason.
    let (computed, pending): (Vec<&Vec<String>>, Vec<&Vec<String>>) = rows.iter().partition(|r| r[5] == "computed");
    assert!(!pending.is_empty() && !computed.is_empty(), "{}", csv.text);
    assert!(
        pending
            .iter()
            .all(|r| r[5] == "pending" && r[6..11].iter().all(String::is_empty) && r[14].starts_with("tertunda: ")),
        "{}",
        csv.text
    );
    assert!(
        computed.iter().all(|r| !r[10].is_empty() && r[14].is_empty() && r[2] == "Dinas Kesehatan"),
        "{}",
        csv.text
    );
    assert!(csv.text.contains(&format!("\"=\"\"{}\"\"\"", org.staff1.nip)));
    // The breakdown file explains the deduction day by day: staff member 1's lines add up to 900.
    let detail = app.get(&format!("{path}/breakdown"), &org.admin).await;
    detail.assert_status(200);
    assert!(detail.text.starts_with("nip,nama,tanggal,alasan,menit,potongan_bp\n"), "{}", detail.text);
    let bp: i64 = detail
        .text
        .lines()
        .filter(|l| l.contains(&org.staff1.nip))
        .map(|l| l.rsplit(',').next().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(bp, 900);
    assert!(detail.text.contains("2026-11-12,absent_without_notice,0,500"));

    // Who reads what.
    let own = app.get("/api/v1/me/allowance?month=2026-11", &org.staff1.token).await;
    own.assert_status(200);
    assert_eq!(own.body["items"][0]["line"]["amount"], 2_432_500, "{}", own.text);
    assert_eq!(own.body["items"].as_array().unwrap().len(), 1);
    assert!(!own.text.contains(&org.staff2.nip), "only one's own line");
    // A run is payroll data: not an employee's to read; another agency does not see it at all.
    app.get(&path, &org.staff1.token).await.assert_problem(403, "forbidden");
    app.get(&path, &other.admin).await.assert_problem(404, "not-found");
    app.get(&path, &finance).await.assert_status(200);

    // A later correction is a new run showing the difference; the approved one never changes.
    push(
        &app,
        &key.key,
        vec![
            ev("A-12-in", &org.staff1.nip, 12, "07:20:00", "check_in"),
            ev("A-12-out", &org.staff1.nip, 12, "16:05:00", "check_out"),
        ],
    )
    .await
    .assert_status(200);
    let correction = app.post("/api/v1/allowance-runs", &org.admin, compute).await;
    correction.assert_status(201);
    assert_eq!(correction.body["previous_run_id"], run.id().as_str());
    let corrected = line(&correction, &org.staff1.id);
    assert_eq!(corrected["previous_amount"], 2_432_500);
    assert_eq!(corrected["difference"], 37_500, "500 bp of 30% of 2,500,000: {corrected}");
    let frozen = app.get(&path, &org.admin).await;
    assert_eq!(frozen.body["total"], approved.body["total"]);
    assert_eq!(frozen.body["status"], "approved");
}

/// The productivity basis through the API, for one unit: approved log minutes against the target,
/// and the rules the run applied kept with it when the policy is later replaced.
#[actix_web::test]
async fn a_unit_run_on_the_productivity_basis_counts_accepted_log_minutes() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let s = ekinerja_tests::builders::setup(&app, "TPP-C", 1300).await;
    let org = &s.org;
    // A second unit whose people the run must leave out.
    let other_unit =
        app.post("/api/v1/org-units", &org.admin, json!({"code": "DISDIK", "name": "Dinas Pendidikan"})).await.id();
    let post = app.position(&org.admin, &other_unit, "Analis", "pelaksana", 5, Some(&org.head_post)).await;
    let outsider = app.person(&org.admin, 1390, "Orang Lain", &post).await;
    let mut policy = rules(15);
    policy["performance_basis"] = json!("productivity");
    policy["performance_weight_bp"] = json!(6000);
    policy["discipline_weight_bp"] = json!(4000);
    policy["base_amounts"] = json!([{"class": 5, "amount": 3250000}]);
    app.post("/api/v1/allowance-policies", &org.admin, json!({"effective_month": "2026-11", "rules": policy.clone()}))
        .await
        .assert_status(201);
    // Staff member 1: every working day of November in on time and out after the end, and two
    // accepted logs (8:00–12:00 and 13:00–15:30 on the 2nd; 2.5 hours on the 3rd).
    let key = issue(&app, &org.admin, false).await;
    let mut events = example_a(&org.staff1.nip);
    events.retain(|e| {
        let id = e["source_event_id"].as_str().unwrap();
        !["A-3-in", "A-4-in", "A-6-in", "A-9-in", "A-13-out", "A-18-in", "A-18-out", "A-21-in"].contains(&id)
    });
    for (d, t) in [(3, "07:20:00"), (4, "07:20:00"), (6, "07:20:00"), (9, "07:20:00"), (18, "07:20:00")] {
        events.push(ev(&format!("C-{d}-in"), &org.staff1.nip, d, t, "check_in"));
    }
    for (d, t) in [(9, "16:05:00"), (13, "16:35:00"), (18, "16:05:00"), (12, "16:05:00")] {
        events.push(ev(&format!("C-{d}-out"), &org.staff1.nip, d, t, "check_out"));
    }
    events.push(ev("C-12-in", &org.staff1.nip, 12, "07:20:00", "check_in"));
    for d in [16, 17] {
        events.push(ev(&format!("C-{d}-in"), &org.staff1.nip, d, "07:20:00", "check_in"));
        events.push(ev(&format!("C-{d}-out"), &org.staff1.nip, d, "16:05:00", "check_out"));
    }
    assert_eq!(push(&app, &key.key, events).await.body["refused"], 0);
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    for (d, start, end) in [(2, "08:00", "12:00"), (2, "13:00", "15:30"), (3, "08:00", "10:30")] {
        let l = app.post("/api/v1/daily-logs", &org.staff1.token, log(&s.staff_rhk, day(d), start, end)).await;
        l.assert_status(201);
        app.review_log(&org.section.token, &l.id(), "accept", json!({})).await.assert_status(200);
    }

    let run =
        app.post("/api/v1/allowance-runs", &org.admin, json!({"org_unit_id": org.unit, "month": "2026-11"})).await;
    run.assert_status(201);
    let lines = run.body["lines"].as_array().unwrap();
    assert!(lines.iter().all(|l| l["employee_id"] != outsider.id.as_str()), "only the unit's people");
    assert_eq!(lines.len(), 5, "{}", run.text);
    let mine = lines.iter().find(|l| l["employee_id"] == org.staff1.id.as_str()).unwrap();
    // 540 minutes against 300 × 21 = 6,300: pf = floor(5,400,000 / 6,300) = 857; no deduction.
    assert_eq!(mine["breakdown"]["productive_minutes"], 540, "{mine}");
    assert_eq!(mine["breakdown"]["target_minutes"], 6_300);
    assert_eq!(mine["performance_factor_bp"], 857);
    assert_eq!(mine["deduction_bp"], 0);
    // floor(3,250,000 × 6,000 × 857 / 10^8) + floor(3,250,000 × 4,000 × 10,000 / 10^8).
    assert_eq!(mine["amount"], 167_115 + 1_300_000);
    assert_eq!(run.body["rules"]["performance_basis"], "productivity");

    // The policy for November is replaced; the run still says what it applied until recomputed.
    policy["performance_weight_bp"] = json!(7000);
    policy["discipline_weight_bp"] = json!(3000);
    app.post("/api/v1/allowance-policies", &org.admin, json!({"effective_month": "2026-11", "rules": policy}))
        .await
        .assert_status(201);
    let kept = app.get(&format!("/api/v1/allowance-runs/{}", run.id()), &org.admin).await;
    assert_eq!(kept.body["rules"]["performance_weight_bp"], 6000);
    assert_eq!(kept.body["total"], run.body["total"]);
    app.post("/api/v1/allowance-runs", &org.admin, json!({"org_unit_id": uuid::Uuid::now_v7(), "month": "2026-11"}))
        .await
        .assert_invalid("#/org_unit_id");
}

/// The holidays of "this year" are those of the year it is in the agency's own time zone: at
/// 01:00 on New Year's Day in Jakarta (18:00 the day before in UTC), the new year's.
#[actix_web::test]
async fn this_years_holidays_are_of_the_agencys_own_new_year() {
    use chrono::TimeZone;
    let mut app = TestApp::spawn().await;
    app.set_clock(chrono::Utc.with_ymd_and_hms(2026, 12, 31, 18, 0, 0).unwrap());
    let org = app.org("NEWYEAR", 1500).await;
    for (date, name) in [("2026-12-25", "Natal"), ("2027-01-01", "Tahun Baru Masehi")] {
        app.post("/api/v1/holidays", &org.admin, json!({"date": date, "name": name})).await.assert_status(201);
    }
    let now = app.get("/api/v1/holidays", &org.staff1.token).await;
    assert_eq!(now.body["items"].as_array().map(Vec::len), Some(1), "{}", now.text);
    assert_eq!(now.body["items"][0]["date"], "2027-01-01", "{}", now.text);
    let named = app.get("/api/v1/holidays?year=2026", &org.staff1.token).await;
    assert_eq!(named.body["items"][0]["date"], "2026-12-25", "{}", named.text);
}
