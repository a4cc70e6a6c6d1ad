//! CSV files for HR offices: UTF-8 with a header row, `text/csv; charset=utf-8`, a file name in
//! `Content-Disposition`, cells escaped against formula injection, and NIPs kept as text.

use actix_web::http::header;
use actix_web::HttpResponse;

/// A cell as spreadsheets must read it: one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is prefixed with `'` so it is never evaluated as a formula.
pub fn cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// An 18-digit NIP as a text formula (`="198204032004011644"`), so that a spreadsheet keeps every
/// digit instead of showing `1.98E+17`. Only digits are ever written this way.
pub fn nip(value: &str) -> String {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        format!("=\"{value}\"")
    } else {
        cell(value)
    }
}

/// Builds a CSV file from a header and rows of already-escaped cells.
pub fn file(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, String> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(header).map_err(|e| e.to_string())?;
    for row in rows {
        w.write_record(&row).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// The response carrying a CSV file named `name`.
pub fn respond(name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_nips_stay_text() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("-5"), "'-5");
        assert_eq!(cell("Budi"), "Budi");
        assert_eq!(nip("198204032004011644"), "=\"198204032004011644\"");
        assert_eq!(nip("=1+1"), "'=1+1");
        let f = file(&["nip", "nama"], [vec![nip("198204032004011644"), cell("Sari, S.Kom")]]).unwrap();
        assert_eq!(String::from_utf8(f).unwrap(), "nip,nama\n\"=\"\"198204032004011644\"\"\",\"Sari, S.Kom\"\n");
    }
}
