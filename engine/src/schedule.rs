//! Cron schedules in IANA time zones: which are active at an instant, and the effective
//! bounds they give.
//!
//! Zones: with the `tz` feature (default; the server always has it) every IANA zone with its
//! daylight-saving rules. Without it (the browser bundle) a zone name is only checked for its
//! shape and times are computed as if it were UTC; [`ZONE_RULES`] says which build this is, and
//! the lint skips what it cannot know (overlaps of schedules in different zones).
//!
//! Which window holds an instant is remembered per thread until the next start, so a replay
//! over months reads each cron once per occurrence, not once per evaluation.
//!
//! Overlap rule: among the active schedules, the largest `min_replicas` and the smallest
//! `max_replicas` win; each replaces the policy's own bound while set; the effective max is
//! never below the effective min (capacity wins a conflict).

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
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

/// A schedule's time zone: an IANA zone with its rules (feature `tz`), or UTC standing in for
/// any well-formed name (without it).
#[cfg(feature = "tz")]
pub type Zone = chrono_tz::Tz;
/// A schedule's time zone: an IANA zone with its rules (feature `tz`), or UTC standing in for
/// any well-formed name (without it).
#[cfg(not(feature = "tz"))]
pub type Zone = Utc;

/// True when this build knows every zone's rules (feature `tz`).
pub const ZONE_RULES: bool = cfg!(feature = "tz");

/// The error for a name that is not a zone.
pub fn unknown_zone(name: &str) -> String {
    format!("time zone {name:?} is not an IANA zone name (e.g. Europe/Berlin)")
}

/// Parses an IANA time zone name such as `Europe/Berlin`.
#[cfg(feature = "tz")]
pub fn parse_timezone(name: &str) -> Result<Zone, String> {
    Zone::from_str(name).map_err(|_| unknown_zone(name))
}

/// Checks the shape of an IANA time zone name such as `Europe/Berlin` (this build has no zone
/// tables; the caller checks the name against a list of zones when it has one).
#[cfg(not(feature = "tz"))]
pub fn parse_timezone(name: &str) -> Result<Zone, String> {
    if well_formed_zone(name) {
        Ok(Utc)
    } else {
        Err(unknown_zone(name))
    }
}

/// Whether `name` has the shape of an IANA zone name (`Area/Location`, letters, digits, `_`,
/// `-`, `+`), whether or not such a zone exists.
pub fn well_formed_zone(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        })
}

/// Every IANA zone name this build knows (empty without the `tz` feature).
pub fn zone_names() -> Vec<&'static str> {
    #[cfg(feature = "tz")]
    return chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    #[cfg(not(feature = "tz"))]
    Vec::new()
}

/// The window of `schedule` containing `now`, if any. Invalid schedules are never active.
pub fn window_at(
    schedule: &Schedule,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if schedule.duration_secs == 0 {
        return None;
    }
    let start = latest_start(&schedule.cron, &schedule.timezone, now)?;
    let end = start + Duration::seconds(i64::from(schedule.duration_secs));
    (now < end).then_some((start, end))
}

/// The span of instants that share one latest start: every instant in `[start, next)` has
/// `start` as its latest start.
#[derive(Debug, Clone)]
struct Span {
    cron: String,
    zone: String,
    start: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
}

/// Spans kept per thread (a replay or an evaluation asks about instants close together, so
/// reading a cron in its zone happens once per start rather than once per evaluation).
const SPANS_KEPT: usize = 64;

std::thread_local! {
    static SPANS: std::cell::RefCell<Vec<Span>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The latest start of `cron` in `zone` at or before `now` (`None` for an invalid schedule
/// or one that never started), from the thread's spans when one holds `now`.
fn latest_start(cron: &str, zone: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let hit = SPANS.with(|spans| {
        spans
            .borrow()
            .iter()
            .find(|s| {
                s.cron == cron && s.zone == zone && s.start <= now && s.next.is_none_or(|n| now < n)
            })
            .map(|s| s.start)
    });
    if hit.is_some() {
        return hit;
    }
    let parsed = parse_cron(cron).ok()?;
    let tz = parse_timezone(zone).ok()?;
    let start = parsed
        .find_previous_occurrence(&now.with_timezone(&tz), true)
        .ok()?;
    let next = parsed
        .find_next_occurrence(&start, false)
        .ok()
        .map(|t| t.with_timezone(&Utc));
    let start = start.with_timezone(&Utc);
    SPANS.with(|spans| {
        let mut spans = spans.borrow_mut();
        spans.retain(|s| !(s.cron == cron && s.zone == zone));
        if spans.len() >= SPANS_KEPT {
            spans.remove(0);
        }
        spans.push(Span {
            cron: cron.to_string(),
            zone: zone.to_string(),
            start,
            next,
        });
    });
    Some(start)
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

/// The build without zone tables (the browser's): shapes only, and no overlap claims across
/// zones. Run with `cargo test -p ebb-engine --no-default-features --lib`.
#[cfg(all(test, not(feature = "tz")))]
mod without_zone_tables {
    use super::*;
    use crate::policy::Schedule;

    fn schedule(name: &str, cron: &str, tz: &str) -> Schedule {
        Schedule {
            name: name.into(),
            cron: cron.into(),
            timezone: tz.into(),
            duration_secs: 3600,
            min_replicas: Some(2),
            ..Schedule::default()
        }
    }

    #[test]
    fn zone_names_are_checked_for_shape_only() {
        assert!(!ZONE_RULES);
        assert!(parse_timezone("Europe/Berlin").is_ok());
        assert!(parse_timezone("America/Argentina/Buenos_Aires").is_ok());
        assert!(parse_timezone("Etc/GMT+5").is_ok());
        for bad in [
            "",
            "Europe/",
            "/Berlin",
            "Europe Berlin",
            "a/b/../c",
            "Zone;drop",
        ] {
            assert!(parse_timezone(bad).is_err(), "{bad:?} accepted");
        }
        assert!(zone_names().is_empty());
    }

    #[test]
    fn overlaps_are_linted_within_one_zone_but_not_across_zones() {
        let mut p = Policy::default();
        p.schedules = vec![
            schedule("a", "0 8 * * *", "Europe/Berlin"),
            schedule("b", "30 8 * * *", "Europe/Berlin"),
        ];
        let overlaps = |p: &Policy| {
            crate::lint(p)
                .into_iter()
                .filter(|l| l.message.contains("overlaps"))
                .count()
        };
        assert_eq!(overlaps(&p), 1);
        p.schedules[1].timezone = "America/New_York".into();
        assert_eq!(overlaps(&p), 0);
    }
}
