//! The browser's connection to `GET /api/live`: a signal with the newest event and one with the
//! connection state, shown by [`LiveBadge`]. On the server (and with JavaScript off) nothing
//! connects and the page is a snapshot.

use leptos::prelude::*;

use crate::model::live::LiveEvent;

/// State of the live connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveState {
    /// Not connected yet (server render, or before hydration).
    Snapshot,
    /// Receiving updates.
    Live,
    /// Lost; the browser is reconnecting.
    Reconnecting,
    /// The server dropped updates this page was too slow to take (an SSE `lagged` event): what
    /// it shows may lack some, until it is reloaded.
    Missed,
}

/// Live events and connection state for the current page.
#[derive(Clone, Copy)]
pub struct Live {
    pub last: ReadSignal<Option<LiveEvent>>,
    pub state: ReadSignal<LiveState>,
}

/// Opens the live connection for this page (closed when the page goes away).
pub fn use_live() -> Live {
    let (last, set_last) = signal(None::<LiveEvent>);
    let (state, set_state) = signal(LiveState::Snapshot);
    #[cfg(feature = "hydrate")]
    connect(set_last, (state, set_state));
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_last, set_state);
    Live { last, state }
}

#[cfg(feature = "hydrate")]
fn connect(
    set_last: WriteSignal<Option<LiveEvent>>,
    (state, set_state): (ReadSignal<LiveState>, WriteSignal<LiveState>),
) {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    Effect::new(move |_| {
        let Ok(es) = web_sys::EventSource::new("/api/live") else {
            set_state.set(LiveState::Reconnecting);
            return;
        };
        // Once updates were missed the badge says so until the page is reloaded.
        let live_unless_missed = move || {
            if state.get_untracked() != LiveState::Missed {
                set_state.set(LiveState::Live);
            }
        };
        let on_open = Closure::<dyn FnMut()>::new(live_unless_missed);
        let on_error = Closure::<dyn FnMut()>::new(move || {
            if state.get_untracked() != LiveState::Missed {
                set_state.set(LiveState::Reconnecting);
            }
        });
        let on_lagged = Closure::<dyn FnMut()>::new(move || set_state.set(LiveState::Missed));
        let on_event =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                live_unless_missed();
                if let Some(text) = e.data().as_string() {
                    if let Ok(ev) = serde_json::from_str::<LiveEvent>(&text) {
                        set_last.set(Some(ev));
                    }
                }
            });
        es.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        es.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let _ = es.add_event_listener_with_callback("evaluated", on_event.as_ref().unchecked_ref());
        let _ = es.add_event_listener_with_callback("hello", on_open.as_ref().unchecked_ref());
        let _ = es.add_event_listener_with_callback("lagged", on_lagged.as_ref().unchecked_ref());
        // The closures live as long as the connection; both go when the page is left.
        let keep = send_wrapper::SendWrapper::new((es, on_open, on_error, on_event, on_lagged));
        on_cleanup(move || keep.0.close());
    });
}

/// A badge showing whether the page updates live.
#[component]
pub fn LiveBadge(live: Live) -> impl IntoView {
    view! {
        <span class="live-badge" role="status" aria-live="polite"
            data-state=move || format!("{:?}", live.state.get()).to_lowercase()>
            {move || match live.state.get() {
                LiveState::Snapshot => "snapshot".into_any(),
                LiveState::Live => "● live".into_any(),
                LiveState::Reconnecting => "connection lost, reconnecting…".into_any(),
                LiveState::Missed => view! {
                    <a href="" title="The server dropped updates this page was too slow to take">
                        "missed updates: reload"
                    </a>
                }.into_any(),
            }}
        </span>
    }
}
