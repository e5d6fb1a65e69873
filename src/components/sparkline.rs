//! A small load/replica history for a table row: the last hour's load (line) and replicas
//! (steps) as inline SVG, drawn the same on the server and in the browser, so it shows with
//! JavaScript off.

use leptos::prelude::*;

use crate::model::workload::SparkPoint;

const W: f64 = 120.0;
const H: f64 = 28.0;

/// SVG path data for `values` (None leaves a gap) scaled to `top`, as steps when `steps`.
fn path(values: &[Option<f64>], top: f64, steps: bool) -> String {
    let n = values.len().max(2) - 1;
    let x = |i: usize| i as f64 * W / n as f64;
    let y = |v: f64| H - 1.0 - (v / top).clamp(0.0, 1.0) * (H - 2.0);
    let mut d = String::new();
    let mut last: Option<f64> = None;
    for (i, v) in values.iter().enumerate() {
        match (v, last) {
            (Some(v), None) => d.push_str(&format!("M{:.1} {:.1}", x(i), y(*v))),
            (Some(v), Some(_)) if steps => d.push_str(&format!("H{:.1}V{:.1}", x(i), y(*v))),
            (Some(v), Some(_)) => d.push_str(&format!("L{:.1} {:.1}", x(i), y(*v))),
            (None, _) => {}
        }
        last = *v;
    }
    d
}

/// The sparkline of `points` (oldest first); `target` draws the load target as a dashed line.
#[component]
pub fn Sparkline(points: Vec<SparkPoint>, target: Option<f64>) -> impl IntoView {
    if points.len() < 2 {
        return view! { <span class="muted spark-none">"no history yet"</span> }.into_any();
    }
    let loads: Vec<Option<f64>> = points.iter().map(|p| p.load).collect();
    let replicas: Vec<Option<f64>> = points.iter().map(|p| Some(p.replicas as f64)).collect();
    let load_top = loads
        .iter()
        .flatten()
        .copied()
        .chain(target.map(|t| t * 1.5))
        .fold(1.0_f64, f64::max);
    let replica_top = points.iter().map(|p| p.replicas).max().unwrap_or(1).max(1) as f64 * 1.2;
    let first = points.first().map(|p| p.replicas).unwrap_or(0);
    let last = points.last().map(|p| p.replicas).unwrap_or(0);
    let label = format!(
        "last hour: replicas {first} to {last}, load up to {:.0}",
        loads.iter().flatten().copied().fold(0.0_f64, f64::max)
    );
    let target_y = target.map(|t| H - 1.0 - (t / load_top).clamp(0.0, 1.0) * (H - 2.0));
    view! {
        <svg class="spark" viewBox=format!("0 0 {W} {H}") width=W height=H role="img" aria-label=label.clone()>
            <title>{label.clone()}</title>
            {target_y.map(|y| view! { <line class="spark-target" x1="0" x2=W y1=format!("{y:.1}") y2=format!("{y:.1}")/> })}
            <path class="spark-replicas" d=path(&replicas, replica_top, true)/>
            <path class="spark-load" d=path(&loads, load_top, false)/>
        </svg>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::path;

    #[test]
    fn paths_scale_gap_and_step() {
        assert_eq!(
            path(&[Some(0.0), Some(10.0)], 10.0, false),
            "M0.0 27.0L120.0 1.0"
        );
        assert_eq!(
            path(&[Some(0.0), None, Some(10.0)], 10.0, false),
            "M0.0 27.0M120.0 1.0"
        );
        assert_eq!(
            path(&[Some(0.0), Some(10.0)], 10.0, true),
            "M0.0 27.0H120.0V1.0"
        );
    }
}
