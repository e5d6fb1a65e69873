//! Predictive scaling settings of a policy: whether the forecast only shows or also scales,
//! which metric's workload total it forecasts, at which quantile and how far ahead, how much
//! history it needs before acting, and the shorter scale-down window it may use.

use serde::{Deserialize, Serialize};

/// Default quantile of the forecast (AWS, Azure and GCP size for a high percentile too).
pub const DEFAULT_QUANTILE: f64 = 0.9;
/// Default history before a forecast acts (AWS predictive scaling: 24 h).
pub const DEFAULT_MIN_HISTORY_HOURS: u32 = 24;

/// What the forecast does (the cloud autoscalers' modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ForecastMode {
    /// Not computed.
    #[default]
    Off,
    /// Computed, shown and recorded, never acted on.
    ForecastOnly,
    /// Joins the proposals: capacity before the load arrives.
    ForecastAndScale,
}

impl ForecastMode {
    /// Stable code, as stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            ForecastMode::Off => "off",
            ForecastMode::ForecastOnly => "forecast_only",
            ForecastMode::ForecastAndScale => "forecast_and_scale",
        }
    }
}

/// Predictive scaling for one policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Forecast {
    /// Off, forecast-only or forecast-and-scale.
    pub mode: ForecastMode,
    /// Name of the policy metric whose workload total is forecast; empty: the first metric.
    /// It needs a Utilization or AverageValue target (the total divides by a per-instance
    /// target).
    pub metric: String,
    /// Quantile of the forecast load that capacity is sized for (0.5–0.99, default 0.9).
    pub quantile: f64,
    /// Seconds ahead; empty: the workload's start-up time plus one evaluation interval.
    pub lead_secs: Option<u32>,
    /// Hours of recorded load before the forecast acts (default 24).
    pub min_history_hours: u32,
    /// Scale-down stabilization used instead of the policy's while forecast and observed load
    /// agree the load has fallen; empty: never shortened.
    pub scale_down_window_secs: Option<u32>,
}

impl Default for Forecast {
    fn default() -> Self {
        Forecast {
            mode: ForecastMode::Off,
            metric: String::new(),
            quantile: DEFAULT_QUANTILE,
            lead_secs: None,
            min_history_hours: DEFAULT_MIN_HISTORY_HOURS,
            scale_down_window_secs: None,
        }
    }
}

impl Forecast {
    /// True when the forecast is computed (shown or acted on).
    pub fn computed(&self) -> bool {
        self.mode != ForecastMode::Off
    }

    /// True when it joins the proposals.
    pub fn scales(&self) -> bool {
        self.mode == ForecastMode::ForecastAndScale
    }
}
