//! Bulk import of the sample HR export: broken lines reported by line number, all or nothing.

use actix_web::http::Method;
use ekinerja_tests::builders::job_ended;
use ekinerja_tests::TestApp;
use serde_json::json;

const SAMPLE: &str = include_str!("../fixtures/sample-employees.csv");

async fn agency_with_units(app: &TestApp) -> String {
    let agency = app.agency("KAB-IMPORT").await;
    let admin = app.agency_admin(&agency, "bkpsdm.import").await;
    for (code, name) in [
        ("SETDA", "Sekretariat Daerah"),
        ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"),
        ("DINKES", "Dinas Kesehatan"),
        ("INSP", "Inspektorat"),
        ("DISKOMINFO", "Dinas Komunikasi dan Informatika"),
    ] {
        app.post("/api/v1/org-units", &admin, json!({"code": code, "name": name})).await.assert_status(201);
    }
    admin
}

async fn import(app: &TestApp, token: &str, query: &str, body: &str) -> ekinerja_tests::Response {
    let path = format!("/api/v1/imports/employees{query}");
    app.req(Method::POST, &path).token(token).raw("text/csv; charset=utf-8", body.to_owned()).send().await
}

/// The broken lines of the sample, as (line, column).
const BROKEN: &[(u64, &str)] = &[
    (13, "nip"),           // appointed in 2028
    (26, "nip"),           // appointed in 2028
    (42, "nip"),           // 17 digits
    (43, "nip"),           // a letter
    (44, "nip"),           // the NIP of line 4 again
    (45, "jenis_kelamin"), // P, but the NIP says male
    (45, "kode_unit"),     // no such unit
];

#[actix_web::test]
async fn the_sample_export_reports_its_broken_lines_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let admin = agency_with_units(&app).await;

    let dry = import(&app, &admin, "?dry_run=true", SAMPLE).await;
    dry.assert_status(200);
    assert_eq!(dry.body["dry_run"], true);
    assert_eq!(dry.body["rows"], 44);
    let mut found: Vec<(u64, String)> = dry.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["column"].as_str().unwrap().to_owned()))
        .collect();
    found.sort();
    let want: Vec<(u64, String)> = BROKEN.iter().map(|(l, c)| (*l, (*c).to_owned())).collect();
    assert_eq!(found, want, "{}", dry.text);
    let dup = dry.body["errors"].as_array().unwrap().iter().find(|e| e["line"] == 44).unwrap();
    assert!(dup["detail"].as_str().unwrap().contains("line 4"), "{dup}");

    let real = import(&app, &admin, "", SAMPLE).await;
    real.assert_invalid("#/lines/42/nip").assert_invalid("#/lines/45/kode_unit");
    assert_eq!(real.body["errors"].as_array().unwrap().len(), BROKEN.len());
    assert_eq!(app.get("/api/v1/employees", &admin).await.body["items"].as_array().unwrap().len(), 0);
    assert_eq!(app.get("/api/v1/positions", &admin).await.body["items"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn the_good_lines_import_with_positions_and_supervisors() {
    let app = TestApp::spawn().await;
    let admin = agency_with_units(&app).await;
    let good: String = SAMPLE
        .lines()
        .enumerate()
        .filter(|(i, _)| !BROKEN.iter().any(|(l, _)| *l == *i as u64 + 1))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let dry = import(&app, &admin, "?dry_run=true", &good).await;
    dry.assert_status(200);
    assert_eq!(dry.body["errors"], json!([]));
    assert_eq!(dry.body["employees_created"], 38);
    assert_eq!(
        app.get("/api/v1/employees", &admin).await.body["items"].as_array().unwrap().len(),
        0,
        "a dry run stores nothing"
    );

    let res = import(&app, &admin, "", &good).await;
    res.assert_status(200);
    assert_eq!(res.body["employees_created"], 38);
    let positions = res.body["positions_created"].as_u64().unwrap();
    assert!(positions > 5 && positions < 38, "staff posts are shared, structural ones are not: {positions}");
    let employees = app.get("/api/v1/employees?limit=200", &admin).await;
    assert_eq!(employees.body["items"].as_array().unwrap().len(), 38);
    // The head of Dinas Kesehatan supervises its staff, inferred from the unit.
    let head = app.get("/api/v1/employees/197709082004032888", &admin).await;
    head.assert_status(200);
    let subs = app.get(&format!("/api/v1/employees/{}/subordinates", head.id()), &admin).await;
    assert_eq!(subs.body["items"].as_array().unwrap().len(), 7, "{}", subs.text);
    // Importing the same file again refuses every line as already registered.
    let again = import(&app, &admin, "?dry_run=true", &good).await;
    assert_eq!(again.body["errors"].as_array().unwrap().len(), 38);
}

#[actix_web::test]
async fn import_refuses_other_roles_and_bad_files() {
    let app = TestApp::spawn().await;
    let admin = agency_with_units(&app).await;
    let org = app.org("KAB-OTHER", 50).await;
    import(&app, &org.admin, &format!("?agency_id={}", "00000000-0000-0000-0000-000000000000"), SAMPLE)
        .await
        .assert_invalid("#/agency_id");
    import(&app, &org.staff1.token, "?dry_run=true", SAMPLE).await.assert_problem(403, "forbidden");
    app.post("/api/v1/imports/employees", &admin, json!({"rows": []}))
        .await
        .assert_problem(415, "unsupported-media-type");
    import(&app, &admin, "", "nama,jabatan\nBudi,Staf\n").await.assert_invalid("#/columns/nip");
    let res = app
        .req(Method::POST, "/api/v1/imports/employees")
        .token(&admin)
        .raw("text/csv", vec![0xff_u8, 0xfe, 0x00])
        .send()
        .await;
    res.assert_invalid("#/");
}

#[actix_web::test]
async fn an_import_started_as_a_job_ends_with_its_report_or_its_refused_lines() {
    let app = TestApp::spawn().await;
    let admin = agency_with_units(&app).await;
    let org = app.org("KAB-OTHER", 50).await;
    let later = |token: &str, query: &str, body: &str| {
        app.req(Method::POST, &format!("/api/v1/imports/employees{query}"))
            .token(token)
            .header("prefer", "respond-async")
            .raw("text/csv; charset=utf-8", body.to_owned())
            .send()
    };
    // The sample with its broken lines: the job fails with the 422 the request would have had,
    // and stores nothing.
    let started = later(&admin, "", SAMPLE).await;
    started.assert_status(202);
    assert_eq!(started.body["kind"], "employee_import", "{}", started.text);
    let job_path = started.header("location").unwrap();
    let job = job_ended(&app, &job_path, &admin).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["problem"]["status"], 422, "{job}");
    assert_eq!(job["problem"]["errors"].as_array().unwrap().len(), BROKEN.len(), "{job}");
    assert_eq!(job["result_location"], serde_json::Value::Null);
    app.get(&format!("{job_path}/file"), &admin).await.assert_problem(404, "not-found");
    assert_eq!(app.get("/api/v1/employees", &admin).await.body["items"].as_array().unwrap().len(), 0);

    // The good lines: the job imports them and keeps the report the request would have answered.
    let good: String = SAMPLE
        .lines()
        .enumerate()
        .filter(|(i, _)| !BROKEN.iter().any(|(l, _)| *l == *i as u64 + 1))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let started = later(&admin, "", &good).await;
    started.assert_status(202);
    let job_path = started.header("location").unwrap();
    let job = job_ended(&app, &job_path, &admin).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["progress"], json!({"stage": "finished", "done": 38, "total": 38}));
    let file_path = format!("{job_path}/file");
    assert_eq!(job["result_location"], file_path.as_str());
    let report = app.get(&file_path, &admin).await;
    report.assert_status(200);
    assert_eq!(report.header("content-type").as_deref(), Some("application/json"));
    assert_eq!(
        (&report.body["dry_run"], &report.body["employees_created"]),
        (&json!(false), &json!(38)),
        "{}",
        report.text
    );
    assert_eq!(report.body["errors"], json!([]));
    let employees = app.get("/api/v1/employees?limit=200", &admin).await;
    assert_eq!(employees.body["items"].as_array().unwrap().len(), 38);
    // Nobody else follows it or reads its report.
    for token in [&org.admin, &org.staff1.token] {
        app.get(&job_path, token).await.assert_problem(404, "not-found");
        app.get(&file_path, token).await.assert_problem(404, "not-found");
    }
    // What the request refuses at once is refused before any job is stored: another role, a
    // file that is not CSV or lacks the required columns.
    later(&org.staff1.token, "?dry_run=true", SAMPLE).await.assert_problem(403, "forbidden");
    later(&admin, "", "nama,jabatan\nBudi,Staf\n").await.assert_invalid("#/columns/nip");
    let res = app
        .req(Method::POST, "/api/v1/imports/employees")
        .token(&admin)
        .header("prefer", "respond-async")
        .json(json!({"rows": []}))
        .send()
        .await;
    res.assert_problem(415, "unsupported-media-type");
}
