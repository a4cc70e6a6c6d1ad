//! The committed `openapi.yaml` is what the code generates. Regenerate with `make openapi`.

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
    let doc: serde_json::Value =
        serde_json::to_value(<ekinerja_api::openapi::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
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
    let doc: serde_json::Value =
        serde_json::to_value(<ekinerja_api::openapi::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let schema = &p["schema"];
                match p["name"].as_str() {
                    Some("limit") => {
                        assert_eq!(
                            (&schema["minimum"], &schema["maximum"]),
                            (&1.into(), &200.into()),
                            "{method} {path}"
                        );
                        seen += 1;
                    }
                    Some("cursor") => {
                        assert!(
                            schema["format"] == "uuid" || schema["pattern"].is_string(),
                            "{method} {path}: {schema}"
                        );
                        seen += 1;
                    }
                    _ => {}
                }
            }
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
    let doc: serde_json::Value =
        serde_json::to_value(<ekinerja_api::openapi::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
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
