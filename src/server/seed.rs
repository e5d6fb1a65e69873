//! The demo seed: on the first start with an empty database, three simulated workloads with
//! sensible policies, so a newcomer sees ebb scale within a minute. Runs once: a marker in
//! `meta` records that it ran; a seed interrupted half-way completes on the next start.
//!
//! - `nasa-web`: the NASA HTTP July 1995 trace from the shared traces folder (a day every
//!   24 minutes); a diurnal pattern when the trace is not there.
//! - `search`: a compressed diurnal cycle (20 minutes) with noise, and a business-hours
//!   schedule.
//! - `thumbnailer`: periodic bursts, instances that crash now and then, short metric outages.

pub mod simulated;

use std::path::Path;

use chrono::{DateTime, Utc};
use ebb_engine::{
    Behavior, Cooldown, Headroom, MetricSource, MetricSpec, MetricTarget, Policy, ResourceName,
    ScalingRules, Schedule,
};

use crate::server::orchestrator::simulator::{DemandSpec, FaultSpec, SimWorkloadSpec};
use crate::server::store::policies::Authorship;
use crate::server::store::{Store, StoreError};

const MARKER: &str = "demo_seeded";
const ACTOR: &str = "ebb (demo seed)";
const TRACE: &str = "nasa_http_requests_1min_jul1995.csv";

/// Seeds the demo unless this database was seeded before; returns whether it seeded.
pub async fn seed_demo(
    store: &Store,
    traces: &Path,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
        .bind(MARKER)
        .fetch_optional(store.pool())
        .await?;
    if done.is_some() {
        return Ok(false);
    }
    let backend = match store
        .backends()
        .await?
        .into_iter()
        .find(|b| b.name == "simulator")
    {
        Some(b) => b.id,
        None => {
            store
                .insert_backend("simulator", "simulator", "{}", now)
                .await?
        }
    };
    let existing = store.workloads().await?;
    for (name, policy_name, policy, spec) in demo(traces) {
        if existing.iter().any(|w| w.name == name) {
            continue;
        }
        let who = Authorship {
            author: ACTOR,
            comment: "demo policy",
            at: now,
        };
        let policy_id = match policy_id(store, policy_name).await? {
            Some(id) => id,
            None => store.create_policy(policy_name, &policy, who).await?,
        };
        let spec = serde_json::to_string(&spec)
            .map_err(|e| StoreError::Corrupt(format!("demo spec: {e}")))?;
        store
            .insert_workload(backend, name, Some(policy_id), 10, &spec, now)
            .await?;
    }
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
        .bind(MARKER)
        .bind(crate::server::store::time::ts(now))
        .execute(store.pool())
        .await?;
    Ok(true)
}

async fn policy_id(store: &Store, name: &str) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM policies WHERE name = $1")
            .bind(name)
            .fetch_optional(store.pool())
            .await?,
    )
}

fn cpu(target: f64) -> MetricSpec {
    MetricSpec {
        name: "cpu".into(),
        source: MetricSource::Resource {
            resource: ResourceName::Cpu,
        },
        target: MetricTarget::Utilization(target),
    }
}

/// HPA behaviour with a shorter scale-down window, so the demo shows scale-in within minutes.
fn demo_behavior(down_window: u32) -> Behavior {
    Behavior {
        scale_down: ScalingRules {
            stabilization_window_secs: Some(down_window),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn demo(traces: &Path) -> Vec<(&'static str, &'static str, Policy, SimWorkloadSpec)> {
    let trace = traces.join(TRACE);
    let web_demand = if trace.is_file() {
        let path = std::fs::canonicalize(&trace).unwrap_or(trace);
        DemandSpec::Trace {
            path,
            time_compression: 60.0,
            scale: 1.0,
        }
    } else {
        DemandSpec::Diurnal {
            mean: 60.0,
            amplitude: 45.0,
            period_secs: 1440,
            phase_secs: 0,
        }
    };
    let web = Policy {
        min_replicas: 2,
        max_replicas: 24,
        metrics: vec![cpu(70.0)],
        behavior: Some(demo_behavior(120)),
        cooldown: Cooldown {
            scale_up_secs: 0,
            scale_down_secs: 60,
        },
        ..Default::default()
    };
    let search = Policy {
        min_replicas: 1,
        max_replicas: 12,
        metrics: vec![cpu(60.0)],
        behavior: Some(demo_behavior(90)),
        cooldown: Cooldown {
            scale_up_secs: 0,
            scale_down_secs: 60,
        },
        schedules: vec![Schedule {
            name: "business hours".into(),
            cron: "0 8 * * 1-5".into(),
            timezone: "Europe/Berlin".into(),
            duration_secs: 12 * 3600,
            min_replicas: Some(2),
            max_replicas: None,
        }],
        ..Default::default()
    };
    let thumbs = Policy {
        min_replicas: 1,
        max_replicas: 15,
        metrics: vec![MetricSpec {
            name: "rps".into(),
            source: MetricSource::Pods {
                metric: "rps".into(),
            },
            target: MetricTarget::AverageValue(30.0),
        }],
        headroom: Some(Headroom::Percent(20.0)),
        behavior: Some(demo_behavior(60)),
        cooldown: Cooldown {
            scale_up_secs: 0,
            scale_down_secs: 30,
        },
        ..Default::default()
    };
    vec![
        (
            "nasa-web",
            "web-cpu-70",
            web,
            spec(25.0, 2, web_demand, FaultSpec::default(), 1),
        ),
        (
            "search",
            "search-cpu-60",
            search,
            spec(50.0, 1, search_demand(), FaultSpec::default(), 2),
        ),
        (
            "thumbnailer",
            "thumbnailer-rps-30",
            thumbs,
            spec(40.0, 1, spike_demand(), faults(), 3),
        ),
    ]
}

fn spec(
    capacity: f64,
    replicas: u32,
    demand: DemandSpec,
    faults: FaultSpec,
    seed: u64,
) -> SimWorkloadSpec {
    SimWorkloadSpec {
        capacity_per_instance: capacity,
        startup_secs: 20,
        drain_secs: 10,
        initial_replicas: replicas,
        demand,
        faults,
        seed,
        ..Default::default()
    }
}

fn search_demand() -> DemandSpec {
    let cycle = DemandSpec::Diurnal {
        mean: 170.0,
        amplitude: 120.0,
        period_secs: 1200,
        phase_secs: 0,
    };
    DemandSpec::Noise {
        of: Box::new(cycle),
        relative: 0.1,
        every_secs: 5,
    }
}

fn spike_demand() -> DemandSpec {
    DemandSpec::Spike {
        base: 25.0,
        peak: 220.0,
        every_secs: 300,
        duration_secs: 75,
        first_at_secs: 15,
    }
}

fn faults() -> FaultSpec {
    FaultSpec {
        crash_rate_per_hour: 1.0,
        restart_delay_secs: 15,
        metric_outage_rate_per_hour: 2.0,
        metric_outage_secs: 40,
        ..Default::default()
    }
}
