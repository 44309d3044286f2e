-- Fewer index entries written per ES9+ step (PostgreSQL). Same schema intent as
-- ../sqlite/20261203000002_smdpp_es9plus_writes.sql; keep the two in step (the SQLite side
-- also rebuilds smdpp_euicc_challenges WITHOUT ROWID, which PostgreSQL has no equivalent
-- for).

-- SubjectPublicKeyInfo (DER) of the validated CERT.EUICC.ECDSA: all that GetBoundProfilePackage,
-- CancelSession and the installation result need (SGP.22 §5.6.2, §5.6.5, §5.6.4), a fifth of
-- the certificate's size, and no certificate parse per call. `euicc_certificate` is no longer
-- written; it is still read for sessions created before this migration.
ALTER TABLE smdpp_rsp_sessions ADD COLUMN euicc_public_key BYTEA;

-- Stock lookups only ever ask for Available Profiles: a partial index that a download never
-- touches, and for the Profile Type check an index without state.
DROP INDEX smdpp_profiles_stock;
CREATE INDEX smdpp_profiles_available ON smdpp_profiles (operator_id, profile_type, iccid)
    WHERE state = 'Available';
CREATE INDEX smdpp_profiles_type ON smdpp_profiles (operator_id, profile_type);

-- Only bound Profiles are looked up by EID.
DROP INDEX smdpp_profiles_eid;
CREATE INDEX smdpp_profiles_eid ON smdpp_profiles (eid) WHERE eid IS NOT NULL;
