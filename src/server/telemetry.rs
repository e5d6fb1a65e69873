//! ebb's own metrics, for Prometheus. Counted as it happens: what the controller did (decisions
//! by reason and outcome, evaluation time, backend errors by kind, its own heartbeat) and what
//! the HTTP server served. Read from the store at scrape time ([`workloads`]): each workload's
//! replicas, load, state and overrides, so a removed workload's series go with it. Rendered in
//! the Prometheus text format (0.0.4) by [`Telemetry::render`] and served by [`endpoint`]. No
//! label names a user: workloads, backends, reasons, routes and status codes only.

pub mod endpoint;
pub mod http;
mod workloads;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::server::store::Store;

/// A workload's labels on counters and histograms.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WorkloadLabels {
    pub backend: String,
    pub workload: String,
}

/// One decision: the workload, its reason code and what became of it.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    backend: String,
    workload: String,
    reason: String,
    outcome: String,
}

/// A failed backend call by its class (`unreachable`, `auth`, `conflict`, …).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    backend: String,
    kind: String,
}

/// A backend's label: evaluation times are kept per backend, not per workload, so a
/// thousand workloads do not make a scrape of a hundred thousand histogram lines.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BackendLabels {
    backend: String,
}

/// One HTTP request: its route pattern (never the raw path), method and status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// Evaluation and request durations: 1 ms to about 33 s.
fn seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The counters, histograms and last values the process keeps; one per process, shared by the
/// controller and the HTTP layer.
#[derive(Debug)]
pub struct Telemetry {
    registry: Registry,
    decisions: Family<DecisionLabels, Counter>,
    evaluation_seconds: Family<BackendLabels, Histogram, fn() -> Histogram>,
    backend_errors: Family<ErrorLabels, Counter>,
    rounds: Counter,
    http_requests: Family<HttpLabels, Counter>,
    http_seconds: Family<RouteLabels, Histogram, fn() -> Histogram>,
    /// Per workload id: the last offered and unserved load the backend reported (the simulator
    /// knows them; real backends where a demand metric says).
    demand: Mutex<HashMap<i64, (f64, f64)>>,
    /// Per workload id: when its last evaluation (successful or not) ended.
    evaluated_at: Mutex<HashMap<i64, DateTime<Utc>>>,
    /// When the controller's loop last went round.
    heartbeat: Mutex<Option<Instant>>,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new()
    }
}

impl Telemetry {
    /// Empty metrics, registered under the `ebb_` prefix.
    pub fn new() -> Telemetry {
        let mut registry = Registry::with_prefix("ebb");
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "decisions",
            "Evaluations by workload, reason code (HPA's and ebb's) and outcome: applied, failed, unchanged or error",
            decisions.clone(),
        );
        let evaluation_seconds =
            Family::<BackendLabels, Histogram, fn() -> Histogram>::new_with_constructor(seconds);
        registry.register(
            "evaluation_duration_seconds",
            "Time one evaluation took (observe, decide, record and act), by backend",
            evaluation_seconds.clone(),
        );
        let backend_errors = Family::<ErrorLabels, Counter>::default();
        registry.register(
            "backend_errors",
            "Failed backend calls by class: unreachable, tls, auth, status, conflict, not_found, rejected",
            backend_errors.clone(),
        );
        let rounds = Counter::default();
        registry.register(
            "controller_rounds",
            "Rounds of the controller's loop (at least one a second while it runs)",
            rounds.clone(),
        );
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route pattern and status",
            http_requests.clone(),
        );
        let http_seconds =
            Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(seconds);
        registry.register(
            "http_request_duration_seconds",
            "Time to the response head, by method and route pattern",
            http_seconds.clone(),
        );
        Telemetry {
            registry,
            decisions,
            evaluation_seconds,
            backend_errors,
            rounds,
            http_requests,
            http_seconds,
            demand: Mutex::new(HashMap::new()),
            evaluated_at: Mutex::new(HashMap::new()),
            heartbeat: Mutex::new(None),
        }
    }

    /// Counts a decision of workload `workload` on `backend`.
    pub fn decided(&self, workload: &WorkloadLabels, reason: &str, outcome: &str) {
        self.decisions
            .get_or_create(&DecisionLabels {
                backend: workload.backend.clone(),
                workload: workload.workload.clone(),
                reason: reason.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// Records that an evaluation of workload `id` ended at `at` after `took`.
    pub fn evaluated(&self, id: i64, workload: &WorkloadLabels, took: Duration, at: DateTime<Utc>) {
        self.evaluation_seconds
            .get_or_create(&BackendLabels {
                backend: workload.backend.clone(),
            })
            .observe(took.as_secs_f64());
        self.evaluated_at
            .lock()
            .expect("evaluated_at")
            .insert(id, at);
    }

    /// Counts a failed call to `backend` of class `kind`.
    pub fn backend_error(&self, backend: &str, kind: &str) {
        self.backend_errors
            .get_or_create(&ErrorLabels {
                backend: backend.to_string(),
                kind: kind.to_string(),
            })
            .inc();
    }

    /// Keeps the offered and unserved load workload `id` last reported.
    pub fn demand(&self, id: i64, offered: f64, unserved: f64) {
        self.demand
            .lock()
            .expect("demand")
            .insert(id, (offered, unserved));
    }

    /// The controller's loop went round once more.
    pub fn heartbeat(&self) {
        self.rounds.inc();
        *self.heartbeat.lock().expect("heartbeat") = Some(Instant::now());
    }

    /// Counts one HTTP request.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.http_requests
            .get_or_create(&HttpLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        self.http_seconds
            .get_or_create(&RouteLabels {
                method: method.to_string(),
                route: route.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// Everything, in the Prometheus text format: the counters above, then the per-workload
    /// gauges read from `store` now. `Err` says what failed (the store cannot be read).
    pub async fn render(&self, store: &Store, now: DateTime<Utc>) -> Result<String, String> {
        let summaries = store
            .workload_summaries()
            .await
            .map_err(|e| format!("the workloads cannot be read: {e}"))?;
        let mut gauges = Registry::with_prefix("ebb");
        let alive = self
            .heartbeat
            .lock()
            .expect("heartbeat")
            .is_some_and(|at| at.elapsed() < Duration::from_secs(10));
        let up = Gauge::<i64>::default();
        up.set(i64::from(alive));
        gauges.register(
            "controller_up",
            "1 while the controller's loop went round in the last 10 s",
            up,
        );
        {
            // What removed workloads left behind goes here, where the live set is known.
            let live: std::collections::HashSet<i64> = summaries.iter().map(|w| w.id).collect();
            let mut demand = self.demand.lock().expect("demand");
            demand.retain(|id, _| live.contains(id));
            let mut evaluated = self.evaluated_at.lock().expect("evaluated_at");
            evaluated.retain(|id, _| live.contains(id));
            workloads::register(&mut gauges, &summaries, &demand, &evaluated, now);
        }
        let mut out = String::with_capacity(64 * 1024);
        let encode = |out: &mut String, r: &Registry| {
            prometheus_client::encoding::prometheus_text::encode(out, r)
                .map_err(|e| format!("encoding the metrics: {e}"))
        };
        encode(&mut out, &self.registry)?;
        encode(&mut out, &gauges)?;
        Ok(out)
    }
}
