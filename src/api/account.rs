//! The signed-in user's own account (password, API tokens) and, for admins, everyone's.

use leptos::prelude::*;

use crate::model::auth::CurrentUser;
use crate::model::ApiError;

#[cfg(feature = "ssr")]
use crate::model::auth::Role;

/// An API token as listed (the token itself is shown only once, when created).
pub use crate::model::account::{TokenInfo, UserInfo};

/// Who is signed in (`None` on the login page).
#[server(endpoint = "me")]
pub async fn whoami() -> Result<Option<CurrentUser>, ApiError> {
    // Not `require`: the login page asks this too, and must not turn into a 401.
    Ok(crate::api::signed_in())
}

/// Changes the signed-in user's password; other sessions end.
#[server(endpoint = "change_password")]
pub async fn change_password(current: String, new: String, repeat: String) -> Result<(), ApiError> {
    use crate::server::auth::secrets::{digest, hash_password, verify_password};
    let me = crate::api::require(Role::Viewer)?;
    let mut errs = Vec::new();
    if new.chars().count() < 12 || new.len() > 1024 {
        errs.push(crate::model::error::FieldError {
            path: "new".into(),
            message: "use 12 to 1024 characters".into(),
        });
    }
    if new != repeat {
        errs.push(crate::model::error::FieldError {
            path: "repeat".into(),
            message: "the two new passwords differ".into(),
        });
    }
    let store = crate::api::state()?.store().clone();
    let hash = store
        .user_for_login(&me.username)
        .await?
        .map(|(_, h)| h)
        .unwrap_or_default();
    if !verify_password(&current, &hash) {
        errs.push(crate::model::error::FieldError {
            path: "current".into(),
            message: "that is not your current password".into(),
        });
    }
    if !errs.is_empty() {
        return Err(ApiError::Invalid(errs));
    }
    let new_hash = hash_password(&new).map_err(ApiError::Internal)?;
    let sid = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|p| crate::server::auth::gate::cookie(&p.headers, crate::server::auth::COOKIE))
        .map(|s| digest(&s));
    store
        .set_password(
            me.id,
            &new_hash,
            sid.as_deref(),
            &me.username,
            chrono::Utc::now(),
        )
        .await?;
    Ok(())
}

/// The signed-in user's API tokens.
#[server(endpoint = "tokens")]
pub async fn list_tokens() -> Result<Vec<TokenInfo>, ApiError> {
    let me = crate::api::require(Role::Viewer)?;
    let rows = crate::api::state()?.store().tokens(me.id).await?;
    let now = crate::server::store::time::ts(chrono::Utc::now());
    Ok(rows
        .into_iter()
        .map(|t| TokenInfo {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used: t.last_used,
            revoked_at: t.revoked_at,
            expired: t.expires_at.as_deref().is_some_and(|e| e <= now.as_str()),
            expires_at: t.expires_at,
        })
        .collect())
}

/// Creates an API token with the signed-in user's role, valid for `days` (one of
/// [`crate::model::account::TOKEN_DAYS`]; 90 when not given); returns it (shown once).
#[server(endpoint = "create_token")]
pub async fn create_token(name: String, days: Option<String>) -> Result<String, ApiError> {
    use crate::model::account::TOKEN_DAYS;
    let me = crate::api::require(Role::Viewer)?;
    let name = name.trim();
    crate::model::names::token(name).map_err(|m| ApiError::invalid("name", m))?;
    let days = match days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => TOKEN_DAYS[0],
        Some(d) => d
            .parse()
            .ok()
            .filter(|n| TOKEN_DAYS.contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    "days",
                    format!("a token lives 7, 30, 90, 180 or 365 days, not '{d}'"),
                )
            })?,
    };
    let token = format!("ebb_{}", crate::server::auth::secrets::random_hex(24));
    let digest = crate::server::auth::secrets::digest(&token);
    let now = chrono::Utc::now();
    crate::api::state()?
        .store()
        .create_token(
            &me,
            name,
            &digest,
            now,
            now + chrono::Duration::days(days.into()),
        )
        .await?;
    Ok(token)
}

/// Revokes one of the signed-in user's tokens.
#[server(endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), ApiError> {
    let me = crate::api::require(Role::Viewer)?;
    if !crate::api::state()?
        .store()
        .revoke_token(&me, id, chrono::Utc::now())
        .await?
    {
        return Err(ApiError::NotFound(format!("you have no live token {id}")));
    }
    Ok(())
}

/// Every account (admins only).
#[server(endpoint = "users")]
pub async fn list_users() -> Result<Vec<UserInfo>, ApiError> {
    crate::api::require(Role::Admin)?;
    let rows = crate::api::state()?.store().users().await?;
    Ok(rows
        .into_iter()
        .map(|u| UserInfo {
            id: u.id,
            username: u.username,
            role: u.role,
            disabled: u.disabled,
            created_at: u.created_at,
        })
        .collect())
}

/// Creates an account (admins only); returns its one-time password, shown once.
#[server(endpoint = "add_user")]
pub async fn add_user(username: String, role: String) -> Result<String, ApiError> {
    let me = crate::api::require(Role::Admin)?;
    let name = username.trim();
    crate::model::names::user(name).map_err(|m| ApiError::invalid("username", m))?;
    let role = Role::parse(&role)
        .ok_or_else(|| ApiError::invalid("role", "choose viewer, operator, editor or admin"))?;
    let store = crate::api::state()?.store().clone();
    if store.user_for_login(name).await?.is_some()
        || store
            .users()
            .await?
            .iter()
            .any(|u| u.username.eq_ignore_ascii_case(name))
    {
        return Err(ApiError::invalid("username", "that name is taken"));
    }
    Ok(crate::server::auth::users::add_user(&store, name, role, &me.username).await?)
}

/// Changes an account's role or disables it (admins only; not their own).
#[server(endpoint = "update_user")]
pub async fn update_user(id: i64, role: String, disabled: Option<String>) -> Result<(), ApiError> {
    let me = crate::api::require(Role::Admin)?;
    if id == me.id {
        return Err(ApiError::invalid(
            "role",
            "you cannot change your own role or disable yourself",
        ));
    }
    let role = Role::parse(&role)
        .ok_or_else(|| ApiError::invalid("role", "choose viewer, operator, editor or admin"))?;
    let done = crate::api::state()?
        .store()
        .update_user(
            id,
            role,
            disabled.is_some(),
            &me.username,
            chrono::Utc::now(),
        )
        .await?;
    if !done {
        return Err(ApiError::NotFound(format!("there is no user {id}")));
    }
    Ok(())
}
