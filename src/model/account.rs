//! Accounts and API tokens as the Account and Admin pages show them.

use serde::{Deserialize, Serialize};

/// An API token (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used: Option<String>,
    pub revoked_at: Option<String>,
    /// When it stops working (tokens made before expiry existed: 90 days after the upgrade).
    pub expires_at: Option<String>,
    /// Past `expires_at` when the list was read (by the server's clock).
    #[serde(default)]
    pub expired: bool,
}

/// Lifetimes a new API token may be given, in days; the first is the default.
pub const TOKEN_DAYS: &[u32] = &[90, 7, 30, 180, 365];

/// An account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: String,
}
