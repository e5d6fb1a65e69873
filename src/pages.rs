//! One file per route; each page owns its resources and actions.

pub mod account;
pub mod admin;
pub mod audit;
pub mod backends;
pub mod history;
pub mod login;
pub mod not_found;
pub mod overview;
pub mod policies;
pub mod workload;
pub mod workloads;
