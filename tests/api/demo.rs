//! The demo regency: what `make run` loads is what the API would accept, and it is complete.

use chrono::Datelike;
use ekinerja_demo::DEMO_PASSWORD;
use ekinerja_tests::TestApp;
use serde_json::Value;

async fn all(app: &TestApp, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=200&cursor={c}"),
            None => format!("{path}{sep}limit=200"),
        };
        let page = app.get(&url, token).await;
        page.assert_status(200);
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

fn count(nodes: &Value) -> usize {
    nodes.as_array().map_or(0, |ns| ns.iter().map(|n| 1 + count(&n["children"])).sum())
}

#[actix_web::test]
async fn the_demo_regency_has_people_and_approved_cascaded_agreements() {
    let app = TestApp::spawn_demo().await;
    {
        // The days the reports read agree with the logs and events the demo stored.
        let mut conn = app.state.pool.get().unwrap();
        let logs = ekinerja_persistence::log_day::disagreements(&mut conn).unwrap();
        assert!(logs.is_empty(), "days of logs that differ from the logs: {logs:#?}");
        let months = ekinerja_persistence::log_day::month_disagreements(&mut conn).unwrap();
        assert!(months.is_empty(), "months of logs that differ from the logs: {months:#?}");
        let results = ekinerja_persistence::log_day::result_month_disagreements(&mut conn).unwrap();
        assert!(results.is_empty(), "months of logs per result that differ from the logs: {results:#?}");
        let events = ekinerja_persistence::attendance_day::disagreements(&mut conn).unwrap();
        assert!(events.is_empty(), "days of attendance that differ from the events: {events:#?}");
        // Its audit trail, written a group of links at a time, is one whole chain per agency.
        let verdict = ekinerja_api::audit_verify::run(&mut conn, None).unwrap();
        assert!(verdict.whole, "{}", verdict.text);
        assert!(!verdict.text.contains("earlier event"), "{}", verdict.text);
    }
    let admin = app.login("bkpsdm.sukamaju", DEMO_PASSWORD).await;
    let employees = all(&app, "/api/v1/employees", &admin).await;
    assert!(employees.len() >= 400, "several hundred employees: {}", employees.len());
    let units = all(&app, "/api/v1/org-units", &admin).await;
    assert!(units.iter().filter(|u| u["parent_id"].is_null()).count() >= 10, "at least 10 OPDs");
    let agreements = all(&app, "/api/v1/agreements", &admin).await;
    assert_eq!(agreements.len(), employees.len(), "one agreement each");
    assert!(agreements.iter().all(|a| a["status"] == "approved"));
    // Pending leave requests, asked for by employees, waiting for their supervisors.
    let leave = all(&app, "/api/v1/leave-requests?status=requested", &admin).await;
    assert!(leave.len() >= 10, "some pending leave requests: {}", leave.len());
    assert!(
        leave.iter().all(|r| r["working_days"].as_i64().is_some_and(|d| (1..=2).contains(&d))),
        "a Monday and a Tuesday each"
    );
    // Kominfo's gateway is subscribed, and paused (the demo has none to reach).
    let subscribers = all(&app, "/api/v1/webhook-subscriptions", &admin).await;
    assert_eq!(subscribers.len(), 1);
    assert_eq!(subscribers[0]["paused"], true);
    // Every goal's cascade reaches everyone in its OPD; together they reach everyone.
    let goals = all(&app, "/api/v1/organisational-goals", &admin).await;
    let mut reached = 0;
    for g in &goals {
        let tree =
            app.get(&format!("/api/v1/organisational-goals/{}/cascade", g["id"].as_str().unwrap()), &admin).await;
        tree.assert_status(200);
        reached += count(&tree.body["items"]);
    }
    assert_eq!(reached, employees.len(), "every employee's result cascades from a goal");
    // The period's cascade, every goal's at once, is larger than a part of an answer: it is sent as
    // it is written, and arrives whole, the same trees.
    let period = goals[0]["period_id"].as_str().unwrap();
    let whole = app.get(&format!("/api/v1/performance-periods/{period}/cascade"), &admin).await;
    whole.assert_status(200);
    assert!(whole.streamed && whole.bytes.len() > 64 * 1024, "{} bytes", whole.bytes.len());
    let trees = whole.body["goals"].as_array().unwrap();
    assert_eq!(trees.len(), goals.len());
    assert_eq!(trees.iter().map(|t| count(&t["items"])).sum::<usize>(), employees.len());
    // Months of daily logs in the pilot OPDs, reviewed by supervisors; none elsewhere.
    // The pilot OPDs are rolled out from January, the others from next month; sub-units inherit.
    let this_year = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let january = format!("{}-01", this_year.format("%Y"));
    let next_month = (this_year.with_day(1).unwrap() + chrono::Months::new(1)).format("%Y-%m").to_string();
    let (pilots, others): (Vec<&Value>, Vec<&Value>) =
        units.iter().filter(|u| u["parent_id"].is_null()).partition(|u| u["rolled_out_from"] == january.as_str());
    assert_eq!(pilots.len(), 4);
    assert!(others.iter().all(|u| u["rolled_out_from"] == next_month.as_str()), "{others:?}");
    assert!(units.iter().filter(|u| !u["parent_id"].is_null()).all(|u| u["rollout_from"].is_null()));
    let dinkes = pilots.iter().find(|u| u["code"] == "DINKES").unwrap();
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive();
    let month_ago = today - chrono::Duration::days(30);
    let activity = app
        .get(
            &format!(
                "/api/v1/org-units/{}/daily-log-activity?from={month_ago}&to={today}",
                dinkes["id"].as_str().unwrap()
            ),
            &admin,
        )
        .await;
    activity.assert_status(200);
    let summary = &activity.body["summary"];
    assert!(
        summary["logged"].as_i64().unwrap() * 10 >= summary["employees"].as_i64().unwrap() * 9,
        "nearly everyone logs: {summary}"
    );
    assert!(summary["linked_share_bp"].as_i64().unwrap() > 5_000, "{summary}");
    let not_pilot = units.iter().find(|u| u["code"] == "DISDIK").unwrap();
    let quiet = app
        .get(
            &format!(
                "/api/v1/org-units/{}/daily-log-activity?from={month_ago}&to={today}",
                not_pilot["id"].as_str().unwrap()
            ),
            &admin,
        )
        .await;
    assert_eq!(quiet.body["summary"]["logged"], 0);
    let logs = all(&app, "/api/v1/daily-logs", &admin).await;
    for status in ["accepted", "rejected", "submitted"] {
        assert!(logs.iter().any(|l| l["status"] == status), "some logs are {status}");
    }
    assert!(logs.iter().filter(|l| l["status"] == "rejected").all(|l| l["review_reason"].is_string()));
    // The pilot posts carry a catalogue with standard times, and most logs name an activity of
    // it, so Dinas Kesehatan's workload has a figure by standard time beside the minutes logged.
    assert!(
        logs.iter().filter(|l| l["activity_id"].is_string()).count() * 2 > logs.len(),
        "most logs name an activity"
    );
    let workload = app.get(&format!("/api/v1/org-units/{}/workload", dinkes["id"].as_str().unwrap()), &admin).await;
    workload.assert_status(200);
    let by_standard = &workload.body["total_by_standard_time"];
    assert!(by_standard["minutes"].as_i64().unwrap() > 0, "{by_standard}");
    // A staff member signs in with the demo password and sees their own agreement.
    let staff = employees.iter().find(|e| e["rank"] == "II/c").unwrap();
    let token = app.login(staff["nip"].as_str().unwrap(), DEMO_PASSWORD).await;
    assert_eq!(all(&app, "/api/v1/agreements", &token).await.len(), 1);
    // Weeks of attendance for everyone: last month's discipline of the whole of Dinas Kesehatan
    // shows late days and deductions that differ, and the staff member sees their own days.
    let last_month = (today.with_day(1).unwrap() - chrono::Duration::days(1)).format("%Y-%m");
    let recap = app
        .get(&format!("/api/v1/org-units/{}/discipline?month={last_month}", dinkes["id"].as_str().unwrap()), &admin)
        .await;
    recap.assert_status(200);
    let rows = recap.body["employees"].as_array().unwrap();
    assert!(rows.len() > 20, "{}", recap.text);
    assert!(rows.iter().any(|r| r["late_days"].as_u64().unwrap() > 0), "some are late");
    assert!(rows.iter().any(|r| r["deduction_bp"] != rows[0]["deduction_bp"]), "deductions differ between people");
    // The health centre works in shifts: its staff's days are their rostered shifts, judged on
    // their own hours (a night shift's check-out is the next morning), days off between them.
    let pkm = units.iter().find(|u| u["code"] == "DINKES-PKM").expect("the health centre");
    let pkm_id = pkm["id"].as_str().unwrap();
    let roster = app.get(&format!("/api/v1/org-units/{pkm_id}/roster?month={last_month}"), &admin).await;
    roster.assert_status(200);
    let entries = roster.body["items"].as_array().unwrap();
    assert!(entries.len() >= 5 * 15, "five people rostered most days: {}", entries.len());
    let nurse = entries[0]["employee_id"].as_str().unwrap();
    let month = app.get(&format!("/api/v1/employees/{nurse}/discipline?month={last_month}"), &admin).await;
    month.assert_status(200);
    let nurse_days = month.body["days"].as_array().unwrap();
    let on_shift: Vec<&Value> = nurse_days.iter().filter(|d| d["shift_id"].is_string()).collect();
    assert!(on_shift.len() >= 15, "{}", month.text);
    assert!(on_shift.iter().filter(|d| d["status"] == "present").count() >= on_shift.len() / 2, "{}", month.text);
    assert!(on_shift.iter().any(|d| d["work_start"] == "21:00" && d["status"] == "present"), "{}", month.text);
    assert!(nurse_days.iter().any(|d| d["status"] == "day_off" && d["date"].as_str().is_some()));
    let mine = app.get(&format!("/api/v1/me/discipline?month={last_month}"), &token).await;
    mine.assert_status(200);
    let days = mine.body["days"].as_array().unwrap();
    assert!(days.iter().any(|d| d["status"] == "present" && d["lines"] == serde_json::json!([])), "{}", mine.text);
    // Last month's allowance, as a newcomer computes and approves it: the pilot OPDs (rolled out
    // since January) are paid with realistic figures on the productivity basis; the other OPDs are
    // not rolled out yet; every class has a base amount, so nothing is pending.
    let run = app.post("/api/v1/allowance-runs", &admin, serde_json::json!({"month": last_month.to_string()})).await;
    run.assert_status(201);
    let lines = run.body["lines"].as_array().unwrap();
    let computed: Vec<&Value> = lines.iter().filter(|l| l["status"] == "computed").collect();
    assert!(computed.len() > 100, "{}", computed.len());
    assert!(lines.iter().any(|l| l["status"] == "not_rolled_out"));
    assert!(lines.iter().all(|l| l["status"] != "pending"), "every class has a base amount");
    assert!(lines.iter().all(|l| l["opd_name"].is_string()), "every line names its OPD");
    let median = |key: &str| {
        let mut v: Vec<i64> = computed.iter().map(|l| l[key].as_i64().unwrap()).collect();
        v.sort_unstable();
        v[v.len() / 2]
    };
    assert!(median("deduction_bp") < 1_500, "a realistic discipline: median {}", median("deduction_bp"));
    // The run judges the agency a round of 250 people at a time (the demo's several hundred make
    // rounds); each computed line's deduction is the one the unit's recap shows for the person.
    let recap_bp: std::collections::HashMap<&str, i64> =
        rows.iter().map(|r| (r["employee"]["id"].as_str().unwrap(), r["deduction_bp"].as_i64().unwrap())).collect();
    let mut compared = 0;
    for l in &computed {
        if let Some(bp) = recap_bp.get(l["employee_id"].as_str().unwrap()) {
            assert_eq!(l["deduction_bp"].as_i64().unwrap(), *bp, "{l}");
            compared += 1;
        }
    }
    assert!(compared > 20, "the run and the recap share people: {compared}");
    if today.month() > 1 {
        // (In January last month's logs belong to last year's agreements, which the demo has not.)
        assert!(median("performance_factor_bp") > 6_000, "logged work counts: {}", median("performance_factor_bp"));
    }
    let finance = app.login("bpkad.sukamaju", DEMO_PASSWORD).await;
    let approved = app
        .req(actix_web::http::Method::POST, &format!("/api/v1/allowance-runs/{}/approve", run.id()))
        .token(&finance)
        .header("if-match", &ekinerja_tests::builders::etag(&run))
        .send()
        .await;
    approved.assert_status(200);
    // Past quarters are evaluated and closed in the pilot OPDs, with a spread of predicates.
    if today.month() > 3 {
        let evaluations = all(&app, "/api/v1/evaluations", &admin).await;
        assert!(evaluations.len() >= 100, "{}", evaluations.len());
        assert!(evaluations.iter().all(|e| e["status"] == "final"));
        let mut predicates: Vec<&str> = evaluations.iter().map(|e| e["predicate"].as_str().unwrap()).collect();
        predicates.sort_unstable();
        predicates.dedup();
        assert!(predicates.len() >= 3, "a realistic spread: {predicates:?}");
        let periods = all(&app, "/api/v1/evaluation-periods", &admin).await;
        assert!(periods.iter().all(|p| p["status"] == "closed"));
        let q1 = periods.iter().find(|p| p["number"] == 1).unwrap()["id"].as_str().unwrap();
        let d = app
            .get(
                &format!("/api/v1/evaluation-periods/{q1}/distribution?org_unit_id={}", dinkes["id"].as_str().unwrap()),
                &admin,
            )
            .await;
        d.assert_status(200);
        assert!(d.body["finalised"].as_i64().unwrap() > 20, "{}", d.text);
        assert!(d.body["unit_rating"].is_string(), "the head of Dinas Kesehatan is rated: {}", d.text);
    }
    // The people who steer without administering: the head of Dinas Kesehatan reads their OPD's
    // views but not another OPD's; the Sekda (by NIP) and the region head's office read the whole
    // regency as leaders and change nothing; the payroll office lists runs.
    let dinkes_id = dinkes["id"].as_str().unwrap();
    let disdik_id = not_pilot["id"].as_str().unwrap();
    let positions = all(&app, "/api/v1/positions", &admin).await;
    let holder = |title: &str| {
        let post = positions.iter().find(|p| p["name"] == title).unwrap_or_else(|| panic!("no post {title}"));
        let e =
            employees.iter().find(|e| e["position_id"] == post["id"]).unwrap_or_else(|| panic!("{title} is vacant"));
        e["nip"].as_str().unwrap().to_owned()
    };
    let head_nip = holder("Kepala Dinas Kesehatan");
    let head = app.login(&head_nip, DEMO_PASSWORD).await;
    let me = app.get("/api/v1/me", &head).await;
    assert!(me.body["roles"].as_array().unwrap().iter().any(|r| r == "unit_head"), "{}", me.text);
    assert!(me.body["headed_units"].as_array().unwrap().iter().any(|u| u["id"] == dinkes_id), "{}", me.text);
    app.get(&format!("/api/v1/org-units/{dinkes_id}/dashboard"), &head).await.assert_status(200);
    app.get(&format!("/api/v1/org-units/{disdik_id}/dashboard"), &head).await.assert_status(403);
    let setda = units.iter().find(|u| u["code"] == "SETDA").unwrap();
    let sekda = holder("Sekretaris Daerah");
    for login in [sekda.as_str(), "bupati.sukamaju"] {
        let leader = app.login(login, DEMO_PASSWORD).await;
        let me = app.get("/api/v1/me", &leader).await;
        assert!(me.body["roles"].as_array().unwrap().iter().any(|r| r == "leader"), "{login}: {}", me.text);
        app.get(&format!("/api/v1/org-units/{disdik_id}/dashboard"), &leader).await.assert_status(200);
        app.patch(
            &format!("/api/v1/org-units/{}", setda["id"].as_str().unwrap()),
            &leader,
            serde_json::json!({"name": "X"}),
        )
        .await
        .assert_status(403);
    }
    let finance = app.login("bpkad.sukamaju", DEMO_PASSWORD).await;
    let me = app.get("/api/v1/me", &finance).await;
    assert_eq!(me.body["roles"], serde_json::json!(["finance"]), "{}", me.text);
    app.get("/api/v1/allowance-runs", &finance).await.assert_status(200);
    app.get(&format!("/api/v1/org-units/{disdik_id}/dashboard"), &finance).await.assert_status(403);
    // The other agency sees none of it.
    let other = app.login("admin.kotacontoh", DEMO_PASSWORD).await;
    assert_eq!(all(&app, "/api/v1/agreements", &other).await.len(), 0);
    assert_eq!(all(&app, "/api/v1/employees", &other).await.len(), 3);
}
