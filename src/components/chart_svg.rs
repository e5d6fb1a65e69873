//! The workload chart as inline SVG, drawn from the same data on the server and in the browser:
//! what a page without JavaScript shows (load against its target, replicas, and a tick for
//! every scale action; with a forecast, the instances the load needed, the forecasts made
//! then at the end of their spans, and the band ahead of now), hidden once uPlot has drawn the
//! interactive chart over it.

use leptos::prelude::*;

use crate::components::time::utc_of;
use crate::model::chart::ChartData;

const W: f64 = 800.0;
const H: f64 = 260.0;
const PAD: f64 = 34.0;

fn secs(iso: &str) -> Option<f64> {
    chrono::DateTime::parse_from_rfc3339(iso)
        .ok()
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
}

/// `M x y L x y …` of the finite values, a gap where one is missing; steps when `steps`.
fn path(
    points: &[(f64, Option<f64>)],
    x: impl Fn(f64) -> f64,
    y: impl Fn(f64) -> f64,
    steps: bool,
) -> String {
    let mut d = String::new();
    let mut open = false;
    for (t, v) in points {
        match v.filter(|v| v.is_finite()) {
            Some(v) if open && steps => d.push_str(&format!("H{:.1}V{:.1}", x(*t), y(v))),
            Some(v) if open => d.push_str(&format!("L{:.1} {:.1}", x(*t), y(v))),
            Some(v) => {
                d.push_str(&format!("M{:.1} {:.1}", x(*t), y(v)));
                open = true;
            }
            None => open = false,
        }
    }
    d
}

/// The chart of `data`: load (left axis, with the target dashed) and current replicas (right
/// axis, steps), scale actions as ticks along the bottom (up and down in their colours).
#[component]
pub fn WorkloadChartSvg(data: ChartData) -> impl IntoView {
    let times: Vec<f64> = data.points.iter().filter_map(|p| secs(&p.at)).collect();
    if times.len() < 2 {
        return view! { <p class="muted chart-empty">"No samples in this range yet."</p> }
            .into_any();
    }
    let ahead: Vec<(f64, f64, f64)> = data
        .outlook
        .iter()
        .flat_map(|o| &o.points)
        .filter_map(|p| Some((secs(&p.at)?, p.median, p.high)))
        .collect();
    let last = ahead.last().map_or(times[times.len() - 1], |a| a.0);
    let (t0, t1) = (times[0], last.max(times[0] + 1.0));
    // Past forecasts at the end of their spans; only those that fall inside the chart.
    let past: Vec<(f64, Option<f64>)> = data
        .points
        .iter()
        .filter_map(|p| {
            let t = secs(&p.at)? + p.forecast_lead? as f64;
            Some((t, Some(p.forecast_need?)))
        })
        .filter(|(t, _)| *t <= t1)
        .collect();
    let load_top = data
        .points
        .iter()
        .filter_map(|p| p.load_max.or(p.load))
        .chain(data.target.map(|t| t * 1.25))
        .fold(1.0_f64, f64::max)
        * 1.1;
    let replica_top = (data
        .points
        .iter()
        .map(|p| p.current.max(p.desired))
        .max()
        .unwrap_or(1)
        .max(1)
        + 1) as f64;
    let replica_top = data
        .points
        .iter()
        .flat_map(|p| [p.need, p.forecast_need])
        .flatten()
        .chain(ahead.iter().map(|a| a.2))
        .filter(|v| v.is_finite())
        .fold(replica_top, |top, v| top.max((v * 1.1).ceil()));
    let x = move |t: f64| PAD + (t - t0) / (t1 - t0) * (W - 2.0 * PAD);
    let y_load = move |v: f64| H - PAD - (v / load_top).clamp(0.0, 1.0) * (H - 2.0 * PAD);
    let y_rep = move |v: f64| H - PAD - (v / replica_top).clamp(0.0, 1.0) * (H - 2.0 * PAD);
    let with_time = |f: &dyn Fn(&crate::model::chart::ChartPoint) -> Option<f64>| {
        data.points
            .iter()
            .filter_map(|p| secs(&p.at).map(|t| (t, f(p))))
            .collect::<Vec<_>>()
    };
    let load = path(&with_time(&|p| p.load), x, y_load, false);
    let replicas = path(&with_time(&|p| Some(p.current as f64)), x, y_rep, true);
    let target = data.target.map(y_load);
    let need = path(&with_time(&|p| p.need), x, y_rep, false);
    let then = path(&past, x, y_rep, false);
    let high: Vec<(f64, Option<f64>)> = ahead.iter().map(|a| (a.0, Some(a.2))).collect();
    let high_path = path(&high, x, y_rep, false);
    // The band: along the quantile, back along the median.
    let band = (!ahead.is_empty()).then(|| {
        let mut d = high_path.clone();
        for a in ahead.iter().rev() {
            d.push_str(&format!("L{:.1} {:.1}", x(a.0), y_rep(a.1)));
        }
        d.push('Z');
        d
    });
    let now_x = ahead.first().map(|_| x(times[times.len() - 1]));
    let has_need = !need.is_empty();
    let has_forecast = !then.is_empty() || band.is_some();
    let quantile = data
        .outlook
        .as_ref()
        .map(|o| format!("{:.0}", o.quantile * 100.0))
        .unwrap_or_else(|| "90".into());
    let waiting = data.outlook.as_ref().and_then(|o| o.waiting.clone());
    let ticks = data
        .markers
        .iter()
        .filter(|m| m.direction == "up" || m.direction == "down")
        .filter_map(|m| {
            secs(&m.at).map(|t| (x(t.clamp(t0, t1)), m.direction.clone(), m.sentence.clone()))
        })
        .map(|(mx, dir, sentence)| {
            view! {
                <line class=format!("tick-mark {dir}") x1=format!("{mx:.1}") x2=format!("{mx:.1}")
                    y1=H - PAD y2=H - PAD + 8.0><title>{sentence}</title></line>
            }
        })
        .collect_view();
    let when = |t: f64| {
        chrono::DateTime::from_timestamp(t as i64, 0)
            .map(utc_of)
            .unwrap_or_default()
    };
    let (start, end) = (when(t0), when(t1));
    let actions = data
        .markers
        .iter()
        .filter(|m| m.direction == "up" || m.direction == "down")
        .count();
    let label = format!(
        "Load and replicas from {start} to {end}: load up to {:.0}, target {}, replicas up to {}, {actions} scale actions",
        load_top / 1.1,
        data.target.map_or("none".into(), |t| format!("{t:.0}")),
        replica_top as i64 - 1
    );
    view! {
        <svg class="chart-svg" viewBox=format!("0 0 {W} {H}") role="img" aria-label=label.clone()
            preserveAspectRatio="none">
            <title>{label.clone()}</title>
            <line class="axis" x1=PAD y1=H - PAD x2=W - PAD y2=H - PAD/>
            <line class="axis" x1=PAD y1=PAD x2=PAD y2=H - PAD/>
            <line class="axis" x1=W - PAD y1=PAD x2=W - PAD y2=H - PAD/>
            <text class="tick" x=PAD - 4.0 y=PAD + 4.0 text-anchor="end">{format!("{:.0}", load_top)}</text>
            <text class="tick" x=PAD - 4.0 y=H - PAD text-anchor="end">"0"</text>
            <text class="tick replicas" x=W - PAD + 4.0 y=PAD + 4.0>{format!("{}", replica_top as i64)}</text>
            <text class="tick" x=PAD y=H - 6.0>{start}</text>
            <text class="tick" x=W - PAD y=H - 6.0 text-anchor="end">{end}</text>
            {target.map(|ty| view! { <line class="target" x1=PAD x2=W - PAD y1=format!("{ty:.1}") y2=format!("{ty:.1}")/> })}
            {band.map(|d| view! { <path class="forecast-band" d=d/> })}
            {now_x.map(|nx| view! { <line class="now" x1=format!("{nx:.1}") x2=format!("{nx:.1}") y1=PAD y2=H - PAD/> })}
            <path class="need" d=need fill="none" vector-effect="non-scaling-stroke"/>
            <path class="forecast-then" d=then fill="none" vector-effect="non-scaling-stroke"/>
            <path class="forecast-high" d=high_path fill="none" vector-effect="non-scaling-stroke"/>
            <path class="replicas" d=replicas fill="none" vector-effect="non-scaling-stroke"/>
            <path class="load" d=load fill="none" vector-effect="non-scaling-stroke"/>
            {ticks}
        </svg>
        <ul class="legend chart-legend">
            <li><span class="swatch load"></span>"load (left)"</li>
            <li><span class="swatch target"></span>"target"</li>
            <li><span class="swatch replicas"></span>"replicas (right)"</li>
            <li><span class="swatch up"></span>"scale up"</li>
            <li><span class="swatch down"></span>"scale down"</li>
            {has_need.then(|| view! { <li><span class="swatch need"></span>"instances the load needed"</li> })}
            {has_forecast.then(|| view! {
                <li><span class="swatch forecast-then"></span>"forecast made then"</li>
                <li><span class="swatch forecast-band"></span>{format!("forecast ahead (median to p{quantile})")}</li>
            })}
        </ul>
        {waiting.map(|w| view! { <p class="muted forecast-waiting">{format!("Forecast: {w}.")}</p> })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::path;

    #[test]
    fn paths_leave_gaps_and_draw_steps() {
        let pts = [
            (0.0, Some(1.0)),
            (1.0, None),
            (2.0, Some(2.0)),
            (3.0, Some(3.0)),
        ];
        assert_eq!(path(&pts, |t| t, |v| v, false), "M0.0 1.0M2.0 2.0L3.0 3.0");
        assert_eq!(path(&pts[2..], |t| t, |v| v, true), "M2.0 2.0H3.0V3.0");
    }
}
