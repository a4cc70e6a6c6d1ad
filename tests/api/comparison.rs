//! The per-OPD comparison: each figure per OPD from the views it comes from, sorted by any
//! column, as JSON and CSV, for a leader and the agency admin only.

use actix_web::http::Method;
use chrono::{TimeZone, Utc};
use ekinerja_tests::builders::{etag, evaluate, log, setup};
use ekinerja_tests::TestApp;
use serde_json::{json, Value};

fn row<'a>(body: &'a Value, code: &str) -> &'a Value {
    body["rows"].as_array().unwrap().iter().find(|r| r["unit"]["code"] == code).unwrap()
}

fn predicate(r: &Value, p: &str) -> i64 {
    r["predicates"].as_array().unwrap().iter().find(|c| c["predicate"] == p).unwrap()["employees"].as_i64().unwrap()
}

#[actix_web::test]
async fn leaders_compare_the_opds_of_a_month() {
    let mut app = TestApp::spawn().await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap());
    let s = setup(&app, "OPD-A", 1700).await;
    let org = &s.org;
    let other = app.org("OPD-B", 1750).await;
    // A second OPD, not rolled out: a head and one member of staff.
    let disdik = app.post("/api/v1/org-units", &org.admin, json!({"code": "DISDIK", "name": "Dinas Pendidikan"})).await;
    disdik.assert_status(201);
    let disdik = disdik.id();
    let head = app.position(&org.admin, &disdik, "Kepala Dinas Pendidikan", "jpt", 14, None).await;
    let clerk = app.position(&org.admin, &disdik, "Pengadministrasi Umum", "pelaksana", 5, Some(&head)).await;
    app.person(&org.admin, 1711, "Hendra Gunawan", &head).await;
    app.person(&org.admin, 1712, "Wulan Sari", &clerk).await;
    let (_, leader) = app.granted_member(&org.admin, "bupati", "leader").await;
    let finance = app.finance(&org.admin, "bpkad").await;

    // November: one accepted log of two hours and one waiting; none in Dinas Pendidikan.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 10).unwrap();
    let accepted = app.post("/api/v1/daily-logs", &org.staff1.token, log(&s.staff_rhk, day, "08:00", "10:00")).await;
    accepted.assert_status(201);
    app.review_log(&org.section.token, &accepted.id(), "accept", json!({})).await.assert_status(200);
    app.post("/api/v1/daily-logs", &org.section.token, log(&s.section_rhk, day, "09:00", "10:00"))
        .await
        .assert_status(201);
    // The third quarter evaluated and closed; the fourth's predicate pays November.
    let mut periods = Vec::new();
    for number in [3, 4] {
        let p = app
            .post(
                "/api/v1/evaluation-periods",
                &org.admin,
                json!({"performance_period_id": s.period, "kind": "quarterly", "number": number}),
            )
            .await;
        p.assert_status(201);
        evaluate(&app, &org.section.token, &p.id(), &org.staff1.id, "above_expectation", "above_expectation").await;
        periods.push(p);
    }
    app.req(Method::POST, &format!("/api/v1/evaluation-periods/{}/close", periods[0].id()))
        .token(&org.admin)
        .header("if-match", &etag(&periods[0]))
        .send()
        .await
        .assert_status(200);
    let mut rules = ekinerja_tests::builders::rules(15);
    rules["base_amounts"] = json!([{"class": 5, "amount": 2500000}, {"class": 9, "amount": 4000000},
                                   {"class": 11, "amount": 6000000}, {"class": 14, "amount": 9000000}]);
    app.post("/api/v1/allowance-policies", &org.admin, json!({"effective_month": "2026-01", "rules": rules}))
        .await
        .assert_status(201);
    let run = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": "2026-11"})).await;
    run.assert_status(201);
    let approved = app
        .req(Method::POST, &format!("/api/v1/allowance-runs/{}/approve", run.id()))
        .token(&finance)
        .header("if-match", &etag(&run))
        .send()
        .await;
    approved.assert_status(200);

    // Last month by default; each OPD's figures.
    let path = format!("/api/v1/agencies/{}/comparison", org.agency);
    let c = app.get(&path, &leader).await;
    c.assert_status(200);
    assert_eq!(c.body["month"], "2026-11");
    assert_eq!(c.body["evaluation_period_id"], periods[0].id().as_str());
    let names: Vec<&str> =
        c.body["rows"].as_array().unwrap().iter().map(|r| r["unit"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Dinas Kesehatan", "Dinas Pendidikan"], "by name by default");
    let dinkes = row(&c.body, "DINKES");
    assert_eq!((dinkes["employees"].as_i64(), dinkes["rolled_out"].as_bool()), (Some(5), Some(true)));
    assert_eq!((dinkes["logged"].as_i64(), dinkes["log_coverage_bp"].as_i64()), (Some(2), Some(4_000)));
    assert_eq!(dinkes["accepted_minutes_per_employee"], 120 / 5);
    assert_eq!(predicate(dinkes, "very_good"), 1, "{dinkes}");
    // Allowance: the computed lines of the run for the OPD's people.
    let lines = approved.body["lines"].as_array().unwrap();
    let dinkes_people = [&org.head.id, &org.division.id, &org.section.id, &org.staff1.id, &org.staff2.id];
    let computed: Vec<&Value> = lines
        .iter()
        .filter(|l| dinkes_people.iter().any(|p| l["employee_id"] == p.as_str()) && l["status"] == "computed")
        .collect();
    assert!(!computed.is_empty(), "staff member 1's line is computed: {}", approved.text);
    let total: i64 = computed.iter().map(|l| l["amount"].as_i64().unwrap()).sum();
    assert_eq!(dinkes["paid"].as_i64(), Some(computed.len() as i64));
    assert_eq!(dinkes["allowance_total"].as_i64(), Some(total));
    assert_eq!(dinkes["allowance_average"].as_i64(), Some(total / computed.len() as i64));
    // Discipline: nobody has attendance, so every working day deducts in Dinas Kesehatan; Dinas
    // Pendidikan is not rolled out, so its two people are listed apart and count in no figure.
    assert_eq!(dinkes["with_deductions_bp"], 10_000);
    assert!(dinkes["average_deduction_bp"].as_i64().unwrap() > 0);
    let disdik_row = row(&c.body, "DISDIK");
    assert_eq!(
        (disdik_row["employees"].as_i64(), disdik_row["not_rolled_out"].as_i64(), disdik_row["rolled_out"].as_bool()),
        (Some(0), Some(2), Some(false))
    );
    assert!(disdik_row["rolled_out_from"].is_null());
    assert_eq!((disdik_row["logged"].as_i64(), disdik_row["log_coverage_bp"].as_i64()), (Some(0), Some(0)));
    assert_eq!(
        (disdik_row["with_deductions_bp"].as_i64(), disdik_row["average_deduction_bp"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!((disdik_row["paid"].as_i64(), disdik_row["maturity_level"].as_i64()), (Some(0), Some(0)));
    assert!(dinkes["maturity_level"].is_u64() && dinkes["workload_grade"].is_string(), "{dinkes}");

    // Any column sorts, both ways; ties by name.
    let by = |q: &str| {
        let app = &app;
        let (path, leader) = (format!("{path}?{q}"), leader.clone());
        async move {
            let r = app.get(&path, &leader).await;
            r.assert_status(200);
            r.body["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["unit"]["code"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(by("sort=employees&order=asc").await, ["DISDIK", "DINKES"]);
    assert_eq!(by("sort=log_coverage_bp&order=desc").await, ["DINKES", "DISDIK"]);
    assert_eq!(by("sort=name&order=desc").await, ["DISDIK", "DINKES"]);
    assert_eq!(by("sort=very_good&order=asc&month=2026-11").await, ["DISDIK", "DINKES"]);
    app.get(&format!("{path}?sort=height"), &leader).await.assert_status(400);
    app.get(&format!("{path}?month=2027-01"), &leader).await.assert_invalid("#/month");

    // The CSV: the same rows in the same order.
    let file = app
        .req(Method::GET, &format!("{path}?sort=employees&order=desc"))
        .token(&org.admin)
        .header("accept", "text/csv")
        .send()
        .await;
    file.assert_status(200);
    assert!(file.header("content-type").unwrap().starts_with("text/csv"));
    let rows: Vec<&str> = file.text.lines().collect();
    assert_eq!(rows.len(), 3, "{}", file.text);
    assert!(rows[0].starts_with("kode_unit,unit,pegawai,pegawai_belum_diterapkan,diterapkan,mulai_bulan,"));
    assert!(rows[1].starts_with("DINKES,Dinas Kesehatan,5,0,ya,2020-01,2,4000,24,"), "{}", rows[1]);
    assert!(rows[2].starts_with("DISDIK,Dinas Pendidikan,0,2,tidak,,0,0,0,"), "{}", rows[2]);

    // A leader and the admin only.
    for refused in [&org.head.token, &finance, &org.staff1.token] {
        app.get(&path, refused).await.assert_problem(403, "forbidden");
    }
    app.get(&path, &other.admin).await.assert_problem(404, "not-found");
}
