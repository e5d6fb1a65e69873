//! Decisions: recorded as an intent before acting, then given their outcome; read back with
//! filters and keyset paging for the history page and its exports.

use chrono::{DateTime, Utc};

use super::time::ts;
use super::{Store, StoreError};
use crate::model::decision::{DecisionFilter, DecisionRow};

/// A decision to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDecision {
    pub workload_id: i64,
    pub at: DateTime<Utc>,
    pub policy_id: Option<i64>,
    pub policy_version: Option<i64>,
    pub current_replicas: u32,
    pub desired_replicas: u32,
    pub direction: &'static str,
    pub reason: String,
    pub sentence: String,
    pub outcome: &'static str,
    pub error: Option<String>,
    pub detail: String,
}

/// An intent that was recorded but never given an outcome (the process stopped mid-act).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OpenIntent {
    pub id: i64,
    pub at: String,
    pub current_replicas: i64,
    pub desired_replicas: i64,
}

const SELECT: &str = "SELECT d.id, d.workload_id, w.name AS workload, d.at, d.policy_version,
    d.current_replicas, d.desired_replicas, d.direction, d.reason, d.sentence, d.outcome, d.error, d.detail
    FROM decisions d JOIN workloads w ON w.id = d.workload_id";

/// Records decision `d` on `conn` (inside the caller's transaction); returns its id.
pub async fn insert_decision(
    conn: &mut sqlx::SqliteConnection,
    d: &NewDecision,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO decisions (workload_id, at, policy_id, policy_version, current_replicas,
            desired_replicas, direction, reason, sentence, outcome, error, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(d.workload_id)
    .bind(ts(d.at))
    .bind(d.policy_id)
    .bind(d.policy_version)
    .bind(d.current_replicas)
    .bind(d.desired_replicas)
    .bind(d.direction)
    .bind(&d.reason)
    .bind(&d.sentence)
    .bind(d.outcome)
    .bind(&d.error)
    .bind(&d.detail)
    .fetch_one(conn)
    .await?)
}

impl Store {
    /// Records a decision; returns its id.
    pub async fn insert_decision(&self, d: &NewDecision) -> Result<i64, StoreError> {
        let mut conn = self.pool().acquire().await?;
        insert_decision(&mut conn, d).await
    }

    /// Gives an intent its outcome (`applied`, `failed`, `superseded`).
    pub async fn set_outcome(
        &self,
        id: i64,
        outcome: &'static str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE decisions SET outcome = $1, error = $2 WHERE id = $3 AND outcome = 'intent'",
        )
        .bind(outcome)
        .bind(error)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Intents of workload `id` still waiting for an outcome, oldest first.
    pub async fn open_intents(&self, workload_id: i64) -> Result<Vec<OpenIntent>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, at, current_replicas, desired_replicas FROM decisions
             WHERE workload_id = $1 AND outcome = 'intent' ORDER BY id",
        )
        .bind(workload_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// One decision by id.
    pub async fn decision(&self, id: i64) -> Result<Option<DecisionRow>, StoreError> {
        let sql = format!("{SELECT} WHERE d.id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?)
    }

    /// The latest `limit` decisions of any workload that scaled or tried to (direction up or
    /// down), newest first.
    pub async fn recent_actions(&self, limit: u32) -> Result<Vec<DecisionRow>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE d.id IN (SELECT id FROM decisions WHERE direction IN ('up', 'down')
             AND outcome IN ('applied', 'failed', 'intent') ORDER BY id DESC LIMIT $1)
             ORDER BY d.id DESC"
        );
        Ok(sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    /// Decisions matching `f`, newest first; at most `f.limit` (default 100, at most 5000).
    pub async fn decisions(&self, f: &DecisionFilter) -> Result<Vec<DecisionRow>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE d.id < $1 AND ($2 IS NULL OR d.workload_id = $2)
               AND ($3 IS NULL OR d.direction = $3) AND ($4 IS NULL OR d.outcome = $4)
               AND ($5 IS NULL OR d.reason = $5) AND ($6 IS NULL OR d.at >= $6)
               AND ($7 IS NULL OR d.at < $7) AND ($9 = 0 OR d.outcome <> 'none')
               AND ($10 IS NULL OR CASE WHEN json_valid(d.detail) THEN EXISTS (
                    SELECT 1 FROM json_each(d.detail, '$.limits')
                    WHERE json_extract(value, '$.rule') = $10) ELSE 0 END)
             ORDER BY d.id DESC LIMIT $8"
        );
        Ok(sqlx::query_as(&sql)
            .bind(f.before_id.unwrap_or(i64::MAX))
            .bind(f.workload_id)
            .bind(f.direction.as_deref().filter(|s| !s.is_empty()))
            .bind(f.outcome.as_deref().filter(|s| !s.is_empty()))
            .bind(f.reason.as_deref().filter(|s| !s.is_empty()))
            .bind(f.from.as_deref().filter(|s| !s.is_empty()))
            .bind(f.to.as_deref().filter(|s| !s.is_empty()))
            .bind(f.limit.unwrap_or(100).clamp(1, 5000))
            .bind(f.hide_holds)
            .bind(f.rule.as_deref().filter(|s| !s.is_empty()))
            .fetch_all(self.pool())
            .await?)
    }
}
