-- SM-DS (SGP.22 §3.6, ES12 §5.5, ES11 §5.8, ES15 cascade), postgres. Same schema intent as
-- ../sqlite/20261206000001_smds.sql; keep the two in step.

-- Event Records. The EventID is unique per owner (the registering SM-DP+ or Alternative
-- SM-DS, named by its TLS client certificate); an EID may have several events.
CREATE TABLE smds_events (
    id                 BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner              TEXT    NOT NULL,
    event_id           TEXT    NOT NULL,
    eid                TEXT    NOT NULL,
    rsp_server_address TEXT    NOT NULL,
    forwarding         BIGINT NOT NULL DEFAULT 0 CHECK (forwarding IN (0, 1)),
    created_at_ms      BIGINT NOT NULL,
    UNIQUE (owner, event_id)
);

CREATE INDEX smds_events_eid ON smds_events (eid, id);

-- ES11 sessions (transactionId), single use: completed once AuthenticateClient answered.
CREATE TABLE smds_sessions (
    -- Upper-case hex of the transactionId.
    transaction_id   TEXT    NOT NULL PRIMARY KEY,
    ci_key_id        BYTEA   NOT NULL,
    euicc_challenge  BYTEA   NOT NULL,
    server_challenge BYTEA   NOT NULL,
    created_at_ms    BIGINT NOT NULL,
    expires_at_ms    BIGINT NOT NULL,
    completed        BIGINT NOT NULL DEFAULT 0 CHECK (completed IN (0, 1))
);

CREATE INDEX smds_sessions_expiry ON smds_sessions (expires_at_ms);

-- Every euiccChallenge used with this SM-DS: a replay violates the primary key.
CREATE TABLE smds_euicc_challenges (
    euicc_challenge BYTEA   NOT NULL PRIMARY KEY,
    created_at_ms   BIGINT NOT NULL
);

-- An Alternative SM-DS's cascade event at the Root SM-DS, one per EID: wanted while a
-- forwarded event of the EID exists here, registered once the root acknowledged. A row
-- where the two differ is due for sending (ES15) at due_at_ms.
CREATE TABLE smds_cascades (
    eid           TEXT    NOT NULL PRIMARY KEY,
    event_id      TEXT    NOT NULL,
    root_address  TEXT    NOT NULL,
    wanted        BIGINT NOT NULL CHECK (wanted IN (0, 1)),
    registered    BIGINT NOT NULL DEFAULT 0 CHECK (registered IN (0, 1)),
    attempts      BIGINT NOT NULL DEFAULT 0,
    due_at_ms     BIGINT NOT NULL,
    last_error    TEXT
);

CREATE INDEX smds_cascades_due ON smds_cascades (due_at_ms);
