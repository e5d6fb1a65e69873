//! Charts drawn by uPlot through `public/chart.js` once the page is live: a workload's load and
//! replicas (over a server-drawn SVG that pages without JavaScript keep), and plain series
//! (the what-if curves). The chart elements have no children of their own, so hydration never
//! fights the canvas.

use leptos::prelude::*;

use crate::components::chart_svg::WorkloadChartSvg;
use crate::model::chart::ChartData;

/// Load, target and replicas over time with decision markers; redraws when `data` changes.
#[component]
pub fn TimeChart(data: Signal<ChartData>) -> impl IntoView {
    let el = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let json = data.with(|d| serde_json::to_string(d).unwrap_or_default());
        if let Some(div) = el.get() {
            draw(&div, &json);
        }
    });
    let points = move || data.with(|d| d.points.len());
    // The page as the server rendered it: shown until uPlot draws (JavaScript off: always).
    let first = data.get_untracked();
    view! {
        <div class="chart-box">
            <div class="chart" node_ref=el id="workload-chart" role="img"
                aria-label=move || format!("Load and replicas, {} points", points())></div>
            <div class="chart-fallback"><WorkloadChartSvg data=first/></div>
        </div>
    }
}

/// Plain series (`{ x: [unix seconds], series: [{ label, values }] }`) drawn by uPlot once the
/// page is live, e.g. the what-if replica curves. Without JavaScript nothing is drawn here; the
/// caller shows its own server-rendered fallback beside it.
#[component]
pub fn SeriesChart(json: String, #[prop(into)] label: String) -> impl IntoView {
    let el = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(div) = el.get() {
            call("series", &div, &json);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = json;
    view! { <div class="chart series-chart" node_ref=el role="img" aria-label=label></div> }
}

#[cfg(feature = "hydrate")]
fn draw(el: &web_sys::HtmlDivElement, json: &str) {
    call("draw", el, json);
}

/// Calls `window.ebbChart[name](el, json)` from `public/chart.js`, if it has loaded.
#[cfg(feature = "hydrate")]
fn call(name: &str, el: &web_sys::HtmlDivElement, json: &str) {
    use wasm_bindgen::{JsCast, JsValue};
    let global = js_sys::global();
    let Ok(chart) = js_sys::Reflect::get(&global, &JsValue::from_str("ebbChart")) else {
        return;
    };
    let Ok(f) = js_sys::Reflect::get(&chart, &JsValue::from_str(name)) else {
        return;
    };
    if let Some(f) = f.dyn_ref::<js_sys::Function>() {
        let _ = f.call2(&chart, el, &JsValue::from_str(json));
    }
}
