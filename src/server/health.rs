//! The one classification of a workload's state (`WorkloadState`), used by every page, the
//! live stream, the overview's counts and, later, alerts: from the latest observation, the
//! override in force, the last decision and the policy's bounds.

use chrono::{DateTime, Utc};

use crate::model::workload::{WorkloadState, WorkloadSummary};

/// A scale action this recent still counts as "scaling".
pub const RECENT_ACTION_SECS: i64 = 300;

/// The state of `w` at `now`; the first that applies, in `WorkloadState`'s order.
pub fn classify(w: &WorkloadSummary, now: DateTime<Utc>) -> WorkloadState {
    if !w.enabled {
        return WorkloadState::Disabled;
    }
    if w.observed_at.is_none() && w.last_error.is_none() {
        return WorkloadState::Unknown;
    }
    if w.last_error.is_some() {
        return WorkloadState::Failing;
    }
    if !w.metrics_ok || w.failed_instances > 0 {
        return WorkloadState::Degraded;
    }
    if let Some(o) = w.active_override() {
        return if o.kind == "pin" {
            WorkloadState::Pinned
        } else {
            WorkloadState::Paused
        };
    }
    if w.policy_id.is_none() {
        return WorkloadState::Unmanaged;
    }
    let at_max = w.max_replicas.is_some_and(|max| {
        w.current_replicas.unwrap_or(0) >= max || w.desired_replicas.unwrap_or(0) >= max
    });
    if at_max {
        return WorkloadState::AtMax;
    }
    let changing = matches!((w.current_replicas, w.desired_replicas), (Some(c), Some(d)) if c != d);
    let acted_recently = matches!(w.last_direction.as_deref(), Some("up" | "down"))
        && matches!(w.last_outcome.as_deref(), Some("applied" | "intent"))
        && w.last_decision_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| (now - t.with_timezone(&Utc)).num_seconds() < RECENT_ACTION_SECS);
    if changing || acted_recently {
        return WorkloadState::Scaling;
    }
    WorkloadState::Steady
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> WorkloadSummary {
        WorkloadSummary {
            id: 1,
            name: "web".into(),
            backend: "sim".into(),
            backend_kind: "simulator".into(),
            policy_id: Some(1),
            policy_name: Some("p".into()),
            policy_version: Some(1),
            max_replicas: Some(10),
            enabled: true,
            interval_secs: 15,
            observed_at: Some("2026-12-01T10:00:00.000Z".into()),
            current_replicas: Some(3),
            desired_replicas: Some(3),
            ready_replicas: Some(3),
            failed_instances: 0,
            load: Some(50.0),
            target: Some(70.0),
            metrics_ok: true,
            last_error: None,
            last_reason: None,
            last_decision_at: None,
            last_sentence: None,
            last_direction: None,
            last_outcome: None,
            override_kind: None,
            override_replicas: None,
            override_until: None,
            override_actor: None,
            override_reason: None,
            state: WorkloadState::Unknown,
        }
    }

    fn with(f: impl FnOnce(&mut WorkloadSummary)) -> WorkloadSummary {
        let mut w = base();
        f(&mut w);
        w
    }

    #[test]
    fn each_state_and_its_precedence() {
        let now: DateTime<Utc> = "2026-12-01T10:01:00Z".parse().expect("time");
        let pin = |w: &mut WorkloadSummary| {
            w.override_kind = Some("pin".into());
            w.override_replicas = Some(4);
            w.override_until = Some("2026-12-01T11:00:00.000Z".into());
        };
        let cases: Vec<(&str, WorkloadSummary, WorkloadState)> = vec![
            ("steady", base(), WorkloadState::Steady),
            (
                "never observed",
                with(|w| w.observed_at = None),
                WorkloadState::Unknown,
            ),
            (
                "disabled wins",
                with(|w| {
                    w.enabled = false;
                    w.last_error = Some("x".into())
                }),
                WorkloadState::Disabled,
            ),
            (
                "backend error",
                with(|w| w.last_error = Some("unreachable".into())),
                WorkloadState::Failing,
            ),
            (
                "failing beats pinned",
                with(|w| {
                    pin(w);
                    w.last_error = Some("auth".into())
                }),
                WorkloadState::Failing,
            ),
            (
                "metrics missing",
                with(|w| w.metrics_ok = false),
                WorkloadState::Degraded,
            ),
            (
                "failed instances",
                with(|w| w.failed_instances = 1),
                WorkloadState::Degraded,
            ),
            ("pinned", with(pin), WorkloadState::Pinned),
            (
                "paused",
                with(|w| {
                    w.override_kind = Some("pause_both".into());
                    w.override_until = Some("2026-12-01T11:00:00.000Z".into())
                }),
                WorkloadState::Paused,
            ),
            (
                "no policy",
                with(|w| {
                    w.policy_id = None;
                    w.max_replicas = None
                }),
                WorkloadState::Unmanaged,
            ),
            (
                "at max",
                with(|w| {
                    w.current_replicas = Some(10);
                    w.desired_replicas = Some(10)
                }),
                WorkloadState::AtMax,
            ),
            (
                "wants more than it has",
                with(|w| w.desired_replicas = Some(5)),
                WorkloadState::Scaling,
            ),
            (
                "scaled a minute ago",
                with(|w| {
                    w.last_direction = Some("up".into());
                    w.last_outcome = Some("applied".into());
                    w.last_decision_at = Some("2026-12-01T10:00:00.000Z".into());
                }),
                WorkloadState::Scaling,
            ),
            (
                "scaled an hour ago",
                with(|w| {
                    w.last_direction = Some("up".into());
                    w.last_outcome = Some("applied".into());
                    w.last_decision_at = Some("2026-12-01T09:00:00.000Z".into());
                }),
                WorkloadState::Steady,
            ),
            (
                "a hold is not an action",
                with(|w| {
                    w.last_direction = Some("none".into());
                    w.last_outcome = Some("none".into());
                    w.last_decision_at = Some("2026-12-01T10:00:50.000Z".into());
                }),
                WorkloadState::Steady,
            ),
        ];
        for (name, w, want) in cases {
            assert_eq!(classify(&w, now), want, "{name}");
        }
    }
}
