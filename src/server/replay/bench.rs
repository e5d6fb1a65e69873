//! `ebb bench-traces`: replays every CSV trace in a folder with HPA's defaults and with the
//! recommended (predictive) policy on the same simulated workloads, and prints one markdown
//! table per policy and their comparison (optionally written to a file: `bench/`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, Context};
use clap::Args;

use ebb_engine::{Forecast, Policy};

pub use crate::model::templates::{hpa_default_policy, recommended_policy};

use super::cli::trace_spec;
use super::output::{build_kind, human_secs};
use super::report::ReplayReport;
use super::run::{run_replay, ReplayOptions};
use super::sizing::{Sizing, MEAN_INSTANCES, TARGET_UTILIZATION};
use crate::server::orchestrator::simulator::{SimWorkloadSpec, TraceData};

/// Flags of `ebb bench-traces`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Folder whose `*.csv` traces are replayed.
    #[arg(long, default_value = "../shared/traces", value_name = "DIR")]
    pub dir: PathBuf,
    /// Also write the tables (with their assumptions) to this markdown file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Which policies: `both` (HPA defaults and the recommended policy, compared), `hpa`
    /// (the baseline alone) or `recommended`.
    #[arg(long, value_enum, default_value = "both")]
    pub policy: BenchPolicy,
    /// Forecast settings (JSON of the engine's `Forecast`) replacing the recommended policy's,
    /// to try a setting on every trace.
    #[arg(long, value_name = "JSON")]
    pub forecast: Option<String>,
    /// Replay this policy (JSON of the engine's `Policy`) in place of the recommended one; its
    /// `max_replicas` is replaced per trace by what the trace's peak needs.
    #[arg(long, value_name = "FILE")]
    pub policy_file: Option<PathBuf>,
}

/// The policies `bench-traces` replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchPolicy {
    /// HPA defaults and the recommended policy, compared.
    Both,
    /// HPA defaults alone (the baseline).
    Hpa,
    /// The recommended policy alone.
    Recommended,
}

/// One side of the comparison: a name and its policy for a trace's `max_replicas`.
struct Side {
    name: &'static str,
    policy: Box<dyn Fn(u32) -> Policy>,
}

/// Runs `ebb bench-traces`.
pub fn bench_command(args: &BenchArgs) -> anyhow::Result<()> {
    let files = csv_files(&args.dir)?;
    let challenger = challenger(args)?;
    let hpa = Side {
        name: "HPA defaults",
        policy: Box::new(hpa_default_policy),
    };
    let sides = match args.policy {
        BenchPolicy::Both => vec![hpa, challenger],
        BenchPolicy::Hpa => vec![hpa],
        BenchPolicy::Recommended => vec![challenger],
    };
    let mut text = header(&args.dir, &flags(args), sides.len() == 2);
    let mut results: Vec<Vec<(ReplayReport, f64)>> = Vec::new();
    for side in &sides {
        let policy = (side.policy)(10);
        text.push_str(&section(side.name, &policy));
        let mut total = Totals::default();
        let mut rows = Vec::new();
        for path in &files {
            let (row, r) = bench_one(path, &*side.policy)?;
            text.push_str(&row);
            total.add(&r);
            rows.push(r);
            eprint!(".");
        }
        text.push_str(&total.row());
        text.push('\n');
        results.push(rows);
    }
    eprintln!();
    if let [base, other] = results.as_slice() {
        text.push_str(&comparison(&files, base, other, sides[1].name));
    }
    print!("{text}");
    if let Some(out) = &args.out {
        std::fs::write(out, &text).with_context(|| format!("{}: cannot write", out.display()))?;
    }
    Ok(())
}

/// The policy compared with HPA's defaults: the recommended one, or `--policy-file`, with
/// `--forecast` applied; validated once.
fn challenger(args: &BenchArgs) -> anyhow::Result<Side> {
    let forecast: Option<Forecast> = match &args.forecast {
        Some(json) => Some(
            serde_json::from_str(json)
                .map_err(|e| anyhow!("--forecast: not a forecast setting: {e}"))?,
        ),
        None => None,
    };
    let base = match &args.policy_file {
        Some(path) => Some(super::cli::load_policy(path)?),
        None => None,
    };
    let name = if base.is_some() || forecast.is_some() {
        "policy under test"
    } else {
        "recommended policy"
    };
    let policy = move |max| {
        let mut p = match &base {
            Some(p) => Policy {
                max_replicas: max,
                ..p.clone()
            },
            None => recommended_policy(max),
        };
        if let Some(f) = &forecast {
            p.forecast = Some(f.clone());
        }
        p
    };
    let errors = ebb_engine::validate(&policy(10));
    if !errors.is_empty() {
        return Err(anyhow!(
            "the policy to compare: {}",
            super::ReplayError::InvalidPolicy(errors)
        ));
    }
    Ok(Side {
        name,
        policy: Box::new(policy),
    })
}

/// The command line that reproduces the output.
fn flags(args: &BenchArgs) -> String {
    let mut flags = String::new();
    match args.policy {
        BenchPolicy::Both => {}
        BenchPolicy::Hpa => flags.push_str(" --policy hpa"),
        BenchPolicy::Recommended => flags.push_str(" --policy recommended"),
    }
    if let Some(path) = &args.policy_file {
        let _ = write!(flags, " --policy-file {}", path.display());
    }
    if let Some(json) = &args.forecast {
        let _ = write!(flags, " --forecast '{json}'");
    }
    flags
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

/// The title, the command and the assumptions both sides share.
fn header(dir: &Path, flags: &str, compared: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Replay {}over the shared traces\n",
        if compared {
            "comparison: HPA defaults and the recommended policy, "
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "Produced by `ebb bench-traces --dir {}{flags}` ({}).\n",
        dir.display(),
        build_kind()
    );
    let _ = writeln!(
        s,
        "- Workload: demand = trace value (scale 1, real time, no compression); capacity per instance = \
         trace mean / ({MEAN_INSTANCES} × {TARGET_UTILIZATION}), so the mean needs {MEAN_INSTANCES} instances at the target; \
         CPU request 0.5 and limit 1 core, so an instance bursts to 200 % of its request (twice that capacity, and HPA \
         sees utilization above 100 %); start-up drawn per instance from \
         {STARTUP_MIN}–{STARTUP_MAX} s (seed {SEED}), drain 15 s, no faults; initial replicas sized for the first point; \
         model step 5 s; every policy evaluated every 15 s, max = instances the trace peak needs at {:.0} % \
         (at least 10, at most 1000).",
        TARGET_UTILIZATION * 100.0
    );
    let _ = writeln!(
        s,
        "- Metrics as Kubernetes shows them: CPU is the mean of a 30 s window published 15 s after it closes, on a \
         15 s grid (metrics-server); the controller never sees the present."
    );
    let _ = writeln!(
        s,
        "- Demand above ready capacity waits in a queue holding 60 s of capacity (beyond it, it is dropped); \
         **unserved** = dropped + served after more than the 1 s latency SLO, as a share of offered demand; \
         **SLO min** = minutes in which arriving demand was dropped or would wait beyond the SLO; **under cap. min** = \
         minutes with demand above ready capacity."
    );
    let _ = writeln!(
        s,
        "- SPEC elasticity metrics (Herbst et al. 2016), demand d = instances needed at 100 % of the request, \
         supply s = ready instances, in %: θ_U / θ_O mean relative under / over-provisioning, τ_U / τ_O share of time \
         under / over-provisioned, inst. = share of time supply and demand moved in different directions. Lower is \
         better for all."
    );
    let _ = writeln!(
        s,
        "- A rise is demand going above ready capacity after being at or below it; rise → capacity lasts until ready \
         capacity is at or above demand again. Wall time is the whole replay including parsing the trace. The total adds \
         demand in instance-seconds (demand ÷ the trace's capacity per instance) so traces in different units add up, \
         and weights the elasticity percentages by each trace's duration.\n"
    );
    s
}

/// One side's heading, its policy and the table's head.
fn section(name: &str, policy: &Policy) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## {name}\n");
    if *policy == hpa_default_policy(policy.max_replicas) {
        let _ = writeln!(
            s,
            "CPU utilization target {:.0} %, tolerance 0.1, autoscaling/v2 default behavior (scale-up max(4 \
             instances, 100 %) per 15 s, scale-down 300 s window, 100 % per 15 s), no cooldown, min 1.\n",
            TARGET_UTILIZATION * 100.0
        );
    } else {
        let mut p = policy.clone();
        p.max_replicas = 0;
        let json = serde_json::to_string(&p).unwrap_or_default();
        let _ = writeln!(s, "Policy (`max_replicas` set per trace): `{json}`\n");
    }
    if let Some(f) = policy.forecast.as_ref().filter(|f| f.computed()) {
        let _ = writeln!(
            s,
            "Forecast: `{}`, p{:.0} of the total CPU, lead {}, acting after {} h of history, scale-down window {} \
             while forecast and load agree the load has fallen; updated every minute and refreshed every 15 min from \
             1-minute means of what the controller observed (never the simulator's true demand).\n",
            f.mode.code(),
            f.quantile * 100.0,
            f.lead_secs.map_or_else(
                || format!("start-up ({STARTUP_MAX} s) + interval"),
                |l| format!("{l} s")
            ),
            f.min_history_hours,
            f.scale_down_window_secs
                .map_or_else(|| "unchanged".to_string(), |w| format!("{w} s")),
        );
    }
    if let Some(sat) = &policy.saturation {
        let _ = writeln!(
            s,
            "Saturation: while the ready instances use at least {:.0} % of their CPU limit (1 core, 200 % of the \
             request) and more than the target, the CPU metric asks {}× what HPA's ratio asks of the ready \
             instances; the scale-up rate policies bound each step.\n",
            sat.limit_percent, sat.factor
        );
    }
    let _ = writeln!(s, "| trace | points | capacity/inst | max | replica-hours | unserved % | SLO min | under cap. min | scale actions (up/down) | θ_U | θ_O | τ_U | τ_O | inst. | rises | median rise→capacity | p95 | wall ms |");
    let _ = writeln!(
        s,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    s
}

/// Per trace and in total: unserved demand and replica-hours of `other` against `base`, and
/// whether the goal (at least 50 % less unserved at no more replica-hours, where HPA
/// leaves more than 0.1 % unserved) is met.
fn comparison(
    files: &[PathBuf],
    base: &[(ReplayReport, f64)],
    other: &[(ReplayReport, f64)],
    name: &str,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## {name} against HPA defaults\n");
    let _ = writeln!(
        s,
        "Goal: at least 50 % less unserved demand than HPA defaults at no more than 100 % of its \
         replica-hours, in total and on every trace where HPA defaults leave more than 0.1 % unserved.\n"
    );
    let _ = writeln!(s, "| trace | unserved % HPA | unserved % {name} | less unserved | replica-hours HPA | replica-hours {name} | of HPA's | goal |");
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---|");
    let (mut b_total, mut o_total) = (Totals::default(), Totals::default());
    for ((path, b), o) in files.iter().zip(base).zip(other) {
        b_total.add(b);
        o_total.add(o);
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (bu, ou) = (b.0.unserved_share * 100.0, o.0.unserved_share * 100.0);
        s.push_str(&compare_row(
            &name,
            bu,
            ou,
            b.0.replica_hours,
            o.0.replica_hours,
        ));
    }
    let (bu, ou) = (b_total.unserved_pct(), o_total.unserved_pct());
    s.push_str(&compare_row(
        "**total**",
        bu,
        ou,
        b_total.replica_hours,
        o_total.replica_hours,
    ));
    s
}

fn compare_row(name: &str, bu: f64, ou: f64, brh: f64, orh: f64) -> String {
    let less = if bu > 0.0 {
        100.0 * (1.0 - ou / bu)
    } else {
        0.0
    };
    let of = if brh > 0.0 { 100.0 * orh / brh } else { 0.0 };
    let goal = if bu <= 0.1 && name != "**total**" {
        "n/a (HPA ≤ 0.1 %)"
    } else if less >= 50.0 && of <= 100.0 {
        "met"
    } else {
        "missed"
    };
    format!(
        "| {name} | {bu:.3} | {ou:.3} | {less:.0} % | {brh:.1} | {orh:.1} | {of:.0} % | {goal} |\n"
    )
}

/// Shortest and longest start-up of a bench instance, in seconds.
const STARTUP_MIN: u32 = 20;
const STARTUP_MAX: u32 = 60;
/// The bench's fixed seed (start-up draws).
const SEED: u64 = 1;

/// The simulated workload every trace is replayed on: sized from the trace, with the
/// simulator's default resources (CPU limit twice the request, so instances burst to 200 %),
/// metric lag and queue, and start-ups drawn from 20–60 s.
pub fn bench_spec(path: &Path, sizing: &Sizing) -> SimWorkloadSpec {
    SimWorkloadSpec {
        startup_secs: STARTUP_MIN,
        startup_max_secs: STARTUP_MAX,
        seed: SEED,
        ..trace_spec(path, 1.0, 1.0, sizing)
    }
}

/// The sums behind the table's total row. Demand is added in instance-seconds (units ÷ the
/// trace's capacity per instance) so traces in different units add up; the elasticity
/// percentages are weighted by each replay's duration.
#[derive(Debug, Default)]
struct Totals {
    offered_instance_secs: f64,
    unserved_instance_secs: f64,
    replica_hours: f64,
    slo_minutes: f64,
    under_capacity_minutes: f64,
    ups: u32,
    downs: u32,
    secs: f64,
    /// θ_U, θ_O, τ_U, τ_O, instability, each × seconds.
    elasticity_secs: [f64; 5],
    rises: usize,
}

impl Totals {
    fn add(&mut self, (r, capacity): &(ReplayReport, f64)) {
        self.offered_instance_secs += r.offered_units / capacity;
        self.unserved_instance_secs += r.unserved_units / capacity;
        self.replica_hours += r.replica_hours;
        self.slo_minutes += r.slo_violation_minutes;
        self.under_capacity_minutes += r.minutes_over_capacity;
        self.ups += r.scale_ups;
        self.downs += r.scale_downs;
        let secs = (r.end - r.start).num_milliseconds() as f64 / 1000.0;
        self.secs += secs;
        let e = &r.elasticity;
        let pct = [
            e.under_accuracy_pct,
            e.over_accuracy_pct,
            e.under_time_pct,
            e.over_time_pct,
            e.instability_pct,
        ];
        for (sum, p) in self.elasticity_secs.iter_mut().zip(pct) {
            *sum += p * secs;
        }
        self.rises += r.rise_to_capacity.count;
    }

    /// Unserved share of the offered demand, in percent.
    fn unserved_pct(&self) -> f64 {
        if self.offered_instance_secs > 0.0 {
            100.0 * self.unserved_instance_secs / self.offered_instance_secs
        } else {
            0.0
        }
    }

    fn row(&self) -> String {
        let share = self.unserved_pct();
        let e = self
            .elasticity_secs
            .map(|x| if self.secs > 0.0 { x / self.secs } else { 0.0 });
        format!(
            "| **total** | | | | {:.1} | {share:.3} | {:.1} | {:.1} | {} ({}/{}) | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} | | | |\n",
            self.replica_hours,
            self.slo_minutes,
            self.under_capacity_minutes,
            self.ups + self.downs,
            self.ups,
            self.downs,
            e[0],
            e[1],
            e[2],
            e[3],
            e[4],
            self.rises,
        )
    }
}

fn bench_one(
    path: &Path,
    policy: &dyn Fn(u32) -> Policy,
) -> anyhow::Result<(String, (ReplayReport, f64))> {
    let trace = TraceData::load(path)?;
    let sizing = Sizing::for_trace(&trace, 1.0, None);
    let policy = policy(sizing.max_replicas);
    let spec = bench_spec(path, &sizing);
    let began = Instant::now();
    let r = run_replay(&policy, &spec, &ReplayOptions::default())?;
    let wall_ms = began.elapsed().as_secs_f64() * 1000.0;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rise = &r.rise_to_capacity;
    let e = &r.elasticity;
    let row = format!(
        "| {name} | {} | {:.4} | {} | {:.1} | {:.3} | {:.1} | {:.1} | {} ({}/{}) | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} | {} | {:.0} |\n",
        trace.len(),
        sizing.capacity_per_instance,
        sizing.max_replicas,
        r.replica_hours,
        r.unserved_share * 100.0,
        r.slo_violation_minutes,
        r.minutes_over_capacity,
        r.scale_actions(),
        r.scale_ups,
        r.scale_downs,
        e.under_accuracy_pct,
        e.over_accuracy_pct,
        e.under_time_pct,
        e.over_time_pct,
        e.instability_pct,
        rise.count,
        human_secs(rise.median_secs),
        human_secs(rise.p95_secs),
        wall_ms
    );
    Ok((row, (r, sizing.capacity_per_instance)))
}
