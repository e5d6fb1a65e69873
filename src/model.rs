//! Wire types shared by the browser and the server (serde only, no I/O).

pub mod account;
pub mod audit;
pub mod auth;
pub mod backends;
pub mod chart;
pub mod decision;
pub mod error;
pub mod live;
pub mod names;
pub mod overrides;
pub mod policies;
pub mod policy_diff;
pub mod policy_form;
pub mod resources;
pub mod status;
pub mod templates;
pub mod workload;

pub use error::ApiError;
