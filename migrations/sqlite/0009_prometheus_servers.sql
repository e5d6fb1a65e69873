-- Prometheus servers that policies query (admin settings, each change audited). `settings` is
-- JSON without secrets: a bearer token or basic-auth password is a file referenced by path,
-- as backend secrets are.
CREATE TABLE prometheus_servers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    settings TEXT NOT NULL,
    created_at TEXT NOT NULL
);
