//! Times as people read them: the browser's own zone once the page is live, UTC in the server
//! render and always on hover (`title`).

use leptos::prelude::*;

/// `2026-11-27T14:05:42.123Z` → `2026-11-27 14:05:42 UTC`.
pub fn utc_text(iso: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(iso) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        Err(_) => iso.to_string(),
    }
}

/// The same instant in the browser's zone (only in the browser; `None` elsewhere).
#[cfg(feature = "hydrate")]
pub fn local_text(iso: &str) -> Option<String> {
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso));
        if d.get_time().is_nan() {
            return None;
        }
        let pad = |n: u32| format!("{n:02}");
        Some(format!(
            "{}-{}-{} {}:{}:{}",
            d.get_full_year(),
            pad(d.get_month() + 1),
            pad(d.get_date()),
            pad(d.get_hours()),
            pad(d.get_minutes()),
            pad(d.get_seconds())
        ))
    }
}

/// The same instant in the browser's zone (only in the browser; `None` elsewhere).
#[cfg(not(feature = "hydrate"))]
pub fn local_text(_iso: &str) -> Option<String> {
    None
}

/// A `<time>` element: UTC from the server, local time after hydration, UTC on hover.
#[component]
pub fn Time(#[prop(into)] iso: String) -> impl IntoView {
    let utc = utc_text(&iso);
    let shown = RwSignal::new(utc.clone());
    let for_effect = iso.clone();
    Effect::new(move |_| {
        if let Some(local) = local_text(&for_effect) {
            shown.set(local);
        }
    });
    view! { <time datetime=iso title=utc>{move || shown.get()}</time> }
}
