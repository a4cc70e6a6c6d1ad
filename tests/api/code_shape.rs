//! Checks on the shape of the code that the compiler cannot make: a stored or answered word (a
//! status, kind, role or state) is a typed enum in persistence rows and api views, never text.

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
    ) || name.ends_with("_status")
        || name.ends_with("_kind")
        || name.ends_with("_rating")
        || ["position_type", "employment_type", "time_zone", "evaluation_cadence", "pending_reason"].contains(&name)
}

/// Word-named fields that are text on purpose: (file, field, why).
const TEXT_ON_PURPOSE: &[(&str, &str, &str)] = &[(
    "persistence/src/allowance_run.rs",
    "breakdown",
    "a run line's breakdown is its explanation as JSON, not a word",
)];

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

#[test]
fn words_in_rows_and_views_are_typed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for crate_dir in ["persistence/src", "api/src", "demo/src", "bench/src"] {
        rust_files(&root.join(crate_dir), &mut files);
    }
    assert!(files.len() > 20, "the sources are found: {}", files.len());
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            let Some(field) = line.strip_prefix("pub ").or_else(|| line.strip_prefix("pub(crate) ")) else { continue };
            let Some((name, ty)) = field.split_once(": ") else { continue };
            let ty = ty.trim_end_matches(',');
            let text_typed = ["String", "Option<String>", "&str", "Option<&str>"].contains(&ty);
            let place = format!("{}:{}", file.strip_prefix(&root).unwrap_or(file).display(), n + 1);
            let on_purpose =
                TEXT_ON_PURPOSE.iter().any(|(f, field, _)| place.starts_with(&format!("{f}:")) && name == *field);
            if is_word_field(name) && text_typed && !on_purpose {
                found.push(format!("{place} `{name}: {ty}`"));
            }
        }
    }
    assert!(found.is_empty(), "word fields typed as text:\n{}", found.join("\n"));
}

#[test]
fn the_check_sees_a_text_word() {
    assert!(is_word_field("status") && is_word_field("agreement_status") && is_word_field("position_type"));
    assert!(!is_word_field("review_reason") && !is_word_field("name"));
}
