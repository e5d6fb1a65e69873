//! Policy replays: a policy run over a demand series (a trace file or an in-memory series) in
//! the simulator in fast-forward, with the engine called directly, and a report of what it
//! cost and what it missed. Powers `ebb replay`, `ebb bench-traces` and the dashboard's
//! what-if preview.

pub mod bench;
pub mod budget;
pub mod cli;
pub mod gate;
pub mod jobs;
pub mod output;
mod report;
mod run;
pub mod sizing;

pub use bench::BenchArgs;
pub use cli::ReplayArgs;
pub use report::{nearest_rank, ElasticityReport, ReplayReport, RiseStats, TimelineRow};
pub use run::{run_replay, run_replay_until, Control, ReplayError, ReplayOptions};
