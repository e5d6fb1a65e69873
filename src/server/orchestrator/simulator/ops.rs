//! What the outside world does to a simulated workload: observe it (instances, per-instance
//! metrics, demand), scale it and set its resources with an optimistic-concurrency token, and
//! inject faults by hand.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::check::{check_resources, MAX_SIM_REPLICAS};
use super::instance::SimInstance;
use super::workload::{Load, SimWorkload};
use crate::server::orchestrator::{
    DemandReading, ObservedInstance, ObservedState, OrchestratorError, ResourceSpec, ScaleOutcome,
    WorkloadObservation,
};

impl SimWorkload {
    /// Fails when `t` lies in an unreachable window (advance first).
    pub fn check_reachable(
        &mut self,
        name: &str,
        t: DateTime<Utc>,
    ) -> Result<(), OrchestratorError> {
        let now = self.secs(t);
        if self.unreachable.active(now) {
            return Err(OrchestratorError::Unreachable(format!(
                "simulated backend for `{name}` is unreachable (injected fault)"
            )));
        }
        Ok(())
    }

    /// The workload as the controller sees it at `t` (the model is advanced to `t`). Metrics
    /// are as lagged as the spec's [`super::MetricLag`] says; the demand reading is exact (it
    /// is the simulator's ground truth, not a metric).
    pub fn observe(&mut self, t: DateTime<Utc>) -> WorkloadObservation {
        self.advance_to(t);
        let now = self.now;
        let outage = self.outages.active(now);
        let load = self.load(now);
        let instances = self
            .instances
            .iter()
            .map(|i| self.observed(i, now, &load, outage))
            .collect();
        let mut external = BTreeMap::new();
        if !outage {
            let lag = self.spec.metric_lag;
            let demand = match lag.request_window(now) {
                Some((from, to)) => self.log.offered_mean(from.max(0.0), to),
                None => Some(load.offered),
            };
            if let Some(d) = demand {
                external.insert("demand".to_string(), d);
            }
        }
        WorkloadObservation {
            at: t,
            replicas: self.replicas,
            token: self.version.to_string(),
            resources: self.spec.resources.clone(),
            instances,
            external,
            demand: Some(reading(&load)),
            notes: Vec::new(),
            ready_change_note: None,
        }
    }

    /// Instance `i` at `now`. A ready instance reports the metrics of the window the lag shows
    /// (averaged over the part of it the instance was ready; none before its first sample);
    /// a draining one zero load; others nothing.
    fn observed(&self, i: &SimInstance, now: f64, load: &Load, outage: bool) -> ObservedInstance {
        let state = i.state(now);
        let lag = self.spec.metric_lag;
        let exact = if load.ready > 0 {
            load.served() / f64::from(load.ready)
        } else {
            0.0
        };
        // (served per second, sample end, window length)
        let sample = match lag.resource_window(now) {
            None => Some((exact, now, self.step)),
            // The window is reported whole (as metrics-server does), so the HPA rules count a
            // young instance only once a full window after it became ready has been published.
            Some((from, to)) => self
                .log
                .per_instance_mean(from.max(i.ready_at).max(0.0), to)
                .map(|rps| (rps, to, lag.resource_window_secs)),
        };
        // Request metrics follow their own (scrape) lag.
        let rps = match lag.request_window(now) {
            None => Some(exact),
            Some((from, to)) => self
                .log
                .per_instance_mean(from.max(i.ready_at).max(0.0), to),
        };
        let metrics = match (state, sample, outage) {
            (_, _, true) => BTreeMap::new(),
            (ObservedState::Ready, Some((served, _, _)), false) => {
                let mut m = self.metrics(served);
                match rps {
                    Some(r) => m.insert("rps".into(), r),
                    None => m.remove("rps"),
                };
                m
            }
            (ObservedState::Terminating, _, false) => self.metrics(0.0),
            _ => BTreeMap::new(),
        };
        let ready_since = (state == ObservedState::Ready).then(|| self.instant(i.ready_at));
        let (sample_at, window) = match sample {
            Some((_, end, len)) if state == ObservedState::Ready => {
                (Some(self.instant(end)), Some(len))
            }
            _ => (Some(self.instant(now)), Some(self.step)),
        };
        ObservedInstance {
            id: format!("sim-{}", i.serial),
            state,
            started_at: Some(self.instant(i.created_at)),
            ready_since,
            metrics,
            restarts: i.restarts,
            ready_changed_at: ready_since,
            sample_at,
            sample_window_secs: window,
            containers: Vec::new(),
            pod_requests: None,
            overhead: None,
        }
    }

    /// Per-instance metrics of an instance serving `rps` demand units/s.
    fn metrics(&self, rps: f64) -> BTreeMap<String, f64> {
        let s = &self.spec;
        let r = &s.resources;
        let cpu_at_full = r.cpu_request.or(r.cpu_limit).unwrap_or(1.0);
        let cpu =
            (cpu_at_full * rps / s.capacity_per_instance).min(r.cpu_limit.unwrap_or(f64::INFINITY));
        let mem = (s.memory_base_bytes + s.memory_per_unit_bytes * rps)
            .min(r.memory_limit.unwrap_or(f64::INFINITY));
        BTreeMap::from([
            ("cpu".to_string(), cpu),
            ("memory".to_string(), mem),
            ("rps".to_string(), rps),
        ])
    }

    fn check_token(&self, token: &str) -> Result<(), OrchestratorError> {
        if token == self.version.to_string() {
            Ok(())
        } else {
            Err(OrchestratorError::Conflict(format!(
                "token `{token}` is stale (current `{}`); observe again and retry",
                self.version
            )))
        }
    }

    /// Sets the replica count at `t` if `token` matches: new instances start (ready after the
    /// start-up delay); on scale-in failed and starting instances go first, then the newest
    /// ready ones, each draining for `drain_secs` before it is gone.
    pub fn scale(
        &mut self,
        replicas: u32,
        token: &str,
        t: DateTime<Utc>,
    ) -> Result<ScaleOutcome, OrchestratorError> {
        self.advance_to(t);
        self.check_token(token)?;
        if replicas > MAX_SIM_REPLICAS {
            return Err(OrchestratorError::Rejected(format!(
                "{replicas} replicas requested; the simulator runs at most {MAX_SIM_REPLICAS}"
            )));
        }
        if replicas != self.replicas {
            self.resize(replicas);
            self.replicas = replicas;
            self.version += 1;
        }
        Ok(ScaleOutcome {
            replicas,
            token: self.version.to_string(),
        })
    }

    fn resize(&mut self, replicas: u32) {
        let now = self.now;
        let active = self
            .instances
            .iter()
            .filter(|i| i.drain_end.is_none())
            .count() as u32;
        for _ in active..replicas {
            self.add_instance(now, false);
        }
        let mut victims: Vec<usize> = (0..self.instances.len())
            .filter(|&k| self.instances[k].drain_end.is_none())
            .collect();
        // Unready first, then the newest; the stable sort keeps creation order within a class.
        victims.sort_by_key(|&k| {
            (
                self.instances[k].is_ready(now),
                std::cmp::Reverse(self.instances[k].serial),
            )
        });
        let drain = f64::from(self.spec.drain_secs);
        for &k in victims
            .iter()
            .take(active.saturating_sub(replicas) as usize)
        {
            self.instances[k].drain_end = Some(now + drain);
        }
        self.instances
            .retain(|i| i.drain_end.is_none_or(|end| end > now));
    }

    /// Sets per-instance requests and limits at `t` if `token` matches; returns the new token.
    pub fn set_resources(
        &mut self,
        resources: &ResourceSpec,
        token: &str,
        t: DateTime<Utc>,
    ) -> Result<String, OrchestratorError> {
        self.advance_to(t);
        self.check_token(token)?;
        check_resources(resources).map_err(|e| OrchestratorError::Rejected(e.to_string()))?;
        self.spec.resources = resources.clone();
        self.version += 1;
        Ok(self.version.to_string())
    }

    /// Crashes instance `id` at `t` (it restarts after the spec's restart delay).
    pub fn crash_instance(&mut self, id: &str, t: DateTime<Utc>) -> Result<(), OrchestratorError> {
        self.advance_to(t);
        let (now, lc) = (self.now, self.lifecycle);
        let inst = self
            .instances
            .iter_mut()
            .find(|i| format!("sim-{}", i.serial) == id);
        let inst = inst.ok_or_else(|| OrchestratorError::NotFound(format!("instance {id}")))?;
        inst.crash(now, &lc);
        Ok(())
    }

    /// Starts a metric outage at `t` lasting until `until`.
    pub fn force_metric_outage(&mut self, t: DateTime<Utc>, until: DateTime<Utc>) {
        self.advance_to(t);
        let end = self.secs(until);
        self.outages.force_until(end);
    }

    /// Makes the workload unreachable from `t` until `until`.
    pub fn force_unreachable(&mut self, t: DateTime<Utc>, until: DateTime<Utc>) {
        self.advance_to(t);
        let end = self.secs(until);
        self.unreachable.force_until(end);
    }
}

fn reading(load: &Load) -> DemandReading {
    DemandReading {
        offered: load.offered,
        served: load.served(),
        unserved: (load.offered - load.served()).max(0.0),
        capacity: load.capacity,
    }
}
