//! Server-only code (feature `ssr`): configuration, application state, the store, the HTTP
//! router with its layers, and process lifecycle. Browser code never reaches in here.

pub mod config;
pub mod http;
pub mod run;
pub mod state;
pub mod store;
