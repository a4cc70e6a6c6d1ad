//! Distribution patterns as agency policy (issue 22): a pattern the agency sets is judged instead
//! of the default, from the month it takes effect; the unit's rating follows from its head's
//! predicate over all five values; setting is the agency admin's, and bad rules are refused with
//! the field named.

use ekinerja_tests::builders::{evaluate, setup, year};
use ekinerja_tests::TestApp;
use serde_json::{json, Value};

const PATTERNS: &str = "/api/v1/distribution-patterns";

fn good(at_most_bp: i64) -> Value {
    json!({"unit_rating": "good", "rules": [
        {"predicates": ["good"], "bound": {"kind": "at_most_bp", "value": at_most_bp}},
        {"predicates": ["needs_improvement", "poor"], "bound": {"kind": "at_least_count", "value": 1}}]})
}

#[actix_web::test]
async fn a_pattern_the_agency_sets_is_judged_instead_of_the_default() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "PAT-A", 5800).await;
    let org = &s.org;
    let y = year();
    let annual = app
        .post(
            "/api/v1/evaluation-periods",
            &org.admin,
            json!({"performance_period_id": s.period, "kind": "annual", "number": 1}),
        )
        .await;
    annual.assert_status(201);
    let period = annual.id();
    // The head is good (above expectation, behaviour as expected): the unit is good. Below the
    // head: two good and one needing improvement.
    evaluate(&app, &org.admin, &period, &org.head.id, "above_expectation", "as_expected").await;
    evaluate(&app, &org.head.token, &period, &org.division.id, "as_expected", "as_expected").await;
    evaluate(&app, &org.division.token, &period, &org.section.id, "as_expected", "as_expected").await;
    evaluate(&app, &org.section.token, &period, &org.staff1.id, "below_expectation", "as_expected").await;

    let dist = format!("/api/v1/evaluation-periods/{period}/distribution?org_unit_id={}", org.unit);
    let d = app.get(&dist, &org.admin).await;
    d.assert_status(200);
    assert_eq!(d.body["unit_rating"], "good", "{}", d.text);
    // The default: at most 70% good (2 of 3 is 66%), at least one needing improvement or poor.
    assert_eq!(d.body["fits"], true, "{}", d.text);
    assert_eq!(d.body["rules"][0]["rule"]["bound"], json!({"kind": "at_most_bp", "value": 7000}));

    // Before any is set, every rating has its default.
    let listed = app.get(PATTERNS, &org.admin).await;
    listed.assert_status(200);
    let items = listed.body["items"].as_array().unwrap();
    let ratings: Vec<&str> = items.iter().map(|i| i["unit_rating"].as_str().unwrap()).collect();
    assert_eq!(ratings, ["outstanding", "good", "needs_improvement", "poor", "very_poor"]);
    assert!(items.iter().all(|i| i["effective_month"].is_null()), "{}", listed.text);
    assert_eq!(items[4]["rules"][2], json!({"predicates": ["very_good"], "bound": {"kind": "at_most_bp", "value": 0}}));

    // The agency allows at most half good from January: the same spread now breaks the pattern.
    let set =
        app.post(PATTERNS, &org.admin, json!({"effective_month": format!("{y}-01"), "patterns": [good(5000)]})).await;
    set.assert_status(201);
    assert_eq!(set.header("location"), Some(format!("{PATTERNS}?month={y}-01")));
    assert_eq!(set.body["items"][1]["effective_month"], format!("{y}-01"));
    assert!(set.body["items"][0]["effective_month"].is_null(), "a rating not given keeps its pattern");
    let d = app.get(&dist, &org.admin).await;
    assert_eq!(d.body["fits"], false, "{}", d.text);
    assert_eq!(d.body["rules"][0]["rule"]["bound"], json!({"kind": "at_most_bp", "value": 5000}));
    assert_eq!(
        (d.body["rules"][0]["met"].clone(), d.body["rules"][0]["share_bp"].clone()),
        (json!(false), json!(6666))
    );
    assert_eq!(d.body["rules"][1]["met"], true);
    // A unit head reads the same judgement.
    assert_eq!(app.get(&dist, &org.head.token).await.body["fits"], false);

    // A version from next January does not reach this year's period; it governs from then on.
    let next = json!({"effective_month": format!("{}-01", y + 1), "patterns": [{"unit_rating": "good", "rules": []}]});
    app.post(PATTERNS, &org.admin, next).await.assert_status(201);
    assert_eq!(app.get(&dist, &org.admin).await.body["fits"], false);
    let later = app.get(&format!("{PATTERNS}?month={}-02", y + 1), &org.admin).await;
    assert_eq!(
        (later.body["items"][1]["rules"].clone(), later.body["items"][1]["effective_month"].clone()),
        (json!([]), json!(format!("{}-01", y + 1)))
    );
    // Setting the same month again replaces that version.
    app.post(PATTERNS, &org.admin, json!({"effective_month": format!("{y}-01"), "patterns": [good(7000)]}))
        .await
        .assert_status(201);
    assert_eq!(app.get(&dist, &org.admin).await.body["fits"], true);
    let audit = app.get("/api/v1/audit-events?limit=200", &org.admin).await;
    let set_events =
        audit.body["items"].as_array().unwrap().iter().filter(|e| e["entity_type"] == "distribution_pattern").count();
    assert_eq!(set_events, 3, "{}", audit.text);

    // Who: a leader reads the patterns but sets none; staff neither; another agency's admin cannot
    // name this agency.
    let (_, leader) = app.granted_member(&org.admin, "bupati.pat", "leader").await;
    app.get(PATTERNS, &leader).await.assert_status(200);
    let body = json!({"effective_month": format!("{y}-02"), "patterns": [good(5000)]});
    app.post(PATTERNS, &leader, body.clone()).await.assert_problem(403, "forbidden");
    app.get(PATTERNS, &org.staff1.token).await.assert_problem(403, "forbidden");
    app.post(PATTERNS, &org.head.token, body.clone()).await.assert_problem(403, "forbidden");
    let other = app.org("PAT-B", 5900).await;
    let mut theirs = body.clone();
    theirs["agency_id"] = json!(org.agency);
    app.post(PATTERNS, &other.admin, theirs).await.assert_invalid("#/agency_id");
    app.get(&format!("{PATTERNS}?agency_id={}", org.agency), &app.root).await.assert_status(200);
    app.get(PATTERNS, &app.root).await.assert_invalid("#/agency_id");

    // Bad rules are refused with the field named, and nothing changes.
    let clash = json!({"effective_month": format!("{y}-01"), "patterns": [{"unit_rating": "very_poor", "rules": [
        {"predicates": ["very_poor"], "bound": {"kind": "at_least_bp", "value": 6000}},
        {"predicates": ["poor"], "bound": {"kind": "at_least_bp", "value": 5000}}]}]});
    app.post(PATTERNS, &org.admin, clash).await.assert_invalid("#/patterns/0/rules/1/bound");
    let twice = json!({"effective_month": format!("{y}-01"), "patterns": [good(5000), good(6000)]});
    app.post(PATTERNS, &org.admin, twice).await.assert_invalid("#/patterns/1/unit_rating");
    let share = json!({"effective_month": format!("{y}-01"), "patterns": [good(10_001)]});
    app.post(PATTERNS, &org.admin, share).await.assert_invalid("#/patterns/0/rules/0/bound/value");
    let none = json!({"effective_month": format!("{y}-01"), "patterns": [{"unit_rating": "good", "rules": [
        {"predicates": [], "bound": {"kind": "at_most_bp", "value": 10}}]}]});
    app.post(PATTERNS, &org.admin, none).await.assert_invalid("#/patterns/0/rules/0/predicates");
    app.post(PATTERNS, &org.admin, json!({"effective_month": format!("{y}-13"), "patterns": [good(5000)]}))
        .await
        .assert_invalid("#/effective_month");
    app.post(PATTERNS, &org.admin, json!({"effective_month": format!("{y}-01"), "patterns": []}))
        .await
        .assert_invalid("#/patterns");
    let unknown = json!({"effective_month": format!("{y}-01"), "patterns": [{"unit_rating": "good", "rules": [
        {"predicates": ["good"], "bound": {"kind": "at_most_percent", "value": 10}}]}]});
    app.post(PATTERNS, &org.admin, unknown).await.assert_problem(422, "validation");
    app.get(&format!("{PATTERNS}?month={y}-1"), &org.admin).await.assert_problem(400, "bad-parameter");
    assert_eq!(app.get(&dist, &org.admin).await.body["fits"], true, "the refused versions changed nothing");

    // Once the period is closed, it keeps the patterns it was judged by: a version taking effect
    // in or before its last month is refused; one after it is not.
    let closed = ekinerja_tests::builders::send(
        &app,
        actix_web::http::Method::POST,
        &format!("/api/v1/evaluation-periods/{period}/close"),
        &org.admin,
        Some(&ekinerja_tests::builders::etag(&annual)),
        None,
    )
    .await;
    closed.assert_status(200);
    app.post(PATTERNS, &org.admin, json!({"effective_month": format!("{y}-12"), "patterns": [good(5000)]}))
        .await
        .assert_invalid("#/effective_month");
    app.post(PATTERNS, &org.admin, json!({"effective_month": format!("{}-01", y + 1), "patterns": [good(5000)]}))
        .await
        .assert_status(201);
    assert_eq!(app.get(&dist, &org.admin).await.body["fits"], true);
}
