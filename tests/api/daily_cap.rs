//! One daily cap (issue 22): the agency's `daily_log_cap_minutes` caps log entry and the minutes a
//! day counts for the allowance's productivity basis; the allowance policy no longer has its own.

use chrono::{TimeZone, Utc};
use ekinerja_tests::builders::rules;
use ekinerja_tests::{Org, TestApp};
use serde_json::{json, Value};

/// A productivity policy with `target` minutes a day, from 2020 on.
fn productivity(target: i64) -> Value {
    let mut r = rules(15);
    r["performance_basis"] = json!("productivity");
    r["target_minutes_per_day"] = json!(target);
    json!({"effective_month": "2020-01", "rules": r})
}

/// Staff member 1's line in the November draft run, computed now.
async fn line(app: &TestApp, org: &Org) -> Value {
    let run = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": "2026-11"})).await;
    assert!(run.status.is_success(), "{}", run.text);
    let run = app.get(&format!("/api/v1/allowance-runs/{}", run.id()), &org.admin).await;
    run.body["lines"].as_array().unwrap().iter().find(|l| l["employee_id"] == org.staff1.id.as_str()).cloned().unwrap()
}

/// An accepted additional-duty log of staff member 1.
async fn accepted(app: &TestApp, org: &Org, date: &str, minutes: i64) -> Value {
    let res = app
        .post(
            "/api/v1/daily-logs",
            &org.staff1.token,
            json!({"date": date, "duration_minutes": minutes, "description": "Piket posko", "output_quantity": 1,
                   "additional_duty": true}),
        )
        .await;
    if res.status.is_success() {
        app.review_log(&org.section.token, &res.id(), "accept", json!({})).await.assert_status(200);
    }
    res.body
}

#[actix_web::test]
async fn the_log_cap_is_the_allowance_cap() {
    let mut app = TestApp::spawn().await;
    // Tuesday 1 December 2026, 03:00 WIB.
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap());
    let org = app.org("CAP-A", 6100).await;
    let agency = format!("/api/v1/agencies/{}", org.agency);
    app.patch(&agency, &org.admin, json!({"daily_log_cap_minutes": 240})).await.assert_status(200);

    // The policy has no cap of its own: naming one is refused, and its target is held to the
    // agency's.
    let mut own = productivity(200);
    own["rules"]["daily_cap_minutes"] = json!(450);
    app.post("/api/v1/allowance-policies", &org.admin, own).await.assert_problem(422, "validation");
    let over = app.post("/api/v1/allowance-policies", &org.admin, productivity(300)).await;
    over.assert_invalid("#/rules/target_minutes_per_day");
    assert!(over.text.contains("240"), "{}", over.text);
    let set = app.post("/api/v1/allowance-policies", &org.admin, productivity(200)).await;
    set.assert_status(201);
    assert!(set.body["rules"].get("daily_cap_minutes").is_none(), "{}", set.text);

    // A day past the cap is refused at entry; at the cap it is kept and counts whole.
    let refused = app
        .post(
            "/api/v1/daily-logs",
            &org.staff1.token,
            json!({"date": "2026-11-02", "duration_minutes": 241, "description": "Piket posko", "output_quantity": 1,
                   "additional_duty": true}),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    accepted(&app, &org, "2026-11-02", 240).await;
    let l = line(&app, &org).await;
    let b = &l["breakdown"];
    assert_eq!((b["productive_minutes"].as_i64(), b["daily_cap_minutes"].as_i64()), (Some(240), Some(240)), "{l}");

    // The cap may not fall below the target the policy sets this month or later.
    let low = app.patch(&agency, &org.admin, json!({"daily_log_cap_minutes": 180})).await;
    low.assert_invalid("#/daily_log_cap_minutes");
    assert!(low.text.contains("200"), "{}", low.text);
    let later = json!({"effective_month": "2027-01", "rules": productivity(240)["rules"].clone()});
    app.post("/api/v1/allowance-policies", &org.admin, later).await.assert_status(201);
    app.patch(&agency, &org.admin, json!({"daily_log_cap_minutes": 230}))
        .await
        .assert_invalid("#/daily_log_cap_minutes");

    // Raised, the one setting admits a longer day and the run counts it whole.
    app.patch(&agency, &org.admin, json!({"daily_log_cap_minutes": 480})).await.assert_status(200);
    accepted(&app, &org, "2026-11-03", 300).await;
    let b = line(&app, &org).await["breakdown"].clone();
    assert_eq!((b["productive_minutes"].as_i64(), b["daily_cap_minutes"].as_i64()), (Some(540), Some(480)), "{b}");
}
