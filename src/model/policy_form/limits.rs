//! Limits the editor applies besides the engine's rules: the size of a form (posted, or sent
//! back in a `draft` link), so nobody makes the server parse, check or replay something huge;
//! and the installation's replica cap (`--max-replicas-cap`), which the engine knows nothing
//! of and the server passes in.

use ebb_engine::Policy;

use super::{err, FormFields};
use crate::model::error::FieldError;

/// Most bytes of field names and values in one form (the largest policy the engine accepts,
/// every field filled, needs 27 KiB).
pub const MAX_FORM_BYTES: usize = 128 * 1024;
/// Most fields in one form (the largest policy the engine accepts has 665).
pub const MAX_FORM_FIELDS: usize = 2000;
/// Most bytes of a `draft` link's JSON (the form and its error messages); an address holds
/// at most 64 KiB, and a draft of the largest policy needs 18 KiB (28 KiB URL-encoded).
pub const MAX_DRAFT_BYTES: usize = 48 * 1024;
/// Most bytes of a posted editor form as sent, URL-encoded (refused before it is read).
pub const MAX_POST_BYTES: usize = 3 * MAX_FORM_BYTES;

impl FormFields {
    /// An error when the form is larger than any policy the editor accepts.
    pub fn size_errors(&self) -> Vec<FieldError> {
        let bytes: usize = self.0.iter().map(|(k, v)| k.len() + v.len()).sum();
        if self.0.len() > MAX_FORM_FIELDS || bytes > MAX_FORM_BYTES {
            vec![err(
                "form",
                format!(
                    "the form has {} fields and {} KiB, more than any policy needs (at most \
                     {MAX_FORM_FIELDS} fields and {} KiB); remove rows and try again",
                    self.0.len(),
                    bytes.div_ceil(1024),
                    MAX_FORM_BYTES / 1024
                ),
            )]
        } else {
            Vec::new()
        }
    }
}

impl FormFields {
    /// [`FormFields::check`] with the installation's replica `cap` as well: what saving,
    /// previewing and a preview sent back to the editor all check.
    pub fn check_within(&self, cap: u32) -> super::FormCheck {
        let mut check = self.check();
        if let Some(p) = &check.policy {
            check.errors.extend(cap_errors(p, cap));
        }
        check
    }
}

/// Every replica count of `policy` above `cap`: its max and its schedules' bounds (a
/// schedule's min raises the effective max with it).
pub fn cap_errors(policy: &Policy, cap: u32) -> Vec<FieldError> {
    let msg = |what: &str, n: u32| {
        format!(
            "{what} {n} is above this installation's cap of {cap} replicas \
             (--max-replicas-cap); use at most {cap}"
        )
    };
    let mut out = Vec::new();
    if policy.max_replicas > cap {
        out.push(err(
            "max_replicas",
            msg("max_replicas", policy.max_replicas),
        ));
    }
    if policy.min_replicas > cap {
        out.push(err(
            "min_replicas",
            msg("min_replicas", policy.min_replicas),
        ));
    }
    for (i, s) in policy.schedules.iter().enumerate() {
        for (field, n) in [
            ("min_replicas", s.min_replicas),
            ("max_replicas", s.max_replicas),
        ] {
            if let Some(n) = n.filter(|n| *n > cap) {
                out.push(err(format!("schedules[{i}].{field}"), msg(field, n)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_counts_above_the_cap() {
        let with = |f: fn(&mut Policy)| {
            let mut p = Policy {
                max_replicas: 20,
                ..Policy::default()
            };
            f(&mut p);
            p
        };
        let cases: &[(&str, Policy, &[&str])] = &[
            ("within", with(|_| {}), &[]),
            ("max at the cap", with(|p| p.max_replicas = 50), &[]),
            (
                "max above",
                with(|p| p.max_replicas = 51),
                &["max_replicas"],
            ),
            (
                "min and max above",
                with(|p| {
                    p.min_replicas = 60;
                    p.max_replicas = 60
                }),
                &["max_replicas", "min_replicas"],
            ),
            (
                "a schedule's min above",
                with(|p| {
                    p.schedules = vec![ebb_engine::Schedule {
                        min_replicas: Some(500),
                        ..Default::default()
                    }]
                }),
                &["schedules[0].min_replicas"],
            ),
        ];
        for (name, policy, want) in cases {
            let got = cap_errors(policy, 50);
            let paths: Vec<&str> = got.iter().map(|e| e.path.as_str()).collect();
            assert_eq!(&paths, want, "{name}");
            assert!(
                got.iter().all(|e| e.message.contains("cap of 50")),
                "{name}"
            );
        }
    }

    /// A policy with every list at the engine's row limit, every field set.
    fn largest() -> Policy {
        use ebb_engine::validate::*;
        use ebb_engine::*;
        let steps = (0..MAX_STEPS)
            .map(|k| Step {
                lower: Some(k as f64 * 10.5),
                upper: Some(k as f64 * 10.5 + 10.25),
                adjustment: Adjustment::PercentChangeInCapacity(-12.5),
            })
            .collect::<Vec<_>>();
        let rules = ScalingRules {
            stabilization_window_secs: Some(3600),
            policies: vec![
                RatePolicy {
                    kind: RatePolicyKind::Percent,
                    value: 100,
                    period_secs: 1800,
                };
                MAX_RATE_POLICIES
            ],
            select_policy: SelectPolicy::Min,
        };
        Policy {
            min_replicas: 1000,
            max_replicas: 1000,
            metrics: (0..MAX_METRICS)
                .map(|i| MetricSpec {
                    name: format!("requests-per-second-{i}"),
                    source: MetricSource::External {
                        metric: format!("http_requests_per_second_total_{i}"),
                    },
                    target: MetricTarget::AverageValue(1234.5678),
                })
                .collect(),
            step_rules: (0..MAX_STEP_RULES)
                .map(|i| StepRule {
                    metric: format!("requests-per-second-{i}"),
                    steps: steps.clone(),
                    min_adjustment_magnitude: Some(2),
                })
                .collect(),
            schedules: (0..MAX_SCHEDULES)
                .map(|i| Schedule {
                    name: format!("business hours {i}"),
                    cron: "30 7 * * 1-5".into(),
                    timezone: "America/Argentina/Buenos_Aires".into(),
                    duration_secs: 36_000,
                    min_replicas: Some(500),
                    max_replicas: Some(1000),
                })
                .collect(),
            behavior: Some(Behavior {
                scale_up: rules.clone(),
                scale_down: rules,
            }),
            pauses: vec![Pause::default(); MAX_PAUSES],
            ..Policy::default()
        }
    }

    #[test]
    fn the_largest_policy_fits_every_size_limit() {
        let form = FormFields::from_policy(&largest());
        assert!(form.size_errors().is_empty(), "{:?}", form.size_errors());
        let fields = form.0.len();
        let bytes: usize = form.0.iter().map(|(k, v)| k.len() + v.len()).sum();
        let draft = serde_json::json!({ "fields": form, "errors": [] }).to_string();
        let encoded: usize = draft
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    1
                } else {
                    3
                }
            })
            .sum();
        eprintln!(
            "largest form: {fields} fields, {bytes} bytes; draft {} bytes, {encoded} in an address",
            draft.len()
        );
        assert!(fields * 2 < MAX_FORM_FIELDS && bytes * 2 < MAX_FORM_BYTES);
        assert!(draft.len() * 2 < MAX_DRAFT_BYTES);
        assert!(encoded < 60 * 1024, "fits in an address");
    }

    #[test]
    fn oversized_forms() {
        let rows = |n: usize, len: usize| {
            FormFields::from_pairs((0..n).map(|i| (format!("metrics[{i}][name]"), "x".repeat(len))))
        };
        let cases: &[(&str, FormFields, bool)] = &[
            ("a normal form", rows(20, 10), false),
            ("too many fields", rows(MAX_FORM_FIELDS + 1, 1), true),
            ("too many bytes", rows(10, MAX_FORM_BYTES / 10 + 1), true),
        ];
        for (name, form, refused) in cases {
            let errs = form.size_errors();
            assert_eq!(!errs.is_empty(), *refused, "{name}: {errs:?}");
            assert!(errs.iter().all(|e| e.path == "form"), "{name}");
        }
    }
}
