//! Two instances of the server on one database (issue 9): everything that must hold across them
//! is kept in the database, not in a process. A phone retrying a batch alternately against both
//! creates nothing twice; an Idempotency-Key replays on the other instance; a refresh token
//! rotated on one is refused reused on the other, and its family ends on both; failed sign-ins
//! on one count on the other.

use actix_web::http::Method;
use ekinerja_tests::builders::{log, past_day, setup};
use ekinerja_tests::{TestApp, PASSWORD};
use serde_json::{json, Value};

#[actix_web::test]
async fn two_instances_share_idempotency_and_token_rotation() {
    let a = TestApp::spawn().await;
    let b = a.twin();
    let s = setup(&a, "TWIN-A", 4300).await;
    let t = &s.org.staff1.token;
    let day = past_day();

    // A batch retried four times, alternating instances.
    let mut items: Vec<Value> =
        vec![log(&s.staff_rhk, day, "08:00", "09:00"), log(&s.staff_rhk, day, "09:00", "10:00")];
    for item in &mut items {
        item["client_id"] = json!(uuid::Uuid::now_v7().to_string());
    }
    let batch = json!({"items": items});
    let mut answers = Vec::new();
    for app in [&a, &b, &a, &b] {
        let r = app.post("/api/v1/daily-logs/batch", t, batch.clone()).await;
        r.assert_status(200);
        answers.push(r.body);
    }
    let outcomes = |v: &Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|i| i["outcome"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(outcomes(&answers[0]), ["created", "created"]);
    for later in &answers[1..] {
        assert_eq!(outcomes(later), ["existing", "existing"]);
        for i in 0..2 {
            assert_eq!(later["items"][i]["log"]["id"], answers[0]["items"][i]["log"]["id"]);
        }
    }
    for app in [&a, &b] {
        let list = app.get("/api/v1/daily-logs?limit=200", t).await;
        assert_eq!(list.body["items"].as_array().unwrap().len(), 2, "nothing twice, read on either instance");
    }

    // A single create with an Idempotency-Key, retried on the other instance.
    let body = log(&s.staff_rhk, day, "10:00", "11:00");
    let first = send(&a, t, body.clone()).await;
    first.assert_status(201);
    let replay = send(&b, t, body.clone()).await;
    replay.assert_status(201);
    assert_eq!(replay.body["id"], first.body["id"]);
    let mut other = body.clone();
    other["description"] = json!("Isi lain");
    send(&b, t, other).await.assert_problem(422, "validation");
    assert_eq!(b.get("/api/v1/daily-logs?limit=200", t).await.body["items"].as_array().unwrap().len(), 3);

    // Refresh-token rotation across instances.
    let pair = a.login_pair(&s.org.staff2.nip, PASSWORD).await;
    let first = pair["refresh_token"].as_str().unwrap().to_owned();
    let rotated = a.req(Method::POST, "/api/v1/auth/refresh").json(json!({"refresh_token": first})).send().await;
    rotated.assert_status(200);
    let second = rotated.body["refresh_token"].as_str().unwrap().to_owned();
    b.req(Method::POST, "/api/v1/auth/refresh")
        .json(json!({"refresh_token": first}))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    // The reuse ended the family, on both instances.
    for app in [&a, &b] {
        app.req(Method::POST, "/api/v1/auth/refresh")
            .json(json!({"refresh_token": second}))
            .send()
            .await
            .assert_problem(401, "unauthenticated");
    }

    // Guessing on one instance counts on the other: the failures are in the database.
    for _ in 0..5 {
        a.req(Method::POST, "/api/v1/auth/login")
            .peer("10.3.3.3:1000")
            .json(json!({"login": s.org.staff2.nip, "password": "tebak-tebakan"}))
            .send()
            .await
            .assert_problem(401, "unauthenticated");
    }
    b.req(Method::POST, "/api/v1/auth/login")
        .peer("10.3.3.3:1001")
        .json(json!({"login": s.org.staff2.nip, "password": PASSWORD}))
        .send()
        .await
        .assert_problem(429, "too-many-requests");
    drop(b);
}

async fn send(app: &TestApp, token: &str, body: Value) -> ekinerja_tests::Response {
    app.req(Method::POST, "/api/v1/daily-logs")
        .token(token)
        .header("idempotency-key", "twin-key-1")
        .json(body)
        .send()
        .await
}
