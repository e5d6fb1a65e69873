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

/// What the override form needs to know about a workload's pins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinLimits {
    /// min and max of the workload's current policy (`None`: no policy attached).
    pub bounds: Option<(u32, u32)>,
    /// The installation's cap (`--max-replicas-cap`).
    pub cap: u32,
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

/// Form field of the override form: the confirmation that a pin outside the policy's bounds
/// is meant (a checkbox; any non-empty value confirms).
pub const CONFIRM_OUTSIDE: &str = "confirm_outside";

/// What a pin of `n` replicas may not do, as field errors: exceed the installation's `cap`
/// (nobody may), or leave the policy's `bounds` (min, max) unless `editor` and `confirmed`.
pub fn pin_errors(
    n: u32,
    bounds: Option<(u32, u32)>,
    cap: u32,
    editor: bool,
    confirmed: bool,
) -> Vec<super::error::FieldError> {
    let one = |path: &str, message: String| {
        vec![super::error::FieldError {
            path: path.into(),
            message,
        }]
    };
    if n > cap {
        return one(
            "replicas",
            format!("at most {cap} replicas: that is this installation's cap (--max-replicas-cap)"),
        );
    }
    let Some((min, max)) = outside(n, bounds) else {
        return Vec::new();
    };
    if !editor {
        return one(
            "replicas",
            format!(
                "{n} is outside the policy's bounds {min}..{max}; pin within them, or ask an \
                 editor: a pin outside the bounds needs the editor role"
            ),
        );
    }
    if !confirmed {
        return one(
            CONFIRM_OUTSIDE,
            format!(
                "{n} is outside the policy's bounds {min}..{max}; tick \"{}\" to pin anyway",
                confirm_label(min, max)
            ),
        );
    }
    Vec::new()
}

/// The policy's `bounds` (min, max) when a pin of `n` replicas lies outside them.
pub fn outside(n: u32, bounds: Option<(u32, u32)>) -> Option<(u32, u32)> {
    bounds.filter(|(min, max)| n < *min || n > *max)
}

/// The confirmation checkbox's label.
pub fn confirm_label(min: u32, max: u32) -> String {
    format!("I know this is outside the policy's bounds {min}..{max}")
}

#[cfg(test)]
mod tests {
    use super::{parse, pin_errors, CONFIRM_OUTSIDE};

    #[test]
    fn pins_against_bounds_and_cap() {
        // (name, replicas, policy bounds, editor, confirmed, error path)
        type Case = (
            &'static str,
            u32,
            Option<(u32, u32)>,
            bool,
            bool,
            Option<&'static str>,
        );
        let cases: &[Case] = &[
            ("within, operator", 10, Some((2, 15)), false, false, None),
            (
                "above max, operator",
                16,
                Some((2, 15)),
                false,
                true,
                Some("replicas"),
            ),
            (
                "below min, operator",
                1,
                Some((2, 15)),
                false,
                false,
                Some("replicas"),
            ),
            (
                "above max, editor unconfirmed",
                40,
                Some((2, 15)),
                true,
                false,
                Some(CONFIRM_OUTSIDE),
            ),
            (
                "above max, editor confirmed",
                40,
                Some((2, 15)),
                true,
                true,
                None,
            ),
            (
                "above the cap, editor confirmed",
                1001,
                Some((2, 15)),
                true,
                true,
                Some("replicas"),
            ),
            ("no policy, operator", 500, None, false, false, None),
            (
                "no policy, above the cap",
                10_000,
                None,
                true,
                true,
                Some("replicas"),
            ),
        ];
        for (name, n, bounds, editor, confirmed, want) in cases {
            let errs = pin_errors(*n, *bounds, 1000, *editor, *confirmed);
            let got = errs.first().map(|e| e.path.as_str());
            assert_eq!(got, *want, "{name}: {errs:?}");
        }
    }

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
