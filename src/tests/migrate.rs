//! Migrations: all-or-nothing, refuse edited or unknown history, clear errors.

use std::fs;

use ebb::server::config::DatabaseUrl;
use ebb::server::store::{migrate, MigrateError, Store};
use sqlx::migrate::Migrator;

async fn store_in(dir: &tempfile::TempDir) -> Store {
    let url = DatabaseUrl::SqliteFile(dir.path().join("m.db"));
    Store::connect(&url).await.expect("connect")
}

async fn migrator(dir: &std::path::Path, files: &[(&str, &str)]) -> Migrator {
    fs::create_dir_all(dir).expect("dir");
    for (name, sql) in files {
        fs::write(dir.join(name), sql).expect("write migration");
    }
    Migrator::new(dir).await.expect("migrator")
}

async fn tables(store: &Store) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        .fetch_all(store.pool())
        .await
        .expect("tables")
}

#[tokio::test]
async fn a_failing_migration_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = store_in(&dir).await;
    let good = migrator(
        &dir.path().join("a"),
        &[("1_one.sql", "CREATE TABLE one (x INTEGER);")],
    )
    .await;
    assert_eq!(migrate(store.pool(), &good).await.expect("first"), 1);
    let before = tables(&store).await;

    let bad = migrator(
        &dir.path().join("b"),
        &[
            ("1_one.sql", "CREATE TABLE one (x INTEGER);"),
            ("2_two.sql", "CREATE TABLE two (y INTEGER);"),
            (
                "3_three.sql",
                "CREATE TABLE three (z INTEGER); THIS IS NOT SQL;",
            ),
        ],
    )
    .await;
    let err = migrate(store.pool(), &bad).await.expect_err("must fail");
    assert!(
        matches!(err, MigrateError::Failed { version: 3, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("database left unchanged"), "{err}");
    assert_eq!(
        tables(&store).await,
        before,
        "migration 2 must have been rolled back too"
    );
}

#[tokio::test]
async fn an_edited_or_unknown_migration_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = store_in(&dir).await;
    let v1 = migrator(
        &dir.path().join("a"),
        &[("1_one.sql", "CREATE TABLE one (x INTEGER);")],
    )
    .await;
    migrate(store.pool(), &v1).await.expect("apply");
    let edited = migrator(
        &dir.path().join("b"),
        &[("1_one.sql", "CREATE TABLE one (x TEXT);")],
    )
    .await;
    let err = migrate(store.pool(), &edited).await.expect_err("edited");
    assert!(
        matches!(err, MigrateError::Modified { version: 1 }),
        "{err}"
    );
    let none = migrator(&dir.path().join("c"), &[]).await;
    let err = migrate(store.pool(), &none).await.expect_err("unknown");
    assert!(matches!(err, MigrateError::Unknown { version: 1 }), "{err}");
}

#[tokio::test]
async fn the_real_schema_applies_once_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("tmp");
    let url = DatabaseUrl::SqliteFile(dir.path().join("real.db"));
    let store = Store::open(&url).await.expect("open");
    store.close().await;
    let again = Store::open(&url).await.expect("reopen applies nothing");
    assert!(again.ping().await);
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(again.pool())
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
}
