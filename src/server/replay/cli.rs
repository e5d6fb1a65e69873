//! `ebb replay`: reads a policy file and a trace file, sizes the simulated workload from the
//! trace unless told otherwise, runs the replay and prints the report. Bad input ends with one
//! error that names the file (and line).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, Context};
use clap::Args;

use ebb_engine::Policy;

use super::output::{build_kind, summary, write_outputs};
use super::run::{run_replay, ReplayError, ReplayOptions};
use super::sizing::{Sizing, MEAN_INSTANCES, TARGET_UTILIZATION};
use crate::server::orchestrator::simulator::{DemandSpec, SimWorkloadSpec, TraceData};

/// Flags of `ebb replay`.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// Policy as JSON (the engine's `Policy`; omitted fields take HPA defaults).
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// Trace as CSV `timestamp,value` (the format of ../shared/traces).
    #[arg(long, value_name = "FILE")]
    pub trace: PathBuf,
    /// Time compression: trace seconds per simulated second.
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    pub speed: f64,
    /// Demand = trace value × K.
    #[arg(long, default_value_t = 1.0, value_name = "K")]
    pub scale: f64,
    /// Demand units/s one instance serves at 100 % cpu [default: the trace mean needs 3
    /// instances at 70 %].
    #[arg(long, value_name = "C")]
    pub capacity: Option<f64>,
    /// Seconds between policy evaluations.
    #[arg(long, default_value_t = 15, value_name = "S")]
    pub interval: u32,
    /// Model step in seconds (resolution of the measurements).
    #[arg(long, default_value_t = 5.0, value_name = "S")]
    pub step: f64,
    /// Seconds from instance creation to ready.
    #[arg(long, default_value_t = 30, value_name = "S")]
    pub startup: u32,
    /// Seconds an instance drains after a scale-in.
    #[arg(long, default_value_t = 15, value_name = "S")]
    pub drain: u32,
    /// Write PREFIX.csv and PREFIX.json timelines.
    #[arg(long, value_name = "PREFIX")]
    pub out: Option<PathBuf>,
}

/// Reads and validates a policy file; errors name the file, and the line for bad JSON.
pub fn load_policy(path: &Path) -> anyhow::Result<Policy> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!("{}: cannot read the policy file: {e}", path.display()))?;
    let policy: Policy = serde_json::from_str(&text).map_err(|e| {
        anyhow!(
            "{}:{}:{}: not a valid policy: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    let errors = ebb_engine::validate(&policy);
    if !errors.is_empty() {
        return Err(anyhow!(
            "{}: {}",
            path.display(),
            ReplayError::InvalidPolicy(errors)
        ));
    }
    Ok(policy)
}

/// A workload spec replaying `trace` with `sizing`.
pub fn trace_spec(trace: &Path, speed: f64, scale: f64, sizing: &Sizing) -> SimWorkloadSpec {
    SimWorkloadSpec {
        capacity_per_instance: sizing.capacity_per_instance,
        initial_replicas: sizing.initial_replicas,
        demand: DemandSpec::Trace {
            path: trace.to_path_buf(),
            time_compression: speed,
            scale,
        },
        ..SimWorkloadSpec::default()
    }
}

/// Runs `ebb replay`.
pub fn replay_command(args: &ReplayArgs) -> anyhow::Result<()> {
    let policy = load_policy(&args.policy)?;
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return Err(anyhow!(
            "--speed must be a positive number, got {}",
            args.speed
        ));
    }
    let trace = TraceData::load(&args.trace)?;
    let sizing = Sizing::for_trace(&trace, args.scale, args.capacity);
    let spec = SimWorkloadSpec {
        startup_secs: args.startup,
        drain_secs: args.drain,
        ..trace_spec(&args.trace, args.speed, args.scale, &sizing)
    };
    let opts = ReplayOptions {
        interval_secs: args.interval,
        step_secs: args.step,
        ..ReplayOptions::default()
    };
    let began = Instant::now();
    let report = run_replay(&policy, &spec, &opts)?;
    let wall = began.elapsed();
    println!(
        "replay of {} ({} points, speed {}×, scale {})",
        args.trace.display(),
        trace.len(),
        args.speed,
        args.scale
    );
    println!(
        "workload: {:.3} units/s per instance at 100 % cpu{}, start-up {} s, drain {} s, {} initial replicas",
        sizing.capacity_per_instance,
        if args.capacity.is_none() {
            format!(" (trace mean needs {MEAN_INSTANCES} at {:.0} %)", TARGET_UTILIZATION * 100.0)
        } else {
            String::new()
        },
        args.startup,
        args.drain,
        sizing.initial_replicas
    );
    println!(
        "policy: {} (min {}, max {})",
        args.policy.display(),
        policy.min_replicas,
        policy.max_replicas
    );
    print!("{}", summary(&report));
    println!(
        "wall time               {:.3} s ({})",
        wall.as_secs_f64(),
        build_kind()
    );
    if let Some(prefix) = &args.out {
        write_outputs(&report, prefix).context("writing the timeline")?;
        println!("timeline written to {0}.csv and {0}.json", prefix.display());
    }
    Ok(())
}
