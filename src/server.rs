//! Server-only code (feature `ssr`): configuration, application state, the store, the HTTP
//! router with its layers, the listener, the controller and the cluster backends, and process lifecycle.
//! Browser code never reaches in here.

pub mod auth;
pub mod backends;
pub mod clock;
pub mod config;
pub mod controller;
pub mod export;
pub mod forecast;
pub mod health;
pub mod http;
pub mod listen;
pub mod live;
pub mod metrics;
pub mod orchestrator;
pub mod replay;
pub mod run;
pub mod seed;
pub mod state;
pub mod store;
pub mod telemetry;
