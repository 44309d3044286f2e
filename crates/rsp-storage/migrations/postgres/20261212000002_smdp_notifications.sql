-- SGP.02 M2M SM-DP: the SM-SRs' ES3 notifications (HandleProfileEnabled/Disabled/Deleted-
-- Notification) as received, each also the outbox entry of the ES2 notification passing it
-- on to the Operator that owns the Profile, postgres. Same schema intent as
-- ../sqlite/20261212000002_smdp_notifications.sql; keep the two in step.
--
-- One row per (SM-SR, wsa:MessageID): a notification delivered twice is recorded once.
-- state: pending → done | failed (the Operator's ES2 endpoint), or unrouted (no order of
-- this SM-DP put the Profile on that eUICC: nobody to pass it on to). A claim moves due_at
-- forward (a lease), so a sender that dies leaves the entry to another.
CREATE TABLE smdp_notifications (
    id            BIGSERIAL PRIMARY KEY,
    smsr_id       TEXT    NOT NULL,
    message_id    TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('enabled', 'disabled', 'deleted')),
    eid           TEXT    NOT NULL,
    iccid         TEXT    NOT NULL,
    completed_at  TEXT    NOT NULL,
    operator_id   TEXT,
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'unrouted')),
    attempts      BIGINT  NOT NULL DEFAULT 0,
    due_at        BIGINT  NOT NULL,
    received_at   BIGINT  NOT NULL,
    UNIQUE (smsr_id, message_id)
);

CREATE INDEX smdp_notifications_due ON smdp_notifications (state, due_at);
CREATE INDEX smdp_notifications_iccid ON smdp_notifications (iccid, id);
