-- API tokens expire: each gets an expiry chosen when it is created (90 days by default).
-- Tokens made before this had none; they now expire 90 days from this migration, which gives
-- their owners time to replace them. Stored in the store's time format (see store/time.rs).
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+90 days')
    WHERE expires_at IS NULL;

-- A password someone else chose (the one-time password printed by `ebb user add`, the admin
-- page or first start) must be replaced at the first sign-in before anything else works.
-- Accounts made before this keep working as they are.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
    CHECK (must_change_password IN (0, 1));
