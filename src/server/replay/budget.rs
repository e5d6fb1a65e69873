//! How much work a replay may do, so a what-if of the largest policy the editor accepts still
//! answers in seconds. Work is counted per evaluation in units of about one microsecond of
//! one core of the reference machine (2 cores, release build), from what was measured there
//! over 7 days at 15 s (40,321 evaluations): a plain cpu policy near 12 instances 0.41 s;
//! 200 instances 6.8 s, 1,000 instances 28 s (0.7 µs per instance); 10 metrics or 100 steps a
//! tenth of a second. A schedule cost 19 µs an evaluation while its cron was read in its zone
//! every time; the engine now remembers each window until the next start, and 20 schedules add
//! 0.15 s to 158,773 evaluations (about 0.05 µs per schedule); a forecast makes a replay 1.7–2×
//! as long (a prediction each evaluation, a sample each minute). A replay that reaches its limit
//! stops there and reports the shorter span; [`replay_all`] replays several policies over the
//! same span.

use std::sync::atomic::Ordering;

use ebb_engine::Policy;

use super::run::{run_replay_until, Control, ReplayError, ReplayOptions};
use super::ReplayReport;
use crate::server::orchestrator::simulator::SimWorkloadSpec;

/// Work one what-if replay may do: about 30–40 s here (two policies pinned at 1,000 instances
/// took 75 s), as a background job with progress (see [`crate::server::replay::jobs`]). Enough for a plain or forecasting policy over the whole of
/// every shared trace, the 215-day taxi one included; a policy near a thousand instances covers
/// a few weeks. The units are measured in a release build; an unoptimised (test) build is
/// about ten times slower per unit and gets a sixtieth, so tests stay quick.
pub const WHATIF_WORK: f64 = if cfg!(debug_assertions) { 5e5 } else { 3e7 };

/// Work units of one evaluation of `policy` with `instances` instances.
pub fn evaluation_units(policy: &Policy, instances: u32) -> f64 {
    let metrics = policy.metrics.len() as f64;
    let steps: usize = policy.step_rules.iter().map(|r| r.steps.len() + 1).sum();
    2.0 + f64::from(instances) * (0.7 + 0.05 * metrics)
        + 0.1 * policy.schedules.len() as f64
        + 0.05 * steps as f64
        + if policy.forecast.as_ref().is_some_and(|f| f.computed()) {
            8.0
        } else {
            0.0
        }
}

/// Replays `edited` and each of `baselines` over the same span within [`WHATIF_WORK`] each:
/// the span is the requested one, or as much of its beginning as the costliest policy fits.
/// Reports which run is under way (0 = `edited`, then each baseline; a rerun over a shorter
/// span counts as the last) and stops with [`ReplayError::Cancelled`] once `control` is
/// cancelled.
pub fn replay_all(
    edited: &Policy,
    baselines: Vec<(String, Policy)>,
    spec: &SimWorkloadSpec,
    opts: &ReplayOptions,
    control: &Control,
) -> Result<(ReplayReport, Vec<(String, ReplayReport)>), ReplayError> {
    let mut opts = ReplayOptions {
        work_limit: Some(WHATIF_WORK),
        ..opts.clone()
    };
    control.run.store(0, Ordering::Relaxed);
    let mut a = run_replay_until(edited, spec, &opts, control)?;
    let mut rest: Vec<(String, ReplayReport)> = Vec::with_capacity(baselines.len());
    for (i, (label, policy)) in baselines.iter().enumerate() {
        control.run.store(i + 1, Ordering::Relaxed);
        // No further than the shortest span so far: nothing beyond it is compared.
        let so_far = rest
            .iter()
            .map(|(_, r)| span_secs(r))
            .fold(span_secs(&a), f64::min);
        opts.duration_secs = Some(so_far);
        let b = run_replay_until(policy, spec, &opts, control)?;
        rest.push((label.clone(), b));
    }
    // A costlier baseline covered less: replay the others over its shorter span (which costs
    // less than their first run did).
    let shortest = rest.iter().map(|(_, r)| r.end).fold(a.end, |m, e| m.min(e));
    opts.duration_secs = Some((shortest - a.start).num_milliseconds() as f64 / 1000.0);
    opts.work_limit = None;
    if a.end > shortest {
        a = run_replay_until(edited, spec, &opts, control)?;
    }
    for ((_, policy), (_, report)) in baselines.iter().zip(rest.iter_mut()) {
        if report.end > shortest {
            *report = run_replay_until(policy, spec, &opts, control)?;
        }
    }
    Ok((a, rest))
}

/// Seconds from the first evaluation to the end of `r`.
pub fn span_secs(r: &ReplayReport) -> f64 {
    (r.end - r.start).num_milliseconds() as f64 / 1000.0
}

/// What to tell the user when `r` covers less than the `wanted` seconds.
pub fn shortened_note(r: &ReplayReport, wanted: f64) -> Option<String> {
    let got = span_secs(r);
    (got + f64::from(r.interval_secs) < wanted).then(|| {
        format!(
            "replayed the first {} of {}: the what-if's work limit (each schedule, replica and \
             metric makes a step dearer)",
            human(got),
            human(wanted)
        )
    })
}

/// "2 d 3 h", "5 h 10 min", "40 min".
pub(crate) fn human(secs: f64) -> String {
    let mins = (secs / 60.0).round() as u64;
    let (d, h, m) = (mins / 1440, mins / 60 % 24, mins % 60);
    match (d, h, m) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        let cases = [
            (600.0, "10 min"),
            (7200.0, "2 h"),
            (18_600.0, "5 h 10 min"),
            (86_400.0, "1 d"),
            (7.0 * 86_400.0, "7 d"),
            (2.0 * 86_400.0 + 3.0 * 3600.0 + 120.0, "2 d 3 h"),
        ];
        for (secs, want) in cases {
            assert_eq!(human(secs), want, "{secs}");
        }
    }

    #[test]
    fn replicas_make_evaluations_dearer_than_schedules() {
        let plain = Policy::default();
        let scheduled = Policy {
            schedules: vec![ebb_engine::Schedule::default(); 20],
            ..Policy::default()
        };
        assert!(evaluation_units(&plain, 1000) > 100.0 * evaluation_units(&plain, 1));
        // Schedules are remembered between starts: twenty add little.
        let (with, without) = (
            evaluation_units(&scheduled, 10),
            evaluation_units(&plain, 10),
        );
        assert!(
            with > without && with < 1.5 * without,
            "{with} vs {without}"
        );
    }
}
