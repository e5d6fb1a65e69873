//! What a simulated workload is made of: capacity, resources, start-up and drain delays,
//! the demand it receives and the faults it suffers. Every struct is `#[serde(default)]`, so a
//! partial JSON document (e.g. from the demo seed or the store) describes a complete workload.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use super::lag::MetricLag;
use crate::server::orchestrator::ResourceSpec;

const MIB: f64 = 1024.0 * 1024.0;

/// One simulated workload.
///
/// ```json
/// { "capacity_per_instance": 50, "startup_secs": 20, "initial_replicas": 2,
///   "demand": { "kind": "diurnal", "mean": 120, "amplitude": 80, "period_secs": 600 },
///   "faults": { "crash_rate_per_hour": 0.5 }, "seed": 7 }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimWorkloadSpec {
    /// Demand units per second one ready instance serves at 100 % of its CPU request.
    pub capacity_per_instance: f64,
    /// Per-instance CPU (cores) and memory (bytes) requests and limits.
    pub resources: ResourceSpec,
    /// Memory an idle instance uses, in bytes.
    pub memory_base_bytes: f64,
    /// Extra memory per demand unit/s served by the instance, in bytes.
    pub memory_per_unit_bytes: f64,
    /// Seconds from creation (or restart) until an instance is ready; with
    /// `startup_max_secs` above it, the shortest start-up.
    pub startup_secs: u32,
    /// When above `startup_secs`: each start-up is drawn uniformly from
    /// `startup_secs..=startup_max_secs` (seeded per instance and restart).
    pub startup_max_secs: u32,
    /// Seconds an instance stays (not ready, serving nothing) after a scale-in before it is gone.
    pub drain_secs: u32,
    /// Replicas running (and ready) when the workload is added.
    pub initial_replicas: u32,
    /// Offered demand over time.
    pub demand: DemandSpec,
    /// Injected faults.
    pub faults: FaultSpec,
    /// Longest wait of the request queue, in seconds of current capacity: demand above what
    /// the ready instances serve waits, and what does not fit is dropped (0: no queue).
    pub queue_secs: f64,
    /// Queueing delay above which served demand counts as late (unserved) and the time as an
    /// SLO violation.
    pub latency_slo_secs: f64,
    /// How late and smoothed metrics are (see [`MetricLag`]).
    pub metric_lag: MetricLag,
    /// Seed of every random choice (noise, crashes, outages); same seed, same run.
    pub seed: u64,
}

impl Default for SimWorkloadSpec {
    fn default() -> Self {
        SimWorkloadSpec {
            capacity_per_instance: 100.0,
            resources: ResourceSpec {
                cpu_request: Some(0.5),
                memory_request: Some(256.0 * MIB),
                cpu_limit: Some(1.0),
                memory_limit: Some(512.0 * MIB),
            },
            memory_base_bytes: 128.0 * MIB,
            memory_per_unit_bytes: 0.5 * MIB,
            startup_secs: 30,
            startup_max_secs: 0,
            drain_secs: 15,
            initial_replicas: 1,
            demand: DemandSpec::default(),
            faults: FaultSpec::default(),
            queue_secs: 60.0,
            latency_slo_secs: 1.0,
            metric_lag: MetricLag::default(),
            seed: 0,
        }
    }
}

/// Offered demand (units per second) as a function of time since the workload was added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DemandSpec {
    /// Always `value`.
    Constant {
        /// Demand units per second.
        value: f64,
    },
    /// `from` until `start_secs`, then linearly to `to` over `duration_secs`, then `to`.
    Ramp {
        from: f64,
        to: f64,
        #[serde(default)]
        start_secs: u32,
        duration_secs: u32,
    },
    /// `base`, with a burst to `peak` lasting `duration_secs` every `every_secs`, the first one
    /// starting at `first_at_secs`.
    Spike {
        base: f64,
        peak: f64,
        every_secs: u32,
        duration_secs: u32,
        #[serde(default)]
        first_at_secs: u32,
    },
    /// `mean + amplitude · sin(2π (t + phase) / period)`, never below zero.
    Diurnal {
        mean: f64,
        amplitude: f64,
        period_secs: u32,
        #[serde(default)]
        phase_secs: u32,
    },
    /// `of`, multiplied by `1 + relative · u` with `u` uniform in [-1, 1], redrawn (seeded)
    /// every `every_secs`.
    Noise {
        of: Box<DemandSpec>,
        relative: f64,
        #[serde(default = "one_sec")]
        every_secs: u32,
    },
    /// The sum of several patterns (e.g. diurnal plus spikes).
    Sum { parts: Vec<DemandSpec> },
    /// A CSV `timestamp,value` file replayed as `value · scale`, `time_compression` trace
    /// seconds per simulated second, looped at its end.
    Trace {
        path: PathBuf,
        #[serde(default = "one")]
        time_compression: f64,
        #[serde(default = "one")]
        scale: f64,
    },
    /// Like `Trace`, with the points given in memory (the dashboard's what-if preview).
    Series {
        points: Vec<(DateTime<Utc>, f64)>,
        #[serde(default = "one")]
        time_compression: f64,
        #[serde(default = "one")]
        scale: f64,
    },
}

fn one() -> f64 {
    1.0
}

fn one_sec() -> u32 {
    1
}

impl Default for DemandSpec {
    fn default() -> Self {
        DemandSpec::Constant { value: 50.0 }
    }
}

/// Injected faults; rates are per hour, zero (the default) disables a fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultSpec {
    /// Crashes per instance per running hour (exponential inter-arrival times).
    pub crash_rate_per_hour: f64,
    /// Seconds a crashed instance stays failed before the orchestrator restarts it.
    pub restart_delay_secs: u32,
    /// Metric outages per hour; during one, per-instance metrics and external values are absent.
    pub metric_outage_rate_per_hour: f64,
    /// Length of each metric outage.
    pub metric_outage_secs: u32,
    /// Unreachable windows per hour; during one, every call for the workload fails.
    pub unreachable_rate_per_hour: f64,
    /// Length of each unreachable window.
    pub unreachable_secs: u32,
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            crash_rate_per_hour: 0.0,
            restart_delay_secs: 10,
            metric_outage_rate_per_hour: 0.0,
            metric_outage_secs: 60,
            unreachable_rate_per_hour: 0.0,
            unreachable_secs: 30,
        }
    }
}
