//! A run's answer with every line (issue 19): written out a step of lines at a time as they are
//! read back, by name; the steps join into the same answer whatever their size, and a run that
//! changes while its lines are read is a conflict, never a mix of two computations.

use actix_web::http::Method;
use chrono::{TimeZone, Utc};
use ekinerja_persistence::allowance_run;
use ekinerja_tests::builders::etag;
use ekinerja_tests::TestApp;
use serde_json::{json, Value};

/// The lines' `(name, nip, employee_id)`, in the order answered.
fn order(run: &Value) -> Vec<(String, String, String)> {
    let text = |l: &Value, k: &str| l[k].as_str().unwrap_or_default().to_owned();
    run["lines"].as_array().unwrap().iter().map(|l| (text(l, "name"), text(l, "nip"), text(l, "employee_id"))).collect()
}

#[actix_web::test]
async fn a_run_answers_every_line_by_name_a_step_at_a_time() {
    // Two lines a step: nine people make four full steps and a last one of one line.
    let mut app = TestApp::spawn_with(|s| s.run_lines_per_step = 2).await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap());
    let org = app.org("RUNL-A", 6400).await;
    // Two more people named as staff member 1 (the NIP orders them), one before everyone, and
    // one after everyone: names order bytewise on both engines, capitals first, whatever a
    // PostgreSQL cluster's locale would say.
    for (n, name) in [(6406, "Agus Salim"), (6407, "Agus Salim"), (6408, "Abdul Karim"), (6409, "de Vries")] {
        let post = app
            .position(&org.admin, &org.unit, &format!("Pengelola {n}"), "pelaksana", 5, Some(&org.section_post))
            .await;
        app.person(&org.admin, n, name, &post).await;
    }

    let run = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": "2026-11"})).await;
    run.assert_status(201);
    assert_eq!(run.header("content-type").as_deref(), Some("application/json"));
    assert!(run.streamed, "more lines than a step are sent as they are read");
    let lines = order(&run.body);
    assert_eq!((run.body["employees"].as_i64(), lines.len()), (Some(9), 9), "{}", run.text);
    let mut sorted = lines.clone();
    sorted.sort();
    sorted.dedup_by(|a, b| a.2 == b.2);
    assert_eq!(lines, sorted, "by name, then NIP, each employee once");
    assert_eq!((lines[0].0.as_str(), lines[8].0.as_str()), ("Abdul Karim", "de Vries"));
    assert_eq!(lines.iter().filter(|l| l.0 == "Agus Salim").count(), 3);

    // Read again, recomputed and approved: the same lines, in the same order, each time.
    let id = run.id();
    let read = app.get(&format!("/api/v1/allowance-runs/{id}"), &org.admin).await;
    read.assert_status(200);
    assert_eq!(read.body, run.body);
    assert_eq!(read.header("etag"), run.header("etag"));
    let again = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": "2026-11"})).await;
    again.assert_status(200);
    assert_eq!((again.body["version"].as_i64(), order(&again.body)), (Some(2), lines.clone()));
    let finance = app.finance(&org.admin, "bpkad.runl").await;
    let approved = app
        .req(Method::POST, &format!("/api/v1/allowance-runs/{id}/approve"))
        .token(&finance)
        .header("if-match", &etag(&again))
        .send()
        .await;
    approved.assert_status(200);
    assert_eq!((approved.body["status"].as_str(), order(&approved.body)), (Some("approved"), lines.clone()));
    assert_eq!(approved.body["lines"], again.body["lines"]);

    // The payroll file has every line too, in the same order.
    let csv = app.get(&format!("/api/v1/allowance-runs/{id}/payroll"), &finance).await;
    csv.assert_status(200);
    let rows: Vec<&str> = csv.text.lines().skip(1).collect();
    assert_eq!(rows.len(), 9, "{}", csv.text);
    for (row, line) in rows.iter().zip(&lines) {
        assert!(row.contains(&line.1) && row.contains(&line.0), "{row} is not {line:?}");
    }

    // Staff may not read it, whatever the step.
    app.get(&format!("/api/v1/allowance-runs/{id}"), &org.staff1.token).await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn a_run_changed_while_its_lines_are_read_is_a_conflict() {
    let mut app = TestApp::spawn().await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap());
    let org = app.org("RUNL-B", 6500).await;
    let run = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": "2026-11"})).await;
    run.assert_status(201);
    assert!(!run.streamed, "a run of one step is an ordinary answer with its length");
    let me = app.get("/api/v1/me", &app.root).await;
    let root = ekinerja_domain::Caller {
        account_id: uuid::Uuid::parse_str(me.body["account_id"].as_str().unwrap()).unwrap(),
        agency_id: None,
        role: ekinerja_domain::AccountRole::PlatformAdmin,
        employee_id: None,
    };
    let id = uuid::Uuid::parse_str(&run.id()).unwrap();
    let mut conn = app.state.pool.get().unwrap();
    let read = allowance_run::get(&mut conn, &root, id).unwrap();
    let (first, after) = read.lines.page(&mut conn, None, 2).unwrap();
    assert_eq!(first.len(), 2);
    let after = after.expect("more lines after the first two");
    // Unchanged, the rest reads, and the last step says it is the last.
    let (rest, end) = read.lines.page(&mut conn, Some(&after), 10).unwrap();
    assert_eq!((rest.len(), end.is_none()), (3, true));
    assert!(first.iter().chain(&rest).map(|l| (&l.name, &l.nip)).is_sorted());
    // Recomputed in between, the rest is a conflict, not the new computation's lines.
    drop(conn);
    app.post("/api/v1/allowance-runs", &org.admin, json!({"month": "2026-11"})).await.assert_status(200);
    let mut conn = app.state.pool.get().unwrap();
    let refused = read.lines.page(&mut conn, Some(&after), 10);
    assert!(
        matches!(refused, Err(ekinerja_persistence::StoreError::Conflict(_))),
        "{:?}",
        refused.map(|(l, _)| l.len())
    );
    assert!(matches!(read.lines.all(&mut conn), Err(ekinerja_persistence::StoreError::Conflict(_))));
    // Read again, the new lines read whole.
    let fresh = allowance_run::get(&mut conn, &root, id).unwrap();
    assert_eq!(fresh.lines.all(&mut conn).unwrap().len(), 5);
}

#[actix_web::test]
async fn a_run_of_a_unit_with_nobody_in_it_has_no_lines() {
    let mut app = TestApp::spawn_with(|s| s.run_lines_per_step = 2).await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap());
    let org = app.org("RUNL-C", 6600).await;
    let empty = app
        .post(
            "/api/v1/org-units",
            &org.admin,
            json!({"code": "KOSONG", "name": "Unit Kosong", "rollout_from": "2020-01"}),
        )
        .await;
    empty.assert_status(201);
    let run =
        app.post("/api/v1/allowance-runs", &org.admin, json!({"month": "2026-11", "org_unit_id": empty.id()})).await;
    run.assert_status(201);
    assert_eq!((run.body["employees"].as_i64(), run.body["total"].as_i64()), (Some(0), Some(0)), "{}", run.text);
    assert_eq!(run.body["lines"], json!([]));
    // Recomputed in place, still empty; read, the same.
    let again =
        app.post("/api/v1/allowance-runs", &org.admin, json!({"month": "2026-11", "org_unit_id": empty.id()})).await;
    again.assert_status(200);
    assert_eq!(again.body["lines"], json!([]));
    let read = app.get(&format!("/api/v1/allowance-runs/{}", run.id()), &org.admin).await;
    assert_eq!(read.body, again.body);
}

/// A run's lines name their run and employee on both engines: a line naming an employee or a run
/// that does not exist is refused, and so is deleting or emptying the employees or runs that lines
/// name (by foreign keys on SQLite; on PostgreSQL by checks made once per statement, which take
/// no lock on each employee's row as a key would).
#[actix_web::test]
async fn a_run_line_names_an_existing_run_and_employee() {
    use diesel::prelude::*;
    use diesel::result::{DatabaseErrorKind, Error};
    use ekinerja_persistence::DbConnection;
    let mut app = TestApp::spawn().await;
    app.set_clock(Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap());
    let org = app.org("RUNL-K", 6500).await;
    // An employee without an account: their run line is the only row that names them, so only
    // the run lines' own check can refuse deleting them.
    let post = app.position(&org.admin, &org.unit, "Pengelola Arsip", "pelaksana", 5, Some(&org.section_post)).await;
    let lone = app
        .post(
            "/api/v1/employees",
            &org.admin,
            json!({"nip": ekinerja_tests::nip(6509), "name": "Tanpa Akun", "employment_type": "pns", "position_id": post}),
        )
        .await;
    lone.assert_status(201);
    let employee = lone.id();
    let run = app.post("/api/v1/allowance-runs", &org.admin, json!({"month": "2026-11"})).await;
    run.assert_status(201);
    let run_id = run.id();
    assert!(
        run.body["lines"].as_array().unwrap().iter().any(|l| l["employee_id"] == employee.as_str()),
        "the employee without an account has a line: {}",
        run.text
    );
    let line = |run: &str, employee: &str| {
        format!(
            "INSERT INTO allowance_lines (run_id, employee_id, nip, name, status, base, performance_factor_bp, \
             discipline_factor_bp, deduction_bp, performance_part, discipline_part, amount, unreviewed_minutes) \
             SELECT '{run}', '{employee}', nip, name, status, base, performance_factor_bp, discipline_factor_bp, \
             deduction_bp, performance_part, discipline_part, amount, unreviewed_minutes FROM allowance_lines \
             WHERE run_id = '{run_id}' LIMIT 1"
        )
    };
    let missing = "00000000-0000-7000-8000-000000000000";
    let mut conn = app.state.pool.get().unwrap();
    let pg = matches!(*conn, DbConnection::Pg(_));
    let mut cases = vec![
        ("a line of an employee that does not exist", line(&run_id, missing), "a run line names"),
        ("a line of a run that does not exist", line(missing, &employee), "a run line names"),
        (
            "deleting an employee that lines name",
            format!("DELETE FROM employees WHERE id = '{employee}'"),
            "run lines still name this employees",
        ),
        (
            "deleting a run that lines name",
            format!("DELETE FROM allowance_runs WHERE id = '{run_id}'"),
            "run lines still name this allowance_runs",
        ),
    ];
    if pg {
        cases.push((
            "emptying the runs",
            "TRUNCATE allowance_runs".to_owned(),
            "run lines still name this allowance_runs",
        ));
    }
    for (what, sql, said) in cases {
        let err = diesel::sql_query(&sql).execute(&mut *conn).expect_err(what);
        let Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) = &err else {
            panic!("{what}: {err:?}")
        };
        // On PostgreSQL the run lines' own check refused it, not another key.
        assert!(!pg || info.message().contains(said), "{what}: {}", info.message());
    }
    drop(conn);
    // What the checks refused left the run as it was.
    let read = app.get(&format!("/api/v1/allowance-runs/{run_id}"), &org.admin).await;
    read.assert_status(200);
    assert_eq!(read.body, run.body);
}
