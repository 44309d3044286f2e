-- Profile Packages in their own table (SQLite). Same schema intent as
-- ../postgres/20261203000001_smdpp_packages.sql; keep the two in step.
--
-- A package (12-30 KB for TS.48-size profiles) never changes after import, while its
-- Profile row is updated at every state change: kept in the same row, every UPDATE would
-- rewrite the package's overflow pages too.

CREATE TABLE smdpp_profile_packages (
    iccid          TEXT NOT NULL PRIMARY KEY REFERENCES smdpp_profiles (iccid),
    -- AES-256-GCM: nonce (12) || ciphertext || tag (16); AAD binds the ICCID.
    package_enc    BLOB NOT NULL,
    package_key_id TEXT NOT NULL
);

INSERT INTO smdpp_profile_packages (iccid, package_enc, package_key_id)
    SELECT iccid, package_enc, package_key_id FROM smdpp_profiles;

-- Size in bytes of the plain package (the eligibility check of SGP.22 §3.1.3 compares it
-- with the eUICC's free memory).
ALTER TABLE smdpp_profiles ADD COLUMN package_size INTEGER NOT NULL DEFAULT 0
    CHECK (package_size >= 0);
UPDATE smdpp_profiles SET package_size = length(package_enc) - 28;

ALTER TABLE smdpp_profiles DROP COLUMN package_enc;
ALTER TABLE smdpp_profiles DROP COLUMN package_key_id;
