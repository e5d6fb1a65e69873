//! Sign-in and sign-out over plain form posts (they work without JavaScript): `POST /login`
//! waits out the delays of earlier failures (`throttle`), checks the password at the same
//! cost whether the name exists or not, answers with one generic error, starts a session
//! and sets the cookie; `POST /logout` ends this session or, with `everywhere`, every
//! session of the user.

use axum::body::Body;
use axum::extract::{Form, State};
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::gate::{address, cookie, site, urlencode};
use super::secrets::{digest, random_hex};
use super::{ABSOLUTE_SECS, COOKIE};
use crate::model::auth::CurrentUser;
use crate::server::state::AppState;

/// The login form.
#[derive(Debug, serde::Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

/// Only local paths are followed after sign-in. Browsers read a backslash as a slash and drop
/// tabs and line breaks, so `/\evil.example` or `/<TAB>/evil.example` would leave the site:
/// a path with either, or any other control character or space, is not followed.
pub fn safe_next(next: &str) -> &str {
    let plain = !next
        .chars()
        .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    if plain && next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/login") {
        next
    } else {
        "/"
    }
}

fn back_to_login(error: &str, next: &str) -> Response {
    Redirect::to(&format!("/login?error={error}&next={}", urlencode(next))).into_response()
}

/// Refused by a delay: the same answer for every name, saying when to try again.
fn wait_and_retry(wait: chrono::Duration, next: &str) -> Response {
    let secs = (wait.num_milliseconds() + 999) / 1000;
    Redirect::to(&format!(
        "/login?error=wait&retry={secs}&next={}",
        urlencode(next)
    ))
    .into_response()
}

/// `POST /login`.
pub async fn login(State(state): State<AppState>, req: Request<Body>) -> Response {
    let addr = address(&req);
    let secure = site(&req).is_some_and(|s| s.https);
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
    let user = match attempt(&state, &username, &form.password, &addr).await {
        Ok(Attempt::Refused(wait)) => return wait_and_retry(wait, &next),
        Ok(Attempt::Failed) => return back_to_login("failed", &next),
        Ok(Attempt::SignedIn(user)) => user,
        Err(e) => return internal(e),
    };
    let sid = random_hex(32);
    let absolute = chrono::Duration::seconds(ABSOLUTE_SECS);
    let now = state.sign_in.now();
    if let Err(e) = state
        .store()
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

/// How one sign-in attempt ended.
enum Attempt {
    /// A delay runs: nothing was checked or recorded.
    Refused(chrono::Duration),
    /// Unknown name, disabled account or wrong password (recorded).
    Failed,
    SignedIn(CurrentUser),
}

/// Checks `password` for `username` once the delays of earlier failures allow it, taking
/// turns with other attempts for this name or from this address, and records the result.
async fn attempt(
    state: &AppState,
    username: &str,
    password: &str,
    addr: &str,
) -> Result<Attempt, crate::server::store::StoreError> {
    let sign_in = &state.sign_in;
    let store = state.store();
    let _turns = sign_in.turns(username, addr).await;
    let now = sign_in.now();
    let delays = sign_in.delays();
    let history = store
        .sign_in_history(username, addr, now - delays.window, now - delays.known_for)
        .await?;
    if let Some(wait) = delays.wait(&history, now) {
        tracing::debug!("sign-in as {username:?} from {addr} refused for {wait}");
        return Ok(Attempt::Refused(wait));
    }
    let (user, hash) = match store.user_for_login(username).await? {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let matches = sign_in.verify(password, hash).await;
    let user = user.filter(|_| matches);
    store
        .record_login(username, addr, user.is_some(), now)
        .await?;
    Ok(user.map_or(Attempt::Failed, Attempt::SignedIn))
}

/// The logout form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    pub everywhere: Option<String>,
}

/// `POST /logout`. Signing out never depends on the body: a post without one (or with one
/// that is not a form) ends this session like the button does.
pub async fn logout(State(state): State<AppState>, req: Request<Body>) -> Response {
    let secure = site(&req).is_some_and(|s| s.https);
    let headers = req.headers().clone();
    let form = Form::<LogoutForm>::from_request(req, &())
        .await
        .map(|Form(f)| f)
        .unwrap_or_default();
    if let Some(sid) = cookie(&headers, COOKIE) {
        let sid = digest(&sid);
        if let Err(e) = state
            .store()
            .end_session(&sid, form.everywhere.is_some())
            .await
        {
            return internal(e);
        }
    }
    let mut res = Redirect::to("/login?error=signed_out").into_response();
    set_cookie(&mut res, &format!("{COOKIE}=; Max-Age=0"), secure);
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
        for evil in [
            "/\\evil.example",
            "/\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /x",
        ] {
            assert_eq!(safe_next(evil), "/", "{evil:?}");
        }
    }
}
