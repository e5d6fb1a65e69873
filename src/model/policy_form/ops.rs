//! Adding and removing rows of the form's lists (metrics, rate policies, step rules and their
//! steps, schedules, pauses). The browser applies these at once; with JavaScript off the add
//! and remove buttons post the form and the server applies the same operation.

use std::collections::BTreeMap;

use super::FormFields;

/// Index of the row that `key` belongs to under `list`, and the rest of the key.
fn row_of<'k>(key: &'k str, list: &str) -> Option<(usize, &'k str)> {
    let rest = key.strip_prefix(list)?.strip_prefix('[')?;
    let end = rest.find(']')?;
    let idx = rest[..end].parse().ok()?;
    Some((idx, &rest[end + 1..]))
}

pub(super) fn rows(f: &FormFields, list: &str) -> Vec<usize> {
    let mut out: Vec<usize> =
        f.0.keys()
            .filter_map(|k| row_of(k, list).map(|(i, _)| i))
            .collect();
    out.sort_unstable();
    out.dedup();
    out
}

pub(super) fn apply(f: &mut FormFields, op: &str) -> bool {
    if let Some(list) = op.strip_prefix("add:") {
        return add(f, list);
    }
    if let Some(rest) = op.strip_prefix("remove:") {
        if let Some((list, idx)) = rest.rsplit_once(':') {
            if let Ok(idx) = idx.parse() {
                return remove(f, list, idx);
            }
        }
    }
    false
}

/// Fields of a new row, by the list's last name.
fn template(list: &str) -> Option<&'static [(&'static str, &'static str)]> {
    let last = list
        .rsplit('[')
        .next()
        .unwrap_or(list)
        .trim_end_matches(']');
    Some(match last {
        "metrics" => &[
            ("name", ""),
            ("source", "resource"),
            ("resource", "cpu"),
            ("metric", ""),
            ("target_type", "utilization"),
            ("target_value", ""),
        ],
        "policies" => &[("kind", "percent"), ("value", ""), ("period_secs", "15")],
        "step_rules" => &[
            ("metric", ""),
            ("min_adjustment_magnitude", ""),
            ("steps][0][adjustment_type", "change_in_capacity"),
            ("steps][0][adjustment_value", ""),
        ],
        "steps" => &[
            ("lower", ""),
            ("upper", ""),
            ("adjustment_type", "change_in_capacity"),
            ("adjustment_value", ""),
        ],
        "schedules" => &[
            ("name", ""),
            ("cron", ""),
            ("timezone", "UTC"),
            ("duration_secs", "3600"),
            ("min_replicas", ""),
            ("max_replicas", ""),
        ],
        "pauses" => &[("direction", "both"), ("until", ""), ("reason", "")],
        _ => return None,
    })
}

fn add(f: &mut FormFields, list: &str) -> bool {
    let Some(fields) = template(list) else {
        return false;
    };
    let next = rows(f, list).last().map_or(0, |i| i + 1);
    for (name, value) in fields {
        f.set(format!("{list}[{next}][{name}]"), *value);
    }
    true
}

fn remove(f: &mut FormFields, list: &str, idx: usize) -> bool {
    if template(list).is_none() {
        return false;
    }
    let mut out = BTreeMap::new();
    for (k, v) in std::mem::take(&mut f.0) {
        match row_of(&k, list) {
            Some((i, _)) if i == idx => {}
            Some((i, rest)) if i > idx => {
                out.insert(format!("{list}[{}]{rest}", i - 1), v);
            }
            _ => {
                out.insert(k, v);
            }
        }
    }
    f.0 = out;
    true
}
