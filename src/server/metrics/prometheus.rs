//! Prometheus as a metric source: the HTTP client ([`client`]) and the rules that turn a
//! result into a policy metric's value ([`reading`]).

pub mod client;
pub mod reading;
