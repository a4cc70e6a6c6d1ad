//! Daily logs: every refusal, batch retries, Idempotency-Key, review by the direct supervisor
//! only, privacy between employees, and the change feed.

use actix_web::http::Method;
use chrono::{Duration, NaiveDate};
use ekinerja_tests::builders::{etag, log, past_day, setup, today, year};
use ekinerja_tests::TestApp;
use serde_json::{json, Value};

/// A log's version as its owner's supervisor would see it now.
async fn version(app: &TestApp, id: &str) -> i64 {
    app.get(&format!("/api/v1/daily-logs/{id}"), &app.root).await.body["version"].as_i64().unwrap()
}

async fn count(app: &TestApp, token: &str) -> usize {
    app.get("/api/v1/daily-logs?limit=200", token).await.body["items"].as_array().unwrap().len()
}

#[actix_web::test]
async fn every_refusal_names_its_field_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-A", 0).await;
    let b = app.org("KAB-B", 100).await;
    let t = &s.org.staff1.token;
    let day = past_day();
    app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "08:00", "10:00")).await.assert_status(201);

    let cases: Vec<(Value, &str)> = vec![
        (log(&s.staff_rhk, today() + Duration::days(1), "08:00", "09:00"), "#/date"),
        (log(&s.staff_rhk, NaiveDate::from_ymd_opt(year() - 1, 12, 31).unwrap(), "08:00", "09:00"), "#/date"),
        (log(&s.staff_rhk, day, "11:00", "10:00"), "#/end_time"),
        (log(&s.staff_rhk, day, "8:00", "09:00"), "#/start_time"),
        (log(&s.section_rhk, day, "13:00", "14:00"), "#/planned_result_id"),
        (json!({"date": day, "duration_minutes": 30, "description": "x", "output_quantity": 0}), "#/planned_result_id"),
        (
            json!({"date": day, "start_time": "13:00", "description": "x", "output_quantity": 0, "additional_duty": true}),
            "#/end_time",
        ),
        (
            json!({"date": day, "duration_minutes": 0, "description": "x", "output_quantity": 0, "additional_duty": true}),
            "#/duration_minutes",
        ),
        (
            json!({"date": day, "duration_minutes": 30, "description": " ", "output_quantity": -1, "additional_duty": true, "evidence_url": "javascript:alert(1)", "latitude": 91, "longitude": 0}),
            "#/description",
        ),
    ];
    for (body, pointer) in cases {
        let res = app.post("/api/v1/daily-logs", t, body.clone()).await;
        res.assert_invalid(pointer);
    }
    // A log overlapping one stored conflicts with it.
    app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "09:30", "10:30")).await.assert_problem(409, "conflict");
    let res = app.post("/api/v1/daily-logs", t, json!({"date": day, "duration_minutes": 30, "description": " ", "output_quantity": -1, "additional_duty": true, "evidence_url": "javascript:alert(1)", "latitude": 91, "longitude": 0})).await;
    res.assert_invalid("#/output_quantity").assert_invalid("#/evidence_url").assert_invalid("#/latitude");
    // More minutes than the agency allows in a day: the cap is policy.
    app.patch(&format!("/api/v1/agencies/{}", s.org.agency), &s.org.admin, json!({"daily_log_cap_minutes": 180}))
        .await
        .assert_status(200);
    let res = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "13:00", "14:30")).await;
    res.assert_invalid("#/duration_minutes");
    assert!(res.text.contains("210 minutes"), "{}", res.text);
    app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "13:00", "14:00")).await.assert_status(201);
    // A planned result of another agency is not one's own either.
    let other = app.post("/api/v1/daily-logs", &b.staff1.token, log(&s.staff_rhk, day, "08:00", "09:00")).await;
    other.assert_invalid("#/planned_result_id");
    // Only the two good logs were stored.
    assert_eq!(count(&app, t).await, 2);
    // An admin account has no daily logs of its own.
    app.post("/api/v1/daily-logs", &s.org.admin, log(&s.staff_rhk, day, "08:00", "09:00"))
        .await
        .assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn a_batch_retried_three_times_creates_nothing_twice() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-A", 200).await;
    let t = &s.org.staff1.token;
    let day = past_day();
    let ids: Vec<String> = (0..3).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let mut items = vec![
        log(&s.staff_rhk, day, "08:00", "09:00"),
        log(&s.staff_rhk, day, "09:00", "10:00"),
        log(&s.staff_rhk, day + Duration::days(400), "10:00", "11:00"),
    ];
    for (item, id) in items.iter_mut().zip(&ids) {
        item["client_id"] = json!(id);
    }
    // A well-formed item without a client id is refused on its own.
    let mut no_id = log(&s.staff_rhk, day, "15:00", "16:00");
    no_id["client_id"] = Value::Null;
    items.push(no_id);
    let batch = json!({"items": items});
    let mut answers = Vec::new();
    for _ in 0..3 {
        let res = app.post("/api/v1/daily-logs/batch", t, batch.clone()).await;
        res.assert_status(200);
        answers.push(res.body.clone());
    }
    let outcomes = |a: &Value| {
        a["items"].as_array().unwrap().iter().map(|i| i["outcome"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(outcomes(&answers[0]), ["created", "created", "refused", "refused"]);
    assert_eq!(outcomes(&answers[1]), ["existing", "existing", "refused", "refused"]);
    assert_eq!(outcomes(&answers[2]), outcomes(&answers[1]));
    for a in &answers[1..] {
        for i in 0..2 {
            assert_eq!(a["items"][i]["log"], answers[0]["items"][i]["log"], "a retry answers with the same stored log");
        }
    }
    assert_eq!(answers[0]["items"][2]["errors"][0]["pointer"], "#/items/2/date");
    assert_eq!(answers[0]["items"][3]["errors"][0]["pointer"], "#/items/3/client_id");
    assert_eq!(count(&app, t).await, 2);
    // An item that breaks the item schema makes the whole batch a 422 naming each such item,
    // and nothing of it is stored, not even its good items.
    let mut fresh = log(&s.staff_rhk, day, "11:00", "12:00");
    fresh["client_id"] = json!(uuid::Uuid::now_v7());
    let broken = json!({"items": [fresh, {"date": "not-a-date"}, fresh, {"client_id": uuid::Uuid::now_v7(), "date": day,
        "description": "x", "output_quantity": "one", "additional_duty": true}]});
    let res = app.post("/api/v1/daily-logs/batch", t, broken).await;
    res.assert_problem(422, "validation");
    let pointers: Vec<&str> =
        res.body["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["#/items/1/date", "#/items/3/output_quantity"], "{}", res.text);
    assert_eq!(count(&app, t).await, 2);
    // The same client id with different content is refused, not overwritten.
    let mut changed = items[0].clone();
    changed["description"] = json!("Something else entirely");
    let res = app.post("/api/v1/daily-logs/batch", t, json!({"items": [changed]})).await;
    assert_eq!(res.body["items"][0]["outcome"], "refused");
    assert_eq!(count(&app, t).await, 2);
    // More than 10 evidence files is a rule of the item, refused on its own beside a good item.
    let mut good = log(&s.staff_rhk, day, "13:00", "14:00");
    good["client_id"] = json!(uuid::Uuid::now_v7());
    let mut many_files = log(&s.staff_rhk, day, "14:00", "15:00");
    many_files["client_id"] = json!(uuid::Uuid::now_v7());
    many_files["evidence_file_ids"] = json!(vec![uuid::Uuid::now_v7(); 11]);
    let res = app.post("/api/v1/daily-logs/batch", t, json!({"items": [good, many_files]})).await;
    res.assert_status(200);
    assert_eq!(outcomes(&res.body), ["created", "refused"], "{}", res.text);
    assert_eq!(res.body["items"][1]["errors"][0]["pointer"], "#/items/1/evidence_file_ids", "{}", res.text);
    assert_eq!(count(&app, t).await, 3);
    // Limits: an empty batch.
    app.post("/api/v1/daily-logs/batch", t, json!({"items": []})).await.assert_invalid("#/items");
}

#[actix_web::test]
async fn an_idempotency_key_replays_and_refuses_another_body() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-A", 300).await;
    let t = &s.org.staff1.token;
    let day = past_day();
    let body = log(&s.staff_rhk, day, "08:00", "09:00");
    let send = |b: Value, key: &'static str| {
        app.req(Method::POST, "/api/v1/daily-logs").token(t).header("idempotency-key", key).json(b).send()
    };
    let first = send(body.clone(), "k-1").await;
    first.assert_status(201);
    let again = send(body.clone(), "k-1").await;
    again.assert_status(201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    let other = send(log(&s.staff_rhk, day, "10:00", "11:00"), "k-1").await;
    other.assert_problem(422, "validation");
    assert_eq!(count(&app, t).await, 1);
    // A refused request is replayed as refused.
    let bad = send(log(&s.staff_rhk, today() + Duration::days(2), "08:00", "09:00"), "k-2").await;
    bad.assert_invalid("#/date");
    let bad_again = send(log(&s.staff_rhk, today() + Duration::days(2), "08:00", "09:00"), "k-2").await;
    assert_eq!(bad_again.status, bad.status);
    assert_eq!(bad_again.body["errors"], bad.body["errors"]);
    // Keys belong to the caller: another employee's same key is theirs alone.
    let s2 = &s.org.staff2.token;
    let res = app.req(Method::POST, "/api/v1/daily-logs").token(s2).header("idempotency-key", "k-1").json(json!({"date": day, "duration_minutes": 30, "description": "Rapat", "output_quantity": 0, "additional_duty": true})).send().await;
    res.assert_status(201);
    app.req(Method::POST, "/api/v1/daily-logs")
        .token(t)
        .header("idempotency-key", "bad key")
        .json(body)
        .send()
        .await
        .assert_problem(400, "bad-parameter");
}

#[actix_web::test]
async fn only_the_direct_supervisor_reviews_and_employees_keep_to_their_own() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-A", 400).await;
    let b = app.org("KAB-B", 500).await;
    let day = past_day();
    let t = &s.org.staff1.token;
    let first = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "08:00", "09:00")).await.id();
    let second = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "09:00", "10:00")).await.id();
    let path = |id: &str, verb: &str| format!("/api/v1/daily-logs/{id}/{verb}");

    // Other employees see nothing and touch nothing.
    for token in [&s.org.staff2.token, &b.staff1.token, &b.admin, &b.head.token] {
        app.get(&format!("/api/v1/daily-logs/{first}"), token).await.assert_problem(404, "not-found");
        app.review_log(token, &first, "accept", json!({})).await.assert_problem(404, "not-found");
        let res = app
            .req(Method::PATCH, &format!("/api/v1/daily-logs/{first}"))
            .token(token)
            .header("if-match", "\"v1\"")
            .json(json!({"description": "hijacked"}))
            .send()
            .await;
        res.assert_problem(404, "not-found");
    }
    assert_eq!(
        app.get(&format!("/api/v1/daily-logs?employee_id={}", s.org.staff1.id), &s.org.staff2.token).await.body
            ["items"],
        json!([])
    );
    // Above the supervisor: may read, may not review.
    app.get(&format!("/api/v1/daily-logs/{first}"), &s.org.division.token).await.assert_status(200);
    app.review_log(&s.org.division.token, &first, "accept", json!({})).await.assert_problem(403, "forbidden");
    app.review_log(&s.org.admin, &first, "accept", json!({})).await.assert_problem(403, "forbidden");
    app.review_log(t, &first, "accept", json!({})).await.assert_problem(403, "forbidden");
    // A decision names the version seen.
    app.post(&path(&first, "accept"), &s.org.section.token, json!({}))
        .await
        .assert_problem(428, "precondition-required");
    // The review queue of the direct supervisor.
    let queue = app.get("/api/v1/daily-logs?subordinates=true&status=submitted", &s.org.section.token).await;
    assert_eq!(queue.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(app.get("/api/v1/daily-logs?subordinates=true", &s.org.head.token).await.body["items"], json!([]));
    // Accept one, reject the other (a reason is required).
    app.review_log(&s.org.section.token, &first, "accept", json!({})).await.assert_status(200);
    app.review_log(&s.org.section.token, &first, "accept", json!({})).await.assert_problem(409, "conflict");
    app.review_log(&s.org.section.token, &second, "reject", json!({"reason": " "})).await.assert_invalid("#/reason");
    let rejected = app.review_log(&s.org.section.token, &second, "reject", json!({"reason": "Lampirkan bukti"})).await;
    assert_eq!(rejected.body["status"], "rejected");
    // An accepted log is read-only; a rejected one is corrected and goes back to review.
    let read = app.get(&format!("/api/v1/daily-logs/{first}"), t).await;
    let res = app
        .req(Method::PATCH, &format!("/api/v1/daily-logs/{first}"))
        .token(t)
        .header("if-match", &read.header("etag").unwrap())
        .json(json!({"description": "changed"}))
        .send()
        .await;
    res.assert_problem(403, "forbidden");
    let read = app.get(&format!("/api/v1/daily-logs/{second}"), t).await;
    // A position is corrected whole: one coordinate alone is refused, naming the other.
    for (given, missing) in [(json!({"latitude": -6.2}), "#/longitude"), (json!({"longitude": null}), "#/latitude")] {
        let res = app
            .req(Method::PATCH, &format!("/api/v1/daily-logs/{second}"))
            .token(t)
            .header("if-match", &read.header("etag").unwrap())
            .json(given)
            .send()
            .await;
        res.assert_invalid(missing);
    }
    let res = app
        .req(Method::PATCH, &format!("/api/v1/daily-logs/{second}"))
        .token(t)
        .header("if-match", "\"v1\"")
        .json(json!({"evidence_url": "https://drive.example.go.id/bukti.pdf"}))
        .send()
        .await;
    res.assert_problem(412, "precondition-failed");
    let res = app
        .req(Method::PATCH, &format!("/api/v1/daily-logs/{second}"))
        .token(t)
        .header("if-match", &read.header("etag").unwrap())
        .json(json!({"evidence_url": "https://drive.example.go.id/bukti.pdf"}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "submitted");
    assert_eq!(res.body["start_time"], "09:00");
    assert_eq!(res.body["evidence_url"], "https://drive.example.go.id/bukti.pdf");
    // Bulk review: each decision on its own.
    let third = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "10:00", "11:00")).await.id();
    let res = app
        .post(
            "/api/v1/daily-logs/reviews",
            &s.org.section.token,
            json!({"items": [
                {"id": second, "version": version(&app, &second).await, "decision": "accept"},
                {"id": third, "version": 1, "decision": "reject"},
                {"id": first, "version": version(&app, &first).await, "decision": "accept"},
            ]}),
        )
        .await;
    res.assert_status(200);
    let oks: Vec<bool> = res.body["items"].as_array().unwrap().iter().map(|i| i["ok"].as_bool().unwrap()).collect();
    assert_eq!(oks, [true, false, false]);
    assert_eq!(res.body["items"][1]["error"]["type"], "/problems/validation");
}

#[actix_web::test]
async fn a_review_batch_records_its_decisions_together_each_answered_on_its_own() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-A", 650).await;
    let day = past_day();
    let t = &s.org.staff1.token;
    let a = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "08:00", "09:00")).await.id();
    let b = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "09:00", "10:00")).await.id();
    let c = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "10:00", "11:00")).await.id();
    // Staff member 2's log: the section head is their supervisor too, the division head is not.
    let other = app
        .post("/api/v1/daily-logs", &s.org.staff2.token, json!({"date": day, "duration_minutes": 30, "description": "Arsip", "output_quantity": 1, "additional_duty": true}))
        .await
        .id();
    let res = app
        .post(
            "/api/v1/daily-logs/reviews",
            &s.org.section.token,
            json!({"items": [
                {"id": a, "version": 1, "decision": "accept"},
                // The same log again, as seen before the decision above: changed since.
                {"id": a, "version": 1, "decision": "reject", "reason": "Tidak sesuai"},
                {"id": b, "version": 7, "decision": "accept"},
                {"id": c, "version": 1, "decision": "reject", "reason": "Lengkapi bukti"},
                {"id": other, "version": 1, "decision": "accept"},
            ]}),
        )
        .await;
    res.assert_status(200);
    let items = res.body["items"].as_array().unwrap();
    let summary: Vec<(bool, Value)> =
        items.iter().map(|i| (i["ok"].as_bool().unwrap(), i["error"]["status"].clone())).collect();
    assert_eq!(
        summary,
        [(true, Value::Null), (false, json!(412)), (false, json!(412)), (true, Value::Null), (true, Value::Null)],
        "{}",
        res.text
    );
    assert_eq!(items[0]["log"]["status"], "accepted");
    assert_eq!(items[3]["log"]["status"], "rejected");
    for (id, status) in [(&a, "accepted"), (&b, "submitted"), (&c, "rejected"), (&other, "accepted")] {
        let read = app.get(&format!("/api/v1/daily-logs/{id}"), &s.org.section.token).await;
        assert_eq!(read.body["status"], status, "{}", read.text);
    }
    // Each decision is in the audit trail once, the refused ones not at all.
    let trail = app.get(&format!("/api/v1/audit-events?entity_id={a}"), &s.org.admin).await;
    let actions: Vec<&str> =
        trail.body["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "accept").count(), 1, "{}", trail.text);
    assert!(!actions.contains(&"reject"), "{}", trail.text);
    // Another supervisor's decisions are refused item by item; nothing of theirs is recorded.
    let res = app
        .post(
            "/api/v1/daily-logs/reviews",
            &s.org.division.token,
            json!({"items": [{"id": b, "version": 1, "decision": "accept"}]}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.body["items"][0]["ok"], false, "{}", res.text);
    assert!(matches!(res.body["items"][0]["error"]["status"].as_u64(), Some(403 | 404)), "{}", res.text);
    assert_eq!(version(&app, &b).await, 1);
}

#[actix_web::test]
async fn the_change_feed_brings_review_results_to_the_phone() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-A", 600).await;
    let t = &s.org.staff1.token;
    let day = past_day();
    let feed = app.get("/api/v1/me/daily-logs/changes", t).await;
    feed.assert_status(200);
    assert_eq!(feed.body["items"], json!([]));
    let cursor = feed.body["next_cursor"].as_str().unwrap().to_owned();
    let a = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "08:00", "09:00")).await.id();
    let b = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "09:00", "10:00")).await.id();
    let feed = app.get(&format!("/api/v1/me/daily-logs/changes?cursor={cursor}"), t).await;
    let ids: Vec<&str> = feed.body["items"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [a.as_str(), b.as_str()]);
    let cursor = feed.body["next_cursor"].as_str().unwrap().to_owned();
    // Reviewed elsewhere: the next pull brings only that change, in its new state.
    app.review_log(&s.org.section.token, &a, "accept", json!({})).await.assert_status(200);
    let feed = app.get(&format!("/api/v1/me/daily-logs/changes?cursor={cursor}"), t).await;
    assert_eq!(feed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(feed.body["items"][0]["id"], a);
    assert_eq!(feed.body["items"][0]["status"], "accepted");
    let cursor = feed.body["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(app.get(&format!("/api/v1/me/daily-logs/changes?cursor={cursor}"), t).await.body["items"], json!([]));
    // Pages, and bad cursors.
    let page = app.get("/api/v1/me/daily-logs/changes?limit=1", t).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    app.get("/api/v1/me/daily-logs/changes?cursor=abc", t).await.assert_problem(400, "bad-parameter");
    app.get("/api/v1/me/daily-logs/changes", &s.org.admin).await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn monitoring_shows_who_has_logged() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-A", 700).await;
    let b = app.org("KAB-B", 800).await;
    let day = past_day();
    let t = &s.org.staff1.token;
    app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "08:00", "10:00")).await.assert_status(201);
    app.post("/api/v1/daily-logs", t, json!({"date": day, "duration_minutes": 60, "description": "Rapat koordinasi", "output_quantity": 0, "additional_duty": true})).await.assert_status(201);
    let rejected = app.post("/api/v1/daily-logs", &s.org.staff2.token, json!({"date": day, "duration_minutes": 30, "description": "Arsip", "output_quantity": 1, "additional_duty": true})).await.id();
    app.review_log(&s.org.section.token, &rejected, "reject", json!({"reason": "Bukan tugas"}))
        .await
        .assert_status(200);

    let path = format!("/api/v1/org-units/{}/daily-log-activity?from={day}&to={day}", s.org.unit);
    let res = app.get(&path, &s.org.admin).await;
    res.assert_status(200);
    assert_eq!(
        res.body["summary"],
        json!({"employees": 5, "logged": 1, "not_logged": 4, "minutes": 180, "linked_minutes": 120, "linked_share_bp": 6666})
    );
    let staff1 = res.body["employees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["employee"]["id"] == s.org.staff1.id)
        .unwrap()
        .clone();
    assert_eq!(
        (staff1["logs"].as_i64(), staff1["days_logged"].as_i64(), staff1["minutes"].as_i64()),
        (Some(2), Some(1), Some(180))
    );
    assert_eq!(staff1["last_log_date"], json!(day));
    // A rejected log does not count.
    let staff2 = res.body["employees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["employee"]["id"] == s.org.staff2.id)
        .unwrap()
        .clone();
    assert_eq!(staff2["logs"], 0);
    // The supervisor's glance at their direct subordinates.
    let res = app.get(&format!("/api/v1/me/subordinates/daily-log-activity?from={day}"), &s.org.section.token).await;
    res.assert_status(200);
    assert_eq!(res.body["summary"]["employees"], 2);
    assert_eq!(res.body["summary"]["logged"], 1);
    // Refusals.
    app.get(&path, t).await.assert_problem(403, "forbidden");
    app.get(&path, &b.admin).await.assert_problem(404, "not-found");
    let far = day - Duration::days(40);
    app.get(&format!("/api/v1/org-units/{}/daily-log-activity?from={far}&to={day}", s.org.unit), &s.org.admin)
        .await
        .assert_invalid("#/to");
    app.get(&format!("/api/v1/org-units/{}/daily-log-activity?from={day}&to={far}", s.org.unit), &s.org.admin)
        .await
        .assert_invalid("#/to");
    app.get("/api/v1/me/subordinates/daily-log-activity", &s.org.admin).await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn concurrent_overlapping_logs_store_exactly_one() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-A", 900).await;
    let day = past_day();
    let body = log(&s.staff_rhk, day, "08:00", "09:00");
    let sends = (0..8)
        .map(|_| app.req(Method::POST, "/api/v1/daily-logs").token(&s.org.staff1.token).json(body.clone()))
        .collect();
    let results = app.concurrently(sends).await;
    let created = results.iter().filter(|r| r.status.as_u16() == 201).count();
    assert_eq!(created, 1, "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    for r in results.iter().filter(|r| r.status.as_u16() != 201) {
        r.assert_problem(409, "conflict");
    }
    assert_eq!(count(&app, &s.org.staff1.token).await, 1);
}

/// A supervisor decides on what they saw: a log widened from 60 to 450 minutes between the
/// review queue and the accept is refused (412 alone, the item in a bulk review) and stays
/// unreviewed until decided on what it says now.
#[actix_web::test]
async fn a_review_binds_to_the_log_as_it_was_seen() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "REVIEW-V", 1800).await;
    let (t, boss) = (&s.org.staff1.token, &s.org.section.token);
    let created = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, past_day(), "08:00", "09:00")).await;
    created.assert_status(201);
    let id = created.id();
    let queue = app.get("/api/v1/daily-logs?subordinates=true&status=submitted", boss).await;
    let seen = queue.body["items"].as_array().unwrap().iter().find(|l| l["id"] == id.as_str()).unwrap().clone();
    assert_eq!(seen["duration_minutes"], 60);
    let seen_etag = format!("\"v{}\"", seen["version"]);
    let widened = app
        .req(Method::PATCH, &format!("/api/v1/daily-logs/{id}"))
        .token(t)
        .header("if-match", &seen_etag)
        .json(json!({"end_time": "15:30"}))
        .send()
        .await;
    widened.assert_status(200);
    assert_eq!(widened.body["duration_minutes"], 450);
    for verb in ["accept", "reject"] {
        app.req(Method::POST, &format!("/api/v1/daily-logs/{id}/{verb}"))
            .token(boss)
            .header("if-match", &seen_etag)
            .json(json!({"reason": "Terlalu lama"}))
            .send()
            .await
            .assert_problem(412, "precondition-failed");
    }
    let bulk = app
        .post(
            "/api/v1/daily-logs/reviews",
            boss,
            json!({"items": [{"id": id, "version": seen["version"], "decision": "accept"}]}),
        )
        .await;
    bulk.assert_status(200);
    assert_eq!(bulk.body["items"][0]["ok"], false);
    assert_eq!(bulk.body["items"][0]["error"]["status"], 412, "{}", bulk.text);
    let now = app.get(&format!("/api/v1/daily-logs/{id}"), t).await;
    assert_eq!((now.body["status"].as_str(), now.body["duration_minutes"].as_i64()), (Some("submitted"), Some(450)));
    // Without If-Match nothing is decided; on what it says now, the decision stands.
    app.post(&format!("/api/v1/daily-logs/{id}/accept"), boss, json!({}))
        .await
        .assert_problem(428, "precondition-required");
    // A body the server refuses is a 422 whatever the If-Match says (RFC 9110, 13.2.1).
    app.req(Method::POST, &format!("/api/v1/daily-logs/{id}/reject"))
        .token(boss)
        .header("if-match", "\"v999\"")
        .json(json!({"reason": "   "}))
        .send()
        .await
        .assert_invalid("#/reason");
    app.req(Method::PATCH, &format!("/api/v1/daily-logs/{id}"))
        .token(t)
        .header("if-match", "\"v999\"")
        .json(json!({"output_unit": "x".repeat(201)}))
        .send()
        .await
        .assert_invalid("#/output_unit");
    app.req(Method::POST, &format!("/api/v1/daily-logs/{id}/reject"))
        .token(boss)
        .header("if-match", &etag(&now))
        .json(json!({"reason": "Tujuh setengah jam untuk satu laporan terlalu lama"}))
        .send()
        .await
        .assert_status(200);
}

/// The top official has no supervisor: the agency admin reviews their logs, as they decide
/// everything a supervisor would for them; under the agency's policy their logs are accepted on
/// submission, and no one else's are.
#[actix_web::test]
async fn the_top_officials_logs_are_reviewed_by_the_agency_admin_or_accepted_on_submission() {
    let app = TestApp::spawn().await;
    let org = app.org("TOP-LOG", 1850).await;
    let duty = |minutes: i64| {
        json!({"date": past_day(), "duration_minutes": minutes, "description": "Rapat pimpinan daerah",
               "output_quantity": 0, "additional_duty": true})
    };
    let first = app.post("/api/v1/daily-logs", &org.head.token, duty(90)).await;
    first.assert_status(201);
    assert_eq!(first.body["status"], "submitted");
    // Those below them do not see their logs; they themself may not accept their own.
    for below in [&org.division.token, &org.staff1.token] {
        app.review_log(below, &first.id(), "accept", json!({})).await.assert_problem(404, "not-found");
    }
    app.review_log(&org.head.token, &first.id(), "accept", json!({})).await.assert_problem(403, "forbidden");
    let accepted = app.review_log(&org.admin, &first.id(), "accept", json!({})).await;
    accepted.assert_status(200);
    assert_eq!(accepted.body["status"], "accepted");
    // Anyone else's log is still their supervisor's to review, not the admin's.
    let staff = app.post("/api/v1/daily-logs", &org.staff1.token, duty(30)).await;
    app.review_log(&org.admin, &staff.id(), "accept", json!({})).await.assert_problem(403, "forbidden");

    let agency = format!("/api/v1/agencies/{}", org.agency);
    assert_eq!(app.get(&agency, &org.admin).await.body["top_official_logs_accepted"], false);
    app.patch(&agency, &org.head.token, json!({"top_official_logs_accepted": true}))
        .await
        .assert_problem(403, "forbidden");
    app.patch(&agency, &org.admin, json!({"top_official_logs_accepted": true})).await.assert_status(200);
    let second = app.post("/api/v1/daily-logs", &org.head.token, duty(60)).await;
    second.assert_status(201);
    assert_eq!(second.body["status"], "accepted", "{}", second.text);
    assert!(second.body["reviewed_at"].is_string());
    let mut offline = duty(15);
    offline["client_id"] = json!(uuid::Uuid::now_v7());
    let batch = app.post("/api/v1/daily-logs/batch", &org.head.token, json!({"items": [offline]})).await;
    assert_eq!(batch.body["items"][0]["log"]["status"], "accepted", "{}", batch.text);
    let staff = app.post("/api/v1/daily-logs", &org.staff1.token, duty(45)).await;
    assert_eq!(staff.body["status"], "submitted");
    // An accepted log is read-only, as any other.
    app.req(Method::PATCH, &format!("/api/v1/daily-logs/{}", second.id()))
        .token(&org.head.token)
        .header("if-match", "\"v1\"")
        .json(json!({"duration_minutes": 450}))
        .send()
        .await
        .assert_problem(403, "forbidden");
}

/// Staff member 1's stored days of logs from `day`: (date, status, logs, minutes, linked minutes).
fn stored_days(app: &TestApp, employee: &str, day: NaiveDate) -> Vec<(NaiveDate, String, i64, i64, i64)> {
    use ekinerja_persistence::log_day::{of, Statuses, Whose};
    let mut conn = app.state.pool.get().unwrap();
    let days =
        of(&mut conn, Whose::Employee(employee.parse::<uuid::Uuid>().unwrap().into()), Statuses::NotRejected, day, day)
            .unwrap()
            .into_iter()
            .chain(
                of(
                    &mut conn,
                    Whose::Employee(employee.parse::<uuid::Uuid>().unwrap().into()),
                    Statuses::Only(ekinerja_domain::daily_log::LogStatus::Rejected),
                    day,
                    day,
                )
                .unwrap(),
            );
    let mut out: Vec<_> =
        days.map(|d| (d.log_date, d.status.as_str().to_owned(), d.logs, d.minutes, d.linked_minutes)).collect();
    out.sort();
    // Whatever the readers are given agrees with the logs themselves, every day of everyone.
    let differ = ekinerja_persistence::log_day::disagreements(&mut conn).unwrap();
    assert!(differ.is_empty(), "stored days that differ from the logs: {differ:#?}");
    let differ = ekinerja_persistence::log_day::month_disagreements(&mut conn).unwrap();
    assert!(differ.is_empty(), "stored months that differ from the logs: {differ:#?}");
    let differ = ekinerja_persistence::log_day::result_month_disagreements(&mut conn).unwrap();
    assert!(differ.is_empty(), "stored months per result that differ from the logs: {differ:#?}");
    out
}

/// A month's totals from its first day are read from the stored months, less the month's days
/// after the span: for every span they are what the stored days of the span sum to, in each
/// status read, for one employee and for the agency; and the months agree with the logs as these
/// are created, reviewed and corrected.
#[actix_web::test]
async fn a_months_totals_from_its_first_day_are_what_its_days_sum_to() {
    use chrono::{TimeZone, Utc};
    use ekinerja_domain::daily_log::LogStatus;
    use ekinerja_domain::id::EmployeeId;
    use ekinerja_persistence::log_day::{
        month_disagreements, of, result_month_disagreements, totals, Statuses, Totals, Whose,
    };
    use ekinerja_persistence::maturity::{guided, GuidedOf};
    use std::collections::BTreeMap;
    let mut app = TestApp::spawn().await;
    let y = year();
    // The 17th of March: February is over, March is read to any day.
    app.set_clock(Utc.with_ymd_and_hms(y, 3, 17, 3, 0, 0).unwrap());
    let s = setup(&app, "KAB-A", 720).await;
    let day = |m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let (t1, t2) = (&s.org.staff1.token, &s.org.staff2.token);
    let duty = |date: NaiveDate, minutes: i64| {
        json!({"date": date, "duration_minutes": minutes, "description": "Rapat koordinasi", "output_quantity": 1,
               "additional_duty": true})
    };
    let mut posted = Vec::new();
    for (token, body) in [
        (t1, log(&s.staff_rhk, day(2, 2), "08:00", "09:00")),
        (t1, log(&s.staff_rhk, day(2, 2), "10:00", "11:30")),
        (t1, duty(day(2, 2), 30)),
        (t1, log(&s.staff_rhk, day(2, 27), "08:00", "10:00")),
        (t1, log(&s.staff_rhk, day(3, 1), "08:00", "09:00")),
        (t1, duty(day(3, 9), 45)),
        (t1, log(&s.staff_rhk, day(3, 16), "13:00", "15:00")),
        (t1, log(&s.staff_rhk, day(3, 17), "08:00", "08:40")),
        (t1, duty(day(3, 17), 20)),
        (t2, duty(day(2, 14), 60)),
        (t2, duty(day(3, 17), 90)),
    ] {
        posted.push(app.post("/api/v1/daily-logs", token, body).await.assert_status(201).id());
    }
    // Each new log added to its month (several to one day, and days to one month).
    let differ = month_disagreements(&mut app.state.pool.get().unwrap()).unwrap();
    assert!(differ.is_empty(), "stored months that differ from the logs: {differ:#?}");
    // Reviewed: a February log accepted and one rejected, a March one accepted; one corrected.
    let section = &s.org.section.token;
    app.review_log(section, &posted[0], "accept", json!({})).await.assert_status(200);
    app.review_log(section, &posted[2], "reject", json!({"reason": "Bukan tugas tambahan"})).await.assert_status(200);
    app.review_log(section, &posted[7], "accept", json!({})).await.assert_status(200);
    let read = app.get(&format!("/api/v1/daily-logs/{}", posted[6]), t1).await;
    app.req(Method::PATCH, &format!("/api/v1/daily-logs/{}", posted[6]))
        .token(t1)
        .header("if-match", &etag(&read))
        .json(json!({"date": day(3, 10)}))
        .send()
        .await
        .assert_status(200);

    let mut conn = app.state.pool.get().unwrap();
    let differ = month_disagreements(&mut conn).unwrap();
    assert!(differ.is_empty(), "stored months that differ from the logs: {differ:#?}");
    let agency: uuid::Uuid = s.org.agency.parse().unwrap();
    let me: uuid::Uuid = s.org.staff1.id.parse().unwrap();
    let mut spans = 0;
    for (first, last) in [(day(2, 1), day(2, 28)), (day(3, 1), day(3, 31))] {
        for to in first.iter_days().take_while(|d| *d <= last) {
            for whose in [Whose::Agency(agency.into()), Whose::Employee(me.into())] {
                for statuses in [Statuses::NotRejected, Statuses::Only(LogStatus::Rejected)] {
                    let mut expected: Vec<Totals> = Vec::new();
                    for d in of(&mut conn, whose, statuses, first, to).unwrap() {
                        let bit = 1_i64 << (d.log_date - first).num_days();
                        match expected.iter_mut().find(|t| t.employee_id == d.employee_id) {
                            Some(t) => {
                                t.minutes += d.minutes;
                                t.linked_minutes += d.linked_minutes;
                                t.days |= bit;
                            }
                            None => expected.push(Totals {
                                employee_id: d.employee_id,
                                minutes: d.minutes,
                                linked_minutes: d.linked_minutes,
                                days: bit,
                            }),
                        }
                    }
                    expected.sort_by_key(|t| t.employee_id);
                    // Read on the span's last day as today (from the stored month, less the
                    // later days, whatever the span), and on the month's last (from the days
                    // to a day in the first half).
                    for today in [to, last] {
                        let mut got = totals(&mut conn, whose, statuses, (first, to), today).unwrap();
                        got.sort_by_key(|t| t.employee_id);
                        assert_eq!(got, expected, "{whose:?} {statuses:?} from {first} to {to} on {today}");
                    }
                    spans += usize::from(!expected.is_empty());
                }
            }
        }
    }
    // Most spans had logs, and March's to the 16th leave the 17th's logs out.
    assert!(spans > 80, "{spans}");
    let to_16th =
        totals(&mut conn, Whose::Employee(me.into()), Statuses::NotRejected, (day(3, 1), day(3, 16)), day(3, 17))
            .unwrap();
    assert_eq!(to_16th.len(), 1);
    assert_eq!((to_16th[0].minutes, to_16th[0].linked_minutes), (60 + 45 + 120, 60 + 120), "{to_16th:?}");
    assert_eq!(to_16th[0].days, 1 | 1 << 8 | 1 << 9, "the 1st, 9th and 10th");

    // Corrections move minutes between results, duties and months: a March duty turned to serve
    // the planned result (its month gains a log), a March log moved to February (March loses it),
    // a February log turned to a duty (February loses it). The months per result keep in step.
    for (id, change) in [
        (&posted[5], json!({"additional_duty": false, "planned_result_id": s.staff_rhk})),
        (&posted[4], json!({"date": day(2, 3)})),
        (&posted[3], json!({"additional_duty": true})),
    ] {
        let read = app.get(&format!("/api/v1/daily-logs/{id}"), t1).await;
        app.req(Method::PATCH, &format!("/api/v1/daily-logs/{id}"))
            .token(t1)
            .header("if-match", &etag(&read))
            .json(change)
            .send()
            .await
            .assert_status(200);
    }
    let differ = result_month_disagreements(&mut conn).unwrap();
    assert!(differ.is_empty(), "stored months per result that differ from the logs: {differ:#?}");
    // The minutes on results with a target for the month's quarter (every result here), to each
    // day: from the months per result less the later days, or from the logs when more later days
    // can hold logs than the span has (read on the month's last day, to a day in its first half).
    // For the agency and for one employee, both as the logs make them.
    for (first, last) in [(day(2, 1), day(2, 28)), (day(3, 1), day(3, 31))] {
        for to in first.iter_days().take_while(|d| *d <= last) {
            use diesel::RunQueryDsl;
            let rows: Vec<GuidedRow> = diesel::sql_query(format!(
                "SELECT employee_id, CAST(SUM(duration_minutes) AS BIGINT) AS minutes FROM daily_logs \
                 WHERE planned_result_id IS NOT NULL AND status <> 'rejected' \
                   AND log_date >= '{first}' AND log_date <= '{to}' GROUP BY employee_id"
            ))
            .load(&mut *conn)
            .unwrap();
            let expected: BTreeMap<String, i64> = rows.into_iter().map(|r| (r.employee_id, r.minutes)).collect();
            for today in [to, last] {
                let agency_wide = guided(&mut conn, GuidedOf::Agency(agency.into()), (first, to), today).unwrap();
                let got: BTreeMap<String, i64> = agency_wide.into_iter().map(|(e, m)| (e.to_string(), m)).collect();
                assert_eq!(got, expected, "the agency from {first} to {to} on {today}");
                let mine = guided(&mut conn, GuidedOf::Employee(me.into()), (first, to), today).unwrap();
                let got: BTreeMap<String, i64> = mine.into_iter().map(|(e, m)| (e.to_string(), m)).collect();
                assert_eq!(got, expected, "staff member 1 from {first} to {to} on {today}");
            }
        }
    }
    // March to the 16th: the 1st's hour went to February; the duty of the 9th (45) and the hour
    // moved to the 10th (120) count, the accepted 40 minutes of the 17th are after the span.
    let mine = guided(&mut conn, GuidedOf::Employee(me.into()), (day(3, 1), day(3, 16)), day(3, 17)).unwrap();
    assert_eq!(mine.into_iter().collect::<Vec<_>>(), [(EmployeeId::from(me), 45 + 120)]);
    let mine = guided(&mut conn, GuidedOf::Employee(me.into()), (day(3, 1), day(3, 31)), day(3, 31)).unwrap();
    assert_eq!(mine.into_iter().collect::<Vec<_>>(), [(EmployeeId::from(me), 45 + 120 + 40)]);
    // A span from another day than the month's first is read from the logs; one ending before it
    // begins has nothing.
    let mine = guided(&mut conn, GuidedOf::Employee(me.into()), (day(3, 5), day(3, 20)), day(3, 31)).unwrap();
    assert_eq!(mine.into_iter().collect::<Vec<_>>(), [(EmployeeId::from(me), 45 + 120 + 40)]);
    assert!(guided(&mut conn, GuidedOf::Agency(agency.into()), (day(3, 16), day(3, 1)), day(3, 31))
        .unwrap()
        .is_empty());
}

#[derive(diesel::QueryableByName)]
struct GuidedRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    employee_id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    minutes: i64,
}

#[actix_web::test]
async fn each_day_of_logs_is_summed_as_its_logs_are_created_reviewed_and_corrected() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-A", 700).await;
    let day = past_day();
    let t = &s.org.staff1.token;
    let me = s.org.staff1.id.clone();
    assert_eq!(stored_days(&app, &me, day), []);
    // An hour on a planned result, half an hour of additional duty, and one more hour from the
    // phone's batch (sent twice: the retry adds nothing).
    let planned = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "08:00", "09:00")).await.id();
    let duty = app
        .post("/api/v1/daily-logs", t, json!({"date": day, "duration_minutes": 30, "description": "Apel pagi", "output_quantity": 0, "additional_duty": true}))
        .await
        .id();
    let mut offline = log(&s.staff_rhk, day, "13:00", "14:00");
    offline["client_id"] = json!("5b0c8a44-2f1d-4b55-9a53-1e0c6f2d9a01");
    for _ in 0..2 {
        app.post("/api/v1/daily-logs/batch", t, json!({"items": [offline.clone()]})).await.assert_status(200);
    }
    // A refused log counts for nothing (it overlaps the first: a conflict).
    app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "08:30", "09:30")).await.assert_problem(409, "conflict");
    assert_eq!(stored_days(&app, &me, day), [(day, "submitted".to_owned(), 3, 150, 120)]);
    // Staff member 2's day is their own.
    app.post("/api/v1/daily-logs", &s.org.staff2.token, json!({"date": day, "duration_minutes": 45, "description": "Arsip", "output_quantity": 1, "additional_duty": true}))
        .await
        .assert_status(201);
    assert_eq!(stored_days(&app, &s.org.staff2.id, day), [(day, "submitted".to_owned(), 1, 45, 0)]);
    // The supervisor accepts the planned hour and rejects the duty, in one batch.
    let res = app
        .post(
            "/api/v1/daily-logs/reviews",
            &s.org.section.token,
            json!({"items": [
                {"id": planned, "version": 1, "decision": "accept"},
                {"id": duty, "version": 1, "decision": "reject", "reason": "Bukan tugas tambahan"},
            ]}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(
        stored_days(&app, &me, day),
        [
            (day, "accepted".to_owned(), 1, 60, 60),
            (day, "rejected".to_owned(), 1, 30, 0),
            (day, "submitted".to_owned(), 1, 60, 60),
        ]
    );
    // Corrected, the rejected log goes back to review with its new length; its rejected day goes.
    let read = app.get(&format!("/api/v1/daily-logs/{duty}"), t).await;
    let res = app
        .req(Method::PATCH, &format!("/api/v1/daily-logs/{duty}"))
        .token(t)
        .header("if-match", &etag(&read))
        .json(json!({"duration_minutes": 20, "description": "Apel pagi dan briefing"}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(
        stored_days(&app, &me, day),
        [(day, "accepted".to_owned(), 1, 60, 60), (day, "submitted".to_owned(), 2, 80, 60)]
    );
    // A single review moves a log from one status to the other.
    let offline_id = app.get(&format!("/api/v1/daily-logs?status=submitted&employee_id={me}"), t).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["client_id"] == offline["client_id"])
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.review_log(&s.org.section.token, &offline_id, "accept", json!({})).await.assert_status(200);
    assert_eq!(
        stored_days(&app, &me, day),
        [(day, "accepted".to_owned(), 2, 120, 120), (day, "submitted".to_owned(), 1, 20, 0)]
    );
    // The duty still waiting, corrected to serve the planned result with the same minutes: its
    // day keeps its logs and minutes and gains linked minutes (a change the upsert cannot carry).
    let read = app.get(&format!("/api/v1/daily-logs/{duty}"), t).await;
    let res = app
        .req(Method::PATCH, &format!("/api/v1/daily-logs/{duty}"))
        .token(t)
        .header("if-match", &etag(&read))
        .json(json!({"additional_duty": false, "planned_result_id": s.staff_rhk}))
        .send()
        .await;
    res.assert_status(200);
    assert_eq!(res.body["additional_duty"], false, "{}", res.body);
    assert_eq!(
        stored_days(&app, &me, day),
        [(day, "accepted".to_owned(), 2, 120, 120), (day, "submitted".to_owned(), 1, 20, 20)]
    );
}

/// A day of logs out of step with its logs (rows written around the API, or by an older server
/// during an upgrade) is counted again by the next review or edit of that day, never a 500; the
/// operator's check (`ekinerja check-summaries`) counts the days that differ and, asked to,
/// mends the rest.
#[actix_web::test]
async fn a_day_out_of_step_with_its_logs_is_counted_again_by_the_next_change_or_the_operators_check() {
    use diesel::connection::SimpleConnection;
    use ekinerja_persistence::summary::{check, Checked};
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-A", 702).await;
    let day = past_day();
    let t = &s.org.staff1.token;
    let me = s.org.staff1.id.clone();
    let first = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "08:00", "09:00")).await.id();
    let second = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "10:00", "11:00")).await.id();
    app.post("/api/v1/daily-logs", &s.org.staff2.token, json!({"date": day, "duration_minutes": 45, "description": "Arsip", "output_quantity": 1, "additional_duty": true}))
        .await
        .assert_status(201);
    let mut conn = app.state.pool.get().unwrap();
    assert_eq!(
        check(&mut conn, false).unwrap(),
        Checked { log_days: 0, log_months: 0, log_result_months: 0, attendance_days: 0 }
    );
    // Behind the API's back, both employees' days go.
    conn.batch_execute("DELETE FROM log_days").unwrap();
    assert_eq!(
        check(&mut conn, false).unwrap(),
        Checked { log_days: 2, log_months: 0, log_result_months: 0, attendance_days: 0 }
    );
    // Rejecting one of staff member 1's logs takes it from a day that is not stored: that day is
    // counted again from the logs, and the rejected day is new.
    app.review_log(&s.org.section.token, &first, "reject", json!({"reason": "Belum sesuai"})).await.assert_status(200);
    assert_eq!(
        check(&mut conn, false).unwrap(),
        Checked { log_days: 1, log_months: 0, log_result_months: 0, attendance_days: 0 }
    );
    // A stored day with the wrong minutes is put right by the next edit on it.
    conn.batch_execute(&format!(
        "UPDATE log_days SET minutes = 999, linked_minutes = 999 WHERE employee_id = '{me}' AND status = 'submitted'"
    ))
    .unwrap();
    assert_eq!(
        check(&mut conn, false).unwrap(),
        Checked { log_days: 2, log_months: 0, log_result_months: 0, attendance_days: 0 }
    );
    let read = app.get(&format!("/api/v1/daily-logs/{second}"), t).await;
    app.req(Method::PATCH, &format!("/api/v1/daily-logs/{second}"))
        .token(t)
        .header("if-match", &etag(&read))
        .json(json!({"end_time": "11:30"}))
        .send()
        .await
        .assert_status(200);
    assert_eq!(
        check(&mut conn, false).unwrap(),
        Checked { log_days: 1, log_months: 0, log_result_months: 0, attendance_days: 0 }
    );
    // Staff member 2's day has had no change since: the operator's repair counts it again.
    assert_eq!(
        check(&mut conn, true).unwrap(),
        Checked { log_days: 1, log_months: 0, log_result_months: 0, attendance_days: 0 }
    );
    assert_eq!(
        check(&mut conn, false).unwrap(),
        Checked { log_days: 0, log_months: 0, log_result_months: 0, attendance_days: 0 }
    );
    // The months, summed from the days, went with them: none differed. Out of step behind the
    // API's back, the next change of a month's day that is not a plain addition counts the month
    // again, and the operator's repair mends the rest.
    conn.batch_execute("UPDATE log_months SET minutes = minutes + 7").unwrap();
    assert_eq!(
        check(&mut conn, false).unwrap(),
        Checked { log_days: 0, log_months: 3, log_result_months: 0, attendance_days: 0 }
    );
    let read = app.get(&format!("/api/v1/daily-logs/{second}"), t).await;
    app.req(Method::PATCH, &format!("/api/v1/daily-logs/{second}"))
        .token(t)
        .header("if-match", &etag(&read))
        .json(json!({"end_time": "11:45"}))
        .send()
        .await
        .assert_status(200);
    assert_eq!(
        check(&mut conn, false).unwrap(),
        Checked { log_days: 0, log_months: 2, log_result_months: 0, attendance_days: 0 }
    );
    conn.batch_execute("DELETE FROM log_months WHERE status = 'rejected'").unwrap();
    assert_eq!(
        check(&mut conn, true).unwrap(),
        Checked { log_days: 0, log_months: 2, log_result_months: 0, attendance_days: 0 }
    );
    assert_eq!(
        check(&mut conn, false).unwrap(),
        Checked { log_days: 0, log_months: 0, log_result_months: 0, attendance_days: 0 }
    );
    // So are the months per planned result (staff member 1's rejected and waiting hours; staff
    // member 2's duty serves none): the edit counts its month again, the repair the other.
    conn.batch_execute("UPDATE log_result_months SET minutes = minutes + 7").unwrap();
    assert_eq!(
        check(&mut conn, false).unwrap(),
        Checked { log_days: 0, log_months: 0, log_result_months: 2, attendance_days: 0 }
    );
    let read = app.get(&format!("/api/v1/daily-logs/{second}"), t).await;
    app.req(Method::PATCH, &format!("/api/v1/daily-logs/{second}"))
        .token(t)
        .header("if-match", &etag(&read))
        .json(json!({"end_time": "12:00"}))
        .send()
        .await
        .assert_status(200);
    assert_eq!(
        check(&mut conn, false).unwrap(),
        Checked { log_days: 0, log_months: 0, log_result_months: 1, attendance_days: 0 }
    );
    assert_eq!(
        check(&mut conn, true).unwrap(),
        Checked { log_days: 0, log_months: 0, log_result_months: 1, attendance_days: 0 }
    );
    assert_eq!(
        check(&mut conn, false).unwrap(),
        Checked { log_days: 0, log_months: 0, log_result_months: 0, attendance_days: 0 }
    );
    drop(conn);
    assert_eq!(
        stored_days(&app, &me, day),
        [(day, "rejected".to_owned(), 1, 60, 60), (day, "submitted".to_owned(), 1, 120, 120)]
    );
    assert_eq!(stored_days(&app, &s.org.staff2.id, day), [(day, "submitted".to_owned(), 1, 45, 0)]);
}

/// A loader's logs (the demo regency's) pass the checks of a create and of a review, read for the
/// whole load at once: one refused log or decision refuses the load, with the API's error; a load
/// that passes is stored with its days, change numbers and audit trail as the API's writes leave
/// them.
#[actix_web::test]
async fn a_load_of_logs_is_checked_as_creates_and_reviews_are_and_stored_whole_or_not_at_all() {
    use chrono::NaiveTime;
    use ekinerja_domain::daily_log::{Decision, Span};
    use ekinerja_domain::{Caller, Description};
    use ekinerja_persistence::daily_log::{load, Load, LogInput, Serves};
    use ekinerja_persistence::{account, Change, StoreError};
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-A", 703).await;
    let day = past_day();
    let t = &s.org.staff1.token;
    let feed = app.get("/api/v1/me/daily-logs/changes", t).await;
    let cursor = feed.body["next_cursor"].as_str().unwrap().to_owned();
    let mut conn = app.state.pool.get().unwrap();
    let mut caller = |id: &str| -> Caller {
        account::find_for_employee(&mut conn, id.parse().unwrap()).unwrap().unwrap().caller().unwrap()
    };
    let (me, boss, peer) = (caller(&s.org.staff1.id), caller(&s.org.section.id), caller(&s.org.staff2.id));
    let now = chrono::Utc::now();
    let at = |c: &Caller| Change::new(c.clone(), now, None);
    let input = |from: u32, to: u32| LogInput {
        date: day,
        span: Span::new(NaiveTime::from_hms_opt(from, 0, 0), NaiveTime::from_hms_opt(to, 0, 0), None).unwrap(),
        description: Description::parse("Menyusun laporan").unwrap(),
        output_quantity: 1,
        output_unit: None,
        evidence_url: None,
        location: None,
        serves: Serves::Result(s.staff_rhk.parse().unwrap()),
        activity: None,
    };
    let morning = Load { change: at(&me), input: input(8, 10), review: Some((at(&boss), Decision::Accept, None)) };
    let afternoon = Load {
        change: at(&me),
        input: input(13, 14),
        review: Some((at(&boss), Decision::Reject, Some("Lengkapi bukti".into()))),
    };
    let field = |e: StoreError| match e {
        StoreError::Invalid(errors) => errors.iter().map(|f| format!("{:?}", f.field)).collect::<Vec<_>>().join(" "),
        other => format!("{other:?}"),
    };
    let mut conn = app.state.pool.get().unwrap();
    // A log overlapping the morning, as a create is refused.
    let overlap = Load { change: at(&me), input: input(9, 11), review: None };
    let refused = field(load(&mut conn, vec![morning.clone(), overlap], now).unwrap_err());
    assert!(refused.contains("Conflict") && refused.contains("overlaps another log"), "{refused}");
    // A planned result of someone else's agreement.
    let theirs = Load { change: at(&peer), input: input(8, 9), review: None };
    let refused = field(load(&mut conn, vec![morning.clone(), theirs], now).unwrap_err());
    assert!(refused.contains("planned_result_id"), "{refused}");
    // A decision by a peer, who is not the owner's supervisor; a rejection without its reason.
    let by_peer = Load { review: Some((at(&peer), Decision::Accept, None)), ..afternoon.clone() };
    let refused = load(&mut conn, vec![morning.clone(), by_peer], now).unwrap_err();
    assert!(matches!(refused, StoreError::NotFound | StoreError::Forbidden(_)), "{refused:?}");
    let no_reason = Load { review: Some((at(&boss), Decision::Reject, None)), ..afternoon.clone() };
    let refused = field(load(&mut conn, vec![morning.clone(), no_reason], now).unwrap_err());
    assert!(refused.contains("reason"), "{refused}");
    // A decision dated before its log.
    let early = Change::new(boss.clone(), now - chrono::Duration::minutes(5), None);
    let backdated = Load { review: Some((early, Decision::Accept, None)), ..afternoon.clone() };
    let refused = field(load(&mut conn, vec![backdated], now).unwrap_err());
    assert!(refused.contains("review"), "{refused}");
    // None of those stored anything.
    drop(conn);
    assert_eq!(stored_days(&app, &s.org.staff1.id, day), []);
    let mut conn = app.state.pool.get().unwrap();
    // The afternoon hour is rejected; a corrected log of the same hour, later in the load, is
    // not refused as overlapping it (a rejected log counts for nothing).
    let corrected = Load { change: at(&me), input: input(13, 14), review: None };
    assert_eq!(load(&mut conn, vec![morning, afternoon, corrected], now).unwrap(), 3);
    drop(conn);
    assert_eq!(
        stored_days(&app, &s.org.staff1.id, day),
        [
            (day, "accepted".to_owned(), 1, 120, 120),
            (day, "rejected".to_owned(), 1, 60, 60),
            (day, "submitted".to_owned(), 1, 60, 60)
        ]
    );
    // The phone's change feed brings both, decided, and the audit trail holds them as links.
    let feed = app.get(&format!("/api/v1/me/daily-logs/changes?cursor={cursor}"), t).await;
    let mut got: Vec<(String, String, i64)> = feed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["start_time"].as_str().unwrap().to_owned(),
                l["status"].as_str().unwrap().to_owned(),
                l["version"].as_i64().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("08:00".into(), "accepted".into(), 2),
            ("13:00".into(), "rejected".into(), 2),
            ("13:00".into(), "submitted".into(), 1)
        ]
    );
    let mut conn = app.state.pool.get().unwrap();
    let verdict = ekinerja_api::audit_verify::run(&mut conn, None).unwrap();
    assert!(verdict.whole, "{}", verdict.text);
}

#[actix_web::test]
async fn reviews_racing_for_one_version_of_a_log_decide_it_once() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-A", 701).await;
    let day = past_day();
    let me = s.org.staff1.id.clone();
    // Several logs, each reviewed by eight decisions at once, all about version 1: on PostgreSQL
    // they run side by side, and every one but the first to write must find the log changed.
    for hour in 8..11 {
        let body = log(&s.staff_rhk, day, &format!("{hour:02}:00"), &format!("{hour:02}:30"));
        let id = app.post("/api/v1/daily-logs", &s.org.staff1.token, body).await.id();
        let decisions = (0..8)
            .map(|i| {
                let verb = if i % 2 == 0 { "accept" } else { "reject" };
                app.req(Method::POST, &format!("/api/v1/daily-logs/{id}/{verb}"))
                    .token(&s.org.section.token)
                    .header("if-match", "\"v1\"")
                    .json(json!({"reason": "Lengkapi bukti kegiatan"}))
            })
            .collect();
        let answers = app.concurrently(decisions).await;
        let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        assert!(statuses.iter().all(|s| *s == 200 || *s == 412), "{statuses:?}");
        let read = app.get(&format!("/api/v1/daily-logs/{id}"), &s.org.staff1.token).await;
        assert_eq!(read.body["version"], 2, "{}", read.body);
    }
    // Three logs of 30 minutes, each decided once: the days hold them once (stored_days also
    // compares every stored day with the logs).
    let days = stored_days(&app, &me, day);
    assert_eq!(days.iter().map(|d| d.2).sum::<i64>(), 3, "{days:?}");
    assert_eq!(days.iter().map(|d| d.3).sum::<i64>(), 90, "{days:?}");
}

/// An agency whose staff member 1 logged a past day in two statuses (60 minutes accepted, 90
/// waiting) and staff member 2 an additional duty of 45 minutes: the agency, the two staff members
/// and the day.
async fn a_day_in_two_statuses_and_a_duty(
    app: &TestApp,
    code: &str,
    nip_seed: u32,
) -> (ekinerja_domain::id::AgencyId, Vec<ekinerja_domain::id::EmployeeId>, NaiveDate) {
    let s = setup(app, code, nip_seed).await;
    let day = past_day();
    let t = &s.org.staff1.token;
    let first = app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "08:00", "09:00")).await.id();
    app.post("/api/v1/daily-logs", t, log(&s.staff_rhk, day, "10:00", "11:30")).await.assert_status(201);
    app.review_log(&s.org.section.token, &first, "accept", json!({})).await.assert_status(200);
    app.post("/api/v1/daily-logs", &s.org.staff2.token, json!({"date": day, "duration_minutes": 45, "description": "Arsip", "output_quantity": 1, "additional_duty": true}))
        .await
        .assert_status(201);
    let agency = s.org.agency.parse::<uuid::Uuid>().unwrap().into();
    let ids = [&s.org.staff1.id, &s.org.staff2.id].iter().map(|id| id.parse::<uuid::Uuid>().unwrap().into()).collect();
    (agency, ids, day)
}

/// An agency's days of logs are read a date at a time (issue 19): each part is one date's rows in
/// employee and status order, a day in two statuses side by side, and together the parts are
/// every employee's own days.
#[actix_web::test]
async fn an_agencys_days_of_logs_come_a_date_at_a_time_in_order() {
    use ekinerja_persistence::log_day::{each, of, Statuses, Whose};
    let app = TestApp::spawn().await;
    let (agency, ids, day) = a_day_in_two_statuses_and_a_duty(&app, "KAB-EACH", 740).await;
    let mut conn = app.state.pool.get().unwrap();
    let from = day - Duration::days(2);
    let mut parts = Vec::new();
    each(&mut conn, Whose::Agency(agency), Statuses::NotRejected, from, day, |part| parts.push(part)).unwrap();
    assert_eq!(parts.len(), 3, "a part a date, empty ones too");
    assert!(parts[..2].iter().all(Vec::is_empty));
    let keys: Vec<_> = parts[2].iter().map(|d| (d.log_date, d.employee_id, d.status)).collect();
    assert_eq!(keys.len(), 3, "staff member 1's day in two statuses and staff member 2's: {keys:?}");
    assert!(keys.is_sorted() && keys.iter().all(|k| k.0 == day), "{keys:?}");
    let staff1 = ids[0];
    let at = keys.iter().position(|k| k.1 == staff1).unwrap();
    assert_eq!(keys[at + 1].1, staff1, "a day's two statuses side by side");
    // The same rows as each employee's own read.
    let mut own = of(&mut conn, Whose::Employees(&ids), Statuses::NotRejected, from, day).unwrap();
    own.sort_by_key(|d| (d.log_date, d.employee_id, d.status));
    assert_eq!(parts.concat(), own);
}

/// An employee's logs over a span summed by the database (issue 19): minutes by status and the
/// days logged as bits from the span's first day, the same whoever's rows are read.
#[actix_web::test]
async fn an_employees_logs_over_a_span_are_summed_a_row_each_with_their_days_as_bits() {
    use ekinerja_persistence::log_day::{totals, Statuses, Totals, Whose};
    let app = TestApp::spawn().await;
    let (agency, ids, day) = a_day_in_two_statuses_and_a_duty(&app, "KAB-TOTALS", 741).await;
    let mut conn = app.state.pool.get().unwrap();
    let from = day - Duration::days(2);
    // The day is the span's third: bit 2, once for staff member 1's two statuses.
    let expected = vec![
        Totals { employee_id: ids[0], minutes: 150, linked_minutes: 150, days: 1 << 2 },
        Totals { employee_id: ids[1], minutes: 45, linked_minutes: 0, days: 1 << 2 },
    ];
    let sorted = |mut rows: Vec<Totals>| {
        rows.sort_by_key(|r| ids.iter().position(|id| *id == r.employee_id));
        rows
    };
    let everyone = totals(&mut conn, Whose::Agency(agency), Statuses::NotRejected, (from, day), day).unwrap();
    assert_eq!(sorted(everyone), expected);
    let listed = totals(&mut conn, Whose::Employees(&ids), Statuses::NotRejected, (from, day), day).unwrap();
    assert_eq!(sorted(listed), expected);
    let own = totals(&mut conn, Whose::Employee(ids[0]), Statuses::NotRejected, (from, day), day).unwrap();
    assert_eq!(own, expected[..1]);
    let accepted = totals(
        &mut conn,
        Whose::Employee(ids[0]),
        Statuses::Only(ekinerja_domain::daily_log::LogStatus::Accepted),
        (from, day),
        day,
    )
    .unwrap();
    assert_eq!(accepted, [Totals { employee_id: ids[0], minutes: 60, linked_minutes: 60, days: 1 << 2 }]);
    // The day itself as the first: bit 0; a span without the day: nothing.
    assert_eq!(totals(&mut conn, Whose::Employee(ids[1]), Statuses::NotRejected, (day, day), day).unwrap()[0].days, 1);
    assert!(totals(&mut conn, Whose::Agency(agency), Statuses::NotRejected, (from, day - Duration::days(1)), day)
        .unwrap()
        .is_empty());
    // Sixty-three days at most: the bits of one word.
    assert!(
        totals(&mut conn, Whose::Agency(agency), Statuses::NotRejected, (day - Duration::days(62), day), day).is_ok()
    );
    assert!(
        totals(&mut conn, Whose::Agency(agency), Statuses::NotRejected, (day - Duration::days(63), day), day).is_err()
    );
}

/// A link stored under an earlier rule (here one beyond ASCII, taken before links had to be
/// ASCII) survives a correction that leaves it alone, unchanged; a correction that gives a link
/// is judged by today's rule; one that clears it clears it.
#[actix_web::test]
async fn a_correction_keeps_a_link_stored_under_an_earlier_rule() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "KAB-LINK", 200).await;
    let t = &s.org.staff1.token;
    let mut body = log(&s.staff_rhk, past_day(), "08:00", "10:00");
    body["evidence_url"] = json!("https://drive.example.go.id/laporan");
    let created = app.post("/api/v1/daily-logs", t, body).await;
    created.assert_status(201);
    let id = created.id();
    let old = "https://drive.example.go.id/laporan-bulanan-ü";
    {
        use diesel::RunQueryDsl;
        let mut conn = app.state.pool.get().unwrap();
        let n = diesel::sql_query(format!("UPDATE daily_logs SET evidence_url = '{old}' WHERE id = '{id}'"))
            .execute(&mut *conn)
            .unwrap();
        assert_eq!(n, 1);
    }
    let path = format!("/api/v1/daily-logs/{id}");
    let patch = |change: Value| async {
        let read = app.get(&path, t).await;
        app.req(Method::PATCH, &path).token(t).header("if-match", &etag(&read)).json(change).send().await
    };
    let res = patch(json!({"description": "Menyusun laporan bulanan, direvisi"})).await;
    res.assert_status(200);
    assert_eq!(res.body["evidence_url"], old, "{}", res.text);
    assert_eq!(res.body["description"], "Menyusun laporan bulanan, direvisi");
    patch(json!({"evidence_url": "https://drive.example.go.id/ü"})).await.assert_invalid("#/evidence_url");
    assert_eq!(app.get(&path, t).await.body["evidence_url"], old);
    let res = patch(json!({"evidence_url": null})).await;
    res.assert_status(200);
    assert_eq!(res.body["evidence_url"], Value::Null, "{}", res.text);
}
