-- SGP.02 M2M SM-DP: the SM-SRs' ES3 HandleSMSRChangeNotification joins the notifications
-- passed on to the Operators (as ES2 HandleSMSRChangeNotification), sqlite. Same schema
-- intent as ../postgres/20261212000041_smdp_smsr_change_notifications.sql; keep the two in
-- step.
--
-- kind 'smsr_change': no ICCID; eis holds the EIS as the SM-SR sent it (its web-service
-- element, without ISD-R keys), passed on as it came. One SM-SR change notification goes
-- to every Operator with a Profile this SM-DP put on the eUICC: one row per (SM-SR,
-- wsa:MessageID, Operator), an unrouted one with no Operator. SQLite cannot alter a CHECK
-- constraint: the table is rebuilt, rows and identifiers kept.
CREATE TABLE smdp_notifications_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    smsr_id       TEXT    NOT NULL,
    message_id    TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('enabled', 'disabled', 'deleted', 'smsr_change')),
    eid           TEXT    NOT NULL,
    iccid         TEXT,
    eis           TEXT,
    completed_at  TEXT    NOT NULL,
    operator_id   TEXT,
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'unrouted')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    due_at        INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    CHECK ((kind = 'smsr_change') = (eis IS NOT NULL AND iccid IS NULL))
);

INSERT INTO smdp_notifications_new (id, smsr_id, message_id, kind, eid, iccid, completed_at,
    operator_id, state, attempts, due_at, received_at)
SELECT id, smsr_id, message_id, kind, eid, iccid, completed_at, operator_id, state, attempts,
    due_at, received_at
FROM smdp_notifications;

DROP TABLE smdp_notifications;
ALTER TABLE smdp_notifications_new RENAME TO smdp_notifications;

CREATE UNIQUE INDEX smdp_notifications_message
    ON smdp_notifications (smsr_id, message_id, COALESCE(operator_id, ''));
CREATE INDEX smdp_notifications_due ON smdp_notifications (state, due_at);
CREATE INDEX smdp_notifications_iccid ON smdp_notifications (iccid, id);
