//! The time-series chart of a workload, drawn by uPlot through `public/chart.js` once the page
//! is live; the element has no children of its own so hydration never fights the canvas.

use leptos::prelude::*;

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
    view! {
        <div class="chart" node_ref=el id="workload-chart" role="img"
            aria-label=move || format!("Load and replicas, {} points", points())></div>
        <noscript><p class="muted">"The chart needs JavaScript; the decisions below are complete without it."</p></noscript>
    }
}

#[cfg(feature = "hydrate")]
fn draw(el: &web_sys::HtmlDivElement, json: &str) {
    use wasm_bindgen::{JsCast, JsValue};
    let global = js_sys::global();
    let Ok(chart) = js_sys::Reflect::get(&global, &JsValue::from_str("ebbChart")) else {
        return;
    };
    let Ok(f) = js_sys::Reflect::get(&chart, &JsValue::from_str("draw")) else {
        return;
    };
    if let Some(f) = f.dyn_ref::<js_sys::Function>() {
        let _ = f.call2(&chart, el, &JsValue::from_str(json));
    }
}
