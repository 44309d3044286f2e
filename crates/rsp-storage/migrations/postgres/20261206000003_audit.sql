-- Audit trail (SAS-SM), postgres. Same schema intent as ../sqlite/20261206000003_audit.sql;
-- keep the two in step.
--
-- Append-only: each record holds the SHA-256 of the previous record's hash and its own
-- fields (src/audit.rs gives the exact encoding), so changing, removing or reordering a
-- record breaks the chain from there on; checkpoints sign the head of the chain with a
-- dedicated audit key. No secret is ever written here.
CREATE TABLE audit_log (
    id         BIGINT NOT NULL PRIMARY KEY,
    at_ms      BIGINT NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    details    TEXT    NOT NULL,
    prev_hash  BYTEA   NOT NULL,
    hash       BYTEA   NOT NULL
);

-- Events written in the transaction of the change they record (so none is lost and none is
-- recorded for a change rolled back), chained into audit_log in batches by a background
-- task: the chain's single writer lock is taken once per batch, not once per change.
CREATE TABLE audit_inbox (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms    BIGINT NOT NULL,
    actor    TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    subject  TEXT    NOT NULL,
    details  TEXT    NOT NULL
);

CREATE TABLE audit_checkpoints (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_id   BIGINT NOT NULL,
    hash        BYTEA   NOT NULL,
    at_ms       BIGINT NOT NULL,
    -- ECDSA (DER) over record_id (8 bytes, big-endian) || hash, by the audit key.
    signature   BYTEA   NOT NULL,
    -- SubjectPublicKeyInfo (DER) of the audit key.
    public_key  BYTEA   NOT NULL
);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
