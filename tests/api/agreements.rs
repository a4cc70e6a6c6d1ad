//! Performance agreements: the four-level cascade approved top-down, and every refusal.

use actix_web::http::Method;
use ekinerja_tests::builders::{etag, goal, open, period, plan, send, step, year, Skp};
use ekinerja_tests::TestApp;
use serde_json::json;

#[actix_web::test]
async fn a_four_level_cascade_is_planned_and_approved_top_down() {
    let app = TestApp::spawn().await;
    let org = app.org("KAB-A", 0).await;
    let period = period(&app, &org).await;
    let goal = goal(&app, &org, &period).await;

    let mut head = open(&app, &org.head, &period).await;
    let head_rhk = plan(&app, &org.head, &mut head, json!({"goal_id": goal}), "Meningkatnya mutu layanan dinas").await;
    step(&app, &org.head.token, &mut head, "submit", None).await.assert_status(200);
    // The head of the agency has no supervisor in the chart: the agency admin approves.
    let res = step(&app, &org.admin, &mut head, "approve", None).await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "approved");

    let mut division = open(&app, &org.division, &period).await;
    let division_rhk = plan(
        &app,
        &org.division,
        &mut division,
        json!({"parent_result_id": head_rhk}),
        "Terselenggaranya pelayanan bidang",
    )
    .await;
    step(&app, &org.division.token, &mut division, "submit", None).await.assert_status(200);
    step(&app, &org.head.token, &mut division, "approve", None).await.assert_status(200);

    let mut section = open(&app, &org.section, &period).await;
    let section_rhk = plan(
        &app,
        &org.section,
        &mut section,
        json!({"parent_result_id": division_rhk}),
        "Terlaksananya pelayanan seksi",
    )
    .await;
    step(&app, &org.section.token, &mut section, "submit", None).await.assert_status(200);
    step(&app, &org.division.token, &mut section, "approve", None).await.assert_status(200);

    let mut staff = open(&app, &org.staff1, &period).await;
    plan(&app, &org.staff1, &mut staff, json!({"parent_result_id": section_rhk}), "Tersusunnya laporan pelayanan")
        .await;
    step(&app, &org.staff1.token, &mut staff, "submit", None).await.assert_status(200);
    // Returned with a comment, corrected, resubmitted, approved.
    step(&app, &org.section.token, &mut staff, "return", Some(json!({"comment": "Tambahkan target mutu"})))
        .await
        .assert_status(200);
    let read = app.get(&format!("/api/v1/agreements/{}", staff.id), &org.staff1.token).await;
    assert_eq!(read.body["status"], "returned");
    assert_eq!(read.body["return_comment"], "Tambahkan target mutu");
    step(&app, &org.staff1.token, &mut staff, "submit", None).await.assert_status(200);
    let res = step(&app, &org.section.token, &mut staff, "approve", None).await;
    assert_eq!(res.body["status"], "approved");
    assert_eq!(res.body["approved_by_employee_id"], org.section.id);

    let read = app.get(&format!("/api/v1/agreements/{}", staff.id), &org.staff1.token).await;
    read.assert_status(200);
    assert_eq!(read.header("etag").as_deref(), Some(staff.etag.as_str()));
    let rhk = &read.body["planned_results"][0];
    assert_eq!(rhk["parent_result_id"], section_rhk);
    assert_eq!(rhk["indicators"][0]["targets"], json!([3, 3, 3, 3]));
    assert_eq!(rhk["indicators"][0]["breakdown"], "quarterly");

    // Every transition is in the audit trail.
    let trail = app.get(&format!("/api/v1/audit-events?entity_id={}&limit=200", staff.id), &org.admin).await;
    let actions: Vec<&str> =
        trail.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["create", "add_planned_result", "add_indicator", "set_breakdown", "submit", "return", "approve"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    // Supervisors read their subordinates' agreements; others do not.
    app.get(&format!("/api/v1/agreements/{}", staff.id), &org.head.token).await.assert_status(200);
    app.get(&format!("/api/v1/agreements/{}", staff.id), &org.staff2.token).await.assert_problem(404, "not-found");
    assert_eq!(app.get("/api/v1/agreements", &org.section.token).await.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(app.get("/api/v1/agreements", &org.staff2.token).await.body["items"].as_array().unwrap().len(), 0);
    assert_eq!(app.get("/api/v1/agreements", &org.admin).await.body["items"].as_array().unwrap().len(), 4);

    // The tree under the goal, down to every employee.
    let tree = app.get(&format!("/api/v1/organisational-goals/{goal}/cascade"), &org.admin).await;
    tree.assert_status(200);
    let mut node = &tree.body["items"][0];
    assert_eq!(tree.body["items"].as_array().unwrap().len(), 1);
    for (who, rhk) in [
        (&org.head, Some(&head_rhk)),
        (&org.division, Some(&division_rhk)),
        (&org.section, Some(&section_rhk)),
        (&org.staff1, None),
    ] {
        assert_eq!(node["employee_id"], who.id);
        assert_eq!(node["agreement_status"], "approved");
        if let Some(r) = rhk {
            assert_eq!(node["result_id"], *r);
            assert_eq!(node["children"].as_array().unwrap().len(), 1);
            node = &node["children"][0];
        } else {
            assert_eq!(node["children"], json!([]));
        }
    }
    // Under a result, for whoever may read its agreement.
    let sub = app
        .get(&format!("/api/v1/agreements/{}/planned-results/{division_rhk}/cascade", division.id), &org.division.token)
        .await;
    sub.assert_status(200);
    assert_eq!(sub.body["items"][0]["children"][0]["children"][0]["employee_id"], org.staff1.id);
    app.get(&format!("/api/v1/agreements/{}/planned-results/{division_rhk}/cascade", division.id), &org.staff1.token)
        .await
        .assert_problem(404, "not-found");
    // A unit's goal is part of the unit's views: its head reads the cascade, its staff do not.
    app.get(&format!("/api/v1/organisational-goals/{goal}/cascade"), &org.head.token).await.assert_status(200);
    app.get(&format!("/api/v1/organisational-goals/{goal}/cascade"), &org.staff1.token)
        .await
        .assert_problem(403, "forbidden");

    // The alignment report: staff member 2 has no approved agreement; a second goal nobody
    // supports; nothing unlinked.
    let lonely = app
        .post(
            "/api/v1/organisational-goals",
            &org.admin,
            json!({"period_id": period, "org_unit_id": org.unit, "name": "Goal tanpa dukungan", "indicator": "x", "target_quantity": 1, "target_unit": "dokumen"}),
        )
        .await
        .id();
    let whole = app.get(&format!("/api/v1/performance-periods/{period}/cascade"), &org.admin).await;
    whole.assert_status(200);
    let goals_in_tree: Vec<(&str, usize)> = whole.body["goals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["goal"]["id"].as_str().unwrap(), g["items"].as_array().unwrap().len()))
        .collect();
    assert_eq!(goals_in_tree, [(goal.as_str(), 1), (lonely.as_str(), 0)]);
    assert_eq!(whole.body["goals"][0]["items"], tree.body["items"], "the period's tree is the goals' trees");
    app.get(&format!("/api/v1/performance-periods/{period}/cascade"), &org.head.token)
        .await
        .assert_problem(403, "forbidden");
    let report = app.get(&format!("/api/v1/org-units/{}/alignment?period_id={period}", org.unit), &org.admin).await;
    report.assert_status(200);
    assert_eq!(report.body["unlinked_results"], json!([]));
    let goals: Vec<&str> =
        report.body["unsupported_goals"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(goals, [lonely.as_str()]);
    let missing: Vec<&str> = report.body["employees_without_approved_agreement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(missing, [org.staff2.id.as_str()]);
    app.get(&format!("/api/v1/org-units/{}/alignment?period_id={period}", org.unit), &org.head.token)
        .await
        .assert_status(200);
    app.get(&format!("/api/v1/org-units/{}/alignment?period_id={period}", org.unit), &org.section.token)
        .await
        .assert_problem(403, "forbidden");

    // The printable form names the supervisor and the supervisor's supervisor.
    let doc = app.get(&format!("/api/v1/agreements/{}/document", staff.id), &org.staff1.token).await;
    doc.assert_status(200);
    assert_eq!(doc.body["year"], year());
    assert_eq!(doc.body["employee"]["nip"], org.staff1.nip);
    assert_eq!(doc.body["employee"]["position"], "Pengadministrasi Umum");
    assert_eq!(doc.body["employee"]["org_unit"], "Dinas Kesehatan");
    assert_eq!(doc.body["supervisor"]["nip"], org.section.nip);
    assert_eq!(doc.body["supervisors_supervisor"]["nip"], org.division.nip);
    assert_eq!(doc.body["agreement"]["planned_results"][0]["indicators"][0]["target_quantity"], 12);
    app.get(&format!("/api/v1/agreements/{}/document", staff.id), &org.staff2.token)
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn links_outside_the_rules_are_refused() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 100).await;
    let b = app.org("KAB-B", 200).await;
    let pa = period(&app, &a).await;
    let pb = period(&app, &b).await;
    let ga = goal(&app, &a, &pa).await;
    let gb = goal(&app, &b, &pb).await;
    let mut head = open(&app, &a.head, &pa).await;
    let head_rhk = plan(&app, &a.head, &mut head, json!({"goal_id": ga}), "RHK kepala").await;
    let mut division = open(&app, &a.division, &pa).await;
    let division_rhk =
        plan(&app, &a.division, &mut division, json!({"parent_result_id": head_rhk}), "RHK bidang").await;
    let mut b_head = open(&app, &b.head, &pb).await;
    let b_rhk = plan(&app, &b.head, &mut b_head, json!({"goal_id": gb}), "RHK kepala B").await;

    let mut staff = open(&app, &a.staff1, &pa).await;
    let before = app.get(&format!("/api/v1/agreements/{}", staff.id), &a.staff1.token).await;
    let path = format!("/api/v1/agreements/{}/planned-results", staff.id);
    let cases = [
        (
            json!({"kind": "main", "description": "x", "parent_result_id": head_rhk}),
            "#/parent_result_id",
            "not the employee's direct supervisor",
        ),
        (
            json!({"kind": "main", "description": "x", "parent_result_id": division_rhk}),
            "#/parent_result_id",
            "not the employee's direct supervisor",
        ),
        (json!({"kind": "main", "description": "x", "parent_result_id": b_rhk}), "#/parent_result_id", "own agency"),
        (json!({"kind": "main", "description": "x", "goal_id": ga}), "#/goal_id", "direct supervisor"),
        (json!({"kind": "main", "description": "x", "goal_id": gb}), "#/goal_id", "own agency"),
        (json!({"kind": "main", "description": "x"}), "#/parent_result_id", "must link"),
        (
            json!({"kind": "main", "description": "x", "parent_result_id": uuid::Uuid::now_v7()}),
            "#/parent_result_id",
            "no such",
        ),
    ];
    for (body, pointer, words) in cases {
        let res = send(&app, Method::POST, &path, &a.staff1.token, Some(&staff.etag), Some(body.clone())).await;
        res.assert_invalid(pointer);
        assert!(res.text.contains(words), "{body}: {}", res.text);
    }
    // A head of OPD links to a goal, not to a result.
    let res = send(
        &app,
        Method::POST,
        &format!("/api/v1/agreements/{}/planned-results", head.id),
        &a.head.token,
        Some(&head.etag),
        Some(json!({"kind": "main", "description": "x", "parent_result_id": division_rhk})),
    )
    .await;
    res.assert_invalid("#/parent_result_id");
    // Nothing changed.
    let after = app.get(&format!("/api/v1/agreements/{}", staff.id), &a.staff1.token).await;
    assert_eq!(before.body, after.body);
    assert_eq!(before.header("etag"), after.header("etag"));
    // An additional result may stand alone.
    let res = send(
        &app,
        Method::POST,
        &path,
        &a.staff1.token,
        Some(&staff.etag),
        Some(json!({"kind": "additional", "description": "Tugas tambahan"})),
    )
    .await;
    res.assert_status(201);
    staff.etag = etag(&res);
}

#[actix_web::test]
async fn a_link_that_closes_a_cycle_is_refused() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 300).await;
    let pa = period(&app, &a).await;
    let ga = goal(&app, &a, &pa).await;
    let mut head = open(&app, &a.head, &pa).await;
    let head_rhk = plan(&app, &a.head, &mut head, json!({"goal_id": ga}), "RHK kepala").await;
    let mut division = open(&app, &a.division, &pa).await;
    let division_rhk =
        plan(&app, &a.division, &mut division, json!({"parent_result_id": head_rhk}), "RHK bidang").await;
    let mut section = open(&app, &a.section, &pa).await;
    let section_rhk =
        plan(&app, &a.section, &mut section, json!({"parent_result_id": division_rhk}), "RHK seksi").await;
    // The section head stands in (Plh) for the head of the agency: now the division head's
    // direct supervisor is the section head, whose result cascades from the division head's.
    let today = chrono::Utc::now().date_naive();
    app.post(
        "/api/v1/acting-assignments",
        &a.admin,
        json!({"position_id": a.head_post, "employee_id": a.section.id, "kind": "plh", "starts_on": today, "ends_on": today + chrono::Duration::days(2)}),
    )
    .await
    .assert_status(201);
    let res = send(
        &app,
        Method::POST,
        &format!("/api/v1/agreements/{}/planned-results", division.id),
        &a.division.token,
        Some(&division.etag),
        Some(json!({"kind": "main", "description": "Melingkar", "parent_result_id": section_rhk})),
    )
    .await;
    res.assert_invalid("#/parent_result_id");
    assert!(res.text.contains("circle"), "{}", res.text);
}

#[actix_web::test]
async fn approval_only_by_the_direct_supervisor() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 400).await;
    let b = app.org("KAB-B", 500).await;
    let pa = period(&app, &a).await;
    let ga = goal(&app, &a, &pa).await;
    let mut head = open(&app, &a.head, &pa).await;
    let head_rhk = plan(&app, &a.head, &mut head, json!({"goal_id": ga}), "RHK kepala").await;
    let mut division = open(&app, &a.division, &pa).await;
    plan(&app, &a.division, &mut division, json!({"parent_result_id": head_rhk}), "RHK bidang").await;
    // Only the owner submits.
    step(&app, &a.head.token, &mut division, "submit", None).await.assert_problem(403, "forbidden");
    step(&app, &a.division.token, &mut division, "submit", None).await.assert_status(200);
    // Not the owner, not a peer, not the admin, not another agency: only the head approves.
    step(&app, &a.division.token, &mut division, "approve", None).await.assert_problem(403, "forbidden");
    step(&app, &a.admin, &mut division, "approve", None).await.assert_problem(403, "forbidden");
    step(&app, &a.section.token, &mut division, "approve", None).await.assert_problem(404, "not-found");
    step(&app, &b.head.token, &mut division, "approve", None).await.assert_problem(404, "not-found");
    step(&app, &b.admin, &mut division, "approve", None).await.assert_problem(404, "not-found");
    step(&app, &a.head.token, &mut division, "return", Some(json!({}))).await.assert_invalid("#/comment");
    step(&app, &a.head.token, &mut division, "return", Some(json!({"comment": "   "})))
        .await
        .assert_invalid("#/comment");
    let read = app.get(&format!("/api/v1/agreements/{}", division.id), &a.division.token).await;
    assert_eq!(read.body["status"], "submitted");
    assert_eq!(read.header("etag").unwrap(), division.etag, "refusals changed nothing");
    // Submitted agreements are not edited.
    let res = send(
        &app,
        Method::POST,
        &format!("/api/v1/agreements/{}/planned-results", division.id),
        &a.division.token,
        Some(&division.etag),
        Some(json!({"kind": "additional", "description": "late"})),
    )
    .await;
    res.assert_problem(403, "forbidden");
    step(&app, &a.head.token, &mut division, "approve", None).await.assert_status(200);
    step(&app, &a.head.token, &mut division, "approve", None).await.assert_problem(409, "conflict");
}

#[actix_web::test]
async fn breakdowns_and_stale_versions_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 600).await;
    let pa = period(&app, &a).await;
    let ga = goal(&app, &a, &pa).await;
    let mut head = open(&app, &a.head, &pa).await;
    let res = send(
        &app,
        Method::POST,
        &format!("/api/v1/agreements/{}/planned-results", head.id),
        &a.head.token,
        Some(&head.etag),
        Some(json!({"kind": "main", "description": "RHK", "goal_id": ga})),
    )
    .await;
    head.etag = etag(&res);
    let rhk = res.id();
    let res = send(
        &app,
        Method::POST,
        &format!("/api/v1/agreements/{}/planned-results/{rhk}/indicators", head.id),
        &a.head.token,
        Some(&head.etag),
        Some(json!({"description": "Laporan", "target_quantity": 12, "target_unit": "laporan"})),
    )
    .await;
    head.etag = etag(&res);
    let indicator = res.id();
    // Submitting before the breakdown names the indicator.
    step(&app, &a.head.token, &mut head, "submit", None)
        .await
        .assert_invalid(&format!("#/indicators/{indicator}/targets"));
    let path = format!("/api/v1/agreements/{}/indicators/{indicator}/breakdown", head.id);
    let res = send(
        &app,
        Method::PUT,
        &path,
        &a.head.token,
        Some(&head.etag),
        Some(json!({"breakdown": "quarterly", "targets": [3, 3, 3, 2]})),
    )
    .await;
    res.assert_invalid("#/targets");
    assert!(res.text.contains("difference -1"), "{}", res.text);
    let res = send(
        &app,
        Method::PUT,
        &path,
        &a.head.token,
        Some(&head.etag),
        Some(json!({"breakdown": "monthly", "targets": [3, 3, 3, 3]})),
    )
    .await;
    res.assert_invalid("#/targets");
    let before = app.get(&format!("/api/v1/agreements/{}", head.id), &a.head.token).await;
    assert_eq!(before.body["planned_results"][0]["indicators"][0]["targets"], json!([]));
    // Without If-Match: 428; with a stale one: 412; with one that is no ETag at all: 400 (the
    // contract states the form); none changes anything.
    send(
        &app,
        Method::PUT,
        &path,
        &a.head.token,
        None,
        Some(json!({"breakdown": "quarterly", "targets": [3, 3, 3, 3]})),
    )
    .await
    .assert_problem(428, "precondition-required");
    let stale = "\"v1\"";
    send(
        &app,
        Method::PUT,
        &path,
        &a.head.token,
        Some(stale),
        Some(json!({"breakdown": "quarterly", "targets": [3, 3, 3, 3]})),
    )
    .await
    .assert_problem(412, "precondition-failed");
    send(&app, Method::POST, &format!("/api/v1/agreements/{}/submit", head.id), &a.head.token, Some(stale), None)
        .await
        .assert_problem(412, "precondition-failed");
    send(
        &app,
        Method::PUT,
        &path,
        &a.head.token,
        Some("garbage"),
        Some(json!({"breakdown": "quarterly", "targets": [3, 3, 3, 3]})),
    )
    .await
    .assert_problem(400, "bad-parameter");
    let after = app.get(&format!("/api/v1/agreements/{}", head.id), &a.head.token).await;
    assert_eq!(before.body, after.body);
    // The current version goes through.
    let res = send(
        &app,
        Method::PUT,
        &path,
        &a.head.token,
        Some(&head.etag),
        Some(json!({"breakdown": "quarterly", "targets": [0, 6, 0, 6]})),
    )
    .await;
    res.assert_status(200);
    assert_eq!(res.body["planned_results"][0]["indicators"][0]["targets"], json!([0, 6, 0, 6]));
}

#[actix_web::test]
async fn an_approved_agreement_changes_only_through_a_revision() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 700).await;
    let pa = period(&app, &a).await;
    let ga = goal(&app, &a, &pa).await;
    let mut head = open(&app, &a.head, &pa).await;
    plan(&app, &a.head, &mut head, json!({"goal_id": ga}), "RHK kepala").await;
    step(&app, &a.head.token, &mut head, "submit", None).await.assert_status(200);
    step(&app, &a.admin, &mut head, "approve", None).await.assert_status(200);
    let res = send(
        &app,
        Method::POST,
        &format!("/api/v1/agreements/{}/planned-results", head.id),
        &a.head.token,
        Some(&head.etag),
        Some(json!({"kind": "additional", "description": "late"})),
    )
    .await;
    res.assert_problem(403, "forbidden");
    let revise = format!("/api/v1/agreements/{}/revise", head.id);
    let res = send(&app, Method::POST, &revise, &a.head.token, Some(&head.etag), None).await;
    res.assert_status(201);
    assert_eq!(res.body["revision"], 2);
    assert_eq!(res.body["previous_revision_id"], head.id);
    let mut second = Skp { id: res.id(), etag: etag(&res) };
    send(&app, Method::POST, &revise, &a.head.token, Some(&head.etag), None).await.assert_problem(409, "conflict");
    let res = send(
        &app,
        Method::POST,
        &format!("/api/v1/agreements/{}/planned-results", second.id),
        &a.head.token,
        Some(&second.etag),
        Some(json!({"kind": "additional", "description": "Tugas tambahan baru"})),
    )
    .await;
    res.assert_status(201);
    second.etag = etag(&res);
    // Until the revision is approved, the first stays in force.
    assert_eq!(app.get(&format!("/api/v1/agreements/{}", head.id), &a.head.token).await.body["status"], "approved");
    step(&app, &a.head.token, &mut second, "submit", None).await.assert_status(200);
    step(&app, &a.admin, &mut second, "approve", None).await.assert_status(200);
    let first = app.get(&format!("/api/v1/agreements/{}", head.id), &a.head.token).await;
    assert_eq!(first.body["status"], "superseded");
    assert_eq!(
        first.body["planned_results"].as_array().unwrap().len(),
        1,
        "the earlier revision stays readable as it was"
    );
    let second_read = app.get(&format!("/api/v1/agreements/{}", second.id), &a.head.token).await;
    assert_eq!(second_read.body["planned_results"].as_array().unwrap().len(), 2);
    assert_eq!(second_read.body["planned_results"][0]["lineage_id"], first.body["planned_results"][0]["id"]);
    // The cascade under a result of the revision no longer in force starts from that result, as
    // it was; under the one in force, from its own; a result of another agreement is not found.
    let old_rhk = first.body["planned_results"][0]["id"].as_str().unwrap();
    let under_old =
        app.get(&format!("/api/v1/agreements/{}/planned-results/{old_rhk}/cascade", head.id), &a.head.token).await;
    under_old.assert_status(200);
    let roots = under_old.body["items"].as_array().unwrap();
    assert_eq!(roots.len(), 1, "{}", under_old.text);
    assert_eq!(
        (roots[0]["result_id"].as_str(), roots[0]["agreement_status"].as_str()),
        (Some(old_rhk), Some("superseded"))
    );
    let new_rhk = second_read.body["planned_results"][0]["id"].as_str().unwrap();
    let under_new =
        app.get(&format!("/api/v1/agreements/{}/planned-results/{new_rhk}/cascade", second.id), &a.head.token).await;
    under_new.assert_status(200);
    assert_eq!(under_new.body["items"][0]["result_id"], new_rhk);
    assert_eq!(under_new.body["items"][0]["lineage_id"], old_rhk);
    app.get(&format!("/api/v1/agreements/{}/planned-results/{new_rhk}/cascade", head.id), &a.head.token)
        .await
        .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn a_change_of_position_ends_the_old_agreement() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 800).await;
    let pa = period(&app, &a).await;
    let old = open(&app, &a.staff2, &pa).await;
    app.post("/api/v1/agreements", &a.staff2.token, json!({"period_id": pa})).await.assert_problem(409, "conflict");
    let new_post = app.position(&a.admin, &a.unit, "Pengelola Keuangan", "pelaksana", 7, Some(&a.section_post)).await;
    app.patch(&format!("/api/v1/employees/{}", a.staff2.id), &a.admin, json!({"position_id": new_post}))
        .await
        .assert_status(200);
    let res = app
        .post("/api/v1/agreements", &a.staff2.token, json!({"period_id": pa, "starts_on": format!("{}-07-01", year())}))
        .await;
    res.assert_status(201);
    assert_eq!(res.body["position_id"], new_post);
    assert_eq!(res.body["starts_on"], format!("{}-07-01", year()));
    let earlier = app.get(&format!("/api/v1/agreements/{}", old.id), &a.staff2.token).await;
    assert_eq!(earlier.body["ends_on"], format!("{}-06-30", year()));
    assert_eq!(app.get("/api/v1/agreements", &a.staff2.token).await.body["items"].as_array().unwrap().len(), 2);
    app.post(
        "/api/v1/agreements",
        &a.staff1.token,
        json!({"period_id": pa, "starts_on": format!("{}-01-01", year() + 1)}),
    )
    .await
    .assert_invalid("#/starts_on");
    // A colleague's record is not the caller's to know of; a supervisor's is, but not to open.
    app.post("/api/v1/agreements", &a.staff1.token, json!({"period_id": pa, "employee_id": a.staff2.id}))
        .await
        .assert_invalid("#/employee_id");
    app.post("/api/v1/agreements", &a.section.token, json!({"period_id": pa, "employee_id": a.staff2.id}))
        .await
        .assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn periods_goals_and_agency_policy_are_the_admins_and_checked() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 900).await;
    let b = app.org("KAB-B", 950).await;
    // Only the agency admin opens periods and manages goals; other agencies see nothing.
    app.post("/api/v1/performance-periods", &a.head.token, json!({"year": year()}))
        .await
        .assert_problem(403, "forbidden");
    app.post("/api/v1/performance-periods", &a.admin, json!({"year": 1999})).await.assert_invalid("#/year");
    app.post("/api/v1/performance-periods", &a.admin, json!({"year": "2026"})).await.assert_invalid("#/year");
    let p = period(&app, &a).await;
    app.post("/api/v1/performance-periods", &a.admin, json!({"year": year()})).await.assert_problem(409, "conflict");
    app.get(&format!("/api/v1/performance-periods/{p}"), &b.admin).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/performance-periods/{p}"), &a.staff1.token).await.assert_status(200);
    let goal_body =
        json!({"period_id": p, "name": "Goal", "indicator": "Indeks", "target_quantity": 85, "target_unit": "indeks"});
    app.post("/api/v1/organisational-goals", &a.head.token, goal_body.clone()).await.assert_problem(403, "forbidden");
    app.post("/api/v1/organisational-goals", &b.admin, goal_body.clone()).await.assert_invalid("#/period_id");
    let mut bad = goal_body.clone();
    bad["target_quantity"] = json!(0);
    bad["name"] = json!("");
    app.post("/api/v1/organisational-goals", &a.admin, bad)
        .await
        .assert_invalid("#/target_quantity")
        .assert_invalid("#/name");
    let g = app.post("/api/v1/organisational-goals", &a.admin, goal_body).await;
    g.assert_status(201);
    let path = format!("/api/v1/organisational-goals/{}", g.id());
    app.patch(&path, &b.admin, json!({"target_quantity": 90})).await.assert_problem(404, "not-found");
    app.patch(&path, &a.staff1.token, json!({"target_quantity": 90})).await.assert_problem(403, "forbidden");
    assert_eq!(app.patch(&path, &a.admin, json!({"target_quantity": 90})).await.body["target_quantity"], 90);
    assert_eq!(app.get("/api/v1/organisational-goals", &b.admin).await.body["items"], json!([]));
    // The agency's daily-log cap is its own admin's to change, within bounds.
    let agency = format!("/api/v1/agencies/{}", a.agency);
    app.patch(&agency, &b.admin, json!({"daily_log_cap_minutes": 300})).await.assert_problem(404, "not-found");
    app.patch(&agency, &a.head.token, json!({"daily_log_cap_minutes": 300})).await.assert_problem(403, "forbidden");
    app.patch(&agency, &a.admin, json!({"daily_log_cap_minutes": 30})).await.assert_invalid("#/daily_log_cap_minutes");
    assert_eq!(app.get(&agency, &a.admin).await.body["daily_log_cap_minutes"], 450);
}

/// A loader's agreements (the demo regency's, the benchmark's) pass the checks of the workflow's
/// single steps, read for the whole load at once: one refused step refuses the load, with the
/// API's error, and a load that passes leaves each agreement as the API's steps leave it.
#[actix_web::test]
async fn a_load_of_agreements_is_checked_as_the_workflow_is_and_stored_whole_or_not_at_all() {
    use ekinerja_domain::agreement::{BreakdownKind, Quantity, ResultKind};
    use ekinerja_domain::{Caller, Name};
    use ekinerja_persistence::agreement::{
        load, Load, LoadIndicator, LoadResult, NewAgreement, NewIndicator, NewResult,
    };
    use ekinerja_persistence::{account, Change, StoreError};
    let app = TestApp::spawn().await;
    let org = app.org("KAB-A", 0).await;
    let period = period(&app, &org).await;
    let goal = goal(&app, &org, &period).await;
    let mut conn = app.state.pool.get().unwrap();
    let mut caller = |id: &str| -> Caller {
        account::find_for_employee(&mut conn, id.parse().unwrap()).unwrap().unwrap().caller().unwrap()
    };
    let (head, division, staff1, staff2) =
        (caller(&org.head.id), caller(&org.division.id), caller(&org.staff1.id), caller(&org.staff2.id));
    let mut conn = app.state.pool.get().unwrap();
    let admin = account::find_for_login(&mut conn, "admin.kab-a").unwrap().unwrap().caller().unwrap();
    let now = chrono::Utc::now();
    let at = |c: &Caller| Change::new(c.clone(), now, None);
    let uuid = |s: &str| s.parse::<uuid::Uuid>().unwrap();
    let skp =
        |owner: &Caller, link: (Option<uuid::Uuid>, Option<uuid::Uuid>), parts: Option<Vec<i64>>, by: &Caller| Load {
            change: at(owner),
            agreement: NewAgreement { employee_id: None, period_id: uuid(&period), starts_on: None },
            results: vec![LoadResult {
                result: NewResult {
                    kind: ResultKind::Main,
                    description: Name::parse("Terlaksananya tugas").unwrap(),
                    parent_result_id: link.0,
                    goal_id: link.1,
                },
                indicators: vec![LoadIndicator {
                    indicator: NewIndicator {
                        description: Name::parse("Jumlah laporan").unwrap(),
                        target_quantity: Quantity::new(12).unwrap(),
                        target_unit: Name::parse("laporan").unwrap(),
                        quality_target_bp: Some(10_000),
                        time_target_months: Some(12),
                        cost_target: None,
                    },
                    breakdown: parts.map(|p| (BreakdownKind::Quarterly, p)),
                }],
            }],
            approval: Some(at(by)),
        };
    let quarters = || Some(vec![3, 3, 3, 3]);
    let to_goal = (None, Some(uuid(&goal)));
    let head_skp = skp(&head, to_goal, quarters(), &admin);
    let field = |e: StoreError| match e {
        StoreError::Invalid(errors) => errors.iter().map(|f| format!("{:?}", f.field)).collect::<Vec<_>>().join(" "),
        other => format!("{other:?}"),
    };
    // An agreement opened for a peer, as a create is refused: no such employee to them.
    let for_peer = Load {
        agreement: NewAgreement { employee_id: Some(uuid(&org.staff2.id)), ..head_skp.agreement.clone() },
        ..skp(&staff1, to_goal, quarters(), &head)
    };
    let refused = field(load(&mut conn, vec![head_skp.clone(), for_peer], now).unwrap_err());
    assert!(refused.contains("employee_id"), "{refused}");
    // A head of division links to the goal instead of the head's result.
    let refused =
        field(load(&mut conn, vec![head_skp.clone(), skp(&division, to_goal, quarters(), &head)], now).unwrap_err());
    assert!(refused.contains("goal_id"), "{refused}");
    // A breakdown that does not add up; an indicator not broken down before submission.
    let refused = field(load(&mut conn, vec![skp(&head, to_goal, Some(vec![3, 3, 3, 2]), &admin)], now).unwrap_err());
    assert!(refused.contains("targets"), "{refused}");
    let refused = field(load(&mut conn, vec![skp(&head, to_goal, None, &admin)], now).unwrap_err());
    assert!(refused.contains("indicators"), "{refused}");
    // An approval by a subordinate; one dated before the submission; the same agreement twice.
    let refused = load(&mut conn, vec![skp(&head, to_goal, quarters(), &staff2)], now).unwrap_err();
    assert!(matches!(refused, StoreError::NotFound | StoreError::Forbidden(_)), "{refused:?}");
    let early = Load {
        approval: Some(Change::new(admin.clone(), now - chrono::Duration::minutes(5), None)),
        ..head_skp.clone()
    };
    let refused = field(load(&mut conn, vec![early], now).unwrap_err());
    assert!(refused.contains("approval"), "{refused}");
    let refused = load(&mut conn, vec![head_skp.clone(), head_skp.clone()], now).unwrap_err();
    assert!(matches!(refused, StoreError::Conflict(_)), "{refused:?}");
    // None of those stored anything.
    let listed = app.get(&format!("/api/v1/agreements?period_id={period}"), &org.admin).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 0, "{}", listed.body);

    // The cascade's first two levels, a load each; the third through the API, to compare.
    let stored = load(&mut conn, vec![head_skp.clone()], now).unwrap();
    let head_rhk = stored[0].results[0].result.id.uuid();
    let stored = load(&mut conn, vec![skp(&division, (Some(head_rhk), None), quarters(), &head)], now).unwrap();
    let division_rhk = stored[0].results[0].result.id.uuid().to_string();
    let loaded = stored[0].agreement.id.uuid().to_string();
    // An employee already holding an agreement of the period is not loaded again.
    let refused = load(&mut conn, vec![head_skp], now).unwrap_err();
    assert!(matches!(refused, StoreError::Conflict(_)), "{refused:?}");
    drop(conn);
    let mut section = open(&app, &org.section, &period).await;
    plan(&app, &org.section, &mut section, json!({"parent_result_id": division_rhk}), "Terlaksananya tugas").await;
    step(&app, &org.section.token, &mut section, "submit", None).await.assert_status(200);
    step(&app, &org.division.token, &mut section, "approve", None).await.assert_status(200);
    let shape = |v: &serde_json::Value| {
        let r = &v["planned_results"][0];
        let i = &r["indicators"][0];
        json!([v["status"], v["version"], v["revision"], r["kind"], i["target_quantity"], i["breakdown"], i["targets"]])
    };
    let through_api = app.get(&format!("/api/v1/agreements/{}", section.id), &org.admin).await;
    let by_load = app.get(&format!("/api/v1/agreements/{loaded}"), &org.division.token).await;
    by_load.assert_status(200);
    assert_eq!(shape(&by_load.body), shape(&through_api.body));
    assert_eq!(shape(&by_load.body), json!(["approved", 6, 1, "main", 12, "quarterly", [3, 3, 3, 3]]));
    assert_eq!(by_load.body["approved_by_employee_id"], org.head.id.as_str());
    assert_eq!(by_load.body["planned_results"][0]["parent_result_id"], head_rhk.to_string());
    // Every step is in the audit trail, whole.
    let mut conn = app.state.pool.get().unwrap();
    let verdict = ekinerja_api::audit_verify::run(&mut conn, None).unwrap();
    assert!(verdict.whole, "{}", verdict.text);
}
