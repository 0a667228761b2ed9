-- The SLA watcher's queue: one row per case whose SLA must be looked at again, and when. Keep in
-- step with ../sqlite/0006_sla_checks.sql, where it is a view over an index on cases.
--
-- `cases.sla_next_check_at` stays the case's own value; this table is its index, kept equal to it
-- by the store at every commit (SqlTx's pending SLA checks). It used to be an index on `cases`
-- itself, so every SLA write changed an indexed column, and PostgreSQL then writes new entries
-- into all the indexes of cases. Moving the next check of 60,000 cases took 4.7 s that way, and
-- 2.2 s (cases) + 0.9 s (this table) this way (psql, the SLA benchmark's database; with the fill
-- factor below, the cases part becomes heap-only updates).
-- No foreign key: cases are never deleted, and on PostgreSQL the key check locks each case row,
-- which made a recompute that starts 60,000 clocks 0.8 s slower.
CREATE TABLE sla_checks (
    case_id TEXT PRIMARY KEY,
    next_check_at BIGINT NOT NULL
);
CREATE INDEX sla_checks_due ON sla_checks (next_check_at, case_id);
INSERT INTO sla_checks (case_id, next_check_at)
    SELECT id, sla_next_check_at FROM cases WHERE sla_next_check_at IS NOT NULL;
DROP INDEX cases_sla_check;

-- Room on every page of cases for new row versions: a recompute then rewrites a case's SLA columns
-- (none of them indexed) as a heap-only (HOT) update, without touching the ten indexes of cases.
-- It applies to pages written from now on; `VACUUM FULL cases` applies it to the existing ones.
ALTER TABLE cases SET (fillfactor = 50);
