-- ES9+ (SGP.22 §5.6): Profile Metadata columns and the RSP sessions (PostgreSQL). Same schema
-- intent as ../sqlite/20261128000002_smdpp_es9plus.sql; keep the two in step.

-- StoreMetadataRequest fields (SGP.22 §5.5.3); profile_class: test 0, provisioning 1,
-- operational 2.
ALTER TABLE smdpp_profiles ADD COLUMN service_provider_name TEXT NOT NULL DEFAULT '';
ALTER TABLE smdpp_profiles ADD COLUMN profile_name TEXT NOT NULL DEFAULT '';
ALTER TABLE smdpp_profiles ADD COLUMN profile_class BIGINT  NOT NULL DEFAULT 2
    CHECK (profile_class IN (0, 1, 2));

-- One row per RSP session (transactionId), so any server process can serve the next call.
CREATE TABLE smdpp_rsp_sessions (
    -- Upper-case hex of the transactionId.
    transaction_id    TEXT    NOT NULL PRIMARY KEY,
    phase             TEXT    NOT NULL CHECK (phase IN ('Initiated', 'Authenticated',
                          'BppDelivered', 'Closed')),
    ci_key_id         BYTEA   NOT NULL,
    euicc_challenge   BYTEA   NOT NULL,
    server_challenge  BYTEA   NOT NULL,
    operator_id       TEXT,
    iccid             TEXT,
    eid               TEXT,
    euicc_certificate BYTEA,
    smdp_signature2   BYTEA,
    cc_required       BIGINT  NOT NULL DEFAULT 0 CHECK (cc_required IN (0, 1)),
    euicc_otpk        BYTEA,
    -- otSK.DP.ECKA (PKCS#8) sealed with AES-256-GCM, AAD binds the transactionId.
    otsk_dp_enc       BYTEA,
    otsk_key_id       TEXT,
    created_at_ms     BIGINT  NOT NULL,
    expires_at_ms     BIGINT  NOT NULL,
    version           BIGINT  NOT NULL DEFAULT 0
);

CREATE INDEX smdpp_rsp_sessions_expiry ON smdpp_rsp_sessions (expires_at_ms);

-- Every euiccChallenge ever used with this SM-DP+: a replay violates the primary key.
CREATE TABLE smdpp_euicc_challenges (
    euicc_challenge BYTEA   NOT NULL PRIMARY KEY,
    created_at_ms   BIGINT  NOT NULL
);
