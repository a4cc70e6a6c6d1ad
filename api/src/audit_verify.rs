//! `ekinerja audit-verify`: checks the tamper-evident audit trail straight in the database and
//! names the first broken link of each chain.

use ekinerja_persistence::{audit, DbConnection};

/// What the command prints, and whether every chain checked is whole.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub text: String,
    pub whole: bool,
}

/// Checks the chain of `agency` (an agency id, or `platform`), or every chain when `None`.
pub fn run(conn: &mut DbConnection, agency: Option<&str>) -> Result<Verdict, String> {
    let keys = match agency {
        Some(a) => vec![a.trim().to_owned()],
        None => audit::chain_keys(conn).map_err(|e| e.to_string())?,
    };
    let mut text = String::new();
    let mut whole = true;
    for key in keys {
        let r = audit::verify_chain(conn, &key).map_err(|e| e.to_string())?;
        let unchained = if r.unchained > 0 {
            format!("; {} earlier event(s) from before the chain began are not covered", r.unchained)
        } else {
            String::new()
        };
        match r.broken {
            None => text.push_str(&format!("chain {key}: {} link(s), whole{unchained}\n", r.links)),
            Some(b) => {
                whole = false;
                let event = b.event_id.map(|e| format!(" (event {e})")).unwrap_or_default();
                text.push_str(&format!(
                    "chain {key}: BROKEN at link {}{event}: {}; {} link(s) before it hold{unchained}\n",
                    b.chain_seq, b.reason, r.links
                ));
            }
        }
    }
    if text.is_empty() {
        text.push_str("no audit chain to check\n");
    }
    Ok(Verdict { text, whole })
}
