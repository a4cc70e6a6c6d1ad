//! The application: routes, middleware, and the error handling that makes every failure a
//! problem+json.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{from_fn, ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, App, HttpRequest, ResponseError};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ApiError, PROBLEM_JSON};
use crate::openapi::ApiDoc;
use crate::routes::{
    acting, activity, agency, agreement, allowance, analysis, attendance, audit, auth, calendar, cascade, comparison,
    daily_log, dashboard, discipline, distribution_pattern, employee, evaluation, evidence, health, iclock, import,
    integration, integration_key, job, leave, me, monitoring, org_unit, period, position, progress, role_grant, shift,
    webhook_subscription,
};
use crate::state::AppState;
use crate::{extract, request_id};

/// Builds the application over shared state; used by `serve` and by the tests alike.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let max_body = state.settings.max_body_bytes;
    App::new()
        .app_data(state)
        .app_data(web::PayloadConfig::new(max_body))
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        .wrap(ErrorHandlers::new().default_handler(ensure_problem))
        // Inside the request id's scope, outside the problem mapping: counts and logs the final
        // answer under the request's id.
        .wrap(from_fn(crate::metrics::observe))
        .wrap(from_fn(request_id::middleware))
        .wrap(from_fn(no_store))
        .configure(routes)
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", ApiDoc::openapi()))
        .default_service(web::to(no_route))
}

/// Middleware: API answers carry personal data, tokens and secrets shown once; no browser,
/// proxy or CDN keeps them (`Cache-Control: no-store`, unless a handler said otherwise).
pub(crate) async fn no_store(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    if !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// The expensive analysis endpoints (under `/api/v1`), each under the per-account budget of
/// `EKINERJA_ANALYSIS_PER_MINUTE`.
pub const ANALYSIS_PATHS: &[&str] = &[
    "/org-units/{id}/daily-log-activity",
    "/me/subordinates/daily-log-activity",
    "/agencies/{id}/dashboard",
    "/agencies/{id}/comparison",
    "/org-units/{id}/dashboard",
    "/agencies/{id}/workload",
    "/org-units/{id}/workload",
    "/agencies/{id}/maturity",
    "/org-units/{id}/maturity",
    "/employees/{id}/maturity",
    "/me/maturity",
    "/agencies/{id}/maturity/history",
    "/org-units/{id}/maturity/history",
    "/employees/{id}/maturity/history",
    "/org-units/{id}/logging-curve",
    "/allowance-simulations",
];

/// A resource of the expensive analysis endpoints, under the per-account budget.
fn analysis_resource(
    path: &str,
) -> actix_web::Resource<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    debug_assert!(ANALYSIS_PATHS.contains(&path), "{path} is not listed in ANALYSIS_PATHS");
    resource(path).wrap(from_fn(crate::security::analysis_budget))
}

fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// Every route of the API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz").route(web::get().to(health::healthz)))
        .service(resource("/readyz").route(web::get().to(health::readyz)))
        .service(resource("/docs").route(web::get().to(docs_redirect)))
        .service(resource("/iclock/cdata").route(web::get().to(iclock::options)).route(web::post().to(iclock::upload)))
        .service(resource("/iclock/getrequest").route(web::get().to(iclock::commands)))
        .service(
            web::scope("/api/v1")
                .service(resource("/auth/login").route(web::post().to(auth::login)))
                .service(resource("/auth/refresh").route(web::post().to(auth::refresh)))
                .service(resource("/auth/logout").route(web::post().to(auth::logout)))
                .service(resource("/me").route(web::get().to(me::me)))
                .service(resource("/me/supervisors").route(web::get().to(me::supervisors)))
                .service(resource("/me/subordinates").route(web::get().to(me::subordinates)))
                .service(resource("/me/tasks").route(web::get().to(me::tasks)))
                .service(resource("/me/password").route(web::post().to(me::change_password)))
                .service(resource("/accounts").route(web::post().to(me::create_account)))
                .service(resource("/accounts/{id}/password").route(web::post().to(me::reset_password)))
                .service(resource("/agencies").route(web::get().to(agency::list)).route(web::post().to(agency::create)))
                .service(
                    resource("/agencies/{id}").route(web::get().to(agency::get)).route(web::patch().to(agency::update)),
                )
                .service(
                    resource("/org-units").route(web::get().to(org_unit::list)).route(web::post().to(org_unit::create)),
                )
                .service(
                    resource("/org-units/{id}")
                        .route(web::get().to(org_unit::get))
                        .route(web::patch().to(org_unit::update)),
                )
                .service(
                    resource("/positions").route(web::get().to(position::list)).route(web::post().to(position::create)),
                )
                .service(
                    resource("/positions/{id}")
                        .route(web::get().to(position::get))
                        .route(web::patch().to(position::update)),
                )
                .service(
                    resource("/employees").route(web::get().to(employee::list)).route(web::post().to(employee::create)),
                )
                .service(
                    resource("/employees/{id}")
                        .route(web::get().to(employee::get))
                        .route(web::patch().to(employee::update)),
                )
                .service(resource("/employees/{id}/supervisors").route(web::get().to(employee::supervisors)))
                .service(resource("/employees/{id}/subordinates").route(web::get().to(employee::subordinates)))
                .service(
                    resource("/imports/employees")
                        .app_data(web::PayloadConfig::new(import::MAX_IMPORT_BYTES))
                        .route(web::post().to(import::import_employees)),
                )
                .service(
                    resource("/acting-assignments")
                        .route(web::get().to(acting::list))
                        .route(web::post().to(acting::create)),
                )
                .service(
                    resource("/acting-assignments/{id}")
                        .route(web::get().to(acting::get))
                        .route(web::delete().to(acting::delete)),
                )
                .service(resource("/audit-events").route(web::get().to(audit::list)))
                .service(
                    resource("/performance-periods")
                        .route(web::get().to(period::list))
                        .route(web::post().to(period::create)),
                )
                .service(resource("/performance-periods/{id}").route(web::get().to(period::get)))
                .service(
                    resource("/organisational-goals")
                        .route(web::get().to(period::list_goals))
                        .route(web::post().to(period::create_goal)),
                )
                .service(
                    resource("/organisational-goals/{id}")
                        .route(web::get().to(period::get_goal))
                        .route(web::patch().to(period::update_goal)),
                )
                .service(
                    resource("/agreements")
                        .route(web::get().to(agreement::list))
                        .route(web::post().to(agreement::create)),
                )
                .service(resource("/agreements/{id}").route(web::get().to(agreement::get)))
                .service(resource("/agreements/{id}/planned-results").route(web::post().to(agreement::add_result)))
                .service(
                    resource("/agreements/{id}/planned-results/{result_id}")
                        .route(web::delete().to(agreement::remove_result)),
                )
                .service(
                    resource("/agreements/{id}/planned-results/{result_id}/indicators")
                        .route(web::post().to(agreement::add_indicator)),
                )
                .service(
                    resource("/agreements/{id}/indicators/{indicator_id}/breakdown")
                        .route(web::put().to(agreement::set_breakdown)),
                )
                .service(resource("/agreements/{id}/submit").route(web::post().to(agreement::submit)))
                .service(resource("/agreements/{id}/approve").route(web::post().to(agreement::approve)))
                .service(resource("/agreements/{id}/return").route(web::post().to(agreement::return_agreement)))
                .service(resource("/agreements/{id}/revise").route(web::post().to(agreement::revise)))
                .service(resource("/agreements/{id}/document").route(web::get().to(cascade::document)))
                .service(
                    resource("/agreements/{id}/planned-results/{result_id}/cascade")
                        .route(web::get().to(cascade::result_cascade)),
                )
                .service(resource("/organisational-goals/{id}/cascade").route(web::get().to(cascade::goal_cascade)))
                .service(resource("/performance-periods/{id}/cascade").route(web::get().to(cascade::period_cascade)))
                .service(resource("/org-units/{id}/alignment").route(web::get().to(cascade::alignment)))
                .service(
                    resource("/daily-logs")
                        .route(web::get().to(daily_log::list))
                        .route(web::post().to(daily_log::create)),
                )
                .service(resource("/daily-logs/batch").route(web::post().to(daily_log::batch)))
                .service(resource("/daily-logs/reviews").route(web::post().to(daily_log::review_batch)))
                .service(
                    resource("/daily-logs/{id}")
                        .route(web::get().to(daily_log::get))
                        .route(web::patch().to(daily_log::update)),
                )
                .service(resource("/daily-logs/{id}/accept").route(web::post().to(daily_log::accept)))
                .service(resource("/daily-logs/{id}/reject").route(web::post().to(daily_log::reject)))
                .service(resource("/me/daily-logs/changes").route(web::get().to(daily_log::changes)))
                .service(analysis_resource("/org-units/{id}/daily-log-activity").route(web::get().to(monitoring::unit)))
                .service(
                    analysis_resource("/me/subordinates/daily-log-activity")
                        .route(web::get().to(monitoring::subordinates)),
                )
                .service(
                    resource("/integration-keys")
                        .route(web::get().to(integration_key::list))
                        .route(web::post().to(integration_key::issue)),
                )
                .service(resource("/integration-keys/{id}").route(web::get().to(integration_key::get)))
                .service(resource("/integration-keys/{id}/rotate").route(web::post().to(integration_key::rotate)))
                .service(resource("/integration-keys/{id}/revoke").route(web::post().to(integration_key::revoke)))
                .service(
                    resource("/role-grants")
                        .route(web::get().to(role_grant::list))
                        .route(web::post().to(role_grant::grant)),
                )
                .service(resource("/role-grants/{id}").route(web::get().to(role_grant::get)))
                .service(resource("/role-grants/{id}/revoke").route(web::post().to(role_grant::revoke)))
                .service(resource("/attendance-events/batch").route(web::post().to(attendance::push)))
                .service(resource("/integration/employees").route(web::get().to(integration::roster)))
                .service(resource("/integration/allowance-runs").route(web::get().to(integration::approved_runs)))
                .service(resource("/integration/allowance-runs/{id}").route(web::get().to(integration::approved_run)))
                .service(resource("/employees/{id}/attendance-events").route(web::get().to(attendance::list)))
                .service(
                    resource("/imports/attendance")
                        .app_data(web::PayloadConfig::new(import::MAX_IMPORT_BYTES))
                        .route(web::post().to(attendance::import)),
                )
                .service(
                    resource("/attendance-devices")
                        .route(web::get().to(attendance::list_devices))
                        .route(web::post().to(attendance::register_device)),
                )
                .service(resource("/attendance-devices/{id}").route(web::patch().to(attendance::update_device)))
                .service(resource("/attendance-events/{id}/void").route(web::post().to(attendance::void_event)))
                .service(resource("/attendance-devices/{id}/revoke").route(web::post().to(attendance::revoke_device)))
                .service(
                    resource("/work-schedules")
                        .route(web::get().to(calendar::list_schedules))
                        .route(web::post().to(calendar::set_schedule)),
                )
                .service(
                    resource("/holidays")
                        .route(web::get().to(calendar::list_holidays))
                        .route(web::post().to(calendar::add_holiday)),
                )
                .service(resource("/holidays/{id}").route(web::delete().to(calendar::delete_holiday)))
                .service(resource("/absences").route(web::post().to(calendar::record_absence)))
                .service(resource("/absences/{id}/cancel").route(web::post().to(calendar::cancel_absence)))
                .service(resource("/employees/{id}/absences").route(web::get().to(calendar::list_absences)))
                .service(
                    resource("/leave-requests").route(web::get().to(leave::list)).route(web::post().to(leave::create)),
                )
                .service(resource("/leave-requests/{id}").route(web::get().to(leave::get)))
                .service(resource("/me/leave-balance").route(web::get().to(leave::my_balance)))
                .service(resource("/shifts").route(web::get().to(shift::list)).route(web::post().to(shift::create)))
                .service(resource("/shifts/{id}").route(web::get().to(shift::get)))
                .service(resource("/rosters").route(web::put().to(shift::set)))
                .service(resource("/employees/{id}/roster").route(web::get().to(shift::of_employee)))
                .service(resource("/org-units/{id}/roster").route(web::get().to(shift::of_unit)))
                .service(resource("/daily-logs/{id}/files").route(web::get().to(evidence::of_log)))
                .service(resource("/leave-requests/{id}/files").route(web::get().to(evidence::of_leave)))
                .service(resource("/evaluations/{id}/files").route(web::get().to(evidence::of_realisation)))
                .service(
                    resource("/rosters/import")
                        .app_data(web::PayloadConfig::new(import::MAX_IMPORT_BYTES))
                        .route(web::post().to(shift::import)),
                )
                .service(
                    resource("/files")
                        .app_data(web::PayloadConfig::new(ekinerja_domain::evidence::MAX_BYTES + 1))
                        .route(web::post().to(evidence::upload)),
                )
                .service(resource("/files/{id}").route(web::get().to(evidence::get)))
                .service(resource("/files/{id}/content").route(web::get().to(evidence::content)))
                .service(
                    resource("/webhook-subscriptions")
                        .route(web::get().to(webhook_subscription::list))
                        .route(web::post().to(webhook_subscription::create)),
                )
                .service(
                    resource("/webhook-subscriptions/{id}")
                        .route(web::get().to(webhook_subscription::get))
                        .route(web::patch().to(webhook_subscription::update)),
                )
                .service(
                    resource("/webhook-subscriptions/{id}/deliveries")
                        .route(web::get().to(webhook_subscription::deliveries)),
                )
                .service(resource("/leave-requests/{id}/recommend").route(web::post().to(leave::recommend)))
                .service(resource("/leave-requests/{id}/approve").route(web::post().to(leave::approve)))
                .service(resource("/leave-requests/{id}/refuse").route(web::post().to(leave::refuse)))
                .service(resource("/leave-requests/{id}/cancel").route(web::post().to(leave::cancel)))
                .service(resource("/employees/{id}/discipline").route(web::get().to(discipline::employee)))
                .service(resource("/me/discipline").route(web::get().to(discipline::me)))
                .service(resource("/org-units/{id}/discipline").route(web::get().to(discipline::unit)))
                .service(resource("/org-units/{id}/allowance").route(web::get().to(allowance::unit_lines)))
                .service(
                    resource("/evaluation-periods")
                        .route(web::get().to(evaluation::list_periods))
                        .route(web::post().to(evaluation::open_period)),
                )
                .service(resource("/evaluation-periods/{id}").route(web::get().to(evaluation::get_period)))
                .service(resource("/evaluation-periods/{id}/close").route(web::post().to(evaluation::close_period)))
                .service(resource("/evaluation-periods/{id}/progress").route(web::get().to(evaluation::progress)))
                .service(
                    resource("/evaluation-periods/{id}/distribution").route(web::get().to(evaluation::distribution)),
                )
                .service(
                    resource("/performance-periods/{id}/siasn-export").route(web::get().to(evaluation::siasn_export)),
                )
                .service(
                    resource("/evaluations")
                        .route(web::get().to(evaluation::list))
                        .route(web::post().to(evaluation::open)),
                )
                .service(resource("/me/evaluations").route(web::get().to(evaluation::mine)))
                .service(
                    resource("/evaluations/{id}")
                        .route(web::get().to(evaluation::get))
                        .route(web::patch().to(evaluation::rate)),
                )
                .service(resource("/evaluations/{id}/finalise").route(web::post().to(evaluation::finalise)))
                .service(resource("/evaluations/{id}/revise").route(web::post().to(evaluation::revise)))
                .service(
                    resource("/allowance-policies")
                        .route(web::get().to(allowance::list))
                        .route(web::post().to(allowance::set)),
                )
                .service(resource("/allowance-policies/in-force").route(web::get().to(allowance::in_force)))
                .service(
                    resource("/allowance-runs")
                        .route(web::get().to(allowance::list_runs))
                        .route(web::post().to(allowance::compute_run)),
                )
                .service(resource("/allowance-runs/{id}").route(web::get().to(allowance::get_run)))
                .service(resource("/jobs/{id}").route(web::get().to(job::get)))
                .service(resource("/jobs/{id}/file").route(web::get().to(job::file)))
                .service(resource("/allowance-runs/{id}/approve").route(web::post().to(allowance::approve_run)))
                .service(resource("/allowance-runs/{id}/payroll").route(web::get().to(allowance::payroll)))
                .service(resource("/allowance-runs/{id}/breakdown").route(web::get().to(allowance::breakdown)))
                .service(resource("/me/allowance").route(web::get().to(allowance::mine)))
                .service(
                    resource("/positions/{id}/activities/import")
                        .app_data(web::PayloadConfig::new(import::MAX_IMPORT_BYTES))
                        .route(web::post().to(activity::import)),
                )
                .service(
                    resource("/positions/{id}/activities")
                        .route(web::get().to(activity::list))
                        .route(web::post().to(activity::create)),
                )
                .service(analysis_resource("/allowance-simulations").route(web::post().to(allowance::simulate)))
                .service(
                    resource("/distribution-patterns")
                        .route(web::get().to(distribution_pattern::list))
                        .route(web::post().to(distribution_pattern::set)),
                )
                .service(analysis_resource("/agencies/{id}/dashboard").route(web::get().to(dashboard::agency)))
                .service(analysis_resource("/agencies/{id}/comparison").route(web::get().to(comparison::agency)))
                .service(resource("/agencies/{id}/waiting-reviews").route(web::get().to(allowance::waiting_reviews)))
                .service(analysis_resource("/org-units/{id}/dashboard").route(web::get().to(dashboard::unit)))
                .service(analysis_resource("/agencies/{id}/workload").route(web::get().to(analysis::agency_workload)))
                .service(analysis_resource("/org-units/{id}/workload").route(web::get().to(analysis::unit_workload)))
                .service(analysis_resource("/agencies/{id}/maturity").route(web::get().to(analysis::agency_maturity)))
                .service(analysis_resource("/org-units/{id}/maturity").route(web::get().to(analysis::unit_maturity)))
                .service(
                    analysis_resource("/employees/{id}/maturity").route(web::get().to(analysis::employee_maturity)),
                )
                .service(analysis_resource("/me/maturity").route(web::get().to(analysis::my_maturity)))
                .service(
                    analysis_resource("/agencies/{id}/maturity/history").route(web::get().to(analysis::agency_history)),
                )
                .service(
                    analysis_resource("/org-units/{id}/maturity/history").route(web::get().to(analysis::unit_history)),
                )
                .service(
                    analysis_resource("/employees/{id}/maturity/history")
                        .route(web::get().to(analysis::employee_history)),
                )
                .service(analysis_resource("/org-units/{id}/logging-curve").route(web::get().to(progress::unit_curve)))
                .service(resource("/employees/{id}/progress").route(web::get().to(progress::employee)))
                .service(resource("/me/progress").route(web::get().to(progress::me)))
                .service(resource("/evaluations/{id}/realisation").route(web::get().to(evaluation::realisation)))
                .service(
                    resource("/evaluations/{id}/realisation/{indicator_id}").route(web::put().to(evaluation::assess)),
                ),
        );
}

async fn docs_redirect() -> actix_web::HttpResponse {
    actix_web::HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
}

async fn no_route(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NoRoute(req.path().to_owned()))
}

/// The methods each path of the OpenAPI document supports, for the `Allow` header of a 405.
fn allowed_methods() -> &'static std::collections::HashMap<String, String> {
    static ALLOWED: std::sync::OnceLock<std::collections::HashMap<String, String>> = std::sync::OnceLock::new();
    ALLOWED.get_or_init(|| {
        use utoipa::OpenApi;
        crate::openapi::ApiDoc::openapi()
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods: Vec<&str> = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, on)| on.then_some(m))
                .collect();
                (path.clone(), methods.join(", "))
            })
            .collect()
    })
}

/// 405 with the `Allow` header RFC 9110 requires: the methods the document gives the matched
/// path (GET for the few paths outside it: the docs and the document itself).
async fn method_not_allowed(req: HttpRequest) -> actix_web::HttpResponse {
    let allow = req.match_pattern().and_then(|p| allowed_methods().get(&p).cloned()).unwrap_or_else(|| "GET".into());
    let mut res = actix_web::ResponseError::error_response(&ApiError::MethodNotAllowed);
    if let Ok(v) = header::HeaderValue::from_str(&allow) {
        res.headers_mut().insert(header::ALLOW, v);
    }
    res
}

/// Turns any error response that is not already problem+json (actix's own 400s, 413s, …) into
/// one, so no caller ever sees a plain-text or HTML error.
fn ensure_problem<B: MessageBody + 'static>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let err = match status {
        StatusCode::NOT_FOUND => ApiError::NoRoute(res.request().path().to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(
            res.request().app_data::<web::Data<AppState>>().map_or(0, |s| s.settings.max_body_bytes),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType("application/json"),
        StatusCode::UNAUTHORIZED => ApiError::Unauthenticated("authentication required".into()),
        StatusCode::FORBIDDEN => ApiError::Forbidden("not allowed".into()),
        s if s.is_client_error() => ApiError::BadParameter(
            s.canonical_reason()
                .map_or_else(|| "the request is not valid".to_owned(), |r| format!("the request is not valid ({r})")),
        ),
        _ => ApiError::Internal(format!("unhandled error response {status}")),
    };
    let (req, _) = res.into_parts();
    let mut response = err.error_response();
    *response.status_mut() = status;
    let res = ServiceResponse::new(req, response).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}
