//! Users, sessions, API tokens and login attempts. Secrets arrive hashed (see
//! `server::auth::secrets`); nothing here ever sees a password or a raw token.

use chrono::{DateTime, Duration, Utc};

use super::audit::{append, NewAudit};
use super::time::{parse, ts};
use super::{Store, StoreError};
use crate::model::auth::{CurrentUser, Role};

/// A user as the admin page lists it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: String,
}

fn user_of(id: i64, username: String, role: &str, must_change: bool) -> Option<CurrentUser> {
    Some(CurrentUser {
        id,
        username,
        role: Role::parse(role)?,
        must_change_password: must_change,
    })
}

/// The audit actor of a failed sign-in.
pub const ANONYMOUS: &str = "(anonymous)";
/// How much of a failed sign-in's typed name the audit keeps.
pub const ATTEMPTED_NAME_CHARS: usize = 32;

impl Store {
    /// Number of users (first-start check).
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(self.pool())
            .await?)
    }

    /// Creates a user (audited); fails on a taken name. A `one_time` password must be changed
    /// at the first sign-in.
    pub async fn create_user(
        &self,
        username: &str,
        role: Role,
        password_hash: &str,
        one_time: bool,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, role, password_hash, must_change_password, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(username)
        .bind(role.name())
        .bind(password_hash)
        .bind(one_time)
        .bind(ts(now))
        .fetch_one(&mut *tx)
        .await?;
        let after = serde_json::json!({ "username": username, "role": role.name() }).to_string();
        let entry = NewAudit {
            actor,
            action: "user.create",
            target_kind: "user",
            target_id: username.to_string(),
            before: None,
            after: Some(after),
            comment: "",
        };
        append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, username, role, disabled, created_at FROM users ORDER BY username",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Changes a user's role or disabled flag (audited); disabling ends their sessions.
    pub async fn update_user(
        &self,
        id: i64,
        role: Role,
        disabled: bool,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let before: Option<(String, String, bool)> =
            sqlx::query_as("SELECT username, role, disabled FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((username, old_role, old_disabled)) = before else {
            return Ok(false);
        };
        sqlx::query("UPDATE users SET role = $1, disabled = $2 WHERE id = $3")
            .bind(role.name())
            .bind(disabled)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let entry = NewAudit {
            actor,
            action: "user.update",
            target_kind: "user",
            target_id: username,
            before: Some(
                serde_json::json!({ "role": old_role, "disabled": old_disabled }).to_string(),
            ),
            after: Some(
                serde_json::json!({ "role": role.name(), "disabled": disabled }).to_string(),
            ),
            comment: "",
        };
        append(&mut tx, now, entry).await?;
        tx.commit().await?;
        self.access_changed();
        Ok(true)
    }

    /// Sets a new password hash (audited without the hash) and ends the user's other sessions.
    pub async fn set_password(
        &self,
        id: i64,
        hash: &str,
        keep_session: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        let name: String = sqlx::query_scalar(
            "UPDATE users SET password_hash = $1, must_change_password = 0 WHERE id = $2 RETURNING username",
        )
        .bind(hash)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> COALESCE($2, '')")
            .bind(id)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        let entry = NewAudit {
            actor,
            action: "user.password",
            target_kind: "user",
            target_id: name,
            before: None,
            after: None,
            comment: "password changed; other sessions ended",
        };
        append(&mut tx, now, entry).await?;
        tx.commit().await?;
        self.access_changed();
        Ok(())
    }

    /// The enabled user `username` with their password hash.
    pub async fn user_for_login(
        &self,
        username: &str,
    ) -> Result<Option<(CurrentUser, String)>, StoreError> {
        let row: Option<(i64, String, String, bool, String)> = sqlx::query_as(
            "SELECT id, username, role, must_change_password, password_hash FROM users
             WHERE username = $1 AND disabled = 0",
        )
        .bind(username)
        .fetch_optional(self.pool())
        .await?;
        Ok(row
            .and_then(|(id, name, role, must, hash)| Some((user_of(id, name, &role, must)?, hash))))
    }

    /// Records a sign-in attempt (and, in the audit log, who tried from where).
    pub async fn record_login(
        &self,
        username: &str,
        address: &str,
        success: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO login_attempts (at, username, address, success) VALUES ($1, $2, $3, $4)",
        )
        .bind(ts(now))
        .bind(username)
        .bind(address)
        .bind(success)
        .execute(&mut *tx)
        .await?;
        // A failed attempt was made by nobody we know: the typed name is what they tried, not
        // who they are, so it goes in the comment (shortened), never in the actor column.
        let (action, who, comment) = if success {
            ("login.success", username.to_string(), String::new())
        } else {
            let tried: String = username.chars().take(ATTEMPTED_NAME_CHARS).collect();
            let more = if username.chars().count() > ATTEMPTED_NAME_CHARS {
                "…"
            } else {
                ""
            };
            (
                "login.failure",
                ANONYMOUS.to_string(),
                format!("unknown user or wrong password; name tried: {tried:?}{more}"),
            )
        };
        let entry = NewAudit {
            actor: &who,
            action,
            target_kind: "address",
            target_id: address.to_string(),
            before: None,
            after: None,
            comment: &comment,
        };
        append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts a session stored under `id_hash`.
    pub async fn create_session(
        &self,
        id_hash: &str,
        user: i64,
        address: &str,
        now: DateTime<Utc>,
        absolute: Duration,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (id_hash, user_id, created_at, last_seen, expires_at, address) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id_hash)
            .bind(user)
            .bind(ts(now))
            .bind(ts(now))
            .bind(ts(now + absolute))
            .bind(address)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The user of a live session (touching it), or `None` when unknown, idle too long or
    /// past its absolute expiry (then it is deleted).
    pub async fn session_user(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
        idle: Duration,
    ) -> Result<Option<CurrentUser>, StoreError> {
        let row: Option<(i64, String, String, bool, String, String)> = sqlx::query_as(
            "SELECT u.id, u.username, u.role, u.must_change_password, s.last_seen, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = $1 AND u.disabled = 0",
        )
        .bind(id_hash)
        .fetch_optional(self.pool())
        .await?;
        let Some((id, name, role, must, last_seen, expires)) = row else {
            return Ok(None);
        };
        let alive = parse(&last_seen).is_some_and(|t| now - t < idle)
            && parse(&expires).is_some_and(|t| now < t);
        if !alive {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(self.pool())
                .await?;
            return Ok(None);
        }
        if parse(&last_seen).is_some_and(|t| now - t > Duration::seconds(60)) {
            sqlx::query("UPDATE sessions SET last_seen = $1 WHERE id_hash = $2")
                .bind(ts(now))
                .bind(id_hash)
                .execute(self.pool())
                .await?;
        }
        Ok(user_of(id, name, &role, must))
    }

    /// True while session `id_hash` signs someone in, without counting this as activity (an
    /// open live stream must not keep an idle session alive).
    pub async fn session_valid(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
        idle: Duration,
    ) -> Result<bool, StoreError> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT s.last_seen, s.expires_at FROM sessions s
             JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND u.disabled = 0",
        )
        .bind(id_hash)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some_and(|(last_seen, expires)| {
            parse(&last_seen).is_some_and(|t| now - t < idle)
                && parse(&expires).is_some_and(|t| now < t)
        }))
    }

    /// Ends one session, or every session of its user when `everywhere`.
    pub async fn end_session(&self, id_hash: &str, everywhere: bool) -> Result<(), StoreError> {
        let sql = if everywhere {
            "DELETE FROM sessions WHERE user_id = (SELECT user_id FROM sessions WHERE id_hash = $1)"
        } else {
            "DELETE FROM sessions WHERE id_hash = $1"
        };
        sqlx::query(sql).bind(id_hash).execute(self.pool()).await?;
        self.access_changed();
        Ok(())
    }
}

/// An API token as its owner sees it (never the token itself).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used: Option<String>,
    pub revoked_at: Option<String>,
    pub expires_at: Option<String>,
}

impl Store {
    /// Stores a token digest for `user`, valid until `expires` (audited, without the token);
    /// returns its id.
    pub async fn create_token(
        &self,
        user: &CurrentUser,
        name: &str,
        token_hash: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user.id)
        .bind(name)
        .bind(token_hash)
        .bind(ts(now))
        .bind(ts(expires))
        .fetch_one(&mut *tx)
        .await?;
        let entry = NewAudit {
            actor: &user.username,
            action: "token.create",
            target_kind: "token",
            target_id: format!("{id} {name}"),
            before: None,
            after: Some(serde_json::json!({ "expires_at": ts(expires) }).to_string()),
            comment: "",
        };
        append(&mut tx, now, entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Tokens of `user_id`, newest first.
    pub async fn tokens(&self, user_id: i64) -> Result<Vec<TokenRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, name, created_at, last_used, revoked_at, expires_at FROM api_tokens
             WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Revokes token `id` of `user` (audited); false when it was not theirs or already revoked.
    pub async fn revoke_token(
        &self,
        user: &CurrentUser,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(ts(now))
            .bind(id)
            .bind(user.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        let entry = NewAudit {
            actor: &user.username,
            action: "token.revoke",
            target_kind: "token",
            target_id: id.to_string(),
            before: None,
            after: None,
            comment: "",
        };
        append(&mut tx, now, entry).await?;
        tx.commit().await?;
        self.access_changed();
        Ok(true)
    }

    /// The user a live token belongs to (recording its use, at most once a minute): not
    /// revoked, not expired, its user not disabled.
    pub async fn token_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<CurrentUser>, StoreError> {
        let row: Option<(i64, String, String, bool, Option<String>)> = sqlx::query_as(
            "SELECT u.id, u.username, u.role, u.must_change_password, t.last_used
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2
               AND u.disabled = 0",
        )
        .bind(token_hash)
        .bind(ts(now))
        .fetch_optional(self.pool())
        .await?;
        let Some((id, name, role, must, last_used)) = row else {
            return Ok(None);
        };
        let stale = last_used
            .as_deref()
            .and_then(parse)
            .is_none_or(|t| now - t > Duration::seconds(60));
        if stale {
            sqlx::query("UPDATE api_tokens SET last_used = $1 WHERE token_hash = $2")
                .bind(ts(now))
                .bind(token_hash)
                .execute(self.pool())
                .await?;
        }
        Ok(user_of(id, name, &role, must))
    }

    /// True while the token signs someone in, without recording a use.
    pub async fn token_valid(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2
               AND u.disabled = 0",
        )
        .bind(token_hash)
        .bind(ts(now))
        .fetch_one(self.pool())
        .await?;
        Ok(n > 0)
    }
}
