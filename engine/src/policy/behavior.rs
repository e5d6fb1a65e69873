//! HPA `behavior`: stabilization windows and rate policies per direction, with HPA defaults.

use serde::{Deserialize, Serialize};

/// Scale-up and scale-down rules (HPA `spec.behavior`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Behavior {
    /// Rules when the recommendation is above the current count.
    pub scale_up: ScalingRules,
    /// Rules when the recommendation is below the current count.
    pub scale_down: ScalingRules,
}

impl Default for Behavior {
    fn default() -> Self {
        Behavior {
            scale_up: ScalingRules::default_up(),
            scale_down: ScalingRules::default_down(),
        }
    }
}

/// One direction's rules. Empty `policies` and `None` window mean the HPA default for that
/// direction, so `{}` is a valid, default, rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ScalingRules {
    /// Look-back window over past recommendations; `None` = 0 s up, 300 s down.
    pub stabilization_window_secs: Option<u32>,
    /// How to combine several rate policies.
    pub select_policy: SelectPolicy,
    /// Rate policies; empty = HPA default for the direction.
    pub policies: Vec<RatePolicy>,
}

impl ScalingRules {
    /// HPA default scale-up rules: no window, max of 4 instances or 100 % per 15 s.
    pub fn default_up() -> Self {
        ScalingRules {
            stabilization_window_secs: Some(0),
            select_policy: SelectPolicy::Max,
            policies: default_up_policies(),
        }
    }

    /// HPA default scale-down rules: 300 s window, 100 % per 15 s.
    pub fn default_down() -> Self {
        ScalingRules {
            stabilization_window_secs: Some(300),
            select_policy: SelectPolicy::Max,
            policies: default_down_policies(),
        }
    }
}

/// HPA default scale-up rate policies.
pub(crate) fn default_up_policies() -> Vec<RatePolicy> {
    vec![
        RatePolicy {
            kind: RatePolicyKind::Instances,
            value: 4,
            period_secs: 15,
        },
        RatePolicy {
            kind: RatePolicyKind::Percent,
            value: 100,
            period_secs: 15,
        },
    ]
}

/// HPA default scale-down rate policies.
pub(crate) fn default_down_policies() -> Vec<RatePolicy> {
    vec![RatePolicy {
        kind: RatePolicyKind::Percent,
        value: 100,
        period_secs: 15,
    }]
}

/// How several rate policies combine (HPA `selectPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SelectPolicy {
    /// The policy allowing the largest change wins (default).
    #[default]
    Max,
    /// The policy allowing the smallest change wins.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// A limit on how much the count may change within a sliding period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RatePolicy {
    /// Instances or Percent.
    pub kind: RatePolicyKind,
    /// Number of instances or percent of the count at the start of the period.
    pub value: u32,
    /// Length of the sliding period in seconds.
    pub period_secs: u32,
}

impl Default for RatePolicy {
    fn default() -> Self {
        RatePolicy {
            kind: RatePolicyKind::Percent,
            value: 100,
            period_secs: 15,
        }
    }
}

/// Unit of a rate policy's value (HPA `Pods` / `Percent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RatePolicyKind {
    /// Absolute number of instances.
    Instances,
    /// Percent of the count at the start of the period.
    #[default]
    Percent,
}

/// HPA default rate policies for a direction.
pub(crate) fn behavior_defaults(up: bool) -> Vec<RatePolicy> {
    if up {
        default_up_policies()
    } else {
        default_down_policies()
    }
}
