//! Load samples: one row per workload per evaluation, folded as it is written into 1-minute and
//! 15-minute roll-ups, and per-instance rows for a recent window. Retention keeps 30 days of
//! history small; chart queries read the coarsest table that still fills the range. A sample
//! also carries the forecast's figures (the metric's workload total, the instances it needs,
//! the forecast made then): the 1-minute roll-ups of the total are what a restarted controller
//! refits its forecasts from.
//!
//! Retention defaults (see [`Retention`]): raw samples 48 h, per-instance samples 6 h,
//! 1-minute roll-ups 15 days (the forecast's 14-day profile and a day to build it on),
//! 15-minute roll-ups 90 days, decisions 180 days. The audit log is never pruned.

use chrono::{DateTime, Duration, Utc};

use super::time::ts;
use super::{Store, StoreError};
use crate::model::chart::{ChartPoint, Marker};
use crate::server::forecast::ForecastFigures;
use ebb_engine::forecast::Series;

/// How long each kind of history is kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retention {
    pub samples: Duration,
    pub instances: Duration,
    pub minute: Duration,
    pub quarter: Duration,
    pub decisions: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            samples: Duration::hours(48),
            instances: Duration::hours(6),
            minute: Duration::days(15),
            quarter: Duration::days(90),
            decisions: Duration::days(180),
        }
    }
}

/// One evaluation's load figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub workload_id: i64,
    pub at: DateTime<Utc>,
    pub load: Option<f64>,
    pub demand: Option<f64>,
    pub unserved: Option<f64>,
    pub current: u32,
    pub desired: u32,
    pub ready: u32,
    /// The forecast's figures (all `None` when the policy has no metric with a total).
    pub forecast: ForecastFigures,
}

impl Sample {
    /// The chart point this sample is read back as (the same as [`Store::chart`] returns for
    /// spans of up to 6 hours).
    pub fn chart_point(&self) -> ChartPoint {
        ChartPoint {
            at: ts(self.at),
            load: self.load,
            load_max: self.load,
            demand: self.demand,
            unserved: self.unserved,
            current: i64::from(self.current),
            desired: i64::from(self.desired),
            ready: i64::from(self.ready),
            need: self.forecast.need,
            forecast_need: self.forecast.forecast_need,
            forecast_lead: self.forecast.lead_secs.map(i64::from),
        }
    }
}

/// One instance's load at an evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceSample {
    pub instance: String,
    pub state: &'static str,
    pub load: Option<f64>,
    /// How often the backend restarted it so far.
    pub restarts: u32,
}

fn bucket_start(at: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
    let t = at.timestamp();
    DateTime::from_timestamp(t - t.rem_euclid(secs), 0).unwrap_or(at)
}

impl Store {
    /// Writes a sample, its roll-ups and its instances in one transaction.
    pub async fn insert_sample(
        &self,
        s: &Sample,
        inst: &[InstanceSample],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT OR REPLACE INTO load_samples
                (workload_id, at, load, demand, unserved, current, desired, ready, total, need,
                 forecast_need, forecast_lead)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(s.workload_id)
        .bind(ts(s.at))
        .bind(s.load)
        .bind(s.demand)
        .bind(s.unserved)
        .bind(s.current)
        .bind(s.desired)
        .bind(s.ready)
        .bind(s.forecast.total)
        .bind(s.forecast.need)
        .bind(s.forecast.forecast_need)
        .bind(s.forecast.lead_secs)
        .execute(&mut *tx)
        .await?;
        for res in [60, 900] {
            fold_rollup(&mut tx, s, res).await?;
        }
        for i in inst {
            sqlx::query(
                "INSERT OR REPLACE INTO instance_samples
                    (workload_id, at, instance, state, load, restarts)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(s.workload_id)
            .bind(ts(s.at))
            .bind(&i.instance)
            .bind(i.state)
            .bind(i.load)
            .bind(i.restarts)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Chart points of workload `id` in `[from, to)`, from the table that fits the range.
    pub async fn chart(
        &self,
        id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ChartPoint>, StoreError> {
        let span = to - from;
        let sql = if span <= Duration::hours(6) {
            "SELECT at, load, load AS load_max, demand, unserved, current, desired, ready, need,
                    forecast_need, forecast_lead
             FROM load_samples WHERE workload_id = $1 AND at >= $2 AND at < $3 ORDER BY at"
        } else {
            "SELECT bucket AS at, CASE WHEN load_n > 0 THEN load_sum / load_n END AS load, load_max,
                    CASE WHEN demand_n > 0 THEN demand_sum / demand_n END AS demand,
                    unserved_sum AS unserved, current_max AS current, desired_max AS desired,
                    ready_min AS ready, need_max AS need, forecast_need_max AS forecast_need,
                    forecast_lead_max AS forecast_lead
             FROM load_rollups WHERE workload_id = $1 AND resolution = $2 AND bucket >= $3 AND bucket < $4
             ORDER BY bucket"
        };
        let mut q = sqlx::query_as(sql).bind(id);
        if span > Duration::hours(6) {
            q = q.bind(if span <= Duration::days(7) { 60 } else { 900 });
        }
        Ok(q.bind(ts(from)).bind(ts(to)).fetch_all(self.pool()).await?)
    }

    /// Decisions of workload `id` in `[from, to)` that did or tried something (holds, outcome
    /// `none`, are left out: they would bury the actions), for chart markers (at most 2000,
    /// newest kept).
    pub async fn markers(
        &self,
        id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Marker>, StoreError> {
        let mut rows: Vec<Marker> = sqlx::query_as(
            "SELECT id, at, direction, outcome, sentence FROM decisions
             WHERE workload_id = $1 AND at >= $2 AND at < $3 AND outcome <> 'none'
             ORDER BY at DESC LIMIT 2000",
        )
        .bind(id)
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(self.pool())
        .await?;
        rows.reverse();
        Ok(rows)
    }

    /// The forecast metric's workload total of workload `id` from `from` to `to`, 1-minute
    /// means from the roll-ups (gaps where a minute has no total): what the controller refits
    /// its forecast from after a restart.
    pub async fn total_series(
        &self,
        id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Series, StoreError> {
        let rows: Vec<(String, f64)> = sqlx::query_as(
            "SELECT bucket, total_sum / total_n FROM load_rollups
             WHERE workload_id = $1 AND resolution = 60 AND bucket >= $2 AND bucket < $3
               AND total_n > 0 ORDER BY bucket",
        )
        .bind(id)
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(self.pool())
        .await?;
        let mut series = Series::new(bucket_start(from, 60), 60);
        for (at, total) in rows {
            if let Some(at) = super::time::parse(&at) {
                series.set(at, Some(total));
            }
        }
        Ok(series)
    }

    /// Deletes history older than the retention; returns the number of rows removed.
    pub async fn prune(&self, r: &Retention, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut removed = 0;
        let steps: [(&str, Duration); 5] = [
            ("DELETE FROM load_samples WHERE at < $1", r.samples),
            ("DELETE FROM instance_samples WHERE at < $1", r.instances),
            (
                "DELETE FROM load_rollups WHERE resolution = 60 AND bucket < $1",
                r.minute,
            ),
            (
                "DELETE FROM load_rollups WHERE resolution = 900 AND bucket < $1",
                r.quarter,
            ),
            (
                "DELETE FROM decisions WHERE at < $1 AND outcome <> 'intent'",
                r.decisions,
            ),
        ];
        for (sql, keep) in steps {
            removed += sqlx::query(sql)
                .bind(ts(now - keep))
                .execute(self.pool())
                .await?
                .rows_affected();
        }
        Ok(removed)
    }
}

async fn fold_rollup(
    conn: &mut sqlx::SqliteConnection,
    s: &Sample,
    res: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO load_rollups (workload_id, resolution, bucket, samples, load_sum, load_n,
            load_max, demand_sum, demand_n, unserved_sum, current_max, desired_max, ready_min,
            total_sum, total_n, need_max, forecast_need_max, forecast_lead_max)
         VALUES ($1, $2, $3, 1, COALESCE($4, 0), $4 IS NOT NULL, $4, COALESCE($5, 0),
                 $5 IS NOT NULL, COALESCE($6, 0), $7, $8, $9, COALESCE($10, 0), $10 IS NOT NULL,
                 $11, $12, $13)
         ON CONFLICT (workload_id, resolution, bucket) DO UPDATE SET
            samples = samples + 1,
            load_sum = load_sum + COALESCE($4, 0), load_n = load_n + ($4 IS NOT NULL),
            load_max = MAX(COALESCE(load_max, $4), COALESCE($4, load_max)),
            demand_sum = demand_sum + COALESCE($5, 0), demand_n = demand_n + ($5 IS NOT NULL),
            unserved_sum = unserved_sum + COALESCE($6, 0),
            current_max = MAX(current_max, $7), desired_max = MAX(desired_max, $8),
            ready_min = MIN(ready_min, $9),
            total_sum = total_sum + COALESCE($10, 0), total_n = total_n + ($10 IS NOT NULL),
            need_max = MAX(COALESCE(need_max, $11), COALESCE($11, need_max)),
            forecast_need_max = MAX(COALESCE(forecast_need_max, $12),
                                    COALESCE($12, forecast_need_max)),
            forecast_lead_max = MAX(COALESCE(forecast_lead_max, $13),
                                    COALESCE($13, forecast_lead_max))",
    )
    .bind(s.workload_id)
    .bind(res)
    .bind(ts(bucket_start(s.at, res)))
    .bind(s.load)
    .bind(s.demand)
    .bind(s.unserved)
    .bind(s.current)
    .bind(s.desired)
    .bind(s.ready)
    .bind(s.forecast.total)
    .bind(s.forecast.need)
    .bind(s.forecast.forecast_need)
    .bind(s.forecast.lead_secs)
    .execute(conn)
    .await?;
    Ok(())
}
