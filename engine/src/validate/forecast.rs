//! Validation of the forecast settings: the mode's metric must exist and divide into
//! instances (a Utilization or AverageValue target), and every number must be in range.

use super::Errors;
use crate::calc::FORECAST_NAME;
use crate::policy::{MetricSource, MetricTarget, Policy};

/// Longest lead (1 h): beyond it a forecast is a schedule.
pub const MAX_LEAD_SECS: u32 = 3600;
/// Longest minimum history: the 15 days of 1-minute roll-ups the store keeps.
pub const MAX_MIN_HISTORY_HOURS: u32 = 15 * 24;
/// Longest shortened scale-down window (HPA's own maximum stabilization is 1 h).
pub const MAX_DOWN_WINDOW_SECS: u32 = 3600;

pub(super) fn forecast(p: &Policy, e: &mut Errors) {
    let Some(f) = &p.forecast else {
        return;
    };
    if !(f.quantile.is_finite() && (0.5..=0.99).contains(&f.quantile)) {
        e.push(
            "forecast.quantile",
            format!(
                "quantile {} must be between 0.5 (the median) and 0.99",
                f.quantile
            ),
        );
    }
    if let Some(lead) = f.lead_secs {
        if lead == 0 || lead > MAX_LEAD_SECS {
            e.push(
                "forecast.lead_secs",
                format!("lead {lead} s must be 1–{MAX_LEAD_SECS} s; leave it empty for the start-up time plus one interval"),
            );
        }
    }
    if f.min_history_hours > MAX_MIN_HISTORY_HOURS {
        e.push(
            "forecast.min_history_hours",
            format!(
                "{} h is more history than ebb keeps ({MAX_MIN_HISTORY_HOURS} h)",
                f.min_history_hours
            ),
        );
    }
    if f.scale_down_window_secs
        .is_some_and(|w| w > MAX_DOWN_WINDOW_SECS)
    {
        e.push(
            "forecast.scale_down_window_secs",
            format!("the shortened scale-down window must be at most {MAX_DOWN_WINDOW_SECS} s"),
        );
    }
    if !f.computed() {
        return;
    }
    if p.metrics.iter().any(|m| m.name == FORECAST_NAME) {
        e.push(
            "forecast.metric",
            format!(
                "a metric named {:?} would be confused with the forecast; rename it",
                FORECAST_NAME
            ),
        );
    }
    let metric = if f.metric.is_empty() {
        p.metrics.first()
    } else {
        p.metrics.iter().find(|m| m.name == f.metric)
    };
    let Some(metric) = metric else {
        let msg = if f.metric.is_empty() {
            "the forecast needs a metric to forecast; add one".to_string()
        } else {
            format!("{:?} is not a metric of this policy", f.metric)
        };
        e.push("forecast.metric", msg);
        return;
    };
    let divides = matches!(
        (&metric.source, metric.target),
        (_, MetricTarget::AverageValue(_))
            | (
                MetricSource::Resource { .. } | MetricSource::ContainerResource { .. },
                MetricTarget::Utilization(_),
            )
    );
    if !divides {
        e.push(
            "forecast.metric",
            format!(
                "{:?} has a Value target, which says nothing about the load one instance carries; forecast a metric with a Utilization or AverageValue target",
                metric.name
            ),
        );
    }
}
