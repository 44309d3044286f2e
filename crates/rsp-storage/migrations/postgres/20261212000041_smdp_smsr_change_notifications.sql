-- SGP.02 M2M SM-DP: the SM-SRs' ES3 HandleSMSRChangeNotification joins the notifications
-- passed on to the Operators (as ES2 HandleSMSRChangeNotification), postgres. Same schema
-- intent as ../sqlite/20261212000041_smdp_smsr_change_notifications.sql; keep the two in
-- step.
--
-- kind 'smsr_change': no ICCID; eis holds the EIS as the SM-SR sent it (its web-service
-- element, without ISD-R keys), passed on as it came. One SM-SR change notification goes
-- to every Operator with a Profile this SM-DP put on the eUICC: one row per (SM-SR,
-- wsa:MessageID, Operator), an unrouted one with no Operator.
ALTER TABLE smdp_notifications DROP CONSTRAINT smdp_notifications_kind_check;
ALTER TABLE smdp_notifications ADD CONSTRAINT smdp_notifications_kind_check
    CHECK (kind IN ('enabled', 'disabled', 'deleted', 'smsr_change'));
ALTER TABLE smdp_notifications ALTER COLUMN iccid DROP NOT NULL;
ALTER TABLE smdp_notifications ADD COLUMN eis TEXT;
ALTER TABLE smdp_notifications ADD CONSTRAINT smdp_notifications_subject_check
    CHECK ((kind = 'smsr_change') = (eis IS NOT NULL AND iccid IS NULL));

ALTER TABLE smdp_notifications DROP CONSTRAINT smdp_notifications_smsr_id_message_id_key;
CREATE UNIQUE INDEX smdp_notifications_message
    ON smdp_notifications (smsr_id, message_id, COALESCE(operator_id, ''));
