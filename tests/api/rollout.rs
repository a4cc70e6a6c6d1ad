//! Rollout by month (roles.md, Rollout): a unit counts from the month it is rolled out, sub-units
//! inherit the month unless they set their own, and a month already paid stays as it was paid.

use actix_web::http::Method;
use chrono::{TimeZone, Utc};
use ekinerja_tests::{Response, TestApp, PASSWORD};

use ekinerja_tests::builders::etag;
use serde_json::{json, Value};

fn duty_log(date: &str, minutes: i64) -> Value {
    json!({"date": date, "duration_minutes": minutes, "description": "Rapat koordinasi", "output_quantity": 1,
           "additional_duty": true})
}

fn line<'a>(run: &'a Response, who: &str) -> &'a Value {
    run.body["lines"].as_array().unwrap().iter().find(|l| l["employee_id"] == who).unwrap()
}

fn unit_row<'a>(body: &'a Value, code: &str) -> &'a Value {
    body["units"].as_array().unwrap().iter().find(|u| u["unit"]["code"] == code).unwrap()
}

#[actix_web::test]
async fn a_unit_counts_from_the_month_it_is_rolled_out() {
    let mut app = TestApp::spawn().await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 9, 20, 3, 0, 0).unwrap());
    let org = app.org("ROLL-A", 4100).await;
    // Dinas Pendidikan is rolled out from October; its Bidang inherits it, its Seksi sets December.
    let disdik = app
        .post(
            "/api/v1/org-units",
            &org.admin,
            json!({"code": "DISDIK", "name": "Dinas Pendidikan", "rollout_from": "2026-10"}),
        )
        .await;
    disdik.assert_status(201);
    assert_eq!(disdik.body["rolled_out_from"], "2026-10");
    let bidang = app
        .post(
            "/api/v1/org-units",
            &org.admin,
            json!({"code": "DISDIK-B", "name": "Bidang Pembinaan SD", "parent_id": disdik.id()}),
        )
        .await;
    assert_eq!(
        (bidang.body["rollout_from"].as_str(), bidang.body["rolled_out_from"].as_str()),
        (None, Some("2026-10"))
    );
    let seksi = app
        .post(
            "/api/v1/org-units",
            &org.admin,
            json!({"code": "DISDIK-S", "name": "Seksi Kurikulum", "parent_id": bidang.id(), "rollout_from": "2026-12"}),
        )
        .await;
    assert_eq!(seksi.body["rolled_out_from"], "2026-12");
    app.post("/api/v1/org-units", &org.admin, json!({"code": "X", "name": "X", "rollout_from": "10/2026"}))
        .await
        .assert_invalid("#/rollout_from");
    let head_post = app.position(&org.admin, &disdik.id(), "Kepala Dinas Pendidikan", "jpt", 14, None).await;
    let clerk_post = app.position(&org.admin, &bidang.id(), "Pengelola Data", "pelaksana", 5, Some(&head_post)).await;
    let late_post = app.position(&org.admin, &seksi.id(), "Analis Kurikulum", "pelaksana", 5, Some(&head_post)).await;
    let head = app.person(&org.admin, 4110, "Wati Kusuma", &head_post).await;
    let clerk = app.person(&org.admin, 4111, "Joko Susilo", &clerk_post).await;
    let late = app.person(&org.admin, 4112, "Rina Marlina", &late_post).await;

    // The clerk logs in September and in October; staff member 1 of Dinas Kesehatan (rolled out
    // since 2020) logs in October and nobody reviews it.
    let clerk_september = app.post("/api/v1/daily-logs", &clerk.token, duty_log("2026-09-15", 240)).await;
    clerk_september.assert_status(201);
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 2, 3, 0, 0).unwrap());
    // Tokens issued in September have expired by November: everyone signs in again.
    let admin = app.login("admin.roll-a", PASSWORD).await;
    let clerk_token = app.login(&clerk.nip, PASSWORD).await;
    let staff1_token = app.login(&org.staff1.nip, PASSWORD).await;
    let head_token = app.login(&org.head.nip, PASSWORD).await;
    let clerk_october = app.post("/api/v1/daily-logs", &clerk_token, duty_log("2026-10-15", 300)).await;
    clerk_october.assert_status(201);
    app.post("/api/v1/daily-logs", &staff1_token, duty_log("2026-10-14", 90)).await.assert_status(201);

    // The productivity basis: no predicate needed, so every rolled-out line is computed.
    let mut rules = ekinerja_tests::builders::rules(15);
    rules["performance_basis"] = json!("productivity");
    rules["base_amounts"] = json!([{"class": 5, "amount": 2500000}, {"class": 9, "amount": 4000000},
                                   {"class": 11, "amount": 6000000}, {"class": 14, "amount": 9000000}]);
    app.post("/api/v1/allowance-policies", &admin, json!({"effective_month": "2026-09", "rules": rules}))
        .await
        .assert_status(201);

    // September: Dinas Pendidikan's people are not rolled out; no amount, not in the totals.
    let september = app.post("/api/v1/allowance-runs", &admin, json!({"month": "2026-09"})).await;
    september.assert_status(201);
    for who in [&head.id, &clerk.id, &late.id] {
        let l = line(&september, who);
        assert_eq!(l["status"], "not_rolled_out", "{l}");
        assert!(l["amount"].is_null() && l["base"].is_null() && l["pending_reason"].is_null(), "{l}");
    }
    assert_eq!(line(&september, &clerk.id)["opd_name"], "Dinas Pendidikan");
    assert_eq!(line(&september, &clerk.id)["unit_name"], "Bidang Pembinaan SD");
    assert_eq!(line(&september, &org.staff1.id)["status"], "computed");
    assert_eq!(
        (
            september.body["employees"].as_i64(),
            september.body["computed"].as_i64(),
            september.body["not_rolled_out"].as_i64()
        ),
        (Some(8), Some(5), Some(3)),
        "{}",
        september.text
    );
    let sum: i64 = september.body["lines"].as_array().unwrap().iter().filter_map(|l| l["amount"].as_i64()).sum();
    assert_eq!(september.body["total"].as_i64(), Some(sum));

    // October: the OPD and its Bidang are computed; the Seksi (December) still is not.
    let october = app.post("/api/v1/allowance-runs", &admin, json!({"month": "2026-10"})).await;
    october.assert_status(201);
    assert_eq!(line(&october, &head.id)["status"], "computed");
    assert_eq!(line(&october, &clerk.id)["status"], "computed");
    assert_eq!(line(&october, &late.id)["status"], "not_rolled_out");
    // Minutes still waiting for review are shown on the line (they count for nothing yet).
    assert_eq!(line(&october, &org.staff1.id)["unreviewed_minutes"], 90);
    assert_eq!(line(&october, &clerk.id)["unreviewed_minutes"], 300);
    assert_eq!(line(&october, &org.staff2.id)["unreviewed_minutes"], 0);

    // Before computing, who still has logs of the month to review: the Kadis (the clerk's 300
    // minutes) and the section head (staff member 1's 90). September's one log was written where
    // the rollout had not begun.
    let agency = org.agency.clone();
    let waiting = |q: String| {
        let (app, admin, path) = (&app, &admin, format!("/api/v1/agencies/{agency}/waiting-reviews?{q}"));
        async move { app.get(&path, admin).await }
    };
    let w = waiting("month=2026-10".into()).await;
    w.assert_status(200);
    let rows: Vec<(&str, i64, i64)> = w.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["supervisor"]["id"].as_str().unwrap(), r["logs"].as_i64().unwrap(), r["minutes"].as_i64().unwrap()))
        .collect();
    assert_eq!(rows, [(head.id.as_str(), 1, 300), (org.section.id.as_str(), 1, 90)], "{}", w.text);
    assert_eq!((w.body["logs"].as_i64(), w.body["minutes"].as_i64()), (Some(2), Some(390)));
    assert_eq!(waiting("month=2026-09".into()).await.body["logs"], 0);
    let unit = waiting(format!("month=2026-10&org_unit_id={}", disdik.id())).await;
    assert_eq!(unit.body["minutes"], 300, "{}", unit.text);
    waiting("month=2026-13".into()).await.assert_status(400);
    app.get(&format!("/api/v1/agencies/{}/waiting-reviews?month=2026-10", org.agency), &staff1_token)
        .await
        .assert_problem(403, "forbidden");

    // Workload counts accepted logs: the Kadis accepts the clerk's September and October days. It
    // leaves Dinas Pendidikan out of September (no minutes, no staff, no grade) and counts it in
    // October, also within a span that begins before its rollout.
    let kadis = app.login(&head.nip, PASSWORD).await;
    app.review_log(&kadis, &clerk_october.id(), "accept", json!({})).await.assert_status(200);
    app.review_log(&kadis, &clerk_september.id(), "accept", json!({})).await.assert_status(200);
    let path = format!("/api/v1/agencies/{}/workload", org.agency);
    let sep = app.get(&format!("{path}?from=2026-09-01&to=2026-09-30"), &admin).await;
    sep.assert_status(200);
    let row = unit_row(&sep.body, "DISDIK");
    assert_eq!(
        (row["rolled_out"].as_bool(), row["minutes"].as_i64(), row["staff_present"].as_i64(), row["grade"].is_null()),
        (Some(false), Some(0), Some(0), true),
        "{row}"
    );
    assert_eq!(unit_row(&sep.body, "DINKES")["rolled_out"], true);
    let oct = app.get(&format!("{path}?from=2026-10-01&to=2026-10-31"), &admin).await;
    let row = unit_row(&oct.body, "DISDIK");
    assert_eq!(
        (row["rolled_out"].as_bool(), row["minutes"].as_i64(), row["staff_present"].as_i64()),
        (Some(true), Some(300), Some(2)),
        "the Seksi's analyst counts from December: {row}"
    );
    let both = app.get(&format!("{path}?from=2026-09-01&to=2026-10-31"), &admin).await;
    let row = unit_row(&both.body, "DISDIK");
    assert_eq!((row["minutes"].as_i64(), row["staff_present"].as_i64()), (Some(300), Some(2)), "{row}");

    // Maturity leaves it out of September too.
    let path = format!("/api/v1/agencies/{}/maturity", org.agency);
    let sep = app.get(&format!("{path}?month=2026-09"), &admin).await;
    sep.assert_status(200);
    assert_eq!(sep.body["maturity"]["employees"], 5, "{}", sep.text);
    let row = unit_row(&sep.body, "DISDIK");
    assert_eq!((row["rolled_out_from"].as_str(), row["maturity"]["employees"].as_i64()), (Some("2026-10"), Some(0)));
    let oct = app.get(&format!("{path}?month=2026-10"), &admin).await;
    assert_eq!(oct.body["maturity"]["employees"], 7, "{}", oct.text);
    let unit = app.get(&format!("/api/v1/org-units/{}/maturity?month=2026-10", disdik.id()), &admin).await;
    let listed: Vec<(&str, bool)> = unit.body["employees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["employee"]["name"].as_str().unwrap(), e["rolled_out"].as_bool().unwrap()))
        .collect();
    assert_eq!(listed, [("Joko Susilo", true), ("Rina Marlina", false), ("Wati Kusuma", true)]);
    assert_eq!(unit.body["maturity"]["employees"], 2);

    // October is approved; its payroll file gives the Seksi's line no amount, with the reason.
    let finance = app.finance(&admin, "bpkad").await;
    let approved = app
        .req(Method::POST, &format!("/api/v1/allowance-runs/{}/approve", october.id()))
        .token(&finance)
        .header("if-match", &etag(&october))
        .send()
        .await;
    approved.assert_status(200);
    let csv = app.get(&format!("/api/v1/allowance-runs/{}/payroll", october.id()), &finance).await;
    csv.assert_status(200);
    let row: Vec<&str> = csv.text.lines().find(|l| l.contains("Rina Marlina")).unwrap().split(',').collect();
    assert_eq!((row[2], row[3], row[5]), ("Dinas Pendidikan", "Seksi Kurikulum", "not_rolled_out"), "{}", csv.text);
    assert!(row[6..11].iter().all(|c| c.is_empty()) && row[14].starts_with("belum diterapkan"), "{row:?}");

    // Earlier months stay right: moving the rollout past the paid October is refused, and the
    // approved run is as it was; moving it earlier, into the unpaid September, is not.
    let unit = format!("/api/v1/org-units/{}", disdik.id());
    app.patch(&unit, &admin, json!({"rollout_from": "2026-11"})).await.assert_problem(409, "conflict");
    app.patch(&unit, &admin, json!({"rollout_from": null})).await.assert_problem(409, "conflict");
    app.patch(&format!("/api/v1/org-units/{}", bidang.id()), &admin, json!({"rollout_from": "2026-11"}))
        .await
        .assert_problem(409, "conflict");
    let kept = app.get(&format!("/api/v1/allowance-runs/{}", october.id()), &admin).await;
    assert_eq!(kept.body["total"], approved.body["total"]);
    assert_eq!(line(&kept, &clerk.id)["status"], "computed");
    let earlier = app.patch(&unit, &admin, json!({"rollout_from": "2026-09"})).await;
    earlier.assert_status(200);
    let again = app.post("/api/v1/allowance-runs", &admin, json!({"month": "2026-09"})).await;
    again.assert_status(200);
    assert_eq!(line(&again, &clerk.id)["status"], "computed");
    // The Seksi sets its own month, so it may still move: no paid month changes for it.
    app.patch(&format!("/api/v1/org-units/{}", seksi.id()), &admin, json!({"rollout_from": "2027-01"}))
        .await
        .assert_status(200);

    // Only the agency admin sets a rollout.
    app.patch(&unit, &head_token, json!({"rollout_from": "2026-08"})).await.assert_problem(403, "forbidden");
    app.patch(&unit, &finance, json!({"rollout_from": "2026-08"})).await.assert_problem(403, "forbidden");
}
