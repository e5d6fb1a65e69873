-- Backend errors as classes. Until now the controller stored a backend's own error text in
-- decision rows (`error`, and the sentence of BackendError rows) and in the workload's status
-- (`last_error`), where every viewer reads it; that text can hold anything the target answered
-- (tokens, internal host names). ebb now stores only the class (src/server/orchestrator/
-- fault.rs: unreachable, TLS, auth, HTTP status N, not found, conflict, rejected) and sends
-- the text to the server log. This rewrites what was stored before the same way. The labels,
-- hints and sentence below must match `Fault::label`, `Fault::hint` and `backend_sentence`
-- (the migration test checks they do).

-- Every stored backend error text once, with its class.
CREATE TEMP TABLE raw_backend_errors (raw TEXT PRIMARY KEY, label TEXT);
INSERT OR IGNORE INTO raw_backend_errors (raw)
    SELECT error FROM decisions WHERE outcome IN ('failed', 'error') AND error IS NOT NULL;
INSERT OR IGNORE INTO raw_backend_errors (raw)
    SELECT last_error FROM workload_status
    WHERE last_error LIKE 'backend unreachable: %' OR last_error LIKE 'concurrent change: %'
       OR last_error LIKE 'workload not found: %' OR last_error LIKE 'rejected by the backend: %';
UPDATE raw_backend_errors SET label = CASE
    WHEN raw IN ('unreachable', 'TLS', 'auth', 'not found', 'conflict', 'rejected') THEN raw
    WHEN raw LIKE 'backend unreachable: %' THEN 'unreachable'
    WHEN raw LIKE 'concurrent change: %' THEN 'conflict'
    WHEN raw LIKE 'workload not found: %' THEN 'not found'
    WHEN raw LIKE 'rejected by the backend: %the TLS files for % cannot be used%' THEN 'TLS'
    WHEN raw LIKE 'rejected by the backend: %Docker answered 401: %'
      OR raw LIKE 'rejected by the backend: %Docker answered 403: %' THEN 'auth'
    WHEN raw LIKE 'rejected by the backend: %Docker answered 400: %' THEN 'rejected'
    WHEN raw LIKE 'rejected by the backend: %Docker answered ___: %'
      AND substr(raw, instr(raw, 'Docker answered ') + 16, 3) GLOB '[0-9][0-9][0-9]'
      THEN 'HTTP status ' || substr(raw, instr(raw, 'Docker answered ') + 16, 3)
    ELSE 'rejected'
END;

-- What each class means, as `Fault::hint` says it.
CREATE TEMP TABLE fault_hints (label TEXT PRIMARY KEY, hint TEXT NOT NULL);
INSERT INTO fault_hints (label, hint) VALUES
    ('unreachable', 'the backend did not answer; check that it runs and that ebb can reach its address'),
    ('TLS', 'the TLS connection failed; check the backend''s certificate files and that it expects TLS'),
    ('auth', 'the backend refused ebb''s credentials; check what ebb was given'),
    ('HTTP status', 'the backend answered with an error'),
    ('not found', 'the backend has no such workload; was it removed or renamed?'),
    ('conflict', 'the workload changed meanwhile; ebb reads it again and retries'),
    ('rejected', 'the backend refused the request');

UPDATE decisions
SET error = (SELECT label FROM raw_backend_errors WHERE raw = decisions.error)
WHERE outcome IN ('failed', 'error') AND error IS NOT NULL;

-- BackendError sentences were 'Could not reach the backend (<text>); holding, next try in
-- N s.': rebuilt from the class, keeping N (the digits before the final ' s.').
CREATE TEMP TABLE backend_waits AS
    SELECT id,
           rtrim(core, '0123456789') AS before_wait,
           substr(core, length(rtrim(core, '0123456789')) + 1) AS wait
    FROM (SELECT id, substr(sentence, 1, length(sentence) - 3) AS core
          FROM decisions WHERE reason = 'BackendError' AND sentence LIKE '% s.');
UPDATE decisions
SET sentence = 'The backend call failed (' || COALESCE(error, 'rejected') || ': '
    || COALESCE((SELECT hint FROM fault_hints
                 WHERE label = CASE WHEN decisions.error LIKE 'HTTP status %' THEN 'HTTP status'
                                    ELSE decisions.error END),
                'the backend refused the request')
    || COALESCE((SELECT '); holding, next try in ' || w.wait || ' s.' FROM backend_waits w
                 WHERE w.id = decisions.id AND w.wait <> ''
                   AND substr(w.before_wait, -24) = '); holding, next try in '),
                '); holding, retrying with back-off.')
WHERE reason = 'BackendError';

-- The workload's last error, as the controller now writes it: 'backend <label>: <hint>'.
UPDATE workload_status
SET last_error = (
    SELECT 'backend ' || r.label || ': ' || h.hint
    FROM raw_backend_errors r
    JOIN fault_hints h
      ON h.label = CASE WHEN r.label LIKE 'HTTP status %' THEN 'HTTP status' ELSE r.label END
    WHERE r.raw = workload_status.last_error)
WHERE last_error IN (SELECT raw FROM raw_backend_errors);

DROP TABLE backend_waits;
DROP TABLE fault_hints;
DROP TABLE raw_backend_errors;
