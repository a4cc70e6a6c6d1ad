//! The committed `openapi.yaml` is what the code generates. Regenerate with `make openapi`.

/// The code's OpenAPI document, as JSON.
fn document() -> serde_json::Value {
    serde_json::to_value(<ekinerja_api::openapi::ApiDoc as utoipa::OpenApi>::openapi()).unwrap()
}

/// Every parameter of every operation of `doc`, with the operation's method and path.
fn parameters(doc: &serde_json::Value) -> Vec<(&str, &str, &serde_json::Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.extend(op["parameters"].as_array().into_iter().flatten().map(|p| (method.as_str(), path.as_str(), p)));
        }
    }
    out
}

#[test]
fn committed_openapi_yaml_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = ekinerja_api::openapi::yaml();
    assert!(
        committed == generated,
        "openapi.yaml differs from the code's document: run `make openapi` and commit the result"
    );
}

#[test]
fn every_operation_has_an_id_a_summary_a_tag_and_error_responses() {
    let doc = document();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(id.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{id} is not snake_case");
            assert!(op["summary"].is_string(), "{id} has no summary");
            let description = op["description"].as_str().unwrap_or_default();
            assert!(
                description.starts_with("Who may call: ") && !description.contains("Who may call: nobody"),
                "{id} does not say who may call it (api/src/who.rs): {description:?}"
            );
            assert_eq!(op["tags"].as_array().map(Vec::len), Some(1), "{id} needs exactly one tag");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{id} lacks its error responses");
            for (status, r) in responses {
                assert!(r["description"].as_str().is_some_and(|d| !d.is_empty()), "{id} {status} has no description");
            }
            if path.starts_with("/api/v1/") && !path.starts_with("/api/v1/auth/") {
                assert!(op["security"].is_array(), "{id} declares no security");
                assert!(responses.contains_key("401"), "{id} lacks 401");
            }
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// A generated client validates paging as the server does (issue 20): every `limit` states the
/// range `page_request` enforces, and every `cursor` the form it parses.
#[test]
fn every_page_parameter_states_what_the_server_accepts() {
    let doc = document();
    let mut seen = 0;
    for (method, path, p) in parameters(&doc) {
        let schema = &p["schema"];
        match p["name"].as_str() {
            Some("limit") => {
                assert_eq!((&schema["minimum"], &schema["maximum"]), (&1.into(), &200.into()), "{method} {path}");
                seen += 1;
            }
            Some("cursor") => {
                assert!(schema["format"] == "uuid" || schema["pattern"].is_string(), "{method} {path}: {schema}");
                seen += 1;
            }
            _ => {}
        }
    }
    assert!(seen > 40, "only {seen} page parameters found");
}

/// Every free-text field a request carries states the form the domain accepts (issue 20): a name,
/// a description or a code, each with the domain's pattern; and no text the pattern admits is
/// refused by the domain's parser.
#[test]
fn text_patterns_are_the_domains_and_admit_nothing_it_refuses() {
    use ekinerja_domain::{Code, Description, Name};
    let doc = document();
    let mut used = std::collections::BTreeMap::<String, usize>::new();
    fn walk(v: &serde_json::Value, used: &mut std::collections::BTreeMap<String, usize>) {
        match v {
            serde_json::Value::Object(o) => {
                if let Some(p) = o.get("pattern").and_then(|p| p.as_str()) {
                    *used.entry(p.to_owned()).or_default() += 1;
                }
                o.values().for_each(|v| walk(v, used));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, used)),
            _ => {}
        }
    }
    walk(&doc["components"]["schemas"], &mut used);
    for pattern in [Name::PATTERN, Description::PATTERN, Code::PATTERN] {
        assert!(used.get(pattern).is_some_and(|n| *n >= 2), "{pattern} is not in the document's schemas");
    }
    for pattern in used.keys().filter(|p| p.contains("\\u0000")) {
        assert!(pattern == Name::PATTERN || pattern == Description::PATTERN, "{pattern} is none of the domain's");
    }
    let samples = [
        "Dinas Kesehatan",
        "  Sub Bagian Umum  ",
        "Rapat koordinasi\nbersama Bappeda",
        "tab\there",
        "",
        "   ",
        "\n",
        "bell\u{7}",
        "next line\u{85}",
        "KAB-KDR",
        "dinkes.bid_2",
        "Kepala Bidang Pelayanan Kesehatan é ü ñ",
        "\u{feff}",
    ];
    let agrees = |pattern: &str, parse: &dyn Fn(&str) -> bool| {
        let re = regex::Regex::new(pattern).unwrap();
        for s in samples {
            if re.is_match(s) {
                assert!(parse(s), "{pattern} admits {s:?}, which the domain refuses");
            }
        }
        for s in ["Dinas Kesehatan", "KAB-KDR"] {
            assert!(re.is_match(s) || pattern == Code::PATTERN, "{pattern} refuses {s:?}");
        }
    };
    agrees(Name::PATTERN, &|s| Name::parse(s).is_ok());
    agrees(Description::PATTERN, &|s| Description::parse(s).is_ok());
    agrees(Code::PATTERN, &|s| Code::parse(s).is_ok());
    assert!(regex::Regex::new(Description::PATTERN).unwrap().is_match("Rapat\nbersama"));
    assert!(!regex::Regex::new(Name::PATTERN).unwrap().is_match("Rapat\nbersama"));
}

/// Every change that names the version it edits states the form of an ETag (issue 20), and every
/// ETag the server writes has that form, so a generated client validates `If-Match` as the server
/// reads it.
#[test]
fn every_if_match_states_the_form_of_the_etags_the_server_writes() {
    use ekinerja_api::extract::{etag, ETAG_PATTERN};
    let doc = document();
    let mut seen = 0;
    for (method, path, p) in parameters(&doc).into_iter().filter(|(_, _, p)| p["name"] == "If-Match") {
        assert_eq!(p["in"], "header", "{method} {path}");
        assert_eq!(p["required"], true, "{method} {path}");
        assert_eq!(p["schema"]["pattern"], ETAG_PATTERN, "{method} {path}");
        seen += 1;
    }
    assert!(seen >= 21, "only {seen} If-Match parameters found");
    let re = regex::Regex::new(ETAG_PATTERN).unwrap();
    for v in [1, 2, 10, 123_456, i32::MAX] {
        assert!(re.is_match(&etag(v)), "{} is not of the stated form", etag(v));
        assert!(re.is_match(&format!("W/{}", etag(v))), "the weak form of {} is not", etag(v));
    }
    for other in ["", "v1", "\"1\"", "\"v\"", "\"v1\" ", "*"] {
        assert!(!re.is_match(other), "{other:?} is not an ETag the server writes");
    }
}

/// The links a request carries (a webhook's URL, evidence) state the form the domain accepts
/// (issue 20): on every sample, the pattern (with the 2,000-character limit) and the domain's
/// parser agree, so a generated client refuses exactly what the server refuses.
#[test]
fn url_patterns_are_exactly_what_the_domain_accepts() {
    use ekinerja_domain::daily_log::EvidenceUrl;
    use ekinerja_domain::notification::EndpointUrl;
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    for (schema, field, pattern) in [
        ("Subscribe", "url", EndpointUrl::PATTERN),
        ("UpdateSubscription", "url", EndpointUrl::PATTERN),
        ("AssessBody", "evidence_url", EvidenceUrl::PATTERN),
        ("LogPatch", "evidence_url", EvidenceUrl::PATTERN),
    ] {
        let p = &schemas[schema]["properties"][field];
        assert_eq!(p["pattern"], pattern, "{schema}.{field}");
        assert_eq!(p["maxLength"], 2000, "{schema}.{field}");
    }
    let long = format!("https://example.org/{}", "a".repeat(1980));
    let too_long = format!("https://example.org/{}", "a".repeat(1981));
    let samples = [
        "https://notif.kominfo.sukamajukab.go.id/hooks/ekinerja",
        "http://10.20.0.5:8080/hook?x=1",
        "http://a?x",
        "https://-x/",
        "https://[2001:db8::1]:443/a",
        "https://[::1]/",
        "https://[::]/",
        "https://[1:2:3:4:5:6:7::]/",
        "https://[::1:2:3:4:5:6:7]/",
        "https://[1::2:3:4:5:6:7]/",
        "https://[1:2:3:4:5:6:7:8]/",
        "https://[1:2:3:4:5:6:7:8:9]/",
        "https://[12345::1]/",
        "https://[::ffff:1.2.3.4]/",
        "https://[fe80::1%25eth0]/",
        "https://[0]/",
        "https://[::1]:/",
        "https://[::1]x/",
        "https://[]/",
        "https://[a@b]/",
        "https://user:pw@example.org/",
        "https://user@[::1]/",
        "https://example.org/a@b",
        "https://example.org/#top",
        "https://example.org/a]b",
        "https://exa]mple.org/",
        "https://example.org/a b",
        "https://example.org/a\u{85}b",
        "https://example.org/a\u{a0}b",
        "https://example.org/a\u{3000}b",
        "https://example.org/a\u{feff}b",
        "https://example.org/caf\u{e9}",
        "https://b\u{fc}cher.example/",
        "https://a\u{ff0f}b/",
        "https://.example.org/",
        "https://exa_mple.org/",
        "https://example.org:/",
        "https://example.org:x/",
        "https://example.org:8080",
        "https://",
        "https:///path",
        "http://?q",
        "ftp://example.org/",
        "HTTPS://example.org/",
        "https://drive.example.go.id/d/1Ab?usp=sharing#x",
        "https://evil\\@good.go.id/",
        "https://example.org/a\\b",
        "https://example.org/{x}",
        "https://example.org/a|b",
        "https://example.org/\"q\"",
        "https://example.org/a^b",
        "https://example.org/?q=[1]",
        "https://example.org/~user/a;b=c,d!e$f&g'h(i)j*k+l%20",
        long.as_str(),
        too_long.as_str(),
    ];
    for (pattern, parse) in [
        (EndpointUrl::PATTERN, &(|s: &str| EndpointUrl::parse(s).is_ok()) as &dyn Fn(&str) -> bool),
        (EvidenceUrl::PATTERN, &|s: &str| EvidenceUrl::parse(s).is_ok()),
    ] {
        let re = regex::Regex::new(pattern).unwrap();
        let mut admitted = 0;
        for s in samples {
            let stated = re.is_match(s) && s.chars().count() <= 2000;
            assert_eq!(stated, parse(s), "{pattern} and the domain disagree on {s:?}");
            admitted += usize::from(stated);
        }
        assert!(admitted >= 12, "{pattern} admits only {admitted} of the samples");
    }
}

/// A maturity threshold states the range the domain checks (issue 20), in the policy and in a
/// change to it, and the domain accepts both ends of that range and refuses just past them.
#[test]
fn maturity_thresholds_state_the_range_the_domain_checks() {
    use ekinerja_domain::maturity::{MaturityPolicy, MaturityPolicyPatch};
    let doc = document();
    for schema in ["MaturityPolicy", "MaturityPolicyPatch"] {
        let fields = doc["components"]["schemas"][schema]["properties"].as_object().unwrap();
        assert_eq!(fields.len(), 9, "{schema}");
        for (name, p) in fields {
            assert_eq!((&p["minimum"], &p["maximum"]), (&1.into(), &10_000.into()), "{schema}.{name}");
        }
    }
    for (value, ok) in [(0, false), (1, true), (10_000, true), (10_001, false)] {
        let fields = serde_json::to_value(MaturityPolicy::default()).unwrap();
        for name in fields.as_object().unwrap().keys() {
            let patch: MaturityPolicyPatch = serde_json::from_value(serde_json::json!({ name: value })).unwrap();
            assert_eq!(patch.problems().is_empty(), ok, "{name} = {value}");
        }
    }
}

#[test]
fn deduction_bands_state_the_range_the_domain_checks() {
    use ekinerja_domain::allowance::{AgencyPolicy, MAX_BAND_MINUTES};
    let band = &document()["components"]["schemas"]["Band"]["properties"]["up_to_minutes"];
    assert_eq!((&band["minimum"], &band["maximum"]), (&1.into(), &MAX_BAND_MINUTES.into()));
    for (minutes, ok) in [(0, false), (1, true), (MAX_BAND_MINUTES, true), (MAX_BAND_MINUTES + 1, false)] {
        let mut policy = AgencyPolicy::default();
        policy.discipline.bands = vec![(minutes, 50)];
        assert_eq!(policy.problems(450).is_empty(), ok, "{minutes}");
    }
}

/// A distribution rule's bound refuses a key it does not know (serde's `deny_unknown_fields`), and
/// its schema says so for each of its forms, as every other body that refuses unknown keys does.
#[test]
fn a_bound_states_that_it_takes_no_other_keys() {
    use ekinerja_domain::evaluation::Bound;
    let doc = document();
    let forms = doc["components"]["schemas"]["Bound"]["oneOf"].as_array().cloned().unwrap_or_default();
    assert_eq!(forms.len(), 3, "{}", doc["components"]["schemas"]["Bound"]);
    for form in &forms {
        assert_eq!(form["additionalProperties"], false, "{form}");
    }
    let taken: Result<Bound, _> = serde_json::from_value(serde_json::json!({"kind": "at_most_bp", "value": 2000}));
    assert_eq!(taken.ok(), Some(Bound::AtMostBp(2000)));
    let extra = serde_json::json!({"kind": "at_most_bp", "value": 2000, "note": "x"});
    assert!(serde_json::from_value::<Bound>(extra).is_err());
}

/// The examples the contract gives for a file and a password are ones the server takes as they
/// stand: each CSV example's header names every column its import requires, and its lines are
/// read (a dry run as the agency's admin, beside a unit and a post such as the examples name); the
/// password example is accepted for a new account and for a reset. A client that starts from an
/// example, and the fuzzer's examples phase, then meet the import's rules rather than a refusal of
/// the whole file.
#[actix_web::test]
async fn file_and_password_examples_are_taken_as_they_stand() {
    let app = ekinerja_tests::TestApp::spawn().await;
    let agency = app.agency("KAB-CONTOH").await;
    let admin = app.agency_admin(&agency, "admin.contoh").await;
    let unit = app
        .post("/api/v1/org-units", &admin, serde_json::json!({"code": "DINKES-BID2", "name": "Bidang Pelayanan"}))
        .await
        .assert_status(201)
        .id();
    let post = app.position(&admin, &unit, "Pengadministrasi Umum", "pelaksana", 7, None).await;
    let doc = document();
    let csv = |path: &str| {
        doc["paths"][path]["post"]["requestBody"]["content"]["text/csv"]["example"].as_str().map(str::to_owned)
    };
    let imports = [
        ("/api/v1/imports/employees", "?dry_run=true".to_owned()),
        ("/api/v1/imports/attendance", "?dry_run=true".to_owned()),
        ("/api/v1/positions/{id}/activities/import", "?dry_run=true".to_owned()),
        ("/api/v1/rosters/import", "?dry_run=true&month=2026-11".to_owned()),
    ];
    for (path, query) in imports {
        let example = csv(path).unwrap_or_else(|| panic!("{path} gives no CSV example"));
        let res = app
            .req(actix_web::http::Method::POST, &format!("{}{query}", path.replace("{id}", &post)))
            .token(&admin)
            .raw("text/csv", example)
            .send()
            .await;
        res.assert_status(200);
        // The employees' and the catalogue's examples are taken whole; the attendance and roster
        // lines are refused for their NIP alone (the employee they name is not this agency's),
        // so every other cell of them is read as the import reads it.
        let refused = res.body["errors"].as_array().expect("errors").clone();
        assert!(
            refused.iter().all(|e| e["line"].as_u64().unwrap_or(0) >= 2 && e["column"] == "nip"),
            "{path}: {refused:?}"
        );
        if path.contains("employees") || path.contains("activities") {
            assert!(refused.is_empty(), "{path}: {refused:?}");
        }
    }
    let property =
        |schema: &str, name: &str| doc["components"]["schemas"][schema]["properties"][name]["example"].clone();
    let account = serde_json::json!({
        "role": "agency_admin",
        "agency_id": agency,
        "username": property("CreateAccount", "username"),
        "password": property("CreateAccount", "password"),
    });
    let created = app.post("/api/v1/accounts", &app.root, account).await;
    created.assert_status(201);
    let reset = serde_json::json!({"new_password": property("ResetPassword", "new_password")});
    app.post(&format!("/api/v1/accounts/{}/password", created.id()), &app.root, reset).await.assert_status(204);
}

/// A password of one character repeated is refused by the server as common, and the contract says
/// so on every password a body sets (`not` a pattern of one character repeated), so that a
/// generated form refuses it before sending.
#[actix_web::test]
async fn a_password_of_one_character_repeated_is_refused_by_the_contract_and_the_server() {
    let doc = document();
    for (schema, field) in
        [("ChangePassword", "new_password"), ("ResetPassword", "new_password"), ("CreateAccount", "password")]
    {
        let property = &doc["components"]["schemas"][schema]["properties"][field];
        assert_eq!(property["not"]["pattern"], "^(.)\\1*(?![\\s\\S])", "{schema}.{field}: {property}");
        assert_eq!(property["minLength"], 10, "{schema}.{field}: {property}");
    }
    let app = ekinerja_tests::TestApp::spawn().await;
    let agency = app.agency("KAB-ULANG").await;
    let account = serde_json::json!({
        "role": "agency_admin", "agency_id": agency, "username": "admin.ulang", "password": "zzzzzzzzzzzz",
    });
    app.post("/api/v1/accounts", &app.root, account).await.assert_invalid("#/password");
}

/// The rules between fields that the contract states (`allOf` entries of `if`/`then`/`else`) are
/// the server's: a body each rule refuses is refused by the server, with the field named.
#[actix_web::test]
async fn the_rules_between_fields_the_contract_states_are_the_servers() {
    let doc = document();
    let rules = [
        ("CreateLeaveRequest", 1),
        ("RegisterDevice", 1),
        ("SetSchedule", 1),
        ("CreateAccount", 4),
        ("NewLog", 3),
        ("LogPatch", 4),
        ("OpenPeriod", 2),
        ("PatchDevice", 1),
    ];
    for (schema, rules) in rules {
        let stated = doc["components"]["schemas"][schema]["allOf"].as_array().map_or(0, Vec::len);
        assert_eq!(stated, rules, "{schema}: {}", doc["components"]["schemas"][schema]);
    }
    // A log written alone is judged whole; a batch's items stay loose (judged item by item).
    let body = |path: &str| doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"].clone();
    assert_eq!(body("/api/v1/daily-logs")["$ref"], "#/components/schemas/NewLog");
    assert!(doc["components"]["schemas"]["LogBody"].get("allOf").is_none());
    let app = ekinerja_tests::TestApp::spawn().await;
    let org = app.org("RULES", 6900).await;
    // A log: a time range has its end, and serves a planned result or an additional duty.
    let half = serde_json::json!({"date": "2026-12-07", "start_time": "08:00", "duration_minutes": 30,
        "description": "Rapat", "output_quantity": 1, "additional_duty": true});
    app.post("/api/v1/daily-logs", &org.staff1.token, half).await.assert_invalid("#/end_time");
    let aimless = serde_json::json!({"date": "2026-12-07", "duration_minutes": 30, "description": "Rapat",
        "output_quantity": 1, "additional_duty": false});
    app.post("/api/v1/daily-logs", &org.staff1.token, aimless).await.assert_invalid("#/planned_result_id");
    let post = |path: &'static str, body: serde_json::Value| {
        let token = org.admin.clone();
        let app = &app;
        async move { app.post(path, &token, body).await }
    };
    // Leave: other leave than a permission has no window.
    let leave = serde_json::json!({"employee_id": org.staff1.id, "kind": "annual", "starts_on": "2026-12-07",
        "ends_on": "2026-12-07", "reason": "Urusan keluarga", "starts_at": "08:00", "ends_at": "10:00"});
    post("/api/v1/leave-requests", leave).await.assert_invalid("#/starts_at");
    // A machine names its sources, or allows any and names none; a source is an address.
    let device = |extra: serde_json::Value| {
        let mut body = serde_json::json!({"serial_number": "CKJH194560999", "name": "Mesin lobi"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    post("/api/v1/attendance-devices", device(serde_json::json!({}))).await.assert_invalid("#/allowed_sources");
    post(
        "/api/v1/attendance-devices",
        device(serde_json::json!({"allow_any_source": true, "allowed_sources": ["10.0.0.1"]})),
    )
    .await
    .assert_invalid("#/allow_any_source");
    post("/api/v1/attendance-devices", device(serde_json::json!({"allowed_sources": ["gateway"]})))
        .await
        .assert_invalid("#/allowed_sources/0");
    let spaced = serde_json::json!({"serial_number": "CKJH 1945", "name": "Mesin", "allow_any_source": true});
    post("/api/v1/attendance-devices", spaced).await.assert_invalid("#/serial_number");
    // A correction that names the sources replaces them by the same rule.
    let open = device(serde_json::json!({"allow_any_source": true}));
    let machine = format!("/api/v1/attendance-devices/{}", post("/api/v1/attendance-devices", open).await.id());
    for sources in [serde_json::json!({"allow_any_source": false}), serde_json::json!({"allowed_sources": []})] {
        app.patch(&machine, &org.admin, sources).await.assert_invalid("#/allowed_sources");
    }
    app.patch(&machine, &org.admin, serde_json::json!({"allowed_sources": null, "allow_any_source": null}))
        .await
        .assert_status(200);
    // A schedule by roster names no hours; any other names a working day at least.
    let hours = serde_json::json!({"monday": {"start": "07:30", "end": "16:00"}});
    let rostered = serde_json::json!({"effective_from": "2026-12-07", "rostered": true, "days": hours});
    post("/api/v1/work-schedules", rostered).await.assert_invalid("#/days");
    post("/api/v1/work-schedules", serde_json::json!({"effective_from": "2026-12-07"})).await.assert_invalid("#/days");
    let idle = serde_json::json!({"effective_from": "2026-12-07", "days": {"monday": null}});
    post("/api/v1/work-schedules", idle).await.assert_invalid("#/days");
    // Accounts: an employee's names the employee, a member's none, and each names one or a username.
    let pw = "Kopi Tubruk Pagi Hari";
    post("/api/v1/accounts", serde_json::json!({"role": "employee", "username": "pegawai.x", "password": pw}))
        .await
        .assert_invalid("#/employee_id");
    let member =
        serde_json::json!({"role": "member", "employee_id": org.staff2.id, "username": "anggota.x", "password": pw});
    post("/api/v1/accounts", member).await.assert_invalid("#/employee_id");
    post("/api/v1/accounts", serde_json::json!({"role": "member", "password": pw})).await.assert_invalid("#/username");
    let platform =
        serde_json::json!({"role": "platform_admin", "agency_id": org.agency, "username": "root.x", "password": pw});
    let res = app.post("/api/v1/accounts", &app.root, platform).await;
    res.assert_invalid("#/agency_id");
}

/// The NIP pattern of a new employee refuses only what the server refuses: each malformed part it
/// can see, and never a NIP the server takes.
#[test]
fn the_nip_pattern_refuses_only_what_the_server_refuses() {
    let doc = document();
    let pattern =
        doc["components"]["schemas"]["CreateEmployee"]["properties"]["nip"]["pattern"].as_str().unwrap().to_owned();
    let re = regex::Regex::new(&pattern).unwrap();
    for taken in ["198204032004011644", "198701302012042307", "000101011900012001", "199912312024122999"] {
        assert!(ekinerja_domain::nip::Nip::parse(taken).is_ok(), "{taken}");
        assert!(re.is_match(taken), "{taken}");
    }
    for refused in [
        "19820403200401164",
        "19820403200401164a",
        "198213032004011644",
        "198204322004011644",
        "198204032004131644",
        "198204032004013644",
        "198204032004011000",
    ] {
        assert!(ekinerja_domain::nip::Nip::parse(refused).is_err(), "{refused}");
        assert!(!re.is_match(refused), "{refused}");
    }
}
