//! Cron schedules in IANA time zones: which are active at an instant, and the effective
//! bounds they give.
//!
//! Overlap rule: among the active schedules, the largest `min_replicas` and the smallest
//! `max_replicas` win; each replaces the policy's own bound while set; the effective max is
//! never below the effective min (capacity wins a conflict).

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use croner::Cron;
use serde::{Deserialize, Serialize};

use crate::decision::Bounds;
use crate::policy::{Policy, Schedule};

/// A schedule window containing the instant asked about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveSchedule {
    /// The schedule's name.
    pub name: String,
    /// When this window started.
    pub started: DateTime<Utc>,
    /// When it ends (exclusive).
    pub ends: DateTime<Utc>,
    /// Its min override.
    pub min_replicas: Option<u32>,
    /// Its max override.
    pub max_replicas: Option<u32>,
}

/// Parses a schedule's cron expression (five fields, or six with leading seconds).
pub fn parse_cron(expr: &str) -> Result<Cron, String> {
    Cron::from_str(expr).map_err(|e| format!("cron expression {expr:?} is invalid: {e}"))
}

/// Parses an IANA time zone name such as `Europe/Berlin`.
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    Tz::from_str(name)
        .map_err(|_| format!("time zone {name:?} is not an IANA zone name (e.g. Europe/Berlin)"))
}

/// The window of `schedule` containing `now`, if any. Invalid schedules are never active.
pub fn window_at(
    schedule: &Schedule,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if schedule.duration_secs == 0 {
        return None;
    }
    let cron = parse_cron(&schedule.cron).ok()?;
    let tz = parse_timezone(&schedule.timezone).ok()?;
    let local = now.with_timezone(&tz);
    let start = cron
        .find_previous_occurrence(&local, true)
        .ok()?
        .with_timezone(&Utc);
    let end = start + Duration::seconds(i64::from(schedule.duration_secs));
    (now < end).then_some((start, end))
}

/// The next start of `schedule` strictly after `after`, if it has one.
pub fn next_start(schedule: &Schedule, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let cron = parse_cron(&schedule.cron).ok()?;
    let tz = parse_timezone(&schedule.timezone).ok()?;
    let t = cron
        .find_next_occurrence(&after.with_timezone(&tz), false)
        .ok()?;
    Some(t.with_timezone(&Utc))
}

/// Every schedule of `policy` active at `now`, in policy order.
pub fn active_schedules(policy: &Policy, now: DateTime<Utc>) -> Vec<ActiveSchedule> {
    policy
        .schedules
        .iter()
        .filter_map(|s| {
            window_at(s, now).map(|(started, ends)| ActiveSchedule {
                name: s.name.clone(),
                started,
                ends,
                min_replicas: s.min_replicas,
                max_replicas: s.max_replicas,
            })
        })
        .collect()
}

/// The policy's own bounds: min 0 only with an activation threshold, max never below min.
pub fn policy_bounds(policy: &Policy) -> Bounds {
    let min = if policy.activation.is_some() {
        policy.min_replicas
    } else {
        policy.min_replicas.max(1)
    };
    Bounds {
        min,
        max: policy.max_replicas.max(min),
    }
}

/// Bounds after the active schedules (see the module docs for the overlap rule).
pub fn effective_bounds(policy: &Policy, active: &[ActiveSchedule]) -> Bounds {
    let own = policy_bounds(policy);
    let min = active
        .iter()
        .filter_map(|a| a.min_replicas)
        .max()
        .unwrap_or(own.min);
    let min = if policy.activation.is_none() {
        min.max(1)
    } else {
        min
    };
    let max = active
        .iter()
        .filter_map(|a| a.max_replicas)
        .min()
        .unwrap_or(policy.max_replicas);
    Bounds {
        min,
        max: max.max(min),
    }
}
