//! The matrix of roles.md over HTTP: for every row, a call the matrix allows and one it refuses,
//! made by the roles standing in those cells; a refused write changes nothing; a Plt head's views
//! start and end with the assignment.

use actix_web::http::Method;
use chrono::{Datelike, Duration};
use ekinerja_tests::builders::{etag, log, open, past_day, plan, setup, step, today};
use ekinerja_tests::TestApp;
use serde_json::{json, Value};

/// The month before this one, as `YYYY-MM`, and the one before that.
fn last_months() -> (String, String) {
    let first = today().with_day(1).unwrap();
    let last = first - Duration::days(1);
    let before = last.with_day(1).unwrap() - Duration::days(1);
    (last.format("%Y-%m").to_string(), before.format("%Y-%m").to_string())
}

fn rules_from_2020() -> Value {
    let mut r = ekinerja_tests::builders::rules(15);
    r["base_amounts"] = json!([{"class": 5, "amount": 2500000}, {"class": 9, "amount": 4000000},
                               {"class": 11, "amount": 6000000}, {"class": 14, "amount": 9000000}]);
    json!({"effective_month": "2020-01", "rules": r})
}

#[actix_web::test]
async fn every_row_of_the_matrix_allows_and_refuses_over_http() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "ROLES-A", 1300).await;
    let org = &s.org;
    let other = app.org("ROLES-B", 1350).await;
    let (_, leader) = app.granted_member(&org.admin, "bupati", "leader").await;
    let finance = app.finance(&org.admin, "bpkad").await;
    let (_, other_leader) = app.granted_member(&other.admin, "bupati.b", "leader").await;
    let employee = format!("/api/v1/employees/{}", org.staff1.id);

    // Employee record, supervisors, subordinates: everyone related reads, the admin writes.
    app.get(&employee, &finance).await.assert_status(200);
    app.get(&employee, &leader).await.assert_status(200);
    app.get(&format!("{employee}/supervisors"), &org.head.token).await.assert_status(200);
    app.get(&employee, &org.staff2.token).await.assert_problem(404, "not-found");
    app.get(&employee, &other_leader).await.assert_problem(404, "not-found");
    app.patch(&employee, &leader, json!({"name": "Diubah Pimpinan"})).await.assert_problem(403, "forbidden");
    app.patch(&employee, &finance, json!({"rank": "IV/e"})).await.assert_problem(403, "forbidden");
    let unchanged = app.get(&employee, &org.admin).await;
    assert_eq!((unchanged.body["name"].as_str(), unchanged.body["rank"].as_str()), (Some("Agus Salim"), None));
    app.patch(&employee, &org.admin, json!({"rank": "II/c"})).await.assert_status(200);

    // The agency's structure: every member reads it, only the admin changes it.
    let unit = format!("/api/v1/org-units/{}", org.unit);
    app.get(&unit, &org.staff2.token).await.assert_status(200);
    app.get(&unit, &finance).await.assert_status(200);
    app.patch(&unit, &leader, json!({"name": "Dinas Diubah"})).await.assert_problem(403, "forbidden");
    app.post("/api/v1/org-units", &finance, json!({"code": "X", "name": "Unit X"}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.get(&unit, &org.admin).await.body["name"], "Dinas Kesehatan");
    app.patch(&unit, &org.admin, json!({"name": "Dinas Kesehatan Kab."})).await.assert_status(200);

    // Own agreement: the employee drafts it; their supervisor reads but cannot write it.
    let mut skp = open(&app, &org.staff2, &s.period).await;
    let add = format!("/api/v1/agreements/{}/planned-results", skp.id);
    app.req(Method::POST, &add)
        .token(&org.section.token)
        .header("if-match", &skp.etag)
        .json(json!({"kind": "main", "description": "Bukan miliknya", "parent_result_id": s.section_rhk}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    plan(&app, &org.staff2, &mut skp, json!({"parent_result_id": s.section_rhk}), "RHK staf 2").await;
    step(&app, &org.staff2.token, &mut skp, "submit", None).await.assert_status(200);

    // Agreement decision: the direct supervisor approves; the head above, a leader and the
    // employee read it and cannot.
    let agreement = format!("/api/v1/agreements/{}", skp.id);
    for reader in [&org.head.token, &leader, &org.division.token] {
        app.get(&agreement, reader).await.assert_status(200);
    }
    app.get(&agreement, &finance).await.assert_problem(404, "not-found");
    for refused in [&leader, &org.head.token, &org.staff2.token] {
        step(&app, refused, &mut skp, "approve", None).await.assert_problem(403, "forbidden");
    }
    assert_eq!(app.get(&agreement, &org.admin).await.body["status"], "submitted");
    step(&app, &org.section.token, &mut skp, "approve", None).await.assert_status(200);

    // Daily logs: only the employee writes them.
    let created =
        app.post("/api/v1/daily-logs", &org.staff1.token, log(&s.staff_rhk, past_day(), "08:00", "10:00")).await;
    created.assert_status(201);
    let daily_log = format!("/api/v1/daily-logs/{}", created.id());
    for refused in [&leader, &org.section.token, &org.admin] {
        app.req(Method::PATCH, &daily_log)
            .token(refused)
            .header("if-match", &format!("\"v{}\"", created.body["version"]))
            .json(json!({"description": "Ditulis orang lain"}))
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    assert_eq!(app.get(&daily_log, &org.staff1.token).await.body["description"], "Menyusun laporan pelayanan");
    app.get(&daily_log, &finance).await.assert_problem(404, "not-found");

    // Daily logs, accept or reject: the direct supervisor; the unit head and a leader read.
    app.get(&daily_log, &org.head.token).await.assert_status(200);
    app.get(&daily_log, &leader).await.assert_status(200);
    for refused in [&org.head.token, &leader, &org.staff1.token] {
        app.review_log(refused, &created.id(), "accept", json!({})).await.assert_problem(403, "forbidden");
    }
    assert_eq!(app.get(&daily_log, &org.staff1.token).await.body["status"], "submitted");
    app.review_log(&org.section.token, &created.id(), "accept", json!({})).await.assert_status(200);

    // Evaluation: the direct supervisor opens and rates; a leader and the head read.
    let q3 = app
        .post(
            "/api/v1/evaluation-periods",
            &org.admin,
            json!({"performance_period_id": s.period, "kind": "quarterly", "number": 3}),
        )
        .await;
    q3.assert_status(201);
    let open_for = json!({"evaluation_period_id": q3.id(), "employee_id": org.staff1.id});
    for refused in [&leader, &org.head.token, &org.staff1.token] {
        app.post("/api/v1/evaluations", refused, open_for.clone()).await.assert_problem(403, "forbidden");
    }
    let evaluation = app.post("/api/v1/evaluations", &org.section.token, open_for).await;
    evaluation.assert_status(201);
    let path = format!("/api/v1/evaluations/{}", evaluation.id());
    app.get(&path, &leader).await.assert_status(200);
    app.get(&path, &org.head.token).await.assert_status(200);
    app.get(&path, &finance).await.assert_problem(404, "not-found");

    // Realisation self-assessment: the employee while it is a draft; the supervisor and a leader read.
    let realisation = app.get(&format!("{path}/realisation"), &leader).await;
    realisation.assert_status(200);
    app.get(&format!("{path}/realisation"), &org.section.token).await.assert_status(200);
    let indicator = realisation.body["results"][0]["indicators"][0]["indicator_id"].as_str().unwrap().to_owned();
    let assess = format!("{path}/realisation/{indicator}");
    for refused in [&org.section.token, &leader] {
        app.req(Method::PUT, &assess)
            .token(refused)
            .json(json!({"quantity": 3}))
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    app.req(Method::PUT, &assess).token(&org.staff1.token).json(json!({"quantity": 3})).send().await.assert_status(200);

    // Discipline and absences: finance and a leader read; only the admin records absences.
    let (last_month, month_before) = last_months();
    let discipline = format!("{employee}/discipline?month={last_month}");
    app.get(&discipline, &finance).await.assert_status(200);
    app.get(&discipline, &leader).await.assert_status(200);
    app.get(&discipline, &org.staff2.token).await.assert_problem(404, "not-found");
    // An employee's maturity is drawn from their logs: a leader reads it, finance does not.
    app.get(&format!("{employee}/maturity"), &leader).await.assert_status(200);
    app.get(&format!("{employee}/maturity"), &finance).await.assert_problem(404, "not-found");
    let leave = json!({"employee_id": org.staff1.id, "kind": "leave", "starts_on": past_day(), "ends_on": past_day()});
    for refused in [&finance, &leader, &org.head.token] {
        app.post("/api/v1/absences", refused, leave.clone()).await.assert_problem(403, "forbidden");
    }
    assert_eq!(
        app.get(&format!("{employee}/absences"), &org.admin).await.body["items"],
        json!([]),
        "a refused absence is not recorded"
    );

    // Allowance policy: finance reads it and cannot change it.
    app.get("/api/v1/allowance-policies", &finance).await.assert_status(200);
    app.post("/api/v1/allowance-policies", &finance, rules_from_2020()).await.assert_problem(403, "forbidden");
    app.post("/api/v1/allowance-policies", &leader, rules_from_2020()).await.assert_problem(403, "forbidden");
    assert_eq!(app.get("/api/v1/allowance-policies", &finance).await.body["items"], json!([]));
    app.post("/api/v1/allowance-policies", &org.admin, rules_from_2020()).await.assert_status(201);

    // Allowance runs, compute: the admin only.
    let compute = json!({"month": last_month});
    app.post("/api/v1/allowance-runs", &finance, compute.clone()).await.assert_problem(403, "forbidden");
    app.post("/api/v1/allowance-runs", &leader, compute.clone()).await.assert_problem(403, "forbidden");
    let run = app.post("/api/v1/allowance-runs", &org.admin, compute).await;
    run.assert_status(201);
    let run_path = format!("/api/v1/allowance-runs/{}", run.id());

    // Allowance runs, approve: finance; never the account that computed it while the policy is on.
    for refused in [&org.admin, &leader, &org.head.token] {
        app.req(Method::POST, &format!("{run_path}/approve"))
            .token(refused)
            .header("if-match", &etag(&run))
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    assert_eq!(app.get(&run_path, &finance).await.body["status"], "draft");
    app.req(Method::POST, &format!("{run_path}/approve"))
        .token(&finance)
        .header("if-match", &etag(&run))
        .send()
        .await
        .assert_status(200);
    // With separation of duties off, the admin approves what they computed.
    let agency = format!("/api/v1/agencies/{}", org.agency);
    app.patch(&agency, &org.admin, json!({"allowance_separation_of_duties": false})).await.assert_status(200);
    let earlier = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": month_before})).await;
    earlier.assert_status(201);
    app.req(Method::POST, &format!("/api/v1/allowance-runs/{}/approve", earlier.id()))
        .token(&org.admin)
        .header("if-match", &etag(&earlier))
        .send()
        .await
        .assert_status(200);

    // Payroll and breakdown CSV: a leader, finance and the admin; not a unit head.
    for reader in [&leader, &finance, &org.admin] {
        app.get(&format!("{run_path}/payroll"), reader).await.assert_status(200);
    }
    app.get(&format!("{run_path}/breakdown"), &leader).await.assert_status(200);
    for refused in [&org.head.token, &org.staff1.token] {
        app.get(&format!("{run_path}/payroll"), refused).await.assert_problem(403, "forbidden");
    }
    app.get("/api/v1/allowance-runs", &org.head.token).await.assert_problem(403, "forbidden");
    app.get(&format!("{run_path}/payroll"), &other_leader).await.assert_problem(404, "not-found");

    // Own lines of approved runs: the employee, their unit's head, a leader, finance, the admin.
    let mine = app.get(&format!("/api/v1/me/allowance?month={last_month}"), &org.staff1.token).await;
    assert_eq!(mine.body["items"].as_array().map(Vec::len), Some(1), "{}", mine.text);
    let lines = format!("{unit}/allowance?month={last_month}");
    for reader in [&org.head.token, &leader, &finance, &org.admin] {
        let res = app.get(&lines, reader).await;
        res.assert_status(200);
        let items = res.body["items"].as_array().unwrap();
        assert!(items.iter().any(|l| l["line"]["employee_id"] == org.staff1.id.as_str()), "{}", res.text);
        assert!(items.iter().all(|l| l["run_id"] == run.id().as_str()), "approved runs only: {}", res.text);
    }
    for refused in [&org.section.token, &org.staff1.token] {
        app.get(&lines, refused).await.assert_problem(403, "forbidden");
    }
    app.get(&lines, &other.admin).await.assert_problem(404, "not-found");

    // Unit views: the unit's head, a leader, the admin; not finance, not a section head.
    let dashboard = format!("{unit}/dashboard");
    for reader in [&org.head.token, &leader, &org.admin] {
        app.get(&dashboard, reader).await.assert_status(200);
    }
    for refused in [&finance, &org.section.token, &org.staff1.token] {
        app.get(&dashboard, refused).await.assert_problem(403, "forbidden");
    }

    // Agency views: a leader and the admin; not a unit head or finance.
    let agency_dashboard = format!("{agency}/dashboard");
    app.get(&agency_dashboard, &leader).await.assert_status(200);
    for refused in [&org.head.token, &finance] {
        app.get(&agency_dashboard, refused).await.assert_problem(403, "forbidden");
    }

    // Policies: every member reads them; a leader's change is refused and changes nothing.
    app.get(&agency, &leader).await.assert_status(200);
    app.patch(&agency, &leader, json!({"daily_log_cap_minutes": 300})).await.assert_problem(403, "forbidden");
    app.patch(&agency, &finance, json!({"allowance_separation_of_duties": true}))
        .await
        .assert_problem(403, "forbidden");
    let policy = app.get(&agency, &org.admin).await;
    assert_eq!(policy.body["daily_log_cap_minutes"], 450);
    assert_eq!(policy.body["allowance_separation_of_duties"], false);

    // Accounts, role grants, keys, machines: the admin; audit trail: the admin and a leader.
    app.get("/api/v1/role-grants", &org.admin).await.assert_status(200);
    for refused in [&leader, &finance, &org.head.token] {
        app.get("/api/v1/role-grants", refused).await.assert_problem(403, "forbidden");
        app.post(
            "/api/v1/accounts",
            refused,
            json!({"role": "member", "username": "titipan", "password": "rahasia-sekali-2026"}),
        )
        .await
        .assert_problem(403, "forbidden");
    }
    app.get("/api/v1/audit-events", &leader).await.assert_status(200);
    for refused in [&finance, &org.head.token] {
        app.get("/api/v1/audit-events", refused).await.assert_problem(403, "forbidden");
    }
}

/// A caller whose role does not create a record is told so whichever agency the request names
/// (their own, another, or none at all), so the answer neither judges a name they could never use
/// nor tells one agency's existence from another's; an admin naming an agency not theirs is told
/// which field is wrong. Nothing is stored either way.
#[actix_web::test]
async fn a_role_that_may_not_create_is_forbidden_whichever_agency_it_names() {
    let app = TestApp::spawn().await;
    let org = app.org("NAMED-A", 1400).await;
    let other = app.org("NAMED-B", 1450).await;
    let finance = app.finance(&org.admin, "bpkad.named").await;
    let missing = uuid::Uuid::now_v7().to_string();
    let holiday = |agency: &str| json!({"agency_id": agency, "date": "2026-08-17", "name": "Hari Kemerdekaan"});
    for agency in [&org.agency, &other.agency, &missing] {
        for refused in [&org.staff1.token, &org.head.token, &finance] {
            app.post("/api/v1/holidays", refused, holiday(agency)).await.assert_problem(403, "forbidden");
            app.post("/api/v1/org-units", refused, json!({"agency_id": agency, "code": "X", "name": "Unit X"}))
                .await
                .assert_problem(403, "forbidden");
        }
    }
    for agency in [&other.agency, &missing] {
        let r = app.post("/api/v1/holidays", &org.admin, holiday(agency)).await;
        r.assert_problem(422, "validation");
        assert_eq!(r.body["errors"][0]["pointer"], "#/agency_id", "{}", r.body);
    }
    for admin in [&org.admin, &other.admin] {
        assert_eq!(app.get("/api/v1/holidays?year=2026", admin).await.body["items"], json!([]));
    }
    app.post("/api/v1/holidays", &org.admin, holiday(&org.agency)).await.assert_status(201);
}

/// A role that never makes a kind of record is told so (403) before its request is judged field by
/// field: it learns nothing of which fields would be wrong. The agency's admin, who may, gets each
/// field's refusal (422) for the same bodies, and nothing is stored.
#[actix_web::test]
async fn a_role_that_may_not_create_is_forbidden_before_its_fields_are_judged() {
    let app = TestApp::spawn().await;
    let org = app.org("FIELDS-A", 1500).await;
    let finance = app.finance(&org.admin, "bpkad.fields").await;
    let activities = format!("/api/v1/positions/{}/activities", org.head_post);
    let bodies = [
        ("/api/v1/accounts", json!({"role": "member", "username": "kasir", "password": "password123"}), "#/password"),
        (
            "/api/v1/attendance-devices",
            json!({"serial_number": "no spaces please", "name": "Mesin"}),
            "#/serial_number",
        ),
        ("/api/v1/work-schedules", json!({"effective_from": "2026-01-01"}), "#/days"),
        ("/api/v1/distribution-patterns", json!({"effective_month": "2026-13", "patterns": []}), "#/effective_month"),
        ("/api/v1/employees", json!({"nip": "123", "name": "Budi", "employment_type": "pns"}), "#/nip"),
        ("/api/v1/performance-periods", json!({"year": 1999}), "#/year"),
        ("/api/v1/integration-keys", json!({"name": "", "scopes": ["employees_read"]}), "#/name"),
        ("/api/v1/org-units", json!({"code": "no spaces", "name": "Bidang Baru"}), "#/code"),
        (
            "/api/v1/shifts",
            json!({"org_unit_id": org.unit, "code": "no spaces", "name": "Dinas pagi", "starts_at": "07:00", "ends_at": "14:00"}),
            "#/code",
        ),
        ("/api/v1/holidays", json!({"date": "2026-08-17", "name": ""}), "#/name"),
        ("/api/v1/allowance-runs", json!({"month": "2026-13"}), "#/month"),
        (
            "/api/v1/webhook-subscriptions",
            json!({"url": "ftp://example.org", "event_types": ["log_reviewed"]}),
            "#/url",
        ),
        (
            "/api/v1/acting-assignments",
            json!({"position_id": org.head_post, "employee_id": org.section.id, "kind": "plt",
                   "starts_on": "2026-03-02", "ends_on": "2026-03-01"}),
            "#/ends_on",
        ),
        (
            "/api/v1/absences",
            json!({"employee_id": org.staff1.id, "kind": "leave", "starts_on": "1999-03-02", "ends_on": "1999-03-03"}),
            "#/starts_on",
        ),
        (
            "/api/v1/organisational-goals",
            json!({"period_id": uuid::Uuid::now_v7(), "org_unit_id": org.unit, "name": "", "indicator": "Indeks kepuasan",
                   "target_quantity": 1, "target_unit": "indeks"}),
            "#/name",
        ),
        (
            "/api/v1/evaluation-periods",
            json!({"performance_period_id": uuid::Uuid::now_v7(), "kind": "quarterly", "number": 1}),
            "#/performance_period_id",
        ),
        ("/api/v1/role-grants", json!({"account_id": uuid::Uuid::now_v7(), "role": "finance"}), "#/account_id"),
        (
            "/api/v1/positions",
            json!({"org_unit_id": uuid::Uuid::now_v7(), "name": "", "position_type": "pelaksana", "class": 5}),
            "#/name",
        ),
        (activities.as_str(), json!({"name": "", "output_unit": "laporan", "standard_minutes": 60}), "#/name"),
    ];
    for (path, body, pointer) in &bodies {
        for refused in [&org.staff1.token, &org.head.token, &finance] {
            app.post(path, refused, body.clone()).await.assert_problem(403, "forbidden");
        }
        let r = app.post(path, &org.admin, body.clone()).await;
        r.assert_problem(422, "validation");
        assert_eq!(r.body["errors"][0]["pointer"], *pointer, "{path}: {}", r.body);
    }
    let import = |token: &str| {
        app.req(actix_web::http::Method::POST, "/api/v1/imports/employees")
            .token(token)
            .raw("text/csv", "nama\nBudi\n")
            .send()
    };
    for refused in [&org.staff1.token, &org.head.token, &finance] {
        import(refused).await.assert_problem(403, "forbidden");
    }
    import(&org.admin).await.assert_invalid("#/columns/nip");
    for list in [
        "/api/v1/attendance-devices",
        "/api/v1/work-schedules",
        "/api/v1/integration-keys",
        "/api/v1/shifts",
        "/api/v1/webhook-subscriptions",
    ] {
        let stored = app.get(list, &org.admin).await;
        assert!(stored.body["items"].as_array().is_some_and(|i| i.is_empty()), "{list}: {}", stored.body);
    }
    // A machine's change, and an account in an agency the caller cannot see: the role first.
    let device = app
        .post(
            "/api/v1/attendance-devices",
            &org.admin,
            json!({"serial_number": "FIELDS0001", "name": "Mesin lobi", "allow_any_source": true}),
        )
        .await;
    device.assert_status(201);
    let device = format!("/api/v1/attendance-devices/{}", device.id());
    let other = app.agency("FIELDS-B").await;
    let account =
        json!({"role": "member", "agency_id": other, "username": "kasir.b", "password": "Kopi Tubruk Pagi Hari"});
    for refused in [&org.staff1.token, &org.head.token, &finance] {
        app.patch(&device, refused, json!({"allowed_sources": [""]})).await.assert_problem(403, "forbidden");
        app.post("/api/v1/accounts", refused, account.clone()).await.assert_problem(403, "forbidden");
    }
    app.patch(&device, &org.admin, json!({"allowed_sources": [""]})).await.assert_invalid("#/allowed_sources/0");
    app.post("/api/v1/accounts", &org.admin, account).await.assert_invalid("#/agency_id");
}

/// Logs and evidence files are only ever the employee's own: an account with no employee record
/// of its own (finance, an agency admin) is refused before its body is judged, while a member of
/// staff hears which field is wrong.
#[actix_web::test]
async fn only_an_employee_is_told_what_is_wrong_with_a_log() {
    let app = TestApp::spawn().await;
    let org = app.org("FIELDS-LOG", 1600).await;
    let finance = app.finance(&org.admin, "bpkad.logs").await;
    let log = json!({"date": "2026-03-02", "description": "", "duration_minutes": 60, "additional_duty": true,
                     "output_quantity": 1, "output_unit": "dokumen"});
    for refused in [&finance, &org.admin] {
        app.post("/api/v1/daily-logs", refused, log.clone()).await.assert_problem(403, "forbidden");
        app.post("/api/v1/daily-logs/batch", refused, json!({"items": []})).await.assert_problem(403, "forbidden");
        app.req(Method::POST, "/api/v1/files?name=foto.jpg")
            .token(refused)
            .raw("image/jpeg", "not a picture")
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    app.post("/api/v1/daily-logs", &org.staff1.token, log).await.assert_invalid("#/description");
}

/// An agreement, an evaluation, a leave request or a roster names whose record it is, so the
/// record decides who may write it; but an account with no employee record of its own writes
/// them only through an agency-wide role. Finance has none for these and is refused before its
/// body is judged; the agency admin, who has, hears which field is wrong.
#[actix_web::test]
async fn an_account_with_no_record_of_its_own_is_refused_what_only_people_and_the_admin_write() {
    let app = TestApp::spawn().await;
    let org = app.org("FIELDS-REC", 1700).await;
    let finance = app.finance(&org.admin, "bpkad.rec").await;
    let nobody = uuid::Uuid::now_v7();
    let bodies = [
        ("/api/v1/agreements", json!({"period_id": nobody, "employee_id": nobody}), "#/employee_id"),
        (
            "/api/v1/evaluations",
            json!({"evaluation_period_id": nobody, "employee_id": nobody}),
            "#/evaluation_period_id",
        ),
        (
            "/api/v1/leave-requests",
            json!({"employee_id": org.staff1.id, "kind": "sick", "starts_on": "2026-03-03", "ends_on": "2026-03-02",
                   "reason": "Demam"}),
            "#/ends_on",
        ),
    ];
    for (path, body, pointer) in &bodies {
        app.post(path, &finance, body.clone()).await.assert_problem(403, "forbidden");
        let r = app.post(path, &org.admin, body.clone()).await;
        r.assert_problem(422, "validation");
        assert_eq!(r.body["errors"][0]["pointer"], *pointer, "{path}: {}", r.body);
    }
    // Someone with an employee record is left to the record they name: a member of staff asks
    // for their own leave, and a unit head sets their staff's roster.
    let mine = json!({"kind": "sick", "starts_on": "2026-03-03", "ends_on": "2026-03-02", "reason": "Demam"});
    app.post("/api/v1/leave-requests", &org.staff1.token, mine).await.assert_invalid("#/ends_on");
    let empty = json!({"entries": []});
    app.req(Method::PUT, "/api/v1/rosters").token(&org.head.token).json(empty).send().await.assert_invalid("#/entries");
    let roster = json!({"entries": []});
    app.req(Method::PUT, "/api/v1/rosters")
        .token(&finance)
        .json(roster.clone())
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.req(Method::PUT, "/api/v1/rosters").token(&org.admin).json(roster).send().await.assert_invalid("#/entries");
    let import = |token: &str| {
        app.req(Method::POST, "/api/v1/rosters/import?month=2026-03")
            .token(token)
            .raw("text/csv", "nama\nBudi\n")
            .send()
    };
    import(&finance).await.assert_problem(403, "forbidden");
    import(&org.admin).await.assert_invalid("#/columns/nip");
}

/// A Plt of a sub-unit's vacant head post reads the sub-unit's views, not its parent's, while the
/// assignment runs; the day after it ends they are refused again.
#[actix_web::test]
async fn an_acting_head_reads_the_unit_while_the_assignment_runs() {
    let mut app = TestApp::spawn().await;
    let org = app.org("ROLES-PLT", 1400).await;
    let sub = app
        .post(
            "/api/v1/org-units",
            &org.admin,
            json!({"code": "DINKES-UMUM", "name": "Bidang Umum", "parent_id": org.unit}),
        )
        .await;
    sub.assert_status(201);
    let sub = sub.id();
    let vacant = app.position(&org.admin, &sub, "Kepala Bidang Umum", "administrator", 11, Some(&org.head_post)).await;
    let clerk = app.position(&org.admin, &sub, "Pengadministrasi Umum", "pelaksana", 5, Some(&vacant)).await;
    app.person(&org.admin, 1406, "Yusuf Hidayat", &clerk).await;
    let sub_dashboard = format!("/api/v1/org-units/{sub}/dashboard");
    let parent_dashboard = format!("/api/v1/org-units/{}/dashboard", org.unit);
    // The OPD's head reads both; the future Plt (a section head elsewhere) neither.
    app.get(&sub_dashboard, &org.head.token).await.assert_status(200);
    app.get(&sub_dashboard, &org.section.token).await.assert_problem(403, "forbidden");

    let today = today();
    let ends = today + Duration::days(10);
    app.post(
        "/api/v1/acting-assignments",
        &org.admin,
        json!({"position_id": vacant, "employee_id": org.section.id, "kind": "plt",
               "starts_on": today - Duration::days(1), "ends_on": ends}),
    )
    .await
    .assert_status(201);
    app.get(&sub_dashboard, &org.section.token).await.assert_status(200);
    app.get(&format!("/api/v1/org-units/{sub}/workload"), &org.section.token).await.assert_status(200);
    app.get(&parent_dashboard, &org.section.token).await.assert_problem(403, "forbidden");
    let me = app.get("/api/v1/me", &org.section.token).await;
    assert!(me.body["roles"].as_array().unwrap().iter().any(|r| r == "unit_head"), "{}", me.text);
    assert_eq!(me.body["headed_units"][0]["id"], sub.as_str(), "{}", me.text);

    // The day after the assignment ends (07:00 WIB), the views are gone.
    let after = (ends + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap().and_utc();
    app.set_clock(after);
    let token = app.login(&org.section.nip, ekinerja_tests::PASSWORD).await;
    app.get(&sub_dashboard, &token).await.assert_problem(403, "forbidden");
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.body["headed_units"], json!([]), "{}", me.text);
}
