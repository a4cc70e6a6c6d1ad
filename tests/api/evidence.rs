//! Evidence files (issue 21): a photo uploaded from a phone, checked by its content, stripped of
//! its metadata but its position, which fills the location of the log that names it; served to
//! those who read the log and to no colleague; forged names and types refused; the agency's quota.

use actix_web::http::Method;
use chrono::{TimeZone, Utc};
use ekinerja_domain::daily_log::Location;
use ekinerja_domain::evidence::sample;
use ekinerja_tests::{Response, TestApp};
use serde_json::{json, Value};

const YOGYA: Location = Location { latitude: -7.81, longitude: 110.36 };

async fn upload(app: &TestApp, token: &str, content_type: &str, name: &str, bytes: Vec<u8>) -> Response {
    app.req(Method::POST, &format!("/api/v1/files?name={name}")).token(token).raw(content_type, bytes).send().await
}

fn log_with(files: &[&str]) -> Value {
    json!({"date": "2026-12-03", "duration_minutes": 60, "description": "Memeriksa stok obat di gudang farmasi",
           "output_quantity": 1, "output_unit": "laporan", "additional_duty": true, "evidence_file_ids": files})
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[actix_web::test]
async fn a_photo_fills_the_logs_location_and_is_served_to_its_readers_only() {
    let mut app = TestApp::spawn().await;
    // Thursday 3 December 2026, 10:00 WIB.
    app.set_clock(Utc.with_ymd_and_hms(2026, 12, 3, 3, 0, 0).unwrap());
    let org = app.org("EV-A", 6300).await;
    let original = sample::photo(Some(YOGYA));
    assert!(contains(&original, b"Exif") && contains(&original, b"Putu Ayu"));

    let up = upload(&app, &org.staff1.token, "image/jpeg", "IMG_0412.jpg", original.clone()).await;
    up.assert_status(201);
    let id = up.id();
    assert_eq!(up.header("location"), Some(format!("/api/v1/files/{id}")));
    assert_eq!((&up.body["media_type"], &up.body["daily_log_id"]), (&json!("image/jpeg"), &Value::Null));
    assert!((up.body["latitude"].as_f64().unwrap() + 7.81).abs() < 1e-6, "{}", up.body);
    assert!(up.body["size_bytes"].as_u64().unwrap() < original.len() as u64);

    // The bytes served carry no metadata but are the picture.
    let got = app.get(&format!("/api/v1/files/{id}/content"), &org.staff1.token).await;
    got.assert_status(200);
    assert_eq!(got.header("content-type").as_deref(), Some("image/jpeg"));
    assert_eq!(got.header("x-content-type-options").as_deref(), Some("nosniff"));
    let bytes = got.bytes.clone();
    assert!(bytes.starts_with(&[0xFF, 0xD8]) && bytes.ends_with(&[0xFF, 0xD9]));
    assert!(!contains(&bytes, b"Exif") && !contains(&bytes, b"Putu Ayu"), "metadata stripped");
    // Before a log names it, nobody but its uploader knows of it.
    for other in [&org.staff2.token, &org.section.token, &org.admin] {
        app.get(&format!("/api/v1/files/{id}"), other).await.assert_problem(404, "not-found");
    }

    // The log names it and gives no location: the photo's fills it.
    let created = app.post("/api/v1/daily-logs", &org.staff1.token, log_with(&[&id])).await;
    created.assert_status(201);
    let log = created.id();
    assert!((created.body["latitude"].as_f64().unwrap() + 7.81).abs() < 1e-6, "{}", created.body);
    assert!((created.body["longitude"].as_f64().unwrap() - 110.36).abs() < 1e-6);
    // Its readers get it; a colleague gets 404 for the file, its bytes and the log's list.
    for reader in [&org.staff1.token, &org.section.token, &org.division.token, &org.admin] {
        let f = app.get(&format!("/api/v1/files/{id}"), reader).await;
        f.assert_status(200);
        assert_eq!(f.body["daily_log_id"], log.as_str());
        app.get(&format!("/api/v1/files/{id}/content"), reader).await.assert_status(200);
    }
    app.get(&format!("/api/v1/files/{id}"), &org.staff2.token).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/files/{id}/content"), &org.staff2.token).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/daily-logs/{log}/files"), &org.staff2.token).await.assert_problem(404, "not-found");
    let listed = app.get(&format!("/api/v1/daily-logs/{log}/files"), &org.section.token).await;
    assert_eq!(listed.body["items"][0]["id"], id.as_str());

    // A file proves one log, and only its uploader's.
    app.post("/api/v1/daily-logs", &org.staff1.token, log_with(&[&id])).await.assert_invalid("#/evidence_file_ids/0");
    let second =
        upload(&app, &org.staff1.token, "application/octet-stream", "x", sample::photo(Some(YOGYA))).await.id();
    app.post("/api/v1/daily-logs", &org.staff2.token, log_with(&[&second]))
        .await
        .assert_invalid("#/evidence_file_ids/0");
    // A location the log gives stays.
    let mut own_place = log_with(&[&second]);
    own_place["latitude"] = json!(-8.05);
    own_place["longitude"] = json!(111.71);
    let kept = app.post("/api/v1/daily-logs", &org.staff1.token, own_place).await;
    kept.assert_status(201);
    assert_eq!((kept.body["latitude"].as_f64(), kept.body["longitude"].as_f64()), (Some(-8.05), Some(111.71)));

    // A phone's batch names a file uploaded before.
    let third = upload(&app, &org.staff1.token, "image/jpeg", "IMG_0413.JPG", sample::photo(Some(YOGYA))).await.id();
    let mut item = log_with(&[&third]);
    item["client_id"] = json!(uuid::Uuid::now_v7());
    item["duration_minutes"] = json!(30);
    let batch = app.post("/api/v1/daily-logs/batch", &org.staff1.token, json!({"items": [item]})).await;
    batch.assert_status(200);
    assert_eq!(batch.body["items"][0]["outcome"], "created", "{}", batch.body);
    assert!((batch.body["items"][0]["log"]["latitude"].as_f64().unwrap() + 7.81).abs() < 1e-6);
    let f = app.get(&format!("/api/v1/files/{third}"), &org.section.token).await;
    assert_eq!(f.body["daily_log_id"], batch.body["items"][0]["log"]["id"]);
}

#[actix_web::test]
async fn forged_names_and_types_are_refused_and_the_quota_holds() {
    let mut app = TestApp::spawn().await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 12, 3, 3, 0, 0).unwrap());
    let org = app.org("EV-B", 6400).await;
    let t = &org.staff1.token;
    // A program named as a photo: the content is no picture.
    let program = b"MZ\x90\x00\x03\x00\x00\x00 This program cannot be run in DOS mode".to_vec();
    upload(&app, t, "image/jpeg", "foto.jpg", program).await.assert_invalid("#/content");
    // A PDF sent as a JPEG, and one named as a JPEG.
    upload(&app, t, "image/jpeg", "scan", sample::pdf()).await.assert_invalid("#/content");
    upload(&app, t, "application/pdf", "surat.jpg", sample::pdf()).await.assert_invalid("#/name");
    // A photo cut short.
    let mut cut = sample::photo(None);
    cut.truncate(30);
    upload(&app, t, "image/jpeg", "a.jpg", cut).await.assert_invalid("#/content");
    upload(&app, t, "text/plain", "a.txt", b"hello".to_vec()).await.assert_problem(415, "unsupported-media-type");
    upload(&app, t, "image/jpeg", "a.jpg", Vec::new()).await.assert_invalid("#/content");
    let pdf = upload(&app, t, "application/pdf", "surat-tugas.pdf", sample::pdf()).await;
    pdf.assert_status(201);
    assert_eq!((&pdf.body["media_type"], &pdf.body["latitude"]), (&json!("application/pdf"), &Value::Null));
    // An account without an employee record uploads nothing.
    upload(&app, &org.admin, "application/pdf", "x.pdf", sample::pdf()).await.assert_problem(403, "forbidden");

    // The quota: what is stored plus a file must fit.
    let used = pdf.body["size_bytes"].as_i64().unwrap();
    let agency = app.get(&format!("/api/v1/agencies/{}", org.agency), &org.admin).await;
    assert_eq!(agency.body["evidence_quota_bytes"], 5_368_709_120_i64);
    app.patch(&format!("/api/v1/agencies/{}", org.agency), &org.admin, json!({"evidence_quota_bytes": used + 10}))
        .await
        .assert_status(200);
    upload(&app, t, "application/pdf", "lagi.pdf", sample::pdf()).await.assert_problem(409, "conflict");
    app.patch(&format!("/api/v1/agencies/{}", org.agency), &org.admin, json!({"evidence_quota_bytes": -1}))
        .await
        .assert_invalid("#/evidence_quota_bytes");
    app.patch(&format!("/api/v1/agencies/{}", org.agency), &org.admin, json!({"evidence_quota_bytes": used * 2}))
        .await
        .assert_status(200);
    upload(&app, t, "application/pdf", "lagi.pdf", sample::pdf()).await.assert_status(201);
}

#[actix_web::test]
async fn a_realisation_names_its_evidence_files_and_its_readers_get_them() {
    let app = TestApp::spawn().await;
    let s = ekinerja_tests::builders::setup(&app, "EV-C", 6600).await;
    let org = &s.org;
    let q3 = app
        .post(
            "/api/v1/evaluation-periods",
            &org.admin,
            json!({"performance_period_id": s.period, "kind": "quarterly", "number": 3}),
        )
        .await;
    let evaluation = app
        .post(
            "/api/v1/evaluations",
            &org.section.token,
            json!({"evaluation_period_id": q3.id(), "employee_id": org.staff1.id}),
        )
        .await;
    evaluation.assert_status(201);
    let path = format!("/api/v1/evaluations/{}", evaluation.id());
    let realisation = app.get(&format!("{path}/realisation"), &org.staff1.token).await;
    let indicator = realisation.body["results"][0]["indicators"][0]["indicator_id"].as_str().unwrap().to_owned();
    let report = upload(&app, &org.staff1.token, "application/pdf", "laporan-triwulan.pdf", sample::pdf()).await.id();
    let assess = |token: &str, files: Vec<&str>| {
        app.req(Method::PUT, &format!("{path}/realisation/{indicator}"))
            .token(token)
            .json(json!({"quantity": 3, "evidence_file_ids": files}))
    };
    // A colleague's file cannot be named; the employee's own can, once.
    let other = upload(&app, &org.staff2.token, "application/pdf", "x.pdf", sample::pdf()).await.id();
    assess(&org.staff1.token, vec![&other]).send().await.assert_invalid("#/evidence_file_ids/0");
    assess(&org.staff1.token, vec![&report]).send().await.assert_status(200);
    assess(&org.staff1.token, vec![&report]).send().await.assert_invalid("#/evidence_file_ids/0");
    let listed = format!("/api/v1/evaluations/{}/files?indicator_id={indicator}", evaluation.id());
    for reader in [&org.staff1.token, &org.section.token, &org.head.token] {
        let files = app.get(&listed, reader).await;
        files.assert_status(200);
        assert_eq!(files.body["items"][0]["id"], report.as_str());
        assert_eq!(files.body["items"][0]["evaluation_id"], evaluation.id().as_str());
        app.get(&format!("/api/v1/files/{report}/content"), reader).await.assert_status(200);
    }
    app.get(&listed, &org.staff2.token).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/files/{report}"), &org.staff2.token).await.assert_problem(404, "not-found");
    let bad = format!("/api/v1/evaluations/{}/files?indicator_id=x", evaluation.id());
    app.get(&bad, &org.staff1.token).await.assert_problem(400, "bad-parameter");
}

#[actix_web::test]
async fn sick_leave_of_days_carries_a_doctors_letter() {
    let mut app = TestApp::spawn().await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 12, 3, 3, 0, 0).unwrap());
    let org = app.org("EV-D", 6700).await;
    let sick = |files: Vec<&str>, to: &str| {
        json!({"kind": "sick", "starts_on": "2026-12-07", "ends_on": to, "reason": "Demam berdarah, rawat jalan",
               "attachment_file_ids": files})
    };
    // Three days need a letter; one of a colleague's is no letter of theirs.
    app.post("/api/v1/leave-requests", &org.staff1.token, sick(vec![], "2026-12-09")).await.assert_invalid("#/ends_on");
    let letter = upload(&app, &org.staff1.token, "application/pdf", "surat-dokter.pdf", sample::pdf()).await.id();
    let theirs = upload(&app, &org.staff2.token, "application/pdf", "x.pdf", sample::pdf()).await.id();
    app.post("/api/v1/leave-requests", &org.staff1.token, sick(vec![&theirs], "2026-12-09"))
        .await
        .assert_invalid("#/attachment_file_ids/0");
    // More than 14 days needs a government doctor's letter, recorded by the admin.
    app.post("/api/v1/leave-requests", &org.staff1.token, sick(vec![&letter], "2026-12-31"))
        .await
        .assert_invalid("#/ends_on");
    let asked = app.post("/api/v1/leave-requests", &org.staff1.token, sick(vec![&letter], "2026-12-09")).await;
    asked.assert_status(201);
    let listed = format!("/api/v1/leave-requests/{}/files", asked.id());
    for reader in [&org.staff1.token, &org.section.token, &org.head.token] {
        let files = app.get(&listed, reader).await;
        files.assert_status(200);
        assert_eq!(files.body["items"][0]["id"], letter.as_str());
        app.get(&format!("/api/v1/files/{letter}/content"), reader).await.assert_status(200);
    }
    app.get(&listed, &org.staff2.token).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/files/{letter}"), &org.staff2.token).await.assert_problem(404, "not-found");
}
