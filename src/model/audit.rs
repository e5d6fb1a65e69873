//! An entry of the append-only audit trail, as shown on the Audit page.

use serde::{Deserialize, Serialize};

/// Who changed what, when, with the state before and after (JSON text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    /// UTC, ISO-8601.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    /// The name of the workload, backend or token `target_id` numbers, while it exists.
    pub target_name: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub comment: String,
    /// Client address of the request that made the change (empty for ebb itself).
    pub address: String,
}

/// Kinds of object audit entries are about, as the Audit filter offers them.
pub const OBJECT_KINDS: &[&str] = &["policy", "workload", "backend", "user", "token", "address"];
/// Action families, as the Audit filter offers them (an entry's action starts with one and a
/// dot: `policy.update`).
pub const ACTION_FAMILIES: &[&str] = &[
    "policy", "override", "workload", "backend", "user", "token", "login",
];

/// Filters of the Audit page; empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// Who (exact name, any case).
    pub actor: Option<String>,
    /// An action (`policy.update`) or a family (`policy`).
    pub action: Option<String>,
    /// The kind of object.
    pub kind: Option<String>,
    /// Part of the object's name or id.
    pub object: Option<String>,
    /// Store-format time bounds.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Sign-ins (`login.*`) are left out unless asked for (they outnumber the changes).
    pub with_sign_ins: bool,
    /// Keyset paging: only entries with id below this.
    pub before_id: Option<i64>,
}

impl AuditFilter {
    /// The filter the Audit page's query parameters describe (`actor`, `action`, `kind`,
    /// `object`, `from`, `to`, `tz`, `logins=1`, `before`); a malformed value is an error
    /// naming the parameter.
    pub fn from_query(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<AuditFilter, crate::model::error::FieldError> {
        use crate::model::decision::parse_filter_time;
        use crate::model::error::FieldError;
        let field = |path: &str, message: String| FieldError {
            path: path.into(),
            message,
        };
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let text = |k: &str, max: usize| -> Result<Option<String>, FieldError> {
            match get(k) {
                Some(v) if v.chars().count() > max || v.chars().any(char::is_control) => {
                    Err(field(
                        k,
                        format!("use at most {max} characters, no control characters"),
                    ))
                }
                v => Ok(v),
            }
        };
        let action = match get("action") {
            None => None,
            Some(a) => {
                let family = a.split('.').next().unwrap_or_default();
                let well_formed = a.len() <= 40
                    && a.chars()
                        .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
                if !(well_formed && ACTION_FAMILIES.contains(&family)) {
                    return Err(field(
                        "action",
                        format!(
                            "choose one of {}, or one of their actions such as policy.update",
                            ACTION_FAMILIES.join(", ")
                        ),
                    ));
                }
                Some(a)
            }
        };
        let kind = match get("kind") {
            Some(k) if !OBJECT_KINDS.contains(&k.as_str()) => {
                return Err(field(
                    "kind",
                    format!("choose one of {}", OBJECT_KINDS.join(", ")),
                ))
            }
            k => k,
        };
        let tz = match get("tz") {
            None => 0,
            Some(v) => v
                .parse::<i32>()
                .ok()
                .filter(|m| (-840..=840).contains(m))
                .ok_or_else(|| field("tz", "a UTC offset in minutes (-840 to 840)".into()))?,
        };
        let time = |k: &str| -> Result<Option<String>, FieldError> {
            get(k)
                .map(|v| {
                    parse_filter_time(&v, tz).ok_or_else(|| {
                        field(
                            k,
                            "not a time; use YYYY-MM-DDTHH:MM (or a full ISO-8601 time)".into(),
                        )
                    })
                })
                .transpose()
        };
        let before_id = get("before")
            .map(|v| {
                v.parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| field("before", "not an entry id".into()))
            })
            .transpose()?;
        let logins = matches!(get("logins").as_deref(), Some("1" | "on" | "true"));
        let f = AuditFilter {
            actor: text("actor", 64)?,
            with_sign_ins: logins || action.as_deref().is_some_and(|a| a.starts_with("login")),
            action,
            kind,
            object: text("object", 100)?,
            from: time("from")?,
            to: time("to")?,
            before_id,
        };
        if let (Some(from), Some(to)) = (&f.from, &f.to) {
            if to <= from {
                return Err(field(
                    "to",
                    "the end of the range must be after its start".into(),
                ));
            }
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<AuditFilter, String> {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AuditFilter::from_query(|k| map.get(k).cloned()).map_err(|e| e.path)
    }

    #[test]
    fn audit_filters_parse_and_name_bad_fields() {
        let f = parse(&[
            ("actor", "alice"),
            ("action", "policy"),
            ("kind", "workload"),
            ("object", "web"),
        ])
        .expect("valid");
        assert_eq!(f.actor.as_deref(), Some("alice"));
        assert!(!f.with_sign_ins, "sign-ins hidden by default");
        assert!(parse(&[("action", "login")]).expect("login").with_sign_ins);
        assert!(parse(&[("logins", "1")]).expect("logins").with_sign_ins);
        for (k, v) in [
            ("action", "drop table"),
            ("action", "evil.thing"),
            ("kind", "planet"),
            ("from", "yesterday"),
            ("before", "x"),
            ("actor", "\u{7}bell"),
        ] {
            assert_eq!(parse(&[(k, v)]).err().as_deref(), Some(k), "{k}={v}");
        }
    }
}
