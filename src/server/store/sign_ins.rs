//! What the sign-in delays read from the recorded attempts (`login_attempts`): per account,
//! per account and address, per address, and whether this address is one the account signed
//! in from before. Writing attempts is `accounts::record_login`.

use chrono::{DateTime, Utc};

use super::time::{parse, ts};
use super::{Store, StoreError};

/// Counted failures of one key and when the last one happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recent {
    pub failures: i64,
    pub last: Option<DateTime<Utc>>,
}

/// What the store knows about one attempt's keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    pub account: Recent,
    pub pair: Recent,
    pub address: Recent,
    /// This address signed in to this account within the `known_since` asked for.
    pub known_address: bool,
}

/// Which attempts one key counts (`$1` the name, `$2` the address), and whether a success
/// of the same key clears the count.
const KEYS: [(&str, bool); 3] = [
    ("username = $1", true),
    ("username = $1 AND address = $2", true),
    ("address = $2", false),
];

impl Store {
    /// The failures of `username`, of `username` from `address`, and from `address` since
    /// `since` (for the first two only those after the key's last success), and whether
    /// `address` signed in to `username` since `known_since`.
    pub async fn sign_in_history(
        &self,
        username: &str,
        address: &str,
        since: DateTime<Utc>,
        known_since: DateTime<Utc>,
    ) -> Result<History, StoreError> {
        let mut counts = [Recent::default(); 3];
        for (recent, (filter, cleared_by_success)) in counts.iter_mut().zip(KEYS) {
            let after_success = if cleared_by_success {
                format!(
                    " AND at >= COALESCE((SELECT MAX(at) FROM login_attempts \
                     WHERE {filter} AND success = 1), '')"
                )
            } else {
                String::new()
            };
            let sql = format!(
                "SELECT COUNT(*), MAX(at) FROM login_attempts \
                 WHERE {filter} AND success = 0 AND at >= $3{after_success}"
            );
            let (failures, last): (i64, Option<String>) = sqlx::query_as(&sql)
                .bind(username)
                .bind(address)
                .bind(ts(since))
                .fetch_one(self.pool())
                .await?;
            *recent = Recent {
                failures,
                last: last.as_deref().and_then(parse),
            };
        }
        let known_address: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM login_attempts \
             WHERE username = $1 AND address = $2 AND success = 1 AND at >= $3)",
        )
        .bind(username)
        .bind(address)
        .bind(ts(known_since))
        .fetch_one(self.pool())
        .await?;
        let [account, pair, address] = counts;
        Ok(History {
            account,
            pair,
            address,
            known_address,
        })
    }
}
