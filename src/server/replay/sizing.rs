//! Sizing a simulated workload from a trace's own statistics, so any trace can be replayed
//! without hand tuning: per-instance capacity such that the trace's mean needs
//! [`MEAN_INSTANCES`] instances at [`TARGET_UTILIZATION`], the initial replicas the first point
//! needs, and a maximum that fits the peak.

use crate::server::orchestrator::simulator::TraceData;

/// Instances the trace's mean demand should need at the target utilization.
pub const MEAN_INSTANCES: f64 = 3.0;
/// Target utilization used for sizing (and by the HPA-default bench policy).
pub const TARGET_UTILIZATION: f64 = 0.7;
/// Largest maximum the sizing proposes.
pub const MAX_REPLICAS_CAP: u32 = 1000;

/// Capacity and counts derived from a trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizing {
    /// Demand units/s one instance serves at 100 % cpu.
    pub capacity_per_instance: f64,
    /// Replicas the first point needs at the target utilization (at least 1).
    pub initial_replicas: u32,
    /// Replicas the peak needs at the target utilization (at least 10, at most the cap).
    pub max_replicas: u32,
}

impl Sizing {
    /// Sizing for `trace` scaled by `scale`; `capacity` overrides the derived capacity.
    pub fn for_trace(trace: &TraceData, scale: f64, capacity: Option<f64>) -> Sizing {
        let mean = trace.mean() * scale;
        let derived = mean / (MEAN_INSTANCES * TARGET_UTILIZATION);
        let cap = capacity
            .filter(|c| c.is_finite() && *c > 0.0)
            .unwrap_or(if derived > 0.0 { derived } else { 1.0 });
        let need = |v: f64| {
            (v / (cap * TARGET_UTILIZATION))
                .ceil()
                .clamp(1.0, f64::from(MAX_REPLICAS_CAP)) as u32
        };
        Sizing {
            capacity_per_instance: cap,
            initial_replicas: need(trace.value_at(0.0) * scale),
            max_replicas: need(trace.max() * scale).max(10),
        }
    }
}
