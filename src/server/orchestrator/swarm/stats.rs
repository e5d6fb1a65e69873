//! Per-container load from the Docker stats API: CPU in cores and memory in bytes.
//!
//! CPU is `cpu_delta / system_delta × online_cpus` between two samples. A one-shot sample has
//! no previous one, so the backend keeps each container's last sample: a container seen
//! before costs one fast one-shot call; a container seen for the first time is asked for a
//! regular sample, for which the daemon waits about a second to fill in the previous one.
//! Memory is usage minus page cache (inactive file pages, as `docker stats` shows it).
//! Each load carries when the daemon read it and the span its CPU figure averages over (the
//! two samples' read times), which the engine's CPU readiness rule (HPA's) needs.

use std::collections::HashMap;

use bollard::models::{ContainerCpuStats, ContainerStatsResponse};
use bollard::query_parameters::StatsOptionsBuilder;
use bollard::Docker;
use futures::StreamExt;

/// Cumulative CPU counters of one container at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuSample {
    /// Nanoseconds of CPU the container used since it started.
    pub total: u64,
    /// Nanoseconds of CPU the host used since boot (all cores).
    pub system: u64,
    pub online_cpus: u32,
    /// When the daemon read the counters, if it said.
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Load of one container.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ContainerLoad {
    /// Cores in use; `None` when the daemon gave nothing to compare with.
    pub cpu: Option<f64>,
    /// Bytes in use, page cache excluded.
    pub memory: Option<f64>,
    /// When the daemon read these figures.
    pub sampled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Seconds the CPU figure averages over (between the two samples compared).
    pub window_secs: Option<f64>,
}

/// The cores used between `prev` and `now`, if the host clock moved.
pub fn cores(prev: CpuSample, now: CpuSample) -> Option<f64> {
    let cpu = now.total.checked_sub(prev.total)?;
    let sys = now.system.checked_sub(prev.system)?;
    if sys == 0 {
        return None;
    }
    let cpus = if now.online_cpus > 0 {
        now.online_cpus
    } else {
        prev.online_cpus.max(1)
    };
    Some(cpu as f64 / sys as f64 * f64::from(cpus))
}

fn sample(s: &ContainerCpuStats) -> Option<CpuSample> {
    let total = s.cpu_usage.as_ref()?.total_usage?;
    let system = s.system_cpu_usage?;
    // Older daemons leave online_cpus out and list the cores instead.
    let online_cpus = s.online_cpus.filter(|n| *n > 0).or_else(|| {
        let n = s.cpu_usage.as_ref()?.percpu_usage.as_ref()?.len();
        u32::try_from(n).ok()
    })?;
    (system > 0).then_some(CpuSample {
        total,
        system,
        online_cpus,
        at: None,
    })
}

/// Memory in use without page cache: cgroup v2 `inactive_file`, v1 `total_inactive_file`,
/// else `cache`.
pub fn memory_in_use(r: &ContainerStatsResponse) -> Option<f64> {
    let m = r.memory_stats.as_ref()?;
    let usage = m.usage?;
    let stats = m.stats.as_ref();
    let cache = ["inactive_file", "total_inactive_file", "cache"]
        .iter()
        .find_map(|k| stats.and_then(|s| s.get(*k)).copied())
        .unwrap_or(0);
    Some(usage.saturating_sub(cache) as f64)
}

/// Reads the load of `container`, updating its entry in `cache`. `None` when the container
/// is gone or on another node (stats exist only on the node that runs it).
pub async fn read(
    docker: &Docker,
    container: &str,
    prev: Option<CpuSample>,
) -> Option<(ContainerLoad, Option<CpuSample>)> {
    let opts = StatsOptionsBuilder::new()
        .stream(false)
        .one_shot(prev.is_some())
        .build();
    let mut stream = Box::pin(docker.stats(container, Some(opts)));
    let r = match stream.next().await {
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            tracing::debug!("stats of container {container}: {e}");
            return None;
        }
        None => return None,
    };
    let now = r
        .cpu_stats
        .as_ref()
        .and_then(sample)
        .map(|s| CpuSample { at: r.read, ..s });
    let before = prev.or_else(|| {
        let s = r.precpu_stats.as_ref().and_then(sample)?;
        Some(CpuSample { at: r.preread, ..s })
    });
    let cpu = match (before, now) {
        (Some(b), Some(n)) => cores(b, n),
        _ => None,
    };
    let window_secs = match (before.and_then(|b| b.at), r.read) {
        (Some(b), Some(n)) if cpu.is_some() && n > b => {
            Some((n - b).num_milliseconds() as f64 / 1000.0)
        }
        _ => None,
    };
    let load = ContainerLoad {
        cpu,
        memory: memory_in_use(&r),
        sampled_at: r.read,
        window_secs,
    };
    Some((load, now))
}

/// Reads the load of every container of `containers` concurrently; `cache` (container id →
/// last sample) is replaced by the samples of these containers only.
pub async fn read_all(
    docker: &Docker,
    containers: &[String],
    cache: &mut HashMap<String, CpuSample>,
) -> HashMap<String, ContainerLoad> {
    // Owned futures: borrowed ones trip the compiler's Send check inside async_trait.
    let reads: Vec<_> = containers
        .iter()
        .map(|c| {
            let (docker, c, prev) = (docker.clone(), c.clone(), cache.get(c).copied());
            async move {
                let r = read(&docker, &c, prev).await;
                (c, r)
            }
        })
        .collect();
    let results: Vec<_> = futures::stream::iter(reads)
        .buffer_unordered(16)
        .collect()
        .await;
    cache.clear();
    let mut out = HashMap::new();
    for (id, r) in results {
        if let Some((load, sample)) = r {
            if let Some(s) = sample {
                cache.insert(id.clone(), s);
            }
            out.insert(id, load);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_from_two_samples() {
        let a = CpuSample {
            total: 1_000_000_000,
            system: 10_000_000_000,
            online_cpus: 2,
            at: None,
        };
        // 0.5 s of CPU while the host's 2 cores ran 2 s in total (1 s wall): half a core.
        let b = CpuSample {
            total: 1_500_000_000,
            system: 12_000_000_000,
            online_cpus: 2,
            at: None,
        };
        assert_eq!(cores(a, b), Some(0.5));
        assert_eq!(
            cores(b, a),
            None,
            "counters went back (container restarted)"
        );
        assert_eq!(cores(a, a), None, "no time passed");
    }
}
