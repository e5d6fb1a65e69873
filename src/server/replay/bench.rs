//! `ebb bench-traces`: replays every CSV trace in a folder with an HPA-default policy and
//! prints one markdown table (optionally written to a file, the committed baseline).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, Context};
use clap::Args;

use ebb_engine::{
    Behavior, Cooldown, MetricSource, MetricSpec, MetricTarget, Policy, ResourceName,
};

use super::cli::trace_spec;
use super::output::{build_kind, human_secs};
use super::run::{run_replay, ReplayOptions};
use super::sizing::{Sizing, MEAN_INSTANCES, TARGET_UTILIZATION};
use crate::server::orchestrator::simulator::{SimWorkloadSpec, TraceData};

/// Flags of `ebb bench-traces`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Folder whose `*.csv` traces are replayed.
    #[arg(long, default_value = "../shared/traces", value_name = "DIR")]
    pub dir: PathBuf,
    /// Also write the table (with its assumptions) to this markdown file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The HPA-default policy: CPU utilization 70 %, tolerance 0.1, autoscaling/v2 default
/// behavior, no cooldown (HPA has none), min 1, max `max_replicas`.
pub fn hpa_default_policy(max_replicas: u32) -> Policy {
    Policy {
        min_replicas: 1,
        max_replicas,
        metrics: vec![MetricSpec {
            name: "cpu".into(),
            source: MetricSource::Resource {
                resource: ResourceName::Cpu,
            },
            target: MetricTarget::Utilization(TARGET_UTILIZATION * 100.0),
        }],
        behavior: Some(Behavior::default()),
        cooldown: Cooldown {
            scale_up_secs: 0,
            scale_down_secs: 0,
        },
        ..Policy::default()
    }
}

/// Runs `ebb bench-traces`.
pub fn bench_command(args: &BenchArgs) -> anyhow::Result<()> {
    let files = csv_files(&args.dir)?;
    let mut text = header(&args.dir);
    for path in &files {
        let row = bench_one(path)?;
        text.push_str(&row);
        eprint!(".");
    }
    eprintln!();
    print!("{text}");
    if let Some(out) = &args.out {
        std::fs::write(out, &text).with_context(|| format!("{}: cannot write", out.display()))?;
    }
    Ok(())
}

fn csv_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow!("{}: cannot read the trace folder: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(anyhow!("{}: no *.csv traces found", dir.display()));
    }
    Ok(files)
}

fn header(dir: &Path) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Replay baseline: HPA-default policy over the shared traces\n"
    );
    let _ = writeln!(
        s,
        "Produced by `ebb bench-traces --dir {}` ({}).\n",
        dir.display(),
        build_kind()
    );
    let _ = writeln!(
        s,
        "- Policy: CPU utilization target {:.0} %, tolerance 0.1, autoscaling/v2 default behavior \
         (scale-up max(4 instances, 100 %) per 15 s, scale-down 300 s window, 100 % per 15 s), no cooldown, \
         evaluated every 15 s; min 1, max = instances the trace peak needs at the target (at least 10, at most 1000).",
        TARGET_UTILIZATION * 100.0
    );
    let _ = writeln!(
        s,
        "- Workload: demand = trace value (scale 1, real time, no compression); capacity per instance = \
         trace mean / ({MEAN_INSTANCES} × {TARGET_UTILIZATION}), so the mean needs {MEAN_INSTANCES} instances at the target; \
         start-up 30 s, drain 15 s, no faults; initial replicas sized for the first point; model step 5 s."
    );
    let _ = writeln!(
        s,
        "- A rise is demand going above ready capacity after being at or below it; rise → capacity lasts until ready \
         capacity is at or above demand again. Wall time is the whole replay including parsing the trace.\n"
    );
    let _ = writeln!(s, "| trace | points | capacity/inst | max | replica-hours | unserved % | min over capacity | scale actions (up/down) | rises | median rise→capacity | p95 | wall ms |");
    let _ = writeln!(
        s,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    s
}

fn bench_one(path: &Path) -> anyhow::Result<String> {
    let trace = TraceData::load(path)?;
    let sizing = Sizing::for_trace(&trace, 1.0, None);
    let policy = hpa_default_policy(sizing.max_replicas);
    let spec: SimWorkloadSpec = trace_spec(path, 1.0, 1.0, &sizing);
    let began = Instant::now();
    let r = run_replay(&policy, &spec, &ReplayOptions::default())?;
    let wall_ms = began.elapsed().as_secs_f64() * 1000.0;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rise = &r.rise_to_capacity;
    Ok(format!(
        "| {name} | {} | {:.4} | {} | {:.1} | {:.3} | {:.1} | {} ({}/{}) | {} | {} | {} | {:.0} |\n",
        trace.len(),
        sizing.capacity_per_instance,
        sizing.max_replicas,
        r.replica_hours,
        r.unserved_share * 100.0,
        r.minutes_over_capacity,
        r.scale_actions(),
        r.scale_ups,
        r.scale_downs,
        rise.count,
        human_secs(rise.median_secs),
        human_secs(rise.p95_secs),
        wall_ms
    ))
}
