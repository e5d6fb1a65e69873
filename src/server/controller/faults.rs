//! Failing and restarting instances in the workload's history. Each evaluation counts the
//! workload's failures (every restart the backend reports, plus each instance failed right
//! now) and compares with the count it remembers; new failures are reported as a history row
//! (reason [`FAULT_REASON`], outcome `error`) at once, then at most once per [`REPORT_EVERY`]
//! with the number seen meanwhile, so a crash loop shows as one row every few minutes rather
//! than one per crash. Pure functions over [`FaultMemory`]; the tick stores the result.
//!
//! The count is per workload, so it needs no stable identity of instances (Swarm replaces a
//! crashed task by a new one with a new id). When it drops (a crashed instance scaled away)
//! it becomes the new baseline; a failure in that same interval is then seen only as the
//! instance state of the observation, not in the count.

use chrono::{DateTime, Duration, Utc};

use crate::server::orchestrator::{ObservedState, WorkloadObservation};
use crate::server::store::decisions::NewDecision;
use crate::server::store::status::FaultMemory;
use crate::server::store::workloads::WorkloadRow;

/// Reason code of a failure report in the history.
pub const FAULT_REASON: &str = "InstanceFailures";

/// Shortest time between two reports of one workload.
pub const REPORT_EVERY: Duration = Duration::minutes(5);

/// Instances named in one report; the rest are counted.
const NAMED: usize = 5;

/// Failures due to be reported: how many, since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub failures: u64,
    pub since: DateTime<Utc>,
}

/// Failures visible in `obs`: every restart, plus one per instance failed now (a failed
/// instance's restart has not been counted yet; when it comes, the sum stays the same).
pub fn failures(obs: &WorkloadObservation) -> u64 {
    obs.instances
        .iter()
        .map(|i| u64::from(i.restarts) + u64::from(i.state == ObservedState::Failed))
        .sum()
}

/// Takes `total` (see [`failures`]) observed at `now` into `memory`; returns the report due,
/// if any. The first observation only sets the baseline.
pub fn note(memory: &mut FaultMemory, total: u64, now: DateTime<Utc>) -> Option<Report> {
    let before = memory.seen.replace(total)?;
    if total > before {
        if memory.pending == 0 {
            memory.pending_since = Some(now);
        }
        memory.pending += total - before;
    }
    let due = memory.reported_at.is_none_or(|at| now - at >= REPORT_EVERY);
    if memory.pending == 0 || !due {
        return None;
    }
    let report = Report {
        failures: memory.pending,
        since: memory.pending_since.unwrap_or(now),
    };
    memory.pending = 0;
    memory.pending_since = None;
    memory.reported_at = Some(now);
    Some(report)
}

/// The history row of `report` on workload `w`, naming the instances that failed.
pub fn event(
    w: &WorkloadRow,
    obs: &WorkloadObservation,
    report: Report,
    now: DateTime<Utc>,
) -> NewDecision {
    let mut hit: Vec<_> = obs
        .instances
        .iter()
        .filter(|i| i.restarts > 0 || i.state == ObservedState::Failed)
        .collect();
    hit.sort_by(|a, b| b.restarts.cmp(&a.restarts).then_with(|| a.id.cmp(&b.id)));
    let mut named: Vec<String> = hit
        .iter()
        .take(NAMED)
        .map(|i| {
            let failed = if i.state == ObservedState::Failed {
                ", failed now"
            } else {
                ""
            };
            format!("{}: {} restart(s){failed}", i.id, i.restarts)
        })
        .collect();
    if hit.len() > NAMED {
        named.push(format!("and {} more", hit.len() - NAMED));
    }
    let since = if report.since.date_naive() == now.date_naive() {
        report.since.format("%H:%M:%S UTC").to_string()
    } else {
        report.since.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    };
    let sentence = format!(
        "{} instance failure(s) since {since} ({}); the backend restarts failed instances. \
         Failures that repeat point at the instances' logs: a crash on start, a failing health \
         check or the memory limit.",
        report.failures,
        if named.is_empty() {
            "the instances have been replaced".to_string()
        } else {
            named.join("; ")
        }
    );
    let detail = serde_json::json!({
        "failures": report.failures,
        "since": crate::server::store::time::ts(report.since),
        "instances": hit.iter().map(|i| serde_json::json!({
            "id": i.id, "restarts": i.restarts,
            "state": super::convert::state_name(i.state),
        })).collect::<Vec<_>>(),
    });
    NewDecision {
        workload_id: w.id,
        at: now,
        policy_id: w.policy_id,
        policy_version: None,
        current_replicas: obs.replicas,
        desired_replicas: obs.replicas,
        direction: "none",
        reason: FAULT_REASON.to_string(),
        sentence,
        outcome: "error",
        error: None,
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    #[test]
    fn the_first_failure_is_reported_at_once_then_at_most_every_five_minutes() {
        let mut m = FaultMemory::default();
        assert_eq!(
            note(&mut m, 3, at(0)),
            None,
            "the first look is the baseline"
        );
        assert_eq!(note(&mut m, 3, at(15)), None, "nothing new");
        assert_eq!(
            note(&mut m, 4, at(30)),
            Some(Report {
                failures: 1,
                since: at(30)
            })
        );
        // A crash loop: every evaluation sees more, none is reported until the interval ends.
        for (i, total) in (5..=12).enumerate() {
            let t = at(45 + 15 * i as i64);
            assert_eq!(note(&mut m, total, t), None, "{t}");
        }
        let r = note(&mut m, 12, at(330)).expect("due after 5 minutes");
        assert_eq!(
            r,
            Report {
                failures: 8,
                since: at(45)
            }
        );
        assert_eq!(note(&mut m, 12, at(700)), None, "quiet: nothing to report");
    }

    #[test]
    fn a_lower_count_becomes_the_baseline() {
        let mut m = FaultMemory::default();
        note(&mut m, 6, at(0));
        assert_eq!(
            note(&mut m, 2, at(15)),
            None,
            "a crashed instance went away"
        );
        assert_eq!(note(&mut m, 3, at(30)).map(|r| r.failures), Some(1));
    }
}
