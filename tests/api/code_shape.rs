//! Checks on the shape of the code that the compiler cannot make: a stored or answered word (a
//! status, kind, role or state) is a typed enum in persistence rows and api views, never text;
//! and so is an id this system issues; and only the api layer writes JSON pointers.

use std::path::{Path, PathBuf};

/// Fields that hold a word of the domain by their name.
fn is_word_field(name: &str) -> bool {
    matches!(
        name,
        "status"
            | "kind"
            | "role"
            | "state"
            | "source"
            | "rating"
            | "predicate"
            | "core_value"
            | "acting"
            | "breakdown"
            | "scopes"
            | "action"
            | "decision"
    ) || name.ends_with("_status")
        || name.ends_with("_kind")
        || name.ends_with("_rating")
        || [
            "position_type",
            "employment_type",
            "entity_type",
            "event_type",
            "time_zone",
            "evaluation_cadence",
            "pending_reason",
        ]
        .contains(&name)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Id-named fields that are text on purpose: another system's own ids, and ids of any kind.
const IDS_AS_TEXT: &[(&str, &str)] = &[
    ("source_event_id", "an attendance machine's or e-Presensi's own event id"),
    ("device_id", "the attendance source's own device id"),
    ("client_id", "a phone's own id for a log it made offline"),
    ("request_id", "the caller's X-Request-Id, any token"),
    ("entity_id", "the audit trail names records of every kind"),
];

/// Whether a text field of this name is an id that should be typed.
fn is_untyped_id(name: &str) -> bool {
    (name == "id" || name.ends_with("_id")) && !IDS_AS_TEXT.iter().any(|(f, _)| *f == name)
}

/// Every `pub` field of the sources of rows and views: (file, line, name, type).
fn fields() -> Vec<(String, usize, String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for crate_dir in ["persistence/src", "api/src", "demo/src", "bench/src"] {
        rust_files(&root.join(crate_dir), &mut files);
    }
    assert!(files.len() > 20, "the sources are found: {}", files.len());
    let mut out = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let place = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            let Some(field) = line.strip_prefix("pub ").or_else(|| line.strip_prefix("pub(crate) ")) else { continue };
            let Some((name, ty)) = field.split_once(": ") else { continue };
            out.push((place.clone(), n + 1, name.to_owned(), ty.trim_end_matches(',').to_owned()));
        }
    }
    out
}

fn is_text(ty: &str) -> bool {
    ["String", "Option<String>", "&str", "Option<&str>"].contains(&ty)
}

#[test]
fn ids_in_rows_and_views_are_typed() {
    let found: Vec<String> = fields()
        .into_iter()
        .filter(|(_, _, name, ty)| is_text(ty) && is_untyped_id(name))
        .map(|(file, line, name, ty)| format!("{file}:{line} `{name}: {ty}`"))
        .collect();
    assert!(found.is_empty(), "id fields typed as text:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_a_text_id() {
    assert!(is_untyped_id("id") && is_untyped_id("planned_result_id") && is_untyped_id("agency_id"));
    assert!(!is_untyped_id("source_event_id") && !is_untyped_id("name"));
}

#[test]
fn words_in_rows_and_views_are_typed() {
    let found: Vec<String> = fields()
        .into_iter()
        .filter(|(_, _, name, ty)| is_word_field(name) && is_text(ty))
        .map(|(file, line, name, ty)| format!("{file}:{line} `{name}: {ty}`"))
        .collect();
    assert!(found.is_empty(), "word fields typed as text:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_a_text_word() {
    assert!(is_word_field("status") && is_word_field("agreement_status") && is_word_field("position_type"));
    assert!(is_word_field("action") && is_word_field("entity_type"));
    assert!(!is_word_field("review_reason") && !is_word_field("name"));
}

/// Whether a line of source writes a JSON pointer (a string literal starting `#/`, or `#`).
fn writes_a_pointer(line: &str) -> bool {
    line.contains("\"#/") || line.contains("\"#\"")
}

#[test]
fn only_the_api_writes_json_pointers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for crate_dir in ["domain/src", "persistence/src"] {
        rust_files(&root.join(crate_dir), &mut files);
    }
    assert!(files.len() > 20, "the sources are found: {}", files.len());
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if writes_a_pointer(line) && !line.trim_start().starts_with("//") {
                found.push(format!("{}:{} {}", file.strip_prefix(&root).unwrap_or(file).display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "rules and storage name fields (ekinerja_domain::field::Field), never pointers:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_a_pointer() {
    assert!(writes_a_pointer(r##"StoreError::invalid("#/to", "reversed")"##));
    assert!(writes_a_pointer(r##"parse(&b, "#")"##));
    assert!(!writes_a_pointer(r#"StoreError::invalid("to", "reversed")"#));
}

/// The names of the OpenAPI schemas the sources derive (`ToSchema` types, named as utoipa names
/// them: the type's name, or its `#[schema(as = ...)]`), with where each is defined.
fn schema_names(sources: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (file, text) in sources {
        let mut deriving = false;
        let mut renamed: Option<String> = None;
        for (n, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.starts_with("#[derive(") && t.contains("ToSchema") {
                deriving = true;
            } else if deriving && t.starts_with("#[schema(") && t.contains("as = ") {
                let rest = &t[t.find("as = ").unwrap() + 5..];
                renamed = Some(rest.split([',', ')']).next().unwrap().trim().to_owned());
            } else if deriving && (t.starts_with("pub struct ") || t.starts_with("pub enum ")) {
                let name = t.split_whitespace().nth(2).unwrap_or_default();
                let name = name.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or_default();
                out.push((renamed.take().unwrap_or_else(|| name.to_owned()), format!("{file}:{}", n + 1)));
                deriving = false;
            }
        }
    }
    out
}

/// Two types of one name would be one schema in openapi.yaml: utoipa keeps one of them, and the
/// other's answers stop matching the document (a distribution's `count` was documented as the
/// dashboard's `employees`).
#[test]
fn every_schema_name_is_one_type() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for crate_dir in ["domain/src", "persistence/src", "api/src"] {
        rust_files(&root.join(crate_dir), &mut files);
    }
    let sources: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.strip_prefix(&root).unwrap_or(f).display().to_string(), std::fs::read_to_string(f).unwrap()))
        .collect();
    let names = schema_names(&sources);
    assert!(names.len() > 100, "the schemas are found: {}", names.len());
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut twice = Vec::new();
    for (name, place) in &names {
        if let Some(first) = seen.insert(name, place) {
            twice.push(format!("{name}: {first} and {place}"));
        }
    }
    assert!(twice.is_empty(), "schema names used by two types:\n{}", twice.join("\n"));
}

#[test]
fn the_check_sees_a_schema_name_twice() {
    let a = "#[derive(Debug, Serialize, ToSchema)]\npub struct Count {\n    pub n: i64,\n}\n";
    let b = "/// Doc.\n#[derive(Serialize, ToSchema)]\n#[serde(rename_all = \"snake_case\")]\npub enum Count { A }\n";
    let c = "#[derive(ToSchema)]\n#[schema(as = Tally)]\npub struct Count;\n";
    let names = schema_names(&[("a.rs".into(), a.into()), ("b.rs".into(), b.into()), ("c.rs".into(), c.into())]);
    let names: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Count", "Count", "Tally"]);
}
