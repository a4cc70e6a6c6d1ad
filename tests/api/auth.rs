//! Sign-in, refresh-token rotation and reuse, sign-out, password change, throttling.

use actix_web::http::Method;
use ekinerja_tests::{TestApp, PASSWORD};
use serde_json::json;

#[actix_web::test]
async fn login_by_nip_and_by_username() {
    let app = TestApp::spawn().await;
    let org = app.org("KAB-A", 0).await;
    let me = app.get("/api/v1/me", &org.staff1.token).await;
    me.assert_status(200);
    assert_eq!(me.body["employee"]["nip"], org.staff1.nip);
    assert_eq!(me.body["roles"], json!(["employee"]));
    let me = app.get("/api/v1/me", &org.section.token).await;
    assert_eq!(me.body["roles"], json!(["employee", "supervisor"]), "supervisor is derived from the position tree");
    let me = app.get("/api/v1/me", &org.admin).await;
    assert_eq!(me.body["roles"], json!(["agency_admin"]));
    // Usernames are case-insensitive.
    app.login("ADMIN.KAB-A", PASSWORD).await;
}

#[actix_web::test]
async fn wrong_password_and_unknown_login_look_the_same() {
    let app = TestApp::spawn().await;
    let a = app
        .req(Method::POST, "/api/v1/auth/login")
        .json(json!({"login": "root", "password": "wrong-password"}))
        .send()
        .await;
    a.assert_problem(401, "unauthenticated");
    let b = app
        .req(Method::POST, "/api/v1/auth/login")
        .json(json!({"login": "nobody", "password": "wrong-password"}))
        .send()
        .await;
    b.assert_problem(401, "unauthenticated");
    assert_eq!(a.body["detail"], b.body["detail"]);
    let c = app.req(Method::POST, "/api/v1/auth/login").json(json!({"login": "root"})).send().await;
    c.assert_invalid("#/");
}

#[actix_web::test]
async fn guessing_is_throttled_per_login_and_address_only() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        app.req(Method::POST, "/api/v1/auth/login")
            .peer("10.1.1.1:4000")
            .json(json!({"login": "root", "password": "guess-guess"}))
            .send()
            .await
            .assert_problem(401, "unauthenticated");
    }
    let res = app
        .req(Method::POST, "/api/v1/auth/login")
        .peer("10.1.1.1:4001")
        .json(json!({"login": "root", "password": PASSWORD}))
        .send()
        .await;
    res.assert_problem(429, "too-many-requests");
    assert!(res.header("retry-after").and_then(|s| s.parse::<u64>().ok()).is_some_and(|s| s > 0));
    // Another address (a colleague elsewhere) still signs in; so does another login behind the
    // same address.
    app.req(Method::POST, "/api/v1/auth/login")
        .peer("10.2.2.2:4000")
        .json(json!({"login": "root", "password": PASSWORD}))
        .send()
        .await
        .assert_status(200);
    let agency = app.agency("KAB-T").await;
    app.agency_admin(&agency, "other.admin").await;
    app.req(Method::POST, "/api/v1/auth/login")
        .peer("10.1.1.1:4002")
        .json(json!({"login": "other.admin", "password": PASSWORD}))
        .send()
        .await
        .assert_status(200);
}

/// Fifty guesses at once from one address: the attempts are taken atomically, so no more than
/// the threshold reach the password check; the rest wait. The owner elsewhere still signs in.
#[actix_web::test]
async fn parallel_guesses_reach_the_password_check_at_most_the_threshold() {
    let app = TestApp::spawn().await;
    let ids: Vec<String> = (0..50).map(|i| format!("guess-{i}-{}", uuid::Uuid::now_v7().simple())).collect();
    let guesses = ids
        .iter()
        .map(|id| {
            app.req(Method::POST, "/api/v1/auth/login")
                .peer("10.4.4.4:4000")
                .header("x-request-id", id)
                .json(json!({"login": "root", "password": "guess-guess"}))
        })
        .collect();
    let answers = app.concurrently(guesses).await;
    let checked = answers.iter().filter(|r| r.status == 401).count();
    let waited = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!(checked + waited, 50, "every answer is 401 or 429");
    assert!((1..=5).contains(&checked), "{checked} guesses reached the password check");
    assert!(answers.iter().filter(|r| r.status == 429).all(|r| r.header("retry-after").is_some()));
    // Each outcome is a security event of its request.
    let names: Vec<String> = ids.iter().flat_map(|id| ekinerja_tests::security_log::event_names(id)).collect();
    assert_eq!(names.iter().filter(|n| *n == "login_failed").count(), checked, "{names:?}");
    assert_eq!(names.iter().filter(|n| *n == "login_slowed" || *n == "login_flood").count(), waited, "{names:?}");
    // The right password from there waits too; from elsewhere it signs in.
    app.req(Method::POST, "/api/v1/auth/login")
        .peer("10.4.4.4:4001")
        .json(json!({"login": "root", "password": PASSWORD}))
        .send()
        .await
        .assert_problem(429, "too-many-requests");
    app.req(Method::POST, "/api/v1/auth/login")
        .peer("10.5.5.5:4000")
        .json(json!({"login": "root", "password": PASSWORD}))
        .send()
        .await
        .assert_status(200);
}

/// Each failure past the fifth from one address doubles the wait.
#[actix_web::test]
async fn the_wait_grows_with_each_failure() {
    use chrono::{Duration, TimeZone, Utc};
    let mut app = TestApp::spawn().await;
    let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
    app.set_clock(t0);
    fn guess(app: &TestApp) -> impl std::future::Future<Output = ekinerja_tests::Response> + '_ {
        app.req(Method::POST, "/api/v1/auth/login")
            .peer("10.6.6.6:4000")
            .json(json!({"login": "root", "password": "guess-guess"}))
            .send()
    }
    for _ in 0..5 {
        guess(&app).await.assert_problem(401, "unauthenticated");
    }
    let wait = |r: &ekinerja_tests::Response| r.header("retry-after").unwrap().parse::<i64>().unwrap();
    let first = guess(&app).await;
    first.assert_problem(429, "too-many-requests");
    assert_eq!(wait(&first), 31);
    app.set_clock(t0 + Duration::seconds(31));
    guess(&app).await.assert_problem(401, "unauthenticated");
    let second = guess(&app).await;
    assert_eq!(wait(&second), 61, "{}", second.text);
}

/// `X-Forwarded-For` names the client only when the peer is a trusted proxy: behind it, one
/// client's failures do not slow another; without it, a forged header escapes nothing.
#[actix_web::test]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let proxied = TestApp::spawn_with(|s| {
        s.trusted_proxies = ekinerja_domain::network::Networks::parse(&["10.0.0.0/8"]).unwrap();
    })
    .await;
    fn attempt<'a>(
        app: &'a TestApp,
        peer: &'static str,
        forwarded: &'static str,
        password: &'static str,
    ) -> impl std::future::Future<Output = ekinerja_tests::Response> + 'a {
        app.req(Method::POST, "/api/v1/auth/login")
            .peer(peer)
            .header("x-forwarded-for", forwarded)
            .json(json!({"login": "root", "password": password}))
            .send()
    }
    for _ in 0..5 {
        attempt(&proxied, "10.0.0.2:443", "198.51.100.1", "guess-guess").await.assert_problem(401, "unauthenticated");
    }
    attempt(&proxied, "10.0.0.2:443", "198.51.100.1", PASSWORD).await.assert_problem(429, "too-many-requests");
    attempt(&proxied, "10.0.0.2:443", "198.51.100.2", PASSWORD).await.assert_status(200);

    let direct = TestApp::spawn().await;
    for i in 0..5 {
        let forged: &'static str = ["1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5"][i];
        attempt(&direct, "198.51.100.9:5000", forged, "guess-guess").await.assert_problem(401, "unauthenticated");
    }
    attempt(&direct, "198.51.100.9:5000", "1.1.1.6", PASSWORD).await.assert_problem(429, "too-many-requests");
}

/// Guessing the current password with a stolen access token is throttled like a login.
#[actix_web::test]
async fn the_current_password_check_is_throttled() {
    let app = TestApp::spawn().await;
    let org = app.org("KAB-G", 70).await;
    let change = |current: &'static str| {
        app.req(Method::POST, "/api/v1/me/password")
            .token(&org.staff1.token)
            .peer("10.7.7.7:4000")
            .json(json!({"current_password": current, "new_password": "a-new-long-password"}))
            .send()
    };
    for _ in 0..5 {
        change("guess-guess").await.assert_problem(403, "forbidden");
    }
    change(PASSWORD).await.assert_problem(429, "too-many-requests");
    // Common passwords are refused as new ones, with the reason at the field.
    let res = app
        .req(Method::POST, "/api/v1/me/password")
        .token(&org.staff2.token)
        .json(json!({"current_password": PASSWORD, "new_password": "Bismillah123"}))
        .send()
        .await;
    res.assert_invalid("#/new_password");
    assert!(res.text.contains("common"), "{}", res.text);
}

#[actix_web::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let login =
        app.req(Method::POST, "/api/v1/auth/login").json(json!({"login": "root", "password": PASSWORD})).send().await;
    assert_eq!(login.header("cache-control").as_deref(), Some("no-store"), "tokens are never cached");
    let pair = login.body;
    let first = pair["refresh_token"].as_str().unwrap().to_owned();
    assert!(first.starts_with("ekr_"));
    let res = app.req(Method::POST, "/api/v1/auth/refresh").json(json!({"refresh_token": first})).send().await;
    res.assert_status(200);
    assert_eq!(res.header("cache-control").as_deref(), Some("no-store"));
    let second = res.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    app.get("/api/v1/me", res.body["access_token"].as_str().unwrap()).await.assert_status(200);
    // Reusing the first token is refused and ends the family: the second dies too.
    app.req(Method::POST, "/api/v1/auth/refresh")
        .json(json!({"refresh_token": first}))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    app.req(Method::POST, "/api/v1/auth/refresh")
        .json(json!({"refresh_token": second}))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    // Another sign-in is a separate family and unaffected.
    let other = app.login_pair("root", PASSWORD).await;
    app.req(Method::POST, "/api/v1/auth/refresh")
        .json(json!({"refresh_token": other["refresh_token"]}))
        .send()
        .await
        .assert_status(200);
    app.req(Method::POST, "/api/v1/auth/refresh")
        .json(json!({"refresh_token": "ekr_unknown"}))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn logout_revokes_the_refresh_token() {
    let app = TestApp::spawn().await;
    let pair = app.login_pair("root", PASSWORD).await;
    let token = pair["refresh_token"].clone();
    app.req(Method::POST, "/api/v1/auth/logout").json(json!({"refresh_token": token})).send().await.assert_status(204);
    app.req(Method::POST, "/api/v1/auth/refresh")
        .json(json!({"refresh_token": token}))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    // Logging out twice is not an error.
    app.req(Method::POST, "/api/v1/auth/logout").json(json!({"refresh_token": token})).send().await.assert_status(204);
}

/// An access token dies with its sign-in: at logout, at a password change or reset, at
/// refresh-token reuse and when the employee leaves service, not fifteen minutes later.
#[actix_web::test]
async fn an_access_token_stops_working_when_its_sign_in_ends() {
    let app = TestApp::spawn().await;
    let org = app.org("KAB-S", 60).await;
    // Logout: this device's token, and the other device's access token (which refreshes).
    let phone = app.login_pair(&org.staff1.nip, PASSWORD).await;
    let laptop = app.login_pair(&org.staff1.nip, PASSWORD).await;
    let access = |p: &serde_json::Value| p["access_token"].as_str().unwrap().to_owned();
    app.get("/api/v1/me", &access(&phone)).await.assert_status(200);
    app.req(Method::POST, "/api/v1/auth/logout")
        .json(json!({"refresh_token": phone["refresh_token"]}))
        .send()
        .await
        .assert_status(204);
    let after = app.get("/api/v1/me", &access(&phone)).await;
    after.assert_problem(401, "unauthenticated");
    assert!(after.text.contains("sign-in has ended"), "{}", after.text);
    app.get("/api/v1/me", &access(&laptop)).await.assert_problem(401, "unauthenticated");
    let renewed = app
        .req(Method::POST, "/api/v1/auth/refresh")
        .json(json!({"refresh_token": laptop["refresh_token"]}))
        .send()
        .await;
    renewed.assert_status(200);
    app.get("/api/v1/me", &access(&renewed.body)).await.assert_status(200);
    // Logging out again with the old, used-up refresh token cuts nobody off.
    app.req(Method::POST, "/api/v1/auth/logout")
        .json(json!({"refresh_token": laptop["refresh_token"]}))
        .send()
        .await
        .assert_status(204);
    app.get("/api/v1/me", &access(&renewed.body)).await.assert_status(200);

    // A password reset by the admin ends the access token too.
    let staff2 = app.login(&org.staff2.nip, PASSWORD).await;
    let account = app.get("/api/v1/me", &staff2).await.body["account_id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/accounts/{account}/password"),
        &org.admin,
        json!({"new_password": "reset-by-the-admin"}),
    )
    .await
    .assert_status(204);
    app.get("/api/v1/me", &staff2).await.assert_problem(401, "unauthenticated");

    // Leaving service ends it at once; a new sign-in is refused.
    let section = app.login(&org.section.nip, PASSWORD).await;
    app.get("/api/v1/me", &section).await.assert_status(200);
    app.patch(&format!("/api/v1/employees/{}", org.section.id), &org.admin, json!({"active": false}))
        .await
        .assert_status(200);
    app.get("/api/v1/me", &section).await.assert_problem(401, "unauthenticated");

    // A reused refresh token ends the thief's access token as well as the family.
    let stolen = app.login_pair(&org.head.nip, PASSWORD).await;
    let first = app
        .req(Method::POST, "/api/v1/auth/refresh")
        .json(json!({"refresh_token": stolen["refresh_token"]}))
        .send()
        .await;
    first.assert_status(200);
    let id = format!("reuse-{}", uuid::Uuid::now_v7().simple());
    app.req(Method::POST, "/api/v1/auth/refresh")
        .header("x-request-id", &id)
        .json(json!({"refresh_token": stolen["refresh_token"]}))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(ekinerja_tests::security_log::event_names(&id), ["refresh_token_reused"]);
    app.get("/api/v1/me", &access(&first.body)).await.assert_problem(401, "unauthenticated");
}

/// However often it refreshes, a sign-in ends 90 days after its login (a policy).
#[actix_web::test]
async fn a_sign_in_lasts_ninety_days_at_most() {
    use chrono::{Duration, TimeZone, Utc};
    let mut app = TestApp::spawn().await;
    let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 1, 0, 0).unwrap();
    app.set_clock(t0);
    let mut pair = app.login_pair("root", PASSWORD).await;
    for days in [25, 50, 75] {
        app.set_clock(t0 + Duration::days(days));
        let res = app
            .req(Method::POST, "/api/v1/auth/refresh")
            .json(json!({"refresh_token": pair["refresh_token"]}))
            .send()
            .await;
        res.assert_status(200);
        pair = res.body;
    }
    // Issued on day 75 for 30 days, the last token is cut to the sign-in's end on day 90.
    assert_eq!(pair["refresh_expires_in"], 15 * 86_400);
    app.set_clock(t0 + Duration::days(89));
    let res = app
        .req(Method::POST, "/api/v1/auth/refresh")
        .json(json!({"refresh_token": pair["refresh_token"]}))
        .send()
        .await;
    res.assert_status(200);
    app.set_clock(t0 + Duration::days(90) + Duration::minutes(1));
    app.req(Method::POST, "/api/v1/auth/refresh")
        .json(json!({"refresh_token": res.body["refresh_token"]}))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn password_change_needs_the_current_one_and_ends_other_sign_ins() {
    let app = TestApp::spawn().await;
    let org = app.org("KAB-P", 10).await;
    let pair = app.login_pair(&org.staff1.nip, PASSWORD).await;
    let token = pair["access_token"].as_str().unwrap().to_owned();
    app.post(
        "/api/v1/me/password",
        &token,
        json!({"current_password": "wrong-one-here", "new_password": "a-new-long-password"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post("/api/v1/me/password", &token, json!({"current_password": PASSWORD, "new_password": "short"}))
        .await
        .assert_invalid("#/new_password");
    app.post(
        "/api/v1/me/password",
        &token,
        json!({"current_password": PASSWORD, "new_password": format!("x{}x", org.staff1.nip)}),
    )
    .await
    .assert_invalid("#/new_password");
    // The failed attempts changed nothing.
    app.login(&org.staff1.nip, PASSWORD).await;
    app.post(
        "/api/v1/me/password",
        &token,
        json!({"current_password": PASSWORD, "new_password": "a-new-long-password"}),
    )
    .await
    .assert_status(204);
    app.req(Method::POST, "/api/v1/auth/login")
        .json(json!({"login": org.staff1.nip, "password": PASSWORD}))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    app.login(&org.staff1.nip, "a-new-long-password").await;
    app.req(Method::POST, "/api/v1/auth/refresh")
        .json(json!({"refresh_token": pair["refresh_token"]}))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn an_inactive_employee_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let org = app.org("KAB-I", 20).await;
    app.patch(&format!("/api/v1/employees/{}", org.staff2.id), &org.admin, json!({"active": false}))
        .await
        .assert_status(200);
    app.req(Method::POST, "/api/v1/auth/login")
        .json(json!({"login": org.staff2.nip, "password": PASSWORD}))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
}

/// An employee's account that also has a username signs in by it only while the employee is in
/// service, as by NIP.
#[actix_web::test]
async fn a_username_does_not_outlive_leaving_service() {
    let app = TestApp::spawn().await;
    let org = app.org("KAB-U", 25).await;
    let res = app
        .post(
            "/api/v1/employees",
            &org.admin,
            json!({"nip": ekinerja_tests::nip(2_900), "name": "Rina Operator", "employment_type": "pns", "position_id": org.staff_post}),
        )
        .await;
    res.assert_status(201);
    let employee = res.id();
    app.post(
        "/api/v1/accounts",
        &org.admin,
        json!({"role": "employee", "employee_id": employee, "username": "rina.operator", "password": PASSWORD}),
    )
    .await
    .assert_status(201);
    app.login("rina.operator", PASSWORD).await;
    app.patch(&format!("/api/v1/employees/{employee}"), &org.admin, json!({"active": false})).await.assert_status(200);
    app.req(Method::POST, "/api/v1/auth/login")
        .json(json!({"login": "rina.operator", "password": PASSWORD}))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn admins_reset_passwords_of_their_own_agency_only() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-RA", 30).await;
    let b = app.org("KAB-RB", 40).await;
    let me = app.get("/api/v1/me", &a.staff1.token).await;
    let account = me.body["account_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/accounts/{account}/password");
    app.post(&path, &b.admin, json!({"new_password": "reset-by-other-agency"})).await.assert_problem(404, "not-found");
    app.post(&path, &a.staff2.token, json!({"new_password": "reset-by-a-colleague"}))
        .await
        .assert_problem(403, "forbidden");
    app.login(&a.staff1.nip, PASSWORD).await;
    app.post(&path, &a.admin, json!({"new_password": "reset-by-the-admin"})).await.assert_status(204);
    app.login(&a.staff1.nip, "reset-by-the-admin").await;
    // The reset is a security event in the audit trail, named apart from a change of one's own.
    let audit = app.get(&format!("/api/v1/audit-events?entity_id={account}"), &a.admin).await;
    assert!(audit.text.contains("reset_password"), "{}", audit.text);
}

/// A stolen admin token must not become an admin account for good: an admin cannot reset their
/// own password (that needs the current one) nor a co-admin's (the platform admin resets it).
#[actix_web::test]
async fn an_admin_resets_neither_their_own_account_nor_another_admins() {
    let app = TestApp::spawn().await;
    let a = app.org("KAB-RC", 50).await;
    let own = app.get("/api/v1/me", &a.admin).await.body["account_id"].as_str().unwrap().to_owned();
    let co_admin = app.agency_admin(&a.agency, "admin2.kab-rc").await;
    let co = app.get("/api/v1/me", &co_admin).await.body["account_id"].as_str().unwrap().to_owned();
    for account in [&own, &co] {
        let rid = format!("reset-{account}");
        app.req(Method::POST, &format!("/api/v1/accounts/{account}/password"))
            .token(&a.admin)
            .header("x-request-id", &rid)
            .json(json!({"new_password": "taken-over-for-good"}))
            .send()
            .await
            .assert_problem(403, "forbidden");
        assert_eq!(ekinerja_tests::security_log::event_names(&rid), ["password_reset_refused", "forbidden"]);
    }
    // Nor can the agency admin walk around separation of duties: no second admin account of
    // their own making, no reset of the payroll office's account (the platform admin does both).
    app.post(
        "/api/v1/accounts",
        &a.admin,
        json!({"role": "agency_admin", "agency_id": a.agency, "username": "admin3.kab-rc", "password": "a-long-passphrase"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let finance = app.finance(&a.admin, "bpkad.kab-rc").await;
    let finance_account = app.get("/api/v1/me", &finance).await.body["account_id"].as_str().unwrap().to_owned();
    let finance_reset = format!("/api/v1/accounts/{finance_account}/password");
    app.post(&finance_reset, &a.admin, json!({"new_password": "taken-over-for-good"}))
        .await
        .assert_problem(403, "forbidden");
    app.login("bpkad.kab-rc", PASSWORD).await;
    app.post(&finance_reset, &app.root, json!({"new_password": "reset-by-the-operator"})).await.assert_status(204);
    // Nothing changed: both still sign in with their passwords, and not with the attempted one.
    app.login("admin.kab-rc", PASSWORD).await;
    app.login("admin2.kab-rc", PASSWORD).await;
    app.req(Method::POST, "/api/v1/auth/login")
        .json(json!({"login": "admin.kab-rc", "password": "taken-over-for-good"}))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    // The platform admin resets an agency admin's account; one's own changes with the current one.
    let rid = format!("operator-reset-{co}");
    app.req(Method::POST, &format!("/api/v1/accounts/{co}/password"))
        .token(&app.root)
        .header("x-request-id", &rid)
        .json(json!({"new_password": "reset-by-the-operator"}))
        .send()
        .await
        .assert_status(204);
    let logged = ekinerja_tests::security_log::events_of(&rid);
    assert_eq!(
        (logged.len(), &logged[0]["event"], &logged[0]["target_account_id"]),
        (1, &json!("password_reset"), &json!(co))
    );
    app.login("admin2.kab-rc", "reset-by-the-operator").await;
    app.post(
        "/api/v1/me/password",
        &a.admin,
        json!({"current_password": PASSWORD, "new_password": "changed-knowing-it"}),
    )
    .await
    .assert_status(204);
    app.login("admin.kab-rc", "changed-knowing-it").await;
}
