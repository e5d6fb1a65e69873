-- Failing and restarting instances in the workload's history. The controller records them as
-- decisions (reason InstanceFailures, outcome error), at most one row per workload per few
-- minutes; what it already reported is kept with the workload's status so a restart of ebb
-- neither repeats nor loses a report. Instance samples keep each instance's restart count for
-- the instance table, and history filters by reason get an index.
ALTER TABLE workload_status ADD COLUMN faults TEXT NOT NULL DEFAULT '{}';
ALTER TABLE instance_samples ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX decisions_by_reason ON decisions (reason, at);
