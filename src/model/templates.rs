//! The policies ebb ships as starting points, shared by the policy list's "new from template"
//! links and `ebb bench-traces`: HPA's defaults, and the recommended policy with predictive
//! scaling, which the bench replays unchanged on every trace.

use ebb_engine::{
    Behavior, Cooldown, Forecast, ForecastMode, MetricSource, MetricSpec, MetricTarget, Policy,
    RatePolicy, RatePolicyKind, ResourceName, Saturation, ScalingRules,
};
use serde::Serialize;

use crate::model::policy_form::FormFields;

/// HPA's CPU utilization target in the templates (percent of the request).
pub const HPA_TARGET_PERCENT: f64 = 70.0;

/// HPA defaults: CPU utilization 70 %, tolerance 0.1, autoscaling/v2 default behavior, no
/// cooldown (HPA has none), min 1, max `max_replicas`.
pub fn hpa_default_policy(max_replicas: u32) -> Policy {
    Policy {
        min_replicas: 1,
        max_replicas,
        metrics: vec![MetricSpec {
            name: "cpu".into(),
            source: MetricSource::Resource {
                resource: ResourceName::Cpu,
            },
            target: MetricTarget::Utilization(HPA_TARGET_PERCENT),
        }],
        behavior: Some(Behavior::default()),
        cooldown: Cooldown {
            scale_up_secs: 0,
            scale_down_secs: 0,
        },
        ..Policy::default()
    }
}

/// `policy` as the Kubernetes HPA would run it by default: its metrics and bounds, HPA's
/// tolerance and behaviour (300 s scale-down window, no scale-up window, its rate policies), no
/// cooldowns, steps, schedules, headroom or forecast. What the what-if compares a draft with.
pub fn with_hpa_defaults(policy: &Policy) -> Policy {
    Policy {
        min_replicas: policy.min_replicas,
        max_replicas: policy.max_replicas,
        metrics: policy.metrics.clone(),
        fallback: policy.fallback,
        activation: policy.activation.clone(),
        ..hpa_default_policy(policy.max_replicas)
    }
}

/// CPU utilization target of the recommended policy: the forecast's band carries the headroom
/// that HPA's 70 % keeps for its reaction time.
pub const RECOMMENDED_TARGET_PERCENT: f64 = 80.0;

/// Saturation factor of the recommended policy: at the CPU limit, ask 12 times what CPU
/// shows of the ready instances (the scale-up rate still bounds each step to ×4 per 15 s).
pub const RECOMMENDED_SATURATION_FACTOR: f64 = 12.0;

/// Forecast quantile of the recommended policy: saturation catches the bursts a forecast
/// cannot see, so the forecast covers the regular load at p75 rather than the default p90.
pub const RECOMMENDED_QUANTILE: f64 = 0.75;

/// The recommended policy, replayed unchanged on every trace by `ebb bench-traces`: CPU
/// utilization 80 %, a p75 forecast of the total CPU that scales ahead, saturation ×12 (at the
/// CPU limit the load is unknown, so it scales as if it were 12 times what CPU shows), a
/// scale-up rate of 300 % (or 4 instances) per 15 s so a forecast rise is reached within its
/// lead, and a 60 s scale-down window while forecast and observed load agree the load has
/// fallen (HPA's 300 s otherwise).
pub fn recommended_policy(max_replicas: u32) -> Policy {
    let hpa = hpa_default_policy(max_replicas);
    Policy {
        metrics: vec![MetricSpec {
            target: MetricTarget::Utilization(RECOMMENDED_TARGET_PERCENT),
            ..hpa.metrics[0].clone()
        }],
        behavior: Some(Behavior {
            scale_up: ScalingRules {
                policies: vec![
                    RatePolicy {
                        kind: RatePolicyKind::Percent,
                        value: 300,
                        period_secs: 15,
                    },
                    RatePolicy {
                        kind: RatePolicyKind::Instances,
                        value: 4,
                        period_secs: 15,
                    },
                ],
                ..ScalingRules::default_up()
            },
            ..Behavior::default()
        }),
        saturation: Some(Saturation {
            factor: RECOMMENDED_SATURATION_FACTOR,
            ..Saturation::default()
        }),
        forecast: Some(Forecast {
            mode: ForecastMode::ForecastAndScale,
            quantile: RECOMMENDED_QUANTILE,
            scale_down_window_secs: Some(60),
            ..Forecast::default()
        }),
        ..hpa
    }
}

/// A template offered on the policy list.
pub struct Template {
    /// Link text.
    pub label: &'static str,
    /// What it is, one line.
    pub hint: &'static str,
    /// The editor address with the template's form filled in.
    pub href: String,
}

/// The templates the policy list offers.
pub fn templates() -> Vec<Template> {
    vec![
        Template {
            label: "HPA defaults",
            hint: "CPU 70 %, Kubernetes autoscaling/v2 default behavior",
            href: editor_url(&hpa_default_policy(10)),
        },
        Template {
            label: "Recommended: predictive",
            hint: "CPU 80 % with a p75 load forecast that scales ahead, saturation ×12 and a faster scale-up",
            href: editor_url(&recommended_policy(10)),
        },
    ]
}

/// The form as the editor's `draft` parameter reads it.
#[derive(Serialize)]
struct DraftRef<'a> {
    fields: &'a FormFields,
    errors: [(); 0],
}

/// `/policies/new` with `policy` as a draft.
fn editor_url(policy: &Policy) -> String {
    let fields = FormFields::from_policy(policy);
    let json = serde_json::to_string(&DraftRef {
        fields: &fields,
        errors: [],
    })
    .unwrap_or_default();
    format!("/policies/new?draft={}", percent_encode(&json))
}

/// Percent-encodes everything but unreserved characters (RFC 3986; safe in a Location header).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_valid_and_survive_the_editor_form() {
        for p in [hpa_default_policy(10), recommended_policy(10)] {
            assert_eq!(ebb_engine::validate(&p), Vec::new());
            let form = FormFields::from_policy(&p);
            assert_eq!(form.to_policy().expect("parses"), p);
        }
        let links = templates();
        assert_eq!(links.len(), 2);
        assert!(links
            .iter()
            .all(|t| t.href.starts_with("/policies/new?draft=%7B%22fields%22")));
    }
}
