//! Live updates for open pages: `GET /api/live` streams every controller evaluation as a
//! server-sent event (`event: evaluated`, JSON data). Browsers reconnect by themselves; a
//! subscriber that falls behind skips to the newest events instead of blocking the controller.
//! Streams end when shutdown begins, so they never hold the process open, and when the
//! credential they were opened with stops signing anyone in (sign-out, revoked token).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::server::state::AppState;
use crate::server::store::Store;

/// How often an open stream checks its credential when nothing in this process changed
/// access (expiry, or a sign-out on another replica).
const RECHECK: Duration = Duration::from_secs(30);

/// The credential a stream was opened with, checked again whenever access changes.
enum Credential {
    Session(String),
    Token(String),
    None,
}

impl Credential {
    fn of(headers: &HeaderMap) -> Credential {
        use crate::server::auth::secrets::digest;
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(token) = bearer {
            return Credential::Token(digest(token.trim()));
        }
        match crate::server::auth::gate::cookie(headers, crate::server::auth::COOKIE) {
            Some(sid) => Credential::Session(digest(&sid)),
            None => Credential::None,
        }
    }

    /// True while the credential still signs someone in (a database failure counts as
    /// still valid: the stream is not the place to sign people out on an outage).
    async fn still_valid(&self, store: &Store) -> bool {
        let now = chrono::Utc::now();
        let found = match self {
            Credential::Session(sid) => {
                let idle = chrono::Duration::seconds(crate::server::auth::IDLE_SECS);
                store.session_valid(sid, now, idle).await
            }
            Credential::Token(hash) => store.token_valid(hash, now).await,
            Credential::None => Ok(false),
        };
        found.unwrap_or(true)
    }
}

/// The event stream. It ends (after an `event: signed_out`) as soon as the session or token
/// it was opened with no longer signs anyone in: a sign-out, password change, disabled
/// account or revoked token in this process ends it at once, anything else within
/// [`RECHECK`].
pub async fn live(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut rx = state.inner.live.subscribe();
    let mut stopping = state.stopping();
    let store = state.store().clone();
    let mut access = store.watch_access();
    let credential = Credential::of(&headers);
    let stream = async_stream::stream! {
        // Tells the page the connection is up even when nothing happens for a while.
        yield Ok(Event::default().event("hello").data("{}"));
        let mut recheck = tokio::time::interval(RECHECK);
        recheck.tick().await;
        loop {
            let check = tokio::select! {
                received = rx.recv() => Err(received),
                () = async { let _ = stopping.wait_for(|stop| *stop).await; } => break,
                changed = access.changed() => Ok(changed.is_ok()),
                _ = recheck.tick() => Ok(true),
            };
            let received = match check {
                Err(received) => received,
                Ok(watching) => {
                    if watching && credential.still_valid(&store).await {
                        continue;
                    }
                    yield Ok(Event::default().event("signed_out").data("{}"));
                    break;
                }
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
