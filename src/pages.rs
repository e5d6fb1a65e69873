//! One file per route; each page owns its resources and actions.

pub mod audit;
pub mod history;
pub mod not_found;
pub mod overview;
pub mod policies;
pub mod workload;
pub mod workloads;
