//! Field-by-field differences between two policies: both are turned into JSON, flattened into
//! paths (`behavior.scale_up.policies[0].value`) with their JSON text, and compared.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One changed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Engine path of the field.
    pub path: String,
    /// JSON text before (`None`: the field did not exist).
    pub before: Option<String>,
    /// JSON text after (`None`: the field was removed).
    pub after: Option<String>,
}

/// Leaves of `value` as (path, JSON text), in document order.
pub fn flatten(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(value, String::new(), &mut out);
    out
}

fn walk(value: &Value, path: String, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, p, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{path}[{i}]"), out);
            }
        }
        leaf => out.push((path, leaf.to_string())),
    }
}

/// Every field that differs between `before` and `after` (either may be absent), in the
/// order of `after` and then the removed fields in the order of `before`.
pub fn diff<T: Serialize>(before: Option<&T>, after: &T) -> Vec<Change> {
    let to = |v: &T| {
        serde_json::to_value(v)
            .map(|v| flatten(&v))
            .unwrap_or_default()
    };
    let old = before.map(to).unwrap_or_default();
    let new = to(after);
    let mut out = Vec::new();
    for (path, text) in &new {
        let prev = old.iter().find(|(p, _)| p == path).map(|(_, t)| t);
        if prev != Some(text) {
            out.push(Change {
                path: path.clone(),
                before: prev.cloned(),
                after: Some(text.clone()),
            });
        }
    }
    for (path, text) in &old {
        if !new.iter().any(|(p, _)| p == path) {
            out.push(Change {
                path: path.clone(),
                before: Some(text.clone()),
                after: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebb_engine::{Behavior, Policy};

    #[test]
    fn identical_policies_have_no_changes() {
        let p = Policy::default();
        assert!(diff(Some(&p), &p).is_empty());
    }

    #[test]
    fn changed_added_and_removed_fields_are_listed_by_path() {
        let a = Policy {
            max_replicas: 10,
            ..Policy::default()
        };
        let b = Policy {
            max_replicas: 12,
            behavior: Some(Behavior::default()),
            ..Policy::default()
        };
        let changes = diff(Some(&a), &b);
        let max = changes
            .iter()
            .find(|c| c.path == "max_replicas")
            .expect("max changed");
        assert_eq!(
            (max.before.as_deref(), max.after.as_deref()),
            (Some("10"), Some("12"))
        );
        let window = changes
            .iter()
            .find(|c| c.path == "behavior.scale_down.stabilization_window_secs")
            .expect("behavior added");
        assert_eq!(
            (window.before.as_deref(), window.after.as_deref()),
            (None, Some("300"))
        );
        let back = diff(Some(&b), &a);
        assert!(back
            .iter()
            .any(|c| c.path == "behavior" && c.after.as_deref() == Some("null")));
        assert!(back
            .iter()
            .any(|c| c.path.starts_with("behavior.scale_up") && c.after.is_none()));
    }

    #[test]
    fn a_first_version_lists_every_field_as_new() {
        let changes = diff(None, &Policy::default());
        assert!(changes.iter().all(|c| c.before.is_none()));
        assert!(changes.iter().any(|c| c.path == "min_replicas"));
    }
}
