-- The SLA watcher's queue: the cases whose SLA must be looked at again, and when. Keep in step with
-- ../postgres/0006_sla_checks.sql, where it is a table of its own.
--
-- Here it stays a view over the index on `cases.sla_next_check_at`: SQLite changes an index entry
-- in place, so an SLA write costs the same either way, and a table of its own made a recompute that
-- starts 60,000 clocks about a second slower (docs/BENCHMARKS.md). On PostgreSQL every change of
-- an indexed column writes new entries into all the indexes of cases, hence the table there.
CREATE VIEW sla_checks AS
    SELECT id AS case_id, sla_next_check_at AS next_check_at FROM cases WHERE sla_next_check_at IS NOT NULL;
