//! Metric sources ebb reads itself before an evaluation (the engine keeps only the query as
//! data): Prometheus instant queries, their client and what their results mean.

pub mod prometheus;
