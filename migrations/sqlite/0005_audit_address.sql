-- The client address of every audited change (empty for changes made by ebb itself or from
-- the command line). Adding a column keeps the append-only triggers in place.
ALTER TABLE audit_log ADD COLUMN address TEXT NOT NULL DEFAULT '';
