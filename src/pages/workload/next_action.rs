//! "Next possible action": per direction, when windows, cooldowns and rate limits allow the
//! next scale, and the metric value that would trigger it, counting down in the browser; or
//! the override that holds it (what, by whom, until when, why).

use leptos::prelude::*;

use crate::components::time::Time;
use crate::model::workload::WorkloadDetail;

/// The next-action panel.
#[component]
pub fn NextActionPanel(state: RwSignal<WorkloadDetail>) -> impl IntoView {
    let now = now_signal();
    let step = move |up: bool| {
        let next = state.with(|s| s.next_action.clone());
        let held = state
            .with(|s| s.summary.active_override())
            .filter(|o| o.holds(up));
        if let Some(o) = held {
            return view! {
                <p class="held"><strong>{format!("Held: {}", o.what())}</strong>" by "{o.actor.clone()}
                    " until "<Time iso=o.until.clone()/></p>
                <p class="muted">{format!("Reason: {}. ", o.reason)}<a href="#overrides">"End it early"</a></p>
            }.into_any();
        }
        let step = next.and_then(|n| if up { n.up } else { n.down });
        match step {
            None => view! { <p class="muted">{if up { "Not possible (at the maximum, or paused)." } else { "Not possible (at the minimum, or paused)." }}</p> }.into_any(),
            Some(s) => {
                let wait = (s.earliest.timestamp() - now.get()).max(0);
                let when = if wait == 0 { "allowed now".to_string() } else { format!("in {}", span(wait)) };
                let trigger = s.trigger.map(|t| format!("when {} goes {} {:.1}", t.metric, if up { "above" } else { "below" }, t.value));
                view! {
                    <p><strong class="countdown">{when}</strong>" "<span class="muted">"("<Time iso=s.earliest.to_rfc3339()/>")"</span></p>
                    <p>{trigger.unwrap_or_else(|| "no metric threshold applies".into())}</p>
                }.into_any()
            }
        }
    };
    view! {
        <section class="panel" aria-labelledby="next-title" id="next-action">
            <h2 id="next-title">"Next possible action"</h2>
            <h3>"Scale up"</h3>
            {move || step(true)}
            <h3>"Scale down"</h3>
            {move || step(false)}
        </section>
    }
}

/// "45 s", "29 min 44 s", "2 h 5 min".
pub fn span(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

/// Unix seconds now, ticking every second in the browser (fixed on the server).
fn now_signal() -> ReadSignal<i64> {
    #[cfg(feature = "ssr")]
    let start = chrono::Utc::now().timestamp();
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    let start = (js_sys::Date::now() / 1000.0) as i64;
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let start = 0;
    let (now, set_now) = signal(start);
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || set_now.set((js_sys::Date::now() / 1000.0) as i64),
            std::time::Duration::from_secs(1),
        );
        if let Ok(h) = handle {
            on_cleanup(move || h.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_now;
    now
}
