-- Fewer pages written per ES9+ step (SQLite). Same schema intent as
-- ../postgres/20261203000002_smdpp_es9plus_writes.sql; keep the two in step.
--
-- Every page a transaction changes is one WAL frame written at commit and copied back at
-- the next checkpoint; a download measured about 23 frames before this migration.

-- SubjectPublicKeyInfo (DER) of the validated CERT.EUICC.ECDSA: all that GetBoundProfilePackage,
-- CancelSession and the installation result need (SGP.22 §5.6.2, §5.6.5, §5.6.4), a fifth of
-- the certificate's size, and no certificate parse per call. `euicc_certificate` is no longer
-- written; it is still read for sessions created before this migration.
ALTER TABLE smdpp_rsp_sessions ADD COLUMN euicc_public_key BLOB;

-- WITHOUT ROWID: the challenge is the key of the table itself, so marking one used writes one
-- B-tree page instead of two (the table and its primary-key index).
CREATE TABLE smdpp_euicc_challenges_new (
    euicc_challenge BLOB    NOT NULL PRIMARY KEY,
    created_at_ms   INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO smdpp_euicc_challenges_new (euicc_challenge, created_at_ms)
    SELECT euicc_challenge, created_at_ms FROM smdpp_euicc_challenges;
DROP TABLE smdpp_euicc_challenges;
ALTER TABLE smdpp_euicc_challenges_new RENAME TO smdpp_euicc_challenges;

-- The state of a Profile changes at every download step; an index keyed on it moved an
-- entry (two pages) each time. Stock lookups only ever ask for Available Profiles, so they
-- get a partial index that a download never touches, and the Profile Type check an index
-- without state.
DROP INDEX smdpp_profiles_stock;
CREATE INDEX smdpp_profiles_available ON smdpp_profiles (operator_id, profile_type, iccid)
    WHERE state = 'Available';
CREATE INDEX smdpp_profiles_type ON smdpp_profiles (operator_id, profile_type);

-- Only bound Profiles are looked up by EID: binding one adds an entry instead of moving the
-- NULL entry every unbound Profile had.
DROP INDEX smdpp_profiles_eid;
CREATE INDEX smdpp_profiles_eid ON smdpp_profiles (eid) WHERE eid IS NOT NULL;
