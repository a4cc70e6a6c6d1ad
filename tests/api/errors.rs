//! Every kind of bad input gets its documented problem+json, and nothing is stored.

use actix_web::http::Method;
use ekinerja_tests::TestApp;
use serde_json::json;

#[actix_web::test]
async fn unknown_route_and_wrong_method() {
    let app = TestApp::spawn().await;
    app.req(Method::GET, "/api/v1/no-such-thing").token(&app.root).send().await.assert_problem(404, "not-found");
    app.req(Method::GET, "/index.html").send().await.assert_problem(404, "not-found");
    // 405 names the methods the path supports (RFC 9110), as the OpenAPI document gives them.
    let res = app.req(Method::DELETE, "/api/v1/agencies").token(&app.root).send().await;
    res.assert_problem(405, "method-not-allowed");
    assert_eq!(res.header("allow").as_deref(), Some("GET, POST"));
    let res = app.req(Method::TRACE, "/api/v1/agencies/01a20000-0000-7000-8000-000000000000").send().await;
    res.assert_problem(405, "method-not-allowed");
    assert_eq!(res.header("allow").as_deref(), Some("GET, PATCH"));
    let res = app.req(Method::PUT, "/healthz").send().await;
    res.assert_problem(405, "method-not-allowed");
    assert_eq!(res.header("allow").as_deref(), Some("GET"));
    // An empty If-Match names no version: 428, as a missing one.
    let agency = app.agency("ERR-IM").await;
    let admin = app.agency_admin(&agency, "admin.err-im").await;
    let key = app
        .post("/api/v1/integration-keys", &admin, json!({"name": "e-Presensi", "scopes": ["attendance_write"]}))
        .await;
    key.assert_status(201);
    let rotate = format!("/api/v1/integration-keys/{}/rotate", key.id());
    // One of the form the contract states (`"v<digits>"`, W/ in front or not) that names no
    // current version is stale: 412. Anything else is malformed: 400, and changes nothing.
    let cases: [(&[&str], u16, &str); 3] = [
        (&["", "  "], 428, "precondition-required"),
        (&["\"v999\"", "W/\"v999\"", " \"v2\" ", "\"v9999999999\""], 412, "precondition-failed"),
        (
            &[
                "v1",
                "\"1\"",
                "*",
                "{}",
                "\"v1",
                "\"vx\"",
                "\"v\"",
                "\"v-1\"",
                "\"v+1\"",
                "\"v12345678901\"",
                "w/\"v1\"",
            ],
            400,
            "bad-parameter",
        ),
    ];
    for (values, status, kind) in cases {
        for value in values {
            app.req(Method::POST, &rotate)
                .token(&admin)
                .header("if-match", value)
                .send()
                .await
                .assert_problem(status, kind);
        }
    }
    let read = app.get(&format!("/api/v1/integration-keys/{}", key.id()), &admin).await;
    assert_eq!(read.header("etag").as_deref(), Some("\"v1\""), "{}", read.text);
    app.req(Method::POST, &rotate).token(&admin).header("if-match", "W/\"v1\"").send().await.assert_status(200);
}

#[actix_web::test]
async fn malformed_json_wrong_type_and_unknown_fields() {
    let app = TestApp::spawn().await;
    let res = app
        .req(Method::POST, "/api/v1/agencies")
        .token(&app.root)
        .raw("application/json", "{\"code\": \"A\",")
        .send()
        .await;
    res.assert_problem(400, "malformed-json");
    let res = app
        .req(Method::POST, "/api/v1/agencies")
        .token(&app.root)
        .raw("application/json", "{\"code\": 1} trailing")
        .send()
        .await;
    assert_eq!(res.status.as_u16() / 100, 4, "{}", res.text);
    // Wrong type: the pointer names the field.
    let res = app.post("/api/v1/agencies", &app.root, json!({"code": 12, "name": "X"})).await;
    res.assert_invalid("#/code");
    // Unknown enum value.
    let res = app.post("/api/v1/agencies", &app.root, json!({"code": "KAB-X", "name": "X", "time_zone": "utc"})).await;
    res.assert_invalid("#/time_zone");
    // Unknown field: refused rather than silently ignored.
    let res = app.post("/api/v1/agencies", &app.root, json!({"code": "KAB-X", "name": "X", "colour": "red"})).await;
    res.assert_problem(422, "validation");
    // Nothing was stored by any of them.
    let list = app.get("/api/v1/agencies", &app.root).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
}

/// JSON has one kind of number, and so has the schema's `integer`: `480.0` is the integer 480.
/// A fraction is still refused, naming the field, and so is a whole number out of range.
#[actix_web::test]
async fn a_whole_number_written_with_a_fraction_is_an_integer() {
    let app = TestApp::spawn().await;
    let org = app.org("NUM", 4200).await;
    let path = format!("/api/v1/agencies/{}", org.agency);
    let res = app.patch(&path, &org.admin, json!({"daily_log_cap_minutes": 480.0})).await;
    res.assert_status(200);
    assert_eq!(res.body["daily_log_cap_minutes"], 480);
    app.patch(&path, &org.admin, json!({"daily_log_cap_minutes": 450.5}))
        .await
        .assert_invalid("#/daily_log_cap_minutes");
    app.patch(&path, &org.admin, json!({"daily_log_cap_minutes": 1e300}))
        .await
        .assert_invalid("#/daily_log_cap_minutes");
    assert_eq!(app.get(&path, &org.admin).await.body["daily_log_cap_minutes"], 480);
}

#[actix_web::test]
async fn field_level_validation_lists_every_bad_field() {
    let app = TestApp::spawn().await;
    let res = app.post("/api/v1/agencies", &app.root, json!({"code": "bad code!", "name": "  "})).await;
    res.assert_invalid("#/code").assert_invalid("#/name");
    assert_eq!(res.body["errors"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn wrong_content_type_and_oversized_body() {
    let app = TestApp::spawn_with(|s| s.max_body_bytes = 1024).await;
    app.req(Method::POST, "/api/v1/agencies")
        .token(&app.root)
        .raw("text/plain", "code=A")
        .send()
        .await
        .assert_problem(415, "unsupported-media-type");
    app.req(Method::POST, "/api/v1/agencies")
        .token(&app.root)
        .send()
        .await
        .assert_problem(415, "unsupported-media-type");
    let big = json!({"code": "KAB-BIG", "name": "x".repeat(4096)});
    app.post("/api/v1/agencies", &app.root, big).await.assert_problem(413, "payload-too-large");
    let list = app.get("/api/v1/agencies", &app.root).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
}

#[actix_web::test]
async fn bad_query_and_path_parameters() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/agencies?limit=0", &app.root).await.assert_problem(400, "bad-parameter");
    app.get("/api/v1/agencies?limit=201", &app.root).await.assert_problem(400, "bad-parameter");
    app.get("/api/v1/agencies?limit=abc", &app.root).await.assert_problem(400, "bad-parameter");
    app.get("/api/v1/agencies?cursor=not-ours", &app.root).await.assert_problem(400, "bad-parameter");
    app.get("/api/v1/agencies?frobnicate=1", &app.root).await.assert_problem(400, "bad-parameter");
    app.get("/api/v1/agencies/not-a-uuid", &app.root).await.assert_problem(400, "bad-parameter");
    // An employee is named by id or by NIP: digits that are no NIP, and words that are no id.
    app.get("/api/v1/employees/123", &app.root).await.assert_problem(400, "bad-parameter");
    app.get("/api/v1/employees/not-a-uuid", &app.root).await.assert_problem(400, "bad-parameter");
    app.get("/api/v1/employees/198204032004011644", &app.root).await.assert_problem(404, "not-found");
    app.get(&format!("/api/v1/agencies/{}", uuid::Uuid::now_v7()), &app.root).await.assert_problem(404, "not-found");
}

#[actix_web::test]
async fn missing_forged_expired_and_unsigned_tokens_are_401() {
    let app = TestApp::spawn().await;
    let res = app.req(Method::GET, "/api/v1/me").send().await;
    res.assert_problem(401, "unauthenticated");
    assert!(res.header("www-authenticate").is_some_and(|h| h.starts_with("Bearer")));
    app.req(Method::GET, "/api/v1/me")
        .header("authorization", "Basic cm9vdDpwdw==")
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    app.get("/api/v1/me", "not.a.jwt").await.assert_problem(401, "unauthenticated");
    // Signed with another secret.
    let other = ekinerja_api::auth::Tokens::new(&{
        let mut s = ekinerja_tests::test_settings("sqlite://unused.db");
        s.jwt_secret = "another-secret-another-secret-another".into();
        s
    });
    let me = app.get("/api/v1/me", &app.root).await;
    let caller = ekinerja_domain::Caller {
        account_id: uuid::Uuid::parse_str(me.body["account_id"].as_str().unwrap()).unwrap(),
        agency_id: None,
        role: ekinerja_domain::AccountRole::PlatformAdmin,
        employee_id: None,
    };
    let forged = other.access_token(&caller, 0, chrono::Utc::now()).unwrap();
    app.get("/api/v1/me", &forged).await.assert_problem(401, "unauthenticated");
    // Expired: issued two hours ago with the real key.
    let expired = app.state.tokens.access_token(&caller, 0, chrono::Utc::now() - chrono::Duration::hours(2)).unwrap();
    app.get("/api/v1/me", &expired).await.assert_problem(401, "unauthenticated");
    // alg: none, with the real token's claims.
    let claims = app.root.split('.').nth(1).unwrap();
    let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{claims}.");
    app.get("/api/v1/me", &none).await.assert_problem(401, "unauthenticated");
    // An integration key where a person signs in.
    app.get("/api/v1/me", "eki_0123456789abcdef").await.assert_problem(401, "unauthenticated");
}

/// The limits the server holds to are the ones the document states (so generated clients check
/// forms as the server does), and a value just past one is refused, never trimmed into shape.
#[actix_web::test]
async fn the_document_states_the_limits_the_server_holds_to() {
    use ekinerja_domain::{Code, Name};
    let doc: serde_json::Value =
        serde_json::to_value(<ekinerja_api::openapi::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
    let schema = |name: &str, field: &str| doc["components"]["schemas"][name]["properties"][field].clone();
    assert_eq!(schema("CreateAgency", "code")["maxLength"], Code::MAX_CHARS);
    assert_eq!(schema("CreateAgency", "name")["maxLength"], Name::MAX_CHARS);
    assert_eq!(schema("CreateAgency", "name")["minLength"], 1);
    assert_eq!(schema("LogPatch", "description")["maxLength"], ekinerja_domain::Description::MAX_CHARS);
    // 18 digits, whose parts the pattern reads (openapi::the_nip_pattern_refuses_only_...).
    let nip = schema("CreateEmployee", "nip")["pattern"].as_str().unwrap_or_default().to_owned();
    assert!(nip.starts_with("^[0-9]{4}(0[1-9]|1[0-2])") && nip.ends_with("$"), "{nip}");
    let month = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$";
    assert_eq!(schema("ComputeRun", "month")["pattern"], month);
    assert_eq!(schema("LogBatch", "items")["maxItems"], ekinerja_api::routes::daily_log::MAX_BATCH);
    assert_eq!(schema("LogBatch", "items")["minItems"], 1);
    assert_eq!(schema("PushBatch", "events")["maxItems"], ekinerja_api::routes::attendance::MAX_EVENTS);
    let cap = schema("UpdateAgency", "daily_log_cap_minutes");
    assert_eq!((cap["minimum"].as_i64(), cap["maximum"].as_i64()), (Some(60), Some(1440)));
    let class = schema("CreatePosition", "class");
    assert_eq!(
        (class["minimum"].as_i64(), class["maximum"].as_i64()),
        (Some(ekinerja_domain::PositionClass::MIN), Some(ekinerja_domain::PositionClass::MAX))
    );
    let allowance = &doc["paths"]["/api/v1/me/allowance"]["get"]["parameters"][0];
    assert_eq!((allowance["name"].as_str(), allowance["schema"]["pattern"].as_str()), (Some("month"), Some(month)));

    let app = TestApp::spawn().await;
    // At the limit, accepted; one past it, refused, even where trimming would bring it back.
    let code = "A".repeat(Code::MAX_CHARS);
    app.post("/api/v1/agencies", &app.root, json!({"code": format!("{code} "), "name": "Kabupaten"}))
        .await
        .assert_invalid("#/code");
    let padded = format!(" {}", "x".repeat(Name::MAX_CHARS));
    app.post("/api/v1/agencies", &app.root, json!({"code": code, "name": padded})).await.assert_invalid("#/name");
    let res = app.post("/api/v1/agencies", &app.root, json!({"code": code, "name": "x".repeat(Name::MAX_CHARS)})).await;
    res.assert_status(201);
    let agency = res.body["id"].as_str().unwrap().to_owned();
    // A month outside the pattern, which chrono alone would read as January 2026.
    let res =
        app.get(&format!("/api/v1/allowance-policies/in-force?agency_id={agency}&month=02026-1"), &app.root).await;
    assert!(matches!(res.status.as_u16(), 400 | 422), "{}", res.text);
    app.get(&format!("/api/v1/allowance-policies/in-force?agency_id={agency}&month=2026-01"), &app.root)
        .await
        .assert_status(200);
    // A NIP with a space around it is not a NIP.
    let nip = "198204032004011644";
    let employee = |nip: &str| json!({"agency_id": agency, "nip": nip, "name": "Sari Dewi", "employment_type": "pns"});
    app.post("/api/v1/employees", &app.root, employee(&format!(" {nip}"))).await.assert_invalid("#/nip");
    app.post("/api/v1/employees", &app.root, employee(nip)).await.assert_status(201);
}
