//! Prometheus as a metric source: the HTTP client ([`client`]), the stored settings of a
//! server ([`settings`]), the shared clients with their back-off ([`registry`]), and the rules
//! that turn a result into a policy metric's value ([`reading`]).

pub mod client;
pub mod reading;
pub mod registry;
pub mod settings;
