//! The OpenAPI 3.1 document, generated from the handlers' annotations. `openapi.yaml` at the
//! repository root is this document, committed; a test fails when they differ.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Components, ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::PROBLEM_JSON;
use crate::routes;

/// The API's document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "e-Kinerja API",
        description = "Performance management for Indonesian civil servants (ASN): organisation, \
            performance agreements (SKP), daily logs, attendance, evaluation and allowance (TPP).\n\n\
            Errors are RFC 9457 `application/problem+json` with a stable `type` per kind \
            (`/problems/{kind}`) and, for validation, one entry per invalid field.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    servers((url = "/", description = "The server this document is served from")),
    paths(
        routes::health::healthz, routes::health::readyz,
        routes::auth::login, routes::auth::refresh, routes::auth::logout,
        routes::me::me, routes::me::supervisors, routes::me::subordinates, routes::me::tasks, routes::me::change_password,
        routes::me::create_account, routes::me::reset_password,
        routes::agency::list, routes::agency::create, routes::agency::get, routes::agency::update,
        routes::org_unit::list, routes::org_unit::create, routes::org_unit::get, routes::org_unit::update,
        routes::position::list, routes::position::create, routes::position::get, routes::position::update,
        routes::employee::list, routes::employee::create, routes::employee::get,
        routes::employee::update, routes::employee::supervisors, routes::employee::subordinates,
        routes::import::import_employees,
        routes::acting::list, routes::acting::create, routes::acting::get, routes::acting::delete,
        routes::audit::list,
        routes::period::list, routes::period::create, routes::period::get,
        routes::period::list_goals, routes::period::create_goal, routes::period::get_goal, routes::period::update_goal,
        routes::agreement::list, routes::agreement::create, routes::agreement::get,
        routes::agreement::add_result, routes::agreement::remove_result, routes::agreement::add_indicator,
        routes::agreement::set_breakdown, routes::agreement::submit, routes::agreement::approve,
        routes::agreement::return_agreement, routes::agreement::revise,
        routes::cascade::period_cascade, routes::cascade::goal_cascade, routes::cascade::result_cascade, routes::cascade::alignment,
        routes::cascade::document,
        routes::daily_log::list, routes::daily_log::create, routes::daily_log::batch, routes::daily_log::get,
        routes::daily_log::update, routes::daily_log::accept, routes::daily_log::reject,
        routes::daily_log::review_batch, routes::daily_log::changes,
        routes::monitoring::unit, routes::monitoring::subordinates,
        routes::integration_key::issue, routes::integration_key::list, routes::integration_key::get,
        routes::integration_key::rotate, routes::integration_key::revoke,
        routes::role_grant::grant, routes::role_grant::list, routes::role_grant::get, routes::role_grant::revoke,
        routes::comparison::agency,
        routes::integration::roster, routes::integration::approved_runs, routes::integration::approved_run,
        routes::attendance::push, routes::attendance::list, routes::attendance::import,
        routes::attendance::register_device, routes::attendance::list_devices, routes::attendance::revoke_device,
        routes::attendance::update_device, routes::attendance::void_event,
        routes::iclock::options, routes::iclock::upload, routes::iclock::commands,
        routes::calendar::set_schedule, routes::calendar::list_schedules, routes::calendar::add_holiday,
        routes::calendar::list_holidays, routes::calendar::delete_holiday, routes::calendar::record_absence,
        routes::calendar::cancel_absence, routes::calendar::list_absences,
        routes::leave::create, routes::leave::list, routes::leave::get, routes::leave::recommend,
        routes::leave::approve, routes::leave::refuse, routes::leave::cancel, routes::leave::my_balance,
        routes::shift::create, routes::shift::list, routes::shift::get, routes::shift::set, routes::shift::of_employee, routes::shift::of_unit,
        routes::shift::import, routes::evidence::upload, routes::evidence::get, routes::evidence::content,
        routes::evidence::of_log, routes::evidence::of_leave, routes::evidence::of_realisation,
        routes::webhook_subscription::create, routes::webhook_subscription::list, routes::webhook_subscription::get,
        routes::webhook_subscription::update, routes::webhook_subscription::deliveries,
        routes::discipline::employee, routes::discipline::me, routes::discipline::unit,
        routes::evaluation::open_period, routes::evaluation::list_periods, routes::evaluation::get_period,
        routes::evaluation::close_period, routes::evaluation::open, routes::evaluation::list, routes::evaluation::mine,
        routes::evaluation::get, routes::evaluation::rate, routes::evaluation::finalise, routes::evaluation::revise,
        routes::evaluation::progress, routes::evaluation::distribution, routes::evaluation::siasn_export,
        routes::evaluation::realisation, routes::evaluation::assess,
        routes::progress::employee, routes::progress::me, routes::progress::unit_curve,
        routes::distribution_pattern::list, routes::distribution_pattern::set,
        routes::activity::list, routes::activity::create, routes::activity::import,
        routes::allowance::waiting_reviews, routes::allowance::set, routes::allowance::list, routes::allowance::in_force,
        routes::allowance::compute_run, routes::job::get, routes::job::file, routes::allowance::list_runs, routes::allowance::get_run, routes::allowance::approve_run,
        routes::allowance::payroll, routes::allowance::breakdown, routes::allowance::mine, routes::allowance::unit_lines, routes::allowance::simulate,
        routes::analysis::agency_workload, routes::analysis::unit_workload,
        routes::analysis::agency_maturity, routes::analysis::unit_maturity, routes::analysis::employee_maturity,
        routes::analysis::my_maturity, routes::analysis::agency_history, routes::analysis::unit_history,
        routes::analysis::employee_history, routes::dashboard::agency, routes::dashboard::unit,
    ),
    components(schemas(crate::error::Problem, crate::error::ProblemField)),
    modifiers(&Contract),
    tags(
        (name = "operations", description = "Liveness and readiness"),
        (name = "auth", description = "Sign-in, token refresh, sign-out"),
        (name = "me", description = "The signed-in caller"),
        (name = "accounts", description = "Accounts issued by admins"),
        (name = "agencies", description = "Agencies (instansi): each invisible to the others"),
        (name = "org_units", description = "The org-unit tree (OPD and sub-units), each rolled out from a month on"),
        (name = "positions", description = "Positions (jabatan) and the supervising-position tree"),
        (name = "employees", description = "Employees (ASN), their supervisors and subordinates"),
        (name = "imports", description = "Bulk imports from HR exports"),
        (name = "acting_assignments", description = "Acting officials (Plt/Plh)"),
        (name = "audit", description = "The audit trail"),
        (name = "integration", description = "What systems read with an integration key: the roster (employees_read) and approved allowance runs (allowance_read)"),
        (name = "role_grants", description = "Roles the agency admin grants on accounts: leader (reads the whole agency) and finance (allowance runs)"),
        (name = "daily_logs", description = "Daily logs from web and mobile, their review, and the change feed"),
        (name = "agreements", description = "Performance periods, organisational goals and performance agreements (SKP)"),
        (name = "integration_keys", description = "Keys for systems such as e-Presensi: one agency, given scopes, shown once"),
        (name = "attendance", description = "Attendance events (e-Presensi), fingerprint machines, and discipline per day and month"),
        (name = "attendance_machines", description = "The ADMS/iclock protocol of fingerprint machines (registered serial numbers)"),
        (name = "calendar", description = "Work schedules, holidays, leave and official travel"),
        (name = "webhook_subscriptions", description = "Notifications: endpoints subscribed to events, signed deliveries from an outbox, their attempts"),
        (name = "files", description = "Evidence files: photos and PDFs proving a day's work, checked by content"),
        (name = "rosters", description = "Shifts of units that work in shifts, and each employee's roster of one shift or a day off per date"),
        (name = "leave", description = "Leave requests: asked for by the employee, recommended by the direct supervisor, approved by the head of the OPD"),
        (name = "allowance", description = "The allowance (TPP) and discipline policy, versioned by month"),
        (name = "evaluations", description = "Evaluation periods, the supervisor's ratings and the performance predicate"),
        (name = "jobs", description = "Long work started by a request answered 202 (`Prefer: respond-async`), followed until it ends"),
        (name = "analysis", description = "Dashboards, logging curves, maturity levels (1–6) and workload analysis (ABK), each table also as CSV"),
    ),
)]
pub struct ApiDoc;

/// Adds what every operation shares: the bearer scheme, and the error responses each kind of
/// operation can give, so no operation is missing one.
struct Contract;

fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
        .build()
}

/// Error answers that many operations document alike, each named once for an operation's
/// `responses(..)` (beside its own tuples): the same words wherever they apply.
macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident { $($status:literal => $text:literal),+ })*) => {$(
        $(#[$doc])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::Response>> {
                [$(($status, $text)),+].into_iter().map(|(s, d)| (s.to_owned(), problem(d).into())).collect()
            }
        }
    )*};
}

problem_responses! {
    /// 403 from an operation only the agency's admin may do.
    AdminOnly { "403" => "Not the agency's admin" }
    /// 403 from an operation the access rule gives some roles only (the description says who).
    RoleOnly { "403" => "The caller's role gives no such right here (see who may call)" }
    /// 412 and 428 from a change that must name the version it read in `If-Match`.
    IfMatch { "412" => "Stale If-Match: nothing changed", "428" => "If-Match is missing" }
    /// 428 alone, where the operation says in its own words what a stale `If-Match` means.
    IfMatchRequired { "428" => "If-Match is missing" }
    /// 403 from a decision that is the direct supervisor's.
    DirectSupervisorOnly { "403" => "Not the direct supervisor" }
    /// 403 from a decision that is the evaluator's.
    EvaluatorOnly { "403" => "Not the evaluator" }
    /// 422 from a span of months.
    MonthSpan { "422" => "`to` is before `from`, or the span is over 24 months (`#/to`)" }
    /// 429 from an address that keeps presenting refused machines or keys.
    AddressThrottled { "429" => "Too many refused requests from this address" }
    /// 403 from the fingerprint-machine protocol, one answer for every refusal.
    MachineRefused {
        "403" => "The serial number is not registered, the machine was revoked, or the request comes from outside the machine's allowed sources (one answer for all three)"
    }
}

/// What an `If-Match` names: an ETag as the server gave it (`"v7"`, weak or not). Anything else
/// is malformed, a 400 ([`crate::extract::IfMatch`]); an empty header is a 428.
fn if_match_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(crate::extract::ETAG_PATTERN))
        .build()
}

fn add(op: &mut Operation, status: &str, description: &str) {
    op.responses.responses.entry(status.to_owned()).or_insert_with(|| problem(description).into());
}

/// A rule between a body's fields that the server enforces and utoipa's model has no field for
/// (`if`/`then`/`else`), as an entry of the schema's `allOf`. It is written through the schema's
/// extensions, which serialize flat beside its other keywords: one key, as a map's keys would
/// come out in no fixed order. Validators and the fuzzer honour it; client types are unchanged.
fn state(components: &mut Components, schema: &str, rule: serde_json::Value) {
    let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut(schema) else {
        panic!("the contract has no object schema {schema}");
    };
    let extensions = o.extensions.get_or_insert_with(Default::default);
    match extensions.entry("allOf".to_owned()).or_insert_with(|| serde_json::json!([])) {
        serde_json::Value::Array(rules) => rules.push(rule),
        other => panic!("{schema}'s allOf is {other}"),
    }
}

/// A log written alone (`POST /api/v1/daily-logs`) is judged whole, so its schema, `NewLog`, is the
/// batch item's (`LogBody`, whose text and files are judged per item, never sinking the batch)
/// with every field's constraints as a correction states them (`LogPatch`), at most 10 files, and
/// the rules between its fields: a time range, or a duration alone; a planned result, or an
/// additional duty; a position's two coordinates together.
fn new_log(components: &mut Components) {
    use serde_json::json;
    let Some(RefOr::T(Schema::Object(patch))) = components.schemas.get("LogPatch") else { panic!("no LogPatch") };
    let Some(RefOr::T(Schema::Object(item))) = components.schemas.get("LogBody") else { panic!("no LogBody") };
    let mut log = item.clone();
    for name in [
        "start_time",
        "end_time",
        "duration_minutes",
        "description",
        "output_quantity",
        "output_unit",
        "evidence_url",
        "latitude",
        "longitude",
    ] {
        let Some(RefOr::T(Schema::Object(judged))) = patch.properties.get(name) else { panic!("no LogPatch.{name}") };
        let Some(RefOr::T(Schema::Object(field))) = log.properties.get_mut(name) else { panic!("no LogBody.{name}") };
        field.pattern.clone_from(&judged.pattern);
        field.min_length = judged.min_length;
        field.max_length = judged.max_length;
        field.minimum.clone_from(&judged.minimum);
        field.maximum.clone_from(&judged.maximum);
    }
    if let Some(RefOr::T(Schema::Object(field))) = log.properties.get_mut("description") {
        field.description = Some("What was done.".into());
    }
    if let Some(RefOr::T(Schema::Array(files))) = log.properties.get_mut("evidence_file_ids") {
        files.max_items = Some(10);
        files.description = Some(
            "Evidence files uploaded before (`POST /api/v1/files`), at most 10: each one's own and proving no \
             other log. A photo's position fills `latitude` and `longitude` when they are not given."
                .into(),
        );
    }
    log.description = Some(
        "A log written alone, judged whole. Give `start_time` and `end_time` (and `duration_minutes` \
         if you like, matching them), or `duration_minutes` alone; and either `planned_result_id` or \
         `additional_duty: true`."
            .into(),
    );
    components.schemas.insert("NewLog".into(), RefOr::T(Schema::Object(log)));
    let given = |field: &str, kind: &str| json!({"required": [field], "properties": {field: {"type": kind}}});
    state(
        components,
        "NewLog",
        json!({
            "if": given("start_time", "string"),
            "then": given("end_time", "string"),
            "else": {"required": ["duration_minutes"],
                     "properties": {"end_time": {"type": "null"}, "duration_minutes": {"type": "integer"}}},
        }),
    );
    state(
        components,
        "NewLog",
        json!({
            "if": given("planned_result_id", "string"),
            "then": {"properties": {"additional_duty": {"enum": [false, null]}}},
            "else": {"required": ["additional_duty"], "properties": {"additional_duty": {"const": true}}},
        }),
    );
    state(
        components,
        "NewLog",
        json!({
            "if": given("latitude", "number"),
            "then": given("longitude", "number"),
            "else": {"properties": {"longitude": {"type": "null"}}},
        }),
    );
}

/// What the server judges across fields, or inside a list's entries, said in the contract.
fn state_rules(components: &mut Components) {
    use serde_json::json;
    // A permission names its window (`starts_at` and `ends_at`); other leave is whole days.
    state(
        components,
        "CreateLeaveRequest",
        json!({
            "if": {"properties": {"kind": {"const": "permission"}}, "required": ["kind"]},
            "then": {"required": ["starts_at", "ends_at"],
                     "properties": {"starts_at": {"type": "string"}, "ends_at": {"type": "string"}}},
            "else": {"properties": {"starts_at": {"type": "null"}, "ends_at": {"type": "null"}}},
        }),
    );
    // A machine pushes from the addresses it names, or from any with `allow_any_source: true`
    // (then naming none).
    state(
        components,
        "RegisterDevice",
        json!({
            "if": {"properties": {"allow_any_source": {"const": true}}, "required": ["allow_any_source"]},
            "then": {"properties": {"allowed_sources": {"maxItems": 0}}},
            "else": {"required": ["allowed_sources"], "properties": {"allowed_sources": {"minItems": 1}}},
        }),
    );
    // A quarter is numbered 1 to 4, the year 1 (a month 1 to 12, as the property says).
    let kind = |kind: &str| json!({"properties": {"kind": {"const": kind}}, "required": ["kind"]});
    state(
        components,
        "OpenPeriod",
        json!({"if": kind("quarterly"), "then": {"properties": {"number": {"maximum": 4}}}}),
    );
    state(components, "OpenPeriod", json!({"if": kind("annual"), "then": {"properties": {"number": {"const": 1}}}}));
    // A log's position is corrected whole: both coordinates, or both `null`, or neither.
    for (one, other) in [("latitude", "longitude"), ("longitude", "latitude")] {
        for kind in ["number", "null"] {
            let sent = |field: &str| json!({"required": [field], "properties": {field: {"type": kind}}});
            state(components, "LogPatch", json!({"if": sent(one), "then": sent(other)}));
        }
    }
    // A schedule by roster has no weekday hours; any other names them, one working day at least.
    let working = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        .map(|day| json!({"required": [day], "properties": {day: {"type": "object"}}}));
    state(
        components,
        "SetSchedule",
        json!({
            "if": {"properties": {"rostered": {"const": true}}, "required": ["rostered"]},
            "then": {"properties": {"days": {"type": "null"}}},
            "else": {"required": ["days"], "properties": {"days": {"type": "object", "anyOf": working}}},
        }),
    );
    // An employee's account belongs to an employee, a member's to none (it is named by its
    // username), and the platform admin's to no agency.
    let role = |role: &str| json!({"properties": {"role": {"const": role}}, "required": ["role"]});
    let named = |field: &str| json!({"required": [field], "properties": {field: {"type": "string"}}});
    state(components, "CreateAccount", json!({"if": role("employee"), "then": named("employee_id")}));
    state(
        components,
        "CreateAccount",
        json!({"if": role("member"), "then": {"properties": {"employee_id": {"type": "null"}}}}),
    );
    state(
        components,
        "CreateAccount",
        json!({"if": role("platform_admin"), "then": {"properties": {"agency_id": {"type": "null"}}}}),
    );
    state(components, "CreateAccount", json!({"anyOf": [named("employee_id"), named("username")]}));
    // A machine's correction that names its sources replaces them whole, by the same rule.
    let given = |field: &str, kind: &str| json!({"required": [field], "properties": {field: {"type": kind}}});
    state(
        components,
        "PatchDevice",
        json!({
            "if": {"anyOf": [given("allowed_sources", "array"), given("allow_any_source", "boolean")]},
            "then": {
                "if": {"properties": {"allow_any_source": {"const": true}}, "required": ["allow_any_source"]},
                "then": {"properties": {"allowed_sources": {"maxItems": 0}}},
                "else": {"required": ["allowed_sources"],
                         "properties": {"allowed_sources": {"type": "array", "minItems": 1}}},
            },
        }),
    );
    // Each source is an address or a network: hex digits, dots and colons, perhaps a prefix
    // length (`domain::network` parses it; surrounding white space is trimmed).
    for schema in ["RegisterDevice", "PatchDevice"] {
        let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut(schema) else { continue };
        let Some(RefOr::T(Schema::Array(list))) = o.properties.get_mut("allowed_sources") else { continue };
        if let ArrayItems::RefOrSchema(item) = &mut list.items {
            if let RefOr::T(Schema::Object(entry)) = item.as_mut() {
                entry.pattern = Some("^\\s*[0-9A-Fa-f:.]+(/[0-9]+)?\\s*$".into());
                entry.example = Some(json!("10.20.0.0/24"));
            }
        }
    }
    // A machine's serial number (`domain::attendance::DeviceId`, trimmed).
    let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut("RegisterDevice") else { return };
    if let Some(RefOr::T(Schema::Object(serial))) = o.properties.get_mut("serial_number") {
        serial.pattern = Some("^\\s*[!-~]{1,64}\\s*$".into());
    }
}

impl Modify for Contract {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from `POST /api/v1/auth/login`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "integration_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("eki_ key")
                    .description(Some(
                        "An integration key (`eki_…`) issued by the agency's admin to a system. Never a person's \
                         token, and a person's token is never accepted in its place.",
                    ))
                    .build(),
            ),
        );
        // A distribution rule's bound is an adjacently tagged enum that refuses unknown keys
        // (serde's `deny_unknown_fields`); utoipa does not carry that to its variants' objects.
        if let Some(RefOr::T(Schema::OneOf(bound))) = components.schemas.get_mut("Bound") {
            for variant in &mut bound.items {
                if let RefOr::T(Schema::Object(o)) = variant {
                    o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
            }
        }
        new_log(components);
        state_rules(components);
        // A password of one character repeated is refused as common (`auth::common_password`).
        // JSON Schema says so with `not` (its end is the text's end: no `$`, which Python's `re`
        // also finds before a final line break), for which utoipa's model has no field: it is written
        // through the property's extensions, which serialize flat beside its other keywords.
        for (schema, field) in
            [("ChangePassword", "new_password"), ("ResetPassword", "new_password"), ("CreateAccount", "password")]
        {
            let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut(schema) else { continue };
            if let Some(RefOr::T(Schema::Object(p))) = o.properties.get_mut(field) {
                let extensions = p.extensions.get_or_insert_with(Default::default);
                extensions.insert("not".into(), serde_json::json!({ "pattern": "^(.)\\1*(?![\\s\\S])" }));
            }
        }
        // A log written alone is judged whole (`NewLog`); the batch's items stay `LogBody`.
        if let Some(body) = openapi
            .paths
            .paths
            .get_mut("/api/v1/daily-logs")
            .and_then(|i| i.post.as_mut())
            .and_then(|o| o.request_body.as_mut())
        {
            if let Some(json) = body.content.get_mut("application/json") {
                json.schema = Some(RefOr::Ref(Ref::from_schema_name("NewLog")));
            }
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let analysis = path.strip_prefix("/api/v1").is_some_and(|p| crate::app::ANALYSIS_PATHS.contains(&p));
            let ops = [&mut item.get, &mut item.post, &mut item.patch, &mut item.put, &mut item.delete];
            for (i, op) in ops.into_iter().enumerate() {
                let Some(op) = op else { continue };
                // Everything but GET may write.
                let writes = i > 0;
                if let Some(who) = op.operation_id.as_deref().and_then(crate::who::who_may_call) {
                    op.description = Some(match op.description.take() {
                        Some(d) if !d.is_empty() => format!("{who}\n\n{d}"),
                        _ => who,
                    });
                }
                for p in op.parameters.iter_mut().flatten() {
                    if p.name == "If-Match" && p.parameter_in == ParameterIn::Header {
                        p.schema = Some(if_match_schema().into());
                    }
                }
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                if op.security.is_none() {
                    // Public (sign-in, probes, the machines' protocol): say so, with the empty
                    // requirement, rather than leave it unstated.
                    op.security = Some(vec![SecurityRequirement::default()]);
                }
                let has_body = op.request_body.is_some();
                let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                if has_params || has_body {
                    add(op, "400", "A parameter or the body is malformed");
                }
                if secured {
                    add(op, "401", "Missing, malformed or expired access token");
                    add(op, "403", "The caller may see this but not do it, or has no role for it");
                    add(op, "404", "No such record, one of another agency, or the account has no employee of its own");
                }
                if has_params {
                    add(op, "422", "A parameter is well-formed but out of range; `errors` names it");
                }
                if has_body {
                    add(op, "413", "The body is larger than the limit");
                    add(op, "415", "The body is not application/json");
                    add(op, "422", "A field is invalid; `errors` names each one");
                }
                if analysis {
                    add(
                        op,
                        "429",
                        "The account made more analysis requests this minute than the policy allows \
                         (`EKINERJA_ANALYSIS_PER_MINUTE`); `Retry-After` says when to ask again",
                    );
                }
                add(op, "500", "Internal error");
                add(
                    op,
                    "503",
                    "The database is unavailable (for example restarting); `Retry-After` says when to try again. \
                     Nothing was acknowledged: retry the request",
                );
                if writes {
                    add(op, "507", "The database's disk is full: nothing was written, and what was stored is intact");
                }
            }
        }
    }
}

/// The document as YAML, as committed in `openapi.yaml`, readable the same by YAML 1.1 parsers
/// (see [`yaml11_safe`]).
pub fn yaml() -> String {
    match ApiDoc::openapi().to_yaml() {
        Ok(text) => yaml11_safe(&text),
        Err(e) => format!("# error rendering the OpenAPI document: {e}\n"),
    }
}

/// Quotes the plain scalars that a YAML 1.1 parser (PyYAML, many code generators) reads as
/// something other than the string YAML 1.2 reads: times such as `10:30` (the sexagesimal
/// integer 630), dates and timestamps (date objects), and `yes`, `no`, `on`, `off`, `y`, `n`
/// (booleans). Block scalars (descriptions after `|`) are left as they are.
pub fn yaml11_safe(yaml: &str) -> String {
    let mut out = String::with_capacity(yaml.len() + 256);
    // The indentation of the line that opened a block scalar, while inside it.
    let mut block: Option<usize> = None;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(opened) = block {
            if line.trim().is_empty() || indent > opened {
                out.push_str(line);
                out.push('\n');
                continue;
            }
            block = None;
        }
        let (head, value) = split_value(line);
        if value.starts_with('|') || value.starts_with('>') {
            block = Some(indent);
        }
        out.push_str(head);
        if yaml11_reads_otherwise(value) {
            out.push('\'');
            out.push_str(value);
            out.push('\'');
        } else {
            out.push_str(value);
        }
        out.push('\n');
    }
    out
}

/// A line as the part up to its plain value (`key: `, `- `, or both) and the value.
fn split_value(line: &str) -> (&str, &str) {
    let mut at = line.len() - line.trim_start().len();
    while line[at..].starts_with("- ") {
        at += 2;
    }
    let rest = &line[at..];
    let key_end = if let Some(quoted) = rest.strip_prefix('\'') {
        quoted.find("':").map(|i| i + 3)
    } else if let Some(quoted) = rest.strip_prefix('"') {
        quoted.find("\":").map(|i| i + 3)
    } else {
        rest.find(": ").map(|i| i + 1).or_else(|| rest.ends_with(':').then_some(rest.len()))
    };
    match key_end {
        Some(end) => {
            let after = &rest[end..];
            let value = after.trim_start();
            line.split_at(at + end + (after.len() - value.len()))
        }
        None => line.split_at(at),
    }
}

/// Whether a plain scalar means something else than its text to a YAML 1.1 parser.
fn yaml11_reads_otherwise(value: &str) -> bool {
    const BOOLEANS: [&str; 22] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "true",
        "True", "TRUE", "false", "False", "FALSE",
    ];
    if value.is_empty() || value.starts_with(['\'', '"', '|', '>', '[', '{', '&', '*', '!']) {
        return false;
    }
    if BOOLEANS[..16].contains(&value) {
        return true;
    }
    let digits_and = |extra: &[char]| value.chars().all(|c| c.is_ascii_digit() || extra.contains(&c));
    // 10:30, 1:02:03 (base 60), also with a sign or a fraction.
    let unsigned = value.trim_start_matches(['-', '+']);
    let sexagesimal = unsigned.contains(':')
        && unsigned.starts_with(|c: char| c.is_ascii_digit())
        && unsigned.chars().all(|c| c.is_ascii_digit() || matches!(c, ':' | '_' | '.'));
    // 2026-11-01, 2026-11-01T08:00:00Z, 2026-11-01 08:00:00+07:00
    let date = value.len() >= 10
        && value.as_bytes()[4] == b'-'
        && value[..4].chars().all(|c| c.is_ascii_digit())
        && digits_and(&['-', ':', 'T', 't', 'Z', 'z', '.', '+', ' ']);
    sexagesimal || date
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_yaml_1_1_reads_otherwise_are_quoted_and_nothing_else_changes() {
        let before = "\
a:
  example: 10:30
  start: 08:00
  day: 2026-11-01
  at: 2026-11-01T08:00:00+07:00
  flag: yes
  off: off
  list:
  - 16:00
  - - 1:02:03
  '200':
    description: 10:30
  count: 630
  version: 1.2.3
  kept: '10:30'
  also: \"no\"
  real: true
  url: http://127.0.0.1:8080/docs
  text: |-
    starts: 10:30
    yes
  next: on
";
        let after = "\
a:
  example: '10:30'
  start: '08:00'
  day: '2026-11-01'
  at: '2026-11-01T08:00:00+07:00'
  flag: 'yes'
  off: 'off'
  list:
  - '16:00'
  - - '1:02:03'
  '200':
    description: '10:30'
  count: 630
  version: 1.2.3
  kept: '10:30'
  also: \"no\"
  real: true
  url: http://127.0.0.1:8080/docs
  text: |-
    starts: 10:30
    yes
  next: 'on'
";
        assert_eq!(yaml11_safe(before), after);
    }
}
