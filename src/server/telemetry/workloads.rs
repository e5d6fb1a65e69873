//! The per-workload gauges of `/metrics`, made afresh at each scrape from the overview's rows
//! (replicas, load, state, overrides) and what the controller last reported (offered and
//! unserved load, when it last evaluated): a removed workload's series end with it, and a
//! value is never older than the store's.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicU64;

use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::WorkloadLabels;
use crate::model::workload::{WorkloadState, WorkloadSummary};

type Value = Gauge<f64, AtomicU64>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    backend: String,
    workload: String,
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OverrideLabels {
    backend: String,
    workload: String,
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CountLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

/// A state's name in labels (snake case, as the API spells it).
pub fn state_name(s: WorkloadState) -> &'static str {
    match s {
        WorkloadState::Failing => "failing",
        WorkloadState::Degraded => "degraded",
        WorkloadState::Pinned => "pinned",
        WorkloadState::Paused => "paused",
        WorkloadState::AtMax => "at_max",
        WorkloadState::Scaling => "scaling",
        WorkloadState::Steady => "steady",
        WorkloadState::Unmanaged => "unmanaged",
        WorkloadState::Disabled => "disabled",
        WorkloadState::Unknown => "unknown",
    }
}

/// One gauge family per workload figure, registered as it is filled.
struct Figure {
    family: Family<WorkloadLabels, Value>,
}

impl Figure {
    fn new(registry: &mut Registry, name: &str, help: &str) -> Figure {
        let family = Family::<WorkloadLabels, Value>::default();
        registry.register(name, help, family.clone());
        Figure { family }
    }

    fn set(&self, labels: &WorkloadLabels, value: Option<f64>) {
        if let Some(v) = value.filter(|v| v.is_finite()) {
            self.family.get_or_create(labels).set(v);
        }
    }
}

/// Registers the gauges of `rows` in `registry`: `demand` and `evaluated` are the
/// controller's last reports by workload id.
pub fn register(
    registry: &mut Registry,
    rows: &[WorkloadSummary],
    demand: &HashMap<i64, (f64, f64)>,
    evaluated: &HashMap<i64, DateTime<Utc>>,
    now: DateTime<Utc>,
) {
    let f = |r: &mut Registry, name: &str, help: &str| Figure::new(r, name, help);
    let current = f(
        registry,
        "workload_current_replicas",
        "Replicas the backend runs (its spec)",
    );
    let desired = f(
        registry,
        "workload_desired_replicas",
        "Replicas ebb's last decision asked for",
    );
    let ready = f(
        registry,
        "workload_ready_replicas",
        "Instances ready to serve",
    );
    let failed = f(
        registry,
        "workload_failed_instances",
        "Instances failed or restarting",
    );
    let max = f(
        registry,
        "workload_max_replicas",
        "The policy's upper bound",
    );
    let load = f(
        registry,
        "workload_load",
        "The policy's first metric as last observed (e.g. CPU utilization in %)",
    );
    let target = f(
        registry,
        "workload_load_target",
        "The target of the policy's first metric",
    );
    let metrics_ok = f(
        registry,
        "workload_metrics_ok",
        "1 when every metric the policy needs was observed, 0 when one is missing",
    );
    let offered = f(
        registry,
        "workload_offered_load",
        "Demand offered to the workload, where the backend knows it (the simulator does)",
    );
    let unserved = f(
        registry,
        "workload_unserved_load",
        "Demand the ready instances could not serve, where known",
    );
    let interval = f(
        registry,
        "workload_interval_seconds",
        "How often the workload is evaluated",
    );
    let last = f(registry, "workload_last_evaluation_timestamp_seconds", "When the last evaluation ended (Unix time); compare with the interval to spot a stalled controller");
    let states = Family::<StateLabels, Gauge>::default();
    registry.register(
        "workload_state",
        "1 for the state the workload is in (failing, degraded, pinned, paused, at_max, scaling, steady, unmanaged, disabled, unknown)",
        states.clone(),
    );
    let overrides = Family::<OverrideLabels, Gauge>::default();
    registry.register(
        "workload_override",
        "1 while an override (kind pin or pause) holds the workload",
        overrides.clone(),
    );
    let mut by_state: BTreeMap<&'static str, i64> = WorkloadState::ALL
        .iter()
        .map(|s| (state_name(*s), 0))
        .collect();
    let mut by_override: BTreeMap<String, i64> =
        [("pin".to_string(), 0), ("pause".to_string(), 0)].into();
    for w in rows {
        let labels = WorkloadLabels {
            backend: w.backend.clone(),
            workload: w.name.clone(),
        };
        let n = |v: Option<i64>| v.map(|v| v as f64);
        current.set(&labels, n(w.current_replicas));
        desired.set(&labels, n(w.desired_replicas));
        ready.set(&labels, n(w.ready_replicas));
        failed.set(&labels, Some(w.failed_instances as f64));
        max.set(&labels, n(w.max_replicas));
        load.set(&labels, w.load);
        target.set(&labels, w.target);
        if w.observed_at.is_some() {
            metrics_ok.set(&labels, Some(f64::from(u8::from(w.metrics_ok))));
        }
        if let Some((o, u)) = demand.get(&w.id) {
            offered.set(&labels, Some(*o));
            unserved.set(&labels, Some(*u));
        }
        interval.set(&labels, Some(w.interval_secs as f64));
        if let Some(at) = evaluated.get(&w.id).filter(|at| **at <= now) {
            last.set(&labels, Some(at.timestamp_millis() as f64 / 1000.0));
        }
        let state = state_name(w.state);
        *by_state.entry(state).or_default() += 1;
        states
            .get_or_create(&StateLabels {
                backend: w.backend.clone(),
                workload: w.name.clone(),
                state,
            })
            .set(1);
        if let Some(kind) = &w.override_kind {
            *by_override.entry(kind.clone()).or_default() += 1;
            overrides
                .get_or_create(&OverrideLabels {
                    backend: w.backend.clone(),
                    workload: w.name.clone(),
                    kind: kind.clone(),
                })
                .set(1);
        }
    }
    let counts = Family::<CountLabels, Gauge>::default();
    registry.register("workloads", "Workloads by state", counts.clone());
    for (state, n) in by_state {
        counts.get_or_create(&CountLabels { state }).set(n);
    }
    let active = Family::<KindLabels, Gauge>::default();
    registry.register(
        "overrides_active",
        "Overrides in force, by kind (pin or pause), over all workloads",
        active.clone(),
    );
    for (kind, n) in by_override {
        active.get_or_create(&KindLabels { kind }).set(n);
    }
}
