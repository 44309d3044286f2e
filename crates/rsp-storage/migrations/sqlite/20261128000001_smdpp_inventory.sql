-- SM-DP+ Profile inventory and ES2+ outbox (SQLite). Same schema intent as
-- ../postgres/20261128000001_smdpp_inventory.sql; keep the two in step.

CREATE TABLE smdpp_profiles (
    -- Significant digits of the ICCID (no padding F): unique over the whole SM-DP+.
    iccid           TEXT    NOT NULL PRIMARY KEY,
    operator_id     TEXT    NOT NULL,
    profile_type    TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('Available', 'Allocated', 'Linked',
                        'Confirmed', 'Released', 'Downloaded', 'Installed', 'Error', 'Unavailable')),
    eid             TEXT,
    -- Set once, never cleared: a Profile is bound to at most one EID, ever.
    eid_ever_bound  TEXT,
    matching_id     TEXT    UNIQUE,
    cc_hash         BLOB    CHECK (cc_hash IS NULL OR length(cc_hash) = 32),
    cc_attempts     INTEGER NOT NULL DEFAULT 0,
    cc_max_attempts INTEGER NOT NULL DEFAULT 0,
    smds_address    TEXT,
    downloaded_ever INTEGER NOT NULL DEFAULT 0 CHECK (downloaded_ever IN (0, 1)),
    -- AES-256-GCM: nonce (12) || ciphertext || tag (16); AAD binds the ICCID.
    package_enc     BLOB    NOT NULL,
    package_key_id  TEXT    NOT NULL,
    version         INTEGER NOT NULL DEFAULT 0,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    CHECK (eid IS NULL OR eid = eid_ever_bound)
);

CREATE INDEX smdpp_profiles_stock ON smdpp_profiles (operator_id, profile_type, state);
CREATE INDEX smdpp_profiles_eid ON smdpp_profiles (eid);

-- ES2+.HandleDownloadProgressInfo messages, written in the transaction of the state change.
CREATE TABLE smdpp_es2plus_outbox (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    operator_id           TEXT    NOT NULL,
    iccid                 TEXT    NOT NULL,
    eid                   TEXT,
    profile_type          TEXT    NOT NULL,
    notification_point_id INTEGER NOT NULL,
    point_status          TEXT    NOT NULL CHECK (point_status IN ('Executed-Success', 'Failed', 'Expired')),
    subject_code          TEXT,
    reason_code           TEXT,
    result_data           BLOB,
    event_time_ms         INTEGER NOT NULL,
    state                 TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'abandoned')),
    due_at_ms             INTEGER NOT NULL,
    attempts              INTEGER NOT NULL DEFAULT 0,
    last_error            TEXT,
    finished_at_ms        INTEGER
);

CREATE INDEX smdpp_es2plus_outbox_due ON smdpp_es2plus_outbox (state, due_at_ms);
