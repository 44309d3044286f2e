-- SGP.02 M2M SM-DP: orders leased by token and DownloadProfile de-duplicated by MessageID,
-- postgres. Same schema intent as ../sqlite/20261212000005_smdp_order_lease.sql; keep the two in step.

-- The token of the claim that holds an order (random, per claim). A worker's checkpoints,
-- lease renewals and the end of the order are conditional on it, so a renewed lease keeps
-- the worker's claim and a worker whose lease ran out and was taken over writes nothing.
ALTER TABLE smdp_orders ADD COLUMN lease_token BIGINT NOT NULL DEFAULT 0;

-- A DownloadProfile sent again with the same wsa:MessageID by the same Operator (a retry)
-- is the same order (NULL MessageIDs are not compared).
CREATE UNIQUE INDEX smdp_orders_message ON smdp_orders (operator_id, message_id);
