//! Organisation and people: what each role may see and change, across two agencies, and the
//! supervisor rules.

use ekinerja_tests::{nip, TestApp};
use serde_json::{json, Value};

fn names(v: &Value) -> Vec<String> {
    let mut n: Vec<String> =
        v["items"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap_or_default().to_owned()).collect();
    n.sort();
    n
}

#[actix_web::test]
async fn each_role_sees_what_it_may_across_two_agencies() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 100).await;
    let b = app.org("KAB-B", 200).await;
    let emp = |id: &str| format!("/api/v1/employees/{id}");

    // An employee: themselves only.
    app.get(&emp(&a.staff1.id), &a.staff1.token).await.assert_status(200);
    app.get(&emp(&a.staff2.id), &a.staff1.token).await.assert_problem(404, "not-found");
    app.get(&emp(&a.section.id), &a.staff1.token).await.assert_problem(404, "not-found");
    app.get(&emp(&b.staff1.id), &a.staff1.token).await.assert_problem(404, "not-found");
    assert_eq!(names(&app.get("/api/v1/employees", &a.staff1.token).await.body), ["Agus Salim"]);
    // By NIP, as by id: themselves, and no one else.
    let by_nip = app.get(&format!("/api/v1/employees/{}", a.staff1.nip), &a.staff1.token).await;
    by_nip.assert_status(200);
    assert_eq!(by_nip.body["id"], a.staff1.id.as_str());
    app.get(&format!("/api/v1/employees/{}", a.staff2.nip), &a.staff1.token).await.assert_problem(404, "not-found");

    // A supervisor: themselves and everyone below them.
    app.get(&emp(&a.staff2.id), &a.section.token).await.assert_status(200);
    app.get(&emp(&a.division.id), &a.section.token).await.assert_problem(404, "not-found");
    assert_eq!(
        names(&app.get("/api/v1/employees", &a.section.token).await.body),
        ["Agus Salim", "Dewi Lestari", "Rina Utami"]
    );
    assert_eq!(names(&app.get("/api/v1/employees", &a.head.token).await.body).len(), 5, "the head sees the whole tree");
    app.get(&emp(&b.staff1.id), &a.head.token).await.assert_problem(404, "not-found");

    // The agency admin: all of their agency, nothing of the other.
    assert_eq!(names(&app.get("/api/v1/employees", &a.admin).await.body).len(), 5);
    app.get(&emp(&b.staff1.id), &a.admin).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/employees?agency_id={}", b.agency), &a.admin).await.assert_status(200);
    assert_eq!(names(&app.get(&format!("/api/v1/employees?agency_id={}", b.agency), &a.admin).await.body).len(), 0);
    app.get(&format!("/api/v1/agencies/{}", b.agency), &a.admin).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/org-units/{}", b.unit), &a.admin).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/positions/{}", b.head_post), &a.admin).await.assert_problem(404, "not-found");
    let units = app.get("/api/v1/org-units", &a.admin).await;
    assert_eq!(units.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(units.body["items"][0]["agency_id"], a.agency);
    assert_eq!(app.get("/api/v1/agencies", &a.admin).await.body["items"].as_array().unwrap().len(), 1);

    // The platform admin: both.
    assert_eq!(app.get("/api/v1/agencies", &app.root).await.body["items"].as_array().unwrap().len(), 2);
    app.get(&emp(&b.staff1.id), &app.root).await.assert_status(200);
    assert_eq!(names(&app.get(&format!("/api/v1/employees?agency_id={}", b.agency), &app.root).await.body).len(), 5);
}

#[actix_web::test]
async fn each_role_changes_only_what_it_may() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 300).await;
    let b = app.org("KAB-B", 400).await;

    // Employees and supervisors change no organisation data.
    for token in [&a.staff1.token, &a.head.token] {
        app.post("/api/v1/org-units", token, json!({"code": "X", "name": "X"})).await.assert_problem(403, "forbidden");
        app.patch(&format!("/api/v1/employees/{}", a.staff1.id), token, json!({"name": "Changed"}))
            .await
            .assert_problem(403, "forbidden");
        app.patch(&format!("/api/v1/positions/{}", a.staff_post), token, json!({"class": 17}))
            .await
            .assert_problem(403, "forbidden");
        app.post("/api/v1/agencies", token, json!({"code": "NEW", "name": "New"}))
            .await
            .assert_problem(403, "forbidden");
        app.post(
            "/api/v1/accounts",
            token,
            json!({"role": "agency_admin", "username": "sneaky", "password": "a-long-password"}),
        )
        .await
        .assert_problem(403, "forbidden");
    }
    // An admin of another agency: the records do not exist for them.
    app.patch(&format!("/api/v1/employees/{}", a.staff1.id), &b.admin, json!({"name": "Changed"}))
        .await
        .assert_problem(404, "not-found");
    app.patch(&format!("/api/v1/org-units/{}", a.unit), &b.admin, json!({"name": "Changed"}))
        .await
        .assert_problem(404, "not-found");
    app.post(
        "/api/v1/positions",
        &b.admin,
        json!({"org_unit_id": a.unit, "name": "X", "position_type": "pelaksana", "class": 5}),
    )
    .await
    .assert_invalid("#/org_unit_id");
    app.post("/api/v1/org-units", &b.admin, json!({"agency_id": a.agency, "code": "X", "name": "X"}))
        .await
        .assert_invalid("#/agency_id");
    // A platform admin naming no agency that exists (schemathesis found this a 500).
    let nowhere = "e3e70682-c209-4cac-a29f-6fbed82c07cd";
    app.post("/api/v1/org-units", &app.root, json!({"agency_id": nowhere, "code": "X", "name": "X"}))
        .await
        .assert_invalid("#/agency_id");
    app.post(
        "/api/v1/employees",
        &app.root,
        json!({"agency_id": nowhere, "nip": ekinerja_tests::nip(77), "name": "X", "employment_type": "pns"}),
    )
    .await
    .assert_invalid("#/agency_id");
    app.post("/api/v1/agencies", &a.admin, json!({"code": "NEW", "name": "New"}))
        .await
        .assert_problem(403, "forbidden");
    // None of it changed anything.
    let staff = app.get(&format!("/api/v1/employees/{}", a.staff1.id), &a.admin).await;
    assert_eq!(staff.body["name"], "Agus Salim");
    assert_eq!(app.get("/api/v1/org-units", &a.admin).await.body["items"].as_array().unwrap().len(), 1);

    // The agency admin changes their agency.
    let res = app
        .patch(
            &format!("/api/v1/employees/{}", a.staff1.id),
            &a.admin,
            json!({"name": "Agus Salim, S.Kom.", "rank": "III/a"}),
        )
        .await;
    res.assert_status(200);
    assert_eq!(res.body["name"], "Agus Salim, S.Kom.");
    assert_eq!(res.body["rank"], "III/a");
    let unit = format!("/api/v1/org-units/{}", a.unit);
    let res = app.patch(&unit, &a.admin, json!({"rollout_from": "2026-10"})).await;
    res.assert_status(200);
    assert_eq!(
        (res.body["rollout_from"].as_str(), res.body["rolled_out_from"].as_str()),
        (Some("2026-10"), Some("2026-10"))
    );
    app.patch(&unit, &a.admin, json!({"rollout_from": "2026-13"})).await.assert_invalid("#/rollout_from");
    app.patch(&unit, &a.admin, json!({"rollout_enabled": true})).await.assert_invalid("#/rollout_enabled");
    let res = app.patch(&unit, &a.admin, json!({"rollout_from": null})).await;
    assert!(res.body["rollout_from"].is_null() && res.body["rolled_out_from"].is_null(), "{}", res.text);
}

#[actix_web::test]
async fn a_wrong_supervisor_is_corrected_in_one_step() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 500).await;
    let sup = |v: &Value| v["items"][0]["employee"]["id"].as_str().unwrap_or_default().to_owned();
    // An account without an employee record has no chain and no subordinates of its own.
    app.get("/api/v1/me/supervisors", &a.admin).await.assert_problem(403, "forbidden");
    app.get("/api/v1/me/subordinates", &a.admin).await.assert_problem(403, "forbidden");
    let chain = app.get("/api/v1/me/supervisors", &a.staff1.token).await;
    chain.assert_status(200);
    assert_eq!(sup(&chain.body), a.section.id);
    assert_eq!(chain.body["items"].as_array().unwrap().len(), 3, "section, division, head");

    // The staff post should report to the division head: one change to the position.
    app.patch(
        &format!("/api/v1/positions/{}", a.staff_post),
        &a.admin,
        json!({"supervisor_position_id": a.division_post}),
    )
    .await
    .assert_status(200);
    for who in [&a.staff1, &a.staff2] {
        assert_eq!(sup(&app.get("/api/v1/me/supervisors", &who.token).await.body), a.division.id);
    }
    let subs = app.get("/api/v1/me/subordinates", &a.division.token).await;
    assert_eq!(names(&subs.body), ["Agus Salim", "Dewi Lestari", "Rina Utami"]);
    assert_eq!(app.get("/api/v1/me/subordinates", &a.section.token).await.body["items"].as_array().unwrap().len(), 0);
    // The section head is no longer a supervisor.
    assert_eq!(app.get("/api/v1/me", &a.section.token).await.body["roles"], json!(["employee"]));
    // The audit trail has it, with before and after.
    let trail = app.get(&format!("/api/v1/audit-events?entity_id={}", a.staff_post), &a.admin).await;
    let last = trail.body["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "update");
    assert_eq!(last["before"]["supervisor_position_id"], a.section_post);
    assert_eq!(last["after"]["supervisor_position_id"], a.division_post);
}

#[actix_web::test]
async fn a_vacant_post_passes_up_and_an_acting_official_supervises() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 600).await;
    // The section head leaves the post: staff report to the division head.
    app.patch(&format!("/api/v1/employees/{}", a.section.id), &a.admin, json!({"position_id": null}))
        .await
        .assert_status(200);
    let chain = app.get(&format!("/api/v1/employees/{}/supervisors", a.staff2.id), &a.admin).await;
    assert_eq!(chain.body["items"][0]["employee"]["id"], a.division.id);
    // Staff member 1 is made Plt of the vacant post for this year.
    let today = chrono::Utc::now().date_naive();
    let res = app
        .post(
            "/api/v1/acting-assignments",
            &a.admin,
            json!({"position_id": a.section_post, "employee_id": a.staff1.id, "kind": "plt",
                   "starts_on": today - chrono::Duration::days(1), "ends_on": today + chrono::Duration::days(30)}),
        )
        .await;
    res.assert_status(201);
    assert!(res.header("location").is_some_and(|l| l.ends_with(&res.id())));
    let chain = app.get(&format!("/api/v1/employees/{}/supervisors", a.staff2.id), &a.admin).await;
    assert_eq!(chain.body["items"][0]["employee"]["id"], a.staff1.id);
    assert_eq!(chain.body["items"][0]["acting"], "plt");
    // The acting official does not supervise themself: they report to the division head.
    let chain = app.get("/api/v1/me/supervisors", &a.staff1.token).await;
    assert_eq!(chain.body["items"][0]["employee"]["id"], a.division.id);
    assert_eq!(names(&app.get("/api/v1/me/subordinates", &a.staff1.token).await.body), ["Rina Utami"]);
    // The acting official now sees their subordinate.
    app.get(&format!("/api/v1/employees/{}", a.staff2.id), &a.staff1.token).await.assert_status(200);
    // Overlapping assignments, non-structural posts, bad ranges and other roles are refused.
    let overlap = json!({"position_id": a.section_post, "employee_id": a.staff2.id, "kind": "plh", "starts_on": today, "ends_on": today});
    app.post("/api/v1/acting-assignments", &a.admin, overlap.clone()).await.assert_problem(409, "conflict");
    app.post("/api/v1/acting-assignments", &a.staff1.token, overlap).await.assert_problem(403, "forbidden");
    app.post(
        "/api/v1/acting-assignments",
        &a.admin,
        json!({"position_id": a.staff_post, "employee_id": a.staff2.id, "kind": "plt", "starts_on": today, "ends_on": today}),
    )
    .await
    .assert_invalid("#/position_id");
    app.post(
        "/api/v1/acting-assignments",
        &a.admin,
        json!({"position_id": a.division_post, "employee_id": a.staff2.id, "kind": "plt", "starts_on": today, "ends_on": today - chrono::Duration::days(1)}),
    )
    .await
    .assert_invalid("#/ends_on");
}

#[actix_web::test]
async fn cycles_cross_agency_links_and_double_holders_are_refused() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 700).await;
    let b = app.org("KAB-B", 800).await;
    let pos = |id: &str| format!("/api/v1/positions/{id}");
    app.patch(&pos(&a.head_post), &a.admin, json!({"supervisor_position_id": a.section_post}))
        .await
        .assert_invalid("#/supervisor_position_id");
    app.patch(&pos(&a.division_post), &a.admin, json!({"supervisor_position_id": a.division_post}))
        .await
        .assert_invalid("#/supervisor_position_id");
    app.patch(&pos(&a.division_post), &a.admin, json!({"supervisor_position_id": b.head_post}))
        .await
        .assert_invalid("#/supervisor_position_id");
    app.patch(&pos(&a.division_post), &a.admin, json!({"supervisor_position_id": a.staff_post}))
        .await
        .assert_invalid("#/supervisor_position_id");
    app.patch(&pos(&a.section_post), &a.admin, json!({"position_type": "pelaksana"}))
        .await
        .assert_invalid("#/position_type");
    app.patch(&pos(&a.staff_post), &a.admin, json!({"position_type": "pengawas"}))
        .await
        .assert_invalid("#/position_type");
    // A structural post has one holder.
    let res = app
        .post(
            "/api/v1/employees",
            &a.admin,
            json!({"nip": nip(799), "name": "Kedua", "employment_type": "pns", "position_id": a.head_post}),
        )
        .await;
    res.assert_invalid("#/position_id");
    app.patch(&format!("/api/v1/employees/{}", a.staff1.id), &a.admin, json!({"position_id": a.division_post}))
        .await
        .assert_invalid("#/position_id");
    // Org units: no cycles either.
    let child = app
        .post(
            "/api/v1/org-units",
            &a.admin,
            json!({"code": "DINKES-YANKES", "name": "Bidang Pelayanan", "parent_id": a.unit}),
        )
        .await;
    child.assert_status(201);
    app.patch(&format!("/api/v1/org-units/{}", a.unit), &a.admin, json!({"parent_id": child.id()}))
        .await
        .assert_invalid("#/parent_id");
    app.post("/api/v1/org-units", &a.admin, json!({"code": "DINKES", "name": "Duplikat"}))
        .await
        .assert_problem(409, "conflict");
    // The same NIP cannot be registered twice, in any agency.
    let res = app
        .post("/api/v1/employees", &b.admin, json!({"nip": a.staff1.nip, "name": "Kembar", "employment_type": "pns"}))
        .await;
    res.assert_problem(409, "conflict");
    // Every refusal left the chart as it was.
    let chain = app.get("/api/v1/me/supervisors", &a.staff1.token).await;
    let ids: Vec<&str> =
        chain.body["items"].as_array().unwrap().iter().map(|o| o["employee"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [a.section.id.as_str(), a.division.id.as_str(), a.head.id.as_str()]);
}

#[actix_web::test]
async fn invalid_employee_fields_are_named() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 900).await;
    let res = app
        .post(
            "/api/v1/employees",
            &a.admin,
            json!({"nip": "19820403200401164", "name": "", "employment_type": "pns", "rank": "\n"}),
        )
        .await;
    res.assert_invalid("#/nip").assert_invalid("#/name").assert_invalid("#/rank");
    let res = app
        .post("/api/v1/employees", &a.admin, json!({"nip": nip(901), "name": "X", "employment_type": "honorer"}))
        .await;
    res.assert_invalid("#/employment_type");
    let res = app
        .post(
            "/api/v1/positions",
            &a.admin,
            json!({"org_unit_id": a.unit, "name": "X", "position_type": "pelaksana", "class": 18}),
        )
        .await;
    res.assert_invalid("#/class");
    assert_eq!(names(&app.get("/api/v1/employees", &a.admin).await.body).len(), 5);
}

#[actix_web::test]
async fn lists_page_with_a_cursor_and_filter() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 1000).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/employees?limit=2&cursor={c}"),
            None => "/api/v1/employees?limit=2".to_owned(),
        };
        let page = app.get(&path, &a.admin).await;
        page.assert_status(200);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|e| e["id"].as_str().unwrap().to_owned()));
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 5, "no item twice");
    assert_eq!(names(&app.get("/api/v1/employees?name=SALIM", &a.admin).await.body), ["Agus Salim"]);
    assert_eq!(
        names(&app.get("/api/v1/employees?name=%25", &a.admin).await.body).len(),
        0,
        "LIKE wildcards are literal"
    );
    assert_eq!(
        names(&app.get(&format!("/api/v1/employees?position_id={}", a.staff_post), &a.admin).await.body),
        ["Agus Salim", "Rina Utami"]
    );
    assert_eq!(names(&app.get(&format!("/api/v1/employees?org_unit_id={}", a.unit), &a.admin).await.body).len(), 5);
    assert_eq!(names(&app.get(&format!("/api/v1/employees?nip={}", a.head.nip), &a.admin).await.body), ["Sari Wijaya"]);
}

#[actix_web::test]
async fn concurrent_appointments_to_one_structural_post_keep_one_holder() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 1100).await;
    let post = app.position(&a.admin, &a.unit, "Kepala Seksi Baru", "pengawas", 9, Some(&a.division_post)).await;
    let sends = (0..6)
        .map(|n| {
            app.req(actix_web::http::Method::POST, "/api/v1/employees").token(&a.admin).json(
                json!({"nip": nip(1150 + n), "name": format!("Calon {n}"), "employment_type": "pns", "position_id": post}),
            )
        })
        .collect();
    let results = app.concurrently(sends).await;
    let created = results.iter().filter(|r| r.status.as_u16() == 201).count();
    assert_eq!(created, 1, "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    for r in results.iter().filter(|r| r.status.as_u16() != 201) {
        r.assert_invalid("#/position_id");
    }
    assert_eq!(names(&app.get(&format!("/api/v1/employees?position_id={post}"), &a.admin).await.body).len(), 1);
}

/// A long fuzz run found this answering 500: leaving service while naming a post that does not
/// exist (a foreign-key failure). Every body-supplied post is checked first: 422 at its pointer,
/// nothing stored.
#[actix_web::test]
async fn leaving_service_into_an_unknown_post_is_a_field_error() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-FK", 60).await;
    let b = app.org("KAB-FK2", 70).await;
    let path = format!("/api/v1/employees/{}", a.staff1.id);
    let nowhere = uuid::Uuid::now_v7().to_string();
    for post in [nowhere.as_str(), b.staff_post.as_str()] {
        app.patch(&path, &a.admin, json!({"active": false, "position_id": post})).await.assert_invalid("#/position_id");
    }
    let still = app.get(&path, &a.admin).await;
    assert_eq!(
        (still.body["active"].as_bool(), still.body["position_id"].as_str()),
        (Some(true), Some(a.staff_post.as_str()))
    );
    // Leaving service into a post of one's own agency is fine.
    app.patch(&path, &a.admin, json!({"active": false, "position_id": a.section_post})).await.assert_status(200);
}

/// A loader's employees (the demo regency's, the benchmark's) pass the checks of registering one
/// and issuing their account, read for the whole load at once: one refused employee refuses the
/// load, with the API's error, and a load that passes leaves people who sign in and are seen as
/// the API's registrations leave them.
#[actix_web::test]
async fn a_load_of_employees_is_checked_as_registrations_are_and_stored_whole_or_not_at_all() {
    use ekinerja_domain::{Caller, EmploymentType, Name, Nip};
    use ekinerja_persistence::employee::{hire, Hire, NewEmployee};
    use ekinerja_persistence::{account, Change, StoreError};
    let app = TestApp::spawn().await;
    let a = app.org("KAB-A", 100).await;
    let b = app.org("KAB-B", 200).await;
    let mut conn = app.state.pool.get().unwrap();
    let admin = account::find_for_login(&mut conn, "admin.kab-a").unwrap().unwrap().caller().unwrap();
    let staff: Caller =
        account::find_for_employee(&mut conn, a.staff1.id.parse().unwrap()).unwrap().unwrap().caller().unwrap();
    let agency = a.agency.parse::<uuid::Uuid>().unwrap();
    let hash = ekinerja_api::auth::hash_password("Rahasia-Baru-2026").unwrap();
    let one = |n: u32, post: &str| Hire {
        employee: NewEmployee {
            agency_id: agency,
            nip: Nip::parse(&nip(n)).unwrap(),
            name: Name::parse("Rina Kartika").unwrap(),
            employment_type: EmploymentType::Pns,
            rank: None,
            position_id: Some(post.parse().unwrap()),
        },
        password_hash: Some(hash.clone()),
    };
    let now = chrono::Utc::now();
    let by = |c: &Caller| Change::new(c.clone(), now, None);
    let field = |e: StoreError| match e {
        StoreError::Invalid(errors) => errors.iter().map(|f| format!("{:?}", f.field)).collect::<Vec<_>>().join(" "),
        other => format!("{other:?}"),
    };
    let good = one(150, &a.staff_post);
    // A staff member registers no one.
    let refused = hire(&mut conn, &by(&staff), vec![good.clone()]).unwrap_err();
    assert!(matches!(refused, StoreError::Forbidden(_)), "{refused:?}");
    // A NIP already registered; one twice in the load.
    let refused = hire(&mut conn, &by(&admin), vec![good.clone(), one(104, &a.staff_post)]).unwrap_err();
    assert!(matches!(refused, StoreError::Conflict(_)), "{refused:?}");
    let refused = hire(&mut conn, &by(&admin), vec![good.clone(), one(150, &a.staff_post)]).unwrap_err();
    assert!(matches!(refused, StoreError::Conflict(_)), "{refused:?}");
    // A structural post already held, or taken earlier in the load; another agency's post.
    let refused = field(hire(&mut conn, &by(&admin), vec![good.clone(), one(151, &a.section_post)]).unwrap_err());
    assert!(refused.contains("position_id"), "{refused}");
    let vacant = app.position(&a.admin, &a.unit, "Kepala Seksi Baru", "pengawas", 9, Some(&a.division_post)).await;
    let refused =
        field(hire(&mut conn, &by(&admin), vec![one(152, &vacant), good.clone(), one(153, &vacant)]).unwrap_err());
    assert!(refused.contains("position_id"), "{refused}");
    let refused = field(hire(&mut conn, &by(&admin), vec![good.clone(), one(154, &b.staff_post)]).unwrap_err());
    assert!(refused.contains("position_id"), "{refused}");
    // None of those stored anything.
    let listed = app.get("/api/v1/employees?limit=200", &a.admin).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 5, "{}", listed.body);

    let stored = hire(&mut conn, &by(&admin), vec![one(152, &vacant), good]).unwrap();
    assert_eq!(stored.len(), 2);
    drop(conn);
    // They are employees of the agency, in their posts, and sign in with their NIP.
    let listed = app.get("/api/v1/employees?limit=200", &a.admin).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 7, "{}", listed.body);
    let head = app.get(&format!("/api/v1/employees/{}", nip(152)), &a.admin).await;
    head.assert_status(200);
    assert_eq!(head.body["position_id"], vacant.as_str());
    let token = app.login(&nip(150), "Rahasia-Baru-2026").await;
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.body["employee"]["nip"], nip(150).as_str(), "{}", me.body);
    // The other agency does not see them; the audit trail holds them, whole.
    app.get(&format!("/api/v1/employees/{}", nip(152)), &b.admin).await.assert_status(404);
    let mut conn = app.state.pool.get().unwrap();
    let verdict = ekinerja_api::audit_verify::run(&mut conn, None).unwrap();
    assert!(verdict.whole, "{}", verdict.text);
}
