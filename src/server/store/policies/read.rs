//! Reading policies: the list with the current version's author and the workloads using each,
//! one policy's versions, and one version.

use std::collections::BTreeMap;

use ebb_engine::Policy;

use super::super::{Store, StoreError};
use crate::model::policies::{PolicyRow, WorkloadRef};

/// One stored version with its authorship.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVersion {
    pub version: i64,
    pub author: String,
    pub comment: String,
    pub at: String,
    pub body: Policy,
}

type VersionTuple = (i64, String, String, String, String);

fn version_of(policy_id: i64, row: VersionTuple) -> Result<StoredVersion, StoreError> {
    let (version, author, comment, at, body) = row;
    let body = serde_json::from_str(&body)
        .map_err(|e| StoreError::Corrupt(format!("policy {policy_id} v{version}: {e}")))?;
    Ok(StoredVersion {
        version,
        author,
        comment,
        at,
        body,
    })
}

impl Store {
    /// Every policy by name, with its current version's author and time and its workloads.
    pub async fn policy_rows(&self) -> Result<Vec<PolicyRow>, StoreError> {
        let rows: Vec<(i64, String, i64, String, String)> = sqlx::query_as(
            "SELECT p.id, p.name, p.current_version, v.author, v.created_at FROM policies p
             JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.current_version
             ORDER BY p.name",
        )
        .fetch_all(self.pool())
        .await?;
        let mut users = self.policy_users().await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, name, current_version, author, updated_at)| PolicyRow {
                    id,
                    name,
                    current_version,
                    author,
                    updated_at,
                    workloads: users.remove(&id).unwrap_or_default(),
                },
            )
            .collect())
    }

    /// Workloads by the policy they use.
    async fn policy_users(&self) -> Result<BTreeMap<i64, Vec<WorkloadRef>>, StoreError> {
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT policy_id, id, name FROM workloads WHERE policy_id IS NOT NULL ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        let mut out: BTreeMap<i64, Vec<WorkloadRef>> = BTreeMap::new();
        for (policy, id, name) in rows {
            out.entry(policy)
                .or_default()
                .push(WorkloadRef { id, name });
        }
        Ok(out)
    }

    /// Workloads using policy `id`.
    pub async fn policy_workloads(&self, id: i64) -> Result<Vec<WorkloadRef>, StoreError> {
        Ok(self.policy_users().await?.remove(&id).unwrap_or_default())
    }

    /// Every workload by name (what-if sources).
    pub async fn workload_refs(&self) -> Result<Vec<WorkloadRef>, StoreError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, name FROM workloads ORDER BY name")
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| WorkloadRef { id, name })
            .collect())
    }

    /// Name and current version of policy `id`.
    pub async fn policy_head(&self, id: i64) -> Result<Option<(String, i64)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT name, current_version FROM policies WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Every version of policy `id`, oldest first.
    pub async fn policy_versions(&self, id: i64) -> Result<Vec<StoredVersion>, StoreError> {
        let rows: Vec<VersionTuple> = sqlx::query_as(
            "SELECT version, author, comment, created_at, body FROM policy_versions
             WHERE policy_id = $1 ORDER BY version",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(|r| version_of(id, r)).collect()
    }

    /// Version `version` of policy `id`.
    pub async fn policy_version(
        &self,
        id: i64,
        version: i64,
    ) -> Result<Option<StoredVersion>, StoreError> {
        let row: Option<VersionTuple> = sqlx::query_as(
            "SELECT version, author, comment, created_at, body FROM policy_versions
             WHERE policy_id = $1 AND version = $2",
        )
        .bind(id)
        .bind(version)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| version_of(id, r)).transpose()
    }

    /// The id of the policy named `name`.
    pub async fn policy_id_by_name(&self, name: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM policies WHERE name = $1")
                .bind(name)
                .fetch_optional(self.pool())
                .await?,
        )
    }
}
