//! Shifts and rosters (issue 21, workforce.md): a ward that works by roster, a night shift judged
//! late and on time on the date it starts, holidays that do not stop a shift, days without a
//! shift that are days off, who may set a roster, and a month's roster file with bad lines.

use actix_web::http::Method;
use chrono::{TimeZone, Utc};
use ekinerja_tests::{Org, Person, Response, TestApp};
use serde_json::{json, Value};

/// A ward of the org's unit that works by roster from 1 November 2026: its head and two nurses,
/// shifts P (07:00–14:00) and M (21:00–07:00) of the ward, and S (14:00–21:00) of the unit above.
struct Ward {
    org: Org,
    unit: String,
    head: Person,
    nurse1: Person,
    nurse2: Person,
    morning: String,
    night: String,
    evening: String,
}

async fn ward(app: &mut TestApp, code: &str, seed: u32) -> Ward {
    // 1 December 2026, 09:00 WIB: every day of November is judged.
    app.set_clock(Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap());
    let org = app.org(code, seed).await;
    let unit = app
        .post(
            "/api/v1/org-units",
            &org.admin,
            json!({"code": "IGD", "name": "Instalasi Gawat Darurat", "parent_id": org.unit}),
        )
        .await
        .assert_status(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let head_post = app
        .position(&org.admin, &unit, "Kepala Instalasi Gawat Darurat", "pengawas", 9, Some(&org.division_post))
        .await;
    let nurse_post = app.position(&org.admin, &unit, "Perawat Terampil", "fungsional", 7, Some(&head_post)).await;
    let head = app.person(&org.admin, seed + 11, "Yuni Kartika", &head_post).await;
    let nurse1 = app.person(&org.admin, seed + 12, "Putu Ayu", &nurse_post).await;
    let nurse2 = app.person(&org.admin, seed + 13, "Joko Prasetyo", &nurse_post).await;
    app.post(
        "/api/v1/work-schedules",
        &org.admin,
        json!({"org_unit_id": unit, "effective_from": "2026-11-01", "rostered": true}),
    )
    .await
    .assert_status(201);
    let shift = |unit: &str, code: &str, name: &str, from: &str, to: &str| json!({"org_unit_id": unit, "code": code, "name": name, "starts_at": from, "ends_at": to});
    let morning = app.post("/api/v1/shifts", &org.admin, shift(&unit, "P", "Dinas pagi", "07:00", "14:00")).await;
    morning.assert_status(201);
    assert_eq!(
        (morning.body["crosses_midnight"].as_bool(), morning.body["minutes"].as_i64()),
        (Some(false), Some(420))
    );
    let night = app.post("/api/v1/shifts", &org.admin, shift(&unit, "M", "Dinas malam", "21:00", "07:00")).await;
    night.assert_status(201);
    assert_eq!((night.body["crosses_midnight"].as_bool(), night.body["minutes"].as_i64()), (Some(true), Some(600)));
    let evening = app.post("/api/v1/shifts", &org.admin, shift(&org.unit, "S", "Dinas sore", "14:00", "21:00")).await;
    evening.assert_status(201);
    Ward { unit, head, nurse1, nurse2, morning: morning.id(), night: night.id(), evening: evening.id(), org }
}

async fn put_roster(app: &TestApp, token: &str, entries: Value) -> Response {
    app.req(Method::PUT, "/api/v1/rosters").token(token).json(json!({ "entries": entries })).send().await
}

fn entry(employee: &Person, date: &str, shift: Option<&str>) -> Value {
    json!({"employee_id": employee.id, "date": date, "shift_id": shift})
}

/// An event at `date` `time` WIB.
fn ev(id: &str, nip: &str, date: &str, time: &str, kind: &str) -> Value {
    json!({"source_event_id": id, "nip": nip, "occurred_at": format!("{date}T{time}+07:00"), "kind": kind,
           "device_id": "FP-IGD-01"})
}

async fn day(app: &TestApp, token: &str, employee: &str, date: &str) -> Value {
    let m = app.get(&format!("/api/v1/employees/{employee}/discipline?month=2026-11"), token).await;
    m.assert_status(200);
    m.body["days"].as_array().unwrap().iter().find(|d| d["date"] == date).cloned().unwrap()
}

#[actix_web::test]
async fn a_night_shift_crossing_midnight_is_judged_on_the_date_it_starts() {
    let mut app = TestApp::spawn().await;
    let w = ward(&mut app, "SH-A", 6100).await;
    let org = &w.org;
    // Thursday 5 November is a holiday: a ward works on it all the same.
    app.post("/api/v1/holidays", &org.admin, json!({"date": "2026-11-05", "name": "Cuti bersama"}))
        .await
        .assert_status(201);

    // The ward's head rosters nurse 1: nights on Monday 2 and Tuesday 3, the morning of
    // Thursday 5, the evening (the unit above's shift) of Friday 6; Wednesday 4 is a day off.
    let set = put_roster(
        &app,
        &w.head.token,
        json!([
            entry(&w.nurse1, "2026-11-02", Some(&w.night)),
            entry(&w.nurse1, "2026-11-03", Some(&w.night)),
            entry(&w.nurse1, "2026-11-04", None),
            entry(&w.nurse1, "2026-11-05", Some(&w.morning)),
            entry(&w.nurse1, "2026-11-06", Some(&w.evening)),
        ]),
    )
    .await;
    set.assert_status(200);
    assert_eq!(set.body["items"].as_array().unwrap().len(), 5);

    let key = app
        .post("/api/v1/integration-keys", &org.admin, json!({"name": "e-Presensi", "scopes": ["attendance_write"]}))
        .await
        .body["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let nip = &w.nurse1.nip;
    let pushed = app
        .post(
            "/api/v1/attendance-events/batch",
            &key,
            json!({"events": [
                // Night of the 2nd: in before 21:00, out after 07:00 on the 3rd: on time.
                ev("n1", nip, "2026-11-02", "20:55:00", "check_in"),
                ev("n2", nip, "2026-11-03", "07:05:00", "check_out"),
                // Night of the 3rd: 20 minutes late, out at 06:30 on the 4th: 30 minutes early.
                ev("n3", nip, "2026-11-03", "21:20:00", "check_in"),
                ev("n4", nip, "2026-11-04", "06:30:00", "check_out"),
                // Morning of the holiday: on time.
                ev("n5", nip, "2026-11-05", "06:58:00", "check_in"),
                ev("n6", nip, "2026-11-05", "14:01:00", "check_out"),
                // Nothing on the evening of the 6th.
            ]}),
        )
        .await;
    pushed.assert_status(200);

    let d2 = day(&app, &w.nurse1.token, &w.nurse1.id, "2026-11-02").await;
    assert_eq!(
        (&d2["status"], &d2["work_start"], &d2["work_end"], &d2["late_minutes"], &d2["early_minutes"]),
        (&json!("present"), &json!("21:00"), &json!("07:00"), &json!(0), &json!(0)),
        "{d2}"
    );
    assert_eq!((&d2["check_out"], &d2["shift_id"]), (&json!("07:05:00"), &json!(w.night)));
    let d3 = day(&app, &w.nurse1.token, &w.nurse1.id, "2026-11-03").await;
    assert_eq!((&d3["status"], &d3["late_minutes"], &d3["early_minutes"]), (&json!("present"), &json!(20), &json!(30)));
    let reasons: Vec<(&str, i64)> = d3["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["reason"].as_str().unwrap(), l["deduction_bp"].as_i64().unwrap()))
        .collect();
    // 20 minutes is past the month's 15-minute tolerance: 50 bp; 30 minutes early: 50 bp.
    assert_eq!(reasons, [("late", 50), ("early", 50)]);
    // The morning of the 4th belongs to the night of the 3rd, not to the day off.
    let d4 = day(&app, &w.nurse1.token, &w.nurse1.id, "2026-11-04").await;
    assert_eq!((&d4["status"], &d4["check_out"]), (&json!("day_off"), &Value::Null));
    let d5 = day(&app, &w.nurse1.token, &w.nurse1.id, "2026-11-05").await;
    assert_eq!((&d5["status"], &d5["holiday"], &d5["lines"]), (&json!("present"), &Value::Null, &json!([])));
    let d6 = day(&app, &w.nurse1.token, &w.nurse1.id, "2026-11-06").await;
    assert_eq!((&d6["status"], &d6["work_start"]), (&json!("absent_without_notice"), &json!("14:00")));
    // A weekday without a shift is a day off in a ward, not an absence.
    let d9 = day(&app, &w.nurse1.token, &w.nurse1.id, "2026-11-09").await;
    assert_eq!(d9["status"], "day_off");
    let m = app.get(&format!("/api/v1/employees/{}/discipline?month=2026-11", w.nurse1.id), &org.admin).await;
    assert_eq!(m.body["working_days"], 4, "{}", m.body);
    assert_eq!(m.body["deduction_bp"], 600);

    // A night shift still within its window (Monday 30 November, 21:00 to 07:00, read at 09:00
    // on 1 December) is not judged yet: it waits for its check-out.
    put_roster(&app, &w.head.token, json!([entry(&w.nurse1, "2026-11-30", Some(&w.night))])).await.assert_status(200);
    let m = app.get(&format!("/api/v1/employees/{}/discipline?month=2026-11", w.nurse1.id), &org.admin).await;
    assert!(m.body["days"].as_array().unwrap().iter().all(|d| d["date"] != "2026-11-30"), "{}", m.body);
    assert_eq!(m.body["working_days"], 4);
    // Who sets a roster: the ward's head and the head of the unit above, and the admin. Those
    // above who head nothing read it (403); a colleague does not know of it.
    let one = || json!([entry(&w.nurse1, "2026-11-09", Some(&w.morning))]);
    put_roster(&app, &org.head.token, one()).await.assert_status(200);
    put_roster(&app, &org.admin, one()).await.assert_status(200);
    put_roster(&app, &org.division.token, one()).await.assert_problem(403, "forbidden");
    put_roster(&app, &w.nurse1.token, one()).await.assert_problem(403, "forbidden");
    // The ward's head does not set their own roster; the head above does.
    put_roster(&app, &w.head.token, json!([entry(&w.head, "2026-11-09", Some(&w.morning))]))
        .await
        .assert_problem(403, "forbidden");
    put_roster(&app, &org.head.token, json!([entry(&w.head, "2026-11-09", Some(&w.morning))])).await.assert_status(200);
    put_roster(&app, &w.nurse2.token, one()).await.assert_invalid("#/entries/0/employee_id");
    // A unit that does not work by roster, a shift of another unit, a date twice: refused by
    // entry, and nothing of the request is stored.
    let lab = app
        .post("/api/v1/org-units", &org.admin, json!({"code": "LAB", "name": "Laboratorium", "parent_id": org.unit}))
        .await
        .id();
    let lab_shift = app
        .post(
            "/api/v1/shifts",
            &org.admin,
            json!({"org_unit_id": lab, "code": "L", "name": "Jaga lab", "starts_at": "08:00", "ends_at": "20:00"}),
        )
        .await
        .id();
    put_roster(&app, &org.admin, json!([entry(&org.staff1, "2026-11-10", Some(&w.morning))]))
        .await
        .assert_invalid("#/entries/0/date");
    let refused = put_roster(
        &app,
        &org.admin,
        json!([entry(&w.nurse2, "2026-11-10", Some(&w.morning)), entry(&w.nurse1, "2026-11-10", Some(&lab_shift))]),
    )
    .await;
    refused.assert_invalid("#/entries/1/shift_id");
    put_roster(&app, &org.admin, json!([entry(&w.nurse2, "2026-11-10", None), entry(&w.nurse2, "2026-11-10", None)]))
        .await
        .assert_invalid("#/entries/1/date");
    let nurse2 = app.get(&format!("/api/v1/employees/{}/roster?month=2026-11", w.nurse2.id), &org.admin).await;
    assert_eq!(nurse2.body["items"], json!([]), "a refused request stores nothing");
    // Shift codes are unique in a unit, and hours are HH:MM.
    app.post(
        "/api/v1/shifts",
        &org.admin,
        json!({"org_unit_id": w.unit, "code": "P", "name": "Pagi lagi", "starts_at": "08:00", "ends_at": "15:00"}),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(
        "/api/v1/shifts",
        &org.admin,
        json!({"org_unit_id": w.unit, "code": "X", "name": "X", "starts_at": "7:00", "ends_at": "25:00"}),
    )
    .await
    .assert_invalid("#/starts_at")
    .assert_invalid("#/ends_at");
    app.post(
        "/api/v1/shifts",
        &w.head.token,
        json!({"org_unit_id": w.unit, "code": "X", "name": "X", "starts_at": "07:00", "ends_at": "15:00"}),
    )
    .await
    .assert_problem(403, "forbidden");

    // Reading: the nurse her own roster, the ward's head the ward's; a colleague neither.
    let own = app.get(&format!("/api/v1/employees/{}/roster?month=2026-11", w.nurse1.id), &w.nurse1.token).await;
    own.assert_status(200);
    // The 2nd, 3rd, 5th, 6th, 9th and 30th; the day off of the 4th is no entry (a date without
    // one is a day off).
    assert_eq!(own.body["items"].as_array().unwrap().len(), 6);
    app.get(&format!("/api/v1/employees/{}/roster?month=2026-11", w.nurse1.id), &w.nurse2.token)
        .await
        .assert_problem(404, "not-found");
    let ward = app.get(&format!("/api/v1/org-units/{}/roster?month=2026-11", w.unit), &w.head.token).await;
    ward.assert_status(200);
    // With the ward head's own 9th.
    assert_eq!(ward.body["items"].as_array().unwrap().len(), 7);
    app.get(&format!("/api/v1/org-units/{}/roster?month=2026-11", w.unit), &w.nurse1.token)
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/employees/{}/roster", w.nurse1.id), &org.admin)
        .await
        .assert_problem(400, "bad-parameter");
    // A change to a past date is in the audit trail, with who made it.
    let audit = app.get("/api/v1/audit-events?limit=200", &org.admin).await;
    let roster_changes =
        audit.body["items"].as_array().unwrap().iter().filter(|e| e["entity_type"] == "roster_day").count();
    assert_eq!(roster_changes, 7, "every change to a date already begun");
}

fn csv_req<'a>(app: &'a TestApp, token: &str, query: &str, body: &str) -> ekinerja_tests::Request<'a> {
    app.req(Method::POST, &format!("/api/v1/rosters/import?{query}")).token(token).raw("text/csv", body.to_owned())
}

#[actix_web::test]
async fn a_roster_file_with_bad_lines_stores_nothing_and_names_each() {
    let mut app = TestApp::spawn().await;
    let w = ward(&mut app, "SH-B", 6200).await;
    let org = &w.org;
    let (n1, n2) = (&w.nurse1.nip, &w.nurse2.nip);

    // A day the month does not have refuses the file whole.
    csv_req(&app, &org.admin, "month=2026-11", &format!("nip,nama,1,31\n{n1},Putu,P,P\n"))
        .send()
        .await
        .assert_invalid("#/columns/31");
    // So do a column that is no day, and a day given twice.
    csv_req(&app, &org.admin, "month=2026-11", &format!("nip,nama,1,Tgl 2\n{n1},Putu,P,P\n"))
        .send()
        .await
        .assert_invalid("#/columns/tgl 2");
    csv_req(&app, &org.admin, "month=2026-11", &format!("nip,1,01\n{n1},P,P\n"))
        .send()
        .await
        .assert_invalid("#/columns/01");
    // A line cut short is refused, not read as days off.
    csv_req(&app, &org.admin, "month=2026-11", &format!("nip,nama,1,2,3\n{n1},Putu,P\n"))
        .send()
        .await
        .assert_invalid("#/lines/2/nip");

    let bad = format!(
        "nip,nama,1,2,3\n\
         {n1},Putu Ayu,M,,P\n\
         {n2},Joko,P,X,-\n\
         12345,Siapa,P,P,P\n\
         {},Agus,P,,\n",
        org.staff1.nip
    );
    let res = csv_req(&app, &org.admin, "month=2026-11", &bad).send().await;
    res.assert_invalid("#/lines/3/2").assert_invalid("#/lines/4/nip").assert_invalid("#/lines/5/1");
    let nurse1 = app.get(&format!("/api/v1/employees/{}/roster?month=2026-11", w.nurse1.id), &org.admin).await;
    assert_eq!(nurse1.body["items"], json!([]), "one bad line stores nothing");
    // A dry run reports the same, as a 200.
    let dry = csv_req(&app, &org.admin, "month=2026-11&dry_run=true", &bad).send().await;
    dry.assert_status(200);
    let columns: Vec<(u64, &str)> = dry.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(columns, [(3, "2"), (4, "nip"), (5, "1"), (5, "2"), (5, "3")], "{}", dry.body);

    // The nurse may not import her own roster; the ward's head may.
    let good = format!("nip,nama,1,2,3\n{n1},Putu Ayu,M,,P\n{n2},Joko,P,S,-\n");
    csv_req(&app, &w.nurse1.token, "month=2026-11", &good).send().await.assert_invalid("#/lines/2/nip");
    let done = csv_req(&app, &w.head.token, "month=2026-11", &good).send().await;
    done.assert_status(200);
    // Days off are no entries: four shifts set.
    assert_eq!((done.body["employees"].as_u64(), done.body["days_changed"].as_u64()), (Some(2), Some(4)));
    let nurse2 = app.get(&format!("/api/v1/employees/{}/roster?month=2026-11", w.nurse2.id), &org.admin).await;
    let shifts: Vec<&Value> = nurse2.body["items"].as_array().unwrap().iter().map(|d| &d["shift_id"]).collect();
    // S is the unit above's shift, found from the ward up.
    assert_eq!(shifts, [&json!(w.morning), &json!(w.evening)]);
    // The same file again changes nothing.
    let again = csv_req(&app, &w.head.token, "month=2026-11", &good).send().await;
    assert_eq!(again.body["days_changed"], 0);
    // Not CSV, or a bad month: refused before anything is read.
    app.req(Method::POST, "/api/v1/rosters/import?month=2026-11")
        .token(&org.admin)
        .json(json!({}))
        .send()
        .await
        .assert_problem(415, "unsupported-media-type");
    csv_req(&app, &org.admin, "month=2026-13", &good).send().await.assert_problem(400, "bad-parameter");
}
