//! The what-if chart: the replica curves of the edited policy and of those it is compared with
//! (the current one, HPA's defaults) over the replayed load.
//! uPlot draws it once the page is live; the server also renders an inline SVG, shown only
//! while no chart is drawn (JavaScript off).

use leptos::prelude::*;

use crate::components::chart::SeriesChart;
use crate::model::policies::WhatIf;

const W: f64 = 800.0;
const H: f64 = 220.0;
const PAD: f64 = 28.0;

/// Replica curves of a what-if run.
#[component]
pub fn WhatIfChart(whatif: WhatIf) -> impl IntoView {
    let t0 = whatif.times.first().copied().unwrap_or(0) as f64;
    let t1 = whatif.times.last().copied().unwrap_or(1) as f64;
    let span = (t1 - t0).max(1.0);
    // (class name, label, replicas)
    let mut series = vec![(
        "edited",
        "edited".to_string(),
        whatif.edited.replicas.clone(),
    )];
    if let Some(c) = &whatif.current {
        series.push(("current", c.label.clone(), c.replicas.clone()));
    }
    if let Some(o) = whatif.others.first() {
        series.push(("other", o.label.clone(), o.replicas.clone()));
    }
    let top = series
        .iter()
        .flat_map(|(_, _, v)| v.iter().copied())
        .fold(1.0_f64, f64::max)
        .ceil()
        + 1.0;
    let x = move |t: i64| PAD + (t as f64 - t0) / span * (W - 2.0 * PAD);
    let y = move |v: f64| H - PAD - v / top * (H - 2.0 * PAD);
    let times = whatif.times.clone();
    let lines = series
        .iter()
        .map(|(name, _, values)| {
            let points: Vec<String> =
                times.iter().zip(values).map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v))).collect();
            view! {
                <polyline class=format!("series series-{name}") data-series=name.to_string()
                    points=points.join(" ") fill="none" stroke-width="2" vector-effect="non-scaling-stroke"/>
            }
        })
        .collect_view();
    let data = serde_json::json!({
        "x": whatif.times,
        "series": series.iter().map(|(_, l, v)| serde_json::json!({"label": l, "values": v})).collect::<Vec<_>>(),
    })
    .to_string();
    let at = |secs: f64| {
        chrono::DateTime::from_timestamp(secs as i64, 0)
            .map(crate::components::time::utc_of)
            .unwrap_or_default()
    };
    let (start, end) = (at(t0), at(t1));
    let label = format!(
        "Replicas over time from {start} to {end}: {}",
        series
            .iter()
            .map(|(_, l, _)| l.as_str())
            .collect::<Vec<_>>()
            .join(" and ")
    );
    view! {
        <div class="whatif-chart">
            <SeriesChart json=data label=label.clone()/>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=label preserveAspectRatio="none">
                <line class="axis" x1=PAD y1=H - PAD x2=W - PAD y2=H - PAD/>
                <line class="axis" x1=PAD y1=PAD x2=PAD y2=H - PAD/>
                <text class="tick" x=PAD - 4.0 y=PAD + 4.0 text-anchor="end">{format!("{top:.0}")}</text>
                <text class="tick" x=PAD - 4.0 y=H - PAD text-anchor="end">"0"</text>
                <text class="tick" x=PAD y=H - 8.0>{start}</text>
                <text class="tick" x=W - PAD y=H - 8.0 text-anchor="end">{end}</text>
                {lines}
            </svg>
            <ul class="legend">
                <li><span class="swatch series-edited"></span>"edited policy"</li>
                {whatif.current.as_ref().map(|c| view! { <li><span class="swatch series-current"></span>{c.label.clone()}</li> })}
                {whatif.others.first().map(|c| view! { <li><span class="swatch series-other"></span>{c.label.clone()}</li> })}
            </ul>
        </div>
    }
}
