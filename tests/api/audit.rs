//! The audit trail: every change with who, when, before and after; readable by admins only.

use ekinerja_tests::TestApp;
use serde_json::json;

#[actix_web::test]
async fn changes_are_recorded_and_only_admins_read_them() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 10).await;
    let b = app.org("KAB-B", 20).await;
    let res =
        app.patch(&format!("/api/v1/employees/{}", a.staff1.id), &a.admin, json!({"name": "Agus Salim Baru"})).await;
    res.assert_status(200);
    let admin_account = app.get("/api/v1/me", &a.admin).await.body["account_id"].as_str().unwrap().to_owned();

    let trail = app.get(&format!("/api/v1/audit-events?entity_id={}", a.staff1.id), &a.admin).await;
    trail.assert_status(200);
    let items = trail.body["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|e| e["action"].as_str().unwrap()).collect::<Vec<_>>(), ["create", "update"]);
    let update = &items[1];
    assert_eq!(update["actor_account_id"], admin_account);
    assert_eq!(update["entity_type"], "employee");
    assert_eq!(update["before"]["name"], "Agus Salim");
    assert_eq!(update["after"]["name"], "Agus Salim Baru");
    assert!(update["request_id"].is_string());
    let by_actor = app.get(&format!("/api/v1/audit-events?actor_account_id={admin_account}&limit=200"), &a.admin).await;
    assert!(by_actor.body["items"].as_array().unwrap().iter().all(|e| e["actor_account_id"] == admin_account));
    assert!(by_actor.body["items"].as_array().unwrap().len() >= 10);
    // Account events never carry a password hash.
    assert!(!by_actor.text.contains("argon2"));

    // Not for employees or supervisors; nothing of another agency.
    app.get("/api/v1/audit-events", &a.staff1.token).await.assert_problem(403, "forbidden");
    app.get("/api/v1/audit-events", &a.head.token).await.assert_problem(403, "forbidden");
    let other = app.get(&format!("/api/v1/audit-events?entity_id={}", a.staff1.id), &b.admin).await;
    assert_eq!(other.body["items"], json!([]));
    let mine = app.get("/api/v1/audit-events?limit=200", &b.admin).await;
    assert!(mine.body["items"].as_array().unwrap().iter().all(|e| e["agency_id"] == b.agency));
    // The platform admin reads everything.
    let all = app.get(&format!("/api/v1/audit-events?entity_id={}", a.staff1.id), &app.root).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
}

/// The trail is a hash chain per agency: an edit or a deletion made straight in the database,
/// behind the API's back, is found by `ekinerja audit-verify`, which names the first broken
/// link; the other agency's chain still holds.
#[actix_web::test]
async fn audit_verify_names_a_row_edited_or_deleted_behind_the_apis_back() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn().await;
    let a = app.org("KAB-CH", 30).await;
    let b = app.org("KAB-CI", 40).await;
    for name in ["Nama Pertama", "Nama Kedua", "Nama Ketiga"] {
        app.patch(&format!("/api/v1/employees/{}", a.staff1.id), &a.admin, json!({"name": name}))
            .await
            .assert_status(200);
    }
    let trail = app.get(&format!("/api/v1/audit-events?entity_id={}", a.staff1.id), &a.admin).await;
    let items = trail.body["items"].as_array().unwrap().clone();
    let seqs: Vec<i64> = items.iter().map(|e| e["chain_seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert!(items.iter().all(|e| e["hash"].as_str().is_some_and(|h| h.len() == 64)));
    let mut conn = app.state.pool.get().unwrap();
    let verdict = ekinerja_api::audit_verify::run(&mut conn, None).unwrap();
    assert!(verdict.whole, "{}", verdict.text);
    assert!(
        verdict.text.contains(&format!("chain {}: ", a.agency)) && verdict.text.contains("platform"),
        "{}",
        verdict.text
    );

    // Someone with database access rewrites who the employee was renamed to.
    let edited = items[2]["id"].as_str().unwrap();
    conn.batch_execute(&format!(
        "UPDATE audit_events SET after_state = REPLACE(after_state, 'Nama Kedua', 'Nama Palsu') WHERE id = '{edited}'"
    ))
    .unwrap();
    let verdict = ekinerja_api::audit_verify::run(&mut conn, Some(&a.agency)).unwrap();
    assert!(!verdict.whole);
    assert!(verdict.text.contains(edited) && verdict.text.contains("does not match its hash"), "{}", verdict.text);
    assert!(ekinerja_api::audit_verify::run(&mut conn, Some(&b.agency)).unwrap().whole);

    // Putting it back makes the chain whole again; deleting a link leaves a gap that is named.
    conn.batch_execute(&format!(
        "UPDATE audit_events SET after_state = REPLACE(after_state, 'Nama Palsu', 'Nama Kedua') WHERE id = '{edited}'"
    ))
    .unwrap();
    assert!(ekinerja_api::audit_verify::run(&mut conn, Some(&a.agency)).unwrap().whole);

    // A word the trail does not know is never read as some other word: the read fails loudly.
    conn.batch_execute(&format!("UPDATE audit_events SET action = 'frobnicate' WHERE id = '{edited}'")).unwrap();
    app.get(&format!("/api/v1/audit-events?entity_id={}", a.staff1.id), &a.admin).await.assert_problem(500, "internal");
    let refused = ekinerja_api::audit_verify::run(&mut conn, Some(&a.agency)).unwrap_err();
    assert!(refused.contains("unknown AuditAction \"frobnicate\""), "{refused}");
    conn.batch_execute(&format!("UPDATE audit_events SET action = 'update' WHERE id = '{edited}'")).unwrap();
    assert!(ekinerja_api::audit_verify::run(&mut conn, Some(&a.agency)).unwrap().whole);
    let deleted = items[1]["id"].as_str().unwrap();
    let seq = items[1]["chain_seq"].as_i64().unwrap();
    conn.batch_execute(&format!("DELETE FROM audit_events WHERE id = '{deleted}'")).unwrap();
    let verdict = ekinerja_api::audit_verify::run(&mut conn, Some(&a.agency)).unwrap();
    assert!(!verdict.whole);
    assert!(
        verdict.text.contains(&format!("BROKEN at link {seq}")) && verdict.text.contains("missing"),
        "{}",
        verdict.text
    );
}
