//! Per-workload forecasters for the controller and replays: the forecast metric's workload
//! total averaged into 1-minute samples (the store's roll-up step) and pushed into the
//! engine's incremental [`Forecaster`], refreshed at most every 15 minutes, and the reading
//! handed to the engine on each evaluation.

use chrono::{DateTime, Duration, Utc};

use ebb_engine::forecast::{Forecaster, Series};
use ebb_engine::{Decision, ForecastReading, Policy, ProposalKind};

use crate::server::orchestrator::WorkloadObservation;

/// Start-up assumed until an instance shows its own (seconds).
pub const DEFAULT_STARTUP_SECS: u32 = 60;

/// The longest time any instance of `obs` took from its start to ready (at most 10 min), or
/// `None` when no instance shows both.
pub fn observed_startup(obs: &WorkloadObservation) -> Option<u32> {
    obs.instances
        .iter()
        .filter_map(|i| Some((i.ready_since? - i.started_at?).num_seconds()))
        .filter(|s| *s >= 0)
        .max()
        .map(|s| s.min(600) as u32)
}

/// Grid step of the recorded totals (the store's 1-minute roll-ups).
pub const STEP_SECS: u32 = 60;
/// Longest gap between refreshes.
pub const REFRESH_SECS: i64 = 15 * 60;

/// One workload's forecast state.
#[derive(Debug, Clone)]
pub struct WorkloadForecast {
    model: Option<Forecaster>,
    /// The minute being accumulated: (its start, sum, count).
    minute: Option<(DateTime<Utc>, f64, u32)>,
    refreshed_at: Option<DateTime<Utc>>,
    /// Start-up time of a new instance, seconds (the default lead adds one interval).
    startup_secs: u32,
    interval_secs: u32,
}

impl WorkloadForecast {
    /// Forecast state for a workload whose instances take `startup_secs` to serve, evaluated
    /// every `interval_secs`.
    pub fn new(startup_secs: u32, interval_secs: u32) -> WorkloadForecast {
        WorkloadForecast {
            model: None,
            minute: None,
            refreshed_at: None,
            startup_secs,
            interval_secs,
        }
    }

    /// Seconds ahead the policy's forecast looks: its own lead, else start-up + interval.
    pub fn lead_secs(&self, policy: &Policy) -> u32 {
        policy
            .forecast
            .as_ref()
            .and_then(|f| f.lead_secs)
            .unwrap_or(self.startup_secs.saturating_add(self.interval_secs))
    }

    /// The engine's forecaster for `policy`'s lead (rebuilt from its samples if the lead
    /// changed).
    fn model(&mut self, policy: &Policy) -> &mut Forecaster {
        let lead = self.lead_secs(policy);
        if let Some(m) = self.model.as_mut().filter(|m| m.lead_secs() != lead) {
            *m = Forecaster::from_series(&m.series(), lead);
        }
        self.model
            .get_or_insert_with(|| Forecaster::new(STEP_SECS, lead))
    }

    /// The reading for an evaluation at `now` (refreshing first when due); `None` when the
    /// policy computes no forecast.
    pub fn reading(&mut self, policy: &Policy, now: DateTime<Utc>) -> Option<ForecastReading> {
        let fc = policy.forecast.as_ref().filter(|f| f.computed())?;
        let due = self
            .refreshed_at
            .is_none_or(|t| now - t >= Duration::seconds(REFRESH_SECS));
        if due {
            self.refreshed_at = Some(now);
        }
        let min_history = i64::from(fc.min_history_hours) * 3600;
        let model = self.model(policy);
        if due {
            model.refresh();
        }
        Some(match model.predict(now, fc.quantile, min_history) {
            Ok(p) => ForecastReading::Ready(p),
            Err(why) => ForecastReading::Waiting(why),
        })
    }

    /// Records the forecast metric's workload total from `decision` at `at`.
    pub fn record(&mut self, policy: &Policy, decision: &Decision, at: DateTime<Utc>) {
        let Some(fc) = policy.forecast.as_ref().filter(|f| f.computed()) else {
            return;
        };
        let total = decision
            .proposals
            .iter()
            .filter(|p| p.kind != ProposalKind::Step && p.kind != ProposalKind::Forecast)
            .find(|p| fc.metric.is_empty() || p.name == fc.metric)
            .and_then(|p| p.total);
        self.add(policy, at, total);
    }

    /// Adds one observation of the total (a missing one leaves its minute's mean alone).
    fn add(&mut self, policy: &Policy, at: DateTime<Utc>, total: Option<f64>) {
        let minute = Series::new(at, STEP_SECS).start;
        match &mut self.minute {
            Some((m, sum, n)) if *m == minute => {
                if let Some(v) = total {
                    *sum += v;
                    *n += 1;
                }
            }
            _ => {
                if let Some((m, sum, n)) = self.minute.take() {
                    let mean = (n > 0).then(|| sum / f64::from(n));
                    self.model(policy).push(m, mean);
                }
                self.minute = Some((minute, total.unwrap_or(0.0), u32::from(total.is_some())));
            }
        }
    }
}
