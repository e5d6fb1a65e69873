//! What a replay measured: cost (replica-hours), unserved demand (dropped, or served later
//! than the latency SLO), SLO-violation and under-capacity time, scale actions, the SPEC
//! elasticity metrics, time from each demand rise to ready capacity, and the per-interval
//! timeline.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::server::orchestrator::simulator::{Elasticity, SimStats};

/// One evaluation of the policy during a replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineRow {
    /// Simulated instant of the evaluation.
    pub at: DateTime<Utc>,
    /// Offered demand (units/s).
    pub offered: f64,
    /// Served demand (units/s).
    pub served: f64,
    /// Offered minus served.
    pub unserved: f64,
    /// What the ready instances could serve.
    pub capacity: f64,
    /// Spec replicas before the decision.
    pub current_replicas: u32,
    /// Replicas the decision asked for (the current count when the backend was unreachable).
    pub desired_replicas: u32,
    /// Ready instances.
    pub ready_replicas: u32,
    /// The decision's reason code, or `Unreachable`.
    pub reason: String,
}

/// Summary of "demand rose above ready capacity → capacity caught up" episodes.
///
/// A rise starts when offered demand exceeds ready capacity after having been at or below it
/// (or at the very start); it ends when ready capacity is at or above demand again, whether
/// because instances became ready or because demand fell. Resolution is the replay step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RiseStats {
    /// Finished episodes.
    pub count: usize,
    /// An episode still open when the replay ended (not in the percentiles).
    pub unresolved: usize,
    /// Median seconds from rise to capacity.
    pub median_secs: Option<f64>,
    /// 95th percentile (nearest rank).
    pub p95_secs: Option<f64>,
    /// Longest.
    pub max_secs: Option<f64>,
}

impl RiseStats {
    /// Statistics of finished episode durations.
    pub fn from_episodes(durations: &[f64], open: bool) -> RiseStats {
        let mut d = durations.to_vec();
        d.sort_by(f64::total_cmp);
        RiseStats {
            count: d.len(),
            unresolved: usize::from(open),
            median_secs: nearest_rank(&d, 0.5),
            p95_secs: nearest_rank(&d, 0.95),
            max_secs: d.last().copied(),
        }
    }
}

/// Nearest-rank percentile of sorted values.
pub fn nearest_rank(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The result of [`super::run_replay`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayReport {
    /// First evaluation.
    pub start: DateTime<Utc>,
    /// End of the replay.
    pub end: DateTime<Utc>,
    /// Seconds between evaluations.
    pub interval_secs: u32,
    /// Integral of existing instances (starting, ready, draining, failed), in hours.
    pub replica_hours: f64,
    /// Integral of offered demand (units).
    pub offered_units: f64,
    /// Demand dropped or served later than the latency SLO (units).
    pub unserved_units: f64,
    /// Of it, dropped (the queue was full).
    pub dropped_units: f64,
    /// Of it, served late.
    pub late_units: f64,
    /// `unserved_units / offered_units` (0 when nothing was offered).
    pub unserved_share: f64,
    /// Minutes in which arriving demand was dropped or would wait beyond the SLO.
    pub slo_violation_minutes: f64,
    /// Minutes with offered demand above ready capacity.
    pub minutes_over_capacity: f64,
    /// The SPEC elasticity metrics over the replay.
    pub elasticity: ElasticityReport,
    /// Applied scale-ups.
    pub scale_ups: u32,
    /// Applied scale-downs.
    pub scale_downs: u32,
    /// Rise → capacity episodes.
    pub rise_to_capacity: RiseStats,
    /// Evaluations whose metrics could not be read.
    pub metric_failures: u32,
    /// Evaluations skipped because the backend was unreachable.
    pub unreachable: u32,
    /// One row per evaluation.
    pub timeline: Vec<TimelineRow>,
}

impl ReplayReport {
    /// Builds the summary from the simulator's totals and the replay's counters.
    pub(crate) fn new(
        stats: &SimStats,
        run: RunCounters,
        timeline: Vec<TimelineRow>,
    ) -> ReplayReport {
        let share = if stats.offered_units > 0.0 {
            stats.unserved_units / stats.offered_units
        } else {
            0.0
        };
        ReplayReport {
            start: run.start,
            end: run.end,
            interval_secs: run.interval_secs,
            replica_hours: stats.instance_secs / 3600.0,
            offered_units: stats.offered_units,
            unserved_units: stats.unserved_units,
            dropped_units: stats.dropped_units,
            late_units: stats.late_units,
            unserved_share: share,
            slo_violation_minutes: stats.slo_violation_secs / 60.0,
            minutes_over_capacity: stats.secs_over_capacity / 60.0,
            elasticity: ElasticityReport::from_sums(&stats.elasticity, stats.elapsed_secs),
            scale_ups: run.scale_ups,
            scale_downs: run.scale_downs,
            rise_to_capacity: RiseStats::from_episodes(
                &stats.over_capacity_episodes,
                stats.open_episode_since.is_some(),
            ),
            metric_failures: run.metric_failures,
            unreachable: run.unreachable,
            timeline,
        }
    }

    /// Scale actions in both directions.
    pub fn scale_actions(&self) -> u32 {
        self.scale_ups + self.scale_downs
    }
}

/// The SPEC Research Group's elasticity metrics (Herbst et al., "Ready for Rain? A View from
/// SPEC Research on the Future of Cloud Metrics", 2016), in percent, with demand counted in
/// instances needed at 100 % of the CPU request and supply in ready instances. Lower is better
/// for all five.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ElasticityReport {
    /// θ_U: mean relative shortfall of ready instances below demand.
    pub under_accuracy_pct: f64,
    /// θ_O: mean relative surplus of ready instances above demand.
    pub over_accuracy_pct: f64,
    /// τ_U: share of time with fewer ready instances than demand.
    pub under_time_pct: f64,
    /// τ_O: share of time with more ready instances than demand.
    pub over_time_pct: f64,
    /// Share of time in which supply and demand did not move in the same direction.
    pub instability_pct: f64,
}

impl ElasticityReport {
    fn from_sums(sums: &Elasticity, total_secs: f64) -> ElasticityReport {
        let [under_accuracy_pct, over_accuracy_pct, under_time_pct, over_time_pct, instability_pct] =
            sums.percentages(total_secs);
        ElasticityReport {
            under_accuracy_pct,
            over_accuracy_pct,
            under_time_pct,
            over_time_pct,
            instability_pct,
        }
    }
}

/// Counters the replay loop keeps besides the simulator's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunCounters {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub interval_secs: u32,
    pub scale_ups: u32,
    pub scale_downs: u32,
    pub metric_failures: u32,
    pub unreachable: u32,
}
