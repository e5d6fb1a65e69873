//! The replay loop: the simulator in fast-forward, the engine evaluated every interval
//! (`decide` with the policy's forecast, then `History::record`), scale calls applied at once. No tokio, no clock: time
//! is a loop variable, so a two-week trace replays in well under a second.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use ebb_engine::{decide, validate, Direction, FieldError, History, Policy};

use super::report::{ReplayReport, RunCounters, TimelineRow};
use crate::server::forecast::WorkloadForecast;
use crate::server::orchestrator::engine_observation;
use crate::server::orchestrator::simulator::{SimCluster, SimError, SimWorkload, SimWorkloadSpec};
use crate::server::orchestrator::{OrchestratorError, WorkloadObservation};

const NAME: &str = "replay";

/// How to run a replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReplayOptions {
    /// First evaluation; default: the trace's first timestamp, else 2024-01-01T00:00:00Z.
    pub start: Option<DateTime<Utc>>,
    /// Simulated seconds to run; default: one pass of the trace (its span divided by the
    /// time compression), else one day.
    pub duration_secs: Option<f64>,
    /// Seconds between evaluations (HPA default 15).
    pub interval_secs: u32,
    /// Model step in seconds: resolution of the accumulators and of rise → capacity times.
    pub step_secs: f64,
    /// Work after which the replay stops early and reports the span it covered (units of
    /// [`super::budget::evaluation_units`]); `None`: no limit.
    pub work_limit: Option<f64>,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            start: None,
            duration_secs: None,
            interval_secs: 15,
            step_secs: 5.0,
            work_limit: None,
        }
    }
}

/// Why a replay could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReplayError {
    /// The policy is not usable; every problem is listed with its field path.
    #[error("invalid policy:{}", list(.0))]
    InvalidPolicy(Vec<FieldError>),
    /// The workload spec or its trace is bad (the message names the file and line).
    #[error(transparent)]
    Sim(#[from] SimError),
    /// An option is out of range.
    #[error("invalid replay option {0}")]
    InvalidOption(String),
    /// Stopped from outside (the request that asked for it ended) after this many evaluations.
    #[error("the replay was stopped after {0} evaluations")]
    Cancelled(u64),
}

fn list(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("\n  {}: {}", e.path, e.message))
        .collect()
}

/// The outside's hold on a running replay: a flag that stops it, and how far it has got (read
/// by the what-if job's progress; written with relaxed stores, one per evaluation).
#[derive(Debug, Default)]
pub struct Control {
    /// Raised from outside: the replay stops at its next evaluation.
    pub cancel: AtomicBool,
    /// Which run of a series is under way (set by [`super::budget::replay_all`]; 0 = first).
    pub run: AtomicUsize,
    /// Simulated seconds the current run covers, in milliseconds.
    pub span_ms: AtomicU64,
    /// Simulated milliseconds the current run has replayed so far.
    pub reached_ms: AtomicU64,
}

impl Control {
    /// Stops the replay at its next evaluation.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// True once [`Control::cancel`] was called.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The share of the current run done, 0 to 1.
    pub fn run_fraction(&self) -> f64 {
        let span = self.span_ms.load(Ordering::Relaxed);
        if span == 0 {
            return 0.0;
        }
        (self.reached_ms.load(Ordering::Relaxed) as f64 / span as f64).clamp(0.0, 1.0)
    }
}

/// Replays `policy` against a simulated workload described by `spec` (demand from a pattern,
/// a trace file or an in-memory [`crate::server::orchestrator::simulator::DemandSpec::Series`]).
pub fn run_replay(
    policy: &Policy,
    spec: &SimWorkloadSpec,
    opts: &ReplayOptions,
) -> Result<ReplayReport, ReplayError> {
    run_replay_until(policy, spec, opts, &Control::default())
}

/// [`run_replay`] that reports its progress to `control` and stops with
/// [`ReplayError::Cancelled`] at the first evaluation after it is cancelled (checked every
/// evaluation, so within milliseconds).
pub fn run_replay_until(
    policy: &Policy,
    spec: &SimWorkloadSpec,
    opts: &ReplayOptions,
    control: &Control,
) -> Result<ReplayReport, ReplayError> {
    let errors = validate(policy);
    if !errors.is_empty() {
        return Err(ReplayError::InvalidPolicy(errors));
    }
    if opts.interval_secs == 0 {
        return Err(ReplayError::InvalidOption(
            "interval_secs: must be at least 1".into(),
        ));
    }
    if !(opts.step_secs.is_finite() && opts.step_secs > 0.0) {
        return Err(ReplayError::InvalidOption(
            "step_secs: must be a positive number".into(),
        ));
    }
    // Build once at a placeholder instant to learn the trace's start and span.
    let probe = SimWorkload::new(spec.clone(), DateTime::<Utc>::UNIX_EPOCH, opts.step_secs)?;
    let (start, duration) = window(&probe, spec, opts)?;
    let mut cluster = SimCluster::with_step(opts.step_secs);
    cluster.add(NAME, spec.clone(), start)?;
    let end = start + Duration::milliseconds((duration * 1000.0).round() as i64);
    let mut run = RunCounters {
        start,
        end,
        interval_secs: opts.interval_secs,
        scale_ups: 0,
        scale_downs: 0,
        metric_failures: 0,
        unreachable: 0,
    };
    let startup = spec.startup_secs.max(spec.startup_max_secs);
    let mut forecaster = WorkloadForecast::new(startup, opts.interval_secs);
    let timeline = evaluate_all(
        policy,
        &mut cluster,
        &mut forecaster,
        &mut run,
        opts.work_limit,
        control,
    )?;
    cluster.advance_to(run.end);
    let stats = cluster
        .workload(NAME)
        .map(|w| w.stats().clone())
        .unwrap_or_default();
    Ok(ReplayReport::new(&stats, run, timeline))
}

fn window(
    probe: &SimWorkload,
    spec: &SimWorkloadSpec,
    opts: &ReplayOptions,
) -> Result<(DateTime<Utc>, f64), ReplayError> {
    let default_start = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let trace = probe.trace();
    let start = opts
        .start
        .or(trace.map(|t| t.start()))
        .unwrap_or(default_start);
    let compression = match &spec.demand {
        crate::server::orchestrator::simulator::DemandSpec::Trace {
            time_compression, ..
        }
        | crate::server::orchestrator::simulator::DemandSpec::Series {
            time_compression, ..
        } => *time_compression,
        _ => 1.0,
    };
    let duration = opts
        .duration_secs
        .unwrap_or_else(|| trace.map_or(86_400.0, |t| t.span_secs() / compression));
    if !(duration.is_finite() && duration > 0.0 && duration <= 400.0 * 86_400.0) {
        return Err(ReplayError::InvalidOption(format!(
            "duration_secs: {duration} is out of range (0, 400 days]"
        )));
    }
    Ok((start, duration))
}

fn evaluate_all(
    policy: &Policy,
    cluster: &mut SimCluster,
    forecaster: &mut WorkloadForecast,
    run: &mut RunCounters,
    work_limit: Option<f64>,
    control: &Control,
) -> Result<Vec<TimelineRow>, ReplayError> {
    let mut history = History::default();
    let mut timeline = Vec::new();
    let step = Duration::seconds(i64::from(run.interval_secs));
    let mut t = run.start;
    let mut work = 0.0;
    let millis = |d: Duration| u64::try_from(d.num_milliseconds()).unwrap_or(0);
    control.reached_ms.store(0, Ordering::Relaxed);
    control
        .span_ms
        .store(millis(run.end - run.start), Ordering::Relaxed);
    while t <= run.end {
        if control.cancelled() {
            return Err(ReplayError::Cancelled(timeline.len() as u64));
        }
        control
            .reached_ms
            .store(millis(t - run.start), Ordering::Relaxed);
        let row = match cluster.observe(NAME, t) {
            Ok(obs) => evaluate(policy, cluster, forecaster, &mut history, &obs, run),
            Err(e) => unreachable_row(cluster, t, &e, run),
        };
        let instances = row.as_ref().map_or(0, |r| r.current_replicas);
        timeline.extend(row);
        work += super::budget::evaluation_units(policy, instances);
        if work_limit.is_some_and(|limit| work >= limit) {
            run.end = t;
            break;
        }
        t += step;
    }
    Ok(timeline)
}

fn evaluate(
    policy: &Policy,
    cluster: &mut SimCluster,
    forecaster: &mut WorkloadForecast,
    history: &mut History,
    obs: &WorkloadObservation,
    run: &mut RunCounters,
) -> Option<TimelineRow> {
    let t = obs.at;
    let mut observation = engine_observation(obs);
    observation.forecast = forecaster.reading(policy, t);
    let decision = decide(policy, &observation, history, t);
    forecaster.record(policy, &decision, t);
    if !decision.metrics_ok {
        run.metric_failures += 1;
    }
    let mut applied = false;
    if decision.desired_replicas != decision.current_replicas {
        applied = cluster
            .scale(NAME, decision.desired_replicas, &obs.token, t)
            .is_ok();
        match (applied, decision.direction) {
            (true, Direction::Up) => run.scale_ups += 1,
            (true, Direction::Down) => run.scale_downs += 1,
            _ => {}
        }
    }
    history.record(&decision, applied, policy, t);
    Some(row(obs, decision.desired_replicas, decision.reason.code()))
}

fn unreachable_row(
    cluster: &mut SimCluster,
    t: DateTime<Utc>,
    e: &OrchestratorError,
    run: &mut RunCounters,
) -> Option<TimelineRow> {
    if matches!(e, OrchestratorError::Unreachable(_)) {
        run.unreachable += 1;
    }
    // Ground truth for the report, read past the injected fault.
    let obs = cluster.workload_mut(NAME)?.observe(t);
    Some(row(&obs, obs.replicas, "Unreachable"))
}

fn row(obs: &WorkloadObservation, desired: u32, reason: &str) -> TimelineRow {
    let d = obs
        .demand
        .unwrap_or(crate::server::orchestrator::DemandReading {
            offered: 0.0,
            served: 0.0,
            unserved: 0.0,
            capacity: 0.0,
        });
    TimelineRow {
        at: obs.at,
        offered: d.offered,
        served: d.served,
        unserved: d.unserved,
        capacity: d.capacity,
        current_replicas: obs.replicas,
        desired_replicas: desired,
        ready_replicas: obs
            .instances
            .iter()
            .filter(|i| i.state == crate::server::orchestrator::ObservedState::Ready)
            .count() as u32,
        reason: reason.to_string(),
    }
}
