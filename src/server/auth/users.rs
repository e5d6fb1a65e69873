//! Creating users from the command line and on first start: a generated one-time password is
//! printed once, never a default password, and replaced by the user's own at first sign-in.

use crate::model::auth::Role;
use crate::server::auth::secrets::{hash_password, one_time_password};
use crate::server::store::{Store, StoreError};

/// Creates `username` with `role` and a fresh one-time password, which is returned to be shown
/// once.
pub async fn add_user(
    store: &Store,
    username: &str,
    role: Role,
    actor: &str,
) -> Result<String, StoreError> {
    let password = one_time_password();
    let hash = hash_password(&password).map_err(StoreError::Corrupt)?;
    store
        .create_user(username, role, &hash, true, actor, chrono::Utc::now())
        .await?;
    Ok(password)
}

/// On the first start (no users at all) creates `admin` and prints its one-time password.
pub async fn ensure_first_admin(store: &Store) -> Result<(), StoreError> {
    if store.user_count().await? > 0 {
        return Ok(());
    }
    let password = add_user(store, "admin", Role::Admin, "ebb (first start)").await?;
    println!(
        "ebb: created user 'admin' with the one-time password {password}\n\
         ebb: it is shown only now; sign in and change it under Account."
    );
    Ok(())
}
