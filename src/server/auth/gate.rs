//! The request gate, in front of every route: finds the signed-in user (session cookie or
//! bearer token) and puts it on the request; refuses state-changing requests that a browser
//! sent from another site, and sign-ins from another site (CSRF: the cookie is SameSite=Strict,
//! and Origin or Sec-Fetch-Site must name this site, see `origin`); sends strangers to the login page (pages) or answers 401 (the rest), and someone signed in
//! with a one-time password to the password form;
//! and finds the client address (the peer, or `X-Forwarded-For` from a trusted proxy) for
//! the sign-in delays and the audit trail.

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::origin::Site;
use super::proxies::{client_address, TrustedProxies};
use super::secrets::digest;
use super::{COOKIE, IDLE_SECS};
use crate::model::auth::CurrentUser;
use crate::server::state::AppState;

/// Paths anyone may fetch: the login page and form, health, and static files.
pub fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/login" | "/healthz" | "/readyz" | "/favicon.svg" | "/chart.js" | "/local-time.js"
    ) || path.starts_with("/pkg/")
        || path.starts_with("/vendor/")
}

/// What someone who signed in with a one-time password may reach before choosing their own:
/// the account page with its password form, and sign-out.
fn allowed_before_first_change(path: &str) -> bool {
    is_public(path)
        || matches!(
            path,
            "/account" | "/logout" | "/api/me" | "/api/change_password" | "/api/tokens"
        )
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The client address the gate found for a request (see [`super::proxies`]).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

/// The client address for the sign-in delays and the audit trail, as the gate found it
/// (believing `X-Forwarded-For` only from trusted proxies); "unknown" on a request that did
/// not pass the gate. The gate is the one place that works the address out.
pub fn address(req: &Request<Body>) -> String {
    req.extensions()
        .get::<ClientAddress>()
        .map_or_else(|| "unknown".into(), |found| found.0.clone())
}

fn client_of(req: &Request<Body>, trusted: &TrustedProxies) -> String {
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    client_address(peer, forwarded, trusted)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The middleware.
pub async fn gate(State(state): State<AppState>, mut req: Request<Body>, next: Next) -> Response {
    let now = chrono::Utc::now();
    let headers = req.headers();
    let (user, by_cookie) = if let Some(token) = bearer(headers) {
        (
            state
                .store()
                .token_user(&digest(token), now)
                .await
                .ok()
                .flatten(),
            false,
        )
    } else if let Some(sid) = cookie(headers, COOKIE) {
        let idle = chrono::Duration::seconds(IDLE_SECS);
        (
            state
                .store()
                .session_user(&digest(&sid), now, idle)
                .await
                .ok()
                .flatten(),
            true,
        )
    } else {
        (None, false)
    };
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let path = req.uri().path().to_string();
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let site = Site::of(
        req.headers(),
        peer,
        state.sign_in.proxies(),
        state.sign_in.public_url(),
    );
    // A cookie-authenticated write must come from this site, and so must a sign-in: a
    // foreign page that signs a browser in to the attacker's account (login CSRF) would
    // have the victim type into it.
    if writes && (by_cookie || path == "/login") && !site.sent_from_here(req.headers()) {
        return (StatusCode::FORBIDDEN, "cross-site request refused\n").into_response();
    }
    if user.is_none() && !is_public(&path) {
        let wants_page = req.method() == Method::GET
            && req
                .headers()
                .get(header::ACCEPT)
                .and_then(|a| a.to_str().ok())
                .is_some_and(|a| a.contains("text/html"));
        if wants_page {
            let next = urlencode(&req.uri().to_string());
            return Redirect::to(&format!("/login?next={next}")).into_response();
        }
        return (StatusCode::UNAUTHORIZED, "sign in first\n").into_response();
    }
    if let Some(u) = user {
        if u.must_change_password && !allowed_before_first_change(&path) {
            if req.method() == Method::GET {
                return Redirect::to("/account").into_response();
            }
            return (
                StatusCode::FORBIDDEN,
                "choose your own password first: you signed in with a one-time password; open /account\n",
            )
                .into_response();
        }
        req.extensions_mut().insert::<CurrentUser>(u);
    }
    let client = client_of(&req, state.sign_in.proxies());
    req.extensions_mut().insert(ClientAddress(client.clone()));
    req.extensions_mut().insert(site.clone());
    let mut res = crate::server::store::audit::with_client_address(client, next.run(req)).await;
    caching_and_transport(&path, &site, res.headers_mut());
    res
}

/// Static files (the bundle, vendored scripts, the icon) are the same for everyone and may
/// be cached; everything else (pages, server functions, exports, the live stream) may carry
/// what only a signed-in user should see, so no browser or proxy keeps a copy. Over HTTPS the
/// browser is told to use nothing else for a year (HSTS).
fn caching_and_transport(path: &str, site: &Site, headers: &mut HeaderMap) {
    let is_static = path.starts_with("/pkg/")
        || path.starts_with("/vendor/")
        || matches!(path, "/favicon.svg" | "/chart.js" | "/local-time.js");
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if site.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
}

/// Where the gate found this site to be (`Site::of`): the scheme for the cookie's `Secure`.
pub fn site(req: &Request<Body>) -> Option<&Site> {
    req.extensions().get::<Site>()
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_public_paths() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; ebb_session=abc; b=2".parse().expect("header"),
        );
        assert_eq!(cookie(&h, "ebb_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "nope"), None);
        assert!(
            is_public("/pkg/ebb.wasm")
                && is_public("/local-time.js")
                && is_public("/login")
                && !is_public("/api/workloads")
        );
        assert_eq!(urlencode("/history?x=1&y"), "/history%3Fx%3D1%26y");
    }
}
