-- Package version and download retry (SQLite). Same schema intent as
-- ../postgres/20261205000002_smdpp_download_retry.sql; keep the two in step.

-- The SAIP version of the package (ProfileHeader major * 256 + minor), compared with the
-- eUICC's EUICCInfo2.profileVersion at the eligibility check (SGP.22 §3.1.3.1). NULL: not
-- known (packages imported before this migration), taken as v2.0.
ALTER TABLE smdpp_profiles ADD COLUMN package_version INTEGER
    CHECK (package_version IS NULL OR package_version BETWEEN 0 AND 65535);

-- transactionId of the RSP session that last delivered the Profile's BPP: a new session of
-- the same eUICC finds the earlier otPK.EUICC.ECKA there (SGP.22 §3.1.3, §5.6.2 retry).
ALTER TABLE smdpp_profiles ADD COLUMN bpp_transaction_id BLOB;
