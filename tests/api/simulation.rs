//! Policy simulation (issue 22): a month computed under a draft allowance policy, per OPD beside
//! the policy in force, storing nothing; its totals equal a real run under the same policy and
//! move as computed by hand when the tolerance changes.

use actix_web::http::Method;
use chrono::{Datelike, NaiveDate, TimeZone, Utc, Weekday};
use ekinerja_tests::builders::rules;
use ekinerja_tests::TestApp;
use serde_json::{json, Value};

const SIMULATE: &str = "/api/v1/allowance-simulations";

/// A productivity policy (70/30, target 300 minutes) with a monthly late tolerance.
fn policy(tolerance: u32) -> Value {
    let mut r = rules(tolerance);
    r["performance_basis"] = json!("productivity");
    r
}

#[actix_web::test]
async fn a_simulation_equals_a_run_under_the_same_policy_and_moves_with_the_tolerance() {
    let mut app = TestApp::spawn().await;
    // Tuesday 1 December 2026, 03:00 WIB: November is over.
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap());
    let org = app.org("SIM-A", 6200).await;
    app.post("/api/v1/allowance-policies", &org.admin, json!({"effective_month": "2020-01", "rules": policy(15)}))
        .await
        .assert_status(201);
    // A second OPD with one officer, absent all month.
    let bappeda = app
        .post("/api/v1/org-units", &org.admin, json!({"code": "BAPPEDA", "name": "Bappeda", "rollout_from": "2020-01"}))
        .await;
    bappeda.assert_status(201);
    let post = app.position(&org.admin, &bappeda.id(), "Analis Perencanaan", "pelaksana", 5, None).await;
    app.person(&org.admin, 6207, "Hendra Gunawan", &post).await;

    // Staff member 1 works every November working day on time, but for 10 minutes late on the 3rd
    // and 20 on the 4th: under a tolerance of 15, the 4th takes the sum to 30 and deducts 50 bp.
    let key = app
        .post("/api/v1/integration-keys", &org.admin, json!({"name": "e-Presensi", "scopes": ["attendance_write"]}))
        .await;
    let key = key.body["key"].as_str().unwrap().to_owned();
    let mut events = Vec::new();
    for day in (1..=30).filter_map(|d| NaiveDate::from_ymd_opt(2026, 11, d)) {
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        let arrive = match day.day() {
            3 => "07:40",
            4 => "07:50",
            _ => "07:25",
        };
        let leave = if day.weekday() == Weekday::Fri { "16:35" } else { "16:05" };
        for (local, kind) in [(arrive, "check_in"), (leave, "check_out")] {
            let at = chrono::NaiveDateTime::parse_from_str(&format!("{day} {local}"), "%Y-%m-%d %H:%M").unwrap()
                - chrono::Duration::hours(7);
            events.push(json!({"source_event_id": format!("{day}-{kind}"), "nip": org.staff1.nip,
                               "occurred_at": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(), "kind": kind}));
        }
    }
    let pushed = app
        .req(Method::POST, "/api/v1/attendance-events/batch")
        .token(&key)
        .json(json!({"events": events}))
        .send()
        .await;
    assert_eq!(pushed.body["created"], 42, "{}", pushed.text);

    // The run: no logs, so performance pays nothing; only staff member 1's discipline part is
    // paid: 2,500,000 × 3,000 × 9,950 / 10^8 = 746,250. The section head (class 9) and staff
    // member 2 are absent all month (0), the two heads have no base amount (pending), and the
    // Bappeda officer is absent (0).
    let run = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": "2026-11"})).await;
    run.assert_status(201);
    assert_eq!(run.body["total"], 746_250, "{}", run.text);

    // Under the same policy the simulation equals the run, per OPD and in all.
    let same = app.post(SIMULATE, &org.admin, json!({"month": "2026-11", "rules": policy(15)})).await;
    same.assert_status(200);
    let s = &same.body;
    assert_eq!(
        (s["in_force"]["total"].as_i64(), s["simulated"]["total"].as_i64()),
        (Some(746_250), Some(746_250)),
        "{}",
        same.text
    );
    assert_eq!(s["difference"], 0);
    assert_eq!(s["month"], "2026-11");
    let opd = |body: &Value, name: &str| {
        body["opds"].as_array().unwrap().iter().find(|o| o["name"] == name).cloned().unwrap()
    };
    let dinkes = opd(s, "Dinas Kesehatan");
    assert_eq!(dinkes["employees"], 5);
    assert_eq!(dinkes["in_force"], json!({"computed": 3, "pending": 2, "total": 746_250, "average": 248_750}));
    assert_eq!(dinkes["simulated"], dinkes["in_force"]);
    assert_eq!(opd(s, "Bappeda")["simulated"], json!({"computed": 1, "pending": 0, "total": 0, "average": 0}));

    // A tolerance of 30 forgives both late days: 2,500,000 × 3,000 × 10,000 / 10^8 = 750,000,
    // 3,750 more, averaging 250,000 over Dinas Kesehatan's three computed lines.
    let wider = app.post(SIMULATE, &org.admin, json!({"month": "2026-11", "rules": policy(30)})).await;
    wider.assert_status(200);
    let w = &wider.body;
    assert_eq!((w["in_force"]["total"].as_i64(), w["simulated"]["total"].as_i64()), (Some(746_250), Some(750_000)));
    assert_eq!(w["difference"], 3_750);
    let dinkes = opd(w, "Dinas Kesehatan");
    assert_eq!((dinkes["simulated"]["average"].as_i64(), dinkes["difference"].as_i64()), (Some(250_000), Some(3_750)));
    // Adopted, the run computes what the simulation said.
    app.post("/api/v1/allowance-policies", &org.admin, json!({"effective_month": "2026-11", "rules": policy(30)}))
        .await
        .assert_status(201);
    let rerun = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": "2026-11"})).await;
    assert_eq!(rerun.body["total"], 750_000, "{}", rerun.text);

    // Nothing was stored by the simulations: the run list holds the one run.
    let runs = app.get("/api/v1/allowance-runs?month=2026-11", &org.admin).await;
    assert_eq!(runs.body["items"].as_array().map(Vec::len), Some(1), "{}", runs.text);

    // As CSV for the budget office.
    let csv = app
        .req(Method::POST, SIMULATE)
        .token(&org.admin)
        .header("accept", "text/csv")
        .json(json!({"month": "2026-11", "rules": policy(15)}))
        .send()
        .await;
    csv.assert_status(200);
    assert!(csv
        .text
        .starts_with("opd,pegawai,total_berlaku,rata_rata_berlaku,total_simulasi,rata_rata_simulasi,selisih\n"));
    assert!(csv.text.contains("\nDinas Kesehatan,5,750000,250000,746250,248750,-3750\n"), "{}", csv.text);

    // Who: finance and a leader may; staff and another agency's admin may not.
    let finance = app.finance(&org.admin, "bpkad.sim").await;
    app.post(SIMULATE, &finance, json!({"month": "2026-11", "rules": policy(15)})).await.assert_status(200);
    let (_, leader) = app.granted_member(&org.admin, "bupati.sim", "leader").await;
    app.post(SIMULATE, &leader, json!({"month": "2026-11", "rules": policy(15)})).await.assert_status(200);
    app.post(SIMULATE, &org.staff1.token, json!({"month": "2026-11", "rules": policy(15)}))
        .await
        .assert_problem(403, "forbidden");
    app.post(SIMULATE, &org.head.token, json!({"month": "2026-11", "rules": policy(15)}))
        .await
        .assert_problem(403, "forbidden");
    let other = app.org("SIM-B", 6300).await;
    let res = app
        .post(SIMULATE, &other.admin, json!({"agency_id": org.agency, "month": "2026-11", "rules": policy(15)}))
        .await;
    res.assert_problem(404, "not-found");

    // A draft that breaks a rule, or a month not over, is refused with the field named.
    let mut bad = policy(15);
    bad["discipline_weight_bp"] = json!(2_000);
    app.post(SIMULATE, &org.admin, json!({"month": "2026-11", "rules": bad}))
        .await
        .assert_invalid("#/rules/discipline_weight_bp");
    app.post(SIMULATE, &org.admin, json!({"month": "2026-12", "rules": policy(15)})).await.assert_invalid("#/month");
    app.post(SIMULATE, &org.admin, json!({"month": "2026-13", "rules": policy(15)})).await.assert_invalid("#/month");
}
