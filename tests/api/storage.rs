//! Values round-trip identically on both engines.

use ekinerja_tests::TestApp;
use serde_json::json;

#[actix_web::test]
async fn instants_and_ids_round_trip_at_microsecond_precision() {
    let app = TestApp::spawn().await;
    let created = app.post("/api/v1/agencies", &app.root, json!({"code": "KAB-RT", "name": "Round Trip"})).await;
    created.assert_status(201);
    let read = app.get(&format!("/api/v1/agencies/{}", created.id()), &app.root).await;
    assert_eq!(created.body, read.body, "what was answered on create is what is read back");
    let at = read.body["created_at"].as_str().unwrap();
    assert!(at.ends_with('Z'), "{at}");
    let fraction = at.split('.').nth(1).map_or(0, |f| f.trim_end_matches('Z').len());
    assert!(fraction <= 6, "at most microseconds: {at}");
    let id = uuid::Uuid::parse_str(&created.id()).unwrap();
    assert_eq!(id.get_version_num(), 7, "ids are UUIDv7");
}

#[actix_web::test]
async fn unicode_names_are_stored_as_given() {
    let app = TestApp::spawn().await;
    let name = "Dinas Pariwisata — Kebudayaan 🇮🇩 ‘Ēkā’";
    let created = app.post("/api/v1/agencies", &app.root, json!({"code": "KAB-UNI", "name": name})).await;
    created.assert_status(201);
    let read = app.get(&format!("/api/v1/agencies/{}", created.id()), &app.root).await;
    assert_eq!(read.body["name"], name);
}
