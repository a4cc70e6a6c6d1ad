use actix_web::http::Method;
use ekinerja_tests::TestApp;

#[actix_web::test]
async fn liveness_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let res = app.req(Method::GET, "/healthz").send().await;
    res.assert_status(200);
    assert_eq!(res.body["status"], "ok");
    let res = app.req(Method::GET, "/readyz").send().await;
    res.assert_status(200);
    assert!(res.header("x-request-id").is_some_and(|id| !id.is_empty()));
}

#[actix_web::test]
async fn a_plain_request_id_from_the_caller_is_kept_and_a_hostile_one_replaced() {
    let app = TestApp::spawn().await;
    let res = app.req(Method::GET, "/healthz").header("x-request-id", "mobile-123.abc").send().await;
    assert_eq!(res.header("x-request-id").as_deref(), Some("mobile-123.abc"));
    let res = app.req(Method::GET, "/healthz").header("x-request-id", "evil\"; drop").send().await;
    let id = res.header("x-request-id").unwrap();
    assert_ne!(id, "evil\"; drop");
    assert!(uuid::Uuid::parse_str(&id).is_ok());
}

#[actix_web::test]
async fn docs_and_the_openapi_document_are_served() {
    let app = TestApp::spawn().await;
    let res = app.req(Method::GET, "/openapi.json").send().await;
    res.assert_status(200);
    assert_eq!(res.body["openapi"], "3.1.0");
    assert!(res.body["paths"]["/api/v1/employees"].is_object());
    let res = app.req(Method::GET, "/docs/").send().await;
    res.assert_status(200);
    assert!(res.text.contains("swagger"), "docs page: {}", &res.text[..res.text.len().min(200)]);
    let res = app.req(Method::GET, "/docs").send().await;
    assert_eq!(res.status.as_u16(), 308);
    assert_eq!(res.header("location").as_deref(), Some("/docs/"));
}
