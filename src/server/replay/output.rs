//! How a replay report leaves the process: a human summary, the timeline as CSV and the whole
//! report as JSON.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use super::report::ReplayReport;

/// "debug build" or "release build", for speed figures.
pub fn build_kind() -> &'static str {
    if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    }
}

/// Seconds as a short human duration ("45 s", "12.5 min").
pub fn human_secs(secs: Option<f64>) -> String {
    match secs {
        None => "–".into(),
        Some(s) if s < 120.0 => format!("{s:.0} s"),
        Some(s) if s < 7200.0 => format!("{:.1} min", s / 60.0),
        Some(s) => format!("{:.1} h", s / 3600.0),
    }
}

/// The summary lines of a report.
pub fn summary(r: &ReplayReport) -> String {
    let rise = &r.rise_to_capacity;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "window                  {} → {}",
        r.start.format("%Y-%m-%dT%H:%M:%SZ"),
        r.end.format("%Y-%m-%dT%H:%M:%SZ")
    );
    let _ = writeln!(
        s,
        "evaluations             {} (every {} s)",
        r.timeline.len(),
        r.interval_secs
    );
    let _ = writeln!(s, "replica-hours           {:.1}", r.replica_hours);
    let _ = writeln!(
        s,
        "unserved demand         {:.3} % of offered",
        r.unserved_share * 100.0
    );
    let _ = writeln!(
        s,
        "  of which              {:.3} % dropped, {:.3} % served later than the SLO",
        share(r.dropped_units, r.offered_units) * 100.0,
        share(r.late_units, r.offered_units) * 100.0
    );
    let _ = writeln!(s, "minutes over capacity   {:.1}", r.minutes_over_capacity);
    let _ = writeln!(s, "minutes violating SLO   {:.1}", r.slo_violation_minutes);
    let e = &r.elasticity;
    let _ = writeln!(
        s,
        "elasticity (SPEC)       θ_U {:.1} %, θ_O {:.1} %, τ_U {:.1} %, τ_O {:.1} %, instability {:.1} %",
        e.under_accuracy_pct, e.over_accuracy_pct, e.under_time_pct, e.over_time_pct, e.instability_pct
    );
    let _ = writeln!(
        s,
        "scale actions           {} ({} up, {} down)",
        r.scale_actions(),
        r.scale_ups,
        r.scale_downs
    );
    let _ = writeln!(
        s,
        "rise → ready capacity   {} rises: median {}, p95 {}, max {}; {} unresolved at the end",
        rise.count,
        human_secs(rise.median_secs),
        human_secs(rise.p95_secs),
        human_secs(rise.max_secs),
        rise.unresolved
    );
    let _ = writeln!(
        s,
        "metric failures         {} evaluations; backend unreachable {}",
        r.metric_failures, r.unreachable
    );
    s
}

/// Writes `PREFIX.csv` (timeline) and `PREFIX.json` (report with timeline).
pub fn write_outputs(r: &ReplayReport, prefix: &Path) -> anyhow::Result<()> {
    let with_ext = |ext: &str| {
        let mut p = prefix.as_os_str().to_owned();
        p.push(ext);
        std::path::PathBuf::from(p)
    };
    let (csv_path, json_path) = (with_ext(".csv"), with_ext(".json"));
    std::fs::write(&csv_path, timeline_csv(r))
        .with_context(|| format!("{}: cannot write", csv_path.display()))?;
    let json = serde_json::to_string_pretty(r).context("cannot encode the report as JSON")?;
    std::fs::write(&json_path, json)
        .with_context(|| format!("{}: cannot write", json_path.display()))?;
    Ok(())
}

/// The timeline as CSV with a header row.
pub fn timeline_csv(r: &ReplayReport) -> String {
    let mut s = String::from("at,offered,served,unserved,capacity,current_replicas,desired_replicas,ready_replicas,reason\n");
    for row in &r.timeline {
        let _ = writeln!(
            s,
            "{},{:.4},{:.4},{:.4},{:.4},{},{},{},{}",
            row.at.format("%Y-%m-%dT%H:%M:%SZ"),
            row.offered,
            row.served,
            row.unserved,
            row.capacity,
            row.current_replicas,
            row.desired_replicas,
            row.ready_replicas,
            row.reason
        );
    }
    s
}

/// `part / whole`, 0 when nothing was offered.
fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole
    } else {
        0.0
    }
}
