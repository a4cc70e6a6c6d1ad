//! Maturity levels and workload analysis: data built through the API for each maturity level, the
//! level, evidence and gap reported for employees, the unit and the agency; workload figures
//! checked against counts made here, and every efficiency grade boundary.
//!
//! The clock is set to 1 July of last year, so that June is a whole month that is over, whatever
//! day the suite runs.

use actix_web::http::Method;
use chrono::{Datelike, NaiveDate, TimeZone, Utc, Weekday};
use ekinerja_tests::builders::{chain, etag, evaluate, goal, indicator, open, plan, rules, send, step, Skp};
use ekinerja_tests::{Person, Response, TestApp};
use serde_json::{json, Value};
use std::collections::HashMap;

fn last_year() -> i32 {
    ekinerja_tests::builders::year() - 1
}

/// The weekdays of June of last year (the default schedule works Monday to Friday).
fn june_working_days() -> Vec<NaiveDate> {
    let y = last_year();
    (1..=30)
        .map(|d| NaiveDate::from_ymd_opt(y, 6, d).unwrap())
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect()
}

fn linked_log(rhk: &str, date: NaiveDate) -> Value {
    json!({"date": date, "start_time": "08:00", "end_time": "10:00", "description": "Menyusun laporan",
           "output_quantity": 1, "output_unit": "dokumen", "planned_result_id": rhk})
}

fn duty_log(date: NaiveDate, minutes: i64) -> Value {
    json!({"date": date, "duration_minutes": minutes, "description": "Rapat koordinasi", "output_quantity": 1,
           "additional_duty": true})
}

async fn log_every_day(app: &TestApp, who: &Person, rhk: Option<&str>) {
    for day in june_working_days() {
        let body = match rhk {
            Some(r) => linked_log(r, day),
            None => duty_log(day, 120),
        };
        app.post("/api/v1/daily-logs", &who.token, body).await.assert_status(201);
    }
}

/// An agreement with one main result linked to `link` and one indicator of 12 broken down by
/// quarter as `quarters`, submitted and approved by `approver`; returns the result id.
async fn agreement(
    app: &TestApp,
    who: &Person,
    approver: &str,
    period: &str,
    link: Value,
    quarters: [i64; 4],
) -> String {
    let mut skp = open(app, who, period).await;
    let mut body = json!({"kind": "main", "description": "Laporan pelayanan"});
    for (k, v) in link.as_object().unwrap() {
        body[k] = v.clone();
    }
    let path = format!("/api/v1/agreements/{}/planned-results", skp.id);
    let res = send(app, Method::POST, &path, &who.token, Some(&skp.etag), Some(body)).await;
    res.assert_status(201);
    skp.etag = etag(&res);
    let rhk = res.id();
    indicator(
        app,
        who,
        &mut skp,
        &rhk,
        json!({"description": "Jumlah laporan", "target_quantity": 12, "target_unit": "laporan"}),
        json!({"breakdown": "quarterly", "targets": quarters}),
    )
    .await;
    step(app, &who.token, &mut skp, "submit", None).await.assert_status(200);
    step(app, approver, &mut skp, "approve", None).await.assert_status(200);
    rhk
}

fn rule(report: &Value, level: usize) -> &Value {
    &report["maturity"]["rules"][level - 1]
}

#[actix_web::test]
async fn each_maturity_level_is_reached_with_its_evidence_and_gap() {
    let mut app = TestApp::spawn().await;
    let y = last_year();
    app.set_clock(Utc.with_ymd_and_hms(y, 7, 1, 3, 0, 0).unwrap());
    let org = app.org("MAT-A", 3000).await;
    let other = app.org("MAT-B", 3100).await;
    let staff3 = app.person(&org.admin, 3006, "Yusuf Hamdani", &org.staff_post).await;
    let staff4 = app.person(&org.admin, 3007, "Lina Marlina", &org.staff_post).await;
    let staff5 = app.person(&org.admin, 3008, "Tono Sugiarto", &org.staff_post).await;
    let period = app.post("/api/v1/performance-periods", &org.admin, json!({"year": y})).await.assert_status(201).body
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let g = goal(&app, &org, &period).await;

    // The cascade: head → division → section (two results) → staff.
    let even = [3, 3, 3, 3];
    let head_rhk = agreement(&app, &org.head, &org.admin, &period, json!({"goal_id": g}), even).await;
    let division_rhk =
        agreement(&app, &org.division, &org.head.token, &period, json!({"parent_result_id": head_rhk}), even).await;
    let mut section_skp = open(&app, &org.section, &period).await;
    let section_a = plan(&app, &org.section, &mut section_skp, json!({"parent_result_id": division_rhk}), "A").await;
    let section_b = plan(&app, &org.section, &mut section_skp, json!({"parent_result_id": division_rhk}), "B").await;
    step(&app, &org.section.token, &mut section_skp, "submit", None).await.assert_status(200);
    step(&app, &org.division.token, &mut section_skp, "approve", None).await.assert_status(200);
    let s = &org.section.token;
    let staff1_rhk = agreement(&app, &org.staff1, s, &period, json!({"parent_result_id": section_a}), even).await;
    let staff3_rhk = agreement(&app, &staff3, s, &period, json!({"parent_result_id": section_a}), even).await;
    let staff4_rhk = agreement(&app, &staff4, s, &period, json!({"parent_result_id": section_b}), even).await;
    // Level 2: staff5's whole target falls in the first quarter, so nothing guides June's work.
    let staff5_rhk = agreement(&app, &staff5, s, &period, json!({"parent_result_id": section_a}), [12, 0, 0, 0]).await;

    // June's logs: every working day for five of them linked, staff2 on additional duties only;
    // the head and the division head log nothing.
    for (who, rhk) in [
        (&org.section, Some(section_a.as_str())),
        (&org.staff1, Some(staff1_rhk.as_str())),
        (&staff3, Some(staff3_rhk.as_str())),
        (&staff4, Some(staff4_rhk.as_str())),
        (&staff5, Some(staff5_rhk.as_str())),
        (&org.staff2, None),
    ] {
        log_every_day(&app, who, rhk).await;
    }
    let days = june_working_days().len() as i64;

    // Level 3: the section head's revision drops result B, so staff4's result hangs from nothing.
    let res = send(
        &app,
        Method::POST,
        &format!("/api/v1/agreements/{}/revise", section_skp.id),
        s,
        Some(&section_skp.etag),
        None,
    )
    .await;
    res.assert_status(201);
    let mut revision = Skp { id: res.id(), etag: etag(&res) };
    let draft = app.get(&format!("/api/v1/agreements/{}", revision.id), s).await;
    let copy_of_b = draft.body["planned_results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["lineage_id"] == section_b.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/agreements/{}/planned-results/{copy_of_b}", revision.id),
        s,
        Some(&revision.etag),
        None,
    )
    .await;
    assert!(res.status.is_success(), "{}", res.text);
    revision.etag = etag(&res);
    step(&app, s, &mut revision, "submit", None).await.assert_status(200);
    step(&app, &org.division.token, &mut revision, "approve", None).await.assert_status(200);

    // Level 4: staff3 now holds another post than the agreement's.
    let analyst = app.position(&org.admin, &org.unit, "Analis Data", "pelaksana", 7, Some(&org.section_post)).await;
    app.patch(&format!("/api/v1/employees/{}", staff3.id), &org.admin, json!({"position_id": analyst}))
        .await
        .assert_status(200);

    // Level 6: staff1's second quarter is finally evaluated, and June's allowance approved.
    let q2 = app
        .post(
            "/api/v1/evaluation-periods",
            &org.admin,
            json!({"performance_period_id": period, "kind": "quarterly", "number": 2}),
        )
        .await;
    q2.assert_status(201);
    evaluate(&app, s, &q2.id(), &org.staff1.id, "as_expected", "as_expected").await;
    app.post(
        "/api/v1/allowance-policies",
        &org.admin,
        json!({"effective_month": format!("{y}-06"), "rules": rules(15)}),
    )
    .await
    .assert_status(201);
    let run = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": format!("{y}-06")})).await;
    run.assert_status(201);
    // Separation of duties: the payroll office approves what the admin computed.
    let finance = app.finance(&org.admin, "bpkad").await;
    app.req(Method::POST, &format!("/api/v1/allowance-runs/{}/approve", run.id()))
        .token(&finance)
        .header("if-match", &etag(&run))
        .send()
        .await
        .assert_status(200);

    let month = format!("month={y}-06");
    let read = |who: &str, token: &str| {
        let path = format!("/api/v1/employees/{who}/maturity?{month}");
        let token = token.to_owned();
        let app = &app;
        async move {
            let r = app.get(&path, &token).await;
            r.assert_status(200);
            r
        }
    };
    let expected = [
        (&org.head, 0, Some("daily_logging")),
        (&org.division, 0, Some("daily_logging")),
        (&org.staff2, 1, Some("linked_to_agreement")),
        (&staff5, 2, Some("targets_guide_work")),
        (&staff4, 3, Some("goals_aligned")),
        (&staff3, 4, Some("structure_followed")),
        (&org.section, 5, Some("performance_used")),
        (&org.staff1, 6, None),
    ];
    for (who, level, next) in expected {
        let r = read(&who.id, &org.admin).await;
        assert_eq!(r.body["maturity"]["level"], level, "{}: {}", who.nip, r.text);
        assert_eq!(r.body["maturity"]["next"]["rule"].as_str(), next, "{}", r.text);
    }

    // The evidence and the gap.
    let r = read(&org.staff1.id, &org.staff1.token).await;
    let l1 = rule(&r.body, 1);
    assert_eq!(
        (l1["part"].as_i64(), l1["whole"].as_i64(), l1["value_bp"].as_i64()),
        (Some(days), Some(days), Some(10_000))
    );
    assert_eq!(l1["unit"], "working_days");
    let l2 = rule(&r.body, 2);
    assert_eq!((l2["part"].as_i64(), l2["whole"].as_i64()), (Some(days * 120), Some(days * 120)));
    assert_eq!(r.body["span"]["month"], format!("{y}-06"));
    assert_eq!(r.body["span"]["to"], format!("{y}-06-30"));
    let r = read(&org.staff2.id, &org.staff2.token).await;
    let l2 = rule(&r.body, 2);
    assert_eq!(
        (l2["part"].as_i64(), l2["whole"].as_i64(), l2["met"].as_bool()),
        (Some(0), Some(days * 120), Some(false))
    );
    assert_eq!(l2["shortfall"].as_i64(), Some((days * 120 * 8_000 + 9_999) / 10_000));
    assert_eq!(rule(&r.body, 3)["missing"], "no minutes serving a planned result in the month");
    assert_eq!(rule(&r.body, 4)["missing"], "no approved agreement covers the month");
    let r = read(&staff5.id, &org.admin).await;
    let minutes = days * 120;
    let needed = (minutes * 8_000 + 9_999) / 10_000;
    assert_eq!(
        r.body["maturity"]["next"]["missing"],
        format!("{needed} more logged minutes on planned results with a target for this part of the year")
    );
    assert_eq!((rule(&r.body, 3)["part"].as_i64(), rule(&r.body, 3)["whole"].as_i64()), (Some(0), Some(minutes)));
    let r = read(&staff3.id, &org.admin).await;
    assert_eq!(r.body["maturity"]["next"]["missing"], "an approved agreement for the post the employee holds now");
    let r = read(&org.section.id, &org.section.token).await;
    let l6 = rule(&r.body, 6);
    assert_eq!((l6["part"].as_i64(), l6["whole"].as_i64()), (Some(0), Some(2)), "{}", r.text);
    assert_eq!(l6["missing"], "a final evaluation of the last period ended, and an approved allowance run");
    let r = read(&org.head.id, &org.admin).await;
    assert_eq!(rule(&r.body, 1)["missing"], format!("a log on {} more working days", (days * 8_000 + 9_999) / 10_000));

    // Who may read: the employee, those above, the admin; not a peer, nor another agency.
    let path = format!("/api/v1/employees/{}/maturity?{month}", org.staff1.id);
    app.get(&path, &org.head.token).await.assert_status(200);
    app.get(&path, &org.staff2.token).await.assert_problem(404, "not-found");
    app.get(&path, &other.admin).await.assert_problem(404, "not-found");
    app.get(&path, &other.staff1.token).await.assert_problem(404, "not-found");
    let mine = app.get(&format!("/api/v1/me/maturity?{month}"), &org.staff1.token).await;
    assert_eq!(mine.body["maturity"]["level"], 6);
    app.get(&format!("/api/v1/me/maturity?{month}"), &org.admin).await.assert_problem(403, "forbidden");
    app.get("/api/v1/me/maturity?month=2026-13", &org.staff1.token).await.assert_problem(400, "bad-parameter");

    // The unit: 8 employees at levels 0,0,1,2,3,4,5,6; with 80% coverage not even level 1.
    let unit_path = format!("/api/v1/org-units/{}/maturity?{month}", org.unit);
    let u = app.get(&unit_path, &org.admin).await;
    u.assert_status(200);
    assert_eq!(u.body["maturity"]["employees"], 8, "{}", u.text);
    assert_eq!(u.body["maturity"]["level"], 0);
    let l1 = rule(&u.body, 1);
    assert_eq!((l1["part"].as_i64(), l1["whole"].as_i64(), l1["shortfall"].as_i64()), (Some(6), Some(8), Some(1)));
    assert_eq!(l1["unit"], "employees");
    let levels: Vec<i64> =
        u.body["employees"].as_array().unwrap().iter().map(|e| e["level"].as_i64().unwrap()).collect();
    let mut sorted = levels.clone();
    sorted.sort();
    assert_eq!(sorted, [0, 0, 1, 2, 3, 4, 5, 6]);
    // The admin lowers the coverage to half: levels 1 to 3 hold (6, 5 and 4 of 8), level 4 needs one more.
    app.patch(
        &format!("/api/v1/agencies/{}", org.agency),
        &org.admin,
        json!({"maturity_policy": {"coverage_bp": 5000}}),
    )
    .await
    .assert_status(200);
    let u = app.get(&unit_path, &org.admin).await;
    assert_eq!(u.body["maturity"]["level"], 3, "{}", u.text);
    assert_eq!(u.body["policy"]["coverage_bp"], 5000);
    assert_eq!(u.body["policy"]["daily_logging_bp"], 8000, "left-out thresholds keep their defaults");
    // Level 4 is the unit's own: its goal is supported, but staff4's result hangs from nothing, so
    // 6 of the 7 main results cascade (85.71%), one short of 95%.
    let next = &u.body["maturity"]["next"];
    assert_eq!(
        (next["rule"].as_str(), next["unit"].as_str(), next["part"].as_i64(), next["whole"].as_i64()),
        (Some("goals_aligned"), Some("conditions"), Some(1), Some(2)),
        "{next}"
    );
    let cascade = &next["conditions"][1];
    assert_eq!(
        (cascade["condition"].as_str(), cascade["part"].as_i64(), cascade["whole"].as_i64(), cascade["met"].as_bool()),
        (Some("results_cascade"), Some(6), Some(7), Some(false))
    );
    assert_eq!(next["missing"], "1 more main results hanging from the supervisor's approved result or a goal");
    assert_eq!((next["conditions"][0]["part"].as_i64(), next["conditions"][0]["met"].as_bool()), (Some(1), Some(true)));
    // The unit's head reads it (unit heads read their unit's views); its staff do not.
    app.get(&unit_path, &org.head.token).await.assert_status(200);
    app.get(&unit_path, &org.staff1.token).await.assert_problem(403, "forbidden");
    app.get(&unit_path, &other.admin).await.assert_problem(404, "not-found");

    // CSV of the unit's table.
    let csv = app.req(Method::GET, &unit_path).token(&org.admin).header("accept", "text/csv").send().await;
    csv.assert_status(200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "nip,nama,level,l1,l2,l3,l4,l5,l6,kekurangan");
    assert_eq!(lines.len(), 9);
    let staff1_line = lines.iter().find(|l| l.contains(&org.staff1.nip)).unwrap();
    assert!(staff1_line.ends_with(",6,ya,ya,ya,ya,ya,ya,"), "{staff1_line}");

    // The agency: its one OPD, the same figures.
    let a = app.get(&format!("/api/v1/agencies/{}/maturity?{month}", org.agency), &org.admin).await;
    a.assert_status(200);
    assert_eq!(
        (a.body["maturity"]["level"].as_i64(), a.body["units"][0]["maturity"]["level"].as_i64()),
        (Some(3), Some(3))
    );
    assert_eq!(a.body["units"][0]["unit"]["code"], "DINKES");
    app.get(&format!("/api/v1/agencies/{}/maturity", org.agency), &org.staff1.token)
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/agencies/{}/maturity", org.agency), &other.admin).await.assert_problem(404, "not-found");

    // Over time: May had no logs at all, June reached the levels above.
    let h = app
        .get(&format!("/api/v1/employees/{}/maturity/history?from={y}-05&to={y}-06", org.staff1.id), &org.staff1.token)
        .await;
    h.assert_status(200);
    let months: Vec<(String, i64)> = h.body["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["span"]["month"].as_str().unwrap().to_owned(), m["maturity"]["level"].as_i64().unwrap()))
        .collect();
    assert_eq!(months, [(format!("{y}-05"), 0), (format!("{y}-06"), 6)]);
    let h =
        app.get(&format!("/api/v1/org-units/{}/maturity/history?from={y}-05&to={y}-06", org.unit), &org.admin).await;
    let levels: Vec<i64> =
        h.body["months"].as_array().unwrap().iter().map(|m| m["maturity"]["level"].as_i64().unwrap()).collect();
    assert_eq!(levels, [0, 3]);
    let csv = app
        .req(Method::GET, &format!("/api/v1/agencies/{}/maturity/history?from={y}-05&to={y}-06", org.agency))
        .token(&org.admin)
        .header("accept", "text/csv")
        .send()
        .await;
    assert_eq!(
        csv.text.lines().collect::<Vec<_>>(),
        [
            "bulan,pegawai,level,l1,l2,l3,l4,l5,l6",
            // In May, staff2 (registered on 1 July, no agreement, no May logs) was not there yet.
            &format!("{y}-05,7,0,tidak,tidak,tidak,tidak,tidak,tidak"),
            &format!("{y}-06,8,3,ya,ya,ya,tidak,tidak,tidak")
        ]
    );
    app.get(&format!("/api/v1/org-units/{}/maturity/history?from={y}-06&to={y}-05", org.unit), &org.admin)
        .await
        .assert_invalid("#/to");
    app.get(&format!("/api/v1/org-units/{}/maturity/history?from={}-01&to={y}-06", org.unit, y - 2), &org.admin)
        .await
        .assert_invalid("#/to");
    app.get(&format!("/api/v1/employees/{}/maturity/history", org.staff1.id), &org.staff2.token)
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn maturity_policy_and_working_hours_are_checked() {
    let app = TestApp::spawn().await;
    let org = app.org("MAT-P", 3200).await;
    let path = format!("/api/v1/agencies/{}", org.agency);
    let a = app.get(&path, &org.admin).await;
    assert_eq!(a.body["effective_working_hours"], 1250);
    assert_eq!(a.body["maturity_policy"]["coverage_bp"], 8000);
    let res = app
        .patch(
            &path,
            &org.admin,
            json!({"effective_working_hours": 499, "maturity_policy": {"aligned_bp": 0, "coverage_bp": 10001}}),
        )
        .await;
    res.assert_invalid("#/effective_working_hours")
        .assert_invalid("#/maturity_policy/aligned_bp")
        .assert_invalid("#/maturity_policy/coverage_bp");
    app.patch(&path, &org.admin, json!({"maturity_policy": {"coverage": 5000}}))
        .await
        .assert_invalid("#/maturity_policy/coverage");
    assert_eq!(app.get(&path, &org.admin).await.body["effective_working_hours"], 1250, "nothing changed");
    app.patch(&path, &org.staff1.token, json!({"effective_working_hours": 1500}))
        .await
        .assert_problem(403, "forbidden");
}

async fn workload(app: &TestApp, path: &str, token: &str) -> Response {
    let r = app.get(path, token).await;
    r.assert_status(200);
    r
}

#[actix_web::test]
async fn workload_gives_staff_needed_and_every_grade_boundary() {
    let mut app = TestApp::spawn().await;
    let y = last_year();
    app.set_clock(Utc.with_ymd_and_hms(y, 7, 1, 3, 0, 0).unwrap());
    let org = app.org("ABK-A", 3300).await;
    let other = app.org("ABK-B", 3400).await;
    // Five hours a year per working day of the year (no holidays set: its weekdays) are exactly
    // 300 minutes a working day: one working day's index is minutes / 300.
    let year_days = (1..=366)
        .filter_map(|d| NaiveDate::from_yo_opt(y, d))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .count() as i64;
    let hours = 5 * year_days;
    app.patch(&format!("/api/v1/agencies/{}", org.agency), &org.admin, json!({"effective_working_hours": hours}))
        .await
        .assert_status(200);
    let cases = [
        (303, 101, "A"),
        (300, 100, "B"),
        (270, 90, "B"),
        (267, 89, "C"),
        (210, 70, "C"),
        (207, 69, "D"),
        (150, 50, "D"),
        (147, 49, "E"),
    ];
    let days = june_working_days();
    for (i, (minutes, _, _)) in cases.iter().enumerate() {
        // The division head is alone in their post; the head accepts their logs (only accepted
        // logs count).
        for part in [*minutes / 2, *minutes - *minutes / 2] {
            let res = app.post("/api/v1/daily-logs", &org.division.token, duty_log(days[i], part)).await;
            res.assert_status(201);
            app.review_log(&org.head.token, &res.id(), "accept", json!({})).await.assert_status(200);
        }
    }
    for (i, (_, index, grade)) in cases.iter().enumerate() {
        let day = days[i];
        let r =
            workload(&app, &format!("/api/v1/org-units/{}/workload?from={day}&to={day}", org.unit), &org.admin).await;
        let post = r.body["positions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["position_id"] == org.division_post.as_str())
            .unwrap()
            .clone();
        assert_eq!(post["effective_minutes"], 300, "{}", r.text);
        assert_eq!(post["staff_present"], 1);
        assert_eq!((post["efficiency_index"].as_f64().unwrap() * 100.0).round() as i64, *index, "{day}: {post}");
        assert_eq!(post["grade"], *grade, "{day}: {post}");
    }

    // A month: the staff post's two holders log 2 hours a working day, accepted; one of them also
    // rejected work and work still waiting, which do not count.
    for d in &days {
        for who in [&org.staff1, &org.staff2] {
            let res = app.post("/api/v1/daily-logs", &who.token, duty_log(*d, 120)).await;
            res.assert_status(201);
            app.review_log(&org.section.token, &res.id(), "accept", json!({})).await.assert_status(200);
        }
    }
    app.post("/api/v1/daily-logs", &org.staff1.token, duty_log(days[1], 30)).await.assert_status(201);
    let rejected = app.post("/api/v1/daily-logs", &org.staff2.token, duty_log(days[0], 60)).await;
    app.review_log(&org.section.token, &rejected.id(), "reject", json!({"reason": "Tidak sesuai"}))
        .await
        .assert_status(200);
    let span = format!("from={y}-06-01&to={y}-06-30");
    let r = workload(&app, &format!("/api/v1/org-units/{}/workload?{span}", org.unit), &org.admin).await;
    // The yearly hours over June's working days: 300 minutes each.
    let effective = 300 * days.len() as i64;
    let staff_minutes = days.len() as i64 * 240;
    let post =
        r.body["positions"].as_array().unwrap().iter().find(|p| p["position_id"] == org.staff_post.as_str()).unwrap();
    assert_eq!(post["minutes"].as_i64(), Some(staff_minutes));
    assert_eq!(post["effective_minutes"].as_i64(), Some(effective));
    assert_eq!(post["staff_present"], 2);
    let needed = (2 * staff_minutes * 100 + effective) / (2 * effective);
    assert_eq!((post["staff_needed"].as_f64().unwrap() * 100.0).round() as i64, needed);
    assert_eq!(((post["staff_gap"].as_f64().unwrap()) * 100.0).round() as i64, needed - 200);
    // The unit in total: the division head's 2,061 minutes of June as well; five people.
    let division_minutes: i64 = cases.iter().map(|c| c.0).sum();
    assert_eq!(r.body["total"]["minutes"].as_i64(), Some(staff_minutes + division_minutes));
    assert_eq!(r.body["total"]["staff_present"], 5);
    // Ranked from the most under-staffed: the staff post (0.40), the division head's (0.31), then
    // the two posts without logs (0.00, by name).
    let order: Vec<&str> =
        r.body["positions"].as_array().unwrap().iter().map(|p| p["position_id"].as_str().unwrap()).collect();
    assert_eq!(order, [&org.staff_post, &org.division_post, &org.head_post, &org.section_post]);

    // The agency ranks its OPDs; a second OPD with nobody logging is the most over-staffed.
    let opd = app
        .post(
            "/api/v1/org-units",
            &org.admin,
            json!({"code": "DISDIK", "name": "Dinas Pendidikan", "rollout_from": "2020-01"}),
        )
        .await;
    opd.assert_status(201);
    let teacher_post = app.position(&org.admin, &opd.id(), "Kepala Dinas Pendidikan", "jpt", 14, None).await;
    app.person(&org.admin, 3310, "Wati Kusuma", &teacher_post).await;
    let a = workload(&app, &format!("/api/v1/agencies/{}/workload?{span}", org.agency), &org.admin).await;
    let codes: Vec<&str> =
        a.body["units"].as_array().unwrap().iter().map(|u| u["unit"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["DINKES", "DISDIK"], "{}", a.text);
    assert_eq!(a.body["units"][1]["grade"], "E");
    assert_eq!(a.body["units"][1]["staff_gap"].as_f64(), Some(-1.0));
    assert_eq!(a.body["total"]["staff_present"], 6);
    assert_eq!(a.body["effective_hours_per_year"], hours);

    // CSV of both tables.
    let csv = app
        .req(Method::GET, &format!("/api/v1/agencies/{}/workload?{span}", org.agency))
        .token(&org.admin)
        .header("accept", "text/csv")
        .send()
        .await;
    csv.assert_status(200);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "kode_unit,unit,menit_tercatat,menit_efektif,pegawai_ada,kebutuhan_pegawai,selisih,efisiensi_jabatan,nilai,periode");
    assert_eq!(lines[2], format!("DISDIK,Dinas Pendidikan,0,{effective},1,0.00,-1.00,0.00,E,{y}-06-01..{y}-06-30"));
    let csv = app
        .req(Method::GET, &format!("/api/v1/org-units/{}/workload?{span}&table=positions", org.unit))
        .token(&org.admin)
        .header("accept", "text/csv")
        .send()
        .await;
    assert_eq!(csv.text.lines().count(), 5, "a header and four posts: {}", csv.text);

    // Refusals.
    let unit_path = format!("/api/v1/org-units/{}/workload", org.unit);
    // The unit's head reads it (unit heads read their unit's views); its staff do not.
    app.get(&unit_path, &org.head.token).await.assert_status(200);
    app.get(&unit_path, &org.staff1.token).await.assert_problem(403, "forbidden");
    app.get(&unit_path, &other.admin).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/agencies/{}/workload", org.agency), &other.admin).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/agencies/{}/workload", org.agency), &org.staff1.token)
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("{unit_path}?from={y}-06-30&to={y}-06-01"), &org.admin).await.assert_invalid("#/to");
    app.get(&format!("{unit_path}?from={}-01-01&to={y}-06-01", y - 1), &org.admin).await.assert_invalid("#/to");
    app.get(&format!("{unit_path}?from=2026-02-30"), &org.admin).await.assert_problem(400, "bad-parameter");
    // Days to come are refused; by default the span ends yesterday, 30 June.
    app.get(&format!("{unit_path}?from={y}-06-01&to={y}-07-02"), &org.admin).await.assert_invalid("#/to");
    let r = workload(&app, &unit_path, &org.admin).await;
    assert_eq!(
        (r.body["from"].as_str(), r.body["to"].as_str()),
        (Some(format!("{y}-01-01").as_str()), Some(format!("{y}-06-30").as_str()))
    );
}

/// The allowance rules of the attendance tests, with base amounts for every class in [`Org`].
fn rules_with_bases() -> Value {
    let mut r = rules(15);
    r["base_amounts"] = json!([{"class": 5, "amount": 2500000}, {"class": 9, "amount": 4000000},
                               {"class": 11, "amount": 6000000}, {"class": 14, "amount": 9000000}]);
    r
}

#[actix_web::test]
async fn dashboards_count_what_was_built() {
    let mut app = TestApp::spawn().await;
    let y = last_year();
    app.set_clock(Utc.with_ymd_and_hms(y, 7, 1, 3, 0, 0).unwrap());
    let today = NaiveDate::from_ymd_opt(y, 7, 1).unwrap();
    let monday = today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let org = app.org("DASH-A", 3500).await;
    let other = app.org("DASH-B", 3600).await;
    // DINKES is rolled out (since 2020); DISDIK, created without a month, is not: its two people
    // are listed in the rollout rows but left out of every rate.
    let disdik = app.post("/api/v1/org-units", &org.admin, json!({"code": "DISDIK", "name": "Dinas Pendidikan"})).await;
    disdik.assert_status(201);
    let kadis_post = app.position(&org.admin, &disdik.id(), "Kepala Dinas Pendidikan", "jpt", 14, None).await;
    let guru_post = app.position(&org.admin, &disdik.id(), "Pengelola Data", "pelaksana", 5, Some(&kadis_post)).await;
    let kadis = app.person(&org.admin, 3510, "Wati Kusuma", &kadis_post).await;
    app.person(&org.admin, 3511, "Joko Susilo", &guru_post).await;

    // Agreements: three approved, one submitted, one returned, one draft, one without.
    let period = app.post("/api/v1/performance-periods", &org.admin, json!({"year": y})).await.assert_status(201).body
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let g = goal(&app, &org, &period).await;
    let even = [3, 3, 3, 3];
    let head_rhk = agreement(&app, &org.head, &org.admin, &period, json!({"goal_id": g}), even).await;
    let division_rhk =
        agreement(&app, &org.division, &org.head.token, &period, json!({"parent_result_id": head_rhk}), even).await;
    let section_rhk =
        agreement(&app, &org.section, &org.division.token, &period, json!({"parent_result_id": division_rhk}), even)
            .await;
    for (who, back) in [(&org.staff1, false), (&org.staff2, true)] {
        let mut skp = open(&app, who, &period).await;
        plan(&app, who, &mut skp, json!({"parent_result_id": section_rhk}), "RHK").await;
        step(&app, &who.token, &mut skp, "submit", None).await.assert_status(200);
        if back {
            step(&app, &org.section.token, &mut skp, "return", Some(json!({"comment": "Lengkapi target"})))
                .await
                .assert_status(200);
        }
    }
    open(&app, &kadis, &period).await;

    // Logs: the head and the division head today, the section head on Monday, a rejected one.
    for (who, day, minutes) in [(&org.head, today, 60), (&org.division, today, 60), (&org.section, monday, 90)] {
        app.post("/api/v1/daily-logs", &who.token, duty_log(day, minutes)).await.assert_status(201);
    }
    let rejected = app.post("/api/v1/daily-logs", &org.staff2.token, duty_log(today, 45)).await;
    app.review_log(&org.section.token, &rejected.id(), "reject", json!({"reason": "Tidak sesuai"}))
        .await
        .assert_status(200);

    // The second quarter: the division head's final, the section head's draft.
    let q2 = app
        .post(
            "/api/v1/evaluation-periods",
            &org.admin,
            json!({"performance_period_id": period, "kind": "quarterly", "number": 2}),
        )
        .await;
    q2.assert_status(201);
    evaluate(&app, &org.head.token, &q2.id(), &org.division.id, "as_expected", "as_expected").await;
    app.post(
        "/api/v1/evaluations",
        &org.division.token,
        json!({"evaluation_period_id": q2.id(), "employee_id": org.section.id}),
    )
    .await
    .assert_status(201);

    // June's allowance, approved: only the division head has a final predicate.
    app.post(
        "/api/v1/allowance-policies",
        &org.admin,
        json!({"effective_month": format!("{y}-06"), "rules": rules_with_bases()}),
    )
    .await
    .assert_status(201);
    let run = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": format!("{y}-06")})).await;
    run.assert_status(201);
    let paid: Vec<&Value> =
        run.body["lines"].as_array().unwrap().iter().filter(|l| l["status"] == "computed").collect();
    assert_eq!(paid.len(), 1, "{}", run.text);
    let division_amount = paid[0]["amount"].as_i64().unwrap();
    let finance = app.finance(&org.admin, "bpkad").await;
    app.req(Method::POST, &format!("/api/v1/allowance-runs/{}/approve", run.id()))
        .token(&finance)
        .header("if-match", &etag(&run))
        .send()
        .await
        .assert_status(200);

    // The agency.
    let d = app.get(&format!("/api/v1/agencies/{}/dashboard", org.agency), &org.admin).await;
    d.assert_status(200);
    let b = &d.body;
    assert_eq!(b["today"], today.to_string());
    assert_eq!((b["employees"].as_i64(), b["not_rolled_out"].as_i64()), (Some(5), Some(2)), "{}", d.text);
    let week_logged = 3;
    let today_logged = if monday == today { 3 } else { 2 };
    let t = &b["daily_logs"]["today"];
    assert_eq!((t["logged"].as_i64(), t["not_logged"].as_i64()), (Some(today_logged), Some(5 - today_logged)));
    assert_eq!(t["share_bp"].as_i64(), Some(today_logged * 10_000 / 5));
    let w = &b["daily_logs"]["this_week"];
    assert_eq!(
        (w["from"].as_str(), w["logged"].as_i64(), w["minutes"].as_i64()),
        (Some(monday.to_string().as_str()), Some(week_logged), Some(210))
    );
    let a = &b["agreements"];
    assert_eq!(
        [&a["approved"], &a["submitted"], &a["returned"], &a["draft"], &a["without_agreement"]]
            .map(|v| v.as_i64().unwrap()),
        [3, 1, 1, 0, 0],
        "{a}: the Kadis's draft and the other DISDIK employee are not rolled out"
    );
    assert_eq!(a["period_id"], period.as_str());
    let e = &b["evaluations"];
    assert_eq!(e["period"]["id"], q2.id().as_str());
    assert_eq!([&e["final"], &e["draft"], &e["not_opened"]].map(|v| v.as_i64().unwrap()), [1, 1, 3]);
    let good = e["predicates"].as_array().unwrap().iter().find(|p| p["predicate"] == "good").unwrap();
    assert_eq!(good["employees"], 1);
    assert_eq!(e["predicates"].as_array().unwrap().iter().map(|p| p["employees"].as_i64().unwrap()).sum::<i64>(), 1);
    let al = &b["allowance"];
    assert_eq!(
        (al["month"].as_str(), al["paid"].as_i64(), al["pending"].as_i64()),
        (Some(format!("{y}-06").as_str()), Some(1), Some(4)),
        "DISDIK's two lines are not rolled out, so not pending"
    );
    assert_eq!(al["total"].as_i64(), Some(division_amount));
    // Code, rolled out from, rolled out now, employees, approved agreements, logged this week.
    type Row<'a> = (String, Option<&'a str>, bool, i64, i64, i64);
    let rows: Vec<Row> = b["rollout"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["unit"]["code"].as_str().unwrap().to_owned(),
                r["rolled_out_from"].as_str(),
                r["rolled_out"].as_bool().unwrap(),
                r["employees"].as_i64().unwrap(),
                r["with_approved_agreement"].as_i64().unwrap(),
                r["logged_this_week"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [("DINKES".into(), Some("2020-01"), true, 5, 3, 3), ("DISDIK".into(), None, false, 2, 0, 0)]);

    // The same day's coverage as the monitoring view counts it.
    let m = app
        .get(&format!("/api/v1/org-units/{}/daily-log-activity?from={today}&to={today}", org.unit), &org.admin)
        .await;
    let u = app.get(&format!("/api/v1/org-units/{}/dashboard", org.unit), &org.admin).await;
    u.assert_status(200);
    assert_eq!(u.body["employees"], 5);
    assert_eq!(u.body["daily_logs"]["today"]["logged"], m.body["summary"]["logged"], "{}", m.text);
    assert_eq!(u.body["daily_logs"]["today"]["minutes"], m.body["summary"]["minutes"]);
    assert_eq!(u.body["agreements"]["without_agreement"], 0);
    assert_eq!(u.body["evaluations"]["not_opened"], 3);
    assert_eq!(u.body["allowance"]["pending"], 4);
    assert_eq!(u.body["rollout"].as_array().unwrap().len(), 0, "DINKES has no sub-units");

    // CSV of the rollout table.
    let csv = app
        .req(Method::GET, &format!("/api/v1/agencies/{}/dashboard", org.agency))
        .token(&org.admin)
        .header("accept", "text/csv")
        .send()
        .await;
    csv.assert_status(200);
    assert_eq!(
        csv.text.lines().collect::<Vec<_>>(),
        [
            "kode_unit,unit,mulai_bulan,berjalan,pegawai,skp_disetujui,mencatat_minggu_ini",
            "DINKES,Dinas Kesehatan,2020-01,ya,5,3,3",
            "DISDIK,Dinas Pendidikan,,tidak,2,0,0"
        ]
    );

    // Denials.
    app.get(&format!("/api/v1/agencies/{}/dashboard", org.agency), &org.head.token)
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/agencies/{}/dashboard", org.agency), &other.admin).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/org-units/{}/dashboard", org.unit), &org.staff1.token)
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/org-units/{}/dashboard", org.unit), &other.admin).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/org-units/{}/dashboard", other.unit), &org.admin).await.assert_problem(404, "not-found");
}

/// The expensive analysis endpoints have a per-account budget a minute (a policy): past it, 429
/// with `Retry-After`; another account is not held back, and the next minute it is whole again.
#[actix_web::test]
async fn analysis_requests_have_a_budget_per_account() {
    let mut app = TestApp::spawn_with(|s| s.analysis_per_minute = 3).await;
    let t0 = chrono::Utc::now();
    app.set_clock(t0);
    let org = app.org("ANL-B", 5400).await;
    let path = format!("/api/v1/agencies/{}/dashboard", org.agency);
    for _ in 0..3 {
        app.get(&path, &org.admin).await.assert_status(200);
    }
    let over = app.get(&path, &org.admin).await;
    over.assert_problem(429, "too-many-requests");
    assert!(over.header("retry-after").is_some_and(|s| s.parse::<u64>().unwrap() > 0));
    app.get(&format!("/api/v1/agencies/{}/workload?from=2026-01-01&to=2026-01-31", org.agency), &org.admin)
        .await
        .assert_problem(429, "too-many-requests");
    // Others are not held back; other endpoints are not counted.
    app.get(&path, &app.root).await.assert_status(200);
    app.get("/api/v1/me", &org.admin).await.assert_status(200);
    app.set_clock(t0 + chrono::Duration::seconds(61));
    app.get(&path, &org.admin).await.assert_status(200);
}

#[actix_web::test]
async fn workload_spreads_the_year_over_working_days_and_charges_the_post_held_on_the_day() {
    let mut app = TestApp::spawn().await;
    // Tuesday 1 December 2026, 03:00 WIB: November is over.
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap());
    let org = app.org("ABK-C", 3500).await;
    let (period, section_rhk) = ekinerja_tests::builders::chain(&app, &org, 2026).await;
    // Two holidays in November: 21 weekdays less two is 19 working days, of 261 − 2 = 259 in 2026.
    for (date, name) in [("2026-11-10", "Hari Pahlawan"), ("2026-11-11", "Cuti bersama")] {
        app.post("/api/v1/holidays", &org.admin, json!({"date": date, "name": name})).await.assert_status(201);
    }
    // Staff member 1 holds the staff post under an approved agreement until the 15th.
    let approve = |skp: Skp| {
        let app = &app;
        let (staff, section, rhk) = (org.staff1.clone(), org.section.token.clone(), section_rhk.clone());
        async move {
            let mut skp = skp;
            plan(app, &staff, &mut skp, json!({"parent_result_id": rhk}), "Pengolahan data").await;
            step(app, &staff.token, &mut skp, "submit", None).await.assert_status(200);
            step(app, &section, &mut skp, "approve", None).await.assert_status(200);
        }
    };
    approve(open(&app, &org.staff1, &period).await).await;
    // Each post's catalogue: entering a file takes 30 minutes by standard, an analysis 120.
    let activities = |post: &str| format!("/api/v1/positions/{post}/activities");
    let analyst = app.position(&org.admin, &org.unit, "Analis Data", "pelaksana", 7, Some(&org.section_post)).await;
    let entry = app
        .post(
            &activities(&org.staff_post),
            &org.admin,
            json!({"name": "Entri data kepegawaian", "output_unit": "berkas", "standard_minutes": 30}),
        )
        .await;
    entry.assert_status(201);
    assert_eq!(entry.header("location"), Some(activities(&org.staff_post)));
    let analysis = app
        .post(
            &activities(&analyst),
            &org.admin,
            json!({"name": "Analisis data kinerja", "output_unit": "laporan", "standard_minutes": 120}),
        )
        .await;
    analysis.assert_status(201);
    let (entry, analysis) = (entry.id(), analysis.id());
    let log = |date: &str, minutes: i64, activity: &str, accept: bool| {
        let (app, token, section) = (&app, org.staff1.token.clone(), org.section.token.clone());
        let body = json!({"date": date, "duration_minutes": minutes, "description": "Entri data", "output_quantity": 1,
                          "additional_duty": true, "activity_id": activity});
        let activity = activity.to_owned();
        async move {
            let res = app.post("/api/v1/daily-logs", &token, body).await;
            res.assert_status(201);
            assert_eq!(res.body["activity_id"], activity.as_str());
            if accept {
                app.review_log(&section, &res.id(), "accept", json!({})).await.assert_status(200);
            }
        }
    };
    let before = [
        "2026-11-02",
        "2026-11-03",
        "2026-11-04",
        "2026-11-05",
        "2026-11-06",
        "2026-11-09",
        "2026-11-12",
        "2026-11-13",
    ];
    for d in before {
        log(d, 240, &entry, true).await;
    }
    // From Monday the 16th a new post, with an agreement for it from that day.
    app.patch(&format!("/api/v1/employees/{}", org.staff1.id), &org.admin, json!({"position_id": analyst}))
        .await
        .assert_status(200);
    let res = app
        .post("/api/v1/agreements", &org.staff1.token, json!({"period_id": period, "starts_on": "2026-11-16"}))
        .await;
    res.assert_status(201);
    approve(Skp { id: res.id(), etag: etag(&res) }).await;
    let after = ["16", "17", "18", "19", "20", "23", "24", "25", "26", "27", "30"];
    for d in after {
        log(&format!("2026-11-{d}"), 300, &analysis, true).await;
    }
    // Waiting for review: counts for nothing yet.
    log("2026-11-30", 60, &analysis, false).await;
    // A log names an activity of the post its author held on its date only.
    let named = |date: &str, activity: &str| {
        json!({"date": date, "duration_minutes": 30, "description": "Entri data", "output_quantity": 1,
               "additional_duty": true, "activity_id": activity})
    };
    app.post("/api/v1/daily-logs", &org.staff1.token, named("2026-11-05", &analysis))
        .await
        .assert_invalid("#/activity_id");
    app.post("/api/v1/daily-logs", &org.staff1.token, named("2026-11-24", &entry))
        .await
        .assert_invalid("#/activity_id");
    app.post("/api/v1/daily-logs", &org.staff2.token, named("2026-11-24", &analysis))
        .await
        .assert_invalid("#/activity_id");
    let other = app.org("ABK-D", 3600).await;
    let theirs = app
        .post(
            &activities(&other.staff_post),
            &other.admin,
            json!({"name": "Entri data", "output_unit": "berkas", "standard_minutes": 30}),
        )
        .await;
    app.post("/api/v1/daily-logs", &org.staff2.token, named("2026-11-24", &theirs.id()))
        .await
        .assert_invalid("#/activity_id");
    // The catalogue: anyone of the agency reads it, the agency admin alone adds to it, a name once.
    let listed = app.get(&activities(&analyst), &org.staff2.token).await;
    assert_eq!(listed.body["items"][0]["standard_minutes"], 120, "{}", listed.text);
    app.get(&activities(&analyst), &other.admin).await.assert_problem(404, "not-found");
    let more = json!({"name": "Analisis data kinerja", "output_unit": "laporan", "standard_minutes": 60});
    app.post(&activities(&analyst), &org.head.token, more.clone()).await.assert_problem(403, "forbidden");
    app.post(&activities(&analyst), &org.admin, more).await.assert_problem(409, "conflict");
    app.post(&activities(&analyst), &org.admin, json!({"name": "Rapat", "output_unit": "kali", "standard_minutes": 0}))
        .await
        .assert_invalid("#/standard_minutes");

    let r =
        workload(&app, &format!("/api/v1/org-units/{}/workload?from=2026-11-01&to=2026-11-30", org.unit), &org.admin)
            .await;
    let post =
        |id: &str| r.body["positions"].as_array().unwrap().iter().find(|p| p["position_id"] == id).cloned().unwrap();
    // 75,000 × 19 / 259 = 5,501.93… → 5,502 effective minutes for one person.
    let old = post(&org.staff_post);
    assert_eq!(old["effective_minutes"], 5_502, "{}", r.text);
    // The staff post: 8 days × 240 before the move, held now by staff member 2 alone:
    // 1,920 / 5,502 = 0.35 needed, index 0.35, E.
    assert_eq!((old["minutes"].as_i64(), old["staff_present"].as_i64()), (Some(1_920), Some(1)), "{old}");
    assert_eq!((old["staff_needed"].as_f64(), old["grade"].as_str()), (Some(0.35), Some("E")));
    // The analyst post: 11 days × 300 after it: 3,300 / 5,502 = 0.60, D.
    let new = post(&analyst);
    assert_eq!((new["minutes"].as_i64(), new["staff_present"].as_i64()), (Some(3_300), Some(1)), "{new}");
    assert_eq!((new["staff_needed"].as_f64(), new["grade"].as_str()), (Some(0.6), Some("D")));
    assert_eq!(r.body["total"]["minutes"], 5_220);
    // By standard time: 8 files × 30 = 240 minutes on the staff post (0.04 needed), 11 analyses ×
    // 120 = 1,320 on the analyst's (0.24).
    let (old, new) = (post(&org.staff_post), post(&analyst));
    assert_eq!(
        (old["by_standard_time"]["minutes"].as_i64(), old["by_standard_time"]["staff_needed"].as_f64()),
        (Some(240), Some(0.04)),
        "{old}"
    );
    assert_eq!(
        (new["by_standard_time"]["minutes"].as_i64(), new["by_standard_time"]["staff_needed"].as_f64()),
        (Some(1_320), Some(0.24))
    );
    assert_eq!(r.body["total_by_standard_time"]["minutes"], 1_560);
    // A span of the two holidays alone has no effective time.
    let h =
        workload(&app, &format!("/api/v1/org-units/{}/workload?from=2026-11-10&to=2026-11-11", org.unit), &org.admin)
            .await;
    assert_eq!(h.body["total"]["effective_minutes"], 0, "{}", h.text);
}

#[actix_web::test]
async fn a_catalogue_is_imported_from_a_file_all_or_nothing() {
    let app = TestApp::spawn().await;
    let org = app.org("ABK-I", 3700).await;
    let path = format!("/api/v1/positions/{}/activities/import", org.staff_post);
    let upload = |token: &str, query: &str, body: &str| {
        app.req(Method::POST, &format!("{path}{query}")).token(token).raw("text/csv", body.to_owned()).send()
    };
    app.post(
        &format!("/api/v1/positions/{}/activities", org.staff_post),
        &org.admin,
        json!({"name": "Entri data", "output_unit": "berkas", "standard_minutes": 30}),
    )
    .await
    .assert_status(201);
    // Every bad cell is named by line and column, and nothing is stored.
    let bad = "\u{feff}no,uraian_tugas,satuan_output,norma_waktu\n\
               1,Menyusun laporan,laporan,120\n\
               2,Entri data,berkas,30\n\
               3,Menyusun laporan,laporan,90\n\
               4,Verifikasi berkas,,0\n\
               5,Rapat koordinasi,kali,1.5\n";
    let r = upload(&org.admin, "", bad).await;
    r.assert_invalid("#/lines/3/uraian_tugas");
    for pointer in
        ["#/lines/4/uraian_tugas", "#/lines/5/satuan_output", "#/lines/5/norma_waktu", "#/lines/6/norma_waktu"]
    {
        r.assert_invalid(pointer);
    }
    assert!(r.text.contains("already on line 2"), "{}", r.text);
    let dry = upload(&org.admin, "?dry_run=true", bad).await;
    dry.assert_status(200);
    assert_eq!((dry.body["rows"].as_i64(), dry.body["errors"].as_array().map(Vec::len)), (Some(5), Some(5)));
    let listed = app.get(&format!("/api/v1/positions/{}/activities", org.staff_post), &org.admin).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1, "nothing stored: {}", listed.text);

    // A good file: a dry run stores nothing, the import stores each line.
    let good = "uraian_tugas,satuan_output,norma_waktu,keterangan\n\
                Menyusun laporan,laporan,120,bulanan\n\
                Verifikasi berkas,berkas,15,\n";
    let dry = upload(&org.admin, "?dry_run=true", good).await;
    assert_eq!(
        (dry.body["activities_created"].as_i64(), dry.body["errors"].as_array().map(Vec::len)),
        (Some(0), Some(0))
    );
    let r = upload(&org.admin, "", good).await;
    r.assert_status(200);
    assert_eq!((r.body["rows"].as_i64(), r.body["activities_created"].as_i64()), (Some(2), Some(2)), "{}", r.text);
    let listed = app.get(&format!("/api/v1/positions/{}/activities", org.staff_post), &org.staff1.token).await;
    let items: Vec<(String, i64)> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap().to_owned(), a["standard_minutes"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        items,
        [("Entri data".to_owned(), 30), ("Menyusun laporan".to_owned(), 120), ("Verifikasi berkas".to_owned(), 15)]
    );
    // Importing it again refuses every line: the post has them.
    upload(&org.admin, "", good).await.assert_invalid("#/lines/2/uraian_tugas");

    // Who: the agency admin alone; another agency sees no such post; a file without a column,
    // or not CSV, is refused whole.
    upload(&org.head.token, "", good).await.assert_problem(403, "forbidden");
    upload(&org.staff1.token, "", good).await.assert_problem(403, "forbidden");
    let other = app.org("ABK-J", 3800).await;
    upload(&other.admin, "", good).await.assert_problem(404, "not-found");
    upload(&org.admin, "", "uraian_tugas,norma_waktu\nA,10\n").await.assert_invalid("#/columns/satuan_output");
    let long: String = std::iter::once("uraian_tugas,satuan_output,norma_waktu\n".to_owned())
        .chain((0..1001).map(|i| format!("Kegiatan {i},laporan,10\n")))
        .collect();
    let r = upload(&org.admin, "", &long).await;
    r.assert_problem(422, "validation");
    assert!(r.text.contains("at most 1000 activities"), "{}", r.text);
    app.req(Method::POST, &path)
        .token(&org.admin)
        .raw("application/json", "{}".to_owned())
        .send()
        .await
        .assert_status(415);
}

/// The unit's level and the rule to meet next, with its missing evidence.
async fn unit_standing(app: &TestApp, org: &ekinerja_tests::Org, month: &str) -> Value {
    let u = app.get(&format!("/api/v1/org-units/{}/maturity?month={month}", org.unit), &org.admin).await;
    u.assert_status(200);
    u.body
}

#[actix_web::test]
async fn a_units_levels_four_to_six_follow_its_goals_job_analysis_and_decisions() {
    let mut app = TestApp::spawn().await;
    let y = last_year();
    app.set_clock(Utc.with_ymd_and_hms(y, 7, 1, 3, 0, 0).unwrap());
    let org = app.org("MAT-U", 3900).await;
    let month = format!("{y}-06");
    let performance = |year: i32| {
        let app = &app;
        let admin = org.admin.clone();
        async move {
            let r = app.post("/api/v1/performance-periods", &admin, json!({"year": year})).await;
            r.assert_status(201);
            r.id()
        }
    };
    // Last year's cascade down to the section head, so that staff1 has a year to be evaluated on.
    let (before, last_section) = chain(&app, &org, y - 1).await;
    let period = performance(y).await;
    let g = goal(&app, &org, &period).await;

    // The cascade, head to staff, each with a target in every quarter; all log every working day
    // of June on their result, and each once names their post's activity with 22 outputs.
    let even = [3, 3, 3, 3];
    let head = agreement(&app, &org.head, &org.admin, &period, json!({"goal_id": g}), even).await;
    let division =
        agreement(&app, &org.division, &org.head.token, &period, json!({"parent_result_id": head}), even).await;
    let section =
        agreement(&app, &org.section, &org.division.token, &period, json!({"parent_result_id": division}), even).await;
    let section_result = section.clone();
    let s = &org.section.token;
    let staff1 = agreement(&app, &org.staff1, s, &period, json!({"parent_result_id": section}), even).await;
    let staff2 = agreement(&app, &org.staff2, s, &period, json!({"parent_result_id": section}), even).await;
    // 3,500 minutes an output: 22 outputs are 77,000 minutes, a little over one person's year
    // (1,250 hours = 75,000 minutes), so the five need a little over five people.
    let mut activity = HashMap::new();
    for post in [&org.head_post, &org.division_post, &org.section_post, &org.staff_post] {
        let r = app
            .post(
                &format!("/api/v1/positions/{post}/activities"),
                &org.admin,
                json!({"name": "Menyusun laporan", "output_unit": "laporan", "standard_minutes": 3500}),
            )
            .await;
        r.assert_status(201);
        activity.insert(post.clone(), r.id());
    }
    let first_day = june_working_days()[0];
    let mut named_logs = vec![];
    for (who, rhk, post, reviewer) in [
        (&org.head, &head, &org.head_post, &org.admin),
        (&org.division, &division, &org.division_post, &org.head.token),
        (&org.section, &section, &org.section_post, &org.division.token),
        (&org.staff1, &staff1, &org.staff_post, s),
        (&org.staff2, &staff2, &org.staff_post, s),
    ] {
        log_every_day(&app, who, Some(rhk)).await;
        let r = app
            .post(
                "/api/v1/daily-logs",
                &who.token,
                json!({"date": first_day, "start_time": "13:00", "end_time": "14:00", "description": "Laporan bulanan",
                       "output_quantity": 22, "output_unit": "laporan", "planned_result_id": rhk,
                       "activity_id": activity[post]}),
            )
            .await;
        r.assert_status(201);
        named_logs.push((r.id(), reviewer.clone()));
    }

    // Level 4 met, level 5 missed: no log is accepted yet, so no post has a workload.
    let u = unit_standing(&app, &org, &month).await;
    assert_eq!(u["maturity"]["level"], 4, "{u}");
    let l4 = rule(&u, 4);
    assert_eq!(
        l4["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["part"].as_i64(), c["whole"].as_i64()))
            .collect::<Vec<_>>(),
        [(Some(1), Some(1)), (Some(5), Some(5))]
    );
    let next = &u["maturity"]["next"];
    assert_eq!(next["rule"], "structure_followed");
    assert_eq!(
        next["missing"],
        "a workload figure for the last twelve months for 4 more posts; no workload to set the required staff by"
    );
    assert_eq!(next["conditions"][2]["met"], true, "every agreement is on the post held, under today's supervisor");

    // The supervisors accept the named logs: every post has a figure, and 5 staff against a little
    // over 5 required is within ±20%.
    for (id, reviewer) in &named_logs {
        app.review_log(reviewer, id, "accept", json!({})).await.assert_status(200);
    }
    // By hand: one person's effective minutes over the twelve months to 30 June are 75,000 spread
    // over the weekdays of each year touched; each post needs 77,000 minutes per holder of it.
    let weekdays = |from: NaiveDate, to: NaiveDate| {
        from.iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
            .count() as i64
    };
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let (a, a_year) = (weekdays(day(y - 1, 7, 1), day(y - 1, 12, 31)), weekdays(day(y - 1, 1, 1), day(y - 1, 12, 31)));
    let (b, b_year) = (weekdays(day(y, 1, 1), day(y, 6, 30)), weekdays(day(y, 1, 1), day(y, 12, 31)));
    let num = 75_000 * (a * b_year + b * a_year);
    let den = a_year * b_year;
    let effective = (2 * num + den) / (2 * den);
    let needed = |minutes: i64| (2 * minutes * 100 + effective) / (2 * effective);
    let required = 3 * needed(77_000) + needed(154_000);
    let u = unit_standing(&app, &org, &month).await;
    assert_eq!(u["maturity"]["level"], 5, "{u}");
    let staffing = &rule(&u, 5)["conditions"][1];
    assert_eq!((staffing["part"].as_i64(), staffing["whole"].as_i64()), (Some(500), Some(required)), "{staffing}");
    let next = &u["maturity"]["next"];
    assert_eq!(next["rule"], "performance_used");
    assert_eq!(
        next["missing"],
        format!(
            "no evaluation period closed by the month's end; no allowance run for the month; the SIASN export of {}",
            y - 1
        )
    );

    // Level 6: the second quarter evaluated and closed, June's allowance approved, last year's
    // SIASN export produced.
    let q2 = app
        .post(
            "/api/v1/evaluation-periods",
            &org.admin,
            json!({"performance_period_id": period, "kind": "quarterly", "number": 2}),
        )
        .await;
    q2.assert_status(201);
    // The head is outstanding, so the unit is: at most 70% of the others may be very good.
    evaluate(&app, &org.admin, &q2.id(), &org.head.id, "above_expectation", "above_expectation").await;
    evaluate(&app, &org.head.token, &q2.id(), &org.division.id, "as_expected", "as_expected").await;
    evaluate(&app, &org.division.token, &q2.id(), &org.section.id, "as_expected", "as_expected").await;
    evaluate(&app, s, &q2.id(), &org.staff1.id, "as_expected", "as_expected").await;
    evaluate(&app, s, &q2.id(), &org.staff2.id, "as_expected", "as_expected").await;
    let close = app.get(&format!("/api/v1/evaluation-periods/{}", q2.id()), &org.admin).await;
    app.req(Method::POST, &format!("/api/v1/evaluation-periods/{}/close", q2.id()))
        .token(&org.admin)
        .header("if-match", &etag(&close))
        .send()
        .await
        .assert_status(200);
    let mut policy = rules(15);
    policy["base_amounts"] = json!([{"class": 5, "amount": 2500000}, {"class": 9, "amount": 4000000},
                                    {"class": 11, "amount": 6000000}, {"class": 14, "amount": 9000000}]);
    app.post("/api/v1/allowance-policies", &org.admin, json!({"effective_month": month, "rules": policy}))
        .await
        .assert_status(201);
    let run = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": month})).await;
    run.assert_status(201);
    assert_eq!(run.body["pending"], 0, "{}", run.text);
    // Computed but not approved: the condition names it.
    let u = unit_standing(&app, &org, &month).await;
    assert_eq!(
        u["maturity"]["next"]["missing"],
        format!("5 employees not in an approved allowance run for the month; the SIASN export of {}", y - 1),
        "{u}"
    );
    let finance = app.finance(&org.admin, "bpkad-u").await;
    app.req(Method::POST, &format!("/api/v1/allowance-runs/{}/approve", run.id()))
        .token(&finance)
        .header("if-match", &etag(&run))
        .send()
        .await
        .assert_status(200);
    // Last year's export: empty, it is no export of the year; with staff1's final annual
    // evaluation in it, it is.
    let export = || async {
        let r = app
            .req(Method::GET, &format!("/api/v1/performance-periods/{before}/siasn-export"))
            .token(&org.admin)
            .send()
            .await;
        r.assert_status(200);
        r.text.lines().count()
    };
    assert_eq!(export().await, 1, "the header alone");
    let u = unit_standing(&app, &org, &month).await;
    assert_eq!(
        (u["maturity"]["level"].as_i64(), u["maturity"]["next"]["missing"].as_str()),
        (Some(5), Some(format!("the SIASN export of {}", y - 1).as_str()))
    );
    agreement(&app, &org.staff1, s, &before, json!({"parent_result_id": last_section}), even).await;
    let annual = app
        .post(
            "/api/v1/evaluation-periods",
            &org.admin,
            json!({"performance_period_id": before, "kind": "annual", "number": 1}),
        )
        .await;
    annual.assert_status(201);
    evaluate(&app, s, &annual.id(), &org.staff1.id, "as_expected", "as_expected").await;
    assert_eq!(export().await, 2);
    let u = unit_standing(&app, &org, &month).await;
    assert_eq!(u["maturity"]["level"], 6, "{u}");
    assert!(u["maturity"]["next"].is_null());
    let l6 = rule(&u, 6);
    assert_eq!(
        l6["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["condition"].as_str().unwrap(), c["part"].as_i64().unwrap(), c["whole"].as_i64().unwrap()))
            .collect::<Vec<_>>(),
        [("distribution_fits", 1, 1), ("allowance_run_approved", 5, 5), ("siasn_exported", 1, 1)]
    );
    // The agency reads the same of its one OPD.
    let a = app.get(&format!("/api/v1/agencies/{}/maturity?month={month}", org.agency), &org.admin).await;
    assert_eq!(
        (a.body["maturity"]["level"].as_i64(), a.body["units"][0]["maturity"]["level"].as_i64()),
        (Some(6), Some(6)),
        "{}",
        a.text
    );

    // A second goal of the unit that no approved result supports takes it back to level 3.
    goal(&app, &org, &period).await;
    let u = unit_standing(&app, &org, &month).await;
    assert_eq!(u["maturity"]["level"], 3, "{u}");
    assert_eq!(u["maturity"]["next"]["missing"], "1 organisational goals without an approved result supporting them");
    // Staffing is policy: within ±2%, 5 against about 5.15 is too few.
    app.patch(
        &format!("/api/v1/agencies/{}", org.agency),
        &org.admin,
        json!({"maturity_policy": {"staffing_range_bp": 200}}),
    )
    .await
    .assert_status(200);
    let u = unit_standing(&app, &org, &month).await;
    let staffing = format!("a staff of 5.00 against {}.{:02} required, outside ±2.00%", required / 100, required % 100);
    assert_eq!(rule(&u, 5)["conditions"][1]["missing"], staffing);

    // A second OPD, with a goal of its own that nothing supports and a post with a holder: the
    // unit's goals and posts stay its own, and the agency reads each OPD's apart.
    let other = app
        .post(
            "/api/v1/org-units",
            &org.admin,
            json!({"code": "DISDIK", "name": "Dinas Pendidikan", "rollout_from": "2020-01"}),
        )
        .await
        .assert_status(201)
        .id();
    let other_post = app.position(&org.admin, &other, "Kepala Dinas Pendidikan", "jpt", 14, None).await;
    app.person(&org.admin, 3950, "Hadi Pranoto", &other_post).await;
    // Its section's post counts for it, as a unit below it.
    let section = app
        .post(
            "/api/v1/org-units",
            &org.admin,
            json!({"code": "DISDIK-SD", "name": "Bidang Sekolah Dasar", "parent_id": other}),
        )
        .await
        .assert_status(201)
        .id();
    let section_post =
        app.position(&org.admin, &section, "Kepala Bidang Sekolah Dasar", "administrator", 11, Some(&other_post)).await;
    app.person(&org.admin, 3951, "Wulan Sari", &section_post).await;
    app.post(
        "/api/v1/organisational-goals",
        &org.admin,
        json!({"period_id": period, "org_unit_id": other, "name": "Meningkatnya mutu pendidikan",
               "indicator": "Angka partisipasi sekolah", "target_quantity": 95, "target_unit": "persen"}),
    )
    .await
    .assert_status(201);
    let u = unit_standing(&app, &org, &month).await;
    assert_eq!(u["maturity"]["next"]["missing"], "1 organisational goals without an approved result supporting them");
    assert_eq!(rule(&u, 5)["conditions"][1]["missing"], staffing);
    let a = app.get(&format!("/api/v1/agencies/{}/maturity?month={month}", org.agency), &org.admin).await;
    a.assert_status(200);
    // Each OPD's name, goals supported of its goals, and staff on its posts (in hundredths).
    let own = |opd: &Value| {
        let (goals, staff) = (&rule(opd, 4)["conditions"][0], &rule(opd, 5)["conditions"][1]);
        (
            opd["unit"]["name"].as_str().map(str::to_owned),
            goals["part"].as_i64(),
            goals["whole"].as_i64(),
            staff["part"].as_i64(),
        )
    };
    assert_eq!(
        a.body["units"].as_array().unwrap().iter().map(own).collect::<Vec<_>>(),
        [
            (Some("Dinas Kesehatan".to_owned()), Some(1), Some(2), Some(500)),
            (Some("Dinas Pendidikan".to_owned()), Some(0), Some(1), Some(200))
        ],
        "{}",
        a.text
    );

    // A history reads each month as the month's own report does, though it reads the whole months
    // of its twelve-month windows once for all: with the clock in mid-July, July's window runs from
    // mid-July last year to yesterday, part of a month at each end. staff1's 22 more reports logged
    // early in July count in July's window alone.
    app.set_clock(Utc.with_ymd_and_hms(y, 7, 16, 3, 0, 0).unwrap());
    let sign_in = |login: String| {
        let app = &app;
        async move { app.login(&login, ekinerja_tests::PASSWORD).await }
    };
    let (admin, staff, section) = (
        sign_in("admin.mat-u".into()).await,
        sign_in(org.staff1.nip.clone()).await,
        sign_in(org.section.nip.clone()).await,
    );
    let july = (1..=15)
        .map(|d| NaiveDate::from_ymd_opt(y, 7, d).unwrap())
        .find(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .unwrap();
    let r = app
        .post(
            "/api/v1/daily-logs",
            &staff,
            json!({"date": july, "start_time": "13:00", "end_time": "14:00", "description": "Laporan bulanan",
                   "output_quantity": 22, "output_unit": "laporan", "planned_result_id": staff1,
                   "activity_id": activity[&org.staff_post]}),
        )
        .await;
    r.assert_status(201);
    app.review_log(&section, &r.id(), "accept", json!({})).await.assert_status(200);
    // The section head logs four hours today, naming no activity: minutes alone, on a post with
    // no output of its own from July on (and today is not yet in July's window).
    let plain = app
        .post(
            "/api/v1/daily-logs",
            &section,
            json!({"date": format!("{y}-07-16"), "start_time": "08:00", "end_time": "12:00",
                   "description": "Rapat koordinasi", "output_quantity": 1, "output_unit": "kegiatan",
                   "planned_result_id": section_result}),
        )
        .await;
    plain.assert_status(201);
    let division = sign_in(org.division.nip.clone()).await;
    app.review_log(&division, &plain.id(), "accept", json!({})).await.assert_status(200);
    let h = app.get(&format!("/api/v1/org-units/{}/maturity/history?from={y}-05&to={y}-07", org.unit), &admin).await;
    h.assert_status(200);
    let mut required = vec![];
    for (i, m) in ["05", "06", "07"].into_iter().enumerate() {
        let u = app.get(&format!("/api/v1/org-units/{}/maturity?month={y}-{m}", org.unit), &admin).await;
        u.assert_status(200);
        let u = u.body;
        assert_eq!(h.body["months"][i]["maturity"]["rules"], u["maturity"]["rules"], "{y}-{m}: {}", h.text);
        required.push(rule(&u, 5)["conditions"][1]["whole"].as_i64());
    }
    assert_eq!(required[0], Some(0), "May's twelve months end before June's logs");
    assert!(required[2] > required[1], "{required:?}");
    // A year on, June's window holds last July whole (staff1's reports, the section's minutes);
    // July's, from 16 July, reads the rest of last July from the logs: the section's minutes alone.
    app.set_clock(Utc.with_ymd_and_hms(y + 1, 7, 16, 3, 0, 0).unwrap());
    let admin = app.login("admin.mat-u", ekinerja_tests::PASSWORD).await;
    let h = app
        .get(&format!("/api/v1/org-units/{}/maturity/history?from={}-06&to={}-07", org.unit, y + 1, y + 1), &admin)
        .await;
    h.assert_status(200);
    let mut measured = vec![];
    for (i, m) in ["06", "07"].into_iter().enumerate() {
        let u = app.get(&format!("/api/v1/org-units/{}/maturity?month={}-{m}", org.unit, y + 1), &admin).await;
        u.assert_status(200);
        assert_eq!(h.body["months"][i]["maturity"]["rules"], u.body["maturity"]["rules"], "{m}: {}", h.text);
        measured.push(rule(&u.body, 5)["conditions"][0]["part"].as_i64());
    }
    assert_eq!(measured, [Some(2), Some(1)]);
}

/// Each post's minutes over a span in the unit's workload analysis, of the posts with some.
async fn minutes_of(app: &TestApp, unit: &str, admin: &str, from: NaiveDate, to: NaiveDate) -> HashMap<String, i64> {
    let r = workload(app, &format!("/api/v1/org-units/{unit}/workload?from={from}&to={to}"), admin).await;
    r.body["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["position_id"].as_str().unwrap().to_owned(), p["minutes"].as_i64().unwrap()))
        .filter(|(_, m)| *m != 0)
        .collect()
}

#[derive(diesel::QueryableByName)]
struct PostMinutes {
    #[diesel(sql_type = diesel::sql_types::Text)]
    position_id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    minutes: i64,
}

/// A post's minutes over any span are those of the accepted logs serving the results of its
/// agreements in the span: whether a month is read from the stored months of logs per result
/// (whole, or from its first day into its second half, less its later days) or from its logs.
#[actix_web::test]
async fn a_posts_minutes_over_any_span_are_its_accepted_logs_read_from_months_or_logs() {
    use diesel::connection::SimpleConnection;
    use diesel::RunQueryDsl;
    let mut app = TestApp::spawn().await;
    let y = ekinerja_tests::builders::year();
    // Tuesday 20 October, 10:00 WIB: October is read to the 19th or to today.
    app.set_clock(Utc.with_ymd_and_hms(y, 10, 20, 3, 0, 0).unwrap());
    let s = ekinerja_tests::builders::setup(&app, "ABK-E", 3700).await;
    let day = |m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let dates = [
        day(7, 3),
        day(7, 15),
        day(7, 31),
        day(8, 1),
        day(8, 14),
        day(8, 31),
        day(9, 2),
        day(9, 6),
        day(9, 19),
        day(9, 21),
        day(9, 30),
        day(10, 1),
        day(10, 9),
        day(10, 19),
        day(10, 20),
    ];
    // Staff member 1 and the section head log on their results every one of these days; their
    // supervisors reject one of every five and leave one of every four waiting.
    for (i, date) in dates.iter().enumerate() {
        for (who, rhk, reviewer, end) in [
            (&s.org.staff1, &s.staff_rhk, &s.org.section.token, "09:00"),
            (&s.org.section, &s.section_rhk, &s.org.division.token, "09:30"),
        ] {
            let id = app
                .post("/api/v1/daily-logs", &who.token, ekinerja_tests::builders::log(rhk, *date, "08:00", end))
                .await
                .id();
            if i % 5 == 4 {
                app.review_log(reviewer, &id, "reject", json!({"reason": "Belum sesuai"})).await.assert_status(200);
            } else if i % 4 != 3 {
                app.review_log(reviewer, &id, "accept", json!({})).await.assert_status(200);
            }
        }
    }
    let (unit, admin) = (s.org.unit.as_str(), s.org.admin.as_str());
    let spans = [
        (day(7, 1), day(7, 31)),
        (day(7, 1), day(9, 30)),
        (day(7, 10), day(8, 31)),
        (day(7, 10), day(9, 5)),
        (day(7, 10), day(9, 20)),
        (day(7, 14), day(7, 31)),
        (day(7, 1), day(7, 14)),
        (day(8, 1), day(8, 16)),
        (day(8, 1), day(8, 31)),
        (day(9, 30), day(9, 30)),
        (day(8, 15), day(10, 19)),
        (day(9, 1), day(10, 20)),
        (day(9, 6), day(9, 21)),
        (day(10, 1), day(10, 19)),
        (day(10, 2), day(10, 20)),
    ];
    let mut with_minutes = 0;
    for (from, to) in spans {
        let rows: Vec<PostMinutes> = {
            let mut conn = app.state.pool.get().unwrap();
            diesel::sql_query(format!(
                "SELECT a.position_id AS position_id, CAST(SUM(l.duration_minutes) AS BIGINT) AS minutes \
                 FROM daily_logs l JOIN planned_results pr ON pr.id = l.planned_result_id \
                 JOIN agreements a ON a.id = pr.agreement_id \
                 WHERE l.status = 'accepted' AND l.log_date >= '{from}' AND l.log_date <= '{to}' \
                 GROUP BY a.position_id"
            ))
            .load(&mut *conn)
            .unwrap()
        };
        let expected: HashMap<String, i64> = rows.into_iter().map(|r| (r.position_id, r.minutes)).collect();
        assert_eq!(minutes_of(&app, unit, admin, from, to).await, expected, "{from} to {to}");
        with_minutes += usize::from(!expected.is_empty());
    }
    // All but the first half of August (its logs waiting or rejected), and the 1st to the 16th
    // of August is its stored month less the accepted logs of the 31st.
    assert_eq!(with_minutes, spans.len() - 1);
    // July to September is read from the stored months, and the first half of July from the
    // logs: a stored month out of step shows in the one and not in the other.
    let (staff_post, whole, half) = (s.org.staff_post.clone(), (day(7, 1), day(9, 30)), (day(7, 1), day(7, 14)));
    let before =
        (minutes_of(&app, unit, admin, whole.0, whole.1).await, minutes_of(&app, unit, admin, half.0, half.1).await);
    app.state
        .pool
        .get()
        .unwrap()
        .batch_execute(&format!(
            "UPDATE log_result_months SET minutes = minutes + 7 \
             WHERE status = 'accepted' AND employee_id = '{}'",
            s.org.staff1.id
        ))
        .unwrap();
    let after =
        (minutes_of(&app, unit, admin, whole.0, whole.1).await, minutes_of(&app, unit, admin, half.0, half.1).await);
    assert_eq!(after.0[&staff_post], before.0[&staff_post] + 3 * 7, "three months of staff member 1's");
    assert_eq!(after.1, before.1);
}
