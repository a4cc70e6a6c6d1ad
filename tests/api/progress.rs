//! Progress against the month's and quarter's targets from accepted logs, and a unit's logging
//! curve (issue 22): figures computed by hand, and who may read them.

use actix_web::http::Method;
use chrono::{TimeZone, Utc};
use ekinerja_tests::builders::{chain, etag, indicator, open, send, step};
use ekinerja_tests::{Org, Person, TestApp};
use serde_json::{json, Value};

/// Tuesday 1 December 2026, 03:00 WIB: November is over.
fn december() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap()
}

/// A log of staff member 1 serving `rhk` (date, minutes, output and its unit), reviewed as `verdict` (`accept`, `reject` or left
/// waiting with `none`).
async fn log(
    app: &TestApp,
    org: &Org,
    rhk: &str,
    (date, minutes, output, unit): (&str, i64, i64, &str),
    verdict: &str,
) {
    let res = app
        .post(
            "/api/v1/daily-logs",
            &org.staff1.token,
            json!({"date": date, "duration_minutes": minutes, "description": "Pendampingan posyandu",
                   "output_quantity": output, "output_unit": unit, "planned_result_id": rhk}),
        )
        .await;
    res.assert_status(201);
    let body = if verdict == "reject" { json!({"reason": "Bukti tidak ada"}) } else { json!({}) };
    if verdict != "none" {
        app.review_log(&org.section.token, &res.id(), verdict, body).await.assert_status(200);
    }
}

fn indicator_of<'a>(p: &'a Value, unit: &str) -> &'a Value {
    p["results"][0]["indicators"].as_array().unwrap().iter().find(|i| i["target_unit"] == unit).unwrap()
}

#[actix_web::test]
async fn progress_of_a_result_with_two_indicators_matches_the_figures_by_hand() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let org = app.org("PG-A", 5400).await;
    let (period, section_rhk) = chain(&app, &org, 2026).await;

    // Staff member 1: one result measured two ways, 12 reports split by quarter and 24 visits
    // split by month.
    let mut skp = open(&app, &org.staff1, &period).await;
    let res = send(
        &app,
        Method::POST,
        &format!("/api/v1/agreements/{}/planned-results", skp.id),
        &org.staff1.token,
        Some(&skp.etag),
        Some(json!({"kind": "main", "description": "Terlaksananya pendampingan posyandu", "parent_result_id": section_rhk})),
    )
    .await;
    res.assert_status(201);
    skp.etag = etag(&res);
    let rhk = res.id();
    indicator(
        &app,
        &org.staff1,
        &mut skp,
        &rhk,
        json!({"description": "Jumlah laporan pendampingan", "target_quantity": 12, "target_unit": "laporan"}),
        json!({"breakdown": "quarterly", "targets": [3, 3, 3, 3]}),
    )
    .await;
    indicator(
        &app,
        &org.staff1,
        &mut skp,
        &rhk,
        json!({"description": "Jumlah kunjungan posyandu", "target_quantity": 24, "target_unit": "kegiatan"}),
        json!({"breakdown": "monthly", "targets": [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]}),
    )
    .await;
    step(&app, &org.staff1.token, &mut skp, "submit", None).await.assert_status(200);
    step(&app, &org.section.token, &mut skp, "approve", None).await.assert_status(200);

    // Before any log, every figure is zero and the targets are there.
    let empty = app.get("/api/v1/me/progress?month=2026-11&kind=quarterly", &org.staff1.token).await;
    empty.assert_status(200);
    assert_eq!((indicator_of(&empty.body, "laporan")["realised"].as_i64()), Some(0), "{}", empty.text);
    assert_eq!(indicator_of(&empty.body, "laporan")["achievement_bp"], 0);

    log(&app, &org, &rhk, ("2026-09-30", 60, 8, "laporan"), "accept").await; // the third quarter
    log(&app, &org, &rhk, ("2026-10-05", 120, 2, "laporan"), "accept").await;
    log(&app, &org, &rhk, ("2026-10-06", 60, 1, "Laporan"), "accept").await; // case does not matter
    log(&app, &org, &rhk, ("2026-11-02", 90, 3, "kegiatan"), "accept").await;
    log(&app, &org, &rhk, ("2026-11-03", 90, 4, "kegiatan"), "accept").await;
    log(&app, &org, &rhk, ("2026-11-04", 30, 5, "laporan"), "reject").await; // rejected: nothing
    log(&app, &org, &rhk, ("2026-11-05", 30, 6, "laporan"), "none").await; // waiting: nothing yet
    log(&app, &org, &rhk, ("2026-11-06", 45, 7, "dokumen"), "accept").await; // fits neither indicator

    // The fourth quarter: reports 2 + 1 = 3 of 3; visits 3 + 4 = 7 of 2 + 2 + 2 = 6.
    let q = app.get("/api/v1/me/progress?month=2026-11&kind=quarterly", &org.staff1.token).await;
    q.assert_status(200);
    let p = &q.body;
    assert_eq!((p["kind"].as_str(), p["number"].as_i64()), (Some("quarterly"), Some(4)), "{}", q.text);
    assert_eq!((p["from"].as_str(), p["to"].as_str()), (Some("2026-10-01"), Some("2026-12-31")));
    assert_eq!(p["agreement_id"], skp.id.as_str());
    let r = &p["results"][0];
    assert_eq!(r["planned_result_id"], rhk.as_str());
    assert_eq!(
        (r["accepted_logs"].as_i64(), r["minutes"].as_i64(), r["output_quantity"].as_i64()),
        (Some(5), Some(120 + 60 + 90 + 90 + 45), Some(2 + 1 + 3 + 4 + 7))
    );
    assert_eq!(r["unattributed_output"], 7);
    let reports = indicator_of(p, "laporan");
    assert_eq!(
        (reports["period_target"].as_i64(), reports["realised"].as_i64(), reports["achievement_bp"].as_i64()),
        (Some(3), Some(3), Some(10_000))
    );
    let visits = indicator_of(p, "kegiatan");
    assert_eq!(
        (visits["period_target"].as_i64(), visits["realised"].as_i64(), visits["achievement_bp"].as_i64()),
        (Some(6), Some(7), Some(7 * 10_000 / 6))
    );

    // November alone: the quarterly split gives reports no monthly target; visits 7 of 2.
    let m = app.get(&format!("/api/v1/employees/{}/progress?month=2026-11", org.staff1.id), &org.section.token).await;
    m.assert_status(200);
    assert_eq!((m.body["kind"].as_str(), m.body["number"].as_i64()), (Some("monthly"), Some(11)));
    let reports = indicator_of(&m.body, "laporan");
    assert_eq!(
        (reports["period_target"].clone(), reports["realised"].as_i64(), reports["achievement_bp"].clone()),
        (Value::Null, Some(0), Value::Null)
    );
    let visits = indicator_of(&m.body, "kegiatan");
    assert_eq!((visits["period_target"].as_i64(), visits["achievement_bp"].as_i64()), (Some(2), Some(35_000)));
    assert_eq!(m.body["results"][0]["unattributed_output"], 7);

    // The year: reports 8 + 3 = 11 of 12, visits 7 of 24.
    let y = app.get("/api/v1/me/progress?month=2026-03&kind=annual", &org.staff1.token).await;
    assert_eq!(
        (
            indicator_of(&y.body, "laporan")["realised"].as_i64(),
            indicator_of(&y.body, "laporan")["achievement_bp"].as_i64()
        ),
        (Some(11), Some(9_166))
    );
    assert_eq!(indicator_of(&y.body, "kegiatan")["achievement_bp"], 7 * 10_000 / 24);

    // The section head's own progress names their own agreement; a month of another year, none.
    let own = app.get("/api/v1/me/progress", &org.section.token).await;
    own.assert_status(200);
    assert_eq!(own.body["results"][0]["planned_result_id"], section_rhk.as_str());
    let none = app.get("/api/v1/me/progress?month=2025-11", &org.staff1.token).await;
    none.assert_status(200);
    assert_eq!((none.body["agreement_id"].clone(), none.body["results"].clone()), (Value::Null, json!([])));

    // Who reads it: the supervisor, those above, a leader and the agency admin; a colleague, finance
    // and another agency's admin do not.
    let path = format!("/api/v1/employees/{}/progress?kind=quarterly&month=2026-10", org.staff1.id);
    let (_, leader) = app.granted_member(&org.admin, "bupati.pg", "leader").await;
    for reader in [&org.staff1.token, &org.section.token, &org.division.token, &org.head.token, &leader, &org.admin] {
        let res = app.get(&path, reader).await;
        res.assert_status(200);
        assert_eq!(res.body["results"][0]["indicators"], p["results"][0]["indicators"]);
    }
    let finance = app.finance(&org.admin, "bpkad.pg").await;
    app.get(&path, &org.staff2.token).await.assert_problem(404, "not-found");
    app.get(&path, &finance).await.assert_problem(404, "not-found");
    let other = app.org("PG-B", 5500).await;
    app.get(&path, &other.admin).await.assert_problem(404, "not-found");
    // The platform admin has no employee record of their own.
    app.get("/api/v1/me/progress", &app.root).await.assert_problem(403, "forbidden");
    // Bad parameters are refused, never read as something else.
    for bad in ["month=2026-13", "month=02026-1", "kind=weekly", "span=monthly"] {
        app.get(&format!("/api/v1/me/progress?{bad}"), &org.staff1.token).await.assert_problem(400, "bad-parameter");
    }
}

#[actix_web::test]
async fn the_logging_curve_leaves_out_holidays_leave_and_units_not_rolled_out() {
    let mut app = TestApp::spawn().await;
    app.set_clock(december());
    let org = app.org("PG-C", 5600).await;
    // The chain's agreements, as in a unit at work (the curve counts additional duties too).
    chain(&app, &org, 2026).await;
    // A sub-unit rolled out only next year: its one employee is listed as not rolled out.
    let pilot = app
        .post(
            "/api/v1/org-units",
            &org.admin,
            json!({"code": "PKM", "name": "Puskesmas Sukamaju", "parent_id": org.unit, "rollout_from": "2027-01"}),
        )
        .await;
    pilot.assert_status(201);
    let post = app.position(&org.admin, &pilot.id(), "Perawat", "fungsional", 7, Some(&org.division_post)).await;
    let nurse = app.person(&org.admin, 5607, "Nining Suryani", &post).await;
    // Tuesday 10 November is a holiday; staff member 2 is on leave on 16 and 17 November.
    app.post("/api/v1/holidays", &org.admin, json!({"date": "2026-11-10", "name": "Hari Pahlawan"}))
        .await
        .assert_status(201);
    app.post(
        "/api/v1/absences",
        &org.admin,
        json!({"employee_id": org.staff2.id, "kind": "leave", "starts_on": "2026-11-16", "ends_on": "2026-11-17"}),
    )
    .await
    .assert_status(201);

    let write = |who: &Person, date: &str| {
        let (token, body) = (
            who.token.clone(),
            json!({"date": date, "duration_minutes": 60, "description": "Rekap data", "output_quantity": 0, "additional_duty": true}),
        );
        let app = &app;
        async move {
            let res = app.post("/api/v1/daily-logs", &token, body).await;
            res.assert_status(201);
            res.id()
        }
    };
    // Monday 9: two of five logged. The holiday: a log, but no day of the curve.
    write(&org.staff1, "2026-11-09").await;
    write(&org.staff2, "2026-11-09").await;
    write(&org.staff1, "2026-11-10").await;
    // Monday 16: staff member 2 is away, so one of four.
    write(&org.staff1, "2026-11-16").await;
    // Wednesday 18: the section head's log was rejected, the nurse's unit is not rolled out.
    let rejected = write(&org.section, "2026-11-18").await;
    app.review_log(&org.division.token, &rejected, "reject", json!({"reason": "Tidak sesuai"}))
        .await
        .assert_status(200);
    write(&nurse, "2026-11-18").await;
    // Thursday 19: two logs of one person count once.
    write(&org.head, "2026-11-19").await;
    write(&org.head, "2026-11-19").await;

    let path = format!("/api/v1/org-units/{}/logging-curve?month=2026-11", org.unit);
    let c = app.get(&path, &org.admin).await;
    c.assert_status(200);
    let b = &c.body;
    assert_eq!((b["from"].as_str(), b["to"].as_str()), (Some("2026-11-01"), Some("2026-11-30")), "{}", c.text);
    assert_eq!((b["rolled_out"].as_i64(), b["not_rolled_out"].as_i64()), (Some(5), Some(1)));
    let days = b["days"].as_array().unwrap();
    // 21 weekdays in November 2026, less the holiday.
    assert_eq!(days.len(), 20, "{}", c.text);
    assert!(days.iter().all(|d| d["date"] != "2026-11-10" && d["date"] != "2026-11-07"));
    let day = |date: &str| days.iter().find(|d| d["date"] == date).cloned().unwrap();
    assert_eq!(day("2026-11-09"), json!({"date": "2026-11-09", "expected": 5, "logged": 2, "share_bp": 4000}));
    assert_eq!(day("2026-11-16"), json!({"date": "2026-11-16", "expected": 4, "logged": 1, "share_bp": 2500}));
    assert_eq!(day("2026-11-17"), json!({"date": "2026-11-17", "expected": 4, "logged": 0, "share_bp": 0}));
    assert_eq!(day("2026-11-18"), json!({"date": "2026-11-18", "expected": 5, "logged": 0, "share_bp": 0}));
    assert_eq!(day("2026-11-19"), json!({"date": "2026-11-19", "expected": 5, "logged": 1, "share_bp": 2000}));

    // As CSV for the HR office.
    let csv = app.req(Method::GET, &path).token(&org.admin).header("accept", "text/csv").send().await;
    csv.assert_status(200);
    assert!(csv.text.starts_with("tanggal,wajib_mencatat,mencatat,persentase_bp\n2026-11-02,5,0,0\n"), "{}", csv.text);
    assert!(csv.text.contains("\n2026-11-09,5,2,4000\n"));

    // The current month shows only the days that are over: on 1 December, none.
    let now = app.get(&format!("/api/v1/org-units/{}/logging-curve", org.unit), &org.head.token).await;
    now.assert_status(200);
    assert_eq!(
        (now.body["from"].as_str(), now.body["to"].clone(), now.body["days"].clone()),
        (Some("2026-12-01"), Value::Null, json!([]))
    );

    // Who reads it: the unit's head, a leader and the agency admin; staff and supervisors below the
    // head get 403, another agency 404.
    let (_, leader) = app.granted_member(&org.admin, "sekda.pg", "leader").await;
    app.get(&path, &leader).await.assert_status(200);
    for refused in [&org.staff1.token, &org.section.token] {
        app.get(&path, refused).await.assert_problem(403, "forbidden");
    }
    let other = app.org("PG-D", 5700).await;
    app.get(&path, &other.admin).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/org-units/{}/logging-curve?month=2026-1", org.unit), &org.admin)
        .await
        .assert_problem(400, "bad-parameter");
}
