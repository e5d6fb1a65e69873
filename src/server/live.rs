//! Live updates for open pages: `GET /api/live` streams every controller evaluation as a
//! server-sent event (`event: evaluated`, JSON data). Browsers reconnect by themselves; a
//! subscriber that falls behind skips to the newest events instead of blocking the controller.
//! Streams end when shutdown begins, so they never hold the process open.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::server::state::AppState;

/// The event stream.
pub async fn live(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut rx = state.inner.live.subscribe();
    let mut stopping = state.stopping();
    let stream = async_stream::stream! {
        // Tells the page the connection is up even when nothing happens for a while.
        yield Ok(Event::default().event("hello").data("{}"));
        loop {
            let received = tokio::select! {
                received = rx.recv() => received,
                () = async { let _ = stopping.wait_for(|stop| *stop).await; } => break,
            };
            match received {
                Ok(ev) => {
                    if let Ok(json) = serde_json::to_string(&ev) {
                        yield Ok(Event::default().event("evaluated").data(json));
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    yield Ok(Event::default().event("lagged").data(n.to_string()));
                }
                Err(RecvError::Closed) => break,
            }
        }
    };
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
