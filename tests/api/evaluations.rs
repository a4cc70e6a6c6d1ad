//! Periodic evaluation: periods opened and closed by the admin (closing locks logs), evaluation by
//! the direct supervisor only, every rating required, the predicate computed for all nine cells,
//! and corrections kept as revisions.

use actix_web::http::Method;
use chrono::Datelike;
use ekinerja_tests::builders::{etag, evaluate, every_value, job_ended, log, past_day, send, setup, today};
use ekinerja_tests::TestApp;
use serde_json::{json, Value};

fn quarter() -> u32 {
    (today().month() - 1) / 3 + 1
}

#[actix_web::test]
async fn only_the_direct_supervisor_evaluates_every_rating_is_required_and_corrections_are_revisions() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "EVAL-A", 900).await;
    let other = app.org("EVAL-B", 950).await;
    let org = &s.org;
    let q = quarter();

    // Periods: the admin opens them, on the agency's cadence.
    let body = json!({"performance_period_id": s.period, "kind": "quarterly", "number": q});
    app.post("/api/v1/evaluation-periods", &org.section.token, body.clone()).await.assert_problem(403, "forbidden");
    app.post("/api/v1/evaluation-periods", &other.admin, body.clone()).await.assert_invalid("#/performance_period_id");
    let period = app.post("/api/v1/evaluation-periods", &org.admin, body.clone()).await;
    period.assert_status(201);
    assert_eq!(period.body["status"], "open");
    app.post("/api/v1/evaluation-periods", &org.admin, body).await.assert_problem(409, "conflict");
    let monthly = json!({"performance_period_id": s.period, "kind": "monthly", "number": 1});
    app.post("/api/v1/evaluation-periods", &org.admin, monthly.clone()).await.assert_invalid("#/kind");
    // A year is period 1 of its kind, a quarter 1 to 4 (as the contract states).
    for (kind, number) in [("annual", 2), ("quarterly", 5)] {
        let body = json!({"performance_period_id": s.period, "kind": kind, "number": number});
        app.post("/api/v1/evaluation-periods", &org.admin, body).await.assert_invalid("#/number");
    }
    app.post(
        "/api/v1/evaluation-periods",
        &org.admin,
        json!({"performance_period_id": s.period, "kind": "quarterly", "number": 5}),
    )
    .await
    .assert_invalid("#/number");
    app.patch(&format!("/api/v1/agencies/{}", org.agency), &org.admin, json!({"evaluation_cadence": "monthly"}))
        .await
        .assert_status(200);
    let january = app.post("/api/v1/evaluation-periods", &org.admin, monthly).await;
    january.assert_status(201);
    assert_eq!(january.body["ends_on"].as_str().unwrap()[5..], *"01-31");
    let period_id = period.id();

    // Only the direct supervisor opens staff member 1's evaluation.
    let open = json!({"evaluation_period_id": period_id, "employee_id": org.staff1.id});
    app.post("/api/v1/evaluations", &org.division.token, open.clone()).await.assert_problem(403, "forbidden");
    app.post("/api/v1/evaluations", &org.staff2.token, open.clone()).await.assert_invalid("#/employee_id");
    app.post("/api/v1/evaluations", &org.admin, open.clone()).await.assert_problem(403, "forbidden");
    app.post("/api/v1/evaluations", &other.admin, open.clone()).await.assert_invalid("#/evaluation_period_id");
    let ev = app.post("/api/v1/evaluations", &org.section.token, open.clone()).await;
    ev.assert_status(201);
    app.post("/api/v1/evaluations", &org.section.token, open).await.assert_problem(409, "conflict");
    let path = format!("/api/v1/evaluations/{}", ev.id());
    // Staff member 2 has no approved agreement: nothing to evaluate.
    app.post(
        "/api/v1/evaluations",
        &org.section.token,
        json!({"evaluation_period_id": period_id, "employee_id": org.staff2.id}),
    )
    .await
    .assert_invalid("#/employee_id");
    // The top of the agency is evaluated through the agency's admin; those below do not even see them.
    app.post(
        "/api/v1/evaluations",
        &org.division.token,
        json!({"evaluation_period_id": period_id, "employee_id": org.head.id}),
    )
    .await
    .assert_invalid("#/employee_id");
    let head = app
        .post("/api/v1/evaluations", &org.admin, json!({"evaluation_period_id": period_id, "employee_id": org.head.id}))
        .await;
    head.assert_status(201);
    assert!(head.body["evaluator_employee_id"].is_null());

    // Who reads it: the employee, those above, the admin; not a peer, not another agency.
    app.get(&path, &org.staff1.token).await.assert_status(200);
    app.get(&path, &org.division.token).await.assert_status(200);
    app.get(&path, &org.admin).await.assert_status(200);
    app.get(&path, &org.staff2.token).await.assert_problem(404, "not-found");
    app.get(&path, &other.admin).await.assert_problem(404, "not-found");

    // Rating: the evaluator only, with If-Match; finalising needs every rating.
    let tag = etag(&ev);
    let rate = json!({"results_rating": "above_expectation", "feedback": "Target triwulan tercapai",
                      "result_feedback": [{"planned_result_id": s.staff_rhk, "feedback": "Laporan tepat waktu"}]});
    send(&app, Method::PATCH, &path, &org.division.token, Some(&tag), Some(rate.clone()))
        .await
        .assert_problem(403, "forbidden");
    send(&app, Method::PATCH, &path, &org.staff1.token, Some(&tag), Some(rate.clone()))
        .await
        .assert_problem(403, "forbidden");
    send(&app, Method::PATCH, &path, &org.section.token, None, Some(rate.clone()))
        .await
        .assert_problem(428, "precondition-required");
    send(
        &app,
        Method::PATCH,
        &path,
        &org.section.token,
        Some(&tag),
        Some(json!({"result_feedback": [{"planned_result_id": s.section_rhk, "feedback": "x"}]})),
    )
    .await
    .assert_invalid("#/result_feedback/0/planned_result_id");
    send(&app, Method::PATCH, &path, &org.section.token, Some(&tag), Some(json!({"results_rating": "excellent"})))
        .await
        .assert_invalid("#/results_rating");
    let rated = send(&app, Method::PATCH, &path, &org.section.token, Some(&tag), Some(rate.clone())).await;
    rated.assert_status(200);
    send(&app, Method::PATCH, &path, &org.section.token, Some(&tag), Some(rate))
        .await
        .assert_problem(412, "precondition-failed");
    let missing =
        send(&app, Method::POST, &format!("{path}/finalise"), &org.section.token, Some(&etag(&rated)), None).await;
    missing.assert_problem(422, "validation");
    let reasons = missing.body["errors"].as_array().unwrap();
    assert_eq!(reasons.len(), 8, "the behaviour rating and seven core values: {}", missing.text);
    let rated = send(
        &app,
        Method::PATCH,
        &path,
        &org.section.token,
        Some(&etag(&rated)),
        Some(json!({"behaviour_rating": "above_expectation", "behaviours": every_value("above_expectation")})),
    )
    .await;
    rated.assert_status(200);
    let fin =
        send(&app, Method::POST, &format!("{path}/finalise"), &org.section.token, Some(&etag(&rated)), None).await;
    fin.assert_status(200);
    assert_eq!((fin.body["status"].as_str(), fin.body["predicate"].as_str()), (Some("final"), Some("very_good")));
    assert_eq!(fin.body["behaviours"].as_array().unwrap().len(), 7);
    assert_eq!(fin.body["result_feedback"][0]["feedback"], "Laporan tepat waktu");
    send(
        &app,
        Method::PATCH,
        &path,
        &org.section.token,
        Some(&etag(&fin)),
        Some(json!({"results_rating": "as_expected"})),
    )
    .await
    .assert_problem(409, "conflict");

    // The period closes; corrections afterwards are revisions, each kept. Every cell of the
    // predicate matrix, one revision each.
    let p = app.get(&format!("/api/v1/evaluation-periods/{period_id}"), &org.admin).await;
    send(
        &app,
        Method::POST,
        &format!("/api/v1/evaluation-periods/{period_id}/close"),
        &org.admin,
        Some(&etag(&p)),
        None,
    )
    .await
    .assert_status(200);
    let cells = [
        ("above_expectation", "below_expectation", "poor"),
        ("above_expectation", "as_expected", "good"),
        ("above_expectation", "above_expectation", "very_good"),
        ("as_expected", "below_expectation", "poor"),
        ("as_expected", "as_expected", "good"),
        ("as_expected", "above_expectation", "good"),
        ("below_expectation", "below_expectation", "very_poor"),
        ("below_expectation", "as_expected", "needs_improvement"),
        ("below_expectation", "above_expectation", "needs_improvement"),
    ];
    let mut current = fin;
    for (results, behaviour, predicate) in cells {
        let cur = format!("/api/v1/evaluations/{}", current.id());
        let draft =
            send(&app, Method::POST, &format!("{cur}/revise"), &org.section.token, Some(&etag(&current)), None).await;
        draft.assert_status(201);
        assert_eq!(draft.body["status"], "draft");
        assert!(draft.body["predicate"].is_null());
        let dpath = format!("/api/v1/evaluations/{}", draft.id());
        let rated = send(
            &app,
            Method::PATCH,
            &dpath,
            &org.section.token,
            Some(&etag(&draft)),
            Some(json!({"results_rating": results, "behaviour_rating": behaviour})),
        )
        .await;
        rated.assert_status(200);
        let fin =
            send(&app, Method::POST, &format!("{dpath}/finalise"), &org.section.token, Some(&etag(&rated)), None).await;
        assert_eq!(fin.body["predicate"], predicate, "{results} / {behaviour}: {}", fin.text);
        let old = app.get(&cur, &org.section.token).await;
        assert_eq!(old.body["superseded"], true);
        current = fin;
    }
    assert_eq!(current.body["revision"], 10);
    // The employee reads every revision of their own, and nobody else's.
    let mine = app.get("/api/v1/me/evaluations?limit=200", &org.staff1.token).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 10, "{}", mine.text);
    let all = app.get("/api/v1/evaluations?limit=200", &org.staff1.token).await;
    assert!(all.body["items"].as_array().unwrap().iter().all(|e| e["employee_id"] == org.staff1.id.as_str()));
    let theirs = app.get("/api/v1/evaluations?limit=200", &other.admin).await;
    assert_eq!(theirs.body["items"], json!([]));
}

#[actix_web::test]
async fn closing_a_period_locks_its_logs() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "EVAL-C", 980).await;
    let org = &s.org;
    let day = past_day();
    let created = app.post("/api/v1/daily-logs", &org.staff1.token, log(&s.staff_rhk, day, "08:00", "10:00")).await;
    created.assert_status(201);
    let rejected = app.post("/api/v1/daily-logs", &org.staff1.token, log(&s.staff_rhk, day, "10:00", "11:00")).await;
    rejected.assert_status(201);
    send(
        &app,
        Method::POST,
        &format!("/api/v1/daily-logs/{}/reject", rejected.id()),
        &org.section.token,
        Some("\"v1\""),
        Some(json!({"reason": "Lengkapi bukti"})),
    )
    .await
    .assert_status(200);

    let period = app
        .post(
            "/api/v1/evaluation-periods",
            &org.admin,
            json!({"performance_period_id": s.period, "kind": "quarterly", "number": quarter()}),
        )
        .await;
    period.assert_status(201);
    let close = format!("/api/v1/evaluation-periods/{}/close", period.id());
    send(&app, Method::POST, &close, &org.admin, None, None).await.assert_problem(428, "precondition-required");
    send(&app, Method::POST, &close, &org.staff1.token, Some(&etag(&period)), None)
        .await
        .assert_problem(403, "forbidden");
    let closed = send(&app, Method::POST, &close, &org.admin, Some(&etag(&period)), None).await;
    closed.assert_status(200);
    assert_eq!(closed.body["status"], "closed");
    send(&app, Method::POST, &close, &org.admin, Some(&etag(&closed)), None).await.assert_problem(409, "conflict");

    // No new log on a closed day, no correction, no review.
    app.post("/api/v1/daily-logs", &org.staff1.token, log(&s.staff_rhk, day, "13:00", "14:00"))
        .await
        .assert_invalid("#/date");
    let current = app.get(&format!("/api/v1/daily-logs/{}", rejected.id()), &org.staff1.token).await;
    send(
        &app,
        Method::PATCH,
        &format!("/api/v1/daily-logs/{}", rejected.id()),
        &org.staff1.token,
        Some(&etag(&current)),
        Some(log(&s.staff_rhk, day, "10:00", "11:30")),
    )
    .await
    .assert_problem(409, "conflict");
    send(
        &app,
        Method::POST,
        &format!("/api/v1/daily-logs/{}/accept", created.id()),
        &org.section.token,
        Some("\"v1\""),
        Some(json!({})),
    )
    .await
    .assert_problem(409, "conflict");
    let unchanged = app.get(&format!("/api/v1/daily-logs/{}", created.id()), &org.staff1.token).await;
    assert_eq!(unchanged.body["status"], "submitted");
}

#[actix_web::test]
async fn progress_distribution_and_the_siasn_export_of_a_year() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "EVAL-D", 1000).await;
    let other = app.org("EVAL-E", 1050).await;
    let org = &s.org;
    let year = app
        .post(
            "/api/v1/evaluation-periods",
            &org.admin,
            json!({"performance_period_id": s.period, "kind": "annual", "number": 1}),
        )
        .await;
    year.assert_status(201);
    let period = year.id();
    let progress = format!("/api/v1/evaluation-periods/{period}/progress?org_unit_id={}", org.unit);
    let p = app.get(&progress, &org.admin).await;
    p.assert_status(200);
    assert_eq!((p.body["employees"].as_i64(), p.body["not_opened"].as_i64()), (Some(5), Some(5)), "{}", p.text);
    let staff =
        p.body["rows"].as_array().unwrap().iter().find(|r| r["employee"]["id"] == org.staff1.id.as_str()).unwrap();
    assert_eq!(staff["waiting_for"]["id"], org.section.id.as_str(), "staff wait for their section head");
    let top = p.body["rows"].as_array().unwrap().iter().find(|r| r["employee"]["id"] == org.head.id.as_str()).unwrap();
    assert!(top["waiting_for"].is_null(), "the top official waits for the agency admin");
    app.get(&progress, &org.section.token).await.assert_problem(403, "forbidden");
    app.get(&progress, &other.admin).await.assert_problem(404, "not-found");

    // Tiered: the admin for the head, the head for the division, and so on down.
    evaluate(&app, &org.admin, &period, &org.head.id, "above_expectation", "above_expectation").await;
    evaluate(&app, &org.head.token, &period, &org.division.id, "as_expected", "as_expected").await;
    evaluate(&app, &org.division.token, &period, &org.section.id, "above_expectation", "above_expectation").await;
    let ev = evaluate(&app, &org.section.token, &period, &org.staff1.id, "below_expectation", "as_expected").await;
    assert_eq!(ev.body["predicate"], "needs_improvement");
    let p = app.get(&progress, &org.admin).await;
    assert_eq!((p.body["final"].as_i64(), p.body["not_opened"].as_i64()), (Some(4), Some(1)), "{}", p.text);

    // The head is very good: the unit is outstanding, and its spread (good,
    // very good, needs improvement among three) keeps that pattern.
    let dist = format!("/api/v1/evaluation-periods/{period}/distribution?org_unit_id={}", org.unit);
    let d = app.get(&dist, &org.admin).await;
    d.assert_status(200);
    assert_eq!(d.body["unit_rating"], "outstanding", "{}", d.text);
    assert_eq!(d.body["head"]["id"], org.head.id.as_str());
    assert_eq!((d.body["employees"].as_i64(), d.body["finalised"].as_i64()), (Some(4), Some(3)));
    assert_eq!(d.body["fits"], true);
    // Against the pattern for "very poor", two rules break: too few very poor, and a very good.
    let d = app.get(&format!("{dist}&unit_rating=very_poor"), &org.admin).await;
    assert_eq!(d.body["fits"], false);
    let broken: Vec<&Value> = d.body["rules"].as_array().unwrap().iter().filter(|r| r["met"] == false).collect();
    assert_eq!(broken.len(), 2, "{}", d.text);
    app.get(&format!("{dist}&unit_rating=great"), &org.admin).await.assert_problem(400, "bad-parameter");
    app.get(&dist, &org.staff1.token).await.assert_problem(403, "forbidden");

    // The year's results for SIASN, as CSV for the HR office.
    let export = format!("/api/v1/performance-periods/{}/siasn-export", s.period);
    let csv = app.get(&export, &org.admin).await;
    csv.assert_status(200);
    assert_eq!(csv.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
    assert!(csv.header("content-disposition").unwrap().contains("skp-siasn-"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "nip,nama,tahun,hasil_kerja,perilaku_kerja,predikat,nip_penilai,nama_penilai");
    assert_eq!(lines.len(), 5, "{}", csv.text);
    let staff_line = lines.iter().find(|l| l.contains(&org.staff1.nip)).unwrap();
    assert!(staff_line.starts_with(&format!("\"=\"\"{}\"\"\"", org.staff1.nip)), "{staff_line}");
    assert!(staff_line.contains("Di Bawah Ekspektasi,Sesuai Ekspektasi,Butuh Perbaikan"), "{staff_line}");
    assert!(staff_line.contains(&org.section.nip), "the assessor is the section head: {staff_line}");
    let head_line = lines.iter().find(|l| l.contains(&org.head.nip)).unwrap();
    assert!(head_line.ends_with(",,"), "no assessor of the agency: {head_line}");
    app.get(&export, &org.staff1.token).await.assert_problem(403, "forbidden");
    app.get(&export, &other.admin).await.assert_problem(404, "not-found");

    // Started as a job (issue 19): answered at once, and ending with the same file, served to
    // its starter alone.
    let later = |token: &str| app.req(Method::GET, &export).token(token).header("prefer", "respond-async").send();
    let started = later(&org.admin).await;
    started.assert_status(202);
    assert_eq!(started.body["kind"], "siasn_export", "{}", started.text);
    let job_path = started.header("location").unwrap();
    let job = job_ended(&app, &job_path, &org.admin).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let file_path = format!("{job_path}/file");
    assert_eq!(job["result_location"], file_path.as_str());
    assert_eq!(job["progress"], json!({"stage": "finished", "done": 4, "total": 4}));
    let file = app.get(&file_path, &org.admin).await;
    file.assert_status(200);
    assert_eq!(file.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
    assert_eq!(file.header("content-disposition"), csv.header("content-disposition"));
    assert_eq!(file.text, csv.text, "the job's file is the file the request would have answered with");
    for token in [&org.staff1.token, &org.head.token, &other.admin] {
        app.get(&job_path, token).await.assert_problem(404, "not-found");
        app.get(&file_path, token).await.assert_problem(404, "not-found");
    }
    // A caller who may not make the export stores no job; nor does another agency's admin.
    later(&org.staff1.token).await.assert_problem(403, "forbidden");
    later(&other.admin).await.assert_problem(404, "not-found");
    // A job that made no file has none to serve (nor has any job of another id).
    app.get(&format!("/api/v1/jobs/{}/file", uuid::Uuid::now_v7()), &org.admin).await.assert_problem(404, "not-found");
}

#[actix_web::test]
async fn realisation_is_prefilled_from_accepted_logs_and_self_assessed_by_the_employee() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "EVAL-R", 1100).await;
    let other = app.org("EVAL-S", 1150).await;
    let org = &s.org;
    let day = past_day();
    for (start, end, accept) in [("08:00", "10:00", true), ("10:00", "11:00", true), ("13:00", "14:00", false)] {
        let l = app.post("/api/v1/daily-logs", &org.staff1.token, log(&s.staff_rhk, day, start, end)).await;
        l.assert_status(201);
        let (verb, body) = if accept { ("accept", json!({})) } else { ("reject", json!({"reason": "Bukti kurang"})) };
        app.review_log(&org.section.token, &l.id(), verb, body).await.assert_status(200);
    }
    let q = (day.month() - 1) / 3 + 1;
    let period = app
        .post(
            "/api/v1/evaluation-periods",
            &org.admin,
            json!({"performance_period_id": s.period, "kind": "quarterly", "number": q}),
        )
        .await;
    period.assert_status(201);
    let ev = app
        .post(
            "/api/v1/evaluations",
            &org.section.token,
            json!({"evaluation_period_id": period.id(), "employee_id": org.staff1.id}),
        )
        .await;
    ev.assert_status(201);
    let path = format!("/api/v1/evaluations/{}/realisation", ev.id());

    let r = app.get(&path, &org.staff1.token).await;
    r.assert_status(200);
    let result = &r.body["results"][0];
    assert_eq!(result["planned_result_id"], s.staff_rhk.as_str(), "{}", r.text);
    assert_eq!(
        (result["accepted_logs"].as_i64(), result["minutes"].as_i64()),
        (Some(2), Some(180)),
        "the rejected log does not count"
    );
    let indicator = &result["indicators"][0];
    assert_eq!(indicator["period_target"], 3, "a quarter of the quarterly breakdown");
    assert_eq!((indicator["prefilled"].as_i64(), indicator["realised"].as_i64()), (Some(2), Some(2)));
    assert_eq!(indicator["achievement_bp"], 6_666);
    let put = format!("{path}/{}", indicator["indicator_id"].as_str().unwrap());

    // The employee states their own figure with evidence; nobody else does.
    let body = json!({"quantity": 3, "evidence_url": "https://drive.example.go.id/laporan-q4.pdf", "note": "Laporan ketiga diserahkan"});
    send(&app, Method::PUT, &put, &org.section.token, None, Some(body.clone())).await.assert_problem(403, "forbidden");
    send(&app, Method::PUT, &put, &other.admin, None, Some(body.clone())).await.assert_problem(404, "not-found");
    send(&app, Method::PUT, &put, &org.staff1.token, None, Some(json!({"quantity": -1})))
        .await
        .assert_invalid("#/quantity");
    send(&app, Method::PUT, &put, &org.staff1.token, None, Some(json!({"quantity": 1, "evidence_url": "ftp://x"})))
        .await
        .assert_invalid("#/evidence_url");
    // Not an indicator of the evaluated agreement (the supervisor's planned result's id).
    let foreign = format!("{path}/{}", s.section_rhk);
    send(&app, Method::PUT, &foreign, &org.staff1.token, None, Some(body.clone()))
        .await
        .assert_problem(404, "not-found");
    send(&app, Method::PUT, &put, &org.staff1.token, None, Some(body.clone())).await.assert_status(200);
    let r = app.get(&path, &org.section.token).await;
    let indicator = &r.body["results"][0]["indicators"][0];
    assert_eq!(
        (indicator["realised"].as_i64(), indicator["achievement_bp"].as_i64()),
        (Some(3), Some(10_000)),
        "{}",
        r.text
    );
    assert_eq!(indicator["self_assessment"]["note"], "Laporan ketiga diserahkan");
    app.get(&path, &org.staff2.token).await.assert_problem(404, "not-found");

    // Once final, the realisation no longer changes.
    let rated = send(
        &app,
        Method::PATCH,
        &format!("/api/v1/evaluations/{}", ev.id()),
        &org.section.token,
        Some(&etag(&ev)),
        Some(json!({"results_rating": "as_expected", "behaviour_rating": "as_expected", "behaviours": every_value("as_expected")})),
    )
    .await;
    send(
        &app,
        Method::POST,
        &format!("/api/v1/evaluations/{}/finalise", ev.id()),
        &org.section.token,
        Some(&etag(&rated)),
        None,
    )
    .await
    .assert_status(200);
    send(&app, Method::PUT, &put, &org.staff1.token, None, Some(body)).await.assert_problem(409, "conflict");
}
