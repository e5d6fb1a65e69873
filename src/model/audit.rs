//! An entry of the append-only audit trail, as shown on the Audit page.

use serde::{Deserialize, Serialize};

/// Who changed what, when, with the state before and after (JSON text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    /// UTC, ISO-8601.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub comment: String,
    /// Client address of the request that made the change (empty for ebb itself).
    pub address: String,
}
