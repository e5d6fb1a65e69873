//! The app's one integration-test binary: the router built on a fresh database and exercised
//! with real HTTP requests, plus the store's migration guarantees.

mod access;
mod backend_errors;
mod backends;
mod controller;
mod faults;
mod first_evaluation;
mod hardening;
mod hostile;
mod http;
mod kubernetes;
mod kubernetes_bench;
mod lifecycle;
mod listener;
mod migrate;
mod names;
mod on_call;
mod pins;
mod policies;
mod prometheus;
mod prometheus_bench;
mod replay;
mod resources;
mod seed;
mod sign_in;
mod simulator;
mod support;
mod swarm;
mod telemetry;
mod whatif;
mod wire;
