//! A corpus of hostile input against the endpoints phones, integrations and admins write to:
//! oversized and deeply nested bodies, wrong types, huge numbers, invalid UTF-8, SQL and script
//! injection, and forged or foreign tokens. Each gets its problem+json, and the stored data is
//! unchanged; injection text where free text belongs is stored as the text it is.

use actix_web::http::Method;
use ekinerja_tests::builders::{log, past_day, setup};
use ekinerja_tests::{Response, TestApp};
use serde_json::{json, Value};

/// What the tests compare before and after: the staff member's logs, the agency's employees and
/// units, as the admin reads them.
async fn snapshot(app: &TestApp, admin: &str, staff: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (path, token) in [
        ("/api/v1/daily-logs?limit=200", staff),
        ("/api/v1/employees?limit=200", admin),
        ("/api/v1/org-units?limit=200", admin),
        ("/api/v1/agencies", admin),
    ] {
        let r = app.get(path, token).await;
        r.assert_status(200);
        out.push(r.text);
    }
    out
}

fn assert_problem(r: &Response, allowed: &[u16], what: &str) {
    assert!(allowed.contains(&r.status.as_u16()), "{what}: {} {}", r.status, r.text);
    let ct = r.header("content-type").unwrap_or_default();
    assert!(ct.starts_with("application/problem+json"), "{what}: content type {ct}");
    assert!(r.body["type"].as_str().is_some_and(|t| t.starts_with("/problems/")), "{what}: {}", r.text);
    assert_eq!(r.body["status"].as_u64(), Some(u64::from(r.status.as_u16())), "{what}");
}

#[actix_web::test]
async fn hostile_bodies_get_problems_and_change_nothing() {
    let app = TestApp::spawn().await;
    let s = setup(&app, "HOST-A", 4000).await;
    let org = &s.org;
    let day = past_day();
    let before = snapshot(&app, &org.admin, &org.staff1.token).await;

    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    let huge = "9".repeat(400);
    let raw_bodies: Vec<(&str, Vec<u8>)> = vec![
        ("deeply nested array", nested.clone().into_bytes()),
        ("deeply nested object", deep_object.into_bytes()),
        ("invalid UTF-8", b"{\"date\": \"\xff\xfe\", \"description\": \"\xc3\x28\"}".to_vec()),
        ("a lone surrogate escape", br#"{"description": "\ud800", "date": "2026-01-01"}"#.to_vec()),
        ("a number beyond i64", format!("{{\"output_quantity\": {huge}}}").into_bytes()),
        ("a float exponent", br#"{"output_quantity": 1e400}"#.to_vec()),
        ("truncated JSON", br#"{"date": "2026-01-01", "desc"#.to_vec()),
        ("a NUL byte", b"{\"description\": \"a\x00b\"}".to_vec()),
        ("empty", Vec::new()),
        ("not JSON at all", b"<?xml version=\"1.0\"?><log/>".to_vec()),
    ];
    for (what, body) in raw_bodies {
        for path in ["/api/v1/daily-logs", "/api/v1/daily-logs/batch"] {
            let r =
                app.req(Method::POST, path).token(&org.staff1.token).raw("application/json", body.clone()).send().await;
            assert_problem(&r, &[400, 422], what);
        }
        let r = app.req(Method::POST, "/api/v1/employees").token(&org.admin).raw("application/json", body).send().await;
        assert_problem(&r, &[400, 422], what);
    }

    // Well-formed JSON of the wrong shape or with values out of range.
    let bad: Vec<(&str, Value)> = vec![
        (
            "date as a number",
            json!({"date": 20260101, "duration_minutes": 30, "description": "x", "output_quantity": 1, "additional_duty": true}),
        ),
        (
            "minutes as a string",
            json!({"date": day, "duration_minutes": "30", "description": "x", "output_quantity": 1, "additional_duty": true}),
        ),
        (
            "negative minutes",
            json!({"date": day, "duration_minutes": -30, "description": "x", "output_quantity": 1, "additional_duty": true}),
        ),
        (
            "minutes beyond i32",
            json!({"date": day, "duration_minutes": 4_294_967_296i64, "description": "x", "output_quantity": 1, "additional_duty": true}),
        ),
        (
            "quantity beyond i64",
            json!({"date": day, "duration_minutes": 30, "description": "x", "output_quantity": 1.8e19, "additional_duty": true}),
        ),
        ("an array for an object", json!([log(&s.staff_rhk, day, "08:00", "09:00")])),
        ("null everywhere", json!({"date": null, "description": null, "output_quantity": null})),
        (
            "a script URL",
            json!({"date": day, "duration_minutes": 30, "description": "x", "output_quantity": 1, "additional_duty": true, "evidence_url": "javascript:alert(document.cookie)"}),
        ),
        (
            "a 100,000-character description",
            json!({"date": day, "duration_minutes": 30, "description": "x".repeat(100_000), "output_quantity": 1, "additional_duty": true}),
        ),
        (
            "an unknown field",
            json!({"date": day, "duration_minutes": 30, "description": "x", "output_quantity": 1, "additional_duty": true, "status": "accepted"}),
        ),
        (
            "an SQL planned result id",
            json!({"date": day, "start_time": "08:00", "end_time": "09:00", "description": "x", "output_quantity": 1, "planned_result_id": "' OR '1'='1"}),
        ),
    ];
    for (what, body) in bad {
        let r = app.post("/api/v1/daily-logs", &org.staff1.token, body).await;
        assert_problem(&r, &[400, 413, 422], what);
    }

    // Injection in paths and query parameters.
    for path in [
        "/api/v1/employees/'%20OR%201=1%20--",
        "/api/v1/employees/1%20OR%201=1",
        "/api/v1/daily-logs?status=accepted'%3B%20DROP%20TABLE%20daily_logs%3B--",
        "/api/v1/daily-logs?from=2026-01-01'%20OR%20'1'='1",
        "/api/v1/employees?agency_id=%27%20OR%20%271%27%3D%271",
        "/api/v1/org-units/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/api/v1/daily-logs?limit=99999999999999999999",
        "/api/v1/daily-logs?cursor=%00%ff",
    ] {
        let r = app.get(path, &org.admin).await;
        assert_problem(&r, &[400, 404, 422], path);
    }

    // Tokens: forged, of another agency, with a scheme that is not Bearer.
    let other = app.org("HOST-B", 4100).await;
    let target = format!("/api/v1/org-units/{}", org.unit);
    let r = app.patch(&target, &other.admin, json!({"name": "Diambil alih"})).await;
    assert_problem(&r, &[404], "another agency's admin");
    let r = app.get(&format!("/api/v1/employees/{}", org.staff1.id), &other.staff1.token).await;
    assert_problem(&r, &[404], "another agency's employee");
    // A signature changed in the middle (the last character may carry only padding bits).
    let mut chars: Vec<char> = org.admin.chars().collect();
    let at = chars.len() - 10;
    chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
    let forged: String = chars.into_iter().collect();
    let r = app.req(Method::GET, "/api/v1/employees").header("authorization", &format!("Bearer {forged}")).send().await;
    assert_problem(&r, &[401], "a forged signature");
    let r =
        app.req(Method::GET, "/api/v1/employees").header("authorization", &format!("Basic {}", org.admin)).send().await;
    assert_problem(&r, &[401], "a Basic scheme");
    let r = app.req(Method::GET, "/api/v1/employees").header("authorization", "Bearer ").send().await;
    assert_problem(&r, &[401], "an empty token");

    assert_eq!(snapshot(&app, &org.admin, &org.staff1.token).await, before, "nothing was stored or changed");

    // Injection text where free text belongs is data: stored and read back exactly, tables intact.
    let text = "'; DROP TABLE daily_logs; -- <script>alert(\"x\")</script> ${jndi:ldap://x} {{7*7}} \u{202e}";
    let r = app
        .post(
            "/api/v1/daily-logs",
            &org.staff1.token,
            json!({"date": day, "duration_minutes": 30, "description": text, "output_quantity": 1, "additional_duty": true}),
        )
        .await;
    r.assert_status(201);
    let read = app.get(&format!("/api/v1/daily-logs/{}", r.id()), &org.staff1.token).await;
    assert_eq!(read.body["description"], text);
    let all = app.get("/api/v1/daily-logs?limit=200", &org.staff1.token).await;
    all.assert_status(200);
    assert!(all.body["items"].as_array().is_some_and(|i| i.iter().any(|l| l["description"] == text)));
}

/// Fingerprint-machine requests built to probe or forge: each is refused with a problem (or, for
/// a registered machine at its own address, acknowledged line by line as the protocol wants),
/// and no punch is stored.
#[actix_web::test]
async fn hostile_machine_requests_store_nothing() {
    let app = TestApp::spawn().await;
    let org = app.org("HOST-M", 4200).await;
    app.post(
        "/api/v1/attendance-devices",
        &org.admin,
        json!({"serial_number": "HOSTM1", "name": "Lobi", "allowed_sources": ["203.0.113.7"]}),
    )
    .await
    .assert_status(201);
    let nip = &org.staff1.nip;
    let long_sn = "S".repeat(5_000);
    let probes: Vec<(&str, String, &str, Option<&str>)> = vec![
        ("no serial", "/iclock/cdata?table=ATTLOG".into(), "198.51.100.1:1", None),
        (
            "an injected serial",
            "/iclock/cdata?SN=%27%20OR%20%271%27%3D%271&table=ATTLOG".into(),
            "198.51.100.1:1",
            None,
        ),
        ("a NUL in the serial", "/iclock/cdata?SN=HOSTM1%00&table=ATTLOG".into(), "198.51.100.1:1", None),
        ("a 5,000-character serial", format!("/iclock/cdata?SN={long_sn}&table=ATTLOG"), "198.51.100.1:1", None),
        ("the real serial from elsewhere", "/iclock/cdata?SN=HOSTM1&table=ATTLOG".into(), "198.51.100.2:1", None),
        (
            "the real serial claiming the office in a header",
            "/iclock/cdata?SN=HOSTM1&table=ATTLOG".into(),
            "198.51.100.3:1",
            Some("203.0.113.7"),
        ),
        ("the real serial in lower case", "/iclock/cdata?SN=hostm1&table=ATTLOG".into(), "198.51.100.4:1", None),
    ];
    let punch = format!("{nip}\t2026-01-05 07:00:00\t0\t1\t\t0\t0\n");
    for (what, path, peer, forwarded) in probes {
        let mut req = app.req(Method::POST, &path).peer(peer).raw("text/plain", punch.clone());
        if let Some(f) = forwarded {
            req = req.header("x-forwarded-for", f);
        }
        let r = req.send().await;
        assert_problem(&r, &[400, 403], what);
    }
    // From its own address, garbage lines are acknowledged (or the machine resends forever) and
    // none is stored.
    let garbage: Vec<u8> = [
        b"\xff\xfe\x00garbage\n".to_vec(),
        format!("{nip}\t2026-13-45 99:99:99\t0\n").into_bytes(),
        b"' OR 1=1 --\t2026-01-05 07:00:00\t0\n".to_vec(),
        format!("{nip}\t1970-01-01 00:00:00\t0\n").into_bytes(),
        format!("{nip}\t2099-01-01 07:00:00\t0\n").into_bytes(),
        "x\t".repeat(10_000).into_bytes(),
    ]
    .concat();
    let r = app
        .req(Method::POST, "/iclock/cdata?SN=HOSTM1&table=ATTLOG")
        .peer("203.0.113.7:4370")
        .raw("text/plain", garbage)
        .send()
        .await;
    r.assert_status(200);
    assert!(r.text.starts_with("OK: "), "{}", r.text);
    let events = app.get(&format!("/api/v1/employees/{}/attendance-events", org.staff1.id), &org.admin).await;
    assert_eq!(events.body["items"], json!([]), "{}", events.text);
}

/// Sign-in requests built to break in or to break the server: each gets its problem, none signs
/// in, and the real account is untouched.
#[actix_web::test]
async fn hostile_logins_get_problems_and_sign_nobody_in() {
    let app = TestApp::spawn().await;
    let long = "a".repeat(10_000);
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("SQL in the login", json!({"login": "' OR '1'='1' --", "password": "x"}).to_string().into_bytes()),
        ("SQL in the password", json!({"login": "root", "password": "' OR '1'='1"}).to_string().into_bytes()),
        (
            "a NUL in the login",
            json!({"login": "root\u{0}", "password": "correct-horse-battery"}).to_string().into_bytes(),
        ),
        ("a right-to-left login", json!({"login": "\u{202e}toor", "password": "x"}).to_string().into_bytes()),
        ("a 10,000-character login", json!({"login": long, "password": "x"}).to_string().into_bytes()),
        ("a 10,000-character password", json!({"login": "root", "password": long}).to_string().into_bytes()),
        ("a number for the login", br#"{"login": 198204032004011644, "password": "x"}"#.to_vec()),
        ("an array body", br#"[{"login": "root", "password": "x"}]"#.to_vec()),
        ("no password", br#"{"login": "root"}"#.to_vec()),
        ("an extra field", br#"{"login": "root", "password": "x", "role": "platform_admin"}"#.to_vec()),
        ("nested deeply", format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)).into_bytes()),
        ("invalid UTF-8", b"{\"login\": \"\xff\xfe\", \"password\": \"x\"}".to_vec()),
    ];
    for (what, body) in bodies {
        let r = app
            .req(Method::POST, "/api/v1/auth/login")
            .peer("198.51.100.77:1000")
            .raw("application/json", body)
            .send()
            .await;
        assert_problem(&r, &[400, 401, 422, 429], what);
    }
    for (what, token) in [
        ("an unknown refresh token", "ekr_0000".to_owned()),
        ("a 10,000-character refresh token", format!("ekr_{long}")),
        ("an access token as a refresh token", app.root.clone()),
        ("SQL as a refresh token", "' OR '1'='1".to_owned()),
    ] {
        let r = app.req(Method::POST, "/api/v1/auth/refresh").json(json!({"refresh_token": token})).send().await;
        assert_problem(&r, &[401], what);
    }
    // The account is as it was: it signs in, from an address nobody guessed from.
    app.req(Method::POST, "/api/v1/auth/login")
        .peer("198.51.100.78:1000")
        .json(json!({"login": "root", "password": ekinerja_tests::PASSWORD}))
        .send()
        .await
        .assert_status(200);
}
