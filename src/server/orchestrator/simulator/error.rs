//! Errors of the simulator itself (bad workload specs and trace files). Calls made through the
//! [`crate::server::orchestrator::Orchestrator`] trait map these to `OrchestratorError`.
//!
//! Policy: every message names what is wrong and where (the field, or the file and line), so
//! the operator can fix it without reading code.

use std::path::PathBuf;

/// Why a simulated workload could not be created or changed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// The trace file could not be read at all.
    #[error("{path}: cannot read the trace file: {reason}")]
    TraceUnreadable { path: PathBuf, reason: String },
    /// One line of a trace file is malformed.
    #[error("{path}:{line}: {reason}")]
    TraceLine {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    /// A trace (file or in-memory series) holds no usable point.
    #[error("{source_name}: the trace has no data points; expected a header `timestamp,value` and at least one row")]
    TraceEmpty { source_name: String },
    /// A field of the workload spec is out of range.
    #[error("invalid simulator spec: {field}: {reason}")]
    InvalidSpec { field: String, reason: String },
    /// A workload of that name already exists.
    #[error("simulated workload `{0}` already exists; remove it first or pick another name")]
    Duplicate(String),
    /// No workload of that name.
    #[error("no simulated workload named `{0}`")]
    NotFound(String),
}

impl SimError {
    /// An out-of-range spec field.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> SimError {
        SimError::InvalidSpec {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
