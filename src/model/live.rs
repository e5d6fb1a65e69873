//! Events pushed to open pages over server-sent events (`GET /api/live`).

use serde::{Deserialize, Serialize};

use super::decision::DecisionRow;
use super::workload::WorkloadSummary;

/// Something changed that open pages should show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A workload was evaluated: its fresh summary, and the decision if one was recorded.
    Evaluated {
        workload: Box<WorkloadSummary>,
        decision: Option<DecisionRow>,
    },
}
