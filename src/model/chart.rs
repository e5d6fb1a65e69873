//! Chart series of one workload: load, demand and replicas over a range, with decision markers,
//! and the forecast: past forecasts against the instances the load needed, and the band ahead.

use serde::{Deserialize, Serialize};

/// The ranges the workload chart offers, with their length in seconds.
pub const RANGES: &[(&str, i64)] = &[
    ("15m", 15 * 60),
    ("1h", 3600),
    ("6h", 6 * 3600),
    ("24h", 24 * 3600),
    ("7d", 7 * 86400),
    ("30d", 30 * 86400),
];

/// Length of range `name` in seconds (the default, 1 h, for unknown names).
pub fn range_secs(name: &str) -> i64 {
    RANGES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .unwrap_or(3600)
}

/// One point (an evaluation, or a roll-up bucket for long ranges).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ChartPoint {
    /// UTC, ISO-8601.
    pub at: String,
    pub load: Option<f64>,
    pub load_max: Option<f64>,
    pub demand: Option<f64>,
    pub unserved: Option<f64>,
    pub current: i64,
    pub desired: i64,
    pub ready: i64,
    /// Instances the observed load needs at the policy's target (the forecast metric's total
    /// ÷ one instance's share at the target).
    #[serde(default)]
    pub need: Option<f64>,
    /// Instances the forecast made at this evaluation asked for over its next
    /// `forecast_lead` seconds (drawn at the end of that span, against what happened).
    #[serde(default)]
    pub forecast_need: Option<f64>,
    #[serde(default)]
    pub forecast_lead: Option<i64>,
}

/// One point of the forecast ahead of now, in instances at the policy's target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlookPoint {
    /// UTC, ISO-8601.
    pub at: String,
    /// Instances the median forecast asks for.
    pub median: f64,
    /// Instances the forecast at the policy's quantile asks for.
    pub high: f64,
}

/// The forecast ahead of now, as the chart draws it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outlook {
    /// The policy's quantile, e.g. 0.9.
    pub quantile: f64,
    pub points: Vec<OutlookPoint>,
    /// Why nothing is drawn ahead (e.g. "waiting for 24 h of load history: …"), when so.
    pub waiting: Option<String>,
}

impl Outlook {
    /// Nothing ahead to draw at `quantile`, and why.
    pub fn waiting(quantile: f64, why: impl Into<String>) -> Outlook {
        Outlook {
            quantile,
            points: Vec::new(),
            waiting: Some(why.into()),
        }
    }
}

/// A decision drawn on the chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Marker {
    pub id: i64,
    pub at: String,
    pub direction: String,
    pub outcome: String,
    pub sentence: String,
}

/// Everything the chart draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartData {
    pub range: String,
    pub target: Option<f64>,
    pub points: Vec<ChartPoint>,
    pub markers: Vec<Marker>,
    /// The forecast ahead, when the workload's policy computes one.
    #[serde(default)]
    pub outlook: Option<Outlook>,
}
