//! What systems read with an integration key: the roster with its changed-since cursor
//! (`employees_read`) and approved allowance runs (`allowance_read`), each for its own agency.

use actix_web::http::Method;
use ekinerja_tests::builders::etag;
use ekinerja_tests::{nip, TestApp};
use serde_json::{json, Value};

async fn key(app: &TestApp, admin: &str, scope: &str) -> String {
    let res = app
        .post("/api/v1/integration-keys", admin, json!({"name": format!("Sistem {scope}"), "scopes": [scope]}))
        .await;
    res.assert_status(201);
    res.body["key"].as_str().unwrap().to_owned()
}

/// Reads the roster from `since` until nothing more waits; returns the entries and the cursor.
async fn read_all(app: &TestApp, key: &str, since: Option<&str>, limit: i64) -> (Vec<Value>, Option<String>) {
    let mut since = since.map(str::to_owned);
    let mut items = Vec::new();
    loop {
        let path = match &since {
            Some(s) => format!("/api/v1/integration/employees?limit={limit}&since={s}"),
            None => format!("/api/v1/integration/employees?limit={limit}"),
        };
        let res = app.get(&path, key).await;
        res.assert_status(200);
        let page = res.body["items"].as_array().unwrap();
        assert!(page.len() as i64 <= limit);
        items.extend(page.iter().cloned());
        since = res.body["next_since"].as_str().map(str::to_owned);
        if res.body["more"] == false {
            return (items, since);
        }
    }
}

fn names(items: &[Value]) -> Vec<&str> {
    let mut n: Vec<&str> = items.iter().map(|e| e["name"].as_str().unwrap()).collect();
    n.sort_unstable();
    n
}

#[actix_web::test]
async fn a_system_reads_the_roster_changed_since_its_last_read() {
    let app = TestApp::spawn().await;
    let org = app.org("ROSTER-A", 1500).await;
    let other = app.org("ROSTER-B", 1550).await;
    let roster = key(&app, &org.admin, "employees_read").await;
    let pusher = key(&app, &org.admin, "attendance_write").await;
    let other_roster = key(&app, &other.admin, "employees_read").await;

    // The whole roster, two at a time: each employee once, with the unit of their post.
    let (all, cursor) = read_all(&app, &roster, None, 2).await;
    assert_eq!(names(&all), ["Agus Salim", "Budi Santoso", "Dewi Lestari", "Rina Utami", "Sari Wijaya"]);
    assert!(all.iter().all(|e| e["org_unit_id"] == org.unit.as_str() && e["org_unit_code"] == "DINKES"));
    assert!(all.iter().all(|e| e["active"] == true && e["nip"].as_str().unwrap().len() == 18));
    let cursor = cursor.expect("a cursor");
    // Nothing changed: nothing comes, and the cursor stays.
    let (none, same) = read_all(&app, &roster, Some(&cursor), 100).await;
    assert!(none.is_empty());
    assert_eq!(same.as_deref(), Some(cursor.as_str()));

    // A new name, a new employee, someone leaving: exactly those come, as they are now.
    let staff1 = format!("/api/v1/employees/{}", org.staff1.id);
    app.patch(&staff1, &org.admin, json!({"name": "Agus Salim Hakim"})).await.assert_status(200);
    app.patch(&format!("/api/v1/employees/{}", org.staff2.id), &org.admin, json!({"active": false}))
        .await
        .assert_status(200);
    let hired = app
        .post(
            "/api/v1/employees",
            &org.admin,
            json!({"nip": nip(1509), "name": "Lina Marlina", "employment_type": "pppk", "position_id": org.staff_post}),
        )
        .await;
    hired.assert_status(201);
    // A rank is not on the roster: changing it brings nothing.
    app.patch(&format!("/api/v1/employees/{}", org.head.id), &org.admin, json!({"rank": "IV/d"}))
        .await
        .assert_status(200);
    let (changed, cursor) = read_all(&app, &roster, Some(&cursor), 100).await;
    assert_eq!(names(&changed), ["Agus Salim Hakim", "Lina Marlina", "Rina Utami"]);
    assert_eq!(changed.iter().find(|e| e["name"] == "Rina Utami").unwrap()["active"], false);
    // The same employee changed twice since the last read comes once.
    app.patch(&staff1, &org.admin, json!({"name": "Agus S. Hakim"})).await.assert_status(200);
    app.patch(&staff1, &org.admin, json!({"name": "Agus Salim"})).await.assert_status(200);
    let (changed, cursor) = read_all(&app, &roster, cursor.as_deref(), 100).await;
    assert_eq!(names(&changed), ["Agus Salim"]);
    // A unit renamed: everyone whose post is in it comes again.
    app.patch(&format!("/api/v1/org-units/{}", org.unit), &org.admin, json!({"name": "Dinas Kesehatan dan KB"}))
        .await
        .assert_status(200);
    let (changed, _) = read_all(&app, &roster, cursor.as_deref(), 100).await;
    assert_eq!(changed.len(), 6);
    assert!(changed.iter().all(|e| e["org_unit_name"] == "Dinas Kesehatan dan KB"));

    // Another agency's key reads its own roster only.
    let (theirs, _) = read_all(&app, &other_roster, None, 100).await;
    assert_eq!(theirs.len(), 5);
    assert!(theirs.iter().all(|e| e["org_unit_id"] == other.unit.as_str()));
    // The scope, the credential and the cursor are checked.
    app.get("/api/v1/integration/employees", &pusher).await.assert_problem(403, "forbidden");
    app.get("/api/v1/integration/employees", &org.admin).await.assert_status(401);
    app.get("/api/v1/integration/employees?since=abc", &roster).await.assert_problem(400, "bad-parameter");
    app.get("/api/v1/integration/employees?limit=0", &roster).await.assert_problem(400, "bad-parameter");
    // A key never reaches a person's endpoint.
    app.get("/api/v1/employees", &roster).await.assert_status(401);
    // A key issued with a signing secret signs its reads too.
    let signed = app
        .post(
            "/api/v1/integration-keys",
            &org.admin,
            json!({"name": "Sistem bertanda tangan", "scopes": ["employees_read"], "signed": true}),
        )
        .await;
    signed.assert_status(201);
    app.get("/api/v1/integration/employees", signed.body["key"].as_str().unwrap()).await.assert_status(401);
}

#[actix_web::test]
async fn a_payroll_system_reads_approved_runs_only() {
    let app = TestApp::spawn().await;
    let org = app.org("PAYROLL-A", 1600).await;
    let other = app.org("PAYROLL-B", 1650).await;
    let payroll = key(&app, &org.admin, "allowance_read").await;
    let roster = key(&app, &org.admin, "employees_read").await;
    let other_payroll = key(&app, &other.admin, "allowance_read").await;
    let finance = app.finance(&org.admin, "bpkad").await;
    let mut rules = ekinerja_tests::builders::rules(15);
    rules["base_amounts"] = json!([{"class": 5, "amount": 2500000}, {"class": 14, "amount": 9000000}]);
    app.post("/api/v1/allowance-policies", &org.admin, json!({"effective_month": "2020-01", "rules": rules}))
        .await
        .assert_status(201);
    let first = chrono::Datelike::with_day(&ekinerja_tests::builders::today(), 1).unwrap();
    let month = (first - chrono::Duration::days(1)).format("%Y-%m").to_string();
    let run = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": month})).await;
    run.assert_status(201);
    let run_path = format!("/api/v1/integration/allowance-runs/{}", run.id());
    // A draft is not shown to a system.
    assert_eq!(app.get("/api/v1/integration/allowance-runs", &payroll).await.body["items"], json!([]));
    app.get(&run_path, &payroll).await.assert_problem(404, "not-found");
    app.req(Method::POST, &format!("/api/v1/allowance-runs/{}/approve", run.id()))
        .token(&finance)
        .header("if-match", &etag(&run))
        .send()
        .await
        .assert_status(200);
    let listed = app.get(&format!("/api/v1/integration/allowance-runs?month={month}"), &payroll).await;
    listed.assert_status(200);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1, "{}", listed.text);
    assert_eq!(listed.body["items"][0]["status"], "approved");
    let got = app.get(&run_path, &payroll).await;
    got.assert_status(200);
    let lines = got.body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 5, "{}", got.text);
    let total: i64 = lines.iter().filter_map(|l| l["amount"].as_i64()).sum();
    assert_eq!(got.body["total"].as_i64(), Some(total));
    // Scope and agency.
    app.get(&run_path, &roster).await.assert_problem(403, "forbidden");
    app.get("/api/v1/integration/allowance-runs", &roster).await.assert_problem(403, "forbidden");
    app.get(&run_path, &other_payroll).await.assert_problem(404, "not-found");
    assert_eq!(app.get("/api/v1/integration/allowance-runs", &other_payroll).await.body["items"], json!([]));
    app.get(&run_path, &finance).await.assert_status(401);
}
