//! Policies as the dashboard shows them: the list, one policy with its versions and their
//! changes, the outcome of a submitted editor form, and what-if results.

use ebb_engine::Policy;
use serde::{Deserialize, Serialize};

use crate::model::error::FieldError;
use crate::model::policy_diff::Change;
use crate::model::policy_form::FormFields;

/// A workload, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadRef {
    pub id: i64,
    pub name: String,
}

/// One row of the Policies page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyRow {
    pub id: i64,
    pub name: String,
    pub current_version: i64,
    /// Author of the current version.
    pub author: String,
    /// When the current version was saved (UTC, ISO-8601).
    pub updated_at: String,
    /// Workloads scaled by this policy.
    pub workloads: Vec<WorkloadRef>,
}

/// One immutable version, with what changed against its predecessor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRow {
    pub version: i64,
    pub author: String,
    pub comment: String,
    /// UTC, ISO-8601.
    pub at: String,
    pub body: Policy,
    /// Field-by-field changes against version − 1 (every field for version 1).
    pub changes: Vec<Change>,
}

/// Everything the editor page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditorData {
    /// `None` for a new policy.
    pub id: Option<i64>,
    pub name: String,
    pub current_version: Option<i64>,
    /// The form to show: the current version, or a draft sent back by the server.
    pub fields: FormFields,
    /// Errors of the draft (empty for a stored version).
    pub errors: Vec<FieldError>,
    /// Lints of the policy in the form.
    pub lints: Vec<FieldError>,
    /// Newest first.
    pub versions: Vec<VersionRow>,
    /// Workloads using this policy.
    pub used_by: Vec<WorkloadRef>,
    /// Every workload (what-if sources).
    pub workloads: Vec<WorkloadRef>,
    /// Trace files available for what-if.
    pub traces: Vec<String>,
    /// The what-if job the address names (`?whatif=`): how far it got, or its result (how a
    /// browser without JavaScript follows a preview).
    pub whatif: Option<WhatIfState>,
    /// Every IANA zone name the server knows: the browser's engine has no zone tables and
    /// checks schedule zones against this list.
    #[serde(default)]
    pub timezones: Vec<String>,
}

/// What a submitted editor form led to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SubmitOutcome {
    /// A new version was stored.
    Saved { id: i64, version: i64 },
    /// The form held the current version's policy: no version was stored.
    Unchanged { id: i64, version: i64 },
    /// The form was checked (or a row added/removed) and sent back.
    Draft(FormFields),
    /// A what-if job was started (or cancelled): its state when the answer was sent.
    Preview(Box<WhatIfState>),
}

/// One policy's replay over the chosen load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplaySummary {
    /// "edited" or "current vN".
    pub label: String,
    pub replica_hours: f64,
    pub offered_units: f64,
    pub unserved_units: f64,
    pub unserved_share: f64,
    pub minutes_over_capacity: f64,
    pub scale_ups: u32,
    pub scale_downs: u32,
    /// Replicas at each chart time (aligned with [`WhatIf::times`]).
    pub replicas: Vec<f64>,
}

/// Where a what-if job stands. A preview runs in the background: the answer to Preview is its
/// result when it finished within a moment, else its progress, which the editor then follows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WhatIfState {
    /// Waiting for a replay slot, or replaying.
    Running(WhatIfProgress),
    /// Finished.
    Done(Box<WhatIf>),
    /// Ended without a result: why (failed, cancelled, replaced, or no longer kept).
    Stopped(String),
}

/// A running what-if job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatIfProgress {
    /// The job's id: only its owner can follow or cancel it.
    pub job: String,
    /// The load, as in [`WhatIf::source`].
    pub source: String,
    /// What it is doing, e.g. "replaying HPA defaults (3 of 3): 120 d of 215 d".
    pub stage: String,
    /// Share done, 0 to 1.
    pub fraction: f64,
    /// Seconds since it was started.
    pub elapsed_secs: u64,
}

impl WhatIfState {
    /// The running job's id.
    pub fn running_job(&self) -> Option<&str> {
        match self {
            WhatIfState::Running(p) => Some(&p.job),
            _ => None,
        }
    }
}

/// A what-if run: the edited policy and (when there is one) the current policy over the same
/// load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatIf {
    /// Human description of the load, e.g. "nasa-web, last 24 h (1,440 points)".
    pub source: String,
    /// Chart times, Unix seconds.
    pub times: Vec<i64>,
    /// Offered demand at each chart time.
    pub demand: Vec<f64>,
    pub edited: ReplaySummary,
    /// The first policy compared with (the saved version, or HPA's defaults).
    pub current: Option<ReplaySummary>,
    /// Further policies compared with (HPA's defaults when both were asked for).
    #[serde(default)]
    pub others: Vec<ReplaySummary>,
}
