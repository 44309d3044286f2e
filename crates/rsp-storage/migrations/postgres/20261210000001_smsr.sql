-- SGP.02 M2M SM-SR (EIS, operations, notifications), postgres. Same schema intent as
-- ../sqlite/20261210000001_smsr.sql; keep the two in step.

-- One row per eUICC: the EIS as a JSON document with a version (changed only at the
-- version read), the ISD-R keys sealed under the data key (never in clear), and the last
-- SCP80 counter used (the next one is allocated by one UPDATE … RETURNING).
CREATE TABLE smsr_euiccs (
    eid         TEXT    NOT NULL PRIMARY KEY,
    eis         TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    keys_sealed BYTEA    NOT NULL,
    key_id      TEXT    NOT NULL,
    -- The SCP81 PSK identity (not secret), to find the eUICC of an admin session.
    psk_identity TEXT,
    counter     BIGINT  NOT NULL,
    -- The highest counter of an MO packet (notification) accepted from the eUICC.
    mo_counter  BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL
);

CREATE UNIQUE INDEX smsr_euiccs_psk_identity ON smsr_euiccs (psk_identity);

-- Operations per eUICC, run in order, one at a time: queued → sent (attempts, counter of the
-- last attempt, next_attempt_at) → done | failed (outcome JSON).
CREATE TABLE smsr_operations (
    id              BIGSERIAL PRIMARY KEY,
    eid             TEXT    NOT NULL,
    function        TEXT    NOT NULL,
    requester       TEXT    NOT NULL,
    transport       TEXT    NOT NULL CHECK (transport IN ('sms', 'https')),
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'sent', 'done', 'failed')),
    attempts        BIGINT  NOT NULL DEFAULT 0,
    counter         BIGINT,
    message_id      TEXT,
    reply_to        TEXT,
    created_at      BIGINT  NOT NULL,
    expires_at      BIGINT  NOT NULL,
    next_attempt_at BIGINT  NOT NULL,
    outcome         TEXT,
    updated_at      BIGINT  NOT NULL
);

CREATE INDEX smsr_operations_eid ON smsr_operations (eid, status, id);
CREATE INDEX smsr_operations_due ON smsr_operations (status, next_attempt_at);
CREATE INDEX smsr_operations_counter ON smsr_operations (eid, counter);

-- Default notifications received (an eUICC repeats one until it is confirmed).
CREATE TABLE smsr_notifications (
    eid         TEXT    NOT NULL,
    sequence    BIGINT  NOT NULL,
    kind        BIGINT  NOT NULL,
    isd_p_aid   TEXT,
    received_at BIGINT  NOT NULL,
    PRIMARY KEY (eid, sequence)
);

-- Every MSISDN of every Profile of a registered eUICC, to know which eUICC an MO SMS
-- (PoR or notification) comes from; rewritten with each EIS change.
CREATE TABLE smsr_msisdns (
    msisdn TEXT NOT NULL PRIMARY KEY,
    eid    TEXT NOT NULL
);

CREATE INDEX smsr_msisdns_eid ON smsr_msisdns (eid);

-- Notices to callers (operation results for a ReplyTo, Profile changes for Operators),
-- queued in the transaction of the change they report: pending → done | failed. A claim
-- moves due_at forward (a lease), so a sender that dies leaves the notice to another.
CREATE TABLE smsr_outbox (
    id          BIGSERIAL PRIMARY KEY,
    destination TEXT    NOT NULL,
    notice      TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    attempts    BIGINT  NOT NULL DEFAULT 0,
    due_at      BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL
);

CREATE INDEX smsr_outbox_due ON smsr_outbox (state, due_at);
