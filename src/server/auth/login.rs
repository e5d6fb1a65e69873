//! Sign-in and sign-out over plain form posts (they work without JavaScript): `POST /login`
//! checks the password with rate limits per account and per address and a generic error,
//! starts a session and sets the cookie; `POST /logout` ends this session or, with
//! `everywhere`, every session of the user.

use axum::body::Body;
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::gate::{address, cookie, urlencode};
use super::secrets::{digest, random_hex, verify_password};
use super::{ABSOLUTE_SECS, COOKIE, MAX_FAILS_PER_ACCOUNT, MAX_FAILS_PER_ADDRESS, WINDOW_SECS};
use crate::server::state::AppState;

/// The login form.
#[derive(Debug, serde::Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

/// Only local paths are followed after sign-in.
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/login") {
        next
    } else {
        "/"
    }
}

fn back_to_login(error: &str, next: &str) -> Response {
    Redirect::to(&format!("/login?error={error}&next={}", urlencode(next))).into_response()
}

/// `POST /login`.
pub async fn login(State(state): State<AppState>, req: Request<Body>) -> Response {
    let addr = address(&req);
    let secure = is_https(req.headers());
    let Ok(Form(form)) = Form::<LoginForm>::from_request(req, &()).await else {
        return (
            StatusCode::BAD_REQUEST,
            "send username and password as a form\n",
        )
            .into_response();
    };
    let next = safe_next(&form.next).to_string();
    let username: String = form.username.trim().chars().take(64).collect();
    if form.password.len() > 1024 {
        return back_to_login("failed", &next);
    }
    let store = state.store();
    let now = chrono::Utc::now();
    let since = now - chrono::Duration::seconds(WINDOW_SECS);
    match store.recent_failures(&username, &addr, since).await {
        Ok((user, a)) if user >= MAX_FAILS_PER_ACCOUNT || a >= MAX_FAILS_PER_ADDRESS => {
            return back_to_login("locked", &next);
        }
        Ok(_) => {}
        Err(e) => return internal(e),
    }
    let found = match store.user_for_login(&username).await {
        Ok(found) => found,
        Err(e) => return internal(e),
    };
    let user = found
        .filter(|(_, hash)| verify_password(&form.password, hash))
        .map(|(u, _)| u);
    if let Err(e) = store
        .record_login(&username, &addr, user.is_some(), now)
        .await
    {
        return internal(e);
    }
    let Some(user) = user else {
        return back_to_login("failed", &next);
    };
    let sid = random_hex(32);
    let absolute = chrono::Duration::seconds(ABSOLUTE_SECS);
    if let Err(e) = store
        .create_session(&digest(&sid), user.id, &addr, now, absolute)
        .await
    {
        return internal(e);
    }
    let mut res = Redirect::to(&next).into_response();
    set_cookie(
        &mut res,
        &format!("{COOKIE}={sid}; Max-Age={ABSOLUTE_SECS}"),
        secure,
    );
    res
}

/// The logout form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    pub everywhere: Option<String>,
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    if let Some(sid) = cookie(&headers, COOKIE) {
        if let Err(e) = state
            .store()
            .end_session(&digest(&sid), form.everywhere.is_some())
            .await
        {
            return internal(e);
        }
    }
    let mut res = Redirect::to("/login?error=signed_out").into_response();
    set_cookie(
        &mut res,
        &format!("{COOKIE}=; Max-Age=0"),
        is_https(&headers),
    );
    res
}

fn set_cookie(res: &mut Response, value: &str, secure: bool) {
    let attrs = if secure {
        "; Path=/; HttpOnly; SameSite=Strict; Secure"
    } else {
        "; Path=/; HttpOnly; SameSite=Strict"
    };
    if let Ok(v) = HeaderValue::from_str(&format!("{value}{attrs}")) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Behind a TLS-terminating proxy the cookie gets `Secure`.
fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https")
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("sign-in failed: {e}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "sign-in is unavailable; see the server log\n",
    )
        .into_response()
}

use axum::extract::FromRequest;

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/history?x=1"), "/history?x=1");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/login"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
