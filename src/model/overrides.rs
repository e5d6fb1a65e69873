//! Manual overrides of a workload: pin N replicas, or pause scale-in / scale-out, until a time,
//! with a required reason.

use serde::{Deserialize, Serialize};

/// Kinds of override, as stored and as posted by the form.
pub const KINDS: &[(&str, &str)] = &[
    ("pin", "Pin replicas"),
    ("pause_scale_in", "Pause scale-in"),
    ("pause_scale_out", "Pause scale-out"),
    ("pause_both", "Pause both directions"),
];

/// An override as listed on the workload page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OverrideRow {
    pub id: i64,
    pub kind: String,
    pub replicas: Option<i64>,
    /// UTC, ISO-8601.
    pub until: String,
    pub reason: String,
    pub actor: String,
    pub created_at: String,
    pub ended_at: Option<String>,
}

/// Reads and checks a posted override form: the numbers, and every field error (path = form
/// field name).
pub fn parse(
    kind: &str,
    replicas_text: &str,
    minutes: &str,
    reason: &str,
) -> (Option<u32>, u32, Vec<super::error::FieldError>) {
    use super::error::FieldError;
    let mut errs = Vec::new();
    let mut err = |path: &str, message: &str| {
        errs.push(FieldError {
            path: path.into(),
            message: message.into(),
        })
    };
    let replicas = match replicas_text.trim() {
        "" => None,
        r => match r.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                err("replicas", "replicas must be a whole number, 0 or more");
                None
            }
        },
    };
    let minutes = minutes.trim().parse::<u32>().unwrap_or(0);
    if !KINDS.iter().any(|(k, _)| *k == kind) {
        err(
            "kind",
            "choose pin, pause scale-in, pause scale-out or pause both",
        );
    }
    if kind == "pin" && replicas.is_none() && replicas_text.trim().is_empty() {
        err("replicas", "a pin needs the number of replicas to hold");
    }
    if replicas.is_some_and(|r| r > 10_000) {
        err("replicas", "at most 10000 replicas");
    }
    if minutes == 0 || minutes > 7 * 24 * 60 {
        err(
            "minutes",
            "the override must last between 1 minute and 7 days (10080 minutes)",
        );
    }
    if reason.trim().is_empty() {
        err(
            "reason",
            "say why: the reason is shown to everyone and kept in the audit trail",
        );
    } else if reason.len() > 500 {
        err("reason", "keep the reason under 500 characters");
    }
    (replicas, minutes, errs)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn override_forms() {
        let cases: &[(&str, &str, &str, &str, &[&str])] = &[
            ("pin", "3", "30", "deploy freeze", &[]),
            ("pause_scale_in", "", "60", "incident 4711", &[]),
            ("pin", "", "30", "x", &["replicas"]),
            ("pin", "-1", "30", "x", &["replicas"]),
            ("pause_both", "", "0", "x", &["minutes"]),
            ("pause_both", "", "lots", "x", &["minutes"]),
            ("explode", "", "5", " ", &["kind", "reason"]),
        ];
        for (kind, replicas, minutes, reason, want) in cases {
            let (_, _, errs) = parse(kind, replicas, minutes, reason);
            let got: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
            assert_eq!(&got, want, "{kind} {replicas} {minutes} {reason}");
        }
    }
}
