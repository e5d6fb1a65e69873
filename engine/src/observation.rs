//! What the controller observed this tick: current replicas, instances with their state,
//! readiness timing, requests (per instance and per container) and metric values, external
//! values, operator overrides and the load forecast. A missing value is absent, never zero;
//! a timing field a backend cannot know is left empty and the rule that needs it says what it
//! assumed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::forecast::ForecastReading;

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
    /// How the backend filled [`Instance::ready_changed_at`] when it knows no real readiness
    /// transitions (Docker Swarm: "a task's start of running is taken as its Ready
    /// transition"); quoted wherever the CPU readiness timing excludes an instance.
    pub ready_change_note: Option<String>,
    /// The load forecast for this evaluation, when the policy computes one (the caller fits
    /// the model off the tick; see [`crate::forecast`]). `None`: not computed.
    pub forecast: Option<ForecastReading>,
}

/// One running (or starting, failed or terminating) instance: a Kubernetes pod, a Swarm task,
/// a simulated container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Instance {
    /// Backend id.
    pub id: String,
    /// Lifecycle state.
    pub state: InstanceState,
    /// When it started (Kubernetes `status.startTime`). Empty: unknown, taken as older than
    /// the CPU initialization period.
    pub started_at: Option<DateTime<Utc>>,
    /// When it last became ready (the warm-up counts from here).
    pub ready_since: Option<DateTime<Utc>>,
    /// When its readiness last changed, either way (Kubernetes: the Ready condition's
    /// `lastTransitionTime`). Empty: `ready_since` for a ready instance, else unknown.
    pub ready_changed_at: Option<DateTime<Utc>>,
    /// The instance's own requests: Kubernetes pod-level `spec.resources.requests` where the
    /// pod sets them, or the per-instance request of a backend that reports no containers.
    pub requests: Resources,
    /// The instance's own limits, for a backend that reports no containers (Swarm's
    /// `Resources.Limits`, the simulator's); with containers, theirs are summed. Only the CPU
    /// limit is read: instances at it report a floor on their load (see `Policy::saturation`).
    pub limits: Resources,
    /// `"cpu"` (cores used), `"memory"` (bytes used) or Pods metric names; absent = missing.
    /// A resource absent here is summed from the containers' usage.
    pub metrics: BTreeMap<String, f64>,
    /// What a backend that sees inside the instance adds: the resource sample's time and
    /// window, the containers and the pod overhead. `None` when it reports none of them.
    // Boxed: every evaluation walks every instance, and these would double its size.
    pub detail: Option<Box<Detail>>,
}

/// The inside of an instance (Kubernetes: `PodMetrics` and the pod spec).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Detail {
    /// When its resource metrics were sampled (Kubernetes: `PodMetrics.timestamp`). Empty:
    /// taken as the evaluation instant.
    pub sample_at: Option<DateTime<Utc>>,
    /// Seconds the resource sample averages over (Kubernetes: `PodMetrics.window`). Empty:
    /// taken as 60 s, the metrics API's default window.
    pub sample_window_secs: Option<f64>,
    /// Containers with their requests and usage.
    pub containers: Vec<Container>,
    /// Kubernetes pod overhead (`spec.overhead`), added to pod-level requests.
    pub overhead: Resources,
}

impl Instance {
    /// Its containers; empty when the backend reports none.
    pub fn containers(&self) -> &[Container] {
        self.detail.as_deref().map_or(&[], |d| &d.containers)
    }

    /// Its detail, created empty on first use (for backends and tests that fill it in).
    pub fn detail_mut(&mut self) -> &mut Detail {
        self.detail.get_or_insert_with(Box::default)
    }
}

/// Instance lifecycle (HPA: Pending, Running not-ready, Running ready, Failed, deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InstanceState {
    /// Created, not running yet (HPA Pending): unready for every metric.
    #[default]
    Starting,
    /// Running but failing readiness: for CPU unready unless it was ready before and is past
    /// the CPU initialization period (HPA); counted for other metrics.
    NotReady,
    /// Running and ready.
    Ready,
    /// Dead: ignored entirely.
    Failed,
    /// Being removed (Kubernetes `deletionTimestamp`, a draining instance): ignored entirely,
    /// as HPA ignores pods being deleted.
    Terminating,
}

/// One container of an instance (Kubernetes: a container of the pod spec with its usage from
/// `PodMetrics`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Container {
    /// Container name, unique within the instance.
    pub name: String,
    /// Regular, init or sidecar.
    pub kind: ContainerKind,
    /// Its requests.
    pub requests: Resources,
    /// Its limits (Kubernetes `resources.limits`); absent = unlimited.
    pub limits: Resources,
    /// CPU cores and memory bytes in use; absent = not reported.
    pub usage: Resources,
}

/// Kinds of container, as Kubernetes counts their requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ContainerKind {
    /// A container of `spec.containers`.
    #[default]
    Regular,
    /// An init container that runs to completion before the regular ones start.
    Init,
    /// A restartable init container (`restartPolicy: Always`) that keeps running beside the
    /// regular ones.
    Sidecar,
}

impl ContainerKind {
    /// True for containers that run beside the application (regular and sidecar): the ones
    /// HPA sums requests and usage over.
    pub fn runs(self) -> bool {
        self != ContainerKind::Init
    }
}

/// Requests, limits or usage of an instance or a container.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Resources {
    /// CPU in cores.
    pub cpu: Option<f64>,
    /// Memory in bytes.
    pub memory: Option<f64>,
}

impl Resources {
    /// True when either resource is set.
    pub fn any(&self) -> bool {
        self.cpu.is_some() || self.memory.is_some()
    }
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
