//! What the summaries kept with the facts share: the days of attendance
//! ([`crate::attendance_day`]) and of logs ([`crate::log_day`]) are checked against the facts
//! they sum the same way.

use std::collections::BTreeMap;

/// A stored summary row beside the row its facts make; `None` where there is no such row.
#[derive(Debug)]
pub struct Disagreement<T> {
    pub stored: Option<T>,
    pub computed: Option<T>,
}

/// Every row on which `stored` and `computed` differ, both ways, matched by `key`.
pub(crate) fn compare<T: PartialEq, K: Ord>(
    stored: Vec<T>,
    computed: Vec<T>,
    key: impl Fn(&T) -> K,
) -> Vec<Disagreement<T>> {
    let mut stored: BTreeMap<K, T> = stored.into_iter().map(|d| (key(&d), d)).collect();
    let mut out = Vec::new();
    for c in computed {
        match stored.remove(&key(&c)) {
            Some(s) if s == c => {}
            s => out.push(Disagreement { stored: s, computed: Some(c) }),
        }
    }
    out.extend(stored.into_values().map(|s| Disagreement { stored: Some(s), computed: None }));
    out
}
