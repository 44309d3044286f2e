-- Audit trail (SAS-SM), sqlite. Same schema intent as ../postgres/20261206000003_audit.sql;
-- keep the two in step.
--
-- Append-only: each record holds the SHA-256 of the previous record's hash and its own
-- fields (src/audit.rs gives the exact encoding), so changing, removing or reordering a
-- record breaks the chain from there on; checkpoints sign the head of the chain with a
-- dedicated audit key. No secret is ever written here.
CREATE TABLE audit_log (
    id         INTEGER NOT NULL PRIMARY KEY,
    at_ms      INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    details    TEXT    NOT NULL,
    prev_hash  BLOB   NOT NULL,
    hash       BLOB   NOT NULL
);

-- Events written in the transaction of the change they record (so none is lost and none is
-- recorded for a change rolled back), chained into audit_log in batches by a background
-- task: the chain's single writer lock is taken once per batch, not once per change.
CREATE TABLE audit_inbox (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms    INTEGER NOT NULL,
    actor    TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    subject  TEXT    NOT NULL,
    details  TEXT    NOT NULL
);

CREATE TABLE audit_checkpoints (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id   INTEGER NOT NULL,
    hash        BLOB   NOT NULL,
    at_ms       INTEGER NOT NULL,
    -- ECDSA (DER) over record_id (8 bytes, big-endian) || hash, by the audit key.
    signature   BLOB   NOT NULL,
    -- SubjectPublicKeyInfo (DER) of the audit key.
    public_key  BLOB   NOT NULL
);

CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_checkpoints_append_only_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_append_only_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
