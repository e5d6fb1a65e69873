//! Chart series of one workload: load, demand and replicas over a range, with decision markers.

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
}
