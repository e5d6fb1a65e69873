//! One evaluation of one workload: observe → report failing instances (when due) → forecast
//! → decide → record the intent → act → record the outcome → publish. Re-reads everything it
//! needs, so a crash at any step loses nothing and a repeated tick repeats nothing: `scale`
//! sets an absolute count, and an intent left open by a crash is settled against the next
//! observation before anything new is decided. The forecast's totals are stored with each
//! sample, and a restarted controller refits from them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ebb_engine::{decide, Decision, History};

use super::convert::{count, direction_name, headline_load, instance_samples};
use super::Controller;
use crate::model::live::LiveEvent;
use crate::server::forecast::{
    figures, observed_startup, ForecastFigures, WorkloadForecast, DEFAULT_STARTUP_SECS,
};
use crate::server::orchestrator::fault::Fault;
use crate::server::orchestrator::{
    engine_observation, ObservedState, OrchestratorError, WorkloadObservation,
};
use crate::server::store::decisions::NewDecision;
use crate::server::store::policies::PolicyVersion;
use crate::server::store::samples::Sample;
use crate::server::store::status::{ControllerState, StatusUpdate};
use crate::server::store::workloads::WorkloadRow;
use crate::server::store::StoreError;

/// Days of stored totals a forecast is refitted from (the profile's 14 and the day it is built
/// on; the 1-minute roll-ups keep as many).
const HISTORY_DAYS: i64 = 15;

/// Reason code recorded when the backend cannot be asked.
pub const BACKEND_ERROR: &str = "BackendError";

/// The history sentence of a backend failure of class `fault`, retried after `backoff` (the
/// backend's own text goes to the server log only: it may hold anything its target answered).
pub fn backend_sentence(fault: Fault, backoff: Duration) -> String {
    format!(
        "The backend call failed ({}: {}); holding, next try in {} s.",
        fault.label(),
        fault.hint(),
        backoff.as_secs()
    )
}

impl Controller {
    /// The forecast for `w` at `now` when its policy computes one. The state is kept per
    /// workload (dropped when the policy stops forecasting) and, on the first evaluation after
    /// a start, refitted from the store's 1-minute totals of the last 15 days.
    async fn forecast_reading(
        &self,
        w: &WorkloadRow,
        policy: &ebb_engine::Policy,
        obs: &WorkloadObservation,
        now: DateTime<Utc>,
    ) -> Result<Option<ebb_engine::ForecastReading>, StoreError> {
        if !policy.forecast.as_ref().is_some_and(|f| f.computed()) {
            self.forecasts_mut().remove(&w.id);
            return Ok(None);
        }
        if !self.forecasts_mut().contains_key(&w.id) {
            let from = now - chrono::Duration::days(HISTORY_DAYS);
            let series = self.store.total_series(w.id, from, now).await?;
            let interval = u32::try_from(w.interval_secs.max(1)).unwrap_or(15);
            let startup = observed_startup(obs).unwrap_or(DEFAULT_STARTUP_SECS);
            let f = WorkloadForecast::with_history(startup, interval, policy, &series);
            self.forecasts_mut().entry(w.id).or_insert(f);
        }
        Ok(self
            .forecasts_mut()
            .get_mut(&w.id)
            .and_then(|f| f.reading(policy, now)))
    }

    pub(super) fn forecasts_mut(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<i64, WorkloadForecast>> {
        self.forecasts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the forecast metric's total of `decision` for `w`; returns the figures to store
    /// with the evaluation's sample.
    fn forecast_record(
        &self,
        w: &WorkloadRow,
        policy: &ebb_engine::Policy,
        decision: &Decision,
        now: DateTime<Utc>,
    ) -> ForecastFigures {
        let mut all = self.forecasts_mut();
        let lead = all.get_mut(&w.id).map(|f| {
            f.record(policy, decision, now);
            f.lead_secs(policy)
        });
        figures(policy, decision, lead)
    }

    /// Evaluates workload `w` once; returns how long to wait before the next evaluation.
    pub async fn evaluate(&self, w: &WorkloadRow) -> Result<Duration, StoreError> {
        let interval = Duration::from_secs(u64::try_from(w.interval_secs.max(1)).unwrap_or(15));
        let Some(backend) = self.backend(w.backend_id) else {
            return Ok(interval);
        };
        let now = self.clock.now();
        let mut cs = self.store.controller_state(w.id).await?;
        let obs = match backend.observe(&w.name).await {
            Ok(obs) => obs,
            Err(e) => return self.backend_failed(w, cs, None, &e, now, interval).await,
        };
        self.settle_open_intents(w, &obs, &mut cs.history).await?;
        self.report_failures(w, &obs, &mut cs, now).await?;
        let policy = match w.policy_id {
            Some(id) => self.store.current_policy(id).await?,
            None => None,
        };
        let Some(policy) = policy else {
            // Watched but not scaled: keep the status and samples current.
            self.record_observation(w, &obs, None, None, &mut cs, now)
                .await?;
            return Ok(interval);
        };
        let mut obs = obs;
        super::external::fill(
            &self.prometheus,
            &policy.body,
            &w.backend_kind,
            &w.name,
            &mut obs,
        )
        .await;
        let mut eobs = engine_observation(&obs);
        eobs.overrides = self.store.active_overrides(w.id, now).await?;
        eobs.forecast = self.forecast_reading(w, &policy.body, &obs, now).await?;
        let mut decision = decide(&policy.body, &eobs, &cs.history, now);
        let figures = self.forecast_record(w, &policy.body, &decision, now);
        // The last guard: nothing above the installation's cap reaches the backend.
        super::cap::hold_at_cap(&mut decision, self.max_replicas_cap);
        let mut applied = false;
        let mut failure = None;
        let mut recorded = None;
        if decision.desired_replicas != obs.replicas {
            let intent = self.new_decision(w, &policy, &decision, now, "intent", None);
            let id = self.store.insert_decision(&intent).await?;
            recorded = Some(id);
            cs.last_decision_id = Some(id);
            cs.last_reason = Some(decision.reason.code().to_string());
            match backend
                .scale(&w.name, decision.desired_replicas, &obs.token)
                .await
            {
                Ok(_) => {
                    applied = true;
                    self.store.set_outcome(id, "applied", None).await?;
                    self.telemetry
                        .decided(&super::labels(w), decision.reason.code(), "applied");
                    // The reason, where the system's own tools show it; off the tick.
                    let (backend, name) = (backend.clone(), w.name.clone());
                    let (from, to) = (obs.replicas, decision.desired_replicas);
                    let sentence = decision.sentence.clone();
                    tokio::spawn(async move {
                        if let Err(e) = backend.explain(&name, from, to, &sentence).await {
                            tracing::warn!(
                                "workload {name}: its reason was not written to the backend: {e}"
                            );
                        }
                    });
                }
                Err(e) => {
                    // Stored and shown to every viewer: the class, never the backend's text.
                    let class = Fault::of(&e).label();
                    self.store.set_outcome(id, "failed", Some(&class)).await?;
                    self.telemetry
                        .decided(&super::labels(w), decision.reason.code(), "failed");
                    self.telemetry
                        .backend_error(&w.backend_name, Fault::of(&e).kind());
                    failure = Some(e);
                }
            }
        } else {
            self.telemetry
                .decided(&super::labels(w), decision.reason.code(), "unchanged");
        }
        if decision.desired_replicas == obs.replicas
            && cs.last_reason.as_deref() != Some(decision.reason.code())
        {
            let row = self.new_decision(w, &policy, &decision, now, "none", None);
            recorded = Some(self.store.insert_decision(&row).await?);
            cs.last_decision_id = recorded;
            cs.last_reason = Some(decision.reason.code().to_string());
        }
        cs.history.record(&decision, applied, &policy.body, now);
        match failure {
            // Someone changed the workload between our read and write: nothing is wrong with
            // the backend, so re-read and re-decide promptly instead of backing off.
            Some(e @ OrchestratorError::Conflict(_)) => {
                tracing::info!("workload {}: {e}; re-reading it", w.name);
                self.record_observation(
                    w,
                    &obs,
                    Some((&decision, figures)),
                    recorded,
                    &mut cs,
                    now,
                )
                .await?;
                return Ok(interval.min(Duration::from_secs(1)));
            }
            Some(e) => {
                return self
                    .backend_failed(w, cs, Some(&obs), &e, now, interval)
                    .await
            }
            None => {}
        }
        cs.error_count = 0;
        cs.backoff_until = None;
        self.record_observation(w, &obs, Some((&decision, figures)), recorded, &mut cs, now)
            .await?;
        Ok(interval)
    }

    /// An intent without outcome means the process stopped between recording and acting (or
    /// before recording the result). The backend's current count tells which: it is settled as
    /// applied (and counted as a scale event, so rate limits see it) or as superseded.
    async fn settle_open_intents(
        &self,
        w: &WorkloadRow,
        obs: &WorkloadObservation,
        history: &mut History,
    ) -> Result<(), StoreError> {
        for intent in self.store.open_intents(w.id).await? {
            let reached = i64::from(obs.replicas) == intent.desired_replicas;
            if reached {
                self.store.set_outcome(intent.id, "applied", None).await?;
                if let Some(at) = crate::server::store::time::parse(&intent.at) {
                    history.scale_events.push(ebb_engine::ScaleEvent {
                        at,
                        from: u32::try_from(intent.current_replicas).unwrap_or(0),
                        to: obs.replicas,
                    });
                }
            } else {
                let why = "the process stopped before this action completed; re-evaluated afresh";
                self.store
                    .set_outcome(intent.id, "superseded", Some(why))
                    .await?;
            }
        }
        Ok(())
    }

    /// Records failing and restarting instances in the history when a report is due (see
    /// [`super::faults`]); the report and the memory that it was made land together.
    async fn report_failures(
        &self,
        w: &WorkloadRow,
        obs: &WorkloadObservation,
        cs: &mut ControllerState,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let total = super::faults::failures(obs);
        let Some(report) = super::faults::note(&mut cs.faults, total, now) else {
            return Ok(());
        };
        let row = super::faults::event(w, obs, report, now);
        let id = self
            .store
            .record_fault_report(&row, &cs.faults, now)
            .await?;
        tracing::warn!("workload {}: {}", w.name, row.sentence);
        self.publish(w.id, Some(id), None).await
    }

    fn new_decision(
        &self,
        w: &WorkloadRow,
        policy: &PolicyVersion,
        d: &Decision,
        now: DateTime<Utc>,
        outcome: &'static str,
        error: Option<String>,
    ) -> NewDecision {
        let detail = serde_json::json!({
            "proposals": d.proposals, "limits": d.limits, "bounds": d.bounds,
            "next": d.next, "active_schedules": d.active_schedules, "metrics_ok": d.metrics_ok,
        });
        NewDecision {
            workload_id: w.id,
            at: now,
            policy_id: Some(policy.policy_id),
            policy_version: Some(policy.version),
            current_replicas: d.current_replicas,
            desired_replicas: d.desired_replicas,
            direction: direction_name(d.direction),
            reason: d.reason.code().to_string(),
            sentence: d.sentence.clone(),
            outcome,
            error,
            detail: detail.to_string(),
        }
    }

    /// Records a backend failure on the workload (and, when it is new, as a decision), and
    /// returns the back-off: the interval doubled per consecutive failure, at most 2 minutes
    /// (or the interval when that is longer).
    async fn backend_failed(
        &self,
        w: &WorkloadRow,
        mut cs: ControllerState,
        obs: Option<&WorkloadObservation>,
        e: &OrchestratorError,
        now: DateTime<Utc>,
        interval: Duration,
    ) -> Result<Duration, StoreError> {
        cs.error_count = cs.error_count.saturating_add(1);
        let cap = interval.max(Duration::from_secs(120));
        let backoff = interval.saturating_mul(1 << cs.error_count.min(7)).min(cap);
        cs.backoff_until = chrono::Duration::from_std(backoff).ok().map(|b| now + b);
        let mut recorded = None;
        let fault = Fault::of(e);
        // A failed scale was counted where it failed; a failed observation is counted here.
        if obs.is_none() {
            self.telemetry.backend_error(&w.backend_name, fault.kind());
            self.telemetry
                .decided(&super::labels(w), BACKEND_ERROR, "error");
        }
        if cs.last_reason.as_deref() != Some(BACKEND_ERROR) {
            let current = obs.map(|o| o.replicas).unwrap_or(0);
            let row = NewDecision {
                workload_id: w.id,
                at: now,
                policy_id: w.policy_id,
                policy_version: None,
                current_replicas: current,
                desired_replicas: current,
                direction: "none",
                reason: BACKEND_ERROR.to_string(),
                sentence: backend_sentence(fault, backoff),
                outcome: "error",
                error: Some(fault.label()),
                detail: "{}".into(),
            };
            let id = self.store.insert_decision(&row).await?;
            cs.last_decision_id = Some(id);
            cs.last_reason = Some(BACKEND_ERROR.to_string());
            recorded = Some(id);
        }
        let status = StatusUpdate {
            last_error: Some(format!("backend {}", fault.describe())),
            metrics_ok: false,
            ..Default::default()
        };
        self.store.save_status(w.id, &status, &cs, now).await?;
        self.publish(w.id, recorded, None).await?;
        tracing::warn!(
            "workload {}: {e}; retrying in {} s",
            w.name,
            backoff.as_secs()
        );
        Ok(backoff)
    }

    /// Writes status, load sample (with the decision's forecast figures) and instance samples,
    /// then tells open pages.
    async fn record_observation(
        &self,
        w: &WorkloadRow,
        obs: &WorkloadObservation,
        d: Option<(&Decision, ForecastFigures)>,
        recorded: Option<i64>,
        cs: &mut ControllerState,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let forecast = d.map(|(_, f)| f).unwrap_or_default();
        let d = d.map(|(d, _)| d);
        let (load, target) = d.map(headline_load).unwrap_or((None, None));
        let ready = count(obs, ObservedState::Ready);
        let desired = d.map(|d| d.desired_replicas).unwrap_or(obs.replicas);
        let status = StatusUpdate {
            observed_at: Some(obs.at),
            current_replicas: Some(obs.replicas),
            desired_replicas: Some(desired),
            ready_replicas: Some(ready),
            failed_instances: count(obs, ObservedState::Failed),
            load,
            target,
            metrics_ok: d.map(|d| d.metrics_ok).unwrap_or(true),
            // A backend's notes (e.g. "no CPU reservation: set one with …") say what to fix
            // when a signal could not be computed, so they are shown exactly then.
            last_error: (!obs.notes.is_empty()
                && d.is_some_and(|d| d.proposals.iter().any(|p| p.error.is_some())))
            .then(|| obs.notes.join("; ")),
            next_action: d.map(|d| d.next.clone()),
        };
        self.store.save_status(w.id, &status, cs, now).await?;
        let sample = Sample {
            workload_id: w.id,
            at: now,
            load,
            demand: obs.demand.map(|r| r.offered),
            unserved: obs.demand.map(|r| r.unserved),
            current: obs.replicas,
            desired,
            ready,
            forecast,
        };
        self.store
            .insert_sample(&sample, &instance_samples(obs))
            .await?;
        if let Some(d) = obs.demand {
            self.telemetry.demand(w.id, d.offered, d.unserved);
        }
        self.publish(w.id, recorded, Some(&sample)).await
    }

    /// Sends the workload's fresh summary (and decision `decision_id`, and the chart point of
    /// `sample`) to live subscribers.
    async fn publish(
        &self,
        workload_id: i64,
        decision_id: Option<i64>,
        sample: Option<&Sample>,
    ) -> Result<(), StoreError> {
        if self.live.receiver_count() == 0 {
            return Ok(());
        }
        let Some(summary) = self.store.workload_summary(workload_id).await? else {
            return Ok(());
        };
        let decision = match decision_id {
            Some(id) => self.store.decision(id).await?,
            None => None,
        };
        let _ = self.live.send(LiveEvent::Evaluated {
            workload: Box::new(summary),
            decision,
            point: sample.map(|s| Box::new(s.chart_point())),
        });
        Ok(())
    }
}
