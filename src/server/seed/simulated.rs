//! `ebb seed --simulated N`: N simulated workloads at once, for benchmarks and trials of
//! scale (a thousand workloads on one ebb). Each has a diurnal load of its own phase, one
//! shared CPU policy and the given interval; names `sim-0001`…, numbered after the highest
//! already there, so seeding again adds more. All land in one transaction with one audit
//! entry, or none do.

use chrono::{DateTime, Utc};
use ebb_engine::{MetricSource, MetricSpec, MetricTarget, Policy, ResourceName};

use crate::server::orchestrator::simulator::{DemandSpec, SimWorkloadSpec};
use crate::server::store::audit::{append, NewAudit};
use crate::server::store::policies::Authorship;
use crate::server::store::{Store, StoreError};

/// Most workloads one call adds.
pub const MOST: u32 = 100_000;
const POLICY: &str = "seeded cpu 70%";
const ACTOR: &str = "ebb seed";

/// Why nothing was seeded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Adds `count` simulated workloads evaluated every `interval_secs`; returns the first and
/// last names added.
pub async fn seed_simulated(
    store: &Store,
    count: u32,
    interval_secs: u32,
    now: DateTime<Utc>,
) -> Result<(String, String), SeedError> {
    if count == 0 || count > MOST {
        return Err(SeedError::Invalid(format!(
            "--simulated takes 1 to {MOST} workloads, not {count}"
        )));
    }
    if !(1..=3600).contains(&interval_secs) {
        return Err(SeedError::Invalid(format!(
            "--interval takes 1 to 3600 seconds, not {interval_secs}"
        )));
    }
    let backend = match store
        .backends()
        .await?
        .into_iter()
        .find(|b| b.kind == "simulator")
    {
        Some(b) => b.id,
        None => {
            store
                .insert_backend("simulator", "simulator", "{}", now)
                .await?
        }
    };
    let policy = match sqlx::query_scalar::<_, i64>("SELECT id FROM policies WHERE name = $1")
        .bind(POLICY)
        .fetch_optional(store.pool())
        .await
        .map_err(StoreError::from)?
    {
        Some(id) => id,
        None => {
            let who = Authorship {
                author: ACTOR,
                comment: "policy of the seeded simulated workloads",
                at: now,
            };
            store.create_policy(POLICY, &policy(), who).await?
        }
    };
    let highest = store
        .workloads()
        .await?
        .iter()
        .filter_map(|w| w.name.strip_prefix("sim-")?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    let names: Vec<String> = (highest + 1..=highest + count)
        .map(|i| format!("sim-{i:04}"))
        .collect();
    let mut tx = store.pool().begin().await.map_err(StoreError::from)?;
    for (i, name) in names.iter().enumerate() {
        let spec = serde_json::to_string(&spec(i))
            .map_err(|e| SeedError::Invalid(format!("simulated spec: {e}")))?;
        sqlx::query(
            "INSERT INTO workloads (backend_id, name, policy_id, interval_secs, spec, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(backend)
        .bind(name)
        .bind(policy)
        .bind(interval_secs)
        .bind(spec)
        .bind(crate::server::store::time::ts(now))
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
    }
    let (first, last) = (names[0].clone(), names[names.len() - 1].clone());
    append(
        &mut tx,
        now,
        NewAudit {
            actor: ACTOR,
            action: "workload.seed",
            target_kind: "backend",
            target_id: backend.to_string(),
            before: None,
            after: Some(
                serde_json::json!({ "count": count, "first": first, "last": last,
                    "interval_secs": interval_secs })
                .to_string(),
            ),
            comment: "simulated workloads for a benchmark or trial",
        },
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok((first, last))
}

/// Workload `i`'s load: a 30-minute cycle around 300 units/s, phase and size varying, so the
/// workloads scale at different moments.
fn spec(i: usize) -> SimWorkloadSpec {
    let i = i as u32;
    SimWorkloadSpec {
        capacity_per_instance: 100.0,
        startup_secs: 20,
        initial_replicas: 2,
        demand: DemandSpec::Noise {
            of: Box::new(DemandSpec::Diurnal {
                mean: 150.0 + f64::from(i % 7) * 50.0,
                amplitude: 120.0,
                period_secs: 1800,
                phase_secs: (i * 97) % 1800,
            }),
            relative: 0.05,
            every_secs: 15,
        },
        ..Default::default()
    }
}

fn policy() -> Policy {
    Policy {
        min_replicas: 1,
        max_replicas: 20,
        metrics: vec![MetricSpec {
            name: "cpu".into(),
            source: MetricSource::Resource {
                resource: ResourceName::Cpu,
            },
            target: MetricTarget::Utilization(70.0),
        }],
        ..Default::default()
    }
}
