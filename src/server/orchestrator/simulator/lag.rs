//! Metric lag: what a metrics pipeline would show at an instant, rather than the exact present.
//! The workload keeps a short log of cumulative work (per ready instance, and offered demand);
//! a resource metric (CPU, memory; metrics-server-like) is the mean over a window that closed
//! some seconds ago, windows closing on a fixed period; a request metric (Prometheus-like) is
//! the mean over the last completed scrape interval.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// How late and how smoothed the simulator's metrics are. All zero: exact and instant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricLag {
    /// Seconds a CPU/memory sample averages over (metrics-server: 30 s windows).
    pub resource_window_secs: f64,
    /// Seconds from a window's end until it is visible.
    pub resource_delay_secs: f64,
    /// Windows end every this many seconds (the scrape resolution).
    pub resource_period_secs: f64,
    /// Scrape interval of request metrics (`rps`, the external `demand`): the value is the
    /// mean over the last completed interval.
    pub request_scrape_secs: f64,
}

impl Default for MetricLag {
    /// Kubernetes-like: metrics-server's 30 s window published 15 s later on a 15 s grid, and
    /// Prometheus's 15 s scrape interval.
    fn default() -> Self {
        MetricLag {
            resource_window_secs: 30.0,
            resource_delay_secs: 15.0,
            resource_period_secs: 15.0,
            request_scrape_secs: 15.0,
        }
    }
}

impl MetricLag {
    /// Exact, instant metrics (unit tests of the control loop).
    pub fn none() -> MetricLag {
        MetricLag {
            resource_window_secs: 0.0,
            resource_delay_secs: 0.0,
            resource_period_secs: 0.0,
            request_scrape_secs: 0.0,
        }
    }

    /// Seconds of history the log must keep.
    pub(crate) fn horizon(&self) -> f64 {
        let resource =
            self.resource_window_secs + self.resource_delay_secs + self.resource_period_secs;
        resource.max(2.0 * self.request_scrape_secs) + 1.0
    }

    /// The window a resource sample shows at `now`: `(start, end)`; `None` when exact.
    pub(crate) fn resource_window(&self, now: f64) -> Option<(f64, f64)> {
        if self.resource_window_secs <= 0.0 && self.resource_delay_secs <= 0.0 {
            return None;
        }
        let mut end = now - self.resource_delay_secs.max(0.0);
        if self.resource_period_secs > 0.0 {
            end = (end / self.resource_period_secs).floor() * self.resource_period_secs;
        }
        Some((end - self.resource_window_secs.max(0.0), end))
    }

    /// The interval a request sample shows at `now`; `None` when exact.
    pub(crate) fn request_window(&self, now: f64) -> Option<(f64, f64)> {
        if self.request_scrape_secs <= 0.0 {
            return None;
        }
        let end = (now / self.request_scrape_secs).floor() * self.request_scrape_secs;
        Some((end - self.request_scrape_secs, end))
    }
}

/// Cumulative totals at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    at: f64,
    /// Work done per ready instance (units), summed over time.
    per_instance: f64,
    /// Offered demand (units), summed over time.
    offered: f64,
}

/// The log of cumulative work since the workload was added, pruned to the lag's horizon.
#[derive(Debug, Clone)]
pub(crate) struct RateLog {
    points: VecDeque<Point>,
    horizon: f64,
}

impl RateLog {
    pub(crate) fn new(horizon: f64) -> RateLog {
        RateLog {
            points: VecDeque::from([Point {
                at: 0.0,
                per_instance: 0.0,
                offered: 0.0,
            }]),
            horizon,
        }
    }

    /// Records `dt` seconds from the last point at the given rates.
    pub(crate) fn push(&mut self, dt: f64, per_instance_rate: f64, offered_rate: f64) {
        let last = *self.points.back().expect("the log starts with a point");
        let at = last.at + dt;
        self.points.push_back(Point {
            at,
            per_instance: last.per_instance + per_instance_rate * dt,
            offered: last.offered + offered_rate * dt,
        });
        while self.points.len() > 2 && self.points[1].at < at - self.horizon {
            self.points.pop_front();
        }
    }

    /// Cumulative totals at `t`, linear between points (rates are constant within a step);
    /// clamped to the log's span.
    fn at(&self, t: f64) -> (f64, f64) {
        let i = self.points.partition_point(|p| p.at <= t);
        match (i.checked_sub(1).map(|k| self.points[k]), self.points.get(i)) {
            (Some(a), Some(b)) if b.at > a.at => {
                let f = (t - a.at) / (b.at - a.at);
                (
                    a.per_instance + f * (b.per_instance - a.per_instance),
                    a.offered + f * (b.offered - a.offered),
                )
            }
            (Some(a), _) => (a.per_instance, a.offered),
            (None, Some(b)) => (b.per_instance, b.offered),
            (None, None) => (0.0, 0.0),
        }
    }

    /// Mean work per ready instance per second over `[from, to]`; `None` when empty.
    pub(crate) fn per_instance_mean(&self, from: f64, to: f64) -> Option<f64> {
        (to > from).then(|| (self.at(to).0 - self.at(from).0) / (to - from))
    }

    /// Mean offered demand per second over `[from, to]`; `None` when empty.
    pub(crate) fn offered_mean(&self, from: f64, to: f64) -> Option<f64> {
        (to > from).then(|| (self.at(to).1 - self.at(from).1) / (to - from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_over_windows_are_exact_for_stepwise_rates() {
        let mut log = RateLog::new(100.0);
        log.push(10.0, 1.0, 100.0);
        log.push(10.0, 3.0, 300.0);
        assert_eq!(log.per_instance_mean(0.0, 20.0), Some(2.0));
        assert_eq!(log.per_instance_mean(5.0, 15.0), Some(2.0));
        assert_eq!(log.offered_mean(10.0, 20.0), Some(300.0));
        assert_eq!(log.offered_mean(12.0, 12.0), None);
    }

    #[test]
    fn old_points_are_pruned_but_the_horizon_stays_readable() {
        let mut log = RateLog::new(30.0);
        for _ in 0..1000 {
            log.push(1.0, 2.0, 5.0);
        }
        assert!(log.points.len() < 40, "{}", log.points.len());
        assert_eq!(log.per_instance_mean(970.0, 1000.0), Some(2.0));
    }

    #[test]
    fn the_kubernetes_like_lag_reads_a_window_that_closed_15_to_30_s_ago() {
        let lag = MetricLag::default();
        assert_eq!(lag.resource_window(100.0), Some((45.0, 75.0)));
        assert_eq!(lag.resource_window(104.9), Some((45.0, 75.0)));
        assert_eq!(lag.resource_window(105.0), Some((60.0, 90.0)));
        assert_eq!(lag.request_window(100.0), Some((75.0, 90.0)));
        assert_eq!(MetricLag::none().resource_window(100.0), None);
        assert_eq!(MetricLag::none().request_window(100.0), None);
    }
}
