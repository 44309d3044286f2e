-- SGP.02 M2M SM-DP (Profile inventory, DownloadProfile orders, results outbox), postgres. Same
-- schema intent as ../sqlite/20261211000001_smdp.sql; keep the two in step.

-- The Profile inventory: one row per Profile, its package sealed under the data key (the
-- ICCID as associated data, never in clear). available → allocated (by one conditional
-- UPDATE in the order's transaction) → installed | failed.
CREATE TABLE smdp_profiles (
    iccid           TEXT    NOT NULL PRIMARY KEY,
    profile_type    TEXT    NOT NULL,
    msisdn          TEXT,
    package_sealed  BYTEA    NOT NULL,
    key_id          TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('available', 'allocated', 'installed', 'failed')),
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL
);

CREATE INDEX smdp_profiles_pick ON smdp_profiles (profile_type, state, iccid);

-- DownloadProfile orders (ES2) with the stage the downloader reached (rsp_smdp::order::Stage
-- names). A worker holds an order while lease_until is in the future; its writes are
-- conditional on the lease it claimed.
CREATE TABLE smdp_orders (
    id           BIGSERIAL PRIMARY KEY,
    operator_id  TEXT    NOT NULL,
    message_id   TEXT,
    reply_to     TEXT,
    eid          TEXT    NOT NULL,
    smsr_id      TEXT    NOT NULL,
    iccid        TEXT    NOT NULL,
    profile_type TEXT    NOT NULL,
    mno_id       TEXT    NOT NULL,
    msisdn       TEXT,
    enable       BIGINT  NOT NULL,
    isdp_aid     TEXT,
    stage        TEXT    NOT NULL CHECK (stage IN ('accepted', 'isdp_created', 'installed',
                         'completed', 'enabled', 'failed')),
    ended        BIGINT  NOT NULL DEFAULT 0,
    -- Why it failed: the SGP.02 subject and reason codes of its response, and a message.
    error_subject TEXT,
    error_reason TEXT,
    error        TEXT,
    lease_until  BIGINT  NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);

CREATE INDEX smdp_orders_due ON smdp_orders (ended, lease_until, id);
CREATE INDEX smdp_orders_iccid ON smdp_orders (iccid);

-- DownloadProfileResponses to send (to the ReplyTo or the Operator's endpoint), queued in
-- the transaction that ends the order: pending → done | failed. A claim moves due_at
-- forward (a lease), so a sender that dies leaves the result to another.
CREATE TABLE smdp_outbox (
    id          BIGSERIAL PRIMARY KEY,
    notice      TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    attempts    BIGINT  NOT NULL DEFAULT 0,
    due_at      BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL
);

CREATE INDEX smdp_outbox_due ON smdp_outbox (state, due_at);
