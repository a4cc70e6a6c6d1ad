//! Notifications (issue 21): an agency's subscriber gets each event it subscribed to as a signed
//! Standard Webhooks message, written to the outbox with the change, retried until it answers
//! 2xx, held while paused; a change that fails sends nothing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::Method;
use chrono::{TimeZone, Utc};
use ekinerja_api::webhook;
use ekinerja_tests::TestApp;
use serde_json::{json, Value};

/// A request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A subscriber's endpoint on a loopback port: it answers each request with the next status of
/// its script (200 once the script is spent) and keeps what it got.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(script: &[u16]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/ekinerja", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let (kept, mut script) = (got.clone(), script.to_vec());
        script.reverse();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut headers = Vec::new();
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.trim_end().split_once(':') {
                        headers.push((k.trim().to_owned(), v.trim().to_owned()));
                    }
                }
                let length = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .map_or(0, |(_, v)| v.parse::<usize>().unwrap());
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                kept.lock().unwrap().push(Received { headers, body: String::from_utf8(body).unwrap() });
                let status = script.pop().unwrap_or(200);
                let answer = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nno");
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        Receiver { url, got }
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// The subscriber's deliveries once `done` holds of them (waiting up to 15 seconds).
async fn deliveries_when(app: &TestApp, admin: &str, sub: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let res = app.get(&format!("/api/v1/webhook-subscriptions/{sub}/deliveries"), admin).await;
        res.assert_status(200);
        let items = res.body["items"].as_array().unwrap().clone();
        if done(&items) {
            return items;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "not yet: {items:?}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn refuse(app: &TestApp, token: &str, id: &str, version: i64) -> ekinerja_tests::Response {
    app.req(Method::POST, &format!("/api/v1/leave-requests/{id}/refuse"))
        .token(token)
        .header("if-match", &format!("\"v{version}\""))
        .json(json!({"reason": "Akhir tahun anggaran"}))
        .send()
        .await
}

#[actix_web::test]
async fn a_delivery_that_fails_twice_is_retried_until_it_succeeds_and_a_paused_subscriber_waits() {
    let mut app = TestApp::spawn_with(|s| {
        s.webhook_poll = Duration::from_millis(20);
        s.webhook_retry_base = Duration::from_millis(50);
        // The receivers are on loopback: allowed here, as an operator allows a gateway's network.
        s.webhook_private_networks = ekinerja_domain::network::Networks::parse_joined("127.0.0.0/8").unwrap();
    })
    .await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap());
    let org = app.org("WH-A", 5500).await;
    let receiver = Receiver::start(&[500, 503]);
    let other = Receiver::start(&[]);

    // Only the agency's admin subscribes; the URL and the events are checked.
    let body = json!({"url": receiver.url, "event_types": ["leave_decided"], "description": "Gateway WhatsApp"});
    for refused in [&org.staff1.token, &org.head.token] {
        app.post("/api/v1/webhook-subscriptions", refused, body.clone()).await.assert_problem(403, "forbidden");
    }
    app.post("/api/v1/webhook-subscriptions", &org.admin, json!({"url": "ftp://x", "event_types": ["leave_decided"]}))
        .await
        .assert_invalid("#/url");
    app.post(
        "/api/v1/webhook-subscriptions",
        &org.admin,
        json!({"url": "https://u:p@h/x", "event_types": ["leave_decided"]}),
    )
    .await
    .assert_invalid("#/url");
    app.post("/api/v1/webhook-subscriptions", &org.admin, json!({"url": receiver.url, "event_types": []}))
        .await
        .assert_invalid("#/event_types");
    let sub = app.post("/api/v1/webhook-subscriptions", &org.admin, body).await;
    sub.assert_status(201);
    let secret = webhook::Secret::parse(sub.body["secret"].as_str().unwrap()).unwrap();
    let sub = sub.id();
    let listed = app.get(&format!("/api/v1/webhook-subscriptions/{sub}"), &org.admin).await;
    assert!(listed.body.get("secret").is_none(), "the secret is shown once: {}", listed.text);
    // A subscriber to other events hears nothing of this one.
    let logs_only = app
        .post("/api/v1/webhook-subscriptions", &org.admin, json!({"url": other.url, "event_types": ["log_reviewed"]}))
        .await
        .id();
    // A subscriber in a private network the operator did not allow is never sent to.
    let private = app
        .post(
            "/api/v1/webhook-subscriptions",
            &org.admin,
            json!({"url": "http://10.1.2.3:9/hooks", "event_types": ["leave_decided"]}),
        )
        .await
        .id();
    // Another agency's admin does not know the subscriber exists.
    let stranger = app.org("WH-B", 5600).await;
    app.get(&format!("/api/v1/webhook-subscriptions/{sub}"), &stranger.admin).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/webhook-subscriptions/{sub}/deliveries"), &stranger.admin)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(app.get("/api/v1/webhook-subscriptions", &stranger.admin).await.body["items"], json!([]));

    // A refusal that fails (a stale version) changes nothing and sends nothing.
    let leave = app
        .post(
            "/api/v1/leave-requests",
            &org.staff1.token,
            json!({"kind": "annual", "starts_on": "2026-12-07", "ends_on": "2026-12-08", "reason": "Keluarga"}),
        )
        .await
        .id();
    refuse(&app, &org.section.token, &leave, 9).await.assert_problem(412, "precondition-failed");
    // The refusal: one delivery, failing twice (500, 503), then delivered.
    refuse(&app, &org.section.token, &leave, 1).await.assert_status(200);
    let items = deliveries_when(&app, &org.admin, &sub, |d| d.len() == 1 && d[0]["status"] == "delivered").await;
    let attempts: Vec<&Value> = items[0]["attempts"].as_array().unwrap().iter().map(|a| &a["status_code"]).collect();
    assert_eq!(attempts, [500, 503, 200]);
    assert!(items[0]["attempts"].as_array().unwrap().iter().all(|a| a["url"] == receiver.url.as_str()));
    assert_eq!(items[0]["attempts"][0]["error"], "answered 500", "the subscriber's own words are not kept");
    assert!(items[0]["delivered_at"].is_string());
    // Each attempt was the same message, signed with the subscriber's secret.
    let got = receiver.got();
    assert_eq!(got.len(), 3);
    for r in &got {
        assert_eq!(r.header("webhook-id"), items[0]["id"].as_str());
        webhook::verify(
            &secret,
            r.header("webhook-id"),
            r.header("webhook-timestamp"),
            r.header("webhook-signature"),
            r.body.as_bytes(),
            Utc::now().timestamp(),
        )
        .unwrap();
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["type"], "leave_decided");
        assert_eq!(body["data"]["leave_request_id"], leave.as_str());
        assert_eq!(body["data"]["status"], "refused");
        assert_eq!(body["data"]["reason"], "Akhir tahun anggaran");
    }
    assert!(other.got().is_empty(), "a subscriber to log reviews hears nothing of leave");
    let refused = deliveries_when(&app, &org.admin, &private, |d| {
        d.len() == 1 && !d[0]["attempts"].as_array().unwrap().is_empty()
    })
    .await;
    let error = refused[0]["attempts"][0]["error"].as_str().unwrap();
    assert!(error.contains("private network"), "{error}");
    assert!(refused[0]["attempts"][0]["status_code"].is_null());
    let others = app.get(&format!("/api/v1/webhook-subscriptions/{logs_only}/deliveries"), &org.admin).await;
    assert_eq!(others.body["items"], json!([]));

    // Paused, the subscriber's deliveries wait; resumed, they go out.
    let path = format!("/api/v1/webhook-subscriptions/{sub}");
    app.patch(&path, &org.admin, json!({"paused": true})).await.assert_status(200);
    app.patch(&path, &org.section.token, json!({"paused": false})).await.assert_problem(403, "forbidden");
    let second = app
        .post(
            "/api/v1/leave-requests",
            &org.staff2.token,
            json!({"kind": "annual", "starts_on": "2026-12-09", "ends_on": "2026-12-09", "reason": "Keluarga"}),
        )
        .await
        .id();
    refuse(&app, &org.section.token, &second, 1).await.assert_status(200);
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    let items = deliveries_when(&app, &org.admin, &sub, |d| d.len() == 2).await;
    assert_eq!(
        (items[0]["status"].as_str(), items[0]["attempts"].as_array().map(Vec::len)),
        (Some("pending"), Some(0))
    );
    assert_eq!(receiver.got().len(), 3, "nothing is sent while paused");
    app.patch(&path, &org.admin, json!({"paused": false})).await.assert_status(200);
    deliveries_when(&app, &org.admin, &sub, |d| d.iter().all(|x| x["status"] == "delivered")).await;
    assert_eq!(receiver.got().len(), 4);
}

#[actix_web::test]
async fn a_task_waiting_past_the_policy_is_told_once() {
    let mut app = TestApp::spawn().await;
    // Monday 2 November 2026, 10:00 WIB.
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 2, 3, 0, 0).unwrap());
    let org = app.org("NT-OD", 6500).await;
    let sub = app
        .post(
            "/api/v1/webhook-subscriptions",
            &org.admin,
            json!({"url": "https://notif.kominfo.example.go.id/hooks", "event_types": ["task_overdue"]}),
        )
        .await;
    sub.assert_status(201);
    let sub = sub.id();
    app.patch(&format!("/api/v1/webhook-subscriptions/{sub}"), &org.admin, json!({"paused": true}))
        .await
        .assert_status(200);
    let log = app
        .post(
            "/api/v1/daily-logs",
            &org.staff1.token,
            json!({"date": "2026-11-02", "duration_minutes": 90, "description": "Rapat koordinasi posyandu",
                   "output_quantity": 1, "additional_duty": true}),
        )
        .await;
    log.assert_status(201);
    let leave = app
        .post(
            "/api/v1/leave-requests",
            &org.staff1.token,
            json!({"kind": "annual", "starts_on": "2026-11-23", "ends_on": "2026-11-24", "reason": "Urusan keluarga"}),
        )
        .await;
    leave.assert_status(201);
    let scan = |at| {
        let mut conn = app.state.pool.get().unwrap();
        ekinerja_persistence::overdue::scan(&mut conn, at).unwrap()
    };
    // Friday 6 November: three working days waited (Tuesday to Thursday), the policy is five.
    assert_eq!(scan(Utc.with_ymd_and_hms(2026, 11, 6, 3, 0, 0).unwrap()), 0);
    // Tuesday 10 November: five working days (the 3rd to the 6th and the 9th).
    let tuesday = Utc.with_ymd_and_hms(2026, 11, 10, 3, 0, 0).unwrap();
    assert_eq!(scan(tuesday), 2);
    assert_eq!(scan(tuesday + chrono::Duration::days(1)), 0, "told once per wait");
    let items = app.get(&format!("/api/v1/webhook-subscriptions/{sub}/deliveries"), &org.admin).await.body["items"]
        .as_array()
        .unwrap()
        .clone();
    let mut told: Vec<Value> = items
        .iter()
        .map(|d| {
            assert_eq!((&d["event_type"], &d["status"]), (&json!("task_overdue"), &json!("pending")));
            serde_json::from_str::<Value>(d["payload"].as_str().unwrap()).unwrap()["data"].clone()
        })
        .collect();
    told.sort_by_key(|d| d["task"].as_str().unwrap().to_owned());
    assert_eq!(told.len(), 2);
    assert_eq!(
        (&told[0]["task"], &told[0]["subject_id"], &told[0]["working_days"]),
        (&json!("recommend_leave"), &json!(leave.id()), &json!(5))
    );
    assert_eq!((&told[1]["task"], &told[1]["subject_id"]), (&json!("review_log"), &json!(log.id())));
    assert_eq!(
        (&told[1]["employee_id"], &told[1]["supervisor_employee_id"], &told[1]["escalated_to_employee_id"]),
        (&json!(org.staff1.id), &json!(org.section.id), &json!(org.division.id))
    );
    assert_eq!(told[1]["waiting_since"], "2026-11-02");
}
