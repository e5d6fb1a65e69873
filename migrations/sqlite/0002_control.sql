-- Control-plane data: backends, workloads, versioned policies, decisions, load samples with
-- roll-ups, and the append-only audit log. Times are UTC ISO-8601 text
-- (YYYY-MM-DDTHH:MM:SS.fffZ), which sorts correctly as text.

-- A cluster ebb talks to. `settings` is backend-specific JSON without secrets.
CREATE TABLE backends (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('simulator', 'swarm', 'kubernetes')),
    settings   TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);

-- A scaling policy; its content lives in immutable versions, `current_version` points at one.
CREATE TABLE policies (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    current_version INTEGER NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE TABLE policy_versions (
    policy_id  INTEGER NOT NULL REFERENCES policies (id),
    version    INTEGER NOT NULL CHECK (version >= 1),
    body       TEXT NOT NULL,            -- ebb_engine::Policy as JSON
    author     TEXT NOT NULL,
    comment    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (policy_id, version)
) WITHOUT ROWID;

CREATE TRIGGER policy_versions_immutable BEFORE UPDATE ON policy_versions
BEGIN
    SELECT RAISE(ABORT, 'policy versions are immutable; save a new version instead');
END;

-- A scaled service on a backend. `spec` holds backend-specific workload settings (the
-- simulator's model); `name` is the backend's own identifier.
CREATE TABLE workloads (
    id            INTEGER PRIMARY KEY,
    backend_id    INTEGER NOT NULL REFERENCES backends (id),
    name          TEXT NOT NULL,
    policy_id     INTEGER REFERENCES policies (id),
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    interval_secs INTEGER NOT NULL DEFAULT 15 CHECK (interval_secs BETWEEN 1 AND 3600),
    spec          TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL,
    UNIQUE (backend_id, name)
);

-- The controller's view of each workload, rewritten every evaluation.
CREATE TABLE workload_status (
    workload_id      INTEGER PRIMARY KEY REFERENCES workloads (id),
    observed_at      TEXT,
    current_replicas INTEGER,
    desired_replicas INTEGER,
    ready_replicas   INTEGER,
    failed_instances INTEGER NOT NULL DEFAULT 0,
    load             REAL,                -- the policy's first metric, e.g. cpu utilization %
    target           REAL,
    metrics_ok       INTEGER NOT NULL DEFAULT 1,
    last_error       TEXT,
    error_count      INTEGER NOT NULL DEFAULT 0,
    backoff_until    TEXT,
    last_decision_id INTEGER,
    last_reason      TEXT,
    history          TEXT NOT NULL DEFAULT '{}', -- ebb_engine::History as JSON
    next_action      TEXT,                       -- ebb_engine::NextAction as JSON
    updated_at       TEXT NOT NULL
);

-- Every action, and every evaluation whose reason differs from the previous one.
-- outcome: intent (recorded before acting), applied, failed, superseded (an intent found
-- unfinished after a restart and not applied), none (nothing to do), error (backend error).
CREATE TABLE decisions (
    id               INTEGER PRIMARY KEY,
    workload_id      INTEGER NOT NULL REFERENCES workloads (id),
    at               TEXT NOT NULL,
    policy_id        INTEGER,
    policy_version   INTEGER,
    current_replicas INTEGER NOT NULL,
    desired_replicas INTEGER NOT NULL,
    direction        TEXT NOT NULL CHECK (direction IN ('up', 'down', 'none')),
    reason           TEXT NOT NULL,
    sentence         TEXT NOT NULL,
    outcome          TEXT NOT NULL CHECK (outcome IN ('intent', 'applied', 'failed', 'superseded', 'none', 'error')),
    error            TEXT,
    detail           TEXT NOT NULL DEFAULT '{}'  -- proposals, limits, bounds, next action
);
CREATE INDEX decisions_by_workload ON decisions (workload_id, at);
CREATE INDEX decisions_by_time ON decisions (at);
CREATE INDEX decisions_open_intents ON decisions (workload_id) WHERE outcome = 'intent';

-- One row per workload per evaluation (kept `retention.samples`), rolled up into
-- 1-minute and 15-minute buckets (kept `retention.minute` / `retention.quarter`).
CREATE TABLE load_samples (
    workload_id INTEGER NOT NULL,
    at          TEXT NOT NULL,
    load        REAL,
    demand      REAL,
    unserved    REAL,
    current     INTEGER NOT NULL,
    desired     INTEGER NOT NULL,
    ready       INTEGER NOT NULL,
    PRIMARY KEY (workload_id, at)
) WITHOUT ROWID;

CREATE TABLE load_rollups (
    workload_id  INTEGER NOT NULL,
    resolution   INTEGER NOT NULL,  -- bucket length in seconds: 60 or 900
    bucket       TEXT NOT NULL,     -- bucket start
    samples      INTEGER NOT NULL,
    load_sum     REAL NOT NULL DEFAULT 0,
    load_n       INTEGER NOT NULL DEFAULT 0,
    load_max     REAL,
    demand_sum   REAL NOT NULL DEFAULT 0,
    demand_n     INTEGER NOT NULL DEFAULT 0,
    unserved_sum REAL NOT NULL DEFAULT 0,
    current_max  INTEGER NOT NULL,
    desired_max  INTEGER NOT NULL,
    ready_min    INTEGER NOT NULL,
    PRIMARY KEY (workload_id, resolution, bucket)
) WITHOUT ROWID;

-- Per-instance load for the recent window (`retention.instances`).
CREATE TABLE instance_samples (
    workload_id INTEGER NOT NULL,
    at          TEXT NOT NULL,
    instance    TEXT NOT NULL,
    state       TEXT NOT NULL,
    load        REAL,
    PRIMARY KEY (workload_id, at, instance)
) WITHOUT ROWID;

-- Append-only audit trail: no update or delete path, enforced here.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    comment     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_time ON audit_log (at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Operator overrides: pin N replicas, or pause scale-in / scale-out, until a time, with a
-- reason. They expire by themselves; ending one early sets `ended_at`.
CREATE TABLE overrides (
    id          INTEGER PRIMARY KEY,
    workload_id INTEGER NOT NULL REFERENCES workloads (id),
    kind        TEXT NOT NULL CHECK (kind IN ('pin', 'pause_scale_in', 'pause_scale_out', 'pause_both')),
    replicas    INTEGER CHECK (replicas IS NULL OR replicas >= 0),
    until       TEXT NOT NULL,
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    actor       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    ended_at    TEXT,
    CHECK ((kind = 'pin') = (replicas IS NOT NULL))
);
CREATE INDEX overrides_by_workload ON overrides (workload_id, until);
