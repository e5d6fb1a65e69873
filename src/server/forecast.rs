//! Per-workload forecasters: the workload total of the forecast metric recorded on a 1-minute
//! grid (the store's roll-up step), a model refitted at most every 15 minutes, and the
//! reading handed to the engine on each evaluation. Used by replays (and the what-if); the
//! controller keeps one per target the same way.

use chrono::{DateTime, Duration, Utc};

use ebb_engine::forecast::{fit, FitOptions, Model, Series, Waiting};
use ebb_engine::{Decision, ForecastReading, Policy, ProposalKind};

/// Grid step of the recorded totals (the store's 1-minute roll-ups).
pub const STEP_SECS: u32 = 60;
/// Longest gap between fits.
pub const REFIT_SECS: i64 = 15 * 60;
/// History kept: 15 days, so a weekly pattern is seen twice.
pub const KEEP_SECS: i64 = 15 * 86_400;

/// One workload's forecaster.
#[derive(Debug, Clone)]
pub struct Forecaster {
    series: Option<Series>,
    /// The minute being accumulated: (its start, sum, count).
    minute: Option<(DateTime<Utc>, f64, u32)>,
    model: Option<Model>,
    waiting: Option<Waiting>,
    fitted_at: Option<DateTime<Utc>>,
    /// Start-up time of a new instance, seconds (the lead adds one evaluation interval).
    startup_secs: u32,
    interval_secs: u32,
}

impl Forecaster {
    /// A forecaster for a workload whose instances take `startup_secs` to serve, evaluated
    /// every `interval_secs`.
    pub fn new(startup_secs: u32, interval_secs: u32) -> Forecaster {
        Forecaster {
            series: None,
            minute: None,
            model: None,
            waiting: None,
            fitted_at: None,
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

    /// The reading for an evaluation at `now` (refits first when due); `None` when the policy
    /// computes no forecast.
    pub fn reading(&mut self, policy: &Policy, now: DateTime<Utc>) -> Option<ForecastReading> {
        let fc = policy.forecast.as_ref().filter(|f| f.computed())?;
        self.refit_if_due(policy, now);
        if let Some(w) = &self.waiting {
            return Some(ForecastReading::Waiting(w.reason()));
        }
        let (Some(model), Some(series)) = (&self.model, &self.series) else {
            return Some(ForecastReading::Waiting(
                "waiting for the first recorded load".into(),
            ));
        };
        Some(match model.predict(series, now, fc.quantile) {
            Some(p) => ForecastReading::Ready(p),
            None => ForecastReading::Waiting("no load recorded in the last 30 min".into()),
        })
    }

    fn refit_if_due(&mut self, policy: &Policy, now: DateTime<Utc>) {
        if self
            .fitted_at
            .is_some_and(|t| now - t < Duration::seconds(REFIT_SECS))
        {
            return;
        }
        self.fitted_at = Some(now);
        let Some(series) = &self.series else {
            return;
        };
        let min_hours = policy.forecast.as_ref().map_or(24, |f| f.min_history_hours);
        let opts = FitOptions {
            lead_secs: self.lead_secs(policy),
            min_history_secs: min_hours.saturating_mul(3600),
        };
        match fit(series, opts) {
            Ok(m) => {
                self.model = Some(m);
                self.waiting = None;
            }
            Err(w) => {
                self.model = None;
                self.waiting = Some(w);
            }
        }
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
        self.add(at, total);
    }

    /// Adds one observation of the total (a missing one leaves its minute's mean alone).
    pub fn add(&mut self, at: DateTime<Utc>, total: Option<f64>) {
        let minute = Series::new(at, STEP_SECS).start;
        match &mut self.minute {
            Some((m, sum, n)) if *m == minute => {
                if let Some(v) = total {
                    *sum += v;
                    *n += 1;
                }
            }
            _ => {
                self.flush();
                self.minute = Some((minute, total.unwrap_or(0.0), u32::from(total.is_some())));
            }
        }
    }

    /// Writes the finished minute into the series.
    fn flush(&mut self) {
        let Some((m, sum, n)) = self.minute.take() else {
            return;
        };
        let series = self.series.get_or_insert_with(|| Series::new(m, STEP_SECS));
        series.set(m, (n > 0).then(|| sum / f64::from(n)));
        series.trim(KEEP_SECS);
    }
}
