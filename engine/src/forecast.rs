//! Load forecasts for predictive scaling: fitting a model on a workload's recorded total load
//! (total cores, total req/s — never per-instance utilization, which moves with the replica
//! count) and predicting the highest total over the next lead time at a quantile.
//!
//! The model, and why:
//! - **Daily profile**: for each time of day (one slot per series step, UTC), the median of
//!   that slot over up to the last [`PROFILE_DAYS`] days. A median, so a spike seen on one day
//!   never becomes "seasonal"; a spike seen on most days (a nightly job, a morning rush) does.
//!   Missing samples (gaps) are left out of the median, never read as zero.
//! - **Level**: the median, over the last [`LEVEL_WINDOW_SECS`], of observed ÷ profile. A level
//!   shift (a new customer, a release that halves the cost per request) moves the forecast
//!   within about half that window; a one-off spike moves the median little.
//! - **Flat fallback**: where the profile knows nothing (less than a day recorded, or a slot
//!   never seen) the forecast is the recent median itself. When the daily profile forecast
//!   did worse than the flat one on the recorded days, the model is flat: no daily pattern.
//! - **Quantile**: the model forecasts every fifth minute of the last [`BACKTEST_DAYS`] days
//!   from the data before it, exactly as it does live, and keeps the distribution of
//!   actual ÷ forecast, per hour of the day. The p90 forecast is the median-model value
//!   times that distribution's 90th percentile for the hour (for all hours while an hour has
//!   fewer than three days of checks), so a volatile load gets a wider band than a steady one,
//!   and the hours that hold bursts a wider band than quiet ones.
//!
//! What is forecast is the **highest total over (now, now + lead]**, where the lead is the
//! time a new instance needs to serve (its start-up) plus one evaluation interval: capacity
//! ordered now cannot help earlier, and must cover anything inside that span.
//!
//! [`Forecaster`] is updated incrementally: each sample costs one backtest forecast (every
//! fifth), the profile is rebuilt once a day, and [`Forecaster::refresh`] (at most every 15
//! minutes) re-reads the backtest; a prediction costs O(level window + lead).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Days of history the daily profile takes its medians over.
pub const PROFILE_DAYS: usize = 14;
/// Days of history the backtest (quantiles, flat-or-daily choice) covers.
pub const BACKTEST_DAYS: usize = 7;
/// Span whose median ratio of observed to profile is the current level.
pub const LEVEL_WINDOW_SECS: i64 = 30 * 60;
/// Spacing of the backtest's forecasts.
const BACKTEST_STRIDE_SECS: i64 = 300;
/// Quantiles kept from the backtest: 0.50, 0.51, …, 0.99.
const QUANTILES: usize = 50;
const DAY: i64 = 86_400;

/// A workload total sampled on a regular grid: `values[i]` is the mean over
/// `[start + i·step, start + (i+1)·step)`; `None` is a gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Start of the first sample; aligned to a multiple of `step_secs` since the Unix epoch.
    pub start: DateTime<Utc>,
    /// Grid step in seconds (60 for the store's 1-minute roll-ups); divides a day.
    pub step_secs: u32,
    /// One value per step; `None` where nothing was recorded.
    pub values: Vec<Option<f64>>,
}

impl Series {
    /// An empty series on the `step_secs` grid, starting at the grid point at or before `at`.
    pub fn new(at: DateTime<Utc>, step_secs: u32) -> Series {
        let step = i64::from(step_secs.max(1));
        let secs = at.timestamp().div_euclid(step) * step;
        Series {
            start: DateTime::from_timestamp(secs, 0).unwrap_or(at),
            step_secs: step_secs.max(1),
            values: Vec::new(),
        }
    }

    /// Grid index of instant `t` (may be negative or past the end).
    fn index(&self, t: DateTime<Utc>) -> i64 {
        (t - self.start)
            .num_seconds()
            .div_euclid(i64::from(self.step_secs))
    }

    /// Start of sample `i`.
    fn at(&self, i: usize) -> DateTime<Utc> {
        self.start + Duration::seconds(i as i64 * i64::from(self.step_secs))
    }

    /// End of the recorded span (end of the last sample).
    pub fn end(&self) -> DateTime<Utc> {
        self.at(self.values.len())
    }

    /// Adds `value` observed at `t` into its grid slot (a running mean with the slot's other
    /// observations is the caller's business: this keeps the latest). Points before the start
    /// are ignored; the gap up to `t` is filled with `None`. Non-finite or negative values
    /// are gaps.
    pub fn set(&mut self, t: DateTime<Utc>, value: Option<f64>) {
        let i = self.index(t);
        if i < 0 {
            return;
        }
        let i = i as usize;
        if i >= self.values.len() {
            self.values.resize(i + 1, None);
        }
        self.values[i] = value.filter(|v| v.is_finite() && *v >= 0.0);
    }
}

/// Which model the backtest chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Daily profile × level.
    Daily,
    /// The recent median (no daily pattern, or not yet a full day recorded).
    Flat,
}

impl ModelKind {
    /// How explanations name it.
    pub fn label(self) -> &'static str {
        match self {
            ModelKind::Daily => "daily profile",
            ModelKind::Flat => "recent level",
        }
    }
}

/// A model that cannot act yet, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waiting {
    /// Seconds of history recorded.
    pub history_secs: i64,
    /// Seconds needed.
    pub needed_secs: i64,
}

impl Waiting {
    /// "waiting for 24 h of load history: 6 h 10 min recorded".
    pub fn reason(&self) -> String {
        format!(
            "waiting for {} of load history: {} recorded",
            span(self.needed_secs),
            span(self.history_secs)
        )
    }
}

/// A span as "6 h 10 min", "45 min", "30 s", "2 d 3 h".
pub fn span(secs: i64) -> String {
    let s = secs.max(0);
    if s >= 2 * DAY {
        format!("{} d {} h", s / DAY, (s % DAY) / 3600)
    } else if s >= 3600 {
        let (h, m) = (s / 3600, (s % 3600) / 60);
        if m == 0 {
            format!("{h} h")
        } else {
            format!("{h} h {m} min")
        }
    } else if s >= 60 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

/// One prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The span's end: the forecast covers (from, at].
    pub at: DateTime<Utc>,
    /// The span's start (the instant predicted from).
    pub from: DateTime<Utc>,
    /// Highest total over the span at `quantile`.
    pub value: f64,
    /// The same at the median.
    pub median: f64,
    /// The quantile of `value` (0.5–0.99).
    pub quantile: f64,
    /// The model that made it.
    pub kind: ModelKind,
}

/// One point of the forecast ahead ([`Forecaster::outlook`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OutlookPoint {
    pub at: DateTime<Utc>,
    /// Highest total over the lead span ending at `at`, median.
    pub median: f64,
    /// The same at the chosen quantile.
    pub value: f64,
}

/// What forecasts made at one instant start from (see `Forecaster::basis`).
#[derive(Debug, Clone, Copy)]
struct Basis {
    flat: f64,
    level: Option<f64>,
}

/// One backtest point: the model's forecast made `lead` ago against what happened.
#[derive(Debug, Clone, Copy)]
struct Check {
    /// Highest total over the forecast span.
    actual: f32,
    /// The daily model's forecast (none where the profile knew nothing).
    daily: Option<f32>,
    /// The flat model's forecast.
    flat: f32,
    /// Hour of the day (UTC) the forecast was made in.
    hour: u8,
}

/// A workload's forecaster, updated as each grid sample arrives ([`Forecaster::push`]): the
/// recorded totals (the last [`PROFILE_DAYS`] + 1 days, `f32`, NaN for a gap), the daily
/// profile (rebuilt once a day), and the backtest of its own forecasts over the last
/// [`BACKTEST_DAYS`] (one check every 5 minutes, made as each forecast's span completes).
/// [`Forecaster::refresh`] turns the backtest into the model choice and quantiles; the
/// controller calls it at most every 15 minutes. Nothing is refitted from scratch.
#[derive(Debug, Clone)]
pub struct Forecaster {
    step_secs: u32,
    /// Absolute grid index (since the epoch) of `values[0]`.
    first: i64,
    values: Vec<f32>,
    lead_secs: u32,
    lead_steps: usize,
    slots: i64,
    level_steps: usize,
    stride: i64,
    /// The profile for day `profile_day` (absolute day number), from the days before it.
    profile: Vec<f32>,
    profile_day: Option<i64>,
    backtest: std::collections::VecDeque<Check>,
    kind: ModelKind,
    ratios: Vec<f64>,
    /// Per hour of the day, the same quantiles from that hour's checks (empty where too few).
    hourly: Vec<Vec<f64>>,
    backtest_error: Option<f64>,
    /// Samples before this absolute index make no backtest check (set while rebuilding from a
    /// series, whose older checks the backtest would drop again).
    quiet_before: i64,
}

/// Checks an hour needs before it gets quantiles of its own (3 days' worth).
const MIN_HOUR_CHECKS: usize = 36;
/// Checks the daily model needs (an hour's worth) before it can be chosen.
const MIN_DAILY_CHECKS: usize = 12;

impl Forecaster {
    /// An empty forecaster on a `step_secs` grid (a divisor of a day; anything else is taken
    /// as 60) forecasting `lead_secs` ahead.
    pub fn new(step_secs: u32, lead_secs: u32) -> Forecaster {
        let step = if step_secs > 0 && DAY % i64::from(step_secs) == 0 {
            step_secs
        } else {
            60
        };
        let s = i64::from(step);
        Forecaster {
            step_secs: step,
            first: 0,
            values: Vec::new(),
            lead_secs,
            lead_steps: lead_steps(lead_secs, step),
            slots: DAY / s,
            level_steps: (LEVEL_WINDOW_SECS / s).max(1) as usize,
            stride: (BACKTEST_STRIDE_SECS / s).max(1),
            profile: Vec::new(),
            profile_day: None,
            backtest: std::collections::VecDeque::new(),
            kind: ModelKind::Flat,
            ratios: Vec::new(),
            hourly: Vec::new(),
            backtest_error: None,
            quiet_before: i64::MIN,
        }
    }

    /// A forecaster that has seen every sample of `series` (e.g. the store's roll-ups after a
    /// restart), refreshed.
    pub fn from_series(series: &Series, lead_secs: u32) -> Forecaster {
        let mut f = Forecaster::new(series.step_secs, lead_secs);
        // Checks older than the backtest keeps would be dropped again: skip making them. (A
        // day more than it covers: the checks skipped around midnight make its oldest kept
        // check older than `BACKTEST_DAYS`.)
        let step = i64::from(f.step_secs);
        let end = series.end().timestamp().div_euclid(step);
        f.quiet_before = end - (BACKTEST_DAYS as i64 + 1) * f.slots;
        for (i, v) in series.values.iter().enumerate() {
            let at = series.start + Duration::seconds(i as i64 * i64::from(series.step_secs));
            f.push(at, *v);
        }
        f.refresh();
        f
    }

    /// The samples it keeps, as a series (to rebuild it with another lead).
    pub fn series(&self) -> Series {
        let step = i64::from(self.step_secs);
        Series {
            start: DateTime::from_timestamp(self.first * step, 0).unwrap_or_default(),
            step_secs: self.step_secs,
            values: self
                .values
                .iter()
                .map(|v| (!v.is_nan()).then_some(f64::from(*v)))
                .collect(),
        }
    }

    /// Seconds ahead it forecasts.
    pub fn lead_secs(&self) -> u32 {
        self.lead_secs
    }

    /// Grid step in seconds.
    pub fn step_secs(&self) -> u32 {
        self.step_secs
    }

    /// The model the last refresh chose.
    pub fn kind(&self) -> ModelKind {
        self.kind
    }

    /// Mean absolute error of the chosen model over the backtest, relative to the mean load
    /// (0.12 = 12 %), as of the last refresh; `None` without a backtest.
    pub fn backtest_error(&self) -> Option<f64> {
        self.backtest_error
    }

    /// Seconds from the first to the end of the last recorded sample.
    pub fn history_secs(&self) -> i64 {
        let first = self.values.iter().position(|v| !v.is_nan());
        let last = self.values.iter().rposition(|v| !v.is_nan());
        match (first, last) {
            (Some(a), Some(b)) => (b + 1 - a) as i64 * i64::from(self.step_secs),
            _ => 0,
        }
    }

    /// Records the sample of the grid step starting at (or containing) `at`. A sample for a
    /// step already recorded replaces it; one older than the kept history is ignored; a
    /// negative value, or one not finite as an `f32`, is a gap.
    pub fn push(&mut self, at: DateTime<Utc>, value: Option<f64>) {
        let step = i64::from(self.step_secs);
        let abs = at.timestamp().div_euclid(step);
        // Checked after the cast too: a finite f64 beyond f32's range would be infinite.
        let v = value
            .filter(|v| *v >= 0.0)
            .map(|v| v as f32)
            .filter(|v| v.is_finite())
            .unwrap_or(f32::NAN);
        if self.values.is_empty() {
            self.first = abs;
        }
        let i = abs - self.first;
        if i < 0 {
            return;
        }
        let i = i as usize;
        if i < self.values.len() {
            self.values[i] = v;
            return;
        }
        self.values.resize(i, f32::NAN);
        self.values.push(v);
        self.trim();
        let newest = self.first + self.values.len() as i64 - 1;
        if newest < self.quiet_before {
            return;
        }
        let day = newest.div_euclid(self.slots);
        if self.profile_day != Some(day) {
            self.rebuild_profile(day);
        }
        self.check(newest);
    }

    /// Drops samples beyond [`PROFILE_DAYS`] + 1 days, a day at a time.
    fn trim(&mut self) {
        let keep = (PROFILE_DAYS as i64 + 1) * self.slots;
        let len = self.values.len() as i64;
        if len > keep + self.slots {
            let drop = (len - keep) as usize;
            self.values.drain(..drop);
            self.first += drop as i64;
        }
    }

    /// The value at absolute index `abs`, if recorded.
    fn at(&self, abs: i64) -> Option<f32> {
        let i = abs - self.first;
        if i < 0 {
            return None;
        }
        self.values.get(i as usize).copied().filter(|v| !v.is_nan())
    }

    fn rebuild_profile(&mut self, day: i64) {
        let mut buf: Vec<f64> = Vec::with_capacity(PROFILE_DAYS);
        self.profile.clear();
        for slot in 0..self.slots {
            buf.clear();
            for d in 1..=PROFILE_DAYS as i64 {
                if let Some(v) = self.at((day - d) * self.slots + slot) {
                    buf.push(f64::from(v));
                }
            }
            self.profile
                .push(median(&mut buf).map_or(f32::NAN, |m| m as f32));
        }
        self.profile_day = Some(day);
    }

    /// Hour of the day (UTC) of absolute index `abs`.
    fn hour_of(&self, abs: i64) -> u8 {
        (abs.rem_euclid(self.slots) * i64::from(self.step_secs) / 3600) as u8
    }

    /// The profile value of absolute index `abs`, if known.
    fn profile_at(&self, abs: i64) -> Option<f64> {
        self.profile
            .get(abs.rem_euclid(self.slots) as usize)
            .copied()
            .filter(|p| !p.is_nan())
            .map(f64::from)
    }

    /// The backtest point whose span ends at absolute index `newest`, every `stride` steps.
    fn check(&mut self, newest: i64) {
        let j = newest - self.lead_steps as i64;
        if j.rem_euclid(self.stride) != 0 || j < self.first {
            return;
        }
        // A forecast made on an earlier day would have used that day's profile.
        if j.div_euclid(self.slots) != newest.div_euclid(self.slots) {
            return;
        }
        let actual = (j + 1..=newest).filter_map(|k| self.at(k)).reduce(f32::max);
        // One basis for both models: the flat median, and the level where the profile knows it.
        let (Some(actual), Some(basis)) = (actual, self.basis(j, true)) else {
            return;
        };
        let n = self.lead_steps as i64;
        let flat = self.span(
            Basis {
                level: None,
                ..basis
            },
            j,
            j + n,
        );
        let daily = basis.level.map(|_| self.span(basis, j, j + n));
        self.backtest.push_back(Check {
            actual,
            daily: daily.map(|d| d as f32),
            flat: flat as f32,
            hour: self.hour_of(j + 1),
        });
        let cap = (BACKTEST_DAYS as i64 * self.slots / self.stride) as usize;
        while self.backtest.len() > cap {
            self.backtest.pop_front();
        }
    }

    /// Median-model forecast of the highest total over absolute indexes (j, j + n], from the
    /// samples up to and including `j`: daily (profile × level, flat where the profile knows
    /// nothing) or flat (the recent median). `None` without a recent sample, or daily without
    /// a profile value in the level window.
    fn forecast(&self, j: i64, n: usize, daily: bool) -> Option<f64> {
        let basis = self.basis(j, daily)?;
        if daily && basis.level.is_none() {
            return None;
        }
        Some(self.span(basis, j, j + n as i64))
    }

    /// What the forecasts made at absolute index `j` start from: the recent median, and (for
    /// the daily model) the level, the median of observed ÷ profile over the level window
    /// (`None` where the profile knows nothing there). `None` without a recent sample.
    fn basis(&self, j: i64, daily: bool) -> Option<Basis> {
        let from = j + 1 - self.level_steps as i64;
        let mut level_values: Vec<f64> = (from..=j)
            .filter_map(|k| self.at(k))
            .map(f64::from)
            .collect();
        let flat = median(&mut level_values)?;
        if !daily {
            return Some(Basis { flat, level: None });
        }
        let mut ratios: Vec<f64> = (from..=j)
            .filter_map(|k| {
                let v = f64::from(self.at(k)?);
                let p = self.profile_at(k).filter(|p| *p > 0.0)?;
                Some(v / p)
            })
            .collect();
        Some(Basis {
            flat,
            level: median(&mut ratios),
        })
    }

    /// The highest median-model total over absolute indexes (a, b] (the flat value for an
    /// empty span).
    fn span(&self, basis: Basis, a: i64, b: i64) -> f64 {
        let Some(level) = basis.level else {
            return basis.flat;
        };
        let best = (a + 1..=b)
            .map(|k| self.profile_at(k).map_or(basis.flat, |p| level * p))
            .fold(f64::NEG_INFINITY, f64::max);
        if best.is_finite() {
            best
        } else {
            basis.flat
        }
    }

    /// Chooses the model and its quantiles from the backtest (cheap: O(backtest points)).
    pub fn refresh(&mut self) {
        let with_daily: Vec<&Check> = self.backtest.iter().filter(|c| c.daily.is_some()).collect();
        let err = |f: &dyn Fn(&Check) -> f32| -> f64 {
            with_daily
                .iter()
                .map(|c| f64::from((c.actual - f(c)).abs()))
                .sum()
        };
        let daily_err = err(&|c| c.daily.unwrap_or(c.flat));
        let flat_err = err(&|c| c.flat);
        // Judged only where the profile existed (the first recorded day has none).
        self.kind = if with_daily.len() >= MIN_DAILY_CHECKS && daily_err <= flat_err {
            ModelKind::Daily
        } else {
            ModelKind::Flat
        };
        let pick = |c: &Check| match self.kind {
            ModelKind::Daily => c.daily.unwrap_or(c.flat),
            ModelKind::Flat => c.flat,
        };
        let mut ratios: Vec<f64> = Vec::with_capacity(self.backtest.len());
        let mut by_hour: Vec<Vec<f64>> = vec![Vec::new(); 24];
        let (mut abs_err, mut actual_sum) = (0.0, 0.0);
        for c in &self.backtest {
            let (a, f) = (f64::from(c.actual), f64::from(pick(c)));
            abs_err += (a - f).abs();
            actual_sum += a;
            // A small floor keeps ratios finite where the load is near zero.
            let r = a / f.max(1e-9_f64.max(a * 1e-3));
            ratios.push(r);
            if let Some(h) = by_hour.get_mut(usize::from(c.hour)) {
                h.push(r);
            }
        }
        self.backtest_error = (actual_sum > 0.0).then(|| abs_err / actual_sum);
        self.ratios = quantiles(ratios);
        self.hourly = by_hour
            .into_iter()
            .map(|h| {
                if h.len() >= MIN_HOUR_CHECKS {
                    quantiles(h)
                } else {
                    Vec::new()
                }
            })
            .collect();
    }

    /// Predicts the highest total over (now, now + lead] at `quantile` (clamped to
    /// 0.5–0.99), or says why not: less than `min_history_secs` recorded, or nothing
    /// recorded in the last [`LEVEL_WINDOW_SECS`].
    pub fn predict(
        &self,
        now: DateTime<Utc>,
        quantile: f64,
        min_history_secs: i64,
    ) -> Result<Prediction, String> {
        let history = self.history_secs();
        if history < min_history_secs || history == 0 {
            return Err(Waiting {
                history_secs: history,
                needed_secs: min_history_secs.max(i64::from(self.step_secs)),
            }
            .reason());
        }
        let step = i64::from(self.step_secs);
        // The last complete step before `now` plays the part of the backtest's instant; the
        // steps between it and the last sample (the metrics' lag) lengthen the span.
        let j = now.timestamp().div_euclid(step) - 1;
        let last = self.first + self.values.len() as i64 - 1;
        let behind = (j - last).max(0);
        let stale = "no load recorded in the last 30 min".to_string();
        if behind >= self.level_steps as i64 {
            return Err(stale);
        }
        let j = j.min(last);
        let f = self
            .forecast(
                j,
                self.lead_steps + behind as usize,
                self.kind == ModelKind::Daily,
            )
            .ok_or(stale)?;
        let q = quantile.clamp(0.5, 0.99);
        let hour = self.hour_of(j + 1);
        Ok(Prediction {
            from: now,
            at: now + Duration::seconds(i64::from(self.lead_secs)),
            value: f * self.ratio(hour, q),
            median: f * self.ratio(hour, 0.5),
            quantile: q,
            kind: self.kind,
        })
    }

    /// The forecast ahead of `now`, one point per grid step for `horizon_secs`: at each point,
    /// the highest total over the lead span ending there (what an evaluation then would act
    /// on) at the median and at `quantile`, with the quantiles of the hour the point falls
    /// in. What the chart draws as the band ahead; the same refusals as
    /// [`Forecaster::predict`].
    pub fn outlook(
        &self,
        now: DateTime<Utc>,
        horizon_secs: i64,
        quantile: f64,
        min_history_secs: i64,
    ) -> Result<Vec<OutlookPoint>, String> {
        // The same checks (history, staleness) as a prediction at `now`.
        self.predict(now, quantile, min_history_secs)?;
        let step = i64::from(self.step_secs);
        let last = self.first + self.values.len() as i64 - 1;
        let j = (now.timestamp().div_euclid(step) - 1).min(last);
        let basis = self
            .basis(j, self.kind == ModelKind::Daily)
            .ok_or_else(|| "no load recorded in the last 30 min".to_string())?;
        let q = quantile.clamp(0.5, 0.99);
        let now_idx = now.timestamp().div_euclid(step);
        let steps = (horizon_secs.max(0) / step).min(2 * self.slots);
        Ok((1..=steps)
            .map(|k| {
                let end = now_idx + k;
                let start = (end - self.lead_steps as i64).max(j);
                let f = self.span(basis, start, end);
                let hour = self.hour_of(end);
                OutlookPoint {
                    at: DateTime::from_timestamp(end * step, 0).unwrap_or(now),
                    median: f * self.ratio(hour, 0.5),
                    value: f * self.ratio(hour, q),
                }
            })
            .collect())
    }

    /// Backtest quantile `q` of actual ÷ forecast for forecasts made in `hour` (all hours'
    /// where that hour has too few), interpolated; 1 without a backtest.
    fn ratio(&self, hour: u8, q: f64) -> f64 {
        let table = match self.hourly.get(usize::from(hour)) {
            Some(h) if !h.is_empty() => h,
            _ => &self.ratios,
        };
        if table.is_empty() {
            return 1.0;
        }
        let x = ((q - 0.5) * 100.0).clamp(0.0, (table.len() - 1) as f64);
        let (lo, hi) = (x.floor() as usize, x.ceil() as usize);
        let w = x - lo as f64;
        table[lo] * (1.0 - w) + table[hi] * w
    }
}

/// Quantiles 0.50..=0.99 of `ratios` (empty when none).
fn quantiles(mut ratios: Vec<f64>) -> Vec<f64> {
    if ratios.is_empty() {
        return Vec::new();
    }
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    (0..QUANTILES)
        .map(|k| {
            let q = 0.5 + k as f64 / 100.0;
            let idx = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
            ratios[idx]
        })
        .collect()
}

/// Grid steps covering `lead_secs` (at least one).
fn lead_steps(lead_secs: u32, step_secs: u32) -> usize {
    (lead_secs.div_ceil(step_secs.max(1)) as usize).max(1)
}

/// Median of `v` (reordered in place); `None` when empty.
fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let (m, odd) = (v.len() / 2, v.len() % 2 == 1);
    let (below, mid, _) = v.select_nth_unstable_by(m, f64::total_cmp);
    let mid = *mid;
    Some(if odd {
        mid
    } else {
        // The other middle value is the largest of the lower half.
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + mid) / 2.0
    })
}

/// The forecast the caller hands to `decide` for one evaluation ([`crate::Observation`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastReading {
    /// A prediction from a fitted model.
    Ready(Prediction),
    /// No prediction, and why ("waiting for 24 h of load history: 6 h recorded", "no load
    /// recorded in the last 30 min").
    Waiting(String),
}
