//! Health summary of the ebb installation itself, shown on the overview.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the server reports about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemStatus {
    /// ebb version (crate version).
    pub version: String,
    /// The git commit it was built from ("unknown" outside a checkout).
    #[serde(default)]
    pub commit: String,
    /// When this server process started.
    pub started_at: DateTime<Utc>,
    /// When this database was created.
    pub database_created_at: Option<String>,
    /// Highest applied schema migration.
    pub schema_version: i64,
    /// Server time when the status was taken.
    pub now: DateTime<Utc>,
}
