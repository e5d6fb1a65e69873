//! What-if: the edited policy and the current one, the same metrics with HPA's defaults, or
//! both, replayed (see [`crate::server::replay`]) over the same whole load (as far as the work
//! limit reaches) — a workload's recorded demand of the last 24 h or 7 d, or a trace from
//! the traces folder — summarised for the editor: replica curves, replica-hours, unserved.
//! Each preview is a background job ([`crate::server::replay::jobs`]) the editor follows.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use ebb_engine::Policy;

use crate::model::policies::{ReplaySummary, WhatIf, WhatIfState};
use crate::model::policy_form::{self as pf, FormFields};
use crate::model::ApiError;
use crate::server::orchestrator::simulator::{DemandSpec, FaultSpec, SimWorkloadSpec, TraceData};
use crate::server::replay::cli::trace_spec;
use crate::server::replay::gate::ReplayGate;
use crate::server::replay::jobs::Job;
use crate::server::replay::sizing::Sizing;
use crate::server::replay::{budget, ReplayOptions, ReplayReport};
use crate::server::store::Store;

/// Longest replay the editor asks for (the work limit may shorten it; see [`budget`]).
const MAX_SECS: f64 = 400.0 * 86_400.0;
/// Points per chart curve.
const CHART_POINTS: usize = 400;

/// The traces folder (`--traces-dir`).
fn traces_dir() -> PathBuf {
    crate::api::state()
        .map(|s| s.inner.traces_dir.clone())
        .unwrap_or_else(|_| PathBuf::from("../shared/traces"))
}

/// CSV files in the traces folder, by name (none when it is missing).
pub fn trace_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(traces_dir())
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.to_ascii_lowercase().ends_with(".csv"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// How long a preview request waits for its job: a replay done by then is answered at once,
/// a longer one is followed through its progress.
const ANSWER_WITHIN: StdDuration = StdDuration::from_secs(2);
/// How often a queued job asks the gate for a slot.
const QUEUE_POLL: StdDuration = StdDuration::from_millis(50);

/// Starts the what-if described by `form` as a background job of the signed-in editor (which
/// replaces a running one of theirs) and answers with its result if it finished within
/// [`ANSWER_WITHIN`], else with its progress; and the job's id. The form is checked and its load read first, so
/// bad input is a field error and starts nothing. The replay's work is bounded (a costly policy
/// is replayed over the beginning of the load only, and the label says so; see [`budget`]).
pub async fn start(form: &FormFields) -> Result<(String, WhatIfState), ApiError> {
    let user = crate::api::require(crate::model::auth::Role::Editor)?;
    let state = crate::api::state()?;
    let check = form.check_within(state.inner.max_replicas_cap);
    let edited = match check.policy {
        Some(p) if check.errors.is_empty() => p,
        _ => return Err(ApiError::Invalid(check.errors)),
    };
    let store = state.store();
    let (spec, opts, source, workload_policy) = load(form, store).await?;
    let hpa = || {
        (
            "HPA defaults".to_string(),
            crate::model::templates::with_hpa_defaults(&edited),
        )
    };
    let baselines: Vec<(String, Policy)> = match form.get(pf::WHATIF_COMPARE) {
        "hpa" => vec![hpa()],
        "both" => baseline(form, workload_policy, store)
            .await?
            .into_iter()
            .chain([hpa()])
            .collect(),
        "current" | "" => baseline(form, workload_policy, store)
            .await?
            .into_iter()
            .collect(),
        other => {
            return Err(ApiError::invalid(
                pf::WHATIF_COMPARE,
                format!(
                    "'{}' is not current, hpa or both",
                    other.chars().take(40).collect::<String>()
                ),
            ))
        }
    };
    let runs = std::iter::once("the edited policy".to_string())
        .chain(baselines.iter().map(|(label, _)| label.clone()))
        .collect();
    let job = state.inner.whatifs.start(&user.username, source, runs);
    let task = Replay {
        job: job.clone(),
        gate: state.inner.replays.clone(),
        edited,
        baselines,
        spec,
        opts,
    };
    tokio::spawn(task.run());
    Ok((job.id().to_string(), job.wait(ANSWER_WITHIN).await))
}

/// Cancels the signed-in editor's job `id`; where it then stands.
pub async fn cancel(id: &str) -> Result<WhatIfState, ApiError> {
    let user = crate::api::require(crate::model::auth::Role::Editor)?;
    let jobs = &crate::api::state()?.inner.whatifs;
    if let Some(job) = jobs.get(&user.username, id) {
        job.cancel("you stopped it");
        // The replay stops within one evaluation: answer with the outcome, not "stopping".
        return Ok(job.wait(ANSWER_WITHIN).await);
    }
    Ok(jobs.state(&user.username, id))
}

/// Where the signed-in user's job `id` stands (only editors start jobs, so only they see one).
pub fn state_of(id: &str) -> WhatIfState {
    use crate::model::auth::Role;
    match crate::api::signed_in() {
        Some(u) if u.role.allows(Role::Editor) => match crate::api::state() {
            Ok(s) => s.inner.whatifs.state(&u.username, id),
            Err(e) => WhatIfState::Stopped(e.to_string()),
        },
        Some(u) => WhatIfState::Stopped(format!(
            "Nothing to show: what-if previews need the editor role, and {} has the {} role.",
            u.username,
            u.role.name()
        )),
        None => WhatIfState::Stopped("Nothing to show: sign in as an editor to preview.".into()),
    }
}

/// A job's work: wait for a replay slot, replay every policy on a blocking thread, and record
/// the summary (or why there is none).
struct Replay {
    job: Arc<Job>,
    gate: Arc<ReplayGate>,
    edited: Policy,
    baselines: Vec<(String, Policy)>,
    spec: SimWorkloadSpec,
    opts: ReplayOptions,
}

impl Replay {
    async fn run(self) {
        let job = self.job.clone();
        let outcome = self.replay().await;
        job.finish(outcome);
    }

    async fn replay(self) -> WhatIfState {
        let slot = loop {
            if self.job.cancelled() {
                return WhatIfState::Stopped("cancelled before it started".into());
            }
            match self.gate.try_start(self.job.owner()) {
                Ok(slot) => break slot,
                Err(_) => tokio::time::sleep(QUEUE_POLL).await,
            }
        };
        self.job.replaying();
        let control = self.job.control();
        let mut source = self.job.source().to_string();
        let Replay {
            edited,
            baselines,
            spec,
            opts,
            ..
        } = self;
        let wanted = opts.duration_secs.unwrap_or_default();
        let work = move || {
            // Held until the work has stopped, so the user's slot frees only then.
            let _slot = slot;
            budget::replay_all(&edited, baselines, &spec, &opts, &control)
        };
        let (a, rest) = match tokio::task::spawn_blocking(work).await {
            Ok(Ok(reports)) => reports,
            Ok(Err(e)) => return WhatIfState::Stopped(e.to_string()),
            Err(e) => return WhatIfState::Stopped(format!("the replay failed: {e}")),
        };
        if let Some(note) = budget::shortened_note(&a, wanted) {
            source = format!("{source}; {note}");
        }
        let (times, demand) = axis(&a);
        WhatIfState::Done(Box::new(WhatIf {
            source,
            times,
            demand,
            edited: summary("edited", &a),
            current: rest.first().map(|(label, r)| summary(label, r)),
            others: rest
                .iter()
                .skip(1)
                .map(|(label, r)| summary(label, r))
                .collect(),
        }))
    }
}

type Loaded = (SimWorkloadSpec, ReplayOptions, String, Option<i64>);

async fn load(form: &FormFields, store: &Store) -> Result<Loaded, ApiError> {
    let source = form.get(pf::WHATIF_SOURCE);
    if source == "trace" {
        return load_trace(form.get(pf::WHATIF_TRACE));
    }
    let hours = match source {
        "7d" => 7 * 24,
        "24h" | "" => 24,
        other => {
            return Err(ApiError::invalid(
                pf::WHATIF_SOURCE,
                format!("'{other}' is not 24h, 7d or trace"),
            ))
        }
    };
    let bad = |m: String| ApiError::invalid(pf::WHATIF_WORKLOAD, m);
    let id: i64 = form
        .get(pf::WHATIF_WORKLOAD)
        .parse()
        .map_err(|_| bad("choose a workload".into()))?;
    let row = store
        .workloads()
        .await?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or_else(|| bad(format!("there is no workload {id}")))?;
    let now = Utc::now();
    let points = store.chart(id, now - Duration::hours(hours), now).await?;
    let series: Vec<_> = points
        .iter()
        .filter_map(|p| Some((crate::server::store::time::parse(&p.at)?, p.demand?)))
        .filter(|(_, d)| d.is_finite() && *d >= 0.0)
        .collect();
    if series.len() < 2 {
        return Err(bad(format!(
            "{} has no recorded demand in the last {hours} h yet; choose a trace instead",
            row.name
        )));
    }
    let first_replicas = points.first().map(|p| p.current.max(1) as u32).unwrap_or(1);
    let mut spec = if row.backend_kind == "simulator" {
        serde_json::from_str::<SimWorkloadSpec>(&row.spec).unwrap_or_default()
    } else {
        let trace =
            TraceData::from_points(row.name.clone(), &series).map_err(|e| bad(e.to_string()))?;
        let s = Sizing::for_trace(&trace, 1.0, None);
        SimWorkloadSpec {
            capacity_per_instance: s.capacity_per_instance,
            ..SimWorkloadSpec::default()
        }
    };
    let start = series[0].0;
    let span = (series[series.len() - 1].0 - start).num_seconds() as f64;
    let label = format!(
        "{}, recorded demand of the last {} ({} points)",
        row.name,
        if hours == 24 { "24 h" } else { "7 d" },
        series.len()
    );
    spec.initial_replicas = first_replicas;
    spec.faults = FaultSpec::default();
    spec.demand = DemandSpec::Series {
        points: series,
        time_compression: 1.0,
        scale: 1.0,
    };
    let opts = ReplayOptions {
        start: Some(start),
        duration_secs: Some(span.clamp(60.0, MAX_SECS)),
        interval_secs: u32::try_from(row.interval_secs).unwrap_or(15).max(1),
        ..ReplayOptions::default()
    };
    Ok((spec, opts, label, row.policy_id))
}

fn load_trace(name: &str) -> Result<Loaded, ApiError> {
    let bad = |m: String| ApiError::invalid(pf::WHATIF_TRACE, m);
    if !trace_names().iter().any(|n| n == name) {
        return Err(bad(format!("'{name}' is not a trace in the traces folder")));
    }
    let path = traces_dir().join(name);
    let trace = TraceData::load(&path).map_err(|e| bad(e.to_string()))?;
    let sizing = Sizing::for_trace(&trace, 1.0, None);
    let spec = trace_spec(&path, 1.0, 1.0, &sizing);
    let opts = ReplayOptions {
        duration_secs: Some(trace.span_secs().clamp(60.0, MAX_SECS)),
        ..ReplayOptions::default()
    };
    let label = format!("trace {name} ({} points)", trace.len());
    Ok((spec, opts, label, None))
}

/// The policy to compare with: the stored current version of the policy being edited, else
/// the current policy of the chosen workload.
async fn baseline(
    form: &FormFields,
    workload_policy: Option<i64>,
    store: &Store,
) -> Result<Option<(String, Policy)>, ApiError> {
    let own = form.get(pf::ID).parse::<i64>().ok();
    let Some(id) = own.or(workload_policy) else {
        return Ok(None);
    };
    let Some(v) = store.current_policy(id).await? else {
        return Ok(None);
    };
    let label = if own.is_some() {
        format!("current v{}", v.version)
    } else {
        format!("workload's policy v{}", v.version)
    };
    Ok(Some((label, v.body)))
}

fn chunk(n: usize) -> usize {
    n.div_ceil(CHART_POINTS).max(1)
}

fn axis(r: &ReplayReport) -> (Vec<i64>, Vec<f64>) {
    let c = chunk(r.timeline.len());
    r.timeline
        .chunks(c)
        .map(|rows| {
            (
                rows[0].at.timestamp(),
                rows.iter().map(|x| x.offered).sum::<f64>() / rows.len() as f64,
            )
        })
        .unzip()
}

fn summary(label: &str, r: &ReplayReport) -> ReplaySummary {
    let c = chunk(r.timeline.len());
    ReplaySummary {
        label: label.to_string(),
        replica_hours: r.replica_hours,
        offered_units: r.offered_units,
        unserved_units: r.unserved_units,
        unserved_share: r.unserved_share,
        minutes_over_capacity: r.minutes_over_capacity,
        scale_ups: r.scale_ups,
        scale_downs: r.scale_downs,
        replicas: r
            .timeline
            .chunks(c)
            .map(|rows| rows.iter().map(|x| x.current_replicas).max().unwrap_or(0) as f64)
            .collect(),
    }
}
