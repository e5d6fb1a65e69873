//! Per-workload forecasters for the controller and replays: the forecast metric's workload
//! total averaged into 1-minute samples (the store's roll-up step) and pushed into the
//! engine's incremental [`Forecaster`], refreshed at most every 15 minutes, and the reading
//! handed to the engine on each evaluation.

use chrono::{DateTime, Duration, Utc};

use ebb_engine::forecast::{Forecaster, Series};
use ebb_engine::{Decision, ForecastReading, Policy, Proposal, ProposalKind};

use crate::model::chart::{Outlook, OutlookPoint};
use crate::server::orchestrator::WorkloadObservation;

/// Every workload's forecast state, shared by the controller (which records and predicts) and
/// the pages (which draw the outlook).
pub type Forecasts = std::sync::Mutex<std::collections::HashMap<i64, WorkloadForecast>>;

/// What one evaluation adds to the stored forecast history (see the store's samples).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ForecastFigures {
    /// The forecast metric's workload total (the policy's first metric with a total when it
    /// forecasts nothing, so switching a forecast on finds history).
    pub total: Option<f64>,
    /// Instances that total needs at the policy's target.
    pub need: Option<f64>,
    /// Instances the forecast made at this evaluation asks for over the next `lead_secs`.
    pub forecast_need: Option<f64>,
    pub lead_secs: Option<u32>,
}

/// The proposal whose total the forecast is fitted on: the forecast's metric, or the first
/// metric with a total.
fn observed<'a>(policy: &Policy, decision: &'a Decision) -> Option<&'a Proposal> {
    let metric = policy
        .forecast
        .as_ref()
        .filter(|f| f.computed() && !f.metric.is_empty())
        .map(|f| f.metric.as_str());
    let mut metrics = decision
        .proposals
        .iter()
        .filter(|p| p.kind != ProposalKind::Step && p.kind != ProposalKind::Forecast);
    match metric {
        Some(m) => metrics.find(|p| p.name == m),
        None => metrics.find(|p| p.total.is_some()),
    }
}

/// The figures of `decision` under `policy`, whose forecast looks `lead_secs` ahead.
pub fn figures(policy: &Policy, decision: &Decision, lead_secs: Option<u32>) -> ForecastFigures {
    let per = |total: Option<f64>, capacity: Option<f64>| match (total, capacity) {
        (Some(t), Some(c)) if c > 0.0 => Some(t / c),
        _ => None,
    };
    let obs = observed(policy, decision);
    // The forecast's proposal carries the predicted total as its value, per instance as its
    // target; one that waited or failed proposes no count.
    let forecast = decision
        .proposals
        .iter()
        .find(|p| p.kind == ProposalKind::Forecast && p.replicas.is_some());
    let forecast_need = forecast.and_then(|p| per(p.value, p.target));
    ForecastFigures {
        total: obs.and_then(|p| p.total),
        need: obs.and_then(|p| per(p.total, p.capacity)),
        forecast_need,
        lead_secs: lead_secs.filter(|_| forecast_need.is_some()),
    }
}

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
    /// The total one instance carries at the target, as last seen (for the outlook).
    capacity: Option<f64>,
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
            capacity: None,
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
        if !policy.forecast.as_ref().is_some_and(|f| f.computed()) {
            return;
        }
        let observed = observed(policy, decision);
        if let Some(c) = observed.and_then(|p| p.capacity).filter(|c| *c > 0.0) {
            self.capacity = Some(c);
        }
        self.add(policy, at, observed.and_then(|p| p.total));
    }

    /// Forecast state like [`WorkloadForecast::new`] whose history starts with `series` (the
    /// store's 1-minute totals, e.g. after a restart), fitted for `policy`'s lead.
    pub fn with_history(
        startup_secs: u32,
        interval_secs: u32,
        policy: &Policy,
        series: &Series,
    ) -> WorkloadForecast {
        let mut f = WorkloadForecast::new(startup_secs, interval_secs);
        f.model = Some(Forecaster::from_series(series, f.lead_secs(policy)));
        f
    }

    /// The forecast ahead of `now` for `horizon_secs`, in instances at the policy's target
    /// (the last capacity seen); `None` when the policy computes no forecast.
    pub fn outlook(
        &self,
        policy: &Policy,
        now: DateTime<Utc>,
        horizon_secs: i64,
    ) -> Option<Outlook> {
        let fc = policy.forecast.as_ref().filter(|f| f.computed())?;
        let waiting = |why: String| Outlook::waiting(fc.quantile, why);
        let Some(model) = &self.model else {
            return Some(waiting("no load recorded yet".into()));
        };
        let Some(capacity) = self.capacity else {
            return Some(waiting(
                "no share per instance known yet (the metric has no value)".into(),
            ));
        };
        let min_history = i64::from(fc.min_history_hours) * 3600;
        Some(
            match model.outlook(now, horizon_secs, fc.quantile, min_history) {
                Err(why) => waiting(why),
                Ok(points) => Outlook {
                    quantile: fc.quantile,
                    points: points
                        .into_iter()
                        .map(|p| OutlookPoint {
                            at: p.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                            median: p.median / capacity,
                            high: p.value / capacity,
                        })
                        .collect(),
                    waiting: None,
                },
            },
        )
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
