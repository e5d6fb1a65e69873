//! Events pushed to open pages over server-sent events (`GET /api/live`).

use serde::{Deserialize, Serialize};

use super::chart::ChartPoint;
use super::decision::DecisionRow;
use super::workload::WorkloadSummary;

/// Something changed that open pages should show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A workload was evaluated: its fresh summary, the decision if one was recorded, and the
    /// chart point the evaluation stored (with the forecast's figures), when it stored one.
    Evaluated {
        workload: Box<WorkloadSummary>,
        decision: Option<DecisionRow>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        point: Option<Box<ChartPoint>>,
    },
}
