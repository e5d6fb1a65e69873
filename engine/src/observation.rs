//! What the controller observed this tick: current replicas, instances with state, requests
//! and metric values, external values and operator overrides. A missing value is absent,
//! never zero.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One tick's view of a target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Observation {
    /// The backend's spec (desired) replica count right now.
    pub current_replicas: u32,
    /// Instances that exist now.
    pub instances: Vec<Instance>,
    /// Object / External metric values; an absent key is a missing metric.
    pub external: BTreeMap<String, f64>,
    /// Operator overrides from the dashboard; expired ones are ignored.
    pub overrides: Vec<Override>,
}

/// One running (or starting, or failed) instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Instance {
    /// Backend id.
    pub id: String,
    /// Lifecycle state.
    pub state: InstanceState,
    /// When it was created.
    pub started_at: Option<DateTime<Utc>>,
    /// When it last became ready.
    pub ready_since: Option<DateTime<Utc>>,
    /// Resource requests.
    pub requests: Resources,
    /// `"cpu"` (cores used), `"memory"` (bytes used) or Pods metric names; absent = missing.
    pub metrics: BTreeMap<String, f64>,
}

/// Instance lifecycle (HPA: Pending, Running not-ready, Running ready, Failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InstanceState {
    /// Created, not running yet (HPA Pending): unready for every metric.
    #[default]
    Starting,
    /// Running but failing readiness: unready for CPU, counted for other metrics (as HPA).
    NotReady,
    /// Running and ready.
    Ready,
    /// Dead: ignored entirely.
    Failed,
}

/// Requests of one instance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Resources {
    /// CPU request in cores.
    pub cpu: Option<f64>,
    /// Memory request in bytes.
    pub memory: Option<f64>,
}

/// An operator override from the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Override {
    /// What it does.
    pub kind: OverrideKind,
    /// It expires at this instant (exclusive).
    pub until: DateTime<Utc>,
    /// Why, for the audit trail.
    pub reason: String,
}

/// Kinds of operator override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideKind {
    /// Hold exactly this many replicas, whatever the policy says.
    Pin(u32),
    /// No scale-down.
    PauseScaleIn,
    /// No scale-up.
    PauseScaleOut,
    /// Neither.
    PauseBoth,
}

impl Observation {
    /// The active pin, if any (the last unexpired one wins).
    pub fn active_pin(&self, now: DateTime<Utc>) -> Option<(u32, &Override)> {
        self.overrides.iter().rev().find_map(|o| match o.kind {
            OverrideKind::Pin(n) if o.until > now => Some((n, o)),
            _ => None,
        })
    }
}
