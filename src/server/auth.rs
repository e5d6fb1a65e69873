//! Accounts and access: argon2id passwords, database sessions behind an HttpOnly SameSite
//! cookie, API tokens (`Authorization: Bearer`), the request gate that puts the signed-in user
//! on every request, refuses cross-site writes (CSRF) and sends strangers to the login page,
//! and the role checks server functions call. Failed sign-ins slow further ones down
//! (`throttle`), never lock anyone out.

pub mod gate;
pub mod login;
pub mod origin;
pub mod proxies;
pub mod secrets;
pub mod sign_in;
pub mod throttle;
pub mod turns;
pub mod users;

/// Name of the session cookie.
pub const COOKIE: &str = "ebb_session";
/// A session ends after this long without a request.
pub const IDLE_SECS: i64 = 8 * 3600;
/// A session ends this long after sign-in, whatever happens.
pub const ABSOLUTE_SECS: i64 = 7 * 86400;
