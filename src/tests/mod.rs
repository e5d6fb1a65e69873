//! The app's one integration-test binary: the router built on a fresh database and exercised
//! with real HTTP requests, plus the store's migration guarantees.

mod access;
mod backends;
mod controller;
mod faults;
mod http;
mod migrate;
mod pins;
mod policies;
mod replay;
mod resources;
mod simulator;
mod support;
mod swarm;
mod whatif;
