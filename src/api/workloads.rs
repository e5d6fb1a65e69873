//! Workloads: the overview (list, states, recent actions, sparklines), one workload's detail,
//! and its chart series.

use leptos::prelude::*;

use crate::model::workload::{WorkloadDetail, WorkloadSummary};
use crate::model::ApiError;

/// Every workload with its latest status, by name.
#[server(endpoint = "workloads")]
pub async fn list_workloads() -> Result<Vec<WorkloadSummary>, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let state = crate::api::state()?;
    Ok(state.store().workload_summaries().await?)
}

/// The overview: every workload with its state, the latest scale actions, and each
/// workload's last hour for its sparkline.
#[server(endpoint = "overview")]
pub async fn get_overview() -> Result<crate::model::workload::Overview, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let state = crate::api::state()?;
    let store = state.store();
    Ok(crate::model::workload::Overview {
        workloads: store.workload_summaries().await?,
        recent_actions: store.recent_actions(5).await?,
        sparks: store.sparks(chrono::Utc::now()).await?,
    })
}

/// One workload: summary, next possible action, instances and recent decisions.
#[server(endpoint = "workload")]
pub async fn get_workload(id: i64) -> Result<WorkloadDetail, ApiError> {
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let state = crate::api::state()?;
    state
        .store()
        .workload_detail(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("there is no workload {id}")))
}

/// Chart series of workload `id` over the range named `range` (15m, 1h, 6h, 24h, 7d, 30d),
/// ending now.
#[server(endpoint = "workload_chart")]
pub async fn get_chart(id: i64, range: String) -> Result<crate::model::chart::ChartData, ApiError> {
    use crate::model::chart::{range_secs, ChartData};
    crate::api::require(crate::model::auth::Role::Viewer)?;
    let state = crate::api::state()?;
    let store = state.store();
    let to = chrono::Utc::now() + chrono::Duration::seconds(1);
    let from = to - chrono::Duration::seconds(range_secs(&range));
    let target = store.workload_summary(id).await?.and_then(|s| s.target);
    let points = store.chart(id, from, to).await?;
    let markers = store.markers(id, from, to).await?;
    // The band ahead: a quarter of the range (15 min to 6 h), from the controller's model.
    let policy = match store.workload(id).await?.and_then(|w| w.policy_id) {
        Some(p) => store.current_policy(p).await?,
        None => None,
    };
    let horizon = (range_secs(&range) / 4).clamp(15 * 60, 6 * 3600);
    let outlook = policy.and_then(|p| {
        let all = state
            .inner
            .forecasts
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match all.get(&id) {
            Some(f) => f.outlook(&p.body, chrono::Utc::now(), horizon),
            // Computed, but the controller has not evaluated it since it started.
            None => p.body.forecast.as_ref().filter(|f| f.computed()).map(|f| {
                crate::model::chart::Outlook::waiting(f.quantile, "not evaluated since ebb started")
            }),
        }
    });
    Ok(ChartData {
        range,
        target,
        points,
        markers,
        outlook,
    })
}
