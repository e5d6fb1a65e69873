//! Policies as immutable versions with a current pointer. Every save that changes the policy
//! writes a new version and its audit entry in one transaction; a save of the current body
//! writes nothing; a rollback is a save of an old body.

mod read;

pub use read::StoredVersion;

use chrono::{DateTime, Utc};
use ebb_engine::Policy;
use sqlx::Connection;

use super::audit::{append, NewAudit};
use super::time::ts;
use super::{Store, StoreError};

/// Who saves, and why.
pub struct Authorship<'a> {
    pub author: &'a str,
    pub comment: &'a str,
    pub at: DateTime<Utc>,
}

/// What a save of a new version did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// The new version's number.
    Version(i64),
    /// The body is the current version's: nothing was written (no version, no audit entry).
    Unchanged { current: i64 },
    /// The policy moved on since the edit started (its current version now).
    Stale { current: i64 },
    /// There is no such policy (or version, for a rollback).
    Missing,
}

/// A stored policy version.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyVersion {
    pub policy_id: i64,
    pub version: i64,
    pub body: Policy,
}

fn to_json(policy: &Policy) -> Result<String, StoreError> {
    serde_json::to_string(policy).map_err(|e| StoreError::Corrupt(format!("policy JSON: {e}")))
}

impl Store {
    /// Creates a policy named `name` whose version 1 is `body`; returns its id.
    pub async fn create_policy(
        &self,
        name: &str,
        body: &Policy,
        who: Authorship<'_>,
    ) -> Result<i64, StoreError> {
        let json = to_json(body)?;
        let mut conn = self.pool().acquire().await?;
        let mut tx = conn.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO policies (name, current_version, created_at) VALUES ($1, 1, $2) RETURNING id",
        )
        .bind(name)
        .bind(ts(who.at))
        .fetch_one(&mut *tx)
        .await?;
        insert_version(&mut tx, id, 1, &json, &who).await?;
        let entry = NewAudit {
            actor: who.author,
            action: "policy.create",
            target_kind: "policy",
            target_id: format!("{name} v1"),
            before: None,
            after: Some(json),
            comment: who.comment,
        };
        append(&mut tx, who.at, entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The current version of policy `id`.
    pub async fn current_policy(&self, id: i64) -> Result<Option<PolicyVersion>, StoreError> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT v.version, v.body FROM policies p
             JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.current_version
             WHERE p.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|(version, body)| {
            let body = serde_json::from_str(&body)
                .map_err(|e| StoreError::Corrupt(format!("policy {id} v{version}: {e}")))?;
            Ok(PolicyVersion {
                policy_id: id,
                version,
                body,
            })
        })
        .transpose()
    }
}

impl Store {
    /// Saves `body` as the next version of policy `id` with its audit entry (`policy.update`),
    /// unless the current version is no longer `expected` (when given).
    pub async fn save_policy_version(
        &self,
        id: i64,
        body: &Policy,
        who: Authorship<'_>,
        expected: Option<i64>,
    ) -> Result<Saved, StoreError> {
        self.write_version(id, body, who, expected, "policy.update")
            .await
    }

    /// Saves the body of version `version` as the next version of policy `id`, with the comment
    /// `rollback to v{version}: {reason}` and a `policy.rollback` audit entry.
    pub async fn rollback_policy(
        &self,
        id: i64,
        version: i64,
        reason: &str,
        author: &str,
        at: DateTime<Utc>,
    ) -> Result<Saved, StoreError> {
        let Some(old) = self.policy_version(id, version).await? else {
            return Ok(Saved::Missing);
        };
        let comment = format!("rollback to v{version}: {}", reason.trim());
        let who = Authorship {
            author,
            comment: &comment,
            at,
        };
        self.write_version(id, &old.body, who, None, "policy.rollback")
            .await
    }

    async fn write_version(
        &self,
        id: i64,
        body: &Policy,
        who: Authorship<'_>,
        expected: Option<i64>,
        action: &str,
    ) -> Result<Saved, StoreError> {
        let json = to_json(body)?;
        let mut conn = self.pool().acquire().await?;
        // IMMEDIATE: take the write lock before reading the current version, so two saves
        // cannot both build on the same one.
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let row: Option<(String, i64, String)> = sqlx::query_as(
            "SELECT p.name, p.current_version, v.body FROM policies p
             JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.current_version
             WHERE p.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((name, current, before)) = row else {
            return Ok(Saved::Missing);
        };
        if expected.is_some_and(|e| e != current) {
            return Ok(Saved::Stale { current });
        }
        if same_policy(&before, body) {
            return Ok(Saved::Unchanged { current });
        }
        let next = current + 1;
        insert_version(&mut tx, id, next, &json, &who).await?;
        sqlx::query("UPDATE policies SET current_version = $1 WHERE id = $2")
            .bind(next)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let entry = NewAudit {
            actor: who.author,
            action,
            target_kind: "policy",
            target_id: format!("{name} v{next}"),
            before: Some(before),
            after: Some(json),
            comment: who.comment,
        };
        append(&mut tx, who.at, entry).await?;
        tx.commit().await?;
        Ok(Saved::Version(next))
    }
}

/// True when the stored JSON `before` holds the same policy as `body` (compared as policies,
/// so a difference in how an older version was written does not count as a change).
fn same_policy(before: &str, body: &Policy) -> bool {
    serde_json::from_str::<Policy>(before).is_ok_and(|old| old == *body)
}

async fn insert_version(
    conn: &mut sqlx::SqliteConnection,
    policy_id: i64,
    version: i64,
    json: &str,
    who: &Authorship<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO policy_versions (policy_id, version, body, author, comment, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(policy_id)
    .bind(version)
    .bind(json)
    .bind(who.author)
    .bind(who.comment)
    .bind(ts(who.at))
    .execute(conn)
    .await?;
    Ok(())
}
