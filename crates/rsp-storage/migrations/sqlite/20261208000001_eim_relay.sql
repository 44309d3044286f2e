-- eIM indirect Profile download (SGP.32 v1.2 §5.14.1-§5.14.5), sqlite. Same schema intent
-- as ../postgres/20261208000001_eim_relay.sql; keep the two in step.

-- One row per RSP session the eIM relays to an SM-DP+ for an IPA: the SM-DP+'s
-- transactionId, where to relay the next step, and the eIM's download order (if any).
CREATE TABLE eim_relay_sessions (
    transaction_id BLOB    NOT NULL PRIMARY KEY,
    smdp_address   TEXT    NOT NULL,
    operation_id   INTEGER,
    eid            TEXT,
    created_at_ms  INTEGER NOT NULL
);

-- The IPA names the eIM's order by its eimTransactionId only (no EID in the request).
CREATE INDEX eim_operations_tid_only ON eim_operations (transaction_id);
