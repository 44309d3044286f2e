-- eIM (SGP.32 v1.2 §2.11, ESipa §5.14), postgres. Same schema intent as
-- ../sqlite/20261207000001_eim.sql; keep the two in step.

-- Tenants (IoT service providers): one API bearer token each, stored as its SHA-256 only.
CREATE TABLE eim_tenants (
    id            TEXT    NOT NULL PRIMARY KEY,
    token_sha256  BYTEA    NOT NULL UNIQUE,
    webhook_url   TEXT
);

-- The eUICC registry with the eIM's association on each eUICC. counter_value is the last
-- counter used in a package: the next one is allocated by one UPDATE … RETURNING.
CREATE TABLE eim_euiccs (
    eid               TEXT    NOT NULL PRIMARY KEY,
    tenant            TEXT    NOT NULL,
    eim_id            TEXT    NOT NULL,
    counter_value     BIGINT NOT NULL,
    association_token BIGINT,
    curve             TEXT    NOT NULL,
    euicc_certificate BYTEA,
    eum_certificate   BYTEA,
    -- The eUICC's state as the eIM knows it (JSON).
    state             TEXT    NOT NULL,
    created_at_ms     BIGINT NOT NULL
);

CREATE INDEX eim_euiccs_tenant ON eim_euiccs (tenant, eid);

-- Operations queued per eUICC, run in order, one in flight: pending → delivered (leased
-- until lease_until_ms; the same message is handed out again after it) → done | failed.
CREATE TABLE eim_operations (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    eid            TEXT    NOT NULL,
    tenant         TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'done', 'failed')),
    transaction_id BYTEA,
    counter_value  BIGINT,
    message        BYTEA,
    result         TEXT,
    deliveries     BIGINT NOT NULL DEFAULT 0,
    lease_until_ms BIGINT,
    created_at_ms  BIGINT NOT NULL,
    updated_at_ms  BIGINT NOT NULL
);

CREATE INDEX eim_operations_eid ON eim_operations (eid, status, id);
CREATE INDEX eim_operations_tid ON eim_operations (eid, transaction_id);

-- Every result received, accepted or refused (with why).
CREATE TABLE eim_results (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    eid           TEXT    NOT NULL,
    operation_id  BIGINT,
    accepted      BIGINT NOT NULL CHECK (accepted IN (0, 1)),
    reason        TEXT    NOT NULL,
    der           BYTEA    NOT NULL,
    created_at_ms BIGINT NOT NULL
);

CREATE INDEX eim_results_eid ON eim_results (eid, id);

-- Notifications received from IPAs (DER as re-encoded from the received value).
CREATE TABLE eim_notifications (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    eid           TEXT,
    der           BYTEA    NOT NULL,
    forward_to    TEXT,
    created_at_ms BIGINT NOT NULL
);

-- Messages to send, retried: results to tenants' webhooks, notifications to SM-DP+s.
-- A row whose due_at_ms is NULL was given up.
CREATE TABLE eim_outbox (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('webhook', 'es9')),
    target        TEXT    NOT NULL,
    body          BYTEA    NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    due_at_ms     BIGINT,
    last_error    TEXT,
    created_at_ms BIGINT NOT NULL
);

CREATE INDEX eim_outbox_due ON eim_outbox (due_at_ms);
