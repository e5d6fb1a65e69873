//! Operator overrides (pin, pauses): the ones in force for the engine, and their creation with
//! an audit entry in the same transaction.

use chrono::{DateTime, Utc};
use ebb_engine::{Override, OverrideKind};

use super::audit::{append, NewAudit};
use super::time::{parse, ts};
use super::{Store, StoreError};

/// An override to store.
#[derive(Debug, Clone)]
pub struct NewOverride<'a> {
    pub workload_id: i64,
    /// `pin`, `pause_scale_in`, `pause_scale_out` or `pause_both`.
    pub kind: &'a str,
    /// The pinned count (pins only).
    pub replicas: Option<u32>,
    pub until: DateTime<Utc>,
    pub reason: &'a str,
    pub actor: &'a str,
    pub now: DateTime<Utc>,
    /// The policy's (min, max) a pin outside them was confirmed against, for the audit entry.
    pub outside_bounds: Option<(u32, u32)>,
}

impl Store {
    /// Overrides of workload `id` that have not expired or been ended at `now`.
    pub async fn active_overrides(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<Override>, StoreError> {
        let rows: Vec<(String, Option<i64>, String, String)> = sqlx::query_as(
            "SELECT kind, replicas, until, reason FROM overrides
             WHERE workload_id = $1 AND until > $2 AND ended_at IS NULL ORDER BY id",
        )
        .bind(id)
        .bind(ts(now))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, replicas, until, reason)| {
                let kind = match kind.as_str() {
                    "pin" => OverrideKind::Pin(u32::try_from(replicas?).ok()?),
                    "pause_scale_in" => OverrideKind::PauseScaleIn,
                    "pause_scale_out" => OverrideKind::PauseScaleOut,
                    "pause_both" => OverrideKind::PauseBoth,
                    _ => return None,
                };
                Some(Override {
                    kind,
                    until: parse(&until)?,
                    reason,
                })
            })
            .collect())
    }
}

impl Store {
    /// Overrides of workload `id`: those in force first, then the ten most recent others.
    pub async fn overrides(
        &self,
        id: i64,
    ) -> Result<Vec<crate::model::overrides::OverrideRow>, StoreError> {
        let now = ts(Utc::now());
        Ok(sqlx::query_as(
            "SELECT id, kind, replicas, until, reason, actor, created_at, ended_at FROM (
                SELECT *, (ended_at IS NULL AND until > $2) AS active FROM overrides
                WHERE workload_id = $1)
             ORDER BY active DESC, id DESC LIMIT 20",
        )
        .bind(id)
        .bind(now)
        .fetch_all(self.pool())
        .await?)
    }

    /// Stores an override and its audit entry in one transaction; returns its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_override(
        &self,
        workload_id: i64,
        kind: &str,
        replicas: Option<u32>,
        until: DateTime<Utc>,
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.create_override_with(NewOverride {
            workload_id,
            kind,
            replicas,
            until,
            reason,
            actor,
            now,
            outside_bounds: None,
        })
        .await
    }

    /// Stores `o` and its audit entry (which records a confirmed pin outside the policy's
    /// bounds as such) in one transaction; returns its id.
    pub async fn create_override_with(&self, o: NewOverride<'_>) -> Result<i64, StoreError> {
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO overrides (workload_id, kind, replicas, until, reason, actor, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(o.workload_id)
        .bind(o.kind)
        .bind(o.replicas)
        .bind(ts(o.until))
        .bind(o.reason)
        .bind(o.actor)
        .bind(ts(o.now))
        .fetch_one(&mut *tx)
        .await?;
        let mut after =
            serde_json::json!({"kind": o.kind, "replicas": o.replicas, "until": ts(o.until)});
        if let Some((min, max)) = o.outside_bounds {
            after["confirmed_outside_bounds"] = serde_json::json!(format!("{min}..{max}"));
        }
        let entry = NewAudit {
            actor: o.actor,
            action: "override.create",
            target_kind: "workload",
            target_id: o.workload_id.to_string(),
            before: None,
            after: Some(after.to_string()),
            comment: o.reason,
        };
        append(&mut tx, o.now, entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Ends an override early; false when it was not in force.
    pub async fn end_override(
        &self,
        workload_id: i64,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE overrides SET ended_at = $1
             WHERE id = $2 AND workload_id = $3 AND ended_at IS NULL AND until > $1",
        )
        .bind(ts(now))
        .bind(id)
        .bind(workload_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Ok(false);
        }
        let entry = NewAudit {
            actor,
            action: "override.end",
            target_kind: "workload",
            target_id: workload_id.to_string(),
            before: Some(format!("{{\"override\":{id}}}")),
            after: None,
            comment: "ended early",
        };
        append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}
