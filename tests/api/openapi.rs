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
