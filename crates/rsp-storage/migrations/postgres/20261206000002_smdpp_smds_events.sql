-- The SM-DP+'s Event Records at SM-DSes (ES12, SGP.22 §3.6.1, §5.3.2), postgres. Same schema
-- intent as ../sqlite/20261206000002_smdpp_smds_events.sql; keep the two in step.
--
-- A Released order confirmed with an smdsAddress (and its EID and MatchingID) wants an
-- event at that SM-DS; the Profile row, written in the order's own transaction, is the
-- source of truth. One row here per registration in progress or done: the sender adds
-- the row, registers the event, and deletes it at the SM-DS once the order no longer wants
-- it (downloaded, cancelled, expired), then forgets the row.
CREATE TABLE smdpp_smds_events (
    iccid         TEXT    NOT NULL PRIMARY KEY,
    smds_address  TEXT    NOT NULL,
    event_id      TEXT    NOT NULL,
    eid           TEXT    NOT NULL,
    registered    BIGINT NOT NULL DEFAULT 0 CHECK (registered IN (0, 1)),
    attempts      BIGINT NOT NULL DEFAULT 0,
    due_at_ms     BIGINT NOT NULL,
    last_error    TEXT
);

CREATE INDEX smdpp_smds_events_due ON smdpp_smds_events (due_at_ms);

-- The orders that name an SM-DS, for the sender's scan.
CREATE INDEX smdpp_profiles_smds ON smdpp_profiles (smds_address)
    WHERE smds_address IS NOT NULL;
