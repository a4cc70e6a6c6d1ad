//! Builders for the scenarios many test modules share: a performance year with approved
//! agreements down a chain, daily logs, an allowance policy, a finalised evaluation.

use actix_web::http::Method;
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::{Org, Person, Response, TestApp};

/// An agreement as its owner holds it: its id and the ETag of the version last seen.
pub struct Skp {
    pub id: String,
    pub etag: String,
}

/// A request with an optional `If-Match` and JSON body.
pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    etag: Option<&str>,
    body: Option<Value>,
) -> Response {
    let mut req = app.req(method, path).token(token);
    if let Some(e) = etag {
        req = req.header("if-match", e);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await
}

/// The ETag a response carries (it must carry one).
pub fn etag(res: &Response) -> String {
    res.header("etag").unwrap_or_else(|| panic!("no ETag: {}", res.text))
}

/// The current year in WIB (tests run in any year).
pub fn year() -> i32 {
    use chrono::Datelike;
    (chrono::Utc::now() + chrono::Duration::hours(7)).year()
}

/// Opens this year's performance period of `org`; its id.
pub async fn period(app: &TestApp, org: &Org) -> String {
    app.post("/api/v1/performance-periods", &org.admin, json!({"year": year()})).await.assert_status(201).body["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// An organisational goal of `org`'s unit in `period`; its id.
pub async fn goal(app: &TestApp, org: &Org, period: &str) -> String {
    let res = app
        .post(
            "/api/v1/organisational-goals",
            &org.admin,
            json!({"period_id": period, "org_unit_id": org.unit, "name": "Meningkatnya mutu pelayanan kesehatan",
                   "indicator": "Indeks kepuasan masyarakat", "target_quantity": 85, "target_unit": "indeks"}),
        )
        .await;
    res.assert_status(201);
    res.id()
}

/// The `year` chain of `org` approved from the head down to the section head (a goal, then one
/// result each); returns the performance year and the section head's planned result.
pub async fn chain(app: &TestApp, org: &Org, year: i32) -> (String, String) {
    let res = app.post("/api/v1/performance-periods", &org.admin, json!({"year": year})).await;
    res.assert_status(201);
    let period = res.id();
    let g = goal(app, org, &period).await;
    let mut link = json!({"goal_id": g});
    let mut last = String::new();
    for (who, approver) in [
        (&org.head, org.admin.clone()),
        (&org.division, org.head.token.clone()),
        (&org.section, org.division.token.clone()),
    ] {
        let mut skp = open(app, who, &period).await;
        last = plan(app, who, &mut skp, link, "RHK").await;
        step(app, &who.token, &mut skp, "submit", None).await.assert_status(200);
        step(app, &approver, &mut skp, "approve", None).await.assert_status(200);
        link = json!({"parent_result_id": last});
    }
    (period, last)
}

/// Opens `who`'s agreement in `period`.
pub async fn open(app: &TestApp, who: &Person, period: &str) -> Skp {
    let res = app.post("/api/v1/agreements", &who.token, json!({"period_id": period})).await;
    res.assert_status(201);
    Skp { id: res.id(), etag: etag(&res) }
}

/// Adds a main result linked to `link` (a goal or a result), one indicator of 12 with a
/// quarterly breakdown; returns the result id.
pub async fn plan(app: &TestApp, who: &Person, skp: &mut Skp, link: Value, what: &str) -> String {
    let mut body = json!({"kind": "main", "description": what});
    for (k, v) in link.as_object().unwrap() {
        body[k] = v.clone();
    }
    let res = send(
        app,
        Method::POST,
        &format!("/api/v1/agreements/{}/planned-results", skp.id),
        &who.token,
        Some(&skp.etag),
        Some(body),
    )
    .await;
    res.assert_status(201);
    skp.etag = etag(&res);
    let result = res.id();
    indicator(
        app,
        who,
        skp,
        &result,
        json!({"description": format!("Jumlah laporan: {what}"), "target_quantity": 12, "target_unit": "laporan", "quality_target_bp": 10000}),
        json!({"breakdown": "quarterly", "targets": [3, 3, 3, 3]}),
    )
    .await;
    result
}

/// Adds an indicator (`body`) to `result` and sets its breakdown (`split`), keeping the ETag.
pub async fn indicator(app: &TestApp, who: &Person, skp: &mut Skp, result: &str, body: Value, split: Value) {
    let res = send(
        app,
        Method::POST,
        &format!("/api/v1/agreements/{}/planned-results/{result}/indicators", skp.id),
        &who.token,
        Some(&skp.etag),
        Some(body),
    )
    .await;
    res.assert_status(201);
    skp.etag = etag(&res);
    let res = send(
        app,
        Method::PUT,
        &format!("/api/v1/agreements/{}/indicators/{}/breakdown", skp.id, res.id()),
        &who.token,
        Some(&skp.etag),
        Some(split),
    )
    .await;
    res.assert_status(200);
    skp.etag = etag(&res);
}

/// Moves an agreement on (`submit`, `approve`, `return`, ...) as `who`, keeping its ETag.
pub async fn step(app: &TestApp, who: &str, skp: &mut Skp, verb: &str, body: Option<Value>) -> Response {
    let res =
        send(app, Method::POST, &format!("/api/v1/agreements/{}/{verb}", skp.id), who, Some(&skp.etag), body).await;
    if res.status.is_success() {
        skp.etag = etag(&res);
    }
    res
}

/// Today in WIB.
pub fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// A day this year before today (so it is inside this year's agreement).
pub fn past_day() -> NaiveDate {
    let t = today();
    let d = t - Duration::days(1);
    if chrono::Datelike::year(&d) == year() {
        d
    } else {
        t
    }
}

/// The org of [`setup`] and the ids its tests need.
pub struct Setup {
    pub org: Org,
    /// Staff member 1's approved planned result.
    pub staff_rhk: String,
    /// The section head's planned result (not the staff member's own).
    pub section_rhk: String,
    /// The performance year's id.
    pub period: String,
}

/// An org whose chain down to staff member 1 has approved agreements this year.
pub async fn setup(app: &TestApp, code: &str, seed: u32) -> Setup {
    let org = app.org(code, seed).await;
    let p = period(app, &org).await;
    let g = goal(app, &org, &p).await;
    let mut chain: Vec<(&Person, String)> = Vec::new();
    let mut link = json!({"goal_id": g});
    let mut rhks = Vec::new();
    for (who, approver) in [
        (&org.head, org.admin.clone()),
        (&org.division, org.head.token.clone()),
        (&org.section, org.division.token.clone()),
        (&org.staff1, org.section.token.clone()),
    ] {
        let mut skp = open(app, who, &p).await;
        let rhk = plan(app, who, &mut skp, link, "RHK").await;
        step(app, &who.token, &mut skp, "submit", None).await.assert_status(200);
        step(app, &approver, &mut skp, "approve", None).await.assert_status(200);
        link = json!({"parent_result_id": rhk});
        rhks.push(rhk.clone());
        chain.push((who, rhk));
    }
    Setup { org, staff_rhk: rhks[3].clone(), section_rhk: rhks[2].clone(), period: p }
}

/// A daily-log body serving `rhk` on `date` from `start` to `end`.
pub fn log(rhk: &str, date: NaiveDate, start: &str, end: &str) -> Value {
    json!({"date": date, "start_time": start, "end_time": end, "description": "Menyusun laporan pelayanan", "output_quantity": 1,
           "output_unit": "dokumen", "planned_result_id": rhk})
}

/// An allowance policy body with the given monthly late tolerance.
pub fn rules(tolerance: u32) -> Value {
    json!({"performance_basis": "predicate", "performance_weight_bp": 7000, "discipline_weight_bp": 3000,
           "predicate_factors_bp": {"very_good": 10000, "good": 10000, "needs_improvement": 9000, "poor": 8500, "very_poor": 8000},
           "target_minutes_per_day": 300,
           "deduction_bands": [{"up_to_minutes": 30, "deduction_bp": 50}, {"up_to_minutes": 60, "deduction_bp": 100}, {"up_to_minutes": 90, "deduction_bp": 125}],
           "over_deduction_bp": 150, "no_record_deduction_bp": 150, "absent_deduction_bp": 500,
           "late_tolerance_minutes": tolerance, "deduction_cap_bp": 10000,
           "base_amounts": [{"class": 5, "amount": 2500000}, {"class": 9, "amount": 4000000}]})
}

/// Every BerAKHLAK core value rated `rating`.
pub fn every_value(rating: &str) -> Value {
    let values = ["service_oriented", "accountable", "competent", "harmonious", "loyal", "adaptive", "collaborative"];
    Value::Array(values.iter().map(|v| json!({"core_value": v, "rating": rating})).collect())
}

/// Opens, rates and finalises `who`'s evaluation in `period` as `by`.
pub async fn evaluate(app: &TestApp, by: &str, period: &str, who: &str, results: &str, behaviour: &str) -> Response {
    let ev = app.post("/api/v1/evaluations", by, json!({"evaluation_period_id": period, "employee_id": who})).await;
    ev.assert_status(201);
    let path = format!("/api/v1/evaluations/{}", ev.id());
    let rated = send(
        app,
        Method::PATCH,
        &path,
        by,
        Some(&etag(&ev)),
        Some(json!({"results_rating": results, "behaviour_rating": behaviour, "behaviours": every_value(behaviour)})),
    )
    .await;
    rated.assert_status(200);
    let fin = send(app, Method::POST, &format!("{path}/finalise"), by, Some(&etag(&rated)), None).await;
    fin.assert_status(200);
    fin
}

/// The job at `path` once it has ended, as `token` follows it.
pub async fn job_ended(app: &TestApp, path: &str, token: &str) -> Value {
    for _ in 0..600 {
        let res = app.get(path, token).await;
        res.assert_status(200);
        match res.body["status"].as_str() {
            Some("succeeded" | "failed") => {
                assert_eq!(res.header("retry-after"), None, "an ended job asks no one to come back");
                return res.body;
            }
            Some("queued" | "running") => {
                assert_eq!(res.header("retry-after").as_deref(), Some("1"));
                actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            other => panic!("job status {other:?}: {}", res.text),
        }
    }
    panic!("the job at {path} did not end within 30 s");
}
