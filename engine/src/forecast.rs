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
//! - **Quantile**: the model forecasts every recorded instant of the last [`BACKTEST_DAYS`]
//!   days from the data before it, exactly as it does live, and keeps the distribution of
//!   actual ÷ forecast. The p90 forecast is the median-model value times that distribution's
//!   90th percentile, so a volatile load gets a wider band than a steady one.
//!
//! What is forecast is the **highest total over (now, now + lead]**, where the lead is the
//! time a new instance needs to serve (its start-up) plus one evaluation interval: capacity
//! ordered now cannot help earlier, and must cover anything inside that span.
//!
//! Fitting costs O(recorded points × days) and is meant to run off the controller's tick,
//! at most every 15 minutes per workload; predicting costs O(level window + lead).

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

    /// Seconds from the first to the end of the last sample with a value (0 when none).
    pub fn recorded_secs(&self) -> i64 {
        let first = self.values.iter().position(Option::is_some);
        let last = self.values.iter().rposition(Option::is_some);
        match (first, last) {
            (Some(a), Some(b)) => (b + 1 - a) as i64 * i64::from(self.step_secs),
            _ => 0,
        }
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

    /// Drops samples older than `keep_secs` before the end (keeps the grid alignment).
    pub fn trim(&mut self, keep_secs: i64) {
        let keep = (keep_secs / i64::from(self.step_secs)).max(0) as usize;
        if self.values.len() > keep {
            let drop = self.values.len() - keep;
            self.values.drain(..drop);
            self.start += Duration::seconds(drop as i64 * i64::from(self.step_secs));
        }
    }
}

/// What fitting needs besides the data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// Seconds ahead the forecast covers (start-up plus one evaluation interval).
    pub lead_secs: u32,
    /// History needed before the model acts (default 24 h).
    pub min_history_secs: u32,
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

/// A fitted model; predicting needs the recent data too (see [`Model::predict`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// When it was fitted (end of the data it saw).
    pub fitted_at: DateTime<Utc>,
    /// Grid step of the data it was fitted on.
    pub step_secs: u32,
    /// Seconds ahead it forecasts.
    pub lead_secs: u32,
    /// Seconds of history it saw.
    pub history_secs: i64,
    /// Daily or flat.
    pub kind: ModelKind,
    /// Median total per slot of the day (UTC), `None` where never recorded.
    profile: Vec<Option<f64>>,
    /// Quantiles 0.50..=0.99 of actual ÷ forecast in the backtest (1.0 when none).
    ratios: Vec<f64>,
    /// Mean absolute error of the chosen model in the backtest, relative to the mean load
    /// (0.12 = 12 %), for operators judging it; `None` without a backtest.
    pub backtest_error: Option<f64>,
    /// Backtest forecasts behind the quantiles.
    pub backtest_points: u32,
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

/// Fits a model on `series`; waits while less than `min_history_secs` is recorded.
pub fn fit(series: &Series, opts: FitOptions) -> Result<Model, Waiting> {
    let history = series.recorded_secs();
    let needed = i64::from(opts.min_history_secs);
    if history < needed || history == 0 {
        return Err(Waiting {
            history_secs: history,
            needed_secs: needed.max(i64::from(series.step_secs)),
        });
    }
    let step = i64::from(series.step_secs.max(1));
    let slots = (DAY / step).max(1) as usize;
    let grid = Grid::new(series, slots);
    let lead_steps = lead_steps(opts.lead_secs, series.step_secs);
    let end = series.values.len();
    let first_test = end.saturating_sub(BACKTEST_DAYS * slots);
    let mut daily = Backtest::default();
    let mut flat = Backtest::default();
    // Profile of each backtest day from the days before it, as it would have been live.
    let mut day_profiles: Vec<(i64, Vec<Option<f64>>)> = Vec::new();
    // Every 5 minutes of the backtest span: 2,016 forecasts a week are plenty for the
    // quantiles, at a fifth of the cost.
    let stride = (BACKTEST_STRIDE_SECS / step).max(1) as usize;
    for i in (first_test..end.saturating_sub(lead_steps)).step_by(stride) {
        let Some(actual) = window_max(&series.values, i + 1, lead_steps) else {
            continue;
        };
        let day = grid.day_of(i);
        if day_profiles.last().is_none_or(|(d, _)| *d != day) {
            day_profiles.push((day, grid.profile_before(day)));
        }
        let profile = &day_profiles[day_profiles.len() - 1].1;
        let ctx = Ctx {
            values: &series.values,
            grid: &grid,
            profile,
            level_steps: (LEVEL_WINDOW_SECS / step).max(1) as usize,
        };
        if let Some(f) = ctx.forecast(i, lead_steps, true) {
            daily.add(actual, f);
        }
        if let Some(f) = ctx.forecast(i, lead_steps, false) {
            flat.add(actual, f);
        }
    }
    let has_profile = grid.days() > 1;
    let kind = if has_profile && daily.n > 0 && daily.abs_err <= flat.abs_err {
        ModelKind::Daily
    } else {
        ModelKind::Flat
    };
    let chosen = if kind == ModelKind::Daily {
        daily
    } else {
        flat
    };
    let profile = grid.profile_before(grid.day_of(end.saturating_sub(1)) + 1);
    Ok(Model {
        fitted_at: series.end(),
        step_secs: series.step_secs.max(1),
        lead_secs: opts.lead_secs,
        history_secs: history,
        kind,
        profile,
        backtest_error: chosen.relative_error(),
        backtest_points: chosen.n,
        ratios: chosen.quantiles(),
    })
}

impl Model {
    /// Predicts the highest total over (now, now + lead] at `quantile` (clamped to
    /// 0.5–0.99), from `recent` (the same grid, holding at least the last
    /// [`LEVEL_WINDOW_SECS`] before `now`). `None` when nothing was recorded in that window.
    pub fn predict(
        &self,
        recent: &Series,
        now: DateTime<Utc>,
        quantile: f64,
    ) -> Option<Prediction> {
        if recent.step_secs != self.step_secs {
            return None;
        }
        let step = i64::from(self.step_secs);
        let slots = self.profile.len().max(1);
        let grid = Grid::new(recent, slots);
        // The last complete sample before `now` plays the part of the backtest's instant.
        let i = recent.index(now) - 1;
        if i < 0 || recent.values.is_empty() {
            return None;
        }
        let i = (i as usize).min(recent.values.len() - 1);
        let lead_steps = lead_steps(self.lead_secs, self.step_secs);
        // Grid points past the data (the lag between `now` and the last sample) are added to
        // the forecast span so it still reaches now + lead.
        let behind = (recent.index(now) - 1 - i as i64).max(0) as usize;
        let level_steps = (LEVEL_WINDOW_SECS / step).max(1) as usize;
        if behind >= level_steps {
            return None;
        }
        let ctx = Ctx {
            values: &recent.values,
            grid: &grid,
            profile: &self.profile,
            level_steps,
        };
        let f = ctx.forecast(i, lead_steps + behind, self.kind == ModelKind::Daily)?;
        let q = quantile.clamp(0.5, 0.99);
        Some(Prediction {
            from: now,
            at: now + Duration::seconds(i64::from(self.lead_secs)),
            value: f * self.ratio(q),
            median: f * self.ratio(0.5),
            quantile: q,
            kind: self.kind,
        })
    }

    /// Backtest quantile `q` of actual ÷ forecast, interpolated.
    fn ratio(&self, q: f64) -> f64 {
        if self.ratios.is_empty() {
            return 1.0;
        }
        let x = ((q - 0.5) * 100.0).clamp(0.0, (self.ratios.len() - 1) as f64);
        let (lo, hi) = (x.floor() as usize, x.ceil() as usize);
        let w = x - lo as f64;
        self.ratios[lo] * (1.0 - w) + self.ratios[hi] * w
    }
}

/// Grid steps covering `lead_secs` (at least one).
fn lead_steps(lead_secs: u32, step_secs: u32) -> usize {
    (lead_secs.div_ceil(step_secs.max(1)) as usize).max(1)
}

/// Highest value in `values[from..from + n]`; `None` when all missing or out of range.
fn window_max(values: &[Option<f64>], from: usize, n: usize) -> Option<f64> {
    values
        .iter()
        .skip(from)
        .take(n)
        .flatten()
        .copied()
        .reduce(f64::max)
}

/// Median of `v` (sorted in place); `None` when empty.
fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

/// Day and slot of each grid point.
struct Grid<'a> {
    series: &'a Series,
    slots: usize,
    /// Day number (since the epoch, UTC) of grid point 0, and its slot.
    day0: i64,
    slot0: usize,
}

impl<'a> Grid<'a> {
    fn new(series: &'a Series, slots: usize) -> Grid<'a> {
        let step = i64::from(series.step_secs.max(1));
        let t = series.start.timestamp();
        Grid {
            series,
            slots,
            day0: t.div_euclid(DAY),
            slot0: (t.rem_euclid(DAY) / step) as usize % slots,
        }
    }

    fn day_of(&self, i: usize) -> i64 {
        self.day0 + ((self.slot0 + i) / self.slots) as i64
    }

    fn slot_of(&self, i: usize) -> usize {
        (self.slot0 + i) % self.slots
    }

    /// Days the series touches.
    fn days(&self) -> i64 {
        if self.series.values.is_empty() {
            0
        } else {
            self.day_of(self.series.values.len() - 1) - self.day0 + 1
        }
    }

    /// Grid index of (day, slot), if inside the series.
    fn index(&self, day: i64, slot: usize) -> Option<usize> {
        let i = (day - self.day0) * self.slots as i64 + slot as i64 - self.slot0 as i64;
        (i >= 0 && (i as usize) < self.series.values.len()).then_some(i as usize)
    }

    /// Median per slot over the [`PROFILE_DAYS`] days before `day`.
    fn profile_before(&self, day: i64) -> Vec<Option<f64>> {
        let mut out = vec![None; self.slots];
        let mut buf = Vec::with_capacity(PROFILE_DAYS);
        for (slot, o) in out.iter_mut().enumerate() {
            buf.clear();
            for d in 1..=PROFILE_DAYS as i64 {
                if let Some(v) = self
                    .index(day - d, slot)
                    .and_then(|i| self.series.values[i])
                {
                    buf.push(v);
                }
            }
            *o = median(&mut buf);
        }
        out
    }
}

/// One forecast's inputs.
struct Ctx<'a> {
    values: &'a [Option<f64>],
    grid: &'a Grid<'a>,
    profile: &'a [Option<f64>],
    level_steps: usize,
}

impl Ctx<'_> {
    /// Median-model forecast of the highest value over grid points (i, i + n], from the
    /// values up to and including `i`; daily or flat.
    fn forecast(&self, i: usize, n: usize, daily: bool) -> Option<f64> {
        let from = (i + 1).saturating_sub(self.level_steps);
        let recent = &self.values[from..=i.min(self.values.len().saturating_sub(1))];
        let mut level_values: Vec<f64> = recent.iter().flatten().copied().collect();
        let flat = median(&mut level_values)?;
        if !daily {
            return Some(flat);
        }
        let mut ratios: Vec<f64> = Vec::with_capacity(recent.len());
        for (k, v) in recent.iter().enumerate() {
            let (Some(v), Some(p)) = (v, self.profile[self.grid.slot_of(from + k)]) else {
                continue;
            };
            if p > 0.0 {
                ratios.push(v / p);
            }
        }
        let level = median(&mut ratios);
        let mut best: Option<f64> = None;
        for j in i + 1..=i + n {
            let f = match (level, self.profile[self.grid.slot_of(j)]) {
                (Some(l), Some(p)) => l * p,
                _ => flat,
            };
            best = Some(best.map_or(f, |b: f64| b.max(f)));
        }
        best
    }
}

/// Backtest accumulator.
#[derive(Default)]
struct Backtest {
    n: u32,
    abs_err: f64,
    actual_sum: f64,
    ratios: Vec<f64>,
}

impl Backtest {
    fn add(&mut self, actual: f64, forecast: f64) {
        self.n += 1;
        self.abs_err += (actual - forecast).abs();
        self.actual_sum += actual;
        // A small floor keeps ratios finite where the load is near zero.
        let floor = 1e-9_f64.max(forecast.abs() * 1e-3);
        self.ratios.push(actual.max(0.0) / forecast.max(floor));
    }

    fn relative_error(&self) -> Option<f64> {
        (self.n > 0 && self.actual_sum > 0.0).then(|| self.abs_err / self.actual_sum)
    }

    /// Quantiles 0.50..=0.99 of the ratios (empty when none).
    fn quantiles(mut self) -> Vec<f64> {
        if self.ratios.is_empty() {
            return Vec::new();
        }
        self.ratios.sort_by(f64::total_cmp);
        let n = self.ratios.len();
        (0..QUANTILES)
            .map(|k| {
                let q = 0.5 + k as f64 / 100.0;
                let idx = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
                self.ratios[idx]
            })
            .collect()
    }
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
