-- Order controls and Profile Policy Rules (PostgreSQL). Same schema intent as
-- ../sqlite/20261205000001_smdpp_order_controls.sql; keep the two in step.

-- The controls of the current order (rsp_smdpp::order_controls, SGP.22 §5.6.3 8.8.5/4.10
-- and 8.8.5/6.4). Orders created before this migration never expire and allow unlimited
-- download attempts (NULL expiry, limit 0).
ALTER TABLE smdpp_profiles ADD COLUMN order_expires_at_ms BIGINT;
ALTER TABLE smdpp_profiles ADD COLUMN order_on_expiry TEXT NOT NULL DEFAULT 'Available'
    CHECK (order_on_expiry IN ('Available', 'Unavailable'));
ALTER TABLE smdpp_profiles ADD COLUMN download_attempts BIGINT NOT NULL DEFAULT 0
    CHECK (download_attempts >= 0);
ALTER TABLE smdpp_profiles ADD COLUMN max_download_attempts BIGINT NOT NULL DEFAULT 0
    CHECK (max_download_attempts >= 0);

-- Profile Policy Rules (SGP.22 §2.9.1) as the PprIds bits: 1 pprUpdateControl, 2 ppr1,
-- 4 ppr2. Fixed at import, like the rest of the Profile Metadata.
ALTER TABLE smdpp_profiles ADD COLUMN profile_policy_rules BIGINT NOT NULL DEFAULT 0
    CHECK (profile_policy_rules BETWEEN 0 AND 7);
