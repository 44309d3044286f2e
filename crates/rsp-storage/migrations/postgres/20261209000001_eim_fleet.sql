-- eIM at fleet scale (docs/benchmarks.md "Fleet scale on PostgreSQL"). Same in
-- ../sqlite and ../postgres.

-- The unfinished operations only: a poll's claim (the oldest pending or delivered
-- operation of one EID) and the rsp_eim_pending_operations count read this small index,
-- which finished operations, however many, leave alone.
CREATE INDEX eim_operations_open ON eim_operations (eid, id)
    WHERE status IN ('pending', 'delivered');
