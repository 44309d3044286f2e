-- SGP.02 M2M SM-DP: each queued DownloadProfileResponse names its order, postgres. Same
-- schema intent as ../sqlite/20261212000042_smdp_result_order.sql; keep the two in step.
--
-- The result of a synchronous DownloadProfile (no ReplyTo) is queued held back (due_at in
-- the future) and marked done when the waiting HTTP answer carried it, found by its order.
-- Rows queued before this migration have none.
ALTER TABLE smdp_outbox ADD COLUMN order_id BIGINT;

CREATE INDEX smdp_outbox_order ON smdp_outbox (order_id);
