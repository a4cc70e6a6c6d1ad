//! No body-supplied id reaches the database unchecked: every write endpoint whose body names ids
//! is sent, for each of them, an id that exists nowhere and one of another agency, and answers 404
//! or 422 (403 too for an agency the caller may not act for) with nothing stored. Each base body
//! is shown valid at the end by sending it unmodified.

use actix_web::http::Method;
use chrono::{Datelike, Duration};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use ekinerja_tests::builders::{etag, goal, log, open, past_day, setup, today, year};
use ekinerja_tests::{nip, Response, TestApp, PASSWORD};
use serde_json::{json, Value};

/// Every table of the schema (`persistence/src/schema.rs`).
const TABLES: &[&str] = &[
    "acting_assignments",
    "accounts",
    "agencies",
    "audit_events",
    "employees",
    "org_units",
    "positions",
    "role_grants",
    "refresh_tokens",
    "performance_periods",
    "organisational_goals",
    "agreements",
    "planned_results",
    "indicators",
    "indicator_targets",
    "daily_logs",
    "idempotency_keys",
    "integration_keys",
    "attendance_devices",
    "attendance_events",
    "work_schedules",
    "holidays",
    "absences",
    "evaluation_periods",
    "evaluations",
    "evaluation_behaviours",
    "evaluation_feedback",
    "realisations",
    "login_failures",
    "allowance_policies",
    "allowance_runs",
    "allowance_lines",
];

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The number of rows of every table.
fn counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut conn = app.state.pool.get().unwrap();
    TABLES
        .iter()
        .map(|t| {
            let rows: Vec<Count> =
                diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {t}")).load(&mut *conn).unwrap();
            (*t, rows[0].n)
        })
        .collect()
}

/// How an endpoint answers a refused id.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// One record: the whole request is refused.
    Single,
    /// Daily-log batch: 200 with the item refused, its errors naming the field.
    Batch,
    /// Bulk review: 200 with the item not recorded and its own 404 or 422.
    Reviews,
}

/// One write operation with a body that succeeds as it is, and the ids in it to replace.
struct Case {
    /// Method and path template, for the report.
    op: &'static str,
    path: String,
    token: String,
    if_match: Option<String>,
    body: Value,
    /// JSON pointer of an id in `body`, and the id of the same kind in the other agency (`None`
    /// where no other agency's id is foreign to the caller: a platform admin naming an agency).
    ids: Vec<(&'static str, Option<String>)>,
    shape: Shape,
}

impl Case {
    fn new(op: &'static str, path: impl Into<String>, token: &str, body: Value) -> Case {
        Case {
            op,
            path: path.into(),
            token: token.to_owned(),
            if_match: None,
            body,
            ids: Vec::new(),
            shape: Shape::Single,
        }
    }

    fn id(mut self, pointer: &'static str, foreign: &str) -> Case {
        self.ids.push((pointer, Some(foreign.to_owned())));
        self
    }

    fn unknown_only(mut self, pointer: &'static str) -> Case {
        self.ids.push((pointer, None));
        self
    }

    fn if_match(mut self, etag: &str) -> Case {
        self.if_match = Some(etag.to_owned());
        self
    }

    fn shape(mut self, shape: Shape) -> Case {
        self.shape = shape;
        self
    }

    async fn send(&self, app: &TestApp, body: Value) -> Response {
        let method = if self.op.starts_with("PATCH") { Method::PATCH } else { Method::POST };
        let mut req = app.req(method, &self.path).token(&self.token);
        if let Some(e) = &self.if_match {
            req = req.header("if-match", e);
        }
        req.json(body).send().await
    }
}

fn is_problem(r: &Response) -> bool {
    r.header("content-type").is_some_and(|c| c.starts_with("application/problem+json"))
        && r.body["type"].as_str().is_some_and(|t| t.starts_with("/problems/"))
        && r.body["status"].as_u64() == Some(u64::from(r.status.as_u16()))
}

fn names(errors: &Value, pointer: &str) -> bool {
    errors.as_array().is_some_and(|e| e.iter().any(|x| x["pointer"] == pointer))
}

fn excerpt(text: &str) -> String {
    text.chars().take(300).collect()
}

/// Whether the answer to a body with a wrong id at `pointer` is a proper refusal.
fn verdict(shape: Shape, pointer: &str, r: &Response) -> Result<(), &'static str> {
    let status = r.status.as_u16();
    match (shape, status) {
        (Shape::Batch, 200) => {
            let item = &r.body["items"][0];
            if item["outcome"] == "refused" && names(&item["errors"], pointer) {
                Ok(())
            } else {
                Err("the batch item is not refused naming the field")
            }
        }
        (Shape::Reviews, 200) => {
            let item = &r.body["items"][0];
            if item["ok"] == false && matches!(item["error"]["status"].as_u64(), Some(404 | 422)) {
                Ok(())
            } else {
                Err("the review item is not refused with 404 or 422")
            }
        }
        _ if !is_problem(r) => Err("not a problem+json refusal"),
        (_, 404) => Ok(()),
        (_, 422) if names(&r.body["errors"], pointer) => Ok(()),
        (_, 422) => Err("422 without the field among its errors"),
        (_, 403) if pointer.ends_with("/agency_id") => Ok(()),
        _ => Err("neither 404 nor 422"),
    }
}

/// Whether a base body sent as it is succeeded.
fn succeeded(shape: Shape, r: &Response) -> bool {
    r.status.is_success()
        && match shape {
            Shape::Single => true,
            Shape::Batch => r.body["items"][0]["outcome"] == "created",
            Shape::Reviews => r.body["items"][0]["ok"] == true,
        }
}

#[actix_web::test]
async fn foreign_ids_in_bodies_are_refused_and_store_nothing() {
    let app = TestApp::spawn().await;
    let day = past_day();
    let first = today().with_day(1).unwrap();
    let last_month = (first - Duration::days(1)).format("%Y-%m").to_string();
    let month_before =
        ((first - Duration::days(1)).with_day(1).unwrap() - Duration::days(1)).format("%Y-%m").to_string();

    // Agency A, the caller's: the approved chain down to staff member 1, and one spare record of
    // each kind an endpoint below works on.
    let s = setup(&app, "FID-A", 7000).await;
    let org = &s.org;
    let admin = &org.admin;
    let created = |r: Response| {
        r.assert_status(201);
        r
    };
    let a_goal = goal(&app, org, &s.period).await;
    let spare_post = app.position(admin, &org.unit, "Pengolah Data", "pelaksana", 6, Some(&org.section_post)).await;
    let patched_post = app.position(admin, &org.unit, "Pengelola Arsip", "pelaksana", 6, Some(&org.section_post)).await;
    let vacant_post =
        app.position(admin, &org.unit, "Kepala Seksi Promosi", "pengawas", 9, Some(&org.division_post)).await;
    let loose_unit =
        created(app.post("/api/v1/org-units", admin, json!({"code": "FID-LEPAS", "name": "Unit Lepas"})).await).id();
    let hospital = created(
        app.post("/api/v1/org-units", admin, json!({"code": "RSUD", "name": "RSUD Daerah", "rollout_from": "2020-01"}))
            .await,
    )
    .id();
    let director_post = app.position(admin, &hospital, "Direktur RSUD", "jpt", 14, None).await;
    let director = app.person(admin, 7006, "Hadi Pranoto", &director_post).await;
    let newcomer = app.person(admin, 7007, "Lina Marlina", &org.staff_post).await;
    let unlinked = created(
        app.post(
            "/api/v1/employees",
            admin,
            json!({"nip": nip(7008), "name": "Tono Sugiarto", "employment_type": "pns", "position_id": spare_post}),
        )
        .await,
    )
    .id();
    let member = created(
        app.post(
            "/api/v1/accounts",
            admin,
            json!({"role": "member", "username": "fid.member.a", "password": PASSWORD}),
        )
        .await,
    )
    .id();
    let staff2_skp = open(&app, &org.staff2, &s.period).await;
    let director_skp = open(&app, &director, &s.period).await;
    let t1 = &org.staff1.token;
    let to_review = created(app.post("/api/v1/daily-logs", t1, log(&s.staff_rhk, day, "08:00", "09:00")).await);
    let to_patch = created(app.post("/api/v1/daily-logs", t1, log(&s.staff_rhk, day, "09:00", "10:00")).await);
    let quarter = |period: &str, n: i64| json!({"performance_period_id": period, "kind": "quarterly", "number": n});
    let q2 = created(app.post("/api/v1/evaluation-periods", admin, quarter(&s.period, 2)).await).id();
    let q3 = created(app.post("/api/v1/evaluation-periods", admin, quarter(&s.period, 3)).await).id();
    let evaluation = created(
        app.post(
            "/api/v1/evaluations",
            &org.section.token,
            json!({"evaluation_period_id": q2, "employee_id": org.staff1.id}),
        )
        .await,
    );

    // Agency B, another: an id of every kind.
    let b = setup(&app, "FID-B", 7100).await;
    let b_goal = goal(&app, &b.org, &b.period).await;
    let b_quarter = created(app.post("/api/v1/evaluation-periods", &b.org.admin, quarter(&b.period, 2)).await).id();
    let b_log =
        created(app.post("/api/v1/daily-logs", &b.org.staff1.token, log(&b.staff_rhk, day, "08:00", "09:00")).await)
            .id();
    let b_account = created(
        app.post(
            "/api/v1/accounts",
            &b.org.admin,
            json!({"role": "member", "username": "fid.member.b", "password": PASSWORD}),
        )
        .await,
    )
    .id();
    let (b_agency, b_unit, b_employee) = (&b.org.agency, &b.org.unit, &b.org.staff2.id);

    let week = json!({"start": "08:00", "end": "16:00"});
    let days = json!({"monday": week, "tuesday": week, "wednesday": week, "thursday": week, "friday": week});
    let mut batch_item = log(&s.staff_rhk, day, "11:00", "12:00");
    batch_item["client_id"] = json!(uuid::Uuid::now_v7());
    let root = &app.root;

    let cases: Vec<Case> = vec![
        Case::new(
            "POST /api/v1/absences",
            "/api/v1/absences",
            admin,
            json!({"employee_id": org.staff2.id, "kind": "leave", "starts_on": today() - Duration::days(20),
                   "ends_on": today() - Duration::days(19)}),
        )
        .id("#/employee_id", b_employee),
        Case::new(
            "POST /api/v1/accounts",
            "/api/v1/accounts",
            admin,
            json!({"role": "employee", "employee_id": unlinked, "password": PASSWORD}),
        )
        .id("#/employee_id", b_employee),
        Case::new(
            "POST /api/v1/accounts",
            "/api/v1/accounts",
            admin,
            json!({"role": "member", "agency_id": org.agency, "username": "fid.member.c", "password": PASSWORD}),
        )
        .id("#/agency_id", b_agency),
        Case::new(
            "POST /api/v1/accounts",
            "/api/v1/accounts",
            root,
            json!({"role": "agency_admin", "agency_id": org.agency, "username": "fid.admin.d", "password": PASSWORD}),
        )
        .unknown_only("#/agency_id"),
        Case::new(
            "POST /api/v1/acting-assignments",
            "/api/v1/acting-assignments",
            admin,
            json!({"position_id": vacant_post, "employee_id": org.section.id, "kind": "plt",
                   "starts_on": today(), "ends_on": today() + Duration::days(10)}),
        )
        .id("#/position_id", &b.org.division_post)
        .id("#/employee_id", &b.org.section.id),
        Case::new(
            "POST /api/v1/agreements",
            "/api/v1/agreements",
            admin,
            json!({"period_id": s.period, "employee_id": newcomer.id}),
        )
        .id("#/employee_id", b_employee)
        .id("#/period_id", &b.period),
        Case::new(
            "POST /api/v1/agreements/{id}/planned-results",
            format!("/api/v1/agreements/{}/planned-results", staff2_skp.id),
            &org.staff2.token,
            json!({"kind": "main", "description": "Tersusunnya laporan staf 2", "parent_result_id": s.section_rhk}),
        )
        .if_match(&staff2_skp.etag)
        .id("#/parent_result_id", &b.section_rhk),
        Case::new(
            "POST /api/v1/agreements/{id}/planned-results",
            format!("/api/v1/agreements/{}/planned-results", director_skp.id),
            &director.token,
            json!({"kind": "main", "description": "Meningkatnya mutu layanan RSUD", "goal_id": a_goal}),
        )
        .if_match(&director_skp.etag)
        .id("#/goal_id", &b_goal),
        Case::new(
            "POST /api/v1/allowance-policies",
            "/api/v1/allowance-policies",
            admin,
            json!({"agency_id": org.agency, "effective_month": "2020-01", "rules": ekinerja_tests::builders::rules(15)}),
        )
        .id("#/agency_id", b_agency),
        Case::new(
            "POST /api/v1/allowance-policies",
            "/api/v1/allowance-policies",
            root,
            json!({"agency_id": org.agency, "effective_month": "2020-02", "rules": ekinerja_tests::builders::rules(15)}),
        )
        .unknown_only("#/agency_id"),
        Case::new(
            "POST /api/v1/allowance-runs",
            "/api/v1/allowance-runs",
            admin,
            json!({"agency_id": org.agency, "org_unit_id": org.unit, "month": last_month}),
        )
        .id("#/agency_id", b_agency)
        .id("#/org_unit_id", b_unit),
        Case::new(
            "POST /api/v1/allowance-runs",
            "/api/v1/allowance-runs",
            root,
            json!({"agency_id": org.agency, "org_unit_id": hospital, "month": month_before}),
        )
        .unknown_only("#/agency_id")
        .id("#/org_unit_id", b_unit),
        Case::new(
            "POST /api/v1/attendance-devices",
            "/api/v1/attendance-devices",
            admin,
            json!({"agency_id": org.agency, "serial_number": "FIDA0001", "name": "Lobi", "allow_any_source": true}),
        )
        .id("#/agency_id", b_agency),
        Case::new(
            "POST /api/v1/attendance-devices",
            "/api/v1/attendance-devices",
            root,
            json!({"agency_id": org.agency, "serial_number": "FIDA0002", "name": "Aula", "allow_any_source": true}),
        )
        .unknown_only("#/agency_id"),
        Case::new("POST /api/v1/daily-logs", "/api/v1/daily-logs", t1, log(&s.staff_rhk, day, "10:00", "11:00"))
            .id("#/planned_result_id", &b.staff_rhk),
        Case::new("POST /api/v1/daily-logs/batch", "/api/v1/daily-logs/batch", t1, json!({"items": [batch_item]}))
            .shape(Shape::Batch)
            .id("#/items/0/planned_result_id", &b.staff_rhk),
        Case::new(
            "POST /api/v1/daily-logs/reviews",
            "/api/v1/daily-logs/reviews",
            &org.section.token,
            json!({"items": [{"id": to_review.id(), "version": to_review.body["version"], "decision": "accept"}]}),
        )
        .shape(Shape::Reviews)
        .id("#/items/0/id", &b_log),
        Case::new(
            "PATCH /api/v1/daily-logs/{id}",
            format!("/api/v1/daily-logs/{}", to_patch.id()),
            t1,
            json!({"planned_result_id": s.staff_rhk, "description": "Menyusun laporan bulanan"}),
        )
        .if_match(&format!("\"v{}\"", to_patch.body["version"]))
        .id("#/planned_result_id", &b.staff_rhk),
        Case::new(
            "POST /api/v1/employees",
            "/api/v1/employees",
            admin,
            json!({"agency_id": org.agency, "nip": nip(7009), "name": "Wawan Setiawan", "employment_type": "pns",
                   "position_id": org.staff_post}),
        )
        .id("#/agency_id", b_agency)
        .id("#/position_id", &b.org.staff_post),
        Case::new(
            "POST /api/v1/employees",
            "/api/v1/employees",
            root,
            json!({"agency_id": org.agency, "nip": nip(7010), "name": "Yanti Kusuma", "employment_type": "pppk",
                   "position_id": org.staff_post}),
        )
        .unknown_only("#/agency_id")
        .id("#/position_id", &b.org.staff_post),
        Case::new(
            "PATCH /api/v1/employees/{id}",
            format!("/api/v1/employees/{unlinked}"),
            admin,
            json!({"position_id": org.staff_post}),
        )
        .id("#/position_id", &b.org.staff_post),
        Case::new("POST /api/v1/evaluation-periods", "/api/v1/evaluation-periods", admin, quarter(&s.period, 1))
            .id("#/performance_period_id", &b.period),
        Case::new(
            "POST /api/v1/evaluations",
            "/api/v1/evaluations",
            &org.section.token,
            json!({"evaluation_period_id": q3, "employee_id": org.staff1.id}),
        )
        .id("#/employee_id", &b.org.staff1.id)
        .id("#/evaluation_period_id", &b_quarter),
        Case::new(
            "PATCH /api/v1/evaluations/{id}",
            format!("/api/v1/evaluations/{}", evaluation.id()),
            &org.section.token,
            json!({"result_feedback": [{"planned_result_id": s.staff_rhk, "feedback": "Sudah sesuai target"}]}),
        )
        .if_match(&etag(&evaluation))
        .id("#/result_feedback/0/planned_result_id", &b.staff_rhk),
        Case::new(
            "POST /api/v1/holidays",
            "/api/v1/holidays",
            admin,
            json!({"agency_id": org.agency, "date": today() + Duration::days(30), "name": "Hari Jadi Kabupaten"}),
        )
        .id("#/agency_id", b_agency),
        Case::new(
            "POST /api/v1/holidays",
            "/api/v1/holidays",
            root,
            json!({"agency_id": org.agency, "date": today() + Duration::days(31), "name": "Cuti Bersama"}),
        )
        .unknown_only("#/agency_id"),
        Case::new(
            "POST /api/v1/integration-keys",
            "/api/v1/integration-keys",
            admin,
            json!({"agency_id": org.agency, "name": "e-Presensi", "scopes": ["attendance_write"]}),
        )
        .id("#/agency_id", b_agency),
        Case::new(
            "POST /api/v1/integration-keys",
            "/api/v1/integration-keys",
            root,
            json!({"agency_id": org.agency, "name": "SIMPEG", "scopes": ["attendance_write"]}),
        )
        .unknown_only("#/agency_id"),
        Case::new(
            "POST /api/v1/org-units",
            "/api/v1/org-units",
            admin,
            json!({"agency_id": org.agency, "code": "FID-BARU", "name": "Bidang Baru", "parent_id": org.unit}),
        )
        .id("#/agency_id", b_agency)
        .id("#/parent_id", b_unit),
        Case::new(
            "POST /api/v1/org-units",
            "/api/v1/org-units",
            root,
            json!({"agency_id": org.agency, "code": "FID-ROOT", "name": "Bidang Root", "parent_id": org.unit}),
        )
        .unknown_only("#/agency_id")
        .id("#/parent_id", b_unit),
        Case::new(
            "PATCH /api/v1/org-units/{id}",
            format!("/api/v1/org-units/{loose_unit}"),
            admin,
            json!({"parent_id": org.unit}),
        )
        .id("#/parent_id", b_unit),
        Case::new(
            "POST /api/v1/organisational-goals",
            "/api/v1/organisational-goals",
            admin,
            json!({"period_id": s.period, "org_unit_id": org.unit, "name": "Menurunnya angka stunting",
                   "indicator": "Prevalensi stunting", "target_quantity": 14, "target_unit": "persen"}),
        )
        .id("#/period_id", &b.period)
        .id("#/org_unit_id", b_unit),
        Case::new(
            "POST /api/v1/performance-periods",
            "/api/v1/performance-periods",
            admin,
            json!({"agency_id": org.agency, "year": year() + 1}),
        )
        .id("#/agency_id", b_agency),
        Case::new(
            "POST /api/v1/performance-periods",
            "/api/v1/performance-periods",
            root,
            json!({"agency_id": org.agency, "year": year() + 2}),
        )
        .unknown_only("#/agency_id"),
        Case::new(
            "POST /api/v1/positions",
            "/api/v1/positions",
            admin,
            json!({"org_unit_id": org.unit, "name": "Analis Data", "position_type": "pelaksana", "class": 7,
                   "supervisor_position_id": org.section_post}),
        )
        .id("#/org_unit_id", b_unit)
        .id("#/supervisor_position_id", &b.org.section_post),
        Case::new(
            "PATCH /api/v1/positions/{id}",
            format!("/api/v1/positions/{patched_post}"),
            admin,
            json!({"org_unit_id": org.unit, "supervisor_position_id": org.division_post}),
        )
        .id("#/org_unit_id", b_unit)
        .id("#/supervisor_position_id", &b.org.division_post),
        Case::new(
            "POST /api/v1/role-grants",
            "/api/v1/role-grants",
            admin,
            json!({"account_id": member, "role": "finance"}),
        )
        .id("#/account_id", &b_account),
        Case::new(
            "POST /api/v1/work-schedules",
            "/api/v1/work-schedules",
            admin,
            json!({"agency_id": org.agency, "org_unit_id": org.unit, "effective_from": today() + Duration::days(7),
                   "days": days}),
        )
        .id("#/agency_id", b_agency)
        .id("#/org_unit_id", b_unit),
        Case::new(
            "POST /api/v1/work-schedules",
            "/api/v1/work-schedules",
            root,
            json!({"agency_id": org.agency, "org_unit_id": hospital, "effective_from": today() + Duration::days(14),
                   "days": days}),
        )
        .unknown_only("#/agency_id")
        .id("#/org_unit_id", b_unit),
    ];

    let before = counts(&app);
    let mut failures: Vec<String> = Vec::new();
    let mut sent = 0;
    for case in &cases {
        for (pointer, foreign) in &case.ids {
            let mut variants = vec![("an id that exists nowhere", uuid::Uuid::now_v7().to_string())];
            if let Some(f) = foreign {
                variants.push(("agency B's id", f.clone()));
            }
            for (variant, value) in variants {
                let mut body = case.body.clone();
                *body.pointer_mut(&pointer[1..]).unwrap_or_else(|| panic!("{} has no {pointer}", case.op)) =
                    json!(value);
                let res = case.send(&app, body).await;
                sent += 1;
                if let Err(why) = verdict(case.shape, pointer, &res) {
                    failures.push(format!(
                        "{} {pointer} = {variant} ({value}): {} ({why}): {}",
                        case.op,
                        res.status.as_u16(),
                        excerpt(&res.text)
                    ));
                }
            }
        }
    }
    let after = counts(&app);
    for ((table, was), (_, now)) in before.iter().zip(&after) {
        if was != now {
            failures.push(format!("table {table}: {was} rows before the sweep, {now} after"));
        }
    }

    // The control: every base body, sent as it is, succeeds; so the refusals above were for the
    // ids, not for something else wrong in the body. Each success is audited.
    let audited = |c: &[(&str, i64)]| c.iter().find(|(t, _)| *t == "audit_events").unwrap().1;
    for case in &cases {
        let res = case.send(&app, case.body.clone()).await;
        if !succeeded(case.shape, &res) {
            failures.push(format!(
                "control {} (base body, unmodified) did not succeed: {}: {}",
                case.op,
                res.status.as_u16(),
                excerpt(&res.text)
            ));
        }
    }
    let controlled = counts(&app);
    assert!(
        audited(&controlled) > audited(&after),
        "the controls' writes are audited, so the audit count would have shown a stored sweep"
    );
    assert!(sent >= 60, "{sent} requests swept");
    assert!(failures.is_empty(), "{} of {sent} refusals wrong:\n{}", failures.len(), failures.join("\n"));
}
