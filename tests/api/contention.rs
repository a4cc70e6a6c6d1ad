//! Contention (issue 9): 64 writers at once against one database (SQLite in `make test`'s first
//! pass, PostgreSQL in its second) give no 5xx, and every write that was acknowledged is there.

use std::collections::HashMap;

use actix_web::http::Method;
use ekinerja_tests::builders::{log, past_day, setup};
use ekinerja_tests::TestApp;
use serde_json::json;

#[actix_web::test]
async fn sixty_four_concurrent_writers_lose_nothing() {
    let app = TestApp::spawn_with(|s| s.pool_size = 8).await;
    let s = setup(&app, "CONT-A", 4200).await;
    let org = &s.org;
    let day = past_day();
    // Five people, each with up to 13 half-hour slots of the same day (390 minutes, under the
    // daily cap), so no write is refused on its merits.
    let people = [&org.staff1, &org.staff2, &org.section, &org.division, &org.head];
    let mut requests = Vec::new();
    let mut owner = Vec::new();
    for i in 0..64usize {
        let who = people[i % people.len()];
        let slot = (i / people.len()) as u32;
        let hhmm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
        let (start, end) = (hhmm(7 * 60 + slot * 30), hhmm(7 * 60 + slot * 30 + 30));
        let body = if who.id == org.staff1.id {
            log(&s.staff_rhk, day, &start, &end)
        } else {
            json!({"date": day, "start_time": start, "end_time": end, "description": format!("Tugas tambahan {i}"),
                   "output_quantity": 1, "additional_duty": true})
        };
        requests.push(app.req(Method::POST, "/api/v1/daily-logs").token(&who.token).json(body));
        owner.push(who);
    }
    let responses = app.concurrently(requests).await;
    let mut created: HashMap<String, Vec<String>> = HashMap::new();
    for (r, who) in responses.iter().zip(&owner) {
        assert!(!r.status.is_server_error(), "{} {}", r.status, r.text);
        assert_eq!(r.status.as_u16(), 201, "{}", r.text);
        created.entry(who.id.clone()).or_default().push(r.id());
    }
    assert_eq!(created.values().map(Vec::len).sum::<usize>(), 64);
    for who in people {
        let list = app.get(&format!("/api/v1/daily-logs?employee_id={}&limit=200", who.id), &who.token).await;
        list.assert_status(200);
        let mut stored: Vec<String> =
            list.body["items"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_owned()).collect();
        let mut acknowledged = created.remove(&who.id).unwrap_or_default();
        stored.sort();
        acknowledged.sort();
        assert_eq!(stored, acknowledged, "every acknowledged log of {} is stored, once", who.nip);
    }
}
